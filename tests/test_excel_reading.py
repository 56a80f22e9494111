"""zhili.excel.reading: every format, and every refusal before the workbook is parsed."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import textwrap
import time
import zipfile

import openpyxl
import pytest
import xlsxwriter

from tests.test_excel_files import write_encrypted_xls, write_encrypted_xlsx, write_ods, write_ole2, write_xls
from zhili.excel import SpreadsheetError, column_letter, open_rows

ROWS = [
    ["村", "户数", "完工日期", "已验收"],
    ["孔家坊村", 12, dt.date(2020, 5, 12), True],
    ["阎桥村", 3.5, None, False],
]
EXPECTED = [
    (1, ["村", "户数", "完工日期", "已验收"]),
    (2, ["孔家坊村", 12, dt.date(2020, 5, 12), True]),
    (3, ["阎桥村", 3.5, None, False]),
]


def _xlsx(path, rows, *, hidden_first=False):
    wb = xlsxwriter.Workbook(str(path))
    if hidden_first:
        hidden = wb.add_worksheet("说明")
        hidden.write(0, 0, "隐藏的说明页")
        hidden.hide()
    ws = wb.add_worksheet("台账")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), date_fmt)
            elif v is not None:
                ws.write(r, c, v)
    if hidden_first:
        ws.activate()
    wb.close()
    return path


def _refusal(path_or_file, filename, **kw) -> SpreadsheetError:
    with pytest.raises(SpreadsheetError) as info:
        list(open_rows(path_or_file, filename=filename, **kw))
    return info.value


# ------------------------------------------------------------------------------------------------ formats


def test_xlsx_rows_with_types_and_excel_row_numbers(tmp_path):
    path = _xlsx(tmp_path / "a.xlsx", ROWS)
    reader = open_rows(path, filename="a.xlsx")
    assert list(reader) == EXPECTED
    assert reader.format == "xlsx" and reader.sheet_name == "台账"


def test_first_visible_sheet_is_read(tmp_path):
    path = _xlsx(tmp_path / "a.xlsx", ROWS, hidden_first=True)
    reader = open_rows(path, filename="a.xlsx")
    assert reader.sheet_name == "台账" and reader.sheet_names == ["台账"]
    assert list(reader) == EXPECTED


def test_blank_rows_skipped_and_leading_columns_kept(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"))
    ws = wb.add_worksheet()
    ws.write_row(2, 2, ["村", "户数"])  # C3
    ws.write_row(5, 2, ["孔家坊村", "  "])  # C6; a cell of spaces is empty
    wb.close()
    assert list(open_rows(tmp_path / "a.xlsx", filename="a.xlsx")) == [
        (3, [None, None, "村", "户数"]),
        (6, [None, None, "孔家坊村", None]),
    ]


def test_xls_is_read(tmp_path):
    path = write_xls(tmp_path / "a.xls", ROWS)
    reader = open_rows(path, filename="a.xls")
    assert reader.format == "xls"
    assert list(reader) == EXPECTED


def test_ods_is_read(tmp_path):
    path = write_ods(tmp_path / "a.ods", ROWS)
    reader = open_rows(path, filename="a.ods")
    assert reader.format == "ods"
    assert list(reader) == EXPECTED


def test_file_object_and_bytes_are_read(tmp_path):
    data = _xlsx(tmp_path / "a.xlsx", ROWS).read_bytes()
    assert list(open_rows(io.BytesIO(data), filename="上传.xlsx")) == EXPECTED
    assert list(open_rows(data, filename="上传.xlsx")) == EXPECTED


def test_unseekable_stream_and_path_without_extension(tmp_path):
    data = _xlsx(tmp_path / "a.xlsx", ROWS).read_bytes()

    class Stream(io.RawIOBase):
        def __init__(self):
            self._inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self._inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    assert list(open_rows(Stream(), filename="a.xlsx")) == EXPECTED
    assert _refusal(Stream(), "a.xlsx", max_bytes=1000).code == "too_large"
    stored = tmp_path / "upload-3f2a"  # how an upload may sit on disk: no extension
    stored.write_bytes(data)
    assert list(open_rows(stored, filename="孔家坊村.xlsx")) == EXPECTED


def test_renamed_files_are_read_by_content(tmp_path):
    """Offices rename .xlsx to .xls and back: the bytes decide."""
    xlsx_named_xls = tmp_path / "a.xls"
    xlsx_named_xls.write_bytes(_xlsx(tmp_path / "a.xlsx", ROWS).read_bytes())
    assert list(open_rows(xlsx_named_xls, filename="a.xls")) == EXPECTED
    xls_named_xlsx = tmp_path / "b.xlsx"
    xls_named_xlsx.write_bytes(write_xls(tmp_path / "b.xls", ROWS).read_bytes())
    assert list(open_rows(xls_named_xlsx, filename="b.xlsx")) == EXPECTED


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("gbk", b""), ("gb18030", b""), ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b"")],
)
def test_csv_encodings(tmp_path, encoding, prefix):
    text = '村,户主姓名,补贴金额（元）\r\n孔家坊村,张三,"3,000"\r\n\r\n阎桥村,李四, \r\n'
    path = tmp_path / "a.csv"
    path.write_bytes(prefix + text.encode(encoding))
    reader = open_rows(path, filename="a.csv")
    assert list(reader) == [
        (1, ["村", "户主姓名", "补贴金额（元）"]),
        (2, ["孔家坊村", "张三", "3,000"]),
        (4, ["阎桥村", "李四", None]),
    ]
    assert (
        reader.encoding
        in {"gbk": ["gb18030"], "gb18030": ["gb18030"], "utf-8": ["utf-8", "utf-8-sig"], "utf-16": ["utf-16"]}[encoding]
    )


def test_csv_gbk_after_a_long_ascii_start(tmp_path):
    """The encoding is judged on the first non-ASCII bytes, wherever they are."""
    lines = ["id,name"] + [f"{i},abc" for i in range(60_000)] + ["60000,孔家坊村"]
    path = tmp_path / "a.csv"
    path.write_bytes("\n".join(lines).encode("gbk"))
    rows = list(open_rows(path, filename="a.csv"))
    assert rows[-1] == (60_002, ["60000", "孔家坊村"])


def test_tab_separated_csv(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("村\t户数\n孔家坊村\t12\n".encode("gbk"))
    assert list(open_rows(path, filename="a.csv")) == [(1, ["村", "户数"]), (2, ["孔家坊村", "12"])]


def test_django_uploaded_file(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _xlsx(tmp_path / "a.xlsx", ROWS).read_bytes()
    upload = SimpleUploadedFile("孔家坊村台账.xlsx", data)
    assert list(open_rows(upload, filename=upload.name)) == EXPECTED


def test_empty_sheet_gives_no_rows(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"))
    wb.add_worksheet()
    wb.close()
    assert list(open_rows(tmp_path / "a.xlsx", filename="a.xlsx")) == []


def test_choose_a_sheet(tmp_path):
    path = _xlsx(tmp_path / "a.xlsx", ROWS, hidden_first=True)
    reader = open_rows(path, filename="a.xlsx", sheet="说明")
    assert list(reader) == [(1, ["隐藏的说明页"])]
    assert list(open_rows(path, filename="a.xlsx", sheet=1)) == EXPECTED
    assert _refusal(path, "a.xlsx", sheet="没有").code == "no_sheet"


def test_column_letter():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"
    ]  # fmt: skip


# ------------------------------------------------------------------------------------------------ refusals


def test_too_large_refused_before_reading(tmp_path):
    path = _xlsx(tmp_path / "a.xlsx", ROWS)
    err = _refusal(path, "a.xlsx", max_bytes=1000)
    assert err.code == "too_large"
    assert str(err).startswith("文件大小") and "超过上限" in str(err)


def test_too_large_message_in_megabytes(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "wb") as f:
        f.truncate(210 * 1024 * 1024)  # sparse: costs no disk
    err = _refusal(path, "big.csv")
    assert "文件大小 210 MB 超过上限 50 MB" in str(err)


def test_unsupported_extension(tmp_path):
    (tmp_path / "a.docx").write_bytes(b"PK\x03\x04")
    err = _refusal(tmp_path / "a.docx", "报告.docx")
    assert err.code == "unsupported_type" and ".docx" in str(err)


def test_text_file_named_xlsx(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("这不是表格，只是一段文字。\n", encoding="utf-8")
    err = _refusal(path, "a.xlsx")
    assert err.code == "not_spreadsheet" and "不是有效的 Excel 文件" in str(err)


def test_html_disguised_as_xls(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>村</td></tr></table></body></html>", encoding="utf-8")
    err = _refusal(path, "export.xls")
    assert "网页（HTML）" in str(err)


def test_empty_file(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"")
    assert _refusal(tmp_path / "a.xlsx", "a.xlsx").code == "empty"


def test_password_protected_xlsx(tmp_path):
    path = write_encrypted_xlsx(tmp_path / "加密.xlsx")
    err = _refusal(path, "加密.xlsx")
    assert err.code == "password"
    assert "工作簿受密码保护" in str(err) and "请先取消密码再导入" in str(err)


def test_bare_ole2_header_named_xlsx(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + b"\x5a" * 3000)
    err = _refusal(path, "a.xlsx")
    assert err.code == "password" and "请先取消密码再导入" in str(err)


def test_password_protected_xls(tmp_path):
    err = _refusal(write_encrypted_xls(tmp_path / "加密.xls"), "加密.xls")
    assert err.code == "password" and "请先取消密码再导入" in str(err)


def test_corrupt_zip(tmp_path):
    good = _xlsx(tmp_path / "good.xlsx", ROWS).read_bytes()
    path = tmp_path / "a.xlsx"
    path.write_bytes(good[: len(good) // 2])  # a download cut short
    err = _refusal(path, "a.xlsx")
    assert err.code == "corrupt" and "文件已损坏或不是有效的 Excel 文件" in str(err)


def test_corrupt_workbook_inside_a_good_zip(tmp_path):
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='a' r:id='rId1'")  # cut off
    err = _refusal(path, "a.xlsx")
    assert err.code == "corrupt" and "文件已损坏或不是有效的 Excel 文件" in str(err)


def test_corrupt_ole2(tmp_path):
    path = write_ole2(tmp_path / "a.xls", {"Workbook": b"\x09\x08\x10\x00garbage" * 100})
    err = _refusal(path, "a.xls")
    assert err.code == "corrupt"


def test_zip_bomb_by_compression_ratio(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    assert path.stat().st_size < 100 * 1024
    err = _refusal(path, "bomb.xlsx")
    assert err.code == "zip_bomb" and "文件解压后异常巨大" in str(err)


def test_zip_bomb_by_total_size(tmp_path):
    """Many members, each compressing moderately, adding up to far more than the upload limit."""
    path = tmp_path / "bomb.xlsx"
    member = ("<c>孔家坊村</c>" * 50_000).encode()  # compresses ~100×, under the per-member ratio
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(8):
            z.writestr(f"xl/worksheets/sheet{i}.xml", member)
    err = _refusal(path, "bomb.xlsx", max_bytes=path.stat().st_size + 1)
    assert err.code == "zip_bomb" and "文件解压后异常巨大" in str(err)


def test_word_document_named_xlsx(tmp_path):
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<document/>")
    assert "Word 文档" in str(_refusal(path, "a.xlsx"))


def test_too_many_rows(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("\n".join(f"孔家坊村,{i}" for i in range(40)), encoding="utf-8")
    assert len(list(open_rows(path, filename="a.csv", max_rows=20))) == 40  # 20 rows allowed for titles and headers
    err = _refusal(path, "a.csv", max_rows=19)
    assert err.code == "too_many_rows" and "超过 19 行上限（读到第 40 行时）" in str(err)
    xlsx = _xlsx(tmp_path / "a.xlsx", [["孔家坊村", i] for i in range(41)])
    assert "超过 20 行上限" in str(_refusal(xlsx, "a.xlsx", max_rows=20))


def test_row_limit_message_in_wan():
    from zhili.excel.reading import _count_text

    assert _count_text(1_000_000) == "100 万"


def test_undecodable_csv(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"a,b\n" + bytes([0x81, 0x20, 0xFF, 0xFE, 0x80]) * 10)
    err = _refusal(path, "a.csv")
    assert err.code == "encoding" and "编码" in str(err)


# ------------------------------------------------------------------------------------- formatted empty rows


def _xlsx_with_empty_run(path, empty_rows: int, *, tail: bool):
    """A real .xlsx (xlsxwriter) whose sheet XML is then given `empty_rows` formatted rows, as a template
    filled down to row 200,000 leaves them: styled cells without values, and formula cells whose cached
    value is the empty string (=IF(B5="","",…)), which readers see as values."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["村", "户数"])
    ws.write_row(1, 0, ["孔家坊村", 12])
    ws.write_blank(2, 0, None, wb.add_format({"bg_color": "#FFFF00"}))
    wb.close()
    rows = []
    for r in range(3, 3 + empty_rows):
        rows.append(
            f'<row r="{r}"><c r="A{r}" s="1"/><c r="B{r}" s="1" t="str"><f>IF(A{r}="","",A{r})</f><v></v></c></row>'
        )
    last = 3 + empty_rows
    if tail:
        rows.append(f'<row r="{last}"><c r="A{last}" t="inlineStr"><is><t>尾巴</t></is></c></row>')
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace("</sheetData>", "".join(rows) + "</sheetData>")
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)
    return path


def test_huge_run_of_formatted_empty_rows_stops_early(tmp_path):
    path = _xlsx_with_empty_run(tmp_path / "a.xlsx", 200_000, tail=True)
    started = time.perf_counter()
    reader = open_rows(path, filename="a.xlsx")
    rows = list(reader)
    elapsed = time.perf_counter() - started
    assert rows == [(1, ["村", "户数"]), (2, ["孔家坊村", 12])]
    assert reader.stopped_at_row == 1002  # rows 3..1002: 1000 empty rows in a row
    assert reader.more_after_stop  # the tail row after the run is worth a warning
    assert elapsed < 5, elapsed


def test_formatted_empty_rows_memory_stays_small(tmp_path):
    """In a fresh process, reading the 200,000-row sheet stays far under 300 MB at its peak. (VmHWM, not
    ru_maxrss: on Linux a child's ru_maxrss starts from its parent's, which under pytest is large.)"""
    path = _xlsx_with_empty_run(tmp_path / "a.xlsx", 200_000, tail=False)
    code = textwrap.dedent(
        f"""
        from zhili.excel import open_rows
        reader = open_rows({str(path)!r}, filename="a.xlsx")
        rows = list(reader)
        peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
        print(len(rows), reader.stopped_at_row, reader.more_after_stop, peak_kb // 1024)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    count, stopped, more, peak_mb = int(out[0]), out[1], out[2], int(out[3])
    assert (count, stopped, more) == (2, "1002", "False")
    assert peak_mb < 300, peak_mb


def test_blank_run_in_csv(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("村,户数\n孔家坊村,12\n" + ",\n" * 50 + "尾巴,1\n", encoding="utf-8")
    reader = open_rows(path, filename="a.csv", max_blank_run=10)
    assert list(reader) == [(1, ["村", "户数"]), (2, ["孔家坊村", "12"])]
    assert reader.stopped_at_row == 12 and reader.more_after_stop


def test_caller_file_object_is_left_open(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("村\n孔家坊村\n", encoding="utf-8")
    with open(path, "rb") as f:
        assert list(open_rows(f, filename="a.csv")) == [(1, ["村"]), (2, ["孔家坊村"])]
        assert not f.closed


def test_openpyxl_merged_cells_arrive_as_first_cell_value(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "户主信息"
    ws.merge_cells("A1:B1")
    ws["A2"], ws["B2"] = "姓名", "身份证号"
    wb.save(tmp_path / "a.xlsx")
    reader = open_rows(tmp_path / "a.xlsx", filename="a.xlsx")
    assert list(reader) == [(1, ["户主信息", None]), (2, ["姓名", "身份证号"])]
    assert reader.merged_ranges == [((0, 0), (0, 1))]


# ------------------------------------------------------------------------------ large .xlsx read in chunks


def _big_openpyxl(path, n: int):
    """Shared strings, numbered rows, a merged title, a hidden first sheet: how Excel saves a ledger."""
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "说明"
    hidden["A1"] = "说明"
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("台账")
    wb.active = 1
    ws["A1"] = "孔家坊村台账"
    ws.merge_cells("A1:D1")
    ws.append(["序号", "村", "户主姓名", "完工日期"])
    for i in range(n):
        ws.append(
            [i + 1, "孔家坊村" if i % 2 else "阎桥村", f"户主{i}", dt.date(2020, 1, 1) + dt.timedelta(days=i % 300)]
        )
    wb.save(path)
    return path


def test_large_sheet_read_in_chunks_gives_the_same_rows(tmp_path, monkeypatch):
    from zhili.excel import reading

    path = _big_openpyxl(tmp_path / "big.xlsx", 3000)
    whole = open_rows(path, filename="big.xlsx")
    expected = list(whole)
    assert not whole.chunked and len(expected) == 3002
    monkeypatch.setattr(reading, "XLSX_CHUNK_BYTES", 20_000)  # the sheet XML is ~250 KB: about a dozen slices
    chunked = open_rows(path, filename="big.xlsx")
    assert chunked.sheet_name == "台账"
    assert list(chunked) == expected
    assert chunked.chunked and chunked.merged_ranges == whole.merged_ranges == [((0, 0), (0, 3))]
    with open(path, "rb") as f:  # the same from a file object
        assert list(open_rows(f, filename="big.xlsx")) == expected


def test_blank_run_across_chunks(tmp_path, monkeypatch):
    from zhili.excel import reading

    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(1, 601):
        ws.cell(row=i, column=1, value=f"前{i}")
    for i in range(3001, 3601):
        ws.cell(row=i, column=1, value=f"后{i}")
    wb.save(tmp_path / "gap.xlsx")
    monkeypatch.setattr(reading, "XLSX_CHUNK_BYTES", 8_000)
    reader = open_rows(tmp_path / "gap.xlsx", filename="gap.xlsx", max_blank_run=1000)
    rows = list(reader)
    assert reader.chunked and len(rows) == 600 and rows[-1] == (600, ["前600"])
    assert reader.stopped_at_row == 1600 and reader.more_after_stop
    reader = open_rows(tmp_path / "gap.xlsx", filename="gap.xlsx", max_blank_run=5000)
    assert [n for n, _ in reader][599:601] == [600, 3001]  # a shorter run is read through
