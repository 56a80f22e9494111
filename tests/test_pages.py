"""Every page of the foundation, as the people who use it: it works, it refuses bad input in Chinese, it is fast."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import person
from zhili.core.models import AuditEntry
from zhili.people.actions import do_create_person
from zhili.people.models import ChainLevel, ChainLink, Person, Role, RoleAssignment
from zhili.people.scope import Scope, scope_for
from zhili.regions.actions import do_create_region
from zhili.regions.models import Level, Region

SUPER = Scope(person_id=None, is_superuser=True)


def text(response) -> str:
    return response.content.decode()


def errors(response) -> str:
    """The error sentences a form shows (field errors and the box above the form)."""
    html = text(response)
    found = re.findall(r'<p class="error">(.*?)</p>', html)
    box = re.search(r'<div class="errors" role="alert">(.*?)</div>', html, re.S)
    if box:
        found += re.findall(r"<p>(.*?)</p>", box.group(1))
    return " ".join(found)


def messages_of(response) -> str:
    return " ".join(re.findall(r'<li class="msg-[a-z]+">(.*?)</li>', text(response)))


@pytest.fixture
def leader(as_persona) -> Client:
    return as_persona("leader")


# ---- home and navigation ------------------------------------------------------------------------------


def test_home_greets_the_leader_with_their_to_dos_and_roles(leader, world):
    response = leader.get("/")
    assert response.status_code == 200
    html = text(response)
    assert "周太平，您好" in html
    assert "我的待办" in html
    assert "街道领导" in html and "系统管理员" in html
    assert f'href="/regions/{world.sub.code}/"' in html
    assert '<html lang="zh-CN">' in html


def test_navigation_has_room_for_the_areas_to_come(leader):
    html = text(leader.get("/"))
    for label in (
        "目标任务",
        "台账",
        "网格事件",
        "项目与税源",
        "通报",
        "民生户籍",
        "党建",
        "区划网格",
        "人员角色",
    ):
        assert label in html, label
    assert "审计日志" not in html  # the audit administrator's, not a system administrator's (三员分立)


def test_the_village_cadre_has_no_administration_in_the_menu(as_persona):
    html = text(as_persona("village").get("/"))
    assert 'href="/people/"' not in html and 'href="/audit/"' not in html
    assert "村干部" in html and "孔家坊村" in html


def test_a_person_without_roles_is_told_so(world):
    nobody = do_create_person(username="no-roles", full_name="无角色", region=world.kong, actor=None, scope=SUPER)
    client = Client()
    client.force_login(nobody)
    home = text(client.get("/"))
    assert "您还没有任何角色，请联系街道系统管理员分配。" in home
    assert "目前没有需要您办理的事项。" in home  # the to-do list is empty, with a sentence saying so
    assert "您还没有可查看的区划" in text(client.get("/regions/"))
    assert client.get(f"/regions/{world.kong.code}/").status_code == 404


def test_pages_reject_the_wrong_method(leader, world):
    assert leader.post("/").status_code == 405
    assert leader.post(f"/regions/{world.kong.code}/").status_code == 405
    assert leader.post("/people/").status_code == 405
    assert leader.get(f"/roles/{RoleAssignment.objects.first().pk}/end/").status_code == 405


def test_switching_to_english_changes_the_page_language(leader):
    assert '<html lang="zh-CN">' in text(leader.get("/"))
    response = leader.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in text(leader.get("/"))
    leader.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-CN">' in text(leader.get("/"))


def test_the_language_switch_works_before_signing_in(db):
    client = Client()
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}).status_code == 302
    assert '<html lang="en">' in text(client.get("/login/"))


# ---- the region browser ---------------------------------------------------------------------------------


def test_region_index_takes_the_leader_to_the_subdistrict(leader, world):
    response = leader.get("/regions/")
    assert response.status_code == 302
    assert response["Location"] == f"/regions/{world.sub.code}/"


def test_subdistrict_page_lists_its_91_villages(leader, world):
    response = leader.get(f"/regions/{world.sub.code}/")
    assert response.status_code == 200
    html = text(response)
    assert "太平街道" in html and "370115003" in html
    for village in Region.objects.filter(parent=world.sub):
        assert f'href="/regions/{village.code}/"' in html
    assert '村/社区 <small class="muted">91</small>' in html
    assert "周太平" in html  # its responsible people
    assert "经济发展办公室（经发办）" in html  # officers through their units
    assert "<svg" in html  # the boundary map, drawn without a tile server
    assert f'href="/regions/{world.sub.code}/merge/"' in html


def test_village_page_shows_grids_people_and_chains(leader, world):
    html = text(leader.get(f"/regions/{world.kong.code}/"))
    for grid in world.kong.children.all():
        assert grid.name in html
    assert "孔立新" in html  # the village's party secretary
    assert "各网格联包责任人" in html
    assert "太平街道" in html  # the breadcrumb


def test_grid_page_shows_the_five_level_chain(leader, world):
    response = leader.get(f"/regions/{world.kong_grid.code}/")
    assert response.status_code == 200
    html = text(response)
    chain = re.search(r'<section class="card" id="chain">(.*?)</section>', html, re.S).group(1)
    levels = re.findall(r'<span class="level">(.*?)</span>', chain)
    assert levels == ["街道包村领导", "管区书记", "村党支部书记", "网格员", "联户长"]
    assert "孔秀英" in chain and "孔立新" in chain and "周太平" in chain
    assert "未指定" not in chain


def test_the_breadcrumb_of_a_village_cadre_names_but_does_not_link_the_subdistrict(as_persona, world):
    html = text(as_persona("village").get(f"/regions/{world.kong_grid.code}/"))
    assert f'href="/regions/{world.kong.code}/"' in html
    assert f'href="/regions/{world.sub.code}/"' not in html
    assert "<span>太平街道</span>" in html


def test_an_unknown_region_is_404_in_chinese(leader):
    response = leader.get("/regions/999999999/")
    assert response.status_code == 404
    assert "找不到页面" in text(response)


# ---- region administration --------------------------------------------------------------------------------


def test_editing_a_region_is_audited(leader, world):
    response = leader.post(
        f"/regions/{world.kong.code}/edit/",
        {"name": "孔家坊村", "note": "村委会在村东", "center_lng": "117.1", "center_lat": "36.95", "reason": "核实"},
    )
    assert response.status_code == 302
    world.kong.refresh_from_db()
    assert world.kong.note == "村委会在村东"
    entry = AuditEntry.objects.get(action="region.update", object_id=str(world.kong.pk))
    assert entry.changes["note"] == ["", "村委会在村东"]
    assert entry.reason == "核实"
    assert entry.actor.username == "demo-leader"


@pytest.mark.parametrize(
    ("boundary", "message"),
    [
        ("{not json", "边界不是有效的 GeoJSON（第 1 行第 2 列附近有误）。"),
        ('{"type": "Point", "coordinates": [117.0, 36.9]}', "边界必须是 GeoJSON 的 Polygon 或 MultiPolygon。"),
        (
            '{"type": "Polygon", "coordinates": [[[117.0, 36.9], [117.1, 36.9], [117.1, 37.0]]]}',
            "边界的每个环至少 4 个点，且首尾坐标相同（闭合）。",
        ),
        (
            '{"type": "Polygon", "coordinates": [[[36.9, 117.0], [36.9, 117.1], [37.0, 117.1], [36.9, 117.0]]]}',
            "不在中国境内：请使用 WGS-84 经纬度，经度在前。",
        ),
        ('{"type": "Polygon", "coordinates": "abc"}', "边界坐标无法读取"),
    ],
    ids=["not-json", "point", "open-ring", "lat-first", "bad-coordinates"],
)
def test_an_invalid_boundary_is_refused_in_chinese_and_nothing_is_written(leader, world, boundary, message):
    old_boundary = world.kong.boundary
    before = AuditEntry.objects.count()
    response = leader.post(f"/regions/{world.kong.code}/edit/", {"name": "改过的名字", "boundary": boundary})
    assert response.status_code == 200
    assert message in errors(response)
    world.kong.refresh_from_db()
    assert world.kong.boundary == old_boundary
    assert world.kong.name == "孔家坊村"
    assert AuditEntry.objects.count() == before


def test_a_geojson_feature_is_accepted_as_its_geometry(leader, world):
    ring = [[117.0, 36.9], [117.01, 36.9], [117.01, 36.91], [117.0, 36.9]]
    feature = f'{{"type": "Feature", "properties": {{}}, "geometry": {{"type": "Polygon", "coordinates": [{ring}]}}}}'
    response = leader.post(
        f"/regions/{world.kong_grid.code}/edit/", {"name": world.kong_grid.name, "boundary": feature}
    )
    assert response.status_code == 302
    world.kong_grid.refresh_from_db()
    assert world.kong_grid.boundary == {"type": "Polygon", "coordinates": [ring]}


def test_creating_a_grid_through_the_page(leader, world):
    response = leader.post(
        f"/regions/{world.kong.code}/children/new/", {"code": world.kong.code + "009", "name": "孔家坊村新网格"}
    )
    assert response.status_code == 302
    grid = Region.objects.get(code=world.kong.code + "009")
    assert response["Location"] == f"/regions/{grid.code}/"
    assert grid.level == Level.GRID and grid.parent == world.kong


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("370115003209", "网格代码应为 15 位数字"),
        ("370115003206001", "应以上级“孔家坊村”的代码 370115003209 开头"),
        ("370115003209001", "区划代码 370115003209001 已存在，不能重复。"),
    ],
    ids=["short", "foreign-prefix", "duplicate"],
)
def test_creating_a_region_with_a_bad_code_says_why(leader, world, code, message):
    before = (Region.objects.count(), AuditEntry.objects.count())
    response = leader.post(f"/regions/{world.kong.code}/children/new/", {"code": code, "name": "新网格"})
    assert response.status_code == 200
    assert message in errors(response)
    assert (Region.objects.count(), AuditEntry.objects.count()) == before


def test_merging_villages_through_the_page(leader, world):
    before_grids = world.kong.children.count() + world.yan.children.count()
    response = leader.post(
        f"/regions/{world.sub.code}/merge/",
        {
            "villages": [world.kong.pk, world.yan.pk],
            "code": "370115003999",
            "name": "孔阎村",
            "on": "2020-11-01",  # before the demo's today (2020-11-20)
            "reason": "济阳政字〔2026〕1号",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/regions/370115003999/"
    page = leader.get("/regions/370115003999/")
    html = text(page)
    assert "已合并设立“孔阎村”；原村的历史记录仍归属原村。" in messages_of(page)
    assert "由以下村居合并" in html
    assert f'href="/regions/{world.kong.code}/"' in html and f'href="/regions/{world.yan.code}/"' in html
    assert Region.objects.get(code="370115003999").children.count() == before_grids

    old = text(leader.get(f"/regions/{world.kong.code}/"))
    assert "已合并入" in old and 'href="/regions/370115003999/"' in old
    assert "2020-11-01" in old
    sub_page = text(leader.get(f"/regions/{world.sub.code}/"))
    assert f'href="/regions/{world.kong.code}/"' not in sub_page
    with_history = text(leader.get(f"/regions/{world.sub.code}/?history=1"))
    assert f'href="/regions/{world.kong.code}/"' in with_history
    assert "2020-11-01 撤销" in with_history


def test_a_refused_merge_on_the_page_says_why_and_writes_nothing(leader, world):
    before = (Region.objects.count(), AuditEntry.objects.count())
    response = leader.post(
        f"/regions/{world.sub.code}/merge/",
        {
            "villages": [world.kong.pk, world.yan.pk],
            "code": world.kong.code,
            "name": "孔阎村",
            "on": "2026-06-01",
            "reason": "测试",
        },
    )
    assert response.status_code == 200
    assert f"区划代码 {world.kong.code} 已存在，不能重复。" in errors(response)
    assert (Region.objects.count(), AuditEntry.objects.count()) == before


def test_the_merge_form_offers_only_the_subdistricts_current_villages(leader, world):
    sub2 = do_create_region(
        code="370115004", name="测试第二街道", level=Level.SUBDISTRICT, parent=world.district, actor=None, scope=SUPER
    )
    village2 = do_create_region(
        code="370115004201", name="测试邻村", level=Level.VILLAGE, parent=sub2, actor=None, scope=SUPER
    )
    html = text(leader.get(f"/regions/{world.sub.code}/merge/"))
    assert "孔家坊村" in html and "测试邻村" not in html
    response = leader.post(
        f"/regions/{world.sub.code}/merge/",
        {
            "villages": [world.kong.pk, village2.pk],
            "code": "370115003999",
            "name": "跨街道",
            "on": "2026-06-01",
            "reason": "测试",
        },
    )
    assert response.status_code == 200
    assert not Region.objects.filter(code="370115003999").exists()


def test_the_village_cadre_sets_a_chain_link_on_their_grid(as_persona, world):
    client = as_persona("village")
    level = ChainLevel.objects.get(subdistrict=world.sub, order=5)
    response = client.post(
        f"/regions/{world.kong_grid.code}/chain/",
        {"level": level.pk, "contact_name": "孔联户", "contact_phone": "0531-88886666"},
    )
    assert response.status_code == 302
    link = ChainLink.objects.active().get(grid=world.kong_grid, level=level)
    assert (link.contact_name, link.contact_phone) == ("孔联户", "0531-88886666")
    assert "孔联户" in text(client.get(f"/regions/{world.kong_grid.code}/"))


def test_a_chain_link_with_a_bad_phone_or_no_one_is_refused(as_persona, world):
    client = as_persona("village")
    level = ChainLevel.objects.get(subdistrict=world.sub, order=5)
    before = ChainLink.objects.count()
    response = client.post(
        f"/regions/{world.kong_grid.code}/chain/", {"level": level.pk, "contact_name": "某人", "contact_phone": "电话"}
    )
    assert "电话号码只能包含数字和短横线。" in errors(response)
    response = client.post(f"/regions/{world.kong_grid.code}/chain/", {"level": level.pk})
    assert "请选择系统内人员，或填写联系人姓名。" in errors(response)
    assert ChainLink.objects.count() == before


def test_a_full_width_contact_phone_is_not_stored_as_typed(as_persona, world):
    """The chain's phone field takes what an input method types; the stored number must be ASCII digits."""
    level = ChainLevel.objects.get(subdistrict=world.sub, order=5)
    response = as_persona("village").post(
        f"/regions/{world.kong_grid.code}/chain/",
        {"level": level.pk, "contact_name": "全角联户", "contact_phone": "１３９００００１１１１"},
    )
    link = ChainLink.objects.active().filter(grid=world.kong_grid, level=level, contact_name="全角联户").first()
    if link is None:
        assert "电话号码只能包含数字和短横线。" in errors(response)
    else:
        assert link.contact_phone == "13900001111"


# ---- people and roles ---------------------------------------------------------------------------------------


def test_people_list_shows_the_subdistricts_people_with_their_roles(leader):
    response = leader.get("/people/")
    assert response.status_code == 200
    html = text(response)
    assert "人员与角色" in html
    assert "demo-civil" in html and "王民政" in html
    found = text(leader.get("/people/?q=孔立新"))
    assert "demo-village" in found and "村干部 · 孔家坊村" in found
    assert "demo-leader" not in found


def test_person_detail_and_units(leader, world):
    village = person("demo-village")
    html = text(leader.get(f"/people/{village.pk}/"))
    assert "孔立新" in html and "孔家坊村党支部书记" in html and "村干部" in html
    units = text(leader.get("/units/"))
    assert "城市管理办公室（城管办）" in units


def test_creating_a_person_through_the_page_is_audited(leader, world):
    response = leader.post(
        "/people/new/",
        {
            "username": "kong-clerk",
            "full_name": "孔文书",
            "phone": "13900008888",
            "title": "村文书",
            "region": world.kong.pk,
            "password": "Qz7-绿水青山-Lp",
        },
    )
    assert response.status_code == 302
    created = Person.objects.get(username="kong-clerk")
    assert response["Location"] == f"/people/{created.pk}/"
    assert created.region == world.kong and created.phone == "13900008888"
    assert created.check_password("Qz7-绿水青山-Lp")
    entry = AuditEntry.objects.get(action="person.create", object_id=str(created.pk))
    assert entry.actor.username == "demo-leader"
    assert entry.changes == {"username": [None, "kong-clerk"], "full_name": [None, "孔文书"]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phone": "12345"}, "手机号应为 11 位数字，以 1 开头。"),
        ({"username": "demo-village"}, "登录名“demo-village”已被使用。"),
        ({"username": "有空格 的名"}, "登录名只能包含字母、数字和 @ . + - _。"),
        ({"region": "district"}, "所选区划不在您的管理范围内。"),
        ({"password": "1234567890"}, ""),
    ],
    ids=["bad-phone", "duplicate-username", "bad-username", "region-outside-scope", "numeric-password"],
)
def test_bad_person_input_is_refused_in_chinese(leader, world, data, message):
    form = {"username": "new-person", "full_name": "新人", "region": world.kong.pk, **data}
    if form["region"] == "district":
        form["region"] = world.district.pk
    before = (Person.objects.count(), AuditEntry.objects.count())
    response = leader.post("/people/new/", form)
    assert response.status_code == 400  # the form shown again with its sentence
    shown = errors(response)
    assert shown, "an error is shown"
    assert message in shown
    assert (Person.objects.count(), AuditEntry.objects.count()) == before


def test_a_full_width_phone_number_is_not_stored_as_typed(leader, world):
    """Chinese input methods type full-width digits; the stored number must be one a phone can dial."""
    response = leader.post(
        "/people/new/",
        {"username": "fullwidth", "full_name": "全角", "region": world.kong.pk, "phone": "１３９００００８８８８"},
    )
    created = Person.objects.filter(username="fullwidth").first()
    if created is None:
        assert "手机号应为 11 位数字，以 1 开头。" in errors(response)
    else:
        assert created.phone == "13900008888"


def test_granting_and_ending_a_role_through_the_pages(leader, world):
    target = world.yan_person
    response = leader.post(
        f"/people/{target.pk}/roles/new/", {"role": "viewer", "region_code": world.yan.code, "title": "督查"}
    )
    assert response.status_code == 302
    ra = RoleAssignment.objects.active().get(person=target, role=Role.VIEWER)
    assert ra.region == world.yan and ra.granted_by.username == "demo-leader"
    assert "已授予角色：只读查看（阎桥村）。" in messages_of(leader.get(f"/people/{target.pk}/"))

    response = leader.post(f"/roles/{ra.pk}/end/", {"reason": "督查结束"})
    assert response.status_code == 302
    ra.refresh_from_db()
    assert ra.ended_reason == "督查结束"
    assert "角色已结束。" in messages_of(leader.get(f"/people/{target.pk}/"))


def test_ending_a_role_without_reason_is_refused(leader, world):
    ra = RoleAssignment.objects.get(person=world.yan_person)
    response = leader.post(f"/roles/{ra.pk}/end/", {"reason": ""}, follow=True)
    assert "结束角色必须填写原因。" in messages_of(response)
    ra.refresh_from_db()
    assert ra.ended_at is None


def test_granting_a_role_on_an_unknown_or_foreign_region_is_refused(leader, world):
    before = RoleAssignment.objects.count()
    response = leader.post(
        f"/people/{world.yan_person.pk}/roles/new/", {"role": "viewer", "region_code": world.district.code}
    )
    assert response.status_code == 400
    assert f"区划代码 {world.district.code} 不存在或不在您的管理范围内。" in errors(response)
    response = leader.post(f"/people/{world.yan_person.pk}/roles/new/", {"role": "officer"})
    assert response.status_code == 400
    assert "部门工作人员角色必须选择单位。" in errors(response)
    assert RoleAssignment.objects.count() == before


def test_granting_a_role_of_the_wrong_level_says_why(leader, world):
    before = RoleAssignment.objects.count()
    response = leader.post(
        f"/people/{world.yan_person.pk}/roles/new/", {"role": "village_cadre", "region_code": world.yan_grid.code}
    )
    assert response.status_code == 400
    assert "“村干部”角色只能绑定到村/社区，不能绑定到网格" in errors(response)
    assert RoleAssignment.objects.count() == before


def test_archiving_a_person_through_the_page(leader, world):
    target = world.yan_person
    response = leader.post(f"/people/{target.pk}/archive/", {"reason": "调离"}, follow=True)
    assert f"已停用“{target.full_name}”。" in messages_of(response)
    target.refresh_from_db()
    assert not target.is_active
    assert "停用原因" in text(response) and "调离" in text(response)
    listed = f">{target.full_name}</a>"  # a row's link (the search box holds the name too)
    assert listed not in text(leader.get(f"/people/?q={target.full_name}"))
    assert listed in text(leader.get(f"/people/?show=all&q={target.full_name}"))


def test_archiving_without_reason_is_refused(leader, world):
    response = leader.post(f"/people/{world.yan_person.pk}/archive/", {"reason": " "}, follow=True)
    assert "停用人员必须填写原因。" in messages_of(response)
    world.yan_person.refresh_from_db()
    assert world.yan_person.is_active


def test_changing_ones_own_password(as_persona):
    client = as_persona("village")
    response = client.post(
        "/account/", {"form": "password", "old_password": "wrong", "new_password": "新的密码-abc-123"}
    )
    assert "原密码不正确。" in errors(response)
    response = client.post(
        "/account/", {"form": "password", "old_password": "zhili-demo", "new_password": "新的密码-abc-123"}, follow=True
    )
    assert "密码已修改。" in messages_of(response)
    assert person("demo-village").check_password("新的密码-abc-123")
    assert client.get("/").status_code == 200  # still signed in
    assert AuditEntry.objects.filter(action="person.set_password", actor__username="demo-village").exists()


# ---- query-count ceilings ------------------------------------------------------------------------------------


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_villages(world, n: int) -> None:
    for i in range(n):
        village = do_create_region(
            code=f"3701150039{i:02d}", name=f"加测村{i}", level=Level.VILLAGE, parent=world.sub, actor=None, scope=SUPER
        )
        for g in range(1, 4):
            do_create_region(
                code=f"{village.code}{g:03d}",
                name=f"加测村{i}第{g}网格",
                level=Level.GRID,
                parent=village,
                actor=None,
                scope=SUPER,
            )


def test_subdistrict_page_has_a_query_ceiling(leader, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        assert leader.get(f"/regions/{world.sub.code}/").status_code == 200


def test_subdistrict_page_queries_do_not_grow_with_villages(leader, world):
    url = f"/regions/{world.sub.code}/"
    before = count_queries(leader, url)
    add_villages(world, 5)
    assert count_queries(leader, url) == before


def test_village_page_has_a_query_ceiling(leader, world, django_assert_max_num_queries):
    # 15, the office-duty panel's 3 (today, the village's cadres, the month's sign-ins) and the household
    # coverage's 3 (households/panels.py: the setup's N days, today, one count)
    with django_assert_max_num_queries(21):
        assert leader.get(f"/regions/{world.kong.code}/").status_code == 200


def test_grid_page_has_a_query_ceiling(leader, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        assert leader.get(f"/regions/{world.kong_grid.code}/").status_code == 200


def test_people_list_has_a_query_ceiling(leader, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        assert leader.get("/people/").status_code == 200


def test_people_list_queries_do_not_grow_with_people(leader, world):
    def add(i: int) -> None:
        p = do_create_person(username=f"extra-{i}", full_name=f"加测{i}", region=world.kong, actor=None, scope=SUPER)
        RoleAssignment.objects.create(person=p, role=Role.VIEWER, region=world.kong)
        RoleAssignment.objects.create(person=p, role=Role.VIEWER, region=world.kong_grid)

    add(0)
    before = count_queries(leader, "/people/?q=加测")
    for i in range(1, 9):
        add(i)
    assert count_queries(leader, "/people/?q=加测") == before


def test_audit_log_has_a_query_ceiling(db, django_assert_max_num_queries):
    auditor = Client()
    auditor.force_login(person("demo-auditor"))  # the audit administrator reads it (三员分立)
    with django_assert_max_num_queries(12):
        assert auditor.get("/audit/").status_code == 200


def test_scope_is_built_once_per_request(as_persona, world):
    client = as_persona("village")
    village = person("demo-village")
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/regions/{world.kong.code}/")
    role_queries = [  # scope_for reads the roles once, in its own statement (people/scope._sql)
        q
        for q in ctx.captured_queries
        if "people_roleassignment" in q["sql"]
        and any(f'{table}"person_id" = {village.pk}' in q["sql"] for table in ('"people_roleassignment".', "ra."))
    ]
    assert len(role_queries) == 1, [q["sql"] for q in role_queries]


def test_scope_for_is_a_few_queries(world, django_assert_max_num_queries):
    village = person("demo-village")
    with django_assert_max_num_queries(2):
        scope_for(village)
