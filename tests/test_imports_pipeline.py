"""The shared import pipeline's life cycle (zhili.imports): one threshold for background work, staged rows nobody
sees until the import is published, a worker that only reads while idle, and jobs whose worker died taken over
— resumed, or failed with a sentence and a "try again" button — with nothing partial either way."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.ledger_factory import define, messy_workbook
from zhili.core import jobs
from zhili.imports import jobs as worker
from zhili.imports import pipeline
from zhili.imports.models import ImportJob, ImportStatus, StagedChange
from zhili.ledgers import importer as ledger_importer
from zhili.ledgers.models import LedgerRow
from zhili.people.models import Person
from zhili.people.scope import scope_for


@pytest.fixture
def ledger(world):
    return define(world)


@pytest.fixture
def leader(world):
    return Person.objects.get(username="demo-leader")


def upload(client, ledger, path):
    response = client.post(
        f"/ledgers/{ledger.code}/import/", {"file": SimpleUploadedFile(path.name, path.read_bytes())}
    )
    assert response.status_code == 302, response.content[:300]
    return ImportJob.objects.latest("id")


def visible(ledger) -> int:
    return LedgerRow.objects.filter(ledger=ledger).count()


def written(ledger) -> int:
    return LedgerRow.all_rows.filter(ledger=ledger).count()


def test_one_threshold_sends_the_check_and_the_write_to_the_worker(ledger, as_persona, tmp_path, settings):
    client = as_persona("leader")
    settings.ZHILI_IMPORT_BACKGROUND_KB = 10_000  # a small file: checked and written within the request
    job = upload(client, ledger, messy_workbook(tmp_path / "small.xlsx"))
    assert job.status == ImportStatus.PREVIEWED and not job.background
    client.post(f"/ledgers/{ledger.code}/import/{job.pk}/", {"mode": "only_valid"})
    assert visible(ledger) == 4
    LedgerRow.objects.filter(ledger=ledger).delete()

    settings.ZHILI_IMPORT_BACKGROUND_KB = 0  # every file counts as large: the worker checks and writes it
    job = upload(client, ledger, messy_workbook(tmp_path / "large.xlsx"))
    assert job.status == ImportStatus.QUEUED and job.background
    assert jobs.run_once() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED and job.summary["errors"] == 3
    client.post(f"/ledgers/{ledger.code}/import/{job.pk}/", {"mode": "only_valid"})
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTING and visible(ledger) == 0
    page = client.get(f"/ledgers/{ledger.code}/import/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page
    assert jobs.run_once() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and visible(ledger) == 4


def test_rows_being_written_are_seen_by_nobody_until_the_import_is_published(
    ledger, leader, as_persona, tmp_path, monkeypatch
):
    job = upload(as_persona("leader"), ledger, messy_workbook(tmp_path / "f.xlsx"))
    monkeypatch.setattr(pipeline, "COMMIT_BATCH", 1)  # one row per transaction
    seen = []
    real = ledger_importer.LedgerWriter.add

    def add(self, rows):
        real(self, rows)
        seen.append((visible(ledger), written(ledger)))

    monkeypatch.setattr(ledger_importer.LedgerWriter, "add", add)
    done = pipeline.commit(job, scope_for(leader), actor=leader, only_valid=True, batched=True)
    assert done.add == 4
    assert seen == [(0, 1), (0, 2), (0, 3), (0, 4)]  # written batch by batch, none of it visible
    assert visible(ledger) == 4  # then all at once
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and not job.staging


def test_a_commit_refused_half_way_leaves_nothing(ledger, leader, as_persona, tmp_path, monkeypatch):
    """All or nothing, with an error row after rows were already written in their own transactions."""
    job = upload(as_persona("leader"), ledger, messy_workbook(tmp_path / "f.xlsx"))
    monkeypatch.setattr(pipeline, "COMMIT_BATCH", 1)
    with pytest.raises(pipeline.ImportHasErrors):
        pipeline.commit(job, scope_for(leader), actor=leader, only_valid=False, batched=True)
    assert written(ledger) == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED and not job.staging


def test_a_row_changed_while_the_import_is_written_refuses_the_whole_import(
    ledger, leader, as_persona, tmp_path, monkeypatch
):
    client = as_persona("leader")
    first = upload(client, ledger, messy_workbook(tmp_path / "f.xlsx"))
    client.post(f"/ledgers/{ledger.code}/import/{first.pk}/", {"mode": "only_valid"})
    row = LedgerRow.objects.filter(ledger=ledger).order_by("pk").first()
    LedgerRow.objects.filter(pk=row.pk).update(data={**row.data, "head": "改过的名字"})
    again = upload(client, ledger, messy_workbook(tmp_path / "f.xlsx", yan="阎桥"))  # 1 update, 3 unchanged
    assert again.summary["update"] == 1
    real = ledger_importer.LedgerWriter.apply

    def apply(self, changes):  # someone saves the row between the staging and the publishing
        LedgerRow.objects.filter(pk=row.pk).update(revision=row.revision + 5)
        return real(self, changes)

    monkeypatch.setattr(ledger_importer.LedgerWriter, "apply", apply)
    with pytest.raises(pipeline.ImportConflict, match="被他人修改"):
        pipeline.commit(again, scope_for(leader), actor=leader, only_valid=True, batched=True)
    assert LedgerRow.objects.get(pk=row.pk).data["head"] == "改过的名字"
    assert not StagedChange.objects.filter(job=again).exists() and written(ledger) == 4


def test_an_idle_worker_takes_no_write_lock(world):
    with CaptureQueriesContext(connection) as queries:
        assert worker.run_once() == 0
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements and set(statements) == {"SELECT"}


def crashed_mid_write(job: ImportJob, leader, *, attempts: int) -> None:
    """The state a worker killed while writing leaves: rows staged under the job, a lease that ran out."""
    job.refresh_from_db()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.COMMITTING,
        only_valid=True,
        staging=True,
        attempts=attempts,
        lease_token="dead-worker",
        lease_until=timezone.now() - datetime.timedelta(seconds=1),
    )
    job.refresh_from_db()
    writer = ledger_importer.LEDGER.writer(job, ledger_importer.LEDGER.target(job), leader, timezone.now(), bool)
    region = job.region.children.first()
    writer.add([(region.pk, '{"head": "半截"}', "")])


def test_a_write_whose_worker_died_is_taken_over_and_finished(ledger, leader, as_persona, tmp_path):
    job = upload(as_persona("leader"), ledger, messy_workbook(tmp_path / "f.xlsx"))
    crashed_mid_write(job, leader, attempts=1)
    assert visible(ledger) == 0 and written(ledger) == 1
    page = as_persona("leader").get(f"/ledgers/{ledger.code}/import/{job.pk}/").content.decode()
    assert "取消这次导入" not in page  # being written: not cancellable
    assert jobs.run_once() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.summary["add"] == 4
    assert visible(ledger) == written(ledger) == 4  # the dead worker's row is gone, the import whole
    assert not LedgerRow.all_rows.filter(ledger=ledger, data__head="半截").exists()


def test_a_job_interrupted_too_often_fails_with_a_sentence_and_can_be_tried_again(ledger, leader, as_persona, tmp_path):
    client = as_persona("leader")
    job = upload(client, ledger, messy_workbook(tmp_path / "f.xlsx"))
    crashed_mid_write(job, leader, attempts=worker.MAX_ATTEMPTS)
    assert jobs.run_once() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.retryable and "多次中断" in job.message
    assert written(ledger) == 0 and not job.staging
    page = client.get(f"/ledgers/{ledger.code}/import/{job.pk}/").content.decode()
    assert "多次中断" in page and 'value="retry"' in page and 'http-equiv="refresh"' not in page
    client.post(f"/ledgers/{ledger.code}/import/{job.pk}/", {"mode": "retry"})
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED and job.summary["add"] == 4


def test_a_check_whose_worker_died_is_started_again(ledger, leader, as_persona, tmp_path, settings):
    settings.ZHILI_IMPORT_BACKGROUND_KB = 0
    job = upload(as_persona("leader"), ledger, messy_workbook(tmp_path / "f.xlsx"))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.PARSING,
        attempts=1,
        progress=2,
        lease_token="dead-worker",
        lease_until=timezone.now() - datetime.timedelta(seconds=1),
    )
    assert jobs.run_once() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED and job.summary["errors"] == 3 and job.attempts == 2


def test_an_import_can_be_cancelled_until_it_is_written(ledger, as_persona, tmp_path, settings):
    client = as_persona("leader")
    settings.ZHILI_IMPORT_BACKGROUND_KB = 0
    job = upload(client, ledger, messy_workbook(tmp_path / "f.xlsx"))
    client.post(f"/ledgers/{ledger.code}/import/{job.pk}/", {"mode": "cancel"})
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert jobs.run_once() == 0  # the worker leaves it alone
    assert client.post(f"/ledgers/{ledger.code}/import/{job.pk}/", {"mode": "cancel"}).status_code == 409
