"""Writes of assistance work (帮扶): a visit (遍访) with its photos, a checklist item's state, a measure taken, the
household's assistance officer. Each is atomic, checks its right in policy, leaves its audit entry, and rewrites
the household's counting fields (actions.refresh_households) inside the same transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.cases.actions import clean_text
from zhili.cases.location import parse_point
from zhili.cases.photos import check_photo
from zhili.core import audit, clock
from zhili.core.errors import Conflict, Invalid, require
from zhili.households import findings
from zhili.households.actions import ensure_defaults, refresh_households
from zhili.households.models import (
    ChecklistItem,
    CheckState,
    Household,
    HouseholdCheck,
    Measure,
    Visit,
    VisitKind,
    VisitPhoto,
)
from zhili.households.queries import setup_of
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope

MAX_PHOTOS = 6

audit.describe(
    {
        "households.visit": gettext_lazy("登记走访"),
        "households.check": gettext_lazy("核查两不愁三保障"),
        "households.measure": gettext_lazy("登记帮扶措施"),
        "households.officer": gettext_lazy("指定帮扶责任人"),
    }
)


def _not_future(day: datetime.date | None, label: str) -> datetime.date:
    if day is None:
        raise Invalid(_("请填写%(label)s。") % {"label": label})
    today = clock.today()
    if day > today:
        raise Invalid(
            _("%(label)s %(day)s 晚于今天（%(today)s）：不能登记还没有发生的事。")
            % {"label": label, "day": day.isoformat(), "today": today.isoformat()}
        )
    return day


def _may_visit(scope: Scope, household: Household, setup) -> None:
    require(
        policy.visit_household(scope, household, setup),
        _("只有该户的帮扶责任人、本村干部或民政（扶贫）办可以登记走访和帮扶措施。"),
    )


@transaction.atomic
def do_log_visit(
    household: Household,
    *,
    visited_on: datetime.date | None,
    findings_text: str = "",
    photos=(),
    lng=None,
    lat=None,
    raise_case: bool = False,
    client_ref: str = "",
    kind: str = VisitKind.VISIT,
    actor: Person,
    scope: Scope,
) -> Visit:
    """遍访: the visit, its photos (checked as the cases' are, kept as VisitPhoto), a point from the phone when it
    sent one; with `raise_case` the findings are reported as a case (findings.raise_case) the visit keeps.
    `client_ref` (the form's random id) makes a retried submission return the visit it already made."""
    client_ref = str(client_ref or "")[:40]
    if client_ref:
        earlier = Visit.objects.filter(client_ref=client_ref, officer=actor, household=household).first()
        if earlier is not None:
            return earlier
    setup = setup_of(household.subdistrict)
    _may_visit(scope, household, setup)
    require(household.archived_at is None, _("该户已注销，不能再登记走访。"), Invalid)
    visited_on = _not_future(visited_on, _("走访日期"))
    text = clean_text(findings_text, label=_("走访情况"), limit=2000, required=raise_case)
    if kind not in VisitKind.values:
        raise Invalid(_("请选择走访类型。"))
    point = parse_point(lng, lat, required=False)
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise Invalid(_("每次最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS})
    checked = [check_photo(p, name_hint="visit") for p in photos]  # every photo checked before anything is written
    at = clock.now()
    visit = Visit.objects.create(
        household=household,
        kind=kind,
        visited_on=visited_on,
        officer=actor,
        findings=text,
        lng=point[0] if point else None,
        lat=point[1] if point else None,
        client_ref=client_ref,
        created_at=at,
    )
    for photo in checked:
        row = VisitPhoto(
            visit=visit,
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
            exif_lng=photo.lng,
            exif_lat=photo.lat,
            taken_at=timezone.make_aware(photo.taken_at) if photo.taken_at else None,
            uploaded_by=actor,
            uploaded_at=at,
        )
        row.original.save(photo.original.name or "visit", photo.original, save=False)
        row.display.save(photo.display.name or "visit.jpg", photo.display, save=False)
        row.save()
    if raise_case:
        # who may log the visit may report what it found: an assistance officer without a role in the household's
        # village (policy.report_case) reports it on the household work's behalf, as 回头看 results are
        case = findings.raise_case(
            household,
            setup,
            "visit",
            _("走访发现：%(text)s") % {"text": text},
            actor=actor,
            scope=scope if policy.report_case(scope, household.region) else findings.ON_BEHALF,
            client_ref=f"visit-{client_ref}" if client_ref else "",
        )
        visit.case = case
        visit.save(update_fields=["case"])
    case_number = visit.case.number if visit.case is not None else None
    refresh_households([household.pk])
    audit.record(
        actor,
        "households.visit",
        visit,
        changes={
            "visited_on": [None, visited_on.isoformat()],
            "photos": [None, len(checked)],
            **({"case": [None, case_number]} if case_number else {}),
        },
    )
    return visit


@transaction.atomic
def do_check_item(
    household: Household,
    item: ChecklistItem,
    *,
    state: str,
    evidence: str = "",
    checked_on: datetime.date | None = None,
    revision: int | None = None,
    raise_case: bool = False,
    actor: Person,
    scope: Scope,
) -> HouseholdCheck:
    """A household's state on one checklist item, on what evidence, checked when. A failing item may be reported as
    a case (kind "checklist"), kept on the check. `revision` is the one the form showed: an edit somebody else
    saved meanwhile is a Conflict, not overwritten."""
    setup = setup_of(household.subdistrict)
    require(
        policy.write_household(scope, household, setup),
        _("只有本村干部或民政（扶贫）办可以核查两不愁三保障。"),
    )
    ensure_defaults(household.subdistrict)
    if item.subdistrict_id != household.subdistrict_id or not item.is_active:
        raise Invalid(_("请选择本街道（乡镇）启用的核查项目。"))
    if state not in CheckState.values:
        raise Invalid(_("请选择核查结果。"))
    checked_on = _not_future(checked_on or clock.today(), _("核查日期"))
    evidence = clean_text(evidence, label=_("佐证/说明"), limit=500, required=state == CheckState.FAILING)
    check, created = HouseholdCheck.objects.select_for_update().get_or_create(household=household, item=item)
    if not created and revision is not None and revision != check.revision:
        raise Conflict(
            _("“%(item)s”的核查结果已被他人修改（您看到的是第 %(mine)s 版，现在是第 %(now)s 版）：请刷新后再改。")
            % {"item": item.name, "mine": revision, "now": check.revision}
        )
    old = audit.snapshot(check, ["state", "evidence", "checked_on"]) if not created else {}
    check.state = state
    check.evidence = evidence
    check.checked_on = checked_on
    check.checked_by = actor
    check.revision = (check.revision or 0) + (0 if created else 1)
    if raise_case:
        if state != CheckState.FAILING:
            raise Invalid(_("只有“未达标”的项目才能上报为问题。"))
        if check.case_id is None:
            check.case = findings.raise_case(
                household,
                setup,
                "checklist",
                _("%(item)s未达标：%(evidence)s") % {"item": item.name, "evidence": evidence},
                actor=actor,
                scope=scope,
            )
    check.save()
    refresh_households([household.pk])
    new = audit.snapshot(check, ["state", "evidence", "checked_on"])
    changes = audit.diff(old, new)
    if check.case is not None and raise_case:
        changes["case"] = [None, check.case.number]
    audit.record(actor, "households.check", check, changes=changes)
    return check


@transaction.atomic
def do_add_measure(
    household: Household,
    *,
    kind: str,
    description: str = "",
    cost=0,
    done_on: datetime.date | None,
    actor: Person,
    scope: Scope,
) -> Measure:
    """帮扶措施: what was done for the household (painting, a ceiling, furniture …), when, at what cost."""
    setup = setup_of(household.subdistrict)
    _may_visit(scope, household, setup)
    kind = clean_text(kind, label=_("措施"), limit=60)
    description = clean_text(description, label=_("内容"), limit=500, required=False)
    try:
        amount = Decimal(str(cost if cost not in (None, "") else 0)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise Invalid(_("费用“%(v)s”不是有效的金额。") % {"v": cost}) from None
    if amount < 0:
        raise Invalid(_("费用不能为负数。"))
    if amount >= Decimal("10000000000"):
        raise Invalid(_("费用过大，请核对（单位：元）。"))
    done_on = _not_future(done_on, _("完成日期"))
    measure = Measure.objects.create(
        household=household,
        kind=kind,
        description=description,
        cost=amount,
        done_on=done_on,
        recorded_by=actor,
        created_at=clock.now(),
    )
    refresh_households([household.pk])
    audit.record(
        actor,
        "households.measure",
        measure,
        changes={"kind": [None, kind], "cost": [None, str(amount)], "done_on": [None, done_on.isoformat()]},
    )
    return measure


@transaction.atomic
def do_set_officer(
    household: Household,
    officer: Person | None,
    *,
    revision: int | None = None,
    actor: Person,
    scope: Scope,
) -> Household:
    """Name (or clear) the household's assistance officer (帮扶责任人)."""
    setup = setup_of(household.subdistrict)
    require(
        policy.manage_households(scope, setup),
        _("只有街道领导、系统管理员或民政（扶贫）办可以指定帮扶责任人。"),
    )
    household = Household.objects.select_for_update().get(pk=household.pk)
    if revision is not None and revision != household.revision:
        raise Conflict(_("这一户的信息已被他人修改：请刷新后再指定。"))
    if officer is not None and not officer.is_active:
        raise Invalid(_("“%(name)s”的账号已停用，不能担任帮扶责任人。") % {"name": officer.get_full_name()})
    before = household.officer
    if (before.pk if before else None) == (officer.pk if officer else None):
        return household
    household.officer = officer
    household.revision += 1
    household.save(update_fields=["officer", "revision", "modified_at"])
    refresh_households([household.pk])
    audit.record(
        actor,
        "households.officer",
        household,
        changes={
            "officer": [
                before.get_full_name() if before else None,
                officer.get_full_name() if officer else None,
            ]
        },
    )
    return household
