"""Scope-matrix rows of the upward reports (上报, issue 16): the catalogue, a form and its pages, a filing, its
cells and download, a village's row, the chain's steps and the API — on the demo's three forms and their 2020
filings (zhili/demo/reports2020.py). Appended to tests/scope_matrix.py's ROWS.

Who may do what (people/policy.py, "reports upward"): whoever reads the subdistrict reads its reports; a village's
cadres reach only their own village's row; 经发办 prepares 经济运行情况月报表 (JJ-01), 城管办 the other two; the
leaders review and approve — never a filing they submitted or typed into (城管办 submitted the week under review).
"""

from __future__ import annotations

from tests.scope_matrix import ALL, DENIED, OK, SUB_READERS, Row, each

VILLAGE_READERS = (*SUB_READERS, "village")  # 孔家坊's row: the subdistrict's readers and its cadre
# refused (403) for whoever reads the subdistrict but may not take the step; 404 for the rest (the default)
READ_ONLY = ("economy", "urban", "civil", "viewer")


def form(w, code: str):
    from zhili.reports.models import ReportForm

    return ReportForm.objects.get(region=w.sub, code=code)


def filing(w, code: str, period: str | None = None):
    """The current filing of one of the demo's forms for `period` (by default its latest filed period)."""
    from zhili.reports.models import Filing

    qs = Filing.objects.filter(form__region=w.sub, form__code=code)
    if period:
        qs = qs.filter(period=period)
    return qs.order_by("-end", "-version").first()


def latest_week(w) -> str:
    return filing(w, "HJ-01").period


def kong_row_post(w) -> dict:
    """孔家坊's row of October's 民生实事 table: its hand cells typed and confirmed (what the row's page posts)."""
    from zhili.reports.models import FilingValue, Origin

    f = filing(w, "MS-01", "2020-10")
    data = {"confirm": "1"}
    for v in FilingValue.objects.filter(filing=f, village=w.kong, origin__in=(Origin.HAND, Origin.MISSING)):
        data[f"v{v.pk}"] = "3"
        data[f"r{v.pk}"] = str(v.revision)
    return data


def _f(code: str, rest: str = "", period: str | None = None):
    return lambda w: f"/reports/filings/{filing(w, code, period).pk}/{rest}"


def _form(code: str, rest: str = ""):
    return lambda w: f"/reports/{form(w, code).pk}/{rest}"


READ = each(SUB_READERS, OK)
PREPARE_JJ = {"leader": OK, "economy": OK, **each(("urban", "civil", "viewer"), DENIED)}
PREPARE_MS = {"leader": OK, "urban": OK, **each(("economy", "civil", "viewer"), DENIED)}
LEAD_ONLY = {"leader": OK, **each(READ_ONLY, DENIED)}

ROWS = [
    # ---- the catalogue and the forms -------------------------------------------------------------------------
    Row("reports catalogue", lambda w: "/reports/", each(ALL, OK)),  # a village's people: their rows to fill
    Row("reports new form page", lambda w: "/reports/new/", LEAD_ONLY, default=DENIED),
    Row(
        "reports new form",
        lambda w: "/reports/new/",
        LEAD_ONLY,
        default=DENIED,
        method="POST",
        data=lambda w: {
            "code": "JZ-09",
            "name": "矩阵测试报表",
            "requester": "济阳区统计局",
            "frequency": "month",
            "deadline_days": "5",
            "layout": "cells",
            "unit": "",
        },
    ),
    Row("reports a form", _form("JJ-01"), READ),
    Row("reports a form's map", _form("JJ-01", "map/"), READ),
    Row("reports a form's map, a cell", lambda w: f"/reports/{form(w, 'JJ-01').pk}/map/?cell=D5", READ),
    Row("reports a form's template (audited)", _form("JJ-01", "template/"), READ),
    Row("reports edit a form page", _form("JJ-01", "edit/"), PREPARE_JJ),
    Row("reports upload page", _form("MS-01", "upload/"), PREPARE_MS),
    Row(
        "reports fetch a period (取数)",
        _form("MS-01", "fill/"),
        PREPARE_MS,
        method="POST",
        data=lambda w: {"period": "2020-10"},
    ),
    # ---- a filing ----------------------------------------------------------------------------------------------
    Row("reports a filing", _f("JJ-01", period="2020-09"), READ),
    Row("reports a corrected filing", _f("JJ-01", period="2020-05"), READ),
    Row("reports a village-level filing", _f("MS-01", period="2020-10"), READ),
    Row("reports a cell's trace", _f("JJ-01", "cell/D5/", "2020-09"), READ),
    Row("reports a filing's download (audited)", _f("JJ-01", "download/", "2020-09"), READ),
    Row(
        "reports 孔家坊's row",
        lambda w: f"/reports/filings/{filing(w, 'MS-01', '2020-10').pk}/village/{w.kong.code}/",
        each(VILLAGE_READERS, OK),
    ),
    Row(
        "reports 阎桥's row",
        lambda w: f"/reports/filings/{filing(w, 'MS-01', '2020-10').pk}/village/{w.yan.code}/",
        each((*SUB_READERS, "outsider"), OK),
    ),
    Row(
        "reports 孔家坊's row typed and confirmed",
        lambda w: f"/reports/filings/{filing(w, 'MS-01', '2020-10').pk}/village/{w.kong.code}/",
        {"leader": OK, "urban": OK, "village": OK, **each(("economy", "civil", "viewer"), DENIED)},
        default=DENIED,
        method="POST",
        data=kong_row_post,
    ),
    # ---- the chain -----------------------------------------------------------------------------------------------
    Row(
        "reports review the week (not by who submitted it)",
        lambda w: f"/reports/filings/{filing(w, 'HJ-01').pk}/review/",
        LEAD_ONLY,
        method="POST",
    ),
    Row("reports approve", _f("JJ-01", "approve/", "2020-10"), LEAD_ONLY, method="POST"),
    Row(
        "reports return with a comment",
        _f("JJ-01", "return/", "2020-10"),
        LEAD_ONLY,
        method="POST",
        data=lambda w: {"comment": "矩阵退回：请核实"},
    ),
    Row(
        "reports correct an approved filing",
        _f("JJ-01", "correct/", "2020-09"),
        PREPARE_JJ,
        method="POST",
        data=lambda w: {"reason": "矩阵更正：区统计局反馈口径调整"},
    ),
    # ---- the API -------------------------------------------------------------------------------------------------
    Row("api reports forms", lambda w: "/api/v1/reports/forms", each(ALL, OK), api=True),
    Row(
        "api a report filing",
        lambda w: f"/api/v1/reports/filings/{filing(w, 'JJ-01', '2020-09').pk}",
        READ,
        api=True,
    ),
]
