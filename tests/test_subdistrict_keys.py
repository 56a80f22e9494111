"""The subdistrict key (docs/scale.md): every large table carries the subdistrict it would be distributed by, written
by the actions, the importers and the demo, and filled for old rows by the migrations."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, Q

from tests import cases_factory as cf
from tests.conftest import person
from tests.ledger_factory import define, ident, messy_workbook
from tests.targets_book import demo_rows, write_book
from tests.targets_factory import TODAY as TARGETS_TODAY
from tests.targets_factory import build as build_targets
from tests.test_ledgers_import import upload
from tests.test_projects_import import LEDGER_HEADERS, LEDGER_ROWS, MONTH_HEADERS, ROAD, write_xlsx
from tests.test_projects_import import run as run_import
from zhili.cases import actions as case_actions
from zhili.cases.models import CaseEvent, CasePhoto, ExtensionRequest, Patrol
from zhili.core import audit, clock, keys
from zhili.core.models import AuditEntry
from zhili.households import rounds
from zhili.households.models import ChecklistItem, CheckState, Household, HouseholdCheck, Measure, RoundTarget, Visit
from zhili.households.visits import do_add_measure, do_check_item, do_log_visit
from zhili.ledgers.actions import do_add_row
from zhili.ledgers.models import LedgerRow
from zhili.people.scope import scope_for
from zhili.projects import importer as projects_importer
from zhili.projects import queries as projects_queries
from zhili.projects import works_actions
from zhili.projects.models import ExpectedTax, ProjectMonth, WorkKind, WorkMilestone, WorkStage
from zhili.regions.models import Level, Region
from zhili.reports.models import Filing, FilingValue
from zhili.targets import actions as target_actions
from zhili.targets.models import ActivityRecord, Decomposition, Entry, Indicator, Share

# each table, and the key its rows must carry: its parent's (or, for patrols, its grid's subdistrict)
COPIED = [
    (CaseEvent, "case__subdistrict_id"),
    (CasePhoto, "case__subdistrict_id"),
    (ExtensionRequest, "case__subdistrict_id"),
    (LedgerRow, "ledger__region_id"),
    (HouseholdCheck, "household__subdistrict_id"),
    (Visit, "household__subdistrict_id"),
    (Measure, "household__subdistrict_id"),
    (RoundTarget, "round__subdistrict_id"),
    (Entry, "indicator__task__goal__region_id"),
    (Share, "indicator__task__goal__region_id"),
    (ProjectMonth, "project__subdistrict_id"),
    (ExpectedTax, "project__subdistrict_id"),
    (WorkStage, "work__subdistrict_id"),
    (WorkMilestone, "work__subdistrict_id"),
    (Filing, "form__region_id"),
    (FilingValue, "filing__form__region_id"),
]
# … and those whose key is the subdistrict a path lies in
BY_PATH = [(Patrol, "path"), (AuditEntry, "region_path"), (ActivityRecord, "region__path")]


def _subdistricts() -> dict[str, int]:
    return dict(Region.objects.filter(level=Level.SUBDISTRICT).values_list("path", "pk"))


def _under_a_subdistrict(field: str) -> Q:
    """Rows whose path lies at or under a subdistrict (those that must carry its key)."""
    q = Q()
    for path in _subdistricts():
        q |= Q(**{f"{field}__startswith": path})
    return q


# ---- written by the actions and the importer -----------------------------------------------------------------


def test_a_case_s_events_photos_and_extension_carry_its_subdistrict(world):
    case = cf.drive(cf.report(world.sub, world.kong_grid), "dispatch")
    case = cf.act(case, "request_extension", "demo-village", days=3, note="需协调拆除机械")
    case = cf.act(case, "handle", "demo-village", photos=[cf.jpeg("after.jpg", lng=case.lng, lat=case.lat)])
    assert case.events.count() >= 5 and case.photos.count() == 2 and case.extensions.count() == 1
    for rows in (case.events, case.photos, case.extensions):
        assert set(rows.values_list("subdistrict_id", flat=True)) == {world.sub.pk}


def test_a_public_report_s_event_and_photo_carry_the_subdistrict(world):
    cf.setup(world.sub)
    lng, lat = cf.point_in(world.kong_grid)
    case = case_actions.do_public_report(
        subdistrict=world.sub,
        category=cf.category(world.sub, "garbage"),
        description="路灯不亮",
        contact_name="王先生",
        contact_phone="13800000000",
        lng=lng,
        lat=lat,
        photos=[cf.jpeg(lng=lng, lat=lat)],
        origin="203.0.113.9",
    )
    assert CaseEvent.objects.filter(case=case).values_list("subdistrict_id", flat=True).get() == world.sub.pk
    assert CasePhoto.objects.filter(case=case).values_list("subdistrict_id", flat=True).get() == world.sub.pk


def test_a_patrol_carries_its_grid_s_subdistrict(world):
    inspector = person("demo-grid")
    patrol = case_actions.do_start_patrol(world.kong_grid, actor=inspector, scope=scope_for(inspector))
    assert Patrol.objects.get(pk=patrol.pk).subdistrict_id == world.sub.pk == patrol.subdistrict_id


def test_a_ledger_row_added_or_imported_carries_the_ledger_s_subdistrict(world, as_persona, tmp_path):
    ledger = define(world)
    leader = person("demo-leader")
    row = do_add_row(
        ledger,
        {"village": world.kong.code, "head": "孔测试", "id_number": ident(977, born="19550505")},
        actor=leader,
        scope=scope_for(leader),
    )
    assert LedgerRow.objects.get(pk=row.pk).subdistrict_id == world.sub.pk
    client = as_persona("leader")
    job = upload(client, ledger, messy_workbook(tmp_path / "f.xlsx"))
    client.post(f"/ledgers/{ledger.code}/import/{job.pk}/", {"mode": "only_valid"})
    keys = list(LedgerRow.objects.filter(ledger=ledger).values_list("subdistrict_id", flat=True))
    assert len(keys) == 5 and set(keys) == {world.sub.pk}


def test_a_household_s_visit_check_measure_and_round_target_carry_its_subdistrict(world):
    civil = person("demo-civil")
    scope = scope_for(civil)
    household = Household.objects.active().filter(subdistrict=world.sub, path__startswith=world.kong.path).first()
    today = clock.today()
    visit = do_log_visit(household, visited_on=today, findings_text="家中整洁", actor=civil, scope=scope)
    item = ChecklistItem.objects.filter(subdistrict=world.sub).order_by("pk").first()
    check = do_check_item(household, item, state=CheckState.MET, checked_on=today, actor=civil, scope=scope)
    measure = do_add_measure(household, kind="粉刷墙面", done_on=today, actor=civil, scope=scope)
    r = rounds.do_start_round(
        world.sub,
        {
            "name": "键测试回头看",
            "kind": "policy",
            "starts_on": today - datetime.timedelta(days=1),
            "ends_on": today + datetime.timedelta(days=30),
            "items": [item],
        },
        actor=civil,
        scope=scope,
    )
    rounds.do_assign(r, households=[household], actor=civil, scope=scope)
    rounds.do_assign(r, villages=[world.yan], whole_villages=True, actor=civil, scope=scope)
    for model, pk in ((Visit, visit.pk), (HouseholdCheck, check.pk), (Measure, measure.pk)):
        assert model.objects.get(pk=pk).subdistrict_id == world.sub.pk, model
    assert list(RoundTarget.objects.filter(round=r).values_list("subdistrict_id", flat=True)) == [world.sub.pk] * 2


def test_an_audit_entry_carries_the_subdistrict_its_region_path_lies_in(world):
    leader = person("demo-leader")
    village = audit.record(leader, "test.key", world.kong)
    assert village.subdistrict_id == world.sub.pk  # read back from the database, not the subquery
    assert AuditEntry.objects.get(pk=village.pk).subdistrict_id == world.sub.pk
    assert audit.record(leader, "test.key", world.sub).subdistrict_id == world.sub.pk
    assert audit.record(leader, "test.key", world.district).subdistrict_id is None  # above the subdistricts
    assert audit.record(leader, "test.key", world.kong, region_path="").subdistrict_id is None
    n = audit.record_many(
        leader,
        "test.many",
        Region,
        [(r.pk, str(r), r.path, {}) for r in (world.kong_grid, world.yan, world.district)] + [("", "—", "", {})],
        batch_size=2,
    )
    entries = AuditEntry.objects.filter(action="test.many").order_by("id")
    assert n == 4 and list(entries.values_list("subdistrict_id", flat=True)) == [world.sub.pk] * 2 + [None, None]


def test_recording_asks_no_query_more_for_the_key(world, django_assert_num_queries):
    leader = person("demo-leader")
    with django_assert_num_queries(1):
        audit.record(leader, "test.key", world.kong)


def _who(username: str) -> dict:
    p = person(username)
    return {"actor": p, "scope": scope_for(p)}


def test_progress_entries_corrections_shares_and_activities_carry_the_subdistrict(world, settings):
    settings.ZHILI_TODAY = TARGETS_TODAY
    tree = build_targets(world)
    leader = _who("demo-leader")
    entry = target_actions.do_report_progress(
        tree.households, region=world.kong, day=TARGETS_TODAY, value=Decimal(8), **leader
    )
    corrected = target_actions.do_correct_entry(entry, value=Decimal(9), reason="核实更正", **leader)
    own = target_actions.do_report_progress(tree.tax, region=world.sub, day=TARGETS_TODAY, value=Decimal(3), **leader)
    fresh = Indicator.objects.create(
        task=tree.task, code="k", name="键测试", unit="户", target=Decimal(5), decomposition=Decomposition.VILLAGES
    )
    shares = target_actions.do_set_shares(fresh, {world.kong: Decimal(2), world.yan: Decimal(3)}, **leader)
    records = [
        target_actions.do_record_activity(
            region=region, kind="talk", topic="廉政谈话", title="键测试", date=TARGETS_TODAY, **leader
        )
        for region in (world.kong, world.sub)
    ]
    for model, pk in [(Entry, e.pk) for e in (entry, corrected, own)] + [(Share, s.pk) for s in shares]:
        assert model.objects.get(pk=pk).subdistrict_id == world.sub.pk, model
    assert {ActivityRecord.objects.get(pk=r.pk).subdistrict_id for r in records} == {world.sub.pk}


def test_a_rolled_over_year_s_shares_carry_the_subdistrict(world):
    target_actions.do_roll_over_year(region=world.sub, from_year=2020, to_year=2021, **_who("demo-leader"))
    shares = Share.objects.filter(indicator__task__goal__region=world.sub, indicator__task__goal__year=2021)
    assert shares.exists() and set(shares.values_list("subdistrict_id", flat=True)) == {world.sub.pk}


def test_imported_shares_carry_the_subdistrict(world, tmp_path):
    path = tmp_path / "目标责任书.xlsx"
    write_book(path, demo_rows(), villages=["孔家坊村", "阎桥"])
    call_command("targets", "import", str(path), "--year", "2021", "--user", "demo-leader")
    shares = Share.objects.filter(indicator__task__goal__region=world.sub, indicator__task__goal__year=2021)
    assert shares.exists() and set(shares.values_list("subdistrict_id", flat=True)) == {world.sub.pk}


def test_imported_project_months_and_their_expected_taxes_carry_the_subdistrict(world, tmp_path):
    from tests.conftest import without_demo_projects

    without_demo_projects(world.sub)
    projects_queries.setup_of(world.sub).save()
    economy = person("demo-economy")
    run_import(
        projects_importer.PROJECTS, world.sub, write_xlsx(tmp_path / "p.xlsx", LEDGER_HEADERS, LEDGER_ROWS), economy
    )
    rows = [[ROAD, "2019-04", "1090000", "200000", "120"], [ROAD, "2019-05", "100000", "0", "30"]]
    run_import(projects_importer.MONTHS, world.sub, write_xlsx(tmp_path / "m.xlsx", MONTH_HEADERS, rows), economy)
    for model in (ProjectMonth, ExpectedTax):
        keys = list(model.objects.filter(project__subdistrict=world.sub).values_list("subdistrict_id", flat=True))
        assert len(keys) == 2 and set(keys) == {world.sub.pk}, model


def test_a_work_s_stages_and_milestones_carry_its_subdistrict(world):
    from zhili.people.models import Unit

    work = works_actions.do_save_work(
        world.sub,
        {
            "name": "孔家坊村键测试工程",
            "kind": WorkKind.ROAD,
            "region": world.kong,
            "unit": Unit.objects.get(region=world.sub, code="urban"),
            "planned": {"plan": "2020-11-01"},
        },
        **_who("demo-urban"),
    )
    milestone = works_actions.do_add_milestone(work, day="2020-11-19", title="进场", **_who("demo-urban"))
    assert list(WorkStage.objects.filter(work=work).values_list("subdistrict_id", flat=True)) == [world.sub.pk] * 7
    assert WorkMilestone.objects.get(pk=milestone.pk).subdistrict_id == world.sub.pk


def test_a_filing_its_values_and_its_correction_carry_the_form_s_subdistrict(world):
    from tests.test_reports_chain import Who, approved_rows_filing, rows_setup
    from zhili.demo.reports2020 import without_reports
    from zhili.people.models import Person
    from zhili.reports import actions as report_actions

    without_reports(world.sub)
    people = {
        "village": Who(person("demo-village")),
        "outsider": Who(world.outsider),
        "urban": Who(person("demo-urban")),
        "leader": Who(person("demo-leader")),
        "leader2": Who(Person.objects.get(username="sub-leader-1")),
    }
    form, _version = rows_setup(world, people)
    filing = approved_rows_filing(world, people, form)
    new = report_actions.do_correct_filing(filing, "区统计局反馈有误", **people["urban"].kw())
    for f in (filing, new):
        assert Filing.objects.get(pk=f.pk).subdistrict_id == world.sub.pk
        keys = set(FilingValue.objects.filter(filing=f).values_list("subdistrict_id", flat=True))
        assert keys == {world.sub.pk}, f


def test_core_finds_a_path_s_subdistrict_as_the_regions_do(world):
    assert keys.SUBDISTRICT_LEVEL == Level.SUBDISTRICT
    for region in (world.city, world.district, world.sub, world.kong, world.kong_grid):
        assert keys.subdistrict_path(region.path) == Region.path_at(region.path, Level.SUBDISTRICT)
    assert keys.subdistrict_path("") == ""


# ---- the demo ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "parent_key"), COPIED, ids=lambda v: getattr(v, "__name__", v))
def test_after_the_demo_every_row_carries_its_parent_s_subdistrict(db, model, parent_key):
    rows = model._base_manager.all()
    assert rows.exists() or model is RoundTarget, f"the demo has no {model.__name__}"  # the demo starts no round
    assert not rows.filter(subdistrict_id__isnull=True).exists()
    assert not rows.exclude(subdistrict_id=F(parent_key)).exists()


def test_after_the_demo_every_patrol_activity_and_audit_entry_at_or_under_a_subdistrict_carries_it(db):
    subdistricts = _subdistricts()
    for model, field in BY_PATH:
        rows = model._base_manager.filter(_under_a_subdistrict(field))
        assert rows.exists() or model is ActivityRecord, model  # the demo records no activity (yet)
        assert not rows.filter(subdistrict_id__isnull=True).exists(), model
        for path, key in rows.values_list(field, "subdistrict_id").distinct():
            assert subdistricts[Region.path_at(path, Level.SUBDISTRICT)] == key, (model, path)
    assert not AuditEntry.objects.exclude(_under_a_subdistrict("region_path")).filter(subdistrict_id__isnull=False)


# ---- the migrations' backfill --------------------------------------------------------------------------------


def _migration(app: str, name: str):
    return importlib.import_module(f"zhili.{app}.migrations.{name}")


def test_the_migrations_fill_the_key_of_rows_written_without_it(world):
    editor = SimpleNamespace(connection=connection)
    emptied = {}
    for model, _ in COPIED:
        pks = list(model._base_manager.order_by("pk").values_list("pk", flat=True)[:50])
        model._base_manager.filter(pk__in=pks).update(subdistrict_id=None)
        emptied[model] = pks
    patrols = list(Patrol.objects.order_by("pk").values_list("pk", flat=True)[:50])
    Patrol.objects.filter(pk__in=patrols).update(subdistrict_id=None)
    # the demo records no activity: records written as before the key, in a village, a subdistrict and a district
    activities = ActivityRecord.objects.bulk_create(
        [
            ActivityRecord(region=r, kind="talk", topic="键测试", title="键测试", date=datetime.date(2020, 6, 1))
            for r in (world.kong, world.sub, world.district)
        ]
    )
    # the log refuses UPDATE: entries written as they were before the key existed
    leader = person("demo-leader")
    old = AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=leader,
                action="test.old",
                object_type="regions.region",
                object_id=str(r.pk),
                object_repr=str(r),
                region_path=r.path,
            )
            for r in (world.kong_grid, world.sub, world.district)
        ]
    )
    assert [e.subdistrict_id for e in old] == [None] * 3

    for app, name in (
        ("cases", "0008_backfill_subdistrict_key"),
        ("ledgers", "0006_backfill_subdistrict_key"),
        ("households", "0003_backfill_subdistrict_key"),
        ("core", "0008_backfill_audit_subdistrict"),
        ("targets", "0007_backfill_subdistrict_key"),
        ("projects", "0004_backfill_subdistrict_key"),
        ("reports", "0003_backfill_subdistrict_key"),
    ):
        _migration(app, name).fill(apps, editor)

    for model, parent_key in COPIED:
        rows = model._base_manager.filter(pk__in=emptied[model])
        assert rows.count() == len(emptied[model]) and not rows.exclude(subdistrict_id=F(parent_key)).exists(), model
    assert set(Patrol.objects.filter(pk__in=patrols).values_list("subdistrict_id", flat=True)) == {world.sub.pk}
    keys = ActivityRecord.objects.filter(pk__in=[a.pk for a in activities]).order_by("pk")
    assert list(keys.values_list("subdistrict_id", flat=True)) == [world.sub.pk, world.sub.pk, None]
    keys = AuditEntry.objects.filter(action="test.old").order_by("id").values_list("subdistrict_id", flat=True)
    assert list(keys) == [world.sub.pk, world.sub.pk, None]
    # and the log is append-only again
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET reason = 'x' WHERE id = %s", [old[0].pk])
