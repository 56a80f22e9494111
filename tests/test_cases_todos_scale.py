"""The home page's case to-dos at any size (issue 17, city scale): which open cases wait for a person, and for which
step, is asked of every case at once in the database (cases/todos.py: waiting, queries.taker_q). It must answer
what asking `flow.available(case, scope)` of each case answers — the old per-case loop, kept here as the
reference — for every kind of person and every state; and the home page shows each kind's most urgent cases with
the kind's full count."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import RequestFactory

from tests import cases_factory as cf
from zhili.cases import actions, flow
from zhili.cases.models import State
from zhili.cases.queries import OPEN_STATES, visible, with_pending_extension
from zhili.cases.todos import KIND, case_todos, waiting
from zhili.core.home import SHOWN_PER_KIND, todo_groups
from zhili.people.models import Person, Role, RoleAssignment, Unit
from zhili.people.scope import Scope, scope_for


def _per_case(scope: Scope) -> dict[str, list[int]]:
    """The old way: every open case read, flow.available asked of each; its first step of KIND is its to-do. The
    cases of each kind in the order the home page lists them (deadline, then id)."""
    cases = (
        with_pending_extension(visible(scope).filter(state__in=OPEN_STATES))
        .select_related("category", "subdistrict__case_rule", "assignee_region", "region")
        .order_by("step_deadline", "id")
    )
    out: dict[str, list[int]] = {}
    for case in cases:
        mine = [a for a in flow.available(case, scope) if a in KIND]
        if mine:
            out.setdefault(mine[0], []).append(case.pk)
    return out


def _in_the_database(scope: Scope) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for kind, pk in waiting(scope).order_by("step_deadline", "id").values_list("todo", "pk"):
        out.setdefault(kind, []).append(pk)
    return out


def _person(username: str, role: str, region, unit=None) -> Person:
    p = Person.objects.create_user(username=username, full_name=username, password="x" * 12)
    RoleAssignment.objects.create(person=p, role=role, region=region, unit=unit)
    return p


@pytest.fixture
def varied(world):
    """The demo's cases (every state, a tip), and more: each step of the loop in 孔家坊村 and in 阎桥村, a case
    sent to an office with a named officer, cases the leader and an office handled (who then may not verify),
    extension requests waiting (asked by a cadre, by the leader, by an office), a tip along its own loop, a
    parked case."""
    cf.setup(world.sub)
    economy = Unit.objects.get(region=world.sub, code="economy")
    for until in ["report", *cf.LOOP[:-1]]:
        case = cf.report(world.sub, world.kong_grid, photo=False, description=f"孔家坊 {until}")
        if until != "report":
            cf.drive(case, until)
        case = cf.report(world.sub, world.yan_grid, by="demo-leader", photo=False, description=f"阎桥 {until}")
        if until != "report":
            cf.drive(case, until, handler=world.outsider.username, verifier=world.yan_person.username)
    # an office's case with a named officer: handled and fed back by them
    case = cf.drive(cf.report(world.sub, world.kong_grid, photo=False), "file")
    case = cf.act(case, "dispatch", "demo-urban", unit=economy, handler=Person.objects.get(username="demo-economy"))
    case = cf.act(case, "handle", "demo-economy", photos=[cf.jpeg()])
    cf.act(case, "feedback", "demo-economy")
    # dispatched to the office, its extension asked by the office
    case = cf.drive(cf.report(world.sub, world.kong_grid, photo=False), "file")
    case = cf.act(case, "dispatch", "demo-urban", unit=economy)
    cf.act(case, "request_extension", "demo-economy", days=2, note="协调")
    # the leader handles and feeds back a village's case: the leader may not verify it, the inspector may
    case = cf.drive(cf.report(world.sub, world.kong_grid, photo=False), "dispatch")
    case = cf.act(case, "handle", "demo-leader", photos=[cf.jpeg()])
    cf.act(case, "feedback", "demo-leader")
    # extensions waiting, asked by the village's cadre and by the leader
    case = cf.drive(cf.report(world.sub, world.kong_grid, photo=False), "dispatch")
    cf.act(case, "request_extension", "demo-village", days=2, note="协调")
    case = cf.drive(cf.report(world.sub, world.kong_grid, photo=False), "dispatch")
    cf.act(case, "request_extension", "demo-leader", days=3, note="协调")
    case = cf.drive(cf.report(world.sub, world.kong_grid, photo=False), "dispatch")
    case = cf.act(case, "request_extension", "demo-village", days=2, note="协调")
    cf.act(case, "handle", "demo-village", photos=[cf.jpeg()])  # handled, the request still waiting
    # parked
    case = cf.drive(cf.report(world.sub, world.kong_grid, photo=False), "file")
    cf.act(case, "park", "demo-urban", note="待资金")
    # a tip along its loop, by two tip officers
    tips = Person.objects.get(username="demo-tips")
    second = _person("tips-second", Role.TIP_OFFICER, world.sub)
    for until in ("accept", "dispatch", "handle", "feedback"):
        tip = actions.do_submit_tip(subdistrict=world.sub, description=f"线索 {until}", origin="10.9.9.9")
        for step in ("accept", "file", "dispatch", "handle", "feedback"):
            extra = {"unit": economy} if step == "dispatch" else {"photos": [cf.jpeg()]} if step == "handle" else {}
            tip = cf.act(tip, step, tips.username, **extra)
            if step == until:
                break
    return {"tips-second": second}


PEOPLE = [
    "demo-leader",  # 街道领导
    "demo-urban",  # the dispatching centre's officer (城管办)
    "demo-economy",  # an office cases are dispatched to, named handler
    "demo-civil",  # an office with nothing dispatched to it
    "demo-village",  # 孔家坊村's cadre
    "demo-grid",  # 孔家坊村's grid inspector
    "demo-viewer",  # reads, takes no step
    "demo-tips",  # the tip officer
    "outsider",  # 阎桥村's cadre
    "yan-inspector",  # 阎桥村's grid inspector
    "tips-second",  # a second tip officer (verifies what the first handled)
    "superuser",
]


def _scope_of(name: str, world, varied) -> Scope:
    if name == "outsider":
        return scope_for(world.outsider)
    if name == "yan-inspector":
        return scope_for(world.yan_person)
    if name == "superuser":
        return scope_for(Person.objects.create_superuser(username="root-todos", password="x" * 12))
    if name in varied:
        return scope_for(varied[name])
    return scope_for(Person.objects.get(username=name))


def test_the_database_finds_the_same_to_dos_as_asking_each_case(world, varied):
    found: Counter = Counter()
    for name in PEOPLE:  # one test, the data built once: each person's answer is its own assertion message
        scope = _scope_of(name, world, varied)
        old = _per_case(scope)
        assert _in_the_database(scope) == old, name
        found.update({kind: len(pks) for kind, pks in old.items()})
    # the comparison means something: between them, the people have to-dos of every kind of the loop
    assert {"accept", "file", "dispatch", "handle", "feedback", "verify", "close"} <= set(found), found
    states = set(visible(scope_for(Person.objects.get(username="demo-leader"))).values_list("state", flat=True))
    assert {State.REPORTED, State.ACCEPTED, State.FILED, State.DISPATCHED, State.HANDLED, State.FEEDBACK} <= states


def _home_todos(person: Person):
    request = RequestFactory().get("/")
    request.user = person
    request.scope = scope_for(person)
    return todo_groups(case_todos(request))


def test_the_home_page_shows_each_kinds_count_and_most_urgent_cases(world, varied):
    for i in range(SHOWN_PER_KIND + 2):  # more of one kind than the page shows
        cf.drive(cf.report(world.sub, world.kong_grid, photo=False, description=f"多{i}"), "dispatch")
    for name in ["demo-leader", "demo-urban", "demo-village", "demo-grid", "demo-tips"]:
        person = Person.objects.get(username=name)
        old = _per_case(scope_for(person))
        groups = {str(g.kind): g for g in _home_todos(person)}
        assert set(groups) == {str(KIND[k]) for k in old}, name
        for kind, pks in old.items():
            group = groups[str(KIND[kind])]
            assert group.total == len(pks), (name, kind)
            assert [t.url for t in group.shown] == [f"/cases/{pk}/" for pk in pks[:SHOWN_PER_KIND]], (name, kind)
            assert group.hidden == max(0, len(pks) - SHOWN_PER_KIND), (name, kind)
            assert group.more_url.startswith("/cases/?state="), (name, kind)
    leader = {str(g.kind): g for g in _home_todos(Person.objects.get(username="demo-leader"))}
    assert leader[str(KIND["handle"])].hidden > 0


def test_a_viewer_and_an_empty_scope_have_no_case_to_dos(world, varied):
    assert _home_todos(Person.objects.get(username="demo-viewer")) == []
    nobody = Person.objects.create_user(username="nobody-todos", full_name="无角色", password="x" * 12)
    assert _home_todos(nobody) == []
