"""What a person typed on the household pages: every 400 of a page comes from here, with its sentence."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.cases.forms import MultipleFileInput, PhotosField
from zhili.core import clock
from zhili.households.listing import HouseholdFilter
from zhili.households.models import CheckState, RevealField
from zhili.targets.forms import OfficeDateField

MAX_DAYS = 3650


def errors_of(form: forms.Form) -> list[str]:
    return [e for es in form.errors.values() for e in es]


def _int(label, *, min_value=1, max_value=2**31 - 1, required=False):
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=min_value,
        max_value=max_value,
        error_messages={
            "invalid": _("%(label)s应为整数。") % {"label": label},
            "min_value": _("%(label)s超出范围。") % {"label": label},
            "max_value": _("%(label)s超出范围。") % {"label": label},
            "required": _("请填写%(label)s。") % {"label": label},
        },
    )


def _days(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        error_messages={
            "invalid": _("天数应为 1 至 3650 之间的整数。"),
            "min_value": _("天数应为 1 至 3650 之间的整数。"),
            "max_value": _("天数应为 1 至 3650 之间的整数。"),
        },
    )


class HouseholdFilterForm(forms.Form):
    village = forms.CharField(required=False, max_length=40)
    category = _int(_("户类别"))
    officer = _int(_("帮扶责任人"), min_value=0)
    stale = _days(_("未走访天数"))
    visited = _days(_("已走访天数"))
    failing = forms.BooleanField(required=False)
    item = _int(_("核查项目"))
    q = forms.CharField(required=False, max_length=50, error_messages={"max_length": _("关键词不超过50个字。")})
    page = _int(_("页码"), max_value=100000)

    def filters(self) -> HouseholdFilter:
        d = self.cleaned_data
        return HouseholdFilter(
            village=d["village"].strip(),
            category=d["category"],
            officer=d["officer"],
            stale_days=d["stale"],
            visited_days=d["visited"],
            failing=d["failing"],
            item=d["item"],
            q=d["q"].strip(),
        )


class DaysForm(forms.Form):
    days = _days(_("遍访周期（天）"))


class VisitForm(forms.Form):
    visited_on = OfficeDateField(
        label=_("走访日期"), error_messages={"required": _("请填写走访日期。"), "invalid": _("走访日期无效。")}
    )
    findings = forms.CharField(
        label=_("走访情况"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("走访情况最多 2000 字。")},
        help_text=_("见到了谁、家里情况、群众反映的困难。"),
    )
    photos = PhotosField(
        label=_("现场照片"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    raise_case = forms.BooleanField(
        label=_("上报为问题"), required=False, help_text=_("走访发现的问题转为网格事件，跟踪办结（问题清零）。")
    )
    lng = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    lat = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    client_ref = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    @classmethod
    def blank(cls) -> VisitForm:
        return cls(initial={"visited_on": clock.today(), "client_ref": secrets.token_urlsafe(12)})


class CheckForm(forms.Form):
    item = _int(_("核查项目"), required=True)
    state = forms.ChoiceField(
        label=_("核查结果"), choices=CheckState.choices, error_messages={"invalid_choice": _("请选择核查结果。")}
    )
    evidence = forms.CharField(
        label=_("佐证/说明"), required=False, max_length=500, error_messages={"max_length": _("佐证/说明最多 500 字。")}
    )
    checked_on = OfficeDateField(label=_("核查日期"), required=False, error_messages={"invalid": _("核查日期无效。")})
    revision = _int(_("版本"), min_value=0)
    raise_case = forms.BooleanField(label=_("上报为问题"), required=False)

    def clean(self):
        """The household page sends, for each item, the revision of its check it showed (`revision-<item>`; 0 when
        there was none): the one of the chosen item is the revision the save is checked against."""
        d = super().clean()
        if d.get("revision") is None and d.get("item") is not None:
            shown = str(self.data.get(f"revision-{d['item']}", "")).strip()
            if shown:
                if not shown.isdigit():
                    raise forms.ValidationError(_("版本无效：请刷新后再改。"))
                d["revision"] = int(shown)
        return d


class MeasureForm(forms.Form):
    kind = forms.CharField(
        label=_("措施"),
        max_length=60,
        help_text=_("如：粉刷墙面、吊顶、添置家具、危房改造。"),
        error_messages={"required": _("请填写措施。"), "max_length": _("措施最多 60 字。")},
    )
    description = forms.CharField(
        label=_("内容"), required=False, max_length=500, error_messages={"max_length": _("内容最多 500 字。")}
    )
    cost = forms.DecimalField(
        label=_("费用（元）"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        error_messages={
            "invalid": _("费用应为金额，如 1200 或 1200.50。"),
            "min_value": _("费用不能为负数。"),
            "max_digits": _("费用过大，请核对（单位：元）。"),
            "max_decimal_places": _("费用最多两位小数。"),
            "max_whole_digits": _("费用过大，请核对（单位：元）。"),
        },
    )
    done_on = OfficeDateField(
        label=_("完成日期"), error_messages={"required": _("请填写完成日期。"), "invalid": _("完成日期无效。")}
    )


class OfficerForm(forms.Form):
    officer = _int(_("帮扶责任人"), min_value=0)
    revision = _int(_("版本"), min_value=0)


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        choices=RevealField.choices, error_messages={"invalid_choice": _("只能查看身份证号或联系电话。")}
    )
    member = _int(_("家庭成员"))
    reason = forms.CharField(
        label=_("查看原因"),
        max_length=200,
        error_messages={
            "required": _("请说明查看的原因（例如：核对医保参保信息）。"),
            "max_length": _("查看原因最多 200 字。"),
        },
    )
