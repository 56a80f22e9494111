"""Writes of the weekly bulletin: build (or rebuild, or correct) a week's snapshot, publish it, export it, and the
subdistrict's setup and score weights. Each checks its right in policy, is atomic and leaves one audit entry.

A week's versions: the first build makes version 1 as a draft; building again while the latest version is a
draft rebuilds it in place; once the latest is published, building again is a correction — a new draft version
with a note saying what changed and why. Publishing a draft marks the version it corrects superseded (still
readable). A published snapshot's data never changes."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.bulletins import queries, scoring, snapshot
from zhili.bulletins.models import BulletinSetup, ScoreScheme, Snapshot, SnapshotStatus
from zhili.core import audit, clock
from zhili.core.errors import Conflict, Invalid, require
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope
from zhili.regions.models import Region

audit.describe(
    {
        "bulletins.snapshot.build": gettext_lazy("生成周通报"),
        "bulletins.snapshot.correct": gettext_lazy("更正周通报"),
        "bulletins.snapshot.publish": gettext_lazy("发布周通报"),
        "bulletins.snapshot.export": gettext_lazy("下载周通报"),
        "bulletins.setup": gettext_lazy("修改通报设置"),
        "bulletins.weights": gettext_lazy("修改通报评分权重"),
    },
    fields={
        "bulletins.snapshot.build": {"week": gettext_lazy("周次"), "version": gettext_lazy("版本")},
        "bulletins.snapshot.correct": {
            "week": gettext_lazy("周次"),
            "version": gettext_lazy("版本"),
            "note": gettext_lazy("更正说明"),
        },
        "bulletins.snapshot.publish": {
            "status": gettext_lazy("状态"),
            "number": gettext_lazy("期数"),
            "superseded": gettext_lazy("被更正的版本"),
        },
        "bulletins.snapshot.export": {"format": gettext_lazy("格式"), "file": gettext_lazy("文件")},
        "bulletins.setup": {
            "title": gettext_lazy("通报标题"),
            "issuer": gettext_lazy("发文机关"),
            "number_prefix": gettext_lazy("文号前缀"),
            "weekday": gettext_lazy("每周生成日"),
            "at": gettext_lazy("生成时间"),
            "scheduled": gettext_lazy("按周自动生成"),
            "send_on_publish": gettext_lazy("发布后推送到群"),
            "wecom_webhook_url": gettext_lazy("企业微信群机器人地址"),
            "dingtalk_webhook_url": gettext_lazy("钉钉群机器人地址"),
            "dingtalk_secret": gettext_lazy("钉钉加签密钥"),
        },
        "bulletins.weights": {"year": gettext_lazy("年度"), "weights": gettext_lazy("权重")},
    },
)

BUILD_RETRIES = 3
SECRET_FIELDS = ("wecom_webhook_url", "dingtalk_webhook_url", "dingtalk_secret")
FORMATS = ("docx", "xlsx", "md", "html")


def mask(value: str) -> str:
    """A robot's address or secret as pages and the audit log show it: only its last 4 characters."""
    return f"…{value[-4:]}" if value else ""


def _refuse_build(scope: Scope, setup: BulletinSetup) -> None:
    require(
        policy.build_bulletins(scope, setup),
        _("只有街道领导、系统管理员或牵头科室的工作人员可以生成和发布周通报。"),
    )


def _latest(region: Region, week: str, *, lock: bool = False) -> Snapshot | None:
    qs = Snapshot.objects.filter(region=region, week=week)
    if lock:
        qs = qs.select_for_update()
    return qs.order_by("-version").first()


def do_build_snapshot(
    setup: BulletinSetup, week: str, *, actor: Person | None, scope: Scope, note: str = ""
) -> Snapshot:
    """Build `week` of `setup`'s subdistrict: version 1 as a draft, a draft rebuilt in place, or — the latest
    version published — a correction (a new draft version; `note` required). Two builds of the same week at once
    make one row: the unique (region, week, version) refuses the second insert, which then rebuilds the draft the
    first one made."""
    _refuse_build(scope, setup)
    year, num, monday, _sunday = snapshot.parse_week(week)
    week = f"{year}-W{num:02d}"
    if monday > clock.today():
        raise Invalid(_("%(week)s 尚未开始，不能生成通报。") % {"week": week})
    note = (note or "").strip()
    latest = _latest(setup.region, week)
    if latest is not None and latest.status != SnapshotStatus.DRAFT and not note:
        raise Invalid(
            _("%(week)s 的通报已发布，重新生成即为更正：请填写更正说明（改了什么、为什么改）。") % {"week": week}
        )
    if len(note) > 500:
        raise Invalid(_("更正说明不能超过 500 字。"))
    data = snapshot.build(setup, week)  # the reads, outside the write's transaction
    for _attempt in range(BUILD_RETRIES):
        try:
            with transaction.atomic():
                return _write_build(setup, week, data, note, actor=actor)
        except IntegrityError:  # another build of the same week made that version first: build on top of it
            continue
    raise Conflict(_("%(week)s 的通报正由他人同时生成，请稍后刷新查看。") % {"week": week})


def _write_build(setup: BulletinSetup, week: str, data: dict, note: str, *, actor: Person | None) -> Snapshot:
    _y, _n, monday, sunday = snapshot.parse_week(week)
    latest = _latest(setup.region, week, lock=True)
    if latest is not None and latest.status == SnapshotStatus.DRAFT:
        snap = latest
        correction = (snap.data or {}).get("correction")
        if correction is not None:  # a correction's draft rebuilt: it still corrects the same version
            if note:
                correction = {**correction, "note": note}
                snap.correction_note = note
            data = {**data, "correction": correction}
        snap.data = data
        snap.built_by = actor
        snap.save(update_fields=["data", "built_by", "correction_note", "modified_at"])
        action = "bulletins.snapshot.correct" if correction else "bulletins.snapshot.build"
        changes = {"week": [None, week], "version": [None, snap.version]}
    elif latest is None:
        snap = Snapshot.objects.create(
            region=setup.region, week=week, start=monday, end=sunday, version=1, data=data, built_by=actor
        )
        action, changes = "bulletins.snapshot.build", {"week": [None, week], "version": [None, 1]}
    else:
        if not note:
            raise Invalid(
                _("%(week)s 的通报已发布，重新生成即为更正：请填写更正说明（改了什么、为什么改）。") % {"week": week}
            )
        published = (
            latest
            if latest.status == SnapshotStatus.PUBLISHED
            else Snapshot.objects.filter(region=setup.region, week=week, status=SnapshotStatus.PUBLISHED)
            .order_by("-version")
            .first()
            or latest
        )
        version = latest.version + 1
        data = {
            **data,
            "correction": {
                "version": version,
                "note": note,
                "previous": {"version": published.version, "built_at": published.data.get("built_at")},
            },
        }
        snap = Snapshot.objects.create(
            region=setup.region,
            week=week,
            start=monday,
            end=sunday,
            version=version,
            data=data,
            built_by=actor,
            correction_note=note,
        )
        action = "bulletins.snapshot.correct"
        changes = {"week": [None, week], "version": [published.version, version], "note": [None, note]}
    audit.record(actor, action, snap, changes=changes)
    return snap


@transaction.atomic
def do_publish_snapshot(snap: Snapshot, *, actor: Person | None, scope: Scope) -> Snapshot:
    """A draft becomes the week's published bulletin (its number: the week's issue); the version it corrects is
    marked superseded and stays readable."""
    setup = queries.setup_of(snap.region)
    _refuse_build(scope, setup)
    snap = Snapshot.objects.select_for_update().get(pk=snap.pk)
    if snap.status != SnapshotStatus.DRAFT:
        raise Invalid(_("只有草稿可以发布：%(week)s 第 %(v)s 版已发布过。") % {"week": snap.week, "v": snap.version})
    latest = _latest(snap.region, snap.week)
    if latest is not None and latest.pk != snap.pk:
        raise Invalid(_("该版本已有更新的版本（第 %(v)s 版），请发布最新版本。") % {"v": latest.version})
    superseded = list(
        Snapshot.objects.select_for_update().filter(region=snap.region, week=snap.week, status=SnapshotStatus.PUBLISHED)
    )
    for old in superseded:
        old.status = SnapshotStatus.SUPERSEDED
        old.save(update_fields=["status", "modified_at"])
    snap.status = SnapshotStatus.PUBLISHED
    snap.number = int(snap.data.get("issue") or 0)
    snap.published_at = clock.now()
    snap.published_by = actor
    snap.save(update_fields=["status", "number", "published_at", "published_by", "modified_at"])
    audit.record(
        actor,
        "bulletins.snapshot.publish",
        snap,
        changes={
            "status": [SnapshotStatus.DRAFT, SnapshotStatus.PUBLISHED],
            "number": [None, snap.number],
            "superseded": [None, ", ".join(str(o.version) for o in superseded)] if superseded else [None, ""],
        },
    )
    if setup.send_on_publish:  # queued in the same transaction: the worker sends them once it is committed
        from zhili.bulletins import delivery

        for channel in delivery.configured_channels(setup):
            delivery.do_send(snap, channel, actor=actor, scope=scope)
    return snap


def may_read(scope: Scope, snap: Snapshot) -> bool:
    """Published (and superseded) versions for the bulletin's readers; drafts only for its builders."""
    if snap.status == SnapshotStatus.DRAFT:
        return policy.build_bulletins(scope, queries.setup_of(snap.region))
    return policy.read_bulletins(scope, snap.region)


@transaction.atomic
def do_export_snapshot(snap: Snapshot, fmt: str, *, actor: Person | None, scope: Scope) -> tuple[bytes, str, str]:
    """The bulletin as a file that leaves (docx, xlsx, md, html), rendered from the frozen data: one audit entry."""
    require(may_read(scope, snap), _("无权下载该通报。"))
    if fmt not in FORMATS:
        raise Invalid(_("不支持的格式“%(fmt)s”。") % {"fmt": fmt})
    from zhili.bulletins import render

    content, filename, content_type = render.render(snap.data, fmt)
    audit.record(actor, "bulletins.snapshot.export", snap, changes={"format": [None, fmt], "file": [None, filename]})
    return content, filename, content_type


# ---- setup and weights ---------------------------------------------------------------------------------------


SETUP_FIELDS = (
    "title",
    "issuer",
    "number_prefix",
    "weekday",
    "at",
    "scheduled",
    "send_on_publish",
    *SECRET_FIELDS,
)


def _shown(setup: BulletinSetup, key: str):
    value = getattr(setup, key)
    if key in SECRET_FIELDS:
        return mask(value)
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return value


@transaction.atomic
def do_update_setup(
    setup: BulletinSetup, data: dict, *, actor: Person | None, scope: Scope, revision: int | None
) -> BulletinSetup:
    """The bulletin's title, issuer, number prefix, schedule and robots. A robot's address or secret left empty
    keeps the one saved (pages never show it in full); a stale form is a 409."""
    require(policy.configure_bulletins(scope, setup.region), _("只有街道领导或系统管理员可以修改通报设置。"))
    setup = BulletinSetup.objects.select_for_update().get(pk=setup.pk)
    if revision is not None and int(revision) != setup.revision:
        raise Conflict(
            _("通报设置已于 %(at)s 被他人修改，请刷新后再改。")
            % {"at": f"{setup.modified_at.astimezone():%Y-%m-%d %H:%M}"}
        )
    weekday = data.get("weekday", setup.weekday)
    if weekday is not None and not 1 <= int(weekday) <= 7:
        raise Invalid(_("每周生成日应为 1（周一）至 7（周日）。"))
    for key in ("wecom_webhook_url", "dingtalk_webhook_url"):
        value = (data.get(key) or "").strip()
        if value and not value.startswith(("https://", "http://")):
            raise Invalid(_("机器人地址应以 https:// 开头。"))
    changes = {}
    for key in SETUP_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in SECRET_FIELDS or isinstance(value, str):
            value = (value or "").strip()
            if key in SECRET_FIELDS and not value:
                continue  # empty: keep the saved one
        if value != getattr(setup, key):
            old = _shown(setup, key)
            setattr(setup, key, value)
            changes[key] = [old, _shown(setup, key)]
    if changes:
        setup.revision += 1
        setup.save()
        audit.record(actor, "bulletins.setup", setup, changes=changes)
    return setup


def parse_weights(weights: dict) -> dict[str, Decimal]:
    out = {}
    for key in scoring.KEYS:
        raw = weights.get(key, scoring.DEFAULT_WEIGHTS[key])
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            raise Invalid(_("“%(label)s”的权重应为数字。") % {"label": scoring.label(key)}) from None
        if not value.is_finite() or value < 0 or value > 1000:
            raise Invalid(_("“%(label)s”的权重应在 0 至 1000 之间。") % {"label": scoring.label(key)})
        out[key] = value.quantize(Decimal("0.01"))
    if not sum(out.values()):
        raise Invalid(_("各分项权重不能全为 0。"))
    return out


@transaction.atomic
def do_set_weights(
    region: Region, year: int, weights: dict, *, actor: Person | None, scope: Scope, revision: int | None
) -> ScoreScheme:
    """The year's published weights of the village score (a stale form is a 409)."""
    require(policy.configure_bulletins(scope, region), _("只有街道领导或系统管理员可以修改通报评分权重。"))
    if not 2000 <= int(year) <= 2100:
        raise Invalid(_("年度无效。"))
    parsed = parse_weights(weights)
    scheme = ScoreScheme.objects.select_for_update().filter(region=region, year=year).first()
    stored = {k: scoring._n(v) for k, v in parsed.items()}
    if scheme is None:
        old = {k: scoring._n(v) for k, v in scoring.DEFAULT_WEIGHTS.items()}
        scheme = ScoreScheme.objects.create(region=region, year=year, weights=stored)
    else:
        if revision is not None and int(revision) != scheme.revision:
            raise Conflict(
                _("%(year)s 年的评分权重已于 %(at)s 被他人修改，请刷新后再改。")
                % {"year": year, "at": f"{scheme.modified_at.astimezone():%Y-%m-%d %H:%M}"}
            )
        old = dict(scheme.weights)
        if old == stored:
            return scheme
        scheme.weights = stored
        scheme.revision += 1
        scheme.save()
    audit.record(actor, "bulletins.weights", scheme, changes={"year": [None, year], "weights": [old, stored]})
    return scheme
