"""Every write to ledgers: definitions (versioned), rows (add, edit with conflict detection, archive), reveals."""

from __future__ import annotations

import contextlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, errors
from zhili.core.errors import require
from zhili.ledgers import definitions, exporting, importer, queries
from zhili.ledgers.fields import Context, clean_row, display
from zhili.ledgers.models import FieldType, Ledger, LedgerRow, LedgerVersion, RowLevel, SensitiveReveal
from zhili.people import policy
from zhili.people.models import Person, Unit
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region

audit.describe(
    {
        "ledger.define": gettext_lazy("新建台账"),
        "ledger.redefine": gettext_lazy("修改台账定义"),
        "ledger.row.add": gettext_lazy("新增台账行"),
        "ledger.row.edit": gettext_lazy("修改台账行"),
        "ledger.row.archive": gettext_lazy("归档台账行"),
        "ledger.row.reveal": gettext_lazy("查看完整身份证号"),
        "ledger.export": gettext_lazy("导出台账"),
        "ledger.import": gettext_lazy("导入台账"),
        "ledger.row.import": gettext_lazy("导入更新台账行"),
    },
    fields={
        "ledger.define": {"fields": gettext_lazy("字段")},
        "ledger.redefine": {
            "version": gettext_lazy("版本"),
            "fields": gettext_lazy("字段"),
            "key": gettext_lazy("唯一键"),
        },
        "ledger.row.reveal": {"field": gettext_lazy("字段")},
        "ledger.export": {
            "rows": gettext_lazy("行数"),
            "filter": gettext_lazy("筛选"),
            "masked": gettext_lazy("遮挡的身份证号"),
            "in_full": gettext_lazy("完整的身份证号"),
        },
    },
)


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise ValidationError(message)


# ---- definitions -------------------------------------------------------------------------------


@transaction.atomic
def do_define_ledger(*, region: Region, data: dict, actor: Person, scope: Scope) -> Ledger:
    """Create a ledger from a definition (a form, or a YAML/JSON file shared by another township)."""
    _require(region.level == Level.SUBDISTRICT, _("台账设在街道（乡镇）一级。"))
    require(policy.define_ledger(scope, region), _("您无权在“%(name)s”新建台账。") % {"name": region.name})
    code = str(data.get("code", "")).strip()
    _require(
        bool(definitions.KEY_RE.match(code.replace("-", "_"))),
        _("台账代码“%(code)s”无效：用小写字母、数字和短横线。") % {"code": code},
    )
    _require(
        not Ledger.objects.filter(region=region, code=code).exists(), _("台账代码“%(code)s”已存在。") % {"code": code}
    )
    level = data.get("level", RowLevel.VILLAGE)
    _require(level in RowLevel.values, _("行级别“%(level)s”无效。") % {"level": level})
    # A definition shared by another township may name an office this one does not have: then the ledger simply
    # has no owning office (leaders manage it) rather than being refused.
    unit = Unit.objects.filter(region=region, code=data["unit"]).first() if data.get("unit") else None
    key = list(data.get("key") or [])
    fields = definitions.check_fields(data.get("fields") or [], key)
    _require(
        level == RowLevel.UNIT or definitions.region_field(fields) is not None,
        _("村、网格、户、项目级台账需要一个区划字段（type: region），说明每行属于哪个村或网格。"),
    )
    ledger = Ledger.objects.create(
        region=region,
        code=code,
        name=str(data.get("name", "")).strip() or code,
        level=level,
        unit=unit,
        description=data.get("description") or "",
    )
    version = LedgerVersion.objects.create(
        ledger=ledger, number=1, fields=fields, key=key, created_by=actor, note="初始定义"
    )
    ledger.current_version = version
    ledger.save(update_fields=["current_version"])
    audit.record(actor, "ledger.define", ledger, changes={"fields": [None, [f["label"] for f in fields]]})
    return ledger


@transaction.atomic
def do_define_ledger_from_file(*, region: Region, data: dict, upload, actor: Person, scope: Scope):
    """A ledger proposed from an office's spreadsheet (zhili.ledgers.infer) and adjusted by the person, defined,
    and that same file started as its first import (the usual preview: nothing is written until they confirm).
    The person must be able to manage the ledger they make — an office's officer makes their own office's."""
    from zhili.imports import actions as import_actions

    ledger = do_define_ledger(region=region, data=data, actor=actor, scope=scope)
    require(
        policy.manage_ledger(scope, ledger),
        _("您只能新建本科室主管的台账：请把“主管单位”选为您所在的科室。"),
    )
    job = import_actions.do_start_import(importer.KEY, ledger, upload, actor=actor, scope=scope)
    return ledger, job


def _example(value) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:20] + "…"


@transaction.atomic
def do_change_definition(
    ledger: Ledger,
    *,
    fields: list[dict],
    key: list[str],
    actor: Person,
    scope: Scope,
    note: str = "",
    base_version: int | None = None,
) -> LedgerVersion:
    """A new version. Refused if it would orphan values that rows hold (a removed field, a removed choice,
    a changed type), if it makes a field required that rows leave empty, or if its key would not tell the rows
    apart: old rows keep their version and are never reinterpreted. The same definition again (a file loaded
    twice) makes no version: the one in force is returned. `base_version`: the version the person edited — if
    someone saved another since, a Conflict (409) says who and when, and nothing is changed."""
    require(policy.manage_ledger(scope, ledger), _("您无权修改该台账的定义。"))
    ledger = Ledger.objects.select_for_update().get(pk=ledger.pk)
    old = ledger.definition
    if base_version is not None and old.number != base_version:
        who = old.created_by or _("他人")
        raise errors.Conflict(
            _(
                "保存失败：这个台账的定义已被%(who)s在 %(v)s 改为第 %(number)s 版（您修改的是第 %(base_version)s 版）。为避免覆盖对方的修改，请刷新页面查看最新定义后再修改。"
            )
            % {
                "who": who,
                "v": format(timezone.localtime(old.created_at), "%H:%M:%S"),
                "number": old.number,
                "base_version": base_version,
            }
        )
    fields = definitions.check_fields(fields, key)
    if fields == old.fields and list(key) == list(old.key):
        return old
    new_by_key = {f["key"]: f for f in fields}
    rows = LedgerRow.objects.active().filter(ledger=ledger)
    problems = []
    for f in old.fields:
        used = rows.exclude(**{f"data__{f['key']}": None}).filter(**{"data__has_key": f["key"]})
        new = new_by_key.get(f["key"])
        if new is None:
            n = used.count()
            if n:
                problems.append(
                    _("字段“%(v)s”在 %(n)s 行中有值，不能删除（可先归档这些行，或保留该字段）。")
                    % {"v": f["label"], "n": n}
                )
            continue
        if new["type"] != f["type"]:
            n = used.count()
            if n:
                sample = used.order_by("pk").values_list(f"data__{f['key']}", flat=True).first()
                problems.append(
                    _(
                        "字段“%(v)s”在 %(n)s 行中有值（例如“%(v2)s”），不能把类型从“%(label)s”改为“%(label2)s”：已有的行不会按新类型重新解释。可新增一个字段，或保留原类型。"
                    )
                    % {
                        "v": f["label"],
                        "n": n,
                        "v2": _example(sample),
                        "label": FieldType(f["type"]).label,
                        "label2": FieldType(new["type"]).label,
                    }
                )
        if f["type"] == FieldType.CHOICE and new["type"] == FieldType.CHOICE:
            for choice in set(f.get("choices", [])) - set(new.get("choices", [])):
                n = used.filter(**{f"data__{f['key']}": choice}).count()
                if n:
                    problems.append(
                        _("选项“%(choice)s”（字段“%(v)s”）在 %(n)s 行中使用，不能删除。")
                        % {"choice": choice, "v": f["label"], "n": n}
                    )
    old_by_key = {f["key"]: f for f in old.fields}
    for f in fields:
        was = old_by_key.get(f["key"])
        if f["required"] and not (was and was.get("required")):
            empty = rows.filter(~Q(data__has_key=f["key"]) | Q(**{f"data__{f['key']}": None}))
            n = empty.count()
            if n:
                first = empty.order_by("pk").values_list("pk", flat=True).first()
                problems.append(
                    _("字段“%(v)s”在 %(n)s 行中为空（例如第 %(first)s 行），不能改为必填：先补齐这些行，或不设为必填。")
                    % {"v": f["label"], "n": n, "first": first}
                )
    keys = _rekeyed(rows, fields, key, problems) if list(key) != list(old.key) else None
    if problems:
        raise ValidationError(problems)
    version = LedgerVersion.objects.create(
        ledger=ledger, number=old.number + 1, fields=fields, key=key, created_by=actor, note=note
    )
    ledger.current_version = version
    ledger.save(update_fields=["current_version", "modified_at"])
    if keys is not None:
        changed = [LedgerRow(pk=pk, key_value=value) for pk, value in keys.items()]
        LedgerRow.objects.bulk_update(changed, ["key_value"], batch_size=1000)
    audit.record(
        actor,
        "ledger.redefine",
        ledger,
        changes={
            "version": [old.number, version.number],
            "fields": [[f["label"] for f in old.fields], [f["label"] for f in fields]],
            **({"key": [old.key, list(key)]} if keys is not None else {}),
        },
        reason=note,
    )
    return version


def _rekeyed(rows, fields: list[dict], key: list[str], problems: list[str]) -> dict[int, str] | None:
    """Each active row's key under a new key (rows are matched by it on import): refused, with a sentence, when
    a row leaves a key field empty or two rows would share a key."""
    if not key:
        return {pk: "" for pk in rows.exclude(key_value="").values_list("pk", flat=True)}
    labels = "、".join(next(f["label"] for f in fields if f["key"] == k) for k in key)
    out: dict[int, str] = {}
    seen: dict[str, int] = {}
    empty = duplicates = 0
    example = ""
    for pk, data in rows.order_by("pk").values_list("pk", "data").iterator(chunk_size=5000):
        parts = [str(data.get(k) if data.get(k) is not None else "") for k in key]
        if not all(parts):
            empty += 1
            continue
        value = "|".join(parts)
        if value in seen:
            duplicates += 1
            example = example or f"第 {seen[value]} 行和第 {pk} 行"
            continue
        seen[value] = pk
        out[pk] = value
    if empty:
        problems.append(_("有 %(empty)s 行的“%(labels)s”为空，不能作为唯一键。") % {"empty": empty, "labels": labels})
    if duplicates:
        problems.append(
            _("按“%(labels)s”有 %(duplicates)s 行与其他行重复（例如%(example)s），不能作为唯一键。")
            % {"labels": labels, "duplicates": duplicates, "example": example}
        )
    return out


# ---- rows --------------------------------------------------------------------------------------


def context_for(ledger: Ledger, scope: Scope) -> Context:
    return Context.for_ledger(ledger, scope)


@transaction.atomic
def do_add_row(ledger: Ledger, values: dict, *, actor: Person, scope: Scope) -> LedgerRow:
    """Add a row. A row that names no village, from a person who may write only one (queries.only_region), is
    that village's: nobody types their own village into every row."""
    version = ledger.definition
    where = definitions.region_field(version.fields)
    if where is not None and not str(values.get(where["key"]) or "").strip():
        only = queries.only_region(scope, ledger)
        if only is not None:
            values = {**values, where["key"]: only.code}
    ctx = context_for(ledger, scope)
    clean = clean_row(version, values, ctx)
    if clean.errors:
        raise ValidationError([f"{p.label}：{p.reason}" for p in clean.errors])
    region = clean.region or ledger.region
    require(policy.write_ledger_row(scope, ledger, region), _("您无权为“%(name)s”填写该台账。") % {"name": region.name})
    duplicate = f"{clean.key_label}为“{clean.key_display}”的行已存在，不能重复。"
    if clean.key_value:
        _require(not LedgerRow.objects.active().filter(ledger=ledger, key_value=clean.key_value).exists(), duplicate)
    with _unique_key(duplicate):
        row = LedgerRow.objects.create(
            ledger=ledger,
            subdistrict_id=ledger.region_id,
            version=version,
            region=region,
            data=clean.data,
            key_value=clean.key_value,
            created_by=actor,
            modified_by=actor,
        )
    audit.record(
        actor, "ledger.row.add", row, changes={k: [None, display(version, k, v)] for k, v in clean.data.items()}
    )
    return row


Conflict = errors.Conflict  # someone else saved the row after this person opened it


@contextlib.contextmanager
def _unique_key(sentence: str):
    """The key's uniqueness, as the database keeps it: two people adding the same key at the same moment both
    pass the check above, and the second write breaks the unique constraint — that person gets the same
    sentence (in a savepoint, so the rest of their transaction stays usable)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise errors.Invalid(sentence) from None


@transaction.atomic
def do_update_row(row: LedgerRow, values: dict, *, revision: int, actor: Person, scope: Scope) -> LedgerRow:
    """Edit with optimistic concurrency: the update applies only if the row is still at `revision`."""
    ledger = row.ledger
    _require(row.archived_at is None, _("该行已归档，不能修改。"))
    require(policy.write_ledger_row(scope, ledger, row.region), _("您无权修改这一行。"))
    version = ledger.definition
    clean = clean_row(version, values, context_for(ledger, scope))
    if clean.errors:
        raise ValidationError([f"{p.label}：{p.reason}" for p in clean.errors])
    region = clean.region or row.region
    require(policy.write_ledger_row(scope, ledger, region), _("您无权把这一行移到“%(name)s”。") % {"name": region.name})
    duplicate = f"{clean.key_label}为“{clean.key_display}”的行已存在，不能重复。"
    if clean.key_value and clean.key_value != row.key_value:
        _require(
            not LedgerRow.objects.active().filter(ledger=ledger, key_value=clean.key_value).exclude(pk=row.pk).exists(),
            duplicate,
        )
    before = dict(row.data)
    with _unique_key(duplicate):
        updated = LedgerRow.objects.filter(pk=row.pk, revision=revision).update(
            data=clean.data,
            region=region,
            key_value=clean.key_value,
            version=version,
            revision=F("revision") + 1,
            modified_by=actor,
            modified_at=timezone.now(),
        )
    if not updated:
        current = LedgerRow.objects.select_related("modified_by").get(pk=row.pk)
        raise Conflict(
            _("保存失败：这一行已被%(v)s在 %(v2)s 修改过。为避免覆盖对方的修改，请刷新页面查看最新内容后再修改。")
            % {"v": current.modified_by or _("他人"), "v2": format(timezone.localtime(current.modified_at), "%H:%M:%S")}
        )
    row.refresh_from_db()
    changes = {
        k: [display(version, k, before.get(k)), display(version, k, clean.data.get(k))]
        for k in set(before) | set(clean.data)
        if before.get(k) != clean.data.get(k)
    }
    if changes:
        audit.record(actor, "ledger.row.edit", row, changes=changes)
    return row


@transaction.atomic
def do_archive_row(row: LedgerRow, *, reason: str, actor: Person, scope: Scope) -> LedgerRow:
    require(policy.write_ledger_row(scope, row.ledger, row.region), _("您无权归档这一行。"))
    _require(bool((reason or "").strip()), _("归档必须填写原因。"))
    _require(row.archived_at is None, _("该行已归档。"))
    LedgerRow.objects.filter(pk=row.pk).update(
        archived_at=timezone.now(), archived_by=actor, archived_reason=reason.strip(), revision=F("revision") + 1
    )
    row.refresh_from_db()
    audit.record(actor, "ledger.row.archive", row, reason=reason)
    return row


@transaction.atomic
def do_reveal(row: LedgerRow, field_key: str, *, actor: Person, scope: Scope) -> str:
    """An identity number in full, for someone whose work needs it; every reveal is logged."""
    field = row.version.field(field_key)
    if field is None or field.get("type") != FieldType.ID_NUMBER:
        raise ValidationError(_("该字段不需要显示完整号码。"))
    require(policy.reveal_identity(scope, row.ledger, row.region), _("您的角色不能查看完整身份证号。"))
    SensitiveReveal.objects.create(row=row, field_key=field_key, person=actor)
    audit.record(actor, "ledger.row.reveal", row, changes={"field": [None, field["label"]]})
    return str(row.data.get(field_key) or "")


# ---- exports -----------------------------------------------------------------------------------


@transaction.atomic
def do_export_ledger(ledger: Ledger, filters: queries.RowFilter, *, actor: Person, scope: Scope) -> exporting.Export:
    """The ledger's rows in the person's scope that match `filters`, as .xlsx in the layout the importer reads.

    Identity numbers are written in full only in rows whose numbers the person may reveal (their leaders, the
    owning office, the village's own cadres: `policy.reveal_identity`), masked as the page shows them elsewhere.
    One audit entry says what the file held: how many rows, the filter, and for each identity field in how many
    rows it was masked and in how many written in full."""
    rows = queries.filtered_rows(scope, ledger, filters).select_related("region").order_by("id")
    allowed: dict[int, bool] = {}

    def reveal(row: LedgerRow) -> bool:
        ok = allowed.get(row.region_id)
        if ok is None:
            ok = allowed[row.region_id] = policy.reveal_identity(scope, ledger, row.region)
        return ok

    contents = exporting.Contents()
    data = exporting.ledger_xlsx(ledger, rows, reveal=reveal, contents=contents)
    audit.record(
        actor,
        "ledger.export",
        ledger,
        changes={
            "rows": [None, contents.rows],
            "filter": [None, filters.describe(ledger)],
            "masked": [None, {label: n for label, n in contents.masked.items() if n}],
            "in_full": [None, {label: n for label, n in contents.in_full.items() if n}],
        },
    )
    return exporting.Export(data, contents)


def _row_field_labels(entries) -> dict[int, dict[str, str]]:
    """A ledger row's changes are keyed by its fields: their labels in the row's own version and its ledger's
    current one (a field added since), in one query."""
    ids = {int(e.object_id) for e in entries if e.object_id.isdigit()}
    labels: dict[int, dict[str, str]] = {}
    for pk, fields, current in LedgerRow.all_rows.filter(pk__in=ids).values_list(
        "pk", "version__fields", "ledger__current_version__fields"
    ):
        labels[pk] = {f["key"]: f["label"] for f in [*(current or []), *(fields or [])]}
    return {e.pk: labels.get(int(e.object_id), {}) for e in entries if e.object_id.isdigit()}


audit.describe_fields_by("ledgers.ledgerrow", _row_field_labels)
