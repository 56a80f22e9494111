"""The upward reports' part of the home page.

- To-dos (queries.my_todos): whoever has a step to take on a filing — a village's cadres their row to fill or
  confirm (opening the row's page), the office in charge its filings being filled or returned, a reviewer the
  filings waiting for review, a leader those waiting for approval (never a step the four-eyes rule would refuse).
- The cockpit's 一表通 panel, for the subdistrict's leaders: this year's cells filled by Zhili against cells typed
  by people, per form, linking to each form and to the catalogue. Two queries, whatever the forms.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.core import clock, lights
from zhili.core.home import Panel, TodoItem, cockpit_panel, todo_source
from zhili.people import policy
from zhili.people.scope import whole_subdistrict
from zhili.reports.lights import light_of


@todo_source
def report_todos(request) -> list[TodoItem]:
    from zhili.reports import queries

    scope = request.scope
    if scope.is_empty:
        return []
    today = clock.today()
    items = []
    for todo in queries.my_todos(scope, request.user):
        due = todo.due or todo.filing.due
        light = light_of(due, False, today)
        items.append(
            TodoItem(
                title=todo.title if todo.village is None else f"{todo.title}（{todo.village.name}）",
                url=todo.url,
                kind=_("报表%(kind)s") % {"kind": todo.kind},
                due=due.isoformat(),
                light="red" if light.state in (lights.OVERDUE, lights.RED) else light.state,
                more_url="" if todo.village is not None else reverse("reports:catalogue"),
                detail=todo.detail or light.explain(),
            )
        )
    return items


@cockpit_panel
def reports_panel(request) -> Panel | None:
    """一表通: the year's cells filled by Zhili and typed by people, per form (for the subdistrict's leaders)."""
    from zhili.reports import queries

    scope = request.scope
    if scope.is_empty:
        return None
    sub = whole_subdistrict(request)
    if sub is None or not scope.can_lead(sub.path) or not policy.read_reports(scope, sub):
        return None
    forms = queries.forms_for(scope, sub)
    if not forms:
        return None
    year = clock.today().year
    burden = queries.burden(sub, year)
    rows, auto, hand = [], 0, 0
    for form in forms:
        b = burden.get(form.pk)
        if b is None:
            continue
        auto, hand = auto + b.auto, hand + b.hand
        rows.append({"form": form, "burden": b, "percent": _percent(b.auto, b.hand)})
    if not rows:
        return None
    return Panel(
        35,
        "reports/_cockpit_reports.html",
        {"rows": rows, "year": year, "total": {"auto": auto, "hand": hand}, "percent": _percent(auto, hand)},
    )


def _percent(auto: int, hand: int) -> int | None:
    return round(auto * 100 / (auto + hand)) if auto + hand else None
