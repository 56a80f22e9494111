"""Reads of core's own records: the audit log, filtered, for the page (/audit/) and the API (/api/v1/audit) alike."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from zhili.core.models import AuditEntry

if TYPE_CHECKING:
    from zhili.people.scope import Scope


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # the page's: part of the name, or the login name
    actor_username: str = ""  # the API's: the login name exactly
    object: str = ""  # the page's: part of the object's name, or its type (e.g. "regions.region")
    object_type: str = ""
    object_id: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def audit_entries(scope: Scope, f: AuditFilter = AuditFilter(), *, sealed: bool = False) -> QuerySet[AuditEntry]:
    """The entries this person may read, newest first: those of the regions they audit (their audit administrators;
    superusers: all; an audit administrator bound at a root region also the entries of no region — sign-ins with an
    unknown login name). Entries about confidential objects (tips) only those who may see the object read in full
    — their subdistrict's tip officers; with `sealed`, the audit administrators get them too, to be shown sealed
    (`is_sealed`: who did what to which tip and when, never its content) — the page and the export ask that, the
    API does not."""
    qs = AuditEntry.objects.filter(scope.q("region_path", access="audit"))
    if not sealed:
        qs = qs.filter(Q(confidential=False) | (Q(confidential=True) & scope.tip_q("region_path")))
    if f.actor:
        qs = qs.filter(Q(actor_name__icontains=f.actor) | Q(actor__username=f.actor))
    if f.actor_username:
        qs = qs.filter(actor__username=f.actor_username)
    if f.object:
        qs = qs.filter(Q(object_repr__icontains=f.object) | Q(object_type=f.object))
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    if f.date_from:
        qs = qs.filter(at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(at__date__lte=f.date_to)
    return qs.order_by("-at", "-id")


def is_sealed(scope: Scope, entry: AuditEntry) -> bool:
    """An entry about a tip this person may not see: its time, actor, action and the object's type and number are
    shown, not the object's name, the changes or the reason (they may carry the tip's content)."""
    return entry.confidential and not scope.can_see_tips(entry.region_path)
