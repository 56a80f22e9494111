"""Building a year's targets: goals, tasks and indicators by hand (edit, reorder, archive, rights, stale forms),
from a 目标责任书 in an office's layout (tests/targets_book.py), and from the year before (rollover)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests.conftest import person
from tests.targets_book import demo_rows, write_book
from zhili.core.errors import Conflict, Refused
from zhili.core.models import AuditEntry
from zhili.imports import actions as import_actions
from zhili.imports.models import ImportStatus
from zhili.people.scope import scope_for
from zhili.targets import actions
from zhili.targets.importer import KEY, TargetYear, split_path
from zhili.targets.models import Goal, Indicator, LightRule, RankingScheme, Share, TargetState, Task

pytestmark = pytest.mark.django_db


def _leader():
    p = person("demo-leader")
    return p, scope_for(p)


def _goal(sub, title="乡村振兴", year=2021, parent=None):
    p, s = _leader()
    return actions.do_create_goal(
        region=sub, year=year, code="", title=title, level_name="", parent=parent, actor=p, scope=s
    )


def _task(goal, title="人居环境整治"):
    p, s = _leader()
    return actions.do_create_task(
        goal=goal,
        code="",
        title=title,
        start=datetime.date(goal.year, 1, 1),
        deadline=datetime.date(goal.year, 12, 31),
        actor=p,
        scope=s,
    )


# ---- by hand ------------------------------------------------------------------------------------------------


def test_edit_reorder_and_archive_are_audited(world):
    p, s = _leader()
    a, b = _goal(world.sub, "甲"), _goal(world.sub, "乙")
    actions.do_update_goal(a, revision=a.revision, code="一", title="甲目标", level_name="重点工作", actor=p, scope=s)
    a.refresh_from_db()
    assert (a.code, a.title, a.revision) == ("一", "甲目标", 2)
    assert AuditEntry.objects.filter(action="goal.update", object_id=str(a.pk)).get().changes["title"] == [
        "甲",
        "甲目标",
    ]
    actions.do_move_goal(b, up=True, actor=p, scope=s)
    assert [g.title for g in Goal.objects.filter(region=world.sub, year=2021).order_by("order")] == ["乙", "甲目标"]
    task = _task(a)
    ind = actions.do_create_indicator(task=task, code="", name="改厕", unit="户", target=Decimal(10), actor=p, scope=s)
    actions.do_update_indicator(ind, revision=ind.revision, target=Decimal(12), actor=p, scope=s)
    actions.do_archive_goal(a, reason="合并到乙", actor=p, scope=s)
    for obj in (a, task, ind):
        obj.refresh_from_db()
        assert obj.archived_reason == "合并到乙"
    assert AuditEntry.objects.filter(action__in=["goal.archive", "task.archive", "indicator.archive"]).count() == 3


def test_a_stale_form_is_refused_and_nothing_written(world):
    p, s = _leader()
    goal = _goal(world.sub)
    actions.do_update_goal(goal, revision=1, code="", title="新名称", level_name="", actor=p, scope=s)
    with pytest.raises(Conflict, match="被他人修改"):
        actions.do_update_goal(goal, revision=1, code="", title="旧表单", level_name="", actor=p, scope=s)
    goal.refresh_from_db()
    assert goal.title == "新名称"


def test_archiving_needs_a_reason_and_moving_past_the_end_is_refused(world):
    p, s = _leader()
    goal = _goal(world.sub)
    with pytest.raises(ValidationError, match="原因"):
        actions.do_archive_goal(goal, reason=" ", actor=p, scope=s)
    with pytest.raises(ValidationError, match="最后"):
        actions.do_move_goal(goal, up=False, actor=p, scope=s)


@pytest.mark.parametrize("who", ["demo-village", "demo-viewer"])
def test_village_cadres_and_viewers_may_not_author(world, who):
    goal = _goal(world.sub)
    task = _task(goal)
    p = person(who)
    s = scope_for(p)
    before = AuditEntry.objects.count()
    with pytest.raises(Refused):
        actions.do_create_goal(region=world.sub, year=2021, code="", title="x", level_name="", actor=p, scope=s)
    with pytest.raises(Refused):
        actions.do_update_goal(goal, revision=None, code="", title="x", level_name="", actor=p, scope=s)
    with pytest.raises(Refused):
        actions.do_create_indicator(task=task, code="", name="x", unit="户", target=Decimal(1), actor=p, scope=s)
    with pytest.raises(Refused):
        actions.do_archive_task(task, reason="x", actor=p, scope=s)
    with pytest.raises(Refused):
        actions.do_roll_over_year(region=world.sub, from_year=2020, to_year=2021, actor=p, scope=s)
    assert AuditEntry.objects.count() == before


def test_the_lead_office_adds_indicators_to_its_own_task(world):
    goal = _goal(world.sub)
    task = _task(goal)
    Task.objects.filter(pk=task.pk).update(lead_unit=person("demo-urban").unit)
    task.refresh_from_db()
    urban = person("demo-urban")
    ind = actions.do_create_indicator(
        task=task, code="", name="巡查次数", unit="次", target=Decimal(50), actor=urban, scope=scope_for(urban)
    )
    assert ind.pk
    economy = person("demo-economy")
    with pytest.raises(Refused):
        actions.do_update_indicator(ind, revision=None, target=Decimal(1), actor=economy, scope=scope_for(economy))


def test_the_pages_build_a_goal_a_task_and_an_indicator(world, as_persona):
    client = as_persona("leader")
    r = client.post("/targets/plan/goals/new/?year=2021", {"code": "一", "title": "中心任务", "level_name": ""})
    assert r.status_code == 302
    goal = Goal.objects.get(region=world.sub, year=2021, title="中心任务")
    urban = person("demo-urban").unit
    r = client.post(
        f"/targets/goals/{goal.pk}/tasks/new/",
        {"title": "招商引资", "start": "2021-01-01", "deadline": "2021-12-31", "lead_unit": urban.pk},
    )
    assert r.status_code == 302, r.content.decode()[:500]
    task = Task.objects.get(goal=goal)
    r = client.post(
        f"/targets/tasks/{task.pk}/indicators/new/",
        {
            "name": "引进项目",
            "unit": "个",
            "target": "12",
            "cumulative": "1",
            "period_type": "month",
            "direction": "higher",
            "source": "report",
            "decomposition": "villages",
            "weight": "1",
        },
    )
    assert r.status_code == 302, r.content.decode()[:800]
    ind = Indicator.objects.get(task=task)
    page = client.get("/targets/plan/?year=2021").content.decode()
    assert "引进项目" in page and "分解下达" in page
    stale = client.post(f"/targets/goals/{goal.pk}/edit/", {"title": "改名", "revision": "7"})
    assert stale.status_code == 409 and "被他人修改" in stale.content.decode()
    assert client.get(f"/targets/indicators/{ind.pk}/edit/").status_code == 200
    assert as_persona("village").get("/targets/plan/?year=2021").status_code == 404


def test_a_year_without_goals_says_what_to_do_next(world, as_persona):
    leader = as_persona("leader").get("/targets/?year=2022").content.decode()
    assert "导入目标责任书" in leader and "从上一年度结转" in leader and "/targets/plan/?year=2022" in leader
    viewer = as_persona("viewer").get("/targets/?year=2022").content.decode()
    assert "导入目标责任书" not in viewer and "由街道（乡镇）领导编制或导入" in viewer


# ---- the 目标责任书 ---------------------------------------------------------------------------------------------


def test_split_path_keeps_numbering_as_the_goal_number():
    assert split_path("二、重点工作 / （一）乡村振兴") == [("二", "重点工作"), ("（一）", "乡村振兴")]
    assert split_path("三、攻坚战＞（二）污染防治＞1.清洁取暖") == [
        ("三", "攻坚战"),
        ("（二）", "污染防治"),
        ("1", "清洁取暖"),
    ]
    assert split_path("党的建设") == [("", "党的建设")]


def _upload(rows, villages=("孔家坊村", "阎桥"), name="目标责任书.xlsx", split=()):
    buf = io.BytesIO()
    write_book(buf, rows, villages=list(villages), split=list(split))
    return SimpleUploadedFile(name, buf.getvalue())


def _start(world, rows, **kw):
    p, s = _leader()
    return import_actions.do_start_import(KEY, TargetYear(world.sub, 2021), _upload(rows, **kw), actor=p, scope=s)


def test_an_office_layout_imports_goals_at_every_depth_with_shares(world):
    job = _start(world, demo_rows())
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED, job.message
    assert job.summary["add"] == 4 and job.summary["errors"] == 0, job.problems
    assert not Goal.objects.filter(region=world.sub, year=2021).exists()  # nothing before confirming
    p, s = _leader()
    import_actions.do_confirm(job, only_valid=False, actor=p, scope=s)
    goals = {g.title: g for g in Goal.objects.filter(region=world.sub, year=2021)}
    assert goals["乡村振兴"].parent == goals["重点工作"] and goals["乡村振兴"].code == "（一）"
    assert goals["清洁取暖"].parent.parent == goals["攻坚战"]
    toilets = Indicator.objects.get(task__goal__year=2021, name="改厕户数")
    assert toilets.target == 1200 and toilets.deadline == datetime.date(2021, 6, 30) and toilets.cumulative
    assert toilets.task.lead_unit.code == "urban" and toilets.task.leader.username == "demo-leader"
    assert sorted(u.code for u in toilets.task.assisting_units.all()) == ["agri", "economy"]
    assert {s.region: s.target for s in toilets.shares.all()} == {world.kong: 300, world.yan: 200}
    rate = Indicator.objects.get(task__goal__year=2021, name="垃圾分类覆盖率")
    assert rate.task_id == toilets.task_id and not rate.cumulative and rate.deadline == datetime.date(2021, 12, 31)
    assert Indicator.objects.get(task__goal__year=2021, name="改造户数").target == 2000

    # importing it again changes nothing; a changed target is an update, never a second indicator
    rows = demo_rows()
    rows[2]["目标值"] = 15
    again = _start(world, rows)
    again.refresh_from_db()
    assert (again.summary["unchanged"], again.summary["update"], again.summary["add"]) == (3, 1, 0)
    import_actions.do_confirm(again, only_valid=False, actor=p, scope=s)
    assert Indicator.objects.get(task__goal__year=2021, name="引进项目").target == 15
    assert Indicator.objects.filter(task__goal__year=2021).count() == 4


def test_the_decomposition_sheet_and_a_village_that_does_not_exist(world):
    rows = [{k: v for k, v in r.items() if k not in ("孔家坊村", "阎桥")} for r in demo_rows()]
    split = [("改厕户数", "孔家坊", 300), ("改厕户数", "阎桥村", 200), ("改造户数", "王母娘娘村", 50)]
    job = _start(world, rows, villages=(), split=split)
    job.refresh_from_db()
    assert job.summary["errors"] == 1 and job.summary["add"] == 3, job.problems
    (problem,) = [p for p in job.problems if p["level"] == "error"]
    assert problem["column"] == "分解" and "“分解”表第 5 行" in problem["reason"] and "王母娘娘村" in problem["reason"]
    p, s = _leader()
    import_actions.do_confirm(job, only_valid=True, actor=p, scope=s)
    toilets = Indicator.objects.get(task__goal__year=2021, name="改厕户数")
    assert toilets.decomposition == "villages"
    assert {s.region: s.target for s in toilets.shares.all()} == {world.kong: 300, world.yan: 200}
    assert not Indicator.objects.filter(task__goal__year=2021, name="改造户数").exists()


def test_a_decomposition_row_for_an_indicator_the_book_does_not_have_is_said_not_dropped(world):
    rows = [{k: v for k, v in r.items() if k not in ("孔家坊村", "阎桥")} for r in demo_rows()]
    split = [("改厕户数", "孔家坊", 300), ("改厕数", "阎桥村", 200)]  # a misspelt indicator
    job = _start(world, rows, villages=(), split=split)
    job.refresh_from_db()
    assert job.summary["errors"] == 0 and job.summary["add"] == 4, job.problems
    assert "“分解”表中这些行的指标（或任务）在本表中没有，未导入：第 4 行“改厕数”" in job.message


def test_a_file_without_the_header_is_refused_with_a_sentence(world):
    p, s = _leader()
    buf = io.BytesIO()
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["姓名", "电话"])
    book.active.append(["张三", "13800000000"])
    book.save(buf)
    job = import_actions.do_start_import(
        KEY, TargetYear(world.sub, 2021), SimpleUploadedFile("花名册.xlsx", buf.getvalue()), actor=p, scope=s
    )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "目标层级" in job.message


def test_bad_rows_are_named_and_nothing_is_written(world):
    rows = demo_rows()
    rows[0] |= {"计量单位": "", "目标值": 1200}
    rows[1] |= {"完成时限": "尽快"}
    rows[2] |= {"责任领导": "张三丰"}
    rows[3] |= {"牵头单位": "不存在办", "阎桥": 3000}
    job = _start(world, rows)
    job.refresh_from_db()
    reasons = {(p["column"], p["level"]) for p in job.problems}
    assert ("计量单位", "error") in reasons and ("完成时限", "error") in reasons
    assert ("责任领导", "error") in reasons and ("牵头单位", "error") in reasons
    assert ("分解", "warning") in reasons
    assert all("第" not in p["reason"] or p["row"] for p in job.problems)
    p, s = _leader()
    with pytest.raises(ValidationError, match="未写入任何数据"):
        import_actions.do_confirm(job, only_valid=False, actor=p, scope=s)
    assert not Goal.objects.filter(region=world.sub, year=2021).exists()


def test_the_command_dry_run_writes_nothing_then_imports(world, tmp_path, capsys):
    path = tmp_path / "目标责任书.xlsx"
    rows = demo_rows()
    rows[0] |= {"孔家坊": rows[0].pop("孔家坊村"), "阎桥村": rows[0].pop("阎桥")}  # the other spellings
    write_book(path, rows, villages=["孔家坊", "阎桥村"])
    before = AuditEntry.objects.filter(action="targets.import").count()
    call_command("targets", "import", str(path), "--year", "2021", "--dry-run", "--user", "demo-leader")
    assert "试运行" in capsys.readouterr().out
    assert not Goal.objects.filter(region=world.sub, year=2021).exists()
    call_command("targets", "import", str(path), "--year", "2021", "--user", "demo-leader")
    assert Indicator.objects.filter(task__goal__year=2021).count() == 4
    assert AuditEntry.objects.filter(action="targets.import").count() == before + 1
    assert Share.objects.filter(indicator__name="改厕户数", region=world.kong).get().target == 300


def test_the_import_pages_preview_and_confirm(world, as_persona):
    client = as_persona("leader")
    r = client.post("/targets/import/2021/", {"file": _upload(demo_rows())})
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "新增" in page
    assert client.post(r["Location"], {"mode": "all"}).status_code == 302
    assert Indicator.objects.filter(task__goal__year=2021).count() == 4
    assert as_persona("village").post("/targets/import/2021/", {"file": _upload(demo_rows())}).status_code == 403


# ---- rollover -----------------------------------------------------------------------------------------------


def _fingerprint(sub, year):
    goals = list(Goal.objects.filter(region=sub, year=year).order_by("pk").values())
    tasks = list(Task.objects.filter(goal__region=sub, goal__year=year).order_by("pk").values())
    inds = list(Indicator.objects.filter(task__goal__region=sub, task__goal__year=year).order_by("pk").values())
    shares = list(Share.objects.filter(indicator__task__goal__year=year).order_by("pk").values())
    return goals, tasks, inds, shares


def test_rollover_copies_the_structure_and_leaves_2020_as_it_was(world, capsys):
    before = _fingerprint(world.sub, 2020)
    call_command("targets", "rollover", "--from", "2020", "--to", "2021", "--user", "demo-leader")
    assert "已从 2020 年结转到 2021 年" in capsys.readouterr().out
    assert _fingerprint(world.sub, 2020) == before
    old = Indicator.objects.active().filter(task__goal__region=world.sub, task__goal__year=2020)
    new = {i.carried_from_id: i for i in Indicator.objects.filter(task__goal__year=2021).select_related("task")}
    assert len(new) == old.count()
    for i in old.select_related("task"):
        n = new[i.pk]
        assert (n.name, n.unit, n.source, n.source_key, n.source_params, n.weight, n.decomposition) == (
            i.name,
            i.unit,
            i.source,
            i.source_key,
            i.source_params,
            i.weight,
            i.decomposition,
        )
        assert n.target == 0 and n.target_state == TargetState.PENDING
        assert (n.task.title, n.task.leader_id, n.task.lead_unit_id, n.task.owner_id) == (
            i.task.title,
            i.task.leader_id,
            i.task.lead_unit_id,
            i.task.owner_id,
        )
        assert n.task.deadline.year == 2021
    assert set(Share.objects.filter(indicator=new[world.ind_village.pk]).values_list("region", flat=True)) >= {
        world.kong.pk,
        world.yan.pk,
    }
    assert not Share.objects.filter(indicator__task__goal__year=2021).exclude(target=0).exists()
    # a pending target shows no light (not "done" against a target of 0) and says it waits to be filled in
    from zhili.targets import engine

    def rows(goals):
        for g in goals:
            yield from (r for t in g.tasks for r in t.indicators)
            yield from rows(g.children)

    cells = [r.cell for r in rows(engine.build_board(world.sub, 2021, datetime.date(2021, 3, 1)).goals)]
    assert cells and all(c.target is None and c.completion is None for c in cells)
    assert LightRule.objects.filter(region=world.sub, effective_from=datetime.date(2021, 1, 1)).exists()
    assert (
        RankingScheme.objects.filter(region=world.sub, year=2021).count()
        == RankingScheme.objects.filter(region=world.sub, year=2020).count()
    )
    p, s = _leader()
    with pytest.raises(ValidationError, match="不能再次结转"):
        actions.do_roll_over_year(region=world.sub, from_year=2020, to_year=2021, actor=p, scope=s)


def test_rollover_can_carry_targets_marked_as_carried(world, as_persona):
    r = as_persona("leader").post(
        "/targets/plan/rollover/?year=2021", {"from_year": "2020", "to_year": "2021", "carry_targets": "on"}
    )
    assert r.status_code == 302
    n = Indicator.objects.get(carried_from=world.ind_sub)
    assert n.target == world.ind_sub.target and n.target_state == TargetState.CARRIED
    board = as_persona("leader").get("/targets/?year=2021")
    assert board.status_code == 200 and world.ind_sub.name in board.content.decode()
    p, s = _leader()
    actions.do_update_indicator(n, revision=n.revision, target=n.target, actor=p, scope=s)
    n.refresh_from_db()
    assert n.target_state == TargetState.SET


def test_the_plan_page_runs_the_same_queries_however_big_the_year(world, as_persona):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_persona("leader")
    _task(_goal(world.sub, "一"))
    client.get("/targets/plan/?year=2021")  # warm: sessions, content types
    with CaptureQueriesContext(connection) as small:
        assert client.get("/targets/plan/?year=2021").status_code == 200
    p, s = _leader()
    for n in range(5):
        goal = _goal(world.sub, f"目标{n}")
        _goal(world.sub, f"子目标{n}", parent=goal)
        task = _task(goal)
        for m in range(3):
            actions.do_create_indicator(
                task=task, code="", name=f"指标{m}", unit="个", target=Decimal(m), actor=p, scope=s
            )
    with CaptureQueriesContext(connection) as big:
        assert client.get("/targets/plan/?year=2021").status_code == 200
    assert len(big) == len(small), [q["sql"][:120] for q in big.captured_queries]


def test_the_light_rule_is_set_from_a_day_on(world, as_persona):
    from zhili.targets import lights

    before = lights.Rule.for_region(world.sub, datetime.date(2020, 11, 20))
    data = {"effective_from": "2021-01-01", "red_gap": "15", "due_soon_days": "3", "report_grace_days": "7"}
    assert as_persona("viewer").post("/targets/plan/lights/?year=2021", data).status_code == 404
    assert as_persona("leader").get("/targets/plan/lights/?year=2021").status_code == 200
    assert as_persona("leader").post("/targets/plan/lights/?year=2021", data).status_code == 302
    assert lights.Rule.for_region(world.sub, datetime.date(2021, 6, 1)).red_gap == 15
    assert lights.Rule.for_region(world.sub, datetime.date(2020, 11, 20)) == before
    assert AuditEntry.objects.filter(action="lights.rule").count() == 1
    bad = as_persona("leader").post("/targets/plan/lights/?year=2021", data | {"red_gap": "0"})
    assert bad.status_code == 400


def test_rollover_gives_a_merged_villages_shares_to_its_successor(world):
    from tests.test_merge_history import merge, pair

    jin, fan = pair(world)
    ind = Indicator.objects.filter(task__goal__year=2020, shares__region=jin).filter(shares__region=fan).first()
    parts = Share.objects.get(indicator=ind, region=jin).target + Share.objects.get(indicator=ind, region=fan).target
    successor = merge(world, datetime.date(2020, 11, 20))
    p, s = _leader()
    actions.do_roll_over_year(region=world.sub, from_year=2020, to_year=2021, carry_targets=True, actor=p, scope=s)
    new = Indicator.objects.get(carried_from=ind)
    assert not new.shares.filter(region__in=[jin, fan]).exists()
    assert new.shares.get(region=successor).target == parts
