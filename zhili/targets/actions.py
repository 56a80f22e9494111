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

from zhili.core import audit, clock
from zhili.core.errors import require
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
    PeriodReopening,
    RankingScheme,
    RankingWeight,
    Reminder,
    Share,
    SourceKind,
    Task,
    TaskStatus,
)


def _sub_of(indicator: Indicator) -> Region:
    return indicator.task.goal.region


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
    order: int = 0,
) -> Goal:
    _require(region.level == Level.SUBDISTRICT, "目标体系设在街道（乡镇）一级。")
    require(policy.plan_targets(scope, region), f"您无权编制“{region.name}”的目标。")
    _require(bool(title.strip()), "目标名称不能为空。")
    if parent is not None:
        _require(parent.region_id == region.pk and parent.year == year, "上级目标必须属于同一街道、同一年度。")
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
    order: int = 0,
    milestones: Sequence[tuple[str, datetime.date]] = (),
) -> Task:
    require(policy.plan_targets(scope, goal.region), "您无权编制此目标的任务。")
    _require(bool(title.strip()), "任务名称不能为空。")
    _require(deadline >= start, "完成时限不能早于开始日期。")
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
    require(policy.plan_targets(scope, task.goal.region), "您无权编制指标。")
    _require(bool(name.strip()), "指标名称不能为空。")
    ind = Indicator(task=task, code=code, name=name.strip(), unit=unit, target=target, **fields)
    if ind.source == SourceKind.COMPUTED:
        sources.get(ind.source_key).check_params(ind.source_params or {})
    if ind.parent is not None:
        _require(ind.parent.source == SourceKind.CHILDREN, f"上级指标“{ind.parent}”不是“下级指标汇总”类型。")
    _require(ind.allow_negative or target >= 0, "目标值不能为负数。")
    ind.save()
    audit.record(actor, "indicator.create", ind, changes={"name": [None, ind.name], "target": [None, target]})
    return ind


@transaction.atomic
def do_set_shares(indicator: Indicator, targets: dict, *, actor: Person, scope: Scope, reason: str = "") -> list[Share]:
    """分解下达. `targets` maps villages (Region) or units (Unit) to their share. Parts that do not add up to
    the indicator's target are saved only with a reason (kept on the indicator and in the audit log)."""
    sub = _sub_of(indicator)
    require(policy.plan_targets(scope, sub), "只有街道领导可以分解下达指标。")
    _require(indicator.decomposition != Decomposition.NONE, "该指标设为不分解，请先修改分解方式。")
    # Shares go to the villages of the day the year's figures count (regions/history.py): a village merged away
    # by then keeps its share as its history, and its successor answers for the rest of the year.
    day = year_window(indicator.task.goal.year, clock.today()).end
    for subject, value in targets.items():
        if isinstance(subject, Region):
            _require(indicator.decomposition == Decomposition.VILLAGES, "该指标分解到单位，不能分给村。")
            _require(
                subject.parent_id == sub.pk and subject.level == Level.VILLAGE,
                f"“{subject.name}”不是“{sub.name}”的村（社区）。",
            )
            if subject.valid_to is not None and subject.valid_to <= day:
                successor = history.holder(subject, day)
                raise ValidationError(
                    f"“{subject.name}”已于 {subject.valid_to:%Y-%m-%d} 并入“{successor.name}”，请分解给“{successor.name}”。"
                )
            _require(
                subject.valid_from <= day,
                f"“{subject.name}”自 {subject.valid_from:%Y-%m-%d} 起设立，不能分解 {day:%Y-%m-%d} 之前的目标。",
            )
        else:
            _require(indicator.decomposition == Decomposition.UNITS, "该指标分解到村，不能分给单位。")
            _require(subject.region_id == sub.pk, f"“{subject.name}”不是“{sub.name}”的单位。")
        _require(value is not None and (value >= 0 or indicator.allow_negative), f"“{subject}”的分解目标不能为负数。")
    total = sum(targets.values(), Decimal(0))
    reason = (reason or "").strip()
    if total != indicator.target and not reason:
        raise ValidationError(
            f"分解合计 {total.normalize():f} 与目标值 {indicator.target.normalize():f} 不一致"
            f"（相差 {(total - indicator.target).normalize():f}）；如确需如此，请填写原因后保存。"
        )
    existing = {(s.region_id, s.unit_id): s for s in indicator.shares.select_related("region", "unit")}
    before = {str(s.region or s.unit): str(s.target) for s in existing.values()}
    made = []
    for k, v in targets.items():
        key = (k.pk, None) if isinstance(k, Region) else (None, k.pk)
        share = existing.pop(key, None) or Share(
            indicator=indicator, **({"region": k} if isinstance(k, Region) else {"unit": k})
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
        f"“{indicator.name}”由{indicator.get_source_display()}得出，不需要也不能手工填报。",
    )
    sub = _sub_of(indicator)
    _require(region.path.startswith(sub.path), f"“{region.name}”不属于“{sub.name}”。")
    require(policy.report_progress(scope, indicator, region, unit), f"您无权为“{region.name}”填报此指标。")
    start, end = periods.period_of(day, indicator.period_type)
    if region.level == Level.VILLAGE:
        # A village reports for the periods it existed in: a merged village's later progress is its successor's.
        if region.valid_to is not None and region.valid_to <= start:
            successor = history.holder(region, start)
            raise ValidationError(
                f"“{region.name}”已于 {region.valid_to:%Y-%m-%d} 并入“{successor.name}”，"
                f"此后的进度请为“{successor.name}”填报。"
            )
        _require(
            region.valid_from <= end,
            f"“{region.name}”自 {region.valid_from:%Y-%m-%d} 起设立，不能填报设立之前的期间。",
        )
    if indicator.decomposition == Decomposition.VILLAGES:
        # its own share, or (a successor) the shares of the villages merged into it by the period's end
        merged = [region, *history.of(region, end).predecessors(region)]
        _require(indicator.shares.filter(region__in=merged).exists(), f"此指标未分解到“{region.name}”，不能为其填报。")
    elif indicator.decomposition == Decomposition.UNITS:
        _require(unit is not None and indicator.shares.filter(unit=unit).exists(), "请选择分解到的单位。")
        _require(region.pk == sub.pk, "分解到单位的指标在街道一级填报。")
    else:
        _require(region.pk == sub.pk, "此指标不分解，由街道统一填报。")
    _require(value is not None, "请填写数值。")
    _require(indicator.allow_negative or value >= 0, f"“{indicator.name}”不允许负数，请核对后再填。")
    year = indicator.task.goal.year
    _require(start.year == year or end.year == year, f"该指标属于 {year} 年度，所填期间不在该年度内。")
    today = clock.today()
    _require(start <= today, "不能填报尚未开始的期间。")
    _require(
        period_is_open(indicator, end, today),
        f"{periods.label(start, end, indicator.period_type)}的填报期已截止；如需补报，请街道领导重新开放该期。",
    )
    previous = (
        Entry.objects.select_for_update()
        .filter(indicator=indicator, region=region, unit=unit, period_end=end, is_current=True)
        .first()
    )
    if previous is not None:
        raise ValidationError(
            f"{periods.label(start, end, indicator.period_type)}已填报过"
            f"（{previous.value.normalize():f}）；如需修改，请使用“更正”并写明原因。"
        )
    checked = evidence.check_all(files)
    entry = Entry.objects.create(
        indicator=indicator,
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
    _require(entry.is_current, "这条填报已被更正过，请更正最新的一条。")
    require(policy.report_progress(scope, entry.indicator, entry.region, entry.unit), "您无权更正这条填报。")
    reason = (reason or "").strip()
    _require(bool(reason), "更正必须填写原因。")
    _require(entry.indicator.allow_negative or value >= 0, f"“{entry.indicator.name}”不允许负数。")
    _require(
        period_is_open(entry.indicator, entry.period_end, clock.today()),
        "该期填报期已截止；如需更正，请街道领导重新开放该期。",
    )
    checked = evidence.check_all(files)
    Entry.objects.filter(pk=entry.pk).update(is_current=False)
    new = Entry.objects.create(
        indicator=entry.indicator,
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
    _require(region.level == Level.SUBDISTRICT, "填报期按街道（乡镇）重新开放。")
    require(policy.reopen_period(scope, region), "只有街道领导可以重新开放填报期。")
    _require(bool((reason or "").strip()), "重新开放填报期必须填写原因。")
    _require(until >= clock.today(), "开放截止日期不能早于今天。")
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
    require(policy.lead_task(scope, task), "只有牵头单位或街道领导可以报告办结。")
    _require(task.status == TaskStatus.OPEN, f"任务当前状态为“{task.get_status_display()}”，不能再报告办结。")
    _require(bool((note or "").strip()), "请填写办结说明。")
    _require(bool(files) or task.evidence.exists(), "报告办结需要上传佐证材料。")
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
        "只有街道领导可以确认办结销号。",
    )
    _require(task.status == TaskStatus.REPORTED, "牵头单位报告办结后，才能确认销号。")
    _require(task.reported_by_id != actor.pk or scope.is_superuser, "报告办结的人不能自己确认销号。")
    task.status, task.closed_at, task.closed_by = TaskStatus.CLOSED, timezone.now(), actor
    task.save()
    audit.record(actor, "task.close", task, changes={"status": ["已报办结", "已销号"]})
    return task


@transaction.atomic
def do_reopen_task(task: Task, *, reason: str, actor: Person, scope: Scope) -> Task:
    task = Task.objects.select_for_update().select_related("goal__region").get(pk=task.pk)
    require(policy.decide_task(scope, task), "只有街道领导可以重新打开任务。")
    _require(task.status != TaskStatus.OPEN, "任务本来就在推进中。")
    _require(bool((reason or "").strip()), "重新打开任务必须填写原因。")
    old = task.get_status_display()
    task.status, task.closed_at, task.closed_by = TaskStatus.OPEN, None, None
    task.save()
    audit.record(actor, "task.reopen", task, changes={"status": [old, "推进中"]}, reason=reason)
    return task


@transaction.atomic
def do_send_reminder(task: Task, *, message: str, actor: Person, scope: Scope) -> list[Reminder]:
    """催办: to the task's responsible person and its responsible leader."""
    require(policy.decide_task(scope, task), "只有街道领导可以催办。")
    _require(bool((message or "").strip()), "请填写催办内容。")
    recipients = {p for p in (task.owner, task.leader) if p is not None and p.pk != actor.pk}
    _require(bool(recipients), "该任务没有可催办的责任人。")
    made = [Reminder.objects.create(task=task, to=p, sender=actor, message=message.strip()) for p in recipients]
    audit.record(
        actor, "task.remind", task, changes={"to": [None, "、".join(str(p) for p in recipients)]}, reason=message
    )
    return made


@transaction.atomic
def do_mark_reminder_read(reminder: Reminder, *, actor: Person) -> Reminder:
    _require(reminder.to_id == actor.pk, "只能处理发给自己的催办。")
    if reminder.read_at is None:
        reminder.read_at = timezone.now()
        reminder.save(update_fields=["read_at", "modified_at"])
        audit.record(actor, "task.remind_read", reminder.task)
    return reminder


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
    made = Reminder.objects.bulk_create(
        [Reminder(task=indicator.task, indicator=indicator, region=v, sender=actor, message=text) for v in villages]
    )
    for reminder, village in zip(made, villages, strict=True):
        reminder.region = village
        audit.record(
            actor, "indicator.remind_village", reminder, changes={"village": [None, village.name]}, reason=text
        )
    return made


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
    require(policy.export_targets(scope, region), f"您无权导出“{region.name}”的目标任务。")
    _require(region.level in (Level.SUBDISTRICT, Level.VILLAGE), "目标任务按街道（乡镇）或村（社区）导出。")
    _require(
        periods.FIRST_YEAR <= year <= periods.LAST_YEAR,
        f"年度应在 {periods.FIRST_YEAR} 至 {periods.LAST_YEAR} 之间，“{year}”不是有效的年度。",
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
    require(policy.plan_targets(scope, region), "只有街道领导可以设置考核权重。")
    _require(subject in ("villages", "units"), "考核对象应为村（社区）或单位。")
    total = sum(weights.values(), Decimal(0))
    _require(total == 100, f"各项权重之和应为 100%，现为 {total.normalize():f}%。")
    _require(all(w > 0 for w in weights.values()), "权重必须大于 0。")
    for ind in weights:
        _require(
            ind.task.goal.region_id == region.pk and ind.task.goal.year == year,
            f"指标“{ind.name}”不属于{region.name}{year}年的目标体系。",
        )
        wanted = Decomposition.VILLAGES if subject == "villages" else Decomposition.UNITS
        _require(
            ind.decomposition == wanted or subject == "units",
            f"指标“{ind.name}”没有分解到{'村' if subject == 'villages' else '单位'}，不能用于该考核。",
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
        f"您无权为“{region.name}”登记工作记录。",
    )
    _require(bool(topic.strip()) and bool(title.strip()), "事项和标题都不能为空。")
    _require(date <= clock.today(), "不能登记未来日期的工作记录。")
    record = ActivityRecord.objects.create(
        region=region,
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
    require(policy.archive_activity(scope, record.region), "您无权归档这条记录。")
    _require(bool((reason or "").strip()), "归档必须填写原因。")
    record.archived_at, record.archived_by, record.archived_reason = timezone.now(), actor, reason.strip()
    record.save()
    audit.record(actor, "activity.archive", record, reason=reason)
    return record
