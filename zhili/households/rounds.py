"""Writes of trainings for assistance officers (帮扶责任人培训) and of 回头看 rounds: add a training and say who
attended; start a round, assign households or whole villages to it, record what checking a target found — a
finding becomes a case of the cases loop (findings.py), kept on the target, so the round's problems are tracked to
zero (问题清零). Each checks its right in policy, is atomic and leaves one audit entry per change."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.cases import actions as case_actions
from zhili.cases.actions import clean_text
from zhili.cases.models import TERMINAL, Source
from zhili.core import audit, clock
from zhili.core.errors import Conflict, Invalid, require
from zhili.excel import values as xv
from zhili.households import findings
from zhili.households.actions import ensure_defaults
from zhili.households.models import (
    Category,
    ChecklistItem,
    Household,
    Round,
    RoundKind,
    RoundTarget,
    TargetResult,
    Training,
    TrainingAttendance,
)
from zhili.households.queries import setup_of
from zhili.households.rounds_queries import eligible_attendees
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region

audit.describe(
    {
        "households.training": gettext_lazy("添加帮扶责任人培训"),
        "households.attendance": gettext_lazy("登记培训参训人员"),
        "households.round": gettext_lazy("启动回头看"),
        "households.assign": gettext_lazy("分派回头看对象"),
        "households.result": gettext_lazy("记录回头看核查结果"),
    },
    fields={
        "households.training": {
            "title": gettext_lazy("培训主题"),
            "held_on": gettext_lazy("培训日期"),
            "place": gettext_lazy("地点"),
            "note": gettext_lazy("备注"),
            "attendees": gettext_lazy("参训人员"),
        },
        "households.round": {
            "name": gettext_lazy("名称"),
            "kind": gettext_lazy("类型"),
            "starts_on": gettext_lazy("开始日期"),
            "ends_on": gettext_lazy("截止日期"),
            "items": gettext_lazy("核查项目"),
            "note": gettext_lazy("说明"),
            "targets": gettext_lazy("核查对象"),
        },
        "households.result": {  # written on the round: the target checked and what it found
            "target": gettext_lazy("核查户（村）"),
            "result": gettext_lazy("结果"),
            "note": gettext_lazy("情况说明"),
            "checked_on": gettext_lazy("核查日期"),
            "case": gettext_lazy("问题案件"),
        },
    },
)

ASSIGN_LIMIT = 20000  # households one assignment may add (a subdistrict's whole register fits)


def _date(raw: Any, label: str, *, past: bool = False) -> datetime.date:
    """A date typed as offices type them ("2020-11-3"); required; with `past`, not after today."""
    try:
        value = xv.parse_date(raw if raw not in ("",) else None).value
    except xv.ValueProblem as exc:
        raise Invalid(_("%(label)s：%(reason)s") % {"label": label, "reason": exc.message}) from None
    if value is None:
        raise Invalid(_("请填写%(label)s。") % {"label": label})
    if past and value > clock.today():
        raise Invalid(_("%(label)s不能晚于今天（%(today)s）。") % {"label": label, "today": clock.today().isoformat()})
    return value


def _name(person: Person) -> str:
    return person.get_full_name() or person.username


# ---- trainings (帮扶责任人培训) ---------------------------------------------------------------------------


@transaction.atomic
def do_add_training(subdistrict: Region, data: dict, *, actor: Person, scope: Scope) -> Training:
    """A training for the subdistrict's assistance officers: its title, date (not in the future), place, note."""
    setup = setup_of(subdistrict)
    require(policy.manage_households(scope, setup), _("只有民政办（扶贫）或街道领导可以登记培训。"))
    training = Training(subdistrict=subdistrict, recorded_by=actor)
    training.title = clean_text(data.get("title"), label=_("培训主题"), limit=200)
    training.held_on = _date(data.get("held_on"), _("培训日期"), past=True)
    training.place = clean_text(data.get("place"), label=_("地点"), limit=100, required=False)
    training.note = clean_text(data.get("note"), label=_("备注"), limit=500, required=False)
    training.save()
    audit.record(
        actor,
        "households.training",
        training,
        changes={
            k: [None, getattr(training, k)] for k in ("title", "held_on", "place", "note") if getattr(training, k)
        },
    )
    return training


@transaction.atomic
def do_set_attendance(training: Training, people: Iterable[Person], *, actor: Person, scope: Scope) -> Training:
    """Who attended the training: the subdistrict's assistance officers (households' officers) or people with a
    role there; anybody else is refused by name and nothing is written."""
    training = Training.objects.select_for_update(of=("self",)).select_related("subdistrict").get(pk=training.pk)
    setup = setup_of(training.subdistrict)
    require(policy.manage_households(scope, setup), _("只有民政办（扶贫）或街道领导可以登记培训的参训人员。"))
    if training.held_on > clock.today():
        raise Invalid(_("培训尚未举行，不能登记参训人员。"))
    chosen = {p.pk: p for p in people}
    allowed = eligible_attendees(training.subdistrict, ids=list(chosen))
    outside = [_name(p) for pk, p in chosen.items() if pk not in allowed]
    if outside:
        raise Invalid(
            _("%(names)s 不是本街道（乡镇）的帮扶责任人或工作人员，不能登记为参训人员。")
            % {"names": "、".join(sorted(outside))}
        )
    before = dict(
        TrainingAttendance.objects.filter(training=training)
        .select_related("person")
        .values_list("person_id", "person__full_name")
    )
    removed = set(before) - set(chosen)
    added = [pk for pk in chosen if pk not in before]
    if not removed and not added:
        return training
    TrainingAttendance.objects.filter(training=training, person_id__in=removed).delete()
    TrainingAttendance.objects.bulk_create([TrainingAttendance(training=training, person_id=pk) for pk in added])
    old = sorted(before.values())
    new = sorted(_name(p) for p in chosen.values())
    audit.record(actor, "households.attendance", training, changes={"attendees": [old, new]})
    return training


# ---- 回头看 rounds ------------------------------------------------------------------------------------------


@transaction.atomic
def do_start_round(subdistrict: Region, data: dict, *, actor: Person, scope: Scope) -> Round:
    """A 回头看 round: its name, kind (政策落实回头看 / 扶贫项目复查), dates, the checklist items it checks, a note."""
    setup = setup_of(subdistrict)
    require(policy.manage_households(scope, setup), _("只有民政办（扶贫）或街道领导可以启动回头看。"))
    ensure_defaults(subdistrict)
    name = clean_text(data.get("name"), label=_("名称"), limit=200)
    kind = data.get("kind") or RoundKind.POLICY
    if kind not in RoundKind.values:
        raise Invalid(_("请选择回头看的类型。"))
    starts_on = _date(data.get("starts_on"), _("开始日期"))
    ends_on = _date(data.get("ends_on"), _("截止日期"))
    if ends_on < starts_on:
        raise Invalid(_("截止日期不能早于开始日期。"))
    items = list(data.get("items") or [])
    if any(not isinstance(i, ChecklistItem) or i.subdistrict_id != subdistrict.pk for i in items):
        raise Invalid(_("核查项目应是本街道（乡镇）的核查项目。"))
    note = clean_text(data.get("note"), label=_("说明"), limit=500, required=False)
    found = Round.objects.create(
        subdistrict=subdistrict,
        name=name,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
        created_by=actor,
        created_at=clock.now(),
    )
    found.items.set(items)
    changes = {
        "name": [None, name],
        "kind": [None, str(RoundKind(kind).label)],
        "starts_on": [None, starts_on],
        "ends_on": [None, ends_on],
        "items": [None, [i.name for i in items]],
    }
    if note:
        changes["note"] = [None, note]
    audit.record(actor, "households.round", found, changes=changes)
    return found


@transaction.atomic
def do_assign(
    round: Round,
    *,
    households: Iterable[Household] = (),
    villages: Iterable[Region] = (),
    whole_villages: bool = False,
    category: Category | None = None,
    actor: Person,
    scope: Scope,
) -> int:
    """Assign to the round: with `whole_villages`, each village in `villages` as one target (a village check,
    e.g. 五通十有); otherwise the households listed, plus the active households of `villages` (of `category`
    when given; a category alone: the subdistrict's households of that category). A household or a village of
    another subdistrict, or one the person may not read, is refused and nothing is written; one already assigned
    is left as it is. Returns how many targets were added."""
    round = Round.objects.select_for_update(of=("self",)).select_related("subdistrict").get(pk=round.pk)
    sub = round.subdistrict
    setup = setup_of(sub)
    require(policy.manage_households(scope, setup), _("只有民政办（扶贫）或街道领导可以分派回头看对象。"))
    villages = list(villages)
    households = list(households)
    for v in villages:
        if v.parent_id != sub.pk or v.level != Level.VILLAGE or not scope.can_read(v.path):
            raise Invalid(_("“%(name)s”不是本街道（乡镇）您可查看的村（社区）。") % {"name": v.name})
    if category is not None and category.subdistrict_id != sub.pk:
        raise Invalid(_("户类别应是本街道（乡镇）的户类别。"))
    for h in households:
        if h.subdistrict_id != sub.pk or h.archived_at is not None or not scope.can_read(h.path):
            raise Invalid(_("户“%(name)s”不在本街道（乡镇）您可查看的范围内。") % {"name": str(h)})
    before = RoundTarget.objects.filter(round=round).count()
    if whole_villages:
        if not villages:
            raise Invalid(_("请选择要整村核查的村（社区）。"))
        have = set(RoundTarget.objects.filter(round=round, household__isnull=True).values_list("region_id", flat=True))
        new = [
            RoundTarget(round=round, subdistrict_id=round.subdistrict_id, region=v, path=v.path)
            for v in villages
            if v.pk not in have
        ]
    else:
        chosen: dict[int, Household] = {h.pk: h for h in households}
        if villages or category is not None:
            qs = scope.filter(Household.objects.active().filter(subdistrict=sub), "path")
            if villages:
                from django.db.models import Q

                q = Q()
                for v in villages:
                    q |= Q(path__startswith=v.path)
                qs = qs.filter(q)
            if category is not None:
                qs = qs.filter(categories=category)
            for h in qs.select_related("region")[: ASSIGN_LIMIT + 1]:
                chosen.setdefault(h.pk, h)
        if not chosen:
            raise Invalid(_("没有符合条件的户：请选择村（社区）、户类别或填写户编号。"))
        if len(chosen) > ASSIGN_LIMIT:
            raise Invalid(_("一次最多分派 %(n)s 户。") % {"n": ASSIGN_LIMIT})
        have = set(
            RoundTarget.objects.filter(round=round, household_id__in=list(chosen)).values_list(
                "household_id", flat=True
            )
        )
        new = [
            RoundTarget(
                round=round, subdistrict_id=round.subdistrict_id, household=h, region_id=h.region_id, path=h.path
            )
            for pk, h in chosen.items()
            if pk not in have
        ]
    RoundTarget.objects.bulk_create(new, batch_size=1000)
    if new:
        audit.record(actor, "households.assign", round, changes={"targets": [before, before + len(new)]})
    return len(new)


def _target_label(target: RoundTarget) -> str:
    household = target.household
    if household is None:
        return _("%(village)s（整村）") % {"village": target.region.name}
    return _("%(village)s %(head)s户") % {"village": target.region.name, "head": str(household)}


def _description(target: RoundTarget, note: str) -> str:
    return _("回头看“%(round)s”：%(who)s。%(note)s") % {
        "round": target.round.name,
        "who": _target_label(target),
        "note": note,
    }


@transaction.atomic
def do_record_result(
    target: RoundTarget,
    *,
    result: str,
    note: Any = "",
    checked_on: Any,
    revision: Any,
    client_ref: str = "",
    actor: Person,
    scope: Scope,
) -> RoundTarget:
    """What checking a target found: 无问题, or 发现问题 with what (the note) — then a case is reported into the cases
    loop (脱贫攻坚问题 › 回头看发现问题) and kept on the target. The date is not in the future nor before the round
    started. A form submitted twice (`client_ref`, the form's random id) returns the target as the first made it;
    an edit over someone else's (`revision`) is a Conflict."""
    target = (
        RoundTarget.objects.select_for_update(of=("self",))
        .select_related("round__subdistrict", "household", "region", "case")
        .get(pk=target.pk)
    )
    sub = target.round.subdistrict
    setup = setup_of(sub)
    require(
        policy.check_round_target(scope, target, setup),
        _("只有本村干部、该户的帮扶责任人或民政办（扶贫）可以记录核查结果。"),
    )
    client_ref = str(client_ref or "")[:40]
    if client_ref and target.case is not None and target.case.client_ref == client_ref:
        return target  # the same form again (a retry after a dropped connection): already recorded
    try:
        given = int(revision)
    except (TypeError, ValueError):
        raise Invalid(_("版本号无效，请刷新页面后再填。")) from None
    if given != target.revision:
        raise Conflict(_("该对象的核查结果已被他人修改，请刷新后再填。"))
    if result not in (TargetResult.PASSED, TargetResult.FOUND):
        raise Invalid(_("请选择核查结果：无问题或发现问题。"))
    day = _date(checked_on, _("核查日期"), past=True)
    if day < target.round.starts_on:
        raise Invalid(_("核查日期不能早于回头看的开始日期（%(day)s）。") % {"day": target.round.starts_on.isoformat()})
    text = clean_text(note, label=_("情况说明"), limit=500, required=result == TargetResult.FOUND)
    old = {
        "result": str(TargetResult(target.result).label),
        "note": target.note,
        "checked_on": target.checked_on,
        "case": target.case.number if target.case else None,
    }
    if result == TargetResult.FOUND and (target.case is None or target.case.state in TERMINAL):
        description = _description(target, text)
        # who may record this result may report what it found: an assistance officer without a role in the
        # household's village (policy.report_case) reports it on the household work's behalf
        if not policy.report_case(scope, target.region):
            scope = findings.ON_BEHALF
        if target.household is not None:
            case = findings.raise_case(
                target.household, setup, "lookback", description, actor=actor, scope=scope, client_ref=client_ref
            )
        else:
            category = findings.finding_category(sub, setup, "lookback", actor=actor, scope=scope)
            case = case_actions.do_report_case(
                subdistrict=sub,
                category=category,
                description=description,
                actor=actor,
                scope=scope,
                source=Source.STAFF,
                region=target.region,
                client_ref=client_ref,
            )
        target.case = case
    target.result = result
    target.note = text
    target.checked_on = day
    target.checked_by = actor
    target.revision += 1
    target.save()
    new = {
        "result": str(TargetResult(result).label),
        "note": text,
        "checked_on": day,
        "case": target.case.number if target.case else None,
    }
    # written on the round (the entry names the round, and which household or village): the log reads as the
    # round's history; the entry's region is the target's, so it is the village's to see
    changes = {"target": [None, _target_label(target)], **audit.diff(old, new)}
    audit.record(actor, "households.result", target.round, changes=changes, region_path=target.path)
    return target
