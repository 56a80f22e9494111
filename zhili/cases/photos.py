"""Case photos: checked with Pillow, the original kept for internal use, a downscaled copy without EXIF shown.

Uploads arrive as Django UploadedFile objects (above FILE_UPLOAD_MAX_MEMORY_SIZE they are already streamed to a
temporary file), are refused above ZHILI_PHOTO_MAX_MB before Pillow reads a byte of pixels, and are decoded
with JPEG draft mode (the decoder scales down while decoding), so memory per upload is bounded by the display
size, not the camera's resolution. The position in the EXIF GPS block, when there is one, is read so the
verifier can be told that an after-photo was taken far from the case.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

DISPLAY_MAX = 1280  # longest side of the copy shown in pages, bulletins and to the public
MAX_PIXELS = 80_000_000  # a 50-megapixel phone photo passes; a decompression bomb does not
ALLOWED = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "MPO": "jpg"}
GPS_IFD = 0x8825


@dataclass
class CheckedPhoto:
    original: File
    display: ContentFile
    width: int
    height: int
    sha256: str
    lng: Decimal | None
    lat: Decimal | None
    taken_at: datetime.datetime | None


def _dms(value, ref) -> Decimal | None:
    try:
        d, m, s = (float(x) for x in value)
    except (TypeError, ValueError):
        return None
    deg = d + m / 60 + s / 3600
    if ref in ("S", "W", b"S", b"W"):
        deg = -deg
    return Decimal(f"{deg:.6f}")


def _gps(image: Image.Image) -> tuple[Decimal | None, Decimal | None]:
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:
        return None, None
    if not gps or 2 not in gps or 4 not in gps:
        return None, None
    return _dms(gps.get(4), gps.get(3)), _dms(gps.get(2), gps.get(1))


def _taken_at(image: Image.Image) -> datetime.datetime | None:
    try:
        raw = image.getexif().get_ifd(0x8769).get(0x9003) or image.getexif().get(0x0132)
        return datetime.datetime.strptime(str(raw), "%Y:%m:%d %H:%M:%S") if raw else None
    except Exception:
        return None


def check_photo(upload, *, name_hint: str = "photo") -> CheckedPhoto:
    """Refuse what is not a photo, or too large; return the original and an EXIF-free display copy."""
    limit_mb = settings.ZHILI_PHOTO_MAX_MB
    if upload.size > limit_mb * 1024 * 1024:
        raise ValidationError(
            _("照片“%(name)s”有 %(v)s MB，超过上限 %(limit_mb)s MB：请在手机上选择“压缩”或较小的尺寸后重新上传。")
            % {"name": upload.name, "v": format(upload.size / 1048576, ".0f"), "limit_mb": limit_mb}
        )
    if upload.size == 0:
        raise ValidationError(_("照片“%(name)s”是空文件。") % {"name": upload.name})
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            fmt = probe.format
            if fmt not in ALLOWED:
                raise ValidationError(
                    _("“%(name)s”不是可接受的照片格式（JPEG、PNG、WebP），而是 %(v)s。")
                    % {"name": upload.name, "v": fmt or _("未知格式")}
                )
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(
                    _("照片“%(name)s”像素过多（%(width)s×%(height)s），无法处理。")
                    % {"name": upload.name, "width": probe.width, "height": probe.height}
                )
            probe.verify()  # reads the whole file structure: truncated or forged files fail here
        upload.seek(0)
        with Image.open(upload) as image:
            lng, lat = _gps(image)
            taken = _taken_at(image)
            if image.format in ("JPEG", "MPO"):
                image.draft("RGB", (DISPLAY_MAX, DISPLAY_MAX))  # decode at a reduced scale: bounded memory
            image = ImageOps.exif_transpose(image)  # keep the orientation the camera meant, then drop EXIF
            image.thumbnail((DISPLAY_MAX, DISPLAY_MAX))
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.info.pop("comment", None)  # Pillow would copy a JPEG's comment into the copy
            image.save(out, format="JPEG", quality=82, optimize=True)  # no exif= : the copy carries none
            width, height = image.size
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError) as exc:
        raise ValidationError(
            _("“%(name)s”不是有效的照片文件（%(name2)s），请重新拍摄或选择照片。")
            % {"name": upload.name, "name2": type(exc).__name__}
        ) from exc
    upload.seek(0)
    ext = ALLOWED[fmt]
    original = File(upload, name=f"{name_hint}.{ext}")  # storage copies it in chunks
    return CheckedPhoto(
        original=original,
        display=ContentFile(out.getvalue(), name=f"{name_hint}.jpg"),
        width=width,
        height=height,
        sha256=digest.hexdigest(),
        lng=lng,
        lat=lat,
        taken_at=taken,
    )
