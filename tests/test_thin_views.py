"""The seams of cases, core, people and the API hold (issue 10 §2, §3, §6): views parse, authorise, call an action
or a query and render — no audit entry is written in a view, no status is chosen by reading a sentence — and
imports point one way (cases does not import the API)."""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent / "zhili"
VIEWS = [
    *(ROOT / app / "views.py" for app in ("cases", "core", "people")),
    ROOT / "cases" / "open311.py",
    *(ROOT / "api").glob("*.py"),
]


def _lines(paths, pattern):
    found = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT).as_posix()}:{n}: {line.strip()}")
    return found


def test_no_audit_entry_is_written_in_a_view():
    found = _lines(VIEWS, re.compile(r"audit\.record|AuditEntry\.objects\.(create|bulk_create)"))
    assert found == [], "views write audit entries; an action should:\n" + "\n".join(found)


def test_no_status_is_chosen_by_reading_a_sentence():
    # e.g. `status=403 if "只有" in exc.messages[0]`, `429 if any("一小时内最多" in e …)`
    sentence_test = re.compile(r"[\"'][^\"']*[\u4e00-\u9fff][^\"']*[\"']\s+in\s+[\w.\[\]]*(exc|message|error|e\b)")
    found = _lines(VIEWS, sentence_test)
    assert found == [], "a status chosen from message text; raise a typed error (zhili.core.errors):\n" + "\n".join(
        found
    )


def test_cases_does_not_import_the_api():
    found = _lines((ROOT / "cases").rglob("*.py"), re.compile(r"^\s*(from|import)\s+zhili\.api\b"))
    assert found == [], "\n".join(found)


def test_every_case_page_finds_its_subdistrict_through_the_one_viewpoint():
    found = _lines(
        [ROOT / "cases" / "views.py", ROOT / "api" / "cases_api.py"],
        re.compile(r"def subdistrict_for|_subdistrict_paths|\.split\(\"/\"\)"),
    )
    assert found == [], "\n".join(found)
