"""One week of one subdistrict, frozen into the shape of `shape.py` — the numbers every output is drawn from.

    data = build(setup, "2020-W40")

The week is an ISO week (Monday … Sunday); its figures are "as of" its Sunday, or today when the week is not over
yet. The sections are read from the apps that own them — the targets' engine and ranking, the cases, the patrols,
the ledgers, the projects and taxes, the review meetings' decisions, the superior inspections — in a fixed number
of queries whatever the number of villages (tests/test_bulletins_snapshot.py holds it). Nothing here writes.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhili.bulletins import meeting_queries, scoring
from zhili.bulletins.models import BulletinSetup, Snapshot, SnapshotStatus
from zhili.bulletins.shape import SCHEMA
from zhili.cases.models import Case, InspectionBatch, Patrol, State
from zhili.core import clock
from zhili.core.errors import Invalid
from zhili.core.lights import DONE, GREEN, OVERDUE, RED, YELLOW
from zhili.ledgers.models import Ledger
from zhili.projects import queries as project_queries
from zhili.projects.models import Project, ProjectStatus, TaxSetup
from zhili.regions import history
from zhili.regions.models import CODE_LENGTH, PATH_SEP, Level, Region
from zhili.targets import engine, ranking

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
STALE_DAYS = 30  # a ledger not changed for this long is listed as stale
CENT, TENTH = Decimal("0.01"), Decimal("0.1")


# ---- weeks ---------------------------------------------------------------------------------------------------


def parse_week(text: str) -> tuple[int, int, datetime.date, datetime.date]:
    """ "2020-W40" → (2020, 40, Monday, Sunday); a Chinese sentence for anything else."""
    m = WEEK_RE.match((text or "").strip())
    if m:
        year, num = int(m.group(1)), int(m.group(2))
        try:
            monday = datetime.date.fromisocalendar(year, num, 1)
        except ValueError:
            pass
        else:
            return year, num, monday, monday + datetime.timedelta(days=6)
    raise Invalid(_("周次“%(week)s”无效：应写作“2020-W40”（年份-W周数，周一至周日）。") % {"week": text})


def week_of(day: datetime.date) -> str:
    year, num, _wd = day.isocalendar()
    return f"{year}-W{num:02d}"


def previous_week(week: str) -> str:
    _y, _n, monday, _s = parse_week(week)
    return week_of(monday - datetime.timedelta(days=7))


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def _rate(num: int, den: int) -> str | None:
    return None if not den else f"{(Decimal(num) * 100 / Decimal(den)).quantize(TENTH, ROUND_HALF_UP)}"


def _money(value) -> str:
    return f"{Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)}"


# ---- sections ------------------------------------------------------------------------------------------------


CASE_KEYS = ["new", "closed", "due", "closed_on_time", "on_time_rate", "overdue", "reworked", "extended"]


def _case_counts(start: datetime.datetime, end: datetime.datetime) -> dict:
    """The week's case figures as conditional aggregates, judged at the week's end whatever a case's state today:
    new = reported in the week; closed = closed in it; due (应结案) = filed cases closed in the week or whose
    handling deadline fell in it and were not closed before; closed_on_time among those closed in the week;
    overdue = filed, past the deadline at the week's end and not closed by then; reworked / extended: due cases
    sent back or extended."""
    in_week = Q(closed_at__gte=start, closed_at__lt=end)
    not_closed_before = Q(closed_at__isnull=True) | Q(closed_at__gte=start)
    due = Q(filed_at__isnull=False) & (in_week | (Q(deadline__gte=start, deadline__lt=end) & not_closed_before))
    return {
        "new": Count("id", filter=Q(reported_at__gte=start, reported_at__lt=end)),
        "closed": Count("id", filter=in_week),
        "due": Count("id", filter=due),
        "closed_on_time": Count("id", filter=in_week & Q(closed_on_time=True)),
        "overdue": Count(
            "id",
            filter=Q(filed_at__isnull=False, deadline__lt=end)
            & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))
            & ~Q(state__in=[State.VOID, State.REJECTED]),
        ),
        "reworked": Count("id", filter=due & Q(rework_count__gt=0)),
        "extended": Count("id", filter=due & Q(extension_count__gt=0)),
    }


def _cases_by_village(sub: Region, villages: history.Villages, start, end) -> tuple[dict[int, dict], dict]:
    """{village id: figures} and the subdistrict's totals: one grouped query (cases grouped by their village's
    path; a merged village's cases count for its successor)."""
    length = len(sub.path) + CODE_LENGTH[Level.VILLAGE] + len(PATH_SEP)
    qs = (
        Case.objects.filter(subdistrict=sub, confidential=False, reported_at__lt=end)
        .exclude(state=State.MERGED)
        .filter(
            Q(reported_at__gte=start)
            | Q(closed_at__gte=start)
            | Q(closed_at__isnull=True, filed_at__isnull=False, deadline__lt=end)
        )
        .annotate(key=Substr("path", 1, length))
        .values("key")
        .annotate(**_case_counts(start, end))
        .order_by("key")
    )
    owners = villages.owners()
    empty = {k: 0 for k in CASE_KEYS if k != "on_time_rate"}
    per: dict[int, dict] = defaultdict(lambda: dict(empty))
    total = dict(empty)
    for row in qs:
        figures: dict = dict(row)
        vid = owners.get(figures["key"])
        for k in empty:
            total[k] += figures[k]
            if vid is not None and vid != sub.pk:
                per[vid][k] += figures[k]
    return per, total


def _with_rate(figures: dict) -> dict:
    out = {k: figures.get(k, 0) for k in CASE_KEYS if k != "on_time_rate"}
    out["on_time_rate"] = _rate(out["closed_on_time"], out["due"])
    return {k: out[k] for k in CASE_KEYS}


def _patrol_by_village(sub: Region, as_of: datetime.date, start, end) -> tuple[dict[int, dict], dict]:
    """Grids of each village on `as_of` and how many were patrolled in the week (two queries)."""
    grids = list(
        Region.objects.current(as_of).filter(level=Level.GRID, path__startswith=sub.path).values_list("pk", "parent_id")
    )
    patrolled = set(
        Patrol.objects.filter(path__startswith=sub.path, started_at__gte=start, started_at__lt=end)
        .values_list("grid_id", flat=True)
        .distinct()
    )
    per: dict[int, dict] = defaultdict(lambda: {"grids": 0, "patrolled": 0})
    for grid_id, village_id in grids:
        per[village_id]["grids"] += 1
        per[village_id]["patrolled"] += grid_id in patrolled
    total = {"grids": len(grids), "patrolled": sum(1 for g, _v in grids if g in patrolled)}
    return per, total


def _patrol(figures: dict) -> dict:
    return {**figures, "rate": _rate(figures["patrolled"], figures["grids"])}


def _targets(sub: Region, year: int, as_of: datetime.date, villages: history.Villages):
    """The subdistrict's cells with their lights, each village's lights, and each village's target ranking score
    (ranking.rank, capped at 100)."""
    computed = engine.compute(sub, year, as_of, villages, whole=True, all_villages_given=True)
    indicators = {i.pk: i for i in computed.indicators}
    counts = {"indicators": 0, RED: 0, YELLOW: 0, GREEN: 0, DONE: 0, OVERDUE: 0}
    red_list = []
    for ind_id, cell in computed.whole.items():
        counts["indicators"] += 1
        state = cell.light.state
        if state in counts:
            counts[state] += 1
        if state in (RED, OVERDUE):
            ind = indicators[ind_id]
            red_list.append(
                {
                    "code": ind.code,
                    "name": ind.name,
                    "completion": None if cell.completion is None else f"{cell.completion}",
                    "sentence": cell.light.explain(),
                }
            )
    red_list.sort(key=lambda r: _code_key(str(r["code"])))
    village_lights: dict[int, dict] = defaultdict(lambda: {"red": 0, "yellow": 0, "green": 0, "done": 0})
    for (_ind, vid), cell in computed.village.items():
        state = cell.light.state
        key = {RED: "red", OVERDUE: "red", YELLOW: "yellow", GREEN: "green", DONE: "done"}.get(state)
        if key:
            village_lights[vid][key] += 1
    # one computation for the lights and the ranking when the ranking would count the same villages (it counts
    # those of its window's end: as_of, unless an ISO week runs into the next calendar year)
    same_day = engine.year_window(year, as_of).end == as_of
    _scheme, ranked = ranking.rank(sub, year, as_of, computed=computed if same_day else None)
    scores = {r.subject.pk: scoring.capped(r.score) for r in ranked}
    summary = {
        "indicators": counts["indicators"],
        "red": counts[RED],
        "yellow": counts[YELLOW],
        "green": counts[GREEN],
        "done": counts[DONE],
        "overdue": counts[OVERDUE],
        "red_list": red_list,
    }
    return summary, village_lights, scores


def _code_key(code: str) -> list[tuple[int, int, str]]:
    """ "2.10.1" after "2.9.1": numbering compared part by part."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-]", code)]


def _ledgers(sub: Region, as_of: datetime.date, start, end) -> dict:
    """Active ledgers, those changed in the week, rows added in it, and the stale ones (no row changed in the
    STALE_DAYS before the week's end): one query."""
    rows = list(
        Ledger.objects.filter(region=sub, archived_at__isnull=True, created_at__lt=end)
        .annotate(
            added=Count("rows", filter=Q(rows__created_at__gte=start, rows__created_at__lt=end)),
            changed=Count("rows", filter=Q(rows__modified_at__gte=start, rows__modified_at__lt=end)),
            last=Max("rows__modified_at", filter=Q(rows__modified_at__lt=end)),
        )
        .values("name", "code", "added", "changed", "last")
        .order_by("code")
    )
    stale_before = end - datetime.timedelta(days=STALE_DAYS)
    stale = [
        {"name": r["name"], "last": f"{timezone.localtime(r['last']).date():%Y-%m-%d}" if r["last"] else None}
        for r in rows
        if r["last"] is None or r["last"] < stale_before
    ]
    return {
        "ledgers": len(rows),
        "updated": sum(1 for r in rows if r["added"] or r["changed"]),
        "rows_added": sum(r["added"] for r in rows),
        "stale": stale,
    }


def _projects(sub: Region, as_of: datetime.date) -> dict | None:
    """Projects under way and the ones slipping: cumulative investment (the months typed up to `as_of`) behind
    the plan spread evenly from start to finish. None when the subdistrict has no projects. One query."""
    rows = list(
        Project.objects.filter(subdistrict=sub, archived_at__isnull=True)
        .annotate(done=Sum("months__investment", filter=Q(months__month__lte=as_of)))
        .values("name", "region__name", "planned_investment", "start", "finish", "status", "done")
        .order_by("name")
    )
    if not rows:
        return None
    slipping = []
    invested = Decimal(0)
    for r in rows:
        done = r["done"] or Decimal(0)
        invested += done
        if r["status"] not in (ProjectStatus.BUILDING, ProjectStatus.PAUSED) or not (r["start"] and r["finish"]):
            continue
        span = (r["finish"] - r["start"]).days
        if span <= 0 or as_of < r["start"]:
            continue
        share = min(Decimal((as_of - r["start"]).days) / span, Decimal(1))
        planned = (r["planned_investment"] * share).quantize(CENT, ROUND_HALF_UP)
        if done < planned:
            slipping.append(
                {
                    "name": r["name"],
                    "village": r["region__name"],
                    "planned": _money(planned),
                    "done": _money(done),
                    "gap": _money(planned - done),
                }
            )
    slipping.sort(key=lambda p: -Decimal(p["gap"]))
    return {"projects": len(rows), "behind": len(slipping), "invested": _money(invested), "list": slipping}


def _tax(sub: Region, as_of: datetime.date) -> dict | None:
    """The latest month (up to `as_of`) with expected taxes: expected, received (matched receipts), the gap. None
    without a tax setup."""
    if not TaxSetup.objects.filter(region=sub).exists():
        return None
    expected = {m: v for m, v in project_queries.expected_by_month(sub, as_of.year).items() if m <= as_of}
    if not expected:
        return None
    month = max(expected)
    received = project_queries.received_by_month(sub, as_of.year).get(month) or Decimal(0)
    return {
        "month": f"{month:%Y-%m}",
        "expected": _money(expected[month]),
        "received": _money(received),
        "gap": _money(expected[month] - received),
    }


def _decisions(sub: Region, week: str, as_of: datetime.date) -> dict | None:
    """上周点评会议定事项办结情况: the items decided by the meeting held during this week, which reviewed the week
    before (meeting_queries.decisions_summary, the rule the meetings' pages use)."""
    return meeting_queries.decisions_summary(sub, previous_week(week), today=as_of)


def _supervision(sub: Region, start, end) -> dict:
    """Superior inspection batches received in the week or still open during it, their items and how many were
    closed by the week's end (two queries)."""
    figures = {
        r["batch_id"]: r
        for r in Case.objects.filter(batch__subdistrict=sub, reported_at__lt=end)
        .exclude(state=State.MERGED)
        .values("batch_id")
        .annotate(
            items=Count("id"),
            closed=Count("id", filter=Q(closed_at__lt=end)),
            closed_before=Count("id", filter=Q(closed_at__lt=start)),
        )
        .order_by()
    }
    out = []
    for b in InspectionBatch.objects.filter(subdistrict=sub, received_on__lt=end.date()).order_by("received_on", "pk"):
        f = figures.get(b.pk, {"items": 0, "closed": 0, "closed_before": 0})
        if b.received_on >= start.date() or f["items"] > f["closed_before"]:
            out.append(
                {
                    "name": b.name,
                    "issuer": b.issuer,
                    "received_on": f"{b.received_on:%Y-%m-%d}",
                    "items": f["items"],
                    "closed": f["closed"],
                }
            )
    return {"batches": out}


def previous_ranks(sub: Region, week: str) -> dict[str, int]:
    """{village code: rank} of the previous week's published bulletin (one query); {} if there is none."""
    snap = (
        Snapshot.objects.filter(region=sub, week=previous_week(week), status=SnapshotStatus.PUBLISHED)
        .order_by("-version")
        .only("data")
        .first()
    )
    if snap is None:
        return {}
    return {v["code"]: v["rank"] for v in snap.data.get("villages", []) if v.get("rank") is not None}


# ---- the week ------------------------------------------------------------------------------------------------


def issue_number(setup: BulletinSetup, year: int, issue: int) -> str:
    if not setup.number_prefix:
        return ""
    return _("%(prefix)s〔%(year)s〕%(n)s号") % {"prefix": setup.number_prefix, "year": year, "n": issue}


def build(setup: BulletinSetup, week: str, *, today: datetime.date | None = None) -> dict:
    """The frozen week (shape.py) of `setup`'s subdistrict. Sentences are written in Chinese whatever the
    reader's language: they are part of what is published."""
    with translation.override("zh-hans"):
        return _build(setup, week, today=today)


def _build(setup: BulletinSetup, week: str, *, today: datetime.date | None) -> dict:
    year, num, monday, sunday = parse_week(week)
    today = today or clock.today()
    as_of = max(min(sunday, today), monday)
    start, end = _midnight(monday), _midnight(as_of + datetime.timedelta(days=1))
    sub = setup.region
    villages = history.on_day(sub, as_of)

    targets, village_lights, target_scores = _targets(sub, year, as_of, villages)
    case_per, case_total = _cases_by_village(sub, villages, start, end)
    patrol_per, patrol_total = _patrol_by_village(sub, as_of, start, end)
    weights = scoring.weights_of(sub, year)

    rows = []
    for v in villages:
        cases = _with_rate(case_per.get(v.pk, {}))
        patrol = _patrol(patrol_per.get(v.pk, {"grids": 0, "patrolled": 0}))
        patrol_component = patrol["rate"] if patrol_total["patrolled"] else None  # nobody patrolled: no data
        t = target_scores.get(v.pk)
        rows.append(
            {
                "code": v.code,
                "name": v.name,
                "rank": None,
                "score": None,
                "previous_rank": None,
                "change": None,
                "components": {
                    "targets": None if t is None else f"{t.quantize(CENT, ROUND_HALF_UP)}",
                    "cases": cases["on_time_rate"],
                    "patrol": patrol_component,
                },
                "lights": dict(village_lights.get(v.pk, {"red": 0, "yellow": 0, "green": 0, "done": 0})),
                "cases": cases,
                "patrol": patrol,
            }
        )
    ledgers = _ledgers(sub, as_of, start, end)
    cases_total = _with_rate(case_total)
    empty = (
        all(val is None for r in rows for val in r["components"].values())
        and not any(cases_total[k] for k in ("new", "closed", "due", "overdue"))
        and not patrol_total["patrolled"]
        and not ledgers["updated"]
        and not targets["indicators"]
    )
    villages_out: list[dict] = []
    best: list[dict] = []
    laggards: list[dict] = []
    if not empty:  # a week without any data ranks nobody
        villages_out = scoring.rank(rows, weights, previous_ranks(sub, week))
        best, laggards = scoring.best_and_laggards(villages_out)
    return {
        "schema": SCHEMA,
        "subdistrict": {"code": sub.code, "name": sub.name},
        "year": year,
        "week": f"{year}-W{num:02d}",
        "start": f"{monday:%Y-%m-%d}",
        "end": f"{sunday:%Y-%m-%d}",
        "title": setup.title,
        "issuer": setup.issuer,
        "number": issue_number(setup, year, num),
        "issue": num,
        "built_at": timezone.localtime(clock.now()).isoformat(timespec="seconds"),
        "empty": empty,
        "formula": scoring.formula(weights),
        "villages": villages_out,
        "best": best,
        "laggards": laggards,
        "targets": targets,
        "cases": cases_total,
        "patrol": _patrol(patrol_total),
        "ledgers": ledgers,
        "projects": _projects(sub, as_of),
        "tax": _tax(sub, as_of),
        "decisions": _decisions(sub, week, as_of),
        "supervision": _supervision(sub, start, end),
        "correction": None,
    }
