"""tax-compute: the expected taxes of a city's construction projects (`zhili.projects.monitor.refresh`) against a
vectorised numpy version computing the same numbers in the same run, and the 应收未收 gap of one month at that
scale.

Data (defaults): 20,000 projects (`--tc-projects`) × 36 months (`--tc-months`, from 2018-10: across the April 2019
VAT rate change) in 10 subdistricts of one district, contractors from the same county, another county of the same
city (their tax leaves), another city and another province (some run by a head office: income tax); all three tax
methods; subcontract payments sometimes above receipts (a carried-forward base); small-scale months around the
100,000-yuan threshold. Months written raw (executemany on SQLite, COPY on PostgreSQL); receipts for the last
month for nine projects in ten.

What is timed:
- expected (the ratio that must stay ≤ 3): Zhili: `monitor.refresh` of every project, in one transaction — one
  read of the months, fen arithmetic in Python, delete and executemany of the rows. Baseline: one raw SELECT of the
  projects' facts and months, the same arithmetic vectorised with numpy (the carry-forward as the running sum of
  subcontract − receipts minus its running minimum), delete and executemany of the same rows (notes aside: the
  baseline writes none), amounts passed as monitor passes them (floats on SQLite; Decimals and COPY on PostgreSQL). Both sides' rows are compared (every amount, `leaves`) before anything is timed.
- gap: expected against received by project and tax for the last month: Zhili's ORM (two grouped queries, merged)
  against the same two statements hand-written; the number of queries is printed.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal
from fractions import Fraction

import bench

FIRST = datetime.date(2018, 10, 1)
AMOUNT_COLUMNS = ["base", "carried", "vat", "urban_maintenance", "education", "local_education", "income_tax"]


def add_arguments(group) -> None:
    group.add_argument("--tc-projects", type=int, default=20_000, help="projects (default 20,000)")
    group.add_argument("--tc-months", type=int, default=36, help="months per project (default 36)")


def _month(k: int) -> datetime.date:
    y, m = divmod(FIRST.month - 1 + k, 12)
    return datetime.date(FIRST.year + y, m + 1, 1)


class World:
    pass


def build(n_projects: int, n_months: int) -> World:
    from django.db import connection, transaction

    from zhili.projects.models import Enterprise, Project, ProjectMonth, TaxSetup
    from zhili.regions.models import PATH_SEP, Level, Region

    w = World()
    t0 = time.perf_counter()
    rng = random.Random(2020)
    with transaction.atomic():

        def region(code, name, level, parent):
            return Region.objects.create(
                code=code,
                name=name,
                level=level,
                parent=parent,
                path=(parent.path if parent else "") + code + PATH_SEP,
                valid_from=datetime.date(2018, 1, 1),
                is_synthetic=True,
            )

        city = region("370100", "虚构市", Level.CITY, None)
        district = region("370115", "虚构区", Level.DISTRICT, city)
        subs, villages = [], []
        for s in range(10):
            sub = region(f"370115{s + 1:03d}", f"虚构街道{s + 1}", Level.SUBDISTRICT, district)
            subs.append(sub)
            TaxSetup.objects.create(region=sub, county_code="370115", location_class=rng.choice(["urban", "town"]))
            villages += [region(f"{sub.code}{v + 1:03d}", f"虚构村{s}-{v}", Level.VILLAGE, sub) for v in range(10)]
        contractors = Enterprise.objects.bulk_create(
            [
                Enterprise(subdistrict=s, region=s, name=f"虚构建工{s.pk}-{k}", uscc=f"9137{s.pk:04d}{k:010d}"[:18])
                for s in subs
                for k in range(50)
            ]
        )
        relations = ["same_county"] * 2 + ["same_city"] * 2 + ["same_province"] * 3 + ["other_province"] * 3
        projects = []
        for i in range(n_projects):
            village = villages[i % len(villages)]
            sub = subs[(i % len(villages)) // 10]
            projects.append(
                Project(
                    subdistrict=sub,
                    region=village,
                    name=f"虚构项目{i}",
                    contractor=contractors[rng.randrange(len(contractors))],
                    method=rng.choice(["general"] * 6 + ["simple"] * 2 + ["small_scale"] * 2),
                    relation=rng.choice(relations),
                    management=rng.choice(["branch", "branch", "head_office"]),
                    planned_investment=Decimal(rng.randint(100, 50000)),
                    status="building",
                )
            )
        projects = Project.objects.bulk_create(projects, batch_size=2000)
        fields = [f for f in ProjectMonth._meta.concrete_fields if not f.primary_key]
        now = datetime.datetime.now(datetime.UTC)
        values = {"created_at": now, "modified_at": now, "revision": 1, "import_job_id": None}
        rows = []
        for p in projects:
            small = p.method == "small_scale"
            for k in range(n_months):
                r = rng.random()
                if small:
                    received = rng.randint(5_000_000, 16_000_000)  # fen: around the 103,000-yuan threshold
                elif r < 0.1:
                    received = 0
                else:
                    received = rng.randint(1_000_000, 500_000_000)
                sub_r = rng.random()
                subcontract = 0 if sub_r < 0.4 else int(received * rng.uniform(0.1, 1.6))
                values.update(
                    project_id=p.pk,
                    subdistrict_id=p.subdistrict_id,
                    month=_month(k),
                    received=Decimal(received).scaleb(-2),
                    subcontract=Decimal(subcontract).scaleb(-2),
                    investment=Decimal(rng.randint(0, 50000)).scaleb(-2),
                )
                rows.append(tuple(values[f.attname] for f in fields))
        table = ProjectMonth._meta.db_table
        qn = connection.ops.quote_name
        cols = ", ".join(qn(f.column) for f in fields)
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with cur.cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cur.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})", rows)
    w.month = _month(n_months - 1)
    w.n_projects, w.n_months = n_projects, n_months
    w.build_s = time.perf_counter() - t0
    w.subs = subs
    w.receipts_ready = False
    w.rng = rng
    w.projects = projects
    return w


def add_receipts(w: World) -> None:
    """Receipts for the last month: nine projects in ten paid their VAT, a little less or the full amount."""
    from django.db import transaction

    from zhili.projects.models import ExpectedTax, TaxReceipt

    expected = dict(ExpectedTax.objects.filter(month=w.month).values_list("project_id", "vat"))
    rng = w.rng
    receipts = []
    for p in w.projects:
        vat = expected.get(p.pk) or Decimal(0)
        if vat <= 0 or rng.random() < 0.1:
            continue
        paid = vat if rng.random() < 0.7 else (vat * Decimal(rng.uniform(0.3, 0.95))).quantize(Decimal("0.01"))
        receipts.append(
            TaxReceipt(
                subdistrict_id=p.subdistrict_id,
                region_id=p.region_id,
                taxpayer_id="x",
                taxpayer_name="x",
                tax="vat",
                period=w.month,
                amount=paid,
                project_id=p.pk,
                key=f"{p.pk}-vat-{w.month}",
            )
        )
    with transaction.atomic():
        TaxReceipt.objects.bulk_create(receipts, batch_size=2000)


# ---- the two sides -----------------------------------------------------------------------------------


def zhili_refresh() -> int:
    from django.db import transaction

    from zhili.projects import monitor
    from zhili.projects.models import Project

    with transaction.atomic():
        return monitor.refresh(Project.objects.values_list("pk", flat=True))


def _rate_arrays(months: list[datetime.date], rules, location_of) -> dict:
    """Per (month index, method, location): the integer ratios, from the same Rules, as numpy lookup tables."""
    import numpy as np

    methods = ["general", "simple", "small_scale"]
    locations = ["urban", "town", "other"]
    shape = (len(months), 3, 3)
    tables = {k: np.zeros(shape, dtype=np.int64) for k in ("vn", "vd", "pn", "pd", "en", "ed", "in", "id")}
    for k in ("cn", "cd", "un", "ud", "ln", "ld"):
        tables[k] = np.zeros(shape, dtype=np.int64)
    tables["has_exempt"] = np.zeros(shape, dtype=bool)
    for mi, day in enumerate(months):
        for ti, method in enumerate(methods):
            general = method == "general"
            rate = Fraction(rules.required("vat_general" if general else "vat_simple", day).value)
            prepay = Fraction(rules.required("prepay_general" if general else "prepay_simple", day).value)
            vat = prepay / (1 + rate)
            eit = Fraction(rules.required("income_tax_prepay", day).value) / (1 + rate)
            exempt = rules.at("small_scale_monthly_exempt", day) if method == "small_scale" else None
            for li, loc in enumerate(locations):
                t = (mi, ti, li)
                tables["vn"][t], tables["vd"][t] = vat.numerator, vat.denominator
                tables["pn"][t], tables["pd"][t] = (1 + rate).numerator, (1 + rate).denominator
                tables["in"][t], tables["id"][t] = eit.numerator, eit.denominator
                if exempt is not None:
                    e = Fraction(exempt.value) * 100
                    tables["has_exempt"][t] = True
                    tables["en"][t], tables["ed"][t] = e.numerator, e.denominator
                for key, name in (
                    ("c", f"urban_maintenance_{loc}"),
                    ("u", "education_surcharge"),
                    ("l", "local_education_surcharge"),
                ):
                    f = Fraction(rules.required(name, day).value)
                    tables[key + "n"][t], tables[key + "d"][t] = f.numerator, f.denominator
    return tables


def _half_up(num, den):
    return (2 * num + den) // (2 * den)  # amounts here are never negative


def baseline_refresh() -> int:
    """Read, compute vectorised, write: the same rows as monitor.refresh (without notes)."""
    import numpy as np
    from django.db import connection, transaction

    from zhili.projects import taxes
    from zhili.projects.models import ExpectedTax, Project, ProjectMonth, TaxSetup

    qn = connection.ops.quote_name
    pm, pr, ts = (m._meta.db_table for m in (ProjectMonth, Project, TaxSetup))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"SELECT m.project_id, m.month, m.received, m.subcontract, p.method, p.relation, p.management,"
            f" COALESCE(s.location_class, 'urban'), p.subdistrict_id FROM {qn(pm)} m JOIN {qn(pr)} p ON p.id = m.project_id"
            f" LEFT JOIN {qn(ts)} s ON s.region_id = p.subdistrict_id ORDER BY m.project_id, m.month"
        )
        data = cur.fetchall()
        if not data:
            return 0
        cols = list(zip(*data, strict=True))
        pid = np.array(cols[0], dtype=np.int64)
        days = [m if isinstance(m, datetime.date) else datetime.date.fromisoformat(m) for m in cols[1]]
        month_list = sorted(set(days))
        month_index = {m: i for i, m in enumerate(month_list)}
        mi = np.array([month_index[m] for m in days], dtype=np.int64)
        received = np.array([round(float(v) * 100) for v in cols[2]], dtype=np.int64)
        subcontract = np.array([round(float(v) * 100) for v in cols[3]], dtype=np.int64)
        codes = {"general": 0, "simple": 1, "small_scale": 2, "urban": 0, "town": 1, "other": 2}
        ti = np.array([codes[v] for v in cols[4]], dtype=np.int64)
        relation = np.array(cols[5])
        head = np.array(cols[6]) == "head_office"
        li = np.array([codes[v] for v in cols[7]], dtype=np.int64)
        t = _rate_arrays(month_list, taxes.default_rules(), None)
        at = (mi, ti, li)
        same_county = relation == "same_county"
        same_city = relation == "same_city"
        exempt = t["has_exempt"][at] & (received * t["pd"][at] * t["ed"][at] <= t["en"][at] * t["pn"][at])
        # the carry-forward: d = subcontract − counted receipts; carried = running sum − min(0, its running minimum),
        # per project (segments restart at each project's first month)
        counted = np.where(exempt, 0, received)
        d = subcontract - counted
        starts = np.r_[True, pid[1:] != pid[:-1]]
        seg = np.cumsum(starts) - 1
        csum = np.cumsum(d)
        seg_start = np.flatnonzero(starts)
        offset = np.r_[0, csum[seg_start[1:] - 1]]
        run = csum - offset[seg]
        # running minimum within each segment: shift each segment by a large per-segment constant so a global
        # minimum.accumulate never reaches back into the previous project
        big = np.int64(2 * int(np.abs(run).max()) + 1)
        shifted = run - seg * big
        runmin = np.minimum.accumulate(shifted) + seg * big
        carried = run - np.minimum(runmin, 0)
        prev = np.where(starts, 0, np.r_[0, carried[:-1]])
        base = np.where(exempt, 0, carried - (prev + d))
        vat = _half_up(base * t["vn"][at], t["vd"][at])
        cmt = _half_up(vat * t["cn"][at], t["cd"][at])
        edu = _half_up(vat * t["un"][at], t["ud"][at])
        loc = _half_up(vat * t["ln"][at], t["ld"][at])
        eit = np.where(head & (relation == "other_province"), _half_up(received * t["in"][at], t["id"][at]), 0)
        zero = np.zeros_like(vat)
        here = ~(same_county | same_city | exempt)
        leaves = same_city & ~exempt
        out = [
            np.where(same_county, 0, base),
            np.where(same_county, 0, carried),
            np.where(here, vat, zero),
            np.where(here, cmt, zero),
            np.where(here, edu, zero),
            np.where(here, loc, zero),
            np.where(here, eit, zero),
            np.where(leaves, vat + cmt + edu + loc, zero),
        ]
        if connection.vendor == "sqlite":  # SQLite keeps decimal columns as REAL: floats, as monitor writes them
            amounts = [(col / 100).tolist() for col in out]
        else:
            amounts = [[Decimal(v).scaleb(-2) for v in col.tolist()] for col in out]
        leaves_list = leaves.tolist()
        rows = list(
            zip(
                pid.tolist(),
                days,
                *amounts[:7],
                leaves_list,
                amounts[7],
                [""] * len(pid),
                cols[8],  # the subdistrict key, as monitor writes it
                strict=True,
            )
        )
        table = ExpectedTax._meta.db_table
        names = ["project_id", "month", *AMOUNT_COLUMNS, "leaves", "at_stake", "note", "subdistrict_id"]
        cur.execute(f"DELETE FROM {qn(table)}")
        insert = (
            f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in names)}) VALUES ({', '.join(['%s'] * len(names))})"
        )
        if connection.vendor == "postgresql":  # as monitor writes there
            with cur.cursor.copy(f"COPY {qn(table)} ({', '.join(qn(c) for c in names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            for i in range(0, len(rows), 10000):
                cur.executemany(insert, rows[i : i + 10000])
        return len(rows)


def snapshot() -> list[tuple]:
    from zhili.projects.models import ExpectedTax

    return list(
        ExpectedTax.objects.order_by("project_id", "month").values_list(
            "project_id", "month", *AMOUNT_COLUMNS, "leaves", "at_stake"
        )
    )


# ---- the gap -----------------------------------------------------------------------------------------

TAXES = ["vat", "urban_maintenance", "education", "local_education", "income_tax"]


def zhili_gap(month: datetime.date) -> list[tuple]:
    """Expected against received by project and tax for a month, beyond each subdistrict's threshold."""
    from django.db.models import Sum

    from zhili.projects.models import ExpectedTax, TaxReceipt

    received = {
        (r["project_id"], r["tax"]): r["total"]
        for r in TaxReceipt.objects.filter(period=month, project__isnull=False)
        .values("project_id", "tax")
        .annotate(total=Sum("amount"))
    }
    out = []
    for pid, *amounts in ExpectedTax.objects.filter(month=month).values_list("project_id", *TAXES):
        for tax, due in zip(TAXES, amounts, strict=True):
            paid = Decimal(str(received.get((pid, tax)) or 0)).quantize(Decimal("0.01"))
            if due - paid > 1000:
                out.append((pid, tax, due, paid))
    return out


def baseline_gap(month: datetime.date) -> list[tuple]:
    from django.db import connection

    from zhili.projects.models import ExpectedTax, TaxReceipt

    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT project_id, tax, SUM(amount) FROM {qn(TaxReceipt._meta.db_table)}"
            " WHERE period = %s AND project_id IS NOT NULL GROUP BY project_id, tax",
            [month],
        )
        received = {(p, t): Decimal(str(v)).quantize(Decimal("0.01")) for p, t, v in cur.fetchall()}
        cur.execute(
            f"SELECT project_id, {', '.join(TAXES)} FROM {qn(ExpectedTax._meta.db_table)} WHERE month = %s"
            " ORDER BY project_id",
            [month],
        )
        out = []
        for pid, *amounts in cur.fetchall():
            for tax, due in zip(TAXES, amounts, strict=True):
                due = Decimal(str(due)).quantize(Decimal("0.01"))
                paid = received.get((pid, tax), Decimal("0.00"))
                if due - paid > 1000:
                    out.append((pid, tax, due, paid))
        return out


@bench.register(
    "tax-compute",
    "expected taxes of 20,000 projects × 36 months (monitor.refresh) against numpy, and the gap at that scale",
    arguments=add_arguments,
)
def run(args) -> bench.Report:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = build(args.tc_projects, args.tc_months)
    n = zhili_refresh()
    mine = snapshot()
    assert baseline_refresh() == n
    theirs = snapshot()
    if mine != theirs:
        bad = next(i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b)
        raise SystemExit(f"tax-compute: the baseline disagrees at row {bad}: {mine[bad]} != {theirs[bad]}")
    zhili_refresh()
    add_receipts(w)
    assert sorted(zhili_gap(w.month)) == sorted(baseline_gap(w.month)), "tax-compute: the gaps disagree"
    with CaptureQueriesContext(connection) as ctx:
        gap_rows = len(zhili_gap(w.month))
    expected = bench.measure(
        "expected",
        zhili_refresh,
        baseline_refresh,
        repeat=args.repeat,
        min_time=args.min_time,
        note=f"{n:,} rows",
    )
    zhili_refresh()
    gap = bench.measure(
        "gap",
        lambda: zhili_gap(w.month),
        lambda: baseline_gap(w.month),
        repeat=args.repeat,
        min_time=args.min_time,
        note=f"{gap_rows:,} gap rows, {len(ctx.captured_queries)} queries",
    )
    return bench.Report(
        comparisons=[expected, gap],
        description=(
            f"expected ratio {expected.ratio:.2f} (goal ≤ 3), gap ratio {gap.ratio:.2f} in"
            f" {len(ctx.captured_queries)} queries"
        ),
        notes=[
            f"{w.n_projects:,} projects × {w.n_months} months",
            f"built in {w.build_s:.1f} s",
            bench.database_description(),
        ],
    )
