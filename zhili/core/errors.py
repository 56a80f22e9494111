"""What went wrong, as a type: every refusal an action raises carries its meaning, and one table maps that
meaning to an HTTP status for pages (`zhili.core.middleware.ErrorMiddleware`, `refuse()`) and for the API
(`zhili.api.api`). No view chooses a status by reading the sentence.

    Invalid       400  what was sent cannot be used (a wrong value, a missing field) — Django's ValidationError
    Refused       403  this person may not do this here (scope, role, the four-eyes rules)
    NotFound      404  does not exist, or lies outside the person's scope (never 403: nothing leaks)
    Conflict      409  somebody else changed it since the page was loaded
    RateLimited   429  too many at once from one sender

All but NotFound are ValidationErrors, so a form that shows `exc.messages` keeps working whatever the kind.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404

Invalid = ValidationError


class Refused(ValidationError):
    """The person may not do this (outside their scope or their role's rights)."""


class Conflict(ValidationError):
    """Somebody else changed the object since this person loaded it."""


class RateLimited(ValidationError):
    """Too many requests from one sender in the window."""


class NotFound(Http404):
    """Does not exist, or is outside the person's scope."""


STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (RateLimited, 429),
    (Conflict, 409),
    (Refused, 403),
    (Http404, 404),
    (ValidationError, 400),
)


def status_of(exc: BaseException) -> int:
    """The HTTP status that says what `exc` means (the first matching class in STATUS)."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def messages_of(exc: BaseException) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc)] if str(exc) else []


def require(condition: object, message: str, kind: type[Exception] = Refused) -> None:
    """Raise `kind` (Refused by default: a rights check) with `message` unless `condition` holds."""
    if not condition:
        raise kind(message)


def refuse(request, exc: BaseException | str, *, status: int | None = None, back: str = "", title: str = ""):
    """The page that says why nothing was done, with the status that says what kind of refusal it is."""
    from django.shortcuts import render

    message = exc if isinstance(exc, str) else " ".join(messages_of(exc))
    if status is None:
        status = 400 if isinstance(exc, str) else status_of(exc)
    return render(request, "refused.html", {"message": message, "back": back, "title": title}, status=status)
