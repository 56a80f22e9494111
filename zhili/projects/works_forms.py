"""What a person types about a public work: advancing a stage, a milestone with its photo, the funds. Dates and
amounts are parsed by the actions (excel.values: "2020-11-3", "1,234.5万"), so the page and any other caller
get the same Chinese sentence for a wrong value."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.projects.models import WorkKind, WorkStageName


class FilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("全部")), *WorkKind.choices])
    village = forms.CharField(label=_("村（社区）"), required=False, max_length=30)
    late = forms.BooleanField(label=_("只看滞后"), required=False)


class AdvanceForm(forms.Form):
    stage = forms.ChoiceField(choices=WorkStageName.choices, widget=forms.HiddenInput)
    revision = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    day = forms.CharField(label=_("实际日期"), max_length=20, widget=forms.DateInput(attrs={"type": "date"}))


class MilestoneForm(forms.Form):
    day = forms.CharField(label=_("日期"), max_length=20, widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("节点"), max_length=200)
    note = forms.CharField(label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.FileField(
        label=_("照片"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )


class FundsForm(forms.Form):
    revision = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    funds_planned = forms.CharField(label=_("计划资金（万元）"), max_length=30, required=False)
    funds_allocated = forms.CharField(label=_("已拨付（万元）"), max_length=30, required=False)
    funds_spent = forms.CharField(label=_("已支出（万元）"), max_length=30, required=False)


class WorkForm(forms.Form):
    """Register or change a work: its name, kind, village (or the subdistrict itself), responsible office and
    person, the planned date of each of the seven stages and the planned funds. The choices are the ones the page
    offers (the subdistrict's villages, the offices this person may register for, its leaders and officers); the
    dates and the amount are checked by works_actions.do_save_work."""

    villages: dict  # code → village offered, set by the page

    revision = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("工程名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类别"), choices=WorkKind.choices)
    region = forms.ChoiceField(label=_("所在村"), required=False)
    unit = forms.ChoiceField(label=_("责任单位"))
    person = forms.ChoiceField(label=_("责任人"), required=False)
    funds_planned = forms.CharField(label=_("计划资金（万元）"), max_length=30, required=False)
    note = forms.CharField(label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, subdistrict, villages, units, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [
            ("", _("%(name)s（街道本身）") % {"name": subdistrict.name}),
            *[(v.code, v.name) for v in villages],
        ]
        self.fields["unit"].choices = [(str(u.pk), u.name) for u in units]
        self.fields["person"].choices = [
            ("", _("（未指定）")),
            *[(str(p.pk), p.full_name or p.username) for p in people],
        ]
        for stage, label in WorkStageName.choices:
            self.fields[f"planned_{stage}"] = forms.CharField(
                label=_("%(stage)s计划日期") % {"stage": label},
                max_length=20,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        self.order_fields(
            ["revision", "name", "kind", "region", "unit", "person"]
            + [f"planned_{s}" for s in WorkStageName.values]
            + ["funds_planned", "note"]
        )
