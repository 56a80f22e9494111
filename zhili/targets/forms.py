from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.core import numbers
from zhili.core.clock import today
from zhili.excel import values
from zhili.targets.models import ActivityKind, Decomposition, Direction, PeriodType, SourceKind


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


class _Number(forms.NumberInput):
    """Filled as officials write a number (56, 1.5), not as the database keeps it (56.0000)."""

    def format_value(self, value):
        return numbers.plain(value) if value is not None and value != "" else super().format_value(value)


class DecimalInput(forms.DecimalField):
    """Accepts what people type: full-width digits, thousands separators, spaces."""

    widget = _Number

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(str.maketrans("０１２３４５６７８９．－，", "0123456789.-,"))
            value = value.replace(",", "").replace(" ", "").strip()
        return super().to_python(value)


class OfficeDateField(forms.DateField):
    """A date picker (shown and sent in ISO, which `type=date` needs) that still reads what offices type where a
    browser offers a text box — 2020.5.12, 2020年5月12日, 20200512 — as their files are read (zhili.excel.values)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                return values.parse_date(value).value
            except values.ValueProblem as exc:
                raise forms.ValidationError(str(exc)) from None
        return super().to_python(value)


class ReportForm(forms.Form):
    only = ""  # the name of the one region or office the person reports for, when there is one
    region = forms.ChoiceField(label=_("村（社区）/单位"))
    day = OfficeDateField(label=_("期间（任一天）"))
    value = DecimalInput(
        label=_("数值"),
        max_digits=16,
        decimal_places=4,
        error_messages={"invalid": _("请填写数字，如 1200 或 1,200.5。")},
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("佐证材料"), required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = choices
        self.fields["day"].initial = today()
        if len(choices) == 1:
            # one village (or office) the person reports for: filled in, named in the heading, not asked; the
            # report view still checks it against what the person may report (policy.report_progress)
            self.fields["region"].widget = forms.HiddenInput()
            self.fields["region"].initial = choices[0][0]
            self.only = choices[0][1]


class CorrectForm(forms.Form):
    value = DecimalInput(
        label=_("更正后数值"), max_digits=16, decimal_places=4, error_messages={"invalid": _("请填写数字。")}
    )
    reason = forms.CharField(label=_("更正原因"), max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500)


class CompletionForm(forms.Form):
    note = forms.CharField(label=_("办结说明"), widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("佐证材料"), required=False)


class ReminderForm(forms.Form):
    message = forms.CharField(label=_("催办内容"), max_length=500, initial=_("请加快推进，按序时进度完成。"))


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
    period_day = OfficeDateField(label=_("要重新开放的期间（任一天）"))
    until = OfficeDateField(label=_("开放至"))
    reason = forms.CharField(label=_("原因"), max_length=500)


class ActivityForm(forms.Form):
    region = forms.ChoiceField(label=_("村（社区）"))
    kind = forms.ChoiceField(label=_("类别"), choices=ActivityKind.choices)
    topic = forms.CharField(
        label=_("事项"), max_length=60, help_text=_("指标按事项统计，如“廉政谈话”“帮扶责任人培训”。")
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    date = OfficeDateField(label=_("日期"))
    count = forms.IntegerField(label=_("人数/户数"), min_value=0, required=False, initial=0)
    amount = DecimalInput(label=_("数量/金额"), max_digits=16, decimal_places=4, required=False)

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


# ---- authoring the year (编制年度目标) ------------------------------------------------------------------


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what a date input shows and sends


class RevisionForm(forms.Form):
    """What an edit was made from: a form of something changed since is refused (409), never written over."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)


class GoalForm(RevisionForm):
    code = forms.CharField(label=_("编号"), max_length=20, required=False, help_text=_("如“一”“（一）”“1”，可不填。"))
    title = forms.CharField(label=_("名称"), max_length=200)
    level_name = forms.CharField(
        label=_("层级名称"), max_length=30, required=False, help_text=_("如“中心任务”“重点工作”，可不填。")
    )


class TaskForm(RevisionForm):
    code = forms.CharField(label=_("编号"), max_length=20, required=False)
    title = forms.CharField(label=_("任务"), max_length=300)
    start = forms.DateField(label=_("开始日期"), widget=DATE)
    deadline = forms.DateField(label=_("完成时限"), widget=DATE)
    leader = forms.TypedChoiceField(label=_("责任领导"), required=False, coerce=int, empty_value=None)
    lead_unit = forms.TypedChoiceField(label=_("牵头单位"), required=False, coerce=int, empty_value=None)
    assisting_units = forms.TypedMultipleChoiceField(
        label=_("配合单位"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    owner = forms.TypedChoiceField(label=_("责任人"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, people: list[tuple[int, str]], units: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        self.fields["leader"].choices = blank + people
        self.fields["owner"].choices = blank + people
        self.fields["lead_unit"].choices = blank + units
        self.fields["assisting_units"].choices = units


class IndicatorForm(RevisionForm):
    code = forms.CharField(label=_("编号"), max_length=30, required=False)
    name = forms.CharField(label=_("指标"), max_length=200)
    unit = forms.CharField(label=_("计量单位"), max_length=20, help_text=_("如“户”“万元”“%”。"))
    target = DecimalInput(
        label=_("目标值"), max_digits=16, decimal_places=4, error_messages={"invalid": _("请填写数字，如 1200。")}
    )
    cumulative = forms.TypedChoiceField(
        label=_("口径"),
        choices=[("1", _("累计（每次填截至期末的累计数）")), ("0", _("当期（每次填本期数，全年为各期之和）"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    period_type = forms.ChoiceField(label=_("填报周期"), choices=PeriodType.choices, initial=PeriodType.MONTH)
    deadline = forms.DateField(label=_("完成时限"), required=False, widget=DATE, help_text=_("不填则同任务时限。"))
    direction = forms.ChoiceField(label=_("方向"), choices=Direction.choices, initial=Direction.HIGHER)
    source = forms.ChoiceField(
        label=_("数据来源"),
        choices=[
            (SourceKind.REPORT, _("人工填报")),
            (SourceKind.COMPUTED, _("系统计算（台账、网格事件、工作记录）")),
            (SourceKind.CHILDREN, _("下级指标汇总")),
        ],
    )
    source_key = forms.ChoiceField(label=_("计算来源"), required=False)
    source_params = forms.CharField(
        label=_("计算参数"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('JSON，如 {"ledger": "gas-conversion", "measure": "count"}；人工填报时留空。'),
    )
    decomposition = forms.ChoiceField(label=_("分解方式"), choices=Decomposition.choices, initial=Decomposition.NONE)
    weight = DecimalInput(label=_("权重"), max_digits=6, decimal_places=2, initial=Decimal(1), min_value=Decimal(0))

    def __init__(self, *args, **kwargs):
        from zhili.targets import sources

        super().__init__(*args, **kwargs)
        self.fields["source_key"].choices = [("", "—"), *sources.choices()]

    def clean_source_params(self):
        import json

        raw = self.cleaned_data.get("source_params", "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_('计算参数不是有效的 JSON，如 {"ledger": "gas-conversion"}。')) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("计算参数应是一个 JSON 对象（{…}）。"))
        return value

    def clean(self):
        data = super().clean()
        if data.get("source") == SourceKind.COMPUTED and not data.get("source_key"):
            self.add_error("source_key", _("系统计算的指标请选择计算来源。"))
        return data


class RolloverForm(forms.Form):
    from_year = forms.IntegerField(label=_("从年度"), min_value=2000, max_value=2100)
    to_year = forms.IntegerField(label=_("结转到年度"), min_value=2000, max_value=2100)
    carry_targets = forms.BooleanField(
        label=_("沿用上年目标值（标记为“沿用上年”，待确认）"), required=False, help_text=_("不选则目标值留空待填。")
    )


class LightRuleForm(forms.Form):
    effective_from = forms.DateField(label=_("生效日期"), widget=DATE)
    red_gap = DecimalInput(
        label=_("红灯：落后序时进度超过（百分点）"), max_digits=5, decimal_places=2, min_value=Decimal("0.01")
    )
    due_soon_days = forms.IntegerField(label=_("黄灯：距时限不足（工作日）"), min_value=0, max_value=60)
    report_grace_days = forms.IntegerField(label=_("填报期：期末后（自然日）"), min_value=0, max_value=60)
