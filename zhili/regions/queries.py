"""Reads for the region pages, each with a fixed number of queries whatever the tree's size."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from zhili.regions.models import Region

if TYPE_CHECKING:  # the scope is asked, never imported: people depends on regions, not the other way round
    from zhili.people.scope import Scope


def get_region_or_404(scope: Scope, code: str, *, access: str = "read") -> Region:
    """The region with this code if it lies in the scope, else 404 (never 403: nothing leaks)."""
    try:
        return scope.filter(Region.objects.select_related("parent"), "path", access=access).get(code=code)
    except Region.DoesNotExist:
        raise Http404(_("不存在或无权查看。")) from None


def children(scope: Scope, region: Region, *, include_closed: bool = False) -> QuerySet[Region]:
    qs = scope.filter(region.children.all(), "path")
    if not include_closed:
        qs = qs.current()
    return qs.annotate(
        child_count=Count("children", filter=Q(children__valid_to__isnull=True)),
    ).order_by("code")


def breadcrumbs(scope: Scope, region: Region) -> list[tuple[Region, bool]]:
    """Ancestors with whether the person may open them (a village cadre sees names, not pages)."""
    return [(a, scope.can_read(a.path)) for a in region.ancestors()]
