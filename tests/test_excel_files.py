"""Builders for spreadsheet files that no installed library writes, used by the other test_excel_* modules.

xlsxwriter and openpyxl write .xlsx; nothing installed writes .ods or .xls, so these build them byte by byte:
`write_ods` a minimal OpenDocument spreadsheet (a zip with `mimetype` and `content.xml`), `write_xls` a minimal
BIFF8 workbook inside an OLE2 compound file (the format of Excel 97–2003), `write_ole2` any OLE2 file with named
streams (an encrypted .xlsx is an OLE2 file with `EncryptionInfo` and `EncryptedPackage` streams). The tests at
the bottom check that python-calamine reads what they build, so a broken builder fails here, not elsewhere.
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import python_calamine

ENDOFCHAIN, FATSECT, FREESECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF


# ------------------------------------------------------------------------------------------------------ ODS


def write_ods(path: Path, rows: list[list], *, merges: dict[tuple[int, int], int] | None = None) -> Path:
    """A one-sheet .ods; `merges` maps (row, col) → number of columns spanned."""
    merges = merges or {}

    def cell(r: int, c: int, v: object) -> str:
        span = merges.get((r, c))
        attr = f' table:number-columns-spanned="{span}"' if span else ""
        if v is None:
            return f"<table:table-cell{attr}/>"
        if isinstance(v, bool):
            b = "true" if v else "false"
            return f'<table:table-cell{attr} office:value-type="boolean" office:boolean-value="{b}"><text:p>{b}</text:p></table:table-cell>'
        if isinstance(v, int | float):
            return f'<table:table-cell{attr} office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        if isinstance(v, dt.date):
            return f'<table:table-cell{attr} office:value-type="date" office:date-value="{v.isoformat()}"><text:p>{v}</text:p></table:table-cell>'
        return (
            f'<table:table-cell{attr} office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'
        )

    body = "".join(
        "<table:table-row>" + "".join(cell(r, c, v) for c, v in enumerate(row)) + "</table:table-row>"
        for r, row in enumerate(rows)
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="台账">'
        + body
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


# ------------------------------------------------------------------------------------------------------ OLE2


def write_ole2(path: Path, streams: dict[str, bytes]) -> Path:
    """An OLE2 compound file whose root holds `streams` (each padded to ≥ 4096 bytes: no mini stream needed)."""
    names = list(streams)
    data = []
    for n in names:
        s = streams[n]
        size = max(4096, -(-len(s) // 512) * 512)
        data.append(s.ljust(size, b"\0"))
    sector_of: list[int] = []
    fat: list[int] = []
    for d in data:
        start = len(fat)
        sector_of.append(start)
        n = len(d) // 512
        fat += [start + i + 1 for i in range(n - 1)] + [ENDOFCHAIN]
    dir_entries = 1 + len(names)
    dir_sectors = -(-dir_entries // 4)
    first_dir = len(fat)
    fat += [first_dir + i + 1 for i in range(dir_sectors - 1)] + [ENDOFCHAIN]
    fat_sector = len(fat)
    fat.append(FATSECT)
    assert len(fat) <= 128, "keep test files small: one FAT sector"
    fat += [FREESECT] * (128 - len(fat))

    def entry(name: str, typ: int, start: int, size: int, *, left=NOSTREAM, right=NOSTREAM, child=NOSTREAM) -> bytes:
        n = (name + "\0").encode("utf-16-le")
        e = n.ljust(64, b"\0") + struct.pack("<HBB", len(n), typ, 1) + struct.pack("<III", left, right, child)
        e += b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size)
        return e.ljust(128, b"\0")

    # a degenerate red-black tree: each stream's right sibling is the next one
    entries = [entry("Root Entry", 5, ENDOFCHAIN, 0, child=1 if names else NOSTREAM)]
    for i, n in enumerate(names):
        right = i + 2 if i + 1 < len(names) else NOSTREAM
        # sizes below the 4096-byte cutoff would live in the mini stream; the padding keeps them out of it
        entries.append(entry(n, 2, sector_of[i], len(data[i]), right=right))
    directory = b"".join(entries).ljust(dir_sectors * 512, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, first_dir, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
        + struct.pack("<I", fat_sector)
        + struct.pack("<I", FREESECT) * 108
    )
    assert len(header) == 512
    path.write_bytes(header + b"".join(data) + directory + struct.pack("<128I", *fat))
    return path


# ------------------------------------------------------------------------------------------------------ XLS


def _rec(typ: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", typ, len(data)) + data


def write_xls(
    path: Path, rows: list[list], *, merges: list[tuple[int, int, int, int]] = (), name: str = "Sheet1"
) -> Path:
    """A minimal BIFF8 .xls: strings (LABEL), numbers, dates (a date-formatted XF), booleans, merged ranges
    (first_row, last_row, first_col, last_col)."""

    def bof(kind: int) -> bytes:
        return _rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))

    def xf(ifmt: int, style: bool) -> bytes:
        return _rec(
            0x00E0, struct.pack("<HHHBBBBIIH", 0, ifmt, 0xFFF5 if style else 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0)
        )

    general, date_xf = 16, 17
    xfs = b"".join(xf(0, True) for _ in range(16)) + xf(0, False) + xf(14, False)
    encoded_name = name.encode("utf-16-le")

    def boundsheet(pos: int) -> bytes:
        return _rec(0x0085, struct.pack("<IBBBB", pos, 0, 0, len(name), 1) + encoded_name)

    head = bof(0x0005) + _rec(0x0042, struct.pack("<H", 1200)) + xfs
    globals_ = head + boundsheet(len(head) + len(boundsheet(0)) + 4) + _rec(0x000A)
    cells = b""
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, bool):
                cells += _rec(0x0205, struct.pack("<HHHBB", r, c, general, int(v), 0))
            elif isinstance(v, int | float):
                cells += _rec(0x0203, struct.pack("<HHHd", r, c, general, float(v)))
            elif isinstance(v, dt.date):
                serial = (v - dt.date(1899, 12, 30)).days
                cells += _rec(0x0203, struct.pack("<HHHd", r, c, date_xf, float(serial)))
            else:
                s = str(v)
                cells += _rec(0x0204, struct.pack("<HHHHB", r, c, general, len(s), 1) + s.encode("utf-16-le"))
    ncols = max((len(r) for r in rows), default=0)
    sheet = bof(0x0010) + _rec(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, ncols, 0)) + cells
    if merges:
        sheet += _rec(0x00E5, struct.pack("<H", len(merges)) + b"".join(struct.pack("<HHHH", *m) for m in merges))
    sheet += _rec(0x000A)
    return write_ole2(path, {"Workbook": globals_ + sheet})


def write_encrypted_xls(path: Path) -> Path:
    """An .xls saved with a password to open: its globals carry a FILEPASS record (RC4), the rest is ciphertext."""

    def bof(kind: int) -> bytes:
        return _rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))

    head = bof(0x0005) + _rec(0x002F, struct.pack("<HHH", 1, 1, 1) + b"\x5a" * 48)
    name = "Sheet1".encode("utf-16-le")

    def boundsheet(pos: int) -> bytes:
        return _rec(0x0085, struct.pack("<IBBBB", pos, 0, 0, 6, 1) + name)

    globals_ = head + boundsheet(len(head) + len(boundsheet(0)) + 4) + _rec(0x000A)
    return write_ole2(path, {"Workbook": globals_ + bof(0x0010) + _rec(0x000A)})


def write_encrypted_xlsx(path: Path) -> Path:
    """What Excel writes for an .xlsx saved with a password: an OLE2 file, not a zip."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"  # agile encryption header, contents irrelevant
    return write_ole2(path, {"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 1234) + b"\x8f" * 2000})


# ------------------------------------------------------------------------------------------------ the checks


def _read(path: Path) -> list[list]:
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        return wb.get_sheet_by_index(0).to_python()


def test_ods_builder_is_read_by_calamine(tmp_path):
    path = write_ods(tmp_path / "a.ods", [["村", "金额"], ["孔家坊村", 12.5], [None, dt.date(2020, 5, 12)]])
    assert _read(path) == [["村", "金额"], ["孔家坊村", 12.5], ["", dt.date(2020, 5, 12)]]


def test_xls_builder_is_read_by_calamine(tmp_path):
    path = write_xls(
        tmp_path / "a.xls",
        [["标题", None], ["村", "是否"], ["孔家坊村", True], [3, dt.date(2020, 5, 12)]],
        merges=[(0, 0, 0, 1)],
    )
    assert _read(path) == [["标题", ""], ["村", "是否"], ["孔家坊村", True], [3.0, dt.date(2020, 5, 12)]]
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        assert wb.get_sheet_by_index(0).merged_cell_ranges == [((0, 0), (0, 1))]
