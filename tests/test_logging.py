"""Log lines an operator can follow (core/logs.py, core/requestid.py): a request id on the response and on every
line of its request, the proxy's kept when sane, a hostile one replaced; a run's lines carry its run id; one line
per record; nothing a person typed — above all no password — in any line."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

import zhili
from tests.conftest import person
from zhili.core import jobs, logs

ROOT = Path(zhili.__file__).resolve().parent.parent
PASSWORD = "zhili-demo"
HEX32 = re.compile(r"[0-9a-f]{32}")

log = logging.getLogger(__name__)


@contextlib.contextmanager
def captured(formatter: logging.Formatter | None = None):
    """Every record of the block at DEBUG and above, through the filter and a formatter as settings.LOGGING
    uses them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(formatter or logs.JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


# ---- request ids -------------------------------------------------------------------------------------------


def test_every_line_of_a_request_carries_its_id_and_the_persons(world):
    client = Client()
    leader = person("demo-leader")
    client.force_login(leader)
    with captured() as stream:
        response = client.get("/no-such-page/?q=110101199003071234")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert HEX32.fullmatch(request_id)
    found = lines(stream)
    assert {r["logger"] for r in found} >= {"django.request", "zhili.access"}
    assert all(r["request_id"] == request_id for r in found), found
    assert all(r["user_id"] == leader.pk for r in found), found
    access = next(r for r in found if r["logger"] == "zhili.access")
    assert access["method"] == "GET" and access["path"] == "/no-such-page/" and access["status"] == 404
    assert access["duration_ms"] >= 0
    assert "110101199003071234" not in stream.getvalue()  # the query string is never logged


def test_each_request_has_its_own_id(db):
    client = Client()
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]
    assert first != second


@pytest.mark.parametrize("given", ["5f0c2a9e8b7d4c1a9e8b7d4c1a9e8b7d", "lb-2026-12-07-0001", "a"])
def test_a_sane_id_from_the_proxy_is_kept(db, given):
    with captured() as stream:
        response = Client().get("/healthz", headers={"X-Request-ID": given})
    assert response["X-Request-ID"] == given
    assert [r["request_id"] for r in lines(stream)] == [given]


@pytest.mark.parametrize(
    "given", ["x" * 65, "abc def", "abc\r\nforged=1", "<script>alert(1)</script>", "id_with_underscore", ""]
)
def test_a_hostile_id_is_replaced(db, given):
    with captured() as stream:
        response = Client().get("/healthz", headers={"X-Request-ID": given})
    assert HEX32.fullmatch(response["X-Request-ID"])
    assert given not in stream.getvalue() or not given


def test_a_request_refused_before_the_view_has_its_id_too(db):
    response = Client().get("/cases/")  # not signed in: sent to the login page
    assert response.status_code == 302
    assert HEX32.fullmatch(response["X-Request-ID"])


# ---- what is never logged ------------------------------------------------------------------------------------


def test_no_password_in_any_line_when_signing_in(world):
    with captured(logs.TextFormatter()) as text, captured() as as_json:
        wrong = Client().post("/login/", {"username": "demo-village", "password": "wrong-" + PASSWORD})
        right = Client().post("/login/", {"username": "demo-leader", "password": PASSWORD})
    assert wrong.status_code == 200 and right.status_code == 302
    for stream in (text, as_json):
        written = stream.getvalue()
        assert "/login/" in written  # the access lines are there
        assert PASSWORD not in written


# ---- background runs -----------------------------------------------------------------------------------------


@jobs.handler("test.logs", label="测试任务")
def _logs(run):
    log.warning("working on it")
    return {}


def test_a_runs_lines_carry_its_run_id(db):
    run = jobs.enqueue("test.logs", "k1")
    with captured() as stream:
        jobs.run_due(report=lambda done: log.info("reported %s", done.key))  # as `zhili serve` reports
    mine = [r for r in lines(stream) if r["logger"] == __name__]
    assert [(r["level"], r["message"], r["run_id"], r["job"]) for r in mine] == [
        ("WARNING", "working on it", run.pk, "test.logs"),
        ("INFO", "reported k1", run.pk, "test.logs"),
    ]
    assert "request_id" not in mine[0]


# ---- the formats ---------------------------------------------------------------------------------------------


def test_a_record_is_one_line():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "first\nsecond", None, None)
    record.request_id = "abc"
    record.path = "/a b/"
    text = logs.TextFormatter().format(record)
    assert "\n" not in text
    assert text.endswith('first\\nsecond request_id=abc path="/a b/"')
    assert json.loads(logs.JsonFormatter().format(record))["message"] == "first\nsecond"


def _zhili(*args: str, **extra: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILI_", "DJANGO_"))}
    environ.update(DJANGO_SETTINGS_MODULE="zhili.settings", PYTHONPATH=str(ROOT), **extra)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)


def test_json_lines_as_production_writes_them(tmp_path):
    """The real settings.LOGGING, in a process of its own: stderr holds one JSON object per line."""
    script = (
        "import django; django.setup(); from django.test import Client; "
        "Client().get('/healthz', headers={'X-Request-ID': 'from-nginx-1'}, HTTP_HOST='127.0.0.1')"
    )
    done = _zhili(
        "-c",
        script,
        ZHILI_LOG_FORMAT="json",
        ZHILI_LOG_LEVEL="INFO",  # production's level: the access lines
        ZHILI_DATA_DIR=str(tmp_path),
        ZHILI_SECRET_KEY="l" * 50,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert [(r["logger"], r["request_id"], r["path"], r["status"]) for r in found] == [
        ("zhili.access", "from-nginx-1", "/healthz", 200)
    ]


@pytest.mark.skipif("ZHILI_LOG_LEVEL" in os.environ, reason="the level is set here")
def test_no_access_lines_by_default():
    """A process whose stderr nobody reads (a test's server, a harness) must not fill its pipe with a line per
    request: access lines need ZHILI_LOG_LEVEL=INFO."""
    assert not logging.getLogger("zhili.access").isEnabledFor(logging.INFO)


def test_a_bad_log_format_is_refused_with_a_sentence(tmp_path):
    done = _zhili(
        "-m", "zhili", "check", ZHILI_LOG_FORMAT="xml", ZHILI_DATA_DIR=str(tmp_path), ZHILI_SECRET_KEY="l" * 50
    )
    assert done.returncode == 2
    assert "ZHILI_LOG_FORMAT" in done.stderr and "Traceback" not in done.stderr
