"""Writes of the installation as a whole, which belong to no domain app: the machine operator's backups and
restores (core/backup.py, core/restore.py), each one audit entry by the system (actor None), about the top
region so that its administrators read it in the log."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext_lazy

from zhili.core import audit
from zhili.core.models import AuditEntry

audit.describe(
    {"core.backup": gettext_lazy("备份数据"), "core.restore": gettext_lazy("恢复数据")},
    fields={
        "core.backup": {
            "file": gettext_lazy("备份文件"),
            "bytes": gettext_lazy("大小（字节）"),
            "rows": gettext_lazy("数据行数"),
            "files": gettext_lazy("附件文件数"),
        },
        "core.restore": {
            "file": gettext_lazy("备份文件"),
            "taken_at": gettext_lazy("备份时间"),
            "rows": gettext_lazy("数据行数"),
            "files": gettext_lazy("附件文件数"),
            "replaced": gettext_lazy("被替换的数据"),
        },
    },
)


def _installation():
    """The top region (the lowest path): what a backup or a restore is about. None in an installation without
    regions, whose log nobody but a superuser reads anyway."""
    region = apps.get_model("regions", "Region")
    return region.objects.filter(parent__isnull=True).order_by("path").first()


@transaction.atomic
def do_record_backup(*, file: str, size: int, rows: int, files: int) -> AuditEntry | None:
    """`zhili backup` wrote `file` (after its snapshot: the entry is in the next backup, not in this one)."""
    top = _installation()
    if top is None:
        return None
    changes: dict[str, Any] = {
        "file": [None, file],
        "bytes": [None, size],
        "rows": [None, rows],
        "files": [None, files],
    }
    return audit.record(None, "core.backup", top, changes=changes, reason="zhili backup")


@transaction.atomic
def do_record_restore(*, file: str, taken_at: str, rows: int, files: int, replaced: str = "") -> AuditEntry | None:
    """`zhili restore` brought back `file` (written into the restored database, after its rows were counted)."""
    top = _installation()
    if top is None:
        return None
    changes: dict[str, Any] = {
        "file": [None, file],
        "taken_at": [None, taken_at],
        "rows": [None, rows],
        "files": [None, files],
    }
    if replaced:
        changes["replaced"] = [replaced, None]
    return audit.record(None, "core.restore", top, changes=changes, reason="zhili restore")
