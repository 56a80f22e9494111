"""`zhili backup` and `zhili restore` among real processes (tests/backup_harness.py, each installation a data
directory with a SQLite file, or a PostgreSQL database beside the test database):

- a backup taken while a process writes ledger rows and case reports with photos restores into an empty
  installation with every record committed before the backup started, each present record's photos with the
  same bytes, each record's audit entry present exactly when the record is, and the manifest's counts;
- a non-empty installation is refused without --force, unchanged, and replaced with it, saying what it replaces;
- a truncated or corrupt archive, and a backup of the other database vendor, are refused with a sentence before
  anything is written;
- the last backup is read from its marker, and a machine without pg_dump is told what to install.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from tests.own_database import ROOT, Process, own_database
from zhili.core import backup

# its databases (`<database>_<name>`) are one name per server: the module runs on one worker (pytest-xdist)
pytestmark = pytest.mark.xdist_group("own-databases")


class Installation(Process):
    """A data directory and its database, on which the harness and `zhili` commands run as processes."""

    harness = "tests.backup_harness"

    def __init__(self, directory: Path, database_url: str | None):
        super().__init__(directory, database_url)
        self.path: str | None = None  # PATH, when a test takes programs away

    def env(self, **extra: str) -> dict[str, str]:
        environ = super().env(**extra)
        if self.path is not None:
            environ["PATH"] = self.path
        return environ

    def zhili(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "zhili", *args], cwd=ROOT, env=self.env(), capture_output=True, text=True
        )

    def written(self) -> list[str]:
        """What a refused restore may have left here: a database file, uploaded files, a staging directory."""
        found = [p.relative_to(self.directory).as_posix() for p in self.directory.rglob("*") if p.is_file()]
        found += [p.name for p in self.directory.glob(".zhili-restore-*")]
        return sorted(found)

    def tables(self) -> list[str]:
        if self.database_url is None:
            return []
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]


@contextlib.contextmanager
def _installation(tmp: Path, name: str):
    """An empty installation: the data directory `tmp/name` and its own database (tests/own_database.py)."""
    with own_database(tmp, name, subdirectory=True) as (directory, database_url):
        yield Installation(directory, database_url)


class Taken:
    def __init__(self, source: Installation, archive: Path, before: list[str], during: int, state: dict, stdout: str):
        self.source, self.archive, self.before, self.during, self.state, self.stdout = (
            source,
            archive,
            before,
            during,
            state,
            stdout,
        )
        with zipfile.ZipFile(archive) as z:
            self.manifest = json.loads(z.read("manifest.json"))


def _ids(lines: list[str], kind: str) -> set[int]:
    return {int(line.split()[1]) for line in lines if line.startswith(kind + " ")}


@pytest.fixture(scope="module")
def taken(tmp_path_factory):
    """The source installation, written to by the harness's writer while `zhili backup` runs."""
    tmp = tmp_path_factory.mktemp("backup")
    with _installation(tmp, "bsrc") as source:
        assert source.run("setup") == {"ok": True}
        stop = tmp / "stop"
        writer = source.start("writer", str(stop))
        lines: list[str] = []

        def read() -> None:
            for line in writer.stdout:
                lines.append(line.strip())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        while len(lines) < 7 and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lines[:1] == ["ready"] and len(lines) >= 7, (lines, writer.poll())
        before = list(lines)  # each line printed once its write committed: all committed before the backup starts
        archive = tmp / "zhili.zip"
        done = source.zhili("backup", "-o", str(archive))
        during = len(lines) - len(before)
        end = len(lines)
        while len(lines) < end + 2 and writer.poll() is None:  # and it goes on writing afterwards
            time.sleep(0.05)
        stop.touch()
        writer.wait(timeout=60)
        reader.join(timeout=10)
        assert writer.returncode == 0, writer.stderr.read()[-3000:]
        assert done.returncode == 0, done.stderr[-3000:]
        state = json.loads(lines[-1])
        state.pop("writes")
        yield Taken(source, archive, before, during, state, done.stdout)


def test_a_backup_taken_during_writes_restores_with_nothing_missing(taken, tmp_path):
    assert "已写入" in taken.stdout and taken.during >= 1, (taken.stdout, taken.during)  # written to meanwhile
    manifest = taken.manifest
    assert manifest["format"] == backup.FORMAT and manifest["database"]["vendor"] == connection.vendor
    assert manifest["database"]["migrations"]["core"] and manifest["zhili"]
    media = [f for f in manifest["files"] if f["path"].startswith("media/")]
    assert media and all(len(f["sha256"]) == 64 and f["bytes"] > 0 for f in media)
    marker = json.loads((taken.source.directory / "backups" / "last.json").read_text())
    assert marker["file"] == str(taken.archive) and marker["bytes"] == taken.archive.stat().st_size
    assert marker["database"] == connection.vendor and "+08:00" in marker["at"]

    with _installation(tmp_path, "bdst") as target:
        done = target.zhili("restore", str(taken.archive))
        assert done.returncode == 0, done.stderr[-3000:]
        assert "与备份清单一致" in done.stdout and "SHA-256 校验一致" in done.stdout, done.stdout
        restored = target.run("check")

    rows, cases = set(restored["rows"]), set(restored["cases"])
    # every record committed before the backup started is there; nothing that was never written
    assert _ids(taken.before, "row") <= rows and _ids(taken.before, "case") <= cases
    assert rows <= set(taken.state["rows"]) and cases <= set(taken.state["cases"])
    # nothing half: a record's audit entry is there exactly when the record is
    assert restored["row_audits"] == sorted(rows) and restored["case_audits"] == sorted(cases)
    # every photo of a present case, original and display copy, with the bytes the source holds
    assert len(restored["photos"]) == 2 * len(cases)
    for name, digest in restored["photos"].items():
        assert digest is not None and digest == taken.state["photos"][name], name
    # the manifest's counts, and one audit entry more: the restore's own
    expected = dict(manifest["database"]["counts"])
    expected["core_auditentry"] += 1
    assert restored["counts"] == expected and restored["restores"] == 1
    # the backup's own entry is written after its snapshot: in the source's log, not in the backup
    assert taken.state["backups"] == 1 and restored["backups"] == 0


def test_a_non_empty_installation_is_refused_without_force_and_replaced_with_it(taken):
    source = taken.source
    refused = source.zhili("restore", str(taken.archive))
    assert refused.returncode != 0 and "这里已有数据" in refused.stderr and "--force" in refused.stderr
    assert "未做任何改动" in refused.stderr, refused.stderr
    after = source.run("check")
    assert after == taken.state, "nothing changed"  # as the writer left it (after the backup's own entry)

    forced = source.zhili("restore", "--force", str(taken.archive))
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert "将替换现有数据库（人员 2、区划 7、审计记录" in forced.stdout, forced.stdout
    assert "数据库已恢复" in forced.stdout and "与备份清单一致" in forced.stdout  # counted against the manifest


def _rewritten(archive: Path, out: Path, change) -> Path:
    """A copy of `archive` with `change(name, bytes) -> bytes` applied to each member."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, change(info.filename, src.read(info.filename)))
    return out


def test_a_truncated_archive_or_another_vendor_is_refused_before_anything_is_touched(taken, settings, tmp_path):
    """In this process, where the test database is out of reach (pytest-django refuses any query without the db
    fixture): the refusal comes before the database is asked anything, and no file is written."""
    settings.DATA_DIR, settings.MEDIA_ROOT = tmp_path / "data", tmp_path / "data" / "media"
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(taken.archive.read_bytes()[: taken.archive.stat().st_size // 2])
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def other_vendor(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["database"]["vendor"] = other
        return json.dumps(manifest).encode()

    foreign = _rewritten(taken.archive, tmp_path / "foreign.zip", other_vendor)
    for archive, sentence in (
        (truncated, "不是一份完整的 Zhili 备份（不是完整的 zip 文件）：文件可能已损坏或没有传输完整。未做任何改动。"),
        (foreign, f"这份备份来自 {backup.vendor_name(other)} 数据库，不能恢复到本机配置的"),
    ):
        with pytest.raises(CommandError, match=re.escape(sentence)):
            call_command("restore", str(archive), stdout=io.StringIO())
    assert not (tmp_path / "data").exists()


def test_a_corrupt_archive_is_refused_and_writes_nothing(taken, tmp_path):
    def flip_photo(name: str, data: bytes) -> bytes:
        return data[:-10] + b"x" * 10 if name.endswith(".jpg") and "original" in name else data

    corrupt = _rewritten(taken.archive, tmp_path / "corrupt.zip", flip_photo)
    with _installation(tmp_path, "bempty") as target:
        before = target.written()
        refused = target.zhili("restore", str(corrupt))
        assert refused.returncode != 0 and "的校验值与备份清单不符" in refused.stderr, refused.stderr[-2000:]
        assert "未做任何改动" in refused.stderr and "Traceback" not in refused.stderr
        assert target.written() == before and target.tables() == []


def test_the_last_backup_is_read_from_its_marker(taken, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    assert backup.last_backup() is None
    settings.DATA_DIR = taken.source.directory
    found = backup.last_backup()
    assert found is not None and found["file"] == str(taken.archive) and found["database"] == connection.vendor


def test_postgresql_without_pg_dump_is_told_what_to_install(taken, monkeypatch, tmp_path):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(ValidationError, match=r"找不到 pg_dump：.*PostgreSQL 客户端工具"):
        backup.pg_tool("pg_dump")
    if connection.vendor == "postgresql":  # a machine without the client tools on its PATH
        taken.source.path = "/nonexistent"
        try:
            refused = taken.source.zhili("backup", "-o", str(tmp_path / "b.zip"))
        finally:
            taken.source.path = None
        assert refused.returncode != 0 and "找不到 pg_dump" in refused.stderr, refused.stderr[-2000:]
        assert list(tmp_path.iterdir()) == []  # no half archive, no temporary file left
