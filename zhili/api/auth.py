"""API authentication: a personal token (Authorization: Bearer zl_…) or the browser session (with CSRF).

Either way the request gets request.user and request.scope, so endpoints use the same scope helpers as pages.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from zhili.people.scope import scope_for
from zhili.people.tokens import BadToken, person_for_token


class TokenAuth(HttpBearer):
    openapi_description = "个人 API 令牌：在“我的账号”页面创建，形如 zl_…，放在 Authorization: Bearer 头中。"

    def authenticate(self, request: HttpRequest, token: str):
        try:
            person = person_for_token(token)
        except BadToken as exc:
            raise HttpError(401, exc.message) from None
        request.user = person
        request.scope = scope_for(person)
        return person


class ZhiliSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None and not hasattr(request, "scope"):
            request.scope = scope_for(user)
        return user


token_auth = TokenAuth()
session_auth = ZhiliSessionAuth(csrf=True)
