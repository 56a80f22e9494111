import errno

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the person chose another language (the language cookie set by the switch).

    The browser's Accept-Language is not consulted: a township's computers often run English-language
    browsers, and the officials still expect Chinese.
    """

    def process_request(self, request):
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if lang not in dict(settings.LANGUAGES):
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = translation.get_language()


class ErrorMiddleware:
    """A typed refusal (zhili.core.errors) that escapes a page's view becomes the refusal page with its status:
    a view that has nothing to re-render need not catch what its action raises. The API maps the same types
    itself (zhili.api.api), so /api/ is left alone here.

    A lost database connection (the server restarted, the connection was cut, the disk under SQLite failed)
    becomes 503 with a sentence, for pages and for the API alike: the action's transaction was rolled back, so
    nothing of it was written, and the person is told so. Django closes a connection that saw such an error at
    the end of the request, so the next request connects afresh. Other database errors (a bug: a missing
    column, a constraint an action did not expect) stay a 500.

    A disk that is full or read-only (an upload's file could not be written) is the same: 503 with its sentence.
    The actions write files inside their transaction, so the record that would have pointed at the file is not
    created either (see "Faults and what they leave" in ARCHITECTURE.md)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import ValidationError

        from zhili.core.errors import refuse

        if isinstance(exception, ValidationError) and not request.path.startswith("/api/"):
            return refuse(request, exception)
        if connection_lost(exception):
            return unavailable(request)
        if storage_failed(exception):
            return unavailable(request, storage=True)
        return None


# SQLite's messages for a database that cannot be reached or written right now (its file, its disk, a writer
# holding the lock past the timeout), as opposed to a mistake in a query
_SQLITE_UNAVAILABLE = ("disk i/o error", "unable to open database", "database is locked", "readonly database")


def connection_lost(exc: BaseException) -> bool:
    """The database could not be reached or the connection broke (not a mistake in a query): PostgreSQL's
    connection exceptions (SQLSTATE 08…) and shutdowns (57P0…), a connection now closed or unusable, SQLite's
    I/O and lock errors."""
    from django.db import InterfaceError, OperationalError, connections

    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    state = getattr(exc.__cause__, "sqlstate", None) or ""
    if state.startswith(("08", "57P0")):
        return True
    if any(m in str(exc).lower() for m in _SQLITE_UNAVAILABLE):
        return True
    for conn in connections.all(initialized_only=True):
        if conn.vendor == "postgresql" and (conn.connection is None or conn.connection.closed):
            return True
    return False


# a disk the uploads cannot be written to: full, over its quota, read-only, failing, or not ours to write
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES}


def storage_failed(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS


def unavailable(request, *, storage: bool = False):
    """503: the database is unreachable, or the disk the files go to cannot be written; what the person just
    did was not saved (a page without the database: no navigation, no user, nothing a template would query)."""
    from django.http import HttpResponse, JsonResponse
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    message = _("数据库暂时无法连接，请稍后重试。")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        message = _("数据库暂时无法连接，您刚才的操作没有保存，请稍后重试。")
    if storage:
        message = _("服务器的存储空间已满或无法写入，文件没有保存，您刚才的操作也没有保存；请联系系统管理员。")
    headers = {"Retry-After": "30"}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=503, headers=headers, json_dumps_params={"ensure_ascii": False})
    html = render_to_string("core/unavailable.html", {"message": message, "lang": translation.get_language()})
    return HttpResponse(html, status=503, headers=headers)
