"""People, roles, the responsibility chain and scope: who may see and change what."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from tests.conftest import person
from zhili.core.models import AuditEntry
from zhili.people import actions
from zhili.people.models import ApiToken, ChainLevel, ChainLink, Person, Role, RoleAssignment, Unit
from zhili.people.queries import chain
from zhili.people.scope import EMPTY, Scope, get_region_or_404, scope_for
from zhili.regions.actions import do_create_region
from zhili.regions.models import Level, Region

SUPER = Scope(person_id=None, is_superuser=True)


def counts() -> tuple[int, int, int]:
    return AuditEntry.objects.count(), RoleAssignment.objects.count(), ChainLink.objects.count()


@pytest.fixture
def leader() -> Person:
    return person("demo-leader")


@pytest.fixture
def leader_scope(leader) -> Scope:
    return scope_for(leader)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


# ---- granting roles -----------------------------------------------------------------------------------


def test_leader_grants_a_viewer_role_and_it_is_audited(world, leader, leader_scope):
    ra = actions.do_grant_role(
        world.yan_person, role="viewer", region=world.yan, actor=leader, scope=leader_scope, title="督查"
    )
    assert ra.granted_by == leader
    entry = AuditEntry.objects.get(action="role.grant", object_id=str(ra.pk))
    assert entry.changes == {"role": [None, "只读查看"], "region": [None, "阎桥村"]}
    assert entry.region_path == world.yan.path
    assert scope_for(world.yan_person).can_read(world.yan.path)


def test_a_role_outside_the_granters_scope_is_refused(world, leader, leader_scope):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        actions.do_grant_role(world.yan_person, role="viewer", region=world.district, actor=leader, scope=leader_scope)
    assert exc.value.messages == ["“济阳区”不在您的管理范围内，不能授予“济阳区”的角色。"]
    assert counts() == before


def test_an_administrator_of_another_subdistrict_cannot_grant_roles_in_taiping(world):
    sub2 = do_create_region(
        code="370115004", name="测试第二街道", level=Level.SUBDISTRICT, parent=world.district, actor=None, scope=SUPER
    )
    admin2 = actions.do_create_person(username="admin2", full_name="邻街管理员", region=sub2, actor=None, scope=SUPER)
    actions.do_grant_role(admin2, role="admin", region=sub2, actor=None, scope=SUPER)
    own = actions.do_create_person(username="own2", full_name="邻街干部", region=sub2, actor=None, scope=SUPER)
    scope2 = scope_for(admin2)
    before = counts()
    with pytest.raises(ValidationError, match="“孔家坊村”不在您的管理范围内"):
        actions.do_grant_role(own, role="viewer", region=world.kong, actor=admin2, scope=scope2)
    with pytest.raises(ValidationError, match="“阎桥村”不在您的管理范围内，不能给此人员授予角色"):
        actions.do_grant_role(world.yan_person, role="viewer", region=sub2, actor=admin2, scope=scope2)
    assert counts() == before


@pytest.mark.parametrize("username", ["demo-viewer", "demo-economy", "demo-village"])
def test_people_who_are_not_administrators_cannot_grant(world, username):
    who = person(username)
    before = counts()
    with pytest.raises(ValidationError, match="不在您的管理范围内"):
        actions.do_grant_role(person("demo-grid"), role="viewer", region=world.kong, actor=who, scope=scope_for(who))
    assert counts() == before


@pytest.mark.parametrize(
    ("role", "region_attr", "message"),
    [
        ("village_cadre", "kong_grid", "“村干部”角色只能绑定到村/社区，不能绑定到网格“孔家坊村第1网格”。"),
        ("grid_inspector", "kong", "“网格员”角色只能绑定到网格，不能绑定到村/社区“孔家坊村”。"),
        ("leader", "kong", "“街道领导”角色只能绑定到市、区县、街道/乡镇，不能绑定到村/社区“孔家坊村”。"),
        ("admin", "kong_grid", "“系统管理员”角色只能绑定到市、区县、街道/乡镇，不能绑定到网格“孔家坊村第1网格”。"),
    ],
    ids=["cadre-on-grid", "inspector-on-village", "leader-on-village", "admin-on-grid"],
)
def test_role_and_region_level_must_match(world, leader, leader_scope, role, region_attr, message):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        actions.do_grant_role(
            world.yan_person, role=role, region=getattr(world, region_attr), actor=leader, scope=leader_scope
        )
    assert exc.value.messages == [message]
    assert counts() == before


def test_unknown_role_officer_without_unit_and_duplicates_are_refused(world, leader, leader_scope):
    before = counts()
    with pytest.raises(ValidationError, match="未知角色“mayor”"):
        actions.do_grant_role(world.yan_person, role="mayor", region=world.yan, actor=leader, scope=leader_scope)
    with pytest.raises(ValidationError, match="部门工作人员角色必须指定单位"):
        actions.do_grant_role(world.yan_person, role="officer", region=world.sub, actor=leader, scope=leader_scope)
    with pytest.raises(ValidationError, match="已经是“阎桥村”的村干部"):
        actions.do_grant_role(world.outsider, role="village_cadre", region=world.yan, actor=leader, scope=leader_scope)
    assert counts() == before


def test_an_officer_role_is_bound_to_the_units_subdistrict(world, leader, leader_scope):
    ra = actions.do_grant_role(
        world.yan_person, role="officer", region=world.yan, unit=unit("economy"), actor=leader, scope=leader_scope
    )
    assert ra.region == world.sub
    scope = scope_for(world.yan_person)
    assert scope.units == {unit("economy").pk: world.sub.path}


def test_no_roles_on_closed_regions_or_for_archived_people(world, leader, leader_scope):
    Region.objects.filter(pk=world.yan.pk).update(valid_to="2020-01-01")
    world.yan.refresh_from_db()
    with pytest.raises(ValidationError, match="“阎桥村”已撤销，不能再授予角色"):
        actions.do_grant_role(world.yan_person, role="viewer", region=world.yan, actor=leader, scope=leader_scope)
    actions.do_archive_person(world.yan_person, actor=leader, scope=leader_scope, reason="调离")
    world.yan_person.refresh_from_db()
    with pytest.raises(ValidationError, match="已停用，不能授予角色"):
        actions.do_grant_role(world.yan_person, role="viewer", region=world.kong, actor=leader, scope=leader_scope)


def test_ending_a_role_needs_a_reason_and_removes_the_access(world, leader, leader_scope):
    ra = RoleAssignment.objects.get(person__username="demo-village", role=Role.VILLAGE_CADRE)
    before = counts()
    with pytest.raises(ValidationError, match="结束角色必须填写原因"):
        actions.do_end_role(ra, actor=leader, scope=leader_scope, reason=" ")
    assert counts() == before
    actions.do_end_role(ra, actor=leader, scope=leader_scope, reason="换届")
    ra.refresh_from_db()
    assert ra.ended_reason == "换届"
    assert RoleAssignment.objects.filter(pk=ra.pk).exists()  # ended, never deleted
    assert AuditEntry.objects.filter(action="role.end", object_id=str(ra.pk), reason="换届").exists()
    assert scope_for(person("demo-village")).is_empty
    with pytest.raises(ValidationError, match="该角色已经结束"):
        actions.do_end_role(ra, actor=leader, scope=leader_scope, reason="再次")


def test_a_village_cadre_cannot_end_roles(world):
    village = person("demo-village")
    ra = RoleAssignment.objects.get(person__username="demo-grid")
    with pytest.raises(ValidationError, match="不在您的管理范围内"):
        actions.do_end_role(ra, actor=village, scope=scope_for(village), reason="越权")
    ra.refresh_from_db()
    assert ra.ended_at is None


# ---- people -----------------------------------------------------------------------------------------


def test_create_person_is_audited_and_without_password_cannot_sign_in(world, leader, leader_scope):
    p = actions.do_create_person(
        username="new-clerk",
        full_name="新文书",
        region=world.kong,
        actor=leader,
        scope=leader_scope,
        phone="13900009999",
    )
    assert not p.has_usable_password()
    entry = AuditEntry.objects.get(action="person.create", object_id=str(p.pk))
    assert entry.changes == {"username": [None, "new-clerk"], "full_name": [None, "新文书"]}
    assert entry.region_path == world.kong.path


def test_create_person_refusals(world, leader, leader_scope):
    before = (Person.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError, match="登录名“DEMO-Village”已被使用"):
        actions.do_create_person(
            username="DEMO-Village", full_name="重名", region=world.kong, actor=leader, scope=leader_scope
        )
    with pytest.raises(ValidationError, match="姓名不能为空"):
        actions.do_create_person(username="x1", full_name=" ", region=world.kong, actor=leader, scope=leader_scope)
    with pytest.raises(ValidationError, match="“济阳区”不在您的管理范围内，不能添加人员"):
        actions.do_create_person(
            username="x1", full_name="某人", region=world.district, actor=leader, scope=leader_scope
        )
    with pytest.raises(ValidationError):
        actions.do_create_person(
            username="x1", full_name="某人", region=world.kong, actor=leader, scope=leader_scope, password="123"
        )
    village = person("demo-village")
    with pytest.raises(ValidationError, match="“孔家坊村”不在您的管理范围内"):
        actions.do_create_person(
            username="x1", full_name="某人", region=world.kong, actor=village, scope=scope_for(village)
        )
    assert (Person.objects.count(), AuditEntry.objects.count()) == before


def test_archiving_a_person_needs_a_reason_ends_roles_and_revokes_tokens(world, leader, leader_scope):
    cadre = person("demo-village")
    token, _ = actions.do_create_token(cadre, name="报表脚本", actor=cadre)
    before = counts()
    with pytest.raises(ValidationError, match="停用人员必须填写原因"):
        actions.do_archive_person(cadre, actor=leader, scope=leader_scope, reason="  ")
    assert counts() == before
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    actions.do_archive_person(cadre, actor=leader, scope=leader_scope, reason="调任他村")
    cadre.refresh_from_db()
    assert not cadre.is_active
    assert cadre.archived_reason == "调任他村"
    assert Person.objects.filter(pk=cadre.pk).exists()  # archived, never deleted
    assert not RoleAssignment.objects.active().filter(person=cadre).exists()
    assert RoleAssignment.objects.get(person=cadre).ended_reason == "人员停用：调任他村"
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.is_active
    entry = AuditEntry.objects.get(action="person.archive", object_id=str(cadre.pk))
    assert entry.reason == "调任他村"
    assert entry.changes == {"is_active": [True, False]}
    assert scope_for(cadre) == EMPTY


def test_nobody_archives_themselves_or_people_outside_their_scope(world, leader, leader_scope):
    with pytest.raises(ValidationError, match="不能停用自己的账号"):
        actions.do_archive_person(leader, actor=leader, scope=leader_scope, reason="测试")
    village = person("demo-village")
    with pytest.raises(ValidationError, match="不在您的管理范围内"):
        actions.do_archive_person(person("demo-grid"), actor=village, scope=scope_for(village), reason="越权")
    assert person("demo-grid").is_active


def test_update_person_records_the_change(world, leader, leader_scope):
    p = world.yan_person
    old_phone = p.phone
    actions.do_update_person(p, actor=leader, scope=leader_scope, phone="13900001234", reason="换号")
    entry = AuditEntry.objects.get(action="person.update", object_id=str(p.pk))
    assert entry.changes == {"phone": [old_phone, "13900001234"]}
    with pytest.raises(ValidationError, match="不能修改这些字段：is_superuser"):
        actions.do_update_person(p, actor=leader, scope=leader_scope, is_superuser=True)
    with pytest.raises(ValidationError, match="不能把人员划入该区划"):
        actions.do_update_person(p, actor=leader, scope=leader_scope, region=world.district)


# ---- the five-level responsibility chain -----------------------------------------------------------


def test_the_demo_chain_has_five_levels_on_every_grid(world):
    levels = [level.name for level, _ in chain(world.kong_grid)]
    assert levels == ["街道包村领导", "管区书记", "村党支部书记", "网格员", "联户长"]
    people = [link.display_name for _, link in chain(world.kong_grid)]
    assert people[0] == "周太平" and people[2] == "孔立新" and people[3] == "孔秀英"
    assert all(people)


def test_setting_a_chain_link_archives_the_old_one(world):
    cadre = person("demo-village")
    level = ChainLevel.objects.get(subdistrict=world.sub, order=5)
    old = ChainLink.objects.active().get(grid=world.kong_grid, level=level)
    link = actions.do_set_chain_link(
        world.kong_grid, level, actor=cadre, scope=scope_for(cadre), contact_name="孔联户", contact_phone="13900001111"
    )
    old.refresh_from_db()
    assert old.archived_at is not None and old.archived_reason == "更换责任人" and old.archived_by == cadre
    assert dict(chain(world.kong_grid))[level] == link
    entry = AuditEntry.objects.get(action="chain.set", object_id=str(link.pk))
    assert entry.changes == {"联户长": [old.contact_name, "孔联户"]}
    assert entry.region_path == world.kong_grid.path


def test_chain_link_refusals(world, leader, leader_scope):
    level = ChainLevel.objects.get(subdistrict=world.sub, order=5)
    outsider_scope = scope_for(world.outsider)
    before = counts()
    with pytest.raises(ValidationError, match="您无权修改“孔家坊村第1网格”的联包责任人"):
        actions.do_set_chain_link(
            world.kong_grid, level, actor=world.outsider, scope=outsider_scope, contact_name="越权"
        )
    with pytest.raises(ValidationError, match="联包责任人设在网格上"):
        actions.do_set_chain_link(world.kong, level, actor=leader, scope=leader_scope, contact_name="某人")
    with pytest.raises(ValidationError, match="请选择人员或填写联系人姓名"):
        actions.do_set_chain_link(world.kong_grid, level, actor=leader, scope=leader_scope, contact_name=" ")
    viewer = person("demo-viewer")
    with pytest.raises(ValidationError, match="您无权修改"):
        actions.do_set_chain_link(world.kong_grid, level, actor=viewer, scope=scope_for(viewer), contact_name="某人")
    assert counts() == before


def test_chain_levels_are_configured_per_subdistrict(world, leader, leader_scope):
    before = counts()
    with pytest.raises(ValidationError, match="至少需要一个联包层级"):
        actions.do_set_chain_levels(world.sub, ["", " "], actor=leader, scope=leader_scope)
    with pytest.raises(ValidationError, match="联包层级名称不能重复"):
        actions.do_set_chain_levels(world.sub, ["甲", "甲"], actor=leader, scope=leader_scope)
    with pytest.raises(ValidationError, match="被删去的层级上还有责任人"):
        actions.do_set_chain_levels(
            world.sub, ["街道包村领导", "管区书记", "村党支部书记", "网格员"], actor=leader, scope=leader_scope
        )
    village = person("demo-village")
    with pytest.raises(ValidationError, match="不在您的管理范围内"):
        actions.do_set_chain_levels(world.sub, ["甲"], actor=village, scope=scope_for(village))
    assert counts() == before

    names = ["包村领导", "管区书记", "村书记", "网格员", "联户长"]
    actions.do_set_chain_levels(world.sub, names, actor=leader, scope=leader_scope)
    assert [level.name for level, _ in chain(world.kong_grid)] == names
    entry = AuditEntry.objects.get(action="chain.levels")
    assert entry.changes["levels"][1] == names


def test_a_level_dropped_after_its_people_were_archived_leaves_the_chain(world, leader, leader_scope):
    """The refusal above says: archive the level's people first. After that, four levels are four levels."""
    ChainLink.objects.active().filter(level__subdistrict=world.sub, level__order=5).update(
        archived_at=timezone.now(), archived_reason="不再设联户长"
    )
    four = ["街道包村领导", "管区书记", "村党支部书记", "网格员"]
    actions.do_set_chain_levels(world.sub, four, actor=leader, scope=leader_scope)
    assert [level.name for level, _ in chain(world.kong_grid)] == four


# ---- scope_for, persona by persona --------------------------------------------------------------------


def test_scope_of_the_leader(world):
    scope = scope_for(person("demo-leader"))
    assert scope.read_paths == scope.write_paths == scope.admin_paths == (world.sub.path,)
    assert scope.is_admin and not scope.is_superuser
    assert scope.roles == {"leader", "admin"}
    assert scope.regions().count() == Region.objects.subtree(world.sub).count()
    assert not scope.can_read(world.district.path)
    assert list(scope.root_regions()) == [world.sub]


@pytest.mark.parametrize(
    "username,code", [("demo-economy", "economy"), ("demo-urban", "urban"), ("demo-civil", "civil")]
)
def test_scope_of_an_officer(world, username, code):
    scope = scope_for(person(username))
    assert scope.read_paths == (world.sub.path,)
    assert scope.write_paths == () and scope.admin_paths == ()
    assert scope.units == {unit(code).pk: world.sub.path}
    assert scope.can_write_for_unit(unit(code).pk, world.kong.path)
    assert not scope.can_write_for_unit(unit("party").pk, world.kong.path)
    assert not scope.can_write(world.kong.path)
    assert not scope.is_admin


def test_scope_of_the_village_cadre(world):
    scope = scope_for(person("demo-village"))
    assert scope.read_paths == scope.write_paths == (world.kong.path,)
    assert scope.admin_paths == ()
    assert scope.can_read(world.kong_grid2.path) and scope.can_write(world.kong_grid.path)
    assert not scope.can_read(world.yan.path) and not scope.can_read(world.sub.path)
    codes = set(scope.regions().values_list("code", flat=True))
    assert codes == set(Region.objects.subtree(world.kong).values_list("code", flat=True))
    with pytest.raises(Exception) as exc:
        get_region_or_404(scope, world.yan.code)
    assert exc.type.__name__ == "Http404"


def test_scope_of_the_grid_inspector(world):
    scope = scope_for(person("demo-grid"))
    assert scope.read_paths == scope.write_paths == (world.kong_grid.path,)
    assert not scope.can_read(world.kong.path) and not scope.can_read(world.kong_grid2.path)
    assert list(scope.regions()) == [world.kong_grid]


def test_scope_of_the_viewer_is_read_only(world):
    scope = scope_for(person("demo-viewer"))
    assert scope.read_paths == (world.sub.path,)
    assert scope.write_paths == () and scope.admin_paths == ()
    assert scope.can_read(world.kong_grid.path) and not scope.can_write(world.kong_grid.path)


def test_scope_of_a_superuser_covers_everything(world):
    root = Person.objects.create_user(username="root", full_name="超级管理员", password="x" * 12, is_superuser=True)
    scope = scope_for(root)
    assert scope.is_superuser and scope.is_admin and not scope.is_empty
    assert scope.can_admin(world.city.path) and scope.can_write("999/")
    assert scope.q("region__path") == Q()
    assert scope.regions().count() == Region.objects.count()
    assert list(scope.root_regions()) == [world.city]


def test_a_person_without_roles_sees_nothing(world, leader, leader_scope):
    nobody = actions.do_create_person(
        username="no-roles", full_name="无角色", region=world.kong, actor=leader, scope=leader_scope
    )
    scope = scope_for(nobody)
    assert scope.is_empty and not scope.is_admin
    assert scope.read_paths == scope.write_paths == scope.admin_paths == ()
    assert not scope.regions().exists()
    assert not scope.root_regions().exists()
    assert not scope.filter(Person.objects.all()).exists()
    assert not scope.can_read(world.kong.path)


def test_anonymous_and_inactive_people_have_the_empty_scope(world):
    assert scope_for(AnonymousUser()) == EMPTY
    assert scope_for(None) == EMPTY
    Person.objects.filter(username="demo-leader").update(is_active=False)
    assert scope_for(person("demo-leader")) == EMPTY


def test_several_roles_add_up_and_nested_paths_collapse(world, leader, leader_scope):
    grid_person = person("demo-grid")
    actions.do_grant_role(grid_person, role="viewer", region=world.kong, actor=leader, scope=leader_scope)
    actions.do_grant_role(grid_person, role="viewer", region=world.kong_grid2, actor=leader, scope=leader_scope)
    scope = scope_for(grid_person)
    assert scope.read_paths == (world.kong.path,)  # the grid paths lie under the village
    assert scope.write_paths == (world.kong_grid.path,)
    assert scope.roles == {"grid_inspector", "viewer"}
