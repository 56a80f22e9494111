"""In English, nothing is Chinese but the data: every page of every demo persona, crawled with English chosen.

What the demo loaded — people's, regions', offices' names, goals, tasks, indicators, ledgers with their fields and
categories, case texts … — stays as it was typed. Everything the product itself says (lights, forms, refusals,
tabs, units, dates) is translated. The allow-list of data is read from the database (every text a model stores),
never written by hand; what is left over is reported with the page it is on.
"""

from __future__ import annotations

import ast
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.utils import translation

from tests.conftest import PERSONAS, person
from tests.crawl import crawl, readable

# Chinese characters (full-width punctuation between data is not counted: it carries no words)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LIMIT = 1000
# Pages of one kind (a village's page, an indicator's, a case's) say the same words: a few of each kind are read.
PER_KIND = 6
SKIPPED = re.compile(r"\.xlsx(\?|$)|/photos/")  # files, not pages: they hold no sentence of the product's
# a week's bulletin as a document (公文): published in Chinese, whoever downloads it — it is what was sent upward
# and to the groups (its words are frozen in the week's data, zhili/bulletins/snapshot.build)
DOCUMENTS = re.compile(r"/bulletins/\d{4}-W\d{2}/v\d+/bulletin\.(html|docx|md)$")


# A language is offered in its own name: 简体中文 is how the switch reads in every language.
BY_DESIGN = [name for code, name in settings.LANGUAGES if code != "en"] + ["中文"]
# Attributes a person reads (or hears) as well as the text.
READ_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}


class _Visible(HTMLParser):
    """The text nodes and read attributes of a page, outside <script> and <style> — and outside what the page marks
    as Chinese (`lang="zh-Hans"`: the headers a file must carry, data that a screen reader should read in Chinese)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hiding: list[list] = []  # [tag, how many of that tag are open] for each element that hides its text

    @property
    def _hidden(self) -> bool:
        return bool(self._hiding)

    def handle_starttag(self, tag, attrs):
        if self._hiding and tag == self._hiding[-1][0]:
            self._hiding[-1][1] += 1
        elif tag in ("script", "style") or (dict(attrs).get("lang") or "").startswith("zh"):
            self._hiding.append([tag, 1])
        if self._hidden:
            return
        attributes = dict(attrs)
        for name, value in attrs:
            if value and (
                name in READ_ATTRIBUTES or (name == "value" and attributes.get("type") in ("submit", "button"))
            ):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if self._hiding and tag == self._hiding[-1][0]:
            self._hiding[-1][1] -= 1
            if not self._hiding[-1][1]:
                self._hiding.pop()

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.parts


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def data_strings() -> set[str]:
    """Every text with a Chinese character that a model of Zhili stores (JSON included: ledger fields, rows)."""
    found: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("zhili."):
            continue
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.choices
        ]
        manager = getattr(model, "all_rows", model._default_manager)
        for values in manager.values_list(*names).iterator(chunk_size=5000):
            for value in values:
                for text in _strings(value):
                    for line in text.splitlines():
                        if CJK.search(line):
                            found.add(line.strip())
                            # what a stored text says in brackets is data too: an office's short name, 城管办 of
                            # 城市管理办公室（城管办）, that pages name people with (people.queries.short_name)
                            found.update(m.strip() for m in re.findall(r"（([^（）]+)）", line) if CJK.search(m))
    return found


def kept_in_english() -> set[str]:
    """The Chinese the English catalog keeps on purpose: the headers a file must carry and what offices type in it
    (“Headers: 目标层级, 任务, 指标 …”) — read from the compiled catalog, whole runs of Chinese only."""
    mo = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    runs: set[str] = set()
    for translated in catalog.values():
        runs.update(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", translated))
    return runs


def _trie_pattern(words: set[str], *, prefixes: bool = False) -> str:
    """One regular expression matching any of `words` (or, with `prefixes`, any start of one), longest first, as a
    trie (fast for tens of thousands)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def build(node: dict) -> str:
        end = "" in node or prefixes
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return build(trie)


class Data:
    """Takes the data out of a text; what is left is the product's own words."""

    def __init__(self, strings: set[str]):
        # A single character stored as data (an indicator's unit 户) is data only where it stands alone, after a
        # figure; anywhere else it would hide the product's own words.
        kept = kept_in_english()
        single = "|".join(re.escape(s) for s in sorted(strings | kept) if len(s) == 1) or "(?!)"
        self.single = re.compile(rf"(?:(?<=[\d\s(（、，,“/])|^)(?:{single})(?=[\s()（）、，,”.;:/]|$)")
        longer = {s for s in strings | set(BY_DESIGN) | kept if len(s) > 1}
        self.pattern = re.compile(_trie_pattern(longer))
        # a long text cut short for a list: its beginning (at least 8 characters), with an ellipsis or at the end
        self.cut = re.compile(_trie_pattern({s for s in longer if len(s) > 10}, prefixes=True) + "(?:…|\\.\\.\\.|$)")

    def leftover(self, text: str) -> str:
        text = self.cut.sub(lambda m: " " if len(m.group()) >= 8 else m.group(), " ".join(text.split()))
        return self.single.sub(" ", self.pattern.sub(" ", text))


def chinese_outside_data(pages: dict[str, list[str]], data: Data) -> dict[str, tuple[str, str]]:
    """{what is left of a text with Chinese in it, figures as #: (the text, the first page it is on)}."""
    found: dict[str, tuple[str, str]] = {}
    for url, parts in pages.items():
        for part in parts:
            if CJK.search(part):
                left = data.leftover(part)
                if CJK.search(left):
                    found.setdefault(re.sub(r"\d+", "#", " ".join(left.split())), (part[:160], url))
    return found


@pytest.fixture(scope="module")
def data(django_db_blocker) -> Data:
    with django_db_blocker.unblock():
        return Data(data_strings())


@pytest.fixture(autouse=True)
def back_to_chinese():
    """A request in English leaves English active in the test thread (LocaleMiddleware activates, nothing resets
    it): the tests after these must find the product in Chinese."""
    yield
    translation.deactivate()


def english(username: str) -> Client:
    client = Client()
    client.force_login(person(username))
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    return client


@pytest.mark.parametrize("persona", [*sorted(PERSONAS), "tips"])
def test_in_english_every_page_of_the_persona_holds_chinese_only_in_its_data(world, data, persona):
    client = english(dict(PERSONAS, tips="demo-tips")[persona])
    pages: dict[str, list[str]] = {}
    broken: dict[str, str] = {}
    for url, response in crawl(client, limit=LIMIT, sampled={SKIPPED: 0}, per_kind=PER_KIND):
        if response.status_code not in (200, 302):
            broken[url] = f"{response.status_code}, linked from {response.linked_from}"
        elif DOCUMENTS.search(url):
            continue
        elif response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            html = readable(response)
            assert '<html lang="en">' in html, url
            pages[url] = visible_text(html)
    assert len(pages) > 5
    if persona == "leader":  # the crawl did reach every part of the product
        reached = {url.split("?")[0] for url in pages}
        assert {"/", "/targets/", "/targets/ranking/", "/cases/", "/cases/stats/", "/ledgers/", "/people/"} <= reached
        assert {"/targets/plan/", "/account/"} <= reached  # the log is the audit administrator's (三员分立)
    found = chinese_outside_data(pages, data)
    report = "\n".join(f"{url}  {text}" for text, url in sorted(found.values(), key=lambda item: item[1]))
    if found:
        out = Path(settings.BASE_DIR).parent / "test-artifacts" / f"english-{persona}.txt"
        out.parent.mkdir(exist_ok=True)
        out.write_text(report + "\n")
    assert (report, broken) == ("", {}), f"{len(found)} texts in Chinese:\n{report}"


# ---- refusals and a form's errors, which no crawl reaches ----------------------------------------------------


def _in_english(response, data: Data) -> dict[str, tuple[str, str]]:
    return chinese_outside_data({"page": visible_text(response.content.decode())}, data)


def test_in_english_a_refusal_and_a_forms_errors_are_english(world, data):
    """A village cadre reports for another village (a refusal) and reports nothing (the form's errors); the leader
    tries a step a new case cannot take: each page is English but for its data."""
    from zhili.cases.models import Case, State
    from zhili.core import clock

    cadre = english("demo-village")
    report = f"/targets/indicators/{world.ind_village.pk}/report/"
    refused = cadre.post(report, {"region": f"r{world.yan.pk}", "day": clock.today().isoformat(), "value": "5"})
    empty = cadre.post(report, {"region": f"r{world.kong.pk}", "day": "", "value": "abc"})
    case = Case.objects.filter(subdistrict=world.sub, state=State.REPORTED, confidential=False).first()
    assert case is not None, "the demo holds a case waiting to be accepted"
    leader = english("demo-leader")
    illegal = leader.post(f"/cases/{case.pk}/act/close/", {"revision": case.revision})
    assert (refused.status_code, empty.status_code, illegal.status_code) == (400, 400, 400)
    assert "Please enter a number" in empty.content.decode()
    for response in (refused, empty, illegal):
        assert _in_english(response, data) == {}


def _po_entries(text: str) -> list[dict[str, str]]:
    """The entries of a .po file as {"msgctxt", "msgid", "msgstr", "flags"}, continuation lines joined."""
    entries = []
    for block in text.split("\n\n"):
        entry: dict[str, str] = {"flags": ""}
        key = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
            else:
                key, _, quoted = line.partition(" ")
                key = "msgstr" if key == "msgstr[0]" else key  # a plural's first form stands for all
                entry.setdefault(key, "")
                entry[key] += ast.literal_eval(quoted)
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def test_the_english_catalog_is_complete_and_compiled():
    """Every string marked for translation has its English (none empty, none fuzzy), and the compiled catalog the
    server reads holds each of them as the .po has it."""
    locale = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
    entries = _po_entries((locale / "django.po").read_text())
    assert len(entries) > 1000
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"] or not e["msgstr"]] == []
    with (locale / "django.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    stale = []
    for e in entries:
        key = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            key = (key, 0)
        if compiled.get(key) != e["msgstr"]:
            stale.append(e["msgid"])
    assert stale == [], "compilemessages was not run"
