"""What a person typed about cases. Category and region choices are limited to the person's subdistrict."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhili.cases.models import CaseClass, CaseRule, Category, Source, State
from zhili.cases.queries import BY, Filters


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one <input type=file multiple capture>; each is checked by cases.photos."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            if self.required:
                raise ValidationError(_("请拍摄或选择至少一张照片。"))
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(f, initial) for f in files]


def photo_widget():
    return MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})


def category_choices(subdistrict, *, public_only: bool = False, kinds=None) -> list:
    """Grouped choices: the class as an <optgroup>, its categories inside."""
    qs = Category.objects.filter(subdistrict=subdistrict, is_active=True).select_related("parent")
    if public_only:
        qs = qs.filter(is_public=True)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    groups: dict[str, list] = {}
    for c in qs.filter(parent__isnull=False).order_by("order"):
        groups.setdefault(c.parent.name, []).append((c.pk, c.name))
    return [("", _("请选择类别")), *groups.items()]


class ReportForm(forms.Form):
    category = forms.TypedChoiceField(label=_("问题类别"), coerce=int)
    description = forms.CharField(label=_("问题描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(
        label=_("地点说明"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：太平街与济太路交叉口东50米")}),
    )
    lng = forms.CharField(required=False, widget=forms.HiddenInput)
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    photos = PhotosField(label=_("照片"), required=False, widget=photo_widget())
    client_ref = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, subdistrict, public_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = ["component", "event"] if public_only else ["component", "event", "finding"]
        self.fields["category"].choices = category_choices(subdistrict, public_only=public_only, kinds=kinds)


class PublicReportForm(ReportForm):
    contact_name = forms.CharField(label=_("您的称呼（选填）"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话（选填，仅工作人员可见）"), max_length=20, required=False)


class TipForm(forms.Form):
    description = forms.CharField(label=_("线索内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 6}))
    contact_name = forms.CharField(label=_("称呼（选填）"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话（选填，严格保密）"), max_length=20, required=False)


class ActForm(forms.Form):
    """Every step posts here; which fields matter depends on the step (the action checks). Unit, village, handler
    and master are resolved by cases.steps, as the API's are."""

    revision = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    unit = forms.CharField(label=_("处置单位"), required=False, max_length=40)
    village = forms.CharField(label=_("村（社区）"), required=False, max_length=20)
    handler = forms.IntegerField(label=_("责任人"), required=False, min_value=1, max_value=2**63 - 1)
    master = forms.CharField(label=_("主案件编号"), required=False, max_length=20)
    days = forms.IntegerField(required=False, min_value=1, max_value=30)
    photos = PhotosField(label=_("处置后照片"), required=False, widget=photo_widget())


class CategoryForm(forms.Form):
    code = forms.SlugField(label=_("类别代码"), max_length=40, required=False)
    parent = forms.TypedChoiceField(label=_("大类"), coerce=int, required=False, empty_value=None)
    name = forms.CharField(label=_("名称"), max_length=60)
    time_limit_days = forms.IntegerField(label=_("处置时限（工作日）"), min_value=0, max_value=365)
    case_class = forms.ChoiceField(label=_("案件类型"), choices=CaseClass.choices)
    is_public = forms.BooleanField(label=_("群众可报"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


SOURCES_FOR_STAFF = [
    (Source.PATROL, Source.PATROL.label),
    (Source.STAFF, Source.STAFF.label),
    (Source.SUPERIOR, Source.SUPERIOR.label),
]


class CaseRuleForm(forms.ModelForm):
    """A subdistrict's case settings: the dispatching centre, step time limits, light thresholds, radii."""

    class Meta:
        model = CaseRule
        fields = [
            "center_unit",
            "accept_days",
            "file_days",
            "dispatch_days",
            "feedback_days",
            "verify_days",
            "close_days",
            "yellow_pct",
            "red_pct",
            "duplicate_radius_m",
            "duplicate_days",
            "hotspot_radius_m",
            "hotspot_count",
            "hotspot_days",
            "photo_distance_m",
            "public_per_hour",
            "handle_with_feedback",
        ]

    def __init__(self, *args, subdistrict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center_unit"].queryset = subdistrict.units.filter(archived_at__isnull=True)

    def clean(self):
        data = super().clean()
        if (
            data.get("yellow_pct") is not None
            and data.get("red_pct") is not None
            and not 0 < data["yellow_pct"] < data["red_pct"]
        ):
            raise ValidationError(_("黄灯起点应大于 0 且小于红灯起点。"))
        return data


# ---- what a list, map or statistics page was asked for: every parameter parsed once, here --------------------

MAX_ID = 2**63 - 1  # the largest id the databases store: anything larger names nothing and would overflow
MAX_PAGE = 100_000
STATE_FILTERS = ["", "all", "open", "overdue", "late", "closed", *State.values]


def _int_field(label: str, *, max_value: int = MAX_ID) -> forms.IntegerField:
    return forms.IntegerField(
        required=False,
        min_value=1,
        max_value=max_value,
        error_messages={
            "invalid": _("%(label)s应为整数。") % {"label": label},
            "min_value": _("%(label)s应为正整数。") % {"label": label},
            "max_value": _("%(label)s不能大于 %%(limit_value)s。") % {"label": label},
        },
    )


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("%(label)s应为日期，如 2020-11-20。") % {"label": label}},
    )


class CaseFilterForm(forms.Form):
    """The filters of the case list, the map's data, the statistics and their export (GET parameters)."""

    state = forms.ChoiceField(
        required=False,
        choices=[(s, s) for s in STATE_FILTERS],
        error_messages={"invalid_choice": _("状态“%(value)s”不是可选的状态。")},
    )
    category = _int_field(_("类别"))
    region = forms.CharField(required=False, max_length=20, error_messages={"max_length": _("区划代码太长。")})
    source = forms.ChoiceField(
        required=False,
        choices=[("", ""), *Source.choices],
        error_messages={"invalid_choice": _("来源“%(value)s”不是可选的来源。")},
    )
    unit = _int_field(_("处置单位"))
    batch = _int_field(_("督查批次"))
    hotspot = forms.CharField(required=False)
    q = forms.CharField(required=False, strip=True)
    since = _date_field(_("起始日期"))
    until = _date_field(_("截止日期"))
    counted = forms.CharField(required=False)
    page = _int_field(_("页码"), max_value=MAX_PAGE)

    def filters(self, region_path: str, region_history: tuple[str, ...] = ()) -> Filters:
        d = self.cleaned_data
        return Filters(
            state="" if d["state"] == "all" else d["state"],
            category=d["category"],
            region_path=region_path,
            region_history=region_history,
            source=d["source"],
            unit=d["unit"],
            batch=d["batch"],
            hotspot=d["hotspot"] == "1",
            text=d["q"][:50],
            since=d["since"],
            until=d["until"],
            counted=d["counted"] == "1",
        )


class StatisticsForm(CaseFilterForm):
    by = forms.ChoiceField(
        required=False,
        choices=[("", ""), *BY.items()],
        error_messages={"invalid_choice": _("统计维度“%(value)s”不可选。")},
    )
    week = _date_field(_("巡查周"))


class RouteForm(forms.Form):
    """One cell of the routing matrix: a category (and a grid) → an office, or the village where it happened."""

    category = _int_field(_("类别"))
    unit = forms.CharField(required=False, max_length=20)
    grid = forms.CharField(required=False, max_length=20)

    def clean(self):
        data = super().clean()
        unit = (data.get("unit") or "").strip()
        data["to_own_village"] = unit == "village"
        if unit in ("", "village"):
            data["unit"] = None
        else:
            field = _int_field(_("责任单位"))
            data["unit"] = field.clean(unit)
        if not data.get("category"):
            raise ValidationError(_("请选择类别。"))
        return data


def errors_of(form: forms.Form) -> list[str]:
    return [e for es in form.errors.values() for e in es]
