"""Ledger definitions: what a field may be, how a definition is checked, and loading one from YAML or JSON.

A definition is a list of fields plus the key (the fields that identify a row):

    code: gas-conversion
    name: 气代煤改造台账
    level: household
    unit: urban                 # the owning office's code (optional)
    key: [id_number]
    fields:
      - {key: village, label: 村, type: region, required: true}
      - {key: id_number, label: 身份证号, type: id_number, required: true, sensitive: true}
      - {key: method, label: 改造方式, type: choice, choices: [燃气壁挂炉, 燃气灶具, 空气源热泵, 电采暖]}
      - {key: subsidy, label: 补贴金额, type: decimal, unit: 元, decimals: 2, min: 0}

Every ledger has exactly one region field (the village or grid the row belongs to, which scope and the
indicator source use); for unit-level ledgers it may be omitted and rows belong to the subdistrict.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhili.ledgers.models import FieldType, RowLevel

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
ALLOWED = {
    "key",
    "label",
    "type",
    "required",
    "choices",
    "min",
    "max",
    "unit",
    "decimals",
    "aliases",
    "sensitive",
    "help",
}


def check_fields(fields: list[dict], key: list[str]) -> list[dict]:
    """Validate a field list; returns it normalised. Raises ValidationError with every problem, in Chinese."""
    problems: list[str] = []
    if not isinstance(fields, list) or not fields:
        raise ValidationError(_("台账至少需要一个字段。"))
    seen_keys: set[str] = set()
    seen_labels: set[str] = set()
    out = []
    for i, raw in enumerate(fields, start=1):
        if not isinstance(raw, dict):
            problems.append(_("第 %(i)s 个字段格式不对：应为包含 key、label、type 的对象。") % {"i": i})
            continue
        f = dict(raw)
        unknown = set(f) - ALLOWED
        if unknown:
            problems.append(_("第 %(i)s 个字段有未知属性：%(v)s。") % {"i": i, "v": "、".join(sorted(unknown))})
        k, label, ftype = str(f.get("key", "")), str(f.get("label", "")).strip(), f.get("type")
        if not KEY_RE.match(k):
            problems.append(
                _("第 %(i)s 个字段的 key“%(k)s”无效：用小写英文字母、数字和下划线，以字母开头。") % {"i": i, "k": k}
            )
        if k in seen_keys:
            problems.append(_("字段 key“%(k)s”重复。") % {"k": k})
        if not label:
            problems.append(_("字段“%(k)s”缺少名称（label）。") % {"k": k})
        if label in seen_labels:
            problems.append(_("字段名称“%(label)s”重复。") % {"label": label})
        if ftype not in FieldType.values:
            problems.append(
                _("字段“%(v)s”的类型“%(ftype)s”无效，可用：%(v2)s。")
                % {"v": label or k, "ftype": ftype, "v2": "、".join(FieldType.values)}
            )
        if ftype == FieldType.CHOICE and not f.get("choices"):
            problems.append(_("选项字段“%(label)s”需要列出可选值（choices）。") % {"label": label})
        if f.get("min") is not None and f.get("max") is not None and float(f["min"]) > float(f["max"]):
            problems.append(_("字段“%(label)s”的最小值大于最大值。") % {"label": label})
        seen_keys.add(k)
        seen_labels.add(label)
        f["label"] = label
        f["required"] = bool(f.get("required", False))
        f["aliases"] = [str(a) for a in f.get("aliases", [])]
        out.append(f)
    for k in key:
        if k not in seen_keys:
            problems.append(_("唯一键字段“%(k)s”不在字段列表中。") % {"k": k})
    if sum(1 for f in out if f.get("type") == FieldType.REGION) > 1:
        problems.append(_("一个台账只能有一个区划字段（行所属的村或网格）。"))
    if problems:
        raise ValidationError(problems)
    return out


def region_field(fields: list[dict]) -> dict | None:
    return next((f for f in fields if f["type"] == FieldType.REGION), None)


def load_file(path: str | Path) -> dict:
    """Read a definition from .yaml/.yml/.json; raises ValidationError with a sentence on malformed files."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:  # yaml and json raise different types; both mean "cannot read"
        raise ValidationError(_("台账定义文件 %(name)s 无法读取：%(exc)s") % {"name": path.name, "exc": exc}) from None
    if not isinstance(data, dict):
        raise ValidationError(
            _("台账定义文件 %(name)s 应为一个对象（code、name、level、key、fields）。") % {"name": path.name}
        )
    for required in ("code", "name", "fields"):
        if required not in data:
            raise ValidationError(
                _("台账定义文件 %(name)s 缺少“%(required)s”。") % {"name": path.name, "required": required}
            )
    if data.get("level", RowLevel.VILLAGE) not in RowLevel.values:
        raise ValidationError(
            _("行级别“%(v)s”无效，可用：%(v2)s。") % {"v": data.get("level"), "v2": "、".join(RowLevel.values)}
        )
    return data


def dump(ledger) -> dict:
    """A ledger's current definition, ready to write as YAML or JSON and load elsewhere."""
    v = ledger.current_version
    return {
        "code": ledger.code,
        "name": ledger.name,
        "level": ledger.level,
        "unit": ledger.unit.code if ledger.unit_id else None,
        "description": ledger.description,
        "key": v.key,
        "fields": v.fields,
    }
