"""A merge must not change the past (issue 10 §1).

金楼村 and 范家村 — two demo villages with ledger rows, work records, progress reports, shares and cases — are
merged into 金范村, on the demo's day (2020-11-20) or mid-year (2020-07-01). Afterwards every 2020 figure and light
of the subdistrict is what it was; 金范村's figures are its predecessors' added up, in the breakdown, the ranking,
the drill-down, the case statistics and the ledger; viewed on a day before the merge, the two villages are there
themselves; and `zhili demo` tops the changed database up (or says why it cannot) and serves.
"""

from __future__ import annotations

import datetime
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import zhili
from zhili.cases import queries as case_queries
from zhili.cases.models import Case
from zhili.core.models import AuditEntry, SiteFlag
from zhili.demo import taiping, targets2020
from zhili.ledgers import queries as ledger_queries
from zhili.ledgers.models import Ledger, LedgerRow
from zhili.party.models import IntegrityTalk
from zhili.people.models import Person, Role, RoleAssignment
from zhili.people.scope import scope_for
from zhili.regions import history
from zhili.regions.actions import do_merge_villages
from zhili.regions.models import Region
from zhili.targets import actions, engine, ranking, sources
from zhili.targets.export import board_xlsx
from zhili.targets.models import ActivityRecord, Entry, Indicator, Share

TODAY = datetime.date(2020, 11, 20)  # the demo's day
MIDYEAR = datetime.date(2020, 7, 1)
SUCCESSOR_CODE = "370115003900"
PROJECT_ROOT = Path(zhili.__file__).resolve().parent.parent


def leader() -> Person:
    return Person.objects.get(username="demo-leader")


def pair(world) -> list[Region]:
    return list(Region.objects.filter(parent=world.sub, name__in=["金楼村", "范家村"]).order_by("code"))


def merge(world, on: datetime.date) -> Region:
    return do_merge_villages(
        pair(world),
        code=SUCCESSOR_CODE,
        name="金范村",
        on=on,
        actor=leader(),
        scope=scope_for(leader()),
        reason="济阳区行政村规模优化调整（演示）",
    )


def set_today(day: datetime.date) -> None:
    SiteFlag.objects.filter(key="today").update(value=day.isoformat())


def indicator(code: str) -> Indicator:
    return Indicator.objects.select_related("task__goal").get(task__goal__year=2020, code=code)


def board(sub: Region, today: datetime.date = TODAY) -> dict:
    """Every cell of the subdistrict's 2020 board (target, actual, completion, light and its sentence), the units'
    cells, the light counts and the sums of the parts."""
    b = engine.build_board(sub, 2020, today)

    def of(c):
        return None if c is None else (c.target, c.actual, c.completion, c.light.state, c.light.explain(), c.missing)

    return {
        "whole": {i.code: of(b.computed.whole.get(i.pk)) for i in b.computed.indicators},
        "units": {(i, u): of(c) for (i, u), c in b.computed.unit.items()},
        "counts": b.counts,
        "share_sums": b.computed.share_sums,
    }


def xlsx_values(sub: Region) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(board_xlsx(engine.build_board(sub, 2020, TODAY))))
    return [tuple(row) for row in wb.active.iter_rows(values_only=True)]


def village_cells(sub: Region, villages: list[Region], today: datetime.date = TODAY) -> dict:
    """{indicator code: {village name: (target, actual)}} and the undecomposed computed figures per village."""
    c = engine.compute(sub, 2020, today, villages, whole=False)
    out: dict = {}
    for ind in c.indicators:
        for v in villages:
            cell = c.village.get((ind.pk, v.pk))
            if cell is not None:
                out.setdefault(ind.code, {})[v.name] = (cell.target, cell.actual)
            value = c.by_village.get((ind.pk, v.pk))
            if value is not None and (ind.source_key != "cases" or sources.get("cases").additive(ind)):
                out.setdefault(f"{ind.code} records", {})[v.name] = (None, value)
    return out


def added_up(cells: dict[str, tuple]) -> tuple:
    def total(k):
        present = [c[k] for c in cells.values() if c[k] is not None]
        return sum(present, Decimal(0)) if present else None

    return total(0), total(1)


# ---- the subdistrict's figures do not move ---------------------------------------------------------------------


@pytest.mark.parametrize("on", [TODAY, MIDYEAR], ids=["on-the-demo-day", "mid-year"])
def test_a_merge_changes_no_figure_or_light_of_the_subdistrict(world, on):
    before, sheet = board(world.sub), xlsx_values(world.sub)
    assert before["counts"]["done"] > 0 and before["whole"]["3.1.6.1"][1] == 9808  # 气代煤 9,808 已完成
    merge(world, on)
    assert board(world.sub) == before
    assert xlsx_values(world.sub) == sheet  # the export carries the same numbers and lights


def test_the_subdistrict_figures_of_a_day_before_the_merge_are_the_villages_as_they_were(world):
    before = board(world.sub, today=datetime.date(2020, 6, 30))
    merge(world, MIDYEAR)
    assert board(world.sub, today=datetime.date(2020, 6, 30)) == before


@pytest.mark.parametrize("on", [TODAY, MIDYEAR], ids=["on-the-demo-day", "mid-year"])
def test_the_successor_carries_the_sum_of_its_predecessors(world, on):
    before = village_cells(world.sub, pair(world))
    assert {"3.1.6.1", "3.2.1.1", "2.1.2.1", "4.4.1.1"} <= set(before)  # ledger, report, sum, villages-with
    successor = merge(world, on)
    after = village_cells(world.sub, [successor])
    assert set(after) == set(before)
    # an index (a weighted or average of its components, 人居环境整治综合指数) does not add up: the successor's is
    # computed from its own components, whose figures are the sums
    indexes = set(
        Indicator.objects.filter(task__goal__year=2020, source="children")
        .exclude(aggregation="sum")
        .values_list("code", flat=True)
    )
    for code, cells in before.items():
        if code in indexes:
            assert after[code]["金范村"] in cells.values(), code  # the index's own target; its figure is a rate
            continue
        assert after[code]["金范村"] == added_up(cells), code
    # e.g. 气代煤: 74 + 87 households; 户户通: both villages count (a village as it was counts once)
    assert after["3.1.6.1"]["金范村"] == (Decimal(161), Decimal(161))
    assert after["3.1.4.1"]["金范村"] == (Decimal(2), Decimal(2))


def test_a_chain_of_merges_keeps_the_totals(world):
    before = board(world.sub)
    first = merge(world, MIDYEAR)
    kong = world.kong
    second = do_merge_villages(
        [first, kong],
        code="370115003901",
        name="金范孔村",
        on=datetime.date(2020, 9, 1),
        actor=leader(),
        scope=scope_for(leader()),
        reason="再次调整（演示）",
    )
    assert board(world.sub) == before
    villages = history.on_day(world.sub, TODAY)
    assert second in villages and first not in villages and kong not in villages
    assert {p.name for p in villages.predecessors(second)} == {"金楼村", "范家村", "金范村", "孔家坊村"}


def test_the_board_still_runs_a_fixed_number_of_queries(world):
    def count(**kwargs):
        with CaptureQueriesContext(connection) as ctx:
            b = engine.build_board(world.sub, 2020, TODAY, **kwargs)
            assert b.computed.share_sums is not None  # counted when first shown (the board page's decomposition check)
        return len(ctx.captured_queries)

    count()  # the first board counts the kept figures (targets/kept.py)
    before = count()
    successor = merge(world, MIDYEAR)
    count()  # the merge changed the villages: the kept figures are counted again
    # one more query once a merge happened: the shares of the merged villages, for the sums of the parts
    assert count() == before + 1
    kids = list(history.on_day(world.sub, TODAY))

    def compute(vs):
        with CaptureQueriesContext(connection) as ctx:
            engine.compute(world.sub, 2020, TODAY, vs, whole=True)
        return len(ctx.captured_queries)

    assert compute(kids[:2]) == compute(kids) == compute([successor, *kids[:1]])


# ---- the breakdown, the ranking and the drill-down -----------------------------------------------------------


def test_the_ranking_shows_the_successor_and_before_the_merge_its_predecessors(world):
    _, before = ranking.rank(world.sub, 2020, TODAY)
    scores = {r.subject.name: r.score for r in before}
    successor = merge(world, MIDYEAR)
    _, after = ranking.rank(world.sub, 2020, TODAY)
    names = [r.subject.name for r in after]
    assert "金范村" in names and "金楼村" not in names and "范家村" not in names
    assert len(after) == len(before) - 1
    for r in after:
        if r.subject.name != "金范村":
            assert r.score == scores[r.subject.name], r.subject.name  # nobody else moved
    row = next(r for r in after if r.subject == successor)
    assert [p.name for p in row.merged] == ["金楼村", "范家村"]
    _, earlier = ranking.rank(world.sub, 2020, datetime.date(2020, 6, 30))
    names = [r.subject.name for r in earlier]
    assert "金楼村" in names and "范家村" in names and "金范村" not in names


def test_the_breakdown_shows_the_successor_with_its_predecessors_history_one_click_away(world, as_persona):
    gas = indicator("3.1.6.1")
    merge(world, MIDYEAR)
    client = as_persona("leader")
    page = client.get(f"/targets/indicators/{gas.pk}/")
    assert page.status_code == 200
    rows = {subject.name: (cell.target, cell.actual, merged) for subject, cell, merged in page.context["rows"]}
    assert "金楼村" not in rows and "范家村" not in rows
    target, actual, merged = rows["金范村"]
    assert (target, actual) == (Decimal(161), Decimal(161)) and [p.name for p in merged] == ["金楼村", "范家村"]
    html = page.content.decode()
    for code in ("370115003225", "370115003226"):
        assert f"/targets/indicators/{gas.pk}/villages/{code}/" in html
    # viewed on a day before the merge, the two villages are there themselves
    set_today(datetime.date(2020, 6, 30))
    rows = {subject.name for subject, _, _ in client.get(f"/targets/indicators/{gas.pk}/").context["rows"]}
    assert {"金楼村", "范家村"} <= rows and "金范村" not in rows


def test_the_drill_down_opens_onto_the_predecessors_rows_and_reports(world, as_persona):
    gas, walls = indicator("3.1.6.1"), indicator("3.2.1.1")
    jinlou, fanjia = pair(world)
    reports = Entry.objects.filter(indicator=walls, region__in=[jinlou, fanjia]).count()
    merge(world, TODAY)
    client = as_persona("leader")
    page = client.get(f"/targets/indicators/{gas.pk}/villages/{SUCCESSOR_CODE}/")
    assert page.context["record_count"] == 161
    assert [p.name for p in page.context["merged"]] == ["金楼村", "范家村"]
    # the ledger link opens onto the same rows
    ledger = client.get(page.context["ledger_link"])
    assert (
        ledger.context["page"].paginator.count
        == LedgerRow.objects.filter(ledger__code="gas-conversion", region__path__startswith=jinlou.path).count()
        + LedgerRow.objects.filter(ledger__code="gas-conversion", region__path__startswith=fanjia.path).count()
    )
    page = client.get(f"/targets/indicators/{walls.pk}/villages/{SUCCESSOR_CODE}/")
    assert len(page.context["entries"]) == reports and "填报村" in page.content.decode()
    # a predecessor's own history says where it went
    page = client.get(f"/targets/indicators/{gas.pk}/villages/{jinlou.code}/")
    assert page.context["record_count"] == 74
    assert "并入金范村" in page.content.decode()


def test_the_successors_cadre_sees_the_summed_figures(world):
    jinlou, fanjia = pair(world)
    before = village_cells(world.sub, [jinlou, fanjia])
    secretary = RoleAssignment.objects.get(region=jinlou, role=Role.VILLAGE_CADRE).person
    merge(world, MIDYEAR)
    client = Client()
    client.force_login(secretary)
    page = client.get("/targets/")
    b = page.context["board"]
    assert b.village.name == "金范村"
    walls = indicator("3.2.1.1")
    cell = b.computed.village[(walls.pk, b.village.pk)]
    assert (cell.target, cell.actual) == added_up(before["3.2.1.1"])
    page = client.get(f"/targets/indicators/{walls.pk}/")
    assert page.context["view"].village.name == "金范村"
    assert len(page.context["entries"]) == Entry.objects.filter(indicator=walls, region__in=[jinlou, fanjia]).count()


# ---- reports and shares after the merge ------------------------------------------------------------------------


def test_running_totals_count_per_region_so_nothing_counts_twice(world):
    """A cumulative indicator adds up each region's latest running total: the predecessors' totals up to the merge
    and the successor's own, counted from the day it was set up."""
    walls = indicator("3.2.1.1")
    jinlou, _ = pair(world)
    whole_before = board(world.sub)["whole"]["3.2.1.1"][1]
    successor = merge(world, MIDYEAR)
    figures = village_cells(world.sub, [successor])["3.2.1.1"]["金范村"]
    assert figures == (Decimal(15), Decimal(15))  # 10 + 5, both done before the merge
    scope = scope_for(leader())
    actions.do_report_progress(
        walls, region=successor, day=TODAY, value=Decimal(2), note="合并后新拆", actor=leader(), scope=scope
    )
    assert village_cells(world.sub, [successor])["3.2.1.1"]["金范村"] == (Decimal(15), Decimal(17))
    assert board(world.sub)["whole"]["3.2.1.1"][1] == whole_before + 2
    # a village merged away reports only for the time before its merge
    jinlou.refresh_from_db()
    with pytest.raises(ValidationError, match="已于 2020-07-01 并入“金范村”，此后的进度请为“金范村”填报"):
        actions.do_report_progress(walls, region=jinlou, day=TODAY, value=Decimal(11), actor=leader(), scope=scope)


def test_the_successor_answers_for_its_predecessors_shares_until_decomposed_to(world):
    walls = indicator("3.2.1.1")
    jinlou, fanjia = pair(world)
    before = board(world.sub)
    successor = merge(world, MIDYEAR)
    villages = history.on_day(world.sub, TODAY)
    shares = {s.region_id: s.target for s in Share.objects.filter(indicator=walls, region__isnull=False)}
    targets = {v: t for v in villages if (t := villages.own_or_merged(shares, v.pk)) is not None}
    assert targets[successor] == 15
    # the subdistrict decomposes to today's villages: the same parts, now the successor's own
    actions.do_set_shares(walls, targets, actor=leader(), scope=scope_for(leader()))
    assert board(world.sub) == before
    assert Share.objects.get(indicator=walls, region=jinlou).target == 10  # history, not zeroed
    assert Share.objects.get(indicator=walls, region=fanjia).target == 5
    # and gives the successor more: its own share counts from the merge date, the predecessors' before it
    targets[successor] = Decimal(20)
    actions.do_set_shares(walls, targets, reason="合并后调整", actor=leader(), scope=scope_for(leader()))
    assert village_cells(world.sub, [successor])["3.2.1.1"]["金范村"][0] == 20
    assert board(world.sub)["share_sums"][walls.pk] == before["share_sums"][walls.pk] + 5
    earlier = village_cells(world.sub, [jinlou, fanjia], today=datetime.date(2020, 6, 30))["3.2.1.1"]
    assert {name: target for name, (target, _) in earlier.items()} == {"金楼村": 10, "范家村": 5}
    jinlou.refresh_from_db()
    with pytest.raises(ValidationError, match="“金楼村”已于 2020-07-01 并入“金范村”，请分解给“金范村”"):
        actions.do_set_shares(walls, {jinlou: Decimal(10)}, reason="x", actor=leader(), scope=scope_for(leader()))


def test_the_shares_page_and_the_report_form_offer_the_successor(world, as_persona):
    walls = indicator("3.2.1.1")
    successor = merge(world, MIDYEAR)
    client = as_persona("leader")
    page = client.get(f"/targets/indicators/{walls.pk}/shares/")
    rows = {subject.name: value for subject, value in page.context["rows"]}
    assert rows["金范村"] == 15 and "金楼村" not in rows
    page = client.get(f"/targets/indicators/{walls.pk}/")
    choices = dict(page.context["report_form"].fields["region"].choices)
    assert choices[f"r{successor.pk}"] == "金范村"
    jinlou, _ = pair(world)
    assert choices[f"r{jinlou.pk}"] == "金楼村（已于 2020-07-01 并入金范村，仅补报此前的期间）"
    assert "金范村的累计数从设立之日起计" in page.content.decode()


# ---- cases ------------------------------------------------------------------------------------------------------

COUNTS = [k for k in case_queries.counts(datetime.datetime(2020, 11, 20, tzinfo=datetime.UTC))]


@pytest.mark.parametrize("on", [TODAY, MIDYEAR], ids=["on-the-demo-day", "mid-year"])
def test_case_statistics_by_village_follow_the_merge(world, on):
    scope = scope_for(leader())
    f = case_queries.Filters()
    rows = case_queries.statistics(scope, world.sub, "village", f)
    total = case_queries.totals(rows)
    preds = [r for r in rows if r["name"] in ("金楼村", "范家村")]
    assert len(preds) == 2 and all(r["reported"] for r in preds)
    merge(world, on)
    after = case_queries.statistics(scope, world.sub, "village", f)
    assert case_queries.totals(after) == total
    names = [r["name"] for r in after]
    assert "金楼村" not in names and "范家村" not in names
    row = next(r for r in after if r["name"] == "金范村")
    summed = {k: preds[0][k] + preds[1][k] for k in COUNTS}
    assert {k: row[k] for k in COUNTS} == summed
    assert {k: row[k] for k, *_ in case_queries.RATES} == case_queries.rates(summed)  # rates of the sums
    assert row["merged"] == "金楼村、范家村"
    # the row's figures open onto exactly the cases they count: the list for the successor's code
    path, merged = case_queries.region_paths(SUCCESSOR_CODE, lambda: TODAY)
    listed = case_queries.filtered(scope, case_queries.Filters(region_path=path, region_history=merged, counted=True))
    assert listed.filter(confidential=False).count() == row["reported"]
    # statistics up to a day before the merge count the villages as they were
    until = case_queries.Filters(until=on - datetime.timedelta(days=1))
    names = [r["name"] for r in case_queries.statistics(scope, world.sub, "village", until)]
    assert "金楼村" in names and "金范村" not in names


def test_a_case_rate_of_the_successor_is_computed_from_the_summed_counts(world):
    scope = scope_for(leader())
    rows = case_queries.statistics(scope, world.sub, "village", case_queries.Filters())
    preds = [r for r in rows if r["name"] in ("金楼村", "范家村")]
    summed = {k: preds[0][k] + preds[1][k] for k in COUNTS}
    successor = merge(world, MIDYEAR)
    rate = Indicator(pk=-1, source_params={"measure": "closing_rate"})
    count = Indicator(pk=-2, source_params={"measure": "closed"})
    villages = history.on_day(world.sub, TODAY)
    values = sources.get("cases").values([rate, count], villages, engine.year_window(2020, TODAY))
    assert values[(-2, successor.pk)] == summed["closed"]
    assert values[(-1, successor.pk)] == Decimal(str(case_queries.rates(summed)["closing_rate"]))
    assert case_queries.rates(summed)["closing_rate"] != sum(case_queries.rates(r)["closing_rate"] for r in preds)


# ---- ledgers ---------------------------------------------------------------------------------------------------


def test_a_ledgers_village_counts_follow_the_merge(world, as_persona):
    ledger = Ledger.objects.get(region=world.sub, code="gas-conversion")
    scope = scope_for(leader())
    before = dict((v.name, n) for v, n in ledger_queries.totals_by_village(scope, ledger))
    merge(world, TODAY)
    after = dict((v.name, n) for v, n in ledger_queries.totals_by_village(scope, ledger))
    assert after["金范村"] == before["金楼村"] + before["范家村"] == 161
    assert "金楼村" not in after and sum(after.values()) == sum(before.values())
    page = as_persona("leader").get(f"/ledgers/gas-conversion/?region={SUCCESSOR_CODE}")
    assert page.context["page"].paginator.count == 161


# ---- `zhili demo` on a changed database ------------------------------------------------------------------------


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (
            Region,
            Person,
            RoleAssignment,
            Share,
            Entry,
            ActivityRecord,
            IntegrityTalk,
            LedgerRow,
            Case,
            AuditEntry,
        )
    }


def test_loading_the_demo_again_after_a_merge_changes_nothing(world):
    merge(world, MIDYEAR)
    before, figures = counts(), board(world.sub)
    summary = taiping.load()
    assert summary.changed is False, summary.created
    assert counts() == before and board(world.sub) == figures


def test_a_top_up_after_a_merge_writes_what_the_first_load_wrote(world):
    talks = IntegrityTalk.objects.filter(day__year=2020)  # typed once, in the party app (4.4.1.1 counts them)
    first = sorted(talks.values_list("region__code", "day", "person_name"))
    merge(world, MIDYEAR)
    Region.objects.filter(parent=world.sub, name="孔家坊村").update(name="孔家坊新村")  # people rename, too
    talks.delete()
    summary = taiping.load()
    assert {k: n for k, n in summary.created.items() if n} == {"integrity talks": len(first)}
    assert sorted(talks.values_list("region__code", "day", "person_name")) == first


def test_a_top_up_that_cannot_finish_says_why_in_one_sentence_and_writes_nothing(world, monkeypatch):
    from zhili.demo.management.commands import demo

    def stops(*args, **kwargs):
        raise KeyError(416)

    monkeypatch.setattr(targets2020, "load", stops)
    monkeypatch.setattr(demo, "call_command", lambda *a, **k: None)  # the test database is migrated
    IntegrityTalk.objects.all().delete()
    before = counts()
    with pytest.raises(CommandError) as exc:
        call_command("demo", no_serve=True, stdout=io.StringIO())
    message = str(exc.value)
    assert message.startswith("未能补齐演示数据（KeyError: 416）") and "zhili serve" in message
    assert "\n" not in message and message.count("。") == 1
    assert counts() == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MERGE_SCRIPT = """
import datetime, django
django.setup()
from zhili.people.models import Person
from zhili.people.scope import scope_for
from zhili.regions.actions import do_merge_villages
from zhili.regions.models import Region
who = Person.objects.get(username="demo-leader")
villages = list(Region.objects.filter(name__in=["金楼村", "范家村"], level=4))
do_merge_villages(villages, code="370115003900", name="金范村", on=datetime.date(2020, 11, 20), actor=who,
                  scope=scope_for(who), reason="演示")
"""


def test_zhili_demo_after_a_merge_tops_up_and_serves(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILI_", "DJANGO_"))}
    environ.update({"ZHILI_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(PROJECT_ROOT)})
    demo = [sys.executable, "-m", "zhili", "demo"]
    first = subprocess.run([*demo, "--no-serve"], env=environ, cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    merged = subprocess.run(
        [sys.executable, "-c", MERGE_SCRIPT],
        env={**environ, "DJANGO_SETTINGS_MODULE": "zhili.settings", "ZHILI_DEMO": "1"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert merged.returncode == 0, merged.stderr
    port = _free_port()
    server = subprocess.Popen(
        [*demo, "--port", str(port)], env=environ, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.communicate()[1].decode()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.5)
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    out = out.decode()
    assert "演示数据已是最新，未作改动。" in out, out + err.decode()
    assert "Traceback" not in err.decode()
