"""Numbers as officials write them: 56 户, not 56.0000; 1.5 亩; 9,808 with thousands separators on screen.

`plain` is what a form field is filled with (no separators, so that it reads back unchanged); `official` is what a
page shows. Templates use them as the `num` and `num_input` filters (core/templatetags/numbers.py).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None


def plain(value: Any, places: int = 4) -> str:
    """56.0000 → "56", 1.5000 → "1.5", 0.125 → "0.125": no trailing zeros, no separators, at most `places`
    decimals. Anything that is not a number comes back as its text ("" for None)."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    text = f"{round(number, places):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def official(value: Any, places: int = 2) -> str:
    """9808 → "9,808", 1.50 → "1.5", 1234.5678 → "1,234.57": thousands separators, no trailing zeros."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    whole, _, decimals = plain(number, places).partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-')):,}"
    return sign + grouped + (f".{decimals}" if decimals else "")
