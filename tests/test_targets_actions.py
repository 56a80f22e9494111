"""Bad input and supervision for targets: every refusal is a Chinese sentence and writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.evidence_files import pdf
from tests.targets_factory import TODAY, build
from zhili.core.models import AuditEntry
from zhili.people.models import Person
from zhili.people.scope import scope_for
from zhili.targets import actions
from zhili.targets.models import Entry, Indicator, Share, TaskStatus


@pytest.fixture
def tree(world, settings):
    settings.ZHILI_TODAY = TODAY
    return build(world)


def who(username):
    p = Person.objects.get(username=username)
    return p, scope_for(p)


def unchanged(fn, match):
    before = (AuditEntry.objects.count(), Entry.objects.count(), Share.objects.count())
    with pytest.raises(ValidationError, match=match):
        fn()
    assert (AuditEntry.objects.count(), Entry.objects.count(), Share.objects.count()) == before


def test_a_decomposition_that_does_not_add_up_needs_a_reason(tree, world):
    leader, scope = who("demo-leader")
    unchanged(
        lambda: actions.do_set_shares(
            tree.households, {world.kong: Decimal(10), world.yan: Decimal(15)}, actor=leader, scope=scope
        ),
        "分解合计 25 与目标值 30 不一致",
    )
    actions.do_set_shares(
        tree.households,
        {world.kong: Decimal(10), world.yan: Decimal(15)},
        actor=leader,
        scope=scope,
        reason="阎桥 5 户并入明年计划",
    )
    tree.households.refresh_from_db()
    assert tree.households.decomposition_note == "阎桥 5 户并入明年计划"
    entry = AuditEntry.objects.filter(action="indicator.decompose").latest("id")
    assert entry.reason == "阎桥 5 户并入明年计划" and entry.changes["阎桥村"] == ["20.0000", "15"]


def test_negative_values_are_refused_where_the_indicator_forbids_them(tree, world):
    village, scope = who("demo-village")
    unchanged(
        lambda: actions.do_report_progress(
            tree.households, region=world.kong, day=TODAY, value=Decimal(-1), actor=village, scope=scope
        ),
        "不允许负数",
    )


def test_a_report_for_a_village_outside_scope_is_refused(tree, world):
    village, scope = who("demo-village")
    unchanged(
        lambda: actions.do_report_progress(
            tree.households, region=world.yan, day=TODAY, value=Decimal(1), actor=village, scope=scope
        ),
        "您无权为“阎桥村”填报",
    )


def test_a_closed_period_needs_a_leader_to_reopen_it(tree, world):
    village, vscope = who("demo-village")
    leader, lscope = who("demo-leader")
    september = datetime.date(2021, 9, 15)
    unchanged(
        lambda: actions.do_report_progress(
            tree.households, region=world.kong, day=september, value=Decimal(7), actor=village, scope=vscope
        ),
        "填报期已截止",
    )
    with pytest.raises(ValidationError, match="只有街道领导"):
        actions.do_reopen_period(
            region=world.sub,
            period_end=datetime.date(2021, 9, 30),
            until=TODAY,
            reason="补报",
            actor=village,
            scope=vscope,
        )
    actions.do_reopen_period(
        region=world.sub,
        period_end=datetime.date(2021, 9, 30),
        until=TODAY,
        reason="村里补报九月数据",
        actor=leader,
        scope=lscope,
    )
    entry = actions.do_report_progress(
        tree.households, region=world.kong, day=september, value=Decimal(7), actor=village, scope=vscope
    )
    assert entry.period_end == datetime.date(2021, 9, 30)
    assert AuditEntry.objects.filter(action="period.reopen", reason="村里补报九月数据").exists()


def test_one_report_per_period_then_corrections(tree, world):
    village, scope = who("demo-village")
    actions.do_report_progress(
        tree.households, region=world.kong, day=TODAY, value=Decimal(9), actor=village, scope=scope
    )
    unchanged(
        lambda: actions.do_report_progress(
            tree.households, region=world.kong, day=TODAY, value=Decimal(10), actor=village, scope=scope
        ),
        "已填报过",
    )


def test_a_weight_table_must_sum_to_100(tree, world):
    leader, scope = who("demo-leader")
    with pytest.raises(ValidationError, match="各项权重之和应为 100%，现为 90%"):
        actions.do_set_ranking(
            region=world.sub,
            year=2021,
            subject="villages",
            name="测试",
            weights={tree.households: Decimal(90)},
            actor=leader,
            scope=scope,
        )
    scheme = actions.do_set_ranking(
        region=world.sub,
        year=2021,
        subject="villages",
        name="测试",
        weights={tree.households: Decimal(100)},
        actor=leader,
        scope=scope,
    )
    assert scheme.weights.get().weight == 100


def test_closure_needs_evidence_a_report_and_another_leaders_confirmation(tree, world):
    urban, uscope = who("demo-urban")  # 城管办 leads the task
    leader, lscope = who("demo-leader")
    other = Person.objects.get(username="sub-leader-1")
    task = tree.task
    with pytest.raises(ValidationError, match="牵头单位报告办结后"):
        actions.do_confirm_closure(task, actor=leader, scope=lscope)
    with pytest.raises(ValidationError, match="佐证材料"):
        actions.do_report_completion(task, note="已完成", actor=urban, scope=uscope)
    evidence = SimpleUploadedFile("验收单.pdf", pdf(), content_type="application/pdf")
    actions.do_report_completion(task, note="全部完成，验收单附后", files=[evidence], actor=urban, scope=uscope)
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED and task.evidence.count() == 1
    with pytest.raises(ValidationError, match="只有街道领导"):
        actions.do_confirm_closure(task, actor=urban, scope=uscope)
    actions.do_confirm_closure(task, actor=other, scope=scope_for(other))
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED and task.closed_by == other
    with pytest.raises(ValidationError, match="必须填写原因"):
        actions.do_reopen_task(task, reason="", actor=leader, scope=lscope)
    actions.do_reopen_task(task, reason="复核发现两户未改造", actor=leader, scope=lscope)
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    steps = list(
        AuditEntry.objects.filter(object_type="targets.task", object_id=str(task.pk))
        .values_list("action", flat=True)
        .order_by("id")
    )
    assert steps == ["task.report_completion", "task.close", "task.reopen"]


def test_reminders_reach_the_home_page(tree, world, as_persona):
    leader, scope = who("demo-leader")
    actions.do_send_reminder(tree.task, message="本周内补齐台账", actor=leader, scope=scope)
    page = as_persona("urban").get("/").content.decode()
    assert "本周内补齐台账" in page
    assert "催办" in page


def test_computed_indicators_cannot_be_reported_by_hand(tree, world):
    leader, scope = who("demo-leader")
    unchanged(
        lambda: actions.do_report_progress(
            tree.talks, region=world.sub, day=TODAY, value=Decimal(1), actor=leader, scope=scope
        ),
        "不需要也不能手工填报",
    )


def test_an_unknown_source_is_refused(tree, world):
    leader, scope = who("demo-leader")
    with pytest.raises(ValidationError, match="未知的计算来源"):
        actions.do_create_indicator(
            task=tree.task,
            code="x",
            name="x",
            unit="个",
            target=Decimal(1),
            actor=leader,
            scope=scope,
            source="computed",
            source_key="nope",
        )
    assert not Indicator.objects.filter(code="x").exists()


def test_a_running_total_lower_than_the_last_is_refused_unless_the_note_says_why(tree, world):
    village, scope = who("demo-village")
    start = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    end = TODAY.replace(day=1) - datetime.timedelta(days=1)
    Entry.objects.create(
        indicator=tree.households, region=world.kong, period_start=start, period_end=end, value=Decimal(8)
    )
    unchanged(
        lambda: actions.do_report_progress(
            tree.households, region=world.kong, day=TODAY, value=Decimal(2), actor=village, scope=scope
        ),
        "按累计值填报：.*累计 8，本期填的 2 比它少。若本期新增 2，请填累计数 10",
    )
    entry = actions.do_report_progress(
        tree.households,
        region=world.kong,
        day=TODAY,
        value=Decimal(2),
        note="6 户搬迁注销，核减",
        actor=village,
        scope=scope,
    )
    assert entry.value == 2
