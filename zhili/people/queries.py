"""Reads about people: who answers for a region, the five-level responsibility chain of a grid, and the grants of
the roles that show tips."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from zhili.people.models import ChainLevel, ChainLink, Role, RoleAssignment
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


def role_labels(person_ids) -> dict[int, str]:
    """What names each person beside their name (孔秀英（网格员）, 陈城管（城管办）): their office for an officer,
    else their role (of several, the first in Role's order) — one query for them all; a person without a role in
    force is left out."""
    order = {role: i for i, role in enumerate(Role.values)}
    roles = RoleAssignment.objects.active().filter(person_id__in=set(person_ids)).select_related("unit")
    out: dict[int, str] = {}
    for r in sorted(roles, key=lambda r: order.get(r.role, len(order))):
        out.setdefault(r.person_id, short_name(r.unit.name) if r.unit_id else str(r.get_role_display()))
    return out


def short_name(name: str) -> str:
    """An office's name as people say it: 城管办 for "城市管理办公室（城管办）" (the short name its full name
    gives in brackets), else the name."""
    if name.endswith("）") and "（" in name:
        inner = name[name.rindex("（") + 1 : -1].strip()
        if inner and "（" not in inner:
            return inner
    return name
