"""Review meetings (点评会) and their 督办 items: the agenda drawn from a bulletin, the actions' rules (one owner of
the subdistrict, a deadline not before the meeting, 销号 by a leader who did not report, a stale form 409, 退回 with
its reason), decisions_summary's counts, the home to-dos, the pages as each persona, and the demo's year."""

from __future__ import annotations

import datetime
import time

import pytest

from tests.bulletins_sample import sample
from tests.conftest import person
from zhili.bulletins import meeting_queries as mq
from zhili.bulletins import meetings
from zhili.bulletins.models import Decision, DecisionStatus, Delivery, ReviewMeeting, Snapshot, SnapshotStatus
from zhili.core.errors import Conflict, Invalid, Refused
from zhili.core.models import AuditEntry
from zhili.people.models import Unit
from zhili.people.scope import scope_for

HELD = datetime.date(2020, 11, 10)
WEEK = "2020-W45"  # 2020-11-02 … 11-08


def _as(username):
    who = person(username)
    return who, scope_for(who)


def _clean(world) -> None:
    """The tests' own meetings only (the demo's are removed; rolled back with the test)."""
    Decision.objects.filter(meeting__region=world.sub).delete()
    ReviewMeeting.objects.filter(region=world.sub).delete()


def _no_bulletin(world, week) -> None:
    """The week as if never built (the demo builds every week when the snapshot half is there)."""
    Delivery.objects.filter(snapshot__region=world.sub, snapshot__week=week).delete()
    Snapshot.objects.filter(region=world.sub, week=week).delete()


def _snapshot(world, week=WEEK, *, version=1, status=SnapshotStatus.PUBLISHED, data=None) -> Snapshot:
    if version == 1:
        _no_bulletin(world, week)
    monday, sunday = mq.week_span(week)
    return Snapshot.objects.create(
        region=world.sub,
        week=week,
        start=monday,
        end=sunday,
        version=version,
        status=status,
        data=data if data is not None else sample(),
    )


def _meeting(world, week=WEEK, held_on=HELD) -> ReviewMeeting:
    leader, scope = _as("demo-leader")
    return meetings.do_hold_meeting(
        mq.setup_of(world.sub), week=week, held_on=held_on, title="", notes="", actor=leader, scope=scope
    )


def _decision(world, meeting, *, village=None, unit=None, deadline=None, text="整改到位") -> Decision:
    leader, scope = _as("demo-leader")
    if village is None and unit is None:
        village = world.kong
    return meetings.do_add_decision(
        meeting,
        text=text,
        village=village,
        unit=unit,
        deadline=deadline or HELD + datetime.timedelta(days=7),
        actor=leader,
        scope=scope,
    )


def _unit(world, code="urban") -> Unit:
    return Unit.objects.get(region=world.sub, code=code)


# ---- the agenda ---------------------------------------------------------------------------------------------------


def test_the_agenda_is_drawn_from_the_bulletin():
    agenda = mq.agenda_from(sample())
    kinds = [i["kind"] for i in agenda]
    assert kinds[0] == "best" and "laggard" in kinds and "red" in kinds and "decision" in kinds
    best = next(i for i in agenda if i["kind"] == "best")
    assert "孔家坊村" in best["text"] and "事件按期结案率 100.0%" in best["text"] and best["village"] == "370100001001"
    laggard = next(i for i in agenda if i["kind"] == "laggard")
    assert "东八里村" in laggard["text"] and "网格巡查覆盖率仅 33.3%" in laggard["text"]
    cases = [i for i in agenda if i["kind"] == "cases"]  # overdue = i // 2: the 3rd, 4th and 5th villages
    assert [i["village"] for i in cases] == ["370100001003", "370100001004", "370100001005"]
    red = next(i for i in agenda if i["kind"] == "red")
    assert red["indicator"] == "2.1.1" and "低于序时进度" in red["text"]
    open_ones = [i["text"] for i in agenda if i["kind"] == "decision"]
    assert len(open_ones) == 2 and not any("东八里村补齐" in t for t in open_ones)  # the closed one is done
    assert all(set(i) == {"kind", "text", "village", "indicator", "case"} for i in agenda)
    assert mq.agenda_from({"empty": True, "decisions": None, "targets": {}}) == []


def test_a_meeting_takes_the_latest_published_version(world):
    _clean(world)
    _snapshot(world, version=1, status=SnapshotStatus.SUPERSEDED)
    data = sample()
    data["laggards"][0]["name"] = "东八里村（更正）"
    _snapshot(world, version=2, data=data)
    _snapshot(world, version=3, status=SnapshotStatus.DRAFT, data={"laggards": []})
    meeting = _meeting(world)
    assert any("东八里村（更正）" in i["text"] for i in meeting.agenda)
    assert meeting.title == "太平街道第45周工作点评会"
    entry = AuditEntry.objects.filter(action="bulletins.meeting.hold").latest("pk")
    assert entry.changes["week"] == [None, WEEK]


def test_a_week_without_a_bulletin_gives_an_empty_agenda(world, as_persona):
    _clean(world)
    _no_bulletin(world, "2020-W44")
    meeting = _meeting(world, week="2020-W44", held_on=datetime.date(2020, 11, 3))
    assert meeting.agenda == []
    page = as_persona("leader").get(f"/bulletins/meetings/{meeting.pk}/").content.decode()
    assert "该周没有已发布的通报，议程为空。" in page


def test_holding_a_meeting_refuses_bad_dates_and_outsiders(world):
    _clean(world)
    setup = mq.setup_of(world.sub)
    leader, scope = _as("demo-leader")
    with pytest.raises(Invalid):  # before the week ended
        meetings.do_hold_meeting(setup, week=WEEK, held_on=datetime.date(2020, 11, 8), actor=leader, scope=scope)
    with pytest.raises(Invalid):  # after the demo's today
        meetings.do_hold_meeting(setup, week=WEEK, held_on=datetime.date(2020, 11, 23), actor=leader, scope=scope)
    with pytest.raises(Invalid):
        meetings.do_hold_meeting(setup, week="2020-45", held_on=HELD, actor=leader, scope=scope)
    for name in ("demo-village", "demo-viewer", "demo-urban"):
        who, s = _as(name)
        with pytest.raises(Refused):
            meetings.do_hold_meeting(setup, week=WEEK, held_on=HELD, actor=who, scope=s)
    assert not ReviewMeeting.objects.filter(region=world.sub).exists()


# ---- decisions -----------------------------------------------------------------------------------------------------


def test_a_decision_has_exactly_one_owner_of_the_subdistrict(world):
    _clean(world)
    meeting = _meeting(world)
    leader, scope = _as("demo-leader")
    day = HELD + datetime.timedelta(days=7)
    with pytest.raises(Invalid, match="有且只有一个责任单位"):
        meetings.do_add_decision(meeting, text="x", deadline=day, actor=leader, scope=scope)
    with pytest.raises(Invalid, match="有且只有一个责任单位"):
        meetings.do_add_decision(
            meeting, text="x", unit=_unit(world), village=world.kong, deadline=day, actor=leader, scope=scope
        )
    with pytest.raises(Invalid):  # a grid is not a village
        meetings.do_add_decision(meeting, text="x", village=world.kong_grid, deadline=day, actor=leader, scope=scope)
    other = Unit.objects.exclude(region=world.sub).first()
    if other is not None:
        with pytest.raises(Invalid):
            meetings.do_add_decision(meeting, text="x", unit=other, deadline=day, actor=leader, scope=scope)
    with pytest.raises(Invalid, match="不能早于会议日期"):
        _decision(world, meeting, deadline=HELD - datetime.timedelta(days=1))
    with pytest.raises(Invalid):
        _decision(world, meeting, text="   ")
    d = _decision(world, meeting, unit=_unit(world))
    assert d.status == DecisionStatus.OPEN and d.revision == 1
    assert AuditEntry.objects.filter(action="bulletins.decision.add", object_id=str(d.pk)).count() == 1
    assert Decision.objects.filter(meeting=meeting).count() == 1


def test_report_close_return_and_stale_forms(world):
    _clean(world)
    meeting = _meeting(world)
    d = _decision(world, meeting)  # 孔家坊村's
    outsider_scope = scope_for(world.outsider)
    with pytest.raises(Refused):  # 阎桥's secretary does not own it
        meetings.do_report_decision(d, report="好了", actor=world.outsider, scope=outsider_scope, revision=1)
    urban, urban_scope = _as("demo-urban")
    with pytest.raises(Refused):
        meetings.do_report_decision(d, report="好了", actor=urban, scope=urban_scope, revision=1)
    cadre, cadre_scope = _as("demo-village")
    with pytest.raises(Invalid):
        meetings.do_report_decision(d, report=" ", actor=cadre, scope=cadre_scope, revision=1)
    d = meetings.do_report_decision(d, report="已补齐巡查记录", actor=cadre, scope=cadre_scope, revision=1)
    assert d.status == DecisionStatus.REPORTED and d.reported_by == cadre and d.revision == 2
    with pytest.raises(Conflict):  # the page was loaded before the report
        meetings.do_report_decision(d, report="again", actor=cadre, scope=cadre_scope, revision=1)
    with pytest.raises(Refused):  # the cadre may not close
        meetings.do_close_decision(d, actor=cadre, scope=cadre_scope, revision=2)
    leader, scope = _as("demo-leader")
    with pytest.raises(Conflict):
        meetings.do_close_decision(d, actor=leader, scope=scope, revision=1)
    with pytest.raises(Invalid):  # a return needs its reason
        meetings.do_return_decision(d, reason="", actor=leader, scope=scope, revision=2)
    d = meetings.do_return_decision(d, reason="佐证材料不全", actor=leader, scope=scope, revision=2)
    assert d.status == DecisionStatus.OPEN and d.revision == 3
    assert mq.last_return_reason(d) == "佐证材料不全"
    entry = AuditEntry.objects.filter(action="bulletins.decision.return").latest("pk")
    assert entry.changes["status"] == ["已报办结", "督办中"] and entry.reason == "佐证材料不全"
    # the leader reports it himself: he may not close it, another leader may
    d = meetings.do_report_decision(d, report="领导代报", actor=leader, scope=scope, revision=3)
    with pytest.raises(Refused, match="不能自己确认销号"):
        meetings.do_close_decision(d, actor=leader, scope=scope, revision=4)
    other = person("sub-leader-1")
    d = meetings.do_close_decision(d, actor=other, scope=scope_for(other), revision=4)
    assert d.status == DecisionStatus.CLOSED and d.closed_by == other
    with pytest.raises(Invalid):
        meetings.do_return_decision(d, reason="x", actor=leader, scope=scope, revision=5)


def test_an_office_reports_its_own_item(world):
    _clean(world)
    d = _decision(world, _meeting(world), unit=_unit(world, "urban"))
    economy, economy_scope = _as("demo-economy")
    with pytest.raises(Refused):
        meetings.do_report_decision(d, report="x", actor=economy, scope=economy_scope, revision=1)
    urban, urban_scope = _as("demo-urban")
    d = meetings.do_report_decision(d, report="已清理", actor=urban, scope=urban_scope, revision=1)
    leader, scope = _as("demo-leader")
    assert meetings.do_close_decision(d, actor=leader, scope=scope, revision=2).status == DecisionStatus.CLOSED


def test_lights_against_the_deadline(world):
    _clean(world)
    d = _decision(world, _meeting(world), deadline=datetime.date(2020, 11, 17))
    assert mq.light_of(d, datetime.date(2020, 11, 10)).state == "green"
    assert mq.light_of(d, datetime.date(2020, 11, 16)).state == "yellow"
    late = mq.light_of(d, datetime.date(2020, 11, 20))
    assert late.state == "overdue" and "已超过 3 个工作日" in late.explain()


# ---- decisions_summary ---------------------------------------------------------------------------------------------


def test_decisions_summary_counts(world):
    _clean(world)
    assert mq.decisions_summary(world.sub, WEEK, today=datetime.date(2020, 11, 20)) is None
    meeting = _meeting(world)
    a = _decision(world, meeting, deadline=datetime.date(2020, 11, 12), text="甲")
    b = _decision(world, meeting, unit=_unit(world), deadline=datetime.date(2020, 11, 13), text="乙")
    c = _decision(world, meeting, deadline=datetime.date(2020, 11, 30), text="丙")
    _decision(world, _meeting(world, week="2020-W44", held_on=datetime.date(2020, 11, 3)), text="别周")
    cadre, cadre_scope = _as("demo-village")
    urban, urban_scope = _as("demo-urban")
    leader, scope = _as("demo-leader")
    a = meetings.do_report_decision(a, report="ok", actor=cadre, scope=cadre_scope, revision=1)
    meetings.do_close_decision(a, actor=leader, scope=scope, revision=2)
    meetings.do_report_decision(b, report="ok", actor=urban, scope=urban_scope, revision=1)
    summary = mq.decisions_summary(world.sub, WEEK, today=datetime.date(2020, 11, 20))
    assert {k: summary[k] for k in ("week", "total", "closed", "reported", "open", "overdue")} == {
        "week": WEEK,
        "total": 3,
        "closed": 1,
        "reported": 1,
        "open": 1,
        "overdue": 0,
    }
    assert [i["text"] for i in summary["items"]] == ["甲", "乙", "丙"]
    assert summary["items"][1] == {
        "text": "乙",
        "owner": "城市管理办公室（城管办）",
        "deadline": "2020-11-13",
        "status": "reported",
        "status_label": "已报办结",
    }
    assert set(summary) == set(sample()["decisions"]) and set(summary["items"][0]) == set(
        sample()["decisions"]["items"][0]
    )
    assert mq.decisions_summary(world.sub, WEEK, today=datetime.date(2020, 12, 1))["overdue"] == 1  # 丙
    assert c.status == DecisionStatus.OPEN


# ---- home to-dos ---------------------------------------------------------------------------------------------------


def test_home_todos_for_the_owner_and_the_leader(world, as_persona):
    _clean(world)
    meeting = _meeting(world)
    late = _decision(world, meeting, deadline=datetime.date(2020, 11, 12), text="孔家坊逾期督办")
    _decision(world, meeting, deadline=datetime.date(2020, 11, 27), text="孔家坊按期督办")
    _decision(world, meeting, village=world.yan, text="阎桥督办事项")
    home = as_persona("village").get("/").content.decode()
    assert "点评会督办" in home and "孔家坊逾期督办" in home and "阎桥督办事项" not in home
    assert home.index("孔家坊逾期督办") < home.index("孔家坊按期督办")  # overdue first
    assert "阎桥督办事项" in as_persona("outsider").get("/").content.decode()
    cadre, cadre_scope = _as("demo-village")
    meetings.do_report_decision(late, report="已整改", actor=cadre, scope=cadre_scope, revision=1)
    leader_home = as_persona("leader").get("/").content.decode()
    assert "督办待销号" in leader_home and "孔家坊逾期督办" in leader_home
    assert "孔家坊逾期督办" not in as_persona("village").get("/").content.decode()


# ---- pages ---------------------------------------------------------------------------------------------------------


def test_pages_as_each_persona(world, as_persona):
    _clean(world)
    _snapshot(world)
    meeting = _meeting(world)
    kong = _decision(world, meeting, text="孔家坊督办")
    yan = _decision(world, meeting, village=world.yan, text="阎桥督办")
    office = _decision(world, meeting, unit=_unit(world), text="城管办督办")
    leader = as_persona("leader")
    page = leader.get(f"/bulletins/meetings/{meeting.pk}/").content.decode()
    assert "宣传典型" in page and "鞭策后进" in page and "孔家坊督办" in page and 'class="table-wrap"' in page
    assert leader.get("/bulletins/meetings/").status_code == 200
    assert leader.get("/bulletins/meetings/new/").status_code == 200
    assert leader.get(f"/bulletins/meetings/{meeting.pk}/decisions/new/").status_code == 200
    village = as_persona("village")
    assert village.get("/bulletins/meetings/").status_code == 404
    assert village.get(f"/bulletins/meetings/{meeting.pk}/").status_code == 404
    listing = village.get("/bulletins/meetings/decisions/").content.decode()
    assert "孔家坊督办" in listing and "阎桥督办" not in listing and "城管办督办" not in listing
    assert village.get(f"/bulletins/meetings/decisions/{kong.pk}/").status_code == 200
    assert village.get(f"/bulletins/meetings/decisions/{yan.pk}/").status_code == 404
    outsider = as_persona("outsider")
    assert outsider.get(f"/bulletins/meetings/decisions/{kong.pk}/").status_code == 404
    assert "孔家坊督办" not in outsider.get("/bulletins/meetings/decisions/").content.decode()
    urban = as_persona("urban")
    mine = urban.get("/bulletins/meetings/decisions/?mine=on").content.decode()
    assert "城管办督办" in mine and "孔家坊督办" not in mine
    assert "孔家坊督办" in urban.get("/bulletins/meetings/decisions/").content.decode()
    assert 'data-testid="report-form"' in urban.get(f"/bulletins/meetings/decisions/{office.pk}/").content.decode()
    assert 'data-testid="report-form"' not in urban.get(f"/bulletins/meetings/decisions/{kong.pk}/").content.decode()
    # 办结 from the phone, then 销号 by the leader
    response = village.post(f"/bulletins/meetings/decisions/{kong.pk}/report/", {"report": "已整改", "revision": 1})
    assert response.status_code == 302
    stale = village.post(f"/bulletins/meetings/decisions/{kong.pk}/report/", {"report": "再报", "revision": 1})
    assert stale.status_code == 409
    detail = leader.get(f"/bulletins/meetings/decisions/{kong.pk}/").content.decode()
    assert 'data-testid="close-form"' in detail and 'data-testid="return-form"' in detail
    assert leader.post(f"/bulletins/meetings/decisions/{kong.pk}/close/", {"revision": 2}).status_code == 302
    assert Decision.objects.get(pk=kong.pk).status == DecisionStatus.CLOSED
    assert (
        as_persona("viewer").post(f"/bulletins/meetings/decisions/{yan.pk}/report/", {"report": "x"}).status_code == 403
    )


def test_the_forms_post(world, as_persona):
    _clean(world)
    _snapshot(world)
    leader = as_persona("leader")
    response = leader.post(
        "/bulletins/meetings/new/", {"week": WEEK, "held_on": "2020-11-10", "title": "", "notes": "纪要"}
    )
    assert response.status_code == 302
    meeting = ReviewMeeting.objects.get(region=world.sub)
    assert meeting.agenda
    bad = leader.post("/bulletins/meetings/new/", {"week": WEEK, "held_on": "2020-11-05"})
    assert bad.status_code == 400 and "之后召开" in bad.content.decode()
    url = f"/bulletins/meetings/{meeting.pk}/decisions/new/"
    indicator = world.ind_sub
    ok = leader.post(
        url,
        {
            "text": "经发办督促投资进度",
            "owner": f"unit:{_unit(world, 'economy').pk}",
            "deadline": "2020-11-17",
            "indicator_code": indicator.code,
        },
    )
    assert ok.status_code == 302
    d = Decision.objects.get(meeting=meeting)
    assert d.indicator == indicator and d.unit.code == "economy"
    nobody = leader.post(url, {"text": "x", "owner": f"village:{world.kong_grid.pk}", "deadline": "2020-11-17"})
    assert nobody.status_code == 400
    assert (
        as_persona("village")
        .post(url, {"text": "x", "owner": f"village:{world.kong.pk}", "deadline": "2020-11-17"})
        .status_code
        == 404
    )


# ---- the demo ------------------------------------------------------------------------------------------------------


def test_the_demo_year_of_meetings(world):
    from zhili.demo import bulletins2020

    meetings_ = ReviewMeeting.objects.filter(region=world.sub)
    assert meetings_.count() == 46  # weeks 1–46 of 2020 ended by 2020-11-20
    assert all(m.held_on.weekday() in (0, 1) for m in meetings_)
    decisions = Decision.objects.filter(meeting__region=world.sub)
    counts = {s: decisions.filter(status=s).count() for s in DecisionStatus.values}
    assert all(counts.values()), counts
    old = decisions.filter(deadline__lt=datetime.date(2020, 10, 1))
    assert not old.exclude(status=DecisionStatus.CLOSED).exists()
    assert decisions.filter(status=DecisionStatus.OPEN, deadline__lt=datetime.date(2020, 11, 20)).exists()
    kong = decisions.get(text=bulletins2020.KONG_TEXT)
    assert (
        kong.village == world.kong
        and kong.status == DecisionStatus.OPEN
        and kong.deadline >= datetime.date(2020, 11, 20)
    )
    for d in decisions.exclude(closed_by=None):
        assert d.closed_by_id != d.reported_by_id
    before = (ReviewMeeting.objects.count(), Decision.objects.count(), AuditEntry.objects.count())
    from zhili.demo.taiping import Summary

    bulletins2020.load(
        Summary(),
        sub=world.sub,
        villages=list(world.sub.children.all()),
        people={"demo-leader": person("demo-leader")},
        leaders=[person("demo-leader")],
    )
    assert (ReviewMeeting.objects.count(), Decision.objects.count(), AuditEntry.objects.count()) == before


def test_the_demo_loader_is_deterministic_and_quick(world):
    """Made again from nothing (the demo's meetings removed), the same items come back, within the time."""
    from zhili.demo import bulletins2020
    from zhili.demo.taiping import Summary

    def made():
        return list(
            Decision.objects.filter(meeting__region=world.sub)
            .order_by("meeting__held_on", "pk")
            .values_list("meeting__week", "text", "deadline", "status")
        )

    first = made()
    _clean(world)
    people = {"demo-leader": person("demo-leader")}
    leaders = [person("demo-leader"), person("sub-leader-1")]
    villages = list(world.sub.children.order_by("code"))
    started = time.monotonic()
    bulletins2020.load(Summary(), sub=world.sub, villages=villages, people=people, leaders=leaders)
    took = time.monotonic() - started
    print(f"bulletins2020.load: {took:.1f} s")
    assert took < 30
    assert [row[:3] for row in made()] == [row[:3] for row in first]


def test_the_demo_bulletins_with_snapshots(world):
    pytest.importorskip("zhili.bulletins.snapshot")
    published = Snapshot.objects.filter(region=world.sub, status=SnapshotStatus.PUBLISHED)
    assert published.values("week").distinct().count() == 46
    corrected = Snapshot.objects.get(region=world.sub, week="2020-W44", version=2)
    assert corrected.correction_note == "补录孔家坊村两件事件的结案时间"
    meeting = ReviewMeeting.objects.get(region=world.sub, week="2020-W40")
    assert meeting.agenda
