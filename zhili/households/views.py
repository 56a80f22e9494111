"""The 民生户籍 pages: the household list (filtered, paginated), a household (members with their numbers masked, a
reveal that asks why; the 两不愁三保障 checklist; visits with photos; measures; the cases raised), the visit form for
a phone, coverage per village and per officer, failing items per village. Each view parses (forms.py: a bad value
is a 400 with its sentence), fetches through scope (404 outside), calls a query or an action, renders."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.core import clock
from zhili.core.errors import Conflict, Invalid, Refused
from zhili.households import coverage, listing, visits
from zhili.households.actions import do_reveal
from zhili.households.forms import (
    CheckForm,
    DaysForm,
    HouseholdFilterForm,
    MeasureForm,
    OfficerForm,
    RevealForm,
    VisitForm,
    errors_of,
)
from zhili.households.models import CheckState, RevealField
from zhili.households.queries import mask_identity, mask_phone, setup_of
from zhili.households.registry_forms import places
from zhili.people import policy

PAGE = 50


def _valid(form):
    if not form.is_valid():
        raise Invalid(errors_of(form))
    return form


def _submit(form, save) -> tuple[object | None, list[str], int]:
    """A posted form validated and saved by `save(form)`: (what it saved, [], 200), or (None, the sentences, 400 or
    409). A refusal escapes to ErrorMiddleware."""
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


def _rights(request: HttpRequest, setup) -> dict:
    return {"can_manage": policy.manage_households(request.scope, setup)}


# ---- the list, coverage, failing items -------------------------------------------------------------------------


@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    view = listing.where(request.scope)
    setup = setup_of(view.sub)
    form = _valid(HouseholdFilterForm(request.GET))
    rows = listing.household_list(request.scope, view.sub, form.filters())
    page = Paginator(rows, PAGE).get_page(form.cleaned_data["page"] or 1)
    return render(
        request,
        "households/list.html",
        {
            "setup": setup,
            "tab": "list",
            **_rights(request, setup),
            "page": page,
            "q": request.GET,
            "villages": listing.villages_of(request.scope, view.sub),
            "categories": listing.categories_of(view.sub),
            "officers": listing.officers_of(request.scope, view.sub),
            "items": listing.items_of(view.sub),
            # the other household pages, each linked only for who may use it (the policy its view asks)
            "sees_trainings": policy.read_households(request.scope, view.sub),
            "may_register": places(view.sub, request.scope).exists(),
        },
    )


@require_GET
def coverage_page(request: HttpRequest) -> HttpResponse:
    view = listing.where(request.scope)
    setup = setup_of(view.sub)
    days = _valid(DaysForm(request.GET)).cleaned_data["days"] or setup.visit_interval_days
    codes = {v.path: v.code for v in listing.villages_of(request.scope, view.sub)}
    base = reverse("households:list")
    villages = [
        (c, f"{base}?village={codes.get(c.key, '')}") for c in coverage.by_village(request.scope, view.sub, days=days)
    ]
    officers = [(c, f"{base}?officer={c.key or 0}") for c in coverage.by_officer(request.scope, view.sub, days=days)]
    return render(
        request,
        "households/coverage.html",
        {
            "setup": setup,
            "tab": "coverage",
            **_rights(request, setup),
            "days": days,
            "tables": [
                (_("按村"), _("村（社区）"), villages, "coverage-villages"),
                (_("按帮扶责任人"), _("帮扶责任人"), officers, "coverage-officers"),
            ],
        },
    )


@require_GET
def failing_page(request: HttpRequest) -> HttpResponse:
    view = listing.where(request.scope)
    setup = setup_of(view.sub)
    items = listing.items_of(view.sub)
    villages = listing.villages_of(request.scope, view.sub)
    counts = listing.failing_by_village_item(request.scope, view.sub)
    rows = [(v, [(item, counts.get((v.path, item.pk), 0)) for item in items]) for v in villages]
    totals = coverage.failing_by_item(request.scope, view.sub)
    return render(
        request,
        "households/failing.html",
        {
            "setup": setup,
            "tab": "failing",
            **_rights(request, setup),
            "items": items,
            "rows": rows,
            "totals": [(item, totals.get(item.pk, 0)) for item in items],
        },
    )


# ---- one household -----------------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, household, **extra) -> dict:
    setup = setup_of(household.subdistrict)
    page = listing.household_page(household)
    scope = request.scope
    can_write = policy.write_household(scope, household, setup)
    return {
        "setup": setup,
        "tab": "list",
        **_rights(request, setup),
        "household": household,
        "members": [(m, mask_identity(m.identity), mask_phone(m.phone), m.age_on(clock.today())) for m in page.members],
        "household_phone": mask_phone(household.phone),
        "checks": page.checks,
        "visits": page.visits,
        "measures": page.measures,
        "cases": page.cases,
        "can_reveal": policy.reveal_personal(scope, household, setup),
        "can_visit": policy.visit_household(scope, household, setup),
        "can_write": can_write,
        "states": CheckState.choices,
        "measure_form": extra.pop("measure_form", None) or MeasureForm(),
        "officers": listing.officer_candidates(household) if policy.manage_households(scope, setup) else [],
        **extra,
    }


@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = listing.get_household_or_404(request.scope, pk)
    return render(request, "households/detail.html", _detail_context(request, household))


@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    household = listing.get_household_or_404(request.scope, pk)
    setup = setup_of(household.subdistrict)
    if not policy.visit_household(request.scope, household, setup):
        raise Refused(_("只有该户的帮扶责任人、本村干部或民政（扶贫）办可以登记走访。"))
    form = VisitForm(request.POST, request.FILES) if request.method == "POST" else VisitForm.blank()
    errors: list[str] = []
    status = 200
    if request.method == "POST":

        def save(f):
            d = f.cleaned_data
            return visits.do_log_visit(
                household,
                visited_on=d["visited_on"],
                findings_text=d["findings"],
                photos=d["photos"] or [],
                lng=d["lng"] or None,
                lat=d["lat"] or None,
                raise_case=d["raise_case"],
                client_ref=d["client_ref"],
                actor=request.user,
                scope=request.scope,
            )

        visit, errors, status = _submit(form, save)
        if visit is not None:
            messages.success(request, _("已登记 %(day)s 的走访。") % {"day": visit.visited_on.isoformat()})
            return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/visit_form.html",
        {"setup": setup, "tab": "list", "household": household, "form": form, "errors": errors},
        status=status,
    )


def _back_with(request: HttpRequest, household, errors: list[str], status: int) -> HttpResponse:
    return render(request, "households/detail.html", _detail_context(request, household, errors=errors), status=status)


@require_POST
def check_item(request: HttpRequest, pk: int) -> HttpResponse:
    household = listing.get_household_or_404(request.scope, pk)
    form = CheckForm(request.POST)

    def save(f):
        d = f.cleaned_data
        item = listing.item_of(household, d["item"])
        if item is None:
            raise Invalid(_("请选择本街道（乡镇）启用的核查项目。"))
        return visits.do_check_item(
            household,
            item,
            state=d["state"],
            evidence=d["evidence"],
            checked_on=d["checked_on"],
            revision=d["revision"],
            raise_case=d["raise_case"],
            actor=request.user,
            scope=request.scope,
        )

    check, errors, status = _submit(form, save)
    if check is None:
        return _back_with(request, household, errors, status)
    messages.success(request, _("已保存核查结果。"))
    return redirect("households:detail", pk=household.pk)


@require_POST
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = listing.get_household_or_404(request.scope, pk)
    form = MeasureForm(request.POST)

    def save(f):
        d = f.cleaned_data
        return visits.do_add_measure(
            household,
            kind=d["kind"],
            description=d["description"],
            cost=d["cost"],
            done_on=d["done_on"],
            actor=request.user,
            scope=request.scope,
        )

    measure, errors, status = _submit(form, save)
    if measure is None:
        return render(
            request,
            "households/detail.html",
            _detail_context(request, household, errors=errors, measure_form=form),
            status=status,
        )
    messages.success(request, _("已登记帮扶措施。"))
    return redirect("households:detail", pk=household.pk)


@require_POST
def officer_set(request: HttpRequest, pk: int) -> HttpResponse:
    household = listing.get_household_or_404(request.scope, pk)
    form = OfficerForm(request.POST)

    def save(f):
        d = f.cleaned_data
        officer = None
        if d["officer"]:
            officer = listing.active_person(d["officer"])
            if officer is None:
                raise Invalid(_("请选择在职的帮扶责任人。"))
        return visits.do_set_officer(
            household, officer, revision=d["revision"], actor=request.user, scope=request.scope
        )

    saved, errors, status = _submit(form, save)
    if saved is None:
        return _back_with(request, household, errors, status)
    messages.success(request, _("已指定帮扶责任人。"))
    return redirect("households:detail", pk=household.pk)


@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full number, once, on its own page (never kept in the household page or its cache): an action that
    keeps who, what and why (Reveal and the audit log)."""
    household = listing.get_household_or_404(request.scope, pk)
    form = RevealForm(request.POST)
    member = None

    def save(f):
        nonlocal member
        d = f.cleaned_data
        if d["member"]:
            member = listing.member_of(household, d["member"])
            if member is None:
                raise Invalid(_("该成员不属于这一户。"))
        return do_reveal(
            household, field=d["field"], member=member, reason=d["reason"], actor=request.user, scope=request.scope
        )

    value, errors, status = _submit(form, save)
    if value is None:
        return _back_with(request, household, errors, status)
    response = render(
        request,
        "households/reveal.html",
        {
            "tab": "list",
            "household": household,
            "member": member,
            "field_label": RevealField(form.cleaned_data["field"]).label,
            "value": value,
            "reason": form.cleaned_data["reason"],
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def visit_photo(request: HttpRequest, pk: int, visit_id: int, photo_id: int, which: str) -> FileResponse:
    """Visit photos are served through the household's scope; the original (with its EXIF) only to those who may
    change the household or visit it."""
    household = listing.get_household_or_404(request.scope, pk)
    photo = listing.photo_of(household, visit_id, photo_id)
    if photo is None or which not in ("display", "original"):
        raise Http404(_("照片不存在。"))
    if which == "original" and not policy.visit_household(request.scope, household, setup_of(household.subdistrict)):
        raise Http404(_("照片不存在。"))
    field = photo.original if which == "original" else photo.display
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("照片文件不存在。")) from None
    response = FileResponse(handle, content_type="image/jpeg" if which != "original" else None)
    response["Cache-Control"] = "private, max-age=3600"
    return response
