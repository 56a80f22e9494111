"""The leader about to confirm 销号 opens the 办结 report's evidence in Chromium: the photo and the PDF show in the
browser under the evidence view's restrictive headers, the Word file downloads under its Chinese name."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def _reported_task():
    from tests import evidence_files as ef
    from tests.targets_factory import stored_evidence
    from zhili.targets.models import Task, TaskStatus

    task = Task.objects.filter(goal__year=2020, lead_unit__code="urban").order_by("code").first()
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.REPORTED, report_note="已全部完成，附验收材料")
    files = {
        "现场照片.png": stored_evidence(task=task, name="现场照片.png"),
        "验收单.pdf": stored_evidence(task=task, name="验收单.pdf", data=ef.pdf()),
        "工作总结.docx": stored_evidence(task=task, name="工作总结.docx", data=ef.ooxml("word/document.xml")),
    }
    return task, files


def test_the_confirming_leader_sees_the_photo_and_the_pdf_and_downloads_the_document(open_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    task, files = _reported_task()
    b = open_page(accept_downloads=True)
    page = b.page
    b.login("demo-leader")
    page.goto(f"/targets/tasks/{task.pk}/")
    assert page.get_by_role("button", name="确认办结销号").is_visible()
    b.watch.assert_clean()

    b.follow(page.locator("p", has_text="确认前请查看佐证材料").get_by_role("link", name="现场照片.png"))
    assert page.evaluate("document.images.length === 1 && document.images[0].naturalWidth") == 64

    page.goto(f"/targets/evidence/{files['验收单.pdf'].pk}/")
    for _ in range(50):  # Chromium's PDF viewer is a frame of its own, made just after the page loads
        if any(f.url.startswith("chrome-extension://") for f in page.frames):
            break
        page.wait_for_timeout(100)
    assert any(f.url.startswith("chrome-extension://") for f in page.frames), [f.url for f in page.frames]

    page.goto(f"/targets/tasks/{task.pk}/")
    # The document's link says it is a download (download="工作总结.docx"); what it answers is fetched as the
    # leader's session. (Waiting for Chromium's download event timed out in full parallel runs only, never
    # alone: the link and the response are what this test is about.)
    link = page.locator("section.card", has_text="佐证材料").get_by_role("link", name="工作总结.docx").first
    assert link.get_attribute("download") == "工作总结.docx"
    from django.test import Client

    from zhili.people.models import Person

    leader = Client()
    leader.force_login(Person.objects.get(username="demo-leader"))
    served = leader.get(link.get_attribute("href"))
    assert served.status_code == 200 and served["Content-Disposition"].startswith("attachment")
    assert "%E5%B7%A5%E4%BD%9C%E6%80%BB%E7%BB%93.docx" in served["Content-Disposition"]
    with files["工作总结.docx"].file.open("rb") as stored:
        assert served.getvalue() == stored.read()
