"""Home, liveness (/healthz) and readiness (/readyz). (The audit log's page is an administration page:
people/views.py.)"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from zhili.core.home import panels_for, quick_actions, start_steps, todo_groups, todos_for


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The person's home: their to-dos grouped by kind (none cut silently) and, for those who lead or follow a
    subdistrict, an office or a village, the cockpit's panels the apps contribute (core/home.py)."""
    scope = request.scope
    roles = request.user.roles.active().select_related("region", "unit") if not request.user.is_superuser else []
    return render(
        request,
        "core/home.html",
        {
            "start": start_steps(request),
            "quick": quick_actions(request),
            "groups": todo_groups(todos_for(request)),
            # each panel drawn by its own template (render_to_string gives safe HTML)
            "panels": [render_to_string(p.template, p.context, request) for p in panels_for(request)],
            "roles": roles,
            "roots": scope.root_regions(),
        },
    )


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 with {"status": "ok"} when the process and the database answer, 503 otherwise. It stays
    200 on a database not yet migrated and while the worker is silent — restarting this process would fix
    neither; /readyz says so."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse(
            {"status": "error", "database": "unavailable", "detail": exc.__class__.__name__}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "vendor": connection.vendor})


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness (core/health.py): 200 {"status": "ready"}, or 503 {"status": "not_ready", "problems": [{code,
    message}]}. `?scope=web` leaves the background work out (a load balancer in front of several web processes)."""
    from zhili.core import health

    background = request.GET.get("scope") != "web"
    found = health.problems(background=background)
    if found:
        return JsonResponse({"status": "not_ready", "problems": [p.as_dict() for p in found]}, status=503)
    return JsonResponse({"status": "ready", "scope": "all" if background else "web"})


def login_not_required_set_language(view):
    return login_not_required(view)
