"""The audit log as a workbook (.xlsx): what the audit page shows, one row per entry, for the audit administrator
to keep or hand over (等保: 审计记录应可导出、留存). Written by `actions.do_export_audit`, which audits the export."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.audit import Shown
from zhili.core.templatetags.audit import audit_value
from zhili.excel.writing import write_xlsx

# the most entries one file holds: a longer range is refused with a sentence asking for a shorter one
MAX_ROWS = 200_000


def headers() -> list[str]:
    return [
        _("时间"),
        _("操作人"),
        _("操作"),
        _("对象类型"),
        _("对象"),
        _("对象编号"),
        _("变更（原值 → 新值）"),
        _("原因"),
    ]


def _row(s: Shown) -> list:
    e = s.entry
    at = timezone.localtime(e.at).replace(tzinfo=None)
    if s.sealed:
        return [at, e.actor_name, s.action, s.object, _("（保密，仅线索专管员可见）"), e.object_id, "", ""]
    changes = "；".join(f"{c.label}：{audit_value(c.old)} → {audit_value(c.new)}" for c in s.changes)
    return [at, e.actor_name, s.action, s.object, e.object_repr, e.object_id, changes, e.reason]


def workbook(shown: Iterable[Shown], *, title: str, subtitle: str) -> bytes:
    buf = io.BytesIO()
    write_xlsx(
        buf,
        title=title,
        subtitle=subtitle,
        headers=headers(),
        rows=(_row(s) for s in shown),
        column_formats=["datetime", "text", "text", "text", "text", "text", "text", "text"],
        sheet_name=_("审计日志"),
    )
    return buf.getvalue()
