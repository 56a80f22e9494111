"""The scope is built once per request and never kept longer: a role granted or ended counts from the person's next
request, by every door (pages, the API with a session or a token). And the hand-written SQL scope_for and
get_region_or_404 run (python -m bench regions-subtree) answers exactly what the ORM queries they replace did."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import PERSONAS, person
from zhili.people import middleware
from zhili.people import scope as scope_module
from zhili.people.actions import do_create_token, do_end_role, do_grant_role
from zhili.people.models import Person, Role, RoleAssignment
from zhili.people.scope import Scope, get_region_or_404, scope_for
from zhili.regions.models import Level, Region

ACCESSES = ("read", "write", "admin", "people", "audit")


def _region_page(code: str) -> str:
    return f"/regions/{code}/"


def _admin() -> Person:
    return person("demo-leader")  # leader and system administrator of the subdistrict


# ---- a role's change counts from the next request ----------------------------------------------------------------


def test_a_role_granted_counts_from_the_next_request(world):
    outsider = world.outsider  # 阎桥村's secretary: 孔家坊村 is not theirs
    client = Client()
    client.force_login(outsider)
    assert client.get(_region_page(world.kong.code)).status_code == 404
    admin = _admin()
    do_grant_role(outsider, role=Role.VIEWER, region=world.sub, actor=admin, scope=scope_for(admin))
    assert client.get(_region_page(world.kong.code)).status_code == 200


def test_a_role_ended_counts_from_the_next_request(world):
    cadre = person(PERSONAS["village"])
    client = Client()
    client.force_login(cadre)
    assert client.get(_region_page(world.kong.code)).status_code == 200
    admin = _admin()
    for ra in RoleAssignment.objects.active().filter(person=cadre):
        do_end_role(ra, actor=admin, scope=scope_for(admin), reason="调离")
    assert client.get(_region_page(world.kong.code)).status_code == 404


@pytest.mark.parametrize("door", ["session", "token"])
def test_the_api_sees_a_role_change_on_the_next_request(world, door):
    outsider = world.outsider
    client = Client()
    headers = {}
    if door == "token":
        _, raw = do_create_token(outsider, name="cache", actor=outsider)
        headers["Authorization"] = f"Bearer {raw}"
    else:
        client.force_login(outsider)

    def read_paths() -> list[str]:
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 200, response.content[:300]
        return response.json()["read_paths"]

    assert world.sub.path not in read_paths()
    admin = _admin()
    ra = do_grant_role(outsider, role=Role.VIEWER, region=world.sub, actor=admin, scope=scope_for(admin))
    assert world.sub.path in read_paths()
    do_end_role(ra, actor=admin, scope=scope_for(admin), reason="借调结束")
    assert world.sub.path not in read_paths()


def test_a_grant_awaiting_confirmation_gives_nothing(world):
    outsider = world.outsider
    before = scope_for(outsider)
    RoleAssignment.objects.create(person=outsider, role=Role.VIEWER, region=world.sub, awaiting_confirmation=True)
    assert scope_for(outsider) == before


def test_one_request_builds_the_scope_once(world):
    """Every door of a page asks request.scope; it is built at most once for the request."""
    client = Client()
    client.force_login(person(PERSONAS["leader"]))
    with mock.patch.object(middleware, "scope_for", wraps=scope_for) as built:
        assert client.get(_region_page(world.sub.code)).status_code == 200
        assert built.call_count == 1
        assert client.get("/").status_code == 200
        assert built.call_count == 2  # a new request, a new scope


# ---- the hand-written SQL answers what the ORM did -----------------------------------------------------------


def _orm_scope_rows(p: Person) -> list[tuple]:
    return sorted(
        RoleAssignment.objects.active()
        .filter(person=p)
        .values_list("role", "region_id", "region__path", "unit_id", "unit__region__path", "region__parent_id"),
        key=repr,
    )


def test_the_roles_read_are_the_active_ones(world):
    ra = RoleAssignment.objects.create(
        person=world.outsider, role=Role.TIP_OFFICER, region=world.sub, awaiting_confirmation=True
    )
    RoleAssignment.objects.create(person=world.outsider, role=Role.VIEWER, region=world.district)
    RoleAssignment.objects.filter(pk=ra.pk).update(awaiting_confirmation=False)
    ended = RoleAssignment.objects.create(person=world.outsider, role=Role.VIEWER, region=world.city)
    RoleAssignment.objects.filter(pk=ended.pk).update(ended_at="2024-01-01T00:00:00Z")
    people = Person.objects.filter(roles__isnull=False).distinct()
    assert people.count() > 5
    for p in people:
        assert sorted(scope_module._active_roles(p.pk), key=repr) == _orm_scope_rows(p), p.username


def _three_villages(world) -> list[Region]:
    return list(Region.objects.filter(parent=world.sub, level=Level.VILLAGE).order_by("code")[:3])


def test_predecessors_are_walked_through_several_merges(world):
    a, b, c = _three_villages(world)
    Region.objects.filter(pk=a.pk).update(successor=b)
    Region.objects.filter(pk=b.pk).update(successor=c)
    assert scope_module._predecessor_paths([c.pk]) == {a.path, b.path}
    assert scope_module._predecessor_paths([b.pk, c.pk, c.pk]) == {a.path, b.path}
    assert scope_module._predecessor_paths([a.pk]) == set()


def test_a_successor_cycle_ends_the_walk(world):
    a, b, c = _three_villages(world)
    Region.objects.filter(pk=a.pk).update(successor=b)
    Region.objects.filter(pk=b.pk).update(successor=c)
    Region.objects.filter(pk=c.pk).update(successor=a)
    assert scope_module._predecessor_paths([c.pk]) == {a.path, b.path, c.path}


def _scopes(world) -> dict[str, Scope]:
    scopes = {name: scope_for(person(username)) for name, username in PERSONAS.items()}
    for username in ("demo-security", "demo-auditor"):
        scopes[username] = scope_for(person(username))
    scopes["outsider"] = scope_for(world.outsider)
    scopes["installation auditor"] = Scope(person_id=1, audit_paths=(world.city.path,), audits_installation=True)
    scopes["superuser"] = Scope(person_id=1, is_superuser=True)
    scopes["nobody"] = Scope(person_id=None)
    return scopes


def test_covers_answers_what_filter_does(world):
    everything = list(Region.objects.values_list("path", flat=True))
    for name, scope in _scopes(world).items():
        for access in ACCESSES:
            filtered = set(scope.filter(Region.objects.all(), "path", access=access).values_list("path", flat=True))
            covered = {p for p in everything if scope.covers(p, access=access)}
            assert covered == filtered, (name, access)
        assert scope.covers("", access="audit") == (scope.is_superuser or scope.audits_installation), name


def test_get_region_or_404_gives_the_region_the_orm_gave(world):
    scopes = _scopes(world)
    codes = [world.city.code, world.sub.code, world.kong.code, world.kong_grid.code, world.yan.code, "000000"]
    fields = [f.attname for f in Region._meta.concrete_fields]
    for name, scope in scopes.items():
        for access in ("read", "write", "admin"):
            for code in codes:
                expected = scope.filter(Region.objects.select_related("parent"), "path", access=access)
                expected = expected.filter(code=code).first()
                try:
                    got = get_region_or_404(scope, code, access=access)
                except Http404:
                    got = None
                assert (got is None) == (expected is None), (name, access, code)
                if got is None:
                    continue
                for f in fields:
                    g, e = getattr(got, f), getattr(expected, f)
                    assert g == e and type(g) is type(e), (f, g, e)
                assert got._state.db == expected._state.db and not got._state.adding
                with CaptureQueriesContext(connection) as queries:
                    parent = got.parent  # fetched with it, as select_related("parent") did
                assert not queries.captured_queries
                if expected.parent is None:
                    assert parent is None
                else:
                    assert [getattr(parent, f) for f in fields] == [getattr(expected.parent, f) for f in fields]


def test_get_region_or_404_is_one_query(world):
    scope = scope_for(person(PERSONAS["leader"]))
    with CaptureQueriesContext(connection) as queries:
        region = get_region_or_404(scope, world.kong_grid.code)
        assert region.parent == world.kong
    assert len(queries.captured_queries) == 1
