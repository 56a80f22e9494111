"""Households and trainings as indicator sources (the contract in zhili/targets/sources.py): 遍访, 两不愁三保障 and the
trainings for assistance officers counted from the records, never typed.

"households" params:
    {"measure": "visited"}               # households (not archived) with at least one visit in the window
    {"measure": "visited", "days": 30}   #   … in the last 30 days of the window (遍访: "visited within N days")
    {"measure": "visits"}                # visits in the window (or its last N days, with "days")
    {"measure": "failing_items"}         # checklist items 未达标 now (active items of households not archived)
    {"measure": "failing_households"}    # households with at least one item 未达标 now

"trainings" params:
    {"measure": "held"}                  # trainings for assistance officers held in the window
    {"measure": "attendance"}            # their attendance (person-times)

Rows count for the village of their path (a grid's for its village; merged villages for their successor,
`group_by_village`); trainings are the subdistrict's, so they count for the whole, not for a village. Each
figure opens onto exactly the rows it counted (records()): households, visits, checks, trainings or attendance.
One grouped query per indicator, whatever the number of villages or rows.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.households.models import CheckState, Household, HouseholdCheck, Training, TrainingAttendance, Visit
from zhili.regions import history
from zhili.targets.sources import IndicatorSource, Window, group_by_village, register

HOUSEHOLD_MEASURES = {
    "visited": gettext_lazy("走访过的户数"),
    "visits": gettext_lazy("走访次数"),
    "failing_items": gettext_lazy("当前未达标的核查项目数"),
    "failing_households": gettext_lazy("当前有未达标项目的户数"),
}
TRAINING_MEASURES = {
    "held": gettext_lazy("帮扶责任人培训次数"),
    "attendance": gettext_lazy("帮扶责任人培训参训人次"),
}
WINDOWED = {"visited", "visits"}


def _measure(indicator, default: str) -> str:
    return indicator.source_params.get("measure", default)


def _since(indicator, window: Window) -> datetime.date:
    """The first day a visit counts from: the window's start, or its last N days when `days` is set."""
    days = indicator.source_params.get("days")
    if not days:
        return window.start
    return max(window.start, window.end - datetime.timedelta(days=int(days) - 1))


def _household_rows(indicator, window: Window):
    """The rows a "households" indicator counts, the path field each counts by, and what to count."""
    sub = indicator.task.goal.region_id  # the id: no query for the region
    measure = _measure(indicator, "visited")
    if measure in WINDOWED:
        qs = Visit.objects.filter(
            household__subdistrict_id=sub,
            household__archived_at__isnull=True,
            visited_on__gte=_since(indicator, window),
            visited_on__lte=window.end,
        )
        return qs, "path", Count("household_id", distinct=True) if measure == "visited" else Count("id")
    if measure == "failing_items":
        qs = HouseholdCheck.objects.filter(
            household__subdistrict_id=sub,
            household__archived_at__isnull=True,
            state=CheckState.FAILING,
            item__is_active=True,
        )
        return qs, "path", Count("id")
    qs = Household.objects.active().filter(subdistrict_id=sub, failing_items__gt=0)
    return qs, "path", Count("id")


def _check_days(params: dict) -> None:
    if "days" not in params:
        return
    days = params["days"]
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise ValidationError(_("“最近天数”（days）应为 1 到 366 之间的整数。"))
    if params.get("measure", "visited") not in WINDOWED:
        raise ValidationError(_("只有走访户数和走访次数可以按最近天数统计。"))


class HouseholdSource(IndicatorSource):
    key = "households"
    inputs = ("households",)
    label = gettext_lazy("民生户籍（走访、两不愁三保障核查）")

    def check_params(self, params: dict) -> None:
        if params.get("measure", "visited") not in HOUSEHOLD_MEASURES:
            raise ValidationError(_("统计方式应为：%(v)s。") % {"v": "、".join(HOUSEHOLD_MEASURES)})
        _check_days(params)

    def describe(self, indicator) -> str:
        measure = _measure(indicator, "visited")
        what = HOUSEHOLD_MEASURES[measure]
        days = indicator.source_params.get("days")
        if measure in WINDOWED and days:
            return _("统计最近 %(days)s 天内%(what)s，按户所在村汇总") % {"days": days, "what": what}
        if measure in WINDOWED:
            return _("统计%(what)s，按户所在村汇总") % {"what": what}
        return _("统计%(what)s（以当前核查结果为准），按户所在村汇总") % {"what": what}

    def values(self, indicators, villages, window):
        out: dict[tuple[int, int], Decimal] = {}
        if not villages:
            return out
        if not isinstance(villages, history.Villages):  # once for all the indicators
            villages = history.Villages(villages, sub=villages[0].parent, on=window.end)
        for ind in indicators:
            qs, path, count = _household_rows(ind, window)
            grouped, by_path = group_by_village(qs, path, villages, window.end)
            for r in grouped.values("_village").order_by().annotate(n=count):
                rid = by_path.get(r["_village"])
                if rid is None:
                    continue
                out[(ind.pk, rid)] = out.get((ind.pk, rid), Decimal(0)) + Decimal(r["n"])
        return out

    def records(self, indicator, village, window):
        qs, path, _count = _household_rows(indicator, window)
        if village.pk == indicator.task.goal.region_id:  # rows on the subdistrict itself
            qs = qs.filter(**{path: village.path})
        else:
            qs = qs.filter(history.paths_q(path, village, window.end))
        measure = _measure(indicator, "visited")
        if measure == "visited":
            return (
                Household.objects.filter(pk__in=qs.values("household_id"))
                .select_related("region", "officer")
                .order_by("path", "id")
            )
        if measure == "visits":
            return qs.select_related("household", "officer").order_by("visited_on", "id")
        if measure == "failing_items":
            return qs.select_related("household", "item").order_by("path", "household_id", "item__order")
        return qs.select_related("region", "officer").order_by("path", "id")

    def table(self, indicator, records):
        measure = _measure(indicator, "visited")
        if measure == "visits":
            return (
                [_("走访日期"), _("户主"), _("户编号"), _("走访人"), _("走访情况")],
                [
                    [
                        r.visited_on,
                        r.household.head_name,
                        r.household.number,
                        r.officer.full_name if r.officer_id else "",
                        r.findings,
                    ]
                    for r in records
                ],
            )
        if measure == "failing_items":
            return (
                [_("户主"), _("户编号"), _("核查项目"), _("情况"), _("核查日期")],
                [[r.household.head_name, r.household.number, r.item.name, r.evidence, r.checked_on] for r in records],
            )
        return (
            [_("户主"), _("户编号"), _("村（网格）"), _("帮扶责任人"), _("最近走访"), _("未达标项")],
            [
                [
                    r.head_name,
                    r.number,
                    r.region.name,
                    r.officer.full_name if r.officer_id else "",
                    r.last_visit_on or "",
                    r.failing_items,
                ]
                for r in records
            ],
        )


def _training_rows(indicator, window: Window):
    sub = indicator.task.goal.region_id
    if _measure(indicator, "held") == "attendance":
        qs = TrainingAttendance.objects.filter(
            training__subdistrict_id=sub, training__held_on__gte=window.start, training__held_on__lte=window.end
        )
        return qs, "training__subdistrict__path"
    qs = Training.objects.filter(subdistrict_id=sub, held_on__gte=window.start, held_on__lte=window.end)
    return qs, "subdistrict__path"


class TrainingSource(IndicatorSource):
    key = "trainings"
    inputs = ("households",)
    label = gettext_lazy("帮扶责任人培训（培训记录、参训人员）")

    def check_params(self, params: dict) -> None:
        if params.get("measure", "held") not in TRAINING_MEASURES:
            raise ValidationError(_("统计方式应为：%(v)s。") % {"v": "、".join(TRAINING_MEASURES)})

    def describe(self, indicator) -> str:
        return _("统计%(what)s，按培训日期") % {"what": TRAINING_MEASURES[_measure(indicator, "held")]}

    def values(self, indicators, villages, window):
        out: dict[tuple[int, int], Decimal] = {}
        if not villages:
            return out
        if not isinstance(villages, history.Villages):
            villages = history.Villages(villages, sub=villages[0].parent, on=window.end)
        for ind in indicators:
            qs, path = _training_rows(ind, window)
            grouped, by_path = group_by_village(qs, path, villages, window.end)
            for r in grouped.values("_village").order_by().annotate(n=Count("id")):
                rid = by_path.get(r["_village"])
                if rid is None:
                    continue
                out[(ind.pk, rid)] = out.get((ind.pk, rid), Decimal(0)) + Decimal(r["n"])
        return out

    def records(self, indicator, village, window):
        qs, _path = _training_rows(indicator, window)
        if village.pk != indicator.task.goal.region_id:  # trainings count for the subdistrict, never a village
            return qs.none()
        if _measure(indicator, "held") == "attendance":
            return qs.select_related("training", "person").order_by("training__held_on", "training_id", "person_id")
        return qs.annotate(attended=Count("attendance")).order_by("held_on", "id")

    def table(self, indicator, records):
        if _measure(indicator, "held") == "attendance":
            return (
                [_("培训日期"), _("培训主题"), _("参训人员"), _("职务")],
                [[r.training.held_on, r.training.title, r.person.full_name, r.person.title] for r in records],
            )
        return (
            [_("培训日期"), _("培训主题"), _("地点"), _("参训人数")],
            [[r.held_on, r.title, r.place, r.attended] for r in records],
        )


register(HouseholdSource())
register(TrainingSource())
