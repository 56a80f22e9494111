"""Public works as an indicator source (targets/sources.py contract), key `works`:

params: {"measure": "reached" | "spent", "stage": "<stage>" (for reached: 谋划 … 见效 by its code, e.g.
"build"), "kind": "<WorkKind>" (optional)}

- reached: works that reached `stage` within the indicator's window (by the stage's actual date);
- spent: funds spent (万元) on the works, as the works say today (a running total, not dated).

Grouped by each work's village; a work of the whole subdistrict counts for the subdistrict. Imported at start-up
by ProjectsConfig.ready (the autodiscovery looks for modules named source.py).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.projects.models import Work, WorkKind, WorkStageName
from zhili.regions import history
from zhili.targets.sources import IndicatorSource, Window, group_by_village, register

MEASURES = {"reached": gettext_lazy("达到阶段的工程数"), "spent": gettext_lazy("已支出资金（万元）")}


class WorkSource(IndicatorSource):
    key = "works"
    inputs = ("projects",)
    label = gettext_lazy("公共工程、乡村振兴项目")

    def check_params(self, params: dict) -> None:
        measure = params.get("measure", "reached")
        if measure not in MEASURES:
            raise ValidationError(_("统计方式应为：%(v)s。") % {"v": "、".join(MEASURES)})
        if measure == "reached" and params.get("stage") not in WorkStageName.values:
            raise ValidationError(_("阶段应为：%(v)s。") % {"v": "、".join(WorkStageName.values)})
        if params.get("kind") and params["kind"] not in WorkKind.values:
            raise ValidationError(_("工程类别应为：%(v)s。") % {"v": "、".join(WorkKind.values)})

    def describe(self, indicator) -> str:
        p = indicator.source_params
        kind = str(WorkKind(p["kind"]).label) if p.get("kind") else _("全部工程")
        if p.get("measure", "reached") == "spent":
            return _("统计%(kind)s的已支出资金（万元）") % {"kind": kind}
        return _("统计%(kind)s中在统计期内达到“%(stage)s”阶段的个数（按该阶段的实际日期）") % {
            "kind": kind,
            "stage": WorkStageName(p["stage"]).label,
        }

    def _base(self, indicator):
        p = indicator.source_params
        qs = Work.objects.active().filter(subdistrict=indicator.task.goal.region)
        if p.get("kind"):
            qs = qs.filter(kind=p["kind"])
        return qs

    def _reached_q(self, indicator, window: Window) -> Q:
        return Q(
            stages__stage=indicator.source_params.get("stage"),
            stages__actual__gte=window.start,
            stages__actual__lte=window.end,
        )

    def values(self, indicators, villages, window):
        """One grouped query per indicator, by each work's village path (merged villages add up)."""
        out: dict[tuple[int, int], Decimal] = {}
        if not villages:
            return out
        for ind in indicators:
            qs, by_path = group_by_village(self._base(ind), "region__path", villages, window.end)
            if ind.source_params.get("measure", "reached") == "spent":
                agg = Sum("funds_spent")
            else:
                agg = Count("id", filter=self._reached_q(ind, window), distinct=True)
            for r in qs.values("_village").annotate(v=agg).order_by():
                rid = by_path.get(r["_village"])
                if rid is None:
                    continue
                value = Decimal(str(r["v"] or 0)).quantize(Decimal("0.01"))
                out[(ind.pk, rid)] = out.get((ind.pk, rid), Decimal(0)) + value
        return out

    def records(self, indicator, village, window):
        qs = self._base(indicator).filter(history.paths_q("region__path", village, window.end))
        if indicator.source_params.get("measure", "reached") != "spent":
            qs = qs.filter(self._reached_q(indicator, window)).distinct()
        return qs.select_related("region", "unit").prefetch_related("stages").order_by("region__code", "name")

    def table(self, indicator, records):
        stage = indicator.source_params.get("stage")
        headers = [_("工程名称"), _("类别"), _("所在村"), _("责任单位"), _("已支出（万元）")]
        if stage:
            headers.append(_("%(stage)s实际日期") % {"stage": WorkStageName(stage).label})
        rows = []
        for w in records:
            row = [w.name, w.get_kind_display(), w.region.name, w.unit.name, w.funds_spent]
            if stage:
                found = next((s.actual for s in w.stages.all() if s.stage == stage), None)
                row.append(found.isoformat() if found else "")
            rows.append(row)
        return headers, rows


register(WorkSource())
