"""Template questions about cases, answered by the one policy module."""

from __future__ import annotations

from django import template

from zhili.people import policy

register = template.Library()


@register.filter
def may_report(scope) -> bool:
    """The 上报问题 tab and buttons: for whoever has anywhere to report about (not a viewer, not an auditor)."""
    return scope is not None and policy.report_somewhere(scope)
