from __future__ import annotations

from django import forms

from zhili.ledgers.models import FieldType


class ImportForm(forms.Form):
    file = forms.FileField(label="台账文件", help_text="支持 .xlsx、.xls、.ods、.csv；先预览，确认后才写入。")


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
