"""The register's pages: a household's form (with its members), a member's form (phone-usable), archiving a member,
the name reviews side by side (numbers masked), the personal-data export (POST, audited by its action). Parse →
fetch through scope (404 outside) → action → render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zhili.cases.forms import errors_of
from zhili.core.errors import Conflict, Invalid, Refused, require
from zhili.households import exports, registry
from zhili.households.queries import mask_identity, mask_phone, setup_of
from zhili.households.registry_forms import ArchiveForm, DecideForm, HouseholdForm, MemberForm
from zhili.imports import views as import_views
from zhili.people import policy
from zhili.people.scope import viewpoint


def _submit(form, save) -> tuple[object | None, list[str], int]:
    """A posted form validated and saved: (what it saved, [], 200) or (None, sentences, 400/409). A refusal escapes
    to ErrorMiddleware."""
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


def _warn(request: HttpRequest, saved: registry.Saved) -> None:
    for w in saved.warnings:
        messages.warning(request, w)
    if saved.reviews:
        messages.info(request, _("村里有姓名相近的成员，已列入“疑似重名”待确认，不会自动合并。"))


@require_http_methods(["GET", "POST"])
def household_new(request: HttpRequest) -> HttpResponse:
    sub = viewpoint(request.scope).sub
    form = HouseholdForm(request.POST or None, sub=sub, scope=request.scope)
    require(form.fields["region"].queryset.exists(), _("您无权登记新户。"))
    errors, status = [], 200
    if request.method == "POST":
        saved, errors, status = _submit(
            form,
            lambda f: registry.do_save_household(
                None, f.cleaned_data, sub=sub, actor=request.user, scope=request.scope
            ),
        )
        if saved is not None:
            return redirect("household_registry:household_edit", pk=saved.pk)
    return render(
        request,
        "households/registry/household_form.html",
        {"form": form, "errors": errors, "sub": sub, "household": None},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = registry.household_in_scope(request.scope, pk)
    setup = setup_of(household.subdistrict)
    may_write = policy.write_household(request.scope, household, setup)
    initial = {
        "region": household.region,
        "number": household.number,
        "address": household.address,
        "phone": household.phone,
        "housing_grade": household.housing_grade,
        "categories": list(household.categories.all()),
        "officer": household.officer,
        "note": household.note,
        "revision": household.revision,
    }
    form = HouseholdForm(request.POST or None, initial=initial, sub=household.subdistrict, scope=request.scope)
    errors, status = [], 200
    if request.method == "POST":
        require(may_write, _("您无权修改这一户。"))
        saved, errors, status = _submit(
            form,
            lambda f: registry.do_save_household(household, f.cleaned_data, actor=request.user, scope=request.scope),
        )
        if saved is not None:
            messages.success(request, _("已保存。"))
            return redirect("household_registry:household_edit", pk=household.pk)
    members = [(m, mask_identity(m.identity), mask_phone(m.phone)) for m in registry.members_of(household)]
    return render(
        request,
        "households/registry/household_form.html",
        {
            "form": form,
            "errors": errors,
            "sub": household.subdistrict,
            "household": household,
            "members": members,
            "may_write": may_write,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def member_new(request: HttpRequest, pk: int) -> HttpResponse:
    household = registry.household_in_scope(request.scope, pk)
    require(
        policy.write_household(request.scope, household, setup_of(household.subdistrict)),
        _("您无权修改这一户的成员。"),
    )
    form = MemberForm(request.POST or None)
    errors, status = [], 200
    if request.method == "POST":
        saved, errors, status = _submit(
            form,
            lambda f: registry.do_add_member(household, f.data_for_action(), actor=request.user, scope=request.scope),
        )
        if saved is not None:
            _warn(request, saved)
            return redirect("household_registry:household_edit", pk=household.pk)
    return render(
        request,
        "households/registry/member_form.html",
        {"form": form, "errors": errors, "household": household, "member": None},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = registry.member_in_scope(request.scope, pk)
    household = member.household
    require(
        policy.write_household(request.scope, household, setup_of(household.subdistrict)),
        _("您无权修改这一户的成员。"),
    )
    initial = {
        "name": member.name,
        "identity": mask_identity(member.identity),
        "relation": member.relation,
        "sex": member.sex,
        "birth_date": member.birth_date,
        "phone": member.phone,
        "health": member.health,
        "in_school": "" if member.in_school is None else ("1" if member.in_school else "0"),
        "insured": "" if member.insured is None else ("1" if member.insured else "0"),
        "revision": member.revision,
    }
    form = MemberForm(request.POST or None, initial=initial)
    errors, status = [], 200
    if request.method == "POST":

        def save(f):
            data = f.data_for_action()
            if data.get("identity") == mask_identity(member.identity):  # left as shown: unchanged
                data.pop("identity")
            if data.get("phone") == mask_phone(member.phone) and member.phone:
                data.pop("phone")
            return registry.do_save_member(member, data, actor=request.user, scope=request.scope)

        saved, errors, status = _submit(form, save)
        if saved is not None:
            _warn(request, saved)
            return redirect("household_registry:household_edit", pk=household.pk)
    return render(
        request,
        "households/registry/member_form.html",
        {"form": form, "errors": errors, "household": household, "member": member, "archive": ArchiveForm()},
        status=status,
    )


@require_POST
def member_archive(request: HttpRequest, pk: int) -> HttpResponse:
    member = registry.member_in_scope(request.scope, pk)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        raise Invalid(errors_of(form))
    registry.do_archive_member(member, reason=form.cleaned_data["reason"], actor=request.user, scope=request.scope)
    messages.success(request, _("已注销该成员。"))
    return redirect("household_registry:household_edit", pk=member.household_id)


@require_http_methods(["GET"])
def reviews(request: HttpRequest) -> HttpResponse:
    sub = viewpoint(request.scope).sub
    pairs = [
        (
            r,
            [(m, mask_identity(m.identity), m.household) for m in (r.first, r.second)],
        )
        for r in registry.open_review_pairs(request.scope, sub)
    ]
    return render(request, "households/registry/reviews.html", {"sub": sub, "pairs": pairs, "form": DecideForm()})


@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = registry.review_in_scope(request.scope, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        raise Invalid(errors_of(form))
    registry.do_decide_review(review, same=form.cleaned_data["same"], actor=request.user, scope=request.scope)
    messages.success(request, _("已确认。"))
    return redirect("household_registry:reviews")


@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    """GET: what the file holds and who may take it; POST: the file (the action audits it)."""
    sub = viewpoint(request.scope).sub
    require(policy.manage_households(request.scope, setup_of(sub)), _("您无权导出户籍个人信息。"))
    if request.method == "POST":
        done = exports.do_export_register(sub, actor=request.user, scope=request.scope)
        return import_views.xlsx_response(done.data, done.filename)
    return render(request, "households/registry/export.html", {"sub": sub})
