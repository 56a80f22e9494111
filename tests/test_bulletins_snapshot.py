"""The weekly bulletin's frozen week (issue 15): the snapshot has the shape every output reads (the sample's keys),
is built in a fixed number of queries over the demo's 91 villages, its scores are reproducible from its own
tables, and its versions follow the rules — draft, rebuilt in place, published and never changed, corrected with
a note, the corrected version superseded but readable; two builds at once make one version 1."""

from __future__ import annotations

import datetime
import itertools
import time
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.bulletins_sample import sample
from tests.conftest import person
from zhili.bulletins import actions, queries, scoring, snapshot
from zhili.bulletins.models import BulletinSetup, ScoreScheme, Snapshot, SnapshotStatus
from zhili.core.errors import Conflict, Invalid, Refused
from zhili.core.models import AuditEntry
from zhili.people.scope import scope_for

WEEK = "2020-W46"  # 2020-11-09 … 11-15, before the demo's day (2020-11-20)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world):
    """The demo's world without its year of bulletins: these tests build their weeks from nothing."""
    from zhili.demo.bulletins2020 import without_bulletins

    without_bulletins(world.sub)
    return world


@pytest.fixture
def setup(world) -> BulletinSetup:
    return queries.setup_of(world.sub)


@pytest.fixture
def leader(world):
    return person("demo-leader")


def build(setup, leader, week=WEEK, **kw):
    return actions.do_build_snapshot(setup, week, actor=leader, scope=scope_for(leader), **kw)


def publish(snap, leader):
    return actions.do_publish_snapshot(snap, actor=leader, scope=scope_for(leader))


def keys_of(value):
    """The shape of a value: a dict's keys with their values' shapes, a list's first item's shape."""
    if isinstance(value, dict):
        return {k: keys_of(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keys_of(value[0])] if value else []
    return None


def same_keys(built, expected, where="data"):
    if isinstance(expected, dict) and isinstance(built, dict):
        assert set(built) == set(expected), where
        for k in expected:
            same_keys(built[k], expected[k], f"{where}.{k}")
    elif isinstance(expected, list) and isinstance(built, list) and expected and built:
        same_keys(built[0], expected[0], f"{where}[0]")


# ---- the shape and the figures -------------------------------------------------------------------------------


def test_a_week_has_the_keys_of_the_sample(setup):
    data = snapshot.build(setup, WEEK)
    expected = sample()
    assert set(data) == set(expected)
    same_keys(data, expected)
    assert data["week"] == WEEK and data["start"] == "2020-11-09" and data["end"] == "2020-11-15"
    assert data["issue"] == 46 and data["empty"] is False
    assert len(data["villages"]) == 91
    assert data["projects"] is not None and data["tax"] is not None  # the demo has both
    assert data["targets"]["red_list"] and all(r["sentence"] for r in data["targets"]["red_list"])


def test_a_week_is_built_in_a_fixed_number_of_queries_well_under_a_second(setup):
    snapshot.build(setup, WEEK)  # warm caches (the clock's flag, rules)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        data = snapshot.build(setup, WEEK)
    elapsed = time.perf_counter() - started
    print(f"\none demo week: {elapsed:.3f} s, {len(ctx.captured_queries)} queries, {len(data['villages'])} villages")
    assert len(ctx.captured_queries) <= 60 < len(data["villages"])  # not one per village
    assert elapsed < 2


def test_every_score_is_recomputed_from_the_bulletins_own_tables(setup):
    data = snapshot.build(setup, WEEK)
    weights = {c["key"]: Decimal(c["weight"]) for c in data["formula"]["components"]}
    cap = Decimal(data["formula"]["cap"])
    for v in data["villages"]:
        used = [(weights[k], min(Decimal(x), cap)) for k, x in v["components"].items() if x is not None]
        expected = (sum(w * x for w, x in used) / sum(w for w, _ in used)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert Decimal(v["score"]) == expected, v["name"]
        c = v["cases"]
        assert v["components"]["cases"] == (
            None if not c["due"] else str((Decimal(c["closed_on_time"]) * 100 / c["due"]).quantize(Decimal("0.1")))
        )
    ranked = data["villages"]
    for before, after in itertools.pairwise(ranked):
        assert Decimal(before["score"]) >= Decimal(after["score"])
        assert after["rank"] == (before["rank"] if after["score"] == before["score"] else ranked.index(after) + 1)
    assert [b["code"] for b in data["best"]] == [v["code"] for v in ranked[:3]]
    assert [w["code"] for w in data["laggards"]] == [v["code"] for v in reversed(ranked[-3:])]
    assert all(b["reasons"] for b in data["best"] + data["laggards"])
    assert data["laggards"][0]["reasons"][0].startswith(f"得分 {ranked[-1]['score']}，居全街道")


def test_the_villages_cases_add_up_to_the_subdistricts(setup):
    data = snapshot.build(setup, WEEK)
    for key in ("closed", "due", "closed_on_time", "reworked", "extended"):
        assert sum(v["cases"][key] for v in data["villages"]) <= data["cases"][key]
    assert sum(v["patrol"]["grids"] for v in data["villages"]) == data["patrol"]["grids"]
    assert sum(v["patrol"]["patrolled"] for v in data["villages"]) == data["patrol"]["patrolled"]


def test_weights_come_from_the_subdistricts_scheme_for_the_year(world, setup, leader):
    actions.do_set_weights(
        world.sub, 2020, {"targets": 50, "cases": 50, "patrol": 0}, actor=leader, scope=scope_for(leader), revision=None
    )
    data = snapshot.build(setup, WEEK)
    assert [c["weight"] for c in data["formula"]["components"]] == ["50", "50", "0"]
    scheme = ScoreScheme.objects.get(region=world.sub, year=2020)
    with pytest.raises(Conflict):
        actions.do_set_weights(
            world.sub, 2020, {"targets": 1}, actor=leader, scope=scope_for(leader), revision=scheme.revision - 1
        )
    with pytest.raises(Invalid):
        actions.do_set_weights(
            world.sub, 2020, {"targets": -1}, actor=leader, scope=scope_for(leader), revision=scheme.revision
        )


def test_a_week_without_any_data_ranks_nobody(setup):
    data = snapshot.build(setup, "2019-W40")
    assert data["empty"] is True
    assert data["villages"] == [] and data["best"] == [] and data["laggards"] == []


@pytest.mark.parametrize("bad", ["2020-40", "2020-W54", "W40", "", "2020-W00"])
def test_a_bad_week_is_a_sentence(setup, bad):
    with pytest.raises(Invalid) as exc:
        snapshot.build(setup, bad)
    assert "2020-W40" in exc.value.messages[0]


def test_the_scores_rank_ties_together_and_leave_villages_without_data_unranked():
    weights = scoring.normalise(None)
    rows = [
        {"code": "1", "components": {"targets": "80.00", "cases": None, "patrol": None}},
        {"code": "2", "components": {"targets": "80.00", "cases": None, "patrol": None}},
        {"code": "3", "components": {"targets": "90.00", "cases": "50.0", "patrol": "100.0"}},
        {"code": "4", "components": {"targets": None, "cases": None, "patrol": None}},
    ]
    ranked = scoring.rank(rows, weights, {"1": 1, "3": 3})
    assert [v["code"] for v in ranked] == ["3", "1", "2", "4"]
    assert [v["rank"] for v in ranked] == [1, 2, 2, None]
    assert ranked[0]["score"] == "81.50" and ranked[0]["change"] == 2  # (60×90 + 25×50 + 15×100) / 100
    assert ranked[1]["change"] == -1 and ranked[2]["change"] is None


# ---- versions ------------------------------------------------------------------------------------------------


def test_build_rebuild_publish_correct_and_supersede(world, setup, leader):
    first = build(setup, leader)
    assert (first.version, first.status) == (1, SnapshotStatus.DRAFT)
    again = build(setup, leader)
    assert again.pk == first.pk and Snapshot.objects.filter(region=world.sub, week=WEEK).count() == 1
    published = publish(again, leader)
    assert published.status == SnapshotStatus.PUBLISHED and published.number == 46
    frozen = Snapshot.objects.get(pk=published.pk).data

    with pytest.raises(Invalid) as exc:
        build(setup, leader)  # a correction needs its note
    assert "更正说明" in exc.value.messages[0]
    with pytest.raises(Invalid):
        publish(published, leader)  # published already

    fix = build(setup, leader, note="孔家坊村事件数据补录")
    assert (fix.version, fix.status) == (2, SnapshotStatus.DRAFT)
    assert fix.data["correction"] == {
        "version": 2,
        "note": "孔家坊村事件数据补录",
        "previous": {"version": 1, "built_at": frozen["built_at"]},
    }
    rebuilt = build(setup, leader)  # rebuilding the correction's draft keeps its note
    assert rebuilt.pk == fix.pk and rebuilt.data["correction"]["note"] == "孔家坊村事件数据补录"
    assert Snapshot.objects.get(pk=published.pk).data == frozen  # the published version never changes

    publish(rebuilt, leader)
    old = Snapshot.objects.get(pk=published.pk)
    assert old.status == SnapshotStatus.SUPERSEDED and old.data == frozen
    assert Snapshot.objects.get(pk=fix.pk).status == SnapshotStatus.PUBLISHED
    actions_logged = list(
        AuditEntry.objects.filter(action__startswith="bulletins.snapshot", object_id__in=[str(first.pk), str(fix.pk)])
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions_logged == [
        "bulletins.snapshot.build",
        "bulletins.snapshot.build",
        "bulletins.snapshot.publish",
        "bulletins.snapshot.correct",
        "bulletins.snapshot.correct",
        "bulletins.snapshot.publish",
    ]


def test_change_is_against_the_previous_published_week(setup, leader):
    previous = publish(build(setup, leader, "2020-W45"), leader)
    before = {v["code"]: v["rank"] for v in previous.data["villages"]}
    data = build(setup, leader).data
    for v in data["villages"]:
        assert v["previous_rank"] == before.get(v["code"])
        if v["previous_rank"] is not None:
            assert v["change"] == v["previous_rank"] - v["rank"]


def test_two_builds_of_the_same_week_at_once_make_one_version_1(world, setup, leader, monkeypatch):
    real = snapshot.build

    def racing(s, week, **kw):  # another worker inserts version 1 while this one reads
        data = real(s, week, **kw)
        Snapshot.objects.create(
            region=world.sub, week=week, start=datetime.date(2020, 11, 9), end=datetime.date(2020, 11, 15), data={}
        )
        return data

    monkeypatch.setattr(snapshot, "build", racing)
    snap = build(setup, leader)
    assert Snapshot.objects.filter(region=world.sub, week=WEEK).count() == 1
    assert snap.version == 1 and snap.data["week"] == WEEK  # the other's draft, rebuilt in place


def test_only_builders_build_and_a_future_week_is_refused(world, setup, leader):
    cadre = person("demo-village")
    with pytest.raises(Refused):
        build(setup, cadre)
    with pytest.raises(Invalid):
        build(setup, leader, "2020-W52")
    assert not Snapshot.objects.filter(region=world.sub).exists()


def test_the_setup_keeps_a_robots_address_left_empty_and_logs_it_masked(world, setup, leader):
    scope = scope_for(leader)
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef-123456"
    setup = actions.do_update_setup(
        setup, {"wecom_webhook_url": url, "number_prefix": "太平通"}, actor=leader, scope=scope, revision=setup.revision
    )
    setup = actions.do_update_setup(
        setup, {"wecom_webhook_url": "", "issuer": "太平街道办"}, actor=leader, scope=scope, revision=setup.revision
    )
    setup.refresh_from_db()
    assert setup.wecom_webhook_url == url and setup.issuer == "太平街道办"
    entry = AuditEntry.objects.filter(action="bulletins.setup").order_by("pk").first()
    assert url not in str(entry.changes) and "3456" in str(entry.changes)
    with pytest.raises(Conflict):
        actions.do_update_setup(setup, {"issuer": "x"}, actor=leader, scope=scope, revision=setup.revision - 1)
    assert snapshot.build(setup, WEEK)["number"] == "太平通〔2020〕46号"


def test_last_weeks_review_meeting_decisions_and_the_supervision_batches(world, setup):
    from zhili.bulletins.models import Decision, DecisionStatus, ReviewMeeting
    from zhili.cases.models import InspectionBatch
    from zhili.people.models import Unit

    Decision.objects.filter(meeting__region=world.sub).delete()  # the demo's meetings, for numbers of our own
    ReviewMeeting.objects.filter(region=world.sub).delete()
    assert snapshot.build(setup, WEEK)["decisions"] is None  # no meeting reviewed the week before
    # the meeting held this week, which reviewed the week before: its decisions are reported; the one before not
    meeting = ReviewMeeting.objects.create(
        region=world.sub, held_on=datetime.date(2020, 11, 10), week="2020-W45", title="第 45 周点评会"
    )
    ReviewMeeting.objects.create(region=world.sub, held_on=datetime.date(2020, 11, 3), week="2020-W44", title="上周的")
    unit = Unit.objects.filter(region=world.sub).order_by("pk").first()
    made = [
        (DecisionStatus.OPEN, datetime.date(2020, 11, 10), None, world.kong),  # overdue on the 15th
        (DecisionStatus.REPORTED, datetime.date(2020, 11, 30), unit, None),
        (DecisionStatus.CLOSED, datetime.date(2020, 11, 6), None, world.yan),
    ]
    for i, (status, deadline, owner_unit, village) in enumerate(made):
        Decision.objects.create(
            meeting=meeting, text=f"督办事项{i}", status=status, deadline=deadline, unit=owner_unit, village=village
        )
    decisions = snapshot.build(setup, WEEK)["decisions"]
    assert decisions["week"] == "2020-W45"
    assert (decisions["total"], decisions["open"], decisions["reported"], decisions["closed"]) == (3, 1, 1, 1)
    assert decisions["overdue"] == 1
    assert [d["owner"] for d in decisions["items"]] == ["阎桥村", "孔家坊村", unit.name]
    assert decisions["items"][0]["status_label"] == "已销号"

    batches = snapshot.build(setup, WEEK)["supervision"]["batches"]
    demo = InspectionBatch.objects.filter(subdistrict=world.sub).count()
    InspectionBatch.objects.create(
        subdistrict=world.sub,
        name="第 20 轮集中督查",
        issuer="区督查室",
        received_on=datetime.date(2020, 11, 10),
        due_on=datetime.date(2020, 11, 30),
    )
    after = snapshot.build(setup, WEEK)["supervision"]["batches"]
    assert len(after) == len(batches) + 1 and demo >= 1
    assert after[-1] == {
        "name": "第 20 轮集中督查",
        "issuer": "区督查室",
        "received_on": "2020-11-10",
        "items": 0,
        "closed": 0,
    }
