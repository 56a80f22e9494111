"""The built-in record type as an indicator source (the contract in zhili/targets/sources.py): ActivityRecord rows
(meetings, trainings, integrity talks, visits …) counted or summed by village."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.regions import history
from zhili.targets.sources import IndicatorSource, Window, group_by_village, register


class ActivitySource(IndicatorSource):
    """Count or sum ActivityRecord rows of one topic, by village.

    params: {"topic": "廉政谈话", "measure": "records" | "people" | "amount" | "villages"}
    - records: number of records; people: sum of 人数/户数; amount: sum of 数量/金额;
    - villages: 1 for each village with at least one record (e.g. "integrity talks held in 91 villages").
    """

    key = "activities"
    inputs = ("targets.activityrecord",)
    label = gettext_lazy("工作记录（会议、培训、谈话、走访……）")
    MEASURES = {
        "records": gettext_lazy("条数"),
        "people": gettext_lazy("人数/户数之和"),
        "amount": gettext_lazy("数量/金额之和"),
        "villages": gettext_lazy("有记录的村数"),
    }

    def check_params(self, params: dict) -> None:
        if not (params.get("topic") or "").strip():
            raise ValidationError(_("工作记录来源需要填写“事项”（如：廉政谈话）。"))
        if params.get("measure", "records") not in self.MEASURES:
            raise ValidationError(_("统计方式应为：%(v)s。") % {"v": "、".join(self.MEASURES)})

    def describe(self, indicator) -> str:
        p = indicator.source_params
        return _("统计事项为“%(topic)s”的工作记录的%(what)s") % {
            "topic": p.get("topic"),
            "what": self.MEASURES.get(p.get("measure", "records")),
        }

    def _base(self, window: Window):
        from zhili.targets.models import ActivityRecord

        return ActivityRecord.objects.active().filter(date__gte=window.start, date__lte=window.end)

    def values(self, indicators, villages, window):
        out: dict[tuple[int, int], Decimal] = {}
        if not villages:
            return out
        topics = {ind.source_params.get("topic") for ind in indicators}
        qs, by_path = group_by_village(
            self._base(window).filter(topic__in=topics), "region__path", villages, window.end
        )
        rows = qs.values("topic", "_village").annotate(n=Count("id"), people=Sum("count"), amount=Sum("amount"))
        # a village's figure adds up its own path's group and its predecessors' ("villages": each village as it
        # was when the record was made counts once, so a merge changes no total)
        table: dict[tuple[str, int], dict[str, Decimal]] = {}
        for r in rows:
            vid = by_path.get(r["_village"])
            if vid is None:
                continue
            t = table.setdefault((r["topic"], vid), dict.fromkeys(self.MEASURES, Decimal(0)))
            t["records"] += r["n"]
            t["people"] += r["people"] or 0
            t["amount"] += Decimal(str(r["amount"] or 0))
            t["villages"] += 1 if r["n"] else 0
        for ind in indicators:
            topic = ind.source_params.get("topic")
            measure = ind.source_params.get("measure", "records")
            for (t_topic, vid), t in table.items():
                if t_topic == topic:
                    out[(ind.pk, vid)] = Decimal(t[measure])
        return out

    def table(self, indicator, records):
        return (
            [_("日期"), _("区划"), _("事项"), _("标题"), _("人数/户数"), _("数量/金额")],
            [
                [f"{r.date:%Y-%m-%d}", r.region.name, r.topic, r.title, r.count, "" if r.amount is None else r.amount]
                for r in records
            ],
        )

    def records(self, indicator, village, window):
        return (
            self._base(window)
            .filter(history.paths_q("region__path", village, window.end), topic=indicator.source_params.get("topic"))
            .select_related("region")
        )


register(ActivitySource())
