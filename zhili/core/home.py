"""The home page lists what is the signed-in person's to do. Each app contributes a section.

An app registers a function `(request) -> list[TodoItem]` with @todo_source in its `todos.py` (found by name, see
CoreConfig.ready); the home page calls every source and shows the items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class TodoItem:
    title: str
    url: str
    kind: str  # e.g. "催办", "待核查"
    due: str = ""
    light: str = ""  # green / yellow / red


_SOURCES: list[Callable[[HttpRequest], list[TodoItem]]] = []


def todo_source(fn: Callable[[HttpRequest], list[TodoItem]]):
    _SOURCES.append(fn)
    return fn


def todos_for(request: HttpRequest) -> list[TodoItem]:
    items: list[TodoItem] = []
    for source in _SOURCES:
        items.extend(source(request))
    return items
