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
        inputs = ("cases.case",)             # the models it counts: their changes mark kept figures stale
        def moves_with_time(self, indicator): ...  # True if the figure changes with the clock alone (not kept)
        def records(self, indicator, village, window): ...
            # → the queryset of rows behind one village's figure (the drill-down)

    register(MySource())

A source groups by village: records attached to a grid count for the grid's village (path prefix), and records
on the subdistrict itself come back under the subdistrict's id (they count for the whole, not for a village).
`villages` are the villages of the window's last day (regions/history.py): a village merged away by then counts
for its successor, so a source groups its rows by each row's own village path in the database and adds up, per
village asked for, the groups `villages.owners()` maps onto it (`group_by_village` does both); a rate is computed
from the added-up counts. `records()` opens onto the village's rows and its predecessors' (`history.paths_q`).
The built-in source, targets/source.py, counts ActivityRecord rows (meetings, trainings, integrity talks, …); each app
registers its own in its `source.py`, found by name at start-up.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

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
    # The models ("app_label.model") whose rows this source counts. A save, a delete or an audited action on one
    # of them marks its region's kept figures for a recount (kept.py): a source that reads a model not named here
    # would show a kept figure that no longer equals its records.
    inputs: tuple[str, ...] = ()

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

    def moves_with_time(self, indicator) -> bool:
        """Whether the figure changes with the clock alone, no record changing (a count of cases past their
        deadline at this minute): such a figure is counted on every read, never kept."""
        return False

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
        raise ValidationError(
            _("未知的计算来源“%(key)s”。可用：%(v)s。") % {"key": key, "v": "、".join(sorted(_REGISTRY))}
        ) from None


def registered() -> list[IndicatorSource]:
    return list(_REGISTRY.values())


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
