"""Reads of cases: scoped, with their joins, a fixed number of queries whatever the number of cases."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.cases.models import TERMINAL, Case, CaseRule, Source, State
from zhili.core import clock
from zhili.core import lights as core_lights
from zhili.people import queries as people_queries
from zhili.people.scope import Scope
from zhili.regions import history
from zhili.regions.models import CODE_LENGTH, PATH_SEP, Level, Region

OPEN_STATES = [s for s in State.values if s not in TERMINAL]


def visible(scope: Scope) -> QuerySet[Case]:
    """Every case this person may read: their regions' cases, and confidential tips only for the tip officer."""
    return Case.objects.filter((scope.q("path") & Q(confidential=False)) | (Q(confidential=True) & scope.tip_q("path")))


def with_pending_extension(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate whether a case has an extension request waiting, and who asked for it (flow.available then needs
    no query)."""
    from django.db.models import Exists, OuterRef, Subquery

    from zhili.cases.models import ExtensionRequest

    waiting = ExtensionRequest.objects.filter(case=OuterRef("pk"), decided_at__isnull=True)
    return qs.annotate(
        has_pending_extension=Exists(waiting),
        pending_extension_by=Subquery(waiting.values("requested_by_id")[:1]),
    )


def get_case_or_404(scope: Scope, pk: int) -> Case:
    case = (
        visible(scope)
        .select_related(
            "subdistrict",
            "subdistrict__case_rule",
            "region",
            "category",
            "category__parent",
            "unit",
            "assignee_region",
            "handler",
            "handled_by",
            "reporter",
            "batch",
            "master",
        )
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404(_("不存在或无权查看。"))
    return case


@dataclass(frozen=True)
class Filters:
    state: str = ""  # "", "open", "overdue" (a step past its time), "late" (handling past its deadline), "closed",
    # or one State value
    counted: bool = False  # only the cases statistics count (no merged duplicates): a figure's own rows
    category: int | None = None
    region_path: str = ""
    region_history: tuple[str, ...] = ()  # paths of villages merged into region_path's village: their cases too
    source: str = ""
    unit: int | None = None
    batch: int | None = None
    hotspot: bool = False
    text: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None


def region_paths(code: str, day) -> tuple[str, tuple[str, ...]]:
    """What a region filter names: the region's path ("/none/" for an unknown code) and, for a village, the paths
    of the villages merged into it by `day` (a callable, asked only then): a village's cases are its own and its
    predecessors' (regions/history.py)."""
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None:
        return "/none/", ()
    if region.level != Level.VILLAGE:
        return region.path, ()
    return region.path, tuple(p.path for p in history.of(region, day()).predecessors(region))


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def filtered(scope: Scope, f: Filters, *, now: datetime.datetime | None = None) -> QuerySet[Case]:
    """The cases of `scope` matching `f`. Dates are local days, compared as a range on `reported_at` itself (not
    `reported_at::date`) so that the (path, reported_at) index applies and SQLite calls no Python per row."""
    qs = visible(scope)
    if f.state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif f.state == "overdue":
        now = now or clock.now()  # only here: the clock costs a query (SiteFlag "today")
        qs = qs.filter(state__in=OPEN_STATES, step_deadline__lt=now).exclude(state=State.PARKED)
    elif f.state == "late":  # the statistics' 超期未处置
        now = now or clock.now()
        qs = qs.filter(state__in=[State.DISPATCHED, State.HANDLED], deadline__lt=now)
    elif f.state == "closed":
        qs = qs.filter(state=State.CLOSED)
    elif f.state in State.values:
        qs = qs.filter(state=f.state)
    if f.counted:
        qs = qs.exclude(state=State.MERGED)
    if f.category:
        qs = qs.filter(Q(category_id=f.category) | Q(category__parent_id=f.category))
    if f.region_path:
        from zhili.regions.models import path_prefix_q

        where = path_prefix_q("path", f.region_path)
        for p in f.region_history:
            where |= path_prefix_q("path", p)
        qs = qs.filter(where)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.unit:
        qs = qs.filter(unit_id=f.unit)
    if f.batch:
        qs = qs.filter(batch_id=f.batch)
    if f.hotspot:
        qs = qs.filter(is_hotspot=True)
    if f.text:
        qs = qs.filter(Q(description__icontains=f.text) | Q(address__icontains=f.text) | Q(number=f.text))
    if f.since:  # reported on or after that local day
        qs = qs.filter(reported_at__gte=_local_midnight(f.since))
    if f.until:  # … on or before it: before the next day's midnight
        qs = qs.filter(reported_at__lt=_local_midnight(f.until + datetime.timedelta(days=1)))
    return qs


def page_of(qs: QuerySet[Case], *, offset: int = 0, limit: int = 50) -> list[Case]:
    """One page of the list with what each row shows: one query."""
    return list(
        qs.select_related("category", "region", "unit", "assignee_region")
        .only(
            "id",
            "number",
            "state",
            "description",
            "address",
            "reported_at",
            "step_started_at",
            "step_deadline",
            "deadline",
            "rework_count",
            "extension_count",
            "is_hotspot",
            "source",
            "subdistrict_id",
            "confidential",
            "path",
            "lng",
            "lat",
            "category__name",
            "region__name",
            "region__level",
            "unit__name",
            "assignee_region__name",
        )
        .order_by("-reported_at", "-id")[offset : offset + limit]
    )


def events_for(case: Case, scope: Scope) -> list:
    """A case's steps, each naming who took it as themselves, with their office or role: 孔秀英（网格员）,
    陈城管（城管办）. The viewer knows themselves, everyone of a region they may read and the cadres of the villages
    above their grids; only a person of another village or grid (a case wrongly dispatched there and sent back)
    stays "其他村（社区）人员". Two queries whatever the number of steps."""
    events = list(case.events.select_related("actor__region"))
    known = people_queries.role_labels(e.actor_id for e in events if e.actor_id)
    for e in events:
        region = e.actor.region if e.actor is not None and e.actor.region_id else None
        if (
            region is not None
            and region.level > Level.SUBDISTRICT
            and e.actor_id != scope.person_id
            and not scope.can_read(region.path)
            and not any(p.startswith(region.path) for p in scope.read_paths)  # the village above one's grid
        ):
            e.actor_name = _("其他村（社区）人员")
        elif e.actor_id in known:
            e.actor_name = _("%(name)s（%(role)s）") % {"name": e.actor_name, "role": known[e.actor_id]}
    return events


# ---- lights ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Light(core_lights.Light):
    """A step's (or a case's) light: the share of its working-day time limit used."""

    color: str  # green / yellow / red / "" (no clock: closed, parked, not yet dispatched …)
    pct: int  # share of the step's time limit used
    text: str

    @property
    def state(self) -> str:  # type: ignore[override]
        return self.color or core_lights.NONE

    @property
    def shown(self) -> bool:
        return bool(self.color)

    def explain(self) -> str:
        return self.text


def rules_by_subdistrict(ids) -> dict[int, CaseRule]:
    ids = set(ids)
    found = {r.subdistrict_id: r for r in CaseRule.objects.filter(subdistrict_id__in=ids)}
    return {i: found.get(i) or CaseRule(subdistrict_id=i) for i in ids}


def state_labels() -> dict[str, str]:
    """Each state's label in the active language, translated once for a list (`get_state_display()` translates
    again for every case: most of the map's time for 2,000 cases)."""
    return {value: str(label) for value, label in State.choices}


def light(
    case: Case, rule: CaseRule, now: datetime.datetime, *, whole: bool = False, labels: dict[str, str] | None = None
) -> Light:
    """The step's light (or, with whole=True, the case's: from dispatch to the handling deadline)."""
    if case.state in TERMINAL or case.state == State.PARKED:
        return Light("", 0, labels[case.state] if labels else case.get_state_display())
    start, end = (case.dispatched_at, case.deadline) if whole else (case.step_started_at, case.step_deadline)
    if start is None or end is None:
        return Light("", 0, "")
    total = (end - start).total_seconds()
    used = (now - start).total_seconds()
    pct = 100 if total <= 0 else int(used * 100 / total)
    figures = {"end": f"{timezone.localtime(end):%m-%d %H:%M}", "pct": pct}
    if pct >= rule.red_pct:
        return Light("red", pct, _("已超时限（%(end)s），已用 %(pct)s%% 时间") % figures)
    if pct >= rule.yellow_pct:
        return Light("yellow", pct, _("临近时限（%(end)s），已用 %(pct)s%% 时间") % figures)
    return Light("green", pct, _("时限 %(end)s，已用 %(pct)s%% 时间") % figures)


def with_lights(cases: list[Case], now: datetime.datetime | None = None) -> list[tuple[Case, Light]]:
    now = now or clock.now()
    rules = rules_by_subdistrict(c.subdistrict_id for c in cases)
    labels = state_labels()
    return [(c, light(c, rules[c.subdistrict_id], now, labels=labels)) for c in cases]


# ---- statistics --------------------------------------------------------------------------------

RATES = [  # (key, label, numerator, denominator)
    ("filing_rate", gettext_lazy("立案率"), "filed", "accepted"),
    ("dispatch_rate", gettext_lazy("派遣率"), "dispatched", "filed"),
    ("closing_rate", gettext_lazy("结案率"), "closed", "due"),
    ("on_time_closing_rate", gettext_lazy("按期结案率"), "closed_on_time", "due"),
    ("rework_rate", gettext_lazy("返工率"), "reworked", "due"),
    ("extension_rate", gettext_lazy("延期率"), "extended", "due"),
    ("on_time_handling_rate", gettext_lazy("按期处置率"), "handled_on_time", "due_handling"),
]
INSPECTOR_RATES = [
    ("valid_rate", gettext_lazy("有效上报率"), "valid", "reported"),
    ("missed_rate", gettext_lazy("漏报率"), "public", "filed_in_grid"),
]


def counts(now: datetime.datetime) -> dict:
    """The counts behind the standard indicators, as conditional aggregates (one grouped query).

    应结案 (due): filed cases already closed, or whose handling deadline has passed; 应处置 (due_handling):
    dispatched cases already handled, or whose deadline has passed."""
    due = Q(filed_at__isnull=False) & (Q(closed_at__isnull=False) | Q(deadline__lte=now))
    due_handling = Q(dispatched_at__isnull=False) & (Q(handled_at__isnull=False) | Q(deadline__lte=now))
    return {
        "reported": Count("id"),
        "accepted": Count("id", filter=Q(accepted_at__isnull=False)),
        "filed": Count("id", filter=Q(filed_at__isnull=False)),
        "dispatched": Count("id", filter=Q(dispatched_at__isnull=False)),
        "due": Count("id", filter=due),
        "closed": Count("id", filter=Q(closed_at__isnull=False)),
        "closed_on_time": Count("id", filter=Q(closed_on_time=True)),
        "reworked": Count("id", filter=due & Q(rework_count__gt=0)),
        "extended": Count("id", filter=due & Q(extension_count__gt=0)),
        "due_handling": Count("id", filter=due_handling),
        "handled_on_time": Count("id", filter=due_handling & Q(handled_on_time=True)),
        "overdue": Count("id", filter=Q(state__in=[State.DISPATCHED, State.HANDLED], deadline__lt=now)),  # "late"
        "public": Count("id", filter=Q(source=Source.PUBLIC)),
        "open": Count("id", filter=Q(state__in=OPEN_STATES)),
    }


def rates(row: dict, which=RATES) -> dict:
    out = {}
    for key, _label, num, den in which:
        out[key] = round(row[num] * 100 / row[den], 1) if row.get(den) else None
    return out


BY = {
    "village": gettext_lazy("村（社区）"),
    "unit": gettext_lazy("处置单位"),
    "grid": gettext_lazy("网格"),
    "inspector": gettext_lazy("网格员"),
}


def statistics(scope: Scope, subdistrict: Region, by: str, f: Filters, *, now=None) -> list[dict]:
    """One row per village / unit / grid / inspector with the counts and the standard rates: one query for the
    counts, one for the names."""
    now = now or clock.now()
    qs = filtered(scope, f, now=now).filter(subdistrict=subdistrict, confidential=False).exclude(state=State.MERGED)
    if by == "village":
        length = len(subdistrict.path) + CODE_LENGTH[Level.VILLAGE] + len(PATH_SEP)  # a village's path
        by_path = qs.annotate(key=Substr("path", 1, length)).values("key").annotate(**counts(now)).order_by("key")
        out = _by_village([dict(r) for r in by_path], subdistrict, f.until or timezone.localtime(now).date())
    elif by == "unit":
        by_unit = (
            qs.filter(unit__isnull=False).values("unit_id", "unit__name").annotate(**counts(now)).order_by("unit_id")
        )
        out = [dict(r) | {"key": r["unit_id"], "name": r["unit__name"]} for r in by_unit]
    elif by == "grid":
        by_grid = (
            qs.filter(region__level=Level.GRID)
            .values("region_id", "region__name", "region__code", "path")
            .annotate(**counts(now))
            .order_by("path")
        )
        out = [dict(r) | {"key": r["region_id"], "name": r["region__name"], "code": r["region__code"]} for r in by_grid]
    elif by == "inspector":
        return inspector_statistics(scope, subdistrict, f, now=now)
    else:
        raise ValueError(by)
    for r in out:
        r.update(rates(r))
    return out


def _by_village(rows: list[dict], subdistrict: Region, day: datetime.date) -> list[dict]:
    """Rows grouped by each case's own village path, counted for the villages as they were on `day`, the period's
    last day (regions/history.py): a village merged away by then counts for its successor, whose counts add up
    its predecessors' (its rates are computed from those sums). One query for the villages."""
    villages = history.on_day(subdistrict, day)
    owner = villages.owners()
    by_id = {v.pk: v for v in villages}
    merged = villages.predecessors_by_village()
    summed: dict[str, dict] = {}
    for r in rows:
        village = by_id.get(owner.get(r["key"]))
        key = village.path if village else r["key"]
        if key in summed:
            summed[key] = {k: v if k == "key" else summed[key][k] + v for k, v in r.items()}
        else:
            summed[key] = r | {"key": key}
    names = {v.path: (v.name, v.code, merged.get(v.pk, [])) for v in villages}
    others = [k for k in summed if k not in names and k != subdistrict.path]
    if others:  # a village set up after `day` (a case cannot be reported there before it exists)
        names.update(
            {p: (n, c, []) for p, n, c in Region.objects.filter(path__in=others).values_list("path", "name", "code")}
        )
    out = []
    for key in sorted(summed):
        name, code, preds = names.get(key, (_("街道本级"), "", []))
        out.append(summed[key] | {"name": name, "code": code, "merged": "、".join(p.name for p in preds)})
    return out


def inspector_statistics(scope: Scope, subdistrict: Region, f: Filters, *, now=None) -> list[dict]:
    """有效上报率 = 立案的巡查上报 / 巡查上报; 漏报率 = 群众举报数 / 立案数 in the inspector's grids."""
    now = now or clock.now()
    qs = filtered(scope, f, now=now).filter(subdistrict=subdistrict, confidential=False).exclude(state=State.MERGED)
    own = (
        qs.filter(source=Source.PATROL, reporter__isnull=False)
        .values("reporter_id", "reporter__full_name", "region_id")
        .annotate(reported=Count("id"), valid=Count("id", filter=Q(filed_at__isnull=False)))
    )
    per_grid: dict[int, dict[str, int]] = {
        r["region_id"]: {"public": r["public"], "filed_in_grid": r["filed_in_grid"]}
        for r in qs.filter(region__level=Level.GRID)
        .values("region_id")
        .annotate(
            public=Count("id", filter=Q(source=Source.PUBLIC)),
            filed_in_grid=Count("id", filter=Q(filed_at__isnull=False)),
        )
    }
    people: dict[int, dict] = {}
    grids: dict[int, set] = {}
    for r in own:
        p = people.setdefault(
            r["reporter_id"],
            {
                "key": r["reporter_id"],
                "name": r["reporter__full_name"],
                "reported": 0,
                "valid": 0,
                "public": 0,
                "filed_in_grid": 0,
            },
        )
        p["reported"] += r["reported"]
        p["valid"] += r["valid"]
        grids.setdefault(r["reporter_id"], set()).add(r["region_id"])
    for pid, gs in grids.items():
        for g in gs:
            people[pid]["public"] += per_grid.get(g, {}).get("public", 0)
            people[pid]["filed_in_grid"] += per_grid.get(g, {}).get("filed_in_grid", 0)
    out = sorted(people.values(), key=lambda p: -p["reported"])
    for p in out:
        p.update(rates(p, INSPECTOR_RATES))
    return out


def totals(rows: list[dict]) -> dict:
    keys = [k for k in counts(clock.now())]
    total = {k: sum(r.get(k, 0) for r in rows) for k in keys}
    total.update(rates(total))
    return total


def burn_down(batch, *, today: datetime.date) -> list[tuple[datetime.date, int]]:
    """Open items of a superior-inspection batch at the end of each week since it arrived (问题清零 curve)."""
    rows = list(Case.objects.filter(batch=batch).exclude(state=State.MERGED).values_list("reported_at", "closed_at"))
    out = []
    day = batch.received_on
    while True:
        end = datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=timezone.get_current_timezone())
        n = sum(1 for r, c in rows if r <= end and (c is None or c > end))
        out.append((day, n))
        if day >= today:
            break
        day = min(day + datetime.timedelta(days=7), today)
    return out


def patrol_coverage(scope: Scope, subdistrict: Region, week_start: datetime.date) -> list[dict]:
    """Per grid, the patrols and the days patrolled in the week starting `week_start`."""
    from zhili.cases.models import Patrol

    start = datetime.datetime.combine(week_start, datetime.time(), tzinfo=timezone.get_current_timezone())
    end = start + datetime.timedelta(days=7)
    grids = list(
        scope.filter(Region.objects.current(week_start).filter(level=Level.GRID), "path")
        .filter(path__startswith=subdistrict.path)
        .values("pk", "name", "path", "parent__name")
    )
    patrols = scope.filter(Patrol.objects.filter(started_at__gte=start, started_at__lt=end), "path")
    by_grid: dict[int, list] = {}
    for grid_id, started in patrols.values_list("grid_id", "started_at"):
        by_grid.setdefault(grid_id, []).append(timezone.localtime(started).date())
    out = []
    for g in grids:
        days = by_grid.get(g["pk"], [])
        out.append({"grid": g["name"], "village": g["parent__name"], "patrols": len(days), "days": len(set(days))})
    return out


def findings(scope: Scope, subdistrict: Region | None, today: datetime.date) -> list[dict]:
    """Superior inspection findings (督查反馈), per batch: its burn-down to 问题清零 as bars, the open and total items
    this person may see, and the same per village. Three queries per batch (a subdistrict has a handful)."""
    from zhili.cases.models import InspectionBatch

    if subdistrict is None:
        return []
    seen = visible(scope)
    out = []
    for b in InspectionBatch.objects.filter(subdistrict=subdistrict):
        curve = burn_down(b, today=today) if scope.can_read(subdistrict.path) else []
        top = max((n for _, n in curve), default=0) or 1
        open_q = Q(state__in=OPEN_STATES)
        by_village = (
            seen.filter(batch=b)
            .values("region__name", "region__code")
            .annotate(total=Count("id"), open=Count("id", filter=open_q))
            .order_by("-open", "region__name")
        )
        counts = seen.filter(batch=b).aggregate(total=Count("id"), open=Count("id", filter=open_q))
        bars = [
            {"x": 30 + i * 16, "h": round(n * 120 / top), "y": 130 - round(n * 120 / top), "n": n, "d": d}
            for i, (d, n) in enumerate(curve)
        ]
        out.append({"batch": b, "bars": bars, "width": 40 + 16 * len(bars), "villages": by_village, **counts})
    return out


# ---- what pages show beside the cases ------------------------------------------------------------------


def map_areas(scope: Scope, *, limit: int = 5000) -> list[dict]:
    """The current villages and grids this person may read, with their boundaries, for the case map: one query."""
    return list(
        scope.regions()
        .current()
        .filter(level__in=(Level.VILLAGE, Level.GRID), boundary__isnull=False)
        .values("code", "name", "level", "boundary")[:limit]
    )


def only_visible(scope: Scope, cases: list[Case]) -> list[Case]:
    """Those of `cases` this person may read, in their order: one query whatever their number."""
    ids = set(visible(scope).filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True))
    return [c for c in cases if c.pk in ids]


def dispatch_choices(case: Case) -> tuple[QuerySet, QuerySet]:
    """The offices and the villages a case of this subdistrict may be dispatched to."""
    from zhili.people.models import Unit

    units = Unit.objects.active().filter(region=case.subdistrict)
    villages = (
        Region.objects.current().filter(level=Level.VILLAGE, path__startswith=case.subdistrict.path).order_by("path")
    )
    return units, villages


def routes_shown(scope: Scope, subdistrict: Region) -> dict:
    """The routing matrix as (category, grid) → rule: each category's default, and the overrides of grids this
    person may read."""
    from zhili.cases.models import RouteRule

    rules = RouteRule.objects.filter(subdistrict=subdistrict).filter(Q(grid__isnull=True) | scope.q("grid__path"))
    return {(r.category_id, r.grid_id): r for r in rules.select_related("unit", "person", "grid")}


def photo_of(case: Case, photo_id: int):
    from zhili.cases.models import CasePhoto

    return CasePhoto.objects.filter(case=case, pk=photo_id).first()


# ---- what a citizen sees by their tracking code ---------------------------------------------------------


def tracked(code: str) -> Case | None:
    """A citizen's case by its tracking code (never a tip)."""
    return (
        Case.objects.filter(tracking_code=code.upper().strip(), confidential=False).select_related("category").first()
    )


def public_steps(case: Case):
    """The steps and photos a citizen following the case sees: public steps; before- and after-photos."""
    from zhili.cases.models import CaseEvent, PhotoStage

    events = CaseEvent.objects.filter(case=case, public=True).order_by("at")
    photos = case.photos.filter(stage__in=[PhotoStage.BEFORE, PhotoStage.AFTER])
    return events, photos


def public_photo(code: str, photo_id: int):
    from zhili.cases.models import CasePhoto

    return CasePhoto.objects.filter(pk=photo_id, case__tracking_code=code, case__confidential=False).first()


# ---- who may take a step, as a filter (the home page's to-dos at any size) ----------------------------


def _paths_q(field: str, paths: tuple[str, ...]) -> Q:
    from zhili.regions.models import path_prefix_q

    if not paths:
        return Q(pk__in=[])
    q = Q()
    for p in paths:
        q |= path_prefix_q(field, p)
    return q


def _lead_q(scope: Scope) -> Q:
    return Q() if scope.is_superuser else _paths_q("path", scope.lead_paths)


def _dispatcher_q(scope: Scope) -> Q:
    """policy.dispatch_case for a case that is not a tip: the subdistrict's leaders and its centre's officers."""
    q = _lead_q(scope)
    for unit_id, path in scope.units.items():
        q |= Q(subdistrict__case_rule__center_unit_id=unit_id) & _paths_q("path", (path,))
    return q


def taker_q(who: str, scope: Scope) -> Q:
    """The cases on which `scope` acts as `who` (flow.DISPATCHER, ASSIGNEE, VERIFIER, LEADER), as a filter: the
    rules of zhili.people.policy (dispatch_case, handle_case, verify_case, decide_case_extension) asked of every
    row at once. LEADER includes an extension request waiting for a decision, asked by someone else: what
    flow.available asks before it offers 批准延期. tests/test_cases_todos_scale.py holds both to the same answers."""
    from django.db.models import Exists, OuterRef

    from zhili.cases import flow
    from zhili.cases.models import ExtensionRequest

    tip = Q(confidential=True) & scope.tip_q("path")  # a tip: only its tip officers, whatever the step
    plain = Q(confidential=False)
    if who == flow.DISPATCHER:
        return tip | (plain & _dispatcher_q(scope))
    if who == flow.ASSIGNEE:
        # the named handler; the dispatched office; the dispatched village's cadres (who write it — and then only
        # they, not the leaders); the leaders
        own = _lead_q(scope)
        if scope.cadre_paths:
            cadre = _paths_q("assignee_region__path", scope.cadre_paths)
            writes = Q() if scope.is_superuser else _paths_q("assignee_region__path", scope.write_paths)
            own = (cadre & writes) | (~cadre & own)
        if scope.units:
            own |= Q(unit_id__in=list(scope.units))
        mine = Q(handler_id=scope.person_id) if scope.person_id is not None else Q(pk__in=[])
        return mine | tip | (plain & own)
    if who == flow.VERIFIER:
        patrol = Q() if scope.is_superuser else _paths_q("path", scope.patrol_paths)
        q = tip | (plain & (_dispatcher_q(scope) | patrol))
        return q & ~Q(handled_by_id=scope.person_id) if scope.person_id is not None else q
    if who == flow.LEADER:
        waiting = ExtensionRequest.objects.filter(case=OuterRef("pk"), decided_at__isnull=True)
        if scope.person_id is not None:
            waiting = waiting.exclude(requested_by_id=scope.person_id)
        return Exists(waiting) & (tip | (plain & _lead_q(scope)))
    raise ValueError(who)
