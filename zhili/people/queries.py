"""Reads of people and roles, scoped."""

from __future__ import annotations

from django.db.models import QuerySet

from zhili.people.models import RoleAssignment
from zhili.people.scope import TIP_ROLES, Scope


def tip_role_grants(scope: Scope) -> QuerySet[RoleAssignment]:
    """Every grant of the roles that show tips — in force, waiting for confirmation, or ended — in the subdistricts
    whose tips this person sees: the tip officers watch who else is given their access. None for anyone else."""
    return (
        RoleAssignment.objects.filter(role__in=TIP_ROLES)
        .filter(scope.tip_q("region__path"))
        .select_related("person", "region", "granted_by", "confirmed_by")
        .order_by("-created_at", "-id")
    )
