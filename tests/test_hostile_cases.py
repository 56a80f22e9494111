"""The case loop under random sequences of steps by random people (issue 17): a hypothesis state machine.

Each example reports one case in 孔家坊's grid, then takes steps chosen at random — any action of the table in
zhili/cases/flow.py (and the combined ones), by any persona, with or without a reason, with stale revisions,
extension days out of range, a dispatch to both a unit and a village — and checks after every one:

* a step that succeeds is a legal transition of the documented table (its state is among the step's sources and
  the case is now in its target), and it wrote exactly one CaseEvent and one audit entry per step it took;
* a step that fails raises Refused / Invalid (ValidationError) / Conflict — never another exception — and wrote
  nothing: state, revision, events, audit entries and extension requests are as before;
* invariants: a terminal case (closed, rejected, void, merged) stays so — the table has no step out of it —;
  closed_at is set exactly when closed; a case being handled has its step deadline at the case's deadline; a
  dispatched case has a deadline; the verifier is never the handler; a viewer and a cadre of another village
  never move the case.

Every example runs in a savepoint rolled back at its end, so no state leaks between examples.
"""

from __future__ import annotations

import datetime
import os
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests import cases_factory as cf
from zhili.cases import actions, flow
from zhili.cases.models import TERMINAL, Case, CaseEvent, CaseRule, ExtensionRequest, State
from zhili.core.errors import Conflict, Refused
from zhili.core.models import AuditEntry
from zhili.people.models import Person, Unit
from zhili.people.scope import scope_for

pytestmark = pytest.mark.django_db

START = timezone.make_aware(datetime.datetime(2021, 9, 24, 10, 0))  # a Friday
PERSONAS = ["demo-urban", "demo-village", "demo-grid", "demo-leader", "demo-economy", "demo-viewer", "outsider"]
NEVER_ACT = {"demo-viewer", "outsider"}  # a read-only viewer; the cadre of 阎桥村, not the case's village
ACTIONS = sorted(flow.STEPS) + sorted(flow.COMBINED) + ["reopen", ""]
ENDINGS = {"reject", "void", "merge"}  # steps that end a case early
REACHED: Counter[str] = Counter()  # the states random sequences reached: the test is only as good as its reach
NOTES = ["", "已处理", "<script>alert(1)</script>", "x" * 501, "\u200b"]


class CaseLoop(RuleBasedStateMachine):
    """One case, random steps; the class attributes are set by the test (people, the photo, the world)."""

    people: dict[str, tuple[Person, object]] = {}
    world = None
    photo: bytes = b""

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        w = self.world
        self.at = START
        self.case = cf.report(w.sub, w.kong_grid, at=self.at, photo=False)
        self.master: Case | None = None
        self.urban = Unit.objects.get(region=w.sub, code="urban")

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _photos(self):
        return [SimpleUploadedFile("after.jpg", self.photo, content_type="image/jpeg")]

    def _snapshot(self):
        c = Case.objects.get(pk=self.case.pk)
        return (
            c.state,
            c.revision,
            CaseEvent.objects.filter(case=c).count(),
            AuditEntry.objects.filter(object_type="cases.case", object_id=str(c.pk)).count(),
            ExtensionRequest.objects.filter(case=c).count(),
        )

    @rule(
        who=st.sampled_from(PERSONAS),
        action=st.sampled_from(ACTIONS),
        note=st.sampled_from(NOTES),
        days=st.sampled_from([None, 0, 3, 31]),
        to=st.sampled_from(["village", "unit", "both", "none"]),
        stale=st.booleans(),
        with_photo=st.booleans(),
    )
    def step(self, who, action, note, days, to, stale, with_photo):
        self._take(who, action, note, days, to, stale, with_photo)

    def _take(self, who, action, note, days, to, stale, with_photo):
        actor, scope = self.people[who]
        self.at += datetime.timedelta(minutes=30)
        case = Case.objects.get(pk=self.case.pk)
        kwargs: dict = {"note": note, "at": self.at, "actor": actor, "scope": scope}
        if stale and case.revision > 0:
            kwargs["revision"] = case.revision - 1
        parts = flow.COMBINED[action].parts if action in flow.COMBINED else (action,)
        if "dispatch" in parts:
            if to in ("village", "both"):
                kwargs["village"] = actions.own_village(case)
            if to in ("unit", "both"):
                kwargs["unit"] = self.urban
        if "handle" in parts and with_photo:
            kwargs["photos"] = self._photos()
        if action == "merge":
            if self.master is None:
                self.master = cf.report(self.world.sub, self.world.kong_grid, at=START, photo=False)
            kwargs["master"] = self.master
        if action == "request_extension":
            kwargs["days"] = days
        before = self._snapshot()
        try:
            if action in flow.COMBINED:
                after_case = actions.do_act_steps(case, action, **kwargs)
            else:
                after_case = actions.do_act(case, action, **kwargs)
        except (Refused, Conflict, ValidationError) as exc:
            assert exc.messages and all(m.strip() for m in exc.messages), exc
            assert self._snapshot() == before, f"{who} {action} refused but wrote something"
            return
        # it succeeded: a legal transition of the table, recorded once per step
        state = before[0]
        for part in parts:
            step = flow.STEPS[part]
            assert state in step.sources, f"{who} took {part} from {state}"
            state = step.target or state
        assert after_case.state == state
        assert who not in NEVER_ACT, f"{who} took {action}"
        now = self._snapshot()
        assert now[0] == state
        assert now[1] == before[1] + len(parts)
        assert now[2] == before[2] + len(parts), "one CaseEvent per step"
        assert now[3] == before[3] + len(parts), "one audit entry per step"
        newest = AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by("-id")
        assert [e.action for e in newest[: len(parts)]][::-1] == [f"case.{p}" for p in parts]
        if before[0] in TERMINAL:
            raise AssertionError(f"a {before[0]} case moved on by {action}")

    @rule(data=st.data())
    def offered_step(self, data):
        """A step the case page offers someone, mostly one that moves the case on rather than ending it (so that
        random sequences reach the loop's later states, not only 不予受理 and 合并)."""
        case = Case.objects.get(pk=self.case.pk)
        options = [(who, a) for who in PERSONAS for a in flow.available(case, self.people[who][1])]
        if not options:
            return
        onward = [o for o in options if o[1] not in ENDINGS]
        pool = onward if onward and data.draw(st.integers(0, 4), label="onward") else options
        who, action = data.draw(st.sampled_from(pool), label="offered")
        self._take(who, action, "已核实处理", 3, "village", False, True)
        REACHED[Case.objects.get(pk=case.pk).state] += 1

    @rule(switch=st.booleans())
    def toggle_combined_handling(self, switch):
        """The subdistrict's rule may offer 处置并反馈 or not; the loop must hold either way."""
        CaseRule.objects.filter(subdistrict=self.world.sub).update(handle_with_feedback=switch)

    @invariant()
    def consistent(self):
        c = Case.objects.get(pk=self.case.pk)
        assert (c.closed_at is not None) == (c.state == State.CLOSED)
        if c.state == State.DISPATCHED:
            assert c.deadline is not None and c.step_deadline == c.deadline
        if c.dispatched_at is not None:
            assert c.deadline is not None
        if c.state in TERMINAL or c.state == State.PARKED:
            assert c.step_deadline is None
        if c.verified_at is not None and c.handled_by_id is not None and c.state in (State.VERIFIED, State.CLOSED):
            verifier = (
                CaseEvent.objects.filter(case=c, action="verify").order_by("-at", "-id").values_list("actor", flat=True)
            ).first()
            assert verifier != c.handled_by_id
        if c.state == State.MERGED:
            assert c.master_id is not None
        assert ExtensionRequest.objects.filter(case=c, decided_at__isnull=True).count() <= 1


def test_random_steps_by_random_people_keep_the_loop_legal(world):
    cf.setup(world.sub)
    people = {}
    for name in PERSONAS:
        p = world.outsider if name == "outsider" else Person.objects.get(username=name)
        people[name] = (p, scope_for(p))
    CaseLoop.people, CaseLoop.world, CaseLoop.photo = people, world, cf.jpeg(size=(64, 48)).read()
    run_state_machine_as_test(
        CaseLoop,
        settings=settings(
            max_examples=int(os.environ.get("ZHILI_HYPOTHESIS_EXAMPLES", "20")),
            stateful_step_count=20,
            deadline=None,
            # the same sequences every run and on either database: the assertion below that the loop got past
            # dispatching is then a fact about these sequences, not a chance (it failed one CI run in a few)
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # the random sequences got past dispatching (usually to 结案): the loop's later states were exercised, not only
    # refusals
    print("states reached:", dict(REACHED))
    assert State.DISPATCHED in REACHED, REACHED
