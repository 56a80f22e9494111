"""The cockpit (the home page of those who lead or follow a subdistrict, an office or a village), the push down to
the villages (their red, overdue and unreported shares as to-dos; 催办 to a village, read and answered) and the
ranking published to the villages — as the demo's personas see them on 2020-11-20."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import person
from zhili.core import clock
from zhili.core.errors import Refused
from zhili.core.models import AuditEntry
from zhili.people.scope import scope_for
from zhili.targets import actions, cockpit, engine, kept, lights
from zhili.targets.models import RankingScheme, Reminder


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _as(username: str):
    who = person(username)
    return who, scope_for(who)


# ---- 催办 to villages -----------------------------------------------------------------------------


def test_a_leader_reminds_a_village_and_its_cadre_reads_and_answers(world):
    leader, leader_scope = _as("demo-leader")
    before = AuditEntry.objects.count()
    (made,) = actions.do_remind_villages(
        world.ind_village, [world.kong], message="请报送推进计划", actor=leader, scope=leader_scope
    )
    assert (made.region, made.indicator, made.sender, made.to) == (world.kong, world.ind_village, leader, None)
    entry = AuditEntry.objects.get(pk__gt=0, action="indicator.remind_village", object_id=str(made.pk))
    assert entry.region_path == world.kong.path and entry.reason == "请报送推进计划"
    assert AuditEntry.objects.count() == before + 1

    cadre, cadre_scope = _as("demo-village")
    read = actions.do_read_village_reminder(made, actor=cadre, scope=cadre_scope)
    assert read.read_by == cadre and read.read_at is not None and read.answered_at is None
    answered = actions.do_answer_village_reminder(made, answer="11 月底前完成", actor=cadre, scope=cadre_scope)
    assert (answered.answer, answered.answered_by) == ("11 月底前完成", cadre)
    assert list(AuditEntry.objects.filter(pk__gt=entry.pk).values_list("action", flat=True).order_by("id")) == [
        "indicator.remind_read",
        "indicator.remind_answer",
    ]
    with pytest.raises(ValidationError, match="已经回复过"):
        actions.do_answer_village_reminder(made, answer="再说一次", actor=cadre, scope=cadre_scope)

    sent = cockpit.sent_reminders(leader_scope, leader.pk, 2020)
    assert (sent.total, sent.read, sent.answered) == (1, 1, 1) and sent.latest_answers == [made]


@pytest.mark.parametrize("persona", ["demo-viewer", "demo-economy", "demo-village"])
def test_only_leaders_and_the_lead_office_remind_villages(world, persona):
    who, scope = _as(persona)
    before = AuditEntry.objects.count()
    with pytest.raises(Refused):
        actions.do_remind_villages(world.ind_village, [world.kong], message="请加快", actor=who, scope=scope)
    assert AuditEntry.objects.count() == before and not Reminder.objects.filter(region__isnull=False).exists()


def test_a_reminder_names_only_villages_with_a_share_and_says_something(world):
    leader, scope = _as("demo-leader")
    with pytest.raises(ValidationError, match="请填写催办内容"):
        actions.do_remind_villages(world.ind_village, [world.kong], message="  ", actor=leader, scope=scope)
    with pytest.raises(ValidationError, match=r"没有.*的分解任务"):
        actions.do_remind_villages(world.ind_sub, [world.kong], message="请加快", actor=leader, scope=scope)
    assert not Reminder.objects.filter(region__isnull=False).exists()


def test_another_village_neither_reads_nor_answers_and_the_page_hides_it(world, as_persona):
    leader, scope = _as("demo-leader")
    (made,) = actions.do_remind_villages(world.ind_village, [world.kong], message="请加快", actor=leader, scope=scope)
    outsider_scope = scope_for(world.outsider)
    with pytest.raises(Refused):
        actions.do_answer_village_reminder(made, answer="不是我们", actor=world.outsider, scope=outsider_scope)
    with pytest.raises(Refused):  # the leader sent it; he does not answer it for the village
        actions.do_read_village_reminder(made, actor=leader, scope=scope)
    assert as_persona("outsider").post(f"/targets/reminders/{made.pk}/answer/", {"answer": "x"}).status_code == 404
    assert "请加快" not in text(as_persona("outsider").get("/targets/reminders/"))
    made.refresh_from_db()
    assert made.read_at is None and made.answer == ""


def test_every_red_village_of_an_indicator_at_once_from_its_breakdown(world, as_persona):
    today = clock.today()
    sub = world.sub
    ind = world.ind_village
    villages = list(sub.children.filter(target_shares__indicator=ind))
    computed = engine.compute(sub, 2020, today, villages, whole=False, indicators=[ind])
    red = {
        v.pk
        for v in villages
        if (c := computed.village.get((ind.pk, v.pk))) and c.light.state in (lights.RED, lights.OVERDUE)
    }
    assert red, "the demo has red villages for this indicator"
    page = text(as_persona("leader").get(f"/targets/indicators/{ind.pk}/"))
    assert f"催办全部红灯、逾期的村（{len(red)} 个）" in page
    response = as_persona("leader").post(f"/targets/indicators/{ind.pk}/remind/", {"message": "请加快", "red": "1"})
    assert response.status_code == 302
    assert set(Reminder.objects.filter(indicator=ind).values_list("region_id", flat=True)) == red
    assert AuditEntry.objects.filter(action="indicator.remind_village").count() == len(red)


def test_a_remind_form_without_villages_says_so(world, as_persona):
    response = as_persona("leader").post(f"/targets/indicators/{world.ind_village.pk}/remind/", {"message": "请加快"})
    assert response.status_code == 400 and "请选择要催办的村（社区）" in text(response)


# ---- the village's to-dos ------------------------------------------------------------------------------


def test_the_village_cadre_home_lists_their_red_overdue_and_unreported_shares_with_the_lights_sentence(
    world, as_persona
):
    today = clock.today()
    board = engine.build_board(world.sub, 2020, today, village=world.kong)
    lagging = [g for g in cockpit.light_summary(board).lagging if g.cell.light.state in (lights.RED, lights.OVERDUE)]
    assert lagging, "孔家坊 has red shares in the demo"
    home = text(as_persona("village").get("/"))
    for g in lagging:
        assert f'href="/targets/indicators/{g.indicator.pk}/">{g.indicator.name}</a>' in home
        assert g.cell.light.explain() in home
    for _ind, period in cockpit.unreported(board):
        assert f"{period}的进度尚未填报。" in home
    assert "本村排名" in home and "孔家坊村在 91 个村（社区）中排第" in home


def test_a_reminder_to_the_village_is_on_its_cadres_home_until_answered(world, as_persona):
    leader, scope = _as("demo-leader")
    (made,) = actions.do_remind_villages(
        world.ind_village, [world.kong], message="请务必本周完成", actor=leader, scope=scope
    )
    village = as_persona("village")
    assert "请务必本周完成" in text(village.get("/"))
    assert "请务必本周完成" not in text(as_persona("outsider").get("/"))
    assert village.post(f"/targets/reminders/{made.pk}/answer/", {"answer": "周五前完成"}).status_code == 302
    assert "请务必本周完成" not in text(village.get("/"))
    leader_home = text(as_persona("leader").get("/"))
    assert "催办回复" in leader_home and "周五前完成" in leader_home


# ---- the cockpit ----------------------------------------------------------------------------------------


def test_the_leaders_cockpit(world, as_persona):
    home = text(as_persona("leader").get("/"))
    board = engine.build_board(world.sub, 2020, clock.today())
    summary = cockpit.light_summary(board)
    assert "“1234”工作体系" in home
    for state, n in summary.counts.items():
        assert f'<li class="light-{state}"><b>{n}</b>' in home
    for g in summary.lagging[: cockpit.SHOWN]:
        assert g.indicator.name in home
    assert f"还有 {len(summary.lagging) - cockpit.SHOWN} 项，查看全部" in home
    assert "完成率与序时进度（逐月）" in home and "<svg" in home and "<polyline" in home
    assert "排名靠后的村（社区）" in home and "查看全部 91 个村（社区）的排名" in home
    assert "本周网格事件" in home and "每周事件（近 12 周）" in home


def test_an_office_sees_its_own_indicators(world, as_persona):
    home = text(as_persona("economy").get("/"))
    assert "本科室牵头的指标" in home and "派给本科室的网格事件" in home
    board = engine.build_board(world.sub, 2020, clock.today())
    economy = frozenset(scope_for(person("demo-economy")).units)
    mine = cockpit.light_summary(board, units=economy)
    assert 0 < mine.total < cockpit.light_summary(board).total


def test_no_list_on_the_home_page_is_cut_silently(world, as_persona):
    """Every to-do kind shows its count; a kind with more than five shows five and links to the rest."""
    home = as_persona("leader").get("/")
    html = text(home)
    groups = home.context["groups"]
    assert sum(g.total for g in groups) > 30  # the old home cut the leader's list at 30, silently
    for g in groups:
        assert f"{g.total} 项" in html
        if g.hidden:
            assert f"还有 {g.hidden} 项，查看全部" in html and g.more_url in html


def test_the_cockpit_costs_the_same_queries_for_more_data(world, as_persona):
    """More cases, reminders and reports do not add queries (the trend measured cold each time)."""
    from zhili.cases.models import Case, new_tracking_code

    def measure() -> int:
        cache.clear()
        client = as_persona("leader")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    measure()  # the first request counts the kept figures (targets/kept.py)
    few = measure()
    leader, scope = _as("demo-leader")
    villages = list(world.sub.children.filter(target_shares__indicator=world.ind_village)[:20])
    made = actions.do_remind_villages(world.ind_village, villages, message="请加快", actor=leader, scope=scope)
    for r in made[:10]:
        Reminder.objects.filter(pk=r.pk).update(answer="好的", answered_at=r.created_at)
    open_cases = list(Case.objects.filter(subdistrict=world.sub, state="dispatched")[:40])
    for i, c in enumerate(open_cases):
        c.pk, c.number, c.tracking_code = None, f"Q{i:05d}", new_tracking_code()
    Case.objects.bulk_create(open_cases)
    kept.touch([world.sub.path])  # bulk_create sends no signal: mark as an action's audit entry would
    measure()  # that recount
    assert measure() == few


# ---- the ranking, published to the villages --------------------------------------------------------------


def test_villages_see_the_published_ranking_with_only_their_own_breakdown(world, as_persona):
    response = as_persona("village").get("/targets/ranking/")
    assert response.status_code == 200
    page = text(response)
    assert "阎桥村" in page and "孔家坊村" in page and 'class="mine"' in page
    assert page.count('<ul class="terms">') == 1  # their own village's breakdown, nobody else's
    assert as_persona("village").get("/targets/ranking/?subject=units").status_code == 404

    leader, scope = _as("demo-leader")
    scheme = RankingScheme.objects.get(region=world.sub, year=2020, subject="villages")
    actions.do_publish_ranking(scheme, published=False, actor=leader, scope=scope)
    assert AuditEntry.objects.filter(action="ranking.publish").count() == 1
    assert as_persona("village").get("/targets/ranking/").status_code == 404
    assert "本村排名" not in text(as_persona("village").get("/"))
    with pytest.raises(Refused):
        actions.do_publish_ranking(
            scheme, published=True, actor=person("demo-viewer"), scope=scope_for(person("demo-viewer"))
        )


def test_the_leader_publishes_from_the_ranking_page(world, as_persona):
    leader = as_persona("leader")
    assert "停止向各村公开" in text(leader.get("/targets/ranking/"))
    assert leader.post("/targets/ranking/publish/?year=2020", {"published": "0"}).status_code == 302
    assert not RankingScheme.objects.get(region=world.sub, year=2020, subject="villages").published_to_villages
    assert "向各村（社区）公开" in text(leader.get("/targets/ranking/"))


def test_a_reminder_posted_twice_presses_the_village_once(world):
    leader, leader_scope = _as("demo-leader")
    first = actions.do_remind_villages(
        world.ind_village, [world.kong], message="请报送", actor=leader, scope=leader_scope
    )
    again = actions.do_remind_villages(
        world.ind_village, [world.kong], message="请报送", actor=leader, scope=leader_scope
    )
    assert again == first
    assert Reminder.objects.filter(indicator=world.ind_village, region=world.kong).count() == 1
    assert AuditEntry.objects.filter(action="indicator.remind_village").count() == 1
    other_words = actions.do_remind_villages(
        world.ind_village, [world.kong], message="再催一次", actor=leader, scope=leader_scope
    )
    assert other_words != first
    assert Reminder.objects.filter(indicator=world.ind_village, region=world.kong).count() == 2
