"""Personal API tokens (`zl_…`): who a token belongs to. The API (zhili/api/auth.py) and Open311
(zhili/cases/open311.py) both ask here, so a token means the same person with the same scope at every door.
Only the token's SHA-256 is stored (ApiToken.digest)."""

from __future__ import annotations

import re

from zhili.core.errors import Refused
from zhili.people.models import TOKEN_PREFIX, ApiToken, Person, hash_token

TOKEN_RE = re.compile(rf"^{TOKEN_PREFIX}[A-Za-z0-9_-]{{20,100}}$")


class BadToken(Refused):
    """The token is malformed, unknown, revoked, or its owner is no longer active."""


def person_for_token(raw: str) -> Person:
    """The active person a raw token belongs to (its last use noted), or BadToken with a sentence."""
    if not TOKEN_RE.match(raw or ""):
        raise BadToken("API 令牌格式不正确：应为“zl_”开头的一串字母数字，请从“我的账号”页面复制完整的令牌。")
    found = ApiToken.objects.select_related("person").filter(digest=hash_token(raw)).first()
    if found is None or not found.is_active:
        raise BadToken("API 令牌无效或已撤销。")
    found.touch()
    return found.person
