"""/api/v1 fuzzed from its own OpenAPI document with schemathesis, in process against the WSGI app (issue 17).

For every operation django-ninja documents, schemathesis generates requests from the operation's schema —
valid ones and, in the negative mode, ones that break it (wrong types, missing fields, values out of bounds) —
and sends them with a personal API token, as a village cadre and as a leader. Every response must be no 5xx,
and a response the document describes must conform to it (its status, content type and body schema).

The examples per operation are bounded (ZHILI_API_EXAMPLES, 2 by default) so the test takes seconds; run with
ZHILI_API_EXAMPLES=100 for a longer hunt. Everything an example writes is rolled back with the test.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance
from schemathesis.generation import GenerationMode

from zhili.people.actions import do_create_token
from zhili.people.models import Person
from zhili.wsgi import application

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("ZHILI_API_EXAMPLES", "2"))
# the leader (who may do most) gets valid and invalid requests; the village cadre valid ones, fewer, for its scope
MODES = {
    "demo-leader": ((GenerationMode.POSITIVE, EXAMPLES), (GenerationMode.NEGATIVE, EXAMPLES)),
    "demo-village": ((GenerationMode.POSITIVE, EXAMPLES),),
}
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def in_process():
    """Requests served in this test's transaction: Django closes the connection at each request's end (which would
    end the transaction the test runs in); the test client does the same as this."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _token(username: str) -> str:
    who = Person.objects.get(username=username)
    return do_create_token(who, name="schemathesis", actor=who)[1]


def _operations():
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    out = []
    for result in schema.get_all_operations():
        out.append(result.ok())
    return out


def _fuzz(operation, headers: dict, mode: GenerationMode, examples: int) -> int:
    calls = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        nonlocal calls
        calls += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
    return calls


@pytest.mark.parametrize("username", ["demo-village", "demo-leader"])
def test_the_api_fuzzed_from_its_schema_gives_no_5xx_and_keeps_its_schema(world, in_process, username):
    headers = {"Authorization": f"Bearer {_token(username)}"}
    operations = _operations()
    assert len(operations) >= 15
    calls = 0
    for operation in operations:
        for mode, examples in MODES[username]:
            calls += _fuzz(
                operation, headers, mode, examples
            )  # a failure stops here: schemathesis says how to reproduce it
    print(f"{username}: {len(operations)} operations, {calls} requests")
