"""The demo's upward reports (zhili/demo/reports2020.py, issue 16): three superiors' forms as a district sends them,
mapped and filed for 2020 through the chain by the demo's personas — over 90 % of their cells filled by Zhili, one
filing returned once and fixed, one approved filing corrected — the catalogue showing, for each form, the cells
filled by Zhili against the cells typed by people; the home page's to-dos and the leader's 一表通 panel."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from tests.conftest import person
from zhili.core import clock
from zhili.demo import reports2020
from zhili.reports import fill, periods, queries
from zhili.reports.models import (
    Filing,
    FilingStatus,
    FilingStep,
    FilingValue,
    FilingVillage,
    Layout,
    Origin,
    ReportForm,
    Step,
)

pytestmark = pytest.mark.django_db

CODES = ["HJ-01", "JJ-01", "MS-01"]


def forms(world) -> dict[str, ReportForm]:
    return {f.code: f for f in ReportForm.objects.filter(region=world.sub)}


def current(form: ReportForm, period: str) -> Filing:
    return Filing.objects.filter(form=form, period=period).order_by("-version").first()


def test_three_forms_filed_for_every_period_of_2020_ended_by_the_demo_day(world):
    by_code = forms(world)
    assert sorted(by_code) == CODES
    today = clock.today()
    for code, form in by_code.items():
        assert form.note == reports2020.NOTE and "演示数据" in form.note  # marked synthetic
        ended = [p.key for p in periods.in_year(form.frequency, 2020) if p.end < today and p.start.year == 2020]
        filed = sorted(set(Filing.objects.filter(form=form).values_list("period", flat=True)))
        assert filed == sorted(ended), code
    assert by_code["MS-01"].layout == Layout.ROWS
    assert Filing.objects.filter(form=by_code["HJ-01"]).count() == 45  # the weekly form: weeks 2–46
    # every period is sent but the latest, each waiting for a different step
    assert current(by_code["MS-01"], "2020-10").status == FilingStatus.FILLING
    assert current(by_code["JJ-01"], "2020-10").status == FilingStatus.APPROVAL
    assert current(by_code["HJ-01"], "2020-W46").status == FilingStatus.REVIEW
    assert Filing.objects.filter(form__region=world.sub, status=FilingStatus.SENT).count() == 9 + 9 + 44


def test_over_ninety_percent_of_the_cells_are_filled_by_zhili(world):
    burden = queries.burden(world.sub, 2020)
    total = queries.Burden()
    for code, form in forms(world).items():
        b = burden[form.pk]
        assert b.auto > 0 and b.hand > 0, code  # a few cells honestly typed by people
        assert b.share >= 0.9, (code, b)
        total = total + b
    assert total.share >= 0.9
    assert not FilingValue.objects.filter(filing__form__region=world.sub, origin=Origin.MISSING).exists()


def test_the_catalogue_shows_cells_filled_by_zhili_against_cells_typed_by_people(world, as_persona):
    page = as_persona("leader").get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    cat = queries.catalogue(_leader_scope(), world.sub, clock.today())
    rows = re.findall(r'data-testid="catalogue-row".*?</tr>', html, flags=re.S)
    assert len(rows) == 3
    for row in cat.rows:
        shown = next(r for r in rows if row.form.code in r)
        numbers = re.findall(r'<td class="num">\s*([\d,]+)\s*</td>', shown)
        assert [n.replace(",", "") for n in numbers[:2]] == [str(row.burden.auto), str(row.burden.hand)], shown
        assert row.burden.auto > row.burden.hand > 0 or row.form.code == "MS-01"
    year = cat.year_totals
    assert f"{year.auto}" in html.replace(",", "") and f"{year.hand}" in html.replace(",", "")


def _leader_scope():
    from zhili.people.scope import scope_for

    return scope_for(person("demo-leader"))


def test_one_filing_returned_once_with_a_comment_and_fixed(world):
    returned = FilingStep.objects.filter(filing__form__region=world.sub, step=Step.RETURNED)
    assert returned.count() == 1
    step = returned.get()
    assert step.comment == reports2020.RETURN_COMMENT and step.actor.username == "demo-leader"
    filing = step.filing
    assert (filing.form.code, filing.period) == reports2020.RETURNED
    assert filing.status == FilingStatus.SENT and filing.version == 1
    steps = list(FilingStep.objects.filter(filing=filing).order_by("at", "pk").values_list("step", flat=True))
    assert steps == [
        Step.FILLED,
        Step.SUBMITTED,
        Step.REVIEWED,
        Step.RETURNED,
        Step.SUBMITTED,
        Step.REVIEWED,
        Step.APPROVED,
        Step.SENT,
    ]


def test_one_approved_filing_corrected_as_version_two_with_its_reason(world):
    code, period = reports2020.CORRECTED
    old, new = Filing.objects.filter(form__code=code, form__region=world.sub, period=period).order_by("version")
    assert old.status == FilingStatus.SUPERSEDED and old.approved_at is not None
    assert new.version == 2 and new.replaces_id == old.pk and new.status == FilingStatus.SENT
    assert new.correction_reason == reports2020.CORRECTION_REASON
    assert FilingStep.objects.filter(filing__in=[old, new], step=Step.CORRECTED).count() == 2
    assert Filing.objects.filter(form__region=world.sub).exclude(correction_reason="").count() == 1
    # the year's burden counts the correction, not the version it replaced
    assert queries.burden_by_period(new.form, 2020)[period].auto == new.auto_cells


def test_each_sent_filing_went_through_the_chain_by_different_people_before_its_deadline(world):
    for filing in Filing.objects.filter(form__region=world.sub, status=FilingStatus.SENT, version=1):
        who = dict(FilingStep.objects.filter(filing=filing).values_list("step", "actor__username"))
        officer = "demo-economy" if filing.form.code == "JJ-01" else "demo-urban"
        assert who[Step.SUBMITTED] == officer and who[Step.SENT] == officer
        assert who[Step.APPROVED] == "demo-leader"
        assert who[Step.REVIEWED] not in (officer, "demo-leader")
        assert filing.sent_at.date() <= filing.due, (filing, filing.due)
        assert filing.start <= filing.end < filing.filled_at.date() <= filing.sent_at.date()


def test_the_village_rows_typed_and_confirmed_by_their_cadres_but_three_in_october(world):
    form = forms(world)["MS-01"]
    september, october = current(form, "2020-09"), current(form, "2020-10")
    assert not FilingVillage.objects.filter(filing=september, confirmed_at__isnull=True).exists()
    kong = FilingVillage.objects.get(filing=september, village=world.kong)
    assert kong.confirmed_by.username == "demo-village"
    waiting = FilingVillage.objects.filter(filing=october, confirmed_at__isnull=True)
    assert waiting.count() == reports2020.LATE_VILLAGES and waiting.filter(village=world.kong).exists()
    typed = FilingValue.objects.get(filing=september, village=world.kong, origin=Origin.HAND)
    assert typed.entered_by.username == "demo-village" and typed.number is not None
    assert FilingValue.objects.filter(filing=september, village__isnull=False).count() == 91 * 11


def test_the_superiors_files_as_a_district_sends_them_and_filled_copies(world):
    form = forms(world)["MS-01"]
    version = form.versions.get()
    book = openpyxl.load_workbook(io.BytesIO(bytes(version.content)))
    ws = book[version.sheet]
    assert "A1:N1" in {str(r) for r in ws.merged_cells.ranges} and ws["A1"].value == "民生实事村级进度月报表"
    assert ws["C3"].value == "户户通硬化路" and ws["C4"].value == "硬化长度（米）" and ws["A5"].value == "甲"
    assert ws.column_dimensions["B"].width == 14 and ws["C10"].border.left.style == "thin"
    assert "填报说明" in book.sheetnames
    september = current(form, "2020-09")
    filled = openpyxl.load_workbook(io.BytesIO(fill.workbook(september)))[version.sheet]
    row = FilingVillage.objects.get(filing=september, village=world.kong).row
    assert filled[f"B{row}"].value == "孔家坊村"
    for v in FilingValue.objects.filter(filing=september, village=world.kong):
        assert filled[v.ref].value == pytest.approx(float(v.number)), v.ref
    assert filled["C4"].value == "硬化长度（米）" and filled.column_dimensions["B"].width == 14


def test_home_to_dos_for_whoever_has_a_step_to_take(world, as_persona):
    village = as_persona("village").get("/").content.decode()
    assert "民生实事村级进度月报表" in village and "2020年10月" in village
    october = current(forms(world)["MS-01"], "2020-10")
    assert f"/reports/filings/{october.pk}/village/{world.kong.code}/" in village
    leader = as_persona("leader").get("/").content.decode()
    assert "经济运行情况月报表 2020年10月" in leader and "报表待审批" in leader
    assert "环境整治周报表" in leader and "报表待审核" in leader
    urban = as_persona("urban").get("/").content.decode()
    assert "报表待审核" not in urban  # 城管办 submitted the week itself: four eyes
    outsider = as_persona("outsider").get("/").content.decode()
    assert "孔家坊村" not in outsider


def test_the_leaders_cockpit_panel_counts_the_year_per_form(world, as_persona):
    html = as_persona("leader").get("/").content.decode()
    panel = re.search(r'id="cockpit-reports".*?</section>', html, flags=re.S)
    assert panel is not None and "一表通" in panel.group(0)
    burden = queries.burden(world.sub, 2020)
    for form in forms(world).values():
        assert form.name in panel.group(0)
        assert f'<td class="num">{burden[form.pk].auto}</td>' in panel.group(0)
    assert 'href="/reports/"' in panel.group(0)
    for who in ("viewer", "economy", "village", "grid"):
        assert 'id="cockpit-reports"' not in as_persona(who).get("/").content.decode(), who


def test_a_second_load_adds_nothing_and_without_reports_removes_it_all(world):
    summary = _summary()
    leaders = [person("demo-leader")]
    people = {u: person(u) for u in ("demo-leader", "demo-economy", "demo-urban")}
    from zhili.demo import taiping

    villages = taiping.demo_villages()
    reports2020.load(summary, sub=world.sub, villages=villages, people=people, leaders=leaders)
    assert not summary.changed
    reports2020.without_reports(world.sub)
    assert not ReportForm.objects.filter(region=world.sub).exists()
    assert not Filing.objects.filter(form__region=world.sub).exists()


def _summary():
    from zhili.demo.taiping import Summary

    return Summary()
