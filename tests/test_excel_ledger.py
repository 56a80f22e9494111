"""A messy, real-looking 气代煤改造台账, in every format an office sends, through the whole excel layer.

Title row, a 填报单位 line, a merged two-row header (户主信息 over 姓名 | 身份证号), full-width digits, thousands
separators, mixed date formats including an Excel serial, an identity number that Excel stored as a number, an
older villager's number with a retired area code, trailing spaces, 孔家坊 vs 孔家坊村, a typo'd village, an
impossible date, a duplicate key, a formatted blank row, a 合计 row and a signature line. The little importer
below uses only the public API, the way the ledgers app does; the test checks every value and exactly the
error rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.styles import Alignment, PatternFill
from stdnum.cn import ric

from tests.test_excel_files import write_ods, write_xls
from zhili.excel import (
    RegionMatcher,
    ValueProblem,
    column_letter,
    find_header,
    is_blank,
    is_signature_row,
    is_total_row,
    map_columns,
    open_rows,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_identity,
    parse_phone,
    parse_text,
)


def make_id(area: str, born: str, seq: str) -> str:
    first17 = area + born + seq
    return first17 + ric.calc_check_digit(first17 + "0")


# 370112 is 历城区 (孔家坊's district) only since 1987: python-stdnum refuses it for anyone born earlier
# (its issue 442), though it is on every card issued there since. 370121 is the retired code of 历城县.
ID_ZHANG = make_id("370112", "19650312", "031")
ID_WANG = next(i for i in (make_id("370112", "19720805", f"{n:03d}") for n in range(1000)) if i.endswith("X"))
ID_ZHAO = make_id("370121", "19480101", "022")  # an old card of 历城县, retired in 1987
ID_QIAN = make_id("370112", "19800101", "045")
ID_SUN = make_id("370112", "19900909", "067")

WAYS = ["燃气壁挂炉", "燃气灶具", "空气源热泵", "电采暖"]
STATES = ["未开工", "施工中", "已完工", "已验收"]
FIELDS = [
    ("village", ["村", "村名", "所在村"]),
    ("name", ["户主姓名", "姓名", "户主"]),
    ("identity", ["身份证号", "身份证号码"]),
    ("phone", ["联系电话", "电话"]),
    ("way", ["改造方式"]),
    ("finished", ["完工日期"]),
    ("state", ["验收状态"]),
    ("subsidy", ["补贴金额", "补贴"]),
]
VILLAGES = RegionMatcher({"孔家坊村": "孔家坊村", "阎桥村": "阎桥村"})
PARSERS = {
    "village": VILLAGES.match,
    "name": parse_text,
    "identity": parse_identity,
    "phone": parse_phone,
    "way": lambda raw: parse_choice(raw, WAYS),
    "finished": parse_date,
    "state": lambda raw: parse_choice(raw, STATES),
    "subsidy": lambda raw: parse_decimal(raw, unit="元", decimals=2),
}

TITLE = "孔家坊村气代煤改造台账"
# (row values A..I); None is an empty cell. Row 1 is Excel row 1.
SHEET: list[list] = [
    [TITLE, None, None, None, None, None, None, None, None],
    ["填报单位：太平街道孔家坊村（盖章）", None, None, None, None, "填报日期：2020年6月1日", None, None, None],
    ["序号", "村", "户主信息", None, "联系电话", "改造方式", "完工日期", "验收状态", "补贴金额\n（元）"],
    [None, None, "姓名", "身份证号", None, None, None, None, None],
    [1, "孔家坊村", "张三", ID_ZHANG, 13800138000, "燃气壁挂炉", "2020.5.12", "已验收", "３，０００"],
    [2, "孔家坊", "李四 ", 3.70125198001011e17, "138 0013 8001", "燃气灶具", 43963, "已完工", 2500.5],
    [
        3,
        "孔家坊村 ",
        "王五",
        ID_WANG.lower(),
        "0531-88888888",
        " 空气源热泵",
        dt.date(2020, 5, 14),
        "施工中",
        "1,234.5",
    ],
    [4, "孔 家 坊 村", "赵六", ID_ZHAO, "13900139000", "电采暖", "2020年5月12日", "已验收", "１２００"],
    [5, "孔家坊村", "钱七", ID_QIAN, "13700137000", "燃气壁挂炉", "2020-02-30", "已验收", 3000],
    [6, "孔家房村", "孙八", ID_SUN, "13600136000", "燃气灶具", "2020/5/12", "已完工", "2,000"],
    [7, "阎桥村", "周九", ID_ZHANG, "13500135000", "电采暖", "20200601", "未开工", None],
    [None, None, None, None, None, None, None, None, None],
    ["合计", None, None, None, None, None, None, None, 11934.5],
    ["填表人：张三", None, None, "审核人：李四", None, None, "联系电话：13800000000", None, None],
]
MERGES = ["A1:I1", "A2:E2", "F2:I2", "A3:A4", "B3:B4", "C3:D3", "E3:E4", "F3:F4", "G3:G4", "H3:H4", "I3:I4", "A13:H13"]

EXPECTED_GOOD = {
    5: {"village": "孔家坊村", "name": "张三", "identity": ID_ZHANG, "phone": "13800138000", "way": "燃气壁挂炉",
        "finished": dt.date(2020, 5, 12), "state": "已验收", "subsidy": Decimal("3000.00")},
    7: {"village": "孔家坊村", "name": "王五", "identity": ID_WANG, "phone": "0531-88888888", "way": "空气源热泵",
        "finished": dt.date(2020, 5, 14), "state": "施工中", "subsidy": Decimal("1234.50")},
    8: {"village": "孔家坊村", "name": "赵六", "identity": ID_ZHAO, "phone": "13900139000", "way": "电采暖",
        "finished": dt.date(2020, 5, 12), "state": "已验收", "subsidy": Decimal("1200.00")},
}  # fmt: skip
EXPECTED_ERRORS = [
    (6, "D", "户主信息/身份证号", "Excel 存成了数字"),
    (9, "G", "完工日期", "2020年2月没有30日"),
    (10, "B", "村", "是不是「孔家坊村」"),
    (11, "D", "户主信息/身份证号", "与第 5 行重复"),
]
EXPECTED_WARNINGS = [(8, "D", "地区码 370121 已不在现行区划代码中（老身份证常见），已接受。")]


# --------------------------------------------------------------------------------------------- the formats


def _range(ref: str) -> tuple[int, int, int, int]:
    """ "C3:D3" → 0-based (first_row, last_row, first_col, last_col)."""
    a, b = ref.split(":")

    def cell(c: str) -> tuple[int, int]:
        letters = "".join(ch for ch in c if ch.isalpha())
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        return int(c[len(letters) :]) - 1, col - 1

    (r1, c1), (r2, c2) = cell(a), cell(b)
    return r1, r2, c1, c2


def write_openpyxl(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "气代煤"
    hidden = wb.create_sheet("填表说明", 0)  # a hidden instructions sheet first, as templates often have
    hidden["A1"] = "本表由各村填写"
    hidden.sheet_state = "hidden"
    wb.active = 1
    for r, row in enumerate(SHEET, start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(row=r, column=c, value=v)
    ws.cell(row=6, column=4).number_format = "0"  # how the identity number shows after Excel ate it
    ws.cell(row=7, column=7).number_format = "yyyy-mm-dd"
    for ref in MERGES:
        ws.merge_cells(ref)
    ws["I3"].alignment = Alignment(wrap_text=True)
    yellow = PatternFill("solid", fgColor="FFFF00")
    for c in range(1, 10):
        ws.cell(row=12, column=c).fill = yellow  # a formatted blank row
    wb.save(path)


def write_xls_file(path):
    write_xls(path, SHEET, merges=[_range(m) for m in MERGES], name="气代煤")


def write_ods_file(path):
    spans = {}
    for ref in MERGES:
        r1, _r2, c1, c2 = _range(ref)
        if c2 > c1:
            spans[(r1, c1)] = c2 - c1 + 1
    write_ods(path, SHEET, merges=spans)


def write_gbk_csv(path):
    """What "另存为 CSV" gives on a Chinese Windows: GBK, numbers as displayed (the identity as 3.70125E+17)."""

    def shown(v):
        if v is None:
            return ""
        if isinstance(v, float) and v > 1e15:
            return "3.70125E+17"
        if isinstance(v, dt.date):
            return v.strftime("%Y/%m/%d")
        return str(v)

    buffer = io.StringIO()
    csv.writer(buffer).writerows([[shown(v) for v in row] for row in SHEET])
    path.write_bytes(buffer.getvalue().replace("\u3000", " ").encode("gbk"))


WRITERS = {"xlsx": write_openpyxl, "xls": write_xls_file, "ods": write_ods_file, "csv": write_gbk_csv}


# ------------------------------------------------------------------------------------------ a tiny importer


def import_ledger(path, filename):
    reader = open_rows(path, filename=filename)
    head = list(itertools.islice(reader, 15))
    match = find_header(head, [label for _key, labels in FIELDS for label in labels])
    mapping, missing = map_columns(match.columns, FIELDS)
    assert missing == []
    good, errors, warnings, seen_keys = {}, [], [], {}
    for number, values in itertools.chain((r for r in head if r[0] > match.header_row), reader):
        if is_blank(values, ignore_columns=[0]) or is_total_row(values) or is_signature_row(values):
            continue
        record, row_errors = {}, []
        for col, key in mapping.items():
            raw = values[col] if col < len(values) else None
            try:
                parsed = PARSERS[key](raw)
            except ValueProblem as problem:
                row_errors.append((number, column_letter(col), match.columns[col], problem.message))
                continue
            record[key] = parsed.value
            if parsed.warning:
                warnings.append((number, column_letter(col), parsed.warning))
        identity = record.get("identity")
        if identity and identity in seen_keys:
            col = next(c for c, k in mapping.items() if k == "identity")
            row_errors.append(
                (number, column_letter(col), match.columns[col], f"身份证号与第 {seen_keys[identity]} 行重复")
            )
        elif identity:
            seen_keys[identity] = number
        if row_errors:
            errors.extend(row_errors)
        else:
            good[number] = record
    return match, good, errors, warnings, reader


@pytest.mark.parametrize("kind", ["xlsx", "xlsx-in-chunks", "xls", "ods", "csv"])
def test_messy_ledger_imports_with_exactly_the_right_errors(tmp_path, monkeypatch, kind):
    if kind == "xlsx-in-chunks":  # the reader for large sheets, cut here every few rows (even inside the header)
        from zhili.excel import reading

        monkeypatch.setattr(reading, "XLSX_CHUNK_BYTES", 300)
        kind = "xlsx"
    path = tmp_path / f"孔家坊村气代煤台账.{kind}"
    WRITERS[kind](path)
    match, good, errors, warnings, reader = import_ledger(path, path.name)

    assert match.header_rows == (3, 4) and match.first_data_row == 5
    assert match.columns == ["序号", "村", "户主信息/姓名", "户主信息/身份证号", "联系电话", "改造方式", "完工日期",
                             "验收状态", "补贴金额（元）"]  # fmt: skip
    assert match.units[-1] == "元"
    if kind == "xlsx":
        assert reader.sheet_name == "气代煤"  # the hidden instructions sheet is passed over

    assert good == EXPECTED_GOOD
    assert [(n, col, header) for n, col, header, _message in errors] == [(n, c, h) for n, c, h, _ in EXPECTED_ERRORS]
    for (_n, _c, _h, message), (_n2, _c2, _h2, expected) in zip(errors, EXPECTED_ERRORS, strict=True):
        assert expected in message, message
    assert warnings == EXPECTED_WARNINGS
    assert not ric.is_valid(ID_ZHANG)  # what python-stdnum alone would have refused
