"""Writes of the register itself: households and the people in them. Each is `do_<verb>_<noun>(…, *, actor, scope)`,
atomic, checked through people/policy.py, audited (old → new), and refreshes the counting fields kept on the
household (`actions.refresh_households`) inside its transaction.

**One person is one row.** A member is the person of an identity number (GB 11643, checked by
`excel.values.parse_identity`: a wrong check character is refused with its sentence; a code of a county that no
longer exists is only a warning shown to whoever typed it). Sex and birth date are derived from the number; they are
typed only for a person without one. Adding a number that is already an active member of another household of the
subdistrict is refused, with a sentence naming that household and its village only when the person may read that
village. Two members of one village whose names differ only in spaces or full/half-width forms (`models.name_key`)
and whose numbers do not tell them apart become a `NameReview`, decided by a person (`do_decide_review`): the same
person → the second archived, "与…为同一人", what it knew and the first did not copied over; different → closed.
Nothing is ever merged silently."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, clock
from zhili.core.errors import Conflict, Invalid, require
from zhili.excel import values as xv
from zhili.households.actions import ensure_defaults, refresh_households
from zhili.households.models import (
    Health,
    Household,
    HousingGrade,
    Member,
    NameReview,
    Relation,
    ReviewState,
    Sex,
    name_key,
)
from zhili.households.queries import mask_identity, setup_of
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region

audit.describe(
    {
        "household.add": gettext_lazy("新增户"),
        "household.save": gettext_lazy("修改户信息"),
        "member.add": gettext_lazy("新增家庭成员"),
        "member.save": gettext_lazy("修改家庭成员"),
        "member.archive": gettext_lazy("注销家庭成员"),
        "member.review": gettext_lazy("确认疑似重名成员"),
    },
    fields={
        "households.household": {
            "region": gettext_lazy("所在村（网格）"),
            "village": gettext_lazy("村（社区）"),
            "number": gettext_lazy("户编号"),
            "address": gettext_lazy("住址"),
            "phone": gettext_lazy("联系电话"),
            "housing_grade": gettext_lazy("住房安全等级"),
            "categories": gettext_lazy("户类别"),
            "category": gettext_lazy("户类别"),
            "officer": gettext_lazy("帮扶责任人"),
            "note": gettext_lazy("备注"),
            "name": gettext_lazy("户主"),
            "household": gettext_lazy("户"),
        },
        "households.member": {
            "name": gettext_lazy("姓名"),
            "identity": gettext_lazy("身份证号"),
            "relation": gettext_lazy("与户主关系"),
            "sex": gettext_lazy("性别"),
            "birth_date": gettext_lazy("出生日期"),
            "phone": gettext_lazy("联系电话"),
            "health": gettext_lazy("健康状况"),
            "in_school": gettext_lazy("在校生"),
            "insured": gettext_lazy("参加基本医疗保险"),
            "review": gettext_lazy("确认结果"),
            # a row of the monitoring system's export also carries its household's facts
            "number": gettext_lazy("户编号"),
            "village": gettext_lazy("村（社区）"),
            "category": gettext_lazy("户类别"),
            "housing": gettext_lazy("住房安全等级"),
            "officer": gettext_lazy("帮扶责任人"),
            "address": gettext_lazy("住址"),
            "adopt": gettext_lazy("原无编号的户"),
        },
    },
)

HOUSEHOLD_FIELDS = ["region", "number", "address", "phone", "housing_grade", "officer", "note"]
MEMBER_FIELDS = ["name", "identity", "relation", "sex", "birth_date", "phone", "health", "in_school", "insured"]
# what a person found to be the same as another may know that the other does not
CARRIED = ["identity", "sex", "birth_date", "phone", "health", "in_school", "insured"]


@dataclass
class Saved:
    """What a member's write did: the member, the warnings to show whoever typed it (a retired area code), the
    name review it opened (a similar name in the village)."""

    member: Member
    warnings: list[str] = field(default_factory=list)
    reviews: list[NameReview] = field(default_factory=list)


# ---- values -------------------------------------------------------------------------------------------------


def clean_text(value: Any, *, label: str, limit: int, required: bool = False) -> str:
    text = "".join(ch for ch in str(value or "") if ch.isprintable()).strip()
    if required and not text:
        raise Invalid(_("请填写%(label)s。") % {"label": label})
    if len(text) > limit:
        raise Invalid(
            _("%(label)s最多 %(limit)s 字，现有 %(n)s 字。") % {"label": label, "limit": limit, "n": len(text)}
        )
    return text


def clean_phone(value: Any) -> str:
    try:
        return xv.parse_phone(value or None).value or ""
    except xv.ValueProblem as exc:
        raise Invalid(str(exc)) from None


def clean_identity(value: Any) -> tuple[str, str | None]:
    """The number as kept (18 characters, upper-case X) and its warning; a wrong number is refused with the
    sentence parse_identity gives."""
    try:
        parsed = xv.parse_identity(value or None)
    except xv.ValueProblem as exc:
        raise Invalid(str(exc)) from None
    return parsed.value or "", parsed.warning


def identity_facts(number: str) -> tuple[str, datetime.date]:
    """Sex (the 17th digit: odd a man) and birth date of a checked 18-character number."""
    sex = Sex.MALE if int(number[16]) % 2 else Sex.FEMALE
    return sex, datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def village_path(path: str) -> str:
    return Region.path_at(path, Level.VILLAGE)


def _household_region(sub: Region, region: Any) -> Region:
    if not isinstance(region, Region) or region.level not in (Level.VILLAGE, Level.GRID):
        raise Invalid(_("请选择所在村（社区）或网格。"))
    if not region.path.startswith(sub.path) or region.path == sub.path:
        raise Invalid(_("所在村（社区）应是本街道（乡镇）的村（社区）或网格。"))
    return region


def _probe(sub: Region, region: Region) -> Household:
    """An unsaved household of `region`: what the policy asks about before a household exists."""
    return Household(subdistrict=sub, region=region, path=region.path)


# ---- who holds a number -------------------------------------------------------------------------------------


def holder_of(sub: Region, identity: str, *, exclude: int | None = None) -> Member | None:
    """The active member of the subdistrict with this identity number, if any."""
    if not identity:
        return None
    qs = Member.objects.active().filter(subdistrict=sub, identity=identity).select_related("household")
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.first()


def held_elsewhere(holder: Member, scope: Scope) -> str:
    """The refusal for a number that is already a member of another household: where, only to a person who may
    read that village; otherwise nothing about it."""
    household = holder.household
    if policy.read_households(scope, household.region):
        village = Region.objects.filter(path=village_path(household.path)).values_list("name", flat=True).first()
        return _(
            "身份证号 %(id)s 已是%(village)s %(head)s户（户编号 %(number)s）的成员“%(name)s”：一人只能在一户。"
            "如确已迁入，请先在原户中注销该成员。"
        ) % {
            "id": mask_identity(holder.identity),
            "village": village or household.region.name,
            "head": household.head_name or "",
            "number": household.number or "—",
            "name": holder.name,
        }
    return _("该身份证号已登记在本街道（乡镇）您无权查看的其他户中：一人只能在一户。请联系民政办核实。")


# ---- households ---------------------------------------------------------------------------------------------


@transaction.atomic
def do_save_household(
    household: Household | None, data: dict, *, sub: Region | None = None, actor: Person, scope: Scope
) -> Household:
    """Add a household (`household` None, in `sub`) or change one: its village or grid, 户编号, address, phone,
    housing grade (A–D), categories, assistance officer, note. `data["revision"]` guards an edit nobody saw."""
    if household is None:
        assert sub is not None
        setup = ensure_defaults(sub)
        region = _household_region(sub, data.get("region"))
        require(
            policy.write_household(scope, _probe(sub, region), setup) or policy.manage_households(scope, setup),
            _("您无权在“%(name)s”登记新户。") % {"name": region.name},
        )
        household = Household(subdistrict=sub, region=region)
        old: dict[str, Any] = {}
        old_categories: list[str] = []
    else:
        household = Household.objects.select_for_update().select_related("subdistrict", "region").get(pk=household.pk)
        sub = household.subdistrict
        setup = ensure_defaults(sub)
        require(policy.write_household(scope, household, setup), _("您无权修改这一户。"))
        if household.archived_at is not None:
            raise Invalid(_("这一户已注销，不能修改。"))
        if "revision" in data and int(data["revision"]) != household.revision:
            raise Conflict(_("这一户已被他人修改，请刷新后再改。"))
        old = audit.snapshot(household, HOUSEHOLD_FIELDS)
        old_categories = sorted(household.categories.values_list("name", flat=True))
        region = _household_region(sub, data.get("region", household.region))
        if region.pk != household.region_id:
            require(
                policy.write_household(scope, _probe(sub, region), setup),
                _("您无权把这一户迁到“%(name)s”。") % {"name": region.name},
            )
        household.region = region
    number = clean_text(data.get("number", household.number), label=_("户编号"), limit=40)
    if number:
        taken = Household.objects.active().filter(subdistrict=sub, number=number).exclude(pk=household.pk or 0)
        if taken.exists():
            raise Invalid(_("户编号 %(number)s 已被本街道（乡镇）的另一户使用。") % {"number": number})
    household.number = number
    household.address = clean_text(data.get("address", household.address), label=_("住址"), limit=200)
    household.phone = clean_phone(data.get("phone", household.phone))
    grade = data.get("housing_grade", household.housing_grade) or ""
    if grade not in {"", *HousingGrade.values}:
        raise Invalid(_("住房安全等级应为 A、B、C 或 D 级。"))
    household.housing_grade = grade
    officer = data.get("officer", household.officer if household.officer_id else None)
    if officer is not None and (not isinstance(officer, Person) or not officer.is_active):
        raise Invalid(_("帮扶责任人应是系统中在用的人员。"))
    household.officer = officer
    household.note = clean_text(data.get("note", household.note), label=_("备注"), limit=500)
    categories = data.get("categories")
    if categories is not None:
        categories = list(categories)
        if any(c.subdistrict_id != sub.pk for c in categories):
            raise Invalid(_("户类别应是本街道（乡镇）的户类别。"))
    new = audit.snapshot(household, HOUSEHOLD_FIELDS)
    changes = audit.diff(old, new) if old else {k: [None, v] for k, v in new.items() if v not in ("", None)}
    if categories is not None:
        new_categories = sorted(c.name for c in categories)
        if new_categories != old_categories:
            changes["categories"] = ["、".join(old_categories) or None, "、".join(new_categories) or None]
    if household.pk is not None and not changes:
        return household
    is_new = household.pk is None
    if not is_new:
        household.revision += 1
    household.save()
    if categories is not None:
        household.categories.set(categories)
    audit.record(actor, "household.add" if is_new else "household.save", household, changes=changes)
    return household


# ---- members ------------------------------------------------------------------------------------------------


def _member_values(member: Member, data: dict, warnings: list[str]) -> None:
    """Fill a member from what was typed (unsaved): the number checked, sex and birth derived from it."""
    member.name = clean_text(data.get("name", member.name), label=_("姓名"), limit=50, required=True)
    identity, warning = clean_identity(data.get("identity", member.identity))
    if warning:
        warnings.append(warning)
    member.identity = identity
    relation = data.get("relation", member.relation) or Relation.OTHER
    if relation not in Relation.values:
        raise Invalid(_("请选择与户主关系。"))
    member.relation = relation
    if identity:
        member.sex, member.birth_date = identity_facts(identity)
    else:
        sex = data.get("sex", member.sex) or ""
        if sex not in {"", *Sex.values}:
            raise Invalid(_("请选择性别。"))
        birth = data.get("birth_date", member.birth_date)
        if birth is not None and not isinstance(birth, datetime.date):
            raise Invalid(_("出生日期应写成 2020-05-01。"))
        if birth is not None and (birth > clock.today() or birth.year < 1890):
            raise Invalid(_("出生日期不合理，请核对。"))
        member.sex, member.birth_date = sex, birth
    member.phone = clean_phone(data.get("phone", member.phone))
    health = data.get("health", member.health) or ""
    if health not in {"", *Health.values}:
        raise Invalid(_("请选择健康状况。"))
    member.health = health
    for name in ("in_school", "insured"):
        value = data.get(name, getattr(member, name))
        setattr(member, name, None if value is None else bool(value))


def _check_member(member: Member, scope: Scope) -> None:
    """One person, one household; one head per household."""
    holder = holder_of(member.subdistrict, member.identity, exclude=member.pk)
    if holder is not None:
        if holder.household_id == member.household_id:
            raise Invalid(
                _("身份证号 %(id)s 已是这一户的成员“%(name)s”。")
                % {"id": mask_identity(member.identity), "name": holder.name}
            )
        raise Invalid(held_elsewhere(holder, scope))
    if member.relation == Relation.HEAD:
        other = (
            Member.objects.active()
            .filter(household_id=member.household_id, relation=Relation.HEAD)
            .exclude(pk=member.pk or 0)
            .first()
        )
        if other is not None:
            raise Invalid(
                _("这一户已有户主“%(name)s”：一户只能有一位户主，请先把原户主改为其他关系。") % {"name": other.name}
            )


def similar(member: Member) -> list[Member]:
    """Active members of the member's village with the same folded name whose numbers do not tell them apart (not
    both present and different)."""
    qs = Member.objects.active().filter(
        subdistrict=member.subdistrict, name_key=name_key(member.name), path__startswith=village_path(member.path)
    )
    if member.pk is not None:
        qs = qs.exclude(pk=member.pk)
    if member.identity:
        qs = qs.filter(identity="")
    return list(qs.select_related("household"))


def open_reviews(member: Member, now) -> list[NameReview]:
    """A NameReview for each similar member not already paired with this one (the older one first)."""
    made = []
    for other in similar(member):
        first, second = (other, member) if other.pk < member.pk else (member, other)
        if NameReview.objects.filter(Q(first=first, second=second)).exists():
            continue
        made.append(
            NameReview.objects.create(
                subdistrict=member.subdistrict,
                path=village_path(member.path),
                first=first,
                second=second,
                created_at=now,
            )
        )
    return made


@transaction.atomic
def do_add_member(household: Household, data: dict, *, actor: Person, scope: Scope) -> Saved:
    """A person joins a household. A number already a member elsewhere in the subdistrict is refused; a similar
    name in the village opens a review (never merged)."""
    household = Household.objects.select_for_update().select_related("subdistrict", "region").get(pk=household.pk)
    setup = setup_of(household.subdistrict)
    require(policy.write_household(scope, household, setup), _("您无权修改这一户的成员。"))
    if household.archived_at is not None:
        raise Invalid(_("这一户已注销，不能添加成员。"))
    saved = Saved(Member(household=household, subdistrict=household.subdistrict))
    member = saved.member
    _member_values(member, data, saved.warnings)
    member.path = household.path
    _check_member(member, scope)
    member.save()
    saved.reviews = open_reviews(member, clock.now())
    audit.record(
        actor,
        "member.add",
        member,
        changes={
            k: [None, v]
            for k, v in audit.snapshot(member, MEMBER_FIELDS).items()
            if v not in ("", None) and k != "identity"
        }
        | ({"identity": [None, mask_identity(member.identity)]} if member.identity else {}),
    )
    refresh_households([household.pk])
    return saved


def _masked(changes: dict) -> dict:
    """The audit log keeps identity numbers masked, like every page."""
    if "identity" in changes:
        changes["identity"] = [mask_identity(v) if v else v for v in changes["identity"]]
    return changes


@transaction.atomic
def do_save_member(member: Member, data: dict, *, actor: Person, scope: Scope) -> Saved:
    """Change a member (checked as when added); `data["revision"]` guards an edit nobody saw."""
    member = Member.objects.select_for_update().select_related("household", "subdistrict").get(pk=member.pk)
    household = member.household
    setup = setup_of(member.subdistrict)
    require(policy.write_household(scope, household, setup), _("您无权修改这一户的成员。"))
    if member.archived_at is not None:
        raise Invalid(_("该成员已注销，不能修改。"))
    if "revision" in data and int(data["revision"]) != member.revision:
        raise Conflict(_("该成员已被他人修改，请刷新后再改。"))
    old = audit.snapshot(member, MEMBER_FIELDS)
    saved = Saved(member)
    _member_values(member, data, saved.warnings)
    _check_member(member, scope)
    changes = audit.diff(old, audit.snapshot(member, MEMBER_FIELDS))
    if not changes:
        return saved
    member.revision += 1
    member.save()
    if {"name", "identity"} & set(changes):
        saved.reviews = open_reviews(member, clock.now())
    audit.record(actor, "member.save", member, changes=_masked(changes))
    refresh_households([household.pk])
    return saved


@transaction.atomic
def do_archive_member(member: Member, *, reason: str, actor: Person, scope: Scope) -> Member:
    """A member leaves the register (迁出, 死亡, 重复登记 …), with the reason; the row stays."""
    member = Member.objects.select_for_update().select_related("household", "subdistrict").get(pk=member.pk)
    require(
        policy.write_household(scope, member.household, setup_of(member.subdistrict)),
        _("您无权修改这一户的成员。"),
    )
    if member.archived_at is not None:
        raise Invalid(_("该成员已注销。"))
    reason = clean_text(reason, label=_("注销原因"), limit=500, required=True)
    _archive(member, reason, actor)
    refresh_households([member.household_id])
    return member


def _archive(member: Member, reason: str, actor: Person) -> None:
    member.archived_at, member.archived_by, member.archived_reason = clock.now(), actor, reason
    member.revision += 1
    member.save()
    audit.record(actor, "member.archive", member, reason=reason)


@transaction.atomic
def do_decide_review(review: NameReview, *, same: bool, actor: Person, scope: Scope) -> NameReview:
    """Decide a pair of similar names: the same person → the second archived ("与…为同一人"), what it knew and the
    first did not carried over (nothing lost); different people → the review closed."""
    review = (
        NameReview.objects.select_for_update().select_related("first__household", "second__household").get(pk=review.pk)
    )
    first, second = review.first, review.second
    setup = setup_of(first.household.subdistrict)
    require(
        policy.write_household(scope, first.household, setup)
        and policy.write_household(scope, second.household, setup),
        _("您无权确认这两位成员。"),
    )
    if review.state != ReviewState.OPEN:
        raise Conflict(_("这一对已由他人确认过了。"))
    if first.archived_at is not None or second.archived_at is not None:
        raise Invalid(_("其中一人已注销，无需再确认。"))
    review.decided_by, review.decided_at = actor, clock.now()
    if same:
        reason = _("与%(name)s（%(head)s户）为同一人") % {"name": first.name, "head": first.household.head_name or "—"}
        carried = {name: getattr(second, name) for name in CARRIED if getattr(second, name) not in ("", None)}
        carried = {name: value for name, value in carried.items() if getattr(first, name) in ("", None)}
        _archive(second, reason, actor)
        if carried:
            old = audit.snapshot(first, list(carried))
            for name, value in carried.items():
                setattr(first, name, value)
            first.revision += 1
            first.save()
            audit.record(
                actor,
                "member.save",
                first,
                changes=_masked(audit.diff(old, audit.snapshot(first, list(carried)))),
                reason=_("并入同一人“%(name)s”的信息") % {"name": second.name},
            )
        review.state = ReviewState.SAME
        refresh_households({first.household_id, second.household_id})
    else:
        review.state = ReviewState.DIFFERENT
    review.save()
    audit.record(
        actor,
        "member.review",
        second,
        changes={"review": [str(ReviewState.OPEN.label), str(ReviewState(review.state).label)]},
        reason=_("与“%(name)s”比对") % {"name": first.name},
    )
    return review


# ---- reads the register's pages need (scoped; the lead may move them to queries.py) --------------------------


def household_in_scope(scope: Scope, pk: int) -> Household:
    """An active or archived household the person reads (404 otherwise)."""
    from zhili.people.scope import get_in_scope_or_404

    return get_in_scope_or_404(
        scope, Household.objects.select_related("subdistrict", "region", "officer"), "path", pk=pk
    )


def member_in_scope(scope: Scope, pk: int) -> Member:
    from zhili.people.scope import get_in_scope_or_404

    return get_in_scope_or_404(scope, Member.objects.select_related("household__subdistrict"), "path", pk=pk)


def members_of(household: Household) -> list[Member]:
    return list(Member.objects.active().filter(household=household).order_by("id"))


def open_review_pairs(scope: Scope, sub: Region) -> list[NameReview]:
    """The open pairs of the subdistrict in villages the person reads, both members still active: two queries."""
    qs = scope.filter(NameReview.objects.filter(subdistrict=sub, state=ReviewState.OPEN), "path").filter(
        first__archived_at__isnull=True, second__archived_at__isnull=True
    )
    return list(qs.select_related("first__household__region", "second__household__region").order_by("path", "id")[:500])


def review_in_scope(scope: Scope, pk: int) -> NameReview:
    from zhili.people.scope import get_in_scope_or_404

    return get_in_scope_or_404(scope, NameReview.objects.all(), "path", pk=pk)
