"""Every period filled on its own (zhili/reports/jobs.py): once a form's period has ended, the worker's schedule
enqueues one run per form and period, and the run fetches the period's figures as the administrator — never over
a filing someone began, never from a file whose mapping still has cells to settle."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from zhili.core import jobs
from zhili.core.models import JobRun
from zhili.reports import jobs as report_jobs
from zhili.reports.models import CellMap, Filing, FilingStatus, MapState, ReportForm

pytestmark = pytest.mark.django_db


def _at(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day} 09:00"))


def test_the_demos_current_periods_are_filed_already(world):
    assert report_jobs.periodic(_at("2020-11-20")) == 0  # 2020-10 and week 46 have their filings


def test_each_ended_period_is_enqueued_once_and_filled(world, django_assert_max_num_queries):
    december = _at("2020-12-02")  # November has ended, and week 48
    with django_assert_max_num_queries(4 + 3 * 4):  # four reads, and each run's enqueue (savepoint, insert)
        assert report_jobs.periodic(december) == 3
    with django_assert_max_num_queries(2):  # every due period has its run: the forms and the runs' keys
        assert report_jobs.periodic(december) == 0
    jobs.run_schedules(december)  # every schedule, as the worker calls them: no second run of a period
    assert JobRun.objects.filter(kind=report_jobs.KIND).count() == 3
    keys = sorted(JobRun.objects.filter(kind=report_jobs.KIND).values_list("key", flat=True))
    forms = {f.code: f for f in ReportForm.objects.filter(region=world.sub)}
    assert keys == sorted(
        [f"{forms['MS-01'].pk}:2020-11", f"{forms['JJ-01'].pk}:2020-11", f"{forms['HJ-01'].pk}:2020-W48"]
    )
    run = JobRun.objects.get(kind=report_jobs.KIND, key=f"{forms['JJ-01'].pk}:2020-11")
    result = report_jobs.fill_period(run)
    filing = Filing.objects.get(pk=result["filing"])
    assert (filing.form, filing.period, filing.status) == (forms["JJ-01"], "2020-11", FilingStatus.FILLING)
    assert result["filled"] and result["auto"] == filing.auto_cells > 0
    # a second run of the same period (a retry) leaves the filing as it is
    assert report_jobs.fill_period(run) == {"filing": filing.pk, "filled": False}
    assert Filing.objects.filter(form=forms["JJ-01"], period="2020-11").count() == 1


def test_a_period_begun_by_hand_or_a_mapping_to_settle_gets_no_run(world):
    forms = {f.code: f for f in ReportForm.objects.filter(region=world.sub)}
    begun = Filing.objects.filter(form=forms["JJ-01"]).order_by("-period").first()
    Filing.objects.filter(pk=begun.pk).update(period="2020-11")  # as if someone fetched November by hand
    cell = CellMap.objects.filter(version__form=forms["HJ-01"]).order_by("pk").first()
    CellMap.objects.filter(pk=cell.pk).update(state=MapState.MOVED, moved_from=cell.ref)
    assert report_jobs.periodic(_at("2020-12-02")) == 1  # MS-01 only
    assert list(JobRun.objects.filter(kind=report_jobs.KIND).values_list("key", flat=True)) == [
        f"{forms['MS-01'].pk}:2020-11"
    ]
