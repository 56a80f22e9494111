from __future__ import annotations

import json

from django import forms

from zhili.people.models import ChainLevel, Person
from zhili.regions.geo import validate_geometry
from zhili.regions.models import Region


class BoundaryField(forms.CharField):
    """GeoJSON geometry typed or pasted as text; a Feature is accepted and its geometry kept."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            data = json.loads(value)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"边界不是有效的 GeoJSON（第 {exc.lineno} 行第 {exc.colno} 列附近有误）。"
            ) from None
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        problem = validate_geometry(data)
        if problem:
            raise forms.ValidationError(problem)
        return data


class RegionEditForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    center_lng = forms.DecimalField(
        label="中心经度", max_digits=10, decimal_places=6, required=False, min_value=73, max_value=136
    )
    center_lat = forms.DecimalField(
        label="中心纬度", max_digits=10, decimal_places=6, required=False, min_value=3, max_value=54
    )
    boundary = BoundaryField(label="边界（GeoJSON，WGS-84，经度在前）", required=False)
    note = forms.CharField(label="备注", max_length=300, required=False)
    reason = forms.CharField(label="修改原因", max_length=500, required=False)


class RegionCreateForm(RegionEditForm):
    code = forms.CharField(label="区划代码", max_length=20)
    valid_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["code", "name"]


class MergeForm(forms.Form):
    villages = forms.ModelMultipleChoiceField(
        label="参与合并的村（社区）", queryset=Region.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    code = forms.CharField(label="新村代码", max_length=20)
    name = forms.CharField(label="新村名称", max_length=100)
    on = forms.DateField(label="合并生效日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="依据（文件文号等）", max_length=500)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].queryset = villages


class ChainLinkForm(forms.Form):
    level = forms.ModelChoiceField(label="联包层级", queryset=ChainLevel.objects.none())
    person = forms.ModelChoiceField(label="系统内人员", queryset=Person.objects.none(), required=False)
    contact_name = forms.CharField(label="或填写联系人姓名", max_length=50, required=False)
    contact_phone = forms.RegexField(
        label="联系电话",
        regex=r"^[\d-]{7,20}$",
        required=False,
        error_messages={"invalid": "电话号码只能包含数字和短横线。"},
    )

    def __init__(self, *args, levels, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = levels
        self.fields["person"].queryset = people

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("contact_name") or "").strip():
            raise forms.ValidationError("请选择系统内人员，或填写联系人姓名。")
        return data
