"""Every output of one frozen week (shape.py), from the dict alone — renderers never query the database, so a
published week renders the same forever.

    render(data, "docx")  → (bytes, "太平街道工作周通报-2020-W40-v1.docx", content type)

Formats: docx (公文 layout, render_docx), xlsx (one sheet per table, render_xlsx), md (the full chat message as a
file, render_md), html (bulletins/bulletin.html: a standalone printable page with inline CSS and the chart as a
data: URI, nothing fetched), png (the ranking chart, chart.py). The robots send `render_md.markdown(data,
limit_bytes=4096)` and `chart.ranking_png(data)` themselves.
"""

from __future__ import annotations

import base64

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from zhili.bulletins import chart, render_common, render_docx, render_md, render_xlsx

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "png": "image/png",
}


def html(data: dict) -> str:
    """The standalone printable HTML document."""
    rc = render_common
    lines = {}
    for key, build in (
        ("targets", rc.targets_line),
        ("cases", rc.cases_line),
        ("patrol", rc.patrol_line),
        ("ledgers", rc.ledgers_line),
        ("projects", rc.projects_line),
        ("tax", rc.tax_line),
        ("decisions", rc.decision_summary),
    ):
        if data.get(key) is not None:
            lines[key] = build(data[key])
    png = chart.ranking_png(data) if not data.get("empty") else b""
    context = {
        "data": data,
        "sections": [{"key": k, "heading": h} for k, h in rc.sections(data)],
        "subtitle": rc.subtitle(data),
        "correction": rc.correction_note(data),
        "empty_note": rc.empty_note(data),
        "weights_note": rc.weights_note(data),
        "ranking_headers": rc.ranking_headers(data),
        "ranking_rows": rc.ranking_rows(data),
        "lines": lines,
        "written_date": rc.written_date(data),
        "chart": "data:image/png;base64," + base64.b64encode(png).decode() if png else "",
    }
    return render_to_string("bulletins/bulletin.html", context)


def render(data: dict, fmt: str) -> tuple[bytes, str, str]:
    """(bytes, file name, content type) of one frozen week in `fmt`; an unknown format is a ValueError."""
    if fmt not in FORMATS:
        raise ValueError(_("未知的通报格式：%(fmt)s") % {"fmt": fmt})
    if fmt == "docx":
        body = render_docx.document(data)
    elif fmt == "xlsx":
        body = render_xlsx.workbook(data)
    elif fmt == "md":
        body = render_md.markdown(data)[0].encode("utf-8")
    elif fmt == "html":
        body = html(data).encode("utf-8")
    else:
        body = chart.ranking_png(data)
    return body, render_common.filename(data, fmt), FORMATS[fmt]
