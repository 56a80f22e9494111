"""Every write to people, units, roles, the responsibility chain and API tokens."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, jobs
from zhili.core.errors import require
from zhili.core.models import JobRun
from zhili.core.queries import AuditFilter
from zhili.people import policy
from zhili.people.models import (
    ROLE_REGION_LEVELS,
    TOKEN_PREFIX,
    ApiToken,
    ChainLevel,
    ChainLink,
    Person,
    Role,
    RoleAssignment,
    Unit,
    hash_token,
)
from zhili.people.scope import Scope, holds_guarded_role
from zhili.regions.actions import carries_across_merges
from zhili.regions.models import Level, Region

SIGN_IN_FIELDS = {
    "username": gettext_lazy("登录名"),
    "address": gettext_lazy("来源地址"),
    "address_key": gettext_lazy("地址指纹"),
}

audit.describe(
    {
        "person.create": gettext_lazy("新建人员"),
        "person.update": gettext_lazy("修改人员"),
        "person.archive": gettext_lazy("停用人员"),
        "person.restore": gettext_lazy("恢复人员"),
        "person.set_password": gettext_lazy("设置密码"),
        "unit.create": gettext_lazy("新建单位"),
        "role.grant": gettext_lazy("授予角色"),
        "role.confirm": gettext_lazy("确认角色"),
        "role.end": gettext_lazy("结束角色"),
        "person.unlock": gettext_lazy("解除登录锁定"),
        "audit.export": gettext_lazy("导出审计日志"),
        "auth.login": gettext_lazy("登录"),
        "auth.logout": gettext_lazy("退出登录"),
        "auth.login_failed": gettext_lazy("登录失败"),
        "auth.lockout": gettext_lazy("账号锁定"),
        "chain.levels": gettext_lazy("设置责任链层级"),
        "chain.set": gettext_lazy("设置责任链"),
        "token.create": gettext_lazy("新建接口令牌"),
        "token.revoke": gettext_lazy("吊销接口令牌"),
    },
    fields={
        "chain.levels": {"levels": gettext_lazy("层级")},
        "person.unlock": {"attempts": gettext_lazy("清除的失败记录")},
        "audit.export": {
            "date_from": gettext_lazy("起始日期"),
            "date_to": gettext_lazy("截止日期"),
            "filters": gettext_lazy("筛选条件"),
            "rows": gettext_lazy("行数"),
            "sealed": gettext_lazy("保密条目（内容未导出）"),
        },
        **dict.fromkeys(("auth.login", "auth.logout", "auth.login_failed", "auth.lockout"), SIGN_IN_FIELDS),
    },
)

PERSON_FIELDS = ("full_name", "phone", "title", "unit", "region", "email")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{1,150}$")
MOBILE_RE = re.compile(r"^1[0-9]{10}$")
PHONE_RE = re.compile(r"^[0-9-]{7,20}$")


def normalise_phone(phone: str | None) -> str:
    """Full-width digits and spaces, as input methods type them, become the plain number."""
    return unicodedata.normalize("NFKC", phone or "").replace(" ", "").strip()


def _require_account(scope: Scope, person: Person, what: str) -> bool:
    """Someone else's account: its region's system administrators, or — for an administrator or a tip officer — its
    security administrators (policy.manage_account)."""
    guarded = holds_guarded_role(person)
    if guarded:
        message = _("“%(person)s”担任管理员或线索专管员，只有安全保密管理员可以%(what)s。")
    else:
        message = _("“%(person)s”不在您的管理范围内，不能%(what)s。")
    require(policy.manage_account(scope, person, guarded=guarded), message % {"person": person, "what": what})
    return guarded


def _require_admin(scope: Scope, region: Region | None, what: str) -> None:
    if region is None:
        require(policy.administer(scope, None), _("您无权%(what)s。") % {"what": what})
    else:
        require(
            policy.administer(scope, region),
            _("“%(name)s”不在您的管理范围内，不能%(what)s。") % {"name": region.name, "what": what},
        )


# ---- people ------------------------------------------------------------------------------------


@transaction.atomic
def do_create_person(
    *,
    username: str,
    full_name: str,
    region: Region,
    actor: Person,
    scope: Scope,
    password: str | None = None,
    phone: str = "",
    title: str = "",
    unit: Unit | None = None,
    email: str = "",
    is_synthetic: bool = False,
) -> Person:
    username = (username or "").strip()
    full_name = (full_name or "").strip()
    phone = normalise_phone(phone)
    if not username:
        raise ValidationError(_("登录名不能为空。"))
    if not USERNAME_RE.match(username):
        raise ValidationError(_("登录名只能包含字母、数字和 @ . + - _。"))
    if phone and not MOBILE_RE.match(phone):
        raise ValidationError(_("手机号应为 11 位数字，以 1 开头。"))
    if not full_name:
        raise ValidationError(_("姓名不能为空。"))
    _require_admin(scope, region, _("添加人员"))
    if unit is not None and unit.region_id != region.pk and not unit.region.path.startswith(region.path):
        if not region.path.startswith(unit.region.path):
            raise ValidationError(_("单位“%(name)s”不属于“%(name2)s”。") % {"name": unit.name, "name2": region.name})
    if Person.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("登录名“%(username)s”已被使用。") % {"username": username})
    person = Person(
        username=username,
        full_name=full_name,
        region=region,
        phone=phone,
        title=title,
        unit=unit,
        email=email,
        is_synthetic=is_synthetic,
    )
    if password:
        validate_password(password, person)
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.save()
    audit.record(actor, "person.create", person, changes={"username": [None, username], "full_name": [None, full_name]})
    return person


@transaction.atomic
def do_update_person(person: Person, *, actor: Person, scope: Scope, reason: str = "", **values) -> Person:
    guarded = _require_account(scope, person, _("修改此人员"))
    unknown = set(values) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改这些字段：%(v)s。") % {"v": "、".join(sorted(unknown))})
    if "region" in values and values["region"] != person.region:
        moved = Person(region=values["region"])
        require(
            values["region"] is not None and policy.manage_account(scope, moved, guarded=guarded),
            _("“%(name)s”不在您的管理范围内，不能把人员划入该区划。") % {"name": values["region"]},
        )
    if "phone" in values:
        values["phone"] = normalise_phone(values["phone"])
        if values["phone"] and not MOBILE_RE.match(values["phone"]):
            raise ValidationError(_("手机号应为 11 位数字，以 1 开头。"))
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = audit.snapshot(person, values)
    for k, v in values.items():
        setattr(person, k, v)
    if not person.full_name.strip():
        raise ValidationError(_("姓名不能为空。"))
    person.save()
    changes = audit.diff(before, audit.snapshot(person, values))
    if changes:
        audit.record(actor, "person.update", person, changes=changes, reason=reason)
    return person


@transaction.atomic
def do_set_password(person: Person, password: str, *, actor: Person, scope: Scope) -> Person:
    if actor.pk != person.pk:
        _require_account(scope, person, _("重设此人员的密码"))
    validate_password(password, person)
    person.set_password(password)
    if actor.pk == person.pk:  # the owner's own choice ends an initial password's term
        person.must_change_password = False
    person.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record(actor, "person.set_password", person)
    return person


@transaction.atomic
def do_archive_person(person: Person, *, actor: Person, scope: Scope, reason: str) -> Person:
    """停用: the account can no longer sign in; roles end; tokens are revoked. Nothing is deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("停用人员必须填写原因。"))
    require(person.pk != actor.pk, _("不能停用自己的账号。"))
    _require_account(scope, person, _("停用此人员"))
    now = timezone.now()
    Person.objects.filter(pk=person.pk).update(is_active=False, archived_reason=reason)
    RoleAssignment.objects.active().filter(person=person).update(ended_at=now, ended_reason=f"人员停用：{reason}")
    ApiToken.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=now)
    person.refresh_from_db()
    audit.record(actor, "person.archive", person, changes={"is_active": [True, False]}, reason=reason)
    return person


@transaction.atomic
def do_restore_person(person: Person, *, actor: Person, scope: Scope, reason: str) -> Person:
    _require_account(scope, person, _("启用此人员"))
    Person.objects.filter(pk=person.pk).update(is_active=True, archived_reason="")
    person.refresh_from_db()
    audit.record(actor, "person.restore", person, changes={"is_active": [False, True]}, reason=reason)
    return person


# ---- units -------------------------------------------------------------------------------------


@transaction.atomic
def do_create_unit(*, code: str, name: str, region: Region, actor: Person, scope: Scope) -> Unit:
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name:
        raise ValidationError(_("单位代码和名称都不能为空。"))
    _require_admin(scope, region, _("添加单位"))
    if region.level != Level.SUBDISTRICT:
        raise ValidationError(_("单位（办公室）设在街道（乡镇）一级。"))
    if Unit.objects.filter(region=region, code=code).exists():
        raise ValidationError(_("单位代码“%(code)s”在“%(name)s”已存在。") % {"code": code, "name": region.name})
    unit = Unit.objects.create(code=code, name=name, region=region)
    audit.record(actor, "unit.create", unit, changes={"code": [None, code], "name": [None, name]})
    return unit


# ---- roles -------------------------------------------------------------------------------------


@transaction.atomic
def do_grant_role(
    person: Person, *, role: str, region: Region, actor: Person, scope: Scope, unit: Unit | None = None, title: str = ""
) -> RoleAssignment:
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError(_("未知角色“%(role)s”。") % {"role": role}) from None
    if role == Role.OFFICER:
        if unit is None:
            raise ValidationError(_("部门工作人员角色必须指定单位。"))
        region = unit.region
    elif unit is not None and not region.path.startswith(unit.region.path):
        raise ValidationError(_("单位“%(name)s”不在“%(name2)s”之上。") % {"name": unit.name, "name2": region.name})
    require(policy.grant_role_to(scope, person), _("不能给自己授予角色：请由另一位管理员授予。"))
    if region.level not in ROLE_REGION_LEVELS[role]:
        allowed = "、".join(str(Level(lv).label) for lv in sorted(ROLE_REGION_LEVELS[role]))
        raise ValidationError(
            _("“%(label)s”角色只能绑定到%(allowed)s，不能绑定到%(v)s“%(name)s”。")
            % {"label": role.label, "allowed": allowed, "v": region.get_level_display(), "name": region.name}
        )
    if policy.grant_role(scope, Role.VIEWER, region):  # an administrator here, but of the wrong kind for this role
        refusal = _("“%(label)s”角色只能由安全保密管理员授予。") % {"label": role.label}
    else:
        refusal = _("“%(name)s”不在您的管理范围内，不能授予“%(name)s”的角色。") % {"name": region.name}
    require(policy.grant_role(scope, role, region), refusal)
    require(
        policy.reach_person(scope, person),
        _("“%(name)s”不在您的管理范围内，不能给此人员授予角色。")
        % {"name": person.region.name if person.region is not None else person},
    )
    if not region.is_current:
        raise ValidationError(_("“%(name)s”已撤销，不能再授予角色。") % {"name": region.name})
    if not person.is_active:
        raise ValidationError(_("“%(person)s”已停用，不能授予角色。") % {"person": person})
    existing = RoleAssignment.objects.not_ended().filter(person=person, role=role, region=region, unit=unit).first()
    if existing is not None:
        if existing.awaiting_confirmation:
            raise ValidationError(
                _("已有一份授予“%(person)s”为“%(name)s”%(label)s的记录，正等待安全保密管理员确认。")
                % {"person": person, "name": region.name, "label": role.label}
            )
        raise ValidationError(
            _("“%(person)s”已经是“%(name)s”的%(label)s。")
            % {"person": person, "name": region.name, "label": role.label}
        )
    awaiting = not policy.grant_takes_effect_alone(role)
    ra = RoleAssignment.objects.create(
        person=person,
        role=role,
        region=region,
        unit=unit,
        title=title,
        granted_by=actor if getattr(actor, "pk", None) else None,
        awaiting_confirmation=awaiting,
    )
    changes = {"role": [None, role.label], "region": [None, region.name]}
    if awaiting:
        changes["awaiting_confirmation"] = [None, True]
    audit.record(actor, "role.grant", ra, changes=changes)
    return ra


@transaction.atomic
def do_confirm_role(ra: RoleAssignment, *, actor: Person, scope: Scope) -> RoleAssignment:
    """A security administrator confirms a grant that waits for it (the tip officer's): from now on it is in
    force."""
    ra = RoleAssignment.objects.select_for_update().select_related("region", "person").get(pk=ra.pk)
    if not ra.awaiting_confirmation or ra.ended_at is not None:
        raise ValidationError(_("该角色无需确认，或已经结束。"))
    require(
        policy.confirm_role_grant(scope, ra),
        _("授予“%(v)s”须由授予人和被授予人以外的安全保密管理员确认。") % {"v": ra.get_role_display()},
    )
    ra.awaiting_confirmation = False
    ra.confirmed_by = actor
    ra.confirmed_at = timezone.now()
    ra.save(update_fields=["awaiting_confirmation", "confirmed_by", "confirmed_at", "modified_at"])
    audit.record(actor, "role.confirm", ra, changes={"awaiting_confirmation": [True, False]})
    return ra


@transaction.atomic
def do_end_role(ra: RoleAssignment, *, actor: Person, scope: Scope, reason: str) -> RoleAssignment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("结束角色必须填写原因。"))
    if policy.end_role(scope, Role.VIEWER, ra.region):  # an administrator here, but of the wrong kind for this role
        refusal = _("“%(label)s”角色只能由安全保密管理员结束。") % {"label": ra.get_role_display()}
    else:
        refusal = _("“%(name)s”不在您的管理范围内，不能结束此角色。") % {"name": ra.region.name}
    require(policy.end_role(scope, ra.role, ra.region), refusal)
    if ra.ended_at:
        raise ValidationError(_("该角色已经结束。"))
    ra.ended_at = timezone.now()
    ra.ended_reason = reason
    ra.save(update_fields=["ended_at", "ended_reason", "modified_at"])
    audit.record(actor, "role.end", ra, changes={"ended_at": [None, ra.ended_at.isoformat()]}, reason=reason)
    return ra


@transaction.atomic
def do_unlock_person(person: Person, *, actor: Person, scope: Scope, reason: str = "") -> int:
    """Lift a lockout (django-axes: too many failed sign-ins) before it runs out; returns how many failure records
    were cleared. The security administrator's (policy.unlock_account)."""
    from axes.models import AccessAttempt

    require(
        policy.unlock_account(scope, person),
        _("只有安全保密管理员可以解除“%(person)s”的登录锁定。") % {"person": person},
    )
    attempts = AccessAttempt.objects.filter(username=person.username)
    count = attempts.count()
    attempts.delete()
    audit.record(actor, "person.unlock", person, changes={"attempts": [count, 0]}, reason=reason)
    return count


def is_locked(person: Person) -> bool:
    """Locked out now: as many failures as django-axes allows, within its cool-off (from any address)."""
    from axes.models import AccessAttempt
    from django.conf import settings

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        username=person.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).exists()


# ---- the audit log, exported (the audit administrator's) ------------------------------------------------------


@dataclass(frozen=True)
class AuditExport:
    name: str
    data: bytes
    rows: int


def do_export_audit(f: AuditFilter, *, actor: Person, scope: Scope) -> AuditExport:
    """The audit log this person reads, filtered (a date range, a person, an object), as .xlsx — entries about
    tips they may not see sealed, as the page shows them — and one entry saying what left: the range, the filters,
    how many rows and how many sealed. Refused above `audit_export.MAX_ROWS` entries (a shorter range, please)."""
    from zhili.core.queries import audit_entries, is_sealed
    from zhili.people import audit_export

    require(policy.export_audit_log(scope), _("只有安全审计员可以导出审计日志。"))
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise ValidationError(_("起始日期不能晚于截止日期。"))
    qs = audit_entries(scope, f, sealed=True)
    total = qs.count()
    if total > audit_export.MAX_ROWS:
        raise ValidationError(
            _("符合条件的记录有 %(n)s 条，超过一次可导出的 %(max)s 条，请缩短日期范围。")
            % {"n": total, "max": audit_export.MAX_ROWS}
        )
    entries = list(qs.select_related(None))
    shown = audit.shown(entries, sealed=lambda e: is_sealed(scope, e))
    sealed = sum(1 for s in shown if s.sealed)
    span = f"{f.date_from or '…'} — {f.date_to or '…'}"
    data = audit_export.workbook(
        shown,
        title=_("审计日志"),
        subtitle=_("时间范围：%(span)s　共 %(n)s 条　导出人：%(who)s　导出时间：%(at)s")
        % {"span": span, "n": len(shown), "who": actor, "at": f"{timezone.localtime():%Y-%m-%d %H:%M}"},
    )
    filters = {k: v for k, v in (("actor", f.actor), ("object", f.object)) if v}
    with transaction.atomic():
        audit.record(
            actor,
            "audit.export",
            actor,
            changes={
                "date_from": [None, f.date_from.isoformat() if f.date_from else None],
                "date_to": [None, f.date_to.isoformat() if f.date_to else None],
                "filters": [None, filters or None],
                "rows": [None, len(shown)],
                "sealed": [None, sealed],
            },
            region_path=scope.audit_paths[0] if scope.audit_paths else "",
        )
    name = "_".join([_("审计日志"), *(d.isoformat() for d in (f.date_from, f.date_to) if d)]) + ".xlsx"
    return AuditExport(name=name, data=data, rows=len(shown))


# ---- the five-level responsibility chain -----------------------------------------------------


@transaction.atomic
def do_set_chain_levels(subdistrict: Region, names: list[str], *, actor: Person, scope: Scope) -> list[ChainLevel]:
    """Configure the chain's levels for a subdistrict (e.g. 街道领导 → 管区书记 → 村书记 → 网格员 → 联户长)."""
    _require_admin(scope, subdistrict, _("设置联包层级"))
    names = [n.strip() for n in names if n and n.strip()]
    if not names:
        raise ValidationError(_("至少需要一个联包层级。"))
    if len(set(names)) != len(names):
        raise ValidationError(_("联包层级名称不能重复。"))
    existing = {lv.order: lv for lv in ChainLevel.objects.filter(subdistrict=subdistrict)}
    if ChainLink.objects.active().filter(level__order__gt=len(names), level__subdistrict=subdistrict).exists():
        raise ValidationError(_("被删去的层级上还有责任人，请先归档这些责任人。"))
    before = [existing[k].name for k in sorted(existing) if existing[k].is_active]
    levels = []
    for i, name in enumerate(names, start=1):
        lv = existing.get(i) or ChainLevel(subdistrict=subdistrict, order=i)
        lv.name = name
        lv.is_active = True
        lv.save()
        levels.append(lv)
    ChainLevel.objects.filter(subdistrict=subdistrict, order__gt=len(names)).update(is_active=False)
    audit.record(actor, "chain.levels", subdistrict, changes={"levels": [before, names]})
    return levels


@transaction.atomic
def do_set_chain_link(
    grid: Region,
    level: ChainLevel,
    *,
    actor: Person,
    scope: Scope,
    person: Person | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    note: str = "",
) -> ChainLink:
    if grid.level != Level.GRID:
        raise ValidationError(_("联包责任人设在网格上。"))
    if not scope.can_admin(grid.path) and not scope.can_write(grid.path):
        raise ValidationError(_("您无权修改“%(name)s”的联包责任人。") % {"name": grid.name})
    if not grid.path.startswith(level.subdistrict.path):
        raise ValidationError(_("该联包层级不属于此网格所在的街道。"))
    if person is None and not contact_name.strip():
        raise ValidationError(_("请选择人员或填写联系人姓名。"))
    contact_phone = normalise_phone(contact_phone)
    if contact_phone and not PHONE_RE.match(contact_phone):
        raise ValidationError(_("电话号码只能包含数字和短横线。"))
    old = ChainLink.objects.active().filter(grid=grid, level=level).first()
    if old:
        old.archived_at = timezone.now()
        old.archived_by = actor
        old.archived_reason = "更换责任人"
        old.save()
    link = ChainLink.objects.create(
        grid=grid,
        level=level,
        person=person,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        note=note,
    )
    audit.record(actor, "chain.set", link, changes={level.name: [old.display_name if old else None, link.display_name]})
    return link


# ---- API tokens --------------------------------------------------------------------------------


@transaction.atomic
def do_create_token(person: Person, *, name: str, actor: Person) -> tuple[ApiToken, str]:
    """Returns the token and its raw value, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写令牌用途（如“统计报表脚本”）。"))
    if actor.pk != person.pk:
        raise ValidationError(_("个人令牌只能由本人创建。"))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(person=person, name=name[:100], digest=hash_token(raw), hint=raw[:10])
    audit.record(actor, "token.create", token, region_path=person.audit_region_path)
    return token, raw


@transaction.atomic
def do_revoke_token(token: ApiToken, *, actor: Person) -> ApiToken:
    if token.person_id != actor.pk:
        raise ValidationError(_("只能撤销自己的令牌。"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "modified_at"])
        audit.record(actor, "token.revoke", token, region_path=actor.audit_region_path)
    return token


# ---- across a merge of villages (regions.actions.do_merge_villages) -------------------------------


@carries_across_merges
def carry_roles_and_chains(
    *, villages: list[Region], successor: Region, grids: dict[Region, Region], actor: Person, reason: str
) -> None:
    """The people keep their roles on the successors: grid inspectors and chain links move to the new grids,
    village cadres to the successor village; their roles on the closed regions end (the history stays)."""
    for grid, new_grid in grids.items():
        for link in ChainLink.objects.active().filter(grid=grid):
            ChainLink.objects.create(
                grid=new_grid,
                level=link.level,
                person=link.person,
                contact_name=link.contact_name,
                contact_phone=link.contact_phone,
                note=link.note,
            )
        for ra in RoleAssignment.objects.active().filter(region=grid):
            RoleAssignment.objects.create(
                person=ra.person, role=ra.role, region=new_grid, title=ra.title, granted_by=actor
            )
    for ra in RoleAssignment.objects.active().filter(region__in=villages, role=Role.VILLAGE_CADRE):
        RoleAssignment.objects.create(
            person=ra.person, role=ra.role, region=successor, title=ra.title, granted_by=actor
        )
    RoleAssignment.objects.active().filter(region__in=[*villages, *Region.objects.filter(parent__in=villages)]).update(
        ended_at=timezone.now(), ended_reason=f"村居合并：{reason}"
    )


# ---- background jobs (bjobs): the 后台任务 page's 重试 ----------------------------------------------------------


def do_retry_job_run(run: JobRun, *, actor: Person, scope: Scope) -> JobRun:
    """Queue a failed background run again from its first attempt (core/jobs.retry writes the audit entry)."""
    require(policy.see_job_runs(scope, run.region_path), _("您无权重试这个后台任务。"))
    return jobs.retry(run, actor=actor)
