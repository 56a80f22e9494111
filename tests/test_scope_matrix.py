"""Runs tests/scope_matrix.py: every row × every persona, pages and API alike."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PERSONAS
from tests.scope_matrix import DENIED, HIDDEN, LOGIN, OK, ROWS
from zhili.core.models import AuditEntry
from zhili.people.actions import do_create_token

PERSONA_NAMES = [*PERSONAS, "outsider", "anonymous"]


def _status_matches(outcome: str, response, api: bool) -> bool:
    code = response.status_code
    if outcome == OK:
        return code in (200, 201) or (code == 302 and "/login/" not in response.get("Location", ""))
    if outcome == HIDDEN:
        return code == 404
    if outcome == DENIED:
        return code in (400, 403, 404)
    if outcome == LOGIN:
        return code == 401 if api else (code == 302 and "/login/" in response.get("Location", ""))
    raise AssertionError(outcome)


@pytest.mark.parametrize("persona", PERSONA_NAMES)
@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_scope(row, persona, world, as_persona):
    client = as_persona(persona)
    headers = {}
    if row.api and persona != "anonymous":
        user = client.session and world.outsider if persona == "outsider" else None
        from zhili.people.models import Person

        user = user or Person.objects.get(username=PERSONAS[persona])
        _, raw = do_create_token(user, name="matrix", actor=user)
        headers["Authorization"] = f"Bearer {raw}"
        client.logout()  # the API must work on the token alone
    url = row.url(world)
    before = AuditEntry.objects.count()
    data = row.data(world) if row.data else None
    if row.method == "GET":
        response = client.get(url, headers=headers)
    elif row.api:
        response = client.generic(
            row.method, url, json.dumps(data or {}), content_type="application/json", headers=headers
        )
    else:
        response = client.post(url, data or {}, headers=headers)
    expected = row.outcome(persona)
    assert _status_matches(expected, response, row.api), (
        f"{row.name} as {persona}: expected {expected}, got {response.status_code} "
        f"{response.content[:300].decode(errors='replace')}"
    )
    if expected == OK and row.check is not None:
        row.check(response, world, persona)
    if expected != OK and row.method != "GET":
        assert AuditEntry.objects.count() == before, f"{row.name} as {persona} wrote something"
