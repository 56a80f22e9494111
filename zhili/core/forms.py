from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError

T = TypeVar("T")


def run_action(form: forms.Form, action: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call an action; a ValidationError it raises becomes a form error shown above the form."""
    try:
        return action(*args, **kwargs)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return None
