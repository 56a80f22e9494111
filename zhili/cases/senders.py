"""Citizens' and tipsters' network addresses: kept only for the rate limit, only as long as its window, and only as
a keyed digest.

An address is never stored. Its HMAC-SHA256 under a key derived from SECRET_KEY (Django's `salted_hmac`) is
written beside the case it sent (`RecentSender`) and deleted once older than the window: without the key the
digest does not tell which address sent it (an unsalted SHA-256 of an IPv4 address is reversed by trying all
2³² of them in seconds), and after the window nothing is left at all. The window runs on the real clock, not the
demo's day."""

from __future__ import annotations

import datetime
import time

from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from zhili.cases.models import Case, RecentSender
from zhili.core.errors import RateLimited

WINDOW = datetime.timedelta(hours=1)
_SALT = "zhili.cases.senders"


def digest(origin: str) -> str:
    return salted_hmac(_SALT, origin, algorithm="sha256").hexdigest()


def forget_old(now: datetime.datetime | None = None) -> int:
    """Delete every digest older than the window; returns how many."""
    deleted, _ = RecentSender.objects.filter(at__lt=(now or timezone.now()) - WINDOW).delete()
    return deleted


_last_sweep = 0.0


def forget_old_now_and_then(every_s: float = 60.0) -> int:
    """The worker's round (zhili.core.jobs): delete expired digests at most once a minute, so they go even when
    no new report comes — reading first, so an idle round takes no write lock. Returns 0: it never keeps the
    worker from resting."""
    global _last_sweep
    now = time.monotonic()
    if now - _last_sweep < every_s:
        return 0
    _last_sweep = now
    if RecentSender.objects.filter(at__lt=timezone.now() - WINDOW).exists():
        forget_old()
    return 0


def check(origin: str, per_window: int) -> None:
    """RateLimited when this address already sent `per_window` reports within the window."""
    if not origin:
        return
    now = timezone.now()
    forget_old(now)
    if RecentSender.objects.filter(digest=digest(origin), at__gte=now - WINDOW).count() >= per_window:
        raise RateLimited(
            _("同一网络地址一小时内最多提交 %(per_window)s 条，请稍后再试；紧急情况请拨打街道值班电话。")
            % {"per_window": per_window}
        )


def remember(case: Case, origin: str) -> None:
    """Note that this address sent `case` (for the window only)."""
    if origin:
        RecentSender.objects.create(digest=digest(origin), at=timezone.now(), case=case)


def earlier_case(origin: str, client_ref: str) -> Case | None:
    """The case a form with this random id already made from this address within the window (a retry)."""
    if not (origin and client_ref):
        return None
    found = (
        RecentSender.objects.filter(
            digest=digest(origin), case__client_ref=client_ref[:40], at__gte=timezone.now() - WINDOW
        )
        .select_related("case")
        .first()
    )
    return found.case if found else None
