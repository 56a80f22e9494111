"""Security roles and logs as a 等保 level-3 assessment expects (issue 17): the three administrators (三员分立) and
what each may do through the pages; the log that nobody can change, kept and exportable; sign-ins, failures,
lockouts, permission changes, reveals and exports in it; the password rules and their age."""

from __future__ import annotations

import datetime
import importlib
import inspect
import io
import pathlib
import re

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from tests import cases_factory as cf
from tests.conftest import person
from tests.security_personas import admin_persona
from zhili.core import audit
from zhili.core.models import AuditEntry
from zhili.people.models import Person, Role, RoleAssignment
from zhili.people.validators import CharacterClassesValidator

pytestmark = pytest.mark.django_db


def signed_in(who: Person) -> Client:
    client = Client()
    client.force_login(who)
    return client


@pytest.fixture
def sysadmin(world):
    return admin_persona(world, "sysadmin")


@pytest.fixture
def security(world):
    return admin_persona(world, "security")


@pytest.fixture
def auditor(world):
    return admin_persona(world, "auditor")


# ---- 三员分立: the three administrators through the pages --------------------------------------------------------


def test_the_system_administrator_keeps_people_but_grants_no_administrator(world, sysadmin, security):
    client = signed_in(sysadmin)
    assert client.get("/people/").status_code == 200
    response = client.post(
        "/people/new/", {"username": "new-clerk", "full_name": "新文书", "region": world.yan.pk, "password": ""}
    )
    assert response.status_code == 302
    clerk = Person.objects.get(username="new-clerk")
    assert (
        client.post(f"/people/{clerk.pk}/roles/new/", {"role": "viewer", "region_code": world.yan.code}).status_code
        == 302
    )
    assert RoleAssignment.objects.active().filter(person=clerk, role=Role.VIEWER).exists()
    before = (RoleAssignment.objects.count(), AuditEntry.objects.count())
    for role in ("admin", "security_admin", "audit_admin"):
        response = client.post(f"/people/{clerk.pk}/roles/new/", {"role": role, "region_code": world.sub.code})
        assert response.status_code == 403 and "安全保密管理员" in response.content.decode(), role
    # nor keeps an administrator's account: whoever sets their password could act as them
    response = client.post(
        f"/people/{security.pk}/edit/", {"full_name": "改名", "region": world.sub.pk, "password": "Xx-12345678"}
    )
    assert response.status_code == 403
    assert (RoleAssignment.objects.count(), AuditEntry.objects.count()) == before
    assert client.get("/audit/").status_code == 404


def test_the_security_administrator_grants_the_administrators_roles_and_keeps_their_accounts(world, security, auditor):
    client = signed_in(security)
    target = person("demo-economy")
    assert client.get("/people/").status_code == 200
    assert client.get(f"/people/{target.pk}/").status_code == 200
    response = client.post(f"/people/{target.pk}/roles/new/", {"role": "audit_admin", "region_code": world.sub.code})
    assert response.status_code == 302
    granted = RoleAssignment.objects.get(person=target, role=Role.AUDIT_ADMIN)
    assert not granted.awaiting_confirmation
    assert AuditEntry.objects.filter(action="role.grant", object_id=str(granted.pk), actor=security).exists()
    assert client.post(f"/roles/{granted.pk}/end/", {"reason": "调岗"}).status_code == 302
    assert AuditEntry.objects.filter(action="role.end", object_id=str(granted.pk), actor=security).exists()
    # an audit administrator's password is the security administrator's to reset
    response = client.post(
        f"/people/{auditor.pk}/edit/",
        {"full_name": auditor.full_name, "region": world.sub.pk, "password": "Audit-2020-x"},
    )
    assert response.status_code == 302
    # … but people themselves (accounts of no administrator) are the system administrator's: no new person here
    assert client.post("/people/new/", {"username": "x9", "full_name": "某", "region": world.yan.pk}).status_code in (
        200,
        403,
    )
    assert not Person.objects.filter(username="x9").exists()
    # and never the log
    assert client.get("/audit/").status_code == 404
    # nobody grants themself a role
    response = client.post(f"/people/{security.pk}/roles/new/", {"role": "audit_admin", "region_code": world.sub.code})
    assert response.status_code == 403


def test_the_audit_administrator_reads_and_exports_the_log_and_changes_nothing(world, auditor):
    client = signed_in(auditor)
    assert client.get("/audit/").status_code == 200
    assert 'data-testid="audit-export"' in client.get("/audit/").content.decode()
    for url in ("/people/", "/units/", "/people/new/", f"/people/{world.yan_person.pk}/", "/jobs/"):
        assert client.get(url).status_code == 404, url
    before = AuditEntry.objects.count()
    for url, data in (
        (f"/people/{world.yan_person.pk}/roles/new/", {"role": "viewer", "region_code": world.yan.code}),
        (f"/people/{world.yan_person.pk}/archive/", {"reason": "试"}),
        (f"/roles/{world.yan_person.roles.first().pk}/end/", {"reason": "试"}),
        (f"/people/{world.yan_person.pk}/unlock/", {}),
    ):
        assert client.post(url, data).status_code in (403, 404), url
    assert AuditEntry.objects.count() == before
    # and reads nothing of the subdistrict's work
    assert client.get(f"/regions/{world.kong.code}/").status_code == 404


def test_a_tip_officers_grant_is_confirmed_by_a_security_administrator(world, security):
    leader = signed_in(person("demo-leader"))
    economy = person("demo-economy")
    leader.post(f"/people/{economy.pk}/roles/new/", {"role": "tip_officer", "region_code": world.sub.code})
    grant = RoleAssignment.objects.get(person=economy, role=Role.TIP_OFFICER)
    assert grant.awaiting_confirmation
    page = signed_in(security).get(f"/people/{economy.pk}/").content.decode()
    assert "确认授予" in page
    assert signed_in(security).post(f"/roles/{grant.pk}/confirm/").status_code == 302
    grant.refresh_from_db()
    assert not grant.awaiting_confirmation and grant.confirmed_by == security
    # only a security administrator ends it
    assert leader.post(f"/roles/{grant.pk}/end/", {"reason": "调岗"}).status_code == 403
    assert signed_in(security).post(f"/roles/{grant.pk}/end/", {"reason": "调岗"}).status_code == 302


# ---- the log: nobody changes or deletes it, through the app or otherwise -------------------------------------------


def test_no_page_changes_or_deletes_the_log_and_django_admin_is_not_installed(world, auditor):
    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    for url in ("/admin/", "/admin/core/auditentry/"):
        with pytest.raises(Resolver404):
            resolve(url)
    entry = AuditEntry.objects.latest("id")
    root = Person.objects.create_user(username="root", full_name="超级管理员", is_superuser=True)
    for who in (auditor, root):
        client = signed_in(who)
        for method in ("post", "put", "delete"):
            assert getattr(client, method)("/audit/").status_code == 405
            assert getattr(client, method)(f"/api/v1/audit?object_id={entry.object_id}").status_code == 405
    with pytest.raises(RuntimeError):
        entry.delete()
    with pytest.raises(RuntimeError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_no_command_prunes_the_log():
    """Kept at least 180 days: nothing in Zhili deletes audit entries (no prune command; the model, the queryset and
    the database refuse) — keeping them longer is the deployment's backup (docs/deploy.md)."""
    root = pathlib.Path(__file__).resolve().parent.parent / "zhili"
    found = []
    for path in root.rglob("*.py"):
        if "/migrations/" in path.as_posix() or path.name == "models.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"AuditEntry\.objects\.[^\n]*\.(delete|update)\(|DELETE FROM core_auditentry", text):
            found.append(path.relative_to(root).as_posix())
    assert found == []


# ---- the export ----------------------------------------------------------------------------------------------------


def _rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_the_audit_log_exports_a_date_range_and_the_export_is_audited(world, auditor):
    leader = person("demo-leader")
    audit.record(leader, "region.update", world.kong, changes={"note": ["", "导出测试"]}, reason="导出原因")
    today = timezone.localdate()
    response = signed_in(auditor).get(f"/audit/export.xlsx?from={today}&to={today}&actor=周太平")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _rows(response.content)
    header = rows[2]
    assert header[:3] == ["时间", "操作人", "操作"]
    body = rows[3:]
    assert any("导出原因" in (r[7] or "") and "导出测试" in (r[6] or "") for r in body)
    assert all(r[1] == "周太平" for r in body)
    entry = AuditEntry.objects.filter(action="audit.export").latest("id")
    assert entry.actor == auditor and entry.region_path == world.sub.path
    assert entry.changes["date_from"] == [None, today.isoformat()] and entry.changes["rows"] == [None, len(body)]
    assert entry.changes["filters"] == [None, {"actor": "周太平"}]
    # a range the wrong way round is refused with a sentence, and nothing is written
    client = signed_in(auditor)  # (signing in is audited too)
    before = AuditEntry.objects.count()
    response = client.get(f"/audit/export.xlsx?from={today}&to={today - datetime.timedelta(days=1)}")
    assert response.status_code == 400 and "起始日期不能晚于截止日期" in response.content.decode()
    assert AuditEntry.objects.count() == before


def test_the_export_seals_tips_for_an_auditor_who_is_no_tip_officer(world, auditor):
    cf.setup(world.sub)
    from zhili.cases import actions

    tip = actions.do_submit_tip(
        subdistrict=world.sub, description="某人强揽工程", contact_phone="13900000000", origin="10.5.5.5"
    )
    tip = cf.act(tip, "accept", "demo-tips", note="举报人称其表兄被威胁")
    rows = _rows(signed_in(auditor).get("/audit/export.xlsx?object=cases.case").content)[3:]
    text = repr(rows)
    assert tip.number not in text and "表兄" not in text
    assert any("保密" in (r[4] or "") and r[5] == str(tip.pk) for r in rows)
    assert AuditEntry.objects.filter(action="audit.export").latest("id").changes["sealed"][1] >= 1


# ---- sign-ins in the log -------------------------------------------------------------------------------------------


def test_sign_ins_failures_and_sign_outs_are_audited_without_the_password(world, settings):
    settings.AXES_FAILURE_LIMIT = 50
    who = person("demo-viewer")
    who.set_password("Viewer-2020-ok")
    who.save()
    client = Client(REMOTE_ADDR="10.20.30.40")
    client.post("/login/", {"username": "demo-viewer", "password": "wrong-Password-1"})
    client.post("/login/", {"username": "no-such-login", "password": "wrong-Password-2"})
    failed = list(AuditEntry.objects.filter(action="auth.login_failed").order_by("id"))[-2:]
    known, unknown = failed
    assert known.object_id == str(who.pk) and known.region_path == who.region.path and known.actor is None
    assert known.changes["username"] == [None, "demo-viewer"]
    assert known.changes["address"] == [None, "10.20.30.0/24"] and len(known.changes["address_key"][1]) == 12
    assert unknown.object_repr == "no-such-login" and unknown.region_path == "" and unknown.object_id == ""
    for e in failed:
        assert "wrong-Password" not in repr(e.changes) + e.object_repr + e.reason
        assert "10.20.30.40" not in repr(e.changes)
    response = client.post("/login/", {"username": "demo-viewer", "password": "Viewer-2020-ok"})
    assert response.status_code == 302
    login = AuditEntry.objects.filter(action="auth.login").latest("id")
    assert login.actor == who and login.changes["address"] == [None, "10.20.30.0/24"]
    client.post("/logout/")
    assert AuditEntry.objects.filter(action="auth.logout", actor=who).exists()
    # the same address, the same fingerprint: an auditor sees failures came from one place
    assert login.changes["address_key"] == known.changes["address_key"]
    # the auditor reads them in words
    html = signed_in(admin_persona(world, "auditor")).get("/audit/?object=赵查看").content.decode()
    assert "登录失败" in html and "来源地址" in html


def test_a_lockout_is_audited_and_the_security_administrator_unlocks(world, settings, security, sysadmin):
    settings.AXES_FAILURE_LIMIT = 3
    who = person("demo-viewer")
    client = Client(REMOTE_ADDR="10.20.30.41")
    for _ in range(4):
        client.post("/login/", {"username": "demo-viewer", "password": "wrong-Password-1"})
    assert AuditEntry.objects.filter(action="auth.lockout", object_id=str(who.pk)).exists()
    page = signed_in(security).get(f"/people/{who.pk}/").content.decode()
    assert 'data-testid="locked"' in page and "解除锁定" in page
    # the system administrator may not lift it …
    assert signed_in(sysadmin).post(f"/people/{who.pk}/unlock/").status_code == 403
    # … the security administrator does, and it is audited
    assert signed_in(security).post(f"/people/{who.pk}/unlock/").status_code == 302
    entry = AuditEntry.objects.filter(action="person.unlock", object_id=str(who.pk)).latest("id")
    assert entry.actor == security and entry.changes["attempts"][0] >= 1
    from axes.models import AccessAttempt

    assert not AccessAttempt.objects.filter(username="demo-viewer").exists()


# ---- what must be in the log: permission changes, reveals, exports -------------------------------------------------

# (module, function, the action it writes): every door to personal data or to rights. A new export or reveal adds
# its row here; test_every_export_and_reveal_is_listed finds one that did not.
AUDITED = [
    ("zhili.people.actions", "do_grant_role", "role.grant"),
    ("zhili.people.actions", "do_confirm_role", "role.confirm"),
    ("zhili.people.actions", "do_end_role", "role.end"),
    ("zhili.people.actions", "do_set_password", "person.set_password"),
    ("zhili.people.actions", "do_archive_person", "person.archive"),
    ("zhili.people.actions", "do_unlock_person", "person.unlock"),
    ("zhili.people.actions", "do_export_audit", "audit.export"),
    ("zhili.people.signins", "on_logged_in", "auth.login"),
    ("zhili.people.signins", "on_logged_out", "auth.logout"),
    ("zhili.people.signins", "on_login_failed", "auth.login_failed"),
    ("zhili.people.signins", "on_locked_out", "auth.lockout"),
    ("zhili.cases.actions", "do_view_confidential", "case.view_confidential"),
    ("zhili.cases.actions", "do_export_statistics", "case.export_statistics"),
    ("zhili.ledgers.actions", "do_reveal", "ledger.row.reveal"),
    ("zhili.ledgers.actions", "do_export_ledger", "ledger.export"),
    ("zhili.households.actions", "do_reveal", "households.reveal"),
    ("zhili.households.exports", "do_export_register", "households.export"),
    ("zhili.targets.actions", "do_export_board", "targets.export"),
    ("zhili.projects.actions", "do_export_gap", "tax.gap.export"),
    ("zhili.reports.actions", "do_export_filing", "reports.filing.export"),
    ("zhili.reports.actions", "do_export_template", "reports.version.export"),
    ("zhili.bulletins.actions", "do_export_snapshot", "bulletins.snapshot.export"),
    ("zhili.township.actions", "do_take_initial_passwords", "person.initial_passwords"),
]


@pytest.mark.parametrize("module,function,action", AUDITED, ids=[a[2] for a in AUDITED])
def test_permission_changes_reveals_and_exports_write_their_entry(module, function, action):
    source = inspect.getsource(getattr(importlib.import_module(module), function))
    assert f'"{action}"' in source and ("audit.record" in source or "_record(" in source)
    assert audit.action_label(action) != action, f"{action} has no name in the log (audit.describe)"


def test_every_export_and_reveal_is_listed():
    root = pathlib.Path(__file__).resolve().parent.parent / "zhili"
    pattern = re.compile(r"^def (do_(export|reveal|view_confidential|take_initial_passwords)\w*)\(", re.M)
    found = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root.parent).with_suffix("").as_posix().replace("/", ".")
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            found.add((rel, m.group(1)))
    listed = {(m, f) for m, f, _ in AUDITED}
    assert found - listed == set(), "exports or reveals missing from AUDITED"


# ---- passwords -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password,ok",
    [
        ("abcdefghijkl", False),  # one kind
        ("abcdefgh1234", False),  # two kinds
        ("Abcdefgh1234", True),  # three
        ("abcdefgh12#$", True),  # three, with symbols
        ("Ab1#", False),  # four kinds, too short
        ("12345678901234", False),  # all digits
    ],
)
def test_password_rules(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_the_character_rule_speaks_chinese_and_counts_kinds():
    v = CharacterClassesValidator(3)
    with pytest.raises(ValidationError) as refused:
        v.validate("abcdefgh1234")
    assert "大写字母、小写字母、数字、符号" in refused.value.messages[0] and "3 类" in refused.value.messages[0]
    assert v.kinds("aB3$") == 4 and CharacterClassesValidator(1).kinds("") == 0
    CharacterClassesValidator(1).validate("abcdefghij")


def test_the_password_settings_come_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from zhili import env

    monkeypatch.setenv("ZHILI_PASSWORD_CHAR_CLASSES", "5")
    with pytest.raises(ImproperlyConfigured, match="ZHILI_PASSWORD_CHAR_CLASSES"):
        env.envint("ZHILI_PASSWORD_CHAR_CLASSES", 3, minimum=1, maximum=4)
    text = (pathlib.Path(__file__).resolve().parent.parent / ".env.example").read_text(encoding="utf-8")
    for name in (
        "ZHILI_PASSWORD_MIN_LENGTH",
        "ZHILI_PASSWORD_CHAR_CLASSES",
        "ZHILI_PASSWORD_MAX_AGE_DAYS",
        "ZHILI_SESSION_IDLE_MINUTES",
        "ZHILI_LOGIN_FAILURE_LIMIT",
    ):
        assert f"{name}=" in text, name
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE == 120 * 60  # ZHILI_SESSION_IDLE_MINUTES' default


def test_a_password_older_than_the_maximum_age_must_be_changed(world, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    who = person("demo-viewer")
    who.set_password("Viewer-2020-ok")
    who.save()
    Person.objects.filter(pk=who.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    client = signed_in(who)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/account/")
    page = client.get("/account/").content.decode()
    assert 'data-testid="password-expired"' in page and "90 天" in page
    response = client.post(
        "/account/", {"form": "password", "old_password": "Viewer-2020-ok", "new_password": "Qz7-harbor-lamp"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    settings.PASSWORD_MAX_AGE_DAYS = 0
    Person.objects.filter(pk=who.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=900))
    who.refresh_from_db()
    assert signed_in(who).get("/").status_code == 200  # no maximum age: never
