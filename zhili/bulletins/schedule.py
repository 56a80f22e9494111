"""The weekly bulletin on its own: a schedule (core/jobs.scheduled) and the run it enqueues (core/jobs.handler).

Every round of the worker, `weekly(now)` looks at the subdistricts whose setup says 按周自动生成: once the week's
moment (`BulletinSetup.weekday`, 1 = Monday, at `BulletinSetup.at`, in settings.TIME_ZONE) has passed, the week
that just ended is due, and a run "bulletins.build" is enqueued under the key "<region code>:<ISO week>" — so
calling it every round, from any number of workers, enqueues each week once. `now` is `core.clock.now()`: the
day Zhili sees (the demo's 2020), not the machine's.

The run (`build_week`) builds the week's snapshot and publishes it as the subdistrict's administrator, then —
when the setup says 发布后推送到群 — sends it to each chat group configured. A retry after a failure does not
build again what was published (it goes on to sending; a delivery is never posted twice, Delivery's unique
key), and a week published by hand before its moment gets no run at all.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.bulletins.models import BulletinSetup, Snapshot, SnapshotStatus
from zhili.core import jobs
from zhili.core.models import JobRun

KIND = "bulletins.build"


def iso_week(day: datetime.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def due_week(setup: BulletinSetup, now: datetime.datetime) -> str | None:
    """The ISO week that is due at `now` for `setup`: the previous week, once this week's moment has passed."""
    local = timezone.localtime(now) if timezone.is_aware(now) else now
    monday = local.date() - datetime.timedelta(days=local.isoweekday() - 1)
    weekday = min(max(setup.weekday or 1, 1), 7)
    moment = datetime.datetime.combine(monday + datetime.timedelta(days=weekday - 1), setup.at)
    if local.replace(tzinfo=None) < moment:
        return None
    return iso_week(monday - datetime.timedelta(days=1))


@jobs.scheduled
def weekly(now: datetime.datetime) -> int:
    """Enqueue the week that just ended for every scheduled subdistrict whose moment has passed, unless it was
    published by hand already (at most three queries whatever the number of subdistricts; two when every due
    week has its run)."""
    due: dict[str, tuple[BulletinSetup, str]] = {}
    for setup in BulletinSetup.objects.filter(scheduled=True).select_related("region"):
        week = due_week(setup, now)
        if week is not None:
            due[f"{setup.region.code}:{week}"] = (setup, week)
    if not due:
        return 0
    known = set(JobRun.objects.filter(kind=KIND, key__in=list(due)).values_list("key", flat=True))
    missing = {key: due[key] for key in due.keys() - known}
    if not missing:
        return 0
    published = set(  # a week published by hand before its moment needs no run
        Snapshot.objects.filter(
            region_id__in={s.region_id for s, _w in missing.values()},
            week__in={w for _s, w in missing.values()},
            status__in=[SnapshotStatus.PUBLISHED, SnapshotStatus.SUPERSEDED],
        ).values_list("region_id", "week")
    )
    enqueued = 0
    for key, (setup, week) in sorted(missing.items()):
        if (setup.region_id, week) not in published:
            payload = {"region_id": setup.region_id, "week": week}
            jobs.enqueue(KIND, key, payload=payload, region_path=setup.region.path)
            enqueued += 1
    return enqueued


@jobs.handler(KIND, label=_("生成并发布周通报"))
def build_week(run: JobRun) -> dict[str, Any]:
    """Build and publish the run's week as the subdistrict's administrator (publishing queues its messages to the
    chat groups when the setup says so: actions.do_publish_snapshot)."""
    from zhili.bulletins import actions
    from zhili.imports.cli import township_admin
    from zhili.people.scope import scope_for

    setup = BulletinSetup.objects.select_related("region").get(region_id=run.payload["region_id"])
    week = run.payload["week"]
    actor = township_admin(setup.region.code)  # its sentence, when there is none or several, is the reason
    scope = scope_for(actor)
    snapshot = (
        Snapshot.objects.filter(region=setup.region, week=week, status=SnapshotStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )
    built = snapshot is None
    if snapshot is None:  # each is its own transaction: a retry after publishing goes on to sending
        draft = actions.do_build_snapshot(setup, week, actor=actor, scope=scope)
        snapshot = actions.do_publish_snapshot(draft, actor=actor, scope=scope)
    sent = sorted(set(snapshot.deliveries.values_list("channel", flat=True)))
    return {"snapshot": snapshot.pk, "version": snapshot.version, "built": built, "sent": sent}
