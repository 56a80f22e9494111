"""Every write to targets: goals, tasks, indicators, decomposition, progress, closure, 催办, ranking, records."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, clock, numbers
from zhili.core.errors import Conflict, require
from zhili.people import policy
from zhili.people.models import Person, Unit
from zhili.people.scope import Scope
from zhili.regions import history
from zhili.regions.models import Level, Region
from zhili.targets import engine, evidence, export, lights, periods, sources
from zhili.targets.engine import year_window
from zhili.targets.models import (
    ActivityRecord,
    Decomposition,
    Entry,
    Evidence,
    Goal,
    Indicator,
    LightRule,
    PeriodReopening,
    RankingScheme,
    RankingWeight,
    Reminder,
    Share,
    SourceKind,
    TargetState,
    Task,
    TaskStatus,
)

audit.describe(
    {
        "goal.create": gettext_lazy("新建目标"),
        "goal.update": gettext_lazy("修改目标"),
        "goal.archive": gettext_lazy("归档目标"),
        "goal.move": gettext_lazy("调整目标顺序"),
        "task.create": gettext_lazy("新建任务"),
        "task.update": gettext_lazy("修改任务"),
        "task.archive": gettext_lazy("归档任务"),
        "task.move": gettext_lazy("调整任务顺序"),
        "task.report_completion": gettext_lazy("报办结"),
        "task.close": gettext_lazy("销号"),
        "task.reopen": gettext_lazy("退回重办"),
        "task.remind": gettext_lazy("催办"),
        "task.remind_read": gettext_lazy("阅读催办"),
        "indicator.create": gettext_lazy("新建指标"),
        "indicator.update": gettext_lazy("修改指标"),
        "indicator.archive": gettext_lazy("归档指标"),
        "indicator.move": gettext_lazy("调整指标顺序"),
        "indicator.decompose": gettext_lazy("分解下达"),
        "indicator.remind_village": gettext_lazy("催办村（社区）"),
        "indicator.remind_read": gettext_lazy("阅读催办"),
        "indicator.remind_answer": gettext_lazy("回复催办"),
        "indicator.import": gettext_lazy("按目标责任书更新指标"),
        "progress.report": gettext_lazy("填报进度"),
        "progress.correct": gettext_lazy("更正进度"),
        "period.reopen": gettext_lazy("重新开放填报期"),
        "lights.rule": gettext_lazy("设置亮灯规则"),
        "ranking.weights": gettext_lazy("设置排名权重"),
        "ranking.publish": gettext_lazy("向村（社区）公布排名"),
        "targets.export": gettext_lazy("导出目标任务表"),
        "targets.rollover": gettext_lazy("从上一年度结转"),
        "targets.import": gettext_lazy("导入目标责任书"),
        "activity.create": gettext_lazy("新增工作记录"),
        "activity.archive": gettext_lazy("归档工作记录"),
    },
    fields={
        "*": {"position": gettext_lazy("位置"), "files": gettext_lazy("佐证材料")},
        "task.remind": {"to": gettext_lazy("催办对象")},
        "indicator.remind_village": {"village": gettext_lazy("村（社区）")},
        "indicator.remind_answer": {"answer": gettext_lazy("回复")},
        "progress.report": {"value": gettext_lazy("数值")},
        "progress.correct": {"value": gettext_lazy("数值")},
        "period.reopen": {"period_end": gettext_lazy("期末"), "until": gettext_lazy("开放至")},
        "ranking.publish": {"published_to_villages": gettext_lazy("向村（社区）公布")},
        "targets.export": {
            "year": gettext_lazy("年度"),
            "viewpoint": gettext_lazy("范围"),
            "rows": gettext_lazy("行数"),
        },
        "targets.rollover": {
            "from": gettext_lazy("从年度"),
            "to": gettext_lazy("到年度"),
            "goals": gettext_lazy("目标"),
            "tasks": gettext_lazy("任务"),
            "indicators": gettext_lazy("指标"),
            "shares": gettext_lazy("分解"),
            "ranking_schemes": gettext_lazy("排名方案"),
        },
        "lights.rule": {"effective_from": gettext_lazy("生效日期")},
    },
)


def _sub_of(indicator: Indicator) -> Region:
    return indicator.task.goal.region


def _subdistrict_id(region: Region) -> int | None:
    """The id of the subdistrict `region` lies in (itself, or a village's parent: no query): the key its rows carry;
    None above the subdistricts."""
    if region.level == Level.SUBDISTRICT:
        return region.pk
    if region.level == Level.VILLAGE and region.parent_id is not None:
        return region.parent_id
    path = Region.path_at(region.path, Level.SUBDISTRICT)
    return Region.objects.filter(path=path).values_list("pk", flat=True).first() if path else None


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise ValidationError(message)


def _attach(checked: list[evidence.Checked], *, actor: Person, entry: Entry | None = None, task: Task | None = None):
    """Store files that evidence.check_all passed (under random names) and return what the audit entry says of
    them. A storage failure midway removes the files already stored; the transaction takes back the rows."""
    stored: list[Evidence] = []
    try:
        for c in checked:
            stored.append(
                Evidence.objects.create(
                    entry=entry,
                    task=task,
                    file=File(c.upload, name=f"upload{c.kind.extensions[0]}"),
                    name=c.name,
                    content_type=c.kind.mime,
                    size=c.size,
                    sha256=c.sha256,
                    uploaded_by=actor,
                )
            )
    except BaseException:
        for e in stored:
            e.file.delete(save=False)
        raise
    return [c.describe() for c in checked]


def _with_files(changes: dict, files: list[dict]) -> dict:
    return {**changes, "files": [None, files]} if files else changes


# ---- the tree ----------------------------------------------------------------------------------


@transaction.atomic
def do_create_goal(
    *,
    region: Region,
    year: int,
    code: str,
    title: str,
    level_name: str,
    actor: Person,
    scope: Scope,
    parent: Goal | None = None,
    order: int | None = None,
) -> Goal:
    _require(region.level == Level.SUBDISTRICT, _("目标体系设在街道（乡镇）一级。"))
    require(policy.plan_targets(scope, region), _("您无权编制“%(name)s”的目标。") % {"name": region.name})
    _require(bool(title.strip()), _("目标名称不能为空。"))
    if parent is not None:
        _require(parent.region_id == region.pk and parent.year == year, _("上级目标必须属于同一街道、同一年度。"))
    if order is None:  # after its siblings
        order = next_order(Goal.objects.filter(region=region, year=year, parent=parent))
    goal = Goal.objects.create(
        region=region,
        year=year,
        parent=parent,
        code=code.strip(),
        title=title.strip(),
        level_name=level_name.strip(),
        order=order,
    )
    audit.record(actor, "goal.create", goal, changes={"title": [None, goal.title]})
    return goal


@transaction.atomic
def do_create_task(
    *,
    goal: Goal,
    code: str,
    title: str,
    start: datetime.date,
    deadline: datetime.date,
    actor: Person,
    scope: Scope,
    leader: Person | None = None,
    lead_unit: Unit | None = None,
    assisting_units=(),
    owner: Person | None = None,
    order: int | None = None,
    milestones: Sequence[tuple[str, datetime.date]] = (),
) -> Task:
    require(policy.plan_targets(scope, goal.region), _("您无权编制此目标的任务。"))
    _require(bool(title.strip()), _("任务名称不能为空。"))
    _require(deadline >= start, _("完成时限不能早于开始日期。"))
    if order is None:
        order = next_order(Task.objects.filter(goal=goal))
    task = Task.objects.create(
        goal=goal,
        code=code,
        title=title.strip(),
        start=start,
        deadline=deadline,
        leader=leader,
        lead_unit=lead_unit,
        owner=owner,
        order=order,
    )
    task.assisting_units.set(assisting_units)
    for name, due in milestones:
        task.milestones.create(title=name, due=due)
    audit.record(actor, "task.create", task, changes={"title": [None, task.title], "deadline": [None, deadline]})
    return task


@transaction.atomic
def do_create_indicator(
    *, task: Task, code: str, name: str, unit: str, target: Decimal, actor: Person, scope: Scope, **fields
) -> Indicator:
    require(policy.author_indicators(scope, task), _("您无权编制此任务的指标。"))
    _require(bool(name.strip()), _("指标名称不能为空。"))
    fields.setdefault("order", next_order(Indicator.objects.filter(task=task)))
    ind = Indicator(task=task, code=code, name=name.strip(), unit=unit, target=target, **fields)
    if ind.source == SourceKind.COMPUTED:
        sources.get(ind.source_key).check_params(ind.source_params or {})
    if ind.parent is not None:
        _require(
            ind.parent.source == SourceKind.CHILDREN,
            _("上级指标“%(parent)s”不是“下级指标汇总”类型。") % {"parent": ind.parent},
        )
    _require(ind.allow_negative or target >= 0, _("目标值不能为负数。"))
    ind.save()
    audit.record(actor, "indicator.create", ind, changes={"name": [None, ind.name], "target": [None, target]})
    return ind


@transaction.atomic
def do_set_shares(indicator: Indicator, targets: dict, *, actor: Person, scope: Scope, reason: str = "") -> list[Share]:
    """分解下达. `targets` maps villages (Region) or units (Unit) to their share. Parts that do not add up to
    the indicator's target are saved only with a reason (kept on the indicator and in the audit log)."""
    sub = _sub_of(indicator)
    require(policy.plan_targets(scope, sub), _("只有街道领导可以分解下达指标。"))
    _require(indicator.decomposition != Decomposition.NONE, _("该指标设为不分解，请先修改分解方式。"))
    # Shares go to the villages of the day the year's figures count (regions/history.py): a village merged away
    # by then keeps its share as its history, and its successor answers for the rest of the year.
    day = year_window(indicator.task.goal.year, clock.today()).end
    for subject, value in targets.items():
        if isinstance(subject, Region):
            _require(indicator.decomposition == Decomposition.VILLAGES, _("该指标分解到单位，不能分给村。"))
            _require(
                subject.parent_id == sub.pk and subject.level == Level.VILLAGE,
                _("“%(name)s”不是“%(name2)s”的村（社区）。") % {"name": subject.name, "name2": sub.name},
            )
            if subject.valid_to is not None and subject.valid_to <= day:
                successor = history.holder(subject, day)
                raise ValidationError(
                    _("“%(name)s”已于 %(valid_to)s 并入“%(name2)s”，请分解给“%(name2)s”。")
                    % {"name": subject.name, "valid_to": format(subject.valid_to, "%Y-%m-%d"), "name2": successor.name}
                )
            _require(
                subject.valid_from <= day,
                _("“%(name)s”自 %(valid_from)s 起设立，不能分解 %(day)s 之前的目标。")
                % {
                    "name": subject.name,
                    "valid_from": format(subject.valid_from, "%Y-%m-%d"),
                    "day": format(day, "%Y-%m-%d"),
                },
            )
        else:
            _require(indicator.decomposition == Decomposition.UNITS, _("该指标分解到村，不能分给单位。"))
            _require(
                subject.region_id == sub.pk,
                _("“%(name)s”不是“%(name2)s”的单位。") % {"name": subject.name, "name2": sub.name},
            )
        _require(
            value is not None and (value >= 0 or indicator.allow_negative),
            _("“%(subject)s”的分解目标不能为负数。") % {"subject": subject},
        )
    total = sum(targets.values(), Decimal(0))
    reason = (reason or "").strip()
    if total != indicator.target and not reason:
        raise ValidationError(
            _("分解合计 %(v)s 与目标值 %(v2)s 不一致（相差 %(v3)s）；如确需如此，请填写原因后保存。")
            % {
                "v": format(total.normalize(), "f"),
                "v2": format(indicator.target.normalize(), "f"),
                "v3": format((total - indicator.target).normalize(), "f"),
            }
        )
    existing = {(s.region_id, s.unit_id): s for s in indicator.shares.select_related("region", "unit")}
    before = {str(s.region or s.unit): str(s.target) for s in existing.values()}
    made = []
    for k, v in targets.items():
        key = (k.pk, None) if isinstance(k, Region) else (None, k.pk)
        share = existing.pop(key, None) or Share(
            indicator=indicator, subdistrict_id=sub.pk, **({"region": k} if isinstance(k, Region) else {"unit": k})
        )
        share.target = v
        share.save()
        made.append(share)
    # Shares left out are set to zero, not deleted: their history stays in the audit log and the table. Those of
    # villages not in the table (merged away by `day`, or not yet set up) are left as they are: they are history.
    left_out = [
        s.pk
        for s in existing.values()
        if s.region is None or (s.region.valid_from <= day and (s.region.valid_to is None or s.region.valid_to > day))
    ]
    Share.objects.filter(pk__in=left_out).update(target=Decimal(0))
    Indicator.objects.filter(pk=indicator.pk).update(decomposition_note=reason if total != indicator.target else "")
    after = {str(k): str(v) for k, v in targets.items()}
    audit.record(actor, "indicator.decompose", indicator, changes=audit.diff(before, after), reason=reason)
    return made


# ---- authoring: edit, reorder, archive ------------------------------------------------------------
#
# Goals and tasks are the subdistrict's planners' (policy.plan_targets); a task's indicators also its lead
# office's (policy.author_indicators). Every edit names the revision it was made from: an edit of something
# changed since is refused (409) with who changed it, never written over.


def next_order(siblings) -> int:
    """The order that puts a new goal, task or indicator after its siblings (a queryset)."""
    last = siblings.order_by("-order").values_list("order", flat=True).first()
    return (last or 0) + 1


def _fresh(model, obj, revision: int | None):
    """`obj` locked and read again; a stale `revision` (the one the person's form was made from) is a Conflict."""
    current = model.objects.select_for_update().get(pk=obj.pk)
    if revision is not None and current.revision != revision:
        raise Conflict(
            _("“%(current)s”已于 %(v)s 被他人修改，为避免覆盖对方的修改，本次未保存。请刷新页面后再改。")
            % {"current": current, "v": format(timezone.localtime(current.modified_at), "%Y-%m-%d %H:%M")}
        )
    _require(current.archived_at is None, _("“%(current)s”已归档，不能修改。") % {"current": current})
    return current


def _shown(value) -> object:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


def _apply(obj, values: dict) -> dict:
    """Set `values` on `obj`; return the audit entry's changes, old → new, as pages show them."""
    changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_shown(old), _shown(new)]
            setattr(obj, name, new)
    return changes


@transaction.atomic
def do_update_goal(
    goal: Goal, *, revision: int | None, code: str, title: str, level_name: str, actor: Person, scope: Scope
) -> Goal:
    require(policy.plan_targets(scope, goal.region), _("您无权编制“%(name)s”的目标。") % {"name": goal.region.name})
    goal = _fresh(Goal, goal, revision)
    _require(bool(title.strip()), _("目标名称不能为空。"))
    changes = _apply(goal, {"code": code.strip(), "title": title.strip(), "level_name": level_name.strip()})
    if changes:
        goal.revision += 1
        goal.save()
        audit.record(actor, "goal.update", goal, changes=changes)
    return goal


@transaction.atomic
def do_update_task(
    task: Task,
    *,
    revision: int | None,
    code: str,
    title: str,
    start: datetime.date,
    deadline: datetime.date,
    actor: Person,
    scope: Scope,
    leader: Person | None = None,
    lead_unit: Unit | None = None,
    assisting_units=(),
    owner: Person | None = None,
) -> Task:
    require(policy.plan_targets(scope, task.goal.region), _("您无权编制此目标的任务。"))
    task = _fresh(Task, task, revision)
    _require(bool(title.strip()), _("任务名称不能为空。"))
    _require(deadline >= start, _("完成时限不能早于开始日期。"))
    changes = _apply(
        task,
        {
            "code": code.strip(),
            "title": title.strip(),
            "start": start,
            "deadline": deadline,
            "leader": leader,
            "lead_unit": lead_unit,
            "owner": owner,
        },
    )
    before = sorted(u.name for u in task.assisting_units.all())
    after = sorted(u.name for u in assisting_units)
    if before != after:
        changes["assisting_units"] = ["、".join(before), "、".join(after)]
    if changes:
        task.revision += 1
        task.save()
        task.assisting_units.set(assisting_units)
        audit.record(actor, "task.update", task, changes=changes)
    return task


EDITABLE = (
    "code",
    "name",
    "unit",
    "target",
    "baseline",
    "direction",
    "cumulative",
    "period_type",
    "source",
    "source_key",
    "source_params",
    "aggregation",
    "weight",
    "allow_negative",
    "decomposition",
    "deadline",
)


@transaction.atomic
def do_update_indicator(ind: Indicator, *, revision: int | None, actor: Person, scope: Scope, **fields) -> Indicator:
    """Change what an indicator is (any of EDITABLE). Setting its target settles a rolled-over one."""
    require(policy.author_indicators(scope, ind.task), _("您无权编制此任务的指标。"))
    unknown = set(fields) - set(EDITABLE)
    _require(not unknown, _("不能修改：%(v)s。") % {"v": "、".join(sorted(unknown))})
    ind = _fresh(Indicator, ind, revision)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        _require(bool(fields["name"]), _("指标名称不能为空。"))
    if "target" in fields and ind.target_state != TargetState.SET:
        fields["target_state"] = TargetState.SET
    changes = _apply(ind, fields)
    if ind.source == SourceKind.COMPUTED:
        sources.get(ind.source_key).check_params(ind.source_params or {})
    else:
        ind.source_key, ind.source_params = "", {}
    _require(ind.allow_negative or ind.target >= 0, _("目标值不能为负数。"))
    if "decomposition" in changes:
        _require(
            not ind.shares.exclude(target=0).exists(),
            _("该指标已分解下达，请先把各部分清零后再修改分解方式。"),
        )
    if changes:
        ind.revision += 1
        ind.save()
        audit.record(actor, "indicator.update", ind, changes=changes)
    return ind


def _archive(obj, reason: str, actor: Person, now) -> None:
    obj.archived_at, obj.archived_by, obj.archived_reason = now, actor, reason
    obj.revision += 1
    obj.save()


@transaction.atomic
def do_archive_goal(goal: Goal, *, reason: str, actor: Person, scope: Scope, revision: int | None = None) -> Goal:
    """A goal archived with a reason, with everything under it (sub-goals, tasks, indicators), each audited."""
    require(policy.plan_targets(scope, goal.region), _("您无权编制“%(name)s”的目标。") % {"name": goal.region.name})
    reason = (reason or "").strip()
    _require(bool(reason), _("归档必须填写原因。"))
    goal = _fresh(Goal, goal, revision)
    now = timezone.now()
    goals, frontier = [goal], [goal.pk]
    while frontier:
        kids = list(Goal.objects.active().filter(parent_id__in=frontier))
        goals += kids
        frontier = [k.pk for k in kids]
    for g in goals:
        for task in Task.objects.active().filter(goal=g):
            _archive_task(task, reason, actor, now)
        _archive(g, reason, actor, now)
        audit.record(actor, "goal.archive", g, reason=reason)
    return goal


def _archive_task(task: Task, reason: str, actor: Person, now) -> None:
    for ind in Indicator.objects.active().filter(task=task).select_related("task__goal__region"):
        _archive(ind, reason, actor, now)
        audit.record(actor, "indicator.archive", ind, reason=reason)
    _archive(task, reason, actor, now)
    audit.record(actor, "task.archive", task, reason=reason)


@transaction.atomic
def do_archive_task(task: Task, *, reason: str, actor: Person, scope: Scope, revision: int | None = None) -> Task:
    require(policy.plan_targets(scope, task.goal.region), _("您无权编制此目标的任务。"))
    reason = (reason or "").strip()
    _require(bool(reason), _("归档必须填写原因。"))
    task = _fresh(Task, task, revision)
    _archive_task(task, reason, actor, timezone.now())
    return task


@transaction.atomic
def do_archive_indicator(
    ind: Indicator, *, reason: str, actor: Person, scope: Scope, revision: int | None = None
) -> Indicator:
    require(policy.author_indicators(scope, ind.task), _("您无权编制此任务的指标。"))
    reason = (reason or "").strip()
    _require(bool(reason), _("归档必须填写原因。"))
    ind = _fresh(Indicator, ind, revision)
    _require(
        not Indicator.objects.active().filter(parent=ind).exists(),
        _("“%(name)s”下还有下级指标，请先归档它们。") % {"name": ind.name},
    )
    _archive(ind, reason, actor, timezone.now())
    audit.record(actor, "indicator.archive", ind, reason=reason)
    return ind


def _move(obj, siblings, up: bool, actor: Person, action: str) -> None:
    """Swap `obj` with its neighbour among `siblings` (numbered 1…n first, so equal orders never stick)."""
    ordered = list(siblings.select_for_update().order_by("order", "code", "pk"))
    at = next(i for i, s in enumerate(ordered) if s.pk == obj.pk)
    to = at - 1 if up else at + 1
    _require(0 <= to < len(ordered), "已经在最前面了。" if up else "已经在最后面了。")
    ordered[at], ordered[to] = ordered[to], ordered[at]
    for i, s in enumerate(ordered, start=1):
        if s.order != i:
            type(s).objects.filter(pk=s.pk).update(order=i)
    audit.record(actor, action, obj, changes={"position": [at + 1, to + 1]})


@transaction.atomic
def do_move_goal(goal: Goal, *, up: bool, actor: Person, scope: Scope) -> None:
    require(policy.plan_targets(scope, goal.region), _("您无权编制“%(name)s”的目标。") % {"name": goal.region.name})
    siblings = Goal.objects.active().filter(region=goal.region, year=goal.year, parent_id=goal.parent_id)
    _move(goal, siblings, up, actor, "goal.move")


@transaction.atomic
def do_move_task(task: Task, *, up: bool, actor: Person, scope: Scope) -> None:
    require(policy.plan_targets(scope, task.goal.region), _("您无权编制此目标的任务。"))
    _move(task, Task.objects.active().filter(goal_id=task.goal_id), up, actor, "task.move")


@transaction.atomic
def do_move_indicator(ind: Indicator, *, up: bool, actor: Person, scope: Scope) -> None:
    require(policy.author_indicators(scope, ind.task), _("您无权编制此任务的指标。"))
    siblings = Indicator.objects.active().filter(task_id=ind.task_id, parent_id=ind.parent_id)
    _move(ind, siblings, up, actor, "indicator.move")


@transaction.atomic
def do_set_light_rule(
    *,
    region: Region,
    effective_from: datetime.date,
    red_gap: Decimal,
    due_soon_days: int,
    report_grace_days: int,
    actor: Person,
    scope: Scope,
) -> LightRule:
    """亮灯规则 from a day on (the newest rule on or before a day applies): one per day, changed in place."""
    _require(region.level == Level.SUBDISTRICT, _("亮灯规则设在街道（乡镇）一级。"))
    require(policy.plan_targets(scope, region), _("您无权设置“%(name)s”的亮灯规则。") % {"name": region.name})
    _require(Decimal(0) < red_gap <= Decimal(100), _("红灯的落后幅度应在 0 到 100 个百分点之间。"))
    _require(0 <= due_soon_days <= 60 and 0 <= report_grace_days <= 60, _("天数应在 0 到 60 之间。"))
    rule = LightRule.objects.select_for_update().filter(region=region, effective_from=effective_from).first()
    made = rule is None
    rule = rule or LightRule(region=region, effective_from=effective_from)
    changes = _apply(rule, {"red_gap": red_gap, "due_soon_days": due_soon_days, "report_grace_days": report_grace_days})
    if made or changes:
        rule.save()
        audit.record(actor, "lights.rule", region, changes={"effective_from": [None, effective_from], **changes})
    return rule


# ---- a new year from the last ---------------------------------------------------------------------


def _shift(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def do_roll_over_year(
    *, region: Region, from_year: int, to_year: int, actor: Person, scope: Scope, carry_targets: bool = False
) -> dict[str, int]:
    """Start `to_year` from `from_year`: goals, tasks (dates moved on by the years between), milestones,
    indicators with their units, measures, sources (and parameters), weights and decomposition, the shares'
    villages (the villages of the new year: a merged village's successor) and units, the light rule and the
    ranking schemes are copied. Targets are left for their owners to fill (待填, zero until then), or, with
    `carry_targets`, copied and marked 沿用上年 until someone confirms or changes them. `from_year` is not
    touched. A year that already has goals is refused: a rollover happens once (edit the year afterwards)."""
    _require(region.level == Level.SUBDISTRICT, _("目标体系设在街道（乡镇）一级。"))
    require(policy.plan_targets(scope, region), _("您无权编制“%(name)s”的目标。") % {"name": region.name})
    for y in (from_year, to_year):
        _require(
            periods.FIRST_YEAR <= y <= periods.LAST_YEAR,
            _("年度应在 %(FIRST_YEAR)s 至 %(LAST_YEAR)s 之间，“%(y)s”不是有效的年度。")
            % {"FIRST_YEAR": periods.FIRST_YEAR, "LAST_YEAR": periods.LAST_YEAR, "y": y},
        )
    _require(
        to_year > from_year,
        _("只能从上一年度结转到以后的年度（%(from_year)s → %(to_year)s 不行）。")
        % {"from_year": from_year, "to_year": to_year},
    )
    Region.objects.select_for_update().filter(pk=region.pk).first()  # two rollovers at once: the second waits
    already = Goal.objects.active().filter(region=region, year=to_year).count()
    _require(
        not already,
        _("%(name)s %(to_year)s 年已有目标体系（%(already)s 个目标），不能再次结转；请在“编制年度目标”中修改。")
        % {"name": region.name, "to_year": to_year, "already": already},
    )
    goals = list(Goal.objects.active().filter(region=region, year=from_year).order_by("order", "code", "pk"))
    _require(
        bool(goals),
        _("%(name)s %(from_year)s 年没有目标体系，无从结转。") % {"name": region.name, "from_year": from_year},
    )
    years = to_year - from_year
    state = TargetState.CARRIED if carry_targets else TargetState.PENDING
    day = year_window(to_year, clock.today()).end
    goal_of: dict[int, Goal] = {}
    pending = goals
    while pending:  # parents before children
        later = []
        for g in pending:
            if g.parent_id is not None and g.parent_id not in goal_of:
                later.append(g)
                continue
            goal_of[g.pk] = Goal.objects.create(
                region=region,
                year=to_year,
                parent=goal_of.get(g.parent_id) if g.parent_id else None,
                level_name=g.level_name,
                code=g.code,
                title=g.title,
                order=g.order,
            )
        _require(len(later) < len(pending), _("上一年度的目标层级不完整（上级目标已归档），无法结转。"))
        pending = later
    task_of: dict[int, Task] = {}
    tasks = Task.objects.active().filter(goal_id__in=goal_of).prefetch_related("assisting_units", "milestones")
    for t in tasks.order_by("pk"):
        new = Task.objects.create(
            goal=goal_of[t.goal_id],
            code=t.code,
            title=t.title,
            leader_id=t.leader_id,
            lead_unit_id=t.lead_unit_id,
            owner_id=t.owner_id,
            start=_shift(t.start, years),
            deadline=_shift(t.deadline, years),
            order=t.order,
        )
        new.assisting_units.set(t.assisting_units.all())
        for m in t.milestones.all():
            new.milestones.create(title=m.title, due=_shift(m.due, years))
        task_of[t.pk] = new
    ind_of: dict[int, Indicator] = {}
    pending_inds = list(Indicator.objects.active().filter(task_id__in=task_of).order_by("pk"))
    skip = {"id", "task", "parent", "target", "target_state", "carried_from", "revision", "deadline"}
    skip |= {"created_at", "modified_at", "archived_at", "archived_by", "archived_reason"}
    copied = [f.attname for f in Indicator._meta.concrete_fields if f.name not in skip]
    while pending_inds:
        later_inds = []
        for i in pending_inds:
            if i.parent_id is not None and i.parent_id not in ind_of:
                later_inds.append(i)
                continue
            ind_of[i.pk] = Indicator.objects.create(
                task=task_of[i.task_id],
                parent=ind_of.get(i.parent_id) if i.parent_id else None,
                target=i.target if carry_targets else Decimal(0),
                target_state=state,
                carried_from=i,
                deadline=_shift(i.deadline, years) if i.deadline else None,
                **{a: getattr(i, a) for a in copied},
            )
        if len(later_inds) == len(pending_inds):  # a parent archived: its children start at the top
            for i in later_inds:
                i.parent_id = None
        pending_inds = later_inds
    shares: dict[tuple[int, int | None, int | None], Decimal] = {}
    for s in Share.objects.filter(indicator_id__in=ind_of).select_related("region"):
        region_id = history.holder(s.region, day).pk if s.region is not None else None
        k = (ind_of[s.indicator_id].pk, region_id, s.unit_id)
        shares[k] = shares.get(k, Decimal(0)) + (s.target if carry_targets else Decimal(0))
    Share.objects.bulk_create(
        [
            Share(indicator_id=i, subdistrict_id=region.pk, region_id=r, unit_id=u, target=v)
            for (i, r, u), v in shares.items()
        ]
    )
    rule = LightRule.objects.filter(region=region, effective_from__lte=datetime.date(from_year, 12, 31)).first()
    jan1 = datetime.date(to_year, 1, 1)
    if rule is not None and not LightRule.objects.filter(region=region, effective_from__year=to_year).exists():
        LightRule.objects.create(
            region=region,
            effective_from=jan1,
            red_gap=rule.red_gap,
            due_soon_days=rule.due_soon_days,
            report_grace_days=rule.report_grace_days,
        )
    schemes = 0
    taken = set(RankingScheme.objects.filter(region=region, year=to_year).values_list("subject", flat=True))
    for scheme in RankingScheme.objects.filter(region=region, year=from_year).prefetch_related("weights"):
        if scheme.subject in taken:  # set up for the new year already: left as it is
            continue
        weights = [(ind_of[w.indicator_id], w.weight) for w in scheme.weights.all() if w.indicator_id in ind_of]
        new_scheme = RankingScheme.objects.create(
            region=region,
            year=to_year,
            name=scheme.name.replace(str(from_year), str(to_year)),
            subject=scheme.subject,
            cap=scheme.cap,
        )
        RankingWeight.objects.bulk_create([RankingWeight(scheme=new_scheme, indicator=i, weight=w) for i, w in weights])
        schemes += 1
    counts = {
        "goals": len(goal_of),
        "tasks": len(task_of),
        "indicators": len(ind_of),
        "shares": len(shares),
        "ranking_schemes": schemes,
    }
    audit.record(
        actor,
        "targets.rollover",
        region,
        changes={"from": [None, from_year], "to": [None, to_year], **{k: [None, v] for k, v in counts.items()}},
        reason="沿用上年目标值" if carry_targets else "目标值待填",
    )
    return counts


# ---- progress ----------------------------------------------------------------------------------


def period_is_open(indicator: Indicator, period_end: datetime.date, today: datetime.date) -> bool:
    sub = _sub_of(indicator)
    rule = lights.Rule.for_region(sub, today)
    if today <= period_end + datetime.timedelta(days=rule.report_grace_days):
        return True
    return (
        PeriodReopening.objects.filter(region=sub, period_end=period_end, until__gte=today)
        .filter(models_q_indicator(indicator))
        .exists()
    )


def models_q_indicator(indicator: Indicator):
    from django.db.models import Q

    return Q(indicator__isnull=True) | Q(indicator=indicator)


@transaction.atomic
def do_report_progress(
    indicator: Indicator,
    *,
    region: Region,
    day: datetime.date,
    value: Decimal,
    actor: Person,
    scope: Scope,
    note: str = "",
    unit: Unit | None = None,
    files=(),
) -> Entry:
    """A person's periodic report: the value for the period containing `day` (a running total if cumulative)."""
    _require(
        indicator.source == SourceKind.REPORT,
        _("“%(name)s”由%(v)s得出，不需要也不能手工填报。")
        % {"name": indicator.name, "v": indicator.get_source_display()},
    )
    sub = _sub_of(indicator)
    _require(
        region.path.startswith(sub.path), _("“%(name)s”不属于“%(name2)s”。") % {"name": region.name, "name2": sub.name}
    )
    require(
        policy.report_progress(scope, indicator, region, unit),
        _("您无权为“%(name)s”填报此指标。") % {"name": region.name},
    )
    start, end = periods.period_of(day, indicator.period_type)
    if region.level == Level.VILLAGE:
        # A village reports for the periods it existed in: a merged village's later progress is its successor's.
        if region.valid_to is not None and region.valid_to <= start:
            successor = history.holder(region, start)
            raise ValidationError(
                _("“%(name)s”已于 %(valid_to)s 并入“%(name2)s”，此后的进度请为“%(name2)s”填报。")
                % {"name": region.name, "valid_to": format(region.valid_to, "%Y-%m-%d"), "name2": successor.name}
            )
        _require(
            region.valid_from <= end,
            _("“%(name)s”自 %(valid_from)s 起设立，不能填报设立之前的期间。")
            % {"name": region.name, "valid_from": format(region.valid_from, "%Y-%m-%d")},
        )
    if indicator.decomposition == Decomposition.VILLAGES:
        # its own share, or (a successor) the shares of the villages merged into it by the period's end
        merged = [region, *history.of(region, end).predecessors(region)]
        _require(
            indicator.shares.filter(region__in=merged).exists(),
            _("此指标未分解到“%(name)s”，不能为其填报。") % {"name": region.name},
        )
    elif indicator.decomposition == Decomposition.UNITS:
        _require(unit is not None and indicator.shares.filter(unit=unit).exists(), _("请选择分解到的单位。"))
        _require(region.pk == sub.pk, _("分解到单位的指标在街道一级填报。"))
    else:
        _require(region.pk == sub.pk, _("此指标不分解，由街道统一填报。"))
    _require(value is not None, _("请填写数值。"))
    _require(
        indicator.allow_negative or value >= 0, _("“%(name)s”不允许负数，请核对后再填。") % {"name": indicator.name}
    )
    year = indicator.task.goal.year
    _require(
        start.year == year or end.year == year, _("该指标属于 %(year)s 年度，所填期间不在该年度内。") % {"year": year}
    )
    today = clock.today()
    _require(start <= today, _("不能填报尚未开始的期间。"))
    _require(
        period_is_open(indicator, end, today),
        _("%(v)s的填报期已截止；如需补报，请街道领导重新开放该期。")
        % {"v": periods.label(start, end, indicator.period_type)},
    )
    previous = (
        Entry.objects.select_for_update()
        .filter(indicator=indicator, region=region, unit=unit, period_end=end, is_current=True)
        .first()
    )
    if previous is not None:
        raise ValidationError(
            _("%(v)s已填报过（%(v2)s）；如需修改，请使用“更正”并写明原因。")
            % {"v": periods.label(start, end, indicator.period_type), "v2": format(previous.value.normalize(), "f")}
        )
    if indicator.cumulative and not (note or "").strip():
        # A running total lower than the last one is nearly always the period's increment typed as the total
        # (262 → 12); when the total really fell, the person says why in the note.
        last = (
            Entry.objects.filter(indicator=indicator, region=region, unit=unit, period_end__lt=end, is_current=True)
            .order_by("-period_end")
            .first()
        )
        if last is not None and value < last.value:
            raise ValidationError(
                _(
                    "“%(name)s”按累计值填报：%(period)s累计 %(last)s，本期填的 %(value)s 比它少。"
                    "若本期新增 %(value)s，请填累计数 %(sum)s；若累计数确实减少，请在说明中写明原因。"
                )
                % {
                    "name": indicator.name,
                    "period": periods.label(last.period_start, last.period_end, indicator.period_type),
                    "last": numbers.plain(last.value),
                    "value": numbers.plain(value),
                    "sum": numbers.plain(last.value + value),
                }
            )
    checked = evidence.check_all(files)
    entry = Entry.objects.create(
        indicator=indicator,
        subdistrict_id=sub.pk,
        region=region,
        unit=unit,
        period_start=start,
        period_end=end,
        value=value,
        note=note,
        reporter=actor,
    )
    stored = _attach(checked, actor=actor, entry=entry)
    audit.record(actor, "progress.report", entry, changes=_with_files({"value": [None, str(value)]}, stored))
    return entry


@transaction.atomic
def do_correct_entry(entry: Entry, *, value: Decimal, reason: str, actor: Person, scope: Scope, files=()) -> Entry:
    """A correction is a new entry with a reason; the old one stays, marked as superseded."""
    entry = Entry.objects.select_for_update().select_related("indicator__task__goal__region", "region").get(pk=entry.pk)
    _require(entry.is_current, _("这条填报已被更正过，请更正最新的一条。"))
    require(policy.report_progress(scope, entry.indicator, entry.region, entry.unit), _("您无权更正这条填报。"))
    reason = (reason or "").strip()
    _require(bool(reason), _("更正必须填写原因。"))
    _require(entry.indicator.allow_negative or value >= 0, _("“%(name)s”不允许负数。") % {"name": entry.indicator.name})
    _require(
        period_is_open(entry.indicator, entry.period_end, clock.today()),
        _("该期填报期已截止；如需更正，请街道领导重新开放该期。"),
    )
    checked = evidence.check_all(files)
    Entry.objects.filter(pk=entry.pk).update(is_current=False)
    new = Entry.objects.create(
        indicator=entry.indicator,
        subdistrict_id=_sub_of(entry.indicator).pk,
        region=entry.region,
        unit=entry.unit,
        period_start=entry.period_start,
        period_end=entry.period_end,
        value=value,
        note=entry.note,
        reporter=actor,
        corrects=entry,
        reason=reason,
    )
    stored = _attach(checked, actor=actor, entry=new)
    audit.record(
        actor,
        "progress.correct",
        new,
        changes=_with_files({"value": [str(entry.value), str(value)]}, stored),
        reason=reason,
    )
    return new


@transaction.atomic
def do_reopen_period(
    *,
    region: Region,
    period_end: datetime.date,
    until: datetime.date,
    reason: str,
    actor: Person,
    scope: Scope,
    indicator: Indicator | None = None,
) -> PeriodReopening:
    _require(region.level == Level.SUBDISTRICT, _("填报期按街道（乡镇）重新开放。"))
    require(policy.reopen_period(scope, region), _("只有街道领导可以重新开放填报期。"))
    _require(bool((reason or "").strip()), _("重新开放填报期必须填写原因。"))
    _require(until >= clock.today(), _("开放截止日期不能早于今天。"))
    reopening = PeriodReopening.objects.create(
        region=region, indicator=indicator, period_end=period_end, until=until, reason=reason.strip(), reopened_by=actor
    )
    audit.record(
        actor,
        "period.reopen",
        region,
        changes={"period_end": [None, period_end], "until": [None, until]},
        reason=reason,
    )
    return reopening


# ---- supervision: completion, closure, reopening, 催办 ----------------------------------------------


@transaction.atomic
def do_report_completion(task: Task, *, note: str, actor: Person, scope: Scope, files=()) -> Task:
    """The lead unit reports the task done (办结报告), with evidence."""
    task = Task.objects.select_for_update().select_related("goal__region").get(pk=task.pk)
    require(policy.lead_task(scope, task), _("只有牵头单位或街道领导可以报告办结。"))
    _require(
        task.status == TaskStatus.OPEN, _("任务当前状态为“%(v)s”，不能再报告办结。") % {"v": task.get_status_display()}
    )
    _require(bool((note or "").strip()), _("请填写办结说明。"))
    _require(bool(files) or task.evidence.exists(), _("报告办结需要上传佐证材料。"))
    checked = evidence.check_all(files)
    stored = _attach(checked, actor=actor, task=task)
    task.status, task.reported_at, task.reported_by, task.report_note = (
        TaskStatus.REPORTED,
        timezone.now(),
        actor,
        note.strip(),
    )
    task.save()
    audit.record(actor, "task.report_completion", task, changes=_with_files({"status": ["推进中", "已报办结"]}, stored))
    return task


@transaction.atomic
def do_confirm_closure(task: Task, *, actor: Person, scope: Scope) -> Task:
    """A leader confirms the completion report: 办结销号."""
    task = Task.objects.select_for_update().select_related("goal__region").get(pk=task.pk)
    require(
        policy.decide_task(scope, task),
        _("只有街道领导可以确认办结销号。"),
    )
    _require(task.status == TaskStatus.REPORTED, _("牵头单位报告办结后，才能确认销号。"))
    _require(task.reported_by_id != actor.pk or scope.is_superuser, _("报告办结的人不能自己确认销号。"))
    task.status, task.closed_at, task.closed_by = TaskStatus.CLOSED, timezone.now(), actor
    task.save()
    audit.record(actor, "task.close", task, changes={"status": ["已报办结", "已销号"]})
    return task


@transaction.atomic
def do_reopen_task(task: Task, *, reason: str, actor: Person, scope: Scope) -> Task:
    task = Task.objects.select_for_update().select_related("goal__region").get(pk=task.pk)
    require(policy.decide_task(scope, task), _("只有街道领导可以重新打开任务。"))
    _require(task.status != TaskStatus.OPEN, _("任务本来就在推进中。"))
    _require(bool((reason or "").strip()), _("重新打开任务必须填写原因。"))
    old = task.get_status_display()
    task.status, task.closed_at, task.closed_by = TaskStatus.OPEN, None, None
    task.save()
    audit.record(actor, "task.reopen", task, changes={"status": [old, "推进中"]}, reason=reason)
    return task


@transaction.atomic
def do_send_reminder(task: Task, *, message: str, actor: Person, scope: Scope) -> list[Reminder]:
    """催办: to the task's responsible person and its responsible leader."""
    require(policy.decide_task(scope, task), _("只有街道领导可以催办。"))
    _require(bool((message or "").strip()), _("请填写催办内容。"))
    recipients = {p for p in (task.owner, task.leader) if p is not None and p.pk != actor.pk}
    _require(bool(recipients), _("该任务没有可催办的责任人。"))
    made = [Reminder.objects.create(task=task, to=p, sender=actor, message=message.strip()) for p in recipients]
    audit.record(
        actor, "task.remind", task, changes={"to": [None, "、".join(str(p) for p in recipients)]}, reason=message
    )
    return made


@transaction.atomic
def do_mark_reminder_read(reminder: Reminder, *, actor: Person) -> Reminder:
    _require(reminder.to_id == actor.pk, _("只能处理发给自己的催办。"))
    if reminder.read_at is None:
        reminder.read_at = timezone.now()
        reminder.save(update_fields=["read_at", "modified_at"])
        audit.record(actor, "task.remind_read", reminder.task)
    return reminder


REPEAT_WINDOW = datetime.timedelta(minutes=10)


@transaction.atomic
def do_remind_villages(
    indicator: Indicator, villages: Sequence[Region], *, message: str, actor: Person, scope: Scope
) -> list[Reminder]:
    """催办 villages about their shares of `indicator`: one reminder per village, seen by its cadres on their home
    until one of them answers; one audit entry per village."""
    require(policy.remind_villages(scope, indicator), _("只有街道领导和牵头科室可以催办村（社区）。"))
    text = (message or "").strip()
    _require(bool(text), _("请填写催办内容。"))
    _require(len(text) <= 500, _("催办内容不能超过 500 字。"))
    _require(bool(villages), _("请选择要催办的村（社区）。"))
    sub = _sub_of(indicator)
    shared = set(indicator.shares.filter(region__isnull=False).values_list("region_id", flat=True))
    for v in villages:
        _require(
            v.parent_id == sub.pk and v.pk in shared,
            _("“%(village)s”没有“%(indicator)s”的分解任务，不能催办。")
            % {"village": v.name, "indicator": indicator.name},
        )
    # A form posted twice (a double tap, a retry after a timeout) presses a village once: the same sender's same
    # words to the same village, unanswered and sent within REPEAT_WINDOW, are that reminder, not a second one.
    # The indicator's row is locked so that two such posts at the same moment see each other.
    Indicator.objects.select_for_update().filter(pk=indicator.pk).first()
    already = {
        r.region_id: r
        for r in Reminder.objects.filter(
            indicator=indicator,
            region__in=villages,
            sender=actor,
            message=text,
            answered_at__isnull=True,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        ).select_related("region")
    }
    fresh = [v for v in villages if v.pk not in already]
    made = Reminder.objects.bulk_create(
        [Reminder(task=indicator.task, indicator=indicator, region=v, sender=actor, message=text) for v in fresh]
    )
    for reminder, village in zip(made, fresh, strict=True):
        reminder.region = village
        audit.record(
            actor, "indicator.remind_village", reminder, changes={"village": [None, village.name]}, reason=text
        )
    by_village = {r.region_id: r for r in made} | already
    return [by_village[v.pk] for v in villages]


def _village_reminder(reminder: Reminder, scope: Scope) -> None:
    _require(reminder.region_id is not None, _("这条催办不是发给村（社区）的。"))
    require(policy.answer_village_reminder(scope, reminder), _("只有该村（社区）的干部可以处理这条催办。"))


@transaction.atomic
def do_read_village_reminder(reminder: Reminder, *, actor: Person, scope: Scope) -> Reminder:
    """已阅: a cadre of the village has read the 催办 (the sender sees who, and when)."""
    _village_reminder(reminder, scope)
    reminder = Reminder.objects.select_for_update(of=("self",)).select_related("region").get(pk=reminder.pk)
    if reminder.read_at is None:
        reminder.read_at, reminder.read_by = timezone.now(), actor
        reminder.save(update_fields=["read_at", "read_by", "modified_at"])
        audit.record(actor, "indicator.remind_read", reminder)
    return reminder


@transaction.atomic
def do_answer_village_reminder(reminder: Reminder, *, answer: str, actor: Person, scope: Scope) -> Reminder:
    """A cadre answers the 催办 for the village (reading it too); an answer is final — a later word is a new
    report or a new answer to the next 催办."""
    _village_reminder(reminder, scope)
    text = (answer or "").strip()
    _require(bool(text), _("请填写回复内容。"))
    _require(len(text) <= 500, _("回复内容不能超过 500 字。"))
    reminder = Reminder.objects.select_for_update(of=("self",)).select_related("region").get(pk=reminder.pk)
    _require(reminder.answered_at is None, _("这条催办已经回复过了。"))
    now = timezone.now()
    if reminder.read_at is None:
        reminder.read_at, reminder.read_by = now, actor
    reminder.answer, reminder.answered_at, reminder.answered_by = text, now, actor
    reminder.save(update_fields=["read_at", "read_by", "answer", "answered_at", "answered_by", "modified_at"])
    audit.record(actor, "indicator.remind_answer", reminder, changes={"answer": [None, text]})
    return reminder


# ---- the table as .xlsx ----------------------------------------------------------------------------


def do_export_board(region: Region, year: int, *, actor: Person, scope: Scope) -> bytes:
    """The year's target table as .xlsx (export.py), seen from `region` — the subdistrict, or one village's
    shares — with one audit entry saying what left: the year, the viewpoint and the number of rows. The table is
    built before the transaction: only the audit entry is written, and no write lock waits for the workbook."""
    require(policy.export_targets(scope, region), _("您无权导出“%(name)s”的目标任务。") % {"name": region.name})
    _require(region.level in (Level.SUBDISTRICT, Level.VILLAGE), _("目标任务按街道（乡镇）或村（社区）导出。"))
    _require(
        periods.FIRST_YEAR <= year <= periods.LAST_YEAR,
        _("年度应在 %(FIRST_YEAR)s 至 %(LAST_YEAR)s 之间，“%(year)s”不是有效的年度。")
        % {"FIRST_YEAR": periods.FIRST_YEAR, "LAST_YEAR": periods.LAST_YEAR, "year": year},
    )
    village = region if region.level == Level.VILLAGE else None
    sub = region.parent if village is not None and region.parent is not None else region
    board = engine.build_board(sub, year, clock.today(), village=village)
    data = export.board_xlsx(board)
    rows = export.indicator_rows(board)
    with transaction.atomic():
        audit.record(
            actor,
            "targets.export",
            region,
            changes={"year": [None, year], "viewpoint": [None, region.name], "rows": [None, rows]},
        )
    return data


# ---- ranking -----------------------------------------------------------------------------------


@transaction.atomic
def do_set_ranking(
    *,
    region: Region,
    year: int,
    subject: str,
    name: str,
    weights: dict[Indicator, Decimal],
    actor: Person,
    scope: Scope,
    cap: Decimal = Decimal(100),
) -> RankingScheme:
    require(policy.plan_targets(scope, region), _("只有街道领导可以设置考核权重。"))
    _require(subject in ("villages", "units"), _("考核对象应为村（社区）或单位。"))
    total = sum(weights.values(), Decimal(0))
    _require(total == 100, _("各项权重之和应为 100%%，现为 %(v)s%%。") % {"v": format(total.normalize(), "f")})
    _require(all(w > 0 for w in weights.values()), _("权重必须大于 0。"))
    for ind in weights:
        _require(
            ind.task.goal.region_id == region.pk and ind.task.goal.year == year,
            _("指标“%(name)s”不属于%(name2)s%(year)s年的目标体系。")
            % {"name": ind.name, "name2": region.name, "year": year},
        )
        wanted = Decomposition.VILLAGES if subject == "villages" else Decomposition.UNITS
        _require(
            ind.decomposition == wanted or subject == "units",
            _("指标“%(name)s”没有分解到%(v)s，不能用于该考核。")
            % {"name": ind.name, "v": "村" if subject == "villages" else "单位"},
        )
    scheme, _made = RankingScheme.objects.update_or_create(
        region=region, year=year, subject=subject, defaults={"name": name, "cap": cap}
    )
    before = {str(w.indicator): str(w.weight) for w in scheme.weights.select_related("indicator")}
    scheme.weights.all().delete()
    RankingWeight.objects.bulk_create([RankingWeight(scheme=scheme, indicator=i, weight=w) for i, w in weights.items()])
    audit.record(
        actor, "ranking.weights", scheme, changes=audit.diff(before, {str(i): str(w) for i, w in weights.items()})
    )
    return scheme


@transaction.atomic
def do_publish_ranking(scheme: RankingScheme, *, published: bool, actor: Person, scope: Scope) -> RankingScheme:
    """Publish a villages' ranking to the villages (their cadres see every village's rank and score, and their
    own village's breakdown), or take it back."""
    require(policy.plan_targets(scope, scheme.region), _("只有街道领导可以公开考核排名。"))
    _require(scheme.subject == "villages", _("只有村（社区）的考核排名可以向村公开。"))
    if scheme.published_to_villages != published:
        scheme.published_to_villages = published
        scheme.save(update_fields=["published_to_villages", "modified_at"])
        audit.record(actor, "ranking.publish", scheme, changes={"published_to_villages": [not published, published]})
    return scheme


# ---- the built-in record type ------------------------------------------------------------------


@transaction.atomic
def do_record_activity(
    *,
    region: Region,
    kind: str,
    topic: str,
    title: str,
    date: datetime.date,
    actor: Person,
    scope: Scope,
    count: int = 0,
    amount: Decimal | None = None,
) -> ActivityRecord:
    require(
        policy.record_activity(scope, region),
        _("您无权为“%(name)s”登记工作记录。") % {"name": region.name},
    )
    _require(bool(topic.strip()) and bool(title.strip()), _("事项和标题都不能为空。"))
    _require(date <= clock.today(), _("不能登记未来日期的工作记录。"))
    record = ActivityRecord.objects.create(
        region=region,
        subdistrict_id=_subdistrict_id(region),
        kind=kind,
        topic=topic.strip(),
        title=title.strip(),
        date=date,
        count=count,
        amount=amount,
        recorded_by=actor,
    )
    audit.record(actor, "activity.create", record, changes={"title": [None, record.title]})
    return record


@transaction.atomic
def do_archive_activity(record: ActivityRecord, *, reason: str, actor: Person, scope: Scope) -> ActivityRecord:
    require(policy.archive_activity(scope, record.region), _("您无权归档这条记录。"))
    _require(bool((reason or "").strip()), _("归档必须填写原因。"))
    record.archived_at, record.archived_by, record.archived_reason = timezone.now(), actor, reason.strip()
    record.save()
    audit.record(actor, "activity.archive", record, reason=reason)
    return record
