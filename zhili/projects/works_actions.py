"""Writes of public works (公共工程、乡村振兴项目): register or change a work, advance it to its next stage, change
its funds, add a milestone with a photo. Each checks its right in policy (manage_works / edit_work), is atomic,
refuses a stale revision (Conflict) and leaves one audit entry."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.cases.actions import clean_text
from zhili.cases.photos import check_photo
from zhili.core import audit, clock
from zhili.core.errors import Conflict, Invalid, require
from zhili.excel import values as xv
from zhili.people import policy
from zhili.people.models import Person, Unit
from zhili.people.scope import Scope
from zhili.projects.models import WORK_STAGES, Work, WorkKind, WorkMilestone, WorkStage, WorkStageName
from zhili.regions.models import Level, Region

audit.describe(
    {
        "work.add": gettext_lazy("登记公共工程"),
        "work.save": gettext_lazy("修改公共工程"),
        "work.advance": gettext_lazy("推进工程阶段"),
        "work.funds": gettext_lazy("修改工程资金"),
        "work.milestone": gettext_lazy("添加工程节点"),
    },
    fields={
        "projects.work": {
            "name": gettext_lazy("工程名称"),
            "kind": gettext_lazy("类别"),
            "region": gettext_lazy("所在村"),
            "unit": gettext_lazy("责任单位"),
            "person": gettext_lazy("责任人"),
            "note": gettext_lazy("说明"),
            "funds_planned": gettext_lazy("计划资金（万元）"),
            "funds_allocated": gettext_lazy("已拨付（万元）"),
            "funds_spent": gettext_lazy("已支出（万元）"),
            "planned": gettext_lazy("计划日期"),
            **{s.value: s.label for s in WorkStageName},
            "title": gettext_lazy("节点"),
            "day": gettext_lazy("日期"),
            "photo": gettext_lazy("照片"),
        },
    },
)

WORK_FIELDS = ["name", "kind", "region", "unit", "person", "note"]
FUND_FIELDS = ["funds_planned", "funds_allocated", "funds_spent"]


def _date(raw: Any, label: str) -> datetime.date | None:
    try:
        return xv.parse_date(raw if raw not in ("",) else None).value
    except xv.ValueProblem as exc:
        raise Invalid(_("%(label)s：%(reason)s") % {"label": label, "reason": exc.message}) from None


def _money(raw: Any, label: str) -> Decimal:
    try:
        value = xv.parse_decimal(raw, decimals=2, unit="万元").value
    except xv.ValueProblem as exc:
        raise Invalid(_("%(label)s：%(reason)s") % {"label": label, "reason": exc.message}) from None
    if value is None:
        return Decimal(0)
    if value < 0:
        raise Invalid(_("%(label)s不能为负数。") % {"label": label})
    if value >= Decimal("10000000000"):
        raise Invalid(_("%(label)s过大。") % {"label": label})
    return value


def _check_revision(work: Work, revision: Any) -> None:
    if revision is None:
        return
    try:
        given = int(revision)
    except (TypeError, ValueError):
        raise Invalid(_("版本号无效，请刷新页面后再改。")) from None
    if given != work.revision:
        raise Conflict(_("该工程已被他人修改，请刷新后再改。"))


def _funds(work: Work, data: dict) -> None:
    planned = _money(data.get("funds_planned", work.funds_planned), _("计划资金"))
    allocated = _money(data.get("funds_allocated", work.funds_allocated), _("已拨付资金"))
    spent = _money(data.get("funds_spent", work.funds_spent), _("已支出资金"))
    if spent > allocated:
        raise Invalid(
            _("已支出（%(spent)s 万元）不能超过已拨付（%(allocated)s 万元）。")
            % {"spent": spent, "allocated": allocated}
        )
    work.funds_planned, work.funds_allocated, work.funds_spent = planned, allocated, spent


@transaction.atomic
def do_save_work(
    subdistrict: Region, data: dict, *, actor: Person | None, scope: Scope, work: Work | None = None
) -> Work:
    """Register a work (name, kind, village or the subdistrict, responsible unit and person, funds, the planned
    date of each stage as {stage: date} under "planned") or change one."""
    unit = data.get("unit", work.unit if work else None)
    if not isinstance(unit, Unit) or unit.region_id != subdistrict.pk:
        raise Invalid(_("责任单位应是本街道（乡镇）的科室。"))
    require(policy.manage_works(scope, subdistrict, unit.pk), _("只有责任单位或街道领导可以登记、修改该工程。"))
    if work is not None:
        work = Work.objects.select_for_update().get(pk=work.pk)
        require(policy.edit_work(scope, work), _("只有责任单位或街道领导可以修改该工程。"))
        _check_revision(work, data.get("revision"))
        old = audit.snapshot(work, WORK_FIELDS + FUND_FIELDS)
        stages = {s.stage: s for s in work.stages.all()}
    else:
        work = Work(subdistrict=subdistrict)
        old, stages = {}, {}
    work.name = clean_text(data.get("name", work.name), label=_("工程名称"), limit=200)
    kind = data.get("kind", work.kind)
    if kind not in WorkKind.values:
        raise Invalid(_("请选择工程类别。"))
    work.kind = kind
    region = data.get("region") or (work.region if work.pk else subdistrict)
    if not isinstance(region, Region) or not (
        region.pk == subdistrict.pk or (region.parent_id == subdistrict.pk and region.level == Level.VILLAGE)
    ):
        raise Invalid(_("所在村应是本街道（乡镇）的村（社区），或街道本身。"))
    work.region = region
    work.unit = unit
    person = data.get("person", work.person if work.pk else None)
    if person is not None and not isinstance(person, Person):
        raise Invalid(_("责任人无效。"))
    work.person = person
    work.note = clean_text(data.get("note", work.note), label=_("说明"), limit=500, required=False)
    _funds(work, data)
    clash = Work.objects.active().filter(subdistrict=subdistrict, name=work.name).exclude(pk=work.pk).exists()
    if clash:
        raise Invalid(_("本街道已有名为“%(name)s”的工程。") % {"name": work.name})
    planned_in = data.get("planned") or {}
    planned: dict[str, datetime.date | None] = {}
    for stage in WORK_STAGES:
        label = str(WorkStageName(stage).label)
        raw = planned_in.get(stage, stages[stage].planned if stage in stages else None)
        planned[stage] = _date(raw, _("%(stage)s计划日期") % {"stage": label})
    days = [d for d in planned.values() if d is not None]
    if days != sorted(days):
        raise Invalid(_("各阶段的计划日期应按 谋划→立项→招标→施工→完工→验收→见效 的顺序先后排列。"))
    if work.pk:
        work.revision += 1
    work.save()
    changes = audit.diff(old, audit.snapshot(work, WORK_FIELDS + FUND_FIELDS))
    for stage in WORK_STAGES:
        row = stages.get(stage)
        if row is None:
            WorkStage.objects.create(work=work, subdistrict_id=work.subdistrict_id, stage=stage, planned=planned[stage])
            if planned[stage] is not None:
                changes[stage] = [None, planned[stage]]
        elif row.planned != planned[stage]:
            changes[stage] = [row.planned, planned[stage]]
            row.planned = planned[stage]
            row.save(update_fields=["planned"])
    audit.record(actor, "work.save" if old else "work.add", work, changes=changes)
    return work


@transaction.atomic
def do_advance_stage(
    work: Work, *, stage: str, day: Any, revision: Any, actor: Person | None, scope: Scope
) -> WorkStage:
    """The work reached its next stage on `day` (not after today, not before the stage before it). Stages are
    reached in order: only the first stage without an actual date may be set."""
    work = Work.objects.select_for_update().select_related("subdistrict", "region").get(pk=work.pk)
    require(policy.edit_work(scope, work), _("只有责任单位或街道领导可以推进该工程。"))
    _check_revision(work, revision)
    stages = sorted(work.stages.all(), key=lambda s: s.order)
    waiting = [s for s in stages if s.actual is None]
    if stage not in WORK_STAGES:
        raise Invalid(_("请选择阶段。"))
    if not waiting:
        raise Invalid(_("该工程各阶段均已完成。"))
    target = waiting[0]
    if target.stage != stage:
        raise Invalid(
            _("应先完成“%(next)s”阶段，才能进入“%(stage)s”。")
            % {"next": target.get_stage_display(), "stage": WorkStageName(stage).label}
        )
    when = _date(day, _("实际日期"))
    if when is None:
        raise Invalid(_("请填写实际日期。"))
    if when > clock.today():
        raise Invalid(_("实际日期不能晚于今天（%(today)s）。") % {"today": clock.today().isoformat()})
    before = [s.actual for s in stages if s.actual is not None]
    if before and when < before[-1]:
        raise Invalid(_("实际日期不能早于上一阶段的实际日期（%(day)s）。") % {"day": before[-1].isoformat()})
    target.actual = when
    target.save(update_fields=["actual"])
    work.revision += 1
    work.save(update_fields=["revision", "modified_at"])
    audit.record(actor, "work.advance", work, changes={target.stage: [None, when]})
    return target


@transaction.atomic
def do_set_funds(work: Work, data: dict, *, actor: Person | None, scope: Scope) -> Work:
    """The work's funds (万元): planned, allocated, spent — spent never above allocated."""
    work = Work.objects.select_for_update().select_related("subdistrict", "region").get(pk=work.pk)
    require(policy.edit_work(scope, work), _("只有责任单位或街道领导可以修改该工程的资金。"))
    _check_revision(work, data.get("revision"))
    old = audit.snapshot(work, FUND_FIELDS)
    _funds(work, data)
    work.revision += 1
    work.save()
    audit.record(actor, "work.funds", work, changes=audit.diff(old, audit.snapshot(work, FUND_FIELDS)))
    return work


@transaction.atomic
def do_add_milestone(
    work: Work,
    *,
    day: Any,
    title: Any,
    note: Any = "",
    photo=None,
    actor: Person | None,
    scope: Scope,
) -> WorkMilestone:
    """A milestone of the work, with a photo when one is given (checked first: nothing is written for a file
    that is not a photo)."""
    work = Work.objects.select_related("subdistrict", "region").get(pk=work.pk)
    require(policy.edit_work(scope, work), _("只有责任单位或街道领导可以添加工程节点。"))
    text = clean_text(title, label=_("节点名称"), limit=200)
    remark = clean_text(note, label=_("说明"), limit=500, required=False)
    when = _date(day, _("日期"))
    if when is None:
        raise Invalid(_("请填写节点日期。"))
    if when > clock.today():
        raise Invalid(_("节点日期不能晚于今天（%(today)s）。") % {"today": clock.today().isoformat()})
    checked = check_photo(photo, name_hint=f"work-{work.pk}") if photo is not None else None
    row = WorkMilestone(
        work=work, subdistrict_id=work.subdistrict_id, day=when, title=text, note=remark, added_at=timezone.now()
    )
    row.added_by = actor if getattr(actor, "pk", None) else None
    if checked is not None:
        row.width, row.height, row.sha256 = checked.width, checked.height, checked.sha256
        row.original.save(checked.original.name, checked.original, save=False)
        row.display.save(checked.display.name, checked.display, save=False)
    row.save()
    audit.record(
        actor,
        "work.milestone",
        work,
        changes={"title": [None, text], "day": [None, when], **({"photo": [None, "✓"]} if checked else {})},
    )
    return row
