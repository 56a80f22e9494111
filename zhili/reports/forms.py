"""What a person sent on the 上报 pages: every 400 of those pages comes from here (or from an action's Invalid),
with its sentence. Integers are bounded, texts have a length, a cell is a reference like "D7", a period is
parsed against the form's frequency, a figure is one of the mapping page's choices."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhili.reports import periods
from zhili.reports.models import Frequency, Layout

INT_MAX = 2**31 - 1
REVISION: dict[str, Any] = {"min_value": 1, "max_value": INT_MAX, "required": False, "widget": forms.HiddenInput}
CELL_RE = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,5}$")
COLUMN_RE = re.compile(r"^[A-Z]{1,3}$")
MAX_UPLOAD = 5 * 1024 * 1024


def errors_of(form: forms.Form) -> list[str]:
    return [str(e) for es in form.errors.values() for e in es]


def clean_ref(text: str, *, column: bool = False) -> str:
    """A cell ("D7") — or, for a village-level form, a column ("D") — in capitals; a sentence for anything else."""
    ref = (text or "").strip().upper()
    if CELL_RE.match(ref) or (column and COLUMN_RE.match(ref)):
        return ref
    raise ValidationError(_("单元格“%(ref)s”无效，应写作列字母加行号，如 D7。") % {"ref": (text or "")[:12]})


def _row_field(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=10000,
        error_messages={
            "invalid": _("行号应为正整数。"),
            "min_value": _("行号应为正整数。"),
            "max_value": _("行号不能超过 10000。"),
        },
    )


class FormForm(forms.Form):
    """A form of the catalogue: who asks for it, how often, the deadline, the office in charge, its layout."""

    code = forms.CharField(
        label=_("报表编号"),
        max_length=30,
        help_text=_("上级下达的表号，如 民生01表"),
        error_messages={"required": _("请填写报表编号。"), "max_length": _("报表编号不能超过 30 个字。")},
    )
    name = forms.CharField(
        label=_("报表名称"),
        max_length=200,
        error_messages={"required": _("请填写报表名称。"), "max_length": _("报表名称不能超过 200 个字。")},
    )
    requester = forms.CharField(
        label=_("下达单位"),
        max_length=100,
        help_text=_("如 区统计局、区住建局"),
        error_messages={"required": _("请填写下达单位。"), "max_length": _("下达单位不能超过 100 个字。")},
    )
    receiver = forms.CharField(
        label=_("接收科室"),
        max_length=100,
        required=False,
        error_messages={"max_length": _("接收科室不能超过 100 个字。")},
    )
    frequency = forms.ChoiceField(
        label=_("报送频次"),
        choices=Frequency.choices,
        initial=Frequency.MONTH,
        error_messages={"required": _("请选择报送频次。"), "invalid_choice": _("请选择报送频次。")},
    )
    deadline_days = forms.IntegerField(
        label=_("报送时限（期末后工作日）"),
        min_value=0,
        max_value=60,
        initial=5,
        error_messages={
            "required": _("请填写报送时限。"),
            "invalid": _("报送时限应为 0 至 60 个工作日。"),
            "min_value": _("报送时限应为 0 至 60 个工作日。"),
            "max_value": _("报送时限应为 0 至 60 个工作日。"),
        },
    )
    unit: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("责任科室"),
        queryset=None,
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": _("请从列表中选择本街道的科室。")},
    )
    layout = forms.ChoiceField(
        label=_("表式"),
        choices=Layout.choices,
        initial=Layout.CELLS,
        help_text=_("一格一数：每个数字占一个单元格；每村一行：每个村（社区）填一行"),
        error_messages={"required": _("请选择表式。"), "invalid_choice": _("请选择表式。")},
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("说明不能超过 500 字。")},
    )
    revision = forms.IntegerField(**REVISION)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units


class UploadForm(forms.Form):
    """The superior's file (a new version); for a village-level form, where its village rows are (else guessed)."""

    file = forms.FileField(
        label=_("上级下发的 Excel 表样（.xlsx）"),
        error_messages={"required": _("请选择要上传的 Excel 文件。"), "empty": _("上传的文件是空的。")},
    )
    sheet = forms.CharField(
        label=_("工作表"),
        max_length=100,
        required=False,
        help_text=_("不填则取第一个工作表"),
        error_messages={"max_length": _("工作表名称不能超过 100 个字。")},
    )
    key_column = forms.CharField(
        label=_("村居名称所在列"),
        max_length=3,
        required=False,
        help_text=_("每村一行的表填写，如 B；不填则自动识别"),
        error_messages={"max_length": _("列应写作字母，如 B。")},
    )
    first_row = _row_field(_("首个村居行"))
    last_row = _row_field(_("末个村居行"))
    total_row = _row_field(_("合计行"))

    def __init__(self, *args, rows: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not rows:  # one cell per figure: no village rows to find
            for key in ("key_column", "first_row", "last_row", "total_row"):
                del self.fields[key]

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise ValidationError(_("文件超过 5 MB，请删去无关的工作表后再上传。"))
        return f

    def clean_key_column(self) -> str:
        text = (self.cleaned_data.get("key_column") or "").strip().upper()
        if text and not COLUMN_RE.match(text):
            raise ValidationError(_("村居名称所在列应写作字母，如 B。"))
        return text

    def rows(self) -> dict | None:
        d = self.cleaned_data
        given = {k: d[k] for k in ("key_column", "first_row", "last_row", "total_row") if d.get(k)}
        return given or None


class CellForm(forms.Form):
    """Which cell of the mapping page."""

    ref = forms.CharField(max_length=12, error_messages={"required": _("请先在表样上点选一个单元格。")})

    def __init__(self, *args, column: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.column = column

    def clean_ref(self) -> str:
        return clean_ref(self.cleaned_data["ref"], column=self.column)


WINDOWS = [("period", _("本期")), ("year", _("本年累计"))]


class MapForm(CellForm):
    """One cell's figure: a choice of the mapping page's list (a Zhili figure, an indicator, 人工填写, 期次), the
    window for a figure, and the words shown for the cell (the header's words unless changed)."""

    choice = forms.CharField(
        label=_("数据来源"),
        max_length=200,
        error_messages={"required": _("请选择这个单元格的数据来源。"), "max_length": _("请从列表中选择数据来源。")},
    )
    window = forms.ChoiceField(
        label=_("统计区间"),
        choices=WINDOWS,
        required=False,
        error_messages={"invalid_choice": _("统计区间应为本期或本年累计。")},
    )
    label = forms.CharField(
        label=_("栏目名称"),
        max_length=300,
        required=False,
        error_messages={"max_length": _("栏目名称不能超过 300 字。")},
    )

    def __init__(self, *args, keys: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = keys

    def clean_choice(self) -> str:
        key = self.cleaned_data["choice"]
        if key not in self.keys:
            raise ValidationError(_("请从列表中选择数据来源。"))
        return key


class PeriodForm(forms.Form):
    period = forms.CharField(
        label=_("报送期"),
        max_length=10,
        error_messages={"required": _("请选择报送期。"), "max_length": _("报送期无效。")},
    )

    def __init__(self, *args, frequency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.frequency = frequency

    def clean_period(self) -> periods.Period:
        return periods.parse(self.frequency, self.cleaned_data["period"])


class ValuesForm(forms.Form):
    """The hand-filled cells of a filing (or of one village's row): one text per cell ("v<id>") with the revision
    it was read at ("r<id>"). Only the cells whose text changed are entered. `cells`: queries.Cell (value, label,
    text)."""

    def __init__(self, *args, cells: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = cells
        for cell in cells:
            self.fields[f"v{cell.value.pk}"] = forms.CharField(
                label=cell.label,
                max_length=50,
                required=False,
                initial=cell.text,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                error_messages={"max_length": _("“%(label)s”填写的内容过长。") % {"label": cell.label[:40]}},
            )
            self.fields[f"r{cell.value.pk}"] = forms.IntegerField(
                initial=cell.value.revision, **{**REVISION, "required": False}
            )

    def changed_cells(self) -> list[tuple[Any, str, int | None]]:
        """(value, the typed text, the revision it was read at) for each cell whose text differs from what it was."""
        d = self.cleaned_data
        out = []
        for cell in self.cells:
            pk = cell.value.pk
            text = (d.get(f"v{pk}") or "").strip()
            if text != (cell.text or ""):
                out.append((cell.value, text, d.get(f"r{pk}")))
        return out


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("退回意见"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("退回须写明意见：哪里不对、要怎么改。"),
            "max_length": _("退回意见不能超过 500 字。"),
        },
    )
    villages = forms.MultipleChoiceField(
        label=_("退回给哪些村（社区）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则退回全部村（社区）重新确认"),
        error_messages={"invalid_choice": _("请从列表中选择要退回的村（社区）。")},
    )

    def __init__(self, *args, villages: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.village_list = villages or []
        if self.village_list:
            cast(forms.MultipleChoiceField, self.fields["villages"]).choices = [
                (str(v.pk), v.name) for v in self.village_list
            ]
        else:
            del self.fields["villages"]

    def chosen(self) -> list | None:
        keys = set(self.cleaned_data.get("villages") or [])
        return [v for v in self.village_list if str(v.pk) in keys] or None


class CorrectForm(forms.Form):
    reason = forms.CharField(
        label=_("更正原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("更正已审批的报表须写明原因。"),
            "max_length": _("更正原因不能超过 500 字。"),
        },
    )


class ArchiveForm(forms.Form):
    reason = forms.CharField(
        label=_("停用原因"),
        max_length=500,
        error_messages={"required": _("请写明停用原因。"), "max_length": _("停用原因不能超过 500 字。")},
    )
