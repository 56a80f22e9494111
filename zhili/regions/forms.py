from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

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
                _("边界不是有效的 GeoJSON（第 %(lineno)s 行第 %(colno)s 列附近有误）。")
                % {"lineno": exc.lineno, "colno": exc.colno}
            ) from None
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        problem = validate_geometry(data)
        if problem:
            raise forms.ValidationError(problem)
        return data


class RegionEditForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    center_lng = forms.DecimalField(
        label=_("中心经度"), max_digits=10, decimal_places=6, required=False, min_value=73, max_value=136
    )
    center_lat = forms.DecimalField(
        label=_("中心纬度"), max_digits=10, decimal_places=6, required=False, min_value=3, max_value=54
    )
    boundary = BoundaryField(label=_("边界（GeoJSON，WGS-84，经度在前）"), required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)
    reason = forms.CharField(label=_("修改原因"), max_length=500, required=False)


class RegionCreateForm(RegionEditForm):
    code = forms.CharField(label=_("区划代码"), max_length=20)
    valid_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["code", "name"]


class MergeForm(forms.Form):
    villages = forms.ModelMultipleChoiceField(
        label=_("参与合并的村（社区）"), queryset=Region.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    code = forms.CharField(label=_("新村代码"), max_length=20)
    name = forms.CharField(label=_("新村名称"), max_length=100)
    on = forms.DateField(label=_("合并生效日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("依据（文件文号等）"), max_length=500)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].queryset = villages
