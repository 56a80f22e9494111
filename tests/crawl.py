"""Follow every link a person can click, from a page on: the crawler the page-wide proofs share (no leak outside
one's scope, nothing internal on screen, English throughout).

`crawl(client, start)` GETs every same-site link breadth-first and yields (path, response); `readable(response)`
is the text a person would read in it (the page, the JSON, a spreadsheet's cells); `visible_text(html)` is what a
browser shows of a page (no tags, attribute values, scripts or styles).
"""

from __future__ import annotations

import io
import re
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.test import Client

SKIP_PREFIXES = ("/static/", "/logout/", "/i18n/setlang/")
LIMIT = 400
# Kinds of page a village has hundreds of (its cases, their photos): a sample of each is crawled, so that the
# crawl still reaches every other kind of page within LIMIT.
SAMPLED = {
    re.compile(r"^/cases/\d+/$"): 60,
    re.compile(r"^/cases/\d+/photos/"): 20,
    re.compile(r"^/cases/\?.*page="): 10,
    # a village's hundreds of households (the demo's), each with its visit, registry and member pages
    re.compile(r"^/households/\d+/"): 30,
    re.compile(r"^/households/registry/(members/)?\d+/"): 15,
    re.compile(r"^/households/\?"): 15,  # the list's filter combinations the coverage pages link
    re.compile(r"^/households/rounds/(targets/)?\d+/"): 10,
    re.compile(r"^/duty/attendance/"): 10,
    re.compile(r"^/ledgers/[^/]+/rows/\d+/"): 25,  # a village's rows of a ledger (hundreds in the demo)
    re.compile(r"^/party/meetings/\d+/"): 12,  # a branch's year of meetings
    # a year of weekly bulletins (the demo's 46 weeks), each with its versions and four downloads
    re.compile(r"^/bulletins/\d{4}-W\d{2}/$"): 4,
    re.compile(r"^/bulletins/\d{4}-W\d{2}/v\d+/$"): 4,
    re.compile(r"^/bulletins/\d{4}-W\d{2}/v\d+/bulletin\."): 8,
    re.compile(r"^/bulletins/meetings/\d+/"): 6,
    re.compile(r"^/bulletins/meetings/decisions/\d+/"): 10,
    # a year of upward reports (the demo's 66 filings): each filing's page, its cells' traces, its 91 villages' rows
    # (each with its traces), its download; a form's mapping page opened on each of its cells
    re.compile(r"^/reports/filings/\d+/$"): 6,
    re.compile(r"^/reports/filings/\d+/cell/"): 10,
    re.compile(r"^/reports/filings/\d+/village/[^/]+/$"): 6,
    re.compile(r"^/reports/filings/\d+/village/[^/]+/cell/"): 6,
    re.compile(r"^/reports/filings/\d+/download/"): 4,
    re.compile(r"^/reports/\d+/map/\?"): 10,
}


class _Text(HTMLParser):
    """The text nodes of a page, outside <script>, <style> and <template>."""

    HIDDEN = frozenset({"script", "style", "template"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    """What a browser shows of `html`, one text node a line."""
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "href" and value:
                self.hrefs.append(value)


def same_site(base: str, href: str) -> str | None:
    absolute = urldefrag(urljoin("http://testserver" + base, href)).url
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if path.startswith(SKIP_PREFIXES):
        return None
    return path


def kind_of(path: str) -> str:
    """/regions/370115003201/?year=2020 → /regions/#/?year: pages of one kind, whatever they show."""
    parts = urlsplit(path)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "#", parts.path) + ("?" + "&".join(keys) if keys else "")


def readable(response) -> str:
    """The text a person would read in a response: the page, the JSON, or the cells of a spreadsheet ("" for a
    redirect or an image). Read once and kept on the response, so a streamed one can be read again."""
    cached = getattr(response, "_crawl_text", None)
    if cached is not None:
        return cached
    text = _read(response)
    response._crawl_text = text
    return text


def _read(response) -> str:
    if response.status_code in (301, 302):
        return ""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None
        )
    if "wordprocessingml" in kind:  # a bulletin's .docx: its paragraphs and table cells
        from docx import Document

        doc = Document(io.BytesIO(content))
        cells = (c.text for t in doc.tables for r in t.rows for c in r.cells)
        return "\n".join([*(p.text for p in doc.paragraphs), *cells])
    if kind.startswith("image/"):
        return ""  # a case photo: no text to leak (the copies shown carry no EXIF)
    if kind.startswith(("text/", "application/json", "application/yaml")):
        return content.decode()
    raise AssertionError(f"unexpected content type {kind!r}")


def crawl(
    client: Client,
    start: str = "/",
    *,
    limit: int = LIMIT,
    sampled: dict[re.Pattern, int] | None = None,
    within: str = "/",
    per_kind: int | None = None,
) -> Iterator[tuple[str, object]]:
    """Breadth-first GET of every same-site link (under `within`) from `start`, yielding (path, response).

    Links are followed from pages that answer 200 (and a 302's target); any other answer is yielded too, with
    `response.linked_from` naming the page that links to it, and not followed. At most `limit` pages answering
    200 or 302; of each kind in `sampled` (a pattern → how many; SAMPLED unless given) only that many, and with
    `per_kind`, only that many of every kind of page (`kind`: the same path but for its numbers, the same query keys).
    """
    sampled = SAMPLED if sampled is None else sampled
    counts = dict.fromkeys(sampled, 0)
    kinds: dict[str, int] = {}
    queue = deque([start])
    linked_from = {start: "(start)"}
    fetched = 0
    while queue and fetched < limit:
        url = queue.popleft()
        response = client.get(url)
        response.linked_from = linked_from[url]  # type: ignore[attr-defined]
        if response.status_code == 302:
            target = same_site(url, response["Location"])
            assert target is not None and not target.startswith("/login/"), f"{url} → {response['Location']}"
            links = [target]
        elif response.status_code == 200:
            parser = _Links()
            if response["Content-Type"].startswith("text/html"):
                parser.feed(readable(response))
            links = [link for href in parser.hrefs if (link := same_site(url, href))]
        else:
            yield url, response
            continue
        fetched += 1
        yield url, response
        for link in links:
            if link not in linked_from and link.startswith(within):
                kind = next((k for k in sampled if k.search(link)), None)
                if kind is not None:
                    if counts[kind] >= sampled[kind]:
                        continue
                    counts[kind] += 1
                if per_kind is not None:
                    if kinds.get(kind_of(link), 0) >= per_kind:
                        continue
                    kinds[kind_of(link)] = kinds.get(kind_of(link), 0) + 1
                linked_from[link] = url
                queue.append(link)
