"""What a person sent on the office-duty pages: every 400 of a page comes from here, with its sentence."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhili.core import clock

YEARS = (2000, 2100)


def errors_of(form: forms.Form) -> list[str]:
    return [e for es in form.errors.values() for e in es]


class SignInForm(forms.Form):
    """The sign-in button's form: the phone's location (filled by cases.js), a note; `person` — a cadre's id —
    is read only to refuse a sign-in for somebody else."""

    lng = forms.CharField(required=False, max_length=20)
    lat = forms.CharField(required=False, max_length=20)
    note = forms.CharField(
        required=False, max_length=200, error_messages={"max_length": _("备注不超过200个字。")}, label=_("备注")
    )
    person = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        error_messages={
            "invalid": _("签到人应为编号。"),
            "min_value": _("签到人应为编号。"),
            "max_value": _("签到人应为编号。"),
        },
    )


class MonthForm(forms.Form):
    month = forms.CharField(required=False, max_length=7)

    def clean_month(self) -> datetime.date:
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return clock.today().replace(day=1)
        found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if not found or not (YEARS[0] <= int(found[1]) <= YEARS[1]) or not (1 <= int(found[2]) <= 12):
            raise ValidationError(_("月份应写作“年-月”，如 2020-11。"))
        return datetime.date(int(found[1]), int(found[2]), 1)


class SetupForm(forms.Form):
    radius_m = forms.IntegerField(
        label=_("签到范围（米）"),
        min_value=50,
        max_value=5000,
        error_messages={
            "required": _("请填写签到范围（米）。"),
            "invalid": _("签到范围应为整数（米）。"),
            "min_value": _("签到范围应在 50 至 5000 米之间。"),
            "max_value": _("签到范围应在 50 至 5000 米之间。"),
        },
    )
    late_after = forms.TimeField(
        label=_("迟到时间（晚于此时签到为迟到）"),
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("请填写迟到时间。"), "invalid": _("迟到时间应写作“时:分”，如 09:00。")},
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class OfficeForm(forms.Form):
    lng = forms.DecimalField(
        label=_("经度"),
        max_digits=10,
        decimal_places=6,
        error_messages={"required": _("请填写经度。"), "invalid": _("经度应为数字，如 117.05。")},
    )
    lat = forms.DecimalField(
        label=_("纬度"),
        max_digits=10,
        decimal_places=6,
        error_messages={"required": _("请填写纬度。"), "invalid": _("纬度应为数字，如 36.95。")},
    )
