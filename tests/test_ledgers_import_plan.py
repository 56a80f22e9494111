"""The preview's plan: commit writes exactly what the preview found without reading the file again, and only
when nothing its outcome depends on has changed; otherwise the file is read again."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.ledger_factory import define, messy_workbook
from zhili.imports import pipeline as importer
from zhili.imports.models import ImportJob, ImportStatus
from zhili.ledgers.models import LedgerRow
from zhili.people.models import Person
from zhili.people.scope import scope_for


@pytest.fixture
def ledger(world):
    return define(world)


@pytest.fixture
def leader(world):
    return Person.objects.get(username="demo-leader")


def previewed(client, ledger, path):
    with open(path, "rb") as fh:
        response = client.post(f"/ledgers/{ledger.code}/import/", {"file": SimpleUploadedFile(path.name, fh.read())})
    assert response.status_code == 302
    job = ImportJob.objects.latest("id")
    assert job.status == ImportStatus.PREVIEWED, job.message
    return job


def stored(ledger):
    return {r.key_value: (r.region_id, r.data) for r in LedgerRow.objects.filter(ledger=ledger)}


def no_reading(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(importer, "analyse", refuse)


def test_commit_writes_the_plan_without_reading_the_file_again(
    ledger, leader, as_persona, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    path = messy_workbook(tmp_path / "f.xlsx")
    job = previewed(as_persona("leader"), ledger, path)
    plan = importer._plan_path(job)
    assert plan.exists()
    assert not [p for p in plan.parent.iterdir() if p.name.endswith(".tmp")]  # renamed into place, nothing left
    with monkeypatch.context() as m:
        no_reading(m)
        with pytest.raises(importer.ImportHasErrors):  # all or nothing: the plan's error rows refuse it
            importer.commit(job, scope_for(leader), actor=leader)
        with django_capture_on_commit_callbacks(execute=True):
            done = importer.commit(job, scope_for(leader), actor=leader, only_valid=True)
    assert (done.add, done.errors, done.rows) == (4, 3, 7)
    from_plan = stored(ledger)
    assert not plan.exists()  # dropped once the rows are written

    # the same file committed by reading it again gives the very same rows
    LedgerRow.objects.filter(ledger=ledger).delete()
    again = previewed(as_persona("leader"), ledger, path)
    importer._plan_path(again).unlink()
    importer.commit(again, scope_for(leader), actor=leader, only_valid=True)
    assert stored(ledger) == from_plan


def test_a_stale_plan_is_not_used(ledger, leader, as_persona, tmp_path, monkeypatch):
    job = previewed(as_persona("leader"), ledger, messy_workbook(tmp_path / "f.xlsx"))
    key = importer._plan_key(job, scope_for(leader), leader, None)
    assert importer._read_plan(job, key) is not None
    # another person (another scope and remembered mapping), a manual mapping, a changed file: each another key
    cadre = Person.objects.get(username="demo-village")
    assert importer._plan_key(job, scope_for(cadre), cadre, None) != key
    assert importer._plan_key(job, scope_for(leader), leader, {"备注": ""}) != key
    stat = os.stat(job.file.path)
    os.utime(job.file.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert importer._plan_key(job, scope_for(leader), leader, None) != key
    assert importer._read_plan(job, importer._plan_key(job, scope_for(leader), leader, None)) is None
    with monkeypatch.context() as m:  # the file is read again
        calls = []
        real = importer.analyse
        m.setattr(importer, "analyse", lambda *a, **k: calls.append(1) or real(*a, **k))
        done = importer.commit(job, scope_for(leader), actor=leader, only_valid=True)
    assert calls and done.add == 4


def test_add_or_update_is_decided_at_commit_time(ledger, leader, as_persona, tmp_path, monkeypatch):
    """Rows written between preview and commit are updated (or left alone), never added twice."""
    path = messy_workbook(tmp_path / "f.xlsx")
    first = previewed(as_persona("leader"), ledger, path)
    second = previewed(as_persona("leader"), ledger, path)
    importer.commit(first, scope_for(leader), actor=leader, only_valid=True)
    row = LedgerRow.objects.filter(ledger=ledger).first()
    LedgerRow.objects.filter(pk=row.pk).update(data={**row.data, "head": "改过的名字"})
    with monkeypatch.context() as m:
        no_reading(m)
        done = importer.commit(second, scope_for(leader), actor=leader, only_valid=True)
    assert (done.add, done.update, done.unchanged) == (0, 1, 3)
    assert LedgerRow.objects.filter(ledger=ledger).count() == 4
    row.refresh_from_db()
    assert row.data["head"] != "改过的名字" and row.revision == 2
