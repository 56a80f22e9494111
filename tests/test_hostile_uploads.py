"""Hostile files through every upload door (issue 17): polyglots, a PDF with JavaScript, an SVG with a script,
a pixel bomb, zip bombs.

Doors: case photos (every photo door — case report and handling, household visits, project works — goes through
cases/photos.check_photo; the API's case report is sent the files for real), 佐证材料 (targets/evidence.check
through do_report_completion), every importer's upload page (ledgers, households, projects, tax receipts,
targets, rosters) and the reports' form upload page. Each outcome is either a refusal in Chinese with nothing
written (rows and files counted before and after) or — for a file that really is what it claims (a JPEG with an
HTML comment, a PDF with a script) — accepted and served so that nothing in it runs: re-encoded, or with its own
content type, nosniff and a sandboxing CSP. Covered elsewhere and not repeated: tests/test_targets_evidence.py
(HTML, SVG, executables, renamed files, macros, encrypted Office files), tests/test_cases_flow.py (non-photos,
GIF, truncated JPEG, 50 MB photos), tests/test_excel_reading.py (zip bombs by ratio and by total size, read
directly).
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import cases_factory as cf
from tests import hostile_files as hf
from tests.targets_factory import TODAY, build
from zhili.cases import photos
from zhili.cases.models import Case, CasePhoto
from zhili.core.models import AuditEntry
from zhili.households.models import Household
from zhili.imports import registry
from zhili.imports.models import ImportJob, ImportStatus
from zhili.ledgers.models import Ledger, LedgerRow
from zhili.people.actions import do_create_token
from zhili.people.models import Person
from zhili.people.scope import scope_for
from zhili.projects.models import Project, ProjectMonth, TaxReceipt
from zhili.regions.models import Region
from zhili.reports.models import FormVersion, ReportForm
from zhili.targets import actions as target_actions
from zhili.targets.importer import TargetYear
from zhili.targets.models import Evidence, Indicator, TaskStatus

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def up(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def files_under(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# ---- photos ---------------------------------------------------------------------------------------------------

REFUSED_PHOTOS = [
    ("示意图.svg", hf.SVG, "不是有效的照片文件"),
    ("像素炸弹.png", hf.png_pixel_bomb(), "不是有效的照片文件（DecompressionBombError）"),
    ("网页.jpg", hf.SCRIPT, "不是有效的照片文件"),
    ("脚本.pdf", hf.pdf_with_javascript(), "不是有效的照片文件"),
    ("压缩炸弹.jpg", hf.zip_bomb("word/document.xml", megabytes=5), "不是有效的照片文件"),
]


@pytest.mark.parametrize("name,data,sentence", REFUSED_PHOTOS, ids=[r[0] for r in REFUSED_PHOTOS])
def test_every_photo_door_refuses_what_is_no_photo_in_chinese(name, data, sentence):
    with pytest.raises(ValidationError) as refused:
        photos.check_photo(up(name, data))
    assert sentence in " ".join(refused.value.messages)


@pytest.mark.parametrize("name,data,sentence", REFUSED_PHOTOS, ids=[r[0] for r in REFUSED_PHOTOS])
def test_the_api_refuses_a_hostile_case_photo_and_writes_nothing(world, media, client, name, data, sentence):
    cf.setup(world.sub)
    grid = Person.objects.get(username="demo-grid")
    token = do_create_token(grid, name="hostile", actor=grid)[1]
    lng, lat = cf.point_in(world.kong_grid)
    before = (Case.objects.count(), CasePhoto.objects.count(), AuditEntry.objects.count())
    response = client.post(
        "/api/v1/cases",
        {
            "category": "garbage",
            "description": "路边堆放生活垃圾",
            "lng": str(lng),
            "lat": str(lat),
            "photos": up(name, data),
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400, response.content
    assert sentence in response.json()["detail"]
    assert (Case.objects.count(), CasePhoto.objects.count(), AuditEntry.objects.count()) == before
    assert files_under(media) == []


def test_a_jpeg_that_is_also_a_page_is_served_as_a_jpeg_never_as_a_page(world, media, as_persona):
    """A polyglot is a valid JPEG, so it is taken as a photo. The copy shown is re-encoded from its pixels, without
    the comment that held the page; it and the original are served as image/jpeg with nosniff: a browser never
    reads them as a page."""
    case = cf.report(world.sub, world.kong_grid, photo=False)
    person = Person.objects.get(username="demo-urban")
    from zhili.cases.actions import _store_photo

    checked = photos.check_photo(up("合照.jpg", hf.jpeg_html_polyglot()))
    photo = _store_photo(case, checked, "before", person, case.reported_at)
    client = as_persona("leader")
    for which in ("display", "original"):
        served = client.get(f"/cases/{case.pk}/photos/{photo.pk}/{which}")
        assert served.status_code == 200
        assert served["Content-Type"] == "image/jpeg" and served["X-Content-Type-Options"] == "nosniff"
        assert not served.get("Content-Disposition", "").startswith('inline; filename="合照.html')
        if which == "display":
            assert b"<script" not in served.getvalue()


# ---- 佐证材料 ----------------------------------------------------------------------------------------------------


@pytest.fixture
def tree(world, settings, media):
    settings.ZHILI_TODAY = TODAY
    return build(world)


REFUSED_EVIDENCE = [
    ("示意图.svg", hf.SVG, "是 SVG 图形，不能上传"),
    ("照片.svg", hf.SVG.replace(b'<?xml version="1.0"?>', b""), "是 SVG 图形，不能上传"),
    ("像素炸弹.png", hf.png_pixel_bomb(), "不是有效的 PNG"),
    ("网页.jpg", hf.SCRIPT, "内容却是网页（HTML）"),
    ("压缩炸弹.xlsx", hf.zip_bomb("word/document.xml", megabytes=5), "内容却是"),
]


@pytest.mark.parametrize("name,data,sentence", REFUSED_EVIDENCE, ids=[r[0] for r in REFUSED_EVIDENCE])
def test_hostile_evidence_is_refused_by_name_and_nothing_is_stored(tree, media, name, data, sentence):
    urban = Person.objects.get(username="demo-urban")
    before = (AuditEntry.objects.count(), Evidence.objects.count())
    with pytest.raises(ValidationError) as refused:
        target_actions.do_report_completion(
            tree.task, note="已完成", files=[up(name, data)], actor=urban, scope=scope_for(urban)
        )
    message = " ".join(refused.value.messages)
    assert f"佐证材料“{name}”" in message and sentence in message, message
    assert (AuditEntry.objects.count(), Evidence.objects.count()) == before
    tree.task.refresh_from_db()
    assert tree.task.status == TaskStatus.OPEN
    assert files_under(media) == []


ACCEPTED_EVIDENCE = [
    # what really is the kind it claims: taken, and served so that nothing in it runs
    ("验收单.pdf", hf.pdf_with_javascript(), "application/pdf"),
    ("现场.jpg", hf.jpeg_html_polyglot(), "image/jpeg"),
    ("现场.png", hf.gifar_like(), "image/png"),
    ("总结.docx", hf.zip_bomb("word/document.xml", megabytes=40), None),  # never inflated on the server
]


@pytest.mark.parametrize("name,data,mime", ACCEPTED_EVIDENCE, ids=[a[0] for a in ACCEPTED_EVIDENCE])
def test_a_file_that_is_what_it_claims_is_served_so_that_nothing_in_it_runs(tree, as_persona, name, data, mime):
    urban = Person.objects.get(username="demo-urban")
    target_actions.do_report_completion(
        tree.task, note="已完成", files=[up(name, data)], actor=urban, scope=scope_for(urban)
    )
    ev = tree.task.evidence.get()
    response = as_persona("leader").get(f"/targets/evidence/{ev.pk}/")
    assert response.status_code == 200
    if mime:
        assert response["Content-Type"] == mime
    else:
        assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "script-src" not in csp


# ---- imports --------------------------------------------------------------------------------------------------

BOMB_XLSX = hf.zip_bomb("xl/worksheets/sheet1.xml", megabytes=40)


def _target(imp, world):
    if imp.key == "ledger":
        return Ledger.objects.get(code="gas-conversion")
    if imp.key == "targets":
        return TargetYear(world.sub, 2021)
    if imp.key in ("regions", "people"):
        return Region.objects.get(pk=world.sub.pk)
    return world.sub


def _written() -> tuple:
    return (
        LedgerRow.objects.count(),
        Household.objects.count(),
        Project.objects.count(),
        ProjectMonth.objects.count(),
        TaxReceipt.objects.count(),
        Indicator.objects.count(),
        Region.objects.count(),
        Person.objects.count(),
    )


@pytest.mark.parametrize("kind", ["zip-bomb", "polyglot", "svg"])
def test_every_import_door_refuses_a_hostile_file_in_chinese_and_writes_no_row(world, as_persona, media, kind):
    """The upload is kept as the import's record (a failed job names the file and says why); no row of the target
    is written. A door a leader may not use refuses before reading the file."""
    data, name, sentence = {
        "zip-bomb": (BOMB_XLSX, "台账.xlsx", "文件解压后异常巨大"),
        "polyglot": (hf.jpeg_html_polyglot(), "台账.xlsx", "不是"),
        "svg": (hf.SVG, "台账.csv", ""),
    }[kind]
    client = as_persona("leader")
    doors = 0
    for imp in registry.all_importers():
        target = _target(imp, world)
        url = imp.urls(target).upload
        before, jobs = _written(), ImportJob.objects.count()
        response = client.post(url, {"file": up(name, data)})
        assert response.status_code < 500, (imp.key, response.status_code)
        assert _written() == before, imp.key
        if ImportJob.objects.count() == jobs:
            assert response.status_code in (400, 403, 404), (imp.key, response.status_code)
            continue
        doors += 1
        job = ImportJob.objects.order_by("-id").first()
        page = client.get(imp.urls(target).job(job.pk))
        assert page.status_code == 200, imp.key
        if kind == "svg":  # a CSV of text: read as rows, none of them valid; the text shown escaped
            assert job.status in (ImportStatus.FAILED, ImportStatus.PREVIEWED), imp.key
            assert "<script>alert(1)" not in page.content.decode()
            if job.status == ImportStatus.PREVIEWED:
                client.post(imp.urls(target).job(job.pk), {"mode": "only_valid"})
                assert _written() == before, imp.key
            continue
        assert job.status == ImportStatus.FAILED, (imp.key, job.status)
        assert sentence in job.message and CJK.search(job.message), (imp.key, job.message)
    assert doors >= 6


# ---- the reports' form upload ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,data,sentence",
    [
        ("表样.xlsx", BOMB_XLSX, "文件解压后异常巨大"),
        ("表样.xlsx", hf.jpeg_html_polyglot(), ".xlsx"),
        ("表样.xlsx", hf.SVG, ".xlsx"),
        ("表样.xlsx", hf.zip_bomb("word/document.xml", megabytes=5), ""),
    ],
    ids=["zip-bomb", "polyglot", "svg", "docx-bomb"],
)
def test_the_reports_form_upload_refuses_hostile_files(world, as_persona, name, data, sentence):
    form = ReportForm.objects.filter(region=world.sub, archived_at__isnull=True).order_by("pk").first()
    assert form is not None
    before = (FormVersion.objects.count(), AuditEntry.objects.count())
    response = as_persona("leader").post(f"/reports/{form.pk}/upload/", {"file": up(name, data)})
    assert response.status_code == 400
    html = response.content.decode()
    assert sentence in html
    assert (FormVersion.objects.count(), AuditEntry.objects.count()) == before
