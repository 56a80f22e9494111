"""Personal API tokens: whose is this one? The API (zhili.api.auth) and Open311 (zhili.cases.open311) both ask
here, so a token is checked one way, and no app needs the API to check one."""

from __future__ import annotations

import re

from zhili.people.models import TOKEN_PREFIX, ApiToken, Person, hash_token

TOKEN_RE = re.compile(rf"^{TOKEN_PREFIX}[A-Za-z0-9_-]{{20,100}}$")


class BadToken(Exception):
    """The token is malformed, unknown or revoked; the message says which, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def person_for_token(raw: str) -> Person:
    """The active token's owner (its last use noted), else BadToken."""
    if not TOKEN_RE.match(raw or ""):
        raise BadToken("API 令牌格式不正确：应为“zl_”开头的一串字母数字，请从“我的账号”页面复制完整的令牌。")
    found = ApiToken.objects.select_related("person").filter(digest=hash_token(raw)).first()
    if found is None or not found.is_active:
        raise BadToken("API 令牌无效或已撤销。")
    found.touch()
    return found.person
