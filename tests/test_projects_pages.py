"""The projects and tax-source pages (经发办): they render for the subdistrict's people with projects made here (not
the demo's), a village cadre sees only his village's projects and no tax figure, bad input is a 400 with its
sentence, and each page runs a fixed number of queries whatever the number of projects."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.conftest import person, without_demo_projects
from zhili.cases.models import Case
from zhili.core.models import AuditEntry
from zhili.people.scope import scope_for
from zhili.projects import actions, monitor
from zhili.projects.models import (
    Enterprise,
    EnterpriseRequest,
    Project,
    ProjectMonth,
    ProjectStatus,
    TaxKind,
    TaxReceipt,
    TaxSetup,
)

D = Decimal
MONTHS = [datetime.date(2020, m, 1) for m in (3, 4, 5, 6)]


def _enterprise(world, name, uscc, county, *, region=None, key=False, liaison=None):
    return Enterprise.objects.create(
        subdistrict=world.sub,
        region=region or world.sub,
        name=name,
        uscc=uscc,
        county_code=county,
        is_key=key,
        liaison=liaison,
        status="producing" if key else "",
    )


def _project(world, name, village, contractor, *, relation, planned, registered=False, in_park=False, months=MONTHS):
    p = Project.objects.create(
        subdistrict=world.sub,
        region=village,
        name=name,
        owner_name="太平街道办事处",
        contractor=contractor,
        relation=relation,
        planned_investment=D(planned),
        start=datetime.date(2020, 3, 1),
        status=ProjectStatus.BUILDING,
        registered=registered,
        in_park=in_park,
    )
    ProjectMonth.objects.bulk_create(
        ProjectMonth(project=p, month=m, received=D("1030000"), subcontract=D("200000"), investment=D("50"))
        for m in months
    )
    return p


def _receipt(world, n, *, project=None, enterprise=None, tax=TaxKind.VAT, amount="1000", taxpayer="省建工集团"):
    return TaxReceipt.objects.create(
        subdistrict=world.sub,
        region=project.region if project else world.sub,
        taxpayer_id=enterprise.uscc if enterprise else "91370000XXXXXXXX0X",
        taxpayer_name=enterprise.name if enterprise else taxpayer,
        tax=tax,
        period=datetime.date(2020, 4, 1),
        amount=D(amount),
        enterprise=enterprise,
        project=project,
        key=f"test-{n}",
    )


@pytest.fixture
def taxes(world):
    """Three projects (two in 孔家坊, one in 阎桥 whose contractor's tax leaves), a key enterprise with a request,
    receipts matched and unmatched, the expected taxes computed."""
    without_demo_projects(world.sub)
    leader = person("demo-leader")
    setup = actions.do_save_setup(world.sub, {}, actor=leader, scope=scope_for(leader))
    far = _enterprise(world, "外省建工集团有限公司", "91110000TEST00001A", "110105")
    near = _enterprise(world, "邻县建设有限公司", "91370100TEST00002B", "370112")
    key = _enterprise(world, "膜丽东方（测试）", "91370100TEST00003C", "370115", region=world.kong, key=True)
    big = _project(world, "孔家坊安置区一期", world.kong, far, relation="other_province", planned="800")
    park = _project(world, "产业园标准厂房", world.kong, far, relation="other_province", planned="300", in_park=True)
    leaving = _project(world, "阎桥村道路改造", world.yan, near, relation="same_city", planned="300", registered=True)
    _receipt(world, 1, project=big, enterprise=far, amount="5000")
    _receipt(world, 2, amount="777.7", taxpayer="未登记的纳税人")
    _receipt(world, 3, enterprise=key, amount="12345")
    monitor.refresh([big.pk, park.pk, leaving.pk])
    economy = person("demo-economy")
    request = actions.do_add_request(key, kind="power", description="增容", actor=economy, scope=scope_for(economy))
    return {"setup": setup, "big": big, "park": park, "leaving": leaving, "key": key, "request": request}


PAGES = [
    "/projects/overview/",
    "/projects/list/",
    "/projects/investment/",
    "/projects/receipts/",
    "/projects/gap/?month=2020-04",
    "/projects/enterprises/",
]


@pytest.mark.parametrize("persona", ["economy", "leader"])
def test_pages_render_for_the_office_and_the_leader(taxes, as_persona, persona):
    client = as_persona(persona)
    for url in [
        *PAGES,
        f"/projects/{taxes['big'].pk}/",
        f"/projects/enterprises/{taxes['key'].pk}/",
        f"/projects/enterprises/{taxes['key'].pk}/edit/",
        "/projects/enterprises/new/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    assert client.get("/projects/").url == "/projects/overview/"


def test_the_overview_names_what_needs_doing(taxes, as_persona):
    html = as_persona("economy").get("/projects/overview/?year=2020").content.decode()
    assert "孔家坊安置区一期" in html  # 应统未统: 800 万元, building, not registered
    assert "阎桥村道路改造" in html  # its tax leaves for another county of the city
    assert "膜丽东方（测试）" in html and taxes["request"].case.number in html  # an open request of a key enterprise
    assert html.count("<svg") == 3  # investment, expected against received, the gap's trend — drawn here


def test_the_project_page_shows_the_expected_taxes_beside_the_receipts(taxes, as_persona):
    html = as_persona("economy").get(f"/projects/{taxes['big'].pk}/").content.decode()
    assert "应缴税款与入库" in html and "5,000" in html  # the matched receipt
    assert "20,000" in html  # (1,030,000 − 200,000) ÷ 1.09 × 2 % … the base is 830,000 − shown as 830,000
    leaving = as_persona("economy").get(f"/projects/{taxes['leaving'].pk}/").content.decode()
    assert "本地不预缴" in leaving


def test_unmatched_receipts_are_listed(taxes, as_persona):
    html = as_persona("economy").get("/projects/receipts/?year=2020").content.decode()
    assert "未匹配的入库明细" in html and "未登记的纳税人" in html and "777.7" in html


def test_the_gap_lists_expected_minus_received(taxes, as_persona):
    html = as_persona("economy").get("/projects/gap/?month=2020-04").content.decode()
    assert "孔家坊安置区一期" in html and "增值税" in html
    assert "阎桥村道路改造" not in html  # nothing is expected here of a project whose tax leaves


def test_a_village_cadre_sees_his_village_and_no_tax(taxes, as_persona):
    client = as_persona("village")
    html = client.get("/projects/list/").content.decode()
    assert "孔家坊安置区一期" in html and "阎桥村道路改造" not in html
    assert client.get("/projects/").url == "/projects/list/"
    detail = client.get(f"/projects/{taxes['big'].pk}/").content.decode()
    assert "应缴" not in detail and "外省建工集团有限公司" in detail
    assert client.get(f"/projects/{taxes['leaving'].pk}/").status_code == 404
    for url in ["/projects/overview/", "/projects/receipts/", "/projects/gap/", "/projects/enterprises/"]:
        assert client.get(url).status_code == 403, url
    assert client.get(f"/projects/enterprises/{taxes['key'].pk}/").status_code == 404
    investment = client.get("/projects/investment/?year=2020").content.decode()
    assert "孔家坊村" in investment and "阎桥村" not in investment


def test_an_outsider_cannot_open_a_kongjiafang_project(taxes, as_persona):
    client = as_persona("outsider")
    assert client.get(f"/projects/{taxes['big'].pk}/").status_code == 404
    assert client.get(f"/projects/{taxes['leaving'].pk}/").status_code == 200


@pytest.mark.parametrize(
    "url,sentence",
    [
        ("/projects/list/?status=nonsense", "请选择项目状态"),
        ("/projects/list/?page=abc", "页码"),
        ("/projects/list/?in_park=2", "请选择是或否"),
        ("/projects/overview/?year=20x0", "年份"),
        ("/projects/investment/?year=1900", "年份"),
        ("/projects/receipts/?month=13", "月份"),
        ("/projects/gap/?month=2020-13", "月份应写作"),
    ],
)
def test_bad_parameters_are_a_400_with_a_sentence(taxes, as_persona, url, sentence):
    response = as_persona("leader").get(url)
    assert response.status_code == 400 and sentence in response.content.decode()


def test_registering_an_enterprise_and_its_request(taxes, as_persona, world):
    client = as_persona("economy")
    bad = client.post(
        "/projects/enterprises/new/", {"name": "测试", "uscc": "91370100MA3C4XJ43X", "region": world.kong.pk}
    )
    assert bad.status_code == 400 and "统一社会信用代码" in bad.content.decode()
    assert not Enterprise.objects.filter(name="测试").exists()
    good = client.post(
        "/projects/enterprises/new/",
        {"name": "科尔超声波（测试）", "uscc": "91370100MA3C4XJ43J", "region": world.kong.pk, "is_key": "on"},
    )
    ent = Enterprise.objects.get(uscc="91370100MA3C4XJ43J")
    assert good.status_code == 302 and ent.is_key and ent.region == world.kong
    missing = client.post(f"/projects/enterprises/{ent.pk}/requests/", {"description": "用地"})
    assert missing.status_code == 400 and "请选择诉求类型" in missing.content.decode()
    done = client.post(f"/projects/enterprises/{ent.pk}/requests/", {"kind": "land", "description": "扩建用地 20 亩"})
    assert done.status_code == 302
    request = EnterpriseRequest.objects.get(enterprise=ent)
    assert Case.objects.get(pk=request.case_id).category.code == "enterprise-land"
    html = client.get(f"/projects/enterprises/{ent.pk}/").content.decode()
    assert request.case.number in html


def test_editing_an_enterprise_carries_its_revision(taxes, as_persona, world):
    client = as_persona("economy")
    key = taxes["key"]
    data = {"name": key.name, "region": world.kong.pk, "status": "resumed", "revision": key.revision}
    assert client.post(f"/projects/enterprises/{key.pk}/edit/", data).status_code == 302
    stale = client.post(f"/projects/enterprises/{key.pk}/edit/", data)
    assert stale.status_code == 409
    assert client.post(f"/projects/enterprises/{key.pk}/edit/", {**data, "region": "x"}).status_code == 400


def test_the_setup_page(taxes, as_persona):
    leader = as_persona("leader")
    setup = taxes["setup"]
    form = {
        "county_code": "370115",
        "location_class": "town",
        "gap_threshold": "500",
        "registration_threshold": "500",
        "revision": setup.revision,
    }
    bad = leader.post("/projects/setup/", {**form, "gap_threshold": "-1"})
    assert bad.status_code == 400 and "不能为负数" in bad.content.decode()
    assert leader.post("/projects/setup/", form).status_code == 302
    assert TaxSetup.objects.get(pk=setup.pk).location_class == "town"
    assert as_persona("economy").get("/projects/setup/").status_code == 403


def _many(world, n: int) -> None:
    far = Enterprise.objects.get(uscc="91110000TEST00001A")
    ids = []
    for i in range(n):
        village = world.kong if i % 2 else world.yan
        p = _project(world, f"批量项目{i:03d}", village, far, relation="other_province", planned=str(400 + i))
        _receipt(world, 100 + i, project=p, enterprise=far, amount="100")
        ids.append(p.pk)
    monitor.refresh(ids)


def test_a_fixed_number_of_queries_whatever_the_number_of_projects(
    taxes, as_persona, world, django_assert_max_num_queries
):
    client = as_persona("economy")
    urls = [*PAGES, f"/projects/{taxes['big'].pk}/", f"/projects/enterprises/{taxes['key'].pk}/"]

    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        found = {}
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            found[url] = len(ctx.captured_queries)
        return found

    few = counts()
    _many(world, 60)
    many = counts()
    assert many == few, {u: (few[u], many[u]) for u in urls if few[u] != many[u]}
    print(many)
    with django_assert_max_num_queries(25):
        assert client.get("/projects/list/?page=2").status_code == 200


def test_the_cockpit_panel_for_who_keeps_the_projects(taxes, as_persona):
    home = as_persona("economy").get("/").content.decode()
    assert 'id="cockpit-projects"' in home and "/projects/list/?unregistered=1" in home
    assert 'id="cockpit-projects"' not in as_persona("village").get("/").content.decode()
    assert 'id="cockpit-projects"' not in as_persona("urban").get("/").content.decode()


def test_the_api_lists_projects_in_scope_and_taxes_only_for_who_sees_them(taxes, as_persona):
    village = as_persona("village")
    names = [p["name"] for p in village.get("/api/v1/projects").json()]
    assert "孔家坊安置区一期" in names and "阎桥村道路改造" not in names
    unregistered = as_persona("economy").get("/api/v1/projects?unregistered=true").json()
    assert [p["name"] for p in unregistered] == ["孔家坊安置区一期"] and unregistered[0]["unregistered"]
    mine = village.get(f"/api/v1/projects/{taxes['big'].pk}").json()
    assert mine["taxes_visible"] is False and all(m["expected"] is None for m in mine["months"])
    office = as_persona("economy").get(f"/api/v1/projects/{taxes['big'].pk}").json()
    assert office["taxes_visible"] and any(Decimal(str(m["paid"])) == 5000 for m in office["months"])
    assert village.get(f"/api/v1/projects/{taxes['leaving'].pk}").status_code == 404


# ---- one project changed on its page ------------------------------------------------------------------------


def _edit_form(project, **changes) -> dict:
    data = {
        "region": project.region_id,
        "owner_name": project.owner_name,
        "management": project.management,
        "method": project.method,
        "contract_amount": project.contract_amount or "",
        "planned_investment": project.planned_investment,
        "start": project.start or "",
        "finish": project.finish or "",
        "status": project.status,
        "revision": project.revision,
    }
    if project.in_park:
        data["in_park"] = "on"
    if project.registered:
        data["registered"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_office_changes_a_project_and_its_expected_taxes_follow(world, as_persona):
    from zhili.projects.models import ExpectedTax, Project
    from zhili.projects.taxes import Method

    project = (
        Project.objects.filter(subdistrict=world.sub, method=Method.GENERAL, expected__vat__gt=0).distinct().first()
    )
    before = sum(e.vat for e in ExpectedTax.objects.filter(project=project))
    client = as_persona("economy")
    assert client.get(f"/projects/{project.pk}/edit/").status_code == 200
    response = client.post(
        f"/projects/{project.pk}/edit/", _edit_form(project, method=Method.SIMPLE, in_park="on", start="2020年1月2日")
    )
    assert response.status_code == 302, response.content.decode()[:500]
    project.refresh_from_db()
    assert project.method == Method.SIMPLE and project.in_park and project.revision > 1
    assert project.start.isoformat() == "2020-01-02"
    after = sum(e.vat for e in ExpectedTax.objects.filter(project=project))
    assert after != before  # 3 % of the base over 1.03 instead of 2 % over 1.09
    entry = AuditEntry.objects.filter(action="project.save").latest("at")
    assert set(entry.changes) >= {"method", "in_park", "start"}


def test_a_stale_or_wrong_project_edit_writes_nothing(world, as_persona):
    from zhili.projects.models import Project

    project = Project.objects.filter(subdistrict=world.sub).order_by("pk").first()
    client = as_persona("economy")
    before = AuditEntry.objects.count()
    stale = client.post(f"/projects/{project.pk}/edit/", _edit_form(project, revision=project.revision + 5))
    assert stale.status_code == 409 and "他人修改" in stale.content.decode()
    backwards = client.post(
        f"/projects/{project.pk}/edit/", _edit_form(project, start="2020-06-01", finish="2020-01-01")
    )
    assert backwards.status_code == 400 and "早于开工日期" in backwards.content.decode()
    negative = client.post(f"/projects/{project.pk}/edit/", _edit_form(project, planned_investment="-5"))
    assert negative.status_code == 400
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("persona,status", [("village", 403), ("viewer", 403), ("urban", 403)])
def test_only_the_keepers_change_a_project(world, as_persona, persona, status):
    from zhili.projects.models import Project

    project = (
        Project.objects.filter(subdistrict=world.sub, region=world.kong).first()
        or Project.objects.filter(subdistrict=world.sub).first()
    )
    response = as_persona(persona).post(f"/projects/{project.pk}/edit/", _edit_form(project, owner_name="改"))
    assert response.status_code in (status, 404)
    project.refresh_from_db()
    assert project.owner_name != "改"


def test_a_request_sent_twice_is_one_request(world, as_persona):
    """A double click or a retry after a dropped connection sends the form's random id again: one case, one entry."""
    from zhili.projects.models import Enterprise, EnterpriseRequest

    ent = Enterprise.objects.filter(subdistrict=world.sub, is_key=True).order_by("pk").first()
    client = as_persona("economy")
    page = client.get(f"/projects/enterprises/{ent.pk}/").content.decode()
    ref = page.split('name="client_ref" value="', 1)[1].split('"', 1)[0]
    assert len(ref) >= 12
    before = (EnterpriseRequest.objects.count(), AuditEntry.objects.filter(action="enterprise.request").count())
    form = {"kind": "power", "description": "增容 400 千伏安", "client_ref": ref}
    first = client.post(f"/projects/enterprises/{ent.pk}/requests/", form)
    again = client.post(f"/projects/enterprises/{ent.pk}/requests/", form)
    assert first.status_code == again.status_code == 302
    assert EnterpriseRequest.objects.count() == before[0] + 1
    assert AuditEntry.objects.filter(action="enterprise.request").count() == before[1] + 1
