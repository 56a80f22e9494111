from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError

from zhili.core.errors import status_of

T = TypeVar("T")


def run_action(form: forms.Form, action: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call an action; a refusal it raises (zhili.core.errors) becomes a form error shown above the form, and
    `form.refusal_status` the status its kind means (400, 403, 409, 429) for the page to answer with."""
    try:
        return action(*args, **kwargs)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        form.refusal_status = status_of(exc)
        return None


def status_for(form: forms.Form) -> int:
    """The status a page re-shown with this form's errors answers with (200 when there are none)."""
    if not form.is_bound or not form.errors:
        return 200
    return getattr(form, "refusal_status", 400)
