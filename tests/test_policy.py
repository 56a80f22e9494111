"""Every capability of zhili/people/policy.py × every demo persona: who may do what, in one table.

Each row is a question about objects of the demo and the personas for whom the answer is yes; everyone else
must get no. A new capability adds its row here.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import PERSONAS, person
from tests.security_personas import ADMIN_PERSONAS, admin_persona
from zhili.ledgers.models import Ledger
from zhili.people import policy
from zhili.people.models import Unit
from zhili.people.scope import scope_for
from zhili.targets.models import Task

# the security and the audit administrators (三员分立) answer no to every domain question: they hold no region's work
EVERYONE = (
    "leader",
    "economy",
    "urban",
    "civil",
    "village",
    "grid",
    "viewer",
    "outsider",
    "tips",
    "security",
    "auditor",
)


def _scope(world, name):
    if name in ADMIN_PERSONAS:
        return scope_for(admin_persona(world, name))
    if name == "outsider":
        return scope_for(world.outsider)
    if name == "tips":
        return scope_for(person("demo-tips"))
    return scope_for(person(PERSONAS[name]))


def _case(world, *, where, confidential=False, unit=None, village=None, handler_id=None, handled_by_id=None):
    """A case-shaped object (policy reads attributes only) in `where` (a Region)."""
    from zhili.cases.models import CaseRule

    rule = CaseRule.objects.filter(subdistrict=world.sub).first()
    return SimpleNamespace(
        path=where.path,
        confidential=confidential,
        subdistrict=SimpleNamespace(case_rule=rule),
        unit_id=unit.pk if unit else None,
        assignee_region_id=village.pk if village else None,
        assignee_region=village,
        handler_id=handler_id,
        handled_by_id=handled_by_id,
    )


def _grant(world, *, granted_by_id):
    """A grant of the tip officer's role to 阎桥's inspector, waiting for a second administrator."""
    return SimpleNamespace(
        awaiting_confirmation=True,
        ended_at=None,
        person_id=world.yan_person.pk,
        granted_by_id=granted_by_id,
        region=world.sub,
    )


def _urban(world):
    return Unit.objects.get(region=world.sub, code="urban")


def _gas(world):
    return Ledger.objects.select_related("region").get(region=world.sub, code="gas-conversion")  # owned by 城管办


def _reveals_in(paths, region) -> bool:
    return paths is None or any(region.path.startswith(p) for p in paths)


def _task(world, lead_code):
    return Task.objects.select_related("goal__region").filter(goal__region=world.sub, lead_unit__code=lead_code).first()


def _indicator_led_by(world, lead_code):
    from zhili.targets.models import Indicator

    return Indicator.objects.select_related("task__goal__region").filter(task=_task(world, lead_code)).first()


def _scheme(world, *, published):
    return SimpleNamespace(region=world.sub, subject="villages", published_to_villages=published)


CASES = [
    # (capability, call(world, scope), personas answering yes)
    ("manage gas-conversion ledger", lambda w, s: policy.manage_ledger(s, _gas(w)), ("leader", "urban")),
    (
        "define a ledger in the subdistrict",
        lambda w, s: policy.define_ledger(s, w.sub),
        ("leader", "economy", "urban", "civil"),
    ),
    (
        "write a 孔家坊 gas-conversion row",
        lambda w, s: policy.write_ledger_row(s, _gas(w), w.kong),
        ("leader", "urban", "village"),
    ),
    (
        "write a 阎桥 gas-conversion row",
        lambda w, s: policy.write_ledger_row(s, _gas(w), w.yan),
        ("leader", "urban", "outsider"),
    ),
    (
        "import into gas-conversion",
        lambda w, s: policy.import_into_ledger(s, _gas(w)),
        ("leader", "urban", "village", "grid", "outsider"),
    ),
    (
        "open demo-village's import into gas-conversion",
        lambda w, s: policy.see_import(s, SimpleNamespace(uploaded_by_id=person("demo-village").pk, region=w.sub)),
        ("leader", "village"),
    ),
    (
        "reveal a 孔家坊 identity number",
        lambda w, s: policy.reveal_identity(s, _gas(w), w.kong),
        ("leader", "urban", "village"),
    ),
    (
        "reveal a 阎桥 identity number",
        lambda w, s: policy.reveal_identity(s, _gas(w), w.yan),
        ("leader", "urban", "outsider"),
    ),
    (
        "reveal 阎桥 identity numbers in a list or an export (reveal_identity_paths)",
        lambda w, s: _reveals_in(policy.reveal_identity_paths(s, _gas(w)), w.yan),
        ("leader", "urban", "outsider"),
    ),
    (
        "reveal 孔家坊 grid-1 identity numbers in a list or an export",
        lambda w, s: _reveals_in(policy.reveal_identity_paths(s, _gas(w)), w.kong_grid),
        ("leader", "urban", "village"),
    ),
    ("dispatch a 孔家坊 case", lambda w, s: policy.dispatch_case(s, _case(w, where=w.kong_grid)), ("leader", "urban")),
    ("dispatch a tip", lambda w, s: policy.dispatch_case(s, _case(w, where=w.sub, confidential=True)), ("tips",)),
    ("see a tip", lambda w, s: policy.see_confidential(s, _case(w, where=w.sub, confidential=True)), ("tips",)),
    (
        "handle a case sent to 孔家坊",
        lambda w, s: policy.handle_case(s, _case(w, where=w.kong_grid, village=w.kong)),
        ("leader", "village"),
    ),
    (
        "handle a case sent to 城管办",
        lambda w, s: policy.handle_case(s, _case(w, where=w.yan_grid, unit=_urban(w))),
        ("leader", "urban"),
    ),
    (
        "verify a 孔家坊 grid-1 case",
        lambda w, s: policy.verify_case(s, _case(w, where=w.kong_grid)),
        ("leader", "urban", "grid"),
    ),
    (
        "verify a case one handled oneself",
        lambda w, s: policy.verify_case(s, _case(w, where=w.kong_grid, handled_by_id=s.person_id)),
        (),
    ),
    (
        "decide a 孔家坊 extension",
        lambda w, s: policy.decide_case_extension(s, _case(w, where=w.kong_grid)),
        ("leader",),
    ),
    (
        "decide one's own extension request",
        lambda w, s: policy.decide_case_extension(s, _case(w, where=w.kong_grid), requested_by_id=s.person_id),
        (),
    ),
    ("be named handler for 孔家坊", lambda w, s: policy.may_handle_cases_for(s, village=w.kong), ("leader", "village")),
    ("be named handler for 城管办", lambda w, s: policy.may_handle_cases_for(s, unit=_urban(w)), ("leader", "urban")),
    (
        "report a case in 孔家坊 grid 1",
        lambda w, s: policy.report_case(s, w.kong_grid),
        ("leader", "economy", "urban", "civil", "village", "grid"),
    ),
    (
        "report a case in 孔家坊 grid 2",
        lambda w, s: policy.report_case(s, w.kong_grid2),
        ("leader", "economy", "urban", "civil", "village"),
    ),
    ("configure cases", lambda w, s: policy.configure_cases(s, w.sub), ("leader",)),
    ("patrol 孔家坊 grid 1", lambda w, s: policy.patrol(s, w.kong_grid), ("grid",)),
    ("plan targets", lambda w, s: policy.plan_targets(s, w.sub), ("leader",)),
    (
        "author an 城管办-led task's indicators",
        lambda w, s: policy.author_indicators(s, _task(w, "urban")),
        ("leader", "urban"),
    ),
    (
        "report progress for 孔家坊",
        lambda w, s: policy.report_progress(s, w.ind_village, w.kong),
        ("leader", "urban", "village"),  # 城管办 leads the task
    ),
    (
        "report progress for 阎桥",
        lambda w, s: policy.report_progress(s, w.ind_village, w.yan),
        ("leader", "urban", "outsider"),
    ),
    (
        "export the subdistrict's target table",
        lambda w, s: policy.export_targets(s, w.sub),
        ("leader", "economy", "urban", "civil", "viewer"),
    ),
    (
        "export 孔家坊's target table",
        lambda w, s: policy.export_targets(s, w.kong),
        ("leader", "economy", "urban", "civil", "viewer", "village"),
    ),
    ("report an 城管办-led task done", lambda w, s: policy.lead_task(s, _task(w, "urban")), ("leader", "urban")),
    ("confirm, reopen, 催办 a task", lambda w, s: policy.decide_task(s, _task(w, "urban")), ("leader",)),
    ("reopen a reporting period", lambda w, s: policy.reopen_period(s, w.sub), ("leader",)),
    ("the leader's cockpit of the subdistrict", lambda w, s: policy.lead_subdistrict(s, w.sub), ("leader",)),
    (
        "催办 the villages of an 城管办-led indicator",
        lambda w, s: policy.remind_villages(s, _indicator_led_by(w, "urban")),
        ("leader", "urban"),
    ),
    (
        "read and answer a 催办 sent to 孔家坊",
        lambda w, s: policy.answer_village_reminder(s, SimpleNamespace(region=w.kong)),
        ("village",),
    ),
    (
        "see the villages' ranking, published to the villages",
        lambda w, s: policy.see_ranking(s, _scheme(w, published=True)),
        ("leader", "economy", "urban", "civil", "viewer", "village", "outsider"),
    ),
    (
        "see the villages' ranking, not published",
        lambda w, s: policy.see_ranking(s, _scheme(w, published=False)),
        ("leader", "economy", "urban", "civil", "viewer"),
    ),
    (
        "record an activity in 孔家坊",
        lambda w, s: policy.record_activity(s, w.kong),
        ("leader", "economy", "urban", "civil", "village"),
    ),
    # ---- people, roles, the audit log: see ADMIN_CASES below (the three administrators as well)
    # ---- projects and tax sources (经发办)
    (
        "keep the subdistrict's projects, enterprises and receipts",
        lambda w, s: policy.manage_projects(s, _tax_setup(w)),
        ("leader", "economy"),
    ),
    (
        "see 孔家坊's projects",
        lambda w, s: policy.read_projects(s, w.kong),
        ("leader", "economy", "urban", "civil", "viewer", "village"),
    ),
    (
        "see 阎桥's projects",
        lambda w, s: policy.read_projects(s, w.yan),
        ("leader", "economy", "urban", "civil", "viewer", "outsider"),
    ),
    (
        "see the subdistrict's tax figures",
        lambda w, s: policy.see_taxes(s, _tax_setup(w)),
        ("leader", "economy", "urban", "civil", "viewer"),
    ),
    (
        "record a request of an enterprise whose liaison is 阎桥's secretary",
        lambda w, s: policy.serve_enterprise(s, SimpleNamespace(liaison_id=w.outsider.pk), _tax_setup(w)),
        ("leader", "economy", "outsider"),
    ),
    (
        "record a request of an enterprise without a liaison",
        lambda w, s: policy.serve_enterprise(s, SimpleNamespace(liaison_id=None), _tax_setup(w)),
        ("leader", "economy"),
    ),
    # public works (公共工程): a 孔家坊 toilet of 城管办, a 阎桥 project of 农业办
    ("register a work of 城管办", lambda w, s: policy.manage_works(s, w.sub, _urban(w).pk), ("leader", "urban")),
    (
        "change a 孔家坊 work of 城管办",
        lambda w, s: policy.edit_work(s, _work(w, w.kong, "urban")),
        ("leader", "urban"),
    ),
    ("change a 阎桥 work of 农业办", lambda w, s: policy.edit_work(s, _work(w, w.yan, "agri")), ("leader",)),
    (
        "read a 孔家坊 work of 城管办",
        lambda w, s: policy.read_work(s, _work(w, w.kong, "urban")),
        ("leader", "economy", "urban", "civil", "viewer", "village"),
    ),
    (
        "read a 阎桥 work of 农业办",
        lambda w, s: policy.read_work(s, _work(w, w.yan, "agri")),
        ("leader", "economy", "urban", "civil", "viewer", "outsider"),
    ),  # 回头看 results: 孔家坊 as a whole village; a 孔家坊 household whose assistance officer is demo-grid
    (
        "record a 回头看 result for 孔家坊 as a whole village",
        lambda w, s: policy.check_round_target(s, _round_target(w, w.kong, None), _household_setup(w)),
        ("leader", "civil", "village"),
    ),
    (
        "record a 回头看 result for a 孔家坊 household whose officer is demo-grid",
        lambda w, s: policy.check_round_target(
            s, _round_target(w, w.kong, person("demo-grid").pk), _household_setup(w)
        ),
        ("leader", "civil", "village", "grid"),
    ),
    (
        "record a 回头看 result for a 阎桥 household without an officer",
        lambda w, s: policy.check_round_target(s, _round_target(w, w.yan, -1), _household_setup(w)),
        ("leader", "civil", "outsider"),
    ),
    # ---- office duty (村干部坐班)
    ("sign in for duty at 孔家坊", lambda w, s: policy.sign_in_for_duty(s, w.kong), ("village",)),
    ("sign in for duty at 阎桥", lambda w, s: policy.sign_in_for_duty(s, w.yan), ("outsider",)),
    ("record demo-village's sign-in", lambda w, s: policy.sign_in_as(s, person("demo-village").pk), ("village",)),
    ("record a sign-in naming nobody", lambda w, s: policy.sign_in_as(s, None), ()),
    ("sign in somewhere (the 坐班签到 page)", lambda w, s: policy.signs_in_somewhere(s), ("village", "outsider")),
    (
        "read 孔家坊's attendance",
        lambda w, s: policy.read_attendance(s, w.kong),
        ("leader", "economy", "urban", "civil", "viewer", "village"),
    ),
    (
        "read 阎桥's attendance",
        lambda w, s: policy.read_attendance(s, w.yan),
        ("leader", "economy", "urban", "civil", "viewer", "outsider"),
    ),
    ("set the radius, the late time and the offices", lambda w, s: policy.configure_duty(s, w.sub), ("leader",)),
    # ---- party building (党建): the office in charge is 党建办 (no demo login works there)
    ("keep the subdistrict's party work", lambda w, s: policy.manage_party(s, _party_setup(w)), ("leader",)),
    ("set the required meeting frequencies", lambda w, s: policy.configure_party(s, w.sub), ("leader",)),
    (
        "record 孔家坊 branch's meetings and members",
        lambda w, s: policy.keep_branch(s, _party_setup(w), SimpleNamespace(region=w.kong)),
        ("leader", "village"),
    ),
    (
        "record 阎桥 branch's meetings and members",
        lambda w, s: policy.keep_branch(s, _party_setup(w), SimpleNamespace(region=w.yan)),
        ("leader", "outsider"),
    ),
    (
        "see 孔家坊's party work",
        lambda w, s: policy.read_party(s, w.kong),
        ("leader", "economy", "urban", "civil", "viewer", "village"),
    ),
    # ---- households and assistance (民生户籍): 民政办 is the office in charge
    (
        "set the household work up, import registers, export personal data",
        lambda w, s: policy.manage_households(s, _household_setup(w)),
        ("leader", "civil"),
    ),
    (
        "see 孔家坊's households",
        lambda w, s: policy.read_households(s, w.kong),
        ("leader", "economy", "urban", "civil", "viewer", "village"),
    ),
    (
        "see 阎桥's households",
        lambda w, s: policy.read_households(s, w.yan),
        ("leader", "economy", "urban", "civil", "viewer", "outsider"),
    ),
    (
        "change a 孔家坊 household, its members and its checklist",
        lambda w, s: policy.write_household(s, _household(w, w.kong), _household_setup(w)),
        ("leader", "civil", "village"),
    ),
    (
        "log a visit to a 孔家坊 household whose assistance officer is 阎桥's secretary",
        lambda w, s: policy.visit_household(s, _household(w, w.kong, w.outsider.pk), _household_setup(w)),
        ("leader", "civil", "village", "outsider"),
    ),
    (
        "reveal the numbers of a household in demo-grid's grid",
        lambda w, s: policy.reveal_personal(s, _household(w, w.kong_grid), _household_setup(w)),
        ("leader", "civil", "village"),
    ),
    (
        "reveal the numbers of a 孔家坊 household whose assistance officer is 阎桥's secretary",
        lambda w, s: policy.reveal_personal(s, _household(w, w.kong, w.outsider.pk), _household_setup(w)),
        ("leader", "civil", "village", "outsider"),
    ),
    # ---- bulletins and review meetings (通报, 点评会): the office in charge is none by default
    (
        "read Taiping's published bulletins",
        lambda w, s: policy.read_bulletins(s, w.sub),
        ("leader", "economy", "urban", "civil", "viewer", "village", "grid", "outsider"),
    ),
    (
        "build, publish, correct and send the bulletins",
        lambda w, s: policy.build_bulletins(s, _bulletin_setup(w)),
        ("leader",),
    ),
    (
        "set the bulletin's issuer, schedule, weights and robots",
        lambda w, s: policy.configure_bulletins(s, w.sub),
        ("leader",),
    ),
    (
        "record a review meeting and its decisions",
        lambda w, s: policy.hold_review_meeting(s, _bulletin_setup(w)),
        ("leader",),
    ),
    (
        "report done a decision owned by 城管办",
        lambda w, s: policy.report_decision(s, _decision(w, unit="urban")),
        ("leader", "urban"),
    ),
    (
        "report done a decision owned by 孔家坊",
        lambda w, s: policy.report_decision(s, _decision(w, village=w.kong)),
        ("leader", "village"),
    ),
    ("销号 a decision", lambda w, s: policy.close_decision(s, _decision(w, village=w.kong)), ("leader",)),
    (
        "see a decision owned by 阎桥",
        lambda w, s: policy.read_decision(s, _decision(w, village=w.yan)),
        ("leader", "economy", "urban", "civil", "viewer", "outsider"),
    ),
    # ---- reports upward (上报): a form kept by 城管办
    (
        "read Taiping's upward report forms",
        lambda w, s: policy.read_reports(s, w.sub),
        ("leader", "economy", "urban", "civil", "viewer"),
    ),
    (
        "keep, fill, submit and send a form kept by 城管办",
        lambda w, s: policy.prepare_reports(s, _report_form(w, "urban")),
        ("leader", "urban"),
    ),
    ("add a form to Taiping's catalogue", lambda w, s: policy.add_report_forms(s, w.sub), ("leader",)),
    (
        "see 孔家坊's row of a village-level form",
        lambda w, s: policy.read_report_row(s, w.kong),
        ("leader", "economy", "urban", "civil", "viewer", "village"),
    ),
    (
        "fill 孔家坊's row of a form kept by 城管办",
        lambda w, s: policy.fill_report_row(s, _report_form(w, "urban"), w.kong),
        ("leader", "urban", "village"),
    ),
    (
        "review a form kept by 城管办",
        lambda w, s: policy.review_report(s, _report_form(w, "urban")),
        ("leader", "urban"),
    ),
    ("approve a form", lambda w, s: policy.approve_report(s, _report_form(w, "urban")), ("leader",)),
    ("see Taiping's background jobs", lambda w, s: policy.see_job_runs(s, w.sub.path), ("leader",)),
    ("see the installation's own background jobs", lambda w, s: policy.see_job_runs(s, ""), ()),
]


def _report_form(world, unit):
    """A report-form-shaped object (policy reads attributes only) kept by the office `unit`."""
    return SimpleNamespace(region=world.sub, unit_id=Unit.objects.get(region=world.sub, code=unit).pk)


def _bulletin_setup(world):
    from zhili.bulletins.queries import setup_of

    return setup_of(world.sub)


def _decision(world, *, unit=None, village=None):
    """A decision-shaped object (policy reads attributes only)."""
    unit_id = Unit.objects.get(region=world.sub, code=unit).pk if unit else None
    return SimpleNamespace(
        meeting=SimpleNamespace(region=world.sub),
        unit_id=unit_id,
        village_id=village.pk if village else None,
        village=village,
    )


def _household_setup(world):
    from zhili.households.queries import setup_of

    return setup_of(world.sub)


def _household(world, region, officer_id=None):
    """A household-shaped object (policy reads attributes only) in `region`."""
    return SimpleNamespace(path=region.path, officer_id=officer_id)


def _round_target(world, village, officer_id):
    """A round-target-shaped object (policy reads attributes only): a village (officer_id None) or a household of
    `village` with that officer (-1: none)."""
    household = None if officer_id is None else SimpleNamespace(officer_id=None if officer_id == -1 else officer_id)
    return SimpleNamespace(path=village.path, household=household)


def _party_setup(world):
    from zhili.party import queries

    return queries.setup_of(world.sub)


def _tax_setup(world):
    from zhili.projects import queries

    return queries.setup_of(world.sub)


def _work(world, region, unit_code):
    """A work-shaped object (policy reads attributes only) in `region`, led by the unit `unit_code`."""
    unit = Unit.objects.get(region=world.sub, code=unit_code)
    return SimpleNamespace(subdistrict=world.sub, region=region, unit_id=unit.pk)


def _grant_of(world, role, *, granted_by_id=-1):
    return SimpleNamespace(
        awaiting_confirmation=True,
        ended_at=None,
        person_id=world.yan_person.pk,
        granted_by_id=granted_by_id,
        region=world.sub,
        role=role,
    )


def _yan_person(world):
    return SimpleNamespace(pk=world.yan_person.pk, region=world.yan)


# 三员分立: who administers people, who secures roles and accounts, who reads the trace — demo-leader holds the
# system administrator's role beside the leader's; "sysadmin", "security" and "auditor" hold one each.
ADMINS = ("leader", "sysadmin", "security", "auditor", "tips", "viewer", "village")
ADMIN_CASES = [
    ("administer the subdistrict", lambda w, s: policy.administer(s, w.sub), ("leader", "sysadmin")),
    ("administer the installation", lambda w, s: policy.administer(s, None), ()),
    ("import the subdistrict's rosters", lambda w, s: policy.import_roster(s, w.sub), ("leader", "sysadmin")),
    (
        "open administration (people, roles)",
        lambda w, s: policy.open_administration(s),
        ("leader", "sysadmin", "security"),
    ),
    (
        "open a 阎桥 person's page",
        lambda w, s: policy.reach_person(s, _yan_person(w)),
        ("leader", "sysadmin", "security"),
    ),
    (
        "grant a viewer's role over 阎桥",
        lambda w, s: policy.grant_role(s, "viewer", w.yan),
        ("leader", "sysadmin", "security"),
    ),
    (
        "grant a leader's role over the subdistrict",
        lambda w, s: policy.grant_role(s, "leader", w.sub),
        ("leader", "sysadmin", "security"),
    ),
    (
        "propose a tip officer's role",
        lambda w, s: policy.grant_role(s, "tip_officer", w.sub),
        ("leader", "sysadmin", "security"),
    ),
    ("grant a system administrator's role", lambda w, s: policy.grant_role(s, "admin", w.sub), ("security",)),
    (
        "grant a security administrator's role",
        lambda w, s: policy.grant_role(s, "security_admin", w.sub),
        ("security",),
    ),
    ("grant an audit administrator's role", lambda w, s: policy.grant_role(s, "audit_admin", w.sub), ("security",)),
    (
        "end a viewer's role over 阎桥",
        lambda w, s: policy.end_role(s, "viewer", w.yan),
        ("leader", "sysadmin", "security"),
    ),
    ("end a tip officer's role", lambda w, s: policy.end_role(s, "tip_officer", w.sub), ("security",)),
    ("end an audit administrator's role", lambda w, s: policy.end_role(s, "audit_admin", w.sub), ("security",)),
    ("grant oneself a role", lambda w, s: policy.grant_role_to(s, SimpleNamespace(pk=s.person_id)), ()),
    (
        "confirm a tip officer's role one granted oneself",
        lambda w, s: policy.confirm_role_grant(s, _grant(w, granted_by_id=s.person_id)),
        (),
    ),
    (
        "confirm a tip officer's role another administrator granted",
        lambda w, s: policy.confirm_role_grant(s, _grant(w, granted_by_id=-1)),
        ("security",),
    ),
    (
        "keep a 阎桥 inspector's account (details, password, deactivation)",
        lambda w, s: policy.manage_account(s, _yan_person(w), guarded=False),
        ("leader", "sysadmin"),
    ),
    (
        "keep the account of an administrator or a tip officer of 阎桥",
        lambda w, s: policy.manage_account(s, _yan_person(w), guarded=True),
        ("security",),
    ),
    ("unlock a 阎桥 person's account", lambda w, s: policy.unlock_account(s, _yan_person(w)), ("security",)),
    ("read the audit log", lambda w, s: policy.read_audit_log(s), ("auditor",)),
    ("export the audit log", lambda w, s: policy.export_audit_log(s), ("auditor",)),
    ("read the subdistrict's audit entries", lambda w, s: s.can_audit(w.sub.path), ("auditor",)),
    ("see a tip", lambda w, s: policy.see_confidential(s, _case(w, where=w.sub, confidential=True)), ("tips",)),
    ("see Taiping's background jobs", lambda w, s: policy.see_job_runs(s, w.sub.path), ("leader", "sysadmin")),
    ("read 孔家坊's records", lambda w, s: s.can_read(w.kong.path), ("leader", "sysadmin", "viewer", "village")),
    ("set up the subdistrict's work", lambda w, s: s.can_configure(w.sub.path), ("leader", "sysadmin")),
]


@pytest.mark.parametrize("name,ask,yes", ADMIN_CASES, ids=[c[0] for c in ADMIN_CASES])
def test_three_administrators(world, name, ask, yes):
    answers = {p: bool(ask(world, _scope(world, p))) for p in ADMINS}
    wrong = {p: a for p, a in answers.items() if a != (p in yes)}
    assert wrong == {}, f"{name}: these personas got the wrong answer"


@pytest.mark.parametrize("name,ask,yes", CASES, ids=[c[0] for c in CASES])
def test_capability_by_persona(world, name, ask, yes):
    answers = {p: bool(ask(world, _scope(world, p))) for p in EVERYONE}
    wrong = {p: a for p, a in answers.items() if a != (p in yes)}
    assert wrong == {}, f"{name}: these personas got the wrong answer"


def test_no_role_names_outside_scope_and_policy():
    """Role names are turned into capabilities in one place; apps ask capabilities."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent / "zhili"
    # models, forms and actions of people name roles as data (which role to grant); a merge moves cadres' roles
    allowed = {
        "people/scope.py",
        "people/policy.py",
        "people/models.py",
        "people/forms.py",
        "people/actions.py",
        "regions/actions.py",
        # a township's set-up grants roles as data too: its first administrator, and what a 花名册's words name
        "township/actions.py",
        "township/words.py",
        "township/importer.py",
    }
    pattern = re.compile(
        r"scope\.roles|Role\.(LEADER|ADMIN|OFFICER|VILLAGE_CADRE|GRID_INSPECTOR|VIEWER|TIP_OFFICER|SECURITY_ADMIN"
        r"|AUDIT_ADMIN)"
        r"|\"leader\" in "
    )
    found = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel in allowed or "/migrations/" in rel or rel.startswith("demo/"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert found == [], "role checks outside zhili/people/scope.py and policy.py:\n" + "\n".join(found)
