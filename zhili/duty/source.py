"""Office duty as an indicator source (the contract in zhili/targets/sources.py): how many days the villages'
cadres sat in their office, and the rate.

params:
    {"measure": "days"}   # 坐班签到人次: working-day sign-ins in the window (up to today), by the sign-in's village
    {"measure": "rate"}   # 坐班率 (%): those sign-ins ÷ (the village's cadres × the working days of the window so
                          #   far); the subdistrict's is over all its villages (not a sum: `whole_values`)

Each figure opens onto exactly the sign-ins it counted. One grouped query per indicator (and one for the cadres),
whatever the number of villages or sign-ins.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import clock, workdays
from zhili.duty import queries
from zhili.duty.models import SignIn
from zhili.people.scope import village_cadres
from zhili.regions import history
from zhili.regions.models import Level, Region
from zhili.targets.sources import IndicatorSource, Window, group_by_village, register

MEASURES = {
    "days": gettext_lazy("村干部工作日坐班签到人次"),
    "rate": gettext_lazy("村干部坐班率（%）"),
}


def _measure(indicator) -> str:
    return indicator.source_params.get("measure", "days")


def _end(window: Window):
    return min(window.end, clock.today())


def _signins(indicator, window: Window):
    sub = indicator.task.goal.region
    return SignIn.objects.filter(
        village__path__startswith=sub.path, date__gte=window.start, date__lte=_end(window), workday=True
    )


def _days(window: Window) -> int:
    return len(workdays.workdays_in(window.start, _end(window)))


class DutySource(IndicatorSource):
    key = "duty"
    inputs = ("duty.signin", "people.roleassignment")  # the rate divides by the villages' cadres
    label = gettext_lazy("村干部坐班（坐班签到）")

    def check_params(self, params: dict) -> None:
        if params.get("measure", "days") not in MEASURES:
            raise ValidationError(_("统计方式应为：%(v)s。") % {"v": "、".join(MEASURES)})

    def describe(self, indicator) -> str:
        if _measure(indicator) == "rate":
            return _("统计%(what)s：工作日签到人次 ÷（村干部人数 × 截至今天的工作日数）") % {"what": MEASURES["rate"]}
        return _("统计%(what)s，只计工作日") % {"what": MEASURES["days"]}

    def additive(self, indicator) -> bool:
        return _measure(indicator) != "rate"

    def values(self, indicators, villages, window):
        out: dict[tuple[int, int], Decimal] = {}
        if not villages:
            return out
        if not isinstance(villages, history.Villages):
            villages = history.Villages(villages, sub=villages[0].parent, on=window.end)
        days = _days(window)
        cadres: dict[int, int] | None = None
        for ind in indicators:
            grouped, by_path = group_by_village(_signins(ind, window), "village__path", villages, window.end)
            signed: dict[int, int] = {}
            for r in grouped.values("_village").annotate(n=Count("pk")):
                rid = by_path.get(r["_village"])
                if rid is not None:
                    signed[rid] = signed.get(rid, 0) + r["n"]
            if _measure(ind) != "rate":
                out.update({(ind.pk, rid): Decimal(n) for rid, n in signed.items()})
                continue
            if cadres is None:
                cadres = {}
                for region_id in village_cadres([v.pk for v in villages]).values_list("region_id", flat=True):
                    cadres[region_id] = cadres.get(region_id, 0) + 1
            for v in villages:
                value = queries.rate(signed.get(v.pk, 0), cadres.get(v.pk, 0) * days)
                if value is not None:
                    out[(ind.pk, v.pk)] = value
        return out

    def whole_values(self, indicators, subdistrict, window):
        days = _days(window)
        villages = Region.objects.current(_end(window)).filter(parent=subdistrict, level=Level.VILLAGE)
        n_cadres = village_cadres(villages).count()
        out: dict[int, Decimal] = {}
        for ind in indicators:
            value = queries.rate(_signins(ind, window).count(), n_cadres * days)
            if value is not None:
                out[ind.pk] = value
        return out

    def records(self, indicator, village, window):
        qs = _signins(indicator, window)
        if village.pk != indicator.task.goal.region_id:
            qs = qs.filter(history.paths_q("village__path", village, window.end))
        return qs.select_related("person", "village").order_by("date", "village__code", "at")

    def table(self, indicator, records):
        return (
            [_("日期"), _("村（社区）"), _("村干部"), _("签到时间"), _("距村委会（米）"), _("迟到")],
            [
                [
                    f"{r.date:%Y-%m-%d}",
                    r.village.name,
                    r.person.full_name or r.person.username,
                    timezone.localtime(r.at).strftime("%H:%M"),
                    r.distance_m,
                    _("是") if r.late else _("否"),
                ]
                for r in records
            ],
        )


register(DutySource())
