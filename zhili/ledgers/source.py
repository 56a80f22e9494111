"""Ledgers as indicator sources (the contract in zhili/targets/sources.py), configured, not coded:

    {"ledger": "gas-conversion", "measure": "count", "filter": {"status": "已验收"}}
    {"ledger": "land-transfer", "measure": "sum", "field": "area"}
    {"ledger": "road-hardening", "measure": "villages"}          # villages with at least one row
    {"ledger": "garbage-pilot", "measure": "villages", "villages": ["370115003…", …]}   # only these villages

A source bound to a fixed set of villages (`villages`: their codes — the 4 garbage-sorting pilots) counts only
their rows; the ledger's import warns about a row for another village (importer.py), it does not refuse it.

A figure opens onto exactly the rows it counted (records()).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.ledgers.models import FieldType, Ledger, LedgerRow
from zhili.ledgers.queries import region_names
from zhili.regions import history
from zhili.regions.models import PATH_SEP, Region, path_prefix_q
from zhili.targets.sources import IndicatorSource, Window, group_by_village, register

MEASURES = {"count": gettext_lazy("行数"), "sum": gettext_lazy("合计"), "villages": gettext_lazy("有记录的村数")}


def _ledger(indicator) -> Ledger | None:
    sub = indicator.task.goal.region
    return (
        Ledger.objects.filter(region=sub, code=indicator.source_params.get("ledger"))
        .select_related("current_version")
        .first()
    )


def bound_villages(indicator) -> list[Region] | None:
    """The villages a source is bound to (`villages`: their codes), in the indicator's subdistrict; None when it
    counts every village. Read once per indicator object."""
    codes = indicator.source_params.get("villages")
    if not codes:
        return None
    cached = getattr(indicator, "_bound_villages", None)
    if cached is None:
        sub = indicator.task.goal.region
        cached = list(Region.objects.filter(path_prefix_q("path", sub.path), code__in=codes).order_by("code"))
        indicator._bound_villages = cached
    return cached


def rows_of_q(codes: list[str]) -> Q:
    """Rows of these villages (and of their grids), by the codes in the rows' region paths: no query of its own,
    so a board with bound sources runs no more queries than without."""
    q = Q()
    for code in codes:
        q |= Q(region__path__contains=f"{PATH_SEP}{code}{PATH_SEP}")
    return q


def bound_sets(ledger: Ledger) -> list[tuple[str, list[Region]]]:
    """The indicators counted from this ledger that are bound to a fixed set of villages, with the set: what
    the ledger's import warns about (a row for a village outside it is imported, and not counted there)."""
    from zhili.targets.models import Indicator, SourceKind

    out = []
    indicators = (
        Indicator.objects.active()
        .filter(source=SourceKind.COMPUTED, source_key="ledger", task__goal__region=ledger.region)
        .select_related("task__goal__region")
        .order_by("task__goal__year", "code")
    )
    for ind in indicators:
        if ind.source_params.get("ledger") == ledger.code and ind.source_params.get("villages"):
            out.append((ind.name, bound_villages(ind) or []))
    return out


class LedgerSource(IndicatorSource):
    key = "ledger"
    inputs = ("ledgers",)
    label = gettext_lazy("台账")

    def check_params(self, params: dict) -> None:
        if not params.get("ledger"):
            raise ValidationError(_("台账来源需要指定台账代码（ledger）。"))
        measure = params.get("measure", "count")
        if measure not in MEASURES:
            raise ValidationError(_("统计方式应为：%(v)s。") % {"v": "、".join(MEASURES)})
        if measure == "sum" and not params.get("field"):
            raise ValidationError(_("求和需要指定字段（field）。"))
        if not isinstance(params.get("filter", {}), dict):
            raise ValidationError(_("筛选条件（filter）应为“字段: 值”的对象。"))
        bound = params.get("villages")
        if bound is not None and not (isinstance(bound, list) and bound and all(isinstance(c, str) for c in bound)):
            raise ValidationError(_("只计的村（villages）应为村（社区）代码的列表。"))

    def describe(self, indicator) -> str:
        p = indicator.source_params
        ledger = _ledger(indicator)
        name = ledger.name if ledger else p.get("ledger")
        labels = {
            f["key"]: f["label"] for f in (ledger.current_version.fields if ledger and ledger.current_version else [])
        }
        conditions = [
            _("%(field)s为“%(value)s”") % {"field": labels.get(k, k), "value": v}
            for k, v in (p.get("filter") or {}).items()
        ]
        if p.get("date_field"):
            conditions.insert(0, _("%(field)s在本年度内") % {"field": labels.get(p["date_field"], p["date_field"])})
        what = (
            _("“%(field)s”之和") % {"field": labels.get(p.get("field"), p.get("field"))}
            if p.get("measure") == "sum"
            else MEASURES[p.get("measure", "count")]
        )
        if p.get("villages"):  # how many, not which: the sentence is shown to every village that sees the indicator
            conditions.insert(0, _("指定的 %(n)s 个村（社区）") % {"n": len(p["villages"])})
        # "…中状态为“已验收”的行数", not "…的行的行数"
        if conditions:
            return _("统计台账“%(name)s”中%(conditions)s的%(what)s") % {
                "name": name,
                "conditions": _("、").join(conditions),
                "what": what,
            }
        return _("统计台账“%(name)s”的%(what)s") % {"name": name, "what": what}

    def _filter_q(self, indicator, window: Window | None) -> Q:
        p = indicator.source_params
        q = Q()
        for k, v in (p.get("filter") or {}).items():
            q &= Q(**{f"data__{k}": v})
        date_field = p.get("date_field")
        if date_field and window is not None:
            q &= Q(
                **{
                    f"data__{date_field}__gte": window.start.isoformat(),
                    f"data__{date_field}__lte": window.end.isoformat(),
                }
            )
        if p.get("villages"):
            q &= rows_of_q(p["villages"])
        return q

    def _rows(self, indicator, window: Window | None):
        p = indicator.source_params
        return LedgerRow.objects.active().filter(
            self._filter_q(indicator, window), ledger__region=indicator.task.goal.region, ledger__code=p.get("ledger")
        )

    def values(self, indicators, villages, window):
        """One grouped query per ledger: each indicator is a filtered COUNT or SUM over the same rows."""
        out: dict[tuple[int, int], Decimal] = {}
        if not villages:
            return out
        by_ledger: dict[tuple[int, str], list] = {}
        for ind in indicators:
            by_ledger.setdefault((ind.task.goal.region_id, ind.source_params.get("ledger")), []).append(ind)
        for (region_id, code), inds in by_ledger.items():
            base = LedgerRow.objects.active().filter(ledger__region_id=region_id, ledger__code=code)
            qs, by_path = group_by_village(base, "region__path", villages, window.end)
            annotations = {}
            for ind in inds:
                q = self._filter_q(ind, window)
                if ind.source_params.get("measure", "count") == "sum":
                    field = KeyTextTransform(ind.source_params["field"], "data")
                    annotations[f"i{ind.pk}"] = Sum(
                        Cast(field, DecimalField(max_digits=20, decimal_places=4)), filter=q
                    )
                else:
                    annotations[f"i{ind.pk}"] = Count("id", filter=q)
            for r in qs.values("_village").annotate(**annotations):
                rid = by_path.get(r["_village"])
                if rid is None:
                    continue
                for ind in inds:
                    v = r[f"i{ind.pk}"]
                    # A village with rows, none matching, has the figure 0 (its light can be overdue), not "no data".
                    # Groups of villages merged into one add up ("villages": each village as it was counts once).
                    measure = ind.source_params.get("measure", "count")
                    if measure == "villages":
                        value = Decimal(1 if v else 0)
                    else:  # SQLite sums decimals as floats: back to four places
                        value = Decimal(str(v or 0)).quantize(Decimal("0.0001"))
                    out[(ind.pk, rid)] = out.get((ind.pk, rid), Decimal(0)) + value
        return out

    def table(self, indicator, records):
        from zhili.ledgers.fields import display

        ledger = _ledger(indicator)
        if ledger is None:
            return ["记录"], []
        version = ledger.current_version
        names = region_names(ledger)
        headers = ["#", *[f["label"] for f in version.fields]]
        rows = [
            [r.pk, *[display(version, f["key"], r.data.get(f["key"]), regions=names) for f in version.fields]]
            for r in records
        ]
        return headers, rows

    def records(self, indicator, village, window):
        # the village's rows and those of the villages merged into it by the window's end
        return (
            self._rows(indicator, window)
            .filter(history.paths_q("region__path", village, window.end))
            .select_related("region")
        )


def numeric_fields(ledger: Ledger) -> list[dict]:
    return [f for f in ledger.current_version.fields if f["type"] in (FieldType.INTEGER, FieldType.DECIMAL)]


register(LedgerSource())
