"""Sign-in, the person's own account and tokens, and people/role administration."""

from __future__ import annotations

import datetime
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.core import audit, jobs
from zhili.core.errors import Invalid, refuse, status_of
from zhili.core.forms import run_action, status_for
from zhili.core.models import JobRun, RunStatus
from zhili.core.queries import AuditFilter, audit_entries, is_sealed
from zhili.people import actions, policy, queries
from zhili.people.audit_export import MAX_ROWS as AUDIT_EXPORT_MAX_ROWS
from zhili.people.forms import (
    ChainLinkForm,
    LoginForm,
    PasswordChangeForm,
    PersonEditForm,
    PersonForm,
    ReasonForm,
    RoleForm,
    TokenForm,
    lockout_sentence,
)
from zhili.people.models import ApiToken, ChainLevel, Person, RoleAssignment, Unit
from zhili.people.scope import Scope, get_in_scope_or_404, get_region_or_404, holds_guarded_role
from zhili.regions.models import Level

# ---- sign-in -----------------------------------------------------------------------------------


@login_not_required
@sensitive_post_parameters()
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.get_user())
        return redirect(next_url or "home")
    return render(request, "people/login.html", {"form": form, "next": next_url})


@login_not_required
def locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this after too many failures: say so, and say when to try again."""
    if request.user.is_authenticated:  # a wrong old password on 我的账号 (PasswordChangeForm) locked the account
        message = lockout_sentence("原密码错误次数过多，该账号已被暂时锁定（修改密码和登录）。")
        return refuse(request, message, status=429, back=reverse("account"))
    form = LoginForm(request)
    message = lockout_sentence("登录失败次数过多，该账号已被暂时锁定。")
    return render(request, "people/login.html", {"form": form, "locked_message": message}, status=429)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("login")


# ---- the person's own account: password and API tokens -----------------------------------------


@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    person: Person = request.user
    token_form = TokenForm(request.POST if request.POST.get("form") == "token" else None)
    password_form = PasswordChangeForm(
        request.POST if request.POST.get("form") == "password" else None, person=person, request=request
    )
    new_token = None
    forced = person.must_change_password or person.password_expired
    if request.method == "POST":
        if request.POST.get("form") == "token" and token_form.is_valid():
            result = run_action(
                token_form, actions.do_create_token, person, name=token_form.cleaned_data["name"], actor=person
            )
            if result:
                new_token = result[1]
                token_form = TokenForm()
        elif request.POST.get("form") == "password" and password_form.is_valid():
            done = run_action(
                password_form,
                actions.do_set_password,
                person,
                password_form.cleaned_data["new_password"],
                actor=person,
                scope=request.scope,
            )
            if done:
                from django.contrib.auth import update_session_auth_hash

                update_session_auth_hash(request, person)
                messages.success(request, _("密码已修改。"))
                # an initial password replaced: on to the pages it held back
                return redirect("home" if forced else "account")
    tokens = ApiToken.objects.filter(person=person)
    return render(
        request,
        "people/account.html",
        {
            "token_form": token_form,
            "password_form": password_form,
            "tokens": tokens,
            "new_token": new_token,
            "tip_grants": queries.tip_role_grants(request.scope),
            "password_max_age": settings.PASSWORD_MAX_AGE_DAYS,
        },
        status=429 if password_form.has_error("old_password", "locked") else 200,
    )


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(person=request.user, pk=pk).first()
    if token is None:
        raise Http404(_("不存在或无权查看。"))
    actions.do_revoke_token(token, actor=request.user)
    messages.success(request, _("令牌“%(name)s”已撤销。") % {"name": token.name})
    return redirect("account")


# ---- administration -----------------------------------------------------------------------------


def _say(request: HttpRequest, exc: Invalid) -> None:
    """What was sent cannot be used: say so on the page it came from. A refusal of another kind (not allowed,
    changed meanwhile) is the refusal page with its status (zhili.core.middleware.ErrorMiddleware)."""
    if status_of(exc) != 400:
        raise exc
    messages.error(request, " ".join(exc.messages))


def _require_admin(scope: Scope) -> None:
    if not policy.open_administration(scope):
        raise Http404(_("不存在或无权查看。"))


def _people_in_scope(scope: Scope):
    """The people whose pages a system or security administrator opens (policy.reach_person)."""
    return scope.filter(Person.objects.all(), "region__path", access="people")


def _get_person(request: HttpRequest, pk: int) -> Person:
    _require_admin(request.scope)
    return get_in_scope_or_404(
        request.scope, Person.objects.select_related("region", "unit"), "region__path", access="people", pk=pk
    )


@require_http_methods(["GET"])
def person_list(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    _require_admin(scope)
    q = request.GET.get("q", "").strip()
    show = request.GET.get("show", "active")
    qs = (
        _people_in_scope(scope)
        .select_related("region", "unit")
        .prefetch_related(
            Prefetch(
                "roles",
                queryset=RoleAssignment.objects.active().select_related("region", "unit"),
                to_attr="active_roles",
            )
        )
    )
    if show != "all":
        qs = qs.filter(is_active=True)
    if q:
        qs = qs.filter(
            Q(full_name__icontains=q) | Q(username__icontains=q) | Q(phone__icontains=q) | Q(region__name__icontains=q)
        )
    page = Paginator(qs.order_by("region__path", "username"), 50).get_page(request.GET.get("page"))
    return render(request, "people/person_list.html", {"page": page, "q": q, "show": show})


@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    _require_admin(scope)
    form = PersonForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person = run_action(
            form,
            actions.do_create_person,
            username=d["username"],
            full_name=d["full_name"],
            region=d["region"],
            phone=d["phone"],
            title=d["title"],
            unit=d["unit"],
            password=d["password"] or None,
            actor=request.user,
            scope=scope,
        )
        if person:
            messages.success(request, _("已添加人员“%(person)s”。") % {"person": person})
            return redirect("person_detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "title": _("添加人员")}, status=status_for(form))


def _person_page(request: HttpRequest, person: Person, *, role_form=None, status: int = 200) -> HttpResponse:
    roles = list(
        person.roles.select_related("region", "unit", "granted_by", "confirmed_by").order_by("ended_at", "role")
    )
    scope = request.scope
    for r in roles:
        r.can_confirm = policy.confirm_role_grant(scope, r)
        r.can_end = r.ended_at is None and policy.end_role(scope, r.role, r.region)
    guarded = holds_guarded_role(person)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "roles": roles,
            "role_form": role_form or RoleForm(scope=request.scope),
            "archive_form": ReasonForm(),
            "end_form": ReasonForm(),
            "may_manage": policy.manage_account(scope, person, guarded=guarded),
            "may_unlock": policy.unlock_account(scope, person),
            "locked": actions.is_locked(person),
        },
        status=status,
    )


@require_http_methods(["GET"])
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_page(request, _get_person(request, pk))


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    initial = {
        "full_name": person.full_name,
        "phone": person.phone,
        "title": person.title,
        "region": person.region,
        "unit": person.unit,
    }
    form = PersonEditForm(request.POST or None, initial=initial, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = run_action(
            form,
            actions.do_update_person,
            person,
            actor=request.user,
            scope=request.scope,
            full_name=d["full_name"],
            phone=d["phone"],
            title=d["title"],
            region=d["region"],
            unit=d["unit"],
        )
        if done and d["password"]:
            done = run_action(
                form, actions.do_set_password, done, d["password"], actor=request.user, scope=request.scope
            )
        if done:
            messages.success(request, _("已保存。"))
            return redirect("person_detail", pk=person.pk)
    return render(
        request,
        "people/person_form.html",
        {"form": form, "title": _("修改人员：%(person)s") % {"person": person}, "person": person},
        status=status_for(form),
    )


@require_POST
def person_archive(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            actions.do_archive_person(
                person, actor=request.user, scope=request.scope, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已停用“%(person)s”。") % {"person": person})
        except Invalid as exc:
            _say(request, exc)
    else:
        messages.error(request, _("停用人员必须填写原因。"))
    return redirect("person_detail", pk=person.pk)


@require_POST
def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    form = RoleForm(request.POST, scope=request.scope)
    if form.is_valid():
        d = form.cleaned_data
        ra = run_action(
            form,
            actions.do_grant_role,
            person,
            role=d["role"],
            region=d["region"],
            unit=d.get("unit"),
            title=d["title"],
            actor=request.user,
            scope=request.scope,
        )
        if ra:
            if ra.awaiting_confirmation:
                messages.success(
                    request,
                    _("已提出授予：%(v)s（%(region)s），须由安全保密管理员确认后生效。")
                    % {"v": ra.get_role_display(), "region": ra.region},
                )
            else:
                messages.success(
                    request, _("已授予角色：%(v)s（%(region)s）。") % {"v": ra.get_role_display(), "region": ra.region}
                )
            return redirect("person_detail", pk=person.pk)
    return _person_page(request, person, role_form=form, status=status_for(form))


@require_POST
def role_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """A security administrator confirms a grant that waits for it (the tip officer's)."""
    _require_admin(request.scope)
    ra = get_in_scope_or_404(
        request.scope, RoleAssignment.objects.select_related("person", "region"), "region__path", access="people", pk=pk
    )
    actions.do_confirm_role(ra, actor=request.user, scope=request.scope)  # a refusal: the refusal page, its status
    messages.success(
        request, _("已确认：%(person)s的%(v)s角色现已生效。") % {"person": ra.person, "v": ra.get_role_display()}
    )
    return redirect("person_detail", pk=ra.person_id)


@require_POST
def role_end(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request.scope)
    ra = get_in_scope_or_404(
        request.scope, RoleAssignment.objects.select_related("person", "region"), "region__path", access="people", pk=pk
    )
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            actions.do_end_role(ra, actor=request.user, scope=request.scope, reason=form.cleaned_data["reason"])
            messages.success(request, _("角色已结束。"))
        except Invalid as exc:
            _say(request, exc)
    else:
        messages.error(request, _("结束角色必须填写原因。"))
    return redirect("person_detail", pk=ra.person_id)


@require_POST
def person_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    """A security administrator lifts a lockout (too many failed sign-ins) before it runs out."""
    person = _get_person(request, pk)
    actions.do_unlock_person(person, actor=request.user, scope=request.scope)  # a refusal: the refusal page
    messages.success(request, _("已解除“%(person)s”的登录锁定。") % {"person": person})
    return redirect("person_detail", pk=person.pk)


@require_http_methods(["GET"])
def unit_list(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    _require_admin(scope)
    units = scope.filter(Unit.objects.active().select_related("region"), "region__path", access="admin")
    return render(request, "people/unit_list.html", {"units": units})


# ---- the five-level responsibility chain of a grid ----------------------------------------------


@require_http_methods(["GET", "POST"])
def chain_edit(request: HttpRequest, code: str) -> HttpResponse:
    scope = request.scope
    grid = get_region_or_404(scope, code)
    if grid.level != Level.GRID or not (scope.can_write(grid.path) or scope.can_admin(grid.path)):
        raise Http404(_("不存在或无权查看。"))
    levels = ChainLevel.objects.filter(subdistrict__path__in=grid.ancestor_paths(), is_active=True)
    people = scope.filter(Person.objects.filter(is_active=True), "region__path")
    form = ChainLinkForm(request.POST or None, levels=levels, people=people)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        link = run_action(
            form,
            actions.do_set_chain_link,
            grid,
            d["level"],
            person=d["person"],
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            actor=request.user,
            scope=scope,
        )
        if link:
            messages.success(
                request,
                _("已设置%(name)s：%(display_name)s。") % {"name": d["level"].name, "display_name": link.display_name},
            )
            return redirect("region_detail", code=grid.code)
    return render(request, "regions/chain_form.html", {"form": form, "region": grid, "chain": queries.chain(grid)})


# ---- the audit log (written by every action, core/audit.py; read here by administrators) ----------


def _parse_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _audit_filter(request: HttpRequest) -> AuditFilter:
    return AuditFilter(
        actor=request.GET.get("actor", "").strip()[:150],
        object=request.GET.get("object", "").strip()[:300],
        date_from=_parse_date(request.GET.get("from")),
        date_to=_parse_date(request.GET.get("to")),
    )


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit administrators read the audit log of their regions, filtered by person, object and date; entries
    about tips they may not see are shown sealed (who, when, what was done to which tip — never its content)."""
    scope = request.scope
    if not policy.read_audit_log(scope):
        raise Http404(_("不存在或无权查看。"))
    f = _audit_filter(request)
    qs = audit_entries(scope, f, sealed=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "page": page,
            "shown": audit.shown(page, sealed=lambda e: is_sealed(scope, e)),
            "actor": f.actor,
            "object": f.object,
            "date_from": f.date_from,
            "date_to": f.date_to,
            "may_export": policy.export_audit_log(scope),
            "export_query": query.urlencode(),
            "max_rows": AUDIT_EXPORT_MAX_ROWS,
        },
    )


@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    """The log as the page filters it, as .xlsx (the export is an action with its own audit entry)."""
    if not policy.read_audit_log(request.scope):
        raise Http404(_("不存在或无权查看。"))
    exported = actions.do_export_audit(_audit_filter(request), actor=request.user, scope=request.scope)
    response = HttpResponse(
        exported.data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(exported.name)}"
    return response


# ---- background jobs (bjobs): the 后台任务 page ----------------------------------------------------------------


@require_GET
def job_runs(request: HttpRequest) -> HttpResponse:
    """Administrators see the background runs of the regions they administer, newest first, by status; failed
    ones with their reason and 重试."""
    scope = request.scope
    if not (scope.is_superuser or any(policy.see_job_runs(scope, p) for p in scope.admin_paths)):
        raise Http404(_("不存在或无权查看。"))
    status = request.GET.get("status", "")
    if status and status not in RunStatus.values:
        return refuse(request, _("任务状态“%(status)s”无效。") % {"status": status[:20]}, back=reverse("job_runs"))
    page = Paginator(jobs.visible_runs(scope, status), 50).get_page(request.GET.get("page"))
    rows = [{"run": run, "label": jobs.label_of(run.kind), "may_retry": run.status == RunStatus.FAILED} for run in page]
    return render(
        request,
        "core/jobs.html",
        {"page": page, "rows": rows, "status": status, "statuses": RunStatus.choices},
    )


@require_POST
def job_run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request.scope
    run = get_in_scope_or_404(scope, JobRun.objects.all(), "region_path", access="admin", pk=pk)
    actions.do_retry_job_run(run, actor=request.user, scope=scope)
    messages.success(request, _("已重新排队：%(kind)s。") % {"kind": jobs.label_of(run.kind)})
    return redirect(f"{reverse('job_runs')}?status={RunStatus.FAILED}")
