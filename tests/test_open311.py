"""Open311 GeoReport v2 (/open311/v2/): an existing client from PyPI (`georeport`) reads a running server in
JSON and XML, requests created by POST read back, and bad input is refused with Open311 errors in Chinese.

The live-server tests are transactional (the database is flushed after each), so, like tests/browser/, each
puts the demo back from a copy taken after the first load (see tests/browser/conftest.py: DemoSnapshot). The
other tests use Django's test client on the session's demo, rolled back after each test.
"""

from __future__ import annotations

import datetime
import io
import json
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import requests
import xmltodict
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from georeport import GeoReport
from PIL import Image

from tests import open311_factory as factory
from tests.browser.conftest import DemoSnapshot
from zhili.cases import open311
from zhili.cases.models import Case, CaseRule, Source
from zhili.core import clock
from zhili.demo import taiping
from zhili.people.actions import do_create_token
from zhili.people.models import Person

BASE = "/open311/v2"


def as_list(value) -> list:
    """xmltodict gives a dict for one child element and a list for several."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def token_for(username: str) -> str:
    person = Person.objects.get(username=username)
    return do_create_token(person, name="open311 test", actor=person)[1]


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "ExifMakerSecret"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


# ---- against a running server, with the georeport client ----------------------------------------


class Open311Snapshot(DemoSnapshot):
    PREFIX = "zz_open311_demo_"  # its own copy: the browser tests keep theirs


@pytest.fixture(scope="session")
def open311_snapshot() -> Open311Snapshot:
    return Open311Snapshot()


@pytest.fixture
def served(live_server, open311_snapshot) -> str:
    """The Open311 root of a running server over the demo with the default case categories."""
    if not open311_snapshot.restore():
        taiping.load()
        factory.install_categories()
        open311_snapshot.take()
    return live_server.url + BASE


def test_georeport_lists_services_in_json_and_xml(served):
    sub = factory.subdistrict()
    for fmt in ("json", "xml"):
        client = GeoReport(root_address=served, output_format=fmt, jurisdiction=sub.code)
        services = as_list(client.get_service_list())
        by_code = {s["service_code"]: s for s in services}
        assert "trash-bin" in by_code and "street-vending" in by_code, fmt
        # leaves only: no classes (groups), no tips; citizens see only what they may report
        assert not {"bj-appearance", "sj-street", "saohei", "xs-tips", "hydrant"} & by_code.keys(), fmt
        trash = by_code["trash-bin"]
        assert trash["service_name"] == "垃圾桶（箱）破损或满溢"
        assert trash["group"] == "市容环境设施"
        assert trash["type"] == "realtime"
        assert trash["metadata"] in (False, "false")
        definition = client.get_service_definition("trash-bin")
        assert definition["service_code"] == "trash-bin"
        assert not definition.get("attributes")
    # without jurisdiction_id: there is one subdistrict
    assert len(GeoReport(root_address=served).get_service_list()) == len(services)


def test_post_and_read_back_with_georeport_in_json_and_xml(served):
    sub = factory.subdistrict()
    hidden = factory.patrol_case()  # an inspector's report: not public
    lng, lat = factory.grid_point(factory.kong_grid())
    response = requests.post(
        f"{served}/requests.json",
        data={
            "jurisdiction_id": sub.code,
            "service_code": "trash-bin",
            "lat": str(lat),
            "long": str(lng),
            "address_string": "孔家坊村东口",
            "description": "垃圾桶满了，三天没人清运",
            "first_name": "三",
            "last_name": "张",
            "phone": factory.CONTACT_PHONE,
            "email": "zhang@example.com",
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    [created] = response.json()
    number = created["service_request_id"]
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(number=number)
    assert case.source == Source.PUBLIC and case.is_public and case.contact_name == "张三"

    for fmt in ("json", "xml"):
        client = GeoReport(root_address=served, output_format=fmt, jurisdiction=sub.code)
        one = client.get_service_request(number)
        assert one["service_request_id"] == number
        assert one["status"] == "open"
        assert one["service_code"] == "trash-bin"
        assert one["service_name"] == "垃圾桶（箱）破损或满溢"
        assert one["description"] == "垃圾桶满了，三天没人清运"
        assert one["address"] == "孔家坊村东口"
        assert Decimal(str(one["lat"])) == lat and Decimal(str(one["long"])) == lng
        assert one["requested_datetime"].endswith("+08:00") and "T" in one["requested_datetime"]
        history = one["zhili_status_history"]
        events = as_list(history["event"]) if fmt == "xml" else history
        assert [e["state"] for e in events] == ["reported"] and events[0]["state_label"] == "已上报"
        listed = as_list(client.get_service_requests())
        numbers = [r["service_request_id"] for r in listed]
        assert number in numbers and hidden.number not in numbers, fmt
        assert number in [r["service_request_id"] for r in as_list(client.get_service_requests(status="open"))]
        by_id = as_list(client.get_service_requests(service_request_id=f"{number},{hidden.number}"))
        assert [r["service_request_id"] for r in by_id] == [number]
    # empty answers: georeport 0.3.1 cannot read an empty <service_requests/> (it indexes None), so XML by hand
    json_client = GeoReport(root_address=served, jurisdiction=sub.code)
    quiet = {"start_date": "2019-01-01T00:00:00+08:00", "end_date": "2019-01-31T00:00:00+08:00"}  # before any case
    assert json_client.get_service_requests(service_code="garbage", **quiet) == []
    assert json_client.get_service_requests(status="closed", **quiet) == []
    empty = requests.get(f"{served}/requests.xml", params={"status": "closed", **quiet}, timeout=10)
    assert ET.fromstring(empty.content).tag == "service_requests" and len(ET.fromstring(empty.content)) == 0

    # the same POST answered in XML
    xml = requests.post(
        f"{served}/requests.xml",
        data={"service_code": "street-vending", "lat": str(lat), "long": str(lng), "description": "占道摆摊"},
        timeout=10,
    )
    assert xml.status_code == 201 and xml.headers["Content-Type"].startswith("application/xml")
    assert Case.objects.filter(
        number=xmltodict.parse(xml.content)["service_requests"]["request"]["service_request_id"],
        category__code="street-vending",
    ).exists()
    assert requests.get(f"{served}/requests/{hidden.number}.json", timeout=10).status_code == 404


def test_media_url_serves_the_exif_free_copy_of_a_public_case(served):
    photo = SimpleUploadedFile("p.jpg", jpeg_with_exif(), content_type="image/jpeg")
    case = factory.public_case(photos=[photo])
    patrol = factory.patrol_case()
    one = GeoReport(root_address=served).get_service_request(case.number)
    assert one["media_url"].startswith(served + "/media/")
    image = requests.get(one["media_url"], timeout=10)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"
    assert b"ExifMakerSecret" not in image.content
    assert len(Image.open(io.BytesIO(image.content)).getexif()) == 0
    assert case.photos.get().original.open("rb").read().count(b"ExifMakerSecret") == 1  # the original keeps it
    # a photo of a case that is not public is not served
    from zhili.cases.models import CasePhoto

    other = CasePhoto.objects.create(
        case=patrol,
        stage="before",
        display=case.photos.get().display.name,
        original=case.photos.get().original.name,
        sha256="x",
        uploaded_at=patrol.reported_at,
    )
    assert requests.get(f"{served}/media/{other.pk}.jpg", timeout=10).status_code == 404


def test_api_key_post_creates_a_partner_case_its_owner_reads(served):
    key = token_for("demo-grid")
    lng, lat = factory.grid_point(factory.kong_grid())
    response = requests.post(
        f"{served}/requests.json",
        data={
            "api_key": key,
            "service_code": "garbage",
            "lat": str(lat),
            "long": str(lng),
            "description": "热线转来：村口垃圾堆积",
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    number = response.json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.source == Source.PARTNER and not case.is_public
    assert case.reporter.username == "demo-grid"

    assert requests.get(f"{served}/requests/{number}.json", timeout=10).status_code == 404  # not public
    mine = requests.get(f"{served}/requests/{number}.json", params={"api_key": key}, timeout=10)
    assert mine.status_code == 200 and mine.json()[0]["service_request_id"] == number
    listed = requests.get(f"{served}/requests.xml", params={"api_key": key}, timeout=10)
    assert number in [
        r["service_request_id"] for r in as_list(xmltodict.parse(listed.content)["service_requests"]["request"])
    ]
    yan_key = token_for(
        Person.objects.filter(roles__role="village_cadre", roles__region__name="阎桥村").first().username
    )
    assert requests.get(f"{served}/requests/{number}.json", params={"api_key": yan_key}, timeout=10).status_code == 404
    # the Authorization header works as well (the token is the same personal API token)
    assert (
        requests.get(
            f"{served}/requests/{number}.json", headers={"Authorization": f"Bearer {key}"}, timeout=10
        ).status_code
        == 200
    )


# ---- bad input and what never leaves (Django's test client on the session's demo) --------------


@pytest.fixture
def sub(db):
    return factory.install_categories()


def post(client: Client, data: dict, fmt: str = "json", ip: str = "203.0.113.5"):
    return client.post(f"{BASE}/requests.{fmt}", data, REMOTE_ADDR=ip)


def point() -> dict:
    lng, lat = factory.grid_point(factory.kong_grid())
    return {"lat": str(lat), "long": str(lng)}


def errors(response) -> list[dict]:
    return json.loads(response.content)


def test_rate_limit_answers_429_after_the_configured_number(sub):
    CaseRule.objects.filter(subdistrict=sub).update(public_per_hour=2)
    client = Client(enforce_csrf_checks=True)  # an API: no CSRF token needed
    data = {"service_code": "trash-bin", "description": "垃圾桶满溢", **point()}
    assert post(client, data).status_code == 201
    assert post(client, data).status_code == 201
    refused = post(client, data)
    assert refused.status_code == 429
    assert errors(refused) == [
        {"code": 429, "description": "同一网络地址一小时内最多提交 2 条，请稍后再试；紧急情况请拨打街道值班电话。"}
    ]
    as_xml = post(client, data, "xml")
    assert as_xml.status_code == 429
    root = ET.fromstring(as_xml.content)
    assert root.tag == "errors" and root.find("error/code").text == "429"
    assert "一小时内最多提交 2 条" in root.find("error/description").text
    assert post(client, data, ip="203.0.113.6").status_code == 201  # another sender is not limited


@pytest.mark.parametrize(
    ("lng", "lat", "says"),
    [
        ("116.397", "39.909", "不在太平街道"),  # Beijing: in China, outside the subdistrict
        ("0", "0", "不在中国境内"),
        ("east", "north", "不是有效的经纬度"),
    ],
)
def test_a_location_outside_the_subdistrict_is_refused_in_chinese(sub, lng, lat, says):
    before = Case.objects.count()
    response = post(Client(), {"service_code": "trash-bin", "description": "垃圾", "lat": lat, "long": lng})
    assert response.status_code == 400
    [error] = errors(response)
    assert error["code"] == 400 and says in error["description"]
    assert Case.objects.count() == before


def test_refusals_are_open311_errors(sub):
    client = Client()
    assert errors(client.get(f"{BASE}/services/no-such.json"))[0]["code"] == 404
    assert client.get(f"{BASE}/services/hydrant.json").status_code == 404  # not reportable by citizens
    assert client.get(f"{BASE}/requests/202099999999.json").status_code == 404
    missing = ET.fromstring(client.get(f"{BASE}/requests/202099999999.xml").content)
    assert missing.tag == "errors" and missing.find("error/code").text == "404"
    assert post(client, {"service_code": "no-such", "description": "x", **point()}).status_code == 404
    assert post(client, {"service_code": "hydrant", "description": "x", **point()}).status_code == 404
    no_text = post(client, {"service_code": "trash-bin", "description": "  ", **point()})
    assert no_text.status_code == 400 and errors(no_text)[0]["description"] == "请填写问题描述。"
    assert post(client, {"service_code": "trash-bin", "description": "x"}).status_code == 400  # no location
    assert errors(client.get(f"{BASE}/services.json", {"jurisdiction_id": "999999999"}))[0]["code"] == 404
    bad_key = client.get(f"{BASE}/requests.json", {"api_key": "zl_not-a-real-token-aaaaaaaaaaaa"})
    assert bad_key.status_code == 403 and "令牌" in errors(bad_key)[0]["description"]
    bad_date = client.get(f"{BASE}/requests.json", {"start_date": "yesterday"})
    assert bad_date.status_code == 400 and "W3C" in errors(bad_date)[0]["description"]
    wide = client.get(
        f"{BASE}/requests.json", {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-06-01T00:00:00Z"}
    )
    assert wide.status_code == 400 and "90 天" in errors(wide)[0]["description"]
    assert client.delete(f"{BASE}/requests.json").status_code == 405


def test_html_and_script_are_data_in_json_and_escaped_in_xml(sub):
    text = "<script>alert(\"x\")</script><img src=x onerror=alert(1)> & '引号'"
    client = Client()
    response = post(
        client, {"service_code": "trash-bin", "description": text, "address_string": "<b>村口</b>", **point()}
    )
    number = errors(response)[0]["service_request_id"]
    as_json = client.get(f"{BASE}/requests/{number}.json")
    assert as_json["Content-Type"].startswith("application/json")
    assert json.loads(as_json.content)[0]["description"] == text
    as_xml = client.get(f"{BASE}/requests/{number}.xml")
    raw = as_xml.content.decode()
    assert "<script>" not in raw and "<img" not in raw and "<b>" not in raw
    assert "&lt;script&gt;" in raw
    request = ET.fromstring(as_xml.content).find("request")
    assert request.find("description").text == text and request.find("address").text == "<b>村口</b>"


def test_confidential_tips_contacts_and_reporters_never_leave(sub):
    tip = factory.tip_case()
    public = factory.public_case()
    patrol = factory.patrol_case()
    leader_key = token_for("demo-leader")
    client = Client()
    secrets = [
        factory.CONTACT_NAME,
        factory.CONTACT_PHONE,
        factory.TIP_TEXT,
        tip.number,
        tip.tracking_code,
        public.tracking_code,
        "孔秀英",
        "demo-grid",
    ]
    bodies = []
    for fmt in ("json", "xml"):
        for params in ({}, {"api_key": leader_key}):
            listed = client.get(f"{BASE}/requests.{fmt}", params)
            assert listed.status_code == 200
            bodies.append(listed.content.decode())
            for case in (public, patrol):
                bodies.append(client.get(f"{BASE}/requests/{case.number}.{fmt}", params).content.decode())
            assert client.get(f"{BASE}/requests/{tip.number}.{fmt}", params).status_code == 404
    for body in bodies:
        for secret in secrets:
            assert secret not in body
    assert public.number in bodies[0] and patrol.number not in bodies[0]  # anonymous: public reports only
    assert patrol.number in bodies[3]  # the leader's token: the subdistrict's cases


def test_default_window_filters_and_row_cap(sub, monkeypatch):
    old = factory.public_case(description="四个月前的报告")
    Case.objects.filter(pk=old.pk).update(reported_at=clock.now() - datetime.timedelta(days=120))
    new = factory.public_case(description="新报告")
    client = Client()
    numbers = [r["service_request_id"] for r in json.loads(client.get(f"{BASE}/requests.json").content)]
    assert new.number in numbers and old.number not in numbers  # the last 90 days by default
    old_at = Case.objects.get(pk=old.pk).reported_at
    window = {
        "start_date": (old_at - datetime.timedelta(days=1)).isoformat(),
        "end_date": (old_at + datetime.timedelta(days=1)).isoformat(),
    }
    numbers = [r["service_request_id"] for r in json.loads(client.get(f"{BASE}/requests.json", window).content)]
    assert numbers == [old.number]
    monkeypatch.setattr(open311, "MAX_ROWS", 1)
    assert len(json.loads(client.get(f"{BASE}/requests.json").content)) == 1


def test_listing_runs_a_fixed_number_of_queries(sub, django_assert_max_num_queries):
    client = Client()
    factory.public_case()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        before = len(json.loads(client.get(f"{BASE}/requests.json").content))  # the demo's public reports too
    for i in range(4):
        factory.public_case(description=f"第 {i} 条", origin=f"192.0.2.{20 + i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(json.loads(client.get(f"{BASE}/requests.json").content)) == before + 4


def test_states_map_to_open_and_closed_with_the_last_public_note(sub):
    from zhili.cases.actions import do_act
    from zhili.people.scope import scope_for

    case = factory.public_case()
    urban = Person.objects.get(username="demo-urban")  # 城管办: the dispatcher
    do_act(case, "reject", actor=urban, scope=scope_for(urban), note="属于供电公司管辖，已转告")
    [row] = json.loads(Client().get(f"{BASE}/requests/{case.number}.json").content)
    assert row["status"] == "closed" and row["status_notes"] == "属于供电公司管辖，已转告"
    assert [(e["state"], e["state_label"]) for e in row["zhili_status_history"]] == [
        ("reported", "已上报"),
        ("rejected", "不予受理"),
    ]
    assert "陈城管" not in json.dumps(row, ensure_ascii=False)  # who acted stays inside
