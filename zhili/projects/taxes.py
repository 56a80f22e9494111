"""The taxes a construction project is expected to pay where it is built, month by month (应收尽收).

The rules are ../shared/domain/README.md §5 (国家税务总局公告2016年第17号 and the rate changes after it); every rate
and threshold is data with the days it is in force (`tax_rules.json`, read by `Rules`), never a constant here:

- **Prepaid VAT** for construction services provided outside the contractor's county: general method (一般计税)
  (received − subcontract payments) ÷ (1 + VAT rate in force that month) × 2 %; simple method (简易计税) and
  small-scale taxpayers (小规模纳税人) ÷ 1.03 × 3 %. A negative base (subcontract payments above what was received)
  carries forward to the project's next month. A small-scale taxpayer whose month's sales (tax excluded) at the
  project stay within the threshold in force (100,000 yuan since 2019) prepays nothing that month.
- **Where the contractor is registered** decides whether anything is prepaid here: a contractor of another city
  or province prepays; one of another county of the *same* city does not (国家税务总局公告2017年第11号) — its tax
  leaves the jurisdiction, and Zhili names the amount at stake (what would have been prepaid); one of this very
  county pays its VAT here at its ordinary return, which receipts alone cannot predict (nothing is expected as a
  prepayment).
- **Surcharges** on the prepaid VAT at the project location's rates: 城市维护建设税 7 % / 5 % / 1 % by the
  location's class (urban district / county town or town / elsewhere), 教育费附加 3 %, 地方教育附加 2 %.
- **Enterprise income tax**: a project department run directly by a head office in another province (总机构直管)
  prepays 0.2 % of the project's revenue here (国税函〔2010〕156号), taken as the month's receipts without VAT and
  without any subcontract deduction; a department run by a branch (分支机构管理) prepays nothing here.

Each tax is rounded to the fen (half up), as a tax return is. Everything here is plain Python over Decimals: the
caller brings a project's facts and its months; nothing touches the database.
"""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

RULES_FILE = Path(__file__).with_name("tax_rules.json")
FEN = Decimal("0.01")
ZERO = Decimal(0)


class Method(StrEnum):
    GENERAL = "general"  # 一般计税
    SIMPLE = "simple"  # 简易计税
    SMALL_SCALE = "small_scale"  # 小规模纳税人


class Management(StrEnum):
    HEAD_OFFICE = "head_office"  # 总机构直管
    BRANCH = "branch"  # 分支机构管理


class Relation(StrEnum):
    """Where the contractor is registered, seen from the project's county."""

    SAME_COUNTY = "same_county"
    SAME_CITY = "same_city"  # another county of the same prefecture-level city
    SAME_PROVINCE = "same_province"  # another city of the province
    OTHER_PROVINCE = "other_province"


class LocationClass(StrEnum):
    """The project location's class for 城市维护建设税."""

    URBAN = "urban"  # 市区
    TOWN = "town"  # 县城、镇
    OTHER = "other"  # 其他


class RulesError(ValueError):
    """The rules file is wrong: a rate without its days, days that overlap, a month no rate covers."""


@dataclass(frozen=True)
class Rate:
    value: Decimal
    start: datetime.date
    end: datetime.date | None  # inclusive; None: still in force
    basis: str


class Rules:
    """Rates and thresholds by name, each a list of periods in force (`tax_rules.json`)."""

    def __init__(self, data: dict):
        self.rates: dict[str, list[Rate]] = {}
        for name, periods in data.items():
            if name == "_":
                continue
            rates = sorted(
                (
                    Rate(
                        Decimal(p["value"]),
                        datetime.date.fromisoformat(p["from"]),
                        datetime.date.fromisoformat(p["to"]) if p.get("to") else None,
                        p.get("basis", ""),
                    )
                    for p in periods
                ),
                key=lambda r: r.start,
            )
            for before, after in itertools.pairwise(rates):
                if before.end is None or before.end >= after.start:
                    raise RulesError(f"{name}: {before.start} 起和 {after.start} 起的两个税率期间重叠。")
            self.rates[name] = rates

    @classmethod
    def from_file(cls, path: Path = RULES_FILE) -> Rules:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def at(self, name: str, day: datetime.date) -> Rate | None:
        """The rate `name` in force on `day`, or None where none is (a threshold that did not exist yet)."""
        for rate in self.rates[name]:
            if rate.start <= day and (rate.end is None or day <= rate.end):
                return rate
        return None

    def required(self, name: str, day: datetime.date) -> Rate:
        rate = self.at(name, day)
        if rate is None:
            raise RulesError(f"{name}: {day} 没有适用的税率。")
        return rate


@cache
def default_rules() -> Rules:
    return Rules.from_file()


def relation(project_county: str, contractor_county: str) -> Relation:
    """Same county, another county of the same city, another city of the province, or another province — from the
    two 6-digit GB/T 2260 codes (province 2 digits, city 4, county 6)."""
    if project_county == contractor_county:
        return Relation.SAME_COUNTY
    if project_county[:4] == contractor_county[:4]:
        return Relation.SAME_CITY
    if project_county[:2] == contractor_county[:2]:
        return Relation.SAME_PROVINCE
    return Relation.OTHER_PROVINCE


@dataclass(frozen=True)
class Project:
    """What the taxes of a project depend on."""

    method: Method
    relation: Relation
    location: LocationClass = LocationClass.URBAN
    management: Management = Management.BRANCH


@dataclass(frozen=True)
class Month:
    """A project's month: the first day of the month, the amount received in it (advance payments included) and the
    subcontract payments backed by valid invoices."""

    month: datetime.date
    received: Decimal
    subcontract: Decimal = ZERO


@dataclass
class MonthTax:
    month: datetime.date
    base: Decimal = ZERO  # the prepaid VAT's base: received − subcontract payments − what was carried in
    carried: Decimal = ZERO  # the deduction left over, carried to the next month
    vat: Decimal = ZERO
    urban_maintenance: Decimal = ZERO
    education: Decimal = ZERO
    local_education: Decimal = ZERO
    income_tax: Decimal = ZERO
    leaves: bool = False  # nothing is prepaid here: the contractor is of another county of the same city
    at_stake: Decimal = ZERO  # what would have been prepaid here (VAT and surcharges) when the tax leaves
    notes: list[str] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)

    @property
    def surcharges(self) -> Decimal:
        return self.urban_maintenance + self.education + self.local_education

    @property
    def total(self) -> Decimal:
        return self.vat + self.surcharges + self.income_tax

    def by_tax(self) -> dict[str, Decimal]:
        """{税种: amount}: the names the tax bureau's receipts carry."""
        return {
            "增值税": self.vat,
            "城市维护建设税": self.urban_maintenance,
            "教育费附加": self.education,
            "地方教育附加": self.local_education,
            "企业所得税": self.income_tax,
        }


def _fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def expected(project: Project, months: Iterable[Month], rules: Rules | None = None) -> list[MonthTax]:
    """The taxes expected here for each of `months` (in date order; a month absent received nothing), the
    deduction carried from one month to the next."""
    rules = rules or default_rules()
    carried = ZERO
    out: list[MonthTax] = []
    for m in sorted(months, key=lambda m: m.month):
        day = m.month
        tax = MonthTax(day)
        if project.relation == Relation.SAME_COUNTY:
            tax.notes.append(_("施工单位注册在本县（区），增值税在本地按期申报缴纳，不适用异地预缴。"))
            out.append(tax)
            continue
        general = project.method == Method.GENERAL
        vat_rate = rules.required("vat_general" if general else "vat_simple", day)
        prepay_rate = rules.required("prepay_general" if general else "prepay_simple", day)
        # the base, the deduction carried in and out (公告2016年第17号: a negative difference is deducted next time)
        deduction = m.subcontract + carried
        if m.received >= deduction:
            tax.base, carried = m.received - deduction, ZERO
        else:
            tax.base, carried = ZERO, deduction - m.received
        tax.carried = carried
        exempt = rules.at("small_scale_monthly_exempt", day) if project.method == Method.SMALL_SCALE else None
        sales = m.received / (1 + vat_rate.value)
        if exempt is not None and sales <= exempt.value:
            tax.notes.append(
                _("小规模纳税人本月在项目所在地的销售额 %(sales)s 元未超过 %(limit)s 元，无需预缴。")
                % {"sales": _fen(sales), "limit": exempt.value}
            )
            tax.basis.append(exempt.basis)
            # nothing was prepaid, so nothing of the deduction was used: it stays for the next month
            tax.base, carried = ZERO, deduction
            tax.carried = carried
            out.append(tax)
            continue
        vat = _fen(tax.base / (1 + vat_rate.value) * prepay_rate.value)
        cmt = rules.required(f"urban_maintenance_{project.location.value}", day)
        edu = rules.required("education_surcharge", day)
        local_edu = rules.required("local_education_surcharge", day)
        surcharges = (_fen(vat * cmt.value), _fen(vat * edu.value), _fen(vat * local_edu.value))
        tax.basis += [vat_rate.basis, prepay_rate.basis, cmt.basis, edu.basis, local_edu.basis]
        if project.relation == Relation.SAME_CITY:
            tax.leaves = True
            tax.at_stake = vat + sum(surcharges, ZERO)
            tax.notes.append(
                _(
                    "施工单位注册在同一地级市的其他县（区），不在项目所在地预缴（国家税务总局公告2017年第11号），税款流出辖区。"
                )
            )
            out.append(tax)
            continue
        tax.vat = vat
        tax.urban_maintenance, tax.education, tax.local_education = surcharges
        if project.management == Management.HEAD_OFFICE and project.relation == Relation.OTHER_PROVINCE:
            eit = rules.required("income_tax_prepay", day)
            tax.income_tax = _fen(m.received / (1 + vat_rate.value) * eit.value)
            tax.basis.append(eit.basis)
        out.append(tax)
    return out
