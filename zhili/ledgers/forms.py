from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.core import errors
from zhili.excel import values
from zhili.imports.forms import ImportForm as _ImportForm
from zhili.ledgers.models import FieldType, RowLevel

BIGINT = 2**63 - 1  # the largest id, revision or count a database column holds


class ImportForm(_ImportForm):
    file = forms.FileField(label=_("台账文件"), help_text=_("支持 .xlsx、.xls、.ods、.csv；先预览，确认后才写入。"))


def int_param(raw: str | None, what: str, *, minimum: int = 0, default: int | None = None) -> int:
    """An integer a page was sent (a page number, a revision), or a 400 with a sentence: never a value beyond
    what the database holds, a negative one, or text."""
    text = (raw or "").strip()
    if not text and default is not None:
        return default
    if not (text.isascii() and text.isdigit()) or not minimum <= int(text) <= BIGINT:
        raise errors.Invalid(
            _("%(what)s应为 %(minimum)s 到 %(BIGINT)s 之间的整数，收到的是“%(v)s”。")
            % {"what": what, "minimum": minimum, "BIGINT": BIGINT, "v": text[:30]}
        )
    return int(text)


def page_number(raw: str | None) -> int:
    return int_param(raw, "页码", minimum=1, default=1)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500)


class DefinitionUploadForm(forms.Form):
    file = forms.FileField(label=_("台账定义文件（YAML 或 JSON）"))


def row_form_fields(version, initial: dict | None = None, *, region=None):
    """Inputs named by field key: what a person types goes through the same parsing as a file. Dates are date
    pickers (ISO, which `type=date` needs) unless the value is an office's spelling the picker cannot show — then
    a text box keeps it as typed, and the server reads it as it reads a file. `region`: the one village (or grid)
    the person may write (ledgers.queries.only_region) — the region field is filled in and shown, not asked."""
    out = []
    for f in version.fields:
        value = (initial or {}).get(f["key"], "")
        if f["type"] == FieldType.BOOL and value != "":
            value = "是" if value else "否"
        value = "" if value is None else value
        field = {
            "key": f["key"],
            "label": f["label"],
            "type": f["type"],
            "required": f.get("required"),
            "unit": f.get("unit", ""),
            "choices": f.get("choices", []),
            "value": value,
        }
        if f["type"] == FieldType.DATE:
            field["picker"] = value == "" or _iso_date(value) is not None
            field["value"] = _iso_date(value) or value
        if f["type"] == FieldType.REGION and region is not None:
            field["fixed"], field["value"] = region.name, region.code
        out.append(field)
    return out


def _iso_date(value) -> str | None:
    """An office's spelling of a date (2020.5.12, 2020年5月12日, an Excel serial) as ISO, or None."""
    try:
        parsed = values.parse_date(value).value
    except values.ValueProblem:
        return None
    return parsed.isoformat() if parsed else None


# ---- definitions edited field by field: a ledger proposed from a file, and an existing ledger's fields ----------

_CHOICE_SEPARATORS = re.compile(r"[、,，;；\n\r]+")


class InferUploadForm(forms.Form):
    file = forms.FileField(
        label=_("办公室现有的台账表格"),
        help_text=_(
            "支持 .xlsx、.xls、.ods、.csv。按表头和前 5000 行推断字段，保存前可逐项修改；保存后用同一个文件导入。"
        ),
    )


class FieldForm(forms.Form):
    """One field of a definition as a person adjusts it: what the table shows, the rest kept from the field it
    was (decimals, bounds, aliases — `definition_from`)."""

    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=60)
    label = forms.CharField(label=_("名称"), max_length=100)
    type = forms.ChoiceField(label=_("类型"), choices=FieldType.choices)
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    choices = forms.CharField(label=_("选项"), max_length=4000, required=False, help_text=_("用顿号或逗号分隔"))
    required = forms.BooleanField(label=_("必填"), required=False)
    is_key = forms.BooleanField(label=_("唯一键"), required=False)

    def clean_choices(self) -> list[str]:
        parts = _CHOICE_SEPARATORS.split(self.cleaned_data.get("choices") or "")
        return list(dict.fromkeys(p.strip() for p in parts if p.strip()))

    def clean(self):
        data = super().clean()
        if data.get("type") == FieldType.CHOICE and not data.get("choices"):
            self.add_error("choices", _("选项类型的字段需要列出可选值（用顿号分隔）。"))
        return data


FieldFormSet = forms.formset_factory(
    FieldForm, extra=0, can_delete=True, can_order=True, max_num=200, validate_max=True, absolute_max=200
)

EditFieldFormSet = forms.formset_factory(
    FieldForm, extra=1, can_delete=True, can_order=True, max_num=200, validate_max=True, absolute_max=200
)


def field_initial(fields: list[dict], key: list[str]) -> list[dict]:
    return [
        {
            "key": f["key"],
            "label": f["label"],
            "type": f["type"],
            "unit": f.get("unit", ""),
            "choices": "、".join(f.get("choices", [])),
            "required": bool(f.get("required")),
            "is_key": f["key"] in key,
        }
        for f in fields
    ]


_NUMBER_ONLY = ("unit", "decimals", "min", "max")


def definition_from(formset, base: list[dict]) -> tuple[list[dict], list[str]]:
    """The fields in the person's order (removed ones left out) and the key: each field is the one it was in
    `base` (by key) with what the person changed — a renamed field keeps its old label as an alias, so the
    office's file (and files sent before) still find it —; a new field gets a key made from its label."""
    from zhili.ledgers.infer import key_for_label

    by_key = {f["key"]: f for f in base}
    taken = {form.cleaned_data.get("key") for form in formset.ordered_forms} & set(by_key)
    fields, key = [], []
    for form in formset.ordered_forms:
        data = form.cleaned_data
        was = by_key.get(data.get("key") or "")
        f = dict(was) if was else {}
        if not was:
            f["key"] = key_for_label(data["label"], data["type"], taken)  # type: ignore[arg-type]
        t = data["type"]
        if was and was["type"] != t:
            for k in (*_NUMBER_ONLY, "choices", "sensitive"):
                f.pop(k, None)
        label = data["label"].strip()
        if was and was["label"] != label and was["label"] not in f.get("aliases", []):
            f["aliases"] = [*f.get("aliases", []), was["label"]]  # files keep their header: they still import
        f.update(label=label, type=t, required=data["required"])
        if t in (FieldType.INTEGER, FieldType.DECIMAL) and data["unit"].strip():
            f["unit"] = data["unit"].strip()
        else:
            f.pop("unit", None)
        if t == FieldType.DECIMAL:
            f.setdefault("decimals", 2)
        if t == FieldType.CHOICE:
            f["choices"] = data["choices"]
        if t == FieldType.ID_NUMBER:
            f.setdefault("sensitive", True)
        fields.append(f)
        if data["is_key"]:
            key.append(f["key"])
    return fields, key


class NewLedgerForm(forms.Form):
    code = forms.SlugField(
        label=_("台账代码"),
        max_length=50,
        help_text=_("英文小写字母、数字和短横线，如 gas-conversion；保存后不能修改。"),
    )
    name = forms.CharField(label=_("台账名称"), max_length=100)
    level = forms.ChoiceField(label=_("行级别"), choices=RowLevel.choices, help_text=_("每一行记录的是什么。"))
    unit = forms.ChoiceField(label=_("主管单位"), required=False)

    def __init__(self, *args, units=(), may_leave_unowned: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        none = [("", "（无，由街道领导管理）")] if may_leave_unowned else []
        self.fields["unit"].choices = none + [(u.code, u.name) for u in units]


class DefinitionEditForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=BIGINT)
    note = forms.CharField(label=_("修改说明"), max_length=300, required=False)
