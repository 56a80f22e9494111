"""The register's forms: a household, a member (usable on a phone: few fields, the number first), an archive reason,
a review's decision. Values are checked again by the actions (registry.py)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhili.households.models import Category, Health, Household, HousingGrade, Relation, Sex
from zhili.households.queries import setup_of
from zhili.people import policy
from zhili.people.models import Person, RoleAssignment
from zhili.regions.models import Level, Region
from zhili.targets.forms import OfficeDateField

YES_NO = [("", _("未填")), ("1", _("是")), ("0", _("否"))]


class RegionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.get_full_name()


def places(sub: Region, scope):
    """The villages and grids of the subdistrict where the person may register a household (policy.write_household,
    asked of each: a subdistrict has a few dozen)."""
    setup = setup_of(sub)
    regions = Region.objects.current().filter(path__startswith=sub.path, level__in=[Level.VILLAGE, Level.GRID])
    ok = [
        r.pk for r in regions if policy.write_household(scope, Household(subdistrict=sub, region=r, path=r.path), setup)
    ]
    return Region.objects.filter(pk__in=ok).order_by("path")


def _people(sub: Region, scope):
    """Who may be named officer: the people holding a role where this person reads (a village cadre: his village's,
    never another village's names), and who already looks after a household he sees."""
    roles = scope.filter(RoleAssignment.objects.active().filter(Q(region__path__startswith=sub.path)), "region__path")
    officers = scope.filter(Household.objects.filter(subdistrict=sub, officer__isnull=False), "path")
    ids = Q(pk__in=roles.values("person_id")) | Q(pk__in=officers.values("officer_id"))
    return Person.objects.filter(ids, is_active=True).order_by("full_name", "pk")


class HouseholdForm(forms.Form):
    region = RegionChoice(
        label=_("所在村（网格）"),
        queryset=Region.objects.none(),
        error_messages={"invalid_choice": _("请选择您可以登记的村（社区）或网格。")},
    )
    number = forms.CharField(label=_("户编号"), max_length=40, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    housing_grade = forms.ChoiceField(
        label=_("住房安全等级"), choices=[("", _("未鉴定")), *list(HousingGrade.choices)], required=False
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("户类别"), queryset=Category.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    officer = PersonChoice(label=_("帮扶责任人"), queryset=Person.objects.none(), required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1, required=False)

    def __init__(self, *args, sub: Region, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = places(sub, scope)
        self.fields["categories"].queryset = Category.objects.filter(subdistrict=sub, is_active=True)
        self.fields["officer"].queryset = _people(sub, scope)


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    identity = forms.CharField(
        label=_("身份证号"),
        max_length=30,
        required=False,
        help_text=_("有号码时性别和出生日期按号码计算，不用填写。"),
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)
    sex = forms.ChoiceField(label=_("性别（无身份证号时填）"), choices=[("", "—"), *list(Sex.choices)], required=False)
    birth_date = OfficeDateField(label=_("出生日期（无身份证号时填）"), required=False)
    phone = forms.CharField(
        label=_("联系电话"), max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    health = forms.ChoiceField(label=_("健康状况"), choices=[("", "—"), *list(Health.choices)], required=False)
    in_school = forms.TypedChoiceField(label=_("在校生"), choices=YES_NO, required=False, coerce=lambda v: v == "1")
    insured = forms.TypedChoiceField(
        label=_("参加基本医疗保险"), choices=YES_NO, required=False, coerce=lambda v: v == "1"
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1, required=False)

    def data_for_action(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("in_school", "insured"):
            if self.data.get(name, "") == "":
                data[name] = None
        if data.get("revision") is None:
            data.pop("revision", None)
        return data


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("注销原因"), max_length=500, help_text=_("例如：迁出、死亡、重复登记"))


class DecideForm(forms.Form):
    same = forms.TypedChoiceField(
        label=_("确认结果"),
        choices=[("1", _("是同一人")), ("0", _("不是同一人"))],
        coerce=lambda v: v == "1",
    )
