"""Writing the audit log. Every action in every app calls record() inside its transaction."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.dispatch import Signal
from django.utils import timezone
from django.utils.functional import Promise

from zhili.core import keys
from zhili.core.models import AuditEntry

# Sent after every entry (or batch of entries) is written, in the same transaction, with the object's model as
# sender and the region paths touched: what listens keeps derived figures (targets/kept.py) in step with the writes.
recorded = Signal()

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
    entry = AuditEntry.objects.create(
        actor=who,
        actor_name=(who.get_full_name() or who.username) if who is not None else "系统",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        region_path=region_path,
        subdistrict_id=keys.subdistrict_in_insert(region_path),  # answered by the INSERT: no query more
        changes=_plain(changes or {}),
        reason=reason,
        confidential=bool(getattr(obj, "audit_confidential", False)),
    )
    if entry.subdistrict_id is not None:
        del entry.__dict__["subdistrict_id"]  # not the subquery but the database's answer, read when asked
    recorded.send(sender=obj._meta.model, paths=[region_path])  # obj may be a lazy request.user
    return entry


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
    known: dict[str, int | None] = {}
    batch: list[AuditEntry] = []
    paths: set[str] = set()
    for object_id, text, region_path, changes in entries:
        paths.add(region_path or "")
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
            _subdistricts(batch, known)
            AuditEntry.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        _subdistricts(batch, known)
        AuditEntry.objects.bulk_create(batch)
        written += len(batch)
    if paths:
        recorded.send(sender=model, paths=sorted(paths))
    return written


def _subdistricts(batch: list[AuditEntry], known: dict[str, int | None]) -> None:
    """record_many's entries get their subdistrict key as record() gives it: one query per batch at most."""
    keys.subdistricts_of((e.region_path for e in batch), known)
    for e in batch:
        e.subdistrict_id = known.get(keys.subdistrict_path(e.region_path))


# ---- how the log reads: actions, objects and changed fields by their Chinese names ---------------------------
#
# Each app names the actions it writes where it writes them (its actions.py, imported at start-up by
# CoreConfig.ready): describe({"ledger.row.edit": _("修改台账行"), …}, fields={"ledger.define": {"fields": …}}).
# An object's fields are named by its model's verbose names unless the app says otherwise; fields that live in the
# data (a ledger row's values) are named by a finder the app registers for its object type.

_ACTIONS: dict[str, Any] = {}
_FIELDS: dict[str, dict[str, Any]] = {}  # by action or by object type ("app.model")
_FINDERS: dict[str, Callable[[list[AuditEntry]], dict[int, dict[str, str]]]] = {}


def describe(actions: dict[str, Any], *, fields: dict[str, dict[str, Any]] | None = None) -> None:
    """Name actions ("ledger.row.edit" → "修改台账行") and, by action or object type ("*": any), the keys of their
    changes."""
    _ACTIONS.update(actions)
    for key, labels in (fields or {}).items():
        _FIELDS.setdefault(key, {}).update(labels)


def describe_fields_by(object_type: str, finder: Callable[[list[AuditEntry]], dict[int, dict[str, str]]]) -> None:
    """For objects whose fields are data (a ledger's): finder(entries) → {entry id: {key: label}}, in one query."""
    _FINDERS[object_type] = finder


def action_label(action: str) -> str:
    """The action's name; an action nobody named shows its code (tests/test_no_internals_crawl.py finds it)."""
    return str(_ACTIONS.get(action, action))


def object_label(object_type: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


@dataclass(frozen=True)
class Change:
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Shown:
    """An entry as the log and a record's history show it."""

    entry: AuditEntry
    action: str
    object: str
    changes: list[Change]
    sealed: bool = False  # about a tip the reader may not see: no object name, changes or reason (queries.is_sealed)


def _model_fields(object_type: str) -> tuple[dict[str, str], dict[str, dict[Any, str]]]:
    """The model's field names → verbose names, and its fields with choices → {stored value: label}."""
    from django.apps import apps

    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}, {}
    names: dict[str, str] = {}
    choices: dict[str, dict[Any, str]] = {}
    for f in model._meta.get_fields():
        label = getattr(f, "verbose_name", None)
        if label is None:
            continue
        for name in {f.name, getattr(f, "attname", f.name)}:
            names[name] = str(label)
            if getattr(f, "choices", None):
                choices[name] = {value: str(text) for value, text in f.flatchoices}
    return names, choices


def shown(entries: Iterable[AuditEntry], *, sealed: Callable[[AuditEntry], bool] | None = None) -> list[Shown]:
    """`entries` with their action, object type and changed fields named, a field's stored choice as its label
    (one query per object type that names its fields from data, none otherwise); those `sealed` says are sealed
    carry no changes."""
    entries = list(entries)
    found: dict[int, dict[str, str]] = {}
    for object_type in {e.object_type for e in entries} & _FINDERS.keys():
        found.update(_FINDERS[object_type]([e for e in entries if e.object_type == object_type]))
    models: dict[str, tuple[dict[str, str], dict[str, dict[Any, str]]]] = {}
    out = []
    for e in entries:
        if sealed is not None and sealed(e):
            out.append(Shown(e, action_label(e.action), object_label(e.object_type), [], sealed=True))
            continue
        if e.object_type not in models:
            models[e.object_type] = _model_fields(e.object_type)
        fields, choices = models[e.object_type]
        names = {
            **fields,
            **{k: str(v) for k, v in _FIELDS.get("*", {}).items()},
            **{k: str(v) for k, v in _FIELDS.get(e.object_type, {}).items()},
            **{k: str(v) for k, v in _FIELDS.get(e.action, {}).items()},
            **found.get(e.pk, {}),
        }
        changes = []
        for k, pair in (e.changes or {}).items():
            old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
            if k in choices:
                old, new = (choices[k].get(v, v) if isinstance(v, str) else v for v in (old, new))
            changes.append(Change(names.get(k, k), old, new))
        out.append(Shown(e, action_label(e.action), object_label(e.object_type), changes))
    return out
