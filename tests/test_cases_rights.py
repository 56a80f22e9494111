"""Who may be named, merged into and approved by: a handler is someone who may handle the unit's or village's cases,
a master case is one the dispatcher may see, an extension is decided by someone other than who asked for it; and
every refusal says what kind it is (403 not allowed, 400 cannot be used, 409 changed meanwhile) on the page and
the API alike (issue 9 items 7–9, issue 10 §2)."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from tests import cases_factory as cf
from tests.conftest import person
from zhili.cases import steps
from zhili.cases.models import Case, CaseEvent, ExtensionRequest, State
from zhili.core.models import AuditEntry
from zhili.people.actions import do_create_token
from zhili.people.models import Person, Role, RoleAssignment

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(datetime.datetime(2021, 3, 1, 9, 0))


def api_as(username: str) -> tuple[Client, dict]:
    who = person(username)
    _, token = do_create_token(who, name="t", actor=who)
    return Client(), {"Authorization": f"Bearer {token}"}


def written() -> tuple[int, int]:
    return CaseEvent.objects.count(), AuditEntry.objects.count()


# ---- 7. a handler is someone who may handle the cases of that unit or village ---------------------------------


def test_the_dispatcher_cannot_name_the_read_only_viewer_handler(world):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=AT), "file", at=AT)
    viewer = person("demo-viewer")
    client, auth = api_as("demo-urban")
    before = written()
    response = client.post(
        f"/api/v1/cases/{case.pk}/actions/dispatch", {"village": world.kong.code, "handler": viewer.pk}, headers=auth
    )
    assert response.status_code == 400 and response.json()["detail"] == steps.HANDLER_REFUSED
    assert written() == before and Case.objects.get(pk=case.pk).state == State.FILED
    # … so the viewer can never 处置 it
    viewer_client, viewer_auth = api_as("demo-viewer")
    assert viewer_client.post(f"/api/v1/cases/{case.pk}/actions/handle", headers=viewer_auth).status_code in (400, 403)


def test_a_handler_from_another_village_or_an_unknown_person_is_refused_alike(world, as_persona):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=AT), "file", at=AT)
    page = as_persona("urban")
    answers = []
    for handler in (world.outsider.pk, 987_654_321):  # 阎桥's secretary for 孔家坊; nobody
        response = page.post(f"/cases/{case.pk}/act/dispatch/", {"village": world.kong.code, "handler": handler})
        answers.append((response.status_code, steps.HANDLER_REFUSED in response.content.decode()))
    assert answers == [(400, True), (400, True)]
    assert Case.objects.get(pk=case.pk).state == State.FILED


def test_the_village_cadre_or_the_office_officer_may_be_named_handler(world):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=AT), "file", at=AT)
    case = cf.act(case, "dispatch", "demo-urban", village=world.kong, handler=person("demo-village"))
    assert case.handler.username == "demo-village"
    other = cf.drive(cf.report(world.sub, world.kong_grid, at=AT), "file", at=AT)
    urban = world.sub.units.get(code="urban")
    other = cf.act(other, "dispatch", "demo-urban", unit=urban, handler=person("demo-urban"))
    assert other.handler.username == "demo-urban"


def test_a_tips_handler_must_be_one_who_may_see_it(world):
    tip = _tip(world)
    officer = _tip_officer("tips-a")
    tip = cf.act(tip, "accept", officer.username)
    tip = cf.act(tip, "file", officer.username)
    urban = world.sub.units.get(code="urban")
    with pytest.raises(Exception, match="所选责任人不能办理"):
        cf.act(tip, "dispatch", officer.username, unit=urban, handler=person("demo-urban"))


# ---- 8. the master case is looked up through what the person may see ----------------------------------------


def test_a_case_cannot_be_merged_into_a_tip_and_a_tips_number_answers_like_an_unknown_one(world):
    case = cf.report(world.sub, world.kong_grid, at=AT)
    tip = _tip(world)
    client, auth = api_as("demo-urban")
    before = written()
    into_tip = client.post(f"/api/v1/cases/{case.pk}/actions/merge", {"master": tip.number}, headers=auth)
    into_nothing = client.post(f"/api/v1/cases/{case.pk}/actions/merge", {"master": "202199999999"}, headers=auth)
    assert into_tip.status_code == into_nothing.status_code == 400
    assert into_tip.json() == into_nothing.json() == {"detail": steps.MASTER_REFUSED}
    assert written() == before and Case.objects.get(pk=case.pk).state == State.REPORTED


def test_the_merge_action_itself_refuses_a_master_the_person_cannot_see(world):
    case = cf.report(world.sub, world.kong_grid, at=AT)
    with pytest.raises(Exception, match="未结案的主案件"):
        cf.act(case, "merge", "demo-urban", master=_tip(world))


# ---- 9. the approver is never the requester ---------------------------------------------------------------


def test_a_leader_cannot_approve_their_own_extension(world, as_persona):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=AT), "dispatch", at=AT)
    case = cf.act(case, "request_extension", "demo-leader", days=10, note="协调机械")
    page = as_persona("leader").get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="step-approve_extension"' not in page  # not offered …
    client, auth = api_as("demo-leader")
    before = written()
    response = as_persona("leader").post(f"/cases/{case.pk}/act/approve_extension/", {"revision": case.revision})
    assert response.status_code == 403 and "不能自己批准" in response.content.decode()  # … nor taken
    response = client.post(f"/api/v1/cases/{case.pk}/actions/deny_extension", {"note": "撤回"}, headers=auth)
    assert response.status_code == 403
    assert written() == before
    case.refresh_from_db()
    assert case.extension_count == 0


def test_another_leader_approves_the_extension(world):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=AT), "dispatch", at=AT)
    case = cf.act(case, "request_extension", "demo-leader", days=10, note="协调机械")
    deputy = Person.objects.create_user(username="deputy", full_name="副书记", password="x" * 12)
    RoleAssignment.objects.create(person=deputy, role=Role.LEADER, region=world.sub)
    case = cf.act(case, "approve_extension", "deputy")
    assert case.extension_count == 1
    decided = ExtensionRequest.objects.get(case=case)
    assert decided.requested_by.username == "demo-leader" and decided.decided_by == deputy


def test_the_demo_holds_no_extension_decided_by_its_requester(db):
    assert not ExtensionRequest.objects.filter(decided_by_id=F("requested_by_id")).exists()


# ---- typed refusals: one status table for pages and API -------------------------------------------------------


def test_a_refused_step_answers_with_the_status_of_its_kind_on_page_and_api(world, as_persona):
    case = cf.report(world.sub, world.kong_grid, at=AT)
    client, auth = api_as("demo-viewer")
    # not allowed (the viewer may read the case but not accept it): 403
    assert as_persona("viewer").post(f"/cases/{case.pk}/act/accept/", {}).status_code == 403
    assert client.post(f"/api/v1/cases/{case.pk}/actions/accept", headers=auth).status_code == 403
    # cannot be used now (not in this state): 400
    assert as_persona("urban").post(f"/cases/{case.pk}/act/close/", {}).status_code == 400
    # changed meanwhile: 409
    assert as_persona("urban").post(f"/cases/{case.pk}/act/accept/", {"revision": 99}).status_code == 409


def test_a_route_refused_to_a_non_configurer_is_403_and_a_bad_value_400(world, as_persona):
    category = cf.category(world.sub, "garbage")
    assert as_persona("urban").post("/cases/routes/", {"category": category.pk, "unit": "village"}).status_code == 403
    assert as_persona("leader").post("/cases/routes/", {"category": "abc", "unit": "village"}).status_code == 400


def _tip(world) -> Case:
    from zhili.cases import actions

    cf.setup(world.sub)
    return actions.do_submit_tip(subdistrict=world.sub, description="某人强揽工程", origin="10.3.3.3")


def _tip_officer(username: str) -> Person:
    from zhili.regions.models import Region

    officer = Person.objects.create_user(username=username, full_name=f"专管员{username}", password="x" * 12)
    sub = Region.objects.get(level=3, name="太平街道")
    RoleAssignment.objects.create(person=officer, role=Role.TIP_OFFICER, region=sub)
    return officer
