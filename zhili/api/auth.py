"""API authentication: a personal token (Authorization: Bearer zl_…) or the browser session (with CSRF).

Either way the request gets request.user and request.scope, so endpoints use the same scope helpers as pages.
"""

from __future__ import annotations

import re

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from zhili.people.models import TOKEN_PREFIX, ApiToken, hash_token
from zhili.people.scope import scope_for

TOKEN_RE = re.compile(rf"^{TOKEN_PREFIX}[A-Za-z0-9_-]{{20,100}}$")


class TokenAuth(HttpBearer):
    openapi_description = "个人 API 令牌：在“我的账号”页面创建，形如 zl_…，放在 Authorization: Bearer 头中。"

    def authenticate(self, request: HttpRequest, token: str):
        if not TOKEN_RE.match(token or ""):
            raise HttpError(401, "API 令牌格式不正确：应为“zl_”开头的一串字母数字，请从“我的账号”页面复制完整的令牌。")
        found = ApiToken.objects.select_related("person").filter(digest=hash_token(token)).first()
        if found is None or not found.is_active:
            raise HttpError(401, "API 令牌无效或已撤销。")
        found.touch()
        request.user = found.person
        request.scope = scope_for(found.person)
        return found.person


class ZhiliSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None and not hasattr(request, "scope"):
            request.scope = scope_for(user)
        return user


token_auth = TokenAuth()
session_auth = ZhiliSessionAuth(csrf=True)
