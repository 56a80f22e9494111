"""Hostile files for the upload doors (tests/test_hostile_uploads.py): polyglots, bombs and scripts, built in
memory, small enough to send many times."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image

SCRIPT = b"<html><body><script>alert(1)</script></body></html>"


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 140, 60)).save(out, format="JPEG")
    return out.getvalue()


def jpeg_html_polyglot() -> bytes:
    """A valid JPEG whose comment segment holds a page with a script, and with the page again after its end: a
    browser that sniffs it as HTML would run the script."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 60)).save(out, format="JPEG", comment=SCRIPT)
    return out.getvalue() + SCRIPT


def gifar_like() -> bytes:
    """A PNG with a zip archive (an .jar/.docx, say) appended: image readers stop at IEND, zip readers start at
    the end."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 60)).save(out, format="PNG")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Main-Class: Evil\n")
        z.writestr("word/document.xml", "<document/>")
    return out.getvalue() + archive.getvalue()


def pdf_with_javascript() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"4 0 obj<</S/JavaScript/JS(app.alert\\('1'\\))>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)


def png_pixel_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A PNG whose header says 20000×20000 (400 megapixels, 1.2 GB decoded) in a few hundred bytes: the pixel data
    is a tiny deflate stream of zeros that would expand to the whole picture."""
    raw_row = b"\x00" + b"\x00" * width  # filter byte + one grey byte per pixel
    compressor = zlib.compressobj(9)
    data = compressor.compress(raw_row * 64) + compressor.flush()  # the first rows only: enough for the header

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def zip_bomb(main_part: str, *, megabytes: int = 40) -> bytes:
    """An Office file (by its parts) whose main part inflates from ~40 KB to `megabytes` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        z.writestr("_rels/.rels", "<Relationships/>")
        if main_part.startswith("xl/"):
            z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr(main_part, b"\0" * (megabytes * 1024 * 1024))
    return out.getvalue()
