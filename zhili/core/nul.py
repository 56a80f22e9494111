"""NUL characters (U+0000) in a request are refused before any view reads them.

PostgreSQL can neither store nor compare a NUL in text, so a search box sent `?q=%00` made the query fail and the
page a 500 (found by tests/test_hostile_forms.py; SQLite does not mind, which is why only CI's PostgreSQL run
saw it). Django's form fields already refuse NUL, but searches and filters read request.GET directly. Nobody
types a NUL: it is refused with a sentence, as a page or, under /api/, as the API's JSON.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhili.core.errors import refuse

NUL_REFUSED = gettext_noop("请求中含有不可见的 NUL 控制字符，无法处理，请删除后重试。")


def has_nul(request: HttpRequest) -> bool:
    """Whether the path, a parameter's name or value, or a form field (not a file) holds a NUL."""
    if "\x00" in request.path:
        return True
    sources = [request.GET]
    if request.method == "POST" and request.content_type in (
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    ):
        sources.append(request.POST)
    return any("\x00" in key or "\x00" in value for data in sources for key, values in data.lists() for value in values)


class RefuseNulMiddleware:
    """400 with a Chinese sentence for a request with a NUL (see the module's note). Placed after the scope
    middleware, so the refusal page has its person and menu."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if has_nul(request):
            message = _(NUL_REFUSED)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return refuse(request, message, status=400)
        return self.get_response(request)
