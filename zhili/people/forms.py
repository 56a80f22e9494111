"""What a person types into the people, roles and account pages; every 400 comes from here."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from zhili.people.models import ChainLevel, Person, Role, Unit
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。请注意区分大小写；连续失败多次后账号将被暂时锁定。",
        "inactive": "该账号已停用，请联系街道系统管理员。",
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as exc:
            # Django's backend refuses deactivated accounts as if the password were wrong; with the right
            # password, say what is really the matter.
            username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
            person = Person.objects.filter(username=username, is_active=False).first() if username else None
            if person is not None and password and person.check_password(password):
                raise forms.ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise exc


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("请填写原因。"))
        return reason


class _ScopedForm(forms.Form):
    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        if "region" in self.fields:
            self.fields["region"].queryset = (
                scope.regions(access="people").current().filter(level__lte=Level.VILLAGE).order_by("path")
            )
        if "unit" in self.fields:
            self.fields["unit"].queryset = scope.filter(Unit.objects.active(), "region__path", access="people")


class PersonForm(_ScopedForm):
    username = forms.RegexField(
        label=_("登录名"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("登录名只能包含字母、数字和 @ . + - _。")},
    )
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.RegexField(
        label=_("手机号"),
        regex=r"^1\d{10}$",
        required=False,
        error_messages={"invalid": _("手机号应为 11 位数字，以 1 开头。")},
    )
    title = forms.CharField(label=_("职务"), max_length=100, required=False)
    region = forms.ModelChoiceField(
        label=_("所属区划"),
        queryset=Region.objects.none(),
        error_messages={"invalid_choice": _("所选区划不在您的管理范围内。")},
    )
    unit = forms.ModelChoiceField(
        label=_("所在单位"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("所选单位不在您的管理范围内。")},
    )
    password = forms.CharField(
        label=_("初始密码"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("留空则此人暂不能登录。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = _("%(rules)s留空则此人暂不能登录。") % {"rules": password_rules()}


class PersonEditForm(PersonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["username"]
        self.fields["password"].label = _("新密码")
        self.fields["password"].help_text = _("%(rules)s留空则不修改。") % {"rules": password_rules()}


class RoleForm(_ScopedForm):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    region_code = forms.CharField(
        label=_("区划代码"),
        max_length=20,
        required=False,
        help_text=_("街道、村（社区）或网格的代码；部门工作人员可留空。"),
    )
    unit = forms.ModelChoiceField(
        label=_("单位（部门工作人员必填）"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("所选单位不在您的管理范围内。")},
    )
    title = forms.CharField(label=_("职务"), max_length=100, required=False)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, scope=scope, **kwargs)
        # a security administrator grants roles too (policy.grant_role decides which): regions and units of both
        self.fields["unit"].queryset = scope.filter(Unit.objects.active(), "region__path", access="people")

    def clean(self):
        data = super().clean()
        code = (data.get("region_code") or "").strip()
        if data.get("role") == Role.OFFICER:
            if not data.get("unit"):
                self.add_error("unit", _("部门工作人员角色必须选择单位。"))
            else:
                data["region"] = data["unit"].region
            return data
        if not code:
            self.add_error("region_code", _("请填写区划代码。"))
            return data
        region = self.scope.regions(access="people").filter(code=code).first()
        if region is None:
            self.add_error("region_code", _("区划代码 %(code)s 不存在或不在您的管理范围内。") % {"code": code})
        data["region"] = region
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=100)


class PasswordChangeForm(forms.Form):
    """The old password is checked as a sign-in is: a wrong one counts as a failed sign-in of this account from this
    address (django-axes), so guessing it from a session left open locks out as guessing at the login page does."""

    old_password = forms.CharField(label=_("原密码"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput)

    def __init__(self, *args, person: Person, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password"].help_text = password_rules()
        self.person = person
        self.request = request

    def clean_old_password(self):
        from axes.handlers.proxy import AxesProxyHandler
        from django.contrib.auth.signals import user_login_failed

        credentials = {"username": self.person.username}
        if self.request is not None and AxesProxyHandler.is_locked(self.request, credentials):
            raise forms.ValidationError(lockout_sentence("原密码错误次数过多，修改密码已暂时锁定。"), code="locked")
        if not self.person.check_password(self.cleaned_data["old_password"]):
            if self.request is not None:
                user_login_failed.send(sender=type(self), credentials=credentials, request=self.request)
            raise forms.ValidationError(_("原密码不正确。"))
        return self.cleaned_data["old_password"]


class ChainLinkForm(forms.Form):
    level = forms.ModelChoiceField(label=_("联包层级"), queryset=ChainLevel.objects.none())
    person = forms.ModelChoiceField(label=_("系统内人员"), queryset=Person.objects.none(), required=False)
    contact_name = forms.CharField(label=_("或填写联系人姓名"), max_length=50, required=False)
    contact_phone = forms.RegexField(
        label=_("联系电话"),
        regex=r"^[\d-]{7,20}$",
        required=False,
        error_messages={"invalid": _("电话号码只能包含数字和短横线。")},
    )

    def __init__(self, *args, levels, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = levels
        self.fields["person"].queryset = people

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("contact_name") or "").strip():
            raise forms.ValidationError(_("请选择系统内人员，或填写联系人姓名。"))
        return data


def password_rules() -> str:
    """The password rules in force (settings: ZHILI_PASSWORD_MIN_LENGTH, ZHILI_PASSWORD_CHAR_CLASSES), one sentence."""
    from django.conf import settings

    return _("至少 %(n)s 位，须包含大写字母、小写字母、数字、符号中的至少 %(k)s 类，不能全是数字。") % {
        "n": settings.PASSWORD_MIN_LENGTH,
        "k": settings.PASSWORD_CHAR_CLASSES,
    }


def lockout_sentence(what: str) -> str:
    """What is locked, and when to try again (django-axes' cool-off)."""
    from django.conf import settings
    from django.utils import timezone

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    return f"{what}请在 {minutes} 分钟后（{until:%H:%M} 以后）再试，或联系街道系统管理员解锁。"
