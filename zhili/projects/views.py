"""The projects and tax-source pages (经发办): the overview, the project ledger and a project's months, investment
statistics, tax receipts (the unmatched ones listed), 应收未收, key enterprises with their taxes and requests, and
the subdistrict's setup. Each view parses (forms.py: a bad value is a 400 with its sentence), fetches through
scope (404 outside it; tax figures only for `policy.see_taxes`, else 403), calls a query or an action, renders."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import replace
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.cases.queries import with_lights
from zhili.core import charts, clock
from zhili.core.errors import Conflict, Invalid, NotFound, Refused, require
from zhili.imports.views import xlsx_response
from zhili.people import policy
from zhili.people.scope import NoViewpoint, viewpoint
from zhili.projects import actions, queries
from zhili.projects.forms import (
    EnterpriseForm,
    GapForm,
    ProjectFilterForm,
    ProjectForm,
    ReceiptFilterForm,
    RequestForm,
    SetupForm,
    YearForm,
    errors_of,
)
from zhili.projects.models import ProjectStatus, TaxSetup
from zhili.regions.models import Level

PAGE = 50
ZERO = Decimal(0)


# ---- where and who ---------------------------------------------------------------------------------------------


def _setup(request: HttpRequest) -> TaxSetup:
    """The tax setup of the subdistrict this person works on (404 when they have none)."""
    try:
        sub = viewpoint(request.scope).sub
    except NoViewpoint:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。")) from None
    return queries.setup_of(sub)


def _taxes(request: HttpRequest, setup: TaxSetup) -> None:
    require(policy.see_taxes(request.scope, setup), _("涉税信息只对街道领导、经发办和全街道的查看人员开放。"))


def _valid(form):
    if not form.is_valid():
        raise Invalid(errors_of(form))
    return form


def _submit(form, save) -> tuple[object | None, list[str], int]:
    """A posted form validated and saved by `save(form)`: (what it saved, [], 200), or (None, the sentences to show,
    400 for a bad value or 409 for an edit somebody else's overtook). A refusal escapes to ErrorMiddleware."""
    if not form.is_valid():
        return None, errors_of(form), 400
    try:
        return save(form), [], 200
    except Refused:
        raise
    except Conflict as exc:
        return None, exc.messages, 409
    except Invalid as exc:
        return None, exc.messages, 400


def _month_label(month: datetime.date) -> str:
    return _("%(m)s月") % {"m": month.month}


def _series(by_month: dict, months: list[datetime.date]) -> list:
    return [by_month.get(m, ZERO) for m in months]


def _rights(request: HttpRequest, setup: TaxSetup) -> dict:
    return {
        "can_taxes": policy.see_taxes(request.scope, setup),
        "can_manage": policy.manage_projects(request.scope, setup),
        "can_setup": policy.configure_cases(request.scope, setup.region),
    }


# ---- the 应收未收 rows ---------------------------------------------------------------------------------------------


def gap_rows(setup: TaxSetup, month: datetime.date, scope) -> list[queries.GapRow]:
    """The month's 应收未收: expected minus received beyond the setup's threshold (queries.gap has every row)."""
    return [r for r in queries.gap(setup, month, scope=scope) if r.gap > setup.gap_threshold]


def _latest_month(setup: TaxSetup, year: int | None = None) -> datetime.date:
    """The month a gap list opens on: the latest with expected taxes (in `year`), else this month."""
    found = queries.latest_expected_month(setup.region, year)
    today = clock.today()
    return found or datetime.date(year or today.year, today.month if not year or year == today.year else 12, 1)


# ---- pages ------------------------------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The menu's entry: the overview for whoever sees taxes, the project list for everyone else."""
    setup = _setup(request)
    return redirect("projects:overview" if policy.see_taxes(request.scope, setup) else "projects:list")


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    _taxes(request, setup)
    year = _valid(YearForm(request.GET)).year_or_today()
    months = queries.months_of(year)
    labels = [_month_label(m) for m in months]
    invested = queries.investment_by_month(request.scope, setup.region, year)
    expected = queries.expected_by_month(setup.region, year)
    received = queries.received_by_month(setup.region, year)
    gaps_by_month = {m: expected.get(m, ZERO) - received.get(m, ZERO) for m in months}
    latest = _latest_month(setup, year)
    largest = sorted(gap_rows(setup, latest, request.scope), key=lambda r: r.gap, reverse=True)
    unregistered = queries.unregistered(request.scope, setup)
    leaving = queries.leaving(setup, year)
    requests_open = queries.open_requests(setup.region)
    lit = dict(with_lights([r.case for r in requests_open]))
    return render(
        request,
        "projects/overview.html",
        {
            "setup": setup,
            "year": year,
            "tab": "overview",
            **_rights(request, setup),
            "invested_total": sum(invested.values(), ZERO),
            "expected_total": sum(expected.values(), ZERO),
            "received_total": sum(received.values(), ZERO),
            "gap_total": sum(gaps_by_month.values(), ZERO),
            "invest_chart": charts.bar_chart(
                _("%(year)s年各月完成投资") % {"year": year},
                labels,
                [charts.Series(_("完成投资（万元）"), _series(invested, months), "new")],
            ),
            "tax_chart": charts.bar_chart(
                _("%(year)s年各月应缴与已缴税款") % {"year": year},
                labels,
                [
                    charts.Series(_("应缴（元）"), _series(expected, months), "new"),
                    charts.Series(_("已缴（元）"), _series(received, months), "closed"),
                ],
            ),
            "gap_chart": charts.line_chart(
                _("%(year)s年各月应收未收差额的走势") % {"year": year},
                labels,
                [  # what was not collected: a month paid beyond what was expected has no shortfall (0), not a dip
                    charts.Series(
                        _("应收未收（元）"),
                        [max(gaps_by_month[m], ZERO) if m in expected else None for m in months],
                        "actual",
                    )
                ],
            ),
            "months": [
                (m, invested.get(m, ZERO), expected.get(m, ZERO), received.get(m, ZERO), gaps_by_month[m])
                for m in months
            ],
            "latest": latest,
            "largest": largest[:10],
            "largest_count": len(largest),
            "unregistered": unregistered[:10],
            "unregistered_count": len(unregistered),
            "leaving": leaving[:10],
            "leaving_count": len(leaving),
            "at_stake_total": sum((r["at_stake"] for r in leaving), ZERO),
            "requests": [(r, lit.get(r.case)) for r in requests_open[:10]],
            "requests_count": len(requests_open),
        },
    )


@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    form = _valid(ProjectFilterForm(request.GET))
    rows = queries.project_list(request.scope, setup, form.filters())
    page = Paginator(rows, PAGE).get_page(form.cleaned_data["page"] or 1)
    villages = request.scope.regions().filter(parent=setup.region, level=Level.VILLAGE).order_by("path")
    return render(
        request,
        "projects/list.html",
        {
            "setup": setup,
            "tab": "list",
            **_rights(request, setup),
            "page": page,
            "q": request.GET,
            "villages": villages,
            "statuses": ProjectStatus.choices,
            "today": clock.today(),
        },
    )


@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = queries.get_project_or_404(request.scope, pk)
    setup = queries.setup_of(project.subdistrict)
    can_taxes = policy.see_taxes(request.scope, setup)
    lines = queries.project_months(project, with_taxes=can_taxes)
    receipts = list(project.receipts.order_by("period", "tax")) if can_taxes else []
    expected = sum((line.expected_total for line in lines), ZERO)
    paid = sum((line.received_total for line in lines), ZERO)
    return render(
        request,
        "projects/detail.html",
        {
            "setup": setup,
            "tab": "list",
            "project": project,
            "lines": lines,
            "receipts": receipts,
            **_rights(request, setup),
            "unregistered": (
                project.status == ProjectStatus.BUILDING
                and not project.registered
                and project.planned_investment >= setup.registration_threshold
            ),
            "totals": {
                "received": sum((line.figures.received for line in lines if line.figures), ZERO),
                "subcontract": sum((line.figures.subcontract for line in lines if line.figures), ZERO),
                "investment": sum((line.figures.investment for line in lines if line.figures), ZERO),
                "expected": expected,
                "paid": paid,
                "difference": expected - paid,
                "at_stake": sum((line.expected.at_stake for line in lines if line.expected), ZERO),
            },
            "leaves": any(line.expected and line.expected.leaves for line in lines),
        },
    )


@require_GET
def investment(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    year = _valid(YearForm(request.GET)).year_or_today()
    stats = queries.investment_stats(request.scope, setup.region, year)
    months = queries.months_of(year)
    return render(
        request,
        "projects/investment.html",
        {
            "setup": setup,
            "year": year,
            "tab": "investment",
            **_rights(request, setup),
            "villages": stats["villages"],
            "park": [(True, stats["park"].get(True, ZERO)), (False, stats["park"].get(False, ZERO))],
            "total": sum(stats["months"].values(), ZERO),
            "months": [(m, stats["months"].get(m, ZERO)) for m in months],
            "chart": charts.bar_chart(
                _("%(year)s年各月完成投资") % {"year": year},
                [_month_label(m) for m in months],
                [charts.Series(_("完成投资（万元）"), _series(stats["months"], months), "new")],
            ),
        },
    )


@require_GET
def receipts(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    _taxes(request, setup)
    form = _valid(ReceiptFilterForm(request.GET))
    f = form.filters()
    page = Paginator(queries.receipts(setup.region, f), PAGE).get_page(form.cleaned_data["page"] or 1)
    # the unmatched rows first, whatever the page (never dropped: the whole list is one click away)
    unmatched_first = [] if f.unmatched else list(queries.receipts(setup.region, replace(f, unmatched=True))[:PAGE])
    return render(
        request,
        "projects/receipts.html",
        {
            "setup": setup,
            "tab": "receipts",
            **_rights(request, setup),
            "f": f,
            "q": request.GET,
            "page": page,
            "counts": queries.receipt_counts(setup.region, f),
            "unmatched": unmatched_first,
            "months": range(1, 13),
        },
    )


@require_GET
def gap_export(request: HttpRequest) -> HttpResponse:
    """The month's 应收未收 file (every project and tax, the page's rows among them), as `zhili tax gap` writes it;
    an action with its audit entry."""
    setup = _setup(request)
    form = _valid(GapForm(request.GET))
    month = form.cleaned_data["month"] or _latest_month(setup)
    exported = actions.do_export_gap(setup, month, actor=request.user, scope=request.scope)
    return xlsx_response(exported.data, exported.filename)


@require_GET
def gap(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    _taxes(request, setup)
    form = _valid(GapForm(request.GET))
    month = form.cleaned_data["month"] or _latest_month(setup)
    rows = gap_rows(setup, month, request.scope)
    needle = form.cleaned_data["q"].strip()
    if needle:
        rows = [r for r in rows if needle in str(r.project) or needle in r.contractor or needle in r.uscc]
    rows.sort(key=lambda r: (str(r.contractor), str(r.project), str(r.tax)))
    by_contractor: dict[str, dict] = {}
    for r in rows:
        entry = by_contractor.setdefault(
            r.uscc,
            {"name": r.contractor, "uscc": r.uscc, "difference": ZERO, "rows": 0},
        )
        entry["difference"] += r.gap
        entry["rows"] += 1
    return render(
        request,
        "projects/gap.html",
        {
            "setup": setup,
            "tab": "gap",
            **_rights(request, setup),
            "month": month,
            "q": request.GET,
            "rows": rows,
            "total": sum((r.gap for r in rows), ZERO),
            "contractors": sorted(by_contractor.values(), key=lambda e: e["difference"], reverse=True),
        },
    )


# ---- key enterprises ---------------------------------------------------------------------------------------------


@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    _taxes(request, setup)
    form = _valid(YearForm(request.GET))
    year = form.year_or_today()
    show_all = request.GET.get("all") == "1"
    return render(
        request,
        "projects/enterprises.html",
        {
            "setup": setup,
            "tab": "enterprises",
            **_rights(request, setup),
            "year": year,
            "show_all": show_all,
            "enterprises": list(queries.enterprises(setup.region, year, key_only=not show_all)),
        },
    )


def _enterprise_data(form: EnterpriseForm) -> dict:
    data = dict(form.cleaned_data)
    if data.get("revision") is None:
        data.pop("revision", None)
    return data


@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = queries.get_project_or_404(request.scope, pk)
    setup = queries.setup_of(project.subdistrict)
    require(policy.manage_projects(request.scope, setup), _("只有经发办或街道领导可以修改建设项目。"))
    initial = {name: getattr(project, name) for name in actions.PROJECT_FIELDS} | {"revision": project.revision}
    form = ProjectForm(request.POST or None, subdistrict=setup.region, initial=initial)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        saved, errors, status = _submit(
            form, lambda f: actions.do_save_project(project, f.cleaned_data, actor=request.user, scope=request.scope)
        )
        if saved is not None:
            messages.success(request, _("已保存。"))
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/project_form.html",
        {"setup": setup, "tab": "list", "form": form, "errors": errors, "project": project},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def enterprise_new(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    require(policy.manage_projects(request.scope, setup), _("只有经发办或街道领导可以登记、修改企业。"))
    form = EnterpriseForm(
        request.POST or None, subdistrict=setup.region, new=True, initial={"is_key": True, "region": setup.region}
    )
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        ent, errors, status = _submit(
            form,
            lambda f: actions.do_save_enterprise(
                setup.region, _enterprise_data(f), actor=request.user, scope=request.scope
            ),
        )
        if ent is not None:
            messages.success(request, _("已登记企业“%(name)s”。") % {"name": ent.name})
            return redirect("projects:enterprise", pk=ent.pk)
    return render(
        request,
        "projects/enterprise_form.html",
        {"setup": setup, "tab": "enterprises", "form": form, "errors": errors, "enterprise": None},
        status=status,
    )


def _enterprise(request: HttpRequest, pk: int):
    setup = _setup(request)
    ent = queries.get_enterprise_or_404(setup.region, pk)
    if not (policy.see_taxes(request.scope, setup) or policy.serve_enterprise(request.scope, ent, setup)):
        raise NotFound(_("不存在或无权查看。"))
    return setup, ent


@require_GET
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    setup, ent = _enterprise(request, pk)
    year = _valid(YearForm(request.GET)).year_or_today()
    can_taxes = policy.see_taxes(request.scope, setup)
    months = queries.months_of(year)
    chart, paid, before = None, ZERO, ZERO
    if can_taxes:
        taxes = queries.enterprise_taxes(ent, (year - 1, year))
        last_year = {m: taxes.get(m.replace(year=year - 1), ZERO) for m in months}
        paid = sum(_series(taxes, months), ZERO)
        before = sum(last_year.values(), ZERO)
        chart = charts.bar_chart(
            _("%(name)s %(year)s年各月入库税款（元）") % {"name": ent.name, "year": year},
            [_month_label(m) for m in months],
            [
                charts.Series(_("%(year)s年") % {"year": year - 1}, _series(last_year, months), "new"),
                charts.Series(_("%(year)s年") % {"year": year}, _series(taxes, months), "closed"),
            ],
        )
    reqs = queries.enterprise_requests(ent)
    lit = dict(with_lights([r.case for r in reqs]))
    return render(
        request,
        "projects/enterprise.html",
        {
            "setup": setup,
            "tab": "enterprises",
            "enterprise": ent,
            "year": year,
            "can_taxes": can_taxes,
            "can_manage": policy.manage_projects(request.scope, setup),
            "can_serve": policy.serve_enterprise(request.scope, ent, setup),
            "chart": chart,
            "paid": paid,
            "before": before,
            "change": paid - before,
            "requests": [(r, lit.get(r.case)) for r in reqs],
            "request_form": RequestForm(initial={"client_ref": secrets.token_urlsafe(12)}),
            "projects": list(ent.projects.active().select_related("region").order_by("name")),
        },
    )


@require_http_methods(["GET", "POST"])
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    setup, ent = _enterprise(request, pk)
    require(policy.manage_projects(request.scope, setup), _("只有经发办或街道领导可以登记、修改企业。"))
    initial = {
        "name": ent.name,
        "region": ent.region,
        "sector": ent.sector,
        "is_key": ent.is_key,
        "status": ent.status,
        "liaison": ent.liaison,
        "revision": ent.revision,
    }
    form = EnterpriseForm(request.POST or None, subdistrict=setup.region, new=False, initial=initial)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        saved, errors, status = _submit(
            form,
            lambda f: actions.do_save_enterprise(
                setup.region, _enterprise_data(f), actor=request.user, scope=request.scope, enterprise=ent
            ),
        )
        if saved is not None:
            messages.success(request, _("已保存。"))
            return redirect("projects:enterprise", pk=ent.pk)
    return render(
        request,
        "projects/enterprise_form.html",
        {"setup": setup, "tab": "enterprises", "form": form, "errors": errors, "enterprise": ent},
        status=status,
    )


@require_POST
def request_add(request: HttpRequest, pk: int) -> HttpResponse:
    setup, ent = _enterprise(request, pk)
    if not policy.serve_enterprise(request.scope, ent, setup):
        raise Refused(_("只有该企业的包联干部或经发办可以登记企业诉求。"))
    form = _valid(RequestForm(request.POST))
    req = actions.do_add_request(
        ent,
        kind=form.cleaned_data["kind"],
        description=form.cleaned_data["description"],
        actor=request.user,
        scope=request.scope,
        client_ref=form.cleaned_data["client_ref"],
    )
    messages.success(request, _("已登记诉求，事件编号 %(number)s。") % {"number": req.case.number})
    return redirect("projects:enterprise", pk=ent.pk)


# ---- setup -------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def setup_page(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    require(policy.configure_cases(request.scope, setup.region), _("只有街道领导或系统管理员可以修改税源监控设置。"))
    initial = {
        "county_code": setup.county_code,
        "location_class": setup.location_class,
        "unit": setup.unit,
        "gap_threshold": setup.gap_threshold,
        "registration_threshold": setup.registration_threshold,
        "revision": setup.revision if setup.pk else None,
    }
    form = SetupForm(request.POST or None, subdistrict=setup.region, initial=initial)
    errors: list[str] = []
    status = 200
    if request.method == "POST":

        def save(f):
            data = dict(f.cleaned_data)
            if data.get("revision") is None:
                data.pop("revision")
            return actions.do_save_setup(setup.region, data, actor=request.user, scope=request.scope)

        saved, errors, status = _submit(form, save)
        if saved is not None:
            messages.success(request, _("已保存税源监控设置，各项目的应缴税款已重新计算。"))
            return redirect("projects:setup")
    return render(
        request,
        "projects/setup.html",
        {"setup": setup, "tab": "setup", "form": form, "errors": errors, **_rights(request, setup)},
        status=status,
    )
