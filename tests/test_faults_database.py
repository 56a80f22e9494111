"""The database connection lost in the middle of a request (issue 17, "faults that lose nothing"), in the test's own
process: what ErrorMiddleware answers — 503 and a sentence for pages, `{"detail": …}` for the API, nothing of the
action written — and what it leaves alone (a mistake in a query stays a 500). The real thing, a PostgreSQL backend
terminated from a second connection inside an action's transaction, is tests/test_faults_processes.py's (it needs
a database of its own: the test's transaction would die with it)."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError

from tests import cases_factory as cf
from tests.conftest import person
from zhili.cases.models import Case
from zhili.core import audit

pytestmark = pytest.mark.django_db

NOT_SAVED = "数据库暂时无法连接，您刚才的操作没有保存，请稍后重试。"


def failing(monkeypatch, exc: Exception) -> None:
    """The action's audit entry (written last, inside its transaction) meets the broken connection."""

    def record(*args, **kwargs):
        raise exc

    monkeypatch.setattr(audit, "record", record)


def _report(client, world, ref, url="/cases/report/", **more):
    category = cf.category(world.sub, "street-vending")
    lng, lat = cf.point_in(world.kong_grid)
    form = {"description": "占道摆摊", "lng": str(lng), "lat": str(lat), "client_ref": ref, **more}
    return client.post(url, {"category": category.pk if url == "/cases/report/" else category.code, **form})


@pytest.mark.parametrize(
    "exc",
    [OperationalError("disk I/O error"), InterfaceError("connection already closed")],
    ids=["sqlite-disk", "closed"],
)
def test_a_page_whose_action_loses_the_database_says_nothing_was_saved(world, as_persona, monkeypatch, exc):
    client = as_persona("grid")
    failing(monkeypatch, exc)
    response = _report(client, world, "db-lost-1")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert NOT_SAVED in response.content.decode()
    assert not Case.objects.filter(client_ref="db-lost-1").exists()  # the action's transaction was rolled back
    monkeypatch.undo()
    assert client.get("/cases/").status_code == 200  # the next request works
    assert _report(client, world, "db-lost-1").status_code == 302


def test_the_api_answers_503_with_its_detail(world, monkeypatch):
    from django.test import Client

    client = Client()
    client.force_login(person("demo-grid"))
    failing(monkeypatch, InterfaceError("connection already closed"))
    response = _report(client, world, "db-lost-api", url="/api/v1/cases")
    assert response.status_code == 503 and response.json() == {"detail": NOT_SAVED}
    assert not Case.objects.filter(client_ref="db-lost-api").exists()


def test_a_page_read_while_the_database_is_away_says_only_to_retry(rf):
    from zhili.core.middleware import ErrorMiddleware

    response = ErrorMiddleware(lambda r: None).process_exception(
        rf.get("/cases/"), OperationalError("unable to open database file")
    )
    assert response.status_code == 503
    text = response.content.decode()
    assert "数据库暂时无法连接，请稍后重试。" in text and "没有保存" not in text


def test_a_mistake_in_a_query_is_not_taken_for_a_lost_connection(world, as_persona, monkeypatch):
    client = as_persona("grid")
    client.raise_request_exception = False
    failing(monkeypatch, OperationalError("no such column: cases_case.nothing"))
    response = _report(client, world, "db-bug-1")
    assert response.status_code == 500
    assert not Case.objects.filter(client_ref="db-bug-1").exists()
