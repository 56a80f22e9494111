"""XSS and SQL-injection strings through the demo's forms (issue 17): a crawler fills every text field of one form
of each kind with hostile strings, submits it, and checks what comes back.

As a leader and as a village cadre: crawl the pages a person can click (tests/crawl.py, one page of each kind),
collect their POST forms (one per kind of action URL), fill every text field (text, textarea, search, number,
date, tel, email, url) with the payloads, keep the hidden fields (CSRF, revisions), the selected options and the
checked boxes, submit, follow the redirect, and check:

* no 500 (the test client raises the view's exception, so a crash fails the test with its traceback);
* no payload comes back unescaped in an HTML page (`<script>alert(1)`, `<img src=x onerror=…`), neither in the
  answer nor in the page it redirects to;
* no table is lost (`'); DROP TABLE x; --` is a string, never SQL) and every table still answers;
* a refused submission (4xx, or the form shown again with its errors) writes nothing: the rows of every table are
  counted before and after.

Bounded: one form per kind of action, pages of each kind once; a few dozen submissions per persona.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import connection

from tests.crawl import crawl, kind_of

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "'); DROP TABLE x; --",
    "{{7*7}}",
    "${7*7}",
]
RAW = ("<script>alert(1)", "<img src=x onerror=alert(1)")
TEXT_TYPES = {"text", "search", "number", "date", "tel", "email", "url", "month", "datetime-local", "time", ""}
LIMIT = {"leader": 50, "village": 35}  # pages crawled: the forms of the main pages, in a few seconds
# forms whose submission ends the session or changes what the crawl is about, not data
SKIP_ACTIONS = ("/logout/", "/i18n/setlang/", "/login/", "/account/password/")
# tables a request writes to whatever it does (sessions, login throttling, job heartbeats, last use of tokens)
VOLATILE = ("django_session", "axes_")


class _Forms(HTMLParser):
    """The POST forms of a page: action, and fields as (name, type, value, options)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "fields": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "image", "reset"):
                return
            self._form["fields"].append({"name": a["name"], "type": kind, "value": a.get("value") or ""})
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "type": "textarea", "value": ""}
            self._form["fields"].append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "type": "select", "value": None, "multiple": "multiple" in a}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["value"] is None or "selected" in a:
                if value or self._select["value"] is None:
                    self._select["value"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def counts() -> dict[str, int]:
    """Rows of every table of the project's models, in one query."""
    tables = sorted({m._meta.db_table for m in apps.get_models()} & set(connection.introspection.table_names()))
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {connection.ops.quote_name(t)}" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {t: n for t, n in cursor.fetchall() if not t.startswith(VOLATILE)}


def fill(form: dict, payload_index: int) -> dict:
    data: dict[str, object] = {}
    i = payload_index
    for f in form["fields"]:
        name, kind = f["name"], f["type"]
        if kind == "file":
            continue
        if kind in TEXT_TYPES or kind == "textarea":
            if name in ("csrfmiddlewaretoken", "revision", "next"):
                data[name] = f["value"]
                continue
            data[name] = PAYLOADS[i % len(PAYLOADS)]
            i += 1
        elif kind == "select":
            if f["value"] is not None:
                data[name] = f["value"]
        else:  # hidden, checked boxes and radios
            data.setdefault(name, f["value"])
    return data


def assert_escaped(response, where: str) -> None:
    if response.status_code in (301, 302) or response.streaming:
        return
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    html = response.content.decode()
    for raw in RAW:
        assert raw not in html, f"{where}: {raw!r} unescaped"


@pytest.fixture
def nul_refused(settings):
    """The middleware that refuses NUL characters is in production's MIDDLEWARE, after the scope middleware."""
    assert "zhili.core.nul.RefuseNulMiddleware" in settings.MIDDLEWARE


@pytest.mark.parametrize("url", ["/people/?q=%00", "/targets/activities/?q=a%00b", "/cases/?q=%00"])
def test_a_nul_in_a_search_is_refused_in_chinese(nul_refused, as_persona, url):
    """PostgreSQL cannot compare text with a NUL: a search with one was a 500 there (never on SQLite)."""
    response = as_persona("leader").get(url)
    assert response.status_code == 400
    assert "NUL 控制字符" in response.content.decode()


@pytest.mark.parametrize("persona", ["leader", "village"])
def test_hostile_strings_in_every_kind_of_form_are_refused_or_stored_as_text(nul_refused, as_persona, persona):
    client = as_persona(persona)
    tables = set(connection.introspection.table_names())
    seen: set[str] = set()
    pages: list[tuple[str, list[dict]]] = []
    for path, response in crawl(client, "/", limit=LIMIT[persona], per_kind=1):
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        found = []
        for form in forms_of(response.content.decode()):
            action = urljoin("http://testserver" + path, form["action"] or path)
            action = urlsplit(action).path + (f"?{urlsplit(action).query}" if urlsplit(action).query else "")
            if action.startswith(SKIP_ACTIONS) or kind_of(action) + form["method"] in seen:
                continue
            if not any(f["type"] in TEXT_TYPES or f["type"] == "textarea" for f in form["fields"]):
                continue
            seen.add(kind_of(action) + form["method"])
            found.append({**form, "action": action})
        if found:
            pages.append((path, found))
    submitted = refused = searched = 0
    for n, (path, forms) in enumerate(pages):
        for form in forms:
            if form["method"] != "post":  # a search or a filter: the payloads, and a NUL, reflected escaped
                for data in (fill(form, n), {k: f"{v}\x00" for k, v in fill(form, n + 1).items()}):
                    response = client.get(form["action"].split("?")[0], data)
                    where = f"{persona} GET {form['action']} {data!r} (form on {path})"
                    assert response.status_code < 500, where
                    assert_escaped(response, where)
                searched += 1
                continue
            before = counts()
            response = client.post(form["action"], fill(form, n))
            submitted += 1
            where = f"{persona} POST {form['action']} (form on {path})"
            assert response.status_code < 500, where
            assert_escaped(response, where)
            if response.status_code in (301, 302):
                target = response["Location"]
                if target.startswith("/") and not target.startswith("/login/"):
                    assert_escaped(client.get(target), f"{where} → {target}")
                assert_escaped(client.get(path), f"{where}, its page again")  # where a stored value is listed
            elif response.status_code >= 400 or (
                response.status_code == 200 and "errorlist" in response.content.decode()
            ):
                refused += 1
                after = counts()
                changed = {t: (before[t], after.get(t)) for t in before if after.get(t) != before[t]}
                assert not changed, f"{where} was refused ({response.status_code}) but wrote {changed}"
    assert set(connection.introspection.table_names()) == tables, "a table was lost"
    counts()  # every table still answers
    print(f"{persona}: {submitted} forms submitted on {len(pages)} pages, {refused} refused; {searched} searches")
    assert submitted >= 10
