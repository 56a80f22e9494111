"""The projects' part of the home page: for those who keep the subdistrict's projects (its leaders and 经发办), a
cockpit panel with this year's completed investment, expected against received tax, the 应统未统 and leaking
projects and key enterprises' open requests — each figure opening onto its page (four queries, whatever the data)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.core import clock
from zhili.core.home import Panel, cockpit_panel
from zhili.people import policy
from zhili.people.scope import NoViewpoint, viewpoint
from zhili.projects import queries
from zhili.projects.models import EnterpriseRequest, ExpectedTax


@cockpit_panel
def projects_panel(request) -> Panel | None:
    scope = request.scope
    if scope.is_empty:
        return None
    try:
        view = viewpoint(scope)
    except NoViewpoint:
        return None
    if not view.whole:
        return None
    setup = queries.setup_of(view.sub)
    if not policy.manage_projects(scope, setup):
        return None
    year = clock.today().year
    leaving = Exists(ExpectedTax.objects.filter(project=OuterRef("pk"), leaves=True))
    counts = queries.projects_in(scope, view.sub).aggregate(
        all=Count("pk"),
        unregistered=Count("pk", filter=queries.unregistered_q(setup)),
        leaving=Count("pk", filter=Q(leaving)),
    )
    if not counts["all"]:
        return None
    expected = sum(queries.expected_by_month(view.sub, year).values(), queries.ZERO)
    received = sum(queries.received_by_month(view.sub, year).values(), queries.ZERO)
    requests = EnterpriseRequest.objects.filter(
        enterprise__subdistrict=view.sub, enterprise__is_key=True, case__state__in=queries.OPEN_STATES
    ).count()
    listing = reverse("projects:list")
    rows = [
        (_("在建项目台账（个）"), counts["all"], listing),
        (_("应统未统（个）"), counts["unregistered"], f"{listing}?unregistered=1"),
        (_("税源外流（个）"), counts["leaving"], f"{listing}?leaves=1"),
        (_("本年应缴税款（元）"), expected, reverse("projects:overview")),
        (_("本年已缴税款（元）"), received, f"{reverse('projects:receipts')}?year={year}"),
        (_("应收未收差额（元）"), expected - received, reverse("projects:gap")),
        (_("重点企业未办结诉求（件）"), requests, reverse("projects:enterprises")),
    ]
    return Panel(40, "projects/_cockpit_projects.html", {"rows": rows, "year": year})
