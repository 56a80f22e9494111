"""Indicator sources: where a computed indicator's figures come from.

The contract (every part of Zhili that keeps records can be a source — ledgers, cases, projects, households):

    class MySource(IndicatorSource):
        key = "cases"                       # stored in Indicator.source_key
        label = "网格事件"
        def check_params(self, params): ...  # raise ValidationError with a Chinese sentence
        def describe(self, indicator): ...   # "统计……" — shown beside the figure
        def values(self, indicators, villages, window): ...
            # → {(indicator_id, village_id): Decimal}, one or a few grouped queries for all indicators
        def additive(self, indicator): ...   # False for rates: the subdistrict's figure is not a sum, so
        def whole_values(self, indicators, subdistrict, window): ...  # … the source computes it itself
        def records(self, indicator, village, window): ...
            # → the queryset of rows behind one village's figure (the drill-down)

    register(MySource())

A source groups by village: records attached to a grid count for the grid's village (path prefix), and records
on the subdistrict itself come back under the subdistrict's id (they count for the whole, not for a village).
`villages` are the villages of the window's last day (regions/history.py): a village merged away by then counts
for its successor, so a source groups its rows by each row's own village path in the database and adds up, per
village asked for, the groups `villages.owners()` maps onto it (`group_by_village` does both); a rate is computed
from the added-up counts. `records()` opens onto the village's rows and its predecessors' (`history.paths_q`).
The built-in source below counts ActivityRecord rows (meetings, trainings, integrity talks, …).
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Substr

from zhili.regions import history
from zhili.regions.models import Region


@dataclass(frozen=True)
class Window:
    """The dates a figure covers, both inclusive."""

    start: datetime.date
    end: datetime.date


class IndicatorSource(ABC):
    key: str = ""
    label: str = ""

    def check_params(self, params: dict) -> None:  # noqa: B027 — optional hook
        """Raise ValidationError when the configured parameters cannot work."""

    @abstractmethod
    def describe(self, indicator) -> str: ...

    @abstractmethod
    def values(self, indicators: list, villages: list[Region], window: Window) -> dict[tuple[int, int], Decimal]: ...

    @abstractmethod
    def records(self, indicator, village: Region, window: Window) -> QuerySet: ...

    def table(self, indicator, records) -> tuple[list[str], list[list]]:
        """The drill-down table: headers and one row of display values per record."""
        return ["记录"], [[str(r)] for r in records]

    def additive(self, indicator) -> bool:
        """Whether the subdistrict's figure is the sum of the villages' (counts, sums: yes; rates: no)."""
        return True

    def whole_values(self, indicators: list, subdistrict: Region, window: Window) -> dict[int, Decimal]:
        """{indicator_id: the subdistrict's figure}, asked only for indicators that are not additive."""
        raise NotImplementedError(f"{self.key} 来源的比率类指标需要实现 whole_values。")


_REGISTRY: dict[str, IndicatorSource] = {}


def register(source: IndicatorSource) -> IndicatorSource:
    _REGISTRY[source.key] = source
    return source


def get(key: str) -> IndicatorSource:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise ValidationError(f"未知的计算来源“{key}”。可用：{'、'.join(sorted(_REGISTRY))}。") from None


def choices() -> list[tuple[str, str]]:
    return [(k, s.label) for k, s in sorted(_REGISTRY.items())]


def group_by_village(qs: QuerySet, path_field: str, villages: list[Region], on: datetime.date | None = None):
    """Annotate `qs` with the village path of each row (rows on grids count for their village), and say which
    village each path counts for: {path: village id}. Several paths map to one village when villages were merged
    into it by `on` (the window's end; `villages` from the engine already know it): add their groups up."""
    if not villages:
        return qs.none(), {}
    length = len(villages[0].path)
    if not isinstance(villages, history.Villages):
        from zhili.core import clock

        villages = history.Villages(villages, sub=villages[0].parent, on=on or clock.today())
    # Rows on the subdistrict itself (shorter paths come out whole) count for the subdistrict.
    return qs.annotate(_village=Substr(path_field, 1, length)), villages.owners()


class ActivitySource(IndicatorSource):
    """Count or sum ActivityRecord rows of one topic, by village.

    params: {"topic": "廉政谈话", "measure": "records" | "people" | "amount" | "villages"}
    - records: number of records; people: sum of 人数/户数; amount: sum of 数量/金额;
    - villages: 1 for each village with at least one record (e.g. "integrity talks held in 91 villages").
    """

    key = "activities"
    label = "工作记录（会议、培训、谈话、走访……）"
    MEASURES = {"records": "条数", "people": "人数/户数之和", "amount": "数量/金额之和", "villages": "有记录的村数"}

    def check_params(self, params: dict) -> None:
        if not (params.get("topic") or "").strip():
            raise ValidationError("工作记录来源需要填写“事项”（如：廉政谈话）。")
        if params.get("measure", "records") not in self.MEASURES:
            raise ValidationError(f"统计方式应为：{'、'.join(self.MEASURES)}。")

    def describe(self, indicator) -> str:
        p = indicator.source_params
        return f"统计事项为“{p.get('topic')}”的工作记录的{self.MEASURES.get(p.get('measure', 'records'))}"

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
            ["日期", "区划", "事项", "标题", "人数/户数", "数量/金额"],
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
