"""Bringing an archive of `zhili backup` (core/backup.py) back into an installation (`zhili restore`).

Everything that can be checked is checked before anything is written: the archive is whole (the zip's
directory, each member's CRC, size and SHA-256 against the manifest), it comes from the same database vendor and
from migrations this program knows, and the installation is empty — no tables, or tables without a person, a
region or an audit entry — unless the operator says --force. Then the database is replaced (SQLite: the online
backup API from the archive's file into the configured one; PostgreSQL: pg_restore --clean in one transaction),
its rows are counted against the manifest, and the files are moved into MEDIA_ROOT."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import OperationalError, connection
from django.utils.translation import gettext as _

from zhili.core import backup
from zhili.core.errors import Invalid

# an installation holding any of these rows is not empty: restoring over it needs --force
MAIN_MODELS = ("people.Person", "regions.Region", "core.AuditEntry")
# what `zhili restore` names in its counts (when the table exists)
SHOWN_MODELS = ("regions.Region", "people.Person", "ledgers.LedgerRow", "cases.Case", "core.AuditEntry")


def _broken(path: Path, why: str) -> Invalid:
    return Invalid(
        _("%(path)s 不是一份完整的 Zhili 备份（%(why)s）：文件可能已损坏或没有传输完整。未做任何改动。")
        % {"path": path, "why": why}
    )


@dataclass
class Archive:
    path: Path
    zip: zipfile.ZipFile
    manifest: dict[str, Any]

    @property
    def database(self) -> dict[str, Any]:
        return self.manifest["database"]

    @property
    def media(self) -> list[dict[str, Any]]:
        return [f for f in self.manifest["files"] if f["path"].startswith(backup.MEDIA_PREFIX)]

    def close(self) -> None:
        self.zip.close()


def _safe_member(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (
        bool(parts)
        and not name.startswith("/")
        and "\\" not in name
        and all(p not in ("", ".", "..") for p in parts)
        and ((name.startswith(backup.MEDIA_PREFIX) and len(parts) > 1) or name in backup.DATABASE_MEMBER.values())
    )


def open_archive(path: Path) -> Archive:
    """The archive and its manifest, or a sentence: not there, not a whole zip, no manifest, another format, or
    members that are not the manifest's."""
    if not path.is_file():
        raise Invalid(_("找不到备份文件 %(path)s。") % {"path": path})
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise _broken(path, _("不是完整的 zip 文件")) from None
    try:
        manifest = json.loads(archive.read(backup.MANIFEST))
    except KeyError:
        archive.close()
        raise _broken(path, _("缺少备份清单 manifest.json")) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        archive.close()
        raise _broken(path, _("备份清单无法读取")) from None
    try:
        if not isinstance(manifest, dict) or manifest.get("format") != backup.FORMAT:
            found = manifest.get("format") if isinstance(manifest, dict) else None
            raise Invalid(
                _("%(path)s 的备份格式版本为 %(found)s，本程序只能恢复格式版本 %(format)s 的备份。未做任何改动。")
                % {"path": path, "found": found, "format": backup.FORMAT}
            )
        database, files = manifest.get("database"), manifest.get("files")
        if not isinstance(database, dict) or not isinstance(files, list):
            raise _broken(path, _("备份清单内容不全"))
        if not (
            isinstance(database.get("counts"), dict)
            and isinstance(database.get("migrations"), dict)
            and all(isinstance(f, dict) and {"path", "bytes", "sha256"} <= f.keys() for f in files)
        ):
            raise _broken(path, _("备份清单内容不全"))
        listed = [f["path"] for f in files]
        members = set(archive.namelist()) - {backup.MANIFEST}
        if set(listed) != members or len(listed) != len(members) or database.get("file") not in members:
            raise _broken(path, _("文件与备份清单不符"))
        if not all(_safe_member(name) for name in listed):
            raise _broken(path, _("含有不允许的文件路径"))
    except Exception:
        archive.close()
        raise
    return Archive(path, archive, manifest)


# ---- does it fit this installation -----------------------------------------------------------------------------


def check_fits(archive: Archive) -> list[str]:
    """A sentence if the archive cannot go into this installation (another database vendor, migrations this
    program does not know); else the notes to print afterwards (a backup of an older version: migrate)."""
    from django.db.migrations.loader import MigrationLoader

    code = archive.database.get("vendor")
    here = backup.vendor()
    if code != here:
        raise Invalid(
            _(
                "这份备份来自 %(theirs)s 数据库，不能恢复到本机配置的 %(ours)s 数据库：请在使用 %(theirs)s 的安装上"
                "恢复（ZHILI_DATABASE_URL）。未做任何改动。"
            )
            % {"theirs": backup.vendor_name(str(code)), "ours": backup.vendor_name(here)}
        )
    if archive.database.get("file") != backup.DATABASE_MEMBER[here]:
        raise _broken(archive.path, _("数据库文件与备份清单不符"))
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    applied = {(app, name) for app, names in archive.database["migrations"].items() for name in names}
    unknown = sorted(applied - known)
    if unknown:
        names = "、".join(f"{app}.{name}" for app, name in unknown[:5])
        raise Invalid(
            _(
                "这份备份来自较新的 Zhili（%(version)s），本程序不认识它的数据库迁移 %(names)s 等 %(n)s 个："
                "请先把 Zhili 升级到不低于备份时的版本再恢复。未做任何改动。"
            )
            % {"version": archive.manifest.get("zhili", "?"), "names": names, "n": len(unknown)}
        )
    squashed = {key for key, replaced in loader.replacements.items() if set(replaced.replaces) <= applied}
    behind = known - applied - squashed - {k for r in loader.replacements.values() for k in r.replaces}
    if applied and behind:
        return [
            _("备份的数据库结构比本程序旧（%(n)s 个数据库迁移未应用）：请接着运行 zhili migrate。") % {"n": len(behind)}
        ]
    return []


def _sqlite_file() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def _model_counts(labels: tuple[str, ...]) -> dict[str, int]:
    """{verbose name: rows} of the models whose tables exist here."""
    tables = set(connection.introspection.table_names())
    found = {}
    for label in labels:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if model._meta.db_table in tables:
            found[str(model._meta.verbose_name)] = _count(model._meta.db_table)
    return found


def occupied() -> dict[str, int] | None:
    """What this installation holds that a restore would replace ({verbose name: rows} of the main tables), or
    None when it is empty: no database file yet (SQLite: not even created by asking), no tables, or no rows in
    them."""
    if backup.vendor() == "sqlite":
        path = _sqlite_file()
        if not path.exists() or path.stat().st_size == 0:
            return None
    try:
        found = _model_counts(MAIN_MODELS)
    except OperationalError as exc:
        raise Invalid(
            _("无法连接本机配置的数据库（%(error)s）：请先创建数据库并检查 ZHILI_DATABASE_URL。未做任何改动。")
            % {"error": str(exc).strip()[:300]}
        ) from None
    finally:
        connection.close()
    return found if any(found.values()) else None


def describe_counts(counts: dict[str, int]) -> str:
    return "、".join(f"{name} {n}" for name, n in counts.items())


def taken_at(archive: Archive) -> str:
    """When the backup was taken, in this installation's time zone (as the manifest has it if unreadable)."""
    import datetime

    from django.utils import timezone

    text = str(archive.manifest.get("created_at", ""))
    try:
        return f"{timezone.localtime(datetime.datetime.fromisoformat(text)):%Y-%m-%d %H:%M:%S}"
    except (ValueError, TypeError):
        return text or "?"


# ---- restoring -------------------------------------------------------------------------------------------------


@dataclass
class Restored:
    tables: int
    rows: int
    shown: dict[str, int]
    files: int
    bytes: int
    replaced: dict[str, int] | None = None  # what the installation held before (--force)
    notes: list[str] = field(default_factory=list)


def _extract(archive: Archive, staging: Path) -> dict[str, Path]:
    """Every member into `staging`, each checked against the manifest's size and SHA-256 (and the zip's CRC);
    a sentence at the first that differs."""
    out = {}
    for entry in archive.manifest["files"]:
        name = entry["path"]
        target = staging / PurePosixPath(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        try:
            with archive.zip.open(name) as src, target.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
                    dst.write(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile) and exc.errno is not None:
                raise Invalid(
                    _("解压 %(name)s 时出错（%(error)s）：请检查磁盘空间。未做任何改动。")
                    % {"name": name, "error": exc}
                ) from None
            raise _broken(archive.path, _("%(name)s 已损坏") % {"name": name}) from None
        if size != entry["bytes"] or digest.hexdigest() != entry["sha256"]:
            raise _broken(archive.path, _("%(name)s 的校验值与备份清单不符") % {"name": name})
        out[name] = target
    return out


def _restore_sqlite(staged: Path) -> None:
    """SQLite's backup API from the archive's file into the configured database: one write transaction, so
    other connections see the old database or the restored one, never a mix."""
    target = _sqlite_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(staged)
    dest = sqlite3.connect(target, timeout=20)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()


def _restore_postgresql(staged: Path) -> None:
    """pg_restore in one transaction: a failure leaves the database as it was. --no-owner and --no-privileges:
    the roles of the machine the backup came from need not exist here."""
    pg_restore = backup.pg_tool("pg_restore")
    name = str(settings.DATABASES["default"]["NAME"])
    backup._run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={name}",
            str(staged),
        ],
        _("恢复 PostgreSQL 数据库"),
    )


def _check_counts(expected: dict[str, int]) -> None:
    tables = set(connection.introspection.table_names())
    wrong = []
    for table, n in sorted(expected.items()):
        found = _count(table) if table in tables else None
        if found != n:
            wrong.append(f"{table}（{_('备份')} {n}，{_('现在')} {found if found is not None else _('无此表')}）")
    if wrong:
        raise Invalid(
            _("恢复后的数据库与备份清单不符：%(tables)s。请检查数据库后重新恢复（加 --force）。")
            % {"tables": "；".join(wrong[:10])}
        )


def restore(archive: Archive, *, force: bool, say: Callable[[str], None] = print) -> Restored:
    """Bring `archive` into this installation (see the module's docstring); `say` is told each step."""
    notes = check_fits(archive)
    found = occupied()
    if found is not None and not force:
        raise Invalid(
            _(
                "这里已有数据（%(counts)s）：恢复会替换整个数据库。如确需用这份备份替换现有数据，请先另行备份，"
                "再加 --force 重新运行。未做任何改动。"
            )
            % {"counts": describe_counts(found)}
        )
    media_root = Path(settings.MEDIA_ROOT)
    staging = Path(tempfile.mkdtemp(prefix=".zhili-restore-", dir=settings.DATA_DIR))
    try:
        staged = _extract(archive, staging)
        if found is not None:
            say(
                _("将替换现有数据库（%(counts)s）；附件目录 %(media)s 中与备份同名的文件将被覆盖，其余文件保留。")
                % {"counts": describe_counts(found), "media": media_root}
            )
        database = staged[archive.database["file"]]
        connection.close()
        if backup.vendor() == "sqlite":
            _restore_sqlite(database)
        else:
            _restore_postgresql(database)
        counts = archive.database["counts"]
        _check_counts(counts)
        say(
            _("数据库已恢复：%(tables)s 张表，%(rows)s 行，与备份清单一致。")
            % {"tables": len(counts), "rows": sum(counts.values())}
        )
        size = 0
        for entry in archive.media:
            target = media_root / PurePosixPath(entry["path"][len(backup.MEDIA_PREFIX) :])
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staged[entry["path"]], target)
            size += entry["bytes"]
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)
    return Restored(
        tables=len(counts),
        rows=sum(counts.values()),
        shown=_model_counts(SHOWN_MODELS),
        files=len(archive.media),
        bytes=size,
        replaced=found,
        notes=notes,
    )
