"""佐证材料: a leader confirming 销号 must be able to open what was attached, and nothing attached may run in the
browser. Files are taken by what their bytes are, served only to those who see the report or task, and every
report names its files in the audit log."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests import evidence_files as ef
from tests.targets_factory import TODAY, build, stored_evidence
from zhili.core.models import AuditEntry
from zhili.people.models import Person
from zhili.people.scope import scope_for
from zhili.targets import actions
from zhili.targets.models import Entry, Evidence, TaskStatus

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@pytest.fixture
def tree(world, settings, tmp_path):
    settings.ZHILI_TODAY = TODAY
    settings.MEDIA_ROOT = tmp_path / "media"
    return build(world)


def who(username):
    p = Person.objects.get(username=username)
    return p, scope_for(p)


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def evidence_url(ev: Evidence) -> str:
    return f"/targets/evidence/{ev.pk}/"


ALLOWED = [
    # (uploaded as, bytes, served as, shown in the browser)
    ("现场照片.jpg", lambda: ef.image("JPEG"), "image/jpeg", True),
    ("整改前.png", lambda: ef.image("PNG"), "image/png", True),
    ("整改后.webp", lambda: ef.image("WEBP"), "image/webp", True),
    ("微信图片.jpg", lambda: ef.image("PNG"), "image/png", True),  # a photo under another image's name
    ("验收单.pdf", ef.pdf, "application/pdf", True),
    ("工作总结.docx", lambda: ef.ooxml("word/document.xml"), DOCX, False),
    ("改造台账.xlsx", ef.xlsx, XLSX, False),
    ("汇报材料.pptx", lambda: ef.ooxml("ppt/presentation.xml"), PPTX, False),
    ("会议纪要.doc", ef.doc, "application/msword", False),
    ("花名册.xls", ef.xls, "application/vnd.ms-excel", False),
    ("情况说明.txt", lambda: "孔家坊村已完成改造 120 户。\n".encode(), "text/plain", False),
    ("名单.csv", lambda: "村,户数\n孔家坊村,120\n".encode("gb18030"), "text/csv", False),
]


@pytest.mark.parametrize("name,data,mime,inline", ALLOWED, ids=[a[0] for a in ALLOWED])
def test_each_allowed_kind_is_taken_and_served_as_what_it_is(tree, as_persona, name, data, mime, inline):
    urban, uscope = who("demo-urban")
    content = data()
    actions.do_report_completion(tree.task, note="已完成", files=[ef.upload(name, content)], actor=urban, scope=uscope)
    ev = tree.task.evidence.get()
    assert (ev.name, ev.content_type, ev.size) == (name, mime, len(content))

    response = as_persona("leader").get(evidence_url(ev))
    assert response.status_code == 200
    assert response["Content-Type"] == mime
    assert b"".join(response.streaming_content) == content
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;" if inline else "attachment;")
    assert "filename*=utf-8''" in disposition  # RFC 5987: the Chinese name survives the download
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp


REFUSED = [
    # (uploaded as, bytes, what the sentence says)
    ("通知.html", ef.HTML, "是网页（HTML），不能上传：只接受图片"),
    ("示意图.svg", ef.SVG, "是 SVG 图形，不能上传"),
    ("安装程序.exe", ef.EXE, "是可执行程序，不能上传"),
    ("资料.zip", ef.ooxml("readme.txt"), "是压缩包，不能上传"),
    ("脚本.js", b"alert(1)", "不能上传：只接受图片（JPEG、PNG、WebP）、PDF、Word、Excel、PowerPoint 或文本"),
    ("验收单.pdf", ef.EXE, "扩展名是 .pdf，内容却是可执行程序"),  # a renamed executable
    ("照片.jpg", ef.HTML, "扩展名是 .jpg，内容却是网页（HTML）"),
    ("验收单.pdf", ef.image("PNG"), "扩展名是 .pdf，内容却是 PNG 图片"),
    ("总结.docx", ef.xlsx(), "扩展名是 .docx，内容却是 Excel 表格"),
    ("总结.docx", ef.ooxml("readme.txt"), "扩展名是 .docx，内容却是压缩包"),
    ("纪要.doc", ef.msi(), "扩展名是 .doc，内容却是其他 Office 格式的文件"),
    ("说明.txt", ef.HTML, "扩展名是 .txt，内容却是网页（HTML）"),
    ("名单.csv", ef.EXE, "扩展名是 .csv，内容却是可执行程序"),
    ("截断.pdf", ef.pdf()[:40], "不是有效的 PDF 文件（可能已损坏或不完整）"),
    ("宏.docx", ef.ooxml("word/document.xml", extra={"word/vbaProject.bin": b"\xcc"}), "含有宏"),
    ("宏.doc", ef.doc(macros=True), "含有宏"),
    ("加密.xlsx", ef.encrypted_xlsx(), "设有打开密码"),
    ("空白.pdf", b"", "是空文件"),
]


@pytest.mark.parametrize("name,data,sentence", REFUSED, ids=[f"{r[0]}-{i}" for i, r in enumerate(REFUSED)])
def test_a_refused_file_refuses_the_whole_report_by_name_and_writes_nothing(tree, settings, name, data, sentence):
    urban, uscope = who("demo-urban")
    good = ef.upload("验收单.pdf", ef.pdf())  # listed first: it must not be stored either
    before = (AuditEntry.objects.count(), Evidence.objects.count(), Entry.objects.count())
    with pytest.raises(ValidationError) as refused:
        actions.do_report_completion(
            tree.task, note="已完成", files=[good, ef.upload(name, data)], actor=urban, scope=uscope
        )
    message = " ".join(refused.value.messages)
    assert f"佐证材料“{name}”" in message and sentence in message, message
    assert (AuditEntry.objects.count(), Evidence.objects.count(), Entry.objects.count()) == before
    tree.task.refresh_from_db()
    assert tree.task.status == TaskStatus.OPEN
    assert stored_files(settings) == []


def test_a_progress_report_with_a_refused_file_is_not_recorded_at_all(tree, world, settings, as_persona):
    ind = tree.households
    before = Entry.objects.filter(indicator=ind).count()
    response = as_persona("village").post(
        f"/targets/indicators/{ind.pk}/report/",
        {
            "region": f"r{world.kong.pk}",
            "day": "2021-11-05",
            "value": "9",
            "files": [ef.upload("现场.png", ef.image("PNG")), ef.upload("整改报告.html", ef.HTML)],
        },
    )
    assert response.status_code == 400
    assert "佐证材料“整改报告.html”是网页（HTML），不能上传" in response.content.decode()
    assert Entry.objects.filter(indicator=ind).count() == before
    assert stored_files(settings) == []


def test_a_file_is_stored_under_a_random_name_not_the_uploaded_one(tree, settings):
    urban, uscope = who("demo-urban")
    upload = ef.upload("../../孔家坊村 验收单.pdf", ef.pdf())
    actions.do_report_completion(tree.task, note="已完成", files=[upload], actor=urban, scope=uscope)
    ev = tree.task.evidence.get()
    assert ev.name == "孔家坊村 验收单.pdf"  # shown and given back on download, never used as a path
    assert re.fullmatch(r"evidence/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", ev.file.name), ev.file.name
    assert [p.name for p in stored_files(settings)] == [ev.file.name.rsplit("/", 1)[1]]


def test_a_name_with_control_characters_is_cleaned_before_it_becomes_a_header(tree, as_persona):
    urban, uscope = who("demo-urban")
    upload = ef.upload("验收单\r\nSet-Cookie: x=1.pdf", ef.pdf())
    actions.do_report_completion(tree.task, note="已完成", files=[upload], actor=urban, scope=uscope)
    ev = tree.task.evidence.get()
    assert ev.name == "验收单Set-Cookie: x=1.pdf"
    response = as_persona("leader").get(evidence_url(ev))
    assert response.status_code == 200 and "\n" not in response["Content-Disposition"]


def test_the_leader_confirming_closure_opens_the_evidence_from_the_task_page(tree, as_persona):
    urban_page = as_persona("urban")
    response = urban_page.post(
        f"/targets/tasks/{tree.task.pk}/complete/",
        {"note": "120 户全部完成，验收单附后", "files": [ef.upload("验收单.pdf", ef.pdf())]},
    )
    assert response.status_code == 302, response.content.decode()[:300]
    ev = tree.task.evidence.get()

    leader = as_persona("leader")
    page = leader.get(f"/targets/tasks/{tree.task.pk}/").content.decode()
    assert "确认办结销号" in page
    assert f'href="{evidence_url(ev)}"' in page and "/media/" not in page
    opened = leader.get(evidence_url(ev))
    assert opened.status_code == 200 and opened["Content-Type"] == "application/pdf"
    assert leader.post(f"/targets/tasks/{tree.task.pk}/confirm/").status_code == 302
    tree.task.refresh_from_db()
    assert tree.task.status == TaskStatus.CLOSED


def test_a_reports_files_are_linked_from_the_indicator_and_the_villages_records(tree, world, as_persona):
    ind = tree.households
    village = as_persona("village")
    response = village.post(
        f"/targets/indicators/{ind.pk}/report/",
        {
            "region": f"r{world.kong.pk}",
            "day": "2021-11-05",
            "value": "9",
            "files": [ef.upload("现场.png", ef.image("PNG"))],
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    ev = Evidence.objects.get(entry__indicator=ind, entry__region=world.kong)
    for url in (f"/targets/indicators/{ind.pk}/", f"/targets/indicators/{ind.pk}/villages/{world.kong.code}/"):
        for persona in ("village", "leader"):
            page = as_persona(persona).get(url).content.decode()
            assert f'href="{evidence_url(ev)}"' in page and "现场.png" in page, (url, persona)
            assert "/media/" not in page
    assert village.get(evidence_url(ev))["Content-Type"] == "image/png"


def test_another_villages_evidence_does_not_exist_for_a_village_cadre(world, as_persona):
    yan = stored_evidence(entry=world.entry_yan, name="阎桥现场.png")
    kong = stored_evidence(entry=world.entry_kong, name="孔家坊现场.png")
    village, outsider = as_persona("village"), as_persona("outsider")
    assert village.get(evidence_url(yan)).status_code == 404
    assert outsider.get(evidence_url(kong)).status_code == 404
    assert village.get(evidence_url(kong)).status_code == 200
    assert outsider.get(evidence_url(yan)).status_code == 200
    subdistrict_task = stored_evidence(task=world.ind_sub.task, name="税收报表.pdf", data=ef.pdf())
    assert village.get(evidence_url(subdistrict_task)).status_code == 404
    assert as_persona("viewer").get(evidence_url(subdistrict_task)).status_code == 200
    assert as_persona("leader").get("/targets/evidence/999999/").status_code == 404


def test_every_report_names_its_files_in_the_audit_log(tree, world):
    leader, lscope = who("demo-leader")
    urban, uscope = who("demo-urban")
    entry = actions.do_report_progress(
        tree.households,
        region=world.kong,
        day=TODAY,
        value=Decimal(9),
        files=[ef.upload("现场.png", ef.image("PNG"))],
        actor=leader,
        scope=lscope,
    )
    correction = ef.upload("更正说明.txt", "少报一户".encode())
    new = actions.do_correct_entry(
        entry, value=Decimal(8), reason="少报一户", files=[correction], actor=leader, scope=lscope
    )
    actions.do_report_completion(
        tree.task, note="已完成", files=[ef.upload("验收单.pdf", ef.pdf())], actor=urban, scope=uscope
    )

    def files_of(action, obj):
        audit = AuditEntry.objects.get(action=action, object_id=str(obj.pk))
        return [(f["name"], f["size"], f["type"], len(f["sha256"])) for f in audit.changes["files"][1]]

    assert files_of("progress.report", entry) == [("现场.png", len(ef.image("PNG")), "image/png", 64)]
    assert files_of("progress.correct", new) == [("更正说明.txt", len("少报一户".encode()), "text/plain", 64)]
    assert files_of("task.report_completion", tree.task) == [("验收单.pdf", len(ef.pdf()), "application/pdf", 64)]
    # a report without files says nothing about files
    other = actions.do_report_progress(
        tree.households, region=world.yan, day=TODAY, value=Decimal(21), actor=leader, scope=lscope
    )
    assert "files" not in AuditEntry.objects.get(action="progress.report", object_id=str(other.pk)).changes


def test_a_file_stored_before_the_checks_is_served_by_what_its_bytes_are(world, as_persona, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = stored_evidence(entry=world.entry_kong, name="旧照片.png")
    page = stored_evidence(entry=world.entry_kong, name="旧通知.txt", data=b"ok")
    Evidence.objects.filter(pk__in=[photo.pk, page.pk]).update(content_type="")  # as rows written before 0002
    (tmp_path / page.file.name).write_bytes(ef.HTML)
    Evidence.objects.filter(pk=page.pk).update(name="旧通知.html")
    leader = as_persona("leader")
    shown = leader.get(evidence_url(photo))
    assert shown["Content-Type"] == "image/png" and shown["Content-Disposition"].startswith("inline;")
    downloaded = leader.get(evidence_url(page))
    assert downloaded["Content-Type"] == "application/octet-stream"
    assert downloaded["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in downloaded["Content-Security-Policy"]
