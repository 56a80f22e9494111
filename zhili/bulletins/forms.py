"""What a person sent on the bulletin pages: every 400 of a page comes from here, with its sentence."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhili.bulletins import scoring, snapshot

WEEKDAYS = [
    (1, _("周一")),
    (2, _("周二")),
    (3, _("周三")),
    (4, _("周四")),
    (5, _("周五")),
    (6, _("周六")),
    (7, _("周日")),
]
INT_MAX = 2**31 - 1


def errors_of(form: forms.Form) -> list[str]:
    return [e for es in form.errors.values() for e in es]


def clean_week(text: str) -> str:
    try:
        year, num, _monday, _sunday = snapshot.parse_week(text)
    except ValidationError as exc:
        raise ValidationError(exc.messages[0]) from None
    return f"{year}-W{num:02d}"


class BuildForm(forms.Form):
    """生成 (or 更正) a week's bulletin."""

    week = forms.CharField(
        label=_("周次"),
        max_length=8,
        help_text=_("如 2020-W40（周一至周日）"),
        error_messages={"required": _("请填写周次，如 2020-W40。"), "max_length": _("周次应写作“2020-W40”。")},
    )
    note = forms.CharField(
        label=_("更正说明"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("已发布的通报重新生成即为更正，须写明改了什么、为什么改"),
        error_messages={"max_length": _("更正说明不能超过 500 字。")},
    )

    def clean_week(self) -> str:
        return clean_week(self.cleaned_data["week"])


class SetupForm(forms.Form):
    title = forms.CharField(label=_("通报标题"), max_length=100, error_messages={"required": _("请填写通报标题。")})
    issuer = forms.CharField(label=_("发文机关"), max_length=100, required=False)
    number_prefix = forms.CharField(
        label=_("文号前缀"), max_length=30, required=False, help_text=_("如“太平通”，文号即 太平通〔2020〕40号")
    )
    weekday = forms.TypedChoiceField(
        label=_("每周生成日"), choices=WEEKDAYS, coerce=int, error_messages={"invalid_choice": _("请选择每周生成日。")}
    )
    at = forms.TimeField(
        label=_("生成时间"),
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("请填写生成时间。"), "invalid": _("生成时间应写作“时:分”，如 08:00。")},
    )
    scheduled = forms.BooleanField(label=_("按周自动生成"), required=False)
    send_on_publish = forms.BooleanField(label=_("发布后推送到群"), required=False)
    wecom_webhook_url = forms.CharField(
        label=_("企业微信群机器人地址"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": _("机器人地址不能超过 500 个字符。")},
    )
    dingtalk_webhook_url = forms.CharField(
        label=_("钉钉群机器人地址"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": _("机器人地址不能超过 500 个字符。")},
    )
    dingtalk_secret = forms.CharField(
        label=_("钉钉加签密钥"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": _("加签密钥不能超过 200 个字符。")},
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=INT_MAX)


class WeightsForm(forms.Form):
    year = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": _("年度无效。"), "min_value": _("年度无效。"), "max_value": _("年度无效。")},
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=INT_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in scoring.COMPONENTS:
            self.fields[key] = forms.DecimalField(
                label=str(label),
                min_value=0,
                max_value=1000,
                max_digits=7,
                decimal_places=2,
                error_messages={
                    "required": _("请填写各分项的权重。"),
                    "invalid": _("权重应为数字。"),
                    "min_value": _("权重应在 0 至 1000 之间。"),
                    "max_value": _("权重应在 0 至 1000 之间。"),
                    "max_digits": _("权重应在 0 至 1000 之间。"),
                    "max_decimal_places": _("权重最多两位小数。"),
                },
            )
