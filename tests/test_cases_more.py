"""Cases feeding targets (the indicator source), patrols and their weekly coverage, the home page's to-dos, the
configurable light thresholds."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import cases_factory as cf
from tests.targets_factory import TODAY, YEAR
from zhili.cases import actions, queries
from zhili.cases.models import CaseRule
from zhili.people.models import Person
from zhili.people.scope import scope_for
from zhili.targets import engine
from zhili.targets.models import Decomposition, Goal, Indicator, Share, SourceKind, Task

pytestmark = pytest.mark.django_db


def _at(month: int, day: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(YEAR, month, day, 9, 0))


@pytest.fixture
def bound(world, settings):
    settings.ZHILI_TODAY = TODAY
    goal = Goal.objects.create(region=world.sub, year=YEAR, level_name="攻坚战", code="9", title="人居环境")
    task = Task.objects.create(
        goal=goal,
        code="9.1",
        title="网格事件办结",
        start=datetime.date(YEAR, 1, 1),
        deadline=datetime.date(YEAR, 12, 31),
    )
    closed = Indicator.objects.create(
        task=task,
        code="c",
        name="环境问题结案数",
        unit="件",
        target=Decimal(2),
        source=SourceKind.COMPUTED,
        source_key="cases",
        source_params={"measure": "closed", "category": "sj-appearance"},
        decomposition=Decomposition.VILLAGES,
    )
    rate = Indicator.objects.create(
        task=task,
        code="r",
        name="按期结案率",
        unit="%",
        target=Decimal(90),
        source=SourceKind.COMPUTED,
        source_key="cases",
        source_params={"measure": "on_time_closing_rate"},
        decomposition=Decomposition.VILLAGES,
    )
    for ind in (closed, rate):
        Share.objects.create(indicator=ind, region=world.kong, target=ind.target)
    return closed, rate


def test_a_target_bound_to_cases_follows_them_and_drills_down_to_them(bound, world, as_persona):
    closed, rate = bound
    a = cf.drive(cf.report(world.sub, world.kong_grid, at=_at(3)), "close", at=_at(3))
    b = cf.drive(cf.report(world.sub, world.kong_grid, at=_at(4)), "verify", at=_at(4))
    cf.drive(cf.report(world.sub, world.kong_grid, code="street-vending", at=_at(5)), "close", at=_at(5))
    c = engine.compute(world.sub, YEAR, TODAY, [world.kong], whole=True)
    assert c.village[(closed.pk, world.kong.pk)].actual == 1  # street-vending is not 市容环境
    assert c.village[(rate.pk, world.kong.pk)].actual == Decimal("66.7")  # 2 of 3 due closed on time
    cf.act(b, "close", "demo-urban", at=_at(4, 20))
    c = engine.compute(world.sub, YEAR, TODAY, [world.kong], whole=True)
    assert c.village[(closed.pk, world.kong.pk)].actual == 2
    page = as_persona("leader").get(f"/targets/indicators/{closed.pk}/villages/{world.kong.code}/").content.decode()
    assert a.number in page and b.number in page


def test_a_patrol_with_check_ins_counts_in_the_weekly_coverage(world):
    inspector = Person.objects.get(username="demo-grid")
    scope = scope_for(inspector)
    start = timezone.make_aware(datetime.datetime(2021, 3, 2, 8, 30))  # a Tuesday
    patrol = actions.do_start_patrol(world.kong_grid, actor=inspector, scope=scope, at=start)
    with pytest.raises(Exception, match="尚未结束"):
        actions.do_start_patrol(world.kong_grid, actor=inspector, scope=scope, at=start)
    lng, lat = cf.point_in(world.kong_grid)
    actions.do_checkin(patrol, lng, lat, actor=inspector, at=start + datetime.timedelta(minutes=20))
    case = actions.do_report_case(
        subdistrict=world.sub,
        category=cf.category(world.sub, "garbage"),
        description="巡查发现",
        actor=inspector,
        scope=scope,
        source="patrol",
        lng=lng,
        lat=lat,
        patrol=patrol,
        at=start + datetime.timedelta(minutes=30),
    )
    patrol = actions.do_end_patrol(patrol, actor=inspector, note="无其他问题", at=start + datetime.timedelta(hours=1))
    assert len(patrol.track) == 1 and case.patrol == patrol
    with pytest.raises(Exception, match="只有本网格的网格员"):
        actions.do_start_patrol(world.yan_grid, actor=inspector, scope=scope)
    leader = scope_for(Person.objects.get(username="demo-leader"))
    rows = {r["grid"]: r for r in queries.patrol_coverage(leader, world.sub, datetime.date(2021, 3, 1))}
    assert rows[world.kong_grid.name] == {"grid": world.kong_grid.name, "village": "孔家坊村", "patrols": 1, "days": 1}
    assert rows[world.kong_grid2.name]["patrols"] == 0


def test_each_persona_finds_their_next_step_on_the_home_page(world, as_persona):
    case = cf.report(world.sub, world.kong_grid)
    assert "待受理" in as_persona("urban").get("/").content.decode()
    cf.drive(case, "dispatch")
    home = as_persona("village").get("/").content.decode()
    assert "待处置" in home and case.number in home
    assert case.number not in as_persona("outsider").get("/").content.decode()


def test_light_thresholds_are_configuration(world):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=_at(3)), "dispatch", at=_at(3))
    rule = actions.rule_for(world.sub)
    span = case.deadline - case.step_started_at
    at_85 = case.step_started_at + span * 0.85
    assert queries.light(case, rule, at_85).color == "yellow"
    assert queries.light(case, rule, case.step_started_at + span * 0.5).color == "green"
    assert queries.light(case, rule, case.deadline + datetime.timedelta(hours=1)).color == "red"
    CaseRule.objects.filter(subdistrict=world.sub).update(yellow_pct=90)
    assert queries.light(case, actions.rule_for(world.sub), at_85).color == "green"


def test_the_home_page_runs_a_fixed_number_of_queries_for_cases(world, as_persona):
    client = as_persona("leader")
    client.get("/")
    for _ in range(3):
        cf.drive(cf.report(world.sub, world.kong_grid), "dispatch")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(6):
        case = cf.drive(cf.report(world.sub, world.kong_grid), "dispatch")
        cf.act(case, "request_extension", "demo-village", days=2, note="协调")
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    cases_queries = [q for q in many.captured_queries if "cases_" in q["sql"]]
    assert len(many.captured_queries) - len(few.captured_queries) <= 2, cases_queries


def test_a_rate_bound_to_cases_is_the_subdistricts_own_rate_not_a_sum(bound, world):
    _, rate = bound
    cf.drive(cf.report(world.sub, world.kong_grid, at=_at(3)), "close", at=_at(3))
    cf.drive(
        cf.report(world.sub, world.yan_grid, by="demo-leader", at=_at(3)),
        "close",
        at=_at(3),
        village=world.yan,
        handler=world.outsider.username,
        verifier="demo-leader",
    )
    late = cf.drive(
        cf.report(world.sub, world.yan_grid, by="demo-leader", at=_at(4)),
        "verify",
        at=_at(4),
        village=world.yan,
        handler=world.outsider.username,
        verifier="demo-leader",
    )
    cf.act(late, "close", "demo-urban", at=_at(6))  # closed after its deadline
    c = engine.compute(world.sub, YEAR, TODAY, [world.kong, world.yan], whole=True)
    assert c.village[(rate.pk, world.kong.pk)].actual == Decimal("100.0")
    assert c.whole[rate.pk].actual == Decimal("66.7")  # 2 of 3 on time, not 100 + 50
