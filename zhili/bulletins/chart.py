"""The week's ranking as a PNG: horizontal bars of the villages' scores, drawn on the server.

What it shows: up to `ALL_UP_TO` villages (a small subdistrict), every one, best at the top. Beyond that (a
subdistrict has ~91), the top 10 and the bottom 10 with a gap between them and the subdistrict's median as a
dashed line: the picture is read on a phone in a WeCom group (an image is shrunk to the screen's width), where 91
bars of 2 mm each are unreadable, and the point of the picture is who leads, who lags and how far they are from
the middle. The full ranking is the table in the .docx, .xlsx and the page.

How: matplotlib's object-oriented API (`matplotlib.figure.Figure` with the Agg canvas, no pyplot state, so it
is safe in a threaded server), a fixed size and DPI, and no metadata (`metadata={"Software": None}`), so the
same week gives the same bytes on the same machine. The PNG stays far below WeCom's 2 MB image limit (~60 KB).

Font: Noto Sans CJK (Debian's fonts-noto-cjk, installed by .ci/run and docs/deploy.md) found through
matplotlib's font manager or its usual paths. Fallback when no CJK font exists: a warning in the log, and a
chart whose every text is ASCII — villages named by their codes, the title by the ISO week — so no glyph is
drawn as an empty box.
"""

from __future__ import annotations

import functools
import io
import logging
import statistics
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager

log = logging.getLogger(__name__)

ALL_UP_TO = 30  # a subdistrict this small is drawn whole
EDGE = 10  # otherwise the top and the bottom this many
DPI = 110
WIDTH_IN = 7.2
MAX_BYTES = 2 * 1024 * 1024  # WeCom's image limit

_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")
_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
_BLUE, _RED, _GREY = "#2f6db5", "#c0392b", "#7f8c8d"


@functools.cache
def cjk_font() -> FontProperties | None:
    """A font with Chinese glyphs, or None (then the chart falls back to ASCII and says so in the log)."""
    for family in _FAMILIES:
        for entry in fontManager.ttflist:
            if entry.name == family:
                return FontProperties(family=family)  # the face of that name, also inside a .ttc
    for path in _PATHS:
        if Path(path).exists():
            return FontProperties(fname=path)
    log.warning(
        "No CJK font found (install fonts-noto-cjk); the bulletin's chart names villages by their codes instead."
    )
    return None


def _score(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(Decimal(str(value)))
    except InvalidOperation:
        return None


def ranking_png(data: dict) -> bytes:
    """The ranking chart of one frozen week (shape.py) as PNG bytes."""
    font = cjk_font()
    scored = [(v, s) for v in data["villages"] if (s := _score(v["score"])) is not None]
    median = statistics.median(s for _v, s in scored) if scored else None
    if len(scored) <= ALL_UP_TO:
        shown: list[tuple[dict, float] | None] = list(scored)
    else:
        shown = [*scored[:EDGE], None, *scored[-EDGE:]]  # None: the gap between the top and the bottom

    def label(v: dict) -> str:
        return f"{v['rank']}. {v['name']}" if font else f"{v['rank']}. {v['code']}"

    rows = max(len(shown), 1)
    fig = Figure(figsize=(WIDTH_IN, 1.3 + 0.3 * rows), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ys = list(range(rows))[::-1]  # the best at the top
    labels = []
    for y, item in zip(ys, shown, strict=False):
        if item is None:
            labels.append("……" if font else "...")
            continue
        v, s = item
        laggard = len(scored) > ALL_UP_TO and v in (x for x, _s in scored[-EDGE:])
        ax.barh(y, s, color=_RED if laggard else _BLUE, height=0.7)
        ax.text(s + 0.8, y, f"{s:.2f}", va="center", fontsize=8)
        labels.append(label(v))
    ax.set_yticks(ys[: len(labels)], labels, fontsize=9, fontproperties=font)
    ax.set_xlim(0, 110)
    ax.set_ylim(-0.7, rows - 0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    if median is not None:
        median_text = _("全街道中位数 %(median)s") % {"median": f"{median:.2f}"} if font else f"median {median:.2f}"
        ax.axvline(median, color=_GREY, linestyle="--", linewidth=1, label=median_text)
        ax.legend(loc="lower right", fontsize=8, frameon=False, prop=font)
    if font:
        title = _("%(title)s · %(week)s 综合得分排名") % {"title": data["title"], "week": data["week"]}
        if len(scored) > ALL_UP_TO:
            title += _("（前 %(n)s 名与后 %(n)s 名，共 %(total)s 个村）") % {"n": EDGE, "total": len(scored)}
    else:
        title = f"{data['subdistrict']['code']} {data['week']} scores"
        if len(scored) > ALL_UP_TO:
            title += f" (top {EDGE} and bottom {EDGE} of {len(scored)})"
    if not scored:
        title += _("（本周无数据）") if font else " (no data)"
    ax.set_title(title, fontsize=11, fontproperties=font)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()
