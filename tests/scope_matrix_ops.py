"""Scope-matrix rows of the operations endpoints (issue 17), appended to tests/scope_matrix.py's ROWS: liveness and
readiness answer everyone, signed in or not (a load balancer has no session), and say nothing of anyone's data."""

from __future__ import annotations

from tests.scope_matrix import ALL, OK, Row, each


def _says_nothing_of_data(response, w, persona):
    body = response.json()
    assert set(body) <= {"status", "database", "vendor", "scope"}, body


ROWS = [
    Row("healthz", lambda w: "/healthz", each(ALL, OK), anonymous=OK, check=_says_nothing_of_data),
    Row("readyz", lambda w: "/readyz", each(ALL, OK), anonymous=OK, check=_says_nothing_of_data),
    Row("readyz, web only", lambda w: "/readyz?scope=web", each(ALL, OK), anonymous=OK, check=_says_nothing_of_data),
]
