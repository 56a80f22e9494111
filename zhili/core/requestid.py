"""Every request gets an id: the proxy's (nginx `proxy_set_header X-Request-ID $request_id;`) when it is a sane
one, else a new one. It is on the request (`request.request_id`), on the response (`X-Request-ID`, so a person
reporting a fault can quote it) and on every log line of the request (core/logs.py); the middleware writes one
access line per request (logger `zhili.access`): method, path without its query string, status, duration and
the signed-in person's id — never a form's or a query's content.

First in settings.MIDDLEWARE, so that a request refused by a later middleware (a disallowed host, a redirect to
sign in) has its id and its access line too."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from zhili.core import logs

HEADER = "X-Request-ID"
# what a proxy may pass in: letters, digits and hyphens (nginx's 32 hex digits, a UUID), bounded; anything else
# (a line break to forge a log line, a kilobyte of padding) is replaced
_SANE = re.compile(r"[A-Za-z0-9-]{1,64}")

access = logging.getLogger("zhili.access")


def request_id_of(request: HttpRequest) -> str:
    """The proxy's id if it is sane, else a new one (32 hex digits, as nginx makes them)."""
    given = request.headers.get(HEADER, "")
    return given if _SANE.fullmatch(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        with logs.bound(request_id=request_id, request=request):
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            access.info(
                "%s %s %s %sms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
        response[HEADER] = request_id
        return response
