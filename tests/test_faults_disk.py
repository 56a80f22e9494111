"""The disk holding the uploads is full or read-only (issue 17, "faults that lose nothing"): a case's photo, a
progress report's evidence, an import's file — each upload fails with a Chinese sentence (503, for pages and the
API), and the record that would have pointed at the file is not created; files already written for the same
action are removed. The storage's `_save` raises what the operating system would (root ignores permissions, so
a read-only directory cannot be made for the test)."""

from __future__ import annotations

import errno

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import cases_factory as cf
from tests import evidence_files as ef
from tests.ledger_factory import define, messy_workbook
from tests.targets_factory import TODAY, build
from zhili.cases.models import Case, CasePhoto
from zhili.imports.models import ImportJob
from zhili.targets.models import Entry, Evidence

pytestmark = pytest.mark.django_db

SENTENCE = "服务器的存储空间已满或无法写入，文件没有保存，您刚才的操作也没有保存"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_in(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def disk(monkeypatch, code: int, *, after: int = 0) -> None:
    """The storage fails with `code` from its `after`+1-th file on (the first `after` files are written)."""
    real = FileSystemStorage._save
    calls = {"n": 0}

    def save(self, name, content):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(code, {errno.ENOSPC: "No space left on device", errno.EROFS: "Read-only file system"}[code])
        return real(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", save)


def _report(client, world, ref: str, photos: int = 1):
    lng, lat = cf.point_in(world.kong_grid)
    category = cf.category(world.sub, "street-vending")
    return client.post(
        "/cases/report/",
        {
            "category": category.pk,
            "description": "占道摆摊卖菜",
            "lng": str(lng),
            "lat": str(lat),
            "photos": [cf.jpeg(f"p{i}.jpg", lng=lng, lat=lat) for i in range(photos)],
            "client_ref": ref,
        },
    )


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_case_reported_with_a_photo_on_a_full_or_read_only_disk_is_not_created(
    world, as_persona, media, monkeypatch, code
):
    disk(monkeypatch, code)
    photos = CasePhoto.objects.count()
    response = _report(as_persona("grid"), world, "disk-full-1")
    assert response.status_code == 503 and SENTENCE in response.content.decode()
    assert not Case.objects.filter(client_ref="disk-full-1").exists()
    assert CasePhoto.objects.count() == photos and files_in(media) == []


def test_the_files_of_a_photo_written_before_the_disk_filled_are_removed(world, as_persona, media, monkeypatch):
    """Two photos, four files (original and display each): the disk fills at the third."""
    disk(monkeypatch, errno.ENOSPC, after=2)
    response = _report(as_persona("grid"), world, "disk-full-2", photos=2)
    assert response.status_code == 503
    assert not Case.objects.filter(client_ref="disk-full-2").exists()
    assert files_in(media) == []  # the first photo's two files went with the case that was not created
    monkeypatch.undo()  # the disk has room again: the same form goes through
    assert _report(as_persona("grid"), world, "disk-full-2", photos=2).status_code == 302
    assert Case.objects.get(client_ref="disk-full-2").photos.count() == 2 and len(files_in(media)) == 4


def test_a_case_reported_through_the_api_on_a_full_disk_is_a_503_with_its_sentence(world, media, monkeypatch):
    from django.test import Client

    from tests.conftest import person

    client = Client()
    client.force_login(person("demo-grid"))
    lng, lat = cf.point_in(world.kong_grid)
    category = cf.category(world.sub, "street-vending")
    disk(monkeypatch, errno.ENOSPC)
    response = client.post(
        "/api/v1/cases",
        {
            "category": category.code,
            "description": "桥下垃圾成堆",
            "lng": str(lng),
            "lat": str(lat),
            "photos": [cf.jpeg(lng=lng, lat=lat)],
            "client_ref": "disk-api-1",
        },
    )
    assert response.status_code == 503 and SENTENCE in response.json()["detail"]
    assert not Case.objects.filter(client_ref="disk-api-1").exists() and files_in(media) == []


def test_a_progress_report_with_evidence_on_a_full_disk_is_not_recorded(
    world, as_persona, settings, media, monkeypatch
):
    settings.ZHILI_TODAY = TODAY
    tree = build(world)
    ind = tree.households
    before = Entry.objects.filter(indicator=ind).count(), Evidence.objects.count()
    disk(monkeypatch, errno.ENOSPC, after=1)  # the first of two files is written
    response = as_persona("village").post(
        f"/targets/indicators/{ind.pk}/report/",
        {
            "region": f"r{world.kong.pk}",
            "day": "2021-11-05",
            "value": "9",
            "files": [ef.upload("现场.png", ef.image("PNG")), ef.upload("验收单.pdf", ef.pdf())],
        },
    )
    assert response.status_code == 503 and SENTENCE in response.content.decode()
    assert (Entry.objects.filter(indicator=ind).count(), Evidence.objects.count()) == before
    assert files_in(media) == []


def test_an_import_file_on_a_read_only_disk_makes_no_job(world, as_persona, media, monkeypatch, tmp_path):
    ledger = define(world)
    path = messy_workbook(tmp_path / "f.xlsx")
    jobs = ImportJob.objects.count()
    disk(monkeypatch, errno.EROFS)
    response = as_persona("leader").post(
        f"/ledgers/{ledger.code}/import/", {"file": SimpleUploadedFile(path.name, path.read_bytes())}
    )
    assert response.status_code == 503 and SENTENCE in response.content.decode()
    assert ImportJob.objects.count() == jobs and files_in(media) == []


def test_other_os_errors_are_not_taken_for_a_full_disk(world, as_persona, media, monkeypatch):
    """A refused connection (an OSError too) is not the disk: it stays the server's error page."""

    def save(self, name, content):
        raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")

    monkeypatch.setattr(FileSystemStorage, "_save", save)
    client = as_persona("grid")
    client.raise_request_exception = False
    response = _report(client, world, "disk-other-1")
    assert response.status_code == 500
