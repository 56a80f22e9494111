"""/api/v1: personal tokens, Chinese errors, pagination and the same scope as the pages."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.test import Client

from tests.conftest import person
from zhili.core.models import AuditEntry
from zhili.people.actions import do_archive_person, do_create_token
from zhili.people.models import ApiToken, Person
from zhili.people.scope import scope_for
from zhili.regions.models import Region


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def token_for(username: str) -> str:
    who = person(username)
    return do_create_token(who, name="测试", actor=who)[1]


def api_post(client: Client, url: str, data: dict, **kwargs):
    return client.post(url, json.dumps(data), content_type="application/json", **kwargs)


# ---- tokens -------------------------------------------------------------------------------------------


def test_a_token_created_on_the_account_page_is_shown_once_and_works(as_persona):
    client = as_persona("village")
    response = client.post("/account/", {"form": "token", "name": "统计报表脚本"})
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(r'<code class="token" id="new-token">(zl_[A-Za-z0-9_-]+)</code>', html)
    assert match, "the new token is shown on the page"
    raw = match.group(1)
    assert "只显示这一次" in html

    token = ApiToken.objects.get(person__username="demo-village", name="统计报表脚本")
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (token.digest, token.hint, token.name)
    assert raw.startswith(token.hint) and len(token.hint) < len(raw)
    assert AuditEntry.objects.filter(action="token.create", object_id=str(token.pk)).exists()

    again = client.get("/account/").content.decode()
    assert raw not in again
    assert token.hint in again

    response = Client().get("/api/v1/me", headers=bearer(raw))
    assert response.status_code == 200
    assert response.json()["person"]["username"] == "demo-village"


def test_a_token_without_a_name_is_refused_on_the_page(as_persona):
    client = as_persona("village")
    before = ApiToken.objects.count()
    response = client.post("/account/", {"form": "token", "name": ""})
    assert response.status_code == 200
    assert "new-token" not in response.content.decode()
    assert ApiToken.objects.count() == before


def test_a_token_created_through_the_api_is_shown_once(as_persona):
    client = as_persona("grid")
    response = api_post(client, "/api/v1/tokens", {"name": "接口创建"})
    assert response.status_code == 201
    body = response.json()
    raw = body["token"]
    assert raw.startswith("zl_")
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    listed = client.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["接口创建"]
    assert "token" not in listed[0]
    assert raw not in json.dumps(listed)


def test_the_api_refuses_a_token_without_a_name_in_chinese(as_persona):
    response = api_post(as_persona("grid"), "/api/v1/tokens", {"name": " "})
    assert response.status_code == 400
    assert response.json()["detail"] == "请填写令牌用途（如“统计报表脚本”）。"


def test_revoking_on_the_page_makes_the_token_401(as_persona):
    raw = token_for("demo-village")
    token = ApiToken.objects.get(digest=hashlib.sha256(raw.encode()).hexdigest())
    assert Client().get("/api/v1/me", headers=bearer(raw)).status_code == 200
    response = as_persona("village").post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = Client().get("/api/v1/me", headers=bearer(raw))
    assert response.status_code == 401
    assert response.json()["detail"] == "API 令牌无效或已撤销。"
    assert AuditEntry.objects.filter(action="token.revoke", object_id=str(token.pk)).exists()


def test_revoking_through_the_api(as_persona):
    raw = token_for("demo-grid")
    token = ApiToken.objects.get(digest=hashlib.sha256(raw.encode()).hexdigest())
    response = api_post(Client(), f"/api/v1/tokens/{token.pk}/revoke", {}, headers=bearer(raw))
    assert response.status_code == 200
    assert response.json()["revoked_at"]
    assert Client().get("/api/v1/me", headers=bearer(raw)).status_code == 401


def test_nobody_revokes_another_persons_token(as_persona):
    raw = token_for("demo-grid")
    token = ApiToken.objects.get(digest=hashlib.sha256(raw.encode()).hexdigest())
    assert as_persona("leader").post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    other = token_for("demo-village")
    response = api_post(Client(), f"/api/v1/tokens/{token.pk}/revoke", {}, headers=bearer(other))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_archived_persons_token_stops_working(world):
    raw = token_for("demo-grid")
    leader = person("demo-leader")
    do_archive_person(person("demo-grid"), actor=leader, scope=scope_for(leader), reason="离职")
    assert Client().get("/api/v1/me", headers=bearer(raw)).status_code == 401


def test_using_a_token_records_when(world):
    raw = token_for("demo-viewer")
    Client().get("/api/v1/me", headers=bearer(raw))
    token = ApiToken.objects.get(digest=hashlib.sha256(raw.encode()).hexdigest())
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer abc", "Bearer zl_short", "Bearer zl_" + "a" * 30 + "!", "Bearer 中文令牌"],
    ids=["abc", "short", "bad-char", "chinese"],
)
def test_a_malformed_token_is_401_with_a_chinese_sentence(db, header):
    response = Client().get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "API 令牌格式不正确" in response.json()["detail"]


def test_a_malformed_token_is_refused_even_with_a_session(as_persona):
    response = as_persona("leader").get("/api/v1/me", headers={"Authorization": "Bearer abc"})
    assert response.status_code == 401


def test_an_unknown_token_is_401(db):
    response = Client().get("/api/v1/me", headers=bearer("zl_" + "A" * 43))
    assert response.status_code == 401
    assert response.json()["detail"] == "API 令牌无效或已撤销。"


def test_anonymous_gets_401_json_not_a_redirect(db):
    response = Client().get("/api/v1/regions")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "未登录" in response.json()["detail"]
    assert "Location" not in response


def test_anonymous_cannot_write(db):
    before = Region.objects.count()
    response = api_post(
        Client(), "/api/v1/regions", {"code": "370115003901", "name": "x", "level": 4, "parent_code": "370115003"}
    )
    assert response.status_code == 401
    assert Region.objects.count() == before


# ---- the OpenAPI document ------------------------------------------------------------------------------


def test_openapi_document_is_valid_json_with_the_endpoints(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "治理 Zhili API"
    paths = doc["paths"]
    for path in (
        "/api/v1/me",
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/regions/{code}/chain",
        "/api/v1/regions/merge",
        "/api/v1/people",
        "/api/v1/tokens",
        "/api/v1/audit",
    ):
        assert path in paths, path
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


# ---- validation errors in Chinese ---------------------------------------------------------------------------


def test_a_duplicate_code_gives_a_chinese_detail(world, as_persona):
    before = AuditEntry.objects.count()
    response = api_post(
        as_persona("leader"),
        "/api/v1/regions",
        {"code": world.yan.code, "name": "重复", "level": 4, "parent_code": world.sub.code},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": f"区划代码 {world.yan.code} 已存在，不能重复。"}
    assert AuditEntry.objects.count() == before


def test_an_unknown_parent_is_404_in_chinese(world, as_persona):
    before = Region.objects.count()
    response = api_post(
        as_persona("leader"),
        "/api/v1/regions",
        {"code": "370115099901", "name": "无主村", "level": 4, "parent_code": "370115099"},
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "不存在或无权查看。"
    assert Region.objects.count() == before


def test_a_missing_field_names_the_field(world, as_persona):
    response = api_post(
        as_persona("leader"), "/api/v1/regions", {"code": "370115003901", "level": 4, "parent_code": world.sub.code}
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("请求内容不正确：")
    assert "name" in detail


def test_a_bad_boundary_gives_a_chinese_detail(world, as_persona):
    response = as_persona("leader").patch(
        f"/api/v1/regions/{world.kong.code}",
        json.dumps({"boundary": {"type": "Point", "coordinates": [117, 37]}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "边界必须是 GeoJSON 的 Polygon 或 MultiPolygon。"
    world.kong.refresh_from_db()
    assert world.kong.boundary["type"] == "Polygon"


def test_merging_villages_of_two_subdistricts_through_the_api_is_refused(world, as_persona):
    from zhili.people.scope import Scope
    from zhili.regions.actions import do_create_region
    from zhili.regions.models import Level

    su = Scope(person_id=None, is_superuser=True)
    sub2 = do_create_region(
        code="370115004", name="测试第二街道", level=Level.SUBDISTRICT, parent=world.district, actor=None, scope=su
    )
    village2 = do_create_region(
        code="370115004201", name="测试邻村", level=Level.VILLAGE, parent=sub2, actor=None, scope=su
    )
    root = Person.objects.create_user(username="root", full_name="超级管理员", is_superuser=True)
    client = Client()
    client.force_login(root)
    before = (Region.objects.count(), AuditEntry.objects.count())
    response = api_post(
        client,
        "/api/v1/regions/merge",
        {
            "village_codes": [world.kong.code, village2.code],
            "code": "370115003999",
            "name": "跨街道村",
            "on": "2026-01-01",
            "reason": "测试",
        },
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("不能合并不同街道（乡镇）的村")
    assert (Region.objects.count(), AuditEntry.objects.count()) == before


def test_non_administrators_get_a_chinese_403(as_persona):
    response = as_persona("viewer").get("/api/v1/people")
    assert response.status_code == 403
    assert response.json()["detail"] == "只有系统管理员可以使用此接口。"


# ---- lists and scope -------------------------------------------------------------------------------------


def test_region_list_is_paginated(world, as_persona):
    client = as_persona("leader")
    expected = Region.objects.subtree(world.sub).current().count()
    first = client.get("/api/v1/regions?limit=10&offset=0").json()
    assert first["count"] == expected
    assert len(first["items"]) == 10
    second = client.get("/api/v1/regions?limit=10&offset=10").json()
    both = client.get("/api/v1/regions?limit=20&offset=0").json()
    assert [r["code"] for r in first["items"] + second["items"]] == [r["code"] for r in both["items"]]
    default = client.get("/api/v1/regions").json()
    assert len(default["items"]) == 100
    assert default["items"][0]["code"] == world.sub.code
    last = client.get(f"/api/v1/regions?limit=10&offset={expected - 3}").json()
    assert len(last["items"]) == 3


def test_region_list_filters(world, as_persona):
    client = as_persona("leader")
    villages = client.get("/api/v1/regions?level=4&limit=1000").json()
    assert villages["count"] == 91
    grids = client.get(f"/api/v1/regions?parent={world.kong.code}").json()
    assert {r["code"] for r in grids["items"]} == set(world.kong.children.values_list("code", flat=True))
    found = client.get("/api/v1/regions?q=孔家坊&level=4").json()
    assert [r["name"] for r in found["items"]] == ["孔家坊村"]


def test_a_village_cadre_lists_only_their_village(world, as_persona):
    response = Client().get("/api/v1/regions?limit=1000", headers=bearer(token_for("demo-village")))
    body = response.json()
    codes = [r["code"] for r in body["items"]]
    assert codes, "the village itself is listed"
    assert all(code.startswith(world.kong.code) for code in codes)
    assert body["count"] == 1 + world.kong.children.count()
    with_history = (
        Client().get("/api/v1/regions?include_closed=true&limit=1000", headers=bearer(token_for("demo-village"))).json()
    )
    assert all(r["code"].startswith(world.kong.code) for r in with_history["items"])


def test_a_village_cadre_cannot_open_another_village(world):
    raw = token_for("demo-village")
    response = Client().get(f"/api/v1/regions/{world.yan.code}", headers=bearer(raw))
    assert response.status_code == 404
    assert response.json()["detail"] == "不存在或无权查看。"
    response = Client().get(f"/api/v1/regions/{world.kong.code}", headers=bearer(raw))
    assert response.status_code == 200
    assert response.json()["name"] == "孔家坊村"


def test_the_grid_chain_through_the_api(world):
    response = Client().get(f"/api/v1/regions/{world.kong_grid.code}/chain", headers=bearer(token_for("demo-grid")))
    assert response.status_code == 200
    chain = response.json()
    assert [c["order"] for c in chain] == [1, 2, 3, 4, 5]
    assert chain[3]["name"] == "孔秀英"


def test_me_describes_roles_and_scope(world):
    body = Client().get("/api/v1/me", headers=bearer(token_for("demo-leader"))).json()
    assert body["person"]["full_name"] == "周太平"
    assert {r["role"] for r in body["roles"]} == {"leader", "admin"}
    assert body["admin_paths"] == [world.sub.path]
    assert body["is_superuser"] is False


def test_people_list_is_paginated_and_scoped(world, as_persona):
    body = as_persona("leader").get("/api/v1/people?limit=5").json()
    assert len(body["items"]) == 5
    assert body["count"] == Person.objects.filter(is_active=True, region__path__startswith=world.sub.path).count()


def test_the_audit_api_filters(world, as_persona):
    leader = person("demo-leader")
    from zhili.regions.actions import do_update_region

    do_update_region(world.kong, actor=leader, scope=scope_for(leader), note="接口审计")
    assert as_persona("leader").get("/api/v1/audit").status_code == 403  # a system administrator: not the log
    client = Client()
    client.force_login(person("demo-auditor"))  # the audit administrator reads it (三员分立)
    body = client.get(f"/api/v1/audit?actor=demo-leader&object_type=regions.region&object_id={world.kong.pk}").json()
    assert body["count"] == 1
    assert body["items"][0]["changes"] == {"note": ["", "接口审计"]}
    assert client.get("/api/v1/audit?actor=demo-viewer").json()["count"] == 0  # the viewer never writes


# ---- the API validates at the edge as the pages do ----------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "note"])
def test_patching_a_field_to_null_is_refused_in_chinese(world, as_persona, field):
    before = AuditEntry.objects.count()
    response = as_persona("leader").patch(
        f"/api/v1/regions/{world.kong.code}", json.dumps({field: None}), content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"])
    world.kong.refresh_from_db()
    assert world.kong.name == "孔家坊村" and world.kong.note == ""
    assert AuditEntry.objects.count() == before


def test_creating_a_region_with_an_invalid_boundary_is_refused(world, as_persona):
    before = (Region.objects.count(), AuditEntry.objects.count())
    response = api_post(
        as_persona("leader"),
        "/api/v1/regions",
        {
            "code": world.kong.code + "099",
            "name": "点状网格",
            "level": 5,
            "parent_code": world.kong.code,
            "boundary": {"type": "Point", "coordinates": [117.0, 36.9]},
        },
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "边界必须是 GeoJSON 的 Polygon 或 MultiPolygon。"
    assert (Region.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    "centre",
    [{"center_lng": 500}, {"center_lat": -80}, {"center_lng": 36.9, "center_lat": 117}],
    ids=["lng-500", "lat-south-pole", "swapped"],
)
def test_a_centre_outside_china_is_refused_as_on_the_page(world, as_persona, centre):
    response = as_persona("leader").patch(
        f"/api/v1/regions/{world.kong.code}", json.dumps(centre), content_type="application/json"
    )
    assert response.status_code in (400, 422)
    world.kong.refresh_from_db()
    assert 73 <= world.kong.center_lng <= 136 and 3 <= world.kong.center_lat <= 54


@pytest.mark.parametrize("data", [{"phone": "12345"}, {"username": "有 空格"}], ids=["bad-phone", "bad-username"])
def test_a_person_created_through_the_api_is_validated_as_on_the_page(world, as_persona, data):
    before = Person.objects.count()
    response = api_post(
        as_persona("leader"),
        "/api/v1/people",
        {"username": "api-person", "full_name": "接口新人", "region_code": world.kong.code, **data},
    )
    assert response.status_code in (400, 422)
    assert Person.objects.count() == before


@pytest.mark.parametrize(
    ("method", "url", "payload", "field"),
    [
        ("get", "/api/v1/regions?limit=5000", None, "limit"),
        ("get", "/api/v1/regions?level=abc", None, "level"),
        ("post", "/api/v1/regions", {"code": "370115003901", "level": 4, "parent_code": "370115003"}, "name"),
        (
            "post",
            "/api/v1/regions/merge",
            {"village_codes": [], "code": "1", "name": "x", "on": "明天", "reason": "x"},
            "on",
        ),
    ],
    ids=["limit-too-big", "level-not-a-number", "name-missing", "date-not-a-date"],
)
def test_schema_errors_say_which_field_and_why_in_chinese(as_persona, method, url, payload, field):
    client = as_persona("leader")
    response = client.get(url) if method == "get" else api_post(client, url, payload)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("请求内容不正确：")
    assert field in detail
    reason = detail.split("：", 2)[-1]
    assert not re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", reason), f"the reason is not in Chinese: {detail}"
