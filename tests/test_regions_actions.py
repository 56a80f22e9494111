"""Writes to the region tree: create, move and merge, each refused with a Chinese sentence and nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import person
from zhili.core import audit, clock
from zhili.core.models import AuditEntry
from zhili.people.models import ApiToken, ChainLink, Person, Role, RoleAssignment
from zhili.people.scope import Scope, scope_for
from zhili.regions import actions
from zhili.regions.actions import do_create_region, do_merge_villages, do_move_region
from zhili.regions.models import Level, Region

SUPER = Scope(person_id=None, is_superuser=True)


def counts() -> tuple[int, int, int, int]:
    """What a refused action must leave untouched: regions, audit entries, roles and chain links."""
    return (
        Region.objects.count(),
        AuditEntry.objects.count(),
        RoleAssignment.objects.count(),
        ChainLink.objects.count(),
    )


@pytest.fixture
def leader() -> Person:
    return person("demo-leader")


@pytest.fixture
def leader_scope(leader) -> Scope:
    return scope_for(leader)


def second_subdistrict(world) -> tuple[Region, Region]:
    """A neighbouring subdistrict of the same district, with one village (built as a superuser)."""
    sub2 = do_create_region(
        code="370115004", name="测试第二街道", level=Level.SUBDISTRICT, parent=world.district, actor=None, scope=SUPER
    )
    village = do_create_region(
        code="370115004201", name="测试邻村", level=Level.VILLAGE, parent=sub2, actor=None, scope=SUPER
    )
    return sub2, village


# ---- do_create_region ----------------------------------------------------------------------------


def test_leader_creates_a_village_and_the_audit_log_records_it(world, leader, leader_scope):
    region = do_create_region(
        code="370115003901", name="新设村", level=Level.VILLAGE, parent=world.sub, actor=leader, scope=leader_scope
    )
    assert region.path == world.sub.path + "370115003901/"
    assert region.parent == world.sub
    assert region.is_current
    entry = AuditEntry.objects.get(action="region.create", object_id=str(region.pk))
    assert entry.actor == leader
    assert entry.actor_name == "周太平"
    assert entry.object_type == "regions.region"
    assert entry.object_repr == "新设村"
    assert entry.region_path == region.path
    assert entry.changes == {"code": [None, "370115003901"], "name": [None, "新设村"]}


def test_creating_a_grid_under_a_village_gives_it_the_village_path(world, leader, leader_scope):
    grid = do_create_region(
        code=world.kong.code + "099",
        name="孔家坊村新网格",
        level=Level.GRID,
        parent=world.kong,
        actor=leader,
        scope=leader_scope,
    )
    assert grid.path == world.kong.path + grid.code + "/"
    assert grid in Region.objects.subtree(world.kong)


@pytest.mark.parametrize(
    ("code", "level", "parent_attr", "message"),
    [
        ("37011500390", Level.VILLAGE, "sub", "村/社区代码应为 12 位数字"),
        ("3701150039012", Level.VILLAGE, "sub", "村/社区代码应为 12 位数字"),
        ("370116003901", Level.VILLAGE, "sub", "应以上级“太平街道”的代码 370115003 开头"),
        ("37011500390a", Level.VILLAGE, "sub", "只能由数字组成"),
        ("", Level.VILLAGE, "sub", "只能由数字组成"),
        ("370115003209901", Level.GRID, "sub", "“太平街道”（街道/乡镇）下不能直接设网格"),
        ("370115003", Level.SUBDISTRICT, "kong", "“孔家坊村”（村/社区）下不能直接设街道/乡镇"),
        ("370200", Level.DISTRICT, "city", "区县代码的前 4 位应与所属市的代码 3701 相同"),
    ],
    ids=[
        "short",
        "long",
        "foreign-prefix",
        "letter",
        "empty",
        "grid-under-subdistrict",
        "subdistrict-under-village",
        "district-of-another-city",
    ],
)
def test_bad_codes_and_levels_are_refused_with_a_sentence(world, code, level, parent_attr, message):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        do_create_region(
            code=code, name="某村", level=level, parent=getattr(world, parent_attr), actor=None, scope=SUPER
        )
    assert message in " ".join(exc.value.messages)
    assert counts() == before


def test_duplicate_code_is_refused(world, leader, leader_scope):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        do_create_region(
            code=world.yan.code,
            name="另一个阎桥村",
            level=Level.VILLAGE,
            parent=world.sub,
            actor=leader,
            scope=leader_scope,
        )
    assert exc.value.messages == [f"区划代码 {world.yan.code} 已存在，不能重复。"]
    assert counts() == before


def test_empty_name_and_unknown_level_are_refused(world, leader, leader_scope):
    before = counts()
    with pytest.raises(ValidationError, match="区划名称不能为空"):
        do_create_region(
            code="370115003901", name="  ", level=Level.VILLAGE, parent=world.sub, actor=leader, scope=leader_scope
        )
    with pytest.raises(ValidationError, match="层级 7 无效"):
        do_create_region(code="370115003901", name="某村", level=7, parent=world.sub, actor=leader, scope=leader_scope)
    assert counts() == before


def test_a_region_without_parent_must_be_a_city_and_only_a_superuser_creates_one(world, leader, leader_scope):
    before = counts()
    with pytest.raises(ValidationError, match="只有超级管理员可以新建顶级区划"):
        do_create_region(code="370200", name="青岛市", level=Level.CITY, parent=None, actor=leader, scope=leader_scope)
    with pytest.raises(ValidationError, match="区县必须有上级区划"):
        do_create_region(code="370200", name="某区", level=Level.DISTRICT, parent=None, actor=None, scope=SUPER)
    assert counts() == before
    city = do_create_region(code="370200", name="青岛市", level=Level.CITY, parent=None, actor=None, scope=SUPER)
    assert city.path == "370200/"
    assert AuditEntry.objects.get(action="region.create", object_id=str(city.pk)).actor_name == "系统"


@pytest.mark.parametrize("username", ["demo-viewer", "demo-economy", "demo-village", "demo-grid"])
def test_people_who_do_not_administer_the_parent_cannot_create(world, username):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        do_create_region(
            code=world.kong.code + "099",
            name="新网格",
            level=Level.GRID,
            parent=world.kong,
            actor=person(username),
            scope=scope_for(person(username)),
        )
    assert exc.value.messages == ["您无权在“孔家坊村”下新建区划。"]
    assert counts() == before


def test_the_leader_cannot_create_above_the_subdistrict(world, leader, leader_scope):
    before = counts()
    with pytest.raises(ValidationError, match="您无权在“济阳区”下新建区划"):
        do_create_region(
            code="370115004",
            name="新街道",
            level=Level.SUBDISTRICT,
            parent=world.district,
            actor=leader,
            scope=leader_scope,
        )
    assert counts() == before


def test_a_closed_village_takes_no_new_grids(world, leader, leader_scope):
    Region.objects.filter(pk=world.yan.pk).update(valid_to=datetime.date(2020, 1, 1))
    world.yan.refresh_from_db()
    with pytest.raises(ValidationError, match="上级区划“阎桥村”已于 2020-01-01 撤销"):
        do_create_region(
            code=world.yan.code + "099",
            name="新网格",
            level=Level.GRID,
            parent=world.yan,
            actor=leader,
            scope=leader_scope,
        )


# ---- do_update_region ------------------------------------------------------------------------------


def test_update_records_old_and_new_values(world, leader, leader_scope):
    old_name = world.kong.name
    actions.do_update_region(
        world.kong, actor=leader, scope=leader_scope, reason="更名文件", name="孔家坊新村", note="测试备注"
    )
    entry = AuditEntry.objects.get(action="region.update", object_id=str(world.kong.pk))
    assert entry.changes == {"name": [old_name, "孔家坊新村"], "note": ["", "测试备注"]}
    assert entry.reason == "更名文件"
    assert entry.region_path == world.kong.path


def test_update_without_change_writes_no_audit_entry(world, leader, leader_scope):
    before = AuditEntry.objects.count()
    actions.do_update_region(world.kong, actor=leader, scope=leader_scope, name=world.kong.name)
    assert AuditEntry.objects.count() == before


def test_update_refuses_other_fields_and_other_people(world, leader, leader_scope):
    before = counts()
    with pytest.raises(ValidationError, match="不能修改这些字段：code、path"):
        actions.do_update_region(world.kong, actor=leader, scope=leader_scope, code="1", path="x")
    village = person("demo-village")
    with pytest.raises(ValidationError, match="您无权修改“孔家坊村”"):
        actions.do_update_region(world.kong, actor=village, scope=scope_for(village), note="村干部改的")
    assert counts() == before
    world.kong.refresh_from_db()
    assert world.kong.note == ""


# ---- do_move_region ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target_attr", ["sub", "kong", "kong_grid"])
def test_moving_a_region_under_itself_or_its_subtree_is_a_cycle(world, target_attr):
    target = getattr(world, target_attr)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        do_move_region(world.sub, target, actor=None, scope=SUPER, reason="测试")
    assert exc.value.messages == [f"不能把“太平街道”移到它自己或它的下级“{target.name}”之下：会形成循环。"]
    assert counts() == before
    world.sub.refresh_from_db()
    assert world.sub.parent_id == world.district.pk


def test_moving_a_district_rewrites_the_whole_subtree(world):
    old_prefix = world.district.path
    subtree_size = Region.objects.subtree(world.district).count()
    city2 = do_create_region(code="370199", name="测试新市", level=Level.CITY, parent=None, actor=None, scope=SUPER)
    moved = do_move_region(world.district, city2, actor=None, scope=SUPER, reason="区划调整")

    new_prefix = "370199/370115/"
    assert moved.parent == city2
    assert moved.path == new_prefix
    assert Region.objects.filter(path__startswith=new_prefix).count() == subtree_size
    assert not Region.objects.filter(path__startswith=old_prefix).exists()
    world.kong.refresh_from_db()
    world.kong_grid.refresh_from_db()
    assert world.kong.path == f"{new_prefix}{world.sub.code}/{world.kong.code}/"
    assert world.kong_grid.path == f"{world.kong.path}{world.kong_grid.code}/"
    # Scope is rebuilt from the live paths: the village cadre still sees exactly their village.
    scope = scope_for(person("demo-village"))
    assert scope.read_paths == (world.kong.path,)
    entry = AuditEntry.objects.get(action="region.move")
    assert entry.changes == {"parent": ["济南市", "测试新市"]}
    assert entry.reason == "区划调整"
    assert entry.region_path == new_prefix


def test_moving_needs_admin_on_both_sides(world, leader, leader_scope):
    _sub2, village2 = second_subdistrict(world)
    before = counts()
    with pytest.raises(ValidationError, match="您无权调整这两个区划"):
        do_move_region(world.kong_grid, village2, actor=leader, scope=leader_scope, reason="测试")
    assert counts() == before


def test_moving_refuses_wrong_levels_and_foreign_codes(world):
    sub2, village2 = second_subdistrict(world)
    before = counts()
    with pytest.raises(ValidationError, match="下不能直接设网格"):
        do_move_region(world.kong_grid, sub2, actor=None, scope=SUPER, reason="测试")
    with pytest.raises(ValidationError, match="跨上级调整请撤销后在新上级下新建"):
        do_move_region(world.kong_grid, village2, actor=None, scope=SUPER, reason="测试")
    assert counts() == before
    world.kong_grid.refresh_from_db()
    assert world.kong_grid.parent_id == world.kong.pk


def test_moving_a_district_under_a_city_of_another_prefix_is_refused(world):
    """The create rule (a district's first 4 digits are its city's) holds for moves too."""
    qingdao = do_create_region(code="370200", name="青岛市", level=Level.CITY, parent=None, actor=None, scope=SUPER)
    before = counts()
    with pytest.raises(ValidationError, match="前 4 位"):
        do_move_region(world.district, qingdao, actor=None, scope=SUPER, reason="测试")
    assert counts() == before


# ---- do_merge_villages ------------------------------------------------------------------------------


def merge(
    world, actor, scope, *, on=None, code="370115003999", name="孔阎村", villages=None, reason="济阳政字〔2026〕1号"
):
    return do_merge_villages(
        villages or [world.kong, world.yan],
        code=code,
        name=name,
        on=on or clock.today(),
        actor=actor,
        scope=scope,
        reason=reason,
    )


def test_villages_of_different_subdistricts_are_not_merged(world, leader):
    _sub2, village2 = second_subdistrict(world)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        merge(world, None, SUPER, villages=[world.kong, village2])
    assert exc.value.messages == ["不能合并不同街道（乡镇）的村：孔家坊村（太平街道）、测试邻村（测试第二街道）。"]
    assert counts() == before
    world.kong.refresh_from_db()
    assert world.kong.valid_to is None and world.kong.successor is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "  "}, "合并村居必须填写原因（如文件文号）。"),
        ({"villages": "one"}, "合并至少需要两个村（社区）。"),
        ({"villages": "grids"}, "只能合并村（社区）级区划。"),
        ({"on": datetime.date(2018, 1, 1)}, "合并日期必须晚于各村的起始日期。"),
        ({"code": "370115003209"}, "区划代码 370115003209 已存在，不能重复。"),
        ({"code": "370116003999"}, "应以上级“太平街道”的代码 370115003 开头"),
    ],
    ids=["no-reason", "one-village", "grids", "before-valid-from", "duplicate-code", "foreign-code"],
)
def test_refused_merges_write_nothing(world, leader, leader_scope, kwargs, message):
    if kwargs.get("villages") == "one":
        kwargs = {"villages": [world.kong]}
    elif kwargs.get("villages") == "grids":
        kwargs = {"villages": [world.kong_grid, world.kong_grid2]}
    before = counts()
    with pytest.raises(ValidationError) as exc:
        merge(world, leader, leader_scope, **kwargs)
    assert message in " ".join(exc.value.messages)
    assert counts() == before


@pytest.mark.parametrize("username", ["demo-viewer", "demo-economy", "demo-village"])
def test_only_administrators_merge(world, username):
    before = counts()
    who = person(username)
    with pytest.raises(ValidationError, match="您无权调整“太平街道”的村居"):
        merge(world, who, scope_for(who))
    assert counts() == before


def test_closed_villages_are_not_merged_again(world, leader, leader_scope):
    merge(world, leader, leader_scope)
    before = counts()
    langjia = Region.objects.get(parent=world.sub, name="郎家村")
    with pytest.raises(ValidationError, match="这些村已撤销，不能再合并：孔家坊村"):
        merge(world, leader, leader_scope, villages=[world.kong, langjia], code="370115003998", name="再合并村")
    assert counts() == before


def test_a_failure_half_way_leaves_nothing_behind(world, leader, leader_scope, monkeypatch):
    """The merge is one transaction: if the last step fails, the successor and its grids are gone too."""
    real_record = audit.record

    def failing_record(actor, action, obj, **kwargs):
        if action == "region.merge":
            raise ValidationError("模拟的故障")
        return real_record(actor, action, obj, **kwargs)

    monkeypatch.setattr(actions.audit, "record", failing_record)
    before = counts()
    with pytest.raises(ValidationError, match="模拟的故障"):
        merge(world, leader, leader_scope)
    assert counts() == before
    assert not Region.objects.filter(code="370115003999").exists()
    world.kong.refresh_from_db()
    assert world.kong.valid_to is None
    assert RoleAssignment.objects.active().filter(person__username="demo-village", region=world.kong).exists()


def test_merge_closes_the_villages_and_opens_the_successor(world, leader, leader_scope):
    on = clock.today()
    old_paths = {world.kong.pk: world.kong.path, world.yan.pk: world.yan.path}
    old_grids = list(Region.objects.filter(parent__in=[world.kong, world.yan]).order_by("code"))
    successor = merge(world, leader, leader_scope, on=on)

    assert successor.code == "370115003999"
    assert successor.level == Level.VILLAGE
    assert successor.parent == world.sub
    assert successor.valid_from == on
    assert successor.is_current
    assert successor.note == "由阎桥村、孔家坊村合并设立"
    for village in (world.kong, world.yan):
        village.refresh_from_db()
        assert village.valid_to == on
        assert village.successor == successor
        assert not village.is_current
        assert village.path == old_paths[village.pk]  # records made before the merge keep their village
    assert set(Region.objects.filter(parent=world.sub).current().values_list("code", flat=True)).isdisjoint(
        {world.kong.code, world.yan.code}
    )

    new_grids = list(successor.children.order_by("code"))
    assert len(new_grids) == len(old_grids)
    assert [g.code for g in new_grids] == [f"370115003999{i:03d}" for i in range(1, len(old_grids) + 1)]
    for grid in old_grids:
        grid.refresh_from_db()
        assert grid.valid_to == on
        assert grid.successor in new_grids
        assert grid.successor.boundary == grid.boundary
        assert f"（原{grid.name}）" in grid.successor.name
        assert ChainLink.objects.active().filter(grid=grid.successor).count() == 5


def test_merge_moves_roles_to_the_successor_and_ends_the_old_ones(world, leader, leader_scope):
    successor = merge(world, leader, leader_scope)
    village_cadre = person("demo-village")
    assert (
        RoleAssignment.objects.active().filter(person=village_cadre, role=Role.VILLAGE_CADRE, region=successor).exists()
    )
    old = RoleAssignment.objects.get(person=village_cadre, region=world.kong)
    assert old.ended_at is not None
    assert old.ended_reason == "村居合并：济阳政字〔2026〕1号"
    assert RoleAssignment.objects.active().filter(person=world.outsider, region=successor).exists()
    # Grid inspectors follow their grid to its successor.
    world.kong_grid.refresh_from_db()
    grid_inspector = person("demo-grid")
    assert (
        RoleAssignment.objects.active()
        .filter(person=grid_inspector, role=Role.GRID_INSPECTOR, region=world.kong_grid.successor)
        .exists()
    )
    assert not RoleAssignment.objects.active().filter(region__in=[world.kong, world.yan]).exists()
    assert not RoleAssignment.objects.active().filter(region__parent__in=[world.kong, world.yan]).exists()


def test_after_the_merge_the_successors_cadre_reads_the_old_village_but_cannot_change_it(world, leader, leader_scope):
    # A record tied to 孔家坊 before the merge (here: an audit entry of an edit of the village).
    actions.do_update_region(world.kong, actor=leader, scope=leader_scope, note="合并前的记录")
    record = AuditEntry.objects.get(action="region.update", object_id=str(world.kong.pk))
    successor = merge(world, leader, leader_scope)

    assert Region.objects.get(path=record.region_path) == world.kong  # still 孔家坊's, under its old path
    scope = scope_for(person("demo-village"))
    assert scope.write_paths == (successor.path,)
    assert scope.can_read(world.kong.path)
    assert scope.can_read(world.kong_grid.path)
    assert scope.can_read(world.yan.path)  # 阎桥 merged into their village too
    assert not scope.can_write(world.kong.path)
    assert scope.filter(AuditEntry.objects.filter(pk=record.pk), "region_path").exists()
    # The grid inspector reads their old grid's history through the new grid.
    world.kong_grid.refresh_from_db()
    grid_scope = scope_for(person("demo-grid"))
    assert grid_scope.write_paths == (world.kong_grid.successor.path,)
    assert grid_scope.can_read(world.kong_grid.path)
    assert not grid_scope.can_read(world.kong_grid2.path)


def test_history_follows_several_merges(world, leader, leader_scope):
    today = clock.today()
    first = merge(world, leader, leader_scope, on=today - datetime.timedelta(days=10))
    langjia = Region.objects.get(parent=world.sub, name="郎家村")
    second = merge(
        world, leader, leader_scope, on=today, villages=[first, langjia], code="370115003998", name="孔阎郎村"
    )
    scope = scope_for(person("demo-village"))
    assert scope.write_paths == (second.path,)
    for old in (world.kong, world.yan, first, langjia):
        assert scope.can_read(old.path), old.name


def test_merge_audit_entries_name_the_successor_and_the_reason(world, leader, leader_scope):
    successor = merge(world, leader, leader_scope)
    merged = AuditEntry.objects.filter(action="region.merge").order_by("object_repr")
    assert {e.object_repr for e in merged} == {"孔家坊村", "阎桥村"}
    for entry in merged:
        assert entry.reason == "济阳政字〔2026〕1号"
        assert entry.changes["successor"] == [None, "孔阎村"]
        assert entry.actor_name == "周太平"
    n_grids = successor.children.count()
    assert AuditEntry.objects.filter(action="region.close").count() == n_grids
    assert AuditEntry.objects.filter(action="region.create", region_path__startswith=successor.path).count() == (
        n_grids + 1
    )


def test_a_merge_decided_for_a_future_date_is_recorded(world, leader, leader_scope):
    """行政村规模优化调整 is decided ahead and takes effect on a set day (often the 1st of next month)."""
    on = clock.today() + datetime.timedelta(days=30)
    successor = merge(world, leader, leader_scope, on=on)
    assert successor.valid_from == on
    assert (
        successor.children.count()
        == Region.objects.filter(parent=world.kong).count() + Region.objects.filter(parent=world.yan).count()
    )
    world.kong.refresh_from_db()
    assert world.kong.valid_to == on
    assert world.kong.is_current  # still 孔家坊 until the day of the merge


def test_tokens_are_untouched_by_a_merge(world, leader, leader_scope):
    village_cadre = person("demo-village")
    from zhili.people.actions import do_create_token

    token, _ = do_create_token(village_cadre, name="脚本", actor=village_cadre)
    merge(world, leader, leader_scope)
    assert ApiToken.objects.get(pk=token.pk).is_active


def test_full_width_digits_do_not_make_a_code(world, leader, leader_scope):
    """Chinese input methods type full-width digits (０-９); str.isdigit() says yes to them, GB/T 2260 says no."""
    typed = world.kong.code + "００９"
    try:
        region = do_create_region(
            code=typed, name="全角网格", level=Level.GRID, parent=world.kong, actor=leader, scope=leader_scope
        )
    except ValidationError as exc:
        assert "只能由数字组成" in " ".join(exc.messages)
        assert not Region.objects.filter(name="全角网格").exists()
    else:  # accepting is fine too, as long as the stored code is the standard one
        assert region.code == world.kong.code + "009"
        assert region.path.endswith(world.kong.code + "009/")
