"""How the audit log shows a value it stored as JSON: lists and objects as people read them, not as Python."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from zhili.core import numbers

register = template.Library()


@register.filter
def audit_value(value: Any) -> str:
    """None → "—"; a list → its items joined by "、"; a stored file → its name, size and type; any other object →
    "key：value" pairs (its keys are what the action wrote: a column's header, a field's name)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(audit_value(v) for v in value) or "—"
    if isinstance(value, dict) and {"name", "size"} <= value.keys():  # an evidence file (targets/evidence.py)
        details = [f"{audit_value(value['size'])} 字节", *([str(value["type"])] if value.get("type") else [])]
        sha = f" SHA-256 {value['sha256']}" if value.get("sha256") else ""
        return f"{value['name']}（{'，'.join(details)}）{sha}"
    if isinstance(value, dict):
        return "（" + "，".join(f"{k}：{audit_value(v)}" for k, v in value.items()) + "）"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return numbers.official(value, places=4)  # 11,485 rows; a number as officials write it
    return str(value)
