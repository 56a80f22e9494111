"""Scope-matrix rows of the bulletins' delivery pages (issue 15): the delivery log, a part's 重新发送 and
a week's 推送到群 — only those who build the bulletins (policy.build_bulletins: the subdistrict's leaders and
administrators, the office in charge; the demo names no office, so of the personas only the leader)."""

from __future__ import annotations

from tests.scope_matrix import ALL, DENIED, OK, Row, each

MATRIX_ROBOT = "http://127.0.0.1:9/cgi-bin/webhook/send?key=matrix-robot-0000"  # nothing is sent in the matrix


def published_week(w):
    """A published week of the demo's subdistrict with a WeCom robot set (the matrix's furniture, not audited)."""
    import datetime

    from tests.bulletins_sample import sample
    from zhili.bulletins import queries
    from zhili.bulletins.models import Snapshot, SnapshotStatus

    setup = queries.setup_of(w.sub)
    if setup.wecom_webhook_url != MATRIX_ROBOT:
        setup.wecom_webhook_url = MATRIX_ROBOT
        setup.save()
    snapshot, _made = Snapshot.objects.get_or_create(
        region=w.sub,
        week="2020-W40",
        version=1,
        defaults={
            "start": datetime.date(2020, 9, 28),
            "end": datetime.date(2020, 10, 4),
            "status": SnapshotStatus.PUBLISHED,
            "data": sample(),
        },
    )
    return snapshot


def failed_part(w):
    from zhili.bulletins.models import Channel, Delivery, DeliveryStatus

    found, _made = Delivery.objects.get_or_create(
        snapshot=published_week(w),
        channel=Channel.WECOM,
        part="markdown",
        defaults={
            "status": DeliveryStatus.FAILED,
            "attempts": 1,
            "log": [{"at": "2020-10-05T08:00:00+08:00", "outcome": "failed", "errcode": 93000, "message": "矩阵"}],
        },
    )
    return found


def _deliveries(w):
    from django.urls import reverse

    return reverse("bulletins:deliveries")


def _send(w):
    from django.urls import reverse

    s = published_week(w)
    return reverse("bulletins:send", args=[s.week, s.version])


def _resend(w):
    from django.urls import reverse

    return reverse("bulletins:delivery_resend", args=[failed_part(w).pk])


ROWS = [
    Row("bulletins delivery log", _deliveries, {"leader": OK, **each(ALL[1:], DENIED)}, default=DENIED),
    Row(
        "bulletins send to a group",
        _send,
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"channel": "wecom"},
    ),
    Row("bulletins resend a part", _resend, {"leader": OK}, default=DENIED, method="POST"),
]
