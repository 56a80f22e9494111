"""The figures: targets, actuals from the three sources, decomposition, corrections, query counts."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.targets_factory import TODAY, YEAR, build
from zhili.people.models import Person
from zhili.people.scope import scope_for
from zhili.regions.models import Region
from zhili.targets import engine, lights
from zhili.targets.actions import do_correct_entry, do_reopen_period


@pytest.fixture
def tree(world, settings):
    settings.ZHILI_TODAY = TODAY
    return build(world)


def villages(world):
    return list(Region.objects.filter(parent=world.sub, level=4).current(TODAY))


def test_actuals_from_reports_records_and_children(tree, world):
    c = engine.compute(world.sub, YEAR, TODAY, villages(world))
    # cumulative: latest running total per village (孔家坊 6, 阎桥 20)
    assert c.village[(tree.households.pk, world.kong.pk)].actual == 6
    assert c.village[(tree.households.pk, world.yan.pk)].actual == 20
    assert c.whole[tree.households.pk].actual == 26
    assert c.whole[tree.households.pk].completion == Decimal("86.7")
    # per period: the sum of the months
    assert c.whole[tree.tax.pk].actual == 12
    # computed from records: villages with at least one integrity talk
    assert c.whole[tree.talks.pk].actual == 2
    assert c.by_village[(tree.talks.pk, world.kong.pk)] == 1  # two talks, one village
    # weighted parent: the child without data is missing, not zero
    parent = c.whole[tree.index.pk]
    assert parent.missing == ["无数据的指标"]
    assert parent.completion == c.whole[tree.households.pk].completion


def test_a_correction_is_a_new_entry_and_the_old_one_stays(tree, world):
    leader = Person.objects.get(username="demo-leader")
    scope = scope_for(leader)
    with pytest.raises(ValidationError, match="填报期已截止"):
        do_correct_entry(tree.kong_feb, value=Decimal(8), reason="漏报两户", actor=leader, scope=scope)
    do_reopen_period(
        region=world.sub,
        period_end=tree.kong_feb.period_end,
        until=TODAY,
        reason="核查发现漏报",
        actor=leader,
        scope=scope,
    )
    new = do_correct_entry(tree.kong_feb, value=Decimal(8), reason="漏报两户", actor=leader, scope=scope_for(leader))
    tree.kong_feb.refresh_from_db()
    assert tree.kong_feb.is_current is False and tree.kong_feb.value == 6
    assert new.corrects == tree.kong_feb and new.reason == "漏报两户"
    c = engine.compute(world.sub, YEAR, TODAY, villages(world))
    assert c.whole[tree.households.pk].actual == 28


def test_village_view_shows_only_its_shares(tree, world):
    b = engine.build_board(world.sub, YEAR, TODAY, village=world.kong)
    names = [r.indicator.name for g in b.goals for sub in [g, *g.children] for t in sub.tasks for r in t.indicators]
    # the tax indicator is not decomposed to villages: a village does not see it
    assert "税收" not in names
    assert "综合指数" in names


def test_the_board_has_a_constant_number_of_queries(tree, world):
    def count(vs):
        with CaptureQueriesContext(connection) as ctx:
            engine.compute(world.sub, YEAR, TODAY, vs)
        return len(ctx.captured_queries)

    count(villages(world))  # the first reading counts the kept figures (targets/kept.py)
    few = count(villages(world)[:2])
    many = count(villages(world))
    assert few == many
    with CaptureQueriesContext(connection) as ctx:
        b = engine.build_board(world.sub, YEAR, TODAY)
    assert len(ctx.captured_queries) <= 13
    assert b.counts[lights.NONE] >= 1  # the indicator without data


def test_a_villages_composite_index_counts_the_components_that_apply_to_it(tree, world):
    """The index (weights 3 and 1) gains a component decomposed to 阎桥 only, as 人居环境整治综合指数's 驻地
    专项整治 is to the two seats: 孔家坊's index is its households' completion alone (the seats' component does
    not apply to it, and is named so); 阎桥's weighs its two components, renormalised over their weights."""
    from tests.targets_factory import entry
    from zhili.targets.models import Decomposition, Indicator, Share

    seats = Indicator.objects.create(
        task=tree.task,
        code="e",
        name="驻地专项整治",
        unit="处",
        target=Decimal(10),
        parent=tree.index,
        weight=Decimal(1),
        decomposition=Decomposition.VILLAGES,
    )
    Share.objects.create(indicator=seats, region=world.yan, target=Decimal(10))
    entry(seats, world.yan, 3, 5)
    c = engine.compute(world.sub, YEAR, TODAY, villages(world))
    kong = c.village[(tree.index.pk, world.kong.pk)]
    assert kong.completion == Decimal("60.0")  # 6 of 10 households, the only component that applies
    assert kong.not_applicable == ["无数据的指标", "驻地专项整治"] and kong.missing == []
    assert kong.target == 100 and kong.light.state is not None
    yan = c.village[(tree.index.pk, world.yan.pk)]
    assert yan.completion == Decimal("87.5")  # (3 × 100 % + 1 × 50 %) ÷ (3 + 1)
    assert yan.not_applicable == ["无数据的指标"]
    # the subdistrict's own index is unchanged: every component applies to it, the one without data is missing
    assert c.whole[tree.index.pk].missing == ["无数据的指标"]


def test_a_village_sees_its_composite_index_and_what_it_is_made_of(tree, world, as_persona):
    page = as_persona("village").get(f"/targets/indicators/{tree.index.pk}/").content.decode()
    assert 'id="not-applicable"' in page and "无数据的指标" in page
    assert "60.0%" in page
