"""Every write to the region tree. Each action is atomic, checks scope and writes the audit log."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, clock
from zhili.regions.models import CHILD_LEVEL, CODE_LENGTH, PATH_SEP, Level, Region

audit.describe(
    {
        "region.create": gettext_lazy("新建区划"),
        "region.update": gettext_lazy("修改区划"),
        "region.move": gettext_lazy("调整上级区划"),
        "region.merge": gettext_lazy("合并村居"),
        "region.close": gettext_lazy("撤销区划"),
    },
    fields={"regions.region": {"successor": gettext_lazy("并入"), "boundary": gettext_lazy("边界")}},
)

if TYPE_CHECKING:
    from zhili.people.models import (
        Person,  # the scope is asked, never imported: people depend on regions, not the other way round
    )
    from zhili.people.scope import Scope

# What other apps carry across a merge (people: roles and the responsibility chain, people/actions.py): each is
# called inside the merge's transaction with the closed villages, their successor, {old grid: new grid}, the actor
# and the reason, after the new regions exist and before the old ones are closed.
MergeCarrier = Callable[..., None]
_CARRIERS: list[MergeCarrier] = []


def carries_across_merges(fn: MergeCarrier) -> MergeCarrier:
    _CARRIERS.append(fn)
    return fn


EDITABLE_FIELDS = ("name", "boundary", "center_lng", "center_lat", "note")


def normalise_code(code: str) -> str:
    """What an input method types (full-width ０-９, spaces) as the standard code."""
    return unicodedata.normalize("NFKC", code or "").strip()


def check_centre(lng, lat) -> None:
    """Centre points are WGS-84 longitude/latitude inside China, longitude first."""
    if lng is not None and not 73 <= float(lng) <= 136:
        raise ValidationError(
            _("中心经度 %(lng)s 不在中国境内（73～136）：请使用 WGS-84 经纬度，经度在前。") % {"lng": lng}
        )
    if lat is not None and not 3 <= float(lat) <= 54:
        raise ValidationError(
            _("中心纬度 %(lat)s 不在中国境内（3～54）：请使用 WGS-84 经纬度，纬度在后。") % {"lat": lat}
        )


def check_boundary(boundary) -> None:
    from zhili.regions.geo import validate_geometry

    problem = validate_geometry(boundary)
    if problem:
        raise ValidationError(problem)


def validate_code(code: str, level: int, parent: Region | None) -> None:
    """GB/T 2260-based codes: ASCII digits, the level's length, and the parent's code as prefix."""
    if not code or not (code.isascii() and code.isdigit()):
        raise ValidationError(_("区划代码“%(code)s”无效：只能由数字组成。") % {"code": code})
    expected = CODE_LENGTH[Level(level)]
    if len(code) != expected:
        raise ValidationError(
            _("区划代码“%(code)s”无效：%(label)s代码应为 %(expected)s 位数字。")
            % {"code": code, "label": Level(level).label, "expected": expected}
        )
    if parent is not None:
        if level >= Level.SUBDISTRICT and not code.startswith(parent.code):
            raise ValidationError(
                _("区划代码“%(code)s”无效：应以上级“%(name)s”的代码 %(code2)s 开头。")
                % {"code": code, "name": parent.name, "code2": parent.code}
            )
        if level == Level.DISTRICT and code[:4] != parent.code[:4]:
            raise ValidationError(
                _("区划代码“%(code)s”无效：区县代码的前 4 位应与所属市的代码 %(v)s 相同。")
                % {"code": code, "v": parent.code[:4]}
            )


def _check_parent(level: int, parent: Region | None, on: datetime.date | None = None) -> None:
    """`parent` may take a child of `level` that starts on `on` (today by default)."""
    if parent is None:
        if level != Level.CITY:
            raise ValidationError(_("%(label)s必须有上级区划。") % {"label": Level(level).label})
        return
    if CHILD_LEVEL.get(Level(parent.level)) != level:
        raise ValidationError(
            _("“%(name)s”（%(v)s）下不能直接设%(label)s。")
            % {"name": parent.name, "v": parent.get_level_display(), "label": Level(level).label}
        )
    on = on or clock.today()
    if parent.valid_to is not None and parent.valid_to <= on:
        raise ValidationError(
            _("上级区划“%(name)s”已于 %(valid_to)s 撤销，不能再添加下级。")
            % {"name": parent.name, "valid_to": parent.valid_to}
        )
    if parent.valid_from > on:
        raise ValidationError(
            _("上级区划“%(name)s”自 %(valid_from)s 起才设立，下级的起始日期不能早于它。")
            % {"name": parent.name, "valid_from": parent.valid_from}
        )


@transaction.atomic
def do_create_region(
    *,
    code: str,
    name: str,
    level: int,
    parent: Region | None,
    actor: Person,
    scope: Scope,
    valid_from: datetime.date | None = None,
    boundary: dict | None = None,
    center_lng=None,
    center_lat=None,
    note: str = "",
    is_synthetic: bool = False,
) -> Region:
    code = normalise_code(code)
    name = (name or "").strip()
    if level not in Level.values:
        raise ValidationError(_("层级 %(level)s 无效：应为 1（市）到 5（网格）。") % {"level": level})
    if not name:
        raise ValidationError(_("区划名称不能为空。"))
    if parent is None and not scope.is_superuser:
        raise ValidationError(_("只有超级管理员可以新建顶级区划。"))
    if parent is not None and not scope.can_admin(parent.path):
        raise ValidationError(_("您无权在“%(name)s”下新建区划。") % {"name": parent.name})
    _check_parent(level, parent, valid_from)
    validate_code(code, level, parent)
    check_boundary(boundary)
    check_centre(center_lng, center_lat)
    if Region.objects.filter(code=code).exists():
        raise ValidationError(_("区划代码 %(code)s 已存在，不能重复。") % {"code": code})
    region = Region(
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=(parent.path if parent else "") + code + PATH_SEP,
        boundary=boundary,
        center_lng=center_lng,
        center_lat=center_lat,
        note=note,
        is_synthetic=is_synthetic,
    )
    if valid_from:
        region.valid_from = valid_from
    region.save()
    audit.record(actor, "region.create", region, changes={"code": [None, code], "name": [None, name]})
    return region


@transaction.atomic
def do_update_region(region: Region, *, actor: Person, scope: Scope, reason: str = "", **values) -> Region:
    if not scope.can_admin(region.path):
        raise ValidationError(_("您无权修改“%(name)s”。") % {"name": region.name})
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改这些字段：%(v)s。") % {"v": "、".join(sorted(unknown))})
    if "name" in values and not (values["name"] or "").strip():
        raise ValidationError(_("区划名称不能为空。"))
    if "note" in values and values["note"] is None:
        raise ValidationError(_("备注不能为 null；要清空备注，请传空字符串。"))
    if "boundary" in values:
        check_boundary(values["boundary"])
    region = Region.objects.select_for_update().get(pk=region.pk)
    check_centre(values.get("center_lng", region.center_lng), values.get("center_lat", region.center_lat))
    before = audit.snapshot(region, values)
    for k, v in values.items():
        setattr(region, k, v.strip() if isinstance(v, str) else v)
    region.save()
    changes = audit.diff(before, audit.snapshot(region, values))
    if changes:
        audit.record(actor, "region.update", region, changes=changes, reason=reason)
    return region


@transaction.atomic
def do_move_region(region: Region, new_parent: Region, *, actor: Person, scope: Scope, reason: str) -> Region:
    """Re-parent a region (and its subtree). Refuses cycles and level mismatches."""
    if not (scope.can_admin(region.path) and scope.can_admin(new_parent.path)):
        raise ValidationError(_("您无权调整这两个区划。"))
    if new_parent.path.startswith(region.path):
        raise ValidationError(
            _("不能把“%(name)s”移到它自己或它的下级“%(name2)s”之下：会形成循环。")
            % {"name": region.name, "name2": new_parent.name}
        )
    _check_parent(region.level, new_parent)
    if region.level == Level.DISTRICT:
        validate_code(region.code, region.level, new_parent)
    if region.level >= Level.SUBDISTRICT and not region.code.startswith(new_parent.code):
        raise ValidationError(
            _("“%(name)s”的代码 %(code)s 不以“%(name2)s”的代码 %(code2)s 开头；跨上级调整请撤销后在新上级下新建。")
            % {"name": region.name, "code": region.code, "name2": new_parent.name, "code2": new_parent.code}
        )
    old_path = region.path
    new_path = new_parent.path + region.code + PATH_SEP
    old_parent = region.parent
    # One UPDATE rewrites the whole subtree's paths.
    Region.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
    )
    Region.objects.filter(pk=region.pk).update(parent=new_parent)
    region.refresh_from_db()
    audit.record(actor, "region.move", region, changes={"parent": [str(old_parent), str(new_parent)]}, reason=reason)
    return region


@transaction.atomic
def do_merge_villages(
    villages: list[Region], *, code: str, name: str, on: datetime.date, actor: Person, scope: Scope, reason: str
) -> Region:
    """行政村规模优化调整: close `villages` on `on`, open their successor, move their grids across.

    The old villages and their old grids stay in the tree (valid_to = on, successor set), so every record
    made before the merge stays attributable to the village as it was. The successor gets new grids with
    the same boundaries; what other apps keep per village or grid is carried across by their carriers
    (people: village-cadre and grid roles, the chains).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("合并村居必须填写原因（如文件文号）。"))
    villages = list(Region.objects.select_for_update().filter(pk__in=[v.pk for v in villages]).order_by("code"))
    if len(villages) < 2:
        raise ValidationError(_("合并至少需要两个村（社区）。"))
    if any(v.level != Level.VILLAGE for v in villages):
        raise ValidationError(_("只能合并村（社区）级区划。"))
    parents = {v.parent_id for v in villages}
    if len(parents) != 1:
        names = "、".join(f"{v.name}（{v.parent}）" for v in villages)
        raise ValidationError(_("不能合并不同街道（乡镇）的村：%(names)s。") % {"names": names})
    closed = [v.name for v in villages if not v.is_current or (v.valid_to and v.valid_to <= on)]
    if closed:
        raise ValidationError(_("这些村已撤销，不能再合并：%(v)s。") % {"v": "、".join(closed)})
    if any(on <= v.valid_from for v in villages):
        raise ValidationError(_("合并日期必须晚于各村的起始日期。"))
    parent = villages[0].parent
    assert parent is not None  # a village always has its subdistrict
    if not scope.can_admin(parent.path):
        raise ValidationError(_("您无权调整“%(name)s”的村居。") % {"name": parent.name})

    successor = do_create_region(
        code=code,
        name=name,
        level=Level.VILLAGE,
        parent=parent,
        actor=actor,
        scope=scope,
        valid_from=on,
        note=f"由{'、'.join(v.name for v in villages)}合并设立",
    )
    seq = 0
    grids: dict[Region, Region] = {}
    for village in villages:
        for grid in Region.objects.filter(parent=village).current(on).order_by("code"):
            seq += 1
            new_grid = do_create_region(
                code=f"{successor.code}{seq:03d}",
                name=f"{name}{seq}号网格（原{grid.name}）",
                level=Level.GRID,
                parent=successor,
                actor=actor,
                scope=scope,
                valid_from=on,
                boundary=grid.boundary,
                center_lng=grid.center_lng,
                center_lat=grid.center_lat,
                is_synthetic=grid.is_synthetic,
            )
            grids[grid] = new_grid
    for carry in _CARRIERS:
        carry(villages=villages, successor=successor, grids=grids, actor=actor, reason=reason)
    for grid, new_grid in grids.items():
        Region.objects.filter(pk=grid.pk).update(valid_to=on, successor=new_grid)
        audit.record(
            actor,
            "region.close",
            grid,
            changes={"valid_to": [None, on.isoformat()], "successor": [None, str(new_grid)]},
            reason=reason,
        )
    for village in villages:
        Region.objects.filter(pk=village.pk).update(valid_to=on, successor=successor)
        audit.record(
            actor,
            "region.merge",
            village,
            changes={"valid_to": [None, on.isoformat()], "successor": [None, str(successor)]},
            reason=reason,
        )
    return successor
