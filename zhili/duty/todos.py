"""Office duty on the home page: for a village's cadre, the 坐班签到 button, and — when he has not signed in today
(a working day) — the to-do "今日未签到" opening onto the sign-in page (two queries)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import clock, workdays
from zhili.core.home import QuickAction, TodoItem, quick_action, todo_source
from zhili.duty import queries
from zhili.people import policy

KIND = gettext_lazy("坐班签到")


@quick_action
def sign_in_button(request) -> QuickAction | None:
    """坐班签到, one tap from home, for a village's cadre."""
    if not policy.signs_in_somewhere(request.scope):
        return None
    return QuickAction(15, _("坐班签到"), reverse("duty:sign_in"), "duty")


@todo_source
def duty_todos(request) -> list[TodoItem]:
    scope = request.scope
    if not policy.signs_in_somewhere(scope):
        return []
    today = clock.today()
    if not workdays.is_workday(today) or queries.signin_on(request.user, today) is not None:
        return []
    villages = queries.cadre_villages(scope)
    if not villages:
        return []
    url = reverse("duty:sign_in")
    return [
        TodoItem(
            title=_("今日未签到"),
            url=url,
            kind=str(KIND),
            detail=_("请到%(village)s村委会用手机签到坐班。") % {"village": villages[0].name},
            more_url=url,
        )
    ]
