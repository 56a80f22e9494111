"""Pages of trainings for assistance officers and of 回头看 rounds, under /households/rounds/: parse → fetch through
scope → action or query → render."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.core import clock
from zhili.core.errors import messages_of, refuse, status_of
from zhili.households import rounds as actions
from zhili.households import rounds_queries as queries
from zhili.households.models import Category, ChecklistItem, Household, TargetResult
from zhili.households.queries import setup_of
from zhili.households.rounds_forms import (
    AssignForm,
    AttendanceForm,
    ResultForm,
    RoundForm,
    TargetFilterForm,
    TrainingForm,
)
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import viewpoint
from zhili.regions.models import Level, Region

PAGE = 50


def _villages(request: HttpRequest, sub: Region) -> list[Region]:
    return list(
        request.scope.filter(
            Region.objects.current(clock.today()).filter(parent=sub, level=Level.VILLAGE), "path"
        ).order_by("code")
    )


# ---- trainings ----------------------------------------------------------------------------------------------


def _training_sub(request: HttpRequest) -> Region | None:
    """The subdistrict whose trainings the person sees: who reads the whole subdistrict (the attendance names
    people of every village)."""
    sub = viewpoint(request.scope).sub
    return sub if policy.read_households(request.scope, sub) else None


@require_GET
def training_list(request: HttpRequest) -> HttpResponse:
    sub = _training_sub(request)
    if sub is None:
        return refuse(request, _("培训记录只对街道（乡镇）的领导和科室开放。"), status=403)
    rows = list(queries.trainings(sub))
    officers = len(queries.assistance_officers(sub))
    return render(
        request,
        "households/rounds/trainings.html",
        {
            "sub": sub,
            "rows": rows,
            "officers": officers,
            "can_manage": policy.manage_households(request.scope, setup_of(sub)),
        },
    )


@require_http_methods(["GET", "POST"])
def training_new(request: HttpRequest) -> HttpResponse:
    sub = viewpoint(request.scope).sub
    if not policy.manage_households(request.scope, setup_of(sub)):
        return refuse(request, _("只有民政办（扶贫）或街道领导可以登记培训。"), status=403)
    form = TrainingForm(request.POST or None, initial={"held_on": clock.today().isoformat()})
    problem, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                training = actions.do_add_training(sub, form.cleaned_data, actor=request.user, scope=request.scope)
            except ValidationError as exc:
                problem, status = " ".join(messages_of(exc)), status_of(exc)
            else:
                messages.success(request, _("已登记培训“%(title)s”，请登记参训人员。") % {"title": training.title})
                return redirect("hhrounds:training", pk=training.pk)
        else:
            problem, status = _("请检查标红的项目。"), 400
    return render(request, "households/rounds/training_form.html", {"form": form, "problem": problem}, status=status)


def _training_page(request: HttpRequest, sub: Region, pk: int, form=None, *, problem="", status=200):
    training = queries.get_training_or_404(sub, pk)
    view = queries.attendance_of(training)
    can_manage = policy.manage_households(request.scope, setup_of(sub))
    if can_manage and form is None:
        form = AttendanceForm(
            initial={"people": [str(p.pk) for p in view.attended]},
            people=queries.candidates(sub, view.attended),
        )
    return render(
        request,
        "households/rounds/training.html",
        {
            "training": training,
            "view": view,
            "form": form if can_manage else None,
            "can_manage": can_manage,
            "held": training.held_on <= clock.today(),
            "problem": problem,
        },
        status=status,
    )


@require_GET
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _training_sub(request)
    if sub is None:
        return refuse(request, _("培训记录只对街道（乡镇）的领导和科室开放。"), status=403)
    return _training_page(request, sub, pk)


@require_POST
def training_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _training_sub(request)
    if sub is None:
        return refuse(request, _("培训记录只对街道（乡镇）的领导和科室开放。"), status=403)
    training = queries.get_training_or_404(sub, pk)
    form = AttendanceForm(request.POST, people=queries.candidates(sub, queries.attendance_of(training).attended))
    if not form.is_valid():
        return _training_page(request, sub, pk, form, problem=_("所选人员不在可登记的名单中。"), status=400)
    people = list(Person.objects.filter(pk__in=[int(p) for p in form.cleaned_data["people"]]))
    try:
        actions.do_set_attendance(training, people, actor=request.user, scope=request.scope)
    except ValidationError as exc:
        return _training_page(request, sub, pk, form, problem=" ".join(messages_of(exc)), status=status_of(exc))
    messages.success(request, _("已保存参训人员（%(n)s 人）。") % {"n": len(people)})
    return redirect("hhrounds:training", pk=training.pk)


# ---- rounds -------------------------------------------------------------------------------------------------


@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    sub = viewpoint(request.scope).sub
    rows = list(queries.rounds(request.scope, sub))
    totals = queries.round_totals(request.scope, [r.pk for r in rows])
    return render(
        request,
        "households/rounds/list.html",
        {
            "sub": sub,
            "rows": [(r, totals[r.pk]) for r in rows],
            "can_manage": policy.manage_households(request.scope, setup_of(sub)),
            "sees_trainings": policy.read_households(request.scope, sub),
        },
    )


@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest) -> HttpResponse:
    sub = viewpoint(request.scope).sub
    if not policy.manage_households(request.scope, setup_of(sub)):
        return refuse(request, _("只有民政办（扶贫）或街道领导可以启动回头看。"), status=403)
    items = list(ChecklistItem.objects.filter(subdistrict=sub, is_active=True))
    today = clock.today().isoformat()
    form = RoundForm(
        request.POST or None,
        items=items,
        initial={"starts_on": today, "items": [str(i.pk) for i in items]},
    )
    problem, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            chosen = {int(pk) for pk in data["items"]}
            data["items"] = [i for i in items if i.pk in chosen]
            try:
                found = actions.do_start_round(sub, data, actor=request.user, scope=request.scope)
            except ValidationError as exc:
                problem, status = " ".join(messages_of(exc)), status_of(exc)
            else:
                messages.success(request, _("已启动回头看“%(name)s”，请分派核查对象。") % {"name": found.name})
                return redirect("hhrounds:detail", pk=found.pk)
        else:
            problem, status = _("请检查标红的项目。"), 400
    return render(
        request,
        "households/rounds/round_form.html",
        {"form": form, "problem": problem, "no_items": not items},
        status=status,
    )


def _assign_form(request: HttpRequest, round, data=None) -> AssignForm:
    sub = round.subdistrict
    return AssignForm(
        data,
        villages=_villages(request, sub),
        categories=list(Category.objects.filter(subdistrict=sub, is_active=True)),
    )


def _round_page(request: HttpRequest, round, *, assign=None, problem="", status=200) -> HttpResponse:
    lines, total = queries.progress(request.scope, round)
    can_manage = policy.manage_households(request.scope, setup_of(round.subdistrict))
    return render(
        request,
        "households/rounds/detail.html",
        {
            "round": round,
            "items": list(round.items.all()),
            "lines": lines,
            "total": total,
            "open_targets": queries.open_cases(request.scope, round),
            "can_manage": can_manage,
            "assign": (assign or _assign_form(request, round)) if can_manage else None,
            "problem": problem,
        },
        status=status,
    )


@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _round_page(request, queries.get_round_or_404(request.scope, pk))


@require_POST
def round_assign(request: HttpRequest, pk: int) -> HttpResponse:
    found = queries.get_round_or_404(request.scope, pk)
    sub = found.subdistrict
    if not policy.manage_households(request.scope, setup_of(sub)):
        return refuse(request, _("只有民政办（扶贫）或街道领导可以分派回头看对象。"), status=403)
    form = _assign_form(request, found, request.POST)
    if not form.is_valid():
        return _round_page(request, found, assign=form, problem=_("请检查标红的项目。"), status=400)
    c = form.cleaned_data
    villages = [v for v in _villages(request, sub) if v.code in set(c["villages"])]
    category = Category.objects.filter(subdistrict=sub, pk=int(c["category"])).first() if c["category"] else None
    numbers = form.numbers_list()
    households = list(Household.objects.active().filter(subdistrict=sub, number__in=numbers))
    missing = sorted(set(numbers) - {h.number for h in households})
    if missing:
        problem = _("没有户编号为 %(numbers)s 的户。") % {"numbers": "、".join(missing[:10])}
        return _round_page(request, found, assign=form, problem=problem, status=400)
    try:
        added = actions.do_assign(
            found,
            households=households,
            villages=villages,
            whole_villages=c["what"] == "villages",
            category=category,
            actor=request.user,
            scope=request.scope,
        )
    except ValidationError as exc:
        return _round_page(request, found, assign=form, problem=" ".join(messages_of(exc)), status=status_of(exc))
    messages.success(request, _("已分派 %(n)s 个核查对象。") % {"n": added})
    return redirect("hhrounds:detail", pk=found.pk)


@require_GET
def round_targets(request: HttpRequest, pk: int) -> HttpResponse:
    found = queries.get_round_or_404(request.scope, pk)
    form = TargetFilterForm(request.GET)
    if not form.is_valid():
        return refuse(request, _("筛选条件无效。"), status=400)
    c = form.cleaned_data
    villages = _villages(request, found.subdistrict)
    village = None
    if c["village"]:
        village = next((v for v in villages if v.code == c["village"]), None)
        if village is None:
            return refuse(request, _("没有这个村（社区）。"), status=400)
    rows = queries.targets(request.scope, found, village=village, result=c["result"])
    page = Paginator(rows, PAGE).get_page(c["page"] or 1)
    setup = setup_of(found.subdistrict)
    return render(
        request,
        "households/rounds/targets.html",
        {
            "round": found,
            "page": page,
            "rows": [(t, policy.check_round_target(request.scope, t, setup)) for t in page.object_list],
            "villages": villages,
            "results": form.fields["result"].choices,
            "q": request.GET,
        },
    )


def _result_page(request: HttpRequest, target, form=None, *, problem="", status=200) -> HttpResponse:
    can_check = policy.check_round_target(request.scope, target, setup_of(target.round.subdistrict))
    if can_check and form is None:
        form = ResultForm(
            initial={
                "revision": target.revision,
                "client_ref": secrets.token_urlsafe(12),
                "result": target.result if target.result != TargetResult.PENDING else "",
                "checked_on": (target.checked_on or clock.today()).isoformat(),
                "note": target.note,
            }
        )
    return render(
        request,
        "households/rounds/target.html",
        {
            "target": target,
            "round": target.round,
            "items": list(target.round.items.all()),
            "form": form if can_check else None,
            "problem": problem,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def target_result(request: HttpRequest, pk: int) -> HttpResponse:
    """A target of a round and, for who may check it, the result form (made for a phone)."""
    target = queries.get_target_or_404(request.scope, pk)
    if request.method == "GET":
        return _result_page(request, target)
    if not policy.check_round_target(request.scope, target, setup_of(target.round.subdistrict)):
        return refuse(request, _("只有本村干部、该户的帮扶责任人或民政办（扶贫）可以记录核查结果。"), status=403)
    form = ResultForm(request.POST)
    if not form.is_valid():
        return _result_page(request, target, form, problem=_("请选择核查结果并填写核查日期。"), status=400)
    c = form.cleaned_data
    try:
        saved = actions.do_record_result(
            target,
            result=c["result"],
            note=c["note"],
            checked_on=c["checked_on"],
            revision=c["revision"],
            client_ref=c["client_ref"],
            actor=request.user,
            scope=request.scope,
        )
    except ValidationError as exc:
        return _result_page(request, target, form, problem=" ".join(messages_of(exc)), status=status_of(exc))
    if saved.result == TargetResult.FOUND:
        messages.success(request, _("已记录：发现问题，已转为问题案件跟踪整改。"))
    else:
        messages.success(request, _("已记录：无问题。"))
    return redirect("hhrounds:detail", pk=saved.round_id)
