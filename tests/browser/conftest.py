"""Real-browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's live server.

Playwright's sync API keeps an asyncio loop marked as running in the test thread between calls, so Django's
ORM (the demo loader, look-ups in the tests, the flush after each test) would refuse to run there; while
the browser is up, DJANGO_ALLOW_ASYNC_UNSAFE lets it. For the same reason the browser tests run last, after
every other test (pytest_collection_modifyitems below): nothing else should run while that loop exists.

live_server makes each test transactional: the database is flushed after it, so each test loads the Taiping
demo itself (the `demo` fixture): the first with taiping.load(), the others from a copy of what it wrote
(DemoSnapshot), because the real loader takes seconds and these tests should stay well under a minute.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # git-ignored
PASSWORD = "zhili-demo"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PHONE_390 = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TIMEOUT_MS = 10_000


def _serve_one_request_at_a_time_on_in_memory_sqlite() -> None:
    """On SQLite the test database lives in memory, and the live server's request threads all share the test
    thread's one connection; a page that loads several photos at once then makes two threads run SQL on it
    together ("cannot start a transaction within a transaction"). There the live server answers one request at a
    time (Django then closes each connection: no keep-alive starves the others). PostgreSQL gives every request
    thread its own connection and keeps the threaded server."""
    from django.conf import settings
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    if "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        return

    class OneAtATime(WSGIServer):
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)  # LiveServerThread.run() already gave its thread the connection

    LiveServerThread.server_class = OneAtATime


_serve_one_request_at_a_time_on_in_memory_sqlite()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests go last (stable order otherwise): see the module docstring."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        if os.environ.get("ZHILI_REQUIRE_BROWSER"):  # CI must run the browser tests, never skip them
            pytest.fail("Chromium is not installed (ZHILI_REQUIRE_BROWSER is set): apt-get install chromium")
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class DemoSnapshot:
    """The demo's rows, copied within the test database into side tables that the flush leaves alone.

    Loading the demo through the ORM takes seconds; copying its rows back with INSERT … SELECT takes a few
    milliseconds, in SQL that SQLite and PostgreSQL both run. The first browser test of a session runs the
    real taiping.load() and takes the snapshot; later tests restore it, and fall back to taiping.load()
    whenever the database is not the flushed state the snapshot expects.
    """

    PREFIX = "zz_browser_demo_"

    def __init__(self) -> None:
        self.tables: dict[str, tuple[str, int]] = {}  # table → (its copy, rows)

    def take(self) -> None:
        from django.db import connection

        qn = connection.ops.quote_name
        names = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
        with connection.cursor() as cursor:
            for i, table in enumerate(names):
                copy = f"{self.PREFIX}{i}"
                cursor.execute(f"DROP TABLE IF EXISTS {qn(copy)}")
                cursor.execute(f"CREATE TABLE {qn(copy)} AS SELECT * FROM {qn(table)}")
                cursor.execute(f"SELECT COUNT(*) FROM {qn(copy)}")
                self.tables[table] = (copy, cursor.fetchone()[0])

    def restore(self) -> bool:
        """Put the demo back into the flushed database; False (and nothing written) when it cannot."""
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import connection, transaction

        if not self.tables:
            return False
        qn = connection.ops.quote_name

        class Unexpected(Exception):
            pass

        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for table, (copy, rows) in self.tables.items():
                    cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")
                    present = cursor.fetchone()[0]
                    if present == rows:
                        continue  # empty in both, or rebuilt after the flush (content types, permissions)
                    if present:
                        raise Unexpected(table)
                    cursor.execute(f"INSERT INTO {qn(table)} SELECT * FROM {qn(copy)}")
                for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                    cursor.execute(sql)  # PostgreSQL: new rows get ids after the copied ones
        except Unexpected:
            return False
        return True


@pytest.fixture(scope="session")
def demo_snapshot() -> DemoSnapshot:
    return DemoSnapshot()


@pytest.fixture
def demo(browser, live_server, demo_snapshot):
    """The Taiping demo in the (transactional, flushed after each test) database. The browser starts first:
    see the module docstring."""
    from zhili.demo import taiping

    if not demo_snapshot.restore():
        taiping.load()
        demo_snapshot.take()
    return taiping


@dataclass
class Watch:
    """What a page did: console errors, uncaught exceptions and every URL it requested."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)

    def errors(self) -> list[str]:
        # A page deliberately answered 404/429 makes Chromium log "Failed to load resource … status of N";
        # tests say which statuses they expect, everything else counts.
        allowed = tuple(f"the server responded with a status of {s} " for s in self.expected_statuses)
        return [e for e in self.console_errors if not any(a in e for a in allowed)] + self.page_errors

    def assert_clean(self) -> None:
        assert self.errors() == [], "console errors / CSP violations / page errors"
        foreign = [u for u in self.requests if not u.startswith(self.origin + "/")]
        assert foreign == [], "requests to another origin"


# What sticks out sideways on a page `width` px wide: the document's scroll width, and the widest elements (the
# element's tag, id or class, and its right edge), not counting what a scrolling box or a closed <details> hides.
_OVERFLOW_JS = """(width) => {
    const hidden = (el) => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (p.tagName === 'DETAILS' && !p.open && el.closest('summary') === null) return true;
            const o = getComputedStyle(p).overflowX;
            if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
        }
        return false;
    };
    const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > width + 1 && r.width > 0 && !hidden(el)) wide.push([Math.round(r.right), name(el)]);
    }
    wide.sort((a, b) => b[0] - a[0]);
    const boxes = [];  // boxes that scroll sideways themselves (a table too wide for its .table-wrap)
    for (const el of document.querySelectorAll('main *')) {
        const o = getComputedStyle(el).overflowX;
        if ((o === 'auto' || o === 'scroll') && el.scrollWidth > el.clientWidth + 1 && el.offsetParent !== null) {
            const inner = el.firstElementChild;
            boxes.push(name(el) + (inner ? ' > ' + name(inner) : '') + ' ' + el.scrollWidth + '/' + el.clientWidth);
        }
    }
    return {
        url: location.pathname + location.search,
        scrollWidth: document.scrollingElement.scrollWidth,
        widest: wide.slice(0, 5).map(([right, n]) => n + ' (right edge ' + right + ' px)'),
        scrolling: boxes.slice(0, 5),
    };
}"""


def overflow(page, width: int) -> dict:
    """What sticks out past `width` (for a failure message that names the page and the widest element)."""
    return page.evaluate(_OVERFLOW_JS, width)


def assert_fits(page, width: int, *, boxes: bool = False) -> None:
    """The page does not scroll sideways on a `width` px screen; with boxes=True, nothing inside it does either
    (no table scrolls sideways within its .table-wrap: on a phone tables are cards)."""
    o = overflow(page, width)
    assert o["scrollWidth"] <= width + 1, o
    if boxes:
        assert o["scrolling"] == [], o


class Browsing:
    """A browser context (its own cookies) with one watched page; `open_page` makes it."""

    def __init__(self, browser, live_server, **context_options):
        self.base = live_server.url
        self.context = browser.new_context(base_url=self.base, locale="zh-CN", **context_options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.watch = Watch(origin=self.base)
        page, watch = self.page, self.watch
        page.on(
            "console",
            lambda m: m.type == "error" and watch.console_errors.append(f"{m.text} @ {m.location.get('url', '')}"),
        )
        page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
        page.on("request", lambda r: watch.requests.append(r.url))
        # Chromium logs CSP violations to the console itself; this makes sure each one is reported, with its
        # directive, even where the console message would be a warning.
        self.context.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error("
            "'CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));"
        )

    def follow(self, target, *, tap: bool = False):
        """Click (or tap) a link or button and wait for the page it leads to."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.page.expect_navigation():
            locator.tap() if tap else locator.click()
        return self.page

    def login(self, username: str, password: str = PASSWORD, *, tap: bool = False):
        """Sign in through the real form (from wherever the browser is, going to /login/ unless it is there)."""
        page = self.page
        if not page.url.startswith(self.base + "/login/"):
            page.goto("/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        return self.follow("form[action='/login/'] button[type=submit]", tap=tap)

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def h1(self) -> str:
        return re.sub(r"\s+", " ", self.page.inner_text("main h1")).strip()

    def close(self) -> None:
        self.context.close()


def _browsings(browser, live_server) -> Iterator:
    """make(**options) → a Browsing (desktop unless a viewport is given), each closed after the test."""
    made: list[Browsing] = []

    def make(**options) -> Browsing:
        options.setdefault("viewport", DESKTOP)
        b = Browsing(browser, live_server, **options)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()


@pytest.fixture
def open_page(browser, live_server, demo):
    """open_page() → a desktop Browsing; open_page(**PHONE) → a phone one. Closed after the test."""
    yield from _browsings(browser, live_server)


@pytest.fixture
def open_empty(browser, live_server):
    """Like open_page, on an empty database (no demo): a township starting on its own. The database is emptied
    first (the session loaded the demo into it; live_server flushes it only after each test)."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    yield from _browsings(browser, live_server)
