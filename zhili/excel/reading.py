"""Open an uploaded spreadsheet and stream the rows of its first visible sheet.

`open_rows()` checks everything that can be checked cheaply *before* the workbook is parsed — size, what the bytes
really are (magic numbers, not the file name), password protection, zip bombs — and refuses with a
`SpreadsheetError` whose `str()` is a Chinese sentence for the person who uploaded the file. Then it yields
`(excel_row_number, values)` for every row that has at least one value.

Workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) are read by python-calamine; .csv by the csv module with the encoding
detected (UTF-8 with or without BOM, UTF-16 with BOM, otherwise GB18030 — a superset of GBK, the default of Chinese
Windows). A file whose content does not match its extension (an .xls that is really an .xlsx, which offices
produce by renaming) is read by its content.

What python-calamine can and cannot do for memory: it parses one whole sheet into a Rust array before the first
row reaches Python (python-calamine issue 42: calamine has no lazy reading), sized by the last cell *with a value*
(cells that are only formatted do not count), and converts rows to Python lazily. A million rows of twelve
columns take about 1.1 GB that way. So an .xlsx sheet whose XML unpacks to more than `XLSX_CHUNK_BYTES` is cut at
row boundaries into slices that calamine parses one at a time (`_xlsx_chunks`), which keeps such a file around
0.6 GB; .xls is limited to 65,536 rows by its format; .ods and .xlsb are read whole. The zip-bomb check bounds the
XML any reader may be asked to parse, and rows are handed over one at a time, never as a whole list.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

__all__ = [
    "DEFAULT_MAX_BLANK_RUN",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "SUPPORTED_EXTENSIONS",
    "SheetRows",
    "SpreadsheetError",
    "column_letter",
    "open_rows",
]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_ROWS = 1_000_000
DEFAULT_MAX_BLANK_RUN = 1000
#: a zip-based workbook may unpack to at most this many times max_bytes
DEFAULT_MAX_UNZIPPED_RATIO = 20
#: any single member larger than MEMBER_RATIO_FLOOR that compresses better than this is a bomb
MEMBER_RATIO_LIMIT = 200
MEMBER_RATIO_FLOOR = 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
#: title, subtitle and header rows are not data: this many non-empty rows beyond max_rows are allowed for them
HEADER_ALLOWANCE = 20

SUPPORTED_EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")
_ALLOWED_TEXT = "请上传 .xlsx、.xls、.ods 或 .csv 格式的表格"

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_WORKBOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

_SNIFF_BYTES = 64 * 1024


class SpreadsheetError(Exception):
    """A file that cannot be read as a table; `str()` is a Chinese sentence for the person who uploaded it."""

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        #: a stable machine-readable reason: too_large, not_spreadsheet, password, corrupt, zip_bomb,
        #: too_many_rows, encoding, empty, no_sheet, unsupported_type, no_header
        self.code = code

    def __str__(self) -> str:
        return self.message


def column_letter(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA": the column letters a person sees in Excel, for error messages."""
    if index < 0:
        raise ValueError(index)
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _mb(n: int) -> str:
    mb = n / (1024 * 1024)
    if mb >= 10:
        return f"{mb:.0f} MB"
    if mb >= 1:
        return f"{mb:.1f} MB"
    return f"{max(n / 1024, 0.1):.0f} KB" if n >= 1024 else f"{n} 字节"


def _count_text(n: int) -> str:
    if n >= 10_000 and n % 10_000 == 0:
        return f"{n // 10_000} 万"
    return f"{n:,}"


# --------------------------------------------------------------------------------------------------- the source


class _Source:
    """The uploaded bytes, as a path or a seekable binary file, with its size."""

    def __init__(self, path_or_file: Any, *, max_bytes: int):
        self.path: str | None = None
        self.file: BinaryIO | None = None
        self._opened = False
        if isinstance(path_or_file, str | os.PathLike):
            self.path = os.fspath(path_or_file)
        elif hasattr(path_or_file, "temporary_file_path"):  # Django's TemporaryUploadedFile
            self.path = path_or_file.temporary_file_path()
        elif isinstance(path_or_file, bytes | bytearray | memoryview):
            self.file = io.BytesIO(bytes(path_or_file))
        elif hasattr(path_or_file, "read"):
            self.file = path_or_file
            if hasattr(path_or_file, "open") and getattr(path_or_file, "closed", False):  # a closed Django File
                path_or_file.open("rb")
        else:
            raise TypeError(f"open_rows() needs a path or a binary file, not {type(path_or_file).__name__}")
        if self.path is not None:
            try:
                self.size = os.path.getsize(self.path)
            except OSError as exc:
                raise SpreadsheetError(_("找不到上传的文件，请重新上传。"), code="not_found") from exc
        else:
            assert self.file is not None
            f = self.file
            if not (hasattr(f, "seek") and (not hasattr(f, "seekable") or f.seekable())):
                # an unseekable stream: buffer it, one byte past the limit at most (then it is refused as too large)
                self.file = f = io.BytesIO(f.read(max_bytes + 1))
            f.seek(0, os.SEEK_END)
            self.size = f.tell()
            f.seek(0)

    def open(self) -> BinaryIO:
        if self.path is not None:
            if self.file is None:
                self.file = open(self.path, "rb")  # closed by close()
                self._opened = True
            self.file.seek(0)
            return self.file
        assert self.file is not None
        self.file.seek(0)
        return self.file

    def head(self, n: int) -> bytes:
        f = self.open()
        data = f.read(n)
        f.seek(0)
        return data if isinstance(data, bytes) else bytes(data)

    def contains(self, needles: tuple[bytes, ...]) -> set[bytes]:
        """Which of these byte strings occur anywhere in the file (read in chunks, never whole)."""
        found: set[bytes] = set()
        f = self.open()
        overlap = max(len(n) for n in needles) - 1
        tail = b""
        while True:
            chunk = f.read(1024 * 1024)
            if not chunk:
                break
            window = tail + chunk
            for n in needles:
                if n not in found and n in window:
                    found.add(n)
            if len(found) == len(needles):
                break
            tail = window[-overlap:] if overlap else b""
        f.seek(0)
        return found

    def close(self) -> None:
        if self._opened and self.file is not None:
            self.file.close()
            self.file = None
            self._opened = False


# ------------------------------------------------------------------------------------------------ sniffing


def _check_zip(source: _Source, *, max_bytes: int, max_unzipped_ratio: int) -> str:
    """Inspect a zip container without unpacking it; return "xlsx", "xlsb" or "ods", or refuse."""
    f = source.open()
    try:
        with zipfile.ZipFile(f) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if len(infos) > MAX_ZIP_MEMBERS:
                raise SpreadsheetError(
                    _("文件内部包含 %(v)s 个部件，远超正常表格，已拒绝导入。") % {"v": format(len(infos), ",")},
                    code="zip_bomb",
                )
            total = sum(i.file_size for i in infos)
            limit = max_unzipped_ratio * max_bytes
            if total > limit:
                raise SpreadsheetError(
                    _("文件解压后异常巨大（%(v)s，上限 %(v2)s），可能是恶意构造的压缩包，已拒绝导入。")
                    % {"v": _mb(total), "v2": _mb(limit)},
                    code="zip_bomb",
                )
            for i in infos:
                if i.file_size > MEMBER_RATIO_FLOOR and i.file_size > MEMBER_RATIO_LIMIT * max(i.compress_size, 1):
                    raise SpreadsheetError(
                        _("文件解压后异常巨大（其中一个部件压缩了 %(v)s 倍），可能是恶意构造的压缩包，已拒绝导入。")
                        % {"v": format(i.file_size // max(i.compress_size, 1), ",")},
                        code="zip_bomb",
                    )
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "xl/workbook.bin" in names:
                return "xlsb"
            if "content.xml" in names:
                mimetype = zf.read("mimetype").strip() if "mimetype" in names else b""
                if not mimetype or mimetype == _ODS_MIMETYPE:
                    return "ods"
            if "word/document.xml" in names or (
                "content.xml" in names and b"text" in (zf.read("mimetype") if "mimetype" in names else b"")
            ):
                raise SpreadsheetError("这是一个 Word 文档，不是表格。" + _ALLOWED_TEXT + "。", code="not_spreadsheet")
            if any(n.startswith("ppt/") for n in names):
                raise SpreadsheetError(
                    "这是一个 PowerPoint 文件，不是表格。" + _ALLOWED_TEXT + "。", code="not_spreadsheet"
                )
            raise SpreadsheetError(
                _("这是一个压缩包，里面没有 Excel 工作簿。请解压后上传其中的表格文件。"), code="not_spreadsheet"
            )
    except zipfile.BadZipFile as exc:
        raise SpreadsheetError(
            _(
                "文件已损坏或不是有效的 Excel 文件（压缩结构不完整，可能没有下载或复制完整）。请用 Excel 打开确认后重新保存再导入。"
            ),
            code="corrupt",
        ) from exc
    finally:
        f.seek(0)


def _check_ole2(source: _Source, ext: str) -> str:
    found = source.contains((_ENCRYPTED_PACKAGE, *_WORKBOOK_STREAMS, _WORD_STREAM))
    if _ENCRYPTED_PACKAGE in found:
        raise SpreadsheetError(
            _(
                "工作簿受密码保护（已加密），无法读取。请在 Excel 中打开，通过“文件 → 信息 → 保护工作簿 → 用密码进行加密”"
                "清空密码并保存，请先取消密码再导入。"
            ),
            code="password",
        )
    if any(s in found for s in _WORKBOOK_STREAMS):
        return "xls"
    if _WORD_STREAM in found:
        raise SpreadsheetError("这是一个 Word 文档，不是表格。" + _ALLOWED_TEXT + "。", code="not_spreadsheet")
    if ext in (".xlsx", ".xlsm"):  # an .xlsx that is an OLE2 file is almost always an encrypted one
        raise SpreadsheetError(
            _(
                "工作簿受密码保护（已加密）或已损坏，无法读取。如果设置过打开密码，请在 Excel 中清空密码并保存，"
                "请先取消密码再导入；否则请用 Excel 打开确认后另存为 .xlsx 再导入。"
            ),
            code="password",
        )
    raise SpreadsheetError(
        _("文件已损坏或不是有效的 Excel 文件（找不到工作簿内容）。请用 Excel 打开确认后另存为 .xlsx 再导入。"),
        code="corrupt",
    )


def _sniff(source: _Source, ext: str, *, max_bytes: int, max_unzipped_ratio: int) -> str:
    """What the bytes really are: "xlsx", "xlsb", "ods", "xls" or "csv" — or a refusal."""
    head = source.head(_SNIFF_BYTES)
    if not head:
        raise SpreadsheetError(_("文件是空的（0 字节），请检查后重新上传。"), code="empty")
    if head.startswith(_ZIP_MAGIC) or head.startswith(_EMPTY_ZIP_MAGIC):
        return _check_zip(source, max_bytes=max_bytes, max_unzipped_ratio=max_unzipped_ratio)
    if head.startswith(_OLE2_MAGIC):
        return _check_ole2(source, ext)
    if head.startswith(b"%PDF"):
        raise SpreadsheetError("这是一个 PDF 文件，不是表格。" + _ALLOWED_TEXT + "。", code="not_spreadsheet")
    if head[:3] in (b"\xff\xd8\xff",) or head.startswith((b"\x89PNG", b"GIF8")):
        raise SpreadsheetError("这是一张图片，不是表格。" + _ALLOWED_TEXT + "。", code="not_spreadsheet")
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        raise SpreadsheetError(_("这是一个压缩包，不是表格。请解压后上传其中的表格文件。"), code="not_spreadsheet")
    text_head = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if ext == ".csv":
        if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise SpreadsheetError(
                "文件内容不是文本格式的 CSV（含有二进制数据）。" + _ALLOWED_TEXT + "。", code="not_spreadsheet"
            )
        return "csv"
    if text_head.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or b"<html" in text_head[:2048]:
        raise SpreadsheetError(
            _(
                "这个 %(ext)s 文件实际上是网页（HTML）格式，常见于从业务系统导出的表格。请用 Excel 打开后“另存为” .xlsx 格式再导入。"
            )
            % {"ext": ext},
            code="not_spreadsheet",
        )
    if text_head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise SpreadsheetError(
            _("这个 %(ext)s 文件是 Excel 2003 XML 格式，请用 Excel 打开后“另存为” .xlsx 格式再导入。") % {"ext": ext},
            code="not_spreadsheet",
        )
    raise SpreadsheetError(
        _(
            "文件名是 %(ext)s，但内容不是有效的 Excel 文件（看起来是文本或其他格式）。请用 Excel 打开确认后另存为 .xlsx 再导入。"
        )
        % {"ext": ext},
        code="not_spreadsheet",
    )


# ------------------------------------------------------------------------------------------------- cells


_INT_LIMIT = 2**53


def _normalise_row(row: list) -> list:
    """calamine's cells → str | int | float | date | datetime | bool | None, in place."""
    for i, v in enumerate(row):
        t = type(v)
        if t is str:
            if not v or v.isspace():
                row[i] = None
        elif t is float:
            if v.is_integer() and -_INT_LIMIT < v < _INT_LIMIT:
                row[i] = int(v)
        elif t is dt.time or t is dt.timedelta:
            row[i] = str(v)
    return row


def _is_empty_row(row: list) -> bool:
    for v in row:
        if v is not None:
            return False
    return True


# ------------------------------------------------------------------------------------------------- reading


class SheetRows(Iterator[tuple[int, list]]):
    """The iterator `open_rows()` returns, with what it learned about the file.

    Attributes: `format` ("xlsx", "xls", "ods", "csv", …), `sheet_name`, `sheet_names` (the visible ones),
    `merged_ranges` (calamine's `((first_row, first_col), (last_row, last_col))`, 0-based, where the format
    records them), `encoding` (CSV only), `rows_read` (rows yielded so far), `stopped_at_row` (the Excel row
    after which reading stopped because of `max_blank_run` empty rows, else None) and `more_after_stop` (True when
    the sheet still had values after that run — worth a warning to the person), `chunked` (True when a large .xlsx
    sheet was read slice by slice, see `_xlsx_chunks`; its `merged_ranges` are known only once the rows are read).
    """

    format: str
    sheet_name: str
    sheet_names: list[str]
    merged_ranges: list
    encoding: str | None

    def __init__(self) -> None:
        self.rows_read = 0
        self.stopped_at_row: int | None = None
        self.more_after_stop = False
        self.encoding = None
        self.merged_ranges = []
        self.chunked = False
        self._source: _Source | None = None
        self._rows: Iterator[tuple[int, list]] = iter(())

    def __iter__(self) -> SheetRows:
        return self

    def __next__(self) -> tuple[int, list]:
        return next(self._rows)

    def close(self) -> None:
        """Release the workbook and any file opened here (also done when the rows run out)."""
        self._rows = iter(())
        text = getattr(self, "_text", None)
        if text is not None:
            self._text = None
            try:
                text.detach()  # never let the wrapper close the caller's file object
            except Exception:  # already detached
                pass
        wb = getattr(self, "_workbook", None)
        if wb is not None:
            try:
                wb.close()
            except Exception:  # closing twice or after an error is harmless
                pass
            self._workbook = None
        if self._source is not None:
            self._source.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self) -> SheetRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_rows(
    path_or_file: Any,
    *,
    filename: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_blank_run: int = DEFAULT_MAX_BLANK_RUN,
    sheet: str | int | None = None,
    max_unzipped_ratio: int = DEFAULT_MAX_UNZIPPED_RATIO,
) -> SheetRows:
    """Yield `(excel_row_number, values)` for each non-empty row of the first visible sheet.

    `path_or_file`: a path, a binary file object (seekable or not), bytes, or a Django `UploadedFile`.
    `filename`: the name the person gave the file (its extension says what they meant to upload).
    Row numbers start at 1 as in Excel; `values[i]` is the cell in column i (0 = A), so a sheet whose data starts
    in column C has two leading None. Values are str, int (whole numbers, which Excel stores as floats), float,
    datetime.date / datetime.datetime, bool or None (empty cells and cells of only spaces). Rows with no value are
    not yielded; after `max_blank_run` of them in a row, reading stops (see `SheetRows.stopped_at_row`). More than
    `max_rows` non-empty rows (plus `HEADER_ALLOWANCE` rows for titles and headers) raises `SpreadsheetError` at
    that row.

    Every refusal is a `SpreadsheetError`: raised by this call for what can be seen before parsing (size, type,
    password, zip bomb, corrupt workbook), and by the iteration for the row limit and undecodable CSV text.
    `sheet` picks a sheet by name or 0-based index among all sheets instead of the first visible one.
    """
    ext = Path(filename or "").suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        shown = ext or "（无扩展名）"
        raise SpreadsheetError(
            _("不支持的文件类型 %(shown)s。%(ALLOWED_TEXT)s。") % {"shown": shown, "ALLOWED_TEXT": _ALLOWED_TEXT},
            code="unsupported_type",
        )
    source = _Source(path_or_file, max_bytes=max_bytes)
    try:
        if source.size > max_bytes:
            raise SpreadsheetError(
                _("文件大小 %(v)s 超过上限 %(v2)s。请删除多余的工作表、图片或拆分成几个文件后再导入。")
                % {"v": _mb(source.size), "v2": _mb(max_bytes)},
                code="too_large",
            )
        kind = _sniff(source, ext, max_bytes=max_bytes, max_unzipped_ratio=max_unzipped_ratio)
        reader = SheetRows()
        reader._source = source
        reader.format = kind
        if kind == "csv":
            _open_csv(reader, source, max_rows=max_rows, max_blank_run=max_blank_run)
        else:
            _open_workbook(reader, source, kind, ext, sheet=sheet, max_rows=max_rows, max_blank_run=max_blank_run)
        return reader
    except BaseException:
        source.close()
        raise


def _calamine_failure(exc: BaseException) -> SpreadsheetError:
    import python_calamine

    if isinstance(exc, python_calamine.PasswordError) or "password" in str(exc).lower():
        return SpreadsheetError(
            _(
                "工作簿受密码保护，无法读取。请在 Excel 中打开并取消密码（或取消“保护工作簿”）后保存，请先取消密码再导入。"
            ),
            code="password",
        )
    return SpreadsheetError(
        _("文件已损坏或不是有效的 Excel 文件，无法读取。请用 Excel 打开确认内容完整后“另存为” .xlsx 再导入。"),
        code="corrupt",
    )


_CONTENT_EXT = {"xlsx": {".xlsx", ".xlsm"}, "xlsb": {".xlsb"}, "xls": {".xls"}, "ods": {".ods"}}


def _open_workbook(
    reader: SheetRows,
    source: _Source,
    kind: str,
    ext: str,
    *,
    sheet: str | int | None,
    max_rows: int,
    max_blank_run: int,
) -> None:
    import python_calamine

    try:
        # calamine picks its reader by the path's extension, so a path is used only when that extension is right
        if source.path is not None and Path(source.path).suffix.lower() in _CONTENT_EXT.get(kind, ()):
            wb = python_calamine.CalamineWorkbook.from_path(source.path)
        else:  # a file object: calamine reads it by content
            wb = python_calamine.CalamineWorkbook.from_filelike(source.open())
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # includes pyo3's PanicException on malformed input
        raise _calamine_failure(exc) from exc
    reader._workbook = wb
    try:
        metas = list(wb.sheets_metadata)
        visible = [
            m.name
            for m in metas
            if m.visible == python_calamine.SheetVisibleEnum.Visible
            and m.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        reader.sheet_names = visible
        if sheet is None:
            if not visible:
                raise SpreadsheetError(_("工作簿中没有可见的工作表（所有工作表都被隐藏了）。"), code="no_sheet")
            name = visible[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(metas):
                raise SpreadsheetError(_("工作簿中没有第 %(v)s 个工作表。") % {"v": sheet + 1}, code="no_sheet")
            name = metas[sheet].name
        else:
            if sheet not in [m.name for m in metas]:
                raise SpreadsheetError(_("工作簿中没有名为「%(sheet)s」的工作表。") % {"sheet": sheet}, code="no_sheet")
            name = sheet
        reader.sheet_name = name
        member = _chunkable_member(source, name) if kind == "xlsx" else None
        if member is not None:
            reader.chunked = True
            wb.close()  # each slice is parsed by a workbook of its own; this one only named the sheets
            reader._workbook = None
            sheets = _xlsx_chunks(reader, source, member, name)
        else:
            calamine_sheet = wb.get_sheet_by_name(name)
            try:
                reader.merged_ranges = list(calamine_sheet.merged_cell_ranges or [])
            except Exception:  # not every format records merges
                reader.merged_ranges = []
            sheets = iter([calamine_sheet])
    except SpreadsheetError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        raise _calamine_failure(exc) from exc
    reader._rows = _iter_calamine(reader, sheets, max_rows=max_rows, max_blank_run=max_blank_run)


# ------------------------------------------------------------------------------------- large .xlsx in chunks

#: a first sheet whose XML unpacks to more than this is read in slices of about this size (see _xlsx_chunks)
XLSX_CHUNK_BYTES = 64 * 1024 * 1024
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_SHEETDATA_OPEN = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?sheetData)(?:\s[^>]*)?(/?)>")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*/>")
_WORKSHEET_OPEN = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?worksheet)[\s>]")
_MERGE_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*ref=\"([A-Z]+)(\d+):([A-Z]+)(\d+)\"")
_EMPTY_WORKSHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
)


def _worksheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member, from xl/workbook.xml and its relationships."""
    from xml.etree import ElementTree

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    rels: dict[str, str] = {}
    for el in ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels")).iter():
        if local(el.tag) == "Relationship" and el.get("Id") and el.get("Target"):
            target = el.get("Target", "")
            rels[el.get("Id", "")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    members: dict[str, str] = {}
    for el in ElementTree.fromstring(zf.read("xl/workbook.xml")).iter():
        if local(el.tag) == "sheet":
            rid = next((v for k, v in el.attrib.items() if local(k) == "id"), None)
            if rid in rels:
                members[el.get("name", "")] = rels[rid]
    return members


def _chunkable_member(source: _Source, name: str) -> str | None:
    """The sheet's XML member when it is big enough to be read in chunks, else None."""
    try:
        with zipfile.ZipFile(source.open()) as zf:
            member = _worksheet_members(zf).get(name)
            if member is None or zf.getinfo(member).file_size <= XLSX_CHUNK_BYTES:
                return None
            with zf.open(member) as f:
                head = f.read(1024 * 1024)
    except (KeyError, zipfile.BadZipFile, ValueError, SyntaxError):
        return None
    finally:
        source.open()
    opening = _SHEETDATA_OPEN.search(head)
    row = _ROW_START.search(head, opening.end()) if opening else None
    if opening is None or opening.group(2) or row is None:
        return None
    if b" r=" not in head[row.start() : head.find(b">", row.start())]:
        return None  # rows without numbers: calamine would number each chunk from 1
    return member


def _xlsx_chunks(reader: SheetRows, source: _Source, member: str, name: str) -> Iterator[Any]:
    """python-calamine parses a whole sheet into memory (python-calamine issue 42: no lazy reading), about 1 GB for
    a million rows of twelve columns. For a large sheet, cut its XML — streamed out of the zip — into slices of
    about XLSX_CHUNK_BYTES at row boundaries, wrap each in a copy of the workbook (stored, not compressed; the other
    sheets emptied) and let calamine parse one slice at a time. Rows keep their own numbers (the r attribute), so
    each slice's range starts where its rows are. Merged ranges, which follow the rows, are read from the tail."""
    import python_calamine

    f = source.open()
    with zipfile.ZipFile(f) as zf:
        sheets = set(_worksheet_members(zf).values())
        others = {n: (_EMPTY_WORKSHEET if n in sheets else zf.read(n)) for n in zf.namelist() if n != member}
    with zipfile.ZipFile(source.open()) as zf, zf.open(member) as xml:
        buffer = b""
        while True:
            data = xml.read(1024 * 1024)
            buffer += data
            opening = _SHEETDATA_OPEN.search(buffer)
            if opening or not data:
                break
        if opening is None:
            return
        prefix = _DIMENSION.sub(b"", buffer[: opening.end()])
        worksheet = _WORKSHEET_OPEN.search(prefix)
        if worksheet is None:
            return
        suffix = b"</" + opening.group(1) + b"></" + worksheet.group(1) + b">"
        closing = b"</" + opening.group(1) + b">"
        buffer = buffer[opening.end() :]
        eof = need_more = False
        while True:
            parts, size = [buffer], len(buffer)
            while not eof and (size < XLSX_CHUNK_BYTES or need_more):
                data = xml.read(4 * 1024 * 1024)
                eof = not data
                parts.append(data)
                size += len(data)
                need_more = False
            buffer = b"".join(parts)
            end = buffer.find(closing)
            last = end >= 0 or eof
            if last:
                body = memoryview(buffer)[:end] if end >= 0 else memoryview(buffer)
                tail = buffer[end:] if end >= 0 else b""
                reader.merged_ranges = [
                    ((int(r1) - 1, _column_index(c1)), (int(r2) - 1, _column_index(c2)))
                    for c1, r1, c2, r2 in _MERGE_REF.findall(tail)
                ]
                buffer = b""
            else:
                cut = None
                for m in _ROW_START.finditer(buffer, max(0, len(buffer) - 8 * 1024 * 1024)):
                    cut = m.start()
                if not cut:  # no row boundary yet (one enormous row): read on
                    need_more = True
                    continue
                body, buffer = memoryview(buffer)[:cut], buffer[cut:]
            # a temporary file, not a buffer: calamine then reads the slice from disk instead of copying it whole
            with tempfile.NamedTemporaryFile(suffix=".xlsx") as out:
                with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as chunk:
                    for n, content in others.items():
                        chunk.writestr(n, content)
                    with chunk.open(member, "w", force_zip64=True) as w:
                        w.write(prefix)
                        w.write(body)
                        w.write(suffix)
                del body
                out.flush()
                wb = python_calamine.CalamineWorkbook.from_path(out.name)
                try:
                    yield wb.get_sheet_by_name(name)
                finally:
                    wb.close()
            if last:
                return


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


# ------------------------------------------------------------------------------------------------ the rows


def _has_value(row: list) -> bool:
    for v in row:
        if v is None or v == "":
            continue
        if type(v) is str and v.isspace():
            continue
        return True
    return False


def _sheet_rows(calamine_sheet: Any, pull_error: Any) -> Iterator[tuple[int, int, list]]:
    """(Excel row number, first column, raw cells) for every row of one calamine sheet's range."""
    if calamine_sheet.start is None:  # an empty sheet (and iter_rows() would fail on it)
        return
    start_row, start_col = calamine_sheet.start
    rows = calamine_sheet.iter_rows()

    def pull() -> list | None:
        try:
            return next(rows)
        except StopIteration:
            return None
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            raise pull_error(exc) from exc

    # python-calamine 0.9 yields the rows above the used range as empty rows (absolute row numbers) while its
    # columns start at the range; older versions start at the range. Tell them apart on the first row.
    number = start_row
    pending = None
    if start_row > 0:
        first = pull()
        if first is not None and not _has_value(first):
            for _ in range(start_row - 1):
                pull()
        else:
            pending = first
    while True:
        row = pending if pending is not None else pull()
        pending = None
        if row is None:
            return
        number += 1
        yield number, start_col, row


def _iter_calamine(reader: SheetRows, sheets: Iterator[Any], *, max_rows: int, max_blank_run: int):
    blank_run = 0
    previous = 0  # the last row number seen; rows between two chunks' ranges hold no value
    stopped = False
    try:
        for calamine_sheet in sheets:
            for number, start_col, row in _sheet_rows(calamine_sheet, _calamine_failure):
                if not stopped and previous and number > previous + 1:
                    blank_run += number - previous - 1
                    if blank_run >= max_blank_run:  # the run reached the limit between two chunks
                        reader.stopped_at_row = number - blank_run + max_blank_run - 1
                        stopped = True
                previous = number
                if stopped:  # after a long empty run: only look whether anything follows
                    if _has_value(row):
                        reader.more_after_stop = True
                        return
                    continue
                row = _normalise_row(row)
                if _is_empty_row(row):
                    blank_run += 1
                    if blank_run >= max_blank_run:
                        reader.stopped_at_row = number
                        stopped = True
                    continue
                blank_run = 0
                reader.rows_read += 1
                if reader.rows_read > max_rows + HEADER_ALLOWANCE:
                    raise _too_many_rows(max_rows, number)
                if start_col:
                    row = [None] * start_col + row
                yield number, row
    finally:
        reader.close()


def _too_many_rows(max_rows: int, number: int) -> SpreadsheetError:
    return SpreadsheetError(
        _("表格超过 %(v)s 行上限（读到第 %(number)s 行时），请拆分成几个文件后分批导入。")
        % {"v": _count_text(max_rows), "number": format(number, ",")},
        code="too_many_rows",
    )


# --------------------------------------------------------------------------------------------------- CSV


def _detect_encoding(source: _Source) -> str:
    head = source.head(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    f = source.open()
    try:
        # Find the first bytes that are not ASCII (an all-ASCII start tells nothing) and try them as UTF-8.
        offset = 0
        while True:
            chunk = f.read(1024 * 1024)
            if not chunk:
                return "utf-8"
            if not chunk.isascii():
                break
            offset += len(chunk)
        first = next(i for i, b in enumerate(chunk) if b >= 0x80)
        window = chunk[max(0, first - 3) : first + 64 * 1024]
        if len(window) < 64 * 1024:
            window += f.read(64 * 1024 - len(window))
        try:
            codecs.getincrementaldecoder("utf-8")().decode(window, final=False)
        except UnicodeDecodeError as exc:
            # a cut multi-byte sequence at the very start of the window is not evidence against UTF-8
            if exc.start >= 3:
                return "gb18030"
            try:
                codecs.getincrementaldecoder("utf-8")().decode(window[3:], final=False)
            except UnicodeDecodeError:
                return "gb18030"
        return "utf-8"
    finally:
        f.seek(0)


def _open_csv(reader: SheetRows, source: _Source, *, max_rows: int, max_blank_run: int) -> None:
    encoding = _detect_encoding(source)
    reader.encoding = encoding
    reader.sheet_name = ""
    reader.sheet_names = []
    binary = source.open()
    text = io.TextIOWrapper(binary, encoding=encoding, newline="", errors="strict")
    try:
        sample = text.read(64 * 1024)
    except UnicodeDecodeError as exc:
        raise _encoding_error() from exc
    text.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|") if sample.strip() else csv.excel
        if dialect.delimiter not in ",\t;|":
            dialect = csv.excel
    except csv.Error:
        dialect = csv.excel
    reader._text = text  # keep the wrapper alive (and its buffer) while iterating
    reader._rows = _iter_csv(reader, text, dialect, max_rows=max_rows, max_blank_run=max_blank_run)


def _encoding_error() -> SpreadsheetError:
    return SpreadsheetError(
        _("CSV 文件的文字编码无法识别（既不是 UTF-8 也不是 GBK）。请用 Excel 打开后另存为“CSV UTF-8”或 .xlsx 再导入。"),
        code="encoding",
    )


def _iter_csv(reader: SheetRows, text: io.TextIOWrapper, dialect: Any, *, max_rows: int, max_blank_run: int):
    rows = csv.reader(text, dialect)
    number = 0
    blank_run = 0
    try:
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise _encoding_error() from exc
            except csv.Error as exc:
                raise SpreadsheetError(
                    _("CSV 文件第 %(v)s 行格式有误（%(exc)s），请用 Excel 打开后另存为 .xlsx 再导入。")
                    % {"v": format(number + 1, ","), "exc": exc},
                    code="corrupt",
                ) from exc
            number += 1
            values: list = [None if (not v or v.isspace()) else v for v in row]
            if _is_empty_row(values):
                blank_run += 1
                if blank_run >= max_blank_run:
                    reader.stopped_at_row = number
                    try:
                        reader.more_after_stop = any(any(v.strip() for v in r) for r in rows)
                    except (UnicodeDecodeError, csv.Error):
                        reader.more_after_stop = True
                    break
                continue
            blank_run = 0
            reader.rows_read += 1
            if reader.rows_read > max_rows + HEADER_ALLOWANCE:
                raise _too_many_rows(max_rows, number)
            yield number, values
    finally:
        reader.close()
