"""Every write to cases: report (inspector, cadre, officer, citizen, tipster, partner system), each step of the
closed loop, photos, patrols, categories and routing. Atomic, scope-checked, one CaseEvent and one audit entry
per step; a refused step writes nothing."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from zhili.cases import flow, queries, senders, steps
from zhili.cases.deadlines import enter, rule_for
from zhili.cases.location import duplicates_for as duplicates_for
from zhili.cases.location import flag_hotspot, locate, parse_point
from zhili.cases.models import (
    Case,
    CaseClass,
    CaseEvent,
    CasePhoto,
    CaseRule,
    Category,
    ExtensionRequest,
    Kind,
    Patrol,
    PhotoStage,
    RouteRule,
    Source,
    State,
)
from zhili.cases.photos import check_photo
from zhili.cases.routing import dispatch_default as dispatch_default
from zhili.cases.routing import own_village as own_village
from zhili.core import audit, clock, errors
from zhili.core.errors import Invalid, require
from zhili.core.workdays import add_working_days
from zhili.people import policy
from zhili.people.models import Person, Unit
from zhili.people.scope import Scope, scope_for
from zhili.regions import geo
from zhili.regions.models import Level, Region

audit.describe(
    {
        "case.report": gettext_lazy("上报事件"),
        "case.category": gettext_lazy("修改事件类别"),
        "case.route": gettext_lazy("设置派遣规则"),
        "case.rule": gettext_lazy("修改办理规则"),
        "case.view_confidential": gettext_lazy("查看保密线索"),
        "case.export_statistics": gettext_lazy("导出事件统计"),
        "patrol.start": gettext_lazy("开始巡查"),
        "patrol.end": gettext_lazy("结束巡查"),
        **{f"case.{step.action}": step.label for step in flow.STEPS.values()},
    },
    fields={
        "cases.case": {"extension": gettext_lazy("延期")},
        "cases.routerule": {"route": gettext_lazy("派往")},
        "patrol.end": {"checkins": gettext_lazy("打卡点数")},
        "case.export_statistics": {
            "by": gettext_lazy("统计口径"),
            "filters": gettext_lazy("筛选"),
            "rows": gettext_lazy("行数"),
            "reported": gettext_lazy("上报数"),
        },
    },
)

MAX_PHOTOS = 6


Conflict = errors.Conflict  # somebody else moved the case since the page was loaded
RateLimited = errors.RateLimited  # too many public reports from one sender address: 429 with its sentence
_enter = enter  # the demo's bulk writer enters states as the actions do


def _require(cond: bool, message: str) -> None:
    """What was sent cannot be used (400): a rights refusal uses errors.require (403) instead."""
    require(cond, message, Invalid)


# ---- text and location -------------------------------------------------------------------------


def clean_text(value, *, label: str, limit: int, required: bool = True) -> str:
    """What a person typed, kept as typed (pages escape it; nothing is rendered as HTML), minus control
    characters; refused when empty or too long."""
    text = "".join(ch for ch in str(value or "") if ch in "\n\t" or ch.isprintable()).strip()
    if required and not text:
        raise Invalid(_("请填写%(label)s。") % {"label": label})
    if len(text) > limit:
        raise Invalid(
            _("%(label)s最多 %(limit)s 字，现有 %(v)s 字。") % {"label": label, "limit": limit, "v": len(text)}
        )
    return text


# ---- reporting ---------------------------------------------------------------------------------


@transaction.atomic
def do_report_case(
    *,
    subdistrict: Region,
    category: Category,
    description: str,
    actor: Person | None,
    scope: Scope | None,
    source: str,
    lng=None,
    lat=None,
    address: str = "",
    region: Region | None = None,
    photos=(),
    patrol: Patrol | None = None,
    batch=None,
    contact_name: str = "",
    contact_phone: str = "",
    origin: str = "",
    at: datetime.datetime | None = None,
    is_public: bool = False,
    confidential: bool = False,
    client_ref: str = "",
) -> Case:
    """上报. `scope` is None only for the public channels (citizens, tips, partner systems without a person).

    `client_ref` (the form's random id) makes a retried submission return the case it already created."""
    at = at or clock.now()
    earlier = _earlier_submission(client_ref, actor, origin)
    if earlier is not None:
        return earlier
    client_ref = str(client_ref or "")[:40]
    _require(category.subdistrict_id == subdistrict.pk and category.is_active, _("请选择有效的问题类别。"))
    _require(category.parent_id is not None or not category.children.exists(), _("请选择具体的小类，而不是大类。"))
    description = clean_text(description, label=_("问题描述"), limit=2000)
    address = clean_text(address, label=_("地点"), limit=200, required=False)
    needs_point = source in (Source.PATROL, Source.PUBLIC)
    point = parse_point(lng, lat, required=needs_point and region is None)
    if point and region is None:
        region = locate(subdistrict, *point)
    elif point:
        # an explicit region (a superior finding for a village) with a point: the point must lie in the subdistrict
        locate(subdistrict, *point)
    region = region or subdistrict
    _require(region.path.startswith(subdistrict.path), _("所选区划不在本街道（乡镇）内。"))
    if scope is not None:
        require(
            policy.report_case(scope, region),
            _("该位置属于“%(name)s”，不在您负责的范围内：请确认定位，或请该网格的网格员上报。") % {"name": region.name},
        )
    _require(len(photos) <= MAX_PHOTOS, _("每次最多上传 %(MAX_PHOTOS)s 张照片。") % {"MAX_PHOTOS": MAX_PHOTOS})
    checked = [check_photo(p, name_hint="before") for p in photos]  # all checked before anything is written
    rule = rule_for(subdistrict)
    case = Case(
        subdistrict=subdistrict,
        region=region,
        path=region.path,
        source=source,
        category=category,
        description=description,
        address=address,
        lng=point[0] if point else None,
        lat=point[1] if point else None,
        reported_at=at,
        reporter=actor if getattr(actor, "pk", None) else None,
        contact_name=clean_text(contact_name, label=_("联系人"), limit=50, required=False),
        contact_phone=clean_text(contact_phone, label=_("联系电话"), limit=20, required=False),
        batch=batch,
        patrol=patrol,
        is_public=is_public,
        confidential=confidential,
        step_started_at=at,
        client_ref=client_ref,
    )
    enter(case, State.REPORTED, rule, at)
    case.save()
    case.number = f"{timezone.localtime(at):%Y}{case.pk:08d}"
    case.save(update_fields=["number"])
    _store_photos(case, checked, PhotoStage.BEFORE, actor, at)
    if point:
        flag_hotspot(case, rule)
    senders.remember(case, origin)  # the sender's address as a keyed digest, for the rate limit's window only
    _event(case, actor, "report", "", State.REPORTED, at, note=description[:200], public=not confidential)
    audit.record(actor, "case.report", case, changes={"state": [None, State.REPORTED]})
    return case


def _earlier_submission(client_ref: str, actor: Person | None, origin: str) -> Case | None:
    """The case a form with this random id already made — by the same person, or for citizens from the same
    address within the rate limit's window — so that a submission retried after a dropped connection is not a
    second case."""
    client_ref = str(client_ref or "")[:40]
    if not client_ref:
        return None
    if getattr(actor, "pk", None):
        return Case.objects.filter(client_ref=client_ref, reporter=actor).first()
    return senders.earlier_case(origin, client_ref)


def _store_photos(case: Case, checked, stage: str, actor: Person | None, at) -> list[CasePhoto]:
    """Store the photos' files and rows. A storage failure midway (a full or read-only disk) removes the files
    already stored for this action; the action's transaction takes back the rows, so no case or step is left
    pointing at a file that is not there, and no file is left that nothing points at."""
    stored: list[CasePhoto] = []
    try:
        for photo in checked:
            stored.append(_store_photo(case, photo, stage, actor, at))
    except BaseException:
        for row in stored:
            _remove_files(row)
        raise
    return stored


def _remove_files(row: CasePhoto) -> None:
    for f in (row.original, row.display):
        if f.name:
            f.delete(save=False)


def _store_photo(case: Case, photo, stage: str, actor: Person | None, at) -> CasePhoto:
    distance = None
    if photo.lng is not None and case.lng is not None:
        distance = int(geo.distance_m(float(photo.lng), float(photo.lat), float(case.lng), float(case.lat or 0)))
    rule = rule_for(case.subdistrict)
    row = CasePhoto(
        case=case,
        subdistrict_id=case.subdistrict_id,
        stage=stage,
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
        exif_lng=photo.lng,
        exif_lat=photo.lat,
        distance_m=distance,
        taken_at=timezone.make_aware(photo.taken_at) if photo.taken_at else None,
        far_from_case=distance is not None and distance > rule.photo_distance_m,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        uploaded_at=at,
    )
    try:
        row.original.save(photo.original.name, photo.original, save=False)
        row.display.save(photo.display.name, photo.display, save=False)
        row.save()
    except BaseException:
        _remove_files(row)
        raise
    return row


def _event(
    case, actor: Person | None, action, from_state, to_state, at, *, note="", data=None, public=True
) -> CaseEvent:
    name = (
        (actor.get_full_name() or actor.username)
        if actor is not None and actor.pk
        else {Source.PUBLIC: "群众", Source.TIP: "举报人", Source.PARTNER: "外部平台"}.get(case.source, "系统")
    )
    return CaseEvent.objects.create(
        case=case,
        subdistrict_id=case.subdistrict_id,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=name,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
        public=public,
    )


@transaction.atomic
def do_public_report(
    *,
    subdistrict: Region,
    category: Category,
    description: str,
    lng,
    lat,
    photos=(),
    contact_name="",
    contact_phone="",
    origin: str,
    source: str = Source.PUBLIC,
    actor: Person | None = None,
    address: str = "",
    at: datetime.datetime | None = None,
    client_ref: str = "",
) -> Case:
    """随手拍 and Open311 POST without a person: public categories only, rate-limited per sender address."""
    _require(category.is_public, _("该类别不接受群众上报。"))
    earlier = _earlier_submission(client_ref, actor, origin)  # a retry is not a new report, nor counted again
    if earlier is not None:
        return earlier
    senders.check(origin, rule_for(subdistrict).public_per_hour)
    return do_report_case(
        subdistrict=subdistrict,
        category=category,
        description=description,
        actor=actor,
        scope=None,
        source=source,
        lng=lng,
        lat=lat,
        address=address,
        photos=photos,
        contact_name=contact_name,
        contact_phone=contact_phone,
        origin=origin,
        is_public=True,
        at=at,
        client_ref=client_ref,
    )


@transaction.atomic
def do_submit_tip(
    *,
    subdistrict: Region,
    description: str,
    contact_name="",
    contact_phone="",
    origin: str,
    at: datetime.datetime | None = None,
) -> Case:
    """扫黑除恶线索: confidential from the first moment; only the designated tip officer sees it."""
    category = (
        Category.objects.filter(subdistrict=subdistrict, kind=Kind.TIP, is_active=True, parent__isnull=False)
        .order_by("order")
        .first()
    )
    if category is None:
        raise errors.Invalid(_("本街道尚未开通线索举报。"))
    senders.check(origin, rule_for(subdistrict).public_per_hour)
    return do_report_case(
        subdistrict=subdistrict,
        category=category,
        description=description,
        actor=None,
        scope=None,
        source=Source.TIP,
        region=subdistrict,
        contact_name=contact_name,
        contact_phone=contact_phone,
        origin=origin,
        confidential=True,
        at=at,
    )


# ---- the loop ----------------------------------------------------------------------------------


def apply_step(
    case: Case,
    action: str,
    *,
    actor: Person,
    at: datetime.datetime,
    rule: CaseRule,
    note: str = "",
    unit: Unit | None = None,
    village: Region | None = None,
    handler=None,
    master: Case | None = None,
    days: int | None = None,
    pending: ExtensionRequest | None = None,
) -> dict:
    """What one step changes on the case (and on the pending extension request), without checking or saving:
    the one place those fields are set, used by do_act and by the demo's bulk writer. Returns the event's data."""
    step = flow.STEPS[action]
    data: dict = {}
    if action == "dispatch":
        case.unit, case.assignee_region, case.handler = unit, village, handler
        if case.dispatched_at is None:
            case.dispatched_at = at
            case.deadline = add_working_days(at, case.category.time_limit_days)
        data = {
            "unit": unit.name if unit else "",
            "village": village.name if village else "",
            "handler": str(handler) if handler else "",
            "deadline": timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M"),
        }
    elif action == "send_back":
        case.unit = case.assignee_region = case.handler = None
    elif action == "handle":
        case.handled_by, case.handled_at = actor, at
        case.handled_on_time = case.deadline is None or at <= case.deadline
    elif action == "verify":
        case.verified_at = at
    elif action == "rework":
        case.rework_count += 1
        case.handled_at = None
        case.handled_on_time = None
    elif action == "close":
        case.closed_at = at
        case.closed_on_time = case.deadline is None or at <= case.deadline
    elif action == "merge":
        assert master is not None  # do_act refuses a merge without a master it may see
        case.master = master
        data = {"master": master.number}
    elif action == "accept":
        case.accepted_at = at
    elif action == "file":
        case.filed_at = at
    elif action == "request_extension":
        data = {"days": days}
    elif action in ("approve_extension", "deny_extension"):
        assert pending is not None  # do_act locks the pending request before deciding it
        pending.decided_by, pending.decided_at = actor, at
        pending.approved = action == "approve_extension"
        pending.decision_note = note
        data = {"days": pending.days}
        if pending.approved:
            old = case.deadline
            case.deadline = add_working_days(case.deadline or at, pending.days)
            case.extension_count += 1
            if case.state == State.DISPATCHED:
                case.step_deadline = case.deadline
            data["deadline"] = [
                timezone.localtime(old).strftime("%Y-%m-%d") if old else None,
                timezone.localtime(case.deadline).strftime("%Y-%m-%d"),
            ]
    if step.target is not None:
        enter(case, step.target, rule, at)
    case.note = note
    case.revision += 1
    return data


@transaction.atomic
def do_act(
    case: Case,
    action: str,
    *,
    actor: Person,
    scope: Scope,
    note: str = "",
    revision: int | None = None,
    unit: Unit | None = None,
    village: Region | None = None,
    handler=None,
    photos=(),
    master: Case | None = None,
    days: int | None = None,
    at: datetime.datetime | None = None,
) -> Case:
    """Take one step of the loop. Everything is checked before anything is written."""
    at = at or clock.now()
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to assignee_region
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("subdistrict", "region", "category", "assignee_region")
        .get(pk=case.pk)
    )
    if revision is not None and revision != case.revision:
        last = case.events.order_by("-at", "-id").first()
        when = (
            _("于 %(at)s 处理（%(action)s）")
            % {"at": f"{timezone.localtime(last.at):%Y-%m-%d %H:%M}", "action": last.action}
            if last
            else pgettext("who changed a case, when not known", "处理")
        )
        raise Conflict(
            _("该案件已被%(v)s%(when)s，请刷新页面查看最新状态后再操作。")
            % {"v": last.actor_name if last else _("他人"), "when": when}
        )
    step = flow.check(action, case, scope)
    note = clean_text(
        note, label=_("说明") if not step.needs_reason else _("理由"), limit=500, required=step.needs_reason
    )
    rule = rule_for(case.subdistrict)
    before = case.state
    # everything that can be refused is checked, and photos are checked, before anything is written
    if action == "dispatch":
        _require(bool(unit) != bool(village), _("请选择一个处置单位或一个村（社区）。"))
        if unit is not None:
            _require(unit.region_id == case.subdistrict_id and unit.archived_at is None, _("处置单位不属于本街道。"))
        if village is not None:
            _require(
                village.level == Level.VILLAGE and village.path.startswith(case.subdistrict.path),
                _("请选择本街道的村（社区）。"),
            )
        if handler is not None:
            _require(_may_be_named_handler(handler, case, unit=unit, village=village), _(steps.HANDLER_REFUSED))
    elif action == "handle":
        _require(len(photos) >= 1, _("处置须上传至少一张处置后照片。"))
        _require(len(photos) <= MAX_PHOTOS, _("每次最多上传 %(MAX_PHOTOS)s 张照片。") % {"MAX_PHOTOS": MAX_PHOTOS})
        checked = [check_photo(p, name_hint="after") for p in photos]
    elif action == "merge":
        # the master is looked up through what this person may see: a tip they may not see is no answer
        _require(
            master is not None
            and master.pk != case.pk
            and master.subdistrict_id == case.subdistrict_id
            and master.is_open
            and master.state != State.MERGED
            and queries.visible(scope).filter(pk=master.pk).exists(),
            _(steps.MASTER_REFUSED),
        )
    elif action == "request_extension":
        _require(days is not None and 1 <= days <= 30, _("延期天数应为 1–30 个工作日。"))
    pending = None
    if action == "request_extension":
        assert days is not None  # checked above
        ExtensionRequest.objects.create(
            case=case, subdistrict_id=case.subdistrict_id, days=days, reason=note, requested_by=actor, requested_at=at
        )
    elif action in ("approve_extension", "deny_extension"):
        pending = case.extensions.select_for_update().get(decided_at__isnull=True)
        require(pending.requested_by_id != getattr(actor, "pk", None), str(flow.OWN_EXTENSION))
    data = apply_step(
        case,
        action,
        actor=actor,
        at=at,
        rule=rule,
        note=note,
        unit=unit,
        village=village,
        handler=handler,
        master=master,
        days=days,
        pending=pending,
    )
    if pending is not None:
        pending.save()
    if action == "handle":
        far = [p for p in _store_photos(case, checked, PhotoStage.AFTER, actor, at) if p.far_from_case]
        if far:
            data["far_photos"] = [p.distance_m for p in far]
    case.save()
    _event(case, actor, action, before, case.state, at, note=note, data=data, public=not case.confidential)
    audit.record(
        actor,
        f"case.{action}",
        case,
        changes={"state": [before, case.state]} if before != case.state else {"extension": data},
        reason=note,
    )
    return case


# What each step takes of a combined step's arguments (the rest belong to its other steps).
_STEP_ARGUMENTS = {"dispatch": ("unit", "village", "handler"), "handle": ("photos",)}


@transaction.atomic
def do_act_steps(
    case: Case,
    combined: str,
    *,
    actor: Person,
    scope: Scope,
    note: str = "",
    revision: int | None = None,
    at: datetime.datetime | None = None,
    **arguments,
) -> Case:
    """A combined step (flow.COMBINED: 受理 + 立案 + 派遣; 处置 + 反馈 where the case rule says so): each of its
    steps taken by do_act — checked by flow, with its own CaseEvent and audit entry, at the same moment —, all in
    this one transaction, so that a refused step leaves the case as it was before the first. The one note goes
    with the steps a person writes about (派遣's instruction; 处置 and its 反馈)."""
    step = flow.COMBINED.get(combined)
    if step is None:
        raise Invalid(gettext("没有“%(action)s”这项操作。") % {"action": combined})
    _require(
        flow.combined_allowed(combined, rule_for(case.subdistrict)),
        gettext("本街道的事件规则未开启“%(step)s”：请分步办理。") % {"step": step.label},
    )
    at = at or clock.now()
    for i, action in enumerate(step.parts):
        case = do_act(
            case,
            action,
            actor=actor,
            scope=scope,
            note=note if action in ("dispatch", "handle", "feedback") else "",
            revision=revision if i == 0 else None,  # the case is locked from the first step on
            at=at,
            **{k: v for k, v in arguments.items() if k in _STEP_ARGUMENTS.get(action, ())},
        )
    return case


def _may_be_named_handler(handler, case: Case, *, unit: Unit | None, village: Region | None) -> bool:
    """Whether `handler` may handle cases sent to this unit or village (and, for a tip, may see it)."""
    handler_scope = scope_for(handler)
    if case.confidential and not policy.see_confidential(handler_scope, case):
        return False
    return policy.may_handle_cases_for(handler_scope, unit=unit, village=village)


def do_view_confidential(case: Case, *, actor: Person, scope: Scope) -> Case:
    """Open a confidential tip (its content and the tipster's name and phone): only those who may see it, and each
    opening is in the audit log, whatever the door — page, API or command. Other cases pass unrecorded."""
    if case.confidential:
        require(policy.see_confidential(scope, case), _("该线索保密，您无权查看。"))
        with transaction.atomic():
            audit.record(actor, "case.view_confidential", case)
    return case


# ---- patrols -----------------------------------------------------------------------------------


@transaction.atomic
def do_start_patrol(grid: Region, *, actor: Person, scope: Scope, at=None) -> Patrol:
    require(grid.level == Level.GRID and policy.patrol(scope, grid), _("只有本网格的网格员可以开始巡查。"))
    _require(
        not Patrol.objects.filter(inspector=actor, ended_at__isnull=True).exists(),
        _("您有一次巡查尚未结束，请先结束它。"),
    )
    subdistrict = Region.objects.values_list("pk", flat=True).get(path=Region.path_at(grid.path, Level.SUBDISTRICT))
    patrol = Patrol.objects.create(
        inspector=actor, grid=grid, path=grid.path, subdistrict_id=subdistrict, started_at=at or clock.now()
    )
    audit.record(actor, "patrol.start", patrol)
    return patrol


@transaction.atomic
def do_checkin(patrol: Patrol, lng, lat, *, actor: Person, at=None) -> Patrol:
    patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
    _require(patrol.inspector_id == actor.pk and patrol.ended_at is None, _("这次巡查已结束或不是您的巡查。"))
    point = parse_point(lng, lat, required=True)
    assert point is not None  # required: a missing point is refused with its sentence
    x, y = point
    patrol.track = [*patrol.track, [float(x), float(y), (at or clock.now()).isoformat()]]
    patrol.save(update_fields=["track", "modified_at"])
    return patrol


@transaction.atomic
def do_end_patrol(patrol: Patrol, *, actor: Person, note: str = "", at=None) -> Patrol:
    patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
    _require(patrol.inspector_id == actor.pk and patrol.ended_at is None, _("这次巡查已结束或不是您的巡查。"))
    patrol.ended_at = at or clock.now()
    patrol.note = clean_text(note, label=_("巡查记录"), limit=500, required=False)
    patrol.save()
    audit.record(actor, "patrol.end", patrol, changes={"checkins": [None, len(patrol.track)]})
    return patrol


# ---- configuration -----------------------------------------------------------------------------


@transaction.atomic
def do_save_category(subdistrict: Region, data: dict, *, actor: Person, scope: Scope, category: Category | None = None):
    require(policy.configure_cases(scope, subdistrict), _("只有系统管理员或街道领导可以修改事件类别。"))
    old = (
        audit.snapshot(category, ["name", "time_limit_days", "case_class", "is_public", "is_active"])
        if category
        else {}
    )
    category = category or Category(subdistrict=subdistrict)
    category.name = clean_text(data.get("name"), label=_("类别名称"), limit=60)
    try:
        category.time_limit_days = int(str(data.get("time_limit_days")))
    except (TypeError, ValueError):
        raise Invalid(_("处置时限应为整数个工作日。")) from None
    _require(0 <= category.time_limit_days <= 365, _("处置时限应在 0–365 个工作日之间。"))
    _require(
        data.get("case_class") in CaseClass.values,
        _("请选择案件类型（即办件、承诺件或协调件）。"),
    )
    category.case_class = data["case_class"]
    category.is_public = bool(data.get("is_public"))
    category.is_active = bool(data.get("is_active", True))
    if not category.pk:
        category.code = clean_text(data.get("code"), label=_("类别代码"), limit=40)
        _require(
            not Category.objects.filter(subdistrict=subdistrict, code=category.code).exists(), _("类别代码已存在。")
        )
        parent = data.get("parent")
        category.parent = parent
        category.kind = parent.kind if parent else data.get("kind", Kind.EVENT)
    category.save()
    new = audit.snapshot(category, ["name", "time_limit_days", "case_class", "is_public", "is_active"])
    audit.record(actor, "case.category", category, changes=audit.diff(old, new))
    return category


@transaction.atomic
def do_set_route(
    category: Category,
    *,
    grid: Region | None,
    unit: Unit | None,
    to_own_village: bool,
    person: Person | None,
    actor: Person | None,
    scope: Scope,
) -> RouteRule:
    require(policy.configure_cases(scope, category.subdistrict), _("只有系统管理员或街道领导可以修改派遣规则。"))
    _require(bool(unit) != bool(to_own_village), _("派遣规则须指定一个责任单位，或“派给事发村”。"))
    rule, _created = RouteRule.objects.update_or_create(
        category=category,
        grid=grid,
        defaults={
            "subdistrict": category.subdistrict,
            "unit": unit,
            "to_own_village": to_own_village,
            "person": person,
        },
    )
    audit.record(actor, "case.route", rule, changes={"route": [None, unit.name if unit else "事发村"]})
    return rule


@transaction.atomic
def do_save_case_rule(subdistrict: Region, form, *, actor: Person, scope: Scope) -> CaseRule:
    """Save the subdistrict's case settings from a validated CaseRuleForm (old → new in the audit log)."""
    require(policy.configure_cases(scope, subdistrict), _("只有系统管理员或街道领导可以修改事件规则。"))
    fields = list(form.Meta.fields)
    rule = CaseRule.objects.select_for_update().filter(subdistrict=subdistrict).first() or CaseRule(
        subdistrict=subdistrict
    )
    old = audit.snapshot(rule, fields) if rule.pk else {}
    for name in fields:
        setattr(rule, name, form.cleaned_data[name])
    rule.save()
    audit.record(actor, "case.rule", rule, changes=audit.diff(old, audit.snapshot(rule, fields)))
    return rule


# ---- exports -----------------------------------------------------------------------------------


def do_export_statistics(subdistrict: Region, by: str, f, *, actor: Person, scope: Scope) -> tuple[str, bytes]:
    """The statistics table as .xlsx (file name, content): only the cases this person may read, and the audit log
    says what left — the grouping, the filters, how many rows and the cases they count."""
    from zhili.cases import exports

    rows = queries.statistics(scope, subdistrict, by, f)
    name, content, total = exports.statistics_workbook(subdistrict, by, f, rows)
    asked = {k: str(v) for k, v in vars(f).items() if v not in ("", None, False, ())}
    with transaction.atomic():
        audit.record(
            actor,
            "case.export_statistics",
            subdistrict,
            changes={
                "by": [None, by],
                "filters": [None, asked or "—"],
                "rows": [None, len(rows)],
                "reported": [None, total["reported"]],
            },
        )
    return name, content
