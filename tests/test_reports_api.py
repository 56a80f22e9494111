"""/api/v1/reports (issue 16): the catalogue of upward forms with this period's status and the cells filled by
Zhili and typed by people, and one filing with its values — the same rights as the pages (a village's cadre: an
empty catalogue and a 404, their row is on the pages), a personal token or the session."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from zhili.people.actions import do_create_token
from zhili.people.models import Person
from zhili.reports.models import Filing, FilingValue, Origin

pytestmark = pytest.mark.django_db


def get(username: str | None, url: str):
    headers = {}
    if username:
        who = Person.objects.get(username=username)
        headers["Authorization"] = f"Bearer {do_create_token(who, name='测试', actor=who)[1]}"
    return Client().get(url, headers=headers)


def test_the_catalogue_with_each_forms_period_status_and_counts(world):
    response = get("demo-leader", "/api/v1/reports/forms")
    assert response.status_code == 200
    forms = {f["code"]: f for f in response.json()}
    assert sorted(forms) == ["HJ-01", "JJ-01", "MS-01"]
    jj = forms["JJ-01"]
    assert jj["name"] == "经济运行情况月报表" and jj["frequency_label"] == "每月"
    assert jj["period"] == "2020-10" and jj["period_label"] == "2020年10月" and jj["status_label"] == "待审批"
    assert (jj["auto_cells"], jj["hand_cells"]) == (15, 1)
    filing = Filing.objects.get(form__code="JJ-01", period="2020-10")
    assert jj["filing_id"] == filing.pk and jj["due"] == filing.due.isoformat()
    assert forms["HJ-01"]["period"] == "2020-W46" and forms["MS-01"]["layout"] == "rows"


def test_a_village_cadre_gets_no_catalogue_and_no_filing(world):
    assert get("demo-village", "/api/v1/reports/forms").json() == []
    filing = Filing.objects.get(form__code="JJ-01", period="2020-09")
    assert get("demo-village", f"/api/v1/reports/filings/{filing.pk}").status_code == 404
    assert get(None, "/api/v1/reports/forms").status_code == 401


def test_a_filing_with_its_values_and_where_each_came_from(world):
    filing = Filing.objects.get(form__code="JJ-01", period="2020-09")
    response = get("demo-viewer", f"/api/v1/reports/filings/{filing.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["status_label"] == "已报送" and body["version"] == 1 and body["period_label"] == "2020年9月"
    values = {v["ref"]: v for v in body["values"]}
    assert len(values) == FilingValue.objects.filter(filing=filing).count() == 16
    d5 = FilingValue.objects.get(filing=filing, ref="D5")
    assert values["D5"]["origin"] == Origin.AUTO and Decimal(values["D5"]["number"]) == d5.number
    assert "固定资产投资" in values["D5"]["label"]
    assert values["D12"]["origin_label"] == "人工填写" and values["E2"]["text"] == "2020年9月"
    corrected = Filing.objects.get(form__code="JJ-01", period="2020-05", version=2)
    assert get("demo-economy", f"/api/v1/reports/filings/{corrected.pk}").json()["correction_reason"]
    assert get("demo-leader", "/api/v1/reports/filings/0").status_code == 404
