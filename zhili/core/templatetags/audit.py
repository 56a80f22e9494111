"""How the audit log shows a value it stored as JSON: lists and objects as people read them, not as Python."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def audit_value(value: Any) -> str:
    """None → "—"; a list → its items joined by "、"; an object → "key：value" pairs (e.g. an evidence file:
    name, size, type)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(audit_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return "（" + "，".join(f"{k}：{audit_value(v)}" for k, v in value.items()) + "）"
    return str(value)
