"""Writes of the reports upward (上报): the catalogue's forms, the superior's file and its mapping, and a period's
filing along its chain. Each checks its right in policy, is atomic and leaves one audit entry per change; every
step of the chain also writes a `FilingStep` (the filing page's history).

The chain (maker-checker): 填报中 → 待审核 → 待审批 → 已审批 (locked) → 已报送.
- Filling: `do_fill_filing` fetches the period's figures (fill.refill) into the period's current filing (made from
  the latest version of the superior's file); only cells Zhili does not hold (人工填写) or holds no data for (缺数)
  are typed (`do_enter_value`): a village's row by its cadres (who then confirm it, `do_confirm_row`), the
  subdistrict's own cells by whoever prepares the form. Changing a confirmed row's value clears its confirmation.
- Nothing leaves half-done: `do_submit_filing` refuses while any such cell is empty or any village row with cells
  to type is unconfirmed, naming the first few and the count.
- Four eyes: whoever submitted or typed a value never reviews; whoever submitted, reviewed or typed never
  approves. A reviewer or approver returns the filing with a comment (required) to 填报中, clearing the named
  villages' confirmations (all when none is named).
- An approved or sent filing is locked: any write is refused with a sentence saying to open a correction
  (`do_correct_filing`): version n + 1 with its reason, the typed values copied, the figures fetched again; the
  old version stays readable and becomes 已更正 (SUPERSEDED) when the correction is approved.
- A new version of the superior's file (`do_upload_version`) carries the previous mapping over (sheet.compare):
  cells found at their place stay, cells found elsewhere are proposed there (MOVED, to confirm), cells whose
  labels are gone are LOST (to re-map); no period is filled from that version until every such cell is settled.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, clock
from zhili.core.errors import Conflict, Invalid, NotFound, Refused, require
from zhili.excel import values as excel_values
from zhili.people import policy
from zhili.people.models import Person, Unit
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region
from zhili.reports import bindings, fill, periods, queries, sheet
from zhili.reports.models import (
    LOCKED,
    CellMap,
    Filing,
    FilingStatus,
    FilingStep,
    FilingValue,
    FilingVillage,
    FormVersion,
    Frequency,
    Layout,
    MapState,
    Origin,
    ReportForm,
    Step,
)

_LABELS = {
    "status": gettext_lazy("状态"),
    "version": gettext_lazy("版本"),
    "period": gettext_lazy("报送期"),
    "file": gettext_lazy("文件"),
    "filename": gettext_lazy("文件名"),
    "sheet": gettext_lazy("工作表"),
    "sha256": gettext_lazy("文件校验值"),
    "ref": gettext_lazy("单元格"),
    "label": gettext_lazy("栏目"),
    "binding": gettext_lazy("数据来源"),
    "state": gettext_lazy("映射状态"),
    "moved": gettext_lazy("位置变动的单元格"),
    "lost": gettext_lazy("需重新映射的单元格"),
    "value": gettext_lazy("数值"),
    "villages": gettext_lazy("村居"),
    "confirmation": gettext_lazy("村居确认时间"),
    "auto_cells": gettext_lazy("系统填写格数"),
    "hand_cells": gettext_lazy("人工填写格数"),
    "missing_cells": gettext_lazy("缺数格数"),
    "replaces": gettext_lazy("被更正的版本"),
}

audit.describe(
    {
        "reports.form.create": gettext_lazy("新增上报报表"),
        "reports.form.update": gettext_lazy("修改上报报表"),
        "reports.form.archive": gettext_lazy("停用上报报表"),
        "reports.version.upload": gettext_lazy("上传报表表样"),
        "reports.version.export": gettext_lazy("下载报表表样"),
        "reports.cell.map": gettext_lazy("映射单元格"),
        "reports.cell.remap": gettext_lazy("修改单元格映射"),
        "reports.cell.unmap": gettext_lazy("取消单元格映射"),
        "reports.cell.confirm_move": gettext_lazy("确认单元格新位置"),
        "reports.filing.fill": gettext_lazy("报表取数"),
        "reports.value.enter": gettext_lazy("填写报表数据"),
        "reports.row.confirm": gettext_lazy("村居确认报表"),
        "reports.filing.submit": gettext_lazy("提交报表审核"),
        "reports.filing.review": gettext_lazy("审核报表"),
        "reports.filing.approve": gettext_lazy("审批报表"),
        "reports.filing.return": gettext_lazy("退回报表"),
        "reports.filing.send": gettext_lazy("报表已报送"),
        "reports.filing.correct": gettext_lazy("更正报表"),
        "reports.filing.export": gettext_lazy("下载报表"),
    },
    fields={
        "reports.reportform": {
            "region": gettext_lazy("街道（乡镇）"),
            "code": gettext_lazy("报表编号"),
            "name": gettext_lazy("报表名称"),
            "requester": gettext_lazy("下达单位"),
            "receiver": gettext_lazy("接收科室"),
            "frequency": gettext_lazy("报送频次"),
            "deadline_days": gettext_lazy("报送时限（期末后工作日）"),
            "unit": gettext_lazy("责任科室"),
            "layout": gettext_lazy("表式"),
            "note": gettext_lazy("说明"),
            "archived_at": gettext_lazy("停用时间"),
        },
        # the changes' keys of the other objects the actions write (never "*": that would rename other apps')
        **{
            kind: _LABELS
            for kind in (
                "reports.formversion",
                "reports.cellmap",
                "reports.filing",
                "reports.filingvalue",
                "reports.filingvillage",
            )
        },
    },
)

_CELL_REF = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
_COLUMN = re.compile(r"^[A-Z]{1,3}$")
_FILENAME_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


# ---- small helpers ---------------------------------------------------------------------------------------------


def _step(filing: Filing, step: str, actor: Person | None, *, comment: str = "", village: Region | None = None):
    return FilingStep.objects.create(
        filing=filing,
        step=step,
        actor=actor if actor is not None and actor.pk else None,
        village=village,
        comment=comment[:500],
        at=clock.now(),
    )


def _lock_filing(pk: int) -> Filing:
    return (
        Filing.objects.select_for_update(of=("self",))
        .select_related("form__region", "form__unit", "form_version")
        .get(pk=pk)
    )


def _check_revision(filing: Filing, revision: int | None) -> None:
    """A page loaded before someone else changed the filing (a value typed, a step taken): 409."""
    if revision is not None and int(revision) != filing.revision:
        raise Conflict(
            _("%(period)s 第%(v)s版已于 %(at)s 被他人修改（当前为“%(status)s”），请刷新后再操作。")
            % {
                "period": filing.period,
                "v": filing.version,
                "at": f"{filing.modified_at.astimezone():%Y-%m-%d %H:%M}",
                "status": filing.get_status_display(),
            }
        )


def _refuse_locked(filing: Filing) -> None:
    """Any write to an approved, sent or superseded filing: a sentence saying to open a correction."""
    if filing.status == FilingStatus.SUPERSEDED:
        raise Invalid(
            _("%(period)s 第%(v)s版已被更正（已有新版本），不能再修改。")
            % {"period": filing.period, "v": filing.version}
        )
    if filing.status in LOCKED:
        raise Invalid(
            _("%(period)s 第%(v)s版已%(status)s并锁定，不能再修改；如需修改，请发起更正（生成新版本并说明原因）。")
            % {"period": filing.period, "v": filing.version, "status": filing.get_status_display()}
        )


def _require_filling(filing: Filing) -> None:
    _refuse_locked(filing)
    if filing.status != FilingStatus.FILLING:
        raise Invalid(
            _("%(period)s 第%(v)s版正%(status)s，不能修改；如需修改，请审核人退回后再改。")
            % {"period": filing.period, "v": filing.version, "status": filing.get_status_display()}
        )


def _plain_number(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _is_hand(value: FilingValue, cell_map: CellMap | None = None) -> bool:
    cm = cell_map or value.cell_map
    return (cm.binding or {}).get("kind") == "hand"


def _typists(filing: Filing) -> set[int]:
    return set(
        FilingValue.objects.filter(filing=filing, entered_by__isnull=False).values_list("entered_by_id", flat=True)
    )


def _current_filing(form: ReportForm, period: str) -> Filing | None:
    return Filing.objects.filter(form=form, period=period).order_by("-version").first()


def _latest_version(form: ReportForm) -> FormVersion | None:
    return FormVersion.objects.filter(form=form).order_by("-number").first()


def _villages_of(subdistrict: Region, on=None) -> list[Region]:
    return list(
        Region.objects.current(on).filter(parent=subdistrict, level=Level.VILLAGE).order_by("code").only("pk", "name")
    )


def _clean_text(value: Any, *, field: str, required: bool = False, max_length: int = 500) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Invalid(_("请填写%(field)s。") % {"field": field})
    if len(text) > max_length:
        raise Invalid(_("%(field)s不能超过 %(n)s 字。") % {"field": field, "n": max_length})
    return text


# ---- forms -----------------------------------------------------------------------------------------------------


def _unit_of(subdistrict: Region, raw: Any) -> Unit | None:
    if raw in (None, "", 0):
        return None
    unit: Unit | None
    if isinstance(raw, Unit):
        unit = raw
    else:
        unit = Unit.objects.filter(region=subdistrict).filter(pk=int(raw) if str(raw).isdigit() else -1).first()
        if unit is None:
            unit = Unit.objects.filter(region=subdistrict, code=str(raw)).first()
    if unit is None or unit.region_id != subdistrict.pk:
        raise Invalid(_("责任科室应为本街道的科室。"))
    return unit


def _form_shown(key: str, value: Any) -> Any:
    """A form's field as the audit log shows it: choices by their Chinese names, the office by its name."""
    if key == "frequency" and value:
        return str(Frequency(value).label)
    if key == "layout" and value:
        return str(Layout(value).label)
    if key == "unit":
        return value.name if value is not None else ""
    return value


def _clean_form(subdistrict: Region, data: dict, current: ReportForm | None) -> dict[str, Any]:
    """The form's fields from `data` (those given; all required ones when creating), checked."""
    out: dict[str, Any] = {}
    creating = current is None
    if creating or "code" in data:
        out["code"] = _clean_text(data.get("code"), field=_("报表编号"), required=True, max_length=30)
    if creating or "name" in data:
        out["name"] = _clean_text(data.get("name"), field=_("报表名称"), required=True, max_length=200)
    if creating or "requester" in data:
        out["requester"] = _clean_text(data.get("requester"), field=_("下达单位"), required=True, max_length=100)
    if "receiver" in data:
        out["receiver"] = _clean_text(data.get("receiver"), field=_("接收科室"), max_length=100)
    if "note" in data:
        out["note"] = _clean_text(data.get("note"), field=_("说明"), max_length=500)
    if creating or "frequency" in data:
        frequency = data.get("frequency") or Frequency.MONTH
        if frequency not in Frequency.values:
            raise Invalid(_("报送频次应为每周、每月、每季度或每年。"))
        out["frequency"] = frequency
    if creating or "layout" in data:
        layout = data.get("layout") or Layout.CELLS
        if layout not in Layout.values:
            raise Invalid(_("表式应为“一格一数”或“每村一行”。"))
        out["layout"] = layout
    if creating or "deadline_days" in data:
        raw = data.get("deadline_days", 5)
        try:
            days = int(raw if raw not in (None, "") else 5)
        except (TypeError, ValueError):
            raise Invalid(_("报送时限应为期末后的工作日数（0 至 60）。")) from None
        if not 0 <= days <= 60:
            raise Invalid(_("报送时限应为期末后的工作日数（0 至 60）。"))
        out["deadline_days"] = days
    if creating or "unit" in data:
        out["unit"] = _unit_of(subdistrict, data.get("unit"))
    if "code" in out:
        clash = ReportForm.objects.filter(region=subdistrict, code=out["code"])
        if current is not None:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            raise Invalid(_("本街道已有编号为“%(code)s”的报表。") % {"code": out["code"]})
    return out


@transaction.atomic
def do_create_form(subdistrict: Region, data: dict, *, actor: Person | None, scope: Scope) -> ReportForm:
    """A form in the subdistrict's catalogue (报表目录): who asks for it, how often, the deadline, the office in charge."""
    require(policy.add_report_forms(scope, subdistrict), _("只有街道领导或系统管理员可以在报表目录中新增报表。"))
    if subdistrict.level != Level.SUBDISTRICT:
        raise Invalid(_("报表目录属于街道（乡镇）。"))
    fields = _clean_form(subdistrict, data, None)
    try:
        with transaction.atomic():
            form = ReportForm.objects.create(region=subdistrict, **fields)
    except IntegrityError:
        raise Invalid(_("本街道已有编号为“%(code)s”的报表。") % {"code": fields["code"]}) from None
    audit.record(actor, "reports.form.create", form, changes={k: [None, _form_shown(k, v)] for k, v in fields.items()})
    return form


@transaction.atomic
def do_update_form(form: ReportForm, data: dict, *, revision: int | None, actor: Person | None, scope: Scope):
    """The form's details; naming another office in charge is the leaders' (as adding a form); the frequency and
    the layout cannot change once periods were filed (a different form, then); a stale page is a 409."""
    require(policy.prepare_reports(scope, form), _("只有责任科室的工作人员、街道领导或系统管理员可以修改这张报表。"))
    form = ReportForm.objects.select_for_update(of=("self",)).select_related("region", "unit").get(pk=form.pk)
    if revision is not None and int(revision) != form.revision:
        raise Conflict(
            _("报表“%(name)s”已于 %(at)s 被他人修改，请刷新后再改。")
            % {"name": form.name, "at": f"{form.modified_at.astimezone():%Y-%m-%d %H:%M}"}
        )
    if form.archived_at is not None:
        raise Invalid(_("报表“%(name)s”已停用，不能修改。") % {"name": form.name})
    fields = _clean_form(form.region, data, form)
    if "unit" in fields and fields["unit"] != form.unit:
        require(policy.add_report_forms(scope, form.region), _("只有街道领导或系统管理员可以更换报表的责任科室。"))
    if fields.get("frequency", form.frequency) != form.frequency and form.filings.exists():
        raise Invalid(_("这张报表已有报送记录，不能更改报送频次；如上级改了频次，请新增一张报表。"))
    if fields.get("layout", form.layout) != form.layout and form.versions.exists():
        raise Invalid(_("这张报表已上传表样，不能更改表式；如上级改了表式，请新增一张报表。"))
    before = {k: _form_shown(k, getattr(form, k)) for k in fields}
    for key, value in fields.items():
        setattr(form, key, value)
    changes = audit.diff(before, {k: _form_shown(k, getattr(form, k)) for k in fields})
    if changes:
        form.revision += 1
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:
            raise Invalid(_("本街道已有编号为“%(code)s”的报表。") % {"code": form.code}) from None
        audit.record(actor, "reports.form.update", form, changes=changes)
    return form


@transaction.atomic
def do_archive_form(form: ReportForm, reason: str, *, actor: Person | None, scope: Scope) -> ReportForm:
    """Take a form out of the catalogue (the superior stopped asking for it); its filings stay readable."""
    require(policy.add_report_forms(scope, form.region), _("只有街道领导或系统管理员可以停用报表。"))
    reason = _clean_text(reason, field=_("停用原因"), required=True)
    form = ReportForm.objects.select_for_update(of=("self",)).get(pk=form.pk)
    if form.archived_at is not None:
        raise Invalid(_("报表“%(name)s”已停用。") % {"name": form.name})
    form.archived_at = clock.now()
    form.revision += 1
    form.save(update_fields=["archived_at", "revision", "modified_at"])
    audit.record(actor, "reports.form.archive", form, changes={"archived_at": [None, form.archived_at]}, reason=reason)
    return form


def _refuse_archived(form: ReportForm) -> None:
    if form.archived_at is not None:
        raise Invalid(_("报表“%(name)s”已停用。") % {"name": form.name})


# ---- the superior's file and its mapping -----------------------------------------------------------------------


def _refuse_prepare(scope: Scope, form: ReportForm) -> None:
    require(
        policy.prepare_reports(scope, form),
        _("只有责任科室的工作人员、街道领导或系统管理员可以维护这张报表。"),
    )


@transaction.atomic
def do_upload_version(
    form: ReportForm,
    filename: str,
    content: bytes,
    *,
    sheet: str | None = None,
    actor: Person | None,
    scope: Scope,
    rows: dict | None = None,
) -> FormVersion:
    """The superior's file as uploaded, version n + 1 (kept as bytes, never rewritten). A `ROWS` form's village
    rows come from `rows` (key_column, first_row, last_row, total_row) or are guessed from the villages' names.
    The previous version's mapping is carried over: found at its place (OK), elsewhere (MOVED: to confirm), or
    gone (LOST: to re-map)."""
    _refuse_prepare(scope, form)
    form = ReportForm.objects.select_for_update(of=("self",)).select_related("region").get(pk=form.pk)
    _refuse_archived(form)
    filename = _clean_text(filename, field=_("文件名"), required=True, max_length=200)
    _load_sheet(content)
    names = _sheet_names(content)
    sheet_name = sheet or (names[0] if names else "")
    if sheet_name not in names:
        raise Invalid(_("文件中没有名为“%(sheet)s”的工作表。") % {"sheet": sheet_name})
    previous = _latest_version(form)
    digest = hashlib.sha256(content).hexdigest()
    if previous is not None and previous.sha256 == digest and previous.sheet == sheet_name and not rows:
        raise Invalid(_("这个文件与第%(n)s版表样完全相同，无需重新上传。") % {"n": previous.number})
    layout_rows: dict[str, Any] = {}
    if form.layout == Layout.ROWS:
        layout_rows = _clean_rows(rows) if rows else _guess_rows(content, sheet_name, form.region)
    version = FormVersion.objects.create(
        form=form,
        number=(previous.number + 1) if previous is not None else 1,
        filename=filename,
        content=content,
        sha256=digest,
        sheet=sheet_name,
        uploaded_by=actor if actor is not None and actor.pk else None,
        **layout_rows,
    )
    changes: dict[str, Any] = {
        "version": [previous.number if previous else None, version.number],
        "filename": [previous.filename if previous else None, filename],
        "sheet": [None, sheet_name],
        "sha256": [None, digest],
    }
    if previous is not None:
        moved, lost = _carry_mapping(previous, version, actor)
        if moved:
            changes["moved"] = [None, moved]
        if lost:
            changes["lost"] = [None, lost]
    audit.record(actor, "reports.version.upload", version, changes=changes)
    return version


def _load_sheet(content: bytes):
    return sheet.load(content)


def _sheet_names(content: bytes) -> list[str]:
    return list(sheet.sheet_names(content))


def _clean_rows(rows: dict) -> dict[str, Any]:
    key_column = str(rows.get("key_column") or "").strip().upper()
    if not _COLUMN.match(key_column):
        raise Invalid(_("请指明村居名称所在的列（如 B）。"))
    out: dict[str, Any] = {"key_column": key_column}
    for key, label in (("first_row", _("首个村居行")), ("last_row", _("末个村居行")), ("total_row", _("合计行"))):
        raw = rows.get(key)
        if raw in (None, ""):
            if key != "total_row":
                raise Invalid(_("请填写%(field)s。") % {"field": label})
            out[key] = None
            continue
        try:
            out[key] = int(raw)
        except (TypeError, ValueError):
            raise Invalid(_("%(field)s应为行号。") % {"field": label}) from None
        if out[key] < 1:
            raise Invalid(_("%(field)s应为行号。") % {"field": label})
    if out["last_row"] < out["first_row"]:
        raise Invalid(_("末个村居行不能在首个村居行之前。"))
    if out["total_row"] is not None and out["first_row"] <= out["total_row"] <= out["last_row"]:
        raise Invalid(_("合计行不能在村居行之间。"))
    return out


def _guess_rows(content: bytes, sheet_name: str, subdistrict: Region) -> dict[str, Any]:
    names = [v.name for v in _villages_of(subdistrict)]
    guessed = sheet.guess_rows(content, sheet_name, names) or {}
    if not guessed.get("key_column") or not guessed.get("first_row"):
        raise Invalid(_("没有在表中找到村居名称所在的行，请指明村居名称所在的列和首末行号。"))
    return {
        "key_column": guessed["key_column"],
        "first_row": guessed["first_row"],
        "last_row": guessed.get("last_row") or guessed["first_row"],
        "total_row": guessed.get("total_row"),
    }


def _carry_mapping(previous: FormVersion, version: FormVersion, actor: Person | None) -> tuple[list[str], list[str]]:
    """The previous version's CellMaps onto the new version (sheet.compare): OK at the same ref, MOVED at the new
    ref (moved_from the old one), LOST kept at the old ref (or, when that ref is taken, kept under its old ref
    marked with "~"). Returns (moved "D7→E8", lost "D9")."""
    old_maps = list(CellMap.objects.filter(version=previous).order_by("pk"))
    if not old_maps:
        return [], []
    moves = sheet.compare(previous, version, old_maps)
    by_id = {m.cell_map.pk: m for m in moves}
    taken: set[str] = set()
    placed: list[tuple[CellMap, str, str, str]] = []  # (old, state, ref, moved_from)
    lost_later: list[CellMap] = []
    for old in old_maps:
        move = by_id.get(old.pk)
        state = move.state if move is not None else MapState.LOST
        if state == MapState.LOST or old.state == MapState.LOST:
            lost_later.append(old)
            continue
        ref = move.ref if move is not None else old.ref
        if ref in taken:  # two labels found at one place: the second is asked again
            lost_later.append(old)
            continue
        taken.add(ref)
        if state == MapState.MOVED or ref != old.ref:
            placed.append((old, MapState.MOVED, ref, old.ref))
        elif old.state == MapState.MOVED:  # still unconfirmed from the version before
            placed.append((old, MapState.MOVED, ref, old.moved_from))
        else:
            placed.append((old, MapState.OK, ref, ""))
    moved, lost = [], []
    created = []
    for old, state, ref, moved_from in placed:
        created.append(
            CellMap(
                version=version,
                ref=ref,
                label=old.label,
                binding=old.binding,
                anchor=old.anchor,
                state=state,
                moved_from=moved_from,
                mapped_by=old.mapped_by,
            )
        )
        if state == MapState.MOVED:
            moved.append(f"{moved_from}→{ref}")
    for old in lost_later:
        base = old.moved_from if old.state == MapState.LOST and old.moved_from else old.ref
        ref = base if base not in taken else f"~{base}"[:10]
        taken.add(ref)
        created.append(
            CellMap(
                version=version,
                ref=ref,
                label=old.label,
                binding=old.binding,
                anchor=old.anchor,
                state=MapState.LOST,
                moved_from=base,
                mapped_by=old.mapped_by,
            )
        )
        lost.append(base)
    CellMap.objects.bulk_create(created)
    return moved, lost


def _refuse_old_version(version: FormVersion) -> None:
    latest = _latest_version(version.form)
    if latest is not None and latest.pk != version.pk:
        raise Invalid(
            _("第%(n)s版表样已有更新的版本（第%(latest)s版），请在最新版上映射。")
            % {"n": version.number, "latest": latest.number}
        )


def _clean_ref(version: FormVersion, ref: str) -> str:
    ref = (ref or "").strip().upper().replace("$", "")
    if version.form.layout == Layout.ROWS:
        if not _COLUMN.match(ref):
            raise Invalid(_("每村一行的报表按列映射：请选一列（如 D），而不是“%(ref)s”。") % {"ref": ref})
        if ref == version.key_column:
            raise Invalid(_("%(ref)s 列是村居名称，不能映射为数据。") % {"ref": ref})
        return ref
    m = _CELL_REF.match(ref)
    if not m:
        raise Invalid(_("“%(ref)s”不是有效的单元格（应如 D7）。") % {"ref": ref})
    book = sheet.load(bytes(version.content))
    ws = book[version.sheet] if version.sheet in book.sheetnames else book.worksheets[0]
    for merged in ws.merged_cells.ranges:
        if ref in merged and ref != merged.start_cell.coordinate:
            raise Invalid(
                _("单元格 %(ref)s 在合并区域 %(range)s 之内，数只能写在合并区域左上角的 %(first)s。")
                % {"ref": ref, "range": merged.coord, "first": merged.start_cell.coordinate}
            )
    return ref


def _label_and_anchor(version: FormVersion, ref: str) -> tuple[str, dict]:
    content = bytes(version.content)
    kw: dict[str, Any] = {"layout": version.form.layout}
    if version.form.layout == Layout.ROWS:
        kw.update(key_column=version.key_column or None, first_row=version.first_row)
    label = sheet.label_of(content, ref, sheet=version.sheet or None, **kw)
    anchor = sheet.anchor_of(content, ref, sheet=version.sheet or None, **kw)
    return str(label or "")[:300], dict(anchor or {})


@transaction.atomic
def do_map_cell(
    version: FormVersion,
    ref: str,
    binding: dict,
    *,
    label: str | None = None,
    actor: Person | None,
    scope: Scope,
    instead_of: CellMap | None = None,
) -> CellMap:
    """Bind a cell (CELLS: "D7") or a column (ROWS: "D") of the latest version to where its figure comes from
    (bindings.check: a figure the mapper may not see is refused). Re-mapping a ref replaces its binding (audited
    old → new). `instead_of`: a MOVED or LOST cell re-mapped elsewhere — it is replaced by this one."""
    form = version.form
    _refuse_prepare(scope, form)
    _refuse_archived(form)
    version = FormVersion.objects.select_for_update(of=("self",)).select_related("form__region").get(pk=version.pk)
    _refuse_old_version(version)
    ref = _clean_ref(version, ref)
    checked = bindings.check(binding, form.region, scope)
    if label is None or not str(label).strip():
        label, anchor = _label_and_anchor(version, ref)
    else:
        label = _clean_text(label, field=_("栏目"), max_length=300)
        anchor = _label_and_anchor(version, ref)[1]
    if instead_of is not None:
        if instead_of.version_id != version.pk:
            raise NotFound(_("不存在或无权查看。"))
        if instead_of.ref != ref:
            _refuse_used(instead_of)
            FilingValue.objects.filter(cell_map=instead_of, filing__status=FilingStatus.FILLING).delete()
            instead_of.delete()
    cell = CellMap.objects.select_for_update(of=("self",)).filter(version=version, ref=ref).first()
    if cell is None:
        cell = CellMap.objects.create(
            version=version,
            ref=ref,
            label=label,
            binding=checked,
            anchor=anchor,
            state=MapState.OK,
            mapped_by=actor if actor is not None and actor.pk else None,
        )
        audit.record(
            actor,
            "reports.cell.map",
            cell,
            changes={"ref": [None, ref], "label": [None, label], "binding": [None, bindings.describe(checked)]},
        )
        return cell
    before = {
        "binding": bindings.describe(cell.binding) if cell.binding else "",
        "label": cell.label,
        "state": cell.get_state_display(),
    }
    cell.binding = checked
    cell.label = label
    cell.anchor = anchor
    cell.state = MapState.OK
    cell.mapped_by = actor if actor is not None and actor.pk else None
    cell.save()
    after = {"binding": bindings.describe(checked), "label": label, "state": cell.get_state_display()}
    audit.record(actor, "reports.cell.remap", cell, changes={"ref": [ref, ref], **audit.diff(before, after)})
    return cell


def _refuse_used(cell: CellMap) -> None:
    """A mapping that filings under review, approved or sent were written with stays (their values point to it)."""
    used = (
        FilingValue.objects.filter(cell_map=cell)
        .exclude(filing__status=FilingStatus.FILLING)
        .values_list("filing__period", flat=True)
        .first()
    )
    if used is not None:
        raise Invalid(
            _("%(period)s 的报送已用这个单元格的映射提交或审批，不能取消；请上传新版表样后在新版上修改。")
            % {"period": used}
        )


@transaction.atomic
def do_unmap_cell(cell_map: CellMap, *, actor: Person | None, scope: Scope) -> None:
    """Remove a mapping of the latest version (the cell is no longer written); a filing being filled loses that
    cell's values; a mapping already submitted, approved or sent with stays (upload a new version instead)."""
    form = cell_map.version.form
    _refuse_prepare(scope, form)
    cell = CellMap.objects.select_for_update(of=("self",)).select_related("version__form__region").get(pk=cell_map.pk)
    _refuse_old_version(cell.version)
    _refuse_used(cell)
    FilingValue.objects.filter(cell_map=cell, filing__status=FilingStatus.FILLING).delete()
    audit.record(
        actor,
        "reports.cell.unmap",
        cell,
        changes={
            "ref": [cell.ref, None],
            "label": [cell.label, None],
            "binding": [bindings.describe(cell.binding), None],
        },
    )
    cell.delete()


@transaction.atomic
def do_confirm_move(cell_map: CellMap, *, actor: Person | None, scope: Scope) -> CellMap:
    """A MOVED cell confirmed at its new place (OK); `moved_from` keeps where it was."""
    _refuse_prepare(scope, cell_map.version.form)
    cell = CellMap.objects.select_for_update(of=("self",)).select_related("version__form__region").get(pk=cell_map.pk)
    _refuse_old_version(cell.version)
    if cell.state != MapState.MOVED:
        raise Invalid(_("单元格 %(ref)s 的位置没有变动，无需确认。") % {"ref": cell.ref})
    cell.state = MapState.OK
    cell.save(update_fields=["state", "modified_at"])
    audit.record(
        actor,
        "reports.cell.confirm_move",
        cell,
        changes={"ref": [cell.moved_from, cell.ref], "state": [str(MapState.MOVED.label), str(MapState.OK.label)]},
    )
    return cell


# ---- filling ---------------------------------------------------------------------------------------------------


def unsettled(version: FormVersion) -> int:
    """How many cells of `version` moved or were lost and are not settled yet."""
    return CellMap.objects.filter(version=version, state__in=(MapState.MOVED, MapState.LOST)).count()


@transaction.atomic
def do_fill_filing(form: ReportForm, period_key: str, *, actor: Person | None, scope: Scope) -> Filing:
    """Fetch the period's figures into its current filing (made, version 1 and 填报中, from the latest version of
    the superior's file when there is none); values typed by people are kept. Refused while the version has moved
    or lost cells, and for a filing under review (return it first) or locked (open a correction)."""
    _refuse_prepare(scope, form)
    form = ReportForm.objects.select_for_update(of=("self",)).select_related("region", "unit").get(pk=form.pk)
    _refuse_archived(form)
    period = periods.parse(form.frequency, period_key)
    if period.start > clock.today():
        raise Invalid(_("%(period)s 尚未开始，不能取数。") % {"period": period.label})
    filing = _current_filing(form, period.key)
    if filing is not None:
        filing = _lock_filing(filing.pk)
        _require_filling(filing)
        version = filing.form_version
        latest = _latest_version(form)
        if latest is not None and latest.pk != version.pk:
            _refuse_unsettled(latest)
            _switch_version(filing, latest)
            version = latest
    else:
        first = _latest_version(form)
        if first is None:
            raise Invalid(_("报表“%(name)s”还没有上传表样，请先上传上级下发的 Excel 表。") % {"name": form.name})
        version = first
    _refuse_unsettled(version)
    if not CellMap.objects.filter(version=version).exists():
        raise Invalid(_("第%(n)s版表样还没有映射任何单元格，请先映射。") % {"n": version.number})
    created = filing is None
    if filing is None:
        filing = Filing.objects.create(
            form=form,
            subdistrict_id=form.region_id,
            form_version=version,
            period=period.key,
            start=period.start,
            end=period.end,
            due=period.due(form.deadline_days),
            version=1,
        )
    counted = ("auto_cells", "hand_cells", "missing_cells")
    before = {k: None for k in counted} if created else audit.snapshot(filing, counted)
    fill.refill(filing)
    filing.refresh_from_db()
    filing.revision += 1
    filing.save(update_fields=["revision", "modified_at"])
    changes: dict[str, Any] = {k: [before[k], v] for k, v in audit.snapshot(filing, counted).items()}
    changes["period"] = [None if created else filing.period, filing.period]
    changes["version"] = [None if created else filing.version, filing.version]
    _step(filing, Step.FILLED, actor)
    audit.record(actor, "reports.filing.fill", filing, changes=changes)
    return filing


def _refuse_unsettled(version: FormVersion) -> None:
    count = unsettled(version)
    if count:
        raise Invalid(
            _("表样第%(n)s版有 %(count)s 个单元格位置变了，请先确认映射。") % {"n": version.number, "count": count}
        )


def _switch_version(filing: Filing, version: FormVersion) -> None:
    """A filing being filled moves onto a newer version of the superior's file: the values people typed follow
    their cell (by the mapping carried over), the rest is fetched again (fill.refill)."""
    new_maps = list(CellMap.objects.filter(version=version))
    old_maps = {cm.pk: cm for cm in CellMap.objects.filter(version_id=filing.form_version_id)}
    by_old_ref: dict[str, CellMap] = {cm.ref: cm for cm in new_maps if not cm.moved_from}
    by_old_ref.update({cm.moved_from: cm for cm in new_maps if cm.moved_from})  # a moved cell wins its old ref
    kept = []
    for value in FilingValue.objects.filter(filing=filing):
        old = old_maps.get(value.cell_map_id)
        new = by_old_ref.get(old.ref) if old is not None else None
        if value.entered_by_id is None or new is None or new.state != MapState.OK:
            value.delete()
            continue
        row = re.sub(r"^[A-Z]+", "", value.ref)
        if filing.form.layout == Layout.ROWS:
            value.ref = f"{new.ref}{row}"
        else:
            value.ref = new.ref
        value.cell_map = new
        kept.append(value)
    # two passes: a ref freed by one value may be taken by another
    for value in kept:
        FilingValue.objects.filter(pk=value.pk).update(ref=f"~{value.pk}"[:10])
    for value in kept:
        value.save(update_fields=["ref", "cell_map"])
    filing.form_version = version
    filing.save(update_fields=["form_version", "modified_at"])


@transaction.atomic
def do_enter_value(value: FilingValue, text: str, *, revision: int | None, actor: Person | None, scope: Scope):
    """Type one cell Zhili does not hold (人工填写) or holds no data for (缺数), while the filing is 填报中: a
    village's row by its cadres (or whoever prepares the form), the subdistrict's cells by whoever prepares it.
    An empty text clears the cell; a value changed in a confirmed row clears the row's confirmation."""
    filing = _lock_filing(value.filing_id)  # the filing first, then its value: the order every write takes
    form = filing.form
    value = (
        FilingValue.objects.select_for_update(of=("self",))
        .select_related("cell_map", "village", "entered_by")
        .get(pk=value.pk, filing=filing)
    )
    village = value.village
    if village is not None:
        require(
            policy.fill_report_row(scope, form, village),
            _("只有%(village)s的村干部或报表责任科室的工作人员可以填写这一行。") % {"village": village.name},
        )
    else:
        _refuse_prepare(scope, form)
    _require_filling(filing)
    if value.origin not in (Origin.HAND, Origin.MISSING):
        raise Invalid(
            _("单元格 %(ref)s 由系统按“%(source)s”取数，不能手工修改；如数据有误，请更正源数据后重新取数。")
            % {"ref": value.ref, "source": bindings.describe(value.cell_map.binding)}
        )
    if revision is not None and int(revision) != value.revision:
        who = value.entered_by.get_full_name() if value.entered_by is not None else ""
        raise Conflict(
            _("单元格 %(ref)s 已被%(who)s修改为“%(value)s”，请刷新后再填。")
            % {"ref": value.ref, "who": who or _("他人"), "value": queries.shown(value) or _("空")}
        )
    try:
        parsed = excel_values.parse_decimal(text, decimals=4)
    except excel_values.ValueProblem as exc:
        raise Invalid(exc.message) from None
    number = parsed.value
    if number is not None and abs(number) >= Decimal(10) ** 16:
        raise Invalid(_("“%(text)s”太大，不是这张表能填的数。") % {"text": str(text).strip()})
    old = queries.shown(value)
    origin = Origin.HAND if number is not None or _is_hand(value) else Origin.MISSING
    if number == value.number and origin == value.origin:
        return value
    value.origin = origin
    value.number = number
    value.text = _plain_number(number) if number is not None else ""
    value.entered_by = actor if actor is not None and actor.pk else None
    value.entered_at = clock.now()
    value.revision += 1
    value.save()
    changes: dict[str, Any] = {"ref": [value.ref, value.ref], "value": [old or None, value.text or None]}
    if village is not None:
        row = FilingVillage.objects.select_for_update(of=("self",)).filter(filing=filing, village=village).first()
        if row is not None and row.confirmed_at is not None:
            changes["confirmation"] = [row.confirmed_at, None]
            row.confirmed_by = None
            row.confirmed_at = None
            row.save(update_fields=["confirmed_by", "confirmed_at"])
    fill.settle_totals(filing, save=False)
    auto, hand, missing = fill.counts(filing)
    filing.auto_cells, filing.hand_cells, filing.missing_cells = auto, hand, missing
    filing.revision += 1
    filing.save(update_fields=["auto_cells", "hand_cells", "missing_cells", "revision", "modified_at"])
    audit.record(actor, "reports.value.enter", value, changes=changes)
    return value


@transaction.atomic
def do_confirm_row(filing: Filing, village: Region, *, actor: Person | None, scope: Scope) -> FilingVillage:
    """A village's cadres confirm their row (every cell of it they must fill is filled)."""
    require(
        policy.fill_report_row(scope, filing.form, village),
        _("只有%(village)s的村干部或报表责任科室的工作人员可以确认这一行。") % {"village": village.name},
    )
    filing = _lock_filing(filing.pk)
    _require_filling(filing)
    row = FilingVillage.objects.select_for_update(of=("self",)).filter(filing=filing, village=village).first()
    if row is None:
        raise NotFound(_("这张报表没有%(village)s的行。") % {"village": village.name})
    if row.confirmed_at is not None:
        raise Invalid(_("%(village)s已确认过本期报表。") % {"village": village.name})
    empty = [
        queries.cell_name(v)
        for v in FilingValue.objects.filter(filing=filing, village=village)
        .select_related("cell_map", "village")
        .order_by("ref")
        if queries.to_fill(v)
    ]
    if empty:
        raise Invalid(
            _("%(village)s还有 %(count)s 格未填写：%(cells)s。请填完后再确认。")
            % {"village": village.name, "count": len(empty), "cells": queries.listed(empty)}
        )
    row.confirmed_by = actor if actor is not None and actor.pk else None
    row.confirmed_at = clock.now()
    row.save(update_fields=["confirmed_by", "confirmed_at"])
    _step(filing, Step.CONFIRMED, actor, village=village)
    audit.record(actor, "reports.row.confirm", row, changes={"confirmation": [None, row.confirmed_at]})
    return row


def blockers(filing: Filing) -> list[str]:
    """Why `filing` cannot be submitted yet (queries.blockers_of: cells still empty, village rows not confirmed)."""
    values = list(FilingValue.objects.filter(filing=filing).select_related("cell_map", "village"))
    rows = list(FilingVillage.objects.filter(filing=filing).select_related("village"))
    return queries.blockers_of(filing, values, rows)


@transaction.atomic
def do_submit_filing(filing: Filing, *, actor: Person | None, scope: Scope, revision: int | None = None) -> Filing:
    """填报中 → 待审核, only when nothing is left: every cell to type filled, every village row with such cells
    confirmed (never sent half-done)."""
    _refuse_prepare(scope, filing.form)
    filing = _lock_filing(filing.pk)
    _check_revision(filing, revision)
    _require_filling(filing)
    left = blockers(filing)
    if left:
        raise Invalid(_("不能提交审核：") + "".join(left))
    filing.status = FilingStatus.REVIEW
    filing.submitted_by = actor if actor is not None and actor.pk else None
    filing.revision += 1
    filing.save(update_fields=["status", "submitted_by", "revision", "modified_at"])
    _step(filing, Step.SUBMITTED, actor)
    audit.record(actor, "reports.filing.submit", filing, changes=_status_change(FilingStatus.FILLING, filing.status))
    return filing


def _status_change(old: str, new: str) -> dict[str, list]:
    return {"status": [str(FilingStatus(old).label), str(FilingStatus(new).label)]}


def _require_status(filing: Filing, status: str, doing: str) -> None:
    _refuse_locked(filing)
    if filing.status != status:
        raise Invalid(
            _("%(period)s 第%(v)s版当前为“%(status)s”，不能%(doing)s。")
            % {"period": filing.period, "v": filing.version, "status": filing.get_status_display(), "doing": doing}
        )


@transaction.atomic
def do_review_filing(filing: Filing, *, actor: Person | None, scope: Scope, revision: int | None = None) -> Filing:
    """待审核 → 待审批 (科室审核): never by whoever submitted it or typed any of its values."""
    require(policy.review_report(scope, filing.form), _("只有责任科室的工作人员或街道领导可以审核这张报表。"))
    filing = _lock_filing(filing.pk)
    _check_revision(filing, revision)
    _require_status(filing, FilingStatus.REVIEW, _("审核"))
    refusal = queries.same_person_refusal(
        filing, actor.pk if actor is not None else None, step=Step.REVIEWED, typists=_typists(filing)
    )
    if refusal:
        raise Refused(refusal)
    filing.status = FilingStatus.APPROVAL
    filing.reviewed_by = actor if actor is not None and actor.pk else None
    filing.revision += 1
    filing.save(update_fields=["status", "reviewed_by", "revision", "modified_at"])
    _step(filing, Step.REVIEWED, actor)
    audit.record(actor, "reports.filing.review", filing, changes=_status_change(FilingStatus.REVIEW, filing.status))
    return filing


@transaction.atomic
def do_approve_filing(filing: Filing, *, actor: Person | None, scope: Scope, revision: int | None = None) -> Filing:
    """待审批 → 已审批 (领导审批), locked: never by whoever submitted, reviewed or typed it. The version it
    corrects becomes 已更正."""
    require(policy.approve_report(scope, filing.form), _("只有街道领导可以审批上报报表。"))
    filing = _lock_filing(filing.pk)
    _check_revision(filing, revision)
    _require_status(filing, FilingStatus.APPROVAL, _("审批"))
    refusal = queries.same_person_refusal(
        filing, actor.pk if actor is not None else None, step=Step.APPROVED, typists=_typists(filing)
    )
    if refusal:
        raise Refused(refusal)
    filing.status = FilingStatus.APPROVED
    filing.approved_by = actor if actor is not None and actor.pk else None
    filing.approved_at = clock.now()
    filing.revision += 1
    filing.save(update_fields=["status", "approved_by", "approved_at", "revision", "modified_at"])
    superseded = list(
        Filing.objects.select_for_update(of=("self",))
        .filter(form=filing.form, period=filing.period, version__lt=filing.version)
        .filter(status__in=(FilingStatus.APPROVED, FilingStatus.SENT))
    )
    for old in superseded:
        old.status = FilingStatus.SUPERSEDED
        old.revision += 1
        old.save(update_fields=["status", "revision", "modified_at"])
    _step(filing, Step.APPROVED, actor)
    changes = _status_change(FilingStatus.APPROVAL, filing.status)
    if superseded:
        changes["replaces"] = [None, "、".join(_("第%(v)s版") % {"v": o.version} for o in superseded)]
    audit.record(actor, "reports.filing.approve", filing, changes=changes)
    return filing


@transaction.atomic
def do_return_filing(
    filing: Filing,
    comment: str,
    *,
    villages: list[Region] | None = None,
    actor: Person | None,
    scope: Scope,
    revision: int | None = None,
) -> Filing:
    """Send a filing under review (the reviewers) or awaiting approval (the leaders) back to 填报中 with a comment
    (required); the named villages' confirmations are cleared with it (all villages' when none is named)."""
    comment = _clean_text(comment, field=_("退回意见"), required=True)
    filing = _lock_filing(filing.pk)
    _check_revision(filing, revision)
    _refuse_locked(filing)
    if filing.status == FilingStatus.REVIEW:
        require(policy.review_report(scope, filing.form), _("只有责任科室的工作人员或街道领导可以退回待审核的报表。"))
    elif filing.status == FilingStatus.APPROVAL:
        require(policy.approve_report(scope, filing.form), _("只有街道领导可以退回待审批的报表。"))
    else:
        raise Invalid(
            _("%(period)s 第%(v)s版当前为“%(status)s”，没有可退回的环节。")
            % {"period": filing.period, "v": filing.version, "status": filing.get_status_display()}
        )
    rows = list(FilingVillage.objects.select_for_update(of=("self",)).filter(filing=filing).select_related("village"))
    if villages:
        wanted = {v.pk for v in villages}
        named = [r for r in rows if r.village_id in wanted]
        if len(named) != len(wanted):
            raise Invalid(_("退回的村居不在这张报表中。"))
    else:
        named = rows
    for row in named:
        row.confirmed_by = None
        row.confirmed_at = None
        row.returned_note = comment
        row.save(update_fields=["confirmed_by", "confirmed_at", "returned_note"])
    old_status = filing.status
    filing.status = FilingStatus.FILLING
    filing.submitted_by = None
    filing.reviewed_by = None
    filing.revision += 1
    filing.save(update_fields=["status", "submitted_by", "reviewed_by", "revision", "modified_at"])
    if villages:
        for row in named:
            _step(filing, Step.RETURNED, actor, comment=comment, village=row.village)
    else:
        _step(filing, Step.RETURNED, actor, comment=comment)
    changes = _status_change(old_status, filing.status)
    if named:
        changes["villages"] = [None, "、".join(r.village.name for r in named)]
    audit.record(actor, "reports.filing.return", filing, changes=changes, reason=comment)
    return filing


@transaction.atomic
def do_mark_sent(filing: Filing, *, actor: Person | None, scope: Scope, revision: int | None = None) -> Filing:
    """已审批 → 已报送 (the file went to the superior)."""
    _refuse_prepare(scope, filing.form)
    filing = _lock_filing(filing.pk)
    _check_revision(filing, revision)
    if filing.status != FilingStatus.APPROVED:
        if filing.status == FilingStatus.SENT:
            raise Invalid(_("%(period)s 第%(v)s版已报送。") % {"period": filing.period, "v": filing.version})
        raise Invalid(
            _("%(period)s 第%(v)s版当前为“%(status)s”，审批通过后才能报送。")
            % {"period": filing.period, "v": filing.version, "status": filing.get_status_display()}
        )
    filing.status = FilingStatus.SENT
    filing.sent_at = clock.now()
    filing.revision += 1
    filing.save(update_fields=["status", "sent_at", "revision", "modified_at"])
    _step(filing, Step.SENT, actor)
    audit.record(actor, "reports.filing.send", filing, changes=_status_change(FilingStatus.APPROVED, filing.status))
    return filing


@transaction.atomic
def do_correct_filing(
    filing: Filing, reason: str, *, actor: Person | None, scope: Scope, revision: int | None = None
) -> Filing:
    """Open a correction of an approved or sent filing: version n + 1, 填报中, with its reason; the values people
    typed (and the villages' confirmations) are copied, the figures fetched again. The old version stays as it
    was until the correction is approved (then 已更正)."""
    form = filing.form
    require(
        policy.prepare_reports(scope, form) or policy.approve_report(scope, form),
        _("只有责任科室的工作人员、街道领导或系统管理员可以发起更正。"),
    )
    reason = _clean_text(reason, field=_("更正原因"), required=True)
    form = ReportForm.objects.select_for_update(of=("self",)).get(pk=form.pk)
    filing = _lock_filing(filing.pk)
    _check_revision(filing, revision)
    if filing.status == FilingStatus.SUPERSEDED:
        raise Invalid(
            _("%(period)s 第%(v)s版已被更正（已有新版本），如需再改，请更正最新的版本。")
            % {"period": filing.period, "v": filing.version}
        )
    if filing.status == FilingStatus.FILLING:
        raise Invalid(
            _("%(period)s 第%(v)s版还在填报中，可直接修改，无需更正。") % {"period": filing.period, "v": filing.version}
        )
    if filing.status not in (FilingStatus.APPROVED, FilingStatus.SENT):
        raise Invalid(
            _("%(period)s 第%(v)s版正%(status)s，尚未审批；如需修改，请审核人退回后再改。")
            % {"period": filing.period, "v": filing.version, "status": filing.get_status_display()}
        )
    newer = _current_filing(form, filing.period)
    if newer is not None and newer.pk != filing.pk:
        raise Invalid(
            _("%(period)s 已有更正中的第%(v)s版，请在该版本上修改。") % {"period": filing.period, "v": newer.version}
        )
    new = Filing.objects.create(
        form=form,
        subdistrict_id=form.region_id,
        form_version=filing.form_version,
        period=filing.period,
        start=filing.start,
        end=filing.end,
        due=filing.due,
        version=filing.version + 1,
        correction_reason=reason,
        replaces=filing,
    )
    copied = [
        FilingValue(
            filing=new,
            subdistrict_id=form.region_id,
            ref=v.ref,
            cell_map_id=v.cell_map_id,
            village_id=v.village_id,
            origin=v.origin,
            number=v.number,
            text=v.text,
            trace=v.trace,
            entered_by_id=v.entered_by_id,
            entered_at=v.entered_at,
        )
        for v in FilingValue.objects.filter(filing=filing, origin=Origin.HAND)
    ]
    FilingValue.objects.bulk_create(copied)
    FilingVillage.objects.bulk_create(
        [
            FilingVillage(
                filing=new,
                village_id=r.village_id,
                row=r.row,
                confirmed_by_id=r.confirmed_by_id,
                confirmed_at=r.confirmed_at,
            )
            for r in FilingVillage.objects.filter(filing=filing)
        ]
    )
    fill.refill(new)
    new.refresh_from_db()
    _step(filing, Step.CORRECTED, actor, comment=reason)
    _step(new, Step.CORRECTED, actor, comment=reason)
    audit.record(
        actor,
        "reports.filing.correct",
        new,
        changes={"version": [filing.version, new.version], "period": [filing.period, new.period]},
        reason=reason,
    )
    return new


# ---- files that leave ------------------------------------------------------------------------------------------


def _safe(text: str) -> str:
    return _FILENAME_UNSAFE.sub("_", text).strip("_")


def filename_of(filing: Filing) -> str:
    form = filing.form
    return f"{_safe(form.code)}_{_safe(form.name)}_{filing.period}_第{filing.version}版.xlsx"


@transaction.atomic
def do_export_filing(filing: Filing, *, actor: Person | None, scope: Scope) -> tuple[bytes, str]:
    """The superior's file with the filing's values written in (cells without data left empty): one audit entry
    saying what left (the file, its status, its cells)."""
    require(policy.read_reports(scope, filing.form.region), _("无权下载这张报表。"))
    content = fill.workbook(filing)
    name = filename_of(filing)
    audit.record(
        actor,
        "reports.filing.export",
        filing,
        changes={
            "file": [None, name],
            "status": [None, filing.get_status_display()],
            "auto_cells": [None, filing.auto_cells],
            "hand_cells": [None, filing.hand_cells],
            "missing_cells": [None, filing.missing_cells],
            "sha256": [None, hashlib.sha256(content).hexdigest()],
        },
    )
    return content, name


@transaction.atomic
def do_export_template(version: FormVersion, *, actor: Person | None, scope: Scope) -> tuple[bytes, str]:
    """The superior's file as uploaded (one audit entry)."""
    require(policy.read_reports(scope, version.form.region), _("无权下载这张报表的表样。"))
    content = bytes(version.content)
    audit.record(
        actor,
        "reports.version.export",
        version,
        changes={"file": [None, version.filename], "version": [None, version.number], "sha256": [None, version.sha256]},
    )
    return content, version.filename
