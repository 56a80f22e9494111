"""Reading configuration from the environment, loudly.

Every variable is listed in .env.example. A bad value stops the start with a sentence that names the
variable, the value and what would be accepted.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"环境变量 {name} 的值 {raw!r} 无效：应为 1/0、true/false、yes/no 或 on/off。")


def envint(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"环境变量 {name} 的值 {raw!r} 无效：应为整数。") from None
    if value < minimum:
        raise ImproperlyConfigured(f"环境变量 {name} 的值 {value} 无效：不能小于 {minimum}。")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"环境变量 {name} 的值 {value} 无效：不能大于 {maximum}。")
    return value


def envdate(name: str):
    import datetime

    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"环境变量 {name} 的值 {raw!r} 无效：应为日期，如 2020-11-20。") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """Where the embedded database, media and the demo's key live: $ZHILI_DATA_DIR or ./var."""
    path = Path(envstr("ZHILI_DATA_DIR") or "var").expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ImproperlyConfigured(f"环境变量 ZHILI_DATA_DIR 指向的 {path} 不是目录。")
    return path


DEMO_KEY_FILE = "demo-secret-key"


def secret_key(data: Path) -> str:
    """ZHILI_SECRET_KEY, required outside the demo.

    The demo (`zhili demo`, or any command on a data directory the demo created) keeps a random key in
    the data directory, so that `zhili serve` and `zhili createsuperuser` work on it too. A production
    data directory never has that file, so production must set the variable.
    """
    key = envstr("ZHILI_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("环境变量 ZHILI_SECRET_KEY 太短：至少需要 32 个字符的随机字符串。")
        return key
    key_file = data / DEMO_KEY_FILE
    if key_file.exists():
        return key_file.read_text().strip()
    if envbool("ZHILI_DEMO", False):
        data.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key + "\n")
        key_file.chmod(0o600)
        return key
    raise ImproperlyConfigured(
        "未设置环境变量 ZHILI_SECRET_KEY：生产环境必须设置一个至少 32 个字符的随机字符串（演示请运行 zhili demo）。"
    )


def database(data: Path) -> dict:
    import dj_database_url

    url = envstr("ZHILI_DATABASE_URL")
    if not url:
        data.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data / "zhili.sqlite3"),
            "OPTIONS": {
                # WAL lets readers and the one writer work at the same time; IMMEDIATE avoids the
                # "database is locked" upgrade deadlock under concurrent writes; a writer waits up to 20 s for
                # another's transaction (sqlite3's default, 5 s, failed requests while a large import wrote;
                # imports now write in short batches, see zhili/imports/pipeline.py).
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    try:
        # a kept connection the server dropped meanwhile (a restart, a failover) is checked and replaced at the
        # start of the next request, which then succeeds rather than answering 503
        config = dj_database_url.parse(url, conn_max_age=envint("ZHILI_DB_CONN_MAX_AGE", 60), conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several types for malformed URLs
        raise ImproperlyConfigured(
            f"环境变量 ZHILI_DATABASE_URL 的值无法识别（{exc}）；应形如 postgres://用户@主机:5432/库名。"
        ) from None
    if config.get("ENGINE") not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured(
            "环境变量 ZHILI_DATABASE_URL 只支持 PostgreSQL（postgres://）或 SQLite（sqlite://）。"
        )
    return config
