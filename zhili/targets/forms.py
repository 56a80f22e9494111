from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.core.clock import today
from zhili.targets.models import ActivityKind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files at once (the Django documentation's recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class DecimalInput(forms.DecimalField):
    """Accepts what people type: full-width digits, thousands separators, spaces."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(str.maketrans("０１２３４５６７８９．－，", "0123456789.-,"))
            value = value.replace(",", "").replace(" ", "").strip()
        return super().to_python(value)


class ReportForm(forms.Form):
    region = forms.ChoiceField(label="村（社区）/单位")
    day = forms.DateField(label="期间（任一天）", widget=forms.DateInput(attrs={"type": "date"}))
    value = DecimalInput(
        label="数值", max_digits=16, decimal_places=4, error_messages={"invalid": "请填写数字，如 1200 或 1,200.5。"}
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label="佐证材料", required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = choices
        self.fields["day"].initial = today()


class CorrectForm(forms.Form):
    value = DecimalInput(
        label="更正后数值", max_digits=16, decimal_places=4, error_messages={"invalid": "请填写数字。"}
    )
    reason = forms.CharField(label="更正原因", max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500)


class CompletionForm(forms.Form):
    note = forms.CharField(label="办结说明", widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label="佐证材料", required=False)


class ReminderForm(forms.Form):
    message = forms.CharField(label="催办内容", max_length=500, initial="请加快推进，按序时进度完成。")


class RemindVillagesForm(forms.Form):
    """催办 from an indicator's breakdown: the villages ticked, or (`red`) every red or overdue village."""

    message = forms.CharField(
        label=_("催办内容"), max_length=500, initial=_("请加快推进，按序时进度完成，并回复推进计划。")
    )
    village = forms.MultipleChoiceField(label=_("村（社区）"), required=False)
    red = forms.BooleanField(required=False)

    def __init__(self, *args, villages: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = villages
        self.fields["village"].error_messages["invalid_choice"] = _("“%(value)s”不是这个指标分解到的村（社区）。")


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("回复"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写回复内容。"), "max_length": _("回复内容不能超过 500 字。")},
    )


class ReopenPeriodForm(forms.Form):
    period_day = forms.DateField(label="要重新开放的期间（任一天）", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="开放至", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="原因", max_length=500)


class ActivityForm(forms.Form):
    region = forms.ChoiceField(label="村（社区）")
    kind = forms.ChoiceField(label="类别", choices=ActivityKind.choices)
    topic = forms.CharField(label="事项", max_length=60, help_text="指标按事项统计，如“廉政谈话”“帮扶责任人培训”。")
    title = forms.CharField(label="标题", max_length=200)
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(label="人数/户数", min_value=0, required=False, initial=0)
    amount = DecimalInput(label="数量/金额", max_digits=16, decimal_places=4, required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = choices


def parse_share_targets(data, subjects) -> tuple[dict, list[str]]:
    """The decomposition table: one input per village or unit named share-<pk>."""
    out, errors = {}, []
    field = DecimalInput(max_digits=16, decimal_places=4, required=False)
    for s in subjects:
        raw = data.get(f"share-{s.pk}", "")
        try:
            value = field.clean(raw)
        except forms.ValidationError:
            errors.append(f"“{s}”的分解目标“{raw}”不是数字。")
            continue
        if value is not None:
            out[s] = Decimal(value)
    return out, errors
