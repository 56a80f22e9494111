from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class BoundariesForm(forms.Form):
    boundaries = forms.FileField(
        label=_("边界文件"),
        help_text=_(
            "GeoJSON（.geojson）或 KML（.kml）：每个村（社区）或网格一个面，按代码或名称对应（网格写成“村名/网格名”）。"
        ),
    )
