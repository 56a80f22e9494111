"""Case pages and API: only legal steps are offered and accepted, forged posts change nothing, text is escaped,
statistics equal hand counts, public reports with tracking codes, confidential tips."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from tests import cases_factory as cf
from tests.conftest import PERSONAS
from zhili.cases import queries
from zhili.cases.models import Case, CaseEvent, Source, State
from zhili.core.models import AuditEntry
from zhili.people.actions import do_create_token
from zhili.people.models import Person, Role, RoleAssignment
from zhili.people.scope import scope_for

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(datetime.datetime(2021, 3, 1, 9, 0))


def test_the_page_offers_only_the_legal_steps_for_this_person(world, as_persona):
    case = cf.report(world.sub, world.kong_grid, at=AT)
    urban = as_persona("urban").get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="step-accept"' in urban and 'data-testid="step-reject"' in urban
    assert 'data-testid="step-close"' not in urban
    village = as_persona("village").get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="step-' not in village  # nothing to do for the village before dispatch


def test_a_forged_post_of_an_illegal_step_changes_nothing(world, as_persona):
    case = cf.report(world.sub, world.kong_grid, at=AT)
    before = (CaseEvent.objects.count(), AuditEntry.objects.count())
    response = as_persona("leader").post(f"/cases/{case.pk}/act/close/", {"revision": case.revision})
    assert response.status_code == 400
    assert "不能结案" in response.content.decode()
    assert (CaseEvent.objects.count(), AuditEntry.objects.count()) == before
    response = as_persona("leader").post(f"/cases/{case.pk}/act/teleport/", {})
    assert response.status_code == 400 and "没有“teleport”这项操作" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == State.REPORTED


def test_a_stale_form_gets_a_conflict(world, as_persona):
    case = cf.report(world.sub, world.kong_grid, at=AT)
    stale = case.revision
    assert as_persona("urban").post(f"/cases/{case.pk}/act/accept/", {"revision": stale}).status_code == 302
    response = as_persona("leader").post(f"/cases/{case.pk}/act/reject/", {"revision": stale, "note": "x"})
    assert response.status_code == 409 and "刷新" in response.content.decode()


def test_the_api_offers_and_enforces_the_same_steps(world, client):
    case = cf.report(world.sub, world.kong_grid, at=AT)
    urban = Person.objects.get(username="demo-urban")
    _, token = do_create_token(urban, name="t", actor=urban)
    auth = {"Authorization": f"Bearer {token}"}
    data = client.get(f"/api/v1/cases/{case.pk}", headers=auth).json()
    assert data["available_actions"] == ["accept", "reject", "merge"]
    response = client.post(f"/api/v1/cases/{case.pk}/actions/close", headers=auth)
    assert response.status_code == 400 and "不能结案" in response.json()["detail"]
    assert client.post(f"/api/v1/cases/{case.pk}/actions/accept", {"revision": 99}, headers=auth).status_code == 409
    response = client.post(f"/api/v1/cases/{case.pk}/actions/accept", headers=auth)
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    response = client.post(f"/api/v1/cases/{case.pk}/actions/dispatch", {"village": world.kong.code}, headers=auth)
    assert response.status_code == 400  # not yet filed
    client.post(f"/api/v1/cases/{case.pk}/actions/file", headers=auth)
    response = client.post(f"/api/v1/cases/{case.pk}/actions/dispatch", {"village": world.kong.code}, headers=auth)
    assert response.json()["state"] == "dispatched" and response.json()["village"] == "孔家坊村"


def test_html_and_script_in_a_description_are_shown_as_text(world, as_persona):
    case = cf.report(world.sub, world.kong_grid, at=AT, description='<script>alert("x")</script><b>粗</b>')
    html = as_persona("leader").get(f"/cases/{case.pk}/").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    listing = as_persona("leader").get("/cases/?q=script").content.decode()
    assert "<b>粗</b>" not in listing


def test_reporting_through_the_page_with_a_photo(world, as_persona):
    lng, lat = cf.point_in(world.kong_grid)
    category = cf.category(world.sub, "street-vending")
    response = as_persona("grid").post(
        "/cases/report/",
        {
            "category": category.pk,
            "description": "占道摆摊卖菜",
            "lng": str(lng),
            "lat": str(lat),
            "photos": [cf.jpeg(lng=lng, lat=lat)],
            "client_ref": "page-ref-1",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(client_ref="page-ref-1")
    assert case.source == Source.PATROL and case.region == world.kong_grid and case.photos.count() == 1
    # the same form posted again (a retry after a dropped connection) makes no second case
    as_persona("grid").post(
        "/cases/report/",
        {
            "category": category.pk,
            "description": "占道摆摊卖菜",
            "lng": str(lng),
            "lat": str(lat),
            "client_ref": "page-ref-1",
        },
    )
    assert Case.objects.filter(client_ref="page-ref-1").count() == 1


def test_a_report_without_location_keeps_what_was_typed(world, as_persona):
    category = cf.category(world.sub, "garbage")
    response = as_persona("grid").post("/cases/report/", {"category": category.pk, "description": "桥下垃圾成堆"})
    body = response.content.decode()
    assert response.status_code == 400 and "缺少位置" in body and "桥下垃圾成堆" in body


# ---- statistics --------------------------------------------------------------------------------


def test_statistics_equal_hand_counts(world):
    """Seven cases reported in March 2021, taken to known states; counted by hand below."""
    kong, yan = world.kong_grid, world.yan_grid
    t = AT
    a = cf.drive(cf.report(world.sub, kong, at=t), "close", at=t)  # closed on time
    b = cf.drive(cf.report(world.sub, kong, at=t, code="dust"), "feedback", at=t)
    b = cf.act(b, "rework", "demo-grid", note="未覆盖", at=t + datetime.timedelta(hours=3))  # reworked, open
    c = cf.drive(cf.report(world.sub, kong, at=t), "dispatch", at=t)  # dispatched, deadline passes
    d = cf.act(cf.report(world.sub, kong, at=t), "reject", "demo-urban", note="不属实")  # rejected
    e = cf.report(world.sub, kong, at=t)  # only reported
    f = cf.act(cf.report(world.sub, yan, by="demo-leader", at=t), "accept", "demo-urban", at=t)  # accepted (阎桥)
    g = cf.drive(
        cf.report(world.sub, yan, by="demo-leader", at=t, code="ruined-wall"), "dispatch", at=t, village=world.yan
    )
    g = cf.act(g, "request_extension", world.outsider.username, days=5, note="协调", at=t)
    g = cf.act(g, "approve_extension", "demo-leader", at=t)  # extended, still open
    now = t + datetime.timedelta(days=30)  # every handling deadline has passed
    leader = scope_for(Person.objects.get(username="demo-leader"))
    f_ = queries.Filters(since=datetime.date(2021, 3, 1), until=datetime.date(2021, 3, 31))
    rows = {r["name"]: r for r in queries.statistics(leader, world.sub, "village", f_, now=now)}
    kong_row, yan_row = rows["孔家坊村"], rows["阎桥村"]
    # 孔家坊: a, b, c, d, e reported; a, b, c accepted and filed and dispatched; due = a (closed), b and c (past
    # deadline); closed a (on time); reworked b; handled on time: a only (b's rework cleared its handling).
    assert (kong_row["reported"], kong_row["accepted"], kong_row["filed"], kong_row["dispatched"]) == (5, 3, 3, 3)
    assert (kong_row["due"], kong_row["closed"], kong_row["closed_on_time"], kong_row["reworked"]) == (3, 1, 1, 1)
    assert (kong_row["due_handling"], kong_row["handled_on_time"], kong_row["extended"]) == (3, 1, 0)
    assert kong_row["filing_rate"] == 100.0 and kong_row["closing_rate"] == 33.3
    assert kong_row["rework_rate"] == 33.3 and kong_row["on_time_handling_rate"] == 33.3
    assert kong_row["overdue"] == 2  # b (handling again) and c, both past their deadline
    # 阎桥: f accepted only; g filed, dispatched, extended → due after the extension too (30 days later)
    assert (yan_row["reported"], yan_row["accepted"], yan_row["filed"], yan_row["dispatched"]) == (2, 2, 1, 1)
    assert (yan_row["due"], yan_row["extended"], yan_row["extension_rate"]) == (1, 1, 100.0)
    assert yan_row["filing_rate"] == 50.0 and yan_row["dispatch_rate"] == 100.0
    by_unit = queries.statistics(leader, world.sub, "unit", f_, now=now)
    assert by_unit == []  # all were dispatched to villages
    by_grid = {r["name"]: r for r in queries.statistics(leader, world.sub, "grid", f_, now=now)}
    assert by_grid[kong.name]["reported"] == 5 and by_grid[world.yan_grid.name]["reported"] == 2
    inspectors = {r["name"]: r for r in queries.statistics(leader, world.sub, "inspector", f_, now=now)}
    grid_person = Person.objects.get(username="demo-grid")
    # 孔秀英 reported 5 on patrol; 3 were filed → 有效上报率 60 %; no public reports in her grid → 漏报率 0 %
    assert inspectors[grid_person.full_name]["reported"] == 5
    assert inspectors[grid_person.full_name]["valid_rate"] == 60.0
    assert inspectors[grid_person.full_name]["missed_rate"] == 0.0
    # the village cadre sees only their village's row
    village = scope_for(Person.objects.get(username="demo-village"))
    assert [r["name"] for r in queries.statistics(village, world.sub, "village", f_, now=now)] == ["孔家坊村"]
    assert {a.pk, b.pk, c.pk, d.pk, e.pk, f.pk, g.pk}  # all made


def test_the_statistics_page_shows_the_rates(world, as_persona):
    cf.drive(cf.report(world.sub, world.kong_grid, at=AT), "close", at=AT)
    html = as_persona("leader").get("/cases/stats/?by=village&since=2021-03-01&until=2021-03-31").content.decode()
    assert "孔家坊村" in html and "100.0%" in html and "按期结案率" in html


# ---- public reports, tracking, tips ------------------------------------------------------------


def test_a_citizen_reports_without_signing_in_and_follows_the_case(world, client):
    lng, lat = cf.point_in(world.kong_grid)
    category = cf.category(world.sub, "streetlight")
    response = client.post(
        "/public/report/",
        {
            "s": world.sub.code,
            "category": category.pk,
            "description": "路灯不亮<script>x</script>",
            "lng": str(lng),
            "lat": str(lat),
            "contact_phone": "13800000000",
            "photos": [cf.jpeg(lng=lng, lat=lat)],
        },
    )
    assert response.status_code == 302 and "/public/track/" in response["Location"]
    case = Case.objects.get(description__startswith="路灯不亮")
    assert case.source == Source.PUBLIC and case.is_public and case.contact_phone == "13800000000"
    page = client.get(response["Location"]).content.decode()
    assert case.tracking_code in page and "13800000000" not in page and "<script>x" not in page
    photo = case.photos.get()
    image = client.get(f"/public/track/{case.tracking_code}/photos/{photo.pk}")
    assert image.status_code == 200 and b"Exif" not in b"".join(image.streaming_content)[:200]
    assert client.get(f"/cases/{case.pk}/photos/{photo.pk}/original").status_code == 302  # sign-in needed
    assert client.get("/public/track/NOSUCHCODE/").status_code == 404


def test_a_flood_of_public_reports_from_one_address_is_refused(world, client):
    lng, lat = cf.point_in(world.kong_grid)
    category = cf.category(world.sub, "garbage")
    form = {"s": world.sub.code, "category": category.pk, "description": "垃圾", "lng": str(lng), "lat": str(lat)}
    codes = [client.post("/public/report/", form, REMOTE_ADDR="10.8.8.8").status_code for _ in range(7)]
    assert codes == [302] * 5 + [429, 429]
    assert Case.objects.filter(description="垃圾", source=Source.PUBLIC).count() == 5


def test_a_confidential_tip_is_seen_only_by_the_tip_officer_and_each_view_is_logged(world, client, as_persona):
    cf.setup(world.sub)
    response = client.post(
        "/public/tips/", {"s": world.sub.code, "description": "某人强揽工程、威胁村民", "contact_phone": "13900000000"}
    )
    assert response.status_code == 200 and "线索已收到" in response.content.decode()
    tip = Case.objects.get(source=Source.TIP, description__startswith="某人强揽")
    assert tip.confidential
    for name in PERSONAS:  # the leader included
        assert as_persona(name).get(f"/cases/{tip.pk}/").status_code == 404
        assert "强揽工程" not in as_persona(name).get("/cases/").content.decode()
    officer = Person.objects.create_user(username="tips", full_name="线索专管员", password="x")
    RoleAssignment.objects.create(person=officer, role=Role.TIP_OFFICER, region=world.sub)
    client.force_login(officer)
    before = AuditEntry.objects.filter(action="case.view_confidential").count()
    page = client.get(f"/cases/{tip.pk}/").content.decode()
    assert "强揽工程" in page and "13900000000" in page
    assert AuditEntry.objects.filter(action="case.view_confidential").count() == before + 1
    assert "强揽工程" in client.get("/cases/").content.decode()


def test_the_statistics_export_has_the_pages_numbers(world, as_persona):
    import io

    from openpyxl import load_workbook

    cf.drive(cf.report(world.sub, world.kong_grid, at=AT), "close", at=AT)
    cf.report(world.sub, world.kong_grid, at=AT)
    response = as_persona("leader").get("/cases/stats.xlsx?by=village&since=2021-03-01&until=2021-03-31")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "村（社区）")
    kong = next(r for r in rows[header:] if r[0] == "孔家坊村")
    assert kong[1:4] == [2, 1, 1] and kong[rows[header].index("结案率")] == 100.0
    assert rows[-1][0] == "合计" and rows[-1][1] == 2


def test_the_tip_officers_run_a_tips_loop_and_nobody_else_can(world):
    from zhili.cases import actions

    cf.setup(world.sub)
    tip = actions.do_submit_tip(subdistrict=world.sub, description="线索", origin="10.7.7.7")
    first = Person.objects.create_user(username="tips1", full_name="线索甲", password="x")
    second = Person.objects.create_user(username="tips2", full_name="线索乙", password="x")
    for p in (first, second):
        RoleAssignment.objects.create(person=p, role=Role.TIP_OFFICER, region=world.sub)
    for name in ("demo-leader", "demo-urban"):
        with pytest.raises(Exception, match="保密"):
            cf.act(tip, "accept", name)
    tip = cf.act(tip, "accept", "tips1")
    tip = cf.act(tip, "file", "tips1")
    tip = cf.act(tip, "dispatch", "tips1", unit=world.sub.units.get(code="urban"))
    tip = cf.act(tip, "handle", "tips1", photos=[cf.jpeg()])
    tip = cf.act(tip, "feedback", "tips1")
    with pytest.raises(Exception, match="处置人以外"):
        cf.act(tip, "verify", "tips1")
    tip = cf.act(tip, "verify", "tips2")
    tip = cf.act(tip, "close", "tips2")
    assert tip.state == State.CLOSED
    assert not CaseEvent.objects.filter(case=tip, public=True).exists()


def test_another_villages_person_is_not_named_in_a_cases_history(world, as_persona):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=AT), "file", at=AT)
    case = cf.act(case, "dispatch", "demo-urban", village=world.yan, at=AT)
    case = actions_send_back(case, world)
    own = as_persona("village").get(f"/cases/{case.pk}/").content.decode()
    assert world.outsider.full_name not in own and "其他村（社区）人员" in own
    assert world.outsider.full_name in as_persona("leader").get(f"/cases/{case.pk}/").content.decode()


def actions_send_back(case, world):
    from zhili.cases import actions

    return actions.do_act(case, "send_back", actor=world.outsider, scope=scope_for(world.outsider), note="不属于本村")


def test_a_citizens_report_sent_twice_after_a_dropped_connection_is_one_case(world, client):
    lng, lat = cf.point_in(world.kong_grid)
    form = {
        "s": world.sub.code,
        "category": cf.category(world.sub, "garbage").pk,
        "description": "重复提交测试",
        "lng": str(lng),
        "lat": str(lat),
        "client_ref": "retry-public-1",
    }
    first = client.post("/public/report/", form, REMOTE_ADDR="10.6.6.6")
    again = client.post("/public/report/", form, REMOTE_ADDR="10.6.6.6")
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Case.objects.filter(description="重复提交测试").count() == 1


def test_each_statistics_figure_opens_onto_exactly_its_cases(world, as_persona, settings):
    import re as _re

    settings.ZHILI_TODAY = datetime.date(2021, 6, 1)  # the dispatched case's deadline has passed

    a = cf.drive(cf.report(world.sub, world.kong_grid, at=AT), "close", at=AT)
    late = cf.drive(cf.report(world.sub, world.kong_grid, at=AT), "dispatch", at=AT)
    dup = cf.act(cf.report(world.sub, world.kong_grid, at=AT), "merge", "demo-urban", master=late)
    client = as_persona("leader")
    html = client.get("/cases/stats/?by=village&since=2021-03-01&until=2021-03-31").content.decode()
    row = next(r for r in html.split("<tr>") if "孔家坊村" in r)
    # reported 2 (the merged duplicate is not counted), closed 1, 超期未处置 1
    assert [n for _, n in _re.findall(r'<a href="(/cases/\?[^"]+)">(\d+)</a>', row)] == ["2", "1", "1"]
    hrefs = _re.findall(r'<a href="(/cases/\?[^"]+)">', row)
    reported, closed, late_href = (h.replace("&amp;", "&") for h in hrefs[1:4])
    listed = {
        key: _re.findall(r"/cases/(\d+)/", client.get(url).content.decode())
        for key, url in (("reported", reported), ("closed", closed), ("late", late_href))
    }
    assert sorted(map(int, listed["reported"])) == sorted([a.pk, late.pk]) and str(dup.pk) not in listed["reported"]
    assert listed["closed"] == [str(a.pk)]
    assert listed["late"] == [str(late.pk)]


def test_statistics_by_grid_come_in_pages_with_the_total_of_all(as_persona, monkeypatch):
    from zhili.cases import views

    leader = as_persona("leader")
    whole = leader.get("/cases/stats/?by=grid").content.decode()
    rows = whole.count('<tr><td><a href="/cases/?') + whole.count("<tr><td>")
    monkeypatch.setattr(views, "STATS_PAGE", 10)
    first = leader.get("/cases/stats/?by=grid").content.decode()
    assert "第 1 / " in first and "by=grid&amp;page=2" in first
    tfoot = re.compile(r"<tfoot>.*?</tfoot>", re.S)
    assert tfoot.search(first).group(0) == tfoot.search(whole).group(0)  # the total counts every grid
    assert rows > 10 and first.count("<tr>") < whole.count("<tr>")
