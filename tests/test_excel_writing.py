"""zhili.excel.writing: exports that read back unchanged and never carry a formula."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl

from zhili.excel import find_header, open_rows, parse_date, parse_decimal, parse_identity, write_xlsx

HEADERS = ["村", "户主姓名", "身份证号", "联系电话", "完工日期", "验收状态", "补贴金额(元)", "备注"]
FORMATS = ["text", "text", "id", "text", "date", None, "decimal", None]
ROWS = [
    ["孔家坊村", "张三", "110101198001011232", "13800138000", dt.date(2020, 5, 12), "已验收", Decimal("3000.00"), None],
    [
        "阎桥村",
        "李四",
        "110101195005052468",
        "0531-88888888",
        dt.date(2021, 1, 2),
        "施工中",
        Decimal("1234.50"),
        "=1+1",
    ],
    ["阎桥村", "王五", "110101196007070015", "13900139000", None, "未开工", None, "+86 已联系"],
]


def _read_back(source, filename="export.xlsx"):
    reader = open_rows(source, filename=filename)
    rows = list(reader)
    match = find_header(rows[:15], HEADERS)
    data = [values for number, values in rows if number > match.header_row]
    return match, data


def test_round_trip_reads_back_unchanged(tmp_path):
    path = tmp_path / "export.xlsx"
    write_xlsx(path, title="孔家坊村气代煤改造台账", subtitle="导出时间：2020-06-01 09:00", headers=HEADERS,
               rows=ROWS, column_formats=FORMATS)  # fmt: skip
    match, data = _read_back(path)
    assert match.header_row == 3 and match.columns == HEADERS
    assert len(data) == len(ROWS)
    for written, read in zip(ROWS, data, strict=True):
        read = read + [None] * (len(HEADERS) - len(read))
        assert read[:4] == written[:4]  # text, and identity numbers stay text
        assert parse_identity(read[2]).value == written[2]
        assert parse_date(read[4]).value == written[4]
        assert read[5] == written[5] and read[7] == written[7]
        assert parse_decimal(read[6]).value == written[6]


def test_round_trip_without_title_into_a_buffer():
    buffer = io.BytesIO()
    write_xlsx(buffer, title=None, subtitle=None, headers=HEADERS, rows=iter(ROWS), column_formats=FORMATS)
    match, data = _read_back(io.BytesIO(buffer.getvalue()))
    assert match.header_row == 1 and match.columns == HEADERS and len(data) == 3


def test_formula_looking_text_is_written_as_text(tmp_path):
    path = tmp_path / "export.xlsx"
    dangerous = [
        "=1+1",
        "+1+1",
        "-1+1",
        "@SUM(A1:A2)",
        '=HYPERLINK("http://example.invalid","x")',
        "=cmd|' /C calc'!A0",
    ]
    write_xlsx(path, title="标题", subtitle=None, headers=["内容"], rows=[[d] for d in dangerous])
    ws = openpyxl.load_workbook(path).active
    cells = [ws.cell(row=r, column=1) for r in range(3, 3 + len(dangerous))]
    assert [c.value for c in cells] == dangerous
    assert all(c.data_type == "s" for c in cells)  # "f" would be a formula
    read = [values[0] for _number, values in open_rows(path, filename="export.xlsx")]
    assert read == ["标题", "内容", *dangerous]


def test_cell_types_in_the_file(tmp_path):
    path = tmp_path / "export.xlsx"
    write_xlsx(
        path,
        title="标题",
        subtitle=None,
        headers=["身份证号", "长数字", "日期", "时间", "金额", "是否", "整数"],
        rows=[
            [
                "110101195005052460",
                370112198001011234,
                dt.date(2020, 5, 12),
                dt.datetime(2020, 5, 12, 8, 30),
                Decimal("12.50"),
                True,
                42,
            ]
        ],
        column_formats=["id", None, "date", None, "decimal", None, "integer"],
    )
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ident, long_digits, date, when, money, yes, whole = (ws.cell(row=3, column=c) for c in range(1, 8))
    assert ident.data_type == "s" and ident.value == "110101195005052460"
    assert long_digits.data_type == "s" and long_digits.value == "370112198001011234"
    assert date.is_date and date.value == dt.datetime(2020, 5, 12) and date.number_format == "yyyy-mm-dd"
    assert when.is_date and when.value == dt.datetime(2020, 5, 12, 8, 30)
    assert money.value == 12.5 and money.number_format == "#,##0.00"
    assert yes.value == "是"
    assert whole.value == 42
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:G1"]  # the title spans the columns
    assert ws.column_dimensions["A"].width >= 20


def test_many_rows_stream(tmp_path):
    path = tmp_path / "big.xlsx"
    write_xlsx(path, title=None, subtitle=None, headers=["序号", "村"], rows=([i, "孔家坊村"] for i in range(20_000)))
    rows = list(open_rows(path, filename="big.xlsx"))
    assert len(rows) == 20_001 and rows[-1] == (20_001, [19_999, "孔家坊村"])
