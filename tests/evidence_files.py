"""Files people attach as 佐证材料, real enough for the checks in zhili/targets/evidence.py: photos written by
Pillow, a PDF, Office files (a workbook from XlsxWriter, the OOXML parts of a document and a deck, OLE2 files
from tests/test_excel_files.py's builders), text — and the things that must be refused."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.test_excel_files import write_encrypted_xlsx, write_ole2, write_xls

OOXML_TYPES = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    # the browser's Content-Type is whatever the client says; the checks never read it
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def image(fmt: str, size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 140, 60)).save(out, format=fmt)
    return out.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def ooxml(main_part: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", OOXML_TYPES)
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr(main_part, "<document/>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def xlsx() -> bytes:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    wb.add_worksheet("台账").write_row(0, 0, ["村", "户数"])
    wb.close()
    return out.getvalue()


def _file(build) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return build(Path(tmp) / "f").read_bytes()


def doc(*, macros: bool = False) -> bytes:
    streams = {"WordDocument": b"\xec\xa5" + b"\0" * 100}
    if macros:
        streams["Macros"] = b"Attribute VB_Name"
    return _file(lambda p: write_ole2(p, streams))


def xls() -> bytes:
    return _file(lambda p: write_xls(p, [["村", "户数"], ["孔家坊村", 12]]))


def msi() -> bytes:
    """An installer is an OLE2 file too, without a document's streams."""
    return _file(lambda p: write_ole2(p, {"\x05SummaryInformation": b"\xfe\xff", "Binary.Setup": b"MZ" + b"\0" * 64}))


def encrypted_xlsx() -> bytes:
    return _file(write_encrypted_xlsx)


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200 + b"This program cannot be run in DOS mode."
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
