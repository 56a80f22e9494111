"""Party building as an indicator source (targets/sources.py contract), key `party`:

params: {"measure": "compliant" | "meetings" | "talks" | "talk_villages", "kind": "<MeetingKind>" (meetings only,
optional)}

- compliant: branches whose 三会一课 light is not red on the window's end (every period gone by had its meetings);
- meetings: meetings held in the window (of one type, or all);
- talks: integrity talks held in the window; talk_villages: 1 for each village with at least one talk.

Grouped by each record's village (merged villages add up, `group_by_village`).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import clock, lights
from zhili.party import queries
from zhili.party.models import Branch, IntegrityTalk, Meeting, MeetingKind
from zhili.people.scope import Scope
from zhili.regions import history
from zhili.regions.models import Level, Region
from zhili.targets.sources import IndicatorSource, Window, group_by_village, register

MEASURES = {
    "compliant": gettext_lazy("三会一课达标的支部数"),
    "meetings": gettext_lazy("召开的支部会议次数"),
    "talks": gettext_lazy("廉政谈话次数"),
    "talk_villages": gettext_lazy("开展廉政谈话的村数"),
}
EVERYWHERE = Scope(person_id=None, is_superuser=True)


class PartySource(IndicatorSource):
    key = "party"
    inputs = ("party",)
    label = gettext_lazy("党建（三会一课、廉政谈话）")

    def check_params(self, params: dict) -> None:
        if params.get("measure") not in MEASURES:
            raise ValidationError(_("统计方式应为：%(v)s。") % {"v": "、".join(MEASURES)})
        if params.get("kind") and params["kind"] not in MeetingKind.values:
            raise ValidationError(_("会议类型应为：%(v)s。") % {"v": "、".join(MeetingKind.values)})

    def describe(self, indicator) -> str:
        p = indicator.source_params
        if p.get("measure") == "meetings" and p.get("kind"):
            return _("统计各支部在统计期内召开%(kind)s的次数") % {"kind": MeetingKind(p["kind"]).label}
        return _("统计%(what)s（党建记录）") % {"what": MEASURES.get(p.get("measure"), "")}

    def _compliant_ids(self, subdistrict, window: Window) -> set[int]:
        end = min(window.end, clock.today())
        rows = queries.compliance_rows(queries.branches(EVERYWHERE, subdistrict), subdistrict, end.year, today=end)
        return {r.branch.pk for r in rows if r.light.state in (lights.GREEN, lights.YELLOW)}

    def _base(self, indicator, window: Window, sub_path: str):
        """The rows counted, of the subdistrict whose path is `sub_path` (read from a village's path: no query)."""
        p = indicator.source_params
        measure = p.get("measure")
        if measure == "compliant":
            sub = Region.objects.get(path=sub_path)
            return Branch.objects.filter(pk__in=self._compliant_ids(sub, window)), "region__path"
        if measure == "meetings":
            qs = Meeting.objects.filter(
                branch__region__path__startswith=sub_path, day__gte=window.start, day__lte=window.end
            )
            if p.get("kind"):
                qs = qs.filter(kind=p["kind"])
            return qs, "branch__region__path"
        qs = IntegrityTalk.objects.filter(region__path__startswith=sub_path, day__gte=window.start, day__lte=window.end)
        return qs, "region__path"

    def values(self, indicators, villages, window):
        out: dict[tuple[int, int], Decimal] = {}
        if not villages:
            return out
        for ind in indicators:
            base, path = self._base(ind, window, Region.path_at(villages[0].path, Level.SUBDISTRICT))
            qs, by_path = group_by_village(base, path, villages, window.end)
            for r in qs.values("_village").annotate(n=Count("id")).order_by():
                rid = by_path.get(r["_village"])
                if rid is None or not r["n"]:
                    continue
                n = 1 if ind.source_params.get("measure") == "talk_villages" else r["n"]
                out[(ind.pk, rid)] = out.get((ind.pk, rid), Decimal(0)) + Decimal(n)
        return out

    def records(self, indicator, village, window):
        base, path = self._base(indicator, window, Region.path_at(village.path, Level.SUBDISTRICT))
        qs = base.filter(history.paths_q(path, village, window.end))
        if base.model is Meeting:
            return qs.select_related("branch__region").order_by("day", "pk")
        if base.model is Branch:
            return qs.select_related("region").order_by("region__code")
        return qs.select_related("region").order_by("day", "pk")

    def table(self, indicator, records):
        measure = indicator.source_params.get("measure")
        if measure == "compliant":
            return [_("党支部"), _("村（社区）")], [[b.name, b.region.name] for b in records]
        if measure == "meetings":
            return (
                [_("日期"), _("党支部"), _("会议类型"), _("主题")],
                [[f"{m.day:%Y-%m-%d}", m.branch.name, m.get_kind_display(), m.topic] for m in records],
            )
        return (
            [_("谈话日期"), _("村（社区）"), _("谈话对象"), _("职务"), _("谈话人")],
            [[f"{t.day:%Y-%m-%d}", t.region.name, t.person_name, t.get_post_display(), t.talker] for t in records],
        )


register(PartySource())
