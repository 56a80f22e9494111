"""What a person types about trainings and 回头看 rounds. Dates are parsed by the actions (excel.values:
"2020-11-3"), so the page and any other caller get the same Chinese sentence for a wrong value."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.households.models import RoundKind, TargetResult
from zhili.households.rounds_queries import OPEN

DATE = {"type": "date"}


class TrainingForm(forms.Form):
    title = forms.CharField(label=_("培训主题"), max_length=200)
    held_on = forms.CharField(label=_("培训日期"), max_length=20, widget=forms.DateInput(attrs=DATE))
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AttendanceForm(forms.Form):
    """Who attended: the people offered are the subdistrict's assistance officers and its people with a role."""

    people = forms.MultipleChoiceField(
        label=_("参训人员"), required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"})
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(str(p.pk), p.get_full_name()) for p in people]


class RoundForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=RoundKind.choices)
    starts_on = forms.CharField(label=_("开始日期"), max_length=20, widget=forms.DateInput(attrs=DATE))
    ends_on = forms.CharField(label=_("截止日期"), max_length=20, widget=forms.DateInput(attrs=DATE))
    items = forms.MultipleChoiceField(
        label=_("核查项目"), required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"})
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(str(i.pk), f"{i.group} · {i.name}") for i in items]


class AssignForm(forms.Form):
    """Whom to check: whole villages, or households — of villages, of a category, or listed by their numbers."""

    WHAT = [("households", _("按户核查")), ("villages", _("整村核查"))]

    what = forms.ChoiceField(label=_("核查对象"), choices=WHAT, initial="households", widget=forms.RadioSelect)
    villages = forms.MultipleChoiceField(
        label=_("村（社区）"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    category = forms.ChoiceField(label=_("户类别"), required=False)
    numbers = forms.CharField(
        label=_("户编号"),
        required=False,
        max_length=20000,
        help_text=_("每行一个户编号（按户核查时可与村、户类别同时使用）。"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, villages, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].choices = [(v.code, v.name) for v in villages]
        self.fields["category"].choices = [("", _("（不限）")), *[(str(c.pk), c.name) for c in categories]]

    def numbers_list(self) -> list[str]:
        raw = self.cleaned_data.get("numbers") or ""
        return [n.strip() for n in raw.replace("，", "\n").replace(",", "\n").splitlines() if n.strip()]


class ResultForm(forms.Form):
    revision = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    client_ref = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    result = forms.ChoiceField(
        label=_("核查结果"),
        choices=[(TargetResult.PASSED, TargetResult.PASSED.label), (TargetResult.FOUND, TargetResult.FOUND.label)],
        widget=forms.RadioSelect,
    )
    checked_on = forms.CharField(label=_("核查日期"), max_length=20, widget=forms.DateInput(attrs=DATE))
    note = forms.CharField(
        label=_("情况说明"),
        max_length=500,
        required=False,
        help_text=_("发现问题时必填：问题是什么，涉及哪一项。"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TargetFilterForm(forms.Form):
    RESULTS = [
        ("", _("全部")),
        (TargetResult.PENDING, TargetResult.PENDING.label),
        (TargetResult.PASSED, TargetResult.PASSED.label),
        (TargetResult.FOUND, TargetResult.FOUND.label),
        (OPEN, _("问题未销号")),
    ]

    village = forms.CharField(label=_("村（社区）"), required=False, max_length=30)
    result = forms.ChoiceField(label=_("结果"), required=False, choices=RESULTS)
    page = forms.IntegerField(required=False, min_value=1, max_value=100000)
