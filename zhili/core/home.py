"""The home page: what is the signed-in person's to do, and — for those who lead or follow a subdistrict, an office
or a village — their cockpit. Each app contributes sections.

- An app registers a function `(request) -> list[TodoItem]` with @todo_source in its `todos.py` (found by name,
  see CoreConfig.ready); the home page calls every source and shows the items grouped by kind, the first few of
  each with the kind's count and a link to all of them (no list is cut silently).
- An app registers a function `(request) -> Panel | None` with @cockpit_panel (in the same `todos.py`): a
  section of the cockpit, drawn by its own template; None when it has nothing for this person.
- An app registers a function `(request) -> StartStep | None` with @start_step (in the same `todos.py`): one step
  of a new township's "开始使用" list (its villages, its people, its year, its ledgers), for those who may take it;
  the list is shown, in the steps' order, until every step is done.
- An app registers a function `(request) -> QuickAction | None` with @quick_action (in the same `todos.py`): a
  button at the top of the home page for what this person starts most often (上报问题), one tap from home.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

SHOWN_PER_KIND = 5


@dataclass(frozen=True)
class TodoItem:
    title: str
    url: str
    kind: str  # e.g. "催办", "待核查"
    due: str = ""
    light: str = ""  # green / yellow / red
    more_url: str = ""  # where every item of this kind is listed (the group's "查看全部")
    detail: str = ""  # one sentence under the title (a light's explanation, a reply)
    # how many to-dos the item counts for: 1, or (a source that reads only the most urgent few and counts the rest
    # in the database, cases/todos.py) the rest of its kind — counted into the group's total, never listed
    stands_for: int = 1


@dataclass
class TodoGroup:
    kind: str
    items: list[TodoItem]
    total: int
    more_url: str = ""

    @property
    def shown(self) -> list[TodoItem]:
        return self.items[:SHOWN_PER_KIND] if self.more_url else self.items

    @property
    def hidden(self) -> int:
        return self.total - len(self.shown)


@dataclass(frozen=True)
class Panel:
    """One section of the cockpit: `template` rendered with `context`; lower `order` first."""

    order: int
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StartStep:
    """One step of setting a township up, linked: to where it is done, or — once done — to what there is."""

    order: int
    title: str
    done: bool
    url: str
    detail: str = ""


@dataclass(frozen=True)
class QuickAction:
    """A button at the top of the home page: what this person starts most often; lower `order` first."""

    order: int
    title: str
    url: str
    name: str  # the button's test id: quick-<name>


_SOURCES: list[Callable[[HttpRequest], list[TodoItem]]] = []
_PANELS: list[Callable[[HttpRequest], Panel | None]] = []
_STEPS: list[Callable[[HttpRequest], StartStep | None]] = []
_ACTIONS: list[Callable[[HttpRequest], QuickAction | None]] = []


def todo_source(fn: Callable[[HttpRequest], list[TodoItem]]):
    _SOURCES.append(fn)
    return fn


def cockpit_panel(fn: Callable[[HttpRequest], Panel | None]):
    _PANELS.append(fn)
    return fn


def start_step(fn: Callable[[HttpRequest], StartStep | None]):
    _STEPS.append(fn)
    return fn


def quick_action(fn: Callable[[HttpRequest], QuickAction | None]):
    _ACTIONS.append(fn)
    return fn


def quick_actions(request: HttpRequest) -> list[QuickAction]:
    """The home page's buttons for this person, in order."""
    return sorted((a for a in (fn(request) for fn in _ACTIONS) if a is not None), key=lambda a: a.order)


def start_steps(request: HttpRequest) -> list[StartStep]:
    """The steps this person may take to set their township up, in order — none once every one is done."""
    steps = sorted((s for s in (fn(request) for fn in _STEPS) if s is not None), key=lambda s: s.order)
    return steps if any(not s.done for s in steps) else []


def todos_for(request: HttpRequest) -> list[TodoItem]:
    items: list[TodoItem] = []
    for source in _SOURCES:
        items.extend(source(request))
    return items


def todo_groups(items: list[TodoItem]) -> list[TodoGroup]:
    """The items grouped by kind, in the order the kinds first appear. A kind without a `more_url` (a list that
    holds them all) is shown whole."""
    groups: dict[str, TodoGroup] = {}
    for item in items:
        group = groups.get(item.kind)
        if group is None:
            group = groups[item.kind] = TodoGroup(item.kind, [], 0, item.more_url)
        if item.stands_for == 1:
            group.items.append(item)
        group.total += item.stands_for
    return list(groups.values())


def panels_for(request: HttpRequest) -> list[Panel]:
    panels = [p for p in (fn(request) for fn in _PANELS) if p is not None]
    return sorted(panels, key=lambda p: p.order)
