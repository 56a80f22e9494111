"""A ledger proposed from the spreadsheet an office already keeps: one field per column, its type read from the
header's words and the values under it.

    proposal = infer.propose(upload, filename="气代煤改造台账.xlsx", regions=village_names)
    proposal.definition(code="gas-conversion", name="气代煤改造台账")  # what do_define_ledger / `ledger define` take

The file is read through `zhili.excel` (the header found under title rows with `guess_header`, a merged parent
joined to its children, 合计 and signature rows skipped) and only its first `SAMPLE_ROWS` data rows are looked at
(`Proposal.more` says there were more, and `notes` says so): a million-row file is proposed from its start.

For each column, in this order: an identity number (GB 11643, the importer's own parser), a unified social credit
code, a phone, a date, yes/no, a whole number, a decimal (the unit from the header, "面积（亩）"), the region (a
header such as 村 or 所在村 and values that are villages), a choice (few distinct short values for many rows),
else text. A value-driven type needs nearly every value to read as it (`SHARE`), a little less when the header
says so too (`HINTED_SHARE`). A field is required when no sampled cell is empty; the key is the first identity
number, credit code or 编号 column whose values are unique, else the region when each row is one village. Keys
are ASCII words taken from the header ("村" → village, "完工日期" → finished_on), else from the type; labels keep
the header as the office wrote it (without the unit, which the importer reads from the header again).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from zhili import excel
from zhili.excel import values as v
from zhili.ledgers.fields import mask
from zhili.ledgers.models import FieldType, RowLevel

SAMPLE_ROWS = 5000  # data rows looked at; the rest of a file is not read
SHARE = 0.98  # of the non-empty values that must read as a type for the values alone to choose it
HINTED_SHARE = 0.8  # … when the header names that type too
CHOICE_MAX = 12  # at most this many distinct values make a choice …
CHOICE_ROWS_PER_VALUE = 3  # … and each of them must come back this many times on average
CHOICE_MAX_LENGTH = 16

# decimals whatever the values: measures and money ("面积（亩）" holding 12 and 15 is still a decimal)
DECIMAL_UNITS = {
    "元", "万元", "亿元", "千元", "亩", "公顷", "平方米", "平米", "㎡", "平方公里", "米", "千米", "公里", "厘米",
    "吨", "千克", "公斤", "克", "斤", "立方米", "方", "升", "%", "千瓦", "千瓦时", "度", "万千瓦时",
}  # fmt: skip

_HINTS: dict[str, tuple[str, ...]] = {
    FieldType.ID_NUMBER: ("身份证",),
    FieldType.USCC: ("信用代码",),
    FieldType.PHONE: ("电话", "手机", "联系方式"),
    FieldType.DATE: ("日期", "时间", "时限"),
    FieldType.BOOL: ("是否",),
    FieldType.INTEGER: ("户数", "人数", "人口", "个数", "数量", "年度", "年份", "次数", "件数"),
    FieldType.DECIMAL: ("金额", "面积", "长度", "收入", "资金", "投资", "补贴", "费用", "产量", "概算"),
}
_REGION_HEADERS = {"村", "村名", "所在村", "村居", "村庄", "村别", "社区", "村社区", "所属村", "试点村", "行政村"}
_GRID_HEADERS = {"网格", "所在网格", "网格名称", "所属网格"}
_KEY_WORDS = ("编号", "证号", "代码", "号码")
_ROW_NUMBER = {"序号", "序", "no", "no.", "编号序号"}
# free text whatever the values (headers ending so): a few names or places repeated are not a list to choose from
_TEXT_WORDS = ("名称", "姓名", "户主", "负责人", "联系人", "地址", "地点", "位置", "内容", "说明", "备注", "情况",
               "原因", "意见", "来源", "品种", "用途", "范围", "方")  # fmt: skip

# header words → field keys: the whole header first, then the first word it ends with or contains
_KEYS = {
    "村": "village", "村名": "village", "所在村": "village", "社区": "village", "村社区": "village",
    "网格": "grid", "姓名": "name", "户主": "head_name", "户主姓名": "head_name", "名称": "name",
    "身份证号": "id_number", "身份证号码": "id_number", "统一社会信用代码": "uscc", "电话": "phone",
    "联系电话": "phone", "手机": "phone", "手机号": "phone", "手机号码": "phone", "性别": "sex",
    "年龄": "age", "年度": "year", "年份": "year", "月份": "month", "日期": "date", "备注": "note",
    "说明": "note", "地址": "address", "类型": "type", "状态": "status", "面积": "area", "金额": "amount",
    "合同编号": "contract_no", "编号": "number", "负责人": "leader", "联系人": "contact",
}  # fmt: skip
_KEY_SUFFIXES = (
    ("身份证", "id_number"), ("信用代码", "uscc"), ("电话", "phone"), ("手机", "phone"), ("完工日期", "finished_on"),
    ("竣工日期", "finished_on"), ("签订日期", "signed_on"), ("签约日期", "signed_on"), ("登记日期", "registered_on"),
    ("开工日期", "started_on"), ("验收日期", "accepted_on"), ("出生日期", "born_on"), ("日期", "date"),
    ("时间", "time"), ("户数", "households"), ("人数", "people"), ("人口", "members"), ("面积", "area"),
    ("长度", "length"), ("金额", "amount"), ("补贴", "subsidy"), ("收入", "income"), ("租金", "rent"),
    ("投资", "investment"), ("概算", "budget"), ("期限", "term"), ("方式", "method"), ("状态", "status"),
    ("阶段", "stage"), ("类型", "type"), ("类别", "category"), ("姓名", "name"), ("名称", "name"),
    ("地点", "location"), ("地址", "address"), ("内容", "content"), ("备注", "note"), ("说明", "note"),
    ("编号", "number"), ("数量", "count"), ("用途", "use"), ("来源", "source"), ("负责人", "leader"),
    ("验收", "accepted"), ("合格", "passed"),
)  # fmt: skip
_TYPE_KEYS = {
    FieldType.TEXT: "text", FieldType.INTEGER: "count", FieldType.DECIMAL: "amount", FieldType.DATE: "date",
    FieldType.CHOICE: "category", FieldType.BOOL: "flag", FieldType.REGION: "village",
    FieldType.ID_NUMBER: "id_number", FieldType.USCC: "uscc", FieldType.PHONE: "phone",
}  # fmt: skip
_UNIT_BRACKET = re.compile(r"\s*[（(\[【][^（）()\[\]【】]*[)）\]】]\s*$")
_DATE_TEXT = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}")


@dataclass
class Column:
    """What was seen of one column."""

    index: int
    header: str  # as resolved by guess_header ("户主信息/姓名" under a merged parent)
    unit: str | None
    values: list[Any] = field(default_factory=list)  # its non-empty cells, in row order
    empty: int = 0

    @property
    def words(self) -> str:
        return excel.normalise_header(self.header.split("/")[-1])


@dataclass
class Proposal:
    """A proposed definition and what it was proposed from."""

    fields: list[dict]
    key: list[str]
    level: str
    title: str  # the title above the header, if there is one: a name for the ledger
    header_rows: tuple[int, ...]
    rows: int  # data rows looked at
    more: bool  # the file has more data rows than were looked at
    headers: list[str]  # each field's column header, as in the file
    samples: list[list[str]] = field(default_factory=list)  # a few of each field's values, as the page shows them
    notes: list[str] = field(default_factory=list)

    def definition(self, *, code: str, name: str = "") -> dict:
        """What `actions.do_define_ledger` and `zhili ledger define` take."""
        return {
            "code": code,
            "name": name or self.title or code,
            "level": self.level,
            "key": list(self.key),
            "fields": [dict(f) for f in self.fields],
        }


def propose(source: Any, *, filename: str, regions: Iterable[str] = ()) -> Proposal:
    """Read `source` (a path, a file or an upload) and propose its ledger. `regions`: the names of the villages
    (and grids) rows may name, when known — a column of them is the region even under an unusual header.
    Raises `excel.SpreadsheetError` with a sentence for a file that cannot be read or has no header."""
    with excel.open_rows(source, filename=filename) as reader:
        head = [row for _, row in zip(range(15), reader, strict=False)]
        match = excel.guess_header(head)
        title = _title(head, match.header_rows[0])
        columns = [
            Column(i, header, match.units[i] if i < len(match.units) else None)
            for i, header in enumerate(match.columns)
            if header
        ]
        rows, more = 0, False
        after_header = (r for r in head if r[0] > match.header_row)
        for _number, values in itertools.chain(after_header, reader):
            if v.is_blank(values) or v.is_total_row(values) or v.is_signature_row(values):
                continue
            if rows == SAMPLE_ROWS:
                more = True
                break
            rows += 1
            for c in columns:
                cell = values[c.index] if c.index < len(values) else None
                if cell is None or (type(cell) is str and not cell.strip()):
                    c.empty += 1
                else:
                    c.values.append(cell)
    return _propose(columns, rows, more, title, match.header_rows, set(regions))


def _title(head: list[tuple[int, list]], header_row: int) -> str:
    """The one-cell row above the header ("孔家坊村气代煤改造台账"), if there is one."""
    for number, values in head:
        if number >= header_row:
            break
        present = [x for x in values if x is not None]
        if len(present) == 1 and isinstance(present[0], str) and "：" not in present[0] and ":" not in present[0]:
            return present[0].strip()[:100]
    return ""


def _propose(
    columns: list[Column], rows: int, more: bool, title: str, header_rows: tuple[int, ...], regions: set[str]
) -> Proposal:
    notes = []
    if more:
        notes.append(f"文件超过 {SAMPLE_ROWS} 行：字段类型只按前 {SAMPLE_ROWS} 行推断，导入时仍会检查每一行。")
    if not rows:
        notes.append("表头下面没有数据行：字段类型只按表头推断，请逐一核对。")
    fields: list[dict] = []
    headers: list[str] = []
    samples: list[list[str]] = []
    taken_keys: set[str] = set()
    by_key: dict[str, Column] = {}
    have_region = False
    labels = _labels(columns)
    for c in columns:
        if c.words in _ROW_NUMBER:
            notes.append(f"“{c.header}”列只是行号，没有作为字段。")
            continue
        f = _field(c, rows, regions, allow_region=not have_region)
        have_region = have_region or f["type"] == FieldType.REGION
        f["label"] = labels[c.index]
        f["key"] = _key_for(c, f["type"], taken_keys)
        if len(c.values) > 0 and max(len(str(x)) for x in c.values) > 500 and f["type"] == FieldType.TEXT:
            notes.append(f"“{f['label']}”有超过 500 字的内容：台账的文本字段最多 500 字。")
        f["type"] = FieldType(f["type"]).value  # plain text: the definition is written as YAML and JSON
        fields.append({"key": f.pop("key"), "label": f.pop("label"), **f})
        headers.append(c.header)
        samples.append(_samples(c, f["type"]))
        by_key[fields[-1]["key"]] = c
    key = _proposed_key(fields, by_key, rows)
    return Proposal(
        fields=fields,
        key=key,
        level=RowLevel(_level(fields, key)).value,
        title=title,
        header_rows=header_rows,
        rows=rows,
        more=more,
        headers=headers,
        samples=samples,
        notes=notes,
    )


def _samples(c: Column, t: str) -> list[str]:
    """Up to three distinct values of the column; identity numbers masked as every page shows them."""
    out: list[str] = []
    for x in c.values:
        text = str(x.isoformat() if hasattr(x, "isoformat") else x).strip()[:30]
        text = mask({"type": t}, text)
        if text not in out:
            out.append(text)
        if len(out) == 3:
            break
    return out


def _labels(columns: list[Column]) -> dict[int, str]:
    """Each column's label: its header without the unit; under a merged parent the child alone when no other
    column has the same child ("户主信息/姓名" → 姓名), else parent and child run together."""
    children = Counter(_strip_unit(c.header.split("/")[-1]) for c in columns)
    out: dict[int, str] = {}
    seen: set[str] = set()
    for c in columns:
        parts = [_strip_unit(p) for p in c.header.split("/")]
        label = parts[-1] if children[parts[-1]] == 1 else "".join(parts)
        base, n = label[:100], 2
        while label in seen:
            label, n = f"{base}{n}", n + 1
        seen.add(label)
        out[c.index] = label
    return out


def _strip_unit(text: str) -> str:
    stripped = _UNIT_BRACKET.sub("", text).strip()
    return stripped or text.strip()


def _share(values: list[Any], parse: Callable[[Any], Any]) -> float:
    """The part of `values` that `parse` reads."""
    return sum(1 for x in values if _ok(parse, x)) / len(values) if values else 0.0


def _hinted(c: Column, t: str) -> bool:
    return any(word in c.words for word in _HINTS.get(t, ()))


def _reads_as(c: Column, t: str, parse: Callable[[Any], Any]) -> bool:
    return _share(c.values, parse) >= (HINTED_SHARE if _hinted(c, t) else SHARE)


def _date_cell(x: Any) -> Any:
    """A date as offices write one: a date cell, or text with a year and a month in it ("2020-05-12",
    "2020年5月12日"); a bare number is a date only under a date header (see _field)."""
    if isinstance(x, str) and not _DATE_TEXT.search(x):
        raise v.ValueProblem(_("不是日期"))
    if isinstance(x, int | float) and not isinstance(x, bool):
        raise v.ValueProblem(_("不是日期"))
    return v.parse_date(x)


def _yes_no_cell(x: Any) -> Any:
    if isinstance(x, int | float) and not isinstance(x, bool):
        raise v.ValueProblem(_("数字"))  # 0 and 1 are counts unless the header asks 是否
    return v.parse_yes_no(x)


def _number(x: Any) -> Decimal:
    if isinstance(x, bool) or not isinstance(x, int | float | str):
        raise v.ValueProblem(_("不是数字"))
    value = v.parse_decimal(x, decimals=6).value
    if value is None:
        raise v.ValueProblem(_("空"))
    return value


def _field(c: Column, rows: int, regions: set[str], *, allow_region: bool) -> dict:
    f: dict[str, Any] = {"type": FieldType.TEXT, "required": rows > 0 and c.empty == 0}
    values = c.values
    words = c.words
    if allow_region and _is_region(c, regions):
        f["type"] = FieldType.REGION
        return f
    for t, parse in (
        (FieldType.ID_NUMBER, v.parse_identity),
        (FieldType.USCC, v.parse_uscc),
        (FieldType.PHONE, v.parse_phone),
    ):
        if values and (_hinted(c, t) or t != FieldType.PHONE or all(isinstance(x, str) for x in values)):
            if _reads_as(c, t, parse):
                f["type"] = t
                if t == FieldType.ID_NUMBER:
                    f["sensitive"] = True
                return f
    if values and (
        _reads_as(c, FieldType.DATE, _date_cell)
        or (_hinted(c, FieldType.DATE) and _reads_as(c, FieldType.DATE, v.parse_date))
    ):
        f["type"] = FieldType.DATE
        return f
    if values and len(set(map(str, values))) <= 2:
        parse = v.parse_yes_no if _hinted(c, FieldType.BOOL) else _yes_no_cell
        if _reads_as(c, FieldType.BOOL, parse):
            f["type"] = FieldType.BOOL
            return f
    if values and _share(values, _number) >= SHARE:
        numbers = [_number(x) for x in values if _ok(_number, x)]
        whole = all(n == n.to_integral_value() for n in numbers)
        if (
            c.unit in DECIMAL_UNITS
            or not whole
            or (_hinted(c, FieldType.DECIMAL) and not _hinted(c, FieldType.INTEGER))
        ):
            f["type"] = FieldType.DECIMAL
            places = max((-n.normalize().as_tuple().exponent for n in numbers), default=0)  # type: ignore[operator]
            f["decimals"] = min(4, max(2, places))
        else:
            f["type"] = FieldType.INTEGER
        if c.unit:
            f["unit"] = c.unit
        return f
    if not values and (t := next((t for t in _HINTS if _hinted(c, t)), None)):
        f["type"] = t  # nothing to read: the header alone
        if t in (FieldType.INTEGER, FieldType.DECIMAL) and c.unit:
            f["unit"] = c.unit
        return f
    distinct = list(dict.fromkeys(str(x).strip() for x in values))
    if (
        values
        and all(isinstance(x, str) for x in values)
        and len(distinct) <= CHOICE_MAX
        and len(values) >= CHOICE_ROWS_PER_VALUE * max(2, len(distinct))
        and max(len(d) for d in distinct) <= CHOICE_MAX_LENGTH
        and not words.endswith(_TEXT_WORDS)
    ):
        f["type"] = FieldType.CHOICE
        f["choices"] = distinct
    return f


def _ok(parse: Callable[[Any], Any], x: Any) -> bool:
    try:
        parse(x)
    except (v.ValueProblem, ValueError, TypeError, ArithmeticError):
        return False
    return True


_REGION_END = re.compile(r"(村|社区|村委会|居委会|村民委员会|居民委员会|网格|\d+网格)$")


def _is_region(c: Column, regions: set[str]) -> bool:
    """A region column: a header that names villages or grids with values that look like them, or (whatever
    its header) values nearly all of which are the known villages."""
    strings = [x.strip() for x in c.values if isinstance(x, str)]
    if len(strings) < len(c.values):
        return False
    if regions and strings:
        matcher = v.RegionMatcher(dict.fromkeys(regions))
        if _share(strings, matcher.match) >= SHARE:
            return True
    headed = c.words in _REGION_HEADERS or c.words in _GRID_HEADERS or c.words.endswith(("村", "社区", "网格"))
    if not headed:
        return False
    return not strings or _share(strings, _region_like) >= HINTED_SHARE


def _region_like(x: str) -> str:
    if not _REGION_END.search(x) and len(x) > 6:
        raise v.ValueProblem(_("不像村名"))
    return x


def _key_for(c: Column, t: str, taken: set[str]) -> str:
    grid = c.words in _GRID_HEADERS or c.words.endswith("网格")
    return key_for_label(_strip_unit(c.header.split("/")[-1]), t, taken, grid=grid)


def key_for_label(label: str, t: str, taken: set[str], *, grid: bool = False) -> str:
    """An ASCII field key for a Chinese label ("完工日期" → finished_on, "补贴金额" → amount), else one from the
    type (text, count, amount …); `_2`, `_3` … when `taken` has it already (the key is added to `taken`)."""
    if t == FieldType.REGION:
        base = "grid" if grid else "village"
    else:
        words = re.sub(r"\s+", "", label)
        base = (
            _KEYS.get(words)
            or next((k for suffix, k in _KEY_SUFFIXES if words.endswith(suffix)), None)
            or next((k for suffix, k in _KEY_SUFFIXES if suffix in words), None)
            or _TYPE_KEYS.get(t, "field")
        )
        if base in ("village", "grid"):  # a village's name in a column that is not the row's region
            base = _TYPE_KEYS.get(t, "field")
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _proposed_key(fields: list[dict], columns: dict[str, Column], rows: int) -> list[str]:
    if rows < 2:
        return []

    def unique(f: dict) -> bool:
        c = columns[f["key"]]
        return c.empty == 0 and len({str(x).strip() for x in c.values}) == len(c.values)

    for f in fields:
        keyish = f["type"] in (FieldType.ID_NUMBER, FieldType.USCC) or (
            f["type"] == FieldType.TEXT and any(w in columns[f["key"]].words for w in _KEY_WORDS)
        )
        if keyish and unique(f):
            return [f["key"]]
    region = next((f for f in fields if f["type"] == FieldType.REGION), None)
    if region is not None and unique(region):
        return [region["key"]]  # one row per village
    return []


def _level(fields: list[dict], key: list[str]) -> str:
    types = {f["key"]: f["type"] for f in fields}
    region = next((f for f in fields if f["type"] == FieldType.REGION), None)
    if region is None:
        return RowLevel.UNIT  # rows that name no village belong to the subdistrict
    if region["key"] == "grid":
        return RowLevel.GRID
    if FieldType.ID_NUMBER in types.values():
        return RowLevel.HOUSEHOLD
    if FieldType.USCC in types.values():
        return RowLevel.UNIT
    if key and types.get(key[0]) == FieldType.TEXT:
        return RowLevel.PROJECT
    return RowLevel.VILLAGE
