"""The demo's 2020 grid cases (zhili/demo/cases2020.py): the figures, consistent states and events, the tip's
confidentiality, the demo logins' to-do, idempotency, and the bulk writer writing what the actions write."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

import pytest
from django.db.models import Count, F
from django.utils import timezone

from zhili.cases import flow, queries
from zhili.cases.models import (
    TERMINAL,
    Case,
    CaseEvent,
    CasePhoto,
    ExtensionRequest,
    InspectionBatch,
    Patrol,
    PhotoStage,
    Source,
    State,
)
from zhili.core import clock
from zhili.demo import cases2020, taiping
from zhili.people.models import Person, Unit
from zhili.people.scope import scope_for
from zhili.regions import geo
from zhili.regions.models import Level
from zhili.targets import engine
from zhili.targets.models import Indicator

TODAY = datetime.date(2020, 11, 20)


def scope_of(username):
    return scope_for(Person.objects.get(username=username))


@pytest.fixture
def batch(db):
    return InspectionBatch.objects.get(name=cases2020.BATCH_NAME)


def test_the_superior_batch_has_150_items_and_9_open_today(batch):
    items = Case.objects.filter(batch=batch)
    assert items.count() == 150
    assert set(items.values_list("source", flat=True)) == {Source.SUPERIOR}
    assert set(items.values_list("category__code", flat=True)) == set(cases2020.BATCH_ITEMS)
    assert all(c.region.level == Level.VILLAGE for c in items.select_related("region"))
    assert batch.received_on.month in (3, 4, 5)
    end_oct = timezone.make_aware(datetime.datetime(2020, 10, 31, 23, 59, 59))
    assert items.filter(closed_at__lte=end_oct).count() == cases2020.BATCH_CLOSED_BY_OCT == 138
    assert items.filter(state=State.CLOSED).count() == 141
    open_items = items.exclude(state__in=TERMINAL)
    assert open_items.count() == 9
    assert open_items.filter(state=State.PARKED).count() == 1
    assert open_items.filter(extension_count__gt=0).count() == 2
    now = clock.now()
    assert open_items.filter(state=State.DISPATCHED, deadline__lt=now).count() >= 4  # overdue
    curve = queries.burn_down(batch, today=TODAY)
    assert curve[0] == (batch.received_on, 150)
    assert curve[-1] == (TODAY, 9)
    assert [n for _, n in curve] == sorted((n for _, n in curve), reverse=True)  # only ever goes down


def test_a_few_thousand_environment_cases_in_the_seats_and_villages(world):
    env = Case.objects.filter(subdistrict=world.sub, source__in=[Source.PATROL, Source.STAFF])
    assert 2000 <= env.count() <= 4000
    assert not env.filter(reported_at__gt=cases2020.CUTOFF).exists()
    seats = "|".join(cases2020.SEATS)
    in_seats = env.filter(region__parent__name__regex=seats)
    top = [r["category__code"] for r in in_seats.values("category__code").annotate(n=Count("id")).order_by("-n")[:2]]
    assert set(top) == {"street-vending", "signboard"}
    villages = env.exclude(region__parent__name__regex=seats)
    top = [r["category__code"] for r in villages.values("category__code").annotate(n=Count("id")).order_by("-n")[:2]]
    assert set(top) == {"ruined-wall", "garbage"}
    # every state the loop has, open ones included; refused, void, reworked, extended, parked, overdue, hotspots
    states = set(Case.objects.values_list("state", flat=True))
    assert states >= {s.value for s in State} - {State.MERGED}  # the demo merges none
    assert env.filter(rework_count__gt=0).exists() and env.filter(extension_count__gt=0).exists()
    assert ExtensionRequest.objects.filter(approved=False).exists()
    assert ExtensionRequest.objects.filter(decided_at__isnull=True).exists()  # waiting for a leader
    assert queries.filtered(scope_of("demo-leader"), queries.Filters(state="overdue")).count() > 10
    assert env.filter(is_hotspot=True).count() >= 10


def test_locations_lie_inside_their_grids(world):
    for case in Case.objects.filter(lng__isnull=False).select_related("region"):
        assert case.region.level == Level.GRID
        assert geo.contains(case.region.boundary, case.lng, case.lat), case.number


def test_patrols_with_check_ins_by_the_grid_inspectors(world):
    patrols = Patrol.objects.filter(path__startswith=world.sub.path)
    assert patrols.count() > 1000
    assert not patrols.filter(ended_at__isnull=True).exists()
    for patrol in patrols.select_related("grid")[:300]:
        assert patrol.started_at < patrol.ended_at
        assert len(patrol.track) >= 3
        for lng, lat, _ in patrol.track:
            assert geo.contains(patrol.grid.boundary, lng, lat)
    bad = Case.objects.filter(patrol__isnull=False).exclude(region_id=F("patrol__grid_id"))
    assert not bad.exists()
    assert not Case.objects.filter(patrol__isnull=False).exclude(reporter_id=F("patrol__inspector_id")).exists()
    coverage = queries.patrol_coverage(scope_of("demo-leader"), world.sub, datetime.date(2020, 11, 9))
    assert sum(r["patrols"] for r in coverage) > 50


def test_every_case_starts_with_a_report_and_follows_the_loop(db):
    events = defaultdict(list)
    for e in CaseEvent.objects.order_by("case_id", "at", "id").values(
        "case_id", "action", "from_state", "to_state", "at"
    ):
        events[e["case_id"]].append(e)
    cases = list(Case.objects.all())
    assert len(events) == len(cases)
    for case in cases:
        path = events[case.pk]
        assert path[0]["action"] == "report" and path[0]["to_state"] == State.REPORTED, case.number
        assert path[0]["at"] == case.reported_at
        state = State.REPORTED
        for e in path[1:]:
            step = flow.STEPS[e["action"]]
            assert e["from_state"] == state and state in step.sources, (case.number, e)
            assert e["to_state"] == (step.target or state), (case.number, e)
            assert e["at"] <= cases2020.CUTOFF
            state = e["to_state"]
        assert state == case.state, case.number
        assert case.revision == len(path)  # every step after the report added one


def test_every_state_agrees_with_its_timestamps(db):
    for case in Case.objects.all():
        n = case.number
        assert case.number == f"2020{case.pk:08d}"
        if case.state == State.CLOSED:
            assert None not in (
                case.accepted_at,
                case.filed_at,
                case.dispatched_at,
                case.handled_at,
                case.verified_at,
                case.closed_at,
                case.deadline,
            ), n
            assert case.reported_at <= case.accepted_at <= case.filed_at <= case.dispatched_at, n
            assert case.dispatched_at <= case.handled_at <= case.verified_at <= case.closed_at, n
            assert case.closed_on_time == (case.closed_at <= case.deadline), n
            assert case.handled_by_id and case.handled_on_time is not None, n
        else:
            assert case.closed_at is None and case.closed_on_time is None, n
        if case.state in (State.DISPATCHED, State.HANDLED, State.FEEDBACK, State.VERIFIED):
            assert case.dispatched_at and case.deadline and (case.unit_id or case.assignee_region_id), n
        if case.state == State.DISPATCHED:
            assert case.step_deadline == case.deadline and case.handled_at is None, n
        if case.state in (State.HANDLED, State.FEEDBACK, State.VERIFIED):
            assert case.handled_at and case.handled_by_id, n
        if case.state == State.REJECTED:
            assert case.accepted_at is None, n
        if case.state == State.VOID:
            assert case.accepted_at and case.filed_at is None, n
        assert case.step_started_at >= case.reported_at, n


def test_handled_cases_have_after_photos_and_verifiers_are_not_handlers(db):
    handled = Case.objects.filter(handled_at__isnull=False)
    with_after = set(CasePhoto.objects.filter(stage=PhotoStage.AFTER).values_list("case_id", flat=True))
    assert set(handled.values_list("pk", flat=True)) <= with_after
    verified = CaseEvent.objects.filter(action="verify").values_list("case_id", "actor_id")
    handlers = dict(Case.objects.filter(handled_by__isnull=False).values_list("pk", "handled_by_id"))
    assert all(actor != handlers.get(case_id) for case_id, actor in verified)
    # a handful of stored files, not one per photo; the far-away after-photo is flagged
    assert CasePhoto.objects.values("original").distinct().count() < 100
    assert CasePhoto.objects.filter(far_from_case=True).exists()


def test_public_reports_and_one_confidential_tip(db):
    public = Case.objects.filter(source=Source.PUBLIC)
    assert 5 <= public.count() <= 10
    assert not public.filter(is_public=False).exists()
    assert len(set(public.values_list("tracking_code", flat=True))) == public.count()
    tips = Case.objects.filter(confidential=True)
    assert tips.count() == 1 and tips.get().source == Source.TIP
    tip = tips.get()
    seen_by = [
        u
        for u in [
            "demo-leader",
            "demo-urban",
            "demo-civil",
            "demo-village",
            "demo-grid",
            "demo-viewer",
            "demo-economy",
            "demo-tips",
        ]
        if queries.visible(scope_of(u)).filter(pk=tip.pk).exists()
    ]
    assert seen_by == ["demo-tips"]


def todo(username):
    scope = scope_of(username)
    out = defaultdict(int)
    for case in queries.visible(scope).filter(state__in=queries.OPEN_STATES):
        for action in flow.available(case, scope):
            out[action] += 1
    return out


def test_the_demo_logins_have_cases_waiting_on_2020_11_20(world):
    grid = todo("demo-grid")
    assert grid["verify"] >= 2
    village = todo("demo-village")
    assert village["handle"] >= 3
    kong_open = Case.objects.filter(assignee_region=world.kong, state=State.DISPATCHED)
    assert kong_open.filter(deadline__lt=clock.now()).exists()  # one of them red
    assert kong_open.filter(rework_count__gt=0).exists()
    urban = todo("demo-urban")
    assert urban["accept"] >= 1 and urban["file"] >= 1 and urban["dispatch"] >= 1 and urban["close"] >= 1
    assert todo("demo-leader")["approve_extension"] >= 1


def test_the_cases_count_for_2020_targets(world):
    inds = list(Indicator.objects.filter(task__goal__year=2020, source_key="cases").select_related("task__goal"))
    assert len(inds) >= 2
    villages = list(world.sub.children.filter(level=Level.VILLAGE))
    figures = engine.compute(world.sub, 2020, TODAY, villages, indicators=inds)
    by_code = {i.code: figures.whole[i.pk] for i in inds}
    assert by_code["3.1.1.2"].actual == 141 and by_code["3.1.1.2"].target == 150
    on_time = Case.objects.filter(source=Source.PATROL, closed_on_time=True, confidential=False).count()
    assert by_code["3.2.2.1"].actual == on_time


def test_loading_again_adds_nothing(db):
    models = [Case, CaseEvent, CasePhoto, Patrol, ExtensionRequest, InspectionBatch]
    before = {m.__name__: m.objects.count() for m in models}
    summary = taiping.load()
    assert not summary.changed
    assert {m.__name__: m.objects.count() for m in models} == before


def test_the_bulk_writer_writes_what_the_actions_write(world):
    """One plan (rework, an approved extension, close) through the actions and through Sim: the same case."""
    from zhili.demo.cases2020 import Sim, Step

    w = cases2020._world(
        taiping.Summary(),
        world.sub,
        {u.code: u for u in Unit.objects.filter(region=world.sub)},
        {p.username: p for p in Person.objects.filter(username__startswith="demo-")},
        [Person.objects.get(username="demo-leader")],
    )
    rng = random.Random(7)
    grid = world.kong_grid
    at = cases2020.aware(datetime.date(2020, 6, 1), 9)

    def plan():
        p = cases2020.Plan(
            region=grid,
            category=w.cats["stacking"],
            source=Source.PATROL,
            at=at,
            description="测试：杂物堆放。",
            reporter=w.inspectors[grid.pk],
            address="测试地点",
            lng=None,
            lat=None,
        )
        p.lng, p.lat = cases2020.point_in(grid, random.Random(1))
        p.steps = cases2020.loop_steps(
            w, random.Random(3), p.category, grid, at, verifier=w.inspectors[grid.pk], outcome="rework"
        )
        p.steps.insert(
            3,
            Step(
                "request_extension",
                w.people["demo-village"],
                p.steps[2].at + datetime.timedelta(hours=1),
                "测试延期",
                days=3,
            ),
        )
        p.steps.insert(
            4, Step("approve_extension", w.people["demo-leader"], p.steps[2].at + datetime.timedelta(hours=2), "同意")
        )
        return p

    # the handler must be the one the extension was asked by: the route names 孔家坊's secretary for grid 1
    via_actions = cases2020.run_with_actions(w, plan(), rng)
    sim = Sim(world.sub, w.rule, cases2020.store_shared_photos(), rng)
    simulated = sim.run(plan())
    fields = [
        "state",
        "region_id",
        "path",
        "source",
        "category_id",
        "unit_id",
        "assignee_region_id",
        "handler_id",
        "handled_by_id",
        "reporter_id",
        "accepted_at",
        "filed_at",
        "dispatched_at",
        "handled_at",
        "verified_at",
        "closed_at",
        "deadline",
        "step_started_at",
        "step_deadline",
        "rework_count",
        "extension_count",
        "handled_on_time",
        "closed_on_time",
        "note",
        "revision",
        "lng",
        "lat",
    ]
    via_actions.refresh_from_db()
    assert {f: getattr(simulated, f) for f in fields} == {f: getattr(via_actions, f) for f in fields}
    real = list(
        via_actions.events.values_list(
            "action", "from_state", "to_state", "at", "actor_id", "actor_name", "note", "data", "public"
        )
    )
    made = [
        (e.action, e.from_state, e.to_state, e.at, e.actor_id, e.actor_name, e.note, e.data, e.public)
        for e in sim.events[0]
    ]
    assert made == real
    ext = via_actions.extensions.get()
    sim_ext = sim.extensions[0][0]
    assert (ext.days, ext.approved, ext.requested_at, ext.decided_at) == (
        sim_ext.days,
        sim_ext.approved,
        sim_ext.requested_at,
        sim_ext.decided_at,
    )
    assert (
        [p.stage for p in sim.photo_rows[0]]
        == list(via_actions.photos.values_list("stage", flat=True))
        == [PhotoStage.AFTER] * 2
    )
