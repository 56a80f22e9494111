"""Writes of party building: the setup (office in charge, required frequencies), branches, members, meetings with
their minutes, integrity talks and the 头雁 roster. Each checks its right in policy, is atomic and leaves one audit
entry; a stale form is a Conflict (revision), a bad value an Invalid with a Chinese sentence, and nothing is
written when either is raised."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, clock
from zhili.core.errors import Conflict, Invalid, require
from zhili.excel import values as xv
from zhili.party import queries
from zhili.party.models import (
    Branch,
    Frequency,
    IntegrityTalk,
    LeadGoose,
    Meeting,
    MeetingKind,
    MeetingRule,
    MemberStatus,
    PartyMember,
    PartySetup,
    Sex,
    TalkPost,
)
from zhili.people import policy
from zhili.people.models import Person, Unit
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region
from zhili.targets import evidence

audit.describe(
    {
        "party.setup": gettext_lazy("修改党建设置"),
        "party.branch.add": gettext_lazy("建立党支部"),
        "party.branch.edit": gettext_lazy("修改党支部"),
        "party.member.add": gettext_lazy("登记党员"),
        "party.member.edit": gettext_lazy("修改党员信息"),
        "party.member.archive": gettext_lazy("党员移出名册"),
        "party.meeting.add": gettext_lazy("记录支部会议"),
        "party.meeting.edit": gettext_lazy("修改支部会议"),
        "party.talk.add": gettext_lazy("记录廉政谈话"),
        "party.goose.add": gettext_lazy("加入头雁队伍"),
        "party.goose.archive": gettext_lazy("移出头雁队伍"),
    },
    # the setup's changes are keyed by meeting type (the model's own fields name everything else)
    fields={"party.setup": {"unit": gettext_lazy("负责科室"), **dict(MeetingKind.choices)}},
)


def clean_text(value: Any, *, label: str, limit: int, required: bool = True) -> str:
    """What a person typed, minus control characters; refused when empty or too long."""
    text = "".join(ch for ch in str(value or "") if ch in "\n\t" or ch.isprintable()).strip()
    if required and not text:
        raise Invalid(_("请填写%(label)s。") % {"label": label})
    if len(text) > limit:
        raise Invalid(
            _("%(label)s最多 %(limit)s 字，现有 %(v)s 字。") % {"label": label, "limit": limit, "v": len(text)}
        )
    return text


def _day(value: Any, *, label: str, required: bool = True, past: bool = True) -> datetime.date | None:
    """A date as offices type it; never after today when `past` (nothing is recorded before it happened)."""
    try:
        day = xv.parse_date(value if value not in ("", None) else None).value
    except xv.ValueProblem as exc:
        raise Invalid(_("%(label)s：%(reason)s") % {"label": label, "reason": exc}) from None
    if day is None:
        if required:
            raise Invalid(_("请填写%(label)s。") % {"label": label})
        return None
    today = clock.today()
    if past and day > today:
        raise Invalid(
            _("%(label)s %(day)s 晚于今天（%(today)s），不能记录尚未发生的事。")
            % {"label": label, "day": day.isoformat(), "today": today.isoformat()}
        )
    return day


def _date(value: Any, *, label: str) -> datetime.date:
    """A required date, never after today."""
    day = _day(value, label=label)
    assert day is not None  # _day refuses an empty one
    return day


def _sub_of(region: Region) -> Region:
    if region.parent is None:
        raise Invalid(_("请选择本街道（乡镇）的村（社区）。"))
    return region.parent


def _revision(data: dict, obj: Any, what: str) -> None:
    if obj.pk and int(data.get("revision") or obj.revision) != obj.revision:
        raise Conflict(_("%(what)s已被他人修改，请刷新页面后再改。") % {"what": what})


def _village(region: Any, subdistrict: Region) -> Region:
    if not isinstance(region, Region) or region.level != Level.VILLAGE or region.parent_id != subdistrict.pk:
        raise Invalid(_("请选择本街道（乡镇）的村（社区）。"))
    return region


# ---- setup ---------------------------------------------------------------------------------------------------


@transaction.atomic
def do_save_setup(subdistrict: Region, data: dict, *, actor: Person, scope: Scope) -> PartySetup:
    """The office in charge of party work and the required frequency of each meeting type."""
    require(policy.configure_party(scope, subdistrict), _("只有街道领导或系统管理员可以修改党建设置。"))
    setup = queries.setup_of(subdistrict)
    if setup.pk:
        setup = PartySetup.objects.select_for_update().select_related("region", "unit").get(pk=setup.pk)
    _revision(data, setup, _("党建设置"))
    old = {"unit": str(setup.unit) if setup.unit else None, **queries.rules_of(subdistrict)}
    unit = data.get("unit", setup.unit)
    if unit is not None and (not isinstance(unit, Unit) or unit.region_id != subdistrict.pk):
        raise Invalid(_("负责科室应是本街道（乡镇）的科室。"))
    frequencies = data.get("frequencies") or {}
    for kind, frequency in frequencies.items():
        if kind not in MeetingKind.values or frequency not in Frequency.values:
            raise Invalid(_("请为每类会议选择频次要求。"))
    setup.unit = unit
    if setup.pk:
        setup.revision += 1
    setup.save()
    for kind, frequency in frequencies.items():
        MeetingRule.objects.update_or_create(subdistrict=subdistrict, kind=kind, defaults={"frequency": frequency})
    new = {"unit": str(unit) if unit else None, **queries.rules_of(subdistrict)}
    shown = {
        k: [str(Frequency(v).label) if k in MeetingKind.values and v else v for v in pair]
        for k, pair in audit.diff(old, new).items()
    }
    audit.record(actor, "party.setup", setup, changes=shown)
    return setup


# ---- branches and members -----------------------------------------------------------------------------------------


@transaction.atomic
def do_save_branch(village: Region, data: dict, *, actor: Person, scope: Scope, branch: Branch | None = None) -> Branch:
    """Set up a village's branch (one per village) or change its name and secretary."""
    sub = _sub_of(village)
    setup = queries.setup_of(sub)
    require(policy.manage_party(scope, setup), _("只有街道党建负责人可以建立或修改党支部。"))
    _village(village, sub)
    if branch is None:
        if Branch.objects.filter(region=village).exists():
            raise Invalid(_("%(village)s已有党支部。") % {"village": village.name})
        branch = Branch(region=village)
        old: dict = {}
    else:
        branch = Branch.objects.select_for_update().select_related("region").get(pk=branch.pk)
        _revision(data, branch, _("该党支部"))
        old = audit.snapshot(branch, ["name", "secretary"])
    branch.name = clean_text(
        data.get("name") or branch.name or _("%(village)s党支部") % {"village": village.name},
        label=_("支部名称"),
        limit=100,
    )
    secretary = data.get("secretary", branch.secretary)
    if secretary is not None and not isinstance(secretary, Person):
        raise Invalid(_("请选择支部书记。"))
    branch.secretary = secretary
    if branch.pk:
        branch.revision += 1
    branch.save()
    changes = audit.diff(old, audit.snapshot(branch, ["name", "secretary"]))
    audit.record(actor, "party.branch.edit" if old else "party.branch.add", branch, changes=changes)
    return branch


MEMBER_FIELDS = ["name", "sex", "joined", "status", "phone"]


@transaction.atomic
def do_save_member(
    branch: Branch, data: dict, *, actor: Person, scope: Scope, member: PartyMember | None = None
) -> PartyMember:
    """Add a party member to a branch or change one (name, sex, date joined, status, phone)."""
    setup = queries.setup_of(_sub_of(branch.region))
    require(
        policy.keep_branch(scope, setup, branch),
        _("您无权修改“%(branch)s”的党员名册：只有本村干部和街道党建负责人可以修改。") % {"branch": branch.name},
    )
    if member is None:
        member = PartyMember(branch=branch)
        old: dict = {}
    else:
        member = PartyMember.objects.select_for_update().get(pk=member.pk, branch=branch)
        _revision(data, member, _("该党员的信息"))
        old = audit.snapshot(member, MEMBER_FIELDS)
    member.name = clean_text(data.get("name", member.name), label=_("姓名"), limit=50)
    sex = data.get("sex", member.sex)
    if sex not in Sex.values:
        raise Invalid(_("请选择性别。"))
    status = data.get("status", member.status)
    if status not in MemberStatus.values:
        raise Invalid(_("请选择党员类别。"))
    member.sex, member.status = sex, status
    member.joined = _date(data.get("joined", member.joined), label=_("入党时间"))
    try:
        member.phone = xv.parse_phone(data.get("phone", member.phone) or None).value or ""
    except xv.ValueProblem as exc:
        raise Invalid(_("联系电话：%(reason)s") % {"reason": exc}) from None
    same = PartyMember.objects.active().filter(branch=branch, name=member.name).exclude(pk=member.pk or 0)
    if same.exists():
        raise Invalid(_("本支部已有名为“%(name)s”的党员，请勿重复登记。") % {"name": member.name})
    changes = audit.diff(old, audit.snapshot(member, MEMBER_FIELDS))
    if old and not changes:
        return member
    if member.pk:
        member.revision += 1
    member.save()
    if "phone" in changes:  # the log keeps no phone number, only that it changed
        changes["phone"] = [
            PartyMember(phone=str(changes["phone"][0] or "")).masked_phone,
            member.masked_phone,
        ]
    audit.record(actor, "party.member.edit" if old else "party.member.add", member, changes=changes)
    return member


@transaction.atomic
def do_archive_member(member: PartyMember, *, reason: str, actor: Person, scope: Scope) -> PartyMember:
    """Take a member off the branch's roll (transferred, deceased …), with the reason; nothing is deleted."""
    branch = member.branch
    setup = queries.setup_of(_sub_of(branch.region))
    require(
        policy.keep_branch(scope, setup, branch),
        _("您无权修改“%(branch)s”的党员名册：只有本村干部和街道党建负责人可以修改。") % {"branch": branch.name},
    )
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    if member.archived_at is not None:
        raise Invalid(_("该党员已移出名册。"))
    member.archived_reason = clean_text(reason, label=_("移出原因"), limit=500)
    member.archived_at, member.archived_by = clock.now(), actor
    member.revision += 1
    member.save()
    audit.record(actor, "party.member.archive", member, reason=member.archived_reason)
    return member


# ---- meetings ---------------------------------------------------------------------------------------------------


@transaction.atomic
def do_save_meeting(
    branch: Branch, data: dict, *, actor: Person, scope: Scope, meeting: Meeting | None = None
) -> Meeting:
    """Record a meeting of a branch (or correct one): type, date (not in the future), topic, attendees (members of
    this branch), minutes (a checked file, optional). The same type on the same day twice is refused."""
    setup = queries.setup_of(_sub_of(branch.region))
    require(
        policy.keep_branch(scope, setup, branch),
        _("您无权为“%(branch)s”记录会议：只有本村干部和街道党建负责人可以记录，未作任何记录。")
        % {"branch": branch.name},
    )
    if meeting is None:
        meeting = Meeting(branch=branch, recorded_by=actor if actor and actor.pk else None)
        old: dict = {}
    else:
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk, branch=branch)
        _revision(data, meeting, _("该会议记录"))
        old = {
            **audit.snapshot(meeting, ["kind", "day", "topic"]),
            "attendees": meeting.attendees.count(),
            "minutes": meeting.minutes_name or None,
        }
    kind = data.get("kind", meeting.kind)
    if kind not in MeetingKind.values:
        raise Invalid(_("请选择会议类型。"))
    day = _date(data.get("day", meeting.day), label=_("会议日期"))
    topic = clean_text(data.get("topic", meeting.topic), label=_("会议主题"), limit=200)
    ids = {int(i) for i in data.get("attendees") or []}
    members = list(PartyMember.objects.active().filter(branch=branch, pk__in=ids))
    if len(members) != len(ids):
        raise Invalid(
            _("有 %(n)s 名参会人员不是“%(branch)s”的在册党员，请重新选择参会人员，未作任何记录。")
            % {"n": len(ids) - len(members), "branch": branch.name}
        )
    clash = Meeting.objects.filter(branch=branch, kind=kind, day=day).exclude(pk=meeting.pk or 0)
    if clash.exists():
        raise Invalid(
            _("“%(branch)s”%(day)s 的%(kind)s已经记录过，请勿重复记录。")
            % {"branch": branch.name, "day": day.isoformat(), "kind": MeetingKind(kind).label}
        )
    upload = data.get("minutes")
    checked = evidence.check(upload) if upload else None  # refused before anything is written
    meeting.kind, meeting.day, meeting.topic = kind, day, topic
    if checked is not None:
        meeting.minutes_name = checked.name
        meeting.minutes_type = checked.kind.mime
        meeting.minutes_size = checked.size
        meeting.minutes_sha256 = checked.sha256
        meeting.minutes.save(f"minutes{checked.kind.extensions[0]}", checked.upload, save=False)
    if meeting.pk:
        meeting.revision += 1
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError:
        raise Invalid(
            _("“%(branch)s”%(day)s 的%(kind)s已经记录过，请勿重复记录。")
            % {"branch": branch.name, "day": day.isoformat(), "kind": MeetingKind(kind).label}
        ) from None
    meeting.attendees.set(members)
    new = {
        **audit.snapshot(meeting, ["kind", "day", "topic"]),
        "attendees": len(members),
        "minutes": meeting.minutes_name or None,
    }
    changes = audit.diff(old, new)
    if checked is not None:
        changes["minutes"] = [old.get("minutes"), checked.describe()]
    audit.record(actor, "party.meeting.edit" if old else "party.meeting.add", meeting, changes=changes)
    return meeting


# ---- integrity talks and 头雁 ---------------------------------------------------------------------------------


@transaction.atomic
def do_record_talk(village: Region, data: dict, *, actor: Person, scope: Scope) -> IntegrityTalk:
    """An integrity talk (廉政谈话) with a village's head: who (name and post), when, by whom, what was said."""
    sub = _sub_of(village)
    require(
        policy.manage_party(scope, queries.setup_of(sub)),
        _("只有街道党建负责人可以记录廉政谈话，未作任何记录。"),
    )
    _village(village, sub)
    post = data.get("post")
    if post not in TalkPost.values:
        raise Invalid(_("请选择谈话对象的职务。"))
    talk = IntegrityTalk(
        region=village,
        person_name=clean_text(data.get("person_name"), label=_("谈话对象"), limit=50),
        post=post,
        day=_date(data.get("day"), label=_("谈话日期")),
        talker=clean_text(data.get("talker"), label=_("谈话人"), limit=100),
        summary=clean_text(data.get("summary"), label=_("谈话要点"), limit=2000, required=False),
        recorded_by=actor if actor and actor.pk else None,
    )
    if IntegrityTalk.objects.filter(region=village, person_name=talk.person_name, day=talk.day).exists():
        raise Invalid(
            _("%(village)s %(name)s %(day)s 的廉政谈话已经记录过，请勿重复记录。")
            % {"village": village.name, "name": talk.person_name, "day": talk.day.isoformat()}
        )
    talk.save()
    audit.record(
        actor,
        "party.talk.add",
        talk,
        changes={
            "person_name": [None, talk.person_name],
            "post": [None, str(TalkPost(post).label)],
            "day": [None, talk.day.isoformat()],
            "talker": [None, talk.talker],
        },
    )
    return talk


@transaction.atomic
def do_add_goose(village: Region, data: dict, *, actor: Person, scope: Scope) -> LeadGoose:
    """Put a village's leading cadre on the 头雁 roster."""
    sub = _sub_of(village)
    require(policy.manage_party(scope, queries.setup_of(sub)), _("只有街道党建负责人可以维护头雁队伍名册。"))
    _village(village, sub)
    goose = LeadGoose(
        region=village,
        name=clean_text(data.get("name"), label=_("姓名"), limit=50),
        post=clean_text(data.get("post"), label=_("职务"), limit=50),
        since=_day(data.get("since"), label=_("任职时间"), required=False),
        note=clean_text(data.get("note"), label=_("备注"), limit=300, required=False),
    )
    if LeadGoose.objects.active().filter(region=village, name=goose.name).exists():
        raise Invalid(_("%(village)s的%(name)s已在头雁队伍名册中。") % {"village": village.name, "name": goose.name})
    goose.save()
    audit.record(
        actor,
        "party.goose.add",
        goose,
        changes={"name": [None, goose.name], "post": [None, goose.post], "since": [None, goose.since]},
    )
    return goose


@transaction.atomic
def do_archive_goose(goose: LeadGoose, *, reason: str, actor: Person, scope: Scope) -> LeadGoose:
    require(
        policy.manage_party(scope, queries.setup_of(_sub_of(goose.region))),
        _("只有街道党建负责人可以维护头雁队伍名册。"),
    )
    goose = LeadGoose.objects.select_for_update().get(pk=goose.pk)
    if goose.archived_at is not None:
        raise Invalid(_("已移出头雁队伍名册。"))
    goose.archived_reason = clean_text(reason, label=_("移出原因"), limit=500)
    goose.archived_at, goose.archived_by = clock.now(), actor
    goose.save()
    audit.record(actor, "party.goose.archive", goose, reason=goose.archived_reason)
    return goose
