"""Projects as an indicator source (the contract in zhili/targets/sources.py): the board's 固定资产投资 and 税收收入
counted from the records, never typed.

params:
    {"measure": "investment"}                 # 本月完成投资 (万元) of the projects, by the project's village,
    {"measure": "investment", "park": true}   #   months whose first day lies in the window; only the park's
    {"measure": "tax_received"}               # the tax bureau's receipts (实缴, 万元) by 所属期 in the window, by
                                              #   the receipt's region: a receipt on the subdistrict counts for the
                                              #   whole, not for a village
    {"measure": "expected_tax"}               # the taxes expected here (ExpectedTax, 万元), by the project's village

Each figure opens onto exactly the rows it added up (records(): ProjectMonth, TaxReceipt or ExpectedTax rows).
One grouped query per indicator, whatever the number of villages or rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.projects.models import ExpectedTax, ProjectMonth, TaxReceipt
from zhili.regions import history
from zhili.targets.sources import IndicatorSource, Window, group_by_village, register

MEASURES = {
    "investment": gettext_lazy("在建项目本月完成投资之和（万元）"),
    "tax_received": gettext_lazy("税务部门反馈的实缴税款之和（万元）"),
    "expected_tax": gettext_lazy("在建项目应在本地缴纳的税款之和（万元）"),
}
WAN = Decimal(10000)
PLACES = Decimal("0.0001")


def _measure(indicator) -> str:
    return indicator.source_params.get("measure", "investment")


def _rows(indicator, window: Window):
    """The rows an indicator adds up and (the path of each row's place, the value expression)."""
    p = indicator.source_params
    sub = indicator.task.goal.region
    measure = _measure(indicator)
    if measure == "tax_received":
        qs = TaxReceipt.objects.filter(subdistrict=sub, period__gte=window.start, period__lte=window.end)
        return qs, "region__path", F("amount")
    if measure == "expected_tax":
        qs = ExpectedTax.objects.filter(
            project__subdistrict=sub, project__archived_at__isnull=True, month__gte=window.start, month__lte=window.end
        )
        value = F("vat") + F("urban_maintenance") + F("education") + F("local_education") + F("income_tax")
        return qs, "project__region__path", value
    qs = ProjectMonth.objects.filter(
        project__subdistrict=sub, project__archived_at__isnull=True, month__gte=window.start, month__lte=window.end
    )
    if p.get("park"):
        qs = qs.filter(project__in_park=True)
    return qs, "project__region__path", F("investment")


def _in_wan(indicator, total) -> Decimal:
    value = Decimal(str(total or 0))
    if _measure(indicator) != "investment":  # yuan → 万元
        value = value / WAN
    return value.quantize(PLACES)


class ProjectSource(IndicatorSource):
    key = "projects"
    inputs = ("projects",)
    label = gettext_lazy("建设项目与税源（在建项目台账、税收入库明细）")

    def check_params(self, params: dict) -> None:
        if params.get("measure", "investment") not in MEASURES:
            raise ValidationError(_("统计方式应为：%(v)s。") % {"v": "、".join(MEASURES)})
        if "park" in params and not isinstance(params["park"], bool):
            raise ValidationError(_("“只计产业园”（park）应为 true 或 false。"))
        if params.get("park") and params.get("measure", "investment") != "investment":
            raise ValidationError(_("只有完成投资可以只计产业园的项目。"))

    def describe(self, indicator) -> str:
        what = MEASURES[_measure(indicator)]
        if indicator.source_params.get("park"):
            return _("统计绿色建设产业园内%(what)s，按在建项目台账汇总") % {"what": what}
        if _measure(indicator) == "tax_received":
            return _("统计%(what)s，按所属期汇总") % {"what": what}
        return _("统计%(what)s，按在建项目台账汇总") % {"what": what}

    def values(self, indicators, villages, window):
        out: dict[tuple[int, int], Decimal] = {}
        if not villages:
            return out
        if not isinstance(villages, history.Villages):  # once for all the indicators (group_by_village would
            villages = history.Villages(villages, sub=villages[0].parent, on=window.end)  # … make one each)
        for ind in indicators:
            qs, path, value = _rows(ind, window)
            grouped, by_path = group_by_village(qs, path, villages, window.end)
            for r in grouped.values("_village").annotate(total=Sum(value)):
                rid = by_path.get(r["_village"])
                if rid is None:
                    continue
                out[(ind.pk, rid)] = out.get((ind.pk, rid), Decimal(0)) + _in_wan(ind, r["total"])
        return out

    def records(self, indicator, village, window):
        qs, path, _value = _rows(indicator, window)
        if village.pk == indicator.task.goal.region_id:  # the subdistrict's own rows (receipts on no village)
            qs = qs.filter(**{path: village.path})
        else:
            qs = qs.filter(history.paths_q(path, village, window.end))
        if _measure(indicator) == "tax_received":
            return qs.select_related("region", "project").order_by("period", "taxpayer_id", "tax")
        return qs.select_related("project__region", "project__contractor").order_by("project__name", "month")

    def table(self, indicator, records):
        measure = _measure(indicator)
        if measure == "tax_received":
            return (
                [_("所属期"), _("纳税人名称"), _("税种"), _("实缴金额(元)"), _("项目名称"), _("村（社区）")],
                [
                    [
                        f"{r.period:%Y-%m}",
                        r.taxpayer_name,
                        r.get_tax_display(),
                        r.amount,
                        r.project.name if r.project else r.project_name,
                        r.region.name,
                    ]
                    for r in records
                ],
            )
        if measure == "expected_tax":
            return (
                [_("项目名称"), _("村（社区）"), _("月份"), _("增值税"), _("附加税费"), _("企业所得税")],
                [
                    [
                        r.project.name,
                        r.project.region.name,
                        f"{r.month:%Y-%m}",
                        r.vat,
                        r.urban_maintenance + r.education + r.local_education,
                        r.income_tax,
                    ]
                    for r in records
                ],
            )
        return (
            [_("项目名称"), _("村（社区）"), _("施工单位"), _("月份"), _("本月完成投资(万元)"), _("已入库")],
            [
                [
                    r.project.name,
                    r.project.region.name,
                    r.project.contractor.name,
                    f"{r.month:%Y-%m}",
                    r.investment,
                    _("是") if r.project.registered else _("否"),
                ]
                for r in records
            ],
        )


register(ProjectSource())
