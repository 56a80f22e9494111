"""The households' part of the home page: for an assistance officer (帮扶责任人), the households he looks after that
were not visited within the subdistrict's N days (遍访), longest first, and those failing a checklist item — each
opening on the household, the whole kind on the list filtered to him (two queries)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core.home import TodoItem, todo_source
from zhili.households import listing
from zhili.households.models import Household
from zhili.households.queries import setup_of

SHOWN = 50  # the group shows a few; the list behind "查看全部" has them all
STALE = gettext_lazy("待走访")
FAILING = gettext_lazy("未达标待整改")


@todo_source
def household_todos(request) -> list[TodoItem]:
    person_id = request.scope.person_id
    if person_id is None:
        return []
    first = Household.objects.active().filter(officer_id=person_id).select_related("subdistrict").first()
    if first is None:
        return []
    days = setup_of(first.subdistrict).visit_interval_days
    base = reverse("households:list")
    items = []
    for h in listing.stale_for_officer(person_id, days)[:SHOWN]:
        items.append(
            TodoItem(
                title=_("%(village)s %(name)s 户") % {"village": h.region.name, "name": h.head_name or h.number},
                url=reverse("households:detail", args=[h.pk]),
                kind=str(STALE),
                due=(
                    _("上次走访 %(day)s") % {"day": h.last_visit_on.isoformat()} if h.last_visit_on else _("从未走访")
                ),
                light="red" if h.last_visit_on is None else "yellow",
                more_url=f"{base}?officer={person_id}&stale={days}",
                detail=_("超过 %(days)s 天未走访。") % {"days": days},
            )
        )
    failing = (
        Household.objects.active()
        .filter(officer_id=person_id, failing_items__gt=0)
        .select_related("region")
        .order_by("path", "id")[:SHOWN]
    )
    for h in failing:
        items.append(
            TodoItem(
                title=_("%(village)s %(name)s 户") % {"village": h.region.name, "name": h.head_name or h.number},
                url=reverse("households:detail", args=[h.pk]),
                kind=str(FAILING),
                light="red",
                more_url=f"{base}?officer={person_id}&failing=1",
                detail=_("%(n)s 项两不愁三保障未达标。") % {"n": h.failing_items},
            )
        )
    return items
