"""Kept figures (zhili/targets/kept.py) equal a full recount: after each kind of write, after a new day and a merge,
and after random sequences of reports, corrections, activity records and their archiving, ledger edits and
archives, ledger imports, case steps and merges (hypothesis) — on the demo's 2020 target system, whose indicators
come from every source (reports, cases, ledgers, projects, public works, trainings, party)."""

from __future__ import annotations

import datetime
import io
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests import cases_factory as cf
from zhili.cases import actions as case_actions
from zhili.cases import flow
from zhili.cases.models import Case
from zhili.core import errors
from zhili.ledgers import actions as ledger_actions
from zhili.ledgers.models import Ledger, LedgerRow
from zhili.people.models import Person
from zhili.people.scope import scope_for
from zhili.regions import history
from zhili.regions.actions import do_merge_villages
from zhili.regions.models import Level, Region
from zhili.targets import actions, engine, kept
from zhili.targets.models import (
    ActivityRecord,
    Decomposition,
    Entry,
    Figure,
    FigureSet,
    Indicator,
    Share,
    SourceKind,
    StaleMark,
)

pytestmark = pytest.mark.django_db
REFUSED: Counter[str] = Counter()
DONE: Counter[str] = Counter()  # the writes random sequences made: the test is only as good as its reach
YEAR = 2020
TODAY = datetime.date(2020, 12, 20)


@pytest.fixture(autouse=True)
def today(settings):
    settings.ZHILI_TODAY = TODAY
    return settings


@pytest.fixture
def admin(db) -> Person:
    return Person.objects.create_superuser("kept-admin", password="x")


def _cells(c: engine.Computed):
    def plain(cells):
        return {k: (v.target, v.actual, v.completion, v.missing, v.not_applicable) for k, v in cells.items()}

    return plain(c.whole), plain(c.village), plain(c.unit)


def assert_equal_to_live(sub: Region, today: datetime.date) -> None:
    """The board (the whole), two villages' cells and the ranking's (every village) from the kept figures equal the
    same computed from the records alone."""
    everyone = history.on_day(sub, engine.year_window(YEAR, today).end)
    asks = [
        {"villages": []},
        {"villages": list(everyone)[:2], "whole": False},
        {"villages": everyone, "all_villages_given": True},
    ]
    for ask in asks:
        got = engine.compute(sub, YEAR, today, **ask)
        with override_settings(ZHILI_KEPT_FIGURES=False):
            live = engine.compute(sub, YEAR, today, **ask)
        assert _cells(got) == _cells(live), ask
    assert kept.check(sub, YEAR) == []


def test_the_kept_figures_equal_a_recount_and_are_read_not_counted(world):
    assert_equal_to_live(world.sub, TODAY)
    figure_set = FigureSet.objects.get(region=world.sub, year=YEAR)
    assert figure_set.until == TODAY and Figure.objects.filter(figure_set=figure_set).count() > 100
    # the second board reads the kept figures: a fixed handful of queries, no source asked
    with CaptureQueriesContext(connection) as ctx:
        engine.build_board(world.sub, YEAR, TODAY)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "targets_entry" not in sql and "cases_case" not in sql and "ledgers_ledgerrow" not in sql


def test_a_report_marks_its_village_and_the_next_read_recounts_it(world, admin):
    engine.build_board(world.sub, YEAR, TODAY)
    figure_set = FigureSet.objects.get(region=world.sub, year=YEAR)
    built = figure_set.built_at
    actions.do_report_progress(
        world.ind_village, region=world.kong, day=TODAY, value=Decimal("987.5"), actor=admin, scope=scope_for(admin)
    )
    assert set(StaleMark.objects.filter(figure_set=figure_set).values_list("path", flat=True)) == {world.kong.path}
    board = engine.build_board(world.sub, YEAR, TODAY)
    assert not StaleMark.objects.exists()
    figure_set.refresh_from_db()
    assert figure_set.built_at == built and figure_set.refreshed_at > built  # recounted, not rebuilt
    kong = engine.compute(world.sub, YEAR, TODAY, [world.kong], whole=False)
    assert kong.village[(world.ind_village.pk, world.kong.pk)].actual == Decimal("987.5")
    assert board.computed.whole[world.ind_village.pk].actual is not None
    assert_equal_to_live(world.sub, TODAY)


def test_a_change_on_the_subdistrict_a_new_day_and_a_new_indicator_count_everything_again(world, admin, today):
    engine.build_board(world.sub, YEAR, TODAY)
    first = FigureSet.objects.get(region=world.sub, year=YEAR).built_at
    scope = scope_for(admin)
    actions.do_report_progress(
        world.ind_sub, region=world.sub, day=TODAY, value=Decimal("12345"), actor=admin, scope=scope
    )
    engine.build_board(world.sub, YEAR, TODAY)
    second = FigureSet.objects.get(region=world.sub, year=YEAR).built_at
    assert second > first
    assert_equal_to_live(world.sub, TODAY)
    # a new day: figures count up to it (a period that begins today counts from today)
    today.ZHILI_TODAY = TODAY + datetime.timedelta(days=1)
    engine.build_board(world.sub, YEAR, today.ZHILI_TODAY)
    assert FigureSet.objects.get(region=world.sub, year=YEAR).until == today.ZHILI_TODAY
    assert_equal_to_live(world.sub, today.ZHILI_TODAY)
    # an indicator changed outside any action (its source's parameters): the fingerprint differs
    ind = Indicator.objects.filter(task__goal__region=world.sub, task__goal__year=YEAR, source_key="ledger").first()
    Indicator.objects.filter(pk=ind.pk).update(source_params={**ind.source_params, "measure": "count"})
    assert_equal_to_live(world.sub, today.ZHILI_TODAY)


def test_other_days_and_past_years_are_counted_live(world):
    engine.compute(world.sub, YEAR, TODAY - datetime.timedelta(days=30), [])
    engine.compute(world.sub, YEAR - 1, TODAY, [])
    assert not FigureSet.objects.exists()


def test_inside_a_transaction_of_its_own_a_stale_set_is_counted_live(world, admin):
    from django.db.transaction import Atomic

    engine.build_board(world.sub, YEAR, TODAY)
    actions.do_report_progress(
        world.ind_village, region=world.yan, day=TODAY, value=Decimal("55"), actor=admin, scope=scope_for(admin)
    )
    with Atomic(using=None, savepoint=True, durable=False):
        assert kept._in_transaction()
        c = engine.compute(world.sub, YEAR, TODAY, [world.yan], whole=False)
        assert c.village[(world.ind_village.pk, world.yan.pk)].actual == Decimal("55")
        assert StaleMark.objects.exists()  # left for a read outside a transaction
    assert not kept._in_transaction()


def test_the_command_rebuilds_and_checks(world):
    out = io.StringIO()
    call_command("targets", "figures", "--user", "demo-leader", stdout=out)
    assert "一致" in out.getvalue()
    out = io.StringIO()
    call_command("targets", "figures", "--check", "--user", "demo-leader", stdout=out)
    assert "留存数与逐条重算一致" in out.getvalue()
    # a figure tampered with is found
    figure = Figure.objects.filter(figure_set__region=world.sub).first()
    Figure.objects.filter(pk=figure.pk).update(value="-1")
    with pytest.raises(CommandError, match="不一致"):
        call_command("targets", "figures", "--check", "--user", "demo-leader", stdout=io.StringIO())


# ---- random sequences -----------------------------------------------------------------------------------------------


class Writes(RuleBasedStateMachine):
    """Random writes through the actions; after each, the kept figures equal a recount (the world is set by the
    test)."""

    world = None
    admin: Person | None = None
    settings = None

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic._from_testcase = True  # rolled back like a test case's own: not the caller's transaction
        self._atomic.__enter__()
        self.today = TODAY
        self.settings.ZHILI_TODAY = TODAY
        self.scope = scope_for(self.admin)
        sub = self.world.sub
        self.reported = list(
            Indicator.objects.active()
            .filter(task__goal__region=sub, task__goal__year=YEAR, source=SourceKind.REPORT)
            .order_by("pk")
        )
        self.ledgers = list(
            Ledger.objects.filter(
                region=sub,
                code__in=[
                    i.source_params.get("ledger")
                    for i in Indicator.objects.filter(
                        task__goal__region=sub, task__goal__year=YEAR, source_key="ledger"
                    )
                ],
            ).order_by("pk")
        )
        self.merges = 0
        engine.build_board(sub, YEAR, self.today)  # the set exists: every write below marks it

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def villages(self) -> list[Region]:
        return list(history.on_day(self.world.sub, self.today))

    @rule(data=st.data(), value=st.decimals(min_value=0, max_value=10_000, places=2), month=st.integers(9, 17))
    def report(self, data, value, month):
        ind = data.draw(st.sampled_from(self.reported), label="indicator")
        if ind.decomposition == Decomposition.VILLAGES:
            # mostly a village the indicator is decomposed to (the others are refused, which is tried too)
            villages = self.villages()
            shared = [v for v in villages if Share.objects.filter(indicator=ind, region=v).exists()]
            region = data.draw(st.sampled_from(shared or villages), label="village")
        else:
            region = self.world.sub
        unit = None
        if ind.decomposition == Decomposition.UNITS:  # a unit's share, reported by the subdistrict for it
            units = [s.unit for s in Share.objects.filter(indicator=ind, unit__isnull=False).select_related("unit")]
            unit = data.draw(st.sampled_from(units), label="unit") if units else None
        if ind.cumulative:  # a running total does not go down: on from the latest one
            latest = (
                Entry.objects.filter(indicator=ind, region=region, unit=unit, is_current=True)
                .order_by("-period_end")
                .first()
            )
            value += latest.value if latest else 0
        day = min(datetime.date(YEAR, month, 28), self.today) if month < 12 else self.today  # mostly the open period
        try:
            actions.do_report_progress(
                ind, region=region, unit=unit, day=day, value=value, actor=self.admin, scope=self.scope
            )
            DONE["report"] += 1
        except (errors.Refused, errors.Invalid, errors.Conflict) as exc:
            assert exc.messages
            REFUSED[exc.messages[0][:40]] += 1

    @rule(data=st.data(), value=st.decimals(min_value=0, max_value=10_000, places=2))
    def correct(self, data, value):
        entries = list(Entry.objects.filter(indicator__in=self.reported, is_current=True).order_by("-pk")[:50])
        if entries:
            entry = data.draw(st.sampled_from(entries), label="entry")
            try:
                if entry.period_end < self.today:  # a closed period: the leader opens it again first
                    actions.do_reopen_period(
                        region=self.world.sub,
                        period_end=entry.period_end,
                        until=self.today + datetime.timedelta(days=7),
                        reason="核实更正",
                        actor=self.admin,
                        scope=self.scope,
                    )
                actions.do_correct_entry(entry, value=value, reason="核实更正", actor=self.admin, scope=self.scope)
                DONE["correct"] += 1
            except (errors.Refused, errors.Invalid, errors.Conflict) as exc:
                assert exc.messages

    @rule(data=st.data(), archive=st.booleans())
    def activity(self, data, archive):
        records = list(ActivityRecord.objects.active().filter(region__parent=self.world.sub).order_by("-pk")[:30])
        if archive and records:
            record = data.draw(st.sampled_from(records), label="record")
            actions.do_archive_activity(record, reason="重复登记", actor=self.admin, scope=self.scope)
            DONE["activity archived"] += 1
            return
        village = data.draw(st.sampled_from(self.villages()), label="village")
        actions.do_record_activity(
            region=village,
            kind="talk",
            topic=data.draw(st.sampled_from(["廉政谈话", "入户走访"]), label="topic"),
            title="随机记录",
            date=self.today - datetime.timedelta(days=data.draw(st.integers(0, 300), label="days ago")),
            actor=self.admin,
            scope=self.scope,
            count=data.draw(st.integers(0, 20), label="count"),
        )
        DONE["activity"] += 1

    @rule(data=st.data(), archive=st.booleans())
    def ledger_row(self, data, archive):
        if not self.ledgers:
            return
        ledger = data.draw(st.sampled_from(self.ledgers), label="ledger")
        rows = list(LedgerRow.objects.active().filter(ledger=ledger).order_by("pk")[:40])
        if not rows:
            return
        row = data.draw(st.sampled_from(rows), label="row")
        try:
            if archive:
                ledger_actions.do_archive_row(row, reason="核销", actor=self.admin, scope=self.scope)
                DONE["ledger row archived"] += 1
            else:
                values = dict(row.data)
                numbers = [f["key"] for f in ledger.definition.fields if f.get("type") == "decimal"]
                if numbers:
                    values[numbers[0]] = str(data.draw(st.integers(0, 999), label="number"))
                ledger_actions.do_update_row(row, values, revision=row.revision, actor=self.admin, scope=self.scope)
                DONE["ledger row edited"] += 1
        except (errors.Refused, errors.Invalid, errors.Conflict) as exc:
            assert exc.messages

    @rule(data=st.data(), factor=st.sampled_from([0, 2, 3]))
    def ledger_import(self, data, factor):
        """Export a counted ledger, change its numbers in Excel, import it back (the import pipeline's publish)."""
        if not self.ledgers:
            return
        ledger = data.draw(st.sampled_from(self.ledgers), label="ledger")
        path = Path(tempfile.mkdtemp()) / "台账.xlsx"
        user = ["--user", self.admin.username]
        call_command("ledger", "export", ledger.code, "-o", str(path), *user, stdout=io.StringIO())
        book = openpyxl.load_workbook(path)
        changed = 0
        for row in book.active.iter_rows(min_row=2, max_row=12):
            for cell in row:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    cell.value = cell.value * factor
                    changed += 1
        book.save(path)
        try:
            call_command("ledger", "import", ledger.code, str(path), "--only-valid", *user, stdout=io.StringIO())
            DONE["ledger import"] += 1 if changed else 0
        except CommandError as exc:
            assert str(exc)

    @rule(data=st.data())
    def case_steps(self, data):
        grids = list(Region.objects.filter(parent__in=self.villages(), level=Level.GRID).order_by("pk")[:40])
        if not grids:
            return
        grid = data.draw(st.sampled_from(grids), label="grid")
        at = datetime.datetime.combine(self.today, datetime.time(9), tzinfo=datetime.UTC)
        case = cf.report(self.world.sub, grid, by=self.admin.username, at=at, photo=False)
        DONE["case"] += 1
        for _ in range(data.draw(st.integers(0, 7), label="steps")):
            case = Case.objects.get(pk=case.pk)
            offered = [a for a in flow.available(case, self.scope) if a not in ("merge", "reject", "void")]
            if not offered:
                break
            action = data.draw(st.sampled_from(sorted(offered)), label="step")
            kwargs: dict = {"note": "已处理", "actor": self.admin, "scope": self.scope}
            if action == "dispatch":
                kwargs["village"] = case_actions.own_village(case)
            if action == "request_extension":
                kwargs["days"] = 3
            try:
                case_actions.do_act(case, action, **kwargs)
                DONE["case step"] += 1
            except (errors.Refused, errors.Invalid, errors.Conflict) as exc:
                assert exc.messages

    @rule(data=st.data())
    def merge(self, data):
        if self.merges >= 1:
            return
        pair = data.draw(st.lists(st.sampled_from(self.villages()), min_size=2, max_size=2, unique=True), label="pair")
        self.merges += 1
        code = self.world.sub.code + f"9{self.merges:02d}"
        try:
            do_merge_villages(
                pair,
                code=code,
                name=f"合并村{self.merges}",
                on=self.today,
                actor=self.admin,
                scope=self.scope,
                reason="区划调整",
            )
            DONE["merge"] += 1
        except (errors.Refused, errors.Invalid) as exc:
            assert exc.messages

    @rule()
    def next_day(self):
        self.today += datetime.timedelta(days=1)
        self.settings.ZHILI_TODAY = self.today

    @invariant()
    def equal_to_a_recount(self):
        assert kept.check(self.world.sub, YEAR) == []

    def check_pages(self):
        assert_equal_to_live(self.world.sub, self.today)


def test_random_writes_keep_the_figures_equal_to_a_recount(world, admin, today):
    Writes.world, Writes.admin, Writes.settings = world, admin, today
    original = Writes.teardown

    def teardown(self):  # the board, the villages and the ranking too, at the end of each sequence
        try:
            self.check_pages()
        finally:
            original(self)

    Writes.teardown = teardown
    try:
        run_state_machine_as_test(
            Writes,
            settings=hsettings(
                max_examples=12,
                stateful_step_count=10,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failure is printed as found: no shrinking
            ),
        )
    finally:
        Writes.teardown = original
    print(dict(DONE), dict(REFUSED))
    wanted = {"report", "correct", "activity", "case", "case step", "ledger row edited", "ledger import", "merge"}
    assert wanted <= set(DONE), (DONE, REFUSED)


def test_a_village_cadre_cannot_recount_or_check_the_subdistricts_figures(world):
    with pytest.raises(CommandError, match="整个街道"):
        call_command("targets", "figures", "--check", "--user", "demo-village", stdout=io.StringIO())
    assert not FigureSet.objects.exists()
