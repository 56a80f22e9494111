"""Sending a published bulletin to the chat groups: the actions (`do_send`, `do_resend`) and the worker's step
(`deliver_due`, registered in jobs.py; `deliver_now` for the command line runs the same code).

A bulletin goes to a group as parts, one `Delivery` row each, unique on (snapshot, channel, part) so a part is
never posted twice: WeCom gets "markdown" (or "markdown-1", "markdown-2" … when the text is longer than the
robot's 4,096 bytes), "image" (the ranking chart) and "file" (the .docx); DingTalk's custom robot takes no image
or file, so it gets the markdown parts only (5,000 bytes each, see robots.DINGTALK_MARKDOWN_BYTES).

The database is the queue (no broker on a government network). A worker reads the due parts with a plain read,
then claims each with one conditional UPDATE that only one worker wins — the claim moves the part to UNCERTAIN
and writes a "sending" entry in its log, so a worker that dies mid-send leaves the part UNCERTAIN (it may have
reached the group) rather than sending it again. The parts of one bulletin go in order: markdown before image
before file; a later part waits while an earlier one is queued or failed (after a failed markdown, the image alone
would make no sense in the group; resending the markdown lets the rest follow). Each robot takes 20 messages a
minute: the sends of the last 60 s are counted from the delivery logs (in the database, so the count holds across
workers; on PostgreSQL an advisory lock per robot makes count-and-claim one step, SQLite's IMMEDIATE transactions
already do) and a part over the limit is postponed, not sent. A try that delivered nothing is retried after 30 s,
60 s, 120 s … (at least 60 s after WeCom's 45009, 10 minutes after DingTalk's block), up to 5 tries; a try that
may have delivered (no answer after sending) is UNCERTAIN and is never retried by itself: a person checks the
group and asks `do_resend`. Each try appends {at, outcome, errcode, message, robot (masked), rid} to the log.

Neither the robots' keys nor DingTalk's secret is written anywhere: the log holds `robots.masked` and a digest.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.bulletins import queries, robots
from zhili.bulletins.models import Channel, Delivery, DeliveryStatus, Snapshot, SnapshotStatus
from zhili.core import audit
from zhili.core.errors import Invalid, require
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope
from zhili.regions.models import Region

log = logging.getLogger(__name__)

audit.describe(
    {
        "bulletins.delivery.send": gettext_lazy("推送通报到群"),
        "bulletins.delivery.resend": gettext_lazy("重新推送通报"),
    },
    fields={
        "bulletins.delivery.send": {"channel": gettext_lazy("渠道"), "parts": gettext_lazy("内容")},
    },
)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 30  # 30, 60, 120, 240 …
WINDOW = datetime.timedelta(seconds=60)
IN_FLIGHT = "sending"  # the log's outcome while a worker holds the part
STALE = datetime.timedelta(minutes=2)  # a "sending" older than this lost its worker
COUNTED = (IN_FLIGHT, robots.SENT, robots.UNCERTAIN)  # log outcomes that were messages to the robot
QUEUED = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


# ---- parts and robots ------------------------------------------------------------------------------------------


def part_order(part: str) -> tuple[int, int]:
    """markdown (then markdown-1, markdown-2 …) before image before file."""
    if part.startswith("markdown"):
        _name, _dash, n = part.partition("-")
        return (0, int(n) if n.isdigit() else 0)
    return (1, 0) if part == "image" else (2, 0)


def configured_channels(setup: Any) -> list[str]:
    """The chat groups the setup (or the environment, when the setup names none) has a robot for."""
    channels = []
    if setup.wecom_webhook_url or getattr(settings, "ZHILI_WECOM_WEBHOOK_URL", ""):
        channels.append(Channel.WECOM.value)
    if setup.dingtalk_webhook_url or getattr(settings, "ZHILI_DINGTALK_WEBHOOK_URL", ""):
        channels.append(Channel.DINGTALK.value)
    return channels


def robot_for(region: Region, channel: str) -> robots.WeCom | robots.DingTalk | None:
    """The subdistrict's robot for `channel`: its bulletin setup's, else the environment's (ZHILI_WECOM_WEBHOOK_URL;
    ZHILI_DINGTALK_WEBHOOK_URL with ZHILI_DINGTALK_SECRET); None when neither names one. ValueError (a Chinese
    sentence) when the address is malformed."""
    setup = queries.setup_of(region)
    if channel == Channel.WECOM:
        url = setup.wecom_webhook_url.strip() or getattr(settings, "ZHILI_WECOM_WEBHOOK_URL", "")
        return robots.WeCom(url) if url else None
    if channel == Channel.DINGTALK:
        if setup.dingtalk_webhook_url.strip():
            url, secret = setup.dingtalk_webhook_url.strip(), setup.dingtalk_secret
        else:
            url = getattr(settings, "ZHILI_DINGTALK_WEBHOOK_URL", "")
            secret = getattr(settings, "ZHILI_DINGTALK_SECRET", "")
        return robots.DingTalk(url, secret) if url else None
    return None


def robot_shown(region: Region, channel: str) -> str:
    """The robot as a page shows it (host and the key's last four characters), or "" when none is set."""
    try:
        robot = robot_for(region, channel)
    except ValueError:
        return _("地址格式不对")
    return robot.masked if robot is not None else ""


def _markdowns(data: dict, channel: str) -> list[str]:
    render_md = import_module("zhili.bulletins.render_md")  # the markdown renderer, beside this module

    limit = robots.WECOM_MARKDOWN_BYTES if channel == Channel.WECOM else robots.DINGTALK_MARKDOWN_BYTES
    return list(render_md.markdown(data, limit_bytes=limit))


def part_names(snapshot: Snapshot, channel: str) -> list[str]:
    """The parts `snapshot` goes to `channel` as, in order."""
    texts = _markdowns(snapshot.data, channel)
    names = ["markdown"] if len(texts) <= 1 else [f"markdown-{i}" for i in range(1, len(texts) + 1)]
    if channel == Channel.WECOM:
        if snapshot.data.get("villages"):  # an empty week ranks nobody: no chart
            names.append("image")
        names.append("file")
    return names


def _not_configured(channel: str) -> str:
    if channel == Channel.WECOM:
        return _(
            "还没有设置企业微信群机器人：请在通报设置中填写“企业微信群机器人地址”，"
            "或由系统管理员设置环境变量 ZHILI_WECOM_WEBHOOK_URL。"
        )
    return _(
        "还没有设置钉钉群机器人：请在通报设置中填写“钉钉群机器人地址”（启用加签时还要填“钉钉加签密钥”），"
        "或由系统管理员设置环境变量 ZHILI_DINGTALK_WEBHOOK_URL 和 ZHILI_DINGTALK_SECRET。"
    )


def ordered(deliveries: Iterable[Delivery]) -> list[Delivery]:
    return sorted(deliveries, key=lambda d: (d.snapshot_id, d.channel, part_order(d.part)))


def delivery_log(scope: Scope, sub: Region, limit: int = 300) -> list[Delivery]:
    """The delivery log of a subdistrict's bulletins: newest week and version first, each bulletin's parts in
    order (two queries: the rows with their snapshots)."""
    rows = list(
        scope.filter(Delivery.objects.filter(snapshot__region=sub), "snapshot__region__path")
        .select_related("snapshot")
        .order_by("-snapshot__week", "-snapshot__version", "channel", "created_at")[:limit]
    )
    return sorted(ordered(rows), key=lambda d: (d.snapshot.week, d.snapshot.version), reverse=True)


# ---- the actions ----------------------------------------------------------------------------------------------


@transaction.atomic
def do_send(snapshot: Snapshot, channel: str, *, actor: Person | None, scope: Scope) -> list[Delivery]:
    """Queue a published bulletin for a chat group: its parts for `channel`, made once (a second call returns the
    parts there are, and sends nothing again). The worker sends them; the delivery log shows how it went."""
    setup = queries.setup_of(snapshot.region)
    require(policy.build_bulletins(scope, setup), _("只有街道领导、系统管理员和牵头科室可以把通报推送到群。"))
    if snapshot.status != SnapshotStatus.PUBLISHED:
        raise Invalid(_("只有已发布的通报可以推送到群：这一期还没有发布，或已有更正后的新版本。"))
    if channel not in Channel.values:
        raise Invalid(_("请选择推送到企业微信群还是钉钉群。"))
    try:
        robot = robot_for(snapshot.region, channel)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    if robot is None:
        raise Invalid(_not_configured(channel))
    now = timezone.now()
    made = []
    for name in part_names(snapshot, channel):
        _delivery, created = Delivery.objects.get_or_create(
            snapshot=snapshot,
            channel=channel,
            part=name,
            defaults={"status": DeliveryStatus.PENDING, "next_attempt_at": now, "requested_by": actor},
        )
        if created:
            made.append(name)
    if made:
        audit.record(
            actor,
            "bulletins.delivery.send",
            snapshot,
            changes={"channel": [None, Channel(channel).label], "parts": [None, "、".join(made)]},
        )
    return ordered(Delivery.objects.filter(snapshot=snapshot, channel=channel))


def in_flight(delivery: Delivery, now: datetime.datetime | None = None) -> bool:
    """A worker holds the part right now (its "sending" entry is recent)."""
    now = now or timezone.now()
    last = delivery.log[-1] if delivery.log else None
    if delivery.status != DeliveryStatus.UNCERTAIN or not last or last.get("outcome") != IN_FLIGHT:
        return False
    at = datetime.datetime.fromisoformat(last["at"])
    return at > now - STALE


def resendable(delivery: Delivery) -> bool:
    """A person may ask for the part again: it failed, or may not have arrived (and no worker holds it)."""
    return delivery.status in (DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN) and not in_flight(delivery)


@transaction.atomic
def do_resend(delivery: Delivery, *, actor: Person, scope: Scope) -> Delivery:
    """Send a FAILED part again (after the robot's address was fixed), or an UNCERTAIN one (after a person checked
    the group and did not find it): back to the queue with five fresh tries. Parts after it that waited for it
    follow."""
    delivery = Delivery.objects.select_for_update().select_related("snapshot__region").get(pk=delivery.pk)
    setup = queries.setup_of(delivery.snapshot.region)
    require(policy.build_bulletins(scope, setup), _("只有街道领导、系统管理员和牵头科室可以重新推送通报。"))
    if not resendable(delivery):
        raise Invalid(_("只有发送失败或无法确认是否送达的内容可以重新发送。"))
    now = timezone.now()
    old = delivery.status
    entry = _entry(
        now, "resend", None, _("%(name)s 要求重新发送。") % {"name": actor.get_full_name() or actor.username}
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        log=[*delivery.log, entry],
        modified_at=now,
    )
    # the parts after it that were parked behind it
    Delivery.objects.filter(
        snapshot=delivery.snapshot_id, channel=delivery.channel, status=DeliveryStatus.PENDING, next_attempt_at=None
    ).update(next_attempt_at=now)
    delivery.refresh_from_db()
    audit.record(actor, "bulletins.delivery.resend", delivery, changes={"status": [old, delivery.status]})
    return delivery


# ---- the worker -----------------------------------------------------------------------------------------------


def _entry(at: datetime.datetime, outcome: str, errcode: int | None, message: str, **more: Any) -> dict:
    return {"at": at.isoformat(), "outcome": outcome, "errcode": errcode, "message": str(message), **more}


def _robot_lock(rid: str) -> None:
    """Make count-and-claim one step per robot across workers (PostgreSQL; SQLite's IMMEDIATE transactions
    serialise writers already)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(rid[:15], 16)])


def recent_sends(channel: str, rid: str, now: datetime.datetime) -> list[datetime.datetime]:
    """When this robot was sent a message in the 60 s before `now`, from the delivery logs (oldest first)."""
    since = now - WINDOW
    times = []
    for entries in Delivery.objects.filter(channel=channel, modified_at__gte=since).values_list("log", flat=True):
        for e in entries or ():
            if e.get("rid") == rid and e.get("outcome") in COUNTED:
                at = datetime.datetime.fromisoformat(e["at"])
                if since < at <= now:
                    times.append(at)
    return sorted(times)


def _waiting_for(delivery: Delivery, now: datetime.datetime) -> tuple[str, datetime.datetime | None] | None:
    """Why the part must wait for an earlier part of its bulletin: ("queued", when to look again) or ("failed",
    None: parked until that part is resent); None when it may go."""
    mine = part_order(delivery.part)
    earlier = [
        other
        for other in Delivery.objects.filter(snapshot=delivery.snapshot_id, channel=delivery.channel)
        if part_order(other.part) < mine
    ]
    # failed, or parked behind a failed one: park until a person resends it
    if any(o.status == DeliveryStatus.FAILED or (o.status in QUEUED and o.next_attempt_at is None) for o in earlier):
        return ("failed", None)
    queued = [o.next_attempt_at for o in earlier if o.status in QUEUED and o.next_attempt_at is not None]
    if queued:
        return ("queued", max(*queued, now + datetime.timedelta(seconds=1)))
    if any(in_flight(o, now) for o in earlier):
        return ("queued", now + datetime.timedelta(seconds=5))
    return None


def _content(delivery: Delivery) -> Callable[[robots.WeCom | robots.DingTalk], robots.Outcome]:
    """What to send for the part, as a call on its robot (rendered from the frozen snapshot: the same every try)."""
    data = delivery.snapshot.data
    part = delivery.part
    if part.startswith("markdown"):
        texts = _markdowns(data, delivery.channel)
        _name, _dash, n = part.partition("-")
        index = int(n) - 1 if n.isdigit() else 0
        if index >= len(texts):
            raise LookupError(part)
        title = f"{data.get('title', '')} {data.get('number') or data.get('week', '')}".strip()
        return lambda robot: robot.send_markdown(texts[index], title=title)
    if part == "image":
        png = import_module("zhili.bulletins.chart").ranking_png(data)
        return lambda robot: robot.send_image(png)
    if part == "file":
        body, filename, _ctype = import_module("zhili.bulletins.render").render(data, "docx")
        return lambda robot: robot.send_file(filename, body)
    raise LookupError(part)


def _finish(pk: int, now: datetime.datetime, outcome: robots.Outcome, robot: str, rid: str) -> None:
    """Write the try's outcome over its "sending" entry and decide what comes next."""
    with transaction.atomic():
        d = Delivery.objects.select_for_update().get(pk=pk)
        entries = list(d.log)
        if entries and entries[-1].get("outcome") == IN_FLIGHT:
            entries.pop()
        message = outcome.message
        next_at = None
        sent_at = d.sent_at
        if outcome.kind == robots.SENT:
            status = DeliveryStatus.SENT
            sent_at = now
        elif outcome.kind == robots.UNCERTAIN:
            status = DeliveryStatus.UNCERTAIN
        elif outcome.kind == robots.RETRY and d.attempts < MAX_ATTEMPTS:
            status = DeliveryStatus.RETRYING
            wait = max(BACKOFF_SECONDS * 2 ** (max(d.attempts, 1) - 1), outcome.wait)
            next_at = now + datetime.timedelta(seconds=wait)
        elif outcome.kind == robots.RETRY:
            status = DeliveryStatus.FAILED
            message = _("已尝试 %(n)s 次仍未送达，不再自动重试：%(last)s") % {"n": d.attempts, "last": outcome.message}
        else:
            status = DeliveryStatus.FAILED
        entries.append(_entry(now, outcome.kind, outcome.errcode, message, robot=robot, rid=rid))
        Delivery.objects.filter(pk=pk).update(
            status=status, next_attempt_at=next_at, sent_at=sent_at, log=entries, modified_at=now
        )
    log.info("bulletin part %s to %s: %s (errcode %s)", d, robot, outcome.kind, outcome.errcode)


def _fail_now(d: Delivery, now: datetime.datetime, message: str, robot: str = "") -> None:
    """Give up on a part that cannot be sent as it stands (no robot, a malformed address, nothing to send)."""
    Delivery.objects.filter(pk=d.pk, status=d.status, attempts=d.attempts).update(
        status=DeliveryStatus.FAILED,
        attempts=d.attempts + 1,
        next_attempt_at=None,
        log=[*d.log, _entry(now, robots.FAILED, None, message, robot=robot)],
        modified_at=now,
    )


def attempt(pk: int, now: datetime.datetime, *, force: bool = False) -> str:
    """One try of one part, if it is still queued (and due, unless `force`): "sent", "retry", "uncertain",
    "failed" — or "taken" (another worker has it), "waiting" (an earlier part first), "postponed" (the robot's
    20 a minute), "not due"."""
    d = Delivery.objects.select_related("snapshot__region").filter(pk=pk).first()
    if d is None or d.status not in QUEUED:
        return "taken"
    if not force and d.next_attempt_at is not None and d.next_attempt_at > now:
        return "not due"
    waiting = _waiting_for(d, now)
    if waiting is not None:
        Delivery.objects.filter(pk=pk, status=d.status, attempts=d.attempts).update(next_attempt_at=waiting[1])
        return "waiting"
    try:
        robot = robot_for(d.snapshot.region, d.channel)
    except ValueError as exc:
        _fail_now(d, now, str(exc))
        return robots.FAILED
    if robot is None:
        _fail_now(d, now, _not_configured(d.channel))
        return robots.FAILED
    shown, rid = robot.masked, robot.robot_id
    with transaction.atomic():
        _robot_lock(rid)
        sends = recent_sends(d.channel, rid, now)
        if len(sends) >= robots.RATE_PER_MINUTE:
            later = sends[-robots.RATE_PER_MINUTE] + WINDOW + datetime.timedelta(seconds=1)
            Delivery.objects.filter(pk=pk, status=d.status, attempts=d.attempts).update(next_attempt_at=later)
            return "postponed"
        # the claim: one conditional UPDATE that one worker wins
        taken = Delivery.objects.filter(
            pk=pk, status=d.status, attempts=d.attempts, next_attempt_at=d.next_attempt_at
        ).update(
            status=DeliveryStatus.UNCERTAIN,
            attempts=d.attempts + 1,
            log=[*d.log, _entry(now, IN_FLIGHT, None, _("正在发送。"), robot=shown, rid=rid)],
            modified_at=now,
        )
    if not taken:
        return "taken"
    try:
        send = _content(d)
    except Exception:  # a renderer's failure: nothing was sent, and another try would render the same
        log.exception("bulletin part %s could not be rendered", d)
        outcome = robots.Outcome(robots.FAILED, None, "render", _("生成这部分内容时出错，没有发送，请联系系统管理员。"))
    else:
        try:
            outcome = send(robot)
        except Exception:  # never leave a claimed part behind: the request may have gone out
            log.exception("bulletin part %s: sending to %s failed", d, shown)
            outcome = robots.Outcome(
                robots.UNCERTAIN, None, "error", _("发送时出现意外错误，无法确认是否送达，请先到群里查看。")
            )
    _finish(pk, now, outcome, shown, rid)
    return outcome.kind


def _due(now: datetime.datetime) -> list[int]:
    rows = list(
        Delivery.objects.filter(status__in=QUEUED, next_attempt_at__lte=now).values_list(
            "pk", "snapshot_id", "channel", "part"
        )[:200]
    )
    rows.sort(key=lambda r: (r[1], r[2], part_order(r[3])))
    return [r[0] for r in rows]


def deliver_due(now: datetime.datetime | None = None) -> int:
    """The worker's step: try every due part once, in order; returns how many tries were made."""
    clock: Callable[[], datetime.datetime] = (lambda: now) if now is not None else timezone.now
    tried = 0
    for pk in _due(clock()):
        if attempt(pk, clock()) in (robots.SENT, robots.RETRY, robots.UNCERTAIN, robots.FAILED):
            tried += 1
    return tried


def deliver_now(deliveries: Iterable[Delivery], *, wait_seconds: float = 10.0) -> list[Delivery]:
    """Send the given parts now, in order, through the same code as the worker (for the command line): a part
    over the robot's 20 a minute is waited for at most `wait_seconds`, else left queued — `waiting_sentence`
    says when it goes."""
    pks = [d.pk for d in ordered(deliveries)]
    deadline = time.monotonic() + wait_seconds
    force = True  # the first round sends what is queued at once; later rounds keep the backoff and the rate
    while True:
        for pk in pks:
            attempt(pk, timezone.now(), force=force)
        force = False
        left = list(Delivery.objects.filter(pk__in=pks, status__in=QUEUED))
        postponed = [d for d in left if d.next_attempt_at is not None]
        if not left or not postponed:
            break
        soonest = min(d.next_attempt_at for d in postponed if d.next_attempt_at is not None)
        pause = (soonest - timezone.now()).total_seconds()
        if time.monotonic() + max(pause, 0) > deadline:
            break
        time.sleep(max(pause, 0.05))
    return ordered(Delivery.objects.filter(pk__in=pks))


def waiting_sentence(delivery: Delivery, now: datetime.datetime | None = None) -> str:
    """Where a part stands, in a sentence (the delivery log's last column, the command line's report)."""
    now = now or timezone.now()
    if in_flight(delivery, now):
        return _("正在发送。")
    if delivery.status in QUEUED:
        if delivery.next_attempt_at is None:
            return _("等待前面的部分发送成功后再发。")
        seconds = int((delivery.next_attempt_at - now).total_seconds())
        if seconds > 0:
            return _("排队中，约 %(s)s 秒后发送（每个群机器人每分钟最多 20 条，失败后间隔递增重试）。") % {"s": seconds}
        return _("排队中，即将发送。")
    last = next((e for e in reversed(delivery.log or []) if e.get("outcome") != "resend"), None)
    if delivery.status == DeliveryStatus.UNCERTAIN and last and last.get("outcome") == IN_FLIGHT:
        return _("发送过程中断，无法确认是否送达：请先到群里查看，确实没有收到再重新发送。")
    return str(last.get("message", "")) if last else ""
