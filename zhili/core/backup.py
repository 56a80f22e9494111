"""One archive of a whole installation — the database and the uploaded files — taken while Zhili keeps serving
(`zhili backup`; brought back by `zhili restore`, core/restore.py).

The archive is a .zip: `manifest.json` (format, Zhili's version, the database vendor, the migrations applied and
the rows of every table, each member's size and SHA-256), `database/…` (a SQLite file made with SQLite's online
backup API, or a `pg_dump -Fc` file) and `media/…` (settings.MEDIA_ROOT). The database is read first, in one
snapshot; the files after it: files are only ever added, under random names, and written before the row that
names them commits, so every row in the snapshot finds its file, and a newer file is a harmless extra. The
archive is written under a temporary name and renamed when complete, so FILE is a whole backup or nothing."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.errors import Invalid

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database/zhili.sqlite3", "postgresql": "database/zhili.dump"}
MEDIA_PREFIX = "media/"
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# already compressed: stored as they are, the rest deflated
_COMPRESSED = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".pdf", ".zip", ".docx", ".xlsx", ".pptx", ".gz", ".mp4"}
_CHUNK = 1 << 20


def vendor() -> str:
    return connection.vendor


def vendor_name(code: str) -> str:
    return VENDOR_NAMES.get(code, code)


def zhili_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zhili")
    except PackageNotFoundError:
        return "unknown"


# ---- the last backup (read by `zhili check`) -------------------------------------------------------------------


def marker_path() -> Path:
    return Path(settings.DATA_DIR) / "backups" / "last.json"


def last_backup() -> dict | None:
    """The last successful `zhili backup` on this machine: {"at": ISO-8601 with offset, "file", "bytes",
    "database": "sqlite"|"postgresql"}; None when there was none (or the marker is unreadable)."""
    try:
        found = json.loads(marker_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and "at" in found else None


def _write_marker(at: datetime.datetime, path: Path, size: int, database: str) -> None:
    marker = marker_path()
    marker.parent.mkdir(parents=True, exist_ok=True)
    data = {"at": at.isoformat(), "file": str(path), "bytes": size, "database": database}
    tmp = marker.with_name(f".{marker.name}.{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, marker)


# ---- PostgreSQL's tools ----------------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The path of pg_dump / pg_restore on this machine, or a sentence saying what to install."""
    found = shutil.which(name)
    if not found:
        raise Invalid(
            _(
                "找不到 %(tool)s：PostgreSQL 数据库的备份和恢复需要本机安装 PostgreSQL 客户端工具，版本不低于数据库"
                "服务器（Debian：apt-get install postgresql-client），并在 PATH 中。"
            )
            % {"tool": name}
        )
    return found


def pg_env() -> dict[str, str]:
    """The environment pg_dump and pg_restore connect with: the settings' host, port, user and password (never on
    the command line, where other users of the machine could read it)."""
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    options = db.get("OPTIONS") or {}
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT")):
        if options.get(key):
            env[var] = str(options[key])
    env["PGDATABASE"] = str(db["NAME"])
    env["PGCONNECT_TIMEOUT"] = env.get("PGCONNECT_TIMEOUT", "10")
    return env


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, env=pg_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise Invalid(
            _("%(what)s失败（%(tool)s 退出码 %(code)s）：%(error)s")
            % {
                "what": what,
                "tool": Path(command[0]).name,
                "code": done.returncode,
                "error": (done.stderr or done.stdout).strip()[-2000:],
            }
        )


# ---- the database snapshot -------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    path: Path
    vendor: str
    server: str
    migrations: dict[str, list[str]]
    counts: dict[str, int]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_state(cursor, tables: list[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """The migrations applied and the rows of every table, as one snapshot sees them (the caller's transaction)."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quoted(table)}")
        counts[table] = cursor.fetchone()[0]
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    return migrations, counts


def sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in rows]


def _sqlite_snapshot(directory: Path) -> Snapshot:
    """SQLite's online backup API, in one step: the copy is the database as one read transaction sees it (WAL:
    writers carry on meanwhile), never a copy of a file that is being written."""
    live = Path(settings.DATABASES["default"]["NAME"])
    if not live.exists():
        raise Invalid(_("数据库文件 %(path)s 不存在：没有可以备份的数据。") % {"path": live})
    target = directory / "zhili.sqlite3"
    source = sqlite3.connect(live, timeout=20)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: all of it in one step, under one read lock
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        migrations, counts = _read_state(copy.cursor(), sqlite_tables(copy))
        server = sqlite3.sqlite_version
    finally:
        copy.close()
        source.close()
    return Snapshot(target, "sqlite", server, migrations, counts)


def pg_tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return [name for (name,) in cursor.fetchall()]


def _pg_snapshot(directory: Path) -> Snapshot:
    """pg_dump -Fc inside a snapshot this process exports: the rows counted here and the dump are the same moment
    (REPEATABLE READ; other sessions keep writing)."""
    pg_dump = pg_tool("pg_dump")
    target = directory / "zhili.dump"
    try:
        raw = connection.get_new_connection(connection.get_connection_params())
    except Exception as exc:  # psycopg's OperationalError, not Django's: this connection is not wrapped
        raise Invalid(
            _("无法连接本机配置的数据库（%(error)s）：请检查 ZHILI_DATABASE_URL。") % {"error": str(exc).strip()[:300]}
        ) from None
    try:
        raw.autocommit = False
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), split_part(current_setting('server_version'), ' ', 1)")
            snapshot_id, server = cursor.fetchone()
            _run([pg_dump, "-Fc", "--snapshot", snapshot_id, "-f", str(target)], _("导出 PostgreSQL 数据库"))
            migrations, counts = _read_state(cursor, pg_tables(cursor))
        raw.rollback()
    finally:
        raw.close()
    return Snapshot(target, "postgresql", server, migrations, counts)


# ---- writing the archive ---------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _add(archive, name: str, source: BinaryIO, mtime: float) -> tuple[int, str]:
    """Copy `source` into the archive as `name`; its size and SHA-256."""
    import zipfile

    info = zipfile.ZipInfo(name, date_time=time.localtime(max(mtime, 315532800))[:6])
    info.compress_type = zipfile.ZIP_STORED if Path(name).suffix.lower() in _COMPRESSED else zipfile.ZIP_DEFLATED
    digest, size = hashlib.sha256(), 0
    with archive.open(info, "w", force_zip64=True) as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def media_files(root: Path, skip: set[Path]) -> Iterator[tuple[Path, str]]:
    """(path, name relative to the media root with /) of every file under it, in a stable order."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path not in skip and path.is_file():
                yield path, path.relative_to(root).as_posix()


@dataclass
class Taken:
    path: Path
    bytes: int
    manifest: dict[str, Any]
    seconds: float
    skipped: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.manifest["database"]["counts"].values())

    @property
    def files(self) -> list[dict]:
        return [f for f in self.manifest["files"] if f["path"].startswith(MEDIA_PREFIX)]


def default_output(now: datetime.datetime) -> Path:
    return Path(settings.DATA_DIR) / "backups" / f"zhili-{timezone.localtime(now):%Y%m%d-%H%M%S}.zip"


def take(output: Path | None = None) -> Taken:
    """Write the archive to `output` (a directory: a dated file in it; None: in $ZHILI_DATA_DIR/backups) and
    the last-backup marker. Raises Invalid with a sentence; FILE is then untouched."""
    import zipfile

    started = time.monotonic()
    now = timezone.now()
    if output is None:
        output = default_output(now)
        output.parent.mkdir(parents=True, exist_ok=True)
    elif output.is_dir():
        output = output / default_output(now).name
    output = output.resolve()
    if not output.parent.is_dir():
        raise Invalid(_("目录 %(path)s 不存在：请先创建，或换一个输出位置。") % {"path": output.parent})
    code = vendor()
    if code not in DATABASE_MEMBER:
        raise Invalid(_("不支持备份 %(vendor)s 数据库。") % {"vendor": code})
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if output.is_relative_to(media_root):
        raise Invalid(
            _("备份文件不能写在附件目录 %(media)s 里（否则下一次备份会把它也备份进去）：请换一个输出位置。")
            % {"media": media_root}
        )
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    skipped: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix=".zhili-backup-", dir=output.parent) as work:
            snap = _sqlite_snapshot(Path(work)) if code == "sqlite" else _pg_snapshot(Path(work))
            files = []
            with zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
                member = DATABASE_MEMBER[code]
                with snap.path.open("rb") as fh:
                    size, digest = _add(archive, member, fh, snap.path.stat().st_mtime)
                files.append({"path": member, "bytes": size, "sha256": digest})
                snap.path.unlink()  # the dump is in the archive now: do not hold two copies on the disk
                for path, name in media_files(media_root, skip={tmp, output}):
                    try:
                        fh = path.open("rb")
                    except FileNotFoundError:  # removed since the listing (a temporary upload): not a record's
                        skipped.append(name)
                        continue
                    with fh:
                        size, digest = _add(archive, MEDIA_PREFIX + name, fh, os.fstat(fh.fileno()).st_mtime)
                    files.append({"path": MEDIA_PREFIX + name, "bytes": size, "sha256": digest})
                manifest = {
                    "format": FORMAT,
                    "zhili": zhili_version(),
                    "created_at": timezone.localtime(now).isoformat(),
                    "database": {
                        "vendor": code,
                        "server_version": snap.server,
                        "file": member,
                        "migrations": snap.migrations,
                        "counts": snap.counts,
                    },
                    "media_root": str(media_root),
                    "files": files,
                }
                archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    size = output.stat().st_size
    _write_marker(timezone.localtime(now), output, size, code)
    return Taken(output, size, manifest, time.monotonic() - started, skipped)


def size_text(n: int) -> str:
    """Bytes as people read them: 812 字节, 3.4 MB, 1.2 GB."""
    if n < 1024:
        return _("%(n)s 字节") % {"n": n}
    value, unit = n / 1024, "KB"
    for bigger in ("MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"
