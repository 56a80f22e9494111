"""Party building (党建): the actions and their refusals, the compliance lights against hand counts, the indicator
source's figures, the overview's fixed number of queries, phones masked for whoever may not keep the branch."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import person
from zhili.core.errors import Conflict, Invalid, Refused
from zhili.core.models import AuditEntry
from zhili.party import actions, queries
from zhili.party.models import DEFAULT_FREQUENCY, Branch, IntegrityTalk, Meeting, MeetingKind, PartyMember
from zhili.people.scope import scope_for
from zhili.targets import engine
from zhili.targets.models import Indicator

TODAY = datetime.date(2020, 11, 20)
QUARTER_OF = {m: (m - 1) // 3 for m in range(1, 13)}


def _as(username):
    who = person(username)
    return who, scope_for(who)


def _kong(world) -> Branch:
    return Branch.objects.get(region=world.kong)


def _meeting(branch, **data):
    return {"kind": "dem_life", "day": "2020-11-18", "topic": "测试会议", "attendees": [], **data}


# ---- compliance: the lights equal hand counts ---------------------------------------------------------------------


def _hand_state(days_by_kind: dict[str, list[datetime.date]]) -> str:
    """A branch's light counted by hand from its meetings' days (the default frequencies, judged on TODAY)."""
    missed = pending = False
    for kind, frequency in DEFAULT_FREQUENCY.items():
        days = [d for d in days_by_kind.get(kind, []) if d <= TODAY]
        if frequency == "month":
            done = {d.month for d in days}
            missed |= any(m not in done for m in range(1, TODAY.month))
            pending |= TODAY.month not in done
        elif frequency == "quarter":
            done = {QUARTER_OF[d.month] for d in days}
            missed |= any(q not in done for q in range(QUARTER_OF[TODAY.month]))
            pending |= QUARTER_OF[TODAY.month] not in done
        elif frequency == "year":
            pending |= not days
    return "red" if missed else ("yellow" if pending else "green")


def test_the_lights_equal_hand_counts(world):
    sub = world.sub
    by_branch: dict[int, dict[str, list]] = {}
    for branch_id, kind, day in Meeting.objects.filter(day__year=2020).values_list("branch_id", "kind", "day"):
        by_branch.setdefault(branch_id, {}).setdefault(kind, []).append(day)
    rows = queries.compliance_rows(queries.branches(scope_for(person("demo-leader")), sub), sub, 2020)
    assert len(rows) == 91
    for r in rows:
        assert r.light.state == _hand_state(by_branch.get(r.branch.pk, {})), r.branch.name
        for k in r.kinds:
            assert k.held == len(by_branch.get(r.branch.pk, {}).get(k.kind, []))
    states = {r.light.state for r in rows}
    assert states == {"red", "yellow", "green"}  # the demo has some of each
    red = next(r for r in rows if r.light.state == "red")
    assert "应开未开" in red.light.explain()


def test_a_missed_month_turns_a_branch_red_and_names_it(world):
    branch = _kong(world)
    Meeting.objects.filter(branch=branch, kind=MeetingKind.COMMITTEE, day__month=3).delete()
    row = queries.compliance_rows(queries.branches(scope_for(person("demo-leader")), world.sub), world.sub, 2020)
    mine = next(r for r in row if r.branch.pk == branch.pk)
    assert mine.light.state == "red"
    assert "支委会缺3月" in mine.light.explain()


# ---- actions and their refusals ----------------------------------------------------------------------------------


def test_a_village_cadre_records_his_branch_meeting(world):
    who, scope = _as("demo-village")
    branch = _kong(world)
    ids = list(PartyMember.objects.active().filter(branch=branch).values_list("pk", flat=True)[:3])
    before = AuditEntry.objects.count()
    meeting = actions.do_save_meeting(branch, _meeting(branch, attendees=ids), actor=who, scope=scope)
    assert meeting.attendees.count() == 3 and meeting.recorded_by == who
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "party.meeting.add" and entry.region_path == world.kong.path


@pytest.mark.parametrize(
    "case,data,kind",
    [
        ("another village's branch", None, Refused),
        ("dated in the future", {"day": "2020-11-21"}, Invalid),
        ("an attendee of another branch", "yan-member", Invalid),
        ("no topic", {"topic": " "}, Invalid),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_written(world, case, data, kind):
    who, scope = _as("demo-village")
    branch = _kong(world)
    payload = _meeting(branch)
    if data is None:
        branch = Branch.objects.get(region=world.yan)
    elif data == "yan-member":
        payload["attendees"] = [PartyMember.objects.filter(branch__region=world.yan).first().pk]
    else:
        payload.update(data)
    before = (Meeting.objects.count(), AuditEntry.objects.count())
    with pytest.raises(kind) as exc:
        actions.do_save_meeting(branch, payload, actor=who, scope=scope)
    assert exc.value.messages[0]  # a Chinese sentence
    assert (Meeting.objects.count(), AuditEntry.objects.count()) == before


def test_the_same_meeting_twice_is_refused(world):
    who, scope = _as("demo-village")
    branch = _kong(world)
    actions.do_save_meeting(branch, _meeting(branch), actor=who, scope=scope)
    with pytest.raises(Invalid) as exc:
        actions.do_save_meeting(branch, _meeting(branch), actor=who, scope=scope)
    assert "已经记录过" in exc.value.messages[0]


def test_an_edit_overtaken_by_another_is_a_conflict(world):
    who, scope = _as("demo-village")
    branch = _kong(world)
    meeting = actions.do_save_meeting(branch, _meeting(branch), actor=who, scope=scope)
    actions.do_save_meeting(branch, {"topic": "改一次", "revision": 1}, actor=who, scope=scope, meeting=meeting)
    with pytest.raises(Conflict):
        actions.do_save_meeting(branch, {"topic": "改两次", "revision": 1}, actor=who, scope=scope, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.topic == "改一次"


def test_minutes_are_checked_by_their_bytes(world):
    who, scope = _as("demo-village")
    branch = _kong(world)
    page = SimpleUploadedFile("记录.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    with pytest.raises(Invalid):
        actions.do_save_meeting(branch, _meeting(branch, minutes=page), actor=who, scope=scope)
    assert not Meeting.objects.filter(branch=branch, topic="测试会议").exists()
    text = SimpleUploadedFile("记录.txt", "会议记录：到会 12 人。".encode(), content_type="text/plain")
    meeting = actions.do_save_meeting(branch, _meeting(branch, minutes=text), actor=who, scope=scope)
    assert meeting.minutes_type == "text/plain" and meeting.minutes_name == "记录.txt"


def test_members_talks_and_geese(world):
    leader, scope = _as("demo-leader")
    branch = _kong(world)
    member = actions.do_save_member(
        branch,
        {"name": "测试党员", "sex": "f", "joined": "2019-7-1", "status": "probationary", "phone": "13800001234"},
        actor=leader,
        scope=scope,
    )
    assert member.masked_phone == "138****1234"
    with pytest.raises(Invalid):  # the same name twice in a branch
        actions.do_save_member(
            branch, {"name": "测试党员", "sex": "f", "joined": "2019-7-1", "status": "full"}, actor=leader, scope=scope
        )
    cadre, cadre_scope = _as("demo-village")
    with pytest.raises(Refused):
        actions.do_record_talk(
            world.kong,
            {"person_name": "某", "post": "secretary", "day": "2020-11-1", "talker": "某"},
            actor=cadre,
            scope=cadre_scope,
        )
    talk = actions.do_record_talk(
        world.kong,
        {"person_name": "孔立新", "post": "secretary", "day": "2020-11-19", "talker": "周太平"},
        actor=leader,
        scope=scope,
    )
    assert talk.region == world.kong
    goose = actions.do_add_goose(world.kong, {"name": "测试头雁", "post": "村委会委员"}, actor=leader, scope=scope)
    actions.do_archive_goose(goose, reason="调任", actor=leader, scope=scope)


# ---- the indicator source ----------------------------------------------------------------------------------------


def test_4_4_1_1_counts_the_party_apps_talks(world):
    ind = Indicator.objects.get(task__goal__year=2020, code="4.4.1.1")
    assert ind.source_key == "party"
    from zhili.regions.models import Region

    villages = list(Region.objects.filter(parent=world.sub, level=4).current(TODAY))
    computed = engine.compute(world.sub, 2020, TODAY, villages)
    talked = IntegrityTalk.objects.filter(region__parent=world.sub, day__year=2020).values("region").distinct()
    assert computed.whole[ind.pk].actual == talked.count() == 91


def test_the_source_counts_meetings_and_compliant_branches(world):
    from zhili.party.source import PartySource
    from zhili.regions.models import Region
    from zhili.targets.sources import Window

    source = PartySource()
    ind = Indicator.objects.get(task__goal__year=2020, code="4.4.1.1")
    villages = list(Region.objects.filter(parent=world.sub, level=4))
    window = Window(datetime.date(2020, 1, 1), TODAY)
    for measure, expected in (
        ("meetings", Meeting.objects.filter(day__year=2020, branch__region__parent=world.sub).count()),
        ("talks", IntegrityTalk.objects.filter(day__year=2020).count()),
    ):
        ind.source_params = {"measure": measure}
        assert sum(source.values([ind], villages, window).values()) == expected
    ind.source_params = {"measure": "compliant"}
    rows = queries.compliance_rows(queries.branches(scope_for(person("demo-leader")), world.sub), world.sub, 2020)
    assert sum(source.values([ind], villages, window).values()) == sum(1 for r in rows if r.light.state != "red")
    assert source.records(ind, world.kong, window).count() == int(
        next(r for r in rows if r.branch.region_id == world.kong.pk).light.state != "red"
    )


# ---- pages -------------------------------------------------------------------------------------------------------


def test_the_overview_runs_a_fixed_number_of_queries(as_persona, world):
    client = as_persona("leader")
    client.get("/party/")  # warm the session
    with CaptureQueriesContext(connection) as all_branches:
        assert client.get("/party/?year=2020").status_code == 200
    fewer = list(Branch.objects.exclude(region=world.kong).values_list("pk", flat=True)[:60])
    Meeting.attendees.through.objects.filter(meeting__branch__in=fewer).delete()
    Meeting.objects.filter(branch__in=fewer).delete()
    PartyMember.objects.filter(branch__in=fewer).delete()
    Branch.objects.filter(pk__in=fewer).delete()
    with CaptureQueriesContext(connection) as some:
        page = client.get("/party/?year=2020")
    assert page.content.decode().count('href="/party/branches/') == 31
    assert len(all_branches) == len(some)


def test_a_village_cadre_sees_only_his_branch(as_persona, world):
    page = as_persona("village").get("/party/").content.decode()
    assert "孔家坊村" in page and "阎桥村" not in page


def test_phones_are_masked_unless_one_keeps_the_branch(as_persona, world):
    member = PartyMember.objects.filter(branch__region=world.kong).exclude(phone="").first()
    url = f"/party/branches/{member.branch_id}/"
    assert member.phone in as_persona("village").get(url).content.decode()
    shown = as_persona("viewer").get(url).content.decode()
    assert member.phone not in shown and member.masked_phone in shown


def test_the_meeting_form_refuses_a_future_date_with_its_sentence(as_persona, world):
    client = as_persona("village")
    branch = _kong(world)
    response = client.post(
        f"/party/branches/{branch.pk}/meetings/new/", {"kind": "lecture", "day": "2020-12-01", "topic": "未来的党课"}
    )
    assert response.status_code == 400
    assert "晚于今天" in response.content.decode()
    assert not Meeting.objects.filter(topic="未来的党课").exists()


def test_the_talk_log_names_the_villages_still_missing(as_persona, world):
    IntegrityTalk.objects.filter(region=world.yan).delete()
    page = as_persona("leader").get("/party/talks/?year=2020").content.decode()
    assert "已谈话 90 个村（社区），共 91 个" in page
    assert "阎桥村" in page.split("尚未谈话")[1][:200]


def test_the_api_lists_branches_with_their_lights_in_scope(as_persona, world):
    rows = as_persona("leader").get("/api/v1/party/branches?year=2020&limit=100").json()
    assert len(rows) == 91 and {r["light"] for r in rows} == {"red", "yellow", "green"}
    mine = as_persona("village").get("/api/v1/party/branches?year=2020").json()
    assert [r["village"] for r in mine] == ["孔家坊村"]
    assert "phone" not in str(mine)
    yan = Branch.objects.get(region=world.yan)
    assert as_persona("village").get(f"/api/v1/party/branches/{yan.pk}/meetings").status_code == 404
