"""An office's spreadsheet kept between the steps of "从表格新建台账": uploaded once, its fields proposed and
adjusted, then the ledger defined and this same file imported through the usual preview — never uploaded again.

A draft is a file in the default storage under `ledger-drafts/<person id>/<token>/`, the token 32 random hex
digits: only the person who uploaded it finds it (`find` looks under their own id), it holds nothing the
database knows of, and a draft left for more than a day is removed the next time that person uploads one.
Once the ledger is defined, the import job keeps its own copy (zhili.imports) and the draft is discarded.
"""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core import errors

ROOT = "ledger-drafts"
MAX_AGE = datetime.timedelta(days=1)
TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Draft:
    token: str
    name: str  # in the storage
    filename: str  # as the person named it

    def open(self) -> File:
        return File(default_storage.open(self.name, "rb"), name=self.filename)


def _folder(person_id: int, token: str = "") -> str:
    return f"{ROOT}/{person_id}/{token}".rstrip("/")


def keep(upload, person) -> Draft:
    """Store `upload` as a new draft of `person` (and forget their drafts older than MAX_AGE)."""
    limit = settings.ZHILI_IMPORT_MAX_MB * 1024 * 1024
    errors.require(
        upload.size <= limit,
        _("文件大小 %(v)s MB 超过上限 %(ZHILI_IMPORT_MAX_MB)s MB，请拆分后再上传。")
        % {"v": format(upload.size / 1048576, ".0f"), "ZHILI_IMPORT_MAX_MB": settings.ZHILI_IMPORT_MAX_MB},
        errors.Invalid,
    )
    _sweep(person.pk)
    token = secrets.token_hex(16)
    filename = PurePosixPath(upload.name or "表格.xlsx").name[:200]
    upload.seek(0)
    name = default_storage.save(f"{_folder(person.pk, token)}/{filename}", upload)
    return Draft(token, name, filename)


def find(token: str, person) -> Draft:
    """`person`'s draft `token`, or 404: someone else's token finds nothing."""
    if TOKEN.match(token or ""):
        folder = _folder(person.pk, token)
        try:
            _dirs, files = default_storage.listdir(folder)
        except FileNotFoundError:
            files = []
        if files:
            return Draft(token, f"{folder}/{files[0]}", files[0])
    raise errors.NotFound(_("这份上传的表格已不存在（超过一天或已导入），请重新上传。"))


def discard(draft: Draft) -> None:
    default_storage.delete(draft.name)


def _sweep(person_id: int) -> None:
    folder = _folder(person_id)
    try:
        tokens, _files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - MAX_AGE
    for token in tokens:
        try:
            _dirs, files = default_storage.listdir(f"{folder}/{token}")
            for name in files:
                path = f"{folder}/{token}/{name}"
                if default_storage.get_modified_time(path) < cutoff:
                    default_storage.delete(path)
        except FileNotFoundError:
            continue
