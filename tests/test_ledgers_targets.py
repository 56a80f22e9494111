"""A target bound to a ledger: its light follows the ledger as soon as a row changes, and its figure opens onto
exactly the rows it counted."""

import datetime
from decimal import Decimal

import pytest

from tests.ledger_factory import define, ident
from tests.targets_factory import TODAY, YEAR
from zhili.ledgers.actions import do_add_row, do_archive_row, do_update_row
from zhili.ledgers.models import LedgerRow
from zhili.people.models import Person
from zhili.people.scope import scope_for
from zhili.targets import engine, lights, sources
from zhili.targets.models import Decomposition, Goal, Indicator, Share, SourceKind, Task


@pytest.fixture
def bound(world, settings):
    settings.ZHILI_TODAY = TODAY
    ledger = define(world)
    leader = Person.objects.get(username="demo-leader")
    goal = Goal.objects.create(region=world.sub, year=YEAR, level_name="攻坚战", code="9", title="气代煤")
    task = Task.objects.create(
        goal=goal, code="9.1", title="清洁取暖", start=datetime.date(YEAR, 1, 1), deadline=datetime.date(YEAR, 12, 31)
    )
    ind = Indicator.objects.create(
        task=task,
        code="g",
        name="验收户数",
        unit="户",
        target=Decimal(4),
        source=SourceKind.COMPUTED,
        source_key="ledger",
        source_params={"ledger": ledger.code, "measure": "count", "filter": {"status": "已验收"}},
        decomposition=Decomposition.VILLAGES,
    )
    Share.objects.create(indicator=ind, region=world.kong, target=Decimal(4))
    scope = scope_for(leader)
    rows = [
        do_add_row(
            ledger,
            {
                "village": "孔家坊",
                "head": f"孔{i}",
                "id_number": ident(100 + i),
                "status": "已验收" if i < 3 else "施工中",
            },
            actor=leader,
            scope=scope,
        )
        for i in range(4)
    ]
    return ledger, ind, rows, leader, scope


def figure(world, ind):
    c = engine.compute(world.sub, YEAR, TODAY, [world.kong], whole=True)
    return c.whole[ind.pk], c.village[(ind.pk, world.kong.pk)]


def test_the_light_follows_the_ledger_when_a_row_changes(bound, world):
    _, ind, rows, leader, scope = bound
    whole, kong = figure(world, ind)
    assert whole.actual == 3 and kong.actual == 3
    assert whole.light.state == lights.RED  # 75 % against 88 % elapsed on 2021-11-19
    last = rows[3]
    do_update_row(
        last,
        {**last.data, "village": "孔家坊村", "status": "已验收"},
        revision=last.revision,
        actor=leader,
        scope=scope,
    )
    whole, kong = figure(world, ind)
    assert whole.actual == 4 and whole.light.state == lights.DONE
    do_archive_row(rows[0], reason="重复登记", actor=leader, scope=scope)
    assert figure(world, ind)[0].actual == 3


def test_the_figure_drills_down_to_exactly_those_rows(bound, world, as_persona):
    ledger, ind, rows, _, _ = bound
    page = as_persona("leader").get(f"/targets/indicators/{ind.pk}/villages/{world.kong.code}/").content.decode()
    counted = [r for r in rows if r.data["status"] == "已验收"]
    assert page.count("<tr>") - 1 == len(counted)
    for r in counted:
        assert r.data["head"] in page
    assert rows[3].data["head"] not in page  # 施工中: not counted, not shown
    assert "370125" in page and ident(100) not in page  # identity numbers masked in the drill-down
    assert f"/ledgers/{ledger.code}/?region={world.kong.code}" in page


def test_a_source_bound_to_the_pilot_villages_counts_only_them_and_the_import_warns(bound, world, tmp_path):
    """垃圾分类试点村 counts the villages with rows of the pilots' ledger, bound to its pilots (here 孔家坊 alone):
    a row for 阎桥 is imported with a warning that says so, and the count stays 1 of 1 — not 2 of 1 (200 %)."""
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhili.imports import actions as imports
    from zhili.ledgers.importer import KEY

    ledger, ind, _rows, leader, scope = bound
    pilots = Indicator.objects.create(
        task=ind.task,
        code="p",
        name="试点村数",
        unit="个",
        target=Decimal(1),
        source=SourceKind.COMPUTED,
        source_key="ledger",
        source_params={"ledger": ledger.code, "measure": "villages", "villages": [world.kong.code]},
    )
    book = openpyxl.Workbook()
    book.active.append(["村", "户主姓名", "身份证号", "验收状态"])
    book.active.append(["阎桥村", "阎春梅", ident(205), "已验收"])
    buf = io.BytesIO()
    book.save(buf)
    job = imports.do_start_import(
        KEY, ledger, SimpleUploadedFile("阎桥.xlsx", buf.getvalue()), actor=leader, scope=scope
    )
    job.refresh_from_db()
    assert (job.summary["add"], job.summary["errors"]) == (1, 0)
    warnings = [p["reason"] for p in job.problems if p.get("level") == "warning"]
    assert "“阎桥村”不在指标“试点村数”所计的 1 个村之列：这一行照常导入，但不计入该指标。" in warnings
    imports.do_confirm(job, only_valid=False, actor=leader, scope=scope)
    assert LedgerRow.objects.filter(ledger=ledger, region=world.yan).count() == 1

    c = engine.compute(world.sub, YEAR, TODAY, [world.kong, world.yan], whole=True)
    assert c.whole[pilots.pk].actual == 1 and c.whole[pilots.pk].completion == 100
    assert list(engine_records(pilots, world.yan)) == []
    assert sources.get("ledger").describe(pilots) == "统计台账“测试气代煤台账”中指定的 1 个村（社区）的有记录的村数"


def engine_records(ind, village):
    from zhili.targets.sources import Window

    return sources.get("ledger").records(ind, village, Window(datetime.date(YEAR, 1, 1), TODAY))
