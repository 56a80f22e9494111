"""Home, health check and the audit log."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from zhili.core.home import todos_for
from zhili.core.queries import AuditFilter, audit_entries
from zhili.people import policy
from zhili.people.models import Person


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    roles = request.user.roles.active().select_related("region", "unit") if not request.user.is_superuser else []
    return render(
        request,
        "core/home.html",
        {
            "todos": todos_for(request),
            "roles": roles,
            "roots": scope.root_regions(),
        },
    )


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with {"status": "ok"} when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse(
            {"status": "error", "database": "unavailable", "detail": exc.__class__.__name__}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "vendor": connection.vendor})


def login_not_required_set_language(view):
    return login_not_required(view)


def _parse_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Administrators read the audit log of their regions, filtered by person, object and date."""
    scope = request.scope
    if not policy.read_audit_log(scope):
        raise Http404("不存在或无权查看。")
    actor = request.GET.get("actor", "").strip()
    obj = request.GET.get("object", "").strip()
    date_from = _parse_date(request.GET.get("from"))
    date_to = _parse_date(request.GET.get("to"))
    qs = audit_entries(scope, AuditFilter(actor=actor, object=obj, date_from=date_from, date_to=date_to))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_log.html",
        {
            "page": page,
            "actor": actor,
            "object": obj,
            "date_from": date_from,
            "date_to": date_to,
            "people": Person.objects.none(),
        },
    )
