"""Who may do what: every domain rule about rights, in one vocabulary, built from the Scope's capabilities.

Pages, API endpoints, commands, the importer and the worker ask these questions (through the app's actions,
which raise `zhili.core.errors.Refused` when the answer is no); nothing else in Zhili reads role names
(`zhili.people.scope.scope_for` is the only place that turns roles into capabilities). A new domain app adds
its questions here, each a line or two over the Scope's capabilities, and a row per persona to
tests/test_policy.py.

The Scope's capabilities (zhili/people/scope.py):

    can_read(path)        see records of this region
    can_write(path)       add and change records of this region (its leaders, its village cadres, its inspectors)
    works_for(unit, path) an officer of this office (across the office's subdistrict)
    can_record(path)      add records about this region: its writers, or any office working there
    can_lead(path)        a leader's decisions: approvals, 销号, 催办, reopening
    can_configure(path)   set the subdistrict's work up: targets, ledger definitions, categories, rules
    can_admin(path)       people, units, regions, ordinary roles (the system administrator, 系统管理员)
    can_secure(path)      the administrators' and tip officers' roles and accounts (安全保密管理员)
    can_audit(path)       the audit log (安全审计员)
    can_patrol(path)      inspect this grid
    is_cadre_of(path)     a cadre of this village
    can_see_tips(path)    confidential tips of this subdistrict (the tip officer)

The objects are taken as they are (a ledger, a case, an indicator): only their attributes are read, so this
module imports no domain app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zhili.people.scope import Scope
    from zhili.regions.models import Region


# ---- ledgers (台账) ------------------------------------------------------------------------------


def define_ledger(scope: Scope, subdistrict: Region) -> bool:
    """Create a ledger in a subdistrict: its leaders and administrators, and its offices' officers."""
    return scope.can_configure(subdistrict.path) or any(p == subdistrict.path for p in scope.units.values())


def manage_ledger(scope: Scope, ledger: Any) -> bool:
    """Define a ledger and change its definition: the subdistrict's leaders and administrators, and the owning
    office's officers."""
    return scope.can_configure(ledger.region.path) or scope.works_for(ledger.unit_id)


def write_ledger_row(scope: Scope, ledger: Any, region: Region) -> bool:
    """Add, change or archive a row about `region`: its own writers, or the owning office's officers."""
    return scope.can_write(region.path) or scope.can_write_for_unit(ledger.unit_id, region.path)


def import_into_ledger(scope: Scope, ledger: Any) -> bool:
    """Upload a file to import: someone who may write some of the ledger's rows (never a read-only viewer)."""
    sub = ledger.region.path
    return (
        scope.is_superuser
        or manage_ledger(scope, ledger)
        or any(p.startswith(sub) or sub.startswith(p) for p in scope.write_paths)
    )


def see_import(scope: Scope, job: Any) -> bool:
    """Open an import (its preview, its rejected rows): who uploaded it, and who writes the whole region the
    target belongs to (its leaders)."""
    return job.uploaded_by_id == scope.person_id or scope.can_write(job.region.path)


def reveal_identity(scope: Scope, ledger: Any, region: Region) -> bool:
    """See an identity number unmasked (each time logged): the region's leaders, the owning office, the cadres of
    the person's own village."""
    return (
        scope.can_lead(region.path)
        or scope.works_for(ledger.unit_id, region.path)
        or (scope.is_cadre_of(region.path) and scope.can_write(region.path))
    )


def reveal_identity_paths(scope: Scope, ledger: Any) -> tuple[str, ...] | None:
    """Where `reveal_identity` says yes for this ledger, as region-path prefixes (None: everywhere), so that a
    list or an export can ask it of every row in one query."""
    if scope.is_superuser:
        return None
    paths = [*scope.lead_paths, *(p for p in scope.cadre_paths if scope.can_write(p))]
    if ledger.unit_id is not None and ledger.unit_id in scope.units:
        paths.append(scope.units[ledger.unit_id])
    return tuple(paths)


# ---- cases (网格事件) ----------------------------------------------------------------------------


def see_confidential(scope: Scope, case: Any) -> bool:
    """A confidential tip (扫黑除恶线索): content and reporter only for its subdistrict's tip officer."""
    return scope.can_see_tips(case.path)


def _center_unit_id(case: Any) -> int | None:
    rule = getattr(case.subdistrict, "case_rule", None)
    return rule.center_unit_id if rule else None


def dispatch_case(scope: Scope, case: Any) -> bool:
    """受理、立案、派遣、结案、挂账: the dispatching centre's officers and the subdistrict's leaders (for a tip:
    its tip officers)."""
    if case.confidential:
        return see_confidential(scope, case)
    return scope.can_lead(case.path) or scope.works_for(_center_unit_id(case), case.path)


def handle_case(scope: Scope, case: Any) -> bool:
    """处置、反馈、退回、申请延期: the dispatched office, the dispatched village's cadres, the named handler, and
    the subdistrict's leaders."""
    if case.handler_id and case.handler_id == scope.person_id:
        return True
    if case.confidential:
        return see_confidential(scope, case)
    if scope.works_for(case.unit_id):
        return True
    if case.assignee_region_id and scope.is_cadre_of(case.assignee_region.path):
        return scope.can_write(case.assignee_region.path)
    return scope.can_lead(case.path)


def verify_case(scope: Scope, case: Any) -> bool:
    """核查: the dispatcher or the grid's inspector — never the person who handled it."""
    if case.handled_by_id and case.handled_by_id == scope.person_id:
        return False
    if case.confidential:
        return see_confidential(scope, case)
    return dispatch_case(scope, case) or scope.can_patrol(case.path)


def decide_case_extension(scope: Scope, case: Any, *, requested_by_id: int | None = None) -> bool:
    """批准/驳回延期: the subdistrict's leaders (for a tip: its tip officers) — never the person who asked for
    the extension (`requested_by_id`)."""
    if requested_by_id is not None and requested_by_id == scope.person_id:
        return False
    if case.confidential:
        return see_confidential(scope, case)
    return scope.can_lead(case.path)


def may_handle_cases_for(handler_scope: Scope, *, unit: Any = None, village: Region | None = None) -> bool:
    """Whether a person (their scope) may be named handler of a case dispatched to `unit` or `village`: an
    officer of that office, or someone who writes that village's records (never a read-only viewer)."""
    if unit is not None:
        return handler_scope.works_for(unit.pk) or handler_scope.can_lead(unit.region.path)
    if village is not None:
        return handler_scope.can_write(village.path)
    return False


def report_somewhere(scope: Scope) -> bool:
    """Has anywhere to 上报 cases about: writes some region or works for some office (the report button)."""
    return scope.is_superuser or bool(scope.write_paths) or bool(scope.units)


def report_case(scope: Scope, region: Region) -> bool:
    """上报 a case about `region`: its writers (cadres, inspectors, leaders) or any office working there."""
    return scope.can_record(region.path)


def configure_cases(scope: Scope, subdistrict: Region) -> bool:
    """Categories, routing, the case rules: the subdistrict's administrators and leaders."""
    return scope.can_configure(subdistrict.path)


def patrol(scope: Scope, grid: Region) -> bool:
    """Start a patrol of `grid`: its inspector."""
    return scope.can_patrol(grid.path)


# ---- targets (目标任务) ---------------------------------------------------------------------------


def plan_targets(scope: Scope, subdistrict: Region) -> bool:
    """Goals, tasks, indicators, decomposition, ranking weights: the subdistrict's leaders and administrators."""
    return scope.can_configure(subdistrict.path)


def author_indicators(scope: Scope, task: Any) -> bool:
    """Add a task's indicators and edit, reorder or archive them: the subdistrict's planners, and the task's lead
    office (it knows its own figures)."""
    return plan_targets(scope, task.goal.region) or scope.works_for(task.lead_unit_id)


def report_progress(scope: Scope, indicator: Any, region: Region, unit: Any = None) -> bool:
    """Report (or correct) an indicator's progress for `region` (and `unit`): the region's writers, the task's
    lead office, or the office the share belongs to."""
    if scope.can_write(region.path):
        return True
    lead = indicator.task.lead_unit_id
    return (bool(lead) and scope.can_write_for_unit(lead, region.path)) or (
        unit is not None and scope.can_write_for_unit(unit.pk, region.path)
    )


def export_targets(scope: Scope, region: Region) -> bool:
    """Export the target table as seen from `region` (the subdistrict, or one village's shares): its readers."""
    return scope.can_read(region.path)


def lead_task(scope: Scope, task: Any) -> bool:
    """Report a task done (办结报告): its lead office or the subdistrict's leaders."""
    return scope.can_lead(task.goal.region.path) or scope.works_for(task.lead_unit_id)


def decide_task(scope: Scope, task: Any) -> bool:
    """Confirm 办结销号, reopen a task, send 催办: the subdistrict's leaders."""
    return scope.can_lead(task.goal.region.path)


def lead_subdistrict(scope: Scope, subdistrict: Region) -> bool:
    """Whose home is the leader's cockpit (what waits for their decision, the villages furthest behind): the
    subdistrict's leaders."""
    return scope.can_lead(subdistrict.path)


def remind_villages(scope: Scope, indicator: Any) -> bool:
    """催办 villages about their shares of an indicator: the subdistrict's leaders and the task's lead office."""
    return scope.can_lead(indicator.task.goal.region.path) or scope.works_for(indicator.task.lead_unit_id)


def answer_village_reminder(scope: Scope, reminder: Any) -> bool:
    """Read and answer a 催办 sent to a village: the village's cadres."""
    path = reminder.region.path
    return scope.is_cadre_of(path) and scope.can_write(path)


def see_ranking(scope: Scope, scheme: Any) -> bool:
    """A ranking: whoever reads the whole subdistrict; the cadres of its villages too once the township publishes
    the villages' ranking to them (RankingScheme.published_to_villages)."""
    sub = scheme.region.path
    if scope.can_read(sub):
        return True
    return (
        scheme.published_to_villages
        and scheme.subject == "villages"
        and any(p.startswith(sub) for p in scope.cadre_paths)
    )


def reopen_period(scope: Scope, subdistrict: Region) -> bool:
    """Reopen a closed reporting period: the subdistrict's leaders."""
    return scope.can_lead(subdistrict.path)


def record_activity(scope: Scope, region: Region) -> bool:
    """Log a meeting, training, talk or visit about `region`: its writers or an office working there."""
    return scope.can_record(region.path)


def archive_activity(scope: Scope, region: Region) -> bool:
    return scope.can_write(region.path)


# ---- people, roles, regions: the three administrators (三员分立) ------------------------------------------------
#
# The system administrator (`can_admin`) keeps people, units, regions and ordinary roles; the security administrator
# (`can_secure`) alone grants and ends the administrators' and tip officers' roles, confirms tip officers' grants,
# keeps the accounts of those who hold them and unlocks locked accounts; the audit administrator (`can_audit`) alone
# reads and exports the audit log and changes nothing. Nobody changes or deletes the log (core/models.AuditEntry).


def administer(scope: Scope, region: Region | None) -> bool:
    """People, units and regions of `region` (None: installation-wide, superusers only): its system
    administrators."""
    if region is None:
        return scope.is_superuser
    return scope.can_admin(region.path)


def import_roster(scope: Scope, subdistrict: Region) -> bool:
    """A subdistrict's villages, grids, people and their roles from its rosters (村居名册, 花名册): its
    administrators — the same who add them one by one."""
    return administer(scope, subdistrict)


def _guarded(role: str) -> bool:
    from zhili.people.scope import ADMIN_ROLES

    return role in ADMIN_ROLES


def reach_person(scope: Scope, person: Any) -> bool:
    """Open a person's page to grant or end their roles: the system and security administrators of the region
    whose people they are (superusers: everyone)."""
    path = person.region.path if getattr(person, "region", None) is not None else None
    if path is None:
        return scope.is_superuser
    return scope.can_admin(path) or scope.can_secure(path)


def grant_role(scope: Scope, role: str, region: Region) -> bool:
    """Grant `role` over `region`: an administrator's role (system, security, audit) only its security
    administrators; any other — the tip officer's too, which waits for a security administrator's confirmation
    (`grant_takes_effect_alone`) — its system or security administrators."""
    if _guarded(role):
        return scope.can_secure(region.path)
    return scope.can_admin(region.path) or scope.can_secure(region.path)


def end_role(scope: Scope, role: str, region: Region) -> bool:
    """End a role: an administrator's or a tip officer's only the region's security administrators; any other its
    system or security administrators."""
    from zhili.people.scope import GUARDED_ROLES

    if role in GUARDED_ROLES:
        return scope.can_secure(region.path)
    return scope.can_admin(region.path) or scope.can_secure(region.path)


def grant_role_to(scope: Scope, person: Any) -> bool:
    """Nobody grants a role to themself (the region rules are `grant_role`'s)."""
    return person.pk != scope.person_id


def grant_takes_effect_alone(role: str) -> bool:
    """Whether one administrator's grant of `role` is in force at once. The tip officer's role shows every tip
    with the tipster's name and phone: a grant of it is in force only when a security administrator — neither the
    one who granted it nor the one who receives it — confirms it, and the tip officers see every grant of it."""
    from zhili.people.scope import TIP_ROLES

    return role not in TIP_ROLES


def confirm_role_grant(scope: Scope, grant: Any) -> bool:
    """Confirm a grant waiting for confirmation (a tip officer's): a security administrator of its region who
    neither made the grant nor receives it."""
    return (
        grant.awaiting_confirmation
        and grant.ended_at is None
        and scope.person_id is not None
        and scope.person_id not in (grant.person_id, grant.granted_by_id)
        and scope.can_secure(grant.region.path)
    )


def manage_account(scope: Scope, person: Any, *, guarded: bool) -> bool:
    """Change someone's details, set their password, deactivate or restore them: the system administrators of
    their region — but when they hold an administrator's or a tip officer's role (`guarded`,
    scope.holds_guarded_role), only its security administrators: whoever sets such a person's password could act as
    them."""
    path = person.region.path if getattr(person, "region", None) is not None else None
    if path is None:
        return scope.is_superuser
    return scope.can_secure(path) if guarded else scope.can_admin(path)


def unlock_account(scope: Scope, person: Any) -> bool:
    """Lift a lockout after too many failed sign-ins (django-axes) before it runs out: the security administrators
    of the person's region."""
    path = person.region.path if getattr(person, "region", None) is not None else None
    return scope.is_superuser if path is None else scope.can_secure(path)


def open_administration(scope: Scope) -> bool:
    """Open the people, units and roles pages: a system or security administrator of some region."""
    return scope.opens_people


def read_audit_log(scope: Scope) -> bool:
    """Open the audit log (of the regions they audit): its audit administrators — not the system or security
    administrators, whose own work it records."""
    return scope.reads_audit


def export_audit_log(scope: Scope) -> bool:
    """Download the audit log as .xlsx (the export is itself audited): who reads it."""
    return read_audit_log(scope)


# ---- projects and tax sources (项目、税源) ----------------------------------------------------------


def manage_projects(scope: Scope, setup: Any) -> bool:
    """Keep a subdistrict's project ledger, monthly figures, enterprises and tax receipts (import, edit, export
    the gap): its leaders and administrators, and the officers of the office in charge (经发办)."""
    path = setup.region.path
    return scope.can_configure(path) or scope.works_for(setup.unit_id, path)


def read_projects(scope: Scope, region: Region) -> bool:
    """See the construction projects of `region` (a village cadre: their village's)."""
    return scope.can_read(region.path)


def see_taxes(scope: Scope, setup: Any) -> bool:
    """Tax figures — expected, received, the gaps, enterprises' taxes — are the subdistrict's: whoever reads the
    whole subdistrict and the office in charge; never a village's cadres alone (涉税信息)."""
    path = setup.region.path
    return scope.can_read(path) or scope.works_for(setup.unit_id, path)


def serve_enterprise(scope: Scope, enterprise: Any, setup: Any) -> bool:
    """Record and follow a key enterprise's requests (企业诉求): its liaison cadre (包联干部) and those who
    manage the subdistrict's projects."""
    return (scope.person_id is not None and scope.person_id == enterprise.liaison_id) or manage_projects(scope, setup)


def manage_works(scope: Scope, subdistrict: Region, unit_id: int | None) -> bool:
    """Register a public work (公共工程、乡村振兴项目) or change one — its stages, funds, milestones: the
    subdistrict's leaders and administrators, and the officers of the work's responsible unit."""
    return scope.can_configure(subdistrict.path) or scope.works_for(unit_id, subdistrict.path)


def edit_work(scope: Scope, work: Any) -> bool:
    """Advance a work's stage, add a milestone, change its funds: as manage_works, for that work's unit."""
    return manage_works(scope, work.subdistrict, work.unit_id)


def read_work(scope: Scope, work: Any) -> bool:
    """See a work: whoever reads its village (a village cadre: his village's works), and its responsible unit."""
    return scope.can_read(work.region.path) or scope.works_for(work.unit_id, work.subdistrict.path)


# ---- households and assistance (民生户籍, 两不愁三保障) ---------------------------------------------------


def manage_households(scope: Scope, setup: Any) -> bool:
    """Set the household work up (categories, checklist, 回头看 rounds, trainings), import registers, export
    personal data: the subdistrict's leaders and administrators, and the officers of the office in charge."""
    path = setup.region.path
    return scope.can_configure(path) or scope.works_for(setup.unit_id, path)


def read_households(scope: Scope, region: Region) -> bool:
    """See the households of `region` (a village cadre: his village's; an office: the subdistrict's)."""
    return scope.can_read(region.path)


def write_household(scope: Scope, household: Any, setup: Any) -> bool:
    """Change a household, its members and its checklist: its village's writers and the office in charge."""
    return scope.can_write(household.path) or scope.works_for(setup.unit_id, household.path)


def visit_household(scope: Scope, household: Any, setup: Any) -> bool:
    """Log a visit (遍访) or a measure: the household's assistance officer, and whoever may change it."""
    return (scope.person_id is not None and scope.person_id == household.officer_id) or write_household(
        scope, household, setup
    )


def reveal_personal(scope: Scope, household: Any, setup: Any) -> bool:
    """See a member's identity or phone number in full (each time logged, with why): the region's leaders, the
    office in charge, the village's own cadres, and the household's assistance officer — never a read-only
    viewer, an inspector or another village."""
    path = household.path
    return (
        scope.can_lead(path)
        or scope.works_for(setup.unit_id, path)
        or (scope.is_cadre_of(path) and scope.can_write(path))
        or (scope.person_id is not None and scope.person_id == household.officer_id)
    )


def check_round_target(scope: Scope, target: Any, setup: Any) -> bool:
    """Record a 回头看 result for a household or a village assigned to a round: the village's own cadres, the
    household's assistance officer, and those who run the household work (manage_households)."""
    household = target.household
    return (
        (scope.is_cadre_of(target.path) and scope.can_write(target.path))
        or (household is not None and scope.person_id is not None and scope.person_id == household.officer_id)
        or manage_households(scope, setup)
    )


# ---- office duty (村干部坐班) ---------------------------------------------------------------------------


def sign_in_for_duty(scope: Scope, village: Region) -> bool:
    """Sign in for office duty (坐班) at `village`'s office: a cadre of that village (who writes its records) —
    for himself only: a sign-in always names the person signing in (`sign_in_as`)."""
    return scope.is_cadre_of(village.path) and scope.can_write(village.path)


def sign_in_as(scope: Scope, person_id: int | None) -> bool:
    """Whose sign-in a person may record: their own, never another cadre's (代签)."""
    return person_id is not None and person_id == scope.person_id


def signs_in_somewhere(scope: Scope) -> bool:
    """Is a cadre of some village (the 坐班签到 page and its to-do are his)."""
    return bool(scope.cadre_paths)


def read_attendance(scope: Scope, village: Region) -> bool:
    """A village's office-duty attendance (each cadre's days): whoever reads the village."""
    return scope.can_read(village.path)


def configure_duty(scope: Scope, subdistrict: Region) -> bool:
    """The sign-in radius, the late time and where each village's office is: the subdistrict's leaders and
    administrators."""
    return scope.can_configure(subdistrict.path)


# ---- party building (党建) -------------------------------------------------------------------------------------


def manage_party(scope: Scope, setup: Any) -> bool:
    """Keep a subdistrict's party work — every branch's meetings and members, the integrity talks, the 头雁
    roster: its leaders and administrators, and the officers of the office in charge (党建办, `PartySetup.unit`)."""
    path = setup.region.path
    return scope.can_configure(path) or scope.works_for(setup.unit_id, path)


def configure_party(scope: Scope, subdistrict: Region) -> bool:
    """The required meeting frequencies and the office in charge: the subdistrict's leaders and administrators."""
    return scope.can_configure(subdistrict.path)


def keep_branch(scope: Scope, setup: Any, branch: Any) -> bool:
    """Record a branch's meetings and keep its members (their phone numbers shown in full): the village's own
    cadres, and who manages the subdistrict's party work."""
    path = branch.region.path
    return manage_party(scope, setup) or (scope.is_cadre_of(path) and scope.can_write(path))


def read_party(scope: Scope, region: Region) -> bool:
    """See the party work of `region` (a village cadre: his own branch)."""
    return scope.can_read(region.path)


# ---- bulletins and review meetings (通报, 点评会) ------------------------------------------------------------


def read_bulletins(scope: Scope, subdistrict: Region) -> bool:
    """Read a subdistrict's published weekly bulletins: whoever reads the subdistrict or anything in it — its
    villages' cadres and grid inspectors too: the villages are ranked in it (宣传典型、鞭策后进 works only if the
    villages see it), and it is what their chat groups receive."""
    path = subdistrict.path
    return scope.can_read(path) or any(p.startswith(path) for p in scope.read_paths)


def build_bulletins(scope: Scope, setup: Any) -> bool:
    """Build, publish, correct and send a subdistrict's bulletins and see their drafts and delivery log: its
    leaders and administrators, and the officers of the office in charge (`BulletinSetup.unit`)."""
    path = setup.region.path
    return scope.can_lead(path) or scope.can_configure(path) or scope.works_for(setup.unit_id, path)


def configure_bulletins(scope: Scope, subdistrict: Region) -> bool:
    """The bulletin's issuer, schedule, score weights and the chat groups' robots: the subdistrict's leaders and
    administrators."""
    return scope.can_configure(subdistrict.path)


def hold_review_meeting(scope: Scope, setup: Any) -> bool:
    """Record a review meeting (点评会) and its 督办 decisions: whoever builds the bulletins."""
    return build_bulletins(scope, setup)


def report_decision(scope: Scope, decision: Any) -> bool:
    """Report a 督办 item done (办结): its owner — the office's officers or the village's cadres — or the
    subdistrict's leaders."""
    sub = decision.meeting.region.path
    if scope.can_lead(sub):
        return True
    if decision.unit_id and scope.works_for(decision.unit_id, sub):
        return True
    if not decision.village_id:
        return False
    village: str = decision.village.path
    return scope.is_cadre_of(village) and scope.can_write(village)


def close_decision(scope: Scope, decision: Any) -> bool:
    """Confirm a 督办 item done (销号) or send it back: the subdistrict's leaders (never who reported it — the
    action checks that)."""
    return scope.can_lead(decision.meeting.region.path)


def read_decision(scope: Scope, decision: Any) -> bool:
    """See a 督办 item: whoever reads the subdistrict; a village's cadres, the items their village owns."""
    return scope.can_read(decision.meeting.region.path) or (
        bool(decision.village_id) and scope.can_read(decision.village.path)
    )


# ---- reports upward (上报) ------------------------------------------------------------------------------------


def read_reports(scope: Scope, subdistrict: Region) -> bool:
    """The catalogue of a subdistrict's upward forms, their filings, mappings and filled files: whoever reads the
    subdistrict (a village's cadres see only their village's row, `read_report_row`)."""
    return scope.can_read(subdistrict.path)


def prepare_reports(scope: Scope, form: Any) -> bool:
    """Keep a form (its details, the superior's file, the mapping), fetch a period's figures, type the
    subdistrict's own hand-filled cells, submit for review, and mark it sent: the officers of the office in
    charge (`ReportForm.unit`), the subdistrict's leaders and administrators."""
    path = form.region.path
    return scope.can_lead(path) or scope.can_configure(path) or scope.works_for(form.unit_id, path)


def add_report_forms(scope: Scope, subdistrict: Region) -> bool:
    """Add a form to the catalogue (and name its office in charge, who keeps it from then on): the subdistrict's
    leaders and administrators."""
    path = subdistrict.path
    return scope.can_lead(path) or scope.can_configure(path)


def read_report_row(scope: Scope, village: Region) -> bool:
    """A village's own row of a village-level form: whoever reads the village."""
    return scope.can_read(village.path)


def fill_report_row(scope: Scope, form: Any, village: Region) -> bool:
    """Type a village's hand-filled cells and confirm its row: the village's cadres, and whoever prepares the form."""
    return (scope.is_cadre_of(village.path) and scope.can_write(village.path)) or prepare_reports(scope, form)


def review_report(scope: Scope, form: Any) -> bool:
    """Review a submitted filing (科室审核) or return it: the officers of the office in charge and the subdistrict's
    leaders — never whoever filled or submitted it (the action checks that)."""
    path = form.region.path
    return scope.can_lead(path) or scope.works_for(form.unit_id, path)


def approve_report(scope: Scope, form: Any) -> bool:
    """Approve a reviewed filing (领导审批), return it, or open a correction of an approved one: the subdistrict's
    leaders — never whoever filled, submitted or reviewed it (the action checks that)."""
    return scope.can_lead(form.region.path)


# ---- background jobs ---------------------------------------------------------------------------------------


def see_job_runs(scope: Scope, region_path: str) -> bool:
    """See the background jobs of a region (queued, failed and why): its administrators; an installation's
    own jobs (no region) only superusers."""
    if not region_path:
        return scope.is_superuser
    return scope.can_admin(region_path)
