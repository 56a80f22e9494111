"""Confidential tips (扫黑除恶线索) stay with the tip officers: not through the audit log, not by granting oneself
the role, not by being a superuser; every opening is audited whatever the door; and the tipster's network address
is kept only as a keyed digest, only for the rate limit's window (issue 9 items 3, 5, 11; issue 10 §3)."""

from __future__ import annotations

import datetime
import hashlib
import importlib
import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from tests import cases_factory as cf
from tests.conftest import PERSONAS, person
from tests.security_personas import admin_persona
from zhili.cases import actions, senders
from zhili.cases.models import Case, RecentSender
from zhili.core.models import AuditEntry
from zhili.people.actions import do_create_token
from zhili.people.models import Person, Role, RoleAssignment
from zhili.people.scope import scope_for

pytestmark = pytest.mark.django_db

NOTE = "举报人称其表兄被威胁"  # a tip officer's free-text note: must never reach an administrator


@pytest.fixture
def tip(world) -> Case:
    cf.setup(world.sub)
    return actions.do_submit_tip(
        subdistrict=world.sub, description="某人强揽工程、威胁村民", contact_phone="13900000000", origin="10.5.5.5"
    )


@pytest.fixture
def officer(world) -> Person:
    found = person("demo-tips")
    assert scope_for(found).can_see_tips(world.sub.path)
    return found


def bearer(username_or_person) -> dict:
    who = username_or_person if isinstance(username_or_person, Person) else person(username_or_person)
    return {"Authorization": f"Bearer {do_create_token(who, name='t', actor=who)[1]}"}


def signed_in(who: Person) -> Client:
    client = Client()
    client.force_login(who)
    return client


# ---- 3. the audit log -----------------------------------------------------------------------------------


def test_an_administrator_reads_nothing_of_a_tip_in_the_audit_log(world, tip, officer, as_persona):
    opened = signed_in(officer)
    assert opened.get(f"/cases/{tip.pk}/").status_code == 200
    tip = cf.act(tip, "accept", "demo-tips", note=NOTE)
    assert AuditEntry.objects.filter(object_type="cases.case", object_id=str(tip.pk)).count() == 3
    # the system and the security administrators do not open the log at all (三员分立) …
    for who in (
        as_persona("leader"),
        signed_in(admin_persona(world, "sysadmin")),
        signed_in(admin_persona(world, "security")),
    ):
        assert who.get("/audit/").status_code == 404
    # … and the audit administrator reads who did what to which tip and when, sealed: never its number or notes
    auditor = signed_in(admin_persona(world, "auditor"))
    for url in ("/audit/", f"/audit/?object={tip.number}", "/audit/?object=cases.case"):
        html = auditor.get(url).content.decode()
        shown = html.split("<tbody>", 1)[1]  # the entries (the page echoes the filter itself above them)
        assert tip.number not in shown and NOTE not in shown and "view_confidential" not in shown, url
    shown = auditor.get("/audit/?object=cases.case").content.decode().split("<tbody>", 1)[1]
    assert shown.count("内容仅线索专管员可见") >= 3
    for who in ("demo-leader",):  # a system administrator: the audit API is the audit administrator's alone
        response = Client().get(f"/api/v1/audit?object_id={tip.pk}&object_type=cases.case", headers=bearer(who))
        assert response.status_code == 403 and "安全审计员" in response.json()["detail"]


def test_a_tip_officer_who_audits_reads_the_tips_entries(world, tip, officer):
    RoleAssignment.objects.create(person=officer, role=Role.AUDIT_ADMIN, region=world.sub)
    cf.act(tip, "accept", "demo-tips", note=NOTE)
    html = signed_in(officer).get(f"/audit/?object={tip.number}").content.decode()
    assert NOTE in html


def test_no_administrator_reads_a_tip_without_the_tip_officers_role(world, tip):
    """The system, security and audit administrators: not the tip, not in a list, not through the API."""
    for name in ("sysadmin", "security", "auditor"):
        who = admin_persona(world, name)
        client = signed_in(who)
        assert client.get(f"/cases/{tip.pk}/").status_code == 404, name
        assert tip.number not in client.get("/cases/?q=强揽").content.decode(), name
        assert Client().get(f"/api/v1/cases/{tip.pk}", headers=bearer(who)).status_code == 404, name


def test_a_superuser_reads_every_entry_but_a_tips(world, tip):
    root = Person.objects.create_user(username="root", full_name="超级管理员", is_superuser=True)
    html = signed_in(root).get("/audit/").content.decode().split("<tbody>", 1)[1]
    assert "载入演示数据" in html  # the log is there …
    assert tip.number not in html  # … without the tip


def test_entries_written_before_the_fix_are_marked_by_the_migration(world, tip):
    old = AuditEntry.objects.create(
        actor_name="严正明",
        action="case.view_confidential",
        object_type="cases.case",
        object_id=str(tip.pk),
        object_repr=str(tip),
        region_path=tip.path,
    )
    assert not old.confidential
    migration = importlib.import_module("zhili.cases.migrations.0005_confidential_audit_entries")

    class Editor:  # what RunPython hands the function: the connection and a way to run a statement
        def __init__(self):
            self.connection = connection

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    from django.db.migrations.loader import MigrationLoader

    state = MigrationLoader(connection).project_state(("cases", "0005_confidential_audit_entries"))
    migration.mark(state.apps, Editor())
    old.refresh_from_db()
    assert old.confidential
    # and the log is append-only again afterwards
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET reason = 'x' WHERE id = %s", [old.pk])


# ---- 5. nobody grants themself a role; the tip officer's role needs a second administrator ----------------


def test_an_administrator_cannot_grant_themself_the_tip_officers_role(world, tip, as_persona):
    leader = person("demo-leader")
    before = (RoleAssignment.objects.count(), AuditEntry.objects.count())
    response = as_persona("leader").post(
        f"/people/{leader.pk}/roles/new/", {"role": "tip_officer", "region_code": world.sub.code}
    )
    assert response.status_code == 403 and "不能给自己授予角色" in response.content.decode()
    headers = bearer(leader)
    before = (RoleAssignment.objects.count(), AuditEntry.objects.count())
    response = Client().post(
        f"/api/v1/people/{leader.pk}/roles",
        json.dumps({"role": "tip_officer", "region_code": world.sub.code}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 403
    assert (RoleAssignment.objects.count(), AuditEntry.objects.count()) == before
    assert as_persona("leader").get(f"/cases/{tip.pk}/").status_code == 404


def test_the_tip_officers_role_is_in_force_only_once_a_security_administrator_confirms_it(
    world, tip, officer, as_persona
):
    economy = person("demo-economy")
    response = as_persona("leader").post(
        f"/people/{economy.pk}/roles/new/", {"role": "tip_officer", "region_code": world.sub.code}, follow=True
    )
    assert "须由安全保密管理员确认后生效" in response.content.decode()
    grant = RoleAssignment.objects.get(person=economy, role=Role.TIP_OFFICER)
    assert grant.awaiting_confirmation and grant.granted_by.username == "demo-leader"
    assert as_persona("economy").get(f"/cases/{tip.pk}/").status_code == 404  # not in force yet
    # the tip officer sees the grant on their own page
    mine = signed_in(officer).get("/account/").content.decode()
    assert 'data-testid="tip-grants"' in mine and "刘经发" in mine and "待确认，尚未生效" in mine
    # neither the one who granted it nor the one who receives it confirms it
    assert as_persona("leader").post(f"/roles/{grant.pk}/confirm/").status_code == 403
    assert as_persona("economy").post(f"/roles/{grant.pk}/confirm/").status_code == 404
    grant.refresh_from_db()
    assert grant.awaiting_confirmation
    # nor a second system administrator (三员分立: confirming is the security administrator's) …
    second = Person.objects.create_user(username="admin2", full_name="第二管理员", password="x" * 12, region=world.sub)
    RoleAssignment.objects.create(person=second, role=Role.ADMIN, region=world.sub)
    assert signed_in(second).post(f"/roles/{grant.pk}/confirm/").status_code == 403
    grant.refresh_from_db()
    assert grant.awaiting_confirmation
    # … a security administrator does
    RoleAssignment.objects.create(person=second, role=Role.SECURITY_ADMIN, region=world.sub)
    assert signed_in(second).post(f"/roles/{grant.pk}/confirm/").status_code == 302
    grant.refresh_from_db()
    assert not grant.awaiting_confirmation and grant.confirmed_by == second
    assert as_persona("economy").get(f"/cases/{tip.pk}/").status_code == 200
    assert AuditEntry.objects.filter(action="role.confirm", object_id=str(grant.pk), actor=second).exists()
    assert "第二管理员" in signed_in(officer).get("/account/").content.decode()


def test_a_superuser_sees_no_tip_by_being_one(world, tip):
    root = Person.objects.create_user(username="root", full_name="超级管理员", is_superuser=True)
    client = signed_in(root)
    assert client.get(f"/cases/{tip.pk}/").status_code == 404
    assert tip.number not in client.get("/cases/?q=强揽").content.decode()
    assert Client().get(f"/api/v1/cases/{tip.pk}", headers=bearer(root)).status_code == 404
    # with the role (granted by someone else, confirmed by a third), they see it like any tip officer
    RoleAssignment.objects.create(person=root, role=Role.TIP_OFFICER, region=world.sub)
    assert client.get(f"/cases/{tip.pk}/").status_code == 200


def test_the_demo_personas_see_no_tip(world, tip, as_persona):
    for name in PERSONAS:
        assert as_persona(name).get(f"/cases/{tip.pk}/").status_code == 404


# ---- §3: opening a tip is an audited action, whatever the door ---------------------------------------------


def test_a_tip_read_through_the_api_is_audited(world, tip, officer):
    headers = bearer(officer)
    before = AuditEntry.objects.filter(action="case.view_confidential", object_id=str(tip.pk)).count()
    response = Client().get(f"/api/v1/cases/{tip.pk}", headers=headers)
    assert response.status_code == 200 and response.json()["description"].startswith("某人强揽工程")
    entries = AuditEntry.objects.filter(action="case.view_confidential", object_id=str(tip.pk))
    assert entries.count() == before + 1 and entries.latest("id").actor == officer and entries.latest("id").confidential


def test_the_statistics_export_is_audited_with_what_it_contained(world, as_persona):
    cf.report(world.sub, world.kong_grid)
    response = as_persona("village").get("/cases/stats.xlsx?by=village&state=open")
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="case.export_statistics").latest("id")
    assert entry.actor.username == "demo-village"
    assert entry.changes["by"] == [None, "village"] and entry.changes["filters"] == [None, {"state": "open"}]
    assert entry.changes["rows"][1] >= 1 and entry.changes["reported"][1] >= 1


# ---- 11. senders' addresses: a keyed digest, for the window only ---------------------------------------------


def _report(world, client: Client, ip: str, text: str):
    lng, lat = cf.point_in(world.kong_grid)
    form = {
        "s": world.sub.code,
        "category": cf.category(world.sub, "garbage").pk,
        "description": text,
        "lng": str(lng),
        "lat": str(lat),
    }
    return client.post("/public/report/", form, REMOTE_ADDR=ip)


def test_a_senders_address_is_kept_only_as_a_keyed_digest(world, client, settings):
    assert _report(world, client, "127.0.0.1", "地址测试").status_code == 302
    case = Case.objects.get(description="地址测试")
    kept = RecentSender.objects.get(case=case)
    plain = hashlib.sha256(b"127.0.0.1").hexdigest()
    assert kept.digest != plain and "127.0.0.1" not in kept.digest
    stored = json.dumps(list(Case.objects.filter(pk=case.pk).values()), default=str)
    assert "127.0.0.1" not in stored and plain not in stored
    settings.SECRET_KEY = "another-installation-" + "k" * 40
    assert senders.digest("127.0.0.1") != kept.digest  # without the key, the digest tells nothing


def test_a_senders_digest_is_gone_after_the_window_and_the_limit_starts_again(world, client):
    codes = [_report(world, client, "10.8.8.9", f"窗口{i}").status_code for i in range(6)]
    assert codes == [302] * 5 + [429]
    RecentSender.objects.update(at=timezone.now() - senders.WINDOW - datetime.timedelta(minutes=1))
    assert _report(world, client, "10.8.8.9", "窗口之后").status_code == 302
    assert RecentSender.objects.count() == 1  # the hour-old digests were deleted, only the new one is kept
    assert RecentSender.objects.get().case.description == "窗口之后"


def test_the_worker_drops_expired_digests_even_when_no_report_comes(world, client, monkeypatch):
    from zhili.core import jobs

    assert _report(world, client, "10.8.8.10", "无人再报").status_code == 302
    RecentSender.objects.update(at=timezone.now() - senders.WINDOW - datetime.timedelta(seconds=1))
    monkeypatch.setattr(senders, "_last_sweep", 0.0)
    jobs.run_once()
    assert not RecentSender.objects.exists()
