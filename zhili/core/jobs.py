"""Background jobs: each app registers a run_once() that processes what is queued in its tables."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
_RUNNERS: list[Callable[[], int]] = []


def register(fn: Callable[[], int]) -> Callable[[], int]:
    _RUNNERS.append(fn)
    return fn


def run_once() -> int:
    return sum(fn() for fn in _RUNNERS)


def fresh_connection() -> None:
    """Between rounds of a long-running loop (never inside a request or a test's transaction)."""
    from django.db import close_old_connections

    close_old_connections()


def start_thread(interval: float = 1.0) -> threading.Thread:
    """For `zhili serve` (the demo): the same loop as `zhili worker`, in a daemon thread."""

    def loop():
        while True:
            try:
                fresh_connection()
                if not run_once():
                    time.sleep(interval)
            except Exception:  # keep serving; the job records its own failure
                log.exception("background job failed")
                time.sleep(interval)

    thread = threading.Thread(target=loop, name="zhili-worker", daemon=True)
    thread.start()
    return thread
