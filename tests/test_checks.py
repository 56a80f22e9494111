"""`zhili check` (core/checks.py): each check speaks, in Chinese, on a bad setting and is quiet on a good one;
`zhili check` without --deploy stays quiet on a developer's machine."""

from __future__ import annotations

import datetime
import io
import json
import sys

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from zhili.core import checks, health, jobs
from zhili.core.models import JobRun, RunStatus, WorkerBeat

# fixed, not drawn at import: pytest-xdist workers must collect the same test ids (one is parametrized with it)
GOOD_KEY = "Qm7vR2xK9pL4wT8nB3cF6hJ1sD5gZ0yU-aE_oI7uY2tR4eW9qP3lK8jH6gF1dS5a"


def ids(found) -> list[str]:
    return [m.id for m in found]


def check_output(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("check", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


# ---- configuration -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["short-key", "a" * 60, "django-insecure-" + GOOD_KEY, "test-only-key-" + "x" * 40])
def test_a_weak_secret_key(key):
    with override_settings(SECRET_KEY=key):
        found = checks.check_secret_key()
    assert ids(found) == ["zhili.W001"]
    assert "密钥" in found[0].msg


def test_a_strong_secret_key():
    with override_settings(SECRET_KEY=GOOD_KEY):
        assert checks.check_secret_key() == []


def test_debug():
    with override_settings(DEBUG=True):
        assert ids(checks.check_debug()) == ["zhili.W002"]
    with override_settings(DEBUG=False):
        assert checks.check_debug() == []


@pytest.mark.parametrize("hosts", [[], ["*"], ["zhili.example.gov.cn", "*"]])
def test_allowed_hosts_empty_or_any(hosts):
    with override_settings(ALLOWED_HOSTS=hosts):
        assert ids(checks.check_allowed_hosts()) == ["zhili.W003"]


def test_allowed_hosts_named():
    with override_settings(ALLOWED_HOSTS=["zhili.example.gov.cn"]):
        assert checks.check_allowed_hosts() == []


def test_https():
    with override_settings(HTTPS=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False):
        assert ids(checks.check_https()) == ["zhili.W004"]
    with override_settings(HTTPS=True, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True):
        assert checks.check_https() == []


def test_demo_data():
    with override_settings(DEMO=True):
        assert ids(checks.check_demo()) == ["zhili.W005"]
    with override_settings(DEMO=False):
        assert checks.check_demo() == []


# ---- backups -------------------------------------------------------------------------------------------------


def _backup_at(monkeypatch, at: datetime.datetime | None):
    found = None if at is None else {"at": at.isoformat(), "file": "/srv/b.zip", "bytes": 1, "database": "sqlite"}
    monkeypatch.setattr(checks, "_last_backup", lambda: found)


def test_no_backup_yet(monkeypatch):
    _backup_at(monkeypatch, None)
    found = checks.check_backup_age()
    assert ids(found) == ["zhili.W006"] and "还没有备份" in found[0].msg


def test_an_old_backup(monkeypatch, settings):
    settings.ZHILI_BACKUP_MAX_AGE_HOURS = 26
    _backup_at(monkeypatch, timezone.now() - datetime.timedelta(hours=30))
    found = checks.check_backup_age()
    assert ids(found) == ["zhili.W006"] and "30 小时前" in found[0].msg


def test_a_recent_backup(monkeypatch, settings):
    settings.ZHILI_BACKUP_MAX_AGE_HOURS = 26
    _backup_at(monkeypatch, timezone.now() - datetime.timedelta(hours=2))
    assert checks.check_backup_age() == []


def test_without_the_backup_command_there_is_no_backup(monkeypatch):
    monkeypatch.setitem(sys.modules, "zhili.core.backup", None)  # importing it raises ImportError
    assert checks._last_backup() is None


def test_the_backup_commands_marker_is_read(tmp_path, settings):
    """The shared contract (notes/tasks.md): `zhili backup` leaves DATA_DIR/backups/last.json."""
    pytest.importorskip("zhili.core.backup")
    settings.DATA_DIR = tmp_path
    (tmp_path / "backups").mkdir()
    marker = {"at": timezone.now().isoformat(), "file": str(tmp_path / "b"), "bytes": 1, "database": "sqlite"}
    (tmp_path / "backups" / "last.json").write_text(json.dumps(marker))
    assert checks.check_backup_age() == []


# ---- background work -----------------------------------------------------------------------------------------


@pytest.fixture
def quiet(db):
    JobRun.objects.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING)).delete()
    WorkerBeat.objects.all().delete()


def test_background_quiet_on_a_fresh_installation(quiet):
    assert checks.check_background() == []


def test_a_silent_worker(quiet):
    WorkerBeat.objects.create(name="old:1", at=timezone.now() - datetime.timedelta(hours=2))
    found = checks.check_background()
    assert ids(found) == ["zhili.W008"] and "没有心跳" in found[0].msg


def test_stuck_runs(quiet):
    jobs.beat(force=True)
    jobs.enqueue("test.checks", "old", run_after=timezone.now() - datetime.timedelta(hours=2))
    found = checks.check_background()
    assert ids(found) == ["zhili.W009"] and "后台任务：1 项" in found[0].msg


def test_an_unmigrated_database(quiet, monkeypatch):
    real = health._applied
    monkeypatch.setattr(health, "_applied", lambda: real() - {("core", "0006_workerbeat")})
    found = checks.check_background()
    assert ids(found) == ["zhili.W007"] and "zhili migrate" in found[0].msg


# ---- the machine ---------------------------------------------------------------------------------------------


def test_directories_writable(tmp_path, settings):
    settings.DATA_DIR, settings.MEDIA_ROOT = tmp_path, tmp_path / "not-yet" / "media"  # made when first used
    assert checks.check_directories() == []


def test_a_directory_not_writable(tmp_path, settings):
    (tmp_path / "a-file").write_text("")
    settings.DATA_DIR, settings.MEDIA_ROOT = tmp_path, tmp_path / "a-file" / "media"
    found = checks.check_directories()
    assert ids(found) == ["zhili.W011"] and "不可写" in found[0].msg and "ZHILI_MEDIA_ROOT" in found[0].msg


def test_disk_space(tmp_path, settings):
    settings.DATA_DIR, settings.MEDIA_ROOT = tmp_path, tmp_path / "media"
    settings.ZHILI_DISK_MIN_FREE_MB = 10**12
    found = checks.check_disk_space()
    assert ids(found) == ["zhili.W010"]  # one disk, said once
    assert "磁盘只剩" in found[0].msg
    settings.ZHILI_DISK_MIN_FREE_MB = 1
    assert checks.check_disk_space() == []


# ---- the command ---------------------------------------------------------------------------------------------


def test_zhili_check_deploy_speaks_chinese(quiet, monkeypatch):
    _backup_at(monkeypatch, None)
    with override_settings(DEBUG=True, ALLOWED_HOSTS=["*"], SECRET_KEY="short-key", HTTPS=False):
        out = check_output("--deploy", "--tag", "zhili")
    for code, words in {
        "zhili.W001": "密钥",
        "zhili.W002": "调试模式",
        "zhili.W003": "允许的域名",
        "zhili.W004": "HTTPS",
        "zhili.W006": "还没有备份",
    }.items():
        assert code in out and words in out, out
    assert "HINT" in out


def test_zhili_check_deploy_on_a_good_installation(quiet, monkeypatch):
    _backup_at(monkeypatch, timezone.now())
    good = dict(
        DEBUG=False,
        ALLOWED_HOSTS=["zhili.example.gov.cn"],
        SECRET_KEY=GOOD_KEY,
        HTTPS=True,
        SESSION_COOKIE_SECURE=True,
        CSRF_COOKIE_SECURE=True,
        DEMO=False,
    )
    with override_settings(**good):
        assert "zhili." not in check_output("--deploy", "--tag", "zhili")


def test_zhili_check_without_deploy_is_quiet_on_a_developers_machine(quiet, monkeypatch):
    _backup_at(monkeypatch, None)
    with override_settings(DEBUG=True, SECRET_KEY="short-key", HTTPS=False):
        assert "zhili." not in check_output()
