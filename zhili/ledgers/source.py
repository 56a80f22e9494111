"""Ledgers as indicator sources (the contract in zhili/targets/sources.py), configured, not coded:

    {"ledger": "gas-conversion", "measure": "count", "filter": {"status": "已验收"}}
    {"ledger": "land-transfer", "measure": "sum", "field": "area"}
    {"ledger": "road-hardening", "measure": "villages"}          # villages with at least one row

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
from zhili.targets.sources import IndicatorSource, Window, group_by_village, register

MEASURES = {"count": gettext_lazy("行数"), "sum": gettext_lazy("合计"), "villages": gettext_lazy("有记录的村数")}


def _ledger(indicator) -> Ledger | None:
    sub = indicator.task.goal.region
    return (
        Ledger.objects.filter(region=sub, code=indicator.source_params.get("ledger"))
        .select_related("current_version")
        .first()
    )


class LedgerSource(IndicatorSource):
    key = "ledger"
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

    def describe(self, indicator) -> str:
        p = indicator.source_params
        ledger = _ledger(indicator)
        name = ledger.name if ledger else p.get("ledger")
        labels = {
            f["key"]: f["label"] for f in (ledger.current_version.fields if ledger and ledger.current_version else [])
        }
        where = _("，").join(
            _("%(field)s为“%(value)s”") % {"field": labels.get(k, k), "value": v}
            for k, v in (p.get("filter") or {}).items()
        )
        what = (
            _("“%(field)s”之和") % {"field": labels.get(p.get("field"), p.get("field"))}
            if p.get("measure") == "sum"
            else MEASURES[p.get("measure", "count")]
        )
        when = ""
        if p.get("date_field"):
            when = _("%(field)s在本年度内、") % {"field": labels.get(p["date_field"], p["date_field"])}
        return _("统计台账“%(name)s”中%(when)s%(where)s行的%(what)s") % {
            "name": name,
            "when": when,
            "where": _("%(conditions)s的") % {"conditions": where} if where else "",
            "what": what,
        }

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
