"""佐证材料 (evidence files): what may be uploaded, decided by the bytes; how a stored file is served.

A report or a 办结 report may carry files. Each one is checked before anything of the report is written, and the
whole report is refused with a sentence naming the first file that fails:

    kind                               checked by                                                 served
    JPEG, PNG, WebP images             Pillow reads it as that format (and verifies it)           inline
    PDF                                the %PDF- header and the %%EOF trailer                      inline
    Word, Excel, PowerPoint 2007+      a ZIP with [Content_Types].xml and the format's main part,  attachment
      (.docx .xlsx .pptx)                and no macros (vbaProject.bin)
    Word, Excel 97–2003 (.doc .xls)    an OLE2 compound file with the format's stream, no macros   attachment
                                         (olefile)
    text (.txt .csv)                   UTF-8 or GB18030, no NUL byte, not markup                   attachment

The name's extension must be one of the kind's, so a file whose extension lies is refused (only a photo saved
under another image's extension passes, as what it is); everything else — HTML, SVG, scripts, executables,
archives — is refused. The stored name is random (models.evidence_path); the type served is the one found here
(Evidence.content_type), never one guessed from a name; every response carries `nosniff` and a
Content-Security-Policy under which nothing runs.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass

import olefile
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Served inline, an image or a PDF may show itself and nothing else: no script, no form, no plugin but the
# browser's own PDF viewer (which Chromium runs under this policy, sandbox included).
INLINE_CSP = "default-src 'none'; img-src 'self'; object-src 'self'; sandbox"
ATTACHMENT_CSP = "default-src 'none'; sandbox"


@dataclass(frozen=True)
class Kind:
    label: str  # what the sentences call it
    mime: str  # the Content-Type it is served with
    extensions: tuple[str, ...]  # the first one is given to the stored file
    inline: bool  # shown in the browser (images, PDF) or downloaded


JPEG = Kind("JPEG 图片", "image/jpeg", (".jpg", ".jpeg"), True)
PNG = Kind("PNG 图片", "image/png", (".png",), True)
WEBP = Kind("WebP 图片", "image/webp", (".webp",), True)
PDF = Kind("PDF 文件", "application/pdf", (".pdf",), True)
DOCX = Kind("Word 文档", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), False)
XLSX = Kind("Excel 表格", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), False)
PPTX = Kind(
    "PowerPoint 演示文稿",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
    False,
)
DOC = Kind("Word 97-2003 文档", "application/msword", (".doc",), False)
XLS = Kind("Excel 97-2003 表格", "application/vnd.ms-excel", (".xls",), False)
TXT = Kind("文本文件", "text/plain", (".txt",), False)
CSV = Kind("CSV 文件", "text/csv", (".csv",), False)

IMAGES = (JPEG, PNG, WEBP)
KINDS = (JPEG, PNG, WEBP, PDF, DOCX, XLSX, PPTX, DOC, XLS, TXT, CSV)
BY_EXTENSION = {ext: k for k in KINDS for ext in k.extensions}
BY_MIME = {k.mime: k for k in KINDS}
ALLOWED_TEXT = "图片（JPEG、PNG、WebP）、PDF、Word、Excel、PowerPoint 或文本（TXT、CSV）"

_PILLOW_FORMATS = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG, "WEBP": WEBP}
_OOXML_MAIN_PART = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_OLE_STREAMS = {DOC: {("WordDocument",)}, XLS: {("Workbook",), ("Book",)}}
_OLE_MACROS = {("Macros",), ("_VBA_PROJECT_CUR",), ("VBA",)}


@dataclass(frozen=True)
class Checked:
    """An upload that passed: what it is, and what the audit log and the Evidence row keep about it."""

    upload: UploadedFile  # rewound
    name: str  # the name it was uploaded with (shown, and given back on download)
    kind: Kind
    size: int
    sha256: str

    def describe(self) -> dict:
        return {"name": self.name, "size": self.size, "type": self.kind.mime, "sha256": self.sha256}


def check_all(files) -> list[Checked]:
    """Every file checked before anything is written: the first that fails refuses them all."""
    return [check(f) for f in files or []]


def check(upload) -> Checked:
    name = os.path.basename((upload.name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:200] or "未命名文件"  # it becomes a header
    ext = os.path.splitext(name)[1].lower()
    if upload.size == 0:
        raise ValidationError(_("佐证材料“%(name)s”是空文件，未上传。") % {"name": name})
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("佐证材料“%(name)s”超过 %(v)s MB，请压缩后再上传。") % {"name": name, "v": MAX_BYTES // 1048576}
        )
    head = _head(upload)
    claimed = BY_EXTENSION.get(ext)
    if claimed is None:
        what = _what_it_is(head)
        raise ValidationError(
            _("佐证材料“%(name)s”%(v)s不能上传：只接受%(ALLOWED_TEXT)s。")
            % {"name": name, "v": f"是{_spaced(what)}，" if what else "", "ALLOWED_TEXT": ALLOWED_TEXT}
        )
    found = _sniff(upload, head, name, text=claimed if claimed in (TXT, CSV) else None)
    # A photo saved as .jpg that is really a PNG or WebP (phones and chat apps do this) is still a photo: it is
    # served as what it is. Any other disagreement between name and content is refused.
    if found is not claimed and not (found in IMAGES and claimed in IMAGES):
        what = found.label if found else _what_it_is(head)
        if not what:
            raise ValidationError(
                _(
                    "佐证材料“%(name)s”不是有效的%(v)s（可能已损坏或不完整），不能上传：请用原来的软件打开确认后重新保存再上传。"
                )
                % {"name": name, "v": _spaced(claimed.label)}
            )
        raise ValidationError(
            _("佐证材料“%(name)s”的扩展名是 %(ext)s，内容却是%(v)s，不能上传：请上传原始文件，不要修改扩展名。")
            % {"name": name, "ext": ext, "v": _spaced(what)}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return Checked(upload=upload, name=name, kind=found, size=upload.size, sha256=digest.hexdigest())


def _spaced(label: str) -> str:
    """A space between Chinese and a leading Latin word: “是 PDF 文件”, “是网页（HTML）”."""
    return f" {label}" if label[:1].isascii() else label


def _head(upload, n: int = 4096) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def _what_it_is(head: bytes) -> str:
    """A name for common refused contents, so the sentence can say what the file really is."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"#!")):
        return "可执行程序"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "压缩包"
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in text:
        return "SVG 图形"
    if text.startswith(b"<"):
        return "网页（HTML）"
    if head.startswith(OLE2_MAGIC):
        return "其他 Office 格式的文件"
    return ""


def _sniff(upload, head: bytes, name: str, *, text: Kind | None) -> Kind | None:
    """What the bytes are, among the allowed kinds (None: none of them). `text` is the kind a text file is taken
    for (.txt or .csv); without it, text is nothing allowed."""
    if head.startswith(b"%PDF-"):
        return PDF if _tail_has(upload, b"%%EOF") else None
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(upload, name)
    if head.startswith(OLE2_MAGIC):
        return _ole_kind(upload, name)
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return _image_kind(upload)
    return _text_kind(upload, text) if text else None


def _image_kind(upload) -> Kind | None:
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            kind = _PILLOW_FORMATS.get(probe.format or "")
            probe.verify()  # the whole structure: a truncated or forged file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    return kind


def _tail_has(upload, marker: bytes) -> bool:
    upload.seek(max(0, upload.size - 8192))  # a complete PDF ends with %%EOF (give or take some padding)
    tail = upload.read()
    upload.seek(0)
    return marker in tail


def _ooxml_kind(upload, name: str) -> Kind | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos[: MAX_ZIP_MEMBERS + 1]}
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if len(names) > MAX_ZIP_MEMBERS or "[Content_Types].xml" not in names:
        return None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ValidationError(_("佐证材料“%(name)s”含有宏，不能上传：请另存为不含宏的文档后再上传。") % {"name": name})
    found = [kind for part, kind in _OOXML_MAIN_PART.items() if part in names]
    return found[0] if len(found) == 1 else None


def _ole_kind(upload, name: str) -> Kind | None:
    upload.seek(0)
    try:
        with olefile.OleFileIO(upload) as ole:
            entries = {tuple(e) for e in ole.listdir(streams=True, storages=True)}
    except Exception:  # a forged directory makes olefile raise OSError, but also IndexError or struct.error
        return None
    finally:
        upload.seek(0)
    if entries & _OLE_MACROS:
        raise ValidationError(_("佐证材料“%(name)s”含有宏，不能上传：请另存为不含宏的文档后再上传。") % {"name": name})
    if ("EncryptedPackage",) in entries:  # what Office writes for a .docx/.xlsx with a password to open
        raise ValidationError(_("佐证材料“%(name)s”设有打开密码，领导无法查看：请取消密码后再上传。") % {"name": name})
    found = {kind for kind, streams in _OLE_STREAMS.items() if entries & streams}
    return found.pop() if len(found) == 1 else None


def _text_kind(upload, kind: Kind) -> Kind | None:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if b"\x00" in data:
        return None
    data = data.removeprefix(b"\xef\xbb\xbf")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    start = text.lstrip()[:2]
    # markup (<html, <svg, <?xml, <!doctype, <script …) is not a text file, whatever the name says
    if start.startswith("<") and (start[1:2].isalpha() or start[1:2] in ("!", "?", "/")):
        return None
    return kind


# ---- serving ----------------------------------------------------------------------------------------------


def kind_of(evidence) -> Kind | None:
    """The kind recorded when the file was checked. Files stored before the check existed are checked now, by
    their bytes; one that fails is served as a plain download."""
    if evidence.content_type:
        return BY_MIME.get(evidence.content_type)
    try:
        with evidence.file.open("rb") as f:
            return check(UploadedFile(f, name=evidence.name, size=evidence.file.size)).kind
    except (ValidationError, FileNotFoundError, ValueError, OSError):
        return None


def response(evidence) -> FileResponse:
    """The stored file with the type found when it was checked: images and PDF inline, the rest downloaded under
    the name it was uploaded with (RFC 5987 for Chinese names); nothing in it may run."""
    kind = kind_of(evidence)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("佐证材料文件不存在。")) from None
    inline = kind is not None and kind.inline
    resp = FileResponse(
        handle,
        as_attachment=not inline,
        filename=evidence.name,
        content_type=kind.mime if kind else "application/octet-stream",
    )
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Content-Security-Policy"] = INLINE_CSP if inline else ATTACHMENT_CSP
    resp["Cache-Control"] = "private, no-store"
    return resp
