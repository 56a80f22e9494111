"""Settings come from the environment, loudly: a bad value stops the start with a sentence naming it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import zhili
from zhili import env

PROJECT_ROOT = Path(zhili.__file__).resolve().parent.parent


# ---- envbool, envint, envlist, envstr ----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_envbool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("ZHILI_TEST_FLAG", raw)
    assert env.envbool("ZHILI_TEST_FLAG", not expected) is expected


def test_envbool_default_when_unset(monkeypatch):
    monkeypatch.delenv("ZHILI_TEST_FLAG", raising=False)
    assert env.envbool("ZHILI_TEST_FLAG", True) is True
    assert env.envbool("ZHILI_TEST_FLAG", False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "真"])
def test_envbool_bad_value_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("ZHILI_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured) as exc:
        env.envbool("ZHILI_TEST_FLAG", False)
    message = str(exc.value)
    assert "环境变量 ZHILI_TEST_FLAG" in message
    assert repr(raw) in message
    assert "1/0、true/false、yes/no 或 on/off" in message


def test_envint_reads_numbers_and_defaults(monkeypatch):
    monkeypatch.setenv("ZHILI_TEST_INT", " 42 ")
    assert env.envint("ZHILI_TEST_INT", 5) == 42
    monkeypatch.setenv("ZHILI_TEST_INT", "")
    assert env.envint("ZHILI_TEST_INT", 5) == 5
    monkeypatch.delenv("ZHILI_TEST_INT")
    assert env.envint("ZHILI_TEST_INT", 5) == 5


@pytest.mark.parametrize("raw", ["abc", "1.5", "十"])
def test_envint_bad_value_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("ZHILI_TEST_INT", raw)
    with pytest.raises(ImproperlyConfigured) as exc:
        env.envint("ZHILI_TEST_INT", 5)
    assert str(exc.value) == f"环境变量 ZHILI_TEST_INT 的值 {raw!r} 无效：应为整数。"


def test_envint_below_minimum_is_refused(monkeypatch):
    monkeypatch.setenv("ZHILI_LOGIN_FAILURE_LIMIT", "0")
    with pytest.raises(ImproperlyConfigured) as exc:
        env.envint("ZHILI_LOGIN_FAILURE_LIMIT", 5, minimum=1)
    assert str(exc.value) == "环境变量 ZHILI_LOGIN_FAILURE_LIMIT 的值 0 无效：不能小于 1。"


def test_envlist_and_envstr(monkeypatch):
    monkeypatch.setenv("ZHILI_TEST_LIST", " a.example.cn, ,b.example.cn ")
    assert env.envlist("ZHILI_TEST_LIST", ["x"]) == ["a.example.cn", "b.example.cn"]
    monkeypatch.delenv("ZHILI_TEST_LIST")
    assert env.envlist("ZHILI_TEST_LIST", ["x"]) == ["x"]
    monkeypatch.setenv("ZHILI_TEST_STR", "  Asia/Shanghai ")
    assert env.envstr("ZHILI_TEST_STR") == "Asia/Shanghai"


# ---- the data directory and the secret key ----------------------------------------------------------------


def test_data_dir_defaults_to_var(monkeypatch, tmp_path):
    monkeypatch.delenv("ZHILI_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert env.data_dir() == tmp_path.resolve() / "var"


def test_data_dir_that_is_a_file_is_refused(monkeypatch, tmp_path):
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    monkeypatch.setenv("ZHILI_DATA_DIR", str(a_file))
    with pytest.raises(ImproperlyConfigured, match=r"ZHILI_DATA_DIR .*不是目录"):
        env.data_dir()


def test_secret_key_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ZHILI_SECRET_KEY", "k" * 40)
    assert env.secret_key(tmp_path) == "k" * 40


def test_a_short_secret_key_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("ZHILI_SECRET_KEY", "short")
    with pytest.raises(ImproperlyConfigured, match="ZHILI_SECRET_KEY 太短：至少需要 32 个字符"):
        env.secret_key(tmp_path)


def test_a_missing_secret_key_outside_the_demo_is_a_chinese_sentence(monkeypatch, tmp_path):
    monkeypatch.delenv("ZHILI_SECRET_KEY", raising=False)
    monkeypatch.delenv("ZHILI_DEMO", raising=False)
    with pytest.raises(ImproperlyConfigured) as exc:
        env.secret_key(tmp_path)
    assert str(exc.value) == (
        "未设置环境变量 ZHILI_SECRET_KEY：生产环境必须设置一个至少 32 个字符的随机字符串（演示请运行 zhili demo）。"
    )
    assert not (tmp_path / env.DEMO_KEY_FILE).exists()


def test_the_demo_writes_its_own_key_once(monkeypatch, tmp_path):
    monkeypatch.delenv("ZHILI_SECRET_KEY", raising=False)
    monkeypatch.setenv("ZHILI_DEMO", "1")
    data = tmp_path / "new-data-dir"
    key = env.secret_key(data)
    key_file = data / env.DEMO_KEY_FILE
    assert key_file.read_text().strip() == key
    assert len(key) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert env.secret_key(data) == key  # the same key on the next start
    # `zhili serve` on the demo's directory (ZHILI_DEMO unset) reads the same key.
    monkeypatch.delenv("ZHILI_DEMO")
    assert env.secret_key(data) == key


# ---- the database URL ------------------------------------------------------------------------------------


def test_no_database_url_means_sqlite_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("ZHILI_DATABASE_URL", raising=False)
    config = env.database(tmp_path / "d")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "d" / "zhili.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert (tmp_path / "d").is_dir()


def test_a_postgres_url_is_parsed(monkeypatch, tmp_path):
    monkeypatch.setenv("ZHILI_DATABASE_URL", "postgres://zhili:secret@db.internal:5433/zhili")
    monkeypatch.setenv("ZHILI_DB_CONN_MAX_AGE", "30")
    config = env.database(tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == ("db.internal", 5433, "zhili", "zhili")
    assert config["CONN_MAX_AGE"] == 30


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1/zhili", "oracle://u:p@host/db"])
def test_an_unsupported_database_is_refused(monkeypatch, tmp_path, url):
    monkeypatch.setenv("ZHILI_DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured) as exc:
        env.database(tmp_path)
    assert str(exc.value) == "环境变量 ZHILI_DATABASE_URL 只支持 PostgreSQL（postgres://）或 SQLite（sqlite://）。"


@pytest.mark.parametrize("url", ["not a url", "foo://bar"])
def test_an_unreadable_database_url_is_refused(monkeypatch, tmp_path, url):
    monkeypatch.setenv("ZHILI_DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured) as exc:
        env.database(tmp_path)
    assert "ZHILI_DATABASE_URL" in str(exc.value)
    assert "postgres://" in str(exc.value)


def test_a_bad_conn_max_age_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("ZHILI_DATABASE_URL", "postgres://zhili@127.0.0.1:5432/zhili")
    monkeypatch.setenv("ZHILI_DB_CONN_MAX_AGE", "forever")
    with pytest.raises(ImproperlyConfigured, match="ZHILI_DB_CONN_MAX_AGE"):
        env.database(tmp_path)


# ---- the `zhili` command with a bad environment ----------------------------------------------------------


def run_zhili(args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILI_", "DJANGO_"))}
    environ.update(
        {"ZHILI_DATA_DIR": str(tmp_path / "data"), "ZHILI_SECRET_KEY": "s" * 40, "PYTHONPATH": str(PROJECT_ROOT)},
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-m", "zhili", *args], env=environ, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def test_zhili_check_stops_with_a_sentence_naming_a_bad_variable(tmp_path):
    result = run_zhili(["check"], tmp_path, ZHILI_DEBUG="maybe")
    assert result.returncode == 2
    assert "ZHILI_DEBUG" in result.stderr
    assert "'maybe'" in result.stderr
    assert result.stderr.startswith("配置错误：")
    assert "Traceback" not in result.stderr


def test_zhili_check_names_a_missing_secret_key(tmp_path):
    result = run_zhili(["check"], tmp_path, ZHILI_SECRET_KEY="")
    assert result.returncode == 2
    assert "ZHILI_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_zhili_check_passes_with_a_good_environment(tmp_path):
    result = run_zhili(["check"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
