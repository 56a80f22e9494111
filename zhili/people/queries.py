"""Reads about people: who answers for a region, the five-level responsibility chain of a grid, and the grants of
the roles that show tips."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from zhili.people.models import ChainLevel, ChainLink, RoleAssignment
from zhili.people.scope import TIP_ROLES, Scope
from zhili.regions.models import Level, Region


def responsible(region: Region) -> QuerySet[RoleAssignment]:
    """The people who hold a role bound to this region (or, on a subdistrict, to its units)."""
    q = Q(region=region)
    if region.level == Level.SUBDISTRICT:
        q |= Q(unit__region=region)
    return (
        RoleAssignment.objects.active()
        .filter(q)
        .select_related("person", "unit")
        .order_by("role", "unit__code", "person__username")
    )


def chain(grid: Region) -> list[tuple[ChainLevel, ChainLink | None]]:
    """Each configured level of the grid's subdistrict with whoever answers for it (or None)."""
    levels = list(
        ChainLevel.objects.filter(subdistrict__path__in=grid.ancestor_paths(), is_active=True).order_by("order")
    )
    links = {
        link.level_id: link for link in ChainLink.objects.active().filter(grid=grid).select_related("person", "level")
    }
    return [(level, links.get(level.pk)) for level in levels]


def chains_for_village(village: Region) -> list[tuple[Region, list]]:
    """The chain of every current grid of a village, in two queries."""
    grids = list(
        village.children.current()
        .order_by("code")
        .prefetch_related(
            Prefetch("chain_links", queryset=ChainLink.objects.active().select_related("person", "level"))
        )
    )
    return [
        (g, sorted((link for link in g.chain_links.all() if link.level.is_active), key=lambda link: link.level.order))
        for g in grids
    ]


def tip_role_grants(scope: Scope) -> QuerySet[RoleAssignment]:
    """Every grant of the roles that show tips — in force, waiting for confirmation, or ended — in the subdistricts
    whose tips this person sees: the tip officers watch who else is given their access. None for anyone else."""
    return (
        RoleAssignment.objects.filter(role__in=TIP_ROLES)
        .filter(scope.tip_q("region__path"))
        .select_related("person", "region", "granted_by", "confirmed_by")
        .order_by("-created_at", "-id")
    )
