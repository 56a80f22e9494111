"""Trainings for assistance officers and 回头看 rounds: the actions and their refusals, a finding raised as one case
(and only one on a retried form), progress per village equal to hand counts, the pages as the personas see them,
and a crawl of the pages for leaks and internals."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests import rounds_factory as rf
from tests.conftest import person
from zhili.cases.models import Case, State
from zhili.core import clock
from zhili.core.errors import Conflict, Refused
from zhili.core.models import AuditEntry
from zhili.households import rounds as actions
from zhili.households import rounds_queries as queries
from zhili.households.models import (
    Category,
    ChecklistItem,
    Household,
    Round,
    RoundTarget,
    TargetResult,
    TrainingAttendance,
)
from zhili.people.models import Person
from zhili.people.scope import scope_for


def _as(username: str):
    p = person(username)
    return p, scope_for(p)


@pytest.fixture
def small(world):
    return rf.households(world)


def _today():
    return clock.today()


# ---- trainings ----------------------------------------------------------------------------------------------


def test_a_training_is_added_by_the_office_in_charge_and_its_attendance_is_set(world, small):
    civil, scope = _as("demo-civil")
    before = AuditEntry.objects.count()
    t = actions.do_add_training(
        world.sub,
        {"title": "第一次帮扶责任人培训", "held_on": _today().isoformat(), "place": "会议室"},
        actor=civil,
        scope=scope,
    )
    grid = person("demo-grid")
    village = person("demo-village")
    actions.do_set_attendance(t, [grid, village], actor=civil, scope=scope)
    assert set(TrainingAttendance.objects.filter(training=t).values_list("person_id", flat=True)) == {
        grid.pk,
        village.pk,
    }
    assert AuditEntry.objects.count() == before + 2
    view = queries.attendance_of(t)
    ours = {grid.pk, world.yan_person.pk}  # the fixture's officers (the demo's households have their own)
    assert [p.pk for p in view.officers_attended if p.pk in ours] == [grid.pk]
    assert {p.pk for p in view.officers_missing if p.pk in ours} == {world.yan_person.pk}
    assert {p.pk for p in view.officers_attended} <= {grid.pk, village.pk}  # only who came counts as attended
    # the list counts attendance
    row = next(r for r in queries.trainings(world.sub) if r.pk == t.pk)
    assert row.attended == 2
    # set again, smaller: one removed
    actions.do_set_attendance(t, [grid], actor=civil, scope=scope)
    assert list(TrainingAttendance.objects.filter(training=t).values_list("person_id", flat=True)) == [grid.pk]


def test_training_refusals(world, small):
    civil, scope = _as("demo-civil")
    village, vscope = _as("demo-village")
    with pytest.raises(Refused):
        actions.do_add_training(world.sub, {"title": "x", "held_on": _today()}, actor=village, scope=vscope)
    future = _today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        actions.do_add_training(world.sub, {"title": "x", "held_on": future.isoformat()}, actor=civil, scope=scope)
    t = rf.training_of(world)
    stranger = Person.objects.create(username="stranger-r", full_name="外人甲")
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match="外人甲"):
        actions.do_set_attendance(t, [person("demo-grid"), stranger], actor=civil, scope=scope)
    assert not TrainingAttendance.objects.filter(training=t).exists()
    with pytest.raises(Refused):
        actions.do_set_attendance(t, [person("demo-grid")], actor=village, scope=vscope)
    assert AuditEntry.objects.count() == before


# ---- rounds: start, assign ----------------------------------------------------------------------------------


def test_a_round_is_started_and_assigned_by_village_category_list_and_whole_villages(world, small):
    civil, scope = _as("demo-civil")
    items = list(ChecklistItem.objects.filter(subdistrict=world.sub)[:2])
    r = actions.do_start_round(
        world.sub,
        {
            "name": "2020 年政策落实回头看",
            "kind": "policy",
            "starts_on": _today() - datetime.timedelta(days=5),
            "ends_on": _today() + datetime.timedelta(days=30),
            "items": items,
        },
        actor=civil,
        scope=scope,
    )
    assert set(r.items.all()) == set(items)
    assert actions.do_assign(r, villages=[world.kong], actor=civil, scope=scope) >= 3
    kong_ids = set(Household.objects.active().filter(path__startswith=world.kong.path).values_list("pk", flat=True))
    assert set(RoundTarget.objects.filter(round=r).values_list("household_id", flat=True)) == kong_ids
    # a category across the subdistrict adds 阎桥's 脱贫户 only; again adds nothing
    tuopin = Category.objects.get(subdistrict=world.sub, code="tuopin")
    n = actions.do_assign(r, category=tuopin, actor=civil, scope=scope)
    assert n == Household.objects.active().filter(categories=tuopin).exclude(pk__in=kong_ids).count()
    assert RoundTarget.objects.filter(round=r, household=small.y1).exists()
    assert not RoundTarget.objects.filter(round=r, household=small.y2).exists()
    assert actions.do_assign(r, category=tuopin, actor=civil, scope=scope) == 0
    # a list
    assert actions.do_assign(r, households=[small.y2], actor=civil, scope=scope) == 1
    # whole villages
    assert actions.do_assign(r, villages=[world.kong, world.yan], whole_villages=True, actor=civil, scope=scope) == 2
    assert RoundTarget.objects.filter(round=r, household__isnull=True).count() == 2


def test_round_refusals(world, small):
    civil, scope = _as("demo-civil")
    village, vscope = _as("demo-village")
    data = {"name": "x", "starts_on": _today(), "ends_on": _today()}
    with pytest.raises(Refused):
        actions.do_start_round(world.sub, data, actor=village, scope=vscope)
    with pytest.raises(ValidationError, match="截止日期不能早于开始日期"):
        actions.do_start_round(
            world.sub, {**data, "ends_on": _today() - datetime.timedelta(days=1)}, actor=civil, scope=scope
        )
    r = rf.round_of(world)
    before = AuditEntry.objects.count(), RoundTarget.objects.filter(round=r).count()
    with pytest.raises(Refused):
        actions.do_assign(r, villages=[world.kong], actor=village, scope=vscope)
    # a household of another subdistrict (here: one moved to the district itself), a region that is no village
    stray = Household.objects.create(subdistrict=world.district, region=world.district, number="HT-X")
    with pytest.raises(ValidationError, match="不在本街道"):
        actions.do_assign(r, households=[small.k2, stray], actor=civil, scope=scope)
    with pytest.raises(ValidationError, match="不是本街道"):
        actions.do_assign(r, villages=[world.kong_grid], whole_villages=True, actor=civil, scope=scope)
    assert (AuditEntry.objects.count(), RoundTarget.objects.filter(round=r).count()) == before


# ---- rounds: results ----------------------------------------------------------------------------------------


def _record(target, who, **kw):
    actor, scope = _as(who)
    target.refresh_from_db()
    args = {"result": "passed", "checked_on": _today(), "revision": target.revision, "note": ""}
    args.update(kw)
    return actions.do_record_result(target, actor=actor, scope=scope, **args)


def test_who_may_record_a_result(world, small):
    # 孔家坊's cadre for 孔家坊's households and the village itself; demo-grid as K1's officer; not 阎桥's
    assert _record(rf.target(world, "HT-K2"), "demo-village").result == TargetResult.PASSED
    assert _record(rf.target(world, None), "demo-village").result == TargetResult.PASSED
    assert _record(rf.target(world, "HT-K1"), "demo-grid").checked_by.username == "demo-grid"
    for who, number in (("demo-village", "HT-Y1"), ("demo-grid", "HT-K3"), ("demo-viewer", "HT-K3")):
        with pytest.raises(Refused):
            _record(rf.target(world, number), who)
    assert _record(rf.target(world, "HT-Y1"), "demo-civil").result == TargetResult.PASSED


def test_a_result_in_the_future_or_before_the_round_or_over_another_is_refused(world, small):
    t = rf.target(world, "HT-K2")
    with pytest.raises(ValidationError, match="不能晚于今天"):
        _record(t, "demo-village", checked_on=_today() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="不能早于回头看的开始日期"):
        _record(t, "demo-village", checked_on=t.round.starts_on - datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="情况说明"):
        _record(t, "demo-village", result="found", note="")
    stale = t.revision
    _record(t, "demo-village")
    before = AuditEntry.objects.count()
    with pytest.raises(Conflict):
        _record(t, "demo-civil", revision=stale)
    assert AuditEntry.objects.count() == before


def test_a_finding_raises_exactly_one_case_and_a_retried_form_no_second(world, small):
    t = rf.target(world, "HT-K3")
    cases = Case.objects.count()
    found = _record(t, "demo-village", result="found", note="住房屋顶漏雨", client_ref="ref-abc")
    assert found.case is not None and Case.objects.count() == cases + 1
    case = found.case
    assert case.region == world.kong and "住房屋顶漏雨" in case.description
    assert case.category.code == "assistance-lookback" and case.category.parent.code == "assistance"
    entry = AuditEntry.objects.filter(action="households.result").latest("id")
    assert (entry.object_type, entry.object_id, entry.region_path) == ("households.round", str(t.round_id), t.path)
    assert entry.changes["target"] == [None, "孔家坊村 孔测三户"] and entry.changes["result"][1] == "发现问题"
    # the same form again (a retry): the stale revision it carries is not a conflict, and no second case
    actor, scope = _as("demo-village")
    again = actions.do_record_result(
        t,
        result="found",
        note="住房屋顶漏雨",
        checked_on=_today(),
        revision=found.revision - 1,
        client_ref="ref-abc",
        actor=actor,
        scope=scope,
    )
    assert again.case_id == case.pk and Case.objects.count() == cases + 1
    # through the page too: a double submission
    client = Client()
    client.force_login(person("demo-village"))
    t2 = rf.target(world, "HT-K2")
    post = {"result": "found", "note": "未参加医保", "checked_on": _today().isoformat(), "revision": t2.revision}
    post["client_ref"] = "page-ref-1"
    first = client.post(f"/households/rounds/targets/{t2.pk}/", post)
    second = client.post(f"/households/rounds/targets/{t2.pk}/", post)
    assert (first.status_code, second.status_code) == (302, 302)
    assert Case.objects.count() == cases + 2
    # recording found again while the case is open keeps the case
    kept = _record(t, "demo-civil", result="found", note="补充：墙体开裂")
    assert kept.case_id == case.pk and Case.objects.count() == cases + 2


def test_a_village_target_finding_is_a_case_of_the_village(world, small):
    t = _record(rf.target(world, None), "demo-village", result="found", note="村内道路未硬化")
    assert t.case.region == world.kong


def test_progress_per_village_equals_hand_counts(world, small):
    r = rf.round_of(world)
    _record(rf.target(world, "HT-K1"), "demo-grid", result="found", note="a")
    _record(rf.target(world, "HT-K2"), "demo-village", result="found", note="b")
    _record(rf.target(world, "HT-K3"), "demo-village")
    _record(rf.target(world, "HT-Y1"), "demo-civil", result="found", note="c")
    # one of 孔家坊's cases is closed (销号) by the cases loop
    closed = rf.target(world, "HT-K1").case
    Case.objects.filter(pk=closed.pk).update(state=State.CLOSED)
    leader = scope_for(person("demo-leader"))
    lines, total = queries.progress(leader, r)
    by = {line.label: line for line in lines}
    targets = list(RoundTarget.objects.filter(round=r).select_related("case"))

    def hand(village):
        mine = [t for t in targets if t.path.startswith(village.path)]
        found = [t for t in mine if t.result == TargetResult.FOUND]
        return (
            len(mine),
            sum(t.result != TargetResult.PENDING for t in mine),
            len(found),
            sum(t.case.state == State.CLOSED for t in found),
        )

    for v in (world.kong, world.yan):
        line = by[v.name]
        assert (line.assigned, line.checked, line.found, line.closed) == hand(v)
    assert (by[world.kong.name].assigned, by[world.kong.name].found, by[world.kong.name].closed) == (4, 2, 1)
    assert (total.assigned, total.checked, total.found, total.closed) == (6, 4, 3, 1)
    # a village's cadre sees his village only
    lines, total = queries.progress(scope_for(person("demo-village")), r)
    assert [line.label for line in lines] == [world.kong.name] and total.found == 2
    # the round's page says it, and lists the open cases with links
    client = Client()
    client.force_login(person("demo-leader"))
    page = client.get(f"/households/rounds/{r.pk}/").content.decode()
    assert "发现问题 3 个，已整改销号 1 个" in page
    open_ids = {rf.target(world, "HT-K2").case_id, rf.target(world, "HT-Y1").case_id}
    for pk in open_ids:
        assert f'href="/cases/{pk}/"' in page
    assert f'href="/cases/{closed.pk}/"' not in page
    assert {t.case_id for t in queries.open_cases(leader, r)} == open_ids
    # the filters of the targets list
    body = client.get(f"/households/rounds/{r.pk}/targets/?village={world.kong.code}&result=open").content.decode()
    assert "孔测二" in body and "孔测一" not in body and "阎测一" not in body
    # the round list's totals
    totals = queries.round_totals(leader, [r.pk])[r.pk]
    assert (totals.assigned, totals.found, totals.closed) == (6, 3, 1)


def test_the_queries_of_a_round_page_do_not_grow_with_its_targets(world, small, django_assert_max_num_queries):
    r = rf.round_of(world)
    client = Client()
    client.force_login(person("demo-leader"))
    client.get(f"/households/rounds/{r.pk}/")
    with django_assert_max_num_queries(40) as ctx:
        client.get(f"/households/rounds/{r.pk}/")
    first = len(ctx.captured_queries)
    for i in range(30):
        h = Household.objects.create(subdistrict=world.sub, region=world.yan, number=f"HT-Q{i}", head_name=f"阎{i}")
        RoundTarget.objects.create(round=r, household=h, region=world.yan)
    with django_assert_max_num_queries(first):
        client.get(f"/households/rounds/{r.pk}/")


# ---- pages ------------------------------------------------------------------------------------------------


def test_the_office_in_charge_starts_a_round_and_assigns_through_the_pages(world, small):
    client = Client()
    client.force_login(person("demo-civil"))
    assert client.get("/households/rounds/new/").status_code == 200
    items = list(ChecklistItem.objects.filter(subdistrict=world.sub).values_list("pk", flat=True))
    response = client.post(
        "/households/rounds/new/",
        {
            "name": "扶贫项目复查",
            "kind": "project",
            "starts_on": _today().isoformat(),
            "ends_on": (_today() + datetime.timedelta(days=10)).isoformat(),
            "items": [str(i) for i in items[:3]],
        },
    )
    assert response.status_code == 302
    r = Round.objects.get(name="扶贫项目复查")
    response = client.post(
        f"/households/rounds/{r.pk}/assign/", {"what": "households", "numbers": "HT-K1\nHT-Y2", "villages": []}
    )
    assert response.status_code == 302
    assert set(RoundTarget.objects.filter(round=r).values_list("household__number", flat=True)) == {"HT-K1", "HT-Y2"}
    response = client.post(f"/households/rounds/{r.pk}/assign/", {"what": "households", "numbers": "不存在的户"})
    assert response.status_code == 400 and "不存在的户" in response.content.decode()
    # a training through the pages
    response = client.post(
        "/households/rounds/trainings/new/", {"title": "帮扶政策培训", "held_on": _today().isoformat()}
    )
    assert response.status_code == 302
    future = {"title": "未来培训", "held_on": (_today() + datetime.timedelta(days=2)).isoformat()}
    response = client.post("/households/rounds/trainings/new/", future)
    assert response.status_code == 400 and "不能晚于今天" in response.content.decode()


def test_a_stale_result_form_is_a_409_with_its_sentence(world, small):
    t = rf.target(world, "HT-K2")
    client = Client()
    client.force_login(person("demo-village"))
    post = {"result": "passed", "checked_on": _today().isoformat(), "revision": t.revision}
    assert client.post(f"/households/rounds/targets/{t.pk}/", post).status_code == 302
    response = client.post(f"/households/rounds/targets/{t.pk}/", post)
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()


# ---- crawls: nothing of another village, nothing internal -------------------------------------------------


def _crawl(client, start):
    from tests import crawl as crawler

    pages, broken = {}, {}
    for path, response in crawler.crawl(client, start, limit=80, within="/households/rounds/"):
        if response.status_code not in (200, 302):
            broken[path] = response.status_code
            continue
        if response.get("Content-Type", "").startswith("text/html"):
            pages[path] = crawler.readable(response)
    return pages, broken


def _with_findings(world):
    _record(rf.target(world, "HT-K2"), "demo-village", result="found", note="孔家坊的问题")
    _record(rf.target(world, "HT-Y1"), "demo-civil", result="found", note="阎桥的问题")
    rf.training_of(world)


def test_the_village_cadre_crawls_the_rounds_and_sees_nothing_of_yanqiao(world, small):
    _with_findings(world)
    client = Client()
    client.force_login(person("demo-village"))
    pages, broken = _crawl(client, "/households/rounds/")
    assert broken == {}
    r = rf.round_of(world)
    assert f"/households/rounds/{r.pk}/" in pages
    assert f"/households/rounds/targets/{rf.target(world, 'HT-K2').pk}/" in pages
    forbidden = [world.yan.name, "阎测一", "阎测二", "阎桥的问题", world.yan_person.full_name, world.outsider.full_name]
    assert [(u, w) for u, body in pages.items() for w in forbidden if w in body] == []


def test_the_leader_crawls_every_kind_of_rounds_page_and_none_shows_internals(world, small):
    from tests.test_no_internals_crawl import findings, internal_words

    _with_findings(world)
    keys = internal_words()
    for who in ("demo-leader", "demo-village"):
        client = Client()
        client.force_login(person(who))
        pages, broken = _crawl(client, "/households/rounds/")
        assert broken == {}
        found = [f for path, text in pages.items() for f in findings(path, text, keys)]
        assert found == [], found
        if who == "demo-leader":
            t = rf.training_of(world)
            must = ["/households/rounds/trainings/", f"/households/rounds/trainings/{t.pk}/"]
            must += ["/households/rounds/new/", "/households/rounds/trainings/new/"]
            assert [u for u in must if u not in pages] == []


def test_an_officer_without_a_role_in_the_village_reports_his_finding_all_the_same(world, small):
    """demo-grid assists K3 (孔家坊 itself, not his grid): he may record its result, and the finding is a case."""
    Household.objects.filter(pk=small.k3.pk).update(officer=person("demo-grid"))
    t = _record(rf.target(world, "HT-K3"), "demo-grid", result="found", note="厨房漏水")
    assert t.case is not None and t.case.reporter.username == "demo-grid" and t.case.region == world.kong
    # and his round page shows his village's line, counting what he sees (his grid's household)
    lines, total = queries.progress(scope_for(person("demo-grid")), rf.round_of(world))
    assert [line.label for line in lines] == [world.kong.name] and total.assigned == 1
    # through the page too: he opens it and records it
    client = Client()
    client.force_login(person("demo-grid"))
    t = rf.target(world, "HT-K3")
    assert client.get(f"/households/rounds/targets/{t.pk}/").status_code == 200
    assert client.get(f"/households/rounds/targets/{rf.target(world, 'HT-K2').pk}/").status_code == 404
