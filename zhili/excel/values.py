"""Parsers that understand what offices type into spreadsheets.

Every parser takes the raw cell (as `open_rows` gives it: str, int, float, date, datetime, bool or None) and
returns a `Parsed(value, warning)` — `value` None for an empty cell, `warning` a Chinese sentence worth showing
but not a reason to refuse (or None) — or raises `ValueProblem`, a `ValueError` whose `message` is a Chinese
sentence saying what is wrong and what to type instead. Whether an empty cell is allowed is the caller's rule.

Decisions worth knowing:

* Numbers: full-width digits, thousands separators (1,234.5 / 1，234), spaces, a currency sign and a unit typed
  in the cell ("12.5亩", "3万元", "3万") are understood and converted to the field's unit; the header's unit
  (`column_unit`, from "补贴金额（万元）") applies when the cell has none. Placeholders "-", "—", "/" mean an
  empty cell. "约100", "100左右" and Chinese numerals ("一百") are refused. Excel's float noise
  (12.000000000001) is rounded silently; rounding away real digits (12.345 → 12.35) gives a warning.
* Percent fields hold percentage points: "85.5%" and "85.5" are both 85.5. A cell formatted as a percentage in
  Excel arrives as its fraction (0.855) and cannot be told apart from a typed 0.855: such a value gets a warning.
* Dates: 2020.5.12, 2020年5月12日, 2020/5/12, 2020-05-12, 20200512, Excel serial numbers (1900 date system,
  43963 → 2020-05-12) and the dates calamine returns. Two-digit years, month/day/year and impossible dates
  (2020-02-30) are refused.
* Identity numbers (GB 11643): checksum and birth date are checked with python-stdnum, but never refused for the
  area code (python-stdnum issue 442: stdnum wants the code to have existed at the birth date, while real numbers
  carry the code of the county that issued them). A code that exists today is accepted silently; a code that
  has been retired, or that python-stdnum does not know at all, is accepted with a warning. A number that Excel
  stored as a number (3.70125198001011e+17, "3.70125E+17", or 18 digits ending in 000 that fail the checksum) is
  refused: its last digits are lost. Lower-case x becomes X. **15-digit numbers are converted** to 18 digits by
  the GB 11643-1999 rule (insert "19", append the check character) with a warning, so the same person matches
  across old and new files.
* Phones: mobile numbers as 11 digits, landlines as "0531-88888888" (area code required), "-123" for an
  extension; a landline Excel stored as a number (its leading 0 lost) is refused with that explanation.
* Regions: "孔家坊", "孔家坊村" and "孔家坊 村" are the same village; so are 社区/居委会 variants. Use
  `RegionMatcher` once per import; `match_region()` builds one per call.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, DecimalException, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

__all__ = [
    "ChoiceMatcher",
    "Parsed",
    "RegionMatcher",
    "ValueProblem",
    "excel_serial_to_date",
    "is_blank",
    "is_signature_row",
    "is_total_row",
    "match_region",
    "parse_choice",
    "parse_county",
    "parse_date",
    "parse_decimal",
    "parse_identity",
    "parse_integer",
    "parse_phone",
    "parse_text",
    "parse_uscc",
    "parse_yes_no",
    "unit_factor",
]


class ValueProblem(ValueError):
    """A cell that cannot be accepted; `message` (and `str()`) is a Chinese sentence for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Parsed(NamedTuple):
    """A parsed cell: the value (None when empty) and an optional Chinese warning."""

    value: Any
    warning: str | None = None


EMPTY = Parsed(None)

_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_PLACEHOLDERS = {"-", "--", "—", "——", "/", "\\", "－", "／", "、"}


def _nfkc(s: str) -> str:
    return s if s.isascii() else unicodedata.normalize("NFKC", s)


def _squeeze(s: str) -> str:
    """NFKC (full-width → half-width, U+3000 → space) and every space removed."""
    if s.isascii():
        return s if s.isalnum() else "".join(s.split())
    s = unicodedata.normalize("NFKC", s)
    return s if s.isalnum() else _SPACES.sub("", s)


def _show(raw: Any) -> str:
    """How a raw value is quoted back in a message."""
    if isinstance(raw, float):
        return f"{raw:.15g}"
    if isinstance(raw, dt.datetime):
        return raw.strftime("%Y-%m-%d %H:%M:%S") if (raw.hour or raw.minute or raw.second) else raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    s = str(raw).strip()
    return s if len(s) <= 40 else s[:40] + "…"


def _strip(raw: str) -> str:
    return raw.strip(" \t\r\n\u3000\xa0\u200b\ufeff")


# ------------------------------------------------------------------------------------------------------ text


def parse_text(raw: Any, *, max_length: int | None = None) -> Parsed:
    """Text with surrounding spaces (also full-width and non-breaking) removed; None for an empty cell. Numbers
    read as a person sees them (12 not 12.0), dates as yyyy-mm-dd."""
    if raw is None:
        return EMPTY
    if isinstance(raw, str):
        s = _strip(raw)
    elif isinstance(raw, bool):
        s = "是" if raw else "否"
    elif isinstance(raw, float):
        s = str(int(raw)) if raw.is_integer() and abs(raw) < 2**53 else f"{raw:.15g}"
    elif isinstance(raw, dt.datetime):
        s = _show(raw)
    elif isinstance(raw, dt.date):
        s = raw.isoformat()
    else:
        s = _strip(str(raw))
    if not s:
        return EMPTY
    if max_length is not None and len(s) > max_length:
        raise ValueProblem(
            _("内容过长：最多 %(max_length)s 个字，现在有 %(v)s 个字。") % {"max_length": max_length, "v": len(s)}
        )
    return Parsed(s)


# --------------------------------------------------------------------------------------------------- numbers

_BASE_UNITS: dict[str, tuple[str, Decimal]] = {}


def _units(dimension: str, factor: Decimal | int | str, *names: str) -> None:
    for n in names:
        _BASE_UNITS[n] = (dimension, Decimal(factor))


_units("money", 1, "元", "块", "块钱", "rmb", "cny")
_units("area", 1, "平方米", "平米", "平方", "m2", "㎡")
_units("area", Decimal(10000) / Decimal(15), "亩")
_units("area", 10000, "公顷", "hm2", "ha")
_units("area", 1_000_000, "平方公里", "平方千米", "km2")
_units("length", 1, "米", "m")
_units("length", 1000, "公里", "千米", "km")
_units("mass", "0.001", "克", "g")
_units("mass", 1, "千克", "公斤", "kg")
_units("mass", "0.5", "斤")
_units("mass", 1000, "吨", "t")
_units("volume", 1, "立方米", "方", "m3")
_units("years", 1, "年")
_units("months", 1, "个月", "月")
_units("days", 1, "天", "日")
_units("hours", 1, "小时", "h")
for _w in "户人个座处家次辆间套台名条项所张份件头只棵株口栋幢眼亩块":
    if _w not in _BASE_UNITS:
        _units(f"count:{_w}", 1, _w)
for _w in ("人次", "户次", "名", "座", "公里次"):
    if _w not in _BASE_UNITS:
        _units(f"count:{_w}", 1, _w)

_MULTIPLIERS = (("百万", 10**6), ("千万", 10**7), ("亿", 10**8), ("万", 10**4), ("千", 10**3), ("百", 100))


class _Unit(NamedTuple):
    dimension: str | None  # None: a bare multiplier such as 万
    base: Decimal  # factor to the dimension's base unit
    multiplier: int  # 万 → 10000


@lru_cache(maxsize=512)
def _parse_unit(text: str) -> _Unit | None:
    t = _squeeze(text).casefold()
    if not t:
        return None
    if t in _BASE_UNITS:
        dim, base = _BASE_UNITS[t]
        return _Unit(dim, base, 1)
    for prefix, mult in _MULTIPLIERS:
        if t.startswith(prefix):
            rest = t[len(prefix) :]
            if not rest:
                return _Unit(None, Decimal(1), mult)
            if rest in _BASE_UNITS:
                dim, base = _BASE_UNITS[rest]
                return _Unit(dim, base, mult)
    return None


def unit_factor(from_unit: str, to_unit: str) -> Decimal:
    """The factor that turns a value in `from_unit` into `to_unit` ("万元" → "元": 10000; "亩" → "公顷": 1/15).
    Raises `ValueProblem` when the units measure different things. Use it to check a header's unit once."""
    a, b = _parse_unit(from_unit), _parse_unit(to_unit)
    if a is None or b is None:
        bad = from_unit if a is None else to_unit
        raise ValueProblem(_("无法识别单位「%(bad)s」。") % {"bad": bad})
    if a.dimension is not None and b.dimension is not None and a.dimension != b.dimension:
        raise ValueProblem(
            _("单位「%(from_unit)s」与「%(to_unit)s」不是同一种量，不能换算。")
            % {"from_unit": from_unit, "to_unit": to_unit}
        )
    base_a = a.base if a.dimension is not None else b.base
    return base_a * a.multiplier / (b.base * b.multiplier)


_APPROX = (
    "约",
    "大约",
    "大概",
    "将近",
    "接近",
    "超过",
    "不到",
    "不足",
    "以上",
    "以下",
    "左右",
    "余",
    "多",
    "≈",
    "~",
    "几",
    "若干",
    "上下",
)
_CHINESE_NUMERALS = set("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点")
_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*)?(?:\.\d*)?(?:[eE][+-]?\d+)?", re.ASCII)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d+)?", re.ASCII)
_NOISE = Decimal("1e-9")
_PLAIN_NUMBER = re.compile(r"-?\d{1,15}(?:\.\d{1,15})?", re.ASCII)
_QUANTA = {d: Decimal(1).scaleb(-d) for d in range(0, 11)}


def _convert(value: Decimal, cell: _Unit | None, field: _Unit | None, raw: Any, unit: str | None) -> Decimal:
    if cell is None:
        return value
    if field is None:
        return value * cell.multiplier
    if cell.dimension is not None and field.dimension is not None and cell.dimension != field.dimension:
        raise ValueProblem(
            _("「%(v)s」的单位与本列的单位「%(unit)s」不一致，请换算成%(unit)s后只填数字。")
            % {"v": _show(raw), "unit": unit}
        )
    base = cell.base if cell.dimension is not None else field.base
    if base == field.base and cell.multiplier == field.multiplier:
        return value
    result = value * base * cell.multiplier / (field.base * field.multiplier)
    return result.quantize(Decimal("1e-10")).normalize() if result.as_tuple().exponent < -10 else result


def _number(
    raw: Any, *, unit: str | None, column_unit: str | None, percent: bool, what: str
) -> tuple[Decimal | None, str | None]:
    """The core of parse_integer and parse_decimal: (value in the field's unit, warning)."""
    if raw is None:
        return None, None
    kind = type(raw)
    header_applies = column_unit is not None and column_unit not in ("%", unit)
    if not header_applies:  # the common cases, without the general machinery
        if kind is int:
            return Decimal(raw), None
        if kind is float and not percent and math.isfinite(raw):
            return Decimal(f"{raw:.15g}"), None
        if kind is str and _PLAIN_NUMBER.fullmatch(raw):
            return Decimal(raw), None
    field = _parse_unit(unit) if unit and unit != "%" else None
    header = _parse_unit(column_unit) if header_applies else None
    warning = None
    if isinstance(raw, bool):
        raise ValueProblem(_("「%(v)s」不是数字，本列应填写%(what)s。") % {"v": _show(raw), "what": what})
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueProblem(_("「%(raw)s」不是有效的数字。") % {"raw": raw})
        value = Decimal(f"{raw:.15g}")  # Excel keeps 15 significant digits; the rest is binary noise
        if percent and 0 < abs(raw) < 1:
            warning = f"「{_show(raw)}」可能是 Excel 百分比格式的单元格（即 {raw * 100:.15g}%），已按 {_show(raw)} 导入，请核对。"
    elif isinstance(raw, dt.date):
        raise ValueProblem(
            _("「%(v)s」被 Excel 当成了日期，本列应填写%(what)s。请把这一列设置为“数值”或“文本”格式后重新录入。")
            % {"v": _show(raw), "what": what}
        )
    else:
        s = _squeeze(str(raw))
        if not s or s in _PLACEHOLDERS:
            return None, None
        s = s.lstrip("¥$").replace("RMB", "")
        m = _NUMBER.match(s)
        num = m.group(0) if m else ""
        rest = s[len(num) :]
        if not any(c.isdigit() for c in num):
            num, rest = "", s
        if num and "," in num and not _GROUPED.fullmatch(num):
            raise ValueProblem(
                _("「%(v)s」中的逗号位置不对：千分位逗号应每三位一个（如 1,234.5），或者不写逗号。") % {"v": _show(raw)}
            )
        is_percent = False
        if num and rest[:1] in ("%",):
            is_percent, rest = True, rest[1:]
        cell_unit = _parse_unit(rest) if (num and rest) else None
        if not num or (rest and cell_unit is None):
            text = _strip(str(raw))
            if any(w in s for w in _APPROX):
                raise ValueProblem(_("「%(text)s」不是一个确切的数，请只填写数字（如 100）。") % {"text": text})
            if any(c in _CHINESE_NUMERALS for c in s) and not any(c.isdigit() for c in s):
                raise ValueProblem(_("「%(text)s」是汉字数字，请改写成阿拉伯数字（如 100）。") % {"text": text})
            if num and rest:
                raise ValueProblem(
                    _("「%(text)s」后面的「%(rest)s」不是可识别的单位，请只填写数字。") % {"text": text, "rest": rest}
                )
            raise ValueProblem(_("「%(text)s」不是数字，本列应填写%(what)s。") % {"text": text, "what": what})
        try:
            value = Decimal(num.replace(",", ""))
        except InvalidOperation as exc:
            raise ValueProblem(
                _("「%(v)s」不是数字，本列应填写%(what)s。") % {"v": _strip(str(raw)), "what": what}
            ) from exc
        if is_percent and not percent:
            raise ValueProblem(
                _("「%(v)s」带有百分号，但本列不是百分比，请填写%(what)s。") % {"v": _strip(str(raw)), "what": what}
            )
        if cell_unit is not None:
            converted = _convert(value, cell_unit, field, raw, unit)
            return converted, (_CONVERTED if converted != value else None)
    if header is not None and field is not None:
        if header.dimension is not None and field.dimension is not None and header.dimension != field.dimension:
            raise ValueProblem(
                _("本列表头的单位「%(column_unit)s」与台账字段的单位「%(unit)s」不是同一种量，无法换算。")
                % {"column_unit": column_unit, "unit": unit}
            )
        converted = _convert(value, header, field, raw, unit)
        if converted != value:
            return converted, warning or _CONVERTED
    return value, warning


# a marker, not a message: the value was converted between units, so rounding it is expected
_CONVERTED = "\x00converted"

# No figure an office keeps comes near 10^18 (a trillion 万元 is 10^16 元); beyond it Decimal's 28 digits cannot
# hold the value with its decimal places, and "1e309" or 400 nines typed into a cell are refused, not a 500.
_TOO_LARGE = Decimal(10) ** 18


def _bounded_number(
    raw: Any, *, unit: str | None, column_unit: str | None, percent: bool, what: str
) -> tuple[Decimal | None, str | None]:
    """_number, with values too large to store (or arithmetic that overflows on them) refused in Chinese."""
    try:
        value, warning = _number(raw, unit=unit, column_unit=column_unit, percent=percent, what=what)
    except (DecimalException, OverflowError):  # InvalidOperation, Overflow: exponents beyond Decimal's context
        value, warning = _TOO_LARGE, None
    if value is not None and (not value.is_finite() or value.adjusted() >= 18):  # |value| ≥ 10^18, no arithmetic
        raise ValueProblem(
            _("「%(v)s」超出了可以填写的范围：%(what)s的绝对值应小于 10 的 18 次方。") % {"v": _show(raw), "what": what}
        )
    return value, warning


def parse_decimal(
    raw: Any,
    *,
    decimals: int | None = 2,
    unit: str | None = None,
    column_unit: str | None = None,
    percent: bool = False,
) -> Parsed:
    """A `Decimal` in the field's `unit`, rounded half-up to `decimals` places (None: as typed)."""
    value, warning = _bounded_number(raw, unit=unit, column_unit=column_unit, percent=percent, what="数字")
    if value is None:
        return EMPTY
    converted = warning == _CONVERTED
    if converted:
        warning = None
    if decimals is not None:
        q = value.quantize(_QUANTA.get(decimals) or Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        if q != value and abs(q - value) > _NOISE * max(1, abs(value)) and warning is None and not converted:
            warning = f"「{_show(raw)}」超过 {decimals} 位小数，已四舍五入为 {q}。"
        value = q
    return Parsed(value, warning)


def parse_integer(
    raw: Any, *, unit: str | None = None, column_unit: str | None = None, percent: bool = False
) -> Parsed:
    """An `int` in the field's `unit`; "3万" is 30000, 12.0 is 12, 12.5 is refused."""
    if type(raw) is int and column_unit is None:
        return Parsed(raw)
    value, warning = _bounded_number(raw, unit=unit, column_unit=column_unit, percent=percent, what="整数")
    if value is None:
        return EMPTY
    converted = warning == _CONVERTED
    if converted:
        warning = None
    whole = value.to_integral_value(rounding=ROUND_HALF_UP)
    if whole != value and not converted and abs(whole - value) > _NOISE * max(1, abs(value)):
        raise ValueProblem(_("「%(v)s」有小数，本列应填写整数。") % {"v": _show(raw)})
    return Parsed(int(whole), warning)


# ----------------------------------------------------------------------------------------------------- dates

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MIN_YEAR, _MAX_YEAR = 1900, 2100
_DATE_YMD = re.compile(
    r"(\d{2,4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?\.?"
    r"(?:[ T]+\d{1,2}[:时]\d{1,2}(?:[:分]\d{1,2}(?:\.\d+)?秒?)?)?"
)
_DATE_YM = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_DATE_MDY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", re.ASCII)


def excel_serial_to_date(serial: float) -> dt.date:
    """Excel's 1900 date system: 1 is 1900-01-01, 43963 is 2020-05-12 (serial 60 is Excel's fictitious
    1900-02-29 and is refused). The time of day (the fraction) is dropped."""
    days = math.floor(serial)
    if days < 1 or days > 2958465:
        raise ValueProblem(_("「%(v)s」不是有效的日期序号。") % {"v": _show(serial)})
    if days == 60:
        raise ValueProblem(_("「60」是 Excel 里不存在的 1900年2月29日，请填写正确的日期。"))
    if days < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=days)
    return _EXCEL_EPOCH + dt.timedelta(days=days)


def _make_date(y: int, m: int, d: int, raw: Any) -> dt.date:
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        raise ValueProblem(
            _("「%(v)s」的年份 %(y)s 不合理，请填写 %(MIN_YEAR)s–%(MAX_YEAR)s 年之间的日期。")
            % {"v": _show(raw), "y": y, "MIN_YEAR": _MIN_YEAR, "MAX_YEAR": _MAX_YEAR}
        )
    if not 1 <= m <= 12:
        raise ValueProblem(_("「%(v)s」不是有效日期：没有 %(m)s 月。") % {"v": _show(raw), "m": m})
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise ValueProblem(
            _("「%(v)s」不是有效日期：%(y)s年%(m)s月没有%(d)s日。") % {"v": _show(raw), "y": y, "m": m, "d": d}
        ) from None


_DATE_HINT = "请写成 2020-05-12、2020/5/12、2020.5.12 或 2020年5月12日 这样的格式"


def parse_date(raw: Any) -> Parsed:
    """A `datetime.date` from what offices type (see the module docstring)."""
    if raw is None:
        return EMPTY
    if isinstance(raw, dt.datetime):
        return Parsed(raw.date())
    if isinstance(raw, dt.date):
        return Parsed(raw)
    if isinstance(raw, bool):
        raise ValueProblem(_("「%(v)s」不是日期，%(DATE_HINT)s。") % {"v": _show(raw), "DATE_HINT": _DATE_HINT})
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise ValueProblem(_("「%(raw)s」不是日期。") % {"raw": raw})
        if 19000101 <= raw <= 21001231 and float(raw).is_integer():
            n = int(raw)
            return Parsed(_make_date(n // 10000, n // 100 % 100, n % 100, raw))
        if 367 <= raw <= 109573:  # 1901-01-01 … 2199-12-31 as Excel serials
            return Parsed(excel_serial_to_date(raw))
        raise ValueProblem(_("「%(v)s」不是日期，%(DATE_HINT)s。") % {"v": _show(raw), "DATE_HINT": _DATE_HINT})
    s = _nfkc(_strip(str(raw)))
    if not s or s in _PLACEHOLDERS:
        return EMPTY
    m = _DATE_YMD.fullmatch(s)
    if m:
        y, mo, d = m.groups()
        if len(y) != 4:
            raise ValueProblem(_("「%(v)s」的年份只有两位，请写完整的四位年份。") % {"v": _strip(str(raw))})
        return Parsed(_make_date(int(y), int(mo), int(d), raw))
    squeezed = _squeeze(s)
    m = _DATE_COMPACT.fullmatch(squeezed)
    if m:
        return Parsed(_make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), raw))
    if re.fullmatch(r"\d{5}(\.\d+)?", squeezed):
        serial = float(squeezed)
        if 367 <= serial <= 109573:
            return Parsed(excel_serial_to_date(serial))
    if _DATE_MDY.fullmatch(squeezed):
        raise ValueProblem(
            _("「%(v)s」是“月/日/年”的写法，容易看错，%(DATE_HINT)s。")
            % {"v": _strip(str(raw)), "DATE_HINT": _DATE_HINT}
        )
    if _DATE_YM.fullmatch(squeezed):
        raise ValueProblem(_("「%(v)s」缺少“日”，%(DATE_HINT)s。") % {"v": _strip(str(raw)), "DATE_HINT": _DATE_HINT})
    raise ValueProblem(_("「%(v)s」不是日期，%(DATE_HINT)s。") % {"v": _strip(str(raw)), "DATE_HINT": _DATE_HINT})


# -------------------------------------------------------------------------------------------------- yes / no

_YES = {"是", "有", "y", "yes", "√", "✓", "✔", "☑", "对", "true", "t", "1", "已", "通过", "合格"}
_NO = {"否", "无", "没有", "n", "no", "×", "✗", "✘", "☐", "不是", "错", "false", "f", "0", "未", "不通过", "不合格"}


_TRUE, _FALSE = Parsed(True), Parsed(False)


def parse_yes_no(raw: Any) -> Parsed:
    """True for 是/有/Y/√/true/1, False for 否/无/N/×/false/0."""
    if raw is None:
        return EMPTY
    if type(raw) is str:
        if raw in _YES:
            return _TRUE
        if raw in _NO:
            return _FALSE
    if isinstance(raw, bool):
        return Parsed(raw)
    if isinstance(raw, int | float):
        if raw == 1:
            return Parsed(True)
        if raw == 0:
            return Parsed(False)
    else:
        s = _squeeze(str(raw)).casefold().rstrip("。.")
        if not s:
            return EMPTY
        if s in _YES:
            return Parsed(True)
        if s in _NO:
            return Parsed(False)
    raise ValueProblem(_("「%(v)s」不是“是/否”，请填写 是 或 否（也可写 有/无、√/×、Y/N）。") % {"v": _show(raw)})


# ---------------------------------------------------------------------------------------------------- choice


def _choice_key(s: str) -> str:
    return _squeeze(s).casefold().rstrip("。.")


class ChoiceMatcher:
    """Matches a cell against allowed values, exactly or after normalising (spaces, full-/half-width, case)."""

    def __init__(self, choices: Sequence[str]):
        self.choices = list(choices)
        self._index: dict[str, str] = {}
        for c in self.choices:
            self._index.setdefault(c, c)
            self._index.setdefault(_choice_key(c), c)

    def match(self, raw: Any) -> Parsed:
        if raw is None:
            return EMPTY
        if isinstance(raw, str):
            if raw in self._index:
                return Parsed(self._index[raw])
            text = _strip(raw)
        else:
            text = parse_text(raw).value or ""
        if not text:
            return EMPTY
        hit = self._index.get(text) or self._index.get(_choice_key(text))
        if hit is not None:
            return Parsed(hit)
        allowed = "、".join(self.choices)
        close = difflib.get_close_matches(text, self.choices, n=1, cutoff=0.5)
        hint = f"是不是「{close[0]}」？" if close else ""
        raise ValueProblem(
            _("「%(text)s」不是可选的值。%(hint)s可选：%(allowed)s。")
            % {"text": text, "hint": hint, "allowed": allowed}
        )


@lru_cache(maxsize=256)
def _choice_matcher(choices: tuple[str, ...]) -> ChoiceMatcher:
    return ChoiceMatcher(choices)


def parse_choice(raw: Any, choices: Sequence[str]) -> Parsed:
    """One of `choices`, spelled as in the list."""
    return _choice_matcher(tuple(choices)).match(raw)


# ----------------------------------------------------------------------------------------------------- phone

_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_SERVICE = re.compile(r"[48]00\d{7}", re.ASCII)
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）—–_.·]+")
_MANY_PHONES = re.compile(r"\d{7,}\s*[,，;；、/／\s]\s*\d{7,}")


def parse_phone(raw: Any) -> Parsed:
    """A mobile number ("13800138000") or a landline with its area code ("0531-88888888", extension after
    "-"). Spaces, dashes, brackets and a +86 prefix are removed."""
    if raw is None:
        return EMPTY
    if type(raw) is str and len(raw) == 11 and _MOBILE.fullmatch(raw):
        return Parsed(raw)
    if isinstance(raw, bool) or isinstance(raw, dt.date):
        raise ValueProblem(_("「%(v)s」不是电话号码。") % {"v": _show(raw)})
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueProblem(_("「%(v)s」不是电话号码。") % {"v": _show(raw)})
        raw = int(raw)
    text = _strip(_nfkc(str(raw)))
    if not text or text in _PLACEHOLDERS:
        return EMPTY
    if _MANY_PHONES.search(text):
        raise ValueProblem(_("「%(text)s」里有不止一个号码，一格只能填一个电话号码。") % {"text": text})
    ext = ""
    m = re.search(r"(?:转|ext\.?|分机|#)\s*(\d{1,6})$", text, re.IGNORECASE)
    if m:
        ext, text = m.group(1), text[: m.start()]
    s = _PHONE_SEPARATORS.sub("", text)
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    elif s.startswith("86") and len(s) == 13:
        s = s[2:]
    if not s.isdigit():
        raise ValueProblem(_("「%(v)s」不是电话号码：只能有数字（座机可带区号和“-”）。") % {"v": _show(raw)})
    if _MOBILE.fullmatch(s) and not ext:
        return Parsed(s)
    if _SERVICE.fullmatch(s):
        return Parsed(s + (f"-{ext}" if ext else ""))
    if s.startswith("0") and 10 <= len(s) <= 12:
        area_len = 3 if s[1] in "12" else 4
        local = s[area_len:]
        if 7 <= len(local) <= 8:
            return Parsed(f"{s[:area_len]}-{local}" + (f"-{ext}" if ext else ""))
    if 7 <= len(s) <= 8:
        raise ValueProblem(_("「%(v)s」缺少区号，座机号码请带区号（如 0531-88888888）。") % {"v": _show(raw)})
    if len(s) in (10, 11) and s[0] in "23456789" and isinstance(raw, int):
        raise ValueProblem(
            _("「%(v)s」像是丢了开头 0 的座机号码（Excel 把它存成了数字）。请把这一列设置为“文本”格式后重新录入。")
            % {"v": _show(raw)}
        )
    raise ValueProblem(
        _("「%(v)s」不是有效的电话号码：手机号应为 1 开头的 11 位数字，座机号应带区号（如 0531-88888888）。")
        % {"v": _show(raw)}
    )


# ------------------------------------------------------------------------------------------- identity numbers

_ID18 = re.compile(r"\d{17}[\dX]", re.ASCII)
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?\d+", re.ASCII)
_EXCEL_LOST = (
    "身份证号被 Excel 存成了数字（显示成 3.70125E+17 这样），最后几位已经丢失、无法恢复。"
    "请把这一列设置为“文本”格式，重新录入身份证号后再导入。"
)


@lru_cache(maxsize=8192)
def _area_status(area: str) -> str:
    """ "current", "retired" or "unknown": what python-stdnum's table of area codes says of `area` at any time.

    Deliberately not "at the birth date" as `stdnum.cn.ric.get_birth_place` checks: a number carries the code of
    the county that issued it, often years after the birth and after a renaming (python-stdnum issue 442; e.g.
    历城县 370121 became 历城区 370112 in 1987, so every villager of 历城 born before 1987 whose card came later
    has 370112)."""
    try:
        county = ",".join(p.get("county", "") for _part, p in numdb.get("cn/loc").info(area))
    except Exception:  # the table is python-stdnum's; if it changes shape, warn about nothing rather than all
        return "current"
    if not county.strip(","):
        return "unknown"
    for entry in county.split(","):
        if not entry:
            continue
        if not entry.startswith("["):
            return "current"
        years = entry[1:].split("]", 1)[0]
        if not years.partition("-")[2]:
            return "current"
    return "retired"


def _check_character(first17: str) -> str:
    return ric.calc_check_digit(first17 + "0")  # python-stdnum takes the number with a check place


def _birth_date(number18: str, raw: Any) -> dt.date:
    y, m, d = int(number18[6:10]), int(number18[10:12]), int(number18[12:14])
    try:
        born = dt.date(y, m, d)
    except ValueError:
        raise ValueProblem(
            _("「%(v)s」里的出生日期 %(v2)s 不存在，请核对身份证号。") % {"v": _show(raw), "v2": number18[6:14]}
        ) from None
    if y < 1890 or born > dt.date.today():
        raise ValueProblem(
            _("「%(v)s」里的出生日期 %(v2)s 不合理，请核对身份证号。") % {"v": _show(raw), "v2": number18[6:14]}
        )
    return born


def parse_identity(raw: Any) -> Parsed:
    """An 18-character resident identity number (GB 11643), upper-case X; see the module docstring."""
    if raw is None:
        return EMPTY
    if isinstance(raw, bool) or isinstance(raw, dt.date):
        raise ValueProblem(_("「%(v)s」不是身份证号。") % {"v": _show(raw)})
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 1e15:
            raw = int(raw)
        else:
            raise ValueProblem(_EXCEL_LOST)
    if isinstance(raw, int):
        if len(str(abs(raw))) >= 16:
            raise ValueProblem(_EXCEL_LOST)
        s = str(raw)  # exact: 15-digit old numbers survive as numbers
    elif type(raw) is str and len(raw) == 18 and _ID18.fullmatch(raw):
        s = raw
    else:
        s = _squeeze(str(raw)).upper().lstrip("'")
        if not s or s in _PLACEHOLDERS:
            return EMPTY
        if _SCIENTIFIC.fullmatch(s) or re.fullmatch(r"\d{15,18}\.0+", s):
            raise ValueProblem(_EXCEL_LOST)
    warning = None
    if len(s) == 15:
        if not s.isdigit():
            raise ValueProblem(_("「%(v)s」不是有效的 15 位身份证号：只能有数字。") % {"v": _show(raw)})
        first17 = s[:6] + "19" + s[6:]
        s18 = first17 + _check_character(first17)
        _birth_date(s18, raw)
        warning = f"15 位旧身份证号已按国家标准升级为 18 位：{s18}。"
        s = s18
    elif len(s) == 18:
        if not _ID18.fullmatch(s):
            raise ValueProblem(
                _("「%(v)s」不是有效的身份证号：前 17 位应为数字，最后一位是数字或 X。") % {"v": _show(raw)}
            )
        if s[-1] != _check_character(s[:17]):
            if s.endswith("000"):
                raise ValueProblem(_EXCEL_LOST)
            raise ValueProblem(
                _("「%(v)s」校验不通过（可能有数字抄错或顺序颠倒），请核对身份证号。") % {"v": _show(raw)}
            )
        _birth_date(s, raw)
        if s.endswith("000"):
            warning = "身份证号末三位是 000：如果这一列曾被 Excel 当成数字，号码可能已经丢失了末几位，请核对。"
    else:
        digits = sum(c.isdigit() for c in s)
        raise ValueProblem(
            f"「{_show(raw)}」不是有效的身份证号：应为 18 位，现在是 {len(s)} 位"
            + ("。" if digits else "，且不含数字。")
        )
    area = s[:6]
    status = _area_status(area)
    if status != "current":
        area_warning = (
            f"地区码 {area} 已不在现行区划代码中（老身份证常见），已接受。"
            if status == "retired"
            else f"地区码 {area} 不在区划代码表中（可能是已撤销的旧代码），已接受，请核对。"
        )
        warning = f"{warning}{area_warning}" if warning else area_warning
    return Parsed(s, warning)


# ------------------------------------------------------------------------------------- unified social credit code


def parse_uscc(raw: Any) -> Parsed:
    """An 18-character unified social credit code (GB 32100), upper-case, check character verified."""
    if raw is None:
        return EMPTY
    if isinstance(raw, float | int) and not isinstance(raw, bool):
        raise ValueProblem(
            _("统一社会信用代码被 Excel 存成了数字，末几位可能已经丢失。请把这一列设置为“文本”格式后重新录入。")
        )
    s = _squeeze(str(raw)).upper().replace("-", "")
    if not s or s in _PLACEHOLDERS:
        return EMPTY
    try:
        return Parsed(uscc.validate(s))
    except InvalidLength:
        raise ValueProblem(
            _("「%(v)s」不是有效的统一社会信用代码：应为 18 位，现在是 %(v2)s 位。") % {"v": _show(raw), "v2": len(s)}
        ) from None
    except InvalidFormat:
        raise ValueProblem(
            _("「%(v)s」不是有效的统一社会信用代码：前 8 位应为数字，其余为数字或大写字母（不含 I、O、Z、S、V）。")
            % {"v": _show(raw)}
        ) from None
    except InvalidChecksum:
        raise ValueProblem(
            _("「%(v)s」的校验位不对（可能有字符抄错），请核对统一社会信用代码。") % {"v": _show(raw)}
        ) from None


# ------------------------------------------------------------------------------------ counties (GB/T 2260)


class County(NamedTuple):
    code: str  # 6 digits
    name: str  # 山东省济南市历下区


def _current_name(entry: str) -> tuple[str, bool]:
    """("历下区", True) for python-stdnum's "[1983-]历下区" or "历下区"; (name, False) when every name has ended."""
    names = [e for e in entry.split(",") if e]
    for e in names:
        if not e.startswith("["):
            return e, True
        years, _, name = e[1:].partition("]")
        if not years.partition("-")[2]:
            return name, True
    last = names[-1] if names else ""
    return (last[1:].partition("]")[2] if last.startswith("[") else last), False


@lru_cache(maxsize=1)
def _counties() -> tuple[dict[str, tuple[str, bool]], dict[str, list[str]]]:
    """From python-stdnum's table of area codes: {code: (full name, in use)} for every county-level code, and
    {a way of writing it: [codes]} — 历下区, 济南市历下区, 山东省济南市历下区, 济南历下区, 山东历下区."""
    by_code: dict[str, tuple[str, bool]] = {}
    by_name: dict[str, list[str]] = {}
    for _length, province_code, _high, province_props, children in numdb.get("cn/loc").prefixes:
        province = province_props.get("province", "")
        cities = {c[1][:2]: _current_name(c[3].get("county", ""))[0] for c in children if c[1].endswith("00")}
        for _l, low, _h, props, _kids in children:
            if low.endswith("00"):
                continue  # a province's or a city's own code, not a county's
            name, in_use = _current_name(props.get("county", ""))
            if not name or name == "市辖区":
                continue
            city = cities.get(low[:2], "")
            city = "" if city in ("市辖区", "县", province) else city
            code = province_code + low
            by_code[code] = (f"{province}{city}{name}", in_use)
            if not in_use:
                continue
            short = {province, province.removesuffix("省").removesuffix("市"), city, city.removesuffix("市")}
            forms = {name, f"{province}{city}{name}", f"{province}{name}"} | {f"{a}{name}" for a in short if a}
            forms |= {f"{a}{b}{name}" for a in short for b in short if a and b and a != b}
            for form in forms:
                codes = by_name.setdefault(form, [])
                if code not in codes:
                    codes.append(code)
    return by_code, by_name


def parse_county(raw: Any) -> Parsed:
    """A county-level place (GB/T 2260): its 6-digit code (370102) or its name as people write it (历下区,
    济南市历下区, 山东省济南市历下区) → County(code, full name). A name two places share (市中区) needs its city;
    a code no longer in use is accepted with a warning; a province's or a city's code is not a county's."""
    if raw is None:
        return EMPTY
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    s = _squeeze(_nfkc(str(raw)))
    if not s or s in _PLACEHOLDERS:
        return EMPTY
    by_code, by_name = _counties()
    if s.isdigit():
        if len(s) != 6:
            raise ValueProblem(_("「%(v)s」不是县级区划代码：应为 6 位数字，如 370102。") % {"v": _show(raw)})
        if s.endswith("00"):
            raise ValueProblem(
                _("「%(v)s」是省或市的代码，不是县（市、区）的代码，请填写注册地所在的县（市、区）。")
                % {"v": _show(raw)}
            )
        found = by_code.get(s)
        if found is None:
            raise ValueProblem(_("「%(v)s」不在行政区划代码表中，请核对注册地的 6 位区划代码。") % {"v": _show(raw)})
        name, in_use = found
        if not in_use:
            return Parsed(
                County(s, name), _("区划代码 %(code)s（%(name)s）已停用，已接受，请核对。") % {"code": s, "name": name}
            )
        return Parsed(County(s, name))
    codes = by_name.get(s, [])
    if len(codes) == 1:
        return Parsed(County(codes[0], by_code[codes[0]][0]))
    if len(codes) > 1:
        options = "、".join(by_code[c][0] for c in codes[:5])
        raise ValueProblem(
            _("「%(v)s」有 %(n)s 处同名（%(options)s 等），请写明所在的省、市，或填写 6 位区划代码。")
            % {"v": _show(raw), "n": len(codes), "options": options}
        )
    raise ValueProblem(
        _("无法识别注册地「%(v)s」：请填写县（市、区）名称（如“济南市历下区”）或 6 位区划代码。") % {"v": _show(raw)}
    )


# ---------------------------------------------------------------------------------------------------- regions

_REGION_SUFFIXES = (
    "社区居民委员会",
    "村民委员会",
    "居民委员会",
    "社区居委会",
    "村委会",
    "居委会",
    "社区",
    "村委",
    "村",
)


def _region_key(name: str) -> str:
    return _squeeze(name).rstrip("。.")


def _region_stem(key: str) -> str:
    for suffix in _REGION_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 2:
            return key[: -len(suffix)]
    return key


class RegionMatcher:
    """Matches region names as people write them against `names` (name → anything, e.g. a Region).

    "孔家坊", "孔家坊村", "孔家坊 村" and "孔家坊村委会" find "孔家坊村"; "孔家坊社区居委会" finds "孔家坊社区";
    a name with its township in front ("太平街道孔家坊村") finds it too when that is unambiguous. When "孔家坊"
    could be either "孔家坊村" or "孔家坊社区", the person is asked to write the full name.
    """

    def __init__(self, names: Mapping[str, object]):
        self.names = dict(names)
        self._exact: dict[str, str] = {}
        self._stems: dict[str, list[str]] = {}
        self._memo: dict[str, Parsed] = {}  # what people typed → its region: a ledger repeats a few dozen names
        for name in self.names:
            key = _region_key(name)
            self._exact.setdefault(key, name)
            stems = self._stems.setdefault(_region_stem(key), [])
            if name not in stems:
                stems.append(name)

    def match(self, raw: Any) -> Parsed:
        if raw is None:
            return EMPTY
        memo = self._memo.get(raw) if type(raw) is str else None
        if memo is not None:
            return memo
        parsed = self._match(raw)
        if type(raw) is str and len(self._memo) < 10_000:
            self._memo[raw] = parsed
        return parsed

    def _match(self, raw: Any) -> Parsed:
        text = parse_text(raw).value
        if not text:
            return EMPTY
        key = _region_key(text)
        name = self._exact.get(key)
        if name is None:
            candidates = self._stems.get(_region_stem(key), [])
            if not candidates:  # "太平街道孔家坊村": a known name at the end
                stem = _region_stem(key)
                candidates = sorted(
                    {n for s, ns in self._stems.items() if len(s) >= 2 and stem.endswith(s) for n in ns}
                )
            if len(candidates) > 1:
                raise ValueProblem(
                    _("「%(text)s」可能是 %(v)s，请写全称。") % {"text": text, "v": "、".join(candidates)}
                )
            name = candidates[0] if candidates else None
        if name is None:
            close = difflib.get_close_matches(key, list(self._exact), n=1, cutoff=0.6)
            hint = f"是不是「{self._exact[close[0]]}」？" if close else ""
            raise ValueProblem(_("「%(text)s」不在本台账可填的村（社区）中。%(hint)s") % {"text": text, "hint": hint})
        return Parsed(self.names[name])


def match_region(raw: Any, names: Mapping[str, object]) -> Parsed:
    """`RegionMatcher(names).match(raw)`; for many rows build the matcher once."""
    return RegionMatcher(names).match(raw)


# ------------------------------------------------------------------------------------------------ whole rows


def is_blank(values: Sequence[Any], *, ignore_columns: Iterable[int] = ()) -> bool:
    """True when every cell is empty or spaces — apart from `ignore_columns` (e.g. a pre-filled 序号)."""
    skip = set(ignore_columns) if ignore_columns else ()
    for i, v in enumerate(values):
        if v is None or (skip and i in skip):
            continue
        if type(v) is str and (not v or v.isspace() or not _strip(v)):
            continue
        return False
    return True


_TOTAL = re.compile(
    r"^(?:全村|全镇|全乡|全街道|全社区|本页|本表|本月|本年|总)?(?:合计|总计|小计|共计|总合计)(?:[:(].*)?$"
)


def _present(values: Sequence[Any]) -> list:
    return [v for v in values if v is not None and not (type(v) is str and (not v or v.isspace()))]


def is_total_row(values: Sequence[Any]) -> bool:
    """True for a 合计/总计/小计 row: one of its first three non-empty cells says so."""
    seen = 0
    for v in values:
        if v is None:
            continue
        if type(v) is str:
            if not v or v.isspace():
                continue
            if "计" in v:
                text = _squeeze(v).replace("：", ":").replace("（", "(")
                if len(text) <= 16 and _TOTAL.match(text):
                    return True
        seen += 1
        if seen == 3:
            break
    return False


_SIGNATURE = re.compile(
    r"(填表人|填报人|制表人|审核人|审批人|复核人|负责人|经办人|统计人|联系人|联系电话|主要领导|分管领导|"
    r"签字|签名|盖章|填报日期|填表日期|日期)"
)


# any of these characters must be in a cell for it to hold a signature label (a cheap test before the regex)
_SIGNATURE_CHARS = frozenset("人话导字名章期")


def is_signature_row(values: Sequence[Any]) -> bool:
    """True for a line such as "填表人：张三　审核人：李四　日期：2020年5月12日" (in one cell or several): at least
    one cell starts with such a label or has it before a colon, and the row holds little else."""
    candidates = [v for v in values if type(v) is str and not _SIGNATURE_CHARS.isdisjoint(v)]
    if not candidates:
        return False
    present = _present(values)
    if len(present) > 2 * len(candidates) + 1:
        return False
    labelled = 0
    for v in candidates:
        text = _squeeze(v).lstrip("(（[【")
        for m in _SIGNATURE.finditer(text):
            after = text[m.end() : m.end() + 2]
            if m.start() == 0 or after[:1] in (":", "：", ")", "）") or after[:2] in ("):", "）："):
                labelled += 1
                break
    return labelled >= 1 and len(present) <= 2 * labelled + 1


def region_stem(name: str) -> str:
    """A region's name without its suffix, as headers write it: "孔家坊村" → "孔家坊" (RegionMatcher's rule)."""
    return _region_stem(_region_key(name))


# ------------------------------------------------------------------------------------------------ deadlines

_DEADLINE_TAIL = re.compile(r"(之前|以前|前|完成|止|为止)+$")
_YEAR_END = {"年底", "年末", "全年", "年内", "年度", "本年", "本年度", "年底前", "12月底", "12月末"}
_HALF = {"上半年": (6, 30), "年中": (6, 30), "下半年": (12, 31)}
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MONTH_END = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(?:底|末|份|中旬|下旬)?")
_MONTH_DAY = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]")
_QUARTER = re.compile(r"(?:(\d{4})年)?第?([一二三四1-4])季度(?:末|底)?")


def parse_deadline(raw: Any, year: int) -> Parsed:
    """A deadline (完成时限) as target documents write it, within `year` when they name no year: 2021-06-30,
    2021年6月30日, 6月30日, 2021年6月底, 6月底前, 第三季度, 上半年, 年底, 全年 (→ the year's last day)."""
    if raw is None:
        return EMPTY
    if not isinstance(raw, str):
        return parse_date(raw)
    s = _squeeze(_nfkc(_strip(raw)))
    if not s or s in _PLACEHOLDERS:
        return EMPTY
    s = _DEADLINE_TAIL.sub("", s) or s
    if s in _YEAR_END or s == f"{year}年底" or s == f"{year}年":
        return Parsed(dt.date(year, 12, 31))
    if s in _HALF:
        return Parsed(dt.date(year, *_HALF[s]))
    m = _MONTH_DAY.fullmatch(s)
    if m:
        return Parsed(_make_date(int(m.group(1) or year), int(m.group(2)), int(m.group(3)), raw))
    m = _MONTH_END.fullmatch(s)
    if m:
        y, mo = int(m.group(1) or year), int(m.group(2))
        _make_date(y, mo, 1, raw)
        return Parsed(dt.date(y, mo, calendar.monthrange(y, mo)[1]))
    m = _QUARTER.fullmatch(s)
    if m:
        y, q = int(m.group(1) or year), _QUARTERS[m.group(2)]
        return Parsed(dt.date(y, q * 3, calendar.monthrange(y, q * 3)[1]))
    try:
        return parse_date(raw)
    except ValueProblem:
        raise ValueProblem(
            _("「%(v)s」不是可识别的完成时限，请写成 %(year)s-06-30、6月30日、6月底、第三季度或年底。")
            % {"v": _strip(raw), "year": year}
        ) from None
