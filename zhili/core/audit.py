"""Writing the audit log. Every action in every app calls record() inside its transaction."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise

from zhili.core.models import AuditEntry

if TYPE_CHECKING:  # people depend on this module, not the other way round
    from zhili.people.models import Person


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if isinstance(value, models.Model | Promise):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of `fields` on `obj`, ready to compare with diff()."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field that changed."""
    return {k: [old.get(k), new.get(k)] for k in new.keys() | old.keys() if old.get(k) != new.get(k)}


def record(
    actor: Person | None,
    action: str,
    obj: models.Model,
    *,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    region_path: str | None = None,
) -> AuditEntry:
    """Append one entry. `region_path` defaults to the object's own region (obj.audit_region_path); an object
    that says it is confidential (obj.audit_confidential, e.g. a tip) marks the entry so, and the audit log shows
    it only to those who may see the object."""
    if region_path is None:
        region_path = getattr(obj, "audit_region_path", "") or ""
    who = actor if actor is not None and actor.pk else None
    return AuditEntry.objects.create(
        actor=who,
        actor_name=(who.get_full_name() or who.username) if who is not None else "系统",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        region_path=region_path,
        changes=_plain(changes or {}),
        reason=reason,
        confidential=bool(getattr(obj, "audit_confidential", False)),
    )


def record_many(
    actor: Person | None,
    action: str,
    model: type[models.Model],
    entries: Iterable[tuple[Any, str, str, dict[str, Any]]],
    *,
    reason: str = "",
    batch_size: int = 1000,
) -> int:
    """Append one entry per (object id, object as text, region path, changes) about objects of `model` — many
    at once (an import's updated rows), in one INSERT per `batch_size`, inside the caller's transaction like
    record(). Returns how many were written."""
    if actor is not None and actor.pk:
        actor_id, actor_name = actor.pk, actor.get_full_name() or actor.username
    else:
        actor_id, actor_name = None, "系统"
    object_type = model._meta.label_lower
    at = timezone.now()
    written = 0
    batch: list[AuditEntry] = []
    for object_id, text, region_path, changes in entries:
        batch.append(
            AuditEntry(
                actor_id=actor_id,
                actor_name=actor_name,
                action=action,
                object_type=object_type,
                object_id=str(object_id),
                object_repr=str(text)[:300],
                region_path=region_path or "",
                changes=_plain(changes or {}),
                reason=reason,
                at=at,
            )
        )
        if len(batch) >= batch_size:
            AuditEntry.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        AuditEntry.objects.bulk_create(batch)
        written += len(batch)
    return written
