"""The office-duty pages (坐班): the cadre's sign-in on his phone, the month's attendance of the villages, of one
village (cadres × working days) and of one cadre, and the setup (radius, late time, each village office's place).
Each view parses (forms.py: a bad value is a 400 with its sentence), fetches through scope (404 outside it),
calls a query or an action, renders."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhili.core import clock
from zhili.core.errors import Conflict, Invalid, NotFound, Refused, require
from zhili.duty import actions, queries
from zhili.duty.forms import MonthForm, OfficeForm, SetupForm, SignInForm, errors_of
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import NoViewpoint, get_region_or_404, viewpoint
from zhili.regions.models import Level, Region


def _valid(form):
    if not form.is_valid():
        raise Invalid(errors_of(form))
    return form


def _month(request: HttpRequest):
    return _valid(MonthForm(request.GET)).cleaned_data["month"]


def _village(request: HttpRequest, code: str) -> Region:
    region = get_region_or_404(request.scope, code)
    if region.level != Level.VILLAGE:
        raise NotFound(_("不存在或无权查看。"))
    require(policy.read_attendance(request.scope, region), _("无权查看该村的坐班情况。"))
    return region


def _month_links(month) -> dict:
    prev = (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    today = clock.today()
    return {
        "month": month,
        "prev_month": f"{prev:%Y-%m}",
        "next_month": f"{following:%Y-%m}" if following <= today else "",
    }


# ---- the cadre's sign-in -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """坐班签到: for a village's cadre, today's state and the button; everyone else goes to the attendance."""
    scope = request.scope
    villages = queries.cadre_villages(scope) if policy.signs_in_somewhere(scope) else []
    if not villages:
        require(request.method == "GET", _("只有村干部可以签到坐班。"))
        return redirect("duty:attendance")
    village = villages[0]
    today = clock.today()
    errors: list[str] = []
    status = 200
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            errors, status = errors_of(form), 400
        else:
            d = form.cleaned_data
            try:
                signin, created = actions.do_sign_in(
                    village,
                    d["lng"],
                    d["lat"],
                    actor=request.user,
                    scope=scope,
                    person_id=d["person"],
                    note=d["note"],
                )
            except Refused:
                raise
            except Invalid as exc:
                errors, status = exc.messages, 400
            else:
                if created:
                    messages.success(request, _("签到成功，距村委会 %(m)s 米。") % {"m": signin.distance_m})
                else:
                    messages.info(
                        request,
                        _("今天已于 %(time)s 签到，无需重复签到。")
                        % {"time": timezone.localtime(signin.at).strftime("%H:%M")},
                    )
                return redirect("duty:sign_in")
    signin = queries.signin_on(request.user, today)
    month = queries.month_start(today)
    _days, mine = queries.cadre_month(request.user, village, month)
    return render(
        request,
        "duty/sign_in.html",
        {
            "village": village,
            "today": today,
            "signin": signin,
            "setup": queries.setup_of(village.parent),
            "office": queries.office_of(village),
            "mine": mine,
            "month": month,
            "errors": errors,
            "form": form,
        },
        status=status,
    )


# ---- attendance ----------------------------------------------------------------------------------------------


@require_GET
def attendance(request: HttpRequest) -> HttpResponse:
    """The villages' attendance of a month (the whole subdistrict's readers); a village's people go to their
    village's page."""
    month = _month(request)
    try:
        view = viewpoint(request.scope)
    except NoViewpoint:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。")) from None
    if view.village is not None:
        return redirect(f"{reverse('duty:village', args=[view.village.code])}?month={month:%Y-%m}")
    require(view.whole, _("坐班考勤只对村干部和全街道的查看人员开放。"))
    lines, n_days = queries.villages_month(request.scope, view.sub, month)
    signed = sum(line.signed for line in lines)
    expected = sum(line.expected for line in lines)
    return render(
        request,
        "duty/attendance.html",
        {
            "sub": view.sub,
            "lines": lines,
            "n_days": n_days,
            "signed": signed,
            "expected": expected,
            "rate": queries.rate(signed, expected),
            "light": queries.light_of(signed, expected),
            "can_setup": policy.configure_duty(request.scope, view.sub),
            **_month_links(month),
        },
    )


@require_GET
def village(request: HttpRequest, code: str) -> HttpResponse:
    """A village's month: its cadres × the working days so far."""
    region = _village(request, code)
    month = _month(request)
    data = queries.village_month(region, month)
    whole = region.parent is not None and request.scope.can_read(region.parent.path)
    return render(
        request, "duty/village.html", {"data": data, "village": region, "whole": whole, **_month_links(month)}
    )


@require_GET
def cadre(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """One cadre's month at a village: every day with its sign-in."""
    region = _village(request, code)
    month = _month(request)
    if not queries.is_cadre_there(pk, region, month):
        raise NotFound(_("不存在或无权查看。"))
    person = Person.objects.get(pk=pk)
    days, data = queries.cadre_month(person, region, month)
    return render(
        request,
        "duty/cadre.html",
        {"village": region, "person": person, "days": days, "data": data, **_month_links(month)},
    )


# ---- setup ---------------------------------------------------------------------------------------------------


def _sub_to_configure(request: HttpRequest) -> Region:
    try:
        sub = viewpoint(request.scope).sub
    except NoViewpoint:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。")) from None
    require(policy.configure_duty(request.scope, sub), _("只有街道领导或系统管理员可以修改坐班设置。"))
    return sub


@require_http_methods(["GET", "POST"])
def setup_page(request: HttpRequest) -> HttpResponse:
    sub = _sub_to_configure(request)
    setup = queries.setup_of(sub)
    initial = {
        "radius_m": setup.radius_m,
        "late_after": setup.late_after,
        "revision": setup.revision if setup.pk else None,
    }
    form = SetupForm(request.POST if request.method == "POST" else None, initial=initial)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            errors, status = errors_of(form), 400
        else:
            try:
                actions.do_save_setup(sub, form.cleaned_data, actor=request.user, scope=request.scope)
            except Conflict as exc:
                errors, status = exc.messages, 409
            except Refused:
                raise
            except Invalid as exc:
                errors, status = exc.messages, 400
            else:
                messages.success(request, _("已保存坐班设置。"))
                return redirect("duty:setup")
    return render(
        request,
        "duty/setup.html",
        {"sub": sub, "setup": setup, "form": form, "errors": errors, "offices": queries.offices(sub)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def office(request: HttpRequest, code: str) -> HttpResponse:
    sub = _sub_to_configure(request)
    region = get_region_or_404(request.scope, code)
    if region.level != Level.VILLAGE or region.parent_id != sub.pk:
        raise NotFound(_("不存在或无权查看。"))
    point = queries.office_of(region)
    form = OfficeForm(request.POST if request.method == "POST" else None, initial={"lng": point.lng, "lat": point.lat})
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            errors, status = errors_of(form), 400
        else:
            try:
                actions.do_set_office(
                    region, form.cleaned_data["lng"], form.cleaned_data["lat"], actor=request.user, scope=request.scope
                )
            except Refused:
                raise
            except Invalid as exc:
                errors, status = exc.messages, 400
            else:
                messages.success(request, _("已保存%(village)s村委会的位置。") % {"village": region.name})
                return redirect("duty:setup")
    return render(
        request, "duty/office.html", {"village": region, "point": point, "form": form, "errors": errors}, status=status
    )
