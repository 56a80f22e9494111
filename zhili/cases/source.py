"""Cases as an indicator source (targets/sources.py contract): e.g. "rectification items closed" or
"on-time closure rate", counted by village over the indicator's window (cases reported in it).

params: {"measure": "reported" | "filed" | "closed" | "closed_on_time" | "open" | <a rate key of
queries.RATES>, "category": "<code>" (optional, a class or a category), "source": "<Source>" (optional),
"batch": "<inspection batch name>" (optional)}
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.cases.models import Case, Source, State
from zhili.cases.queries import OPEN_STATES, RATES, counts, rates
from zhili.core import clock
from zhili.regions import history
from zhili.targets.sources import IndicatorSource, Window, group_by_village, register

COUNTS = {
    "reported": gettext_lazy("上报数"),
    "filed": gettext_lazy("立案数"),
    "closed": gettext_lazy("结案数"),
    "closed_on_time": gettext_lazy("按期结案数"),
    "open": gettext_lazy("未结案数"),
}
RATE_LABELS = {key: label for key, label, _num, _den in RATES}
RECORDS_Q = {
    "filed": Q(filed_at__isnull=False),
    "closed": Q(closed_at__isnull=False),
    "closed_on_time": Q(closed_on_time=True),
    "open": Q(state__in=OPEN_STATES),
}


def _end(window: Window) -> datetime.datetime:
    return datetime.datetime.combine(window.end, datetime.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


class CaseSource(IndicatorSource):
    key = "cases"
    inputs = ("cases.case", "cases.category")
    label = gettext_lazy("网格事件（巡查、督查整改、群众上报）")

    def check_params(self, params: dict) -> None:
        measure = params.get("measure", "reported")
        if measure not in COUNTS and measure not in RATE_LABELS:
            raise ValidationError(_("统计方式应为：%(v)s。") % {"v": "、".join([*COUNTS, *RATE_LABELS])})
        if params.get("source") and params["source"] not in Source.values:
            raise ValidationError(_("来源应为：%(v)s。") % {"v": "、".join(Source.values)})

    def describe(self, indicator) -> str:
        p = indicator.source_params
        what = COUNTS.get(p.get("measure", "reported")) or RATE_LABELS.get(p.get("measure"))
        parts = []
        if p.get("batch"):
            parts.append(_("督查批次“%(batch)s”") % {"batch": p["batch"]})
        if p.get("category"):
            parts.append(_("类别“%(category)s”") % {"category": p["category"]})
        if p.get("source"):
            parts.append(_("来源“%(source)s”") % {"source": Source(p["source"]).label})
        return _("统计%(which)s事件（按上报日期）的%(what)s") % {
            "which": _("、").join(parts) or _("全部"),
            "what": what,
        }

    def _base(self, indicator, window: Window):
        p = indicator.source_params
        start = datetime.datetime.combine(window.start, datetime.time(), tzinfo=timezone.get_current_timezone())
        qs = Case.objects.filter(confidential=False, reported_at__gte=start, reported_at__lte=_end(window)).exclude(
            state=State.MERGED
        )
        if p.get("category"):
            qs = qs.filter(Q(category__code=p["category"]) | Q(category__parent__code=p["category"]))
        if p.get("source"):
            qs = qs.filter(source=p["source"])
        if p.get("batch"):
            qs = qs.filter(batch__name=p["batch"])
        return qs

    def values(self, indicators, villages, window):
        """One grouped query per indicator, by each case's own village path; a village's counts add up its
        predecessors' groups (history.Villages), and its rates are computed from those sums."""
        out: dict[tuple[int, int], Decimal] = {}
        if not villages:
            return out
        parent = villages[0].parent
        now = min(clock.now(), _end(window))
        for ind in indicators:  # indicators differ in their filters: one grouped query each
            qs, by_path = group_by_village(
                self._base(ind, window).filter(path__startswith=parent.path), "path", villages, window.end
            )
            measure = ind.source_params.get("measure", "reported")
            summed: dict[int, dict] = {}
            for r in qs.values("_village").annotate(**counts(now)):
                vid = by_path.get(r.pop("_village"))
                if vid is None:
                    continue
                if vid in summed:
                    summed[vid] = {k: summed[vid][k] + v for k, v in r.items()}
                else:
                    summed[vid] = r
            for vid, r in summed.items():
                if measure in COUNTS:
                    value = r["open"] if measure == "open" else r[measure]
                else:
                    value = rates(r).get(measure)
                    if value is None:
                        continue
                out[(ind.pk, vid)] = Decimal(str(value))
        return out

    def additive(self, indicator) -> bool:
        return indicator.source_params.get("measure", "reported") in COUNTS

    def moves_with_time(self, indicator) -> bool:
        """The rates count cases past their deadline at this minute (queries.counts): they move with the clock."""
        return indicator.source_params.get("measure", "reported") not in COUNTS

    def whole_values(self, indicators, subdistrict, window):
        """Rates for the whole subdistrict: one aggregate over all its cases per indicator."""
        now = min(clock.now(), _end(window))
        out: dict[int, Decimal] = {}
        for ind in indicators:
            row = self._base(ind, window).filter(path__startswith=subdistrict.path).aggregate(**counts(now))
            value = rates(row).get(ind.source_params.get("measure"))
            if value is not None:
                out[ind.pk] = Decimal(str(value))
        return out

    def records(self, indicator, village, window):
        measure = indicator.source_params.get("measure", "reported")
        # the village's cases and those of the villages merged into it by the window's end
        qs = self._base(indicator, window).filter(history.paths_q("path", village, window.end))
        if measure in RECORDS_Q:
            qs = qs.filter(RECORDS_Q[measure])
        return qs.select_related("category", "region").order_by("reported_at")

    def table(self, indicator, records):
        return (
            [_("编号"), _("上报时间"), _("村/网格"), _("类别"), _("状态"), _("描述")],
            [
                [
                    r.number,
                    f"{timezone.localtime(r.reported_at):%Y-%m-%d}",
                    r.region.name,
                    r.category.name,
                    r.get_state_display(),
                    r.description[:60],
                ]
                for r in records
            ],
        )


register(CaseSource())
