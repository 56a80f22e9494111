"""What a person typed about cases. Category and region choices are limited to the person's subdistrict."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from zhili.cases.models import CaseClass, CaseRule, Category, Source


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one <input type=file multiple capture>; each is checked by cases.photos."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            if self.required:
                raise ValidationError("请拍摄或选择至少一张照片。")
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
    return [("", "请选择类别"), *groups.items()]


class ReportForm(forms.Form):
    category = forms.TypedChoiceField(label="问题类别", coerce=int)
    description = forms.CharField(label="问题描述", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(
        label="地点说明",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：太平街与济太路交叉口东50米"}),
    )
    lng = forms.CharField(required=False, widget=forms.HiddenInput)
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    photos = PhotosField(label="照片", required=False, widget=photo_widget())
    client_ref = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, subdistrict, public_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = ["component", "event"] if public_only else ["component", "event", "finding"]
        self.fields["category"].choices = category_choices(subdistrict, public_only=public_only, kinds=kinds)


class PublicReportForm(ReportForm):
    contact_name = forms.CharField(label="您的称呼（选填）", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话（选填，仅工作人员可见）", max_length=20, required=False)


class TipForm(forms.Form):
    description = forms.CharField(label="线索内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 6}))
    contact_name = forms.CharField(label="称呼（选填）", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话（选填，严格保密）", max_length=20, required=False)


class ActForm(forms.Form):
    """Every step posts here; which fields matter depends on the step (the action checks)."""

    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label="说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    unit = forms.IntegerField(required=False)
    village = forms.CharField(required=False)
    handler = forms.IntegerField(required=False)
    master = forms.CharField(required=False)
    days = forms.IntegerField(required=False, min_value=1, max_value=30)
    photos = PhotosField(label="处置后照片", required=False, widget=photo_widget())


class CategoryForm(forms.Form):
    code = forms.SlugField(label="类别代码", max_length=40, required=False)
    parent = forms.TypedChoiceField(label="大类", coerce=int, required=False, empty_value=None)
    name = forms.CharField(label="名称", max_length=60)
    time_limit_days = forms.IntegerField(label="处置时限（工作日）", min_value=0, max_value=365)
    case_class = forms.ChoiceField(label="案件类型", choices=CaseClass.choices)
    is_public = forms.BooleanField(label="群众可报", required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)


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
            raise ValidationError("黄灯起点应大于 0 且小于红灯起点。")
        return data
