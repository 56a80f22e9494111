"""What a person types about review meetings and 督办 items; every 400 of those pages comes from here or from an
action's Invalid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.bulletins.models import DecisionStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REVISION = {"min_value": 1, "max_value": 2**31 - 1, "required": False, "widget": forms.HiddenInput}


def errors_of(form: forms.Form) -> list[str]:
    return [e for es in form.errors.values() for e in es]


class MeetingForm(forms.Form):
    week = forms.ChoiceField(label=_("点评周次"))
    held_on = forms.DateField(label=_("会议日期"), widget=DATE)
    title = forms.CharField(label=_("会议名称（可不填）"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("会议纪要"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, weeks: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week"].choices = weeks


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("督办事项"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ChoiceField(label=_("责任单位"))
    deadline = forms.DateField(label=_("办结时限"), widget=DATE)
    indicator = forms.ChoiceField(label=_("相关指标（可不选）"), required=False)
    indicator_code = forms.CharField(label=_("或填写指标编号"), max_length=30, required=False)
    case_number = forms.CharField(label=_("相关事件编号（可不填）"), max_length=20, required=False)

    def __init__(self, *args, units, villages, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", "—"),
            (_("科室"), [(f"unit:{u.pk}", u.name) for u in units]),
            (_("村（社区）"), [(f"village:{v.pk}", v.name) for v in villages]),
        ]
        self.fields["indicator"].choices = [("", "—")] + [(str(i.pk), f"{i.code} {i.name}") for i in indicators]


class ReportForm(forms.Form):
    revision = forms.IntegerField(**REVISION)
    report = forms.CharField(label=_("办结情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    revision = forms.IntegerField(**REVISION)


class ReturnForm(forms.Form):
    revision = forms.IntegerField(**REVISION)
    reason = forms.CharField(label=_("退回原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionFilter(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *DecisionStatus.choices])
    owner = forms.CharField(required=False, max_length=30)
    mine = forms.BooleanField(label=_("只看本单位"), required=False)
