"""The subdistrict key (docs/scale.md): every large table carries the subdistrict it would be distributed by, written
by the actions, the importers and the demo, and filled for old rows by the migrations."""

from __future__ import annotations

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import F, Q

from tests import cases_factory as cf
from tests.conftest import person
from tests.ledger_factory import define, ident, messy_workbook
from tests.test_ledgers_import import upload
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
from zhili.regions.models import Level, Region

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
]


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


def test_after_the_demo_every_patrol_and_audit_entry_at_or_under_a_subdistrict_carries_it(db):
    subdistricts = _subdistricts()
    for model, field in ((Patrol, "path"), (AuditEntry, "region_path")):
        rows = model._base_manager.filter(_under_a_subdistrict(field))
        assert rows.exists() and not rows.filter(subdistrict_id__isnull=True).exists(), model
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
    ):
        _migration(app, name).fill(apps, editor)

    for model, parent_key in COPIED:
        rows = model._base_manager.filter(pk__in=emptied[model])
        assert rows.count() == len(emptied[model]) and not rows.exclude(subdistrict_id=F(parent_key)).exists(), model
    assert set(Patrol.objects.filter(pk__in=patrols).values_list("subdistrict_id", flat=True)) == {world.sub.pk}
    keys = AuditEntry.objects.filter(action="test.old").order_by("id").values_list("subdistrict_id", flat=True)
    assert list(keys) == [world.sub.pk, world.sub.pk, None]
    # and the log is append-only again
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET reason = 'x' WHERE id = %s", [old[0].pk])
