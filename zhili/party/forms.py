"""What a person types about party work. Dates are parsed by the actions (excel.values: "2020-11-3"), so the page
and any other caller get the same Chinese sentence for a wrong value; every 400 of a page comes from here or from
an action's Invalid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.core import clock
from zhili.party.models import Frequency, MeetingKind, MemberStatus, Sex, TalkPost

DATE = forms.DateInput(attrs={"type": "date"})
REVISION = {"min_value": 1, "max_value": 2**31 - 1, "required": False, "widget": forms.HiddenInput}


def errors_of(form: forms.Form) -> list[str]:
    return [e for es in form.errors.values() for e in es]


class OverviewForm(forms.Form):
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    village = forms.CharField(required=False, max_length=30)
    light = forms.ChoiceField(
        required=False, choices=[("", ""), ("red", "red"), ("yellow", "yellow"), ("green", "green")]
    )

    def year_or_today(self) -> int:
        return self.cleaned_data.get("year") or clock.today().year


class YearForm(forms.Form):
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)

    def year_or_today(self) -> int:
        return self.cleaned_data.get("year") or clock.today().year


class MeetingForm(forms.Form):
    revision = forms.IntegerField(**REVISION)
    kind = forms.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices)
    day = forms.CharField(label=_("日期"), max_length=20, widget=DATE)
    topic = forms.CharField(label=_("主题"), max_length=200)
    attendees = forms.MultipleChoiceField(
        label=_("参会党员"), required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"})
    )
    minutes = forms.FileField(
        label=_("会议记录（照片或文件）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx"}),
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        # any number is accepted here: the action refuses, with its sentence, one that is not this branch's member
        self.fields["attendees"].choices = [(str(m.pk), m.name) for m in members]
        self.fields["attendees"].valid_value = lambda value: str(value).isdigit() and len(str(value)) < 12


class MemberForm(forms.Form):
    revision = forms.IntegerField(**REVISION)
    name = forms.CharField(label=_("姓名"), max_length=50)
    sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices)
    joined = forms.CharField(label=_("入党时间"), max_length=20, widget=DATE)
    status = forms.ChoiceField(label=_("党员类别"), choices=MemberStatus.choices)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("移出原因"), max_length=500)


class TalkForm(forms.Form):
    village = forms.ChoiceField(label=_("村（社区）"))
    person_name = forms.CharField(label=_("谈话对象"), max_length=50)
    post = forms.ChoiceField(label=_("职务"), choices=TalkPost.choices)
    day = forms.CharField(label=_("谈话日期"), max_length=20, widget=DATE)
    talker = forms.CharField(label=_("谈话人"), max_length=100)
    summary = forms.CharField(
        label=_("谈话要点"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(v.code, v.name) for v in villages]


class GooseForm(forms.Form):
    village = forms.ChoiceField(label=_("村（社区）"))
    name = forms.CharField(label=_("姓名"), max_length=50)
    post = forms.CharField(label=_("职务"), max_length=50)
    since = forms.CharField(label=_("任职时间"), max_length=20, required=False, widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(v.code, v.name) for v in villages]


class SetupForm(forms.Form):
    revision = forms.IntegerField(**REVISION)
    unit = forms.ChoiceField(label=_("负责科室"), required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("（未指定）")), *[(str(u.pk), u.name) for u in units]]
        for kind, label in MeetingKind.choices:
            self.fields[f"freq_{kind}"] = forms.ChoiceField(
                label=_("%(kind)s频次要求") % {"kind": label}, choices=Frequency.choices
            )
