"""The seams hold (issue 10 §2, §3, §6): views parse, authorise, call an action or a query and render — no audit
entry is written in a view or a command, no status is chosen by reading a sentence — and imports point one way:
core ← regions ← people ← the domain apps ← the API, and nothing but the demo imports the demo."""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent / "zhili"
VIEWS = [
    *ROOT.glob("*/views.py"),
    *ROOT.glob("*/management/commands/*.py"),
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


# ---- imports point one way ------------------------------------------------------------------------------

LAYERS = {  # an app may import the apps of lower layers (and, at runtime, no higher one)
    "core": 0,
    "excel": 0,
    "regions": 1,
    "people": 2,
    "imports": 2.5,  # the pipeline every domain app's importer runs on: it knows people, no domain app
    "targets": 3,
    "ledgers": 4,
    "cases": 4,
    "township": 4,
    "duty": 4.5,  # office duty: sign-ins are checked with the cases app's location helpers
    "party": 4,
    "projects": 4.5,  # enterprises' requests are cases (the cases loop), so projects sits above cases
    "households": 4.5,  # findings become cases (the cases loop)
    "reports": 4.9,  # upward forms filled from every app: reads targets, cases, ledgers, projects, households
    "bulletins": 4.8,  # a week of every app frozen: reads targets, cases, ledgers, projects, households
    "api": 5,
    "demo": 6,
}


def _runtime_imports(path: pathlib.Path) -> set[str]:
    """The zhili apps a module imports when it runs (imports under `if TYPE_CHECKING:` only name types)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node, typing_only=False):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("zhili."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("zhili."))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_imports_point_one_way():
    wrong = []
    for app, layer in LAYERS.items():
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for other in _runtime_imports(path) - {app}:
                if other in LAYERS and (LAYERS[other] > layer or (LAYERS[other] == layer and other != app)):
                    wrong.append(f"{path.relative_to(ROOT).as_posix()} imports zhili.{other}")
    assert wrong == [], "imports against the layers (core ← regions ← people ← apps ← api ← demo):\n" + "\n".join(
        sorted(wrong)
    )
