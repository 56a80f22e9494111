"""Nothing internal on screen (issue 12): every page each demo persona reaches, in Chinese, shows no snake_case
word, no dotted action code (ledger.row.edit), no ledger field key (village, rent) and no stored choice value
(reported, month) — their Chinese labels instead. Data is fine: names, titles, codes an office chose.

The crawl (tests/crawl.py) starts at the home page and, so that the pages that used to show keys are surely
reached, at a ledger row someone edited, an import preview with its column mapping, and the audit log.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client

from tests.conftest import PERSONAS, person
from tests.crawl import crawl, readable, visible_text
from tests.test_imports_rights import gas_file, upload
from zhili.ledgers.actions import do_update_row
from zhili.ledgers.models import LedgerRow, LedgerVersion
from zhili.people.scope import scope_for

SNAKE = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w-])")
DOTTED = re.compile(r"(?<![\w.-])[a-z][a-z_]*(?:\.[a-z_]+)+(?![\w-])")
FILE = re.compile(r"\.(?:xlsx|xls|csv|ods|json|yaml|yml|kml|geojson|jpe?g|png|webp|pdf|docx?|txt)$")  # a file's name
WORD = re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*(?![\w.@/-])")

# What is looked for is narrow on purpose, so that data passes without a list: a code an office chose is
# kebab-case or digits (the ledger gas-conversion, the category illegal-building, the unit urban, the login
# demo-leader, 202000003203), a file's name ends in its extension, and a textarea holds what a person typed.
# Words that would be caught and are data or the product's own vocabulary, never a key — each with why:
ALLOWED = {
    "min",  # the ranking's published formula: 得分 = Σ 权重 × min(完成率, 封顶) — a formula officials read
    "urban",  # the demo's 城管办 unit code (an office's choice, on /units/); as TaxSetup's location class it is
    # shown by its label (市区（7%）) — the projects pages are crawled for that like every other page
}


def _textareas_out(html: str) -> str:
    """A textarea's content is the value being edited (a boundary's GeoJSON, an indicator's source as JSON), as
    an input's value attribute is: data the person typed, not a label."""
    return re.sub(r"<textarea\b[^>]*>.*?</textarea>", "", html, flags=re.S | re.I)


def internal_words() -> set[str]:
    """Every ledger field key there is and every stored choice value of Zhili's models that reads like a word."""
    keys = {f["key"] for fields in LedgerVersion.objects.values_list("fields", flat=True) for f in fields}
    for model in apps.get_models():
        if not model.__module__.startswith("zhili."):
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value):
                    keys.add(value)
    return keys - ALLOWED


def findings(path: str, html: str, keys: set[str]) -> list[tuple[str, str]]:
    text = visible_text(_textareas_out(html))
    found = {m.group() for m in SNAKE.finditer(text)} | {
        m.group() for m in DOTTED.finditer(text) if not FILE.search(m.group())
    }
    found |= {m.group() for m in WORD.finditer(text) if m.group() in keys}
    return [(path, word) for word in sorted(found)]


@pytest.fixture
def traces(world, tmp_path: Path) -> list[str]:
    """What people did that the pages then show: 孔家坊's cadre corrected a household's phone (row history, audit
    log) and uploaded an office's file whose column the importer had to be told (import mapping)."""
    cadre = person("demo-village")
    row = LedgerRow.objects.filter(ledger__code="gas-conversion", region=world.kong, archived_at__isnull=True).first()
    changed = {k: str(v) for k, v in row.data.items()} | {"phone": "13900077777", "village": "孔家坊村"}
    do_update_row(row, changed, revision=row.revision, actor=cadre, scope=scope_for(cadre))
    client = Client()
    client.force_login(cadre)
    data = row.data
    file = gas_file(
        tmp_path / "改电话.xlsx",
        ("孔家坊村", data["head_name"], data["id_number"], "13900066666", data["method"], None, data["status"], 1),
    )
    _, job = upload(client, file)
    return [f"/ledgers/gas-conversion/rows/{row.pk}/", f"/ledgers/gas-conversion/import/{job.pk}/", "/audit/"]


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_no_page_shows_a_key_or_a_code(world, traces, persona):
    client = Client()
    client.force_login(person(PERSONAS[persona]))
    keys = internal_words()
    assert {"village", "status", "head_name", "reported"} <= keys  # the words looked for are really there
    found: list[tuple[str, str]] = []
    broken: dict[str, str] = {}
    elsewhere: dict[str, str] = {}  # the traces are another person's: a 404 for whoever may not see them
    seen: set[str] = set()
    for start in ["/", *traces]:
        home = start == "/"
        for path, response in crawl(client, start, limit=400 if home else 1):
            if response.status_code not in (200, 302):
                (broken if home else elsewhere)[path] = f"{response.status_code}, linked from {response.linked_from}"
                continue
            if path in seen or not response.get("Content-Type", "").startswith("text/html"):
                continue
            seen.add(path)
            found += findings(path, readable(response), keys)
    assert (found[:40], broken) == ([], {})
    if persona == "village":
        assert set(traces) - seen == {"/audit/"}
    if persona == "leader":  # the log is the audit administrator's (三员分立): test_the_audit_log_shows_no_key_or_code
        assert set(traces) - seen == {"/audit/"}


def test_the_audit_log_shows_no_key_or_code(world, traces):
    """The audit administrator reads the log of everyone's work (the traces above among it) in words."""
    from tests.security_personas import admin_persona

    client = Client()
    client.force_login(admin_persona(world, "auditor"))
    keys = internal_words()
    found: list[tuple[str, str]] = []
    for path in ("/audit/", "/audit/?page=2"):
        response = client.get(path)
        assert response.status_code == 200
        found += findings(path, readable(response), keys)
    assert found[:40] == []


def test_where_people_acted_the_page_says_today_is_the_demos_day_and_actions_are_at_the_real_time(world, traces):
    """The demo lives on 2020-11-20; what people do is recorded at the real time (docs/ARCHITECTURE.md, "Today"):
    the home page, the audit log and a row's history say so."""
    from django.utils import timezone

    real = timezone.localdate().isoformat()
    from tests.security_personas import admin_persona

    for persona, path in (("village", "/"), ("village", traces[0]), ("auditor", "/audit/")):
        client = Client()
        client.force_login(admin_persona(world, "auditor") if persona == "auditor" else person(PERSONAS[persona]))
        page = visible_text(client.get(path).content.decode())
        assert "“今天”按 2020-11-20 计" in page and f"您的操作按实际时间记录（{real}）" in page, path
