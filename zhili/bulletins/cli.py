"""What `zhili bulletin …` does: whose scope (--user, by default the township's administrator), which subdistrict
(--township, by default that person's), which week; then the same actions as the pages — build a draft when the
week has none and the person may build, write the file from the frozen data (an audited export), or post the
published bulletin to a chat group through the delivery log."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from zhili.bulletins import actions, queries, snapshot
from zhili.bulletins.models import BulletinSetup, Snapshot, SnapshotStatus
from zhili.imports import cli as import_cli
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope

add_common_arguments = import_cli.add_common_arguments


def person_and_setup(username: str | None, code: str | None) -> tuple[Person, Scope, BulletinSetup]:
    """Who acts, with what scope, on which subdistrict's bulletins; a sentence when they may not read them."""
    person, scope, sub = import_cli.person_and_subdistrict(username, code)
    if not policy.read_bulletins(scope, sub):
        raise CommandError(
            _("“%(username)s”无权查看“%(name)s”的周通报。") % {"username": person.username, "name": sub.name}
        )
    return person, scope, queries.setup_of(sub)


def week_of(text: str) -> str:
    try:
        year, num, _monday, _sunday = snapshot.parse_week(text)
    except ValidationError as exc:
        raise CommandError(exc.messages[0]) from None
    return f"{year}-W{num:02d}"


def _sentence(exc: ValidationError) -> CommandError:
    return CommandError("；".join(exc.messages))


def snapshot_for(setup: BulletinSetup, week: str, person: Person, scope: Scope) -> tuple[Snapshot, bool]:
    """The version of `week` to render: the newest (a draft too) for a builder, else the published one; a week
    without any is built as a draft by a builder. (snapshot, whether it was built now)."""
    builds = policy.build_bulletins(scope, setup)
    snap = queries.latest_version(setup.region, week, drafts=builds)
    if snap is not None:
        return snap, False
    if not builds:
        raise CommandError(_("%(week)s 的通报尚未发布。") % {"week": week})
    try:
        return actions.do_build_snapshot(setup, week, actor=person, scope=scope), True
    except ValidationError as exc:
        raise _sentence(exc) from None


def build(setup: BulletinSetup, week: str, fmt: str, output: Path, person: Person, scope: Scope) -> str:
    """Write `week` as `fmt` to `output`; the sentence saying what was written."""
    snap, built = snapshot_for(setup, week, person, scope)
    try:
        content, _filename, _type = actions.do_export_snapshot(snap, fmt, actor=person, scope=scope)
    except ValidationError as exc:
        raise _sentence(exc) from None
    output.write_bytes(content)
    return _("%(built)s已写入 %(path)s：%(week)s 通报第 %(v)s 版（%(status)s），%(size)s 字节。") % {
        "built": _("已生成草稿；") if built else "",
        "path": output,
        "week": snap.week,
        "v": snap.version,
        "status": snap.get_status_display(),
        "size": len(content),
    }


def send(setup: BulletinSetup, week: str, channel: str, person: Person, scope: Scope) -> list[str]:
    """Post the week's published bulletin to a chat group now: one line per part with its outcome."""
    from zhili.bulletins import delivery  # the delivery log's module

    snap = queries.latest_version(setup.region, week, drafts=False)
    if snap is None or snap.status != SnapshotStatus.PUBLISHED:
        raise CommandError(_("%(week)s 的通报尚未发布，不能推送。") % {"week": week})
    try:
        deliveries = delivery.do_send(snap, channel, actor=person, scope=scope)
        done = delivery.deliver_now(deliveries)
    except ValidationError as exc:
        raise _sentence(exc) from None
    lines = []
    for d in done:
        last = d.log[-1] if d.log else {}
        message = last.get("message") if isinstance(last, dict) else ""
        lines.append(
            _("%(part)s：%(status)s%(message)s")
            % {"part": d.part, "status": d.get_status_display(), "message": f"（{message}）" if message else ""}
        )
    if not lines:
        lines.append(_("没有需要发送的内容（各部分均已发送过）。"))
    return lines
