"""Scope-matrix rows of the 后台任务 page (issue 15), appended to tests/scope_matrix.py's ROWS."""

from __future__ import annotations

from tests.scope_matrix import DENIED, HIDDEN, OK, Row

REASON = "矩阵：没有找到乡镇（街道）的系统管理员。"


def failed_run(w):
    """A failed background run of 太平's, made once per test (the matrix's furniture, not audited)."""
    from zhili.core.models import JobRun, RunStatus

    run, _created = JobRun.objects.get_or_create(
        kind="bulletins.build",
        key=f"{w.sub.code}:matrix",
        defaults={"region_path": w.sub.path, "status": RunStatus.FAILED, "attempts": 5, "error": REASON},
    )
    return run


def _shows_reason(response, w, persona):
    assert REASON in response.content.decode(), f"{persona} should see the failed run's reason"


ROWS = [
    Row("jobs page", lambda w: "/jobs/", {"leader": OK}),
    Row(
        "jobs page, failed",
        lambda w: (failed_run(w), "/jobs/?status=failed")[1],
        {"leader": OK},
        check=_shows_reason,
    ),
    Row("jobs page, bad status", lambda w: "/jobs/?status=x", {"leader": DENIED}),
    Row(
        "retry a failed job",
        lambda w: f"/jobs/{failed_run(w).pk}/retry/",
        {"leader": OK},
        default=HIDDEN,
        method="POST",
    ),
]
