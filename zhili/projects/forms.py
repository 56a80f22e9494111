"""What a person typed on the projects pages: every 400 of a page comes from here, with its sentence."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhili.core import clock
from zhili.people.models import Person, RoleAssignment, Unit
from zhili.projects import actions
from zhili.projects.models import MANAGEMENT_CHOICES, METHOD_CHOICES, EnterpriseStatus, ProjectStatus, TaxSetup
from zhili.projects.queries import ProjectFilter, ReceiptFilter
from zhili.regions.models import Level, Region
from zhili.targets.forms import OfficeDateField

YEARS = (2000, 2100)
TRI = [("", _("全部")), ("1", _("是")), ("0", _("否"))]


def errors_of(form: forms.Form) -> list[str]:
    return [e for es in form.errors.values() for e in es]


def _tri(value: str) -> bool | None:
    return None if value == "" else value == "1"


class YearField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("年份"),
            required=False,
            min_value=YEARS[0],
            max_value=YEARS[1],
            error_messages={
                "invalid": _("年份应为四位数字，如 2020。"),
                "min_value": _("年份应在 2000 至 2100 之间。"),
                "max_value": _("年份应在 2000 至 2100 之间。"),
            },
            **kwargs,
        )


class PageField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            min_value=1,
            max_value=100000,
            error_messages={
                "invalid": _("页码应为正整数。"),
                "min_value": _("页码应为正整数。"),
                "max_value": _("页码超出范围。"),
            },
            **kwargs,
        )


class MonthField(forms.CharField):
    """A month as YYYY-MM (what the month picker sends), cleaned to its first day."""

    def __init__(self, **kwargs):
        super().__init__(label=_("月份"), required=False, max_length=7, **kwargs)

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if not found or not (YEARS[0] <= int(found[1]) <= YEARS[1]) or not (1 <= int(found[2]) <= 12):
            raise ValidationError(_("月份应写作“年-月”，如 2020-06。"))
        return datetime.date(int(found[1]), int(found[2]), 1)


class YearForm(forms.Form):
    year = YearField()

    def year_or_today(self) -> int:
        return self.cleaned_data.get("year") or clock.today().year


class ProjectFilterForm(forms.Form):
    village = forms.CharField(required=False, max_length=40)
    status = forms.ChoiceField(
        required=False,
        choices=[("", _("全部")), *ProjectStatus.choices],
        error_messages={"invalid_choice": _("请选择项目状态。")},
    )
    in_park = forms.ChoiceField(required=False, choices=TRI, error_messages={"invalid_choice": _("请选择是或否。")})
    registered = forms.ChoiceField(required=False, choices=TRI, error_messages={"invalid_choice": _("请选择是或否。")})
    unregistered = forms.BooleanField(required=False)
    leaves = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=100, error_messages={"max_length": _("关键词不超过100个字。")})
    page = PageField()

    def filters(self) -> ProjectFilter:
        d = self.cleaned_data
        return ProjectFilter(
            village=d["village"],
            status=d["status"],
            in_park=_tri(d["in_park"]),
            registered=_tri(d["registered"]),
            unregistered=d["unregistered"],
            leaves=d["leaves"],
            q=d["q"].strip(),
        )


class ReceiptFilterForm(YearForm):
    month = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=12,
        error_messages={
            "invalid": _("月份应为 1 至 12。"),
            "min_value": _("月份应为 1 至 12。"),
            "max_value": _("月份应为 1 至 12。"),
        },
    )
    unmatched = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=100, error_messages={"max_length": _("关键词不超过100个字。")})
    page = PageField()

    def filters(self) -> ReceiptFilter:
        d = self.cleaned_data
        return ReceiptFilter(self.year_or_today(), d["month"], d["unmatched"], d["q"].strip())


class GapForm(forms.Form):
    month = MonthField()
    q = forms.CharField(required=False, max_length=100, error_messages={"max_length": _("关键词不超过100个字。")})


def _sub_regions(subdistrict: Region):
    return Region.objects.filter(Q(pk=subdistrict.pk) | Q(parent=subdistrict, level=Level.VILLAGE)).order_by("path")


def _sub_people(subdistrict: Region):
    ids = (
        RoleAssignment.objects.active()
        .filter(Q(region__path__startswith=subdistrict.path) | Q(unit__region=subdistrict))
        .values("person_id")
    )
    return Person.objects.filter(pk__in=ids, is_active=True).order_by("full_name")


class RegionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.get_full_name()


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=200)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30, required=False)
    region = RegionChoice(
        label=_("所在村（社区）"),
        queryset=Region.objects.none(),
        error_messages={"invalid_choice": _("请选择本街道（乡镇）内的村（社区）。")},
    )
    sector = forms.CharField(label=_("行业"), max_length=60, required=False)
    is_key = forms.BooleanField(label=_("重点企业"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", "—"), *EnterpriseStatus.choices])
    liaison = PersonChoice(
        label=_("包联干部"),
        queryset=Person.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("请选择本街道（乡镇）的干部。")},
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, subdistrict: Region, new: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = _sub_regions(subdistrict)
        self.fields["liaison"].queryset = _sub_people(subdistrict)
        if not new:
            del self.fields["uscc"]
        else:
            self.fields["uscc"].required = True
            self.fields["uscc"].error_messages["required"] = _("请填写统一社会信用代码。")


class ProjectForm(forms.Form):
    """One project of the ledger, as the ledger's columns name its facts (the contractor comes with the ledger's
    import: its credit code decides where the tax is paid)."""

    region = RegionChoice(
        label=_("所在村"),
        queryset=Region.objects.none(),
        error_messages={"invalid_choice": _("请选择本街道（乡镇）内的村（社区）。")},
    )
    owner_name = forms.CharField(label=_("建设单位"), max_length=200, required=False)
    management = forms.ChoiceField(label=_("项目部管理方式"), choices=MANAGEMENT_CHOICES)
    method = forms.ChoiceField(label=_("计税方法"), choices=METHOD_CHOICES)
    contract_amount = forms.DecimalField(
        label=_("合同金额（万元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    planned_investment = forms.DecimalField(label=_("计划总投资（万元）"), min_value=0, max_digits=14, decimal_places=2)
    start = OfficeDateField(label=_("开工日期"), required=False)
    finish = OfficeDateField(label=_("竣工日期"), required=False)
    status = forms.ChoiceField(label=_("项目状态"), choices=ProjectStatus.choices)
    in_park = forms.BooleanField(label=_("属于绿色建设产业园"), required=False)
    registered = forms.BooleanField(label=_("已入库"), required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, subdistrict: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = _sub_regions(subdistrict)


class RequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("诉求类型"),
        choices=[(k, label) for k, (label, _days) in actions.REQUEST_KINDS.items()],
        error_messages={"invalid_choice": _("请选择诉求类型。"), "required": _("请选择诉求类型。")},
    )
    description = forms.CharField(
        label=_("诉求内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明企业的诉求。"), "max_length": _("诉求内容不超过2000个字。")},
    )
    # a random id per form shown: the same form sent twice (a double click, a retry) is one request
    client_ref = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)


class SetupForm(forms.Form):
    county_code = forms.CharField(label=_("项目所在县（区）代码"), max_length=6)
    location_class = forms.ChoiceField(
        label=_("城市维护建设税适用地区"),
        choices=TaxSetup._meta.get_field("location_class").choices,
        error_messages={"invalid_choice": _("请选择城市维护建设税的适用地区。")},
    )
    unit = forms.ModelChoiceField(
        label=_("负责科室"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("负责科室应是本街道（乡镇）的科室。")},
    )
    gap_threshold = forms.DecimalField(
        label=_("应收未收提示阈值（元）"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        error_messages={"invalid": _("应收未收提示阈值应为数字。"), "min_value": _("应收未收提示阈值不能为负数。")},
    )
    registration_threshold = forms.DecimalField(
        label=_("应入库计划总投资（万元）"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        error_messages={
            "invalid": _("应入库计划总投资应为数字。"),
            "min_value": _("应入库计划总投资不能为负数。"),
        },
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, subdistrict: Region, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.active().filter(region=subdistrict).order_by("name")
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda u: u.name
