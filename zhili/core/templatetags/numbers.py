"""{{ value|num }}: a number as officials write it on a page (9,808; 1.5); {{ value|num_input }}: as a form field is
filled (56, not 56.0000). See core/numbers.py."""

from __future__ import annotations

from typing import Any

from django import template

from zhili.core import numbers

register = template.Library()


@register.filter
def num(value: Any, places: int = 2) -> str:
    return numbers.official(value, int(places))


@register.filter
def num_input(value: Any, places: int = 4) -> str:
    return numbers.plain(value, int(places))
