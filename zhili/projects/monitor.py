"""The derived side of tax-source monitoring: `ExpectedTax` rows computed from each project's months and facts by
the rules (taxes.py), rewritten whenever what they depend on changes — a project's method, management or
contractor (its relation), its months, the subdistrict's setup, or the rules file (`zhili tax recompute`).

`refresh(project_ids)` is called by every write that changes those inputs (actions, importers, the demo), inside
the writer's transaction, so the expected taxes are never older than the figures they come from.

It must keep up with a city (20,000 projects × 36 months, `python -m bench tax-compute`), so it does not call
`taxes.expected` row by row: it reads the months in one `values_list` query, takes the rates once per month from
the same `Rules`, computes in whole fen with exact rational rounding (half up, as `taxes._fen` rounds a Decimal)
and writes with one `executemany`. The results are the same as `taxes.expected`'s, field by field, note included
(tests/test_projects_monitor.py checks it on random projects and months); taxes.py stays the readable statement of
the rules.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zhili.projects import taxes
from zhili.projects.models import ExpectedTax, Project, ProjectMonth, TaxSetup

CHUNK = 5000  # project ids per query when given a list (SQLite's bound-parameter limit)
NOTE_LIMIT = 300


def facts(project: Project, setup: TaxSetup) -> taxes.Project:
    return taxes.Project(
        method=taxes.Method(project.method),
        relation=taxes.Relation(project.relation),
        location=taxes.LocationClass(setup.location_class),
        management=taxes.Management(project.management),
    )


def _ratio(value: Decimal) -> tuple[int, int]:
    f = Fraction(value)
    return f.numerator, f.denominator


def _half_up(num: int, den: int) -> int:
    """num/den rounded to an integer, half away from zero (den > 0) — Decimal's ROUND_HALF_UP."""
    if num >= 0:
        return (2 * num + den) // (2 * den)
    return -((-2 * num + den) // (2 * den))


def _fen_text(fen: int) -> str:
    """What str(Decimal quantized to 0.01) prints for this many fen."""
    return str(Decimal(fen).scaleb(-2))


@dataclass(frozen=True)
class _MonthRates:
    """The rates of one month for one tax method and location, as integer ratios (fen arithmetic)."""

    # VAT: vat = base × prepay ÷ (1 + rate) = base × vat_num ÷ vat_den
    vat_num: int
    vat_den: int
    # 1 + rate, for sales tax excluded (small-scale threshold, income tax)
    plus_num: int
    plus_den: int
    surcharges: tuple[tuple[int, int], tuple[int, int], tuple[int, int]]
    exempt: tuple[int, int] | None  # the small-scale threshold in fen, as a ratio; None: no threshold
    exempt_text: str
    income: tuple[int, int] | None  # income tax = received × num ÷ den


class _Rates:
    """Rates looked up once per (month, method, location) from the Rules, as taxes.expected looks them up."""

    def __init__(self, rules: taxes.Rules):
        self.rules = rules
        self.cache: dict[tuple, _MonthRates] = {}

    def get(self, day: datetime.date, method: str, location: str) -> _MonthRates:
        key = (day, method, location)
        found = self.cache.get(key)
        if found is not None:
            return found
        rules = self.rules
        general = method == taxes.Method.GENERAL
        vat_rate = rules.required("vat_general" if general else "vat_simple", day).value
        prepay = rules.required("prepay_general" if general else "prepay_simple", day).value
        plus = Fraction(1) + Fraction(vat_rate)
        vat = Fraction(prepay) / plus
        exempt_rate = rules.at("small_scale_monthly_exempt", day) if method == taxes.Method.SMALL_SCALE else None
        surcharges = (
            _ratio(rules.required(f"urban_maintenance_{location}", day).value),
            _ratio(rules.required("education_surcharge", day).value),
            _ratio(rules.required("local_education_surcharge", day).value),
        )
        income_rate = rules.at("income_tax_prepay", day)
        found = _MonthRates(
            vat_num=vat.numerator,
            vat_den=vat.denominator,
            plus_num=plus.numerator,
            plus_den=plus.denominator,
            surcharges=surcharges,
            exempt=_ratio(exempt_rate.value * 100) if exempt_rate is not None else None,
            exempt_text=str(exempt_rate.value) if exempt_rate is not None else "",
            income=_ratio(Fraction(income_rate.value) / plus) if income_rate is not None else None,
        )
        self.cache[key] = found
        return found


def _income_rate(rules: taxes.Rules, day: datetime.date) -> None:
    rules.required("income_tax_prepay", day)  # the same error taxes.expected raises when it is missing


def compute(
    project: tuple[str, str, str, str], months: list[tuple[datetime.date, int, int]], rates: _Rates
) -> list[tuple]:
    """One project's expected taxes: `project` = (method, relation, management, location), `months` = (first day,
    received in fen, subcontract in fen) in date order → rows (month, base, carried, vat, urban_maintenance,
    education, local_education, income_tax, leaves, at_stake, note), amounts in fen."""
    method, relation, management, location = project
    out: list[tuple] = []
    if relation == taxes.Relation.SAME_COUNTY:
        note = _("施工单位注册在本县（区），增值税在本地按期申报缴纳，不适用异地预缴。")[:NOTE_LIMIT]
        return [(day, 0, 0, 0, 0, 0, 0, 0, False, 0, note) for day, _r, _s in months]
    leaves = relation == taxes.Relation.SAME_CITY
    leave_note = (
        _("施工单位注册在同一地级市的其他县（区），不在项目所在地预缴（国家税务总局公告2017年第11号），税款流出辖区。")
        if leaves
        else ""
    )
    income_here = management == taxes.Management.HEAD_OFFICE and relation == taxes.Relation.OTHER_PROVINCE
    carried = 0
    for day, received, subcontract in months:
        r = rates.get(day, method, location)
        deduction = subcontract + carried
        if received >= deduction:
            base, carried = received - deduction, 0
        else:
            base, carried = 0, deduction - received
        if r.exempt is not None and received * r.plus_den * r.exempt[1] <= r.exempt[0] * r.plus_num:
            sales = _fen_text(_half_up(received * r.plus_den, r.plus_num))
            note = _("小规模纳税人本月在项目所在地的销售额 %(sales)s 元未超过 %(limit)s 元，无需预缴。") % {
                "sales": sales,
                "limit": r.exempt_text,
            }
            carried = deduction
            out.append((day, 0, carried, 0, 0, 0, 0, 0, False, 0, note[:NOTE_LIMIT]))
            continue
        vat = _half_up(base * r.vat_num, r.vat_den)
        (cn, cd), (en, ed), (ln, ld) = r.surcharges
        cmt, edu, local = _half_up(vat * cn, cd), _half_up(vat * en, ed), _half_up(vat * ln, ld)
        if leaves:
            out.append((day, base, carried, 0, 0, 0, 0, 0, True, vat + cmt + edu + local, leave_note[:NOTE_LIMIT]))
            continue
        income = 0
        if income_here:
            if r.income is None:
                _income_rate(rates.rules, day)
            else:
                income = _half_up(received * r.income[0], r.income[1])
        out.append((day, base, carried, vat, cmt, edu, local, income, False, 0, ""))
    return out


def _fen(value) -> int:
    """An amount as read raw: a Decimal (PostgreSQL) or the float SQLite keeps for a decimal column (exact to the
    fen well beyond any amount here), in whole fen."""
    if isinstance(value, float):
        return round(value * 100)
    return int(Decimal(value).scaleb(2))


def _writer():
    """fen → what the insert passes for a DecimalField: a Decimal, or on SQLite (which stores decimal columns as
    REAL whatever it is given, read back quantized by Django) the float itself, without the Decimal → text → REAL
    round trip."""
    if connection.vendor == "sqlite":
        return lambda fen: fen / 100
    return lambda fen: Decimal(fen).scaleb(-2)


def _by_project(rows: Iterable[tuple]) -> Iterator[tuple[int, list[tuple[datetime.date, int, int]]]]:
    """(project id, its months in fen) from raw rows ordered by project and month."""
    days: dict = {}
    current, months = None, []
    for pid, day, received, subcontract in rows:
        if pid != current:
            if current is not None:
                yield current, months
            current, months = pid, []
        if not isinstance(day, datetime.date):  # SQLite gives the text
            day = days.get(day) or days.setdefault(day, datetime.date.fromisoformat(day))
        months.append((day, _fen(received), _fen(subcontract)))
    if current is not None:
        yield current, months


def _chunks(project_ids: Iterable[int] | QuerySet) -> list:
    """The ids as one subquery (a QuerySet: one query whatever its size) or as lists of CHUNK ids."""
    if isinstance(project_ids, QuerySet):
        return [project_ids]
    ids = list(project_ids)
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _write(table: str, columns: list[str], insert: str, rows: list[tuple]) -> None:
    """executemany, or COPY on PostgreSQL for more than a few rows (executemany there is one round trip a row)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > 100:
            qn = connection.ops.quote_name
            with cursor.cursor.copy(f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for i in range(0, len(rows), 10000):
            cursor.executemany(insert, rows[i : i + 10000])


def refresh(project_ids: Iterable[int] | QuerySet, rules: taxes.Rules | None = None) -> int:
    """Recompute the expected taxes of these projects (all their months); return how many rows were written.

    `project_ids` may be a list or a values_list QuerySet of ids (then each read is one query whatever the count).
    """
    rates = _Rates(rules or taxes.default_rules())
    table = ExpectedTax._meta.db_table
    columns = [
        "project_id",
        "month",
        "base",
        "carried",
        "vat",
        "urban_maintenance",
        "education",
        "local_education",
        "income_tax",
        "leaves",
        "at_stake",
        "note",
        "subdistrict_id",
    ]
    qn = connection.ops.quote_name
    insert = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    )
    written = 0
    subdistricts: set[int] = set()
    for ids in _chunks(project_ids):
        projects = list(
            Project.objects.filter(pk__in=ids).values_list("pk", "subdistrict_id", "method", "relation", "management")
        )
        if not projects:
            continue
        locations = dict(
            TaxSetup.objects.filter(region_id__in={p[1] for p in projects}).values_list("region_id", "location_class")
        )
        facts_of = {
            pk: (method, relation, management, locations.get(sub, taxes.LocationClass.URBAN.value))
            for pk, sub, method, relation, management in projects
        }
        subdistrict_of = {pk: sub for pk, sub, *_facts in projects}  # the key each row carries (docs/scale.md)
        # one query, read raw: Django's converters (float → Decimal → quantize on SQLite) cost more than the taxes
        sql, params = (
            ProjectMonth.objects.filter(project_id__in=ids)
            .order_by("project_id", "month")
            .values_list("project_id", "month", "received", "subcontract")
            .query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            months_of = cursor.fetchall()
        yuan = _writer()
        rows = [
            (pid, t[0], *(yuan(v) for v in t[1:8]), t[8], yuan(t[9]), t[10], subdistrict_of[pid])
            for pid, months in _by_project(months_of)
            for t in compute(facts_of[pid], months, rates)
        ]
        # the old rows go as the new ones come, both in plain SQL (no per-row signals): the targets' kept figures
        # are marked once for the subdistricts below
        delete, delete_params = ExpectedTax.objects.filter(project_id__in=ids).values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {qn(table)} WHERE {qn('id')} IN ({delete})", delete_params)
        _write(table, columns, insert, rows)
        written += len(rows)
        subdistricts.update(subdistrict_of.values())
    from zhili.targets import kept

    kept.touch_subdistricts(subdistricts)
    return written
