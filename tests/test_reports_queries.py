"""Reports upward (issue 16), the reads: the catalogue (报表目录) with this period's status, its light against the
deadline in working days and the burden (cells filled by Zhili against cells typed by people) per form, per
period and per year, in a fixed number of queries whatever the number of forms; a filing's page says what the
viewer may do (so the pages show only buttons that work), also in a fixed number of queries; the todos."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import reports_sample as sample
from tests import test_reports_chain as chain
from tests.test_reports_chain import (
    approved_rows_filing,
    cells_setup,
    fill_missing,
    rows_setup,
    third_village,
    type_row,
)
from zhili.core import lights
from zhili.reports import actions, queries
from zhili.reports.lights import ReportLight, light_of
from zhili.reports.models import Filing, FilingStatus, Layout

pytestmark = pytest.mark.django_db

world = chain.world  # the fixtures: the demo without its report forms, and the personas
people = chain.people

PERIOD = "2020-09"
TODAY = datetime.date(2020, 10, 9)  # the current monthly period is 2020-09


def count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


# ---- the light -------------------------------------------------------------------------------------------------


def test_the_light_counts_working_days():
    due = datetime.date(2020, 11, 13)  # a Friday
    assert light_of(due, True, datetime.date(2020, 11, 20)).state == lights.DONE
    assert light_of(due, False, datetime.date(2020, 11, 16)).state == lights.OVERDUE
    late = light_of(due, False, datetime.date(2020, 11, 17))
    assert late.days == 2 and "已超过 2 个工作日" in late.explain()
    weekend = light_of(due, False, datetime.date(2020, 11, 14))  # Saturday: late, no working day lost yet
    assert weekend.state == lights.OVERDUE and "已过期限" in weekend.explain()
    assert light_of(due, False, due).state == lights.RED and "最后一天" in light_of(due, False, due).explain()
    assert light_of(due, False, datetime.date(2020, 11, 12)).state == lights.RED
    assert light_of(due, False, datetime.date(2020, 11, 10)).state == lights.YELLOW  # 3 working days left
    green = light_of(due, False, datetime.date(2020, 11, 6))  # Friday before: 5 working days
    assert green.state == lights.GREEN and "还剩 5 个工作日" in green.explain()
    assert isinstance(green, lights.Light) and green.rule_text
    # 调休: 2020-10-10 (a Saturday) was a working day after the National Day holidays
    assert light_of(datetime.date(2020, 10, 12), False, datetime.date(2020, 10, 9)).days == 2


# ---- the catalogue, in a fixed number of queries --------------------------------------------------------------


def _filled_cells_form(world, people, code):
    form = cells_setup(world, people, code=code)
    actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    return form


def test_catalogue_holds_its_query_count_for_one_and_three_forms(world, people):
    leader = people["leader"].scope
    first = _filled_cells_form(world, people, "Q-1")
    one = count(lambda: queries.catalogue(leader, world.sub, TODAY))
    cat = queries.catalogue(leader, world.sub, TODAY)
    assert [r.form for r in cat.rows] == [first]
    _filled_cells_form(world, people, "Q-2")
    rows_form, _v = rows_setup(world, people)  # a ROWS form, filled below
    actions.do_fill_filing(rows_form, PERIOD, **people["urban"].kw())
    three = count(lambda: queries.catalogue(leader, world.sub, TODAY))
    assert one == three <= 6
    cat = queries.catalogue(leader, world.sub, TODAY)
    assert len(cat.rows) == 3
    row = cat.rows[0]
    assert row.period.key == PERIOD and row.filing is not None and row.status_label == "填报中"
    assert isinstance(row.light, ReportLight) and row.light.due == row.filing.due
    assert row.burden.auto == row.filing.auto_cells and row.burden.hand == row.filing.hand_cells
    assert cat.totals.auto == sum(r.burden.auto for r in cat.rows) > 0
    assert cat.totals.hand == sum(r.burden.hand for r in cat.rows) > 0
    assert cat.year_totals.auto >= cat.totals.auto and cat.year == 2020
    assert 0 < cat.totals.share < 1
    # the same, seen by someone who may not read the subdistrict's reports: nothing
    assert queries.catalogue(people["village"].scope, world.sub, TODAY).rows == []
    assert queries.forms_for(people["outsider"].scope, world.sub) == []


def test_catalogue_status_light_and_remap(world, people):
    form = cells_setup(world, people, code="Q-3")
    cat = queries.catalogue(people["urban"].scope, world.sub, TODAY)
    row = cat.rows[0]
    assert row.filing is None and row.status_label == "未开始" and row.burden.share is None
    assert row.light.state in (lights.GREEN, lights.YELLOW, lights.RED) and row.version == 1
    late = queries.catalogue(people["urban"].scope, world.sub, datetime.date(2020, 10, 30)).rows[0]
    assert late.light.state == lights.OVERDUE and late.period.key == PERIOD
    actions.do_upload_version(form, "新.xlsx", sample.cells_form_moved(), **people["urban"].kw())
    row = queries.catalogue(people["urban"].scope, world.sub, TODAY).rows[0]
    assert row.needs_remap >= 2 and row.version == 2


def test_burden_per_form_period_and_year(world, people):
    form = cells_setup(world, people, code="Q-4")
    sept = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    aug = actions.do_fill_filing(form, "2020-08", **people["urban"].kw())
    old = actions.do_fill_filing(form, "2019-12", **people["urban"].kw())
    by_period = queries.burden_by_period(form, 2020)
    assert set(by_period) == {"2020-08", PERIOD}
    assert by_period[PERIOD].auto == sept.auto_cells and by_period[PERIOD].hand == sept.hand_cells
    year = queries.burden(world.sub, 2020)[form.pk]
    assert year.auto == sept.auto_cells + aug.auto_cells and year.hand == sept.hand_cells + aug.hand_cells
    assert queries.burden(world.sub, 2019)[form.pk].auto == old.auto_cells
    assert count(lambda: queries.burden(world.sub, 2020)) == 1
    assert count(lambda: queries.burden_by_period(form, 2020)) == 1
    rows = queries.form_periods(people["urban"].scope, form, 2020, TODAY)
    assert [r.period.key for r in rows][:3] == ["2020-10", PERIOD, "2020-08"]
    assert rows[1].filing.pk == sept.pk and rows[0].filing is None


# ---- a filing's page: what the viewer may do ------------------------------------------------------------------


def test_filing_detail_says_what_each_persona_may_do(world, people):
    form, _v = rows_setup(world, people)
    filing = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())

    def may(who, f):
        d = queries.filing_detail(people[who].scope, f)
        flags = ("may_fill", "may_submit", "may_review", "may_approve", "may_return", "may_send", "may_correct")
        return {k for k in flags if getattr(d, k)}

    detail = queries.filing_detail(people["urban"].scope, filing)
    assert detail.may_fill and not detail.may_submit and detail.blockers
    assert {g.title for g in detail.groups if g.village} == {world.kong.name, world.yan.name, third_village(world).name}
    kong = next(g for g in detail.groups if g.village == world.kong)
    assert all(c.may_enter == (c.value.origin in ("hand", "missing")) for c in kong.cells)
    assert may("economy", filing) == set()
    assert may("leader", filing) == {"may_fill"}

    filing = approved_rows_filing(world, people, form)
    assert may("urban", filing) == {"may_send", "may_correct"}
    assert may("leader", filing) == {"may_send", "may_correct"}
    assert may("economy", filing) == set()
    filing = actions.do_mark_sent(filing, **people["urban"].kw())
    assert may("urban", filing) == {"may_correct"}
    new = actions.do_correct_filing(filing, "更正", **people["urban"].kw())
    old = queries.filing_detail(people["urban"].scope, Filing.objects.get(pk=filing.pk))
    assert not old.may_correct and old.newer.pk == new.pk and not old.is_current
    # a fresh correction: submitted by the office, then the reviewer and the approver
    fill_missing(new, people["urban"])
    new = actions.do_submit_filing(new, **people["urban"].kw())
    assert may("urban", new) == {"may_return"}  # it submitted: no review, but it may take it back with a comment
    d = queries.filing_detail(people["urban"].scope, new)
    assert "您提交的" in d.why_not_review
    assert may("leader2", new) == {"may_review", "may_return"}
    new = actions.do_review_filing(new, **people["leader2"].kw())
    assert may("leader2", new) == {"may_return"}
    assert may("leader", new) == {"may_approve", "may_return"}


def test_filing_detail_and_village_row_hold_their_query_counts(world, people):
    leader = people["leader"].scope
    small = _filled_cells_form(world, people, "Q-5")
    small_filing = Filing.objects.get(form=small)
    form, _v = rows_setup(world, people)
    big = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    a = count(lambda: queries.filing_detail(leader, queries.get_filing_or_404(leader, small_filing.pk)))
    b = count(lambda: queries.filing_detail(leader, queries.get_filing_or_404(leader, big.pk)))
    assert a == b <= 8
    village = people["village"].scope
    r = count(lambda: queries.village_row(village, big, world.kong))
    assert r <= 3


def test_todos_follow_the_chain(world, people):
    form, _v = rows_setup(world, people)
    filing = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())

    def todos(who):
        return [
            (t.kind, t.village) for t in queries.my_todos(people[who].scope, people[who].p) if t.filing.pk == filing.pk
        ]

    assert todos("village") == [("待填报", world.kong)]
    assert todos("outsider") == [("待填报", world.yan)]
    assert ("待填报", None) in todos("urban")
    assert todos("economy") == []
    type_row(filing, world.kong, people["village"])
    actions.do_confirm_row(filing, world.kong, **people["village"].kw())
    assert todos("village") == []
    type_row(filing, world.yan, people["outsider"], ("5", "6"))
    actions.do_confirm_row(filing, world.yan, **people["outsider"].kw())
    third = third_village(world)
    type_row(filing, third, people["urban"], ("1", "2"))
    actions.do_confirm_row(filing, third, **people["urban"].kw())
    fill_missing(filing, people["urban"])
    filing = actions.do_submit_filing(filing, **people["urban"].kw())
    assert todos("urban") == []  # it submitted: not its review
    assert todos("leader2") == [("待审核", None)]
    filing = actions.do_review_filing(filing, **people["leader2"].kw())
    assert todos("leader2") == []  # it reviewed: not its approval
    assert todos("leader") == [("待审批", None)]
    actions.do_return_filing(filing, "核对", villages=[world.kong], **people["leader"].kw())
    assert todos("village") == [("待填报", world.kong)]
    assert ("已退回", None) in todos("urban")
    n = count(lambda: queries.my_todos(people["leader"].scope, people["leader"].p))
    assert n <= 5
    assert Filing.objects.get(pk=filing.pk).status == FilingStatus.FILLING
    assert form.layout == Layout.ROWS
