"""API authentication: a personal token (Authorization: Bearer zl_…) or the browser session (with CSRF).

Either way the request gets request.user and request.scope, so endpoints use the same scope helpers as pages.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from zhili.core.nul import NUL_REFUSED, has_nul
from zhili.people.scope import scope_for
from zhili.people.tokens import BadToken, person_for_token


def refuse_nul(request: HttpRequest) -> None:
    """A NUL character in the path or a parameter is refused before any parameter is read: PostgreSQL cannot hold
    nor compare one in text, so `?q=%00` was a 500 (tests/test_hostile_api.py). Every operation authenticates
    first, so this is the one place that sees every request to /api/v1 before its view does. (Redundant once
    zhili.core.nul.RefuseNulMiddleware is in MIDDLEWARE; harmless.)"""
    if has_nul(request):
        raise HttpError(400, gettext(NUL_REFUSED))


class TokenAuth(HttpBearer):
    openapi_description = "个人 API 令牌：在“我的账号”页面创建，形如 zl_…，放在 Authorization: Bearer 头中。"

    def authenticate(self, request: HttpRequest, token: str):
        refuse_nul(request)
        try:
            person = person_for_token(token)
        except BadToken as exc:
            raise HttpError(401, exc.message) from None
        request.user = person
        request.scope = scope_for(person)
        return person


class ZhiliSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key):
        refuse_nul(request)
        user = super().authenticate(request, key)
        if user is not None and not hasattr(request, "scope"):
            request.scope = scope_for(user)
        return user


token_auth = TokenAuth()
session_auth = ZhiliSessionAuth(csrf=True)
