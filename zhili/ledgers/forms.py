from __future__ import annotations

from django import forms

from zhili.core import errors
from zhili.imports.forms import ImportForm as _ImportForm
from zhili.ledgers.models import FieldType

BIGINT = 2**63 - 1  # the largest id, revision or count a database column holds


class ImportForm(_ImportForm):
    file = forms.FileField(label="台账文件", help_text="支持 .xlsx、.xls、.ods、.csv；先预览，确认后才写入。")


def int_param(raw: str | None, what: str, *, minimum: int = 0, default: int | None = None) -> int:
    """An integer a page was sent (a page number, a revision), or a 400 with a sentence: never a value beyond
    what the database holds, a negative one, or text."""
    text = (raw or "").strip()
    if not text and default is not None:
        return default
    if not (text.isascii() and text.isdigit()) or not minimum <= int(text) <= BIGINT:
        raise errors.Invalid(f"{what}应为 {minimum} 到 {BIGINT} 之间的整数，收到的是“{text[:30]}”。")
    return int(text)


def page_number(raw: str | None) -> int:
    return int_param(raw, "页码", minimum=1, default=1)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500)


class DefinitionUploadForm(forms.Form):
    file = forms.FileField(label="台账定义文件（YAML 或 JSON）")


def row_form_fields(version, initial: dict | None = None):
    """Plain text inputs named by field key: what a person types goes through the same parsing as a file."""
    out = []
    for f in version.fields:
        value = (initial or {}).get(f["key"], "")
        if f["type"] == FieldType.BOOL and value != "":
            value = "是" if value else "否"
        out.append(
            {
                "key": f["key"],
                "label": f["label"],
                "type": f["type"],
                "required": f.get("required"),
                "unit": f.get("unit", ""),
                "choices": f.get("choices", []),
                "value": "" if value is None else value,
            }
        )
    return out
