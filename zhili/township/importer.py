"""A township's rosters as importers of the one import pipeline (zhili/imports): the village and grid roster
(村居名册) and the staff roster (花名册). The pipeline reads the file, finds the header under title rows, skips
合计 and signature rows, previews every row with its errors in Chinese, and writes nothing until a person
confirms — all rows or only the valid ones.

Both import into a township (the target is its Region) and are asked of `policy.import_roster`. Their records
(regions; people and their roles) are written only when the import publishes: new ones and updates alike are
staged (`StagedChange`) and applied in the publishing transaction, each update only if its record still holds
what the preview read, so nobody sees half a roster and nothing is overwritten unseen.

- **Village roster**: one row per village (or community) or per grid. A row's key is the village's name as kept
  ("孔家坊" of type 村 is "孔家坊村"; an existing village is found by its code or by the names offices write) or
  "village/grid". A re-import updates by code or name and never duplicates; villages missing from the file are
  left alone (closing or merging a village is the region page's). Codes are assigned in sequence when the file
  has none; a code, once given, stays.
- **花名册**: one row per person. A re-import finds a person by 账号 or by 手机号 and never duplicates; their roles
  in the township become the row's — roles the row no longer names are ended with the import as their reason,
  never deleted. New accounts get a one-time initial password (written once to a file the importer offers for
  download, see actions.passwords_path) and must change it when they first sign in. A unit (科室) the file names
  that the township does not have yet is added with the import (the preview warns: 新增单位).
"""

from __future__ import annotations

import io
import secrets
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core import audit
from zhili.excel import values as xv
from zhili.excel import writing
from zhili.imports.models import ImportJob, StagedChange
from zhili.imports.registry import CleanedRow, Column, Importer, RowProblem, Urls, register
from zhili.people import policy
from zhili.people.actions import MOBILE_RE, USERNAME_RE
from zhili.people.models import ROLE_REGION_LEVELS, Person, Role, RoleAssignment, Unit
from zhili.people.scope import GUARDED_ROLES
from zhili.regions.actions import check_centre, validate_code
from zhili.regions.models import PATH_SEP, Level, Region, path_prefix_q
from zhili.township import actions, words

REGIONS = "regions"
PEOPLE = "people"


Problem = RowProblem
Row = CleanedRow


def _text(raw: Any, limit: int = 100) -> str:
    try:
        return xv.parse_text(raw, max_length=limit).value or ""
    except xv.ValueProblem:
        return str(raw)[:limit]


def _coordinate(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value):.6f}"


class _RosterImporter(Importer):
    """What both rosters share: the township is the target and the region of every row; rights are
    `policy.import_roster`; everything is staged and applied when the job publishes."""

    where = "乡镇（街道）"
    url_name = ""
    column_list: list[Column] = []

    def name(self, township: Region) -> str:
        return f"{township.name}{self.label}"

    def columns(self, township: Region) -> list[Column]:
        return self.column_list

    def target(self, job: ImportJob) -> Region:
        cached = job.__dict__.get("_township")
        if cached is None or cached.pk != job.target_id:
            cached = job.__dict__["_township"] = Region.objects.get(pk=job.target_id)
        return cached

    def region(self, township: Region) -> Region:
        return township

    def urls(self, township: Region) -> Urls:
        name, code = self.url_name, township.code
        return Urls(
            target=reverse(f"township:{name}_import", args=[code]),
            upload=reverse(f"township:{name}_import", args=[code]),
            job=lambda pk: reverse(f"township:{name}_import_job", args=[code, pk]),
            rejected=lambda pk: reverse(f"township:{name}_import_rejected", args=[code, pk]),
        )

    def may_import(self, scope, township: Region) -> bool:
        return policy.import_roster(scope, township)

    def may_write(self, scope, township: Region, region: Region) -> bool:
        return policy.import_roster(scope, township)

    def regions(self, township: Region) -> dict[int, Region]:
        return {township.pk: township}

    def row_repr(self, township: Region, object_id: int) -> str:
        return township.__dict__.get("_import_names", {}).get(object_id) or f"#{object_id}"


class _StagedWriter:
    """New records and updates alike staged, and written when the job publishes (`apply`): a new one created, an
    existing one changed only if it still holds what the commit read (else the import is refused)."""

    labels: dict[str, str] = {}

    def __init__(self, job, township: Region, actor, now, allowed: Callable[[int], bool]):
        self.job, self.township, self.actor, self.now, self.allowed = job, township, actor, now, allowed
        self.names: dict[int, str] = township.__dict__.setdefault("_import_names", {})

    def _changes(self, old: dict | None, new: dict) -> dict:
        return {
            self.labels.get(k, k): [None if old is None else old.get(k), new.get(k)]
            for k in new
            if old is None or old.get(k) != new.get(k)
        }

    def add(self, rows: list[tuple[int, str, str]]) -> None:
        import json

        StagedChange.objects.bulk_create(
            [
                StagedChange(
                    job=self.job,
                    object_id=0,
                    revision=0,
                    payload={"key": key, "data": json.loads(data_json)},
                    changes=self._changes(None, json.loads(data_json)),
                    region_path=self.township.path,
                )
                for _region_id, data_json, key in rows
            ]
        )

    def stage(self, updates: list[tuple[str, dict, int]]) -> list[StagedChange]:
        current = self.current({key for key, _, _ in updates})
        out = []
        for key, data, _region_id in updates:
            found = current.get(key)
            if found is None:
                from zhili.imports.pipeline import ImportConflict

                raise ImportConflict(
                    _("导入期间有记录被他人修改，为避免覆盖对方的修改，未写入任何数据。请重新上传文件预览后再导入。")
                )
            pk, old = found
            out.append(
                StagedChange(
                    job=self.job,
                    object_id=pk,
                    revision=0,
                    payload={"key": key, "data": data, "old": old},
                    changes=self._changes(old, data),
                    region_path=self.township.path,
                )
            )
        return out

    def apply(self, changes: list[StagedChange]) -> int:
        done = 0
        keys = {c.payload["key"] for c in changes if c.object_id}
        current = self.current(keys) if keys else {}
        for c in changes:
            key, data = c.payload["key"], c.payload["data"]
            if c.object_id:
                found = current.get(key)
                if found is None or found[0] != c.object_id or found[1] != c.payload["old"]:
                    continue  # changed by someone since it was read: the pipeline refuses the whole import
                self.update(c.object_id, key, c.payload["old"], data)
            else:
                c.object_id = self.create(key, data)
                if not c.object_id:
                    continue
            done += 1
        self.finish()
        return done

    def discard(self) -> None:
        """Nothing was written before publishing: staged changes are the pipeline's to remove."""

    # what each roster says
    def current(self, keys: set[str]) -> dict[str, tuple[int, dict]]:
        raise NotImplementedError

    def create(self, key: str, data: dict) -> int:
        raise NotImplementedError

    def update(self, pk: int, key: str, old: dict, data: dict) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        pass


# ---- the village and grid roster -------------------------------------------------------------------------

REGION_COLUMNS = [
    Column(
        "village",
        ("村（社区）", "村居", "村（居）", "村居名称", "村名", "村庄名称", "行政村", "社区名称", "所属村（社区）"),
        True,
    ),
    Column("kind", ("类型", "村居类型", "类别")),
    Column("code", ("区划代码", "村级区划代码", "统计用区划代码", "村（社区）代码", "代码")),
    Column("grid", ("网格", "网格名称")),
    Column("grid_code", ("网格编码", "网格代码", "网格编号")),
    Column("lng", ("经度", "中心经度")),
    Column("lat", ("纬度", "中心纬度")),
]
REGION_LABELS = {c.key: c.label for c in REGION_COLUMNS}


def _village_data(village: Region, grid: Region | None = None) -> dict:
    at = grid or village
    return {
        "village": village.name,
        "code": village.code,
        "grid": grid.name if grid else "",
        "grid_code": grid.code if grid else "",
        "lng": _coordinate(at.center_lng),
        "lat": _coordinate(at.center_lat),
    }


class _Places:
    """The township's current villages and grids, as the roster and the writer find them."""

    def __init__(self, township: Region):
        kids = list(
            Region.objects.current()
            .filter(path_prefix_q("path", township.path), level__in=(Level.VILLAGE, Level.GRID))
            .order_by("path")
        )
        self.villages = {r.name: r for r in kids if r.level == Level.VILLAGE}
        by_path = {r.path: r for r in kids if r.level == Level.VILLAGE}
        self.grids: dict[tuple[str, str], tuple[Region, Region]] = {}
        for r in kids:
            if r.level == Level.GRID:
                village = by_path.get(Region.path_at(r.path, Level.VILLAGE))
                if village is not None:
                    self.grids[(village.name, r.name)] = (village, r)
        self.by_code = {r.code: r for r in kids}
        self.taken_codes = set(
            Region.objects.filter(path_prefix_q("path", township.path)).values_list("code", flat=True)
        )


class RegionCleaner:
    keys = [c.key for c in REGION_COLUMNS]
    key = ["village", "grid"]
    key_label = "村（社区）/网格"

    def __init__(self, township: Region):
        self.township = township
        self.places = _Places(township)
        self.matcher = xv.RegionMatcher(self.places.villages)
        self.codes: dict[str, tuple[str, int]] = {}  # village name → (code in this file, first row)
        self.code_names: dict[str, str] = {}  # code in this file → village name
        self.row = 0

    def _code(self, out: Row, raw: Any, label: str, length: int, parent_code: str, what: str) -> str:
        code = _text(raw, 40).replace(" ", "")
        if not code:
            return ""
        if not (code.isascii() and code.isdigit() and len(code) == length):
            out.error(label, raw, _("%(what)s代码应为 %(length)s 位数字。") % {"what": what, "length": length})
            return ""
        if not code.startswith(parent_code):
            out.error(
                label,
                raw,
                _("%(what)s代码应以%(v)s的代码 %(parent_code)s 开头。")
                % {
                    "what": what,
                    "v": "本乡镇（街道）" if length == 12 else "所属村（社区）",
                    "parent_code": parent_code,
                },
            )
            return ""
        return code

    def clean_cells(self, cells: list) -> Row:
        village_raw, kind_raw, code_raw, grid_raw, grid_code_raw, lng_raw, lat_raw = cells
        self.row += 1
        out = Row(region=self.township, key_label=self.key_label)
        text = _text(village_raw)
        grid = _text(grid_raw, 100)
        if not text:
            out.error("村（社区）", village_raw, "网格所属的村（社区）为空。" if grid else "村（社区）不能为空。")
            return out
        kind = None
        if _text(kind_raw):
            kind = words.kind_of(_text(kind_raw))
            if kind is None:
                out.error("类型", kind_raw, _("类型应为“村”或“社区”。"))
        code = self._code(out, code_raw, "区划代码", 12, self.township.code, "村（社区）")
        existing = self.places.by_code.get(code) if code else None
        if existing is not None and existing.level != Level.VILLAGE:
            out.error(
                "区划代码",
                code_raw,
                _("代码 %(code)s 已是网格“%(name)s”的代码。") % {"code": code, "name": existing.name},
            )
            existing = None
        if existing is None:
            try:
                existing = self.matcher.match(text).value
            except xv.ValueProblem:
                existing = None
            if existing is not None and code and existing.code != code:
                out.error(
                    "区划代码",
                    code_raw,
                    _("“%(name)s”已登记代码 %(code)s，与此行的代码不同（代码登记后不能更改）。")
                    % {"name": existing.name, "code": existing.code},
                )
        name = existing.name if existing is not None else words.village_name(text, kind)
        code = code or (existing.code if existing is not None else "")
        first = self.codes.get(name)
        if first is not None and code and first[0] and first[0] != code:
            out.error(
                "区划代码",
                code_raw,
                _("“%(name)s”在第 %(v)s 行的代码是 %(v2)s，此行是 %(code)s：同一村（社区）只能有一个代码。")
                % {"name": name, "v": first[1], "v2": first[0], "code": code},
            )
        elif code and self.code_names.get(code, name) != name:
            out.error(
                "区划代码",
                code_raw,
                _("代码 %(code)s 在本文件中已用于“%(v)s”。") % {"code": code, "v": self.code_names[code]},
            )
        if first is None or (code and not first[0]):
            self.codes[name] = (code, self.row)
        if code:
            self.code_names.setdefault(code, name)
        if first is not None and not code:
            code = first[0]

        grid_code = ""
        found_grid = self.places.grids.get((name, grid)) if grid else None
        if grid:
            grid_code = self._code(out, grid_code_raw, "网格编码", 15, code or self.township.code, "网格")
            if found_grid is not None and grid_code and found_grid[1].code != grid_code:
                out.error(
                    "网格编码",
                    grid_code_raw,
                    _("网格“%(grid)s”已登记编码 %(code)s，与此行不同（编码登记后不能更改）。")
                    % {"grid": grid, "code": found_grid[1].code},
                )
            grid_code = grid_code or (found_grid[1].code if found_grid else "")
        elif _text(grid_code_raw):
            out.error("网格编码", grid_code_raw, _("有网格编码却没有网格名称。"))

        at = found_grid[1] if found_grid else (existing if not grid else None)
        lng, lat = self._centre(out, lng_raw, lat_raw)
        if lng is None and lat is None and at is not None:
            lng, lat = _coordinate(at.center_lng), _coordinate(at.center_lat)
        out.data = {"village": name, "code": code, "grid": grid, "grid_code": grid_code, "lng": lng, "lat": lat}
        out.key_value = out.key_display = f"{name}/{grid}" if grid else name
        return out

    def _centre(self, out: Row, lng_raw: Any, lat_raw: Any) -> tuple[str | None, str | None]:
        values = []
        for label, raw in (("经度", lng_raw), ("纬度", lat_raw)):
            try:
                values.append(xv.parse_decimal(raw, decimals=6).value)
            except xv.ValueProblem as exc:
                out.error(label, raw, str(exc))
                values.append(None)
        lng, lat = values
        if (lng is None) != (lat is None) and not out.errors:
            out.error(
                "经度" if lng is None else "纬度",
                lng_raw if lng is None else lat_raw,
                _("经度和纬度要么都填，要么都不填。"),
            )
            return None, None
        try:
            check_centre(lng, lat)
        except ValidationError as exc:
            out.error("经度", lng_raw, "；".join(exc.messages))
            return None, None
        return _coordinate(lng), _coordinate(lat)


class RegionRosterImporter(_RosterImporter):
    key = REGIONS
    label = "村居名册"
    audit_action = "region.roster_import"
    row_audit_action = "region.import"
    row_model = Region
    url_name = "regions"
    column_list = REGION_COLUMNS

    def crumbs(self, township: Region) -> list[tuple[str, str]]:
        return [
            (township.name, reverse("region_detail", args=[township.code])),
            (_("导入村居名册"), self.urls(township).target),
        ]

    def cleaner(self, township: Region, scope, units) -> RegionCleaner:
        return RegionCleaner(township)

    def region_label(self, township: Region) -> str:
        return "村（社区）"

    def existing(self, township: Region) -> Iterable[tuple[str, int, dict, int]]:
        places = _Places(township)
        for village in places.villages.values():
            yield village.name, village.pk, _village_data(village), township.pk
        for (vname, gname), (village, grid) in places.grids.items():
            yield f"{vname}/{gname}", grid.pk, _village_data(village, grid), township.pk

    def writer(self, job, township, actor, now, allowed) -> RegionWriter:
        return RegionWriter(job, township, actor, now, allowed)


class RegionWriter(_StagedWriter):
    labels = REGION_LABELS

    def __init__(self, *args):
        super().__init__(*args)
        self.places = _Places(self.township)

    def current(self, keys: set[str]) -> dict[str, tuple[int, dict]]:
        out = {}
        for name, village in self.places.villages.items():
            if name in keys:
                out[name] = (village.pk, _village_data(village))
        for (vname, gname), (village, grid) in self.places.grids.items():
            key = f"{vname}/{gname}"
            if key in keys:
                out[key] = (grid.pk, _village_data(village, grid))
        return out

    def _next_code(self, parent: Region, width: int = 3) -> str:
        start = 1 if parent.level == Level.VILLAGE else 201
        for n in range(start, 10**width):
            code = f"{parent.code}{n:0{width}d}"
            if code not in self.places.taken_codes:
                return code
        raise ValidationError(_("“%(name)s”下的代码已用完。") % {"name": parent.name})

    def _make(self, parent: Region, level: Level, name: str, code: str, lng, lat) -> Region:
        code = code or self._next_code(parent)
        validate_code(code, level, parent)
        if code in self.places.taken_codes:
            from zhili.imports.pipeline import ImportConflict

            raise ImportConflict(
                _("区划代码 %(code)s 已被使用，未写入任何数据。请重新上传文件预览后再导入。") % {"code": code}
            )
        region = Region.objects.create(
            code=code,
            name=name,
            level=level,
            parent=parent,
            path=parent.path + code + PATH_SEP,
            center_lng=lng,
            center_lat=lat,
        )  # valid_from: the model's default — a roster says what is, not since when (years before Zhili count)
        self.places.taken_codes.add(code)
        self.places.by_code[code] = region
        self.names[region.pk] = name
        return region

    def _village(self, data: dict) -> Region:
        village = self.places.villages.get(data["village"])
        if village is None:
            grid_row = bool(data["grid"])
            village = self._make(
                self.township,
                Level.VILLAGE,
                data["village"],
                data["code"],
                None if grid_row else data["lng"],
                None if grid_row else data["lat"],
            )
            self.places.villages[village.name] = village
        return village

    def create(self, key: str, data: dict) -> int:
        if not data["grid"]:
            if data["village"] in self.places.villages:  # made by a grid row above it
                village = self.places.villages[data["village"]]
                self.update(village.pk, key, _village_data(village), data)
                return village.pk
            return self._village(data).pk
        village = self._village(data)
        if (village.name, data["grid"]) in self.places.grids:
            return 0
        grid = self._make(village, Level.GRID, data["grid"], data["grid_code"], data["lng"], data["lat"])
        self.places.grids[(village.name, grid.name)] = (village, grid)
        return grid.pk

    def update(self, pk: int, key: str, old: dict, data: dict) -> None:
        region = Region.objects.select_for_update().get(pk=pk)
        region.center_lng, region.center_lat = data["lng"], data["lat"]
        if not data["grid"] and region.name != data["village"]:
            region.name = data["village"]
        region.save(update_fields=["center_lng", "center_lat", "name", "modified_at"])
        self.names[pk] = region.name


REGION_ROSTER = register(RegionRosterImporter())


# ---- the staff roster (花名册) ----------------------------------------------------------------------------

PEOPLE_COLUMNS = [
    Column("full_name", ("姓名", "人员姓名"), True),
    Column("username", ("账号", "登录名", "用户名", "系统账号")),
    Column("phone", ("手机号", "手机", "手机号码", "联系电话", "联系方式", "电话")),
    Column("place", ("单位或村（社区）", "单位", "工作单位", "所在单位", "科室", "部门", "单位（村居）")),
    Column("title", ("职务", "职位", "岗位")),
    Column("role", ("角色", "系统角色", "权限", "身份"), True),
    Column("area", ("负责区域", "负责村（社区）", "包保区域", "负责网格", "分管区域")),
]
PEOPLE_LABELS = {c.key: c.label for c in PEOPLE_COLUMNS} | {"region": "所属区划", "roles": "角色"}
PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def initial_password() -> str:
    """12 characters a person can copy from a sheet (no 0/O, 1/l/I), with upper- and lower-case letters and digits
    (three kinds of four: the password rules of people/validators.py)."""
    while True:
        pw = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in pw) and any(c.isupper() for c in pw) and any(c.islower() for c in pw):
            return pw


@dataclass
class _Known:
    pk: int
    username: str
    phone: str
    path: str
    active: bool


class _Township:
    """The township's places (villages, grids), units and people, as the 花名册 and its writer find them."""

    def __init__(self, township: Region):
        self.township = township
        self.places = _Places(township)
        self.regions: dict[str, Region] = {township.code: township} | self.places.by_code
        self.by_path = {r.path: r for r in self.regions.values()}
        areas: dict[str, Region] = {township.name: township, **self.places.villages}
        grid_names: dict[str, list[Region]] = {}
        for (vname, gname), (_v, grid) in self.places.grids.items():
            areas[f"{vname}{gname}"] = areas[f"{vname}/{gname}"] = grid
            grid_names.setdefault(gname, []).append(grid)
        for gname, grids in grid_names.items():
            if len(grids) == 1 and gname not in areas:
                areas[gname] = grids[0]
        self.areas = xv.RegionMatcher(areas)
        self.villages = xv.RegionMatcher({township.name: township, **self.places.villages})
        self.units = {u.name: u for u in Unit.objects.filter(region=township, archived_at__isnull=True)}
        self.unit_words: dict[str, str] = {}
        for name in self.units:
            self.unit_words[_squeeze(name)] = name
            if "（" in name and name.endswith("）"):  # "经济发展办公室（经发办）": 经发办 too
                self.unit_words.setdefault(_squeeze(name[name.index("（") + 1 : -1]), name)
                self.unit_words.setdefault(_squeeze(name[: name.index("（")]), name)

    def unit(self, text: str) -> str | None:
        return self.unit_words.get(_squeeze(text))


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _person_data(person: Person, roles: list[RoleAssignment], regions: dict[int, Region]) -> dict:
    unit = next((r.unit.name for r in roles if r.unit_id), person.unit.name if person.unit_id else "")
    return {
        "username": person.username,
        "full_name": person.full_name,
        "phone": person.phone,
        "title": person.title,
        "unit": unit or "",
        "region": regions[person.region_id].code if person.region_id in regions else "",
        "roles": sorted(f"{r.role}@{regions[r.region_id].code}" for r in roles if r.region_id in regions),
    }


def _people_of(township: Region) -> tuple[list[Person], dict[int, list[RoleAssignment]], dict[int, Region]]:
    """The township's active people with their roles there that have not ended, in three queries."""
    regions = {r.pk: r for r in Region.objects.filter(path_prefix_q("path", township.path))}
    people = list(Person.objects.filter(region_id__in=regions, is_active=True).select_related("unit").order_by("pk"))
    roles: dict[int, list[RoleAssignment]] = {}
    for ra in (
        RoleAssignment.objects.not_ended()
        .filter(person__in=people, region_id__in=regions)
        .select_related("unit")
        .order_by("pk")
    ):
        roles.setdefault(ra.person_id, []).append(ra)
    return people, roles, regions


def _absent(township: Region, actor_id: int | None, keys: set[str]) -> list[tuple[Person, dict]]:
    """The township's people with roles there whom a 花名册 no longer lists (never the person importing it), with
    their data as the importer reads it."""
    people, roles, regions = _people_of(township)
    return [
        (p, _person_data(p, roles[p.pk], regions))
        for p in people
        if p.username not in keys and p.pk != actor_id and roles.get(p.pk)
    ]


class PeopleCleaner:
    keys = [c.key for c in PEOPLE_COLUMNS]
    key = ["username"]
    key_label = "账号"

    def __init__(self, township: Region, scope):
        self.township, self.scope = township, scope
        self.where = _Township(township)
        self.by_username: dict[str, _Known] = {}
        self.by_phone: dict[str, _Known] = {}
        for pk, username, phone, path, active in Person.objects.values_list(
            "pk", "username", "phone", "region__path", "is_active"
        ):
            known = _Known(pk, username, phone or "", path or "", active)
            self.by_username[username.casefold()] = known
            if phone:
                self.by_phone.setdefault(phone, known)
        self.own_roles: dict[str, list[str]] = {}
        self.held: dict[str, set[str]] = {}  # each account's roles now, "role@code"
        people, roles, regions = _people_of(township)
        for p in people:
            held = _person_data(p, roles.get(p.pk, []), regions)["roles"]
            self.held[p.username.casefold()] = set(held)
            if p.pk == scope.person_id:
                self.own_roles[p.username] = held
        self.new_units: dict[str, int] = {}

    def clean_cells(self, cells: list) -> Row:
        full_name_raw, username_raw, phone_raw, place_raw, title_raw, role_raw, area_raw = cells
        out = Row(region=self.township, key_label=self.key_label)
        full_name, title = _text(full_name_raw, 50), _text(title_raw, 100)
        if not full_name:
            out.error("姓名", full_name_raw, _("姓名不能为空。"))
        phone = ""
        try:
            phone = xv.parse_phone(phone_raw).value or ""
        except xv.ValueProblem as exc:
            out.error("手机号", phone_raw, str(exc))
        if phone and not MOBILE_RE.match(phone):
            out.error("手机号", phone_raw, _("手机号应为 1 开头的 11 位数字（座机号不能用作账号的手机号）。"))
            phone = ""
        username = _text(username_raw, 150)
        if username and not USERNAME_RE.match(username):
            out.error("账号", username_raw, _("账号只能包含字母、数字和 @ . + - _。"))
            username = ""
        person = self._person(out, username, phone, username_raw, phone_raw)
        if not username and not phone and not out.errors:
            out.error("手机号", phone_raw, _("手机号和账号至少填写一项：没有账号时，以手机号作为登录账号。"))
        username = person.username if person is not None else (username or phone)

        place_text = _text(place_raw)
        village, unit = self._place(out, place_text)
        roles: list[str] = []
        try:
            wanted = words.roles_in(_text(role_raw, 200))
        except words.UnknownRole as exc:
            out.error("角色", role_raw, words.unknown_role_sentence(str(exc)))
            wanted = []
        if not wanted and not out.errors:
            out.error("角色", role_raw, _("角色不能为空。"))
        area = self._area(out, area_raw, village)
        home = area
        held = self.held.get(person.username.casefold(), set()) if person is not None else set()
        for role in wanted:
            bound = self._bind(out, role, area, unit, area_raw)
            if bound is not None:
                if f"{role}@{bound.code}" not in held and not policy.grant_role(self.scope, role, bound):
                    # 三员分立: an administrator's role is granted by a security administrator, one at a time
                    out.error(
                        "角色",
                        role_raw,
                        _("“%(role)s”角色须由安全保密管理员在人员页面授予，不能通过名册导入。")
                        % {"role": Role(role).label},
                    )
                    continue
                roles.append(f"{role}@{bound.code}")
                if home is None or bound.level > home.level:
                    home = bound
        if unit and unit not in self.where.units and not out.errors:
            out.warnings.append(
                Problem(
                    "单位或村（社区）",
                    place_raw,
                    _("新增单位：本乡镇（街道）还没有“%(unit)s”，导入时将新建。") % {"unit": unit},
                )
            )
        if (
            person is not None
            and person.pk == self.scope.person_id
            and sorted(set(roles)) != self.own_roles.get(person.username, [])
        ):
            out.error("角色", role_raw, _("不能通过导入更改自己的角色：请由另一位系统管理员授予或结束。"))
        out.data = {
            "username": username,
            "full_name": full_name,
            "phone": phone,
            "title": title,
            "unit": unit or "",
            "region": (home or self.township).code,
            "roles": sorted(set(roles)),
        }
        out.key_value = out.key_display = username
        return out

    def _person(self, out: Row, username: str, phone: str, username_raw: Any, phone_raw: Any) -> _Known | None:
        by_name = self.by_username.get(username.casefold()) if username else None
        by_phone = self.by_phone.get(phone) if phone else None
        if username and by_name is None and by_phone is None and self.by_username.get(phone or "\0"):
            by_phone = None
        if by_name is not None and by_phone is not None and by_name.pk != by_phone.pk:
            out.error(
                "手机号",
                phone_raw,
                _("手机号 %(phone)s 已是账号“%(username)s”的，不是账号“%(username2)s”的。")
                % {"phone": phone, "username": by_phone.username, "username2": username},
            )
            return None
        if by_name is None and by_phone is not None and username:
            out.error(
                "手机号",
                phone_raw,
                _("手机号 %(phone)s 已被账号“%(username)s”使用。") % {"phone": phone, "username": by_phone.username},
            )
            return None
        person = by_name or by_phone
        if person is None and not username and phone and self.by_username.get(phone.casefold()):
            out.error(
                "账号",
                username_raw,
                _("以手机号 %(phone)s 为账号已被他人使用，请在“账号”列填写登录名。") % {"phone": phone},
            )
            return None
        if person is not None:
            if not person.path.startswith(self.township.path):
                out.error(
                    "账号",
                    username_raw or phone_raw,
                    _("此人已在其他乡镇（街道）登记，同一人不能在两个乡镇（街道）任职。"),
                )
                return None
            if not person.active:
                out.error("账号", username_raw or phone_raw, _("此人的账号已停用：请先在人员页面启用，再导入。"))
                return None
        return person

    def _place(self, out: Row, text: str) -> tuple[Region | None, str | None]:
        """The village a 单位或村（社区） cell names, or the unit (an office of the township)."""
        if not text:
            return None, None
        try:
            found = self.where.villages.match(text).value
        except xv.ValueProblem:
            found = None
        if found is not None:
            return (None if found.pk == self.township.pk else found), None
        unit = self.where.unit(text) or text[:100]
        return None, unit

    def _area(self, out: Row, raw: Any, village: Region | None) -> Region | None:
        text = _text(raw)
        if not text:
            return village
        try:
            return self.where.areas.match(text).value
        except xv.ValueProblem:
            out.error(
                "负责区域",
                raw,
                _("“%(text)s”不是本乡镇（街道）的村（社区）或网格（网格请写成“村名/网格名”）。") % {"text": text},
            )
            return None

    def _bind(self, out: Row, role: Role, area: Region | None, unit: str | None, area_raw: Any) -> Region | None:
        levels = ROLE_REGION_LEVELS[role]
        if role == Role.OFFICER:
            if not unit:
                out.error("单位或村（社区）", None, _("部门工作人员须在“单位或村（社区）”列填写所在科室（单位）。"))
                return None
            return self.township
        region = area or (self.township if Level.SUBDISTRICT in levels else None)
        if region is None:
            need = "网格" if role == Role.GRID_INSPECTOR else "村（社区）"
            out.error(
                "负责区域",
                area_raw,
                _("%(label)s须填写负责区域（一个%(need)s）。") % {"label": role.label, "need": need},
            )
            return None
        if region.level > max(levels):  # a village cadre named with their grid: the grid's village
            region = self.where.by_path.get(Region.path_at(region.path, max(levels)), self.township)
        if region.level not in levels:
            need = {Role.VILLAGE_CADRE: "村（社区）", Role.GRID_INSPECTOR: "网格"}.get(role, "乡镇（街道）")
            out.error(
                "负责区域",
                area_raw,
                _("%(label)s的负责区域应是%(need)s，“%(name)s”不是。")
                % {"label": role.label, "need": need, "name": region.name},
            )
            return None
        return region


class PeopleRosterImporter(_RosterImporter):
    key = PEOPLE
    label = "花名册"
    audit_action = "person.roster_import"
    row_audit_action = "person.import"
    row_model = Person
    url_name = "people"
    column_list = PEOPLE_COLUMNS

    def crumbs(self, township: Region) -> list[tuple[str, str]]:
        return [(_("人员与角色"), reverse("person_list")), (_("导入花名册"), self.urls(township).target)]

    def cleaner(self, township: Region, scope, units) -> PeopleCleaner:
        return PeopleCleaner(township, scope)

    def region_label(self, township: Region) -> str:
        return "负责区域"

    def existing(self, township: Region) -> Iterable[tuple[str, int, dict, int]]:
        people, roles, regions = _people_of(township)
        for p in people:
            yield p.username, p.pk, _person_data(p, roles.get(p.pk, []), regions), township.pk

    def writer(self, job, township, actor, now, allowed) -> PeopleWriter:
        return PeopleWriter(job, township, actor, now, allowed)

    ends_absent = True  # a 花名册 is the township's whole staff: roles of people it no longer lists end

    def absent_note(self, township: Region, scope, keys: set[str]) -> str:
        gone = [p.full_name for p, _ in _absent(township, scope.person_id, keys)]
        if not gone:
            return ""
        names = "、".join(gone[:10]) + ("等" if len(gone) > 10 else "")
        return f"名册中没有的 {len(gone)} 人（{names}）在本乡镇（街道）的角色将结束（账号保留，可随时重新授予）。"

    def job_links(self, township: Region, job: ImportJob) -> list[tuple[str, str]]:
        if actions.has_initial_passwords(job):
            return [
                (
                    _("下载新账号的初始密码（只能下载一次）"),
                    reverse("township:people_import_passwords", args=[township.code, job.pk]),
                )
            ]
        return []


class PeopleWriter(_StagedWriter):
    labels = PEOPLE_LABELS

    def __init__(self, *args):
        super().__init__(*args)
        self.where = _Township(self.township)
        self.passwords: list[list[str]] = []
        self.reason = f"导入花名册 {self.job.filename}"

    def current(self, keys: set[str]) -> dict[str, tuple[int, dict]]:
        people, roles, regions = _people_of(self.township)
        return {p.username: (p.pk, _person_data(p, roles.get(p.pk, []), regions)) for p in people if p.username in keys}

    def end_absent(self, seen: set[str]) -> list[StagedChange]:
        """Everyone the file no longer lists: their roles in the township ended (staged like any update)."""
        return [
            StagedChange(
                job=self.job,
                object_id=p.pk,
                revision=0,
                payload={"key": p.username, "data": {**old, "roles": []}, "old": old},
                changes=self._changes(old, {**old, "roles": []}),
                region_path=self.township.path,
            )
            for p, old in _absent(self.township, self.actor.pk if self.actor else None, seen)
        ]

    def _unit(self, name: str) -> Unit | None:
        if not name:
            return None
        unit = self.where.units.get(name)
        if unit is None:
            n = Unit.objects.filter(region=self.township).count() + 1
            code = f"unit-{n}"
            while Unit.objects.filter(region=self.township, code=code).exists():
                n += 1
                code = f"unit-{n}"
            unit = Unit.objects.create(region=self.township, code=code, name=name)
            audit.record(
                self.actor,
                "unit.create",
                unit,
                changes={"code": [None, code], "name": [None, name]},
                reason=self.reason,
            )
            self.where.units[name] = unit
        return unit

    def _roles(self, person: Person, data: dict, unit: Unit | None) -> None:
        """The person's roles in the township become the row's: new ones granted, those the row no longer names
        ended with the import as their reason."""
        wanted = set(data["roles"])
        have = {}
        for ra in RoleAssignment.objects.not_ended().filter(person=person).select_related("region"):
            if ra.region.path.startswith(self.township.path):
                have.setdefault(f"{ra.role}@{ra.region.code}", []).append(ra)
        now = timezone.now()
        for key, assignments in have.items():
            if key not in wanted:
                for ra in assignments:
                    if ra.role in GUARDED_ROLES:  # the administrators' and tip officers' roles: the security
                        continue  # administrator ends them on the people pages, never a roster

                    ra.ended_at, ra.ended_reason = now, f"{self.reason}：名册中已无此角色"
                    ra.save(update_fields=["ended_at", "ended_reason", "modified_at"])
        for key in sorted(wanted - have.keys()):
            role, code = key.split("@", 1)
            RoleAssignment.objects.create(
                person=person,
                role=role,
                region=self.where.regions[code],
                unit=unit if role == Role.OFFICER else None,
                title=data["title"],
                granted_by=self.actor,
            )

    def create(self, key: str, data: dict) -> int:
        if Person.objects.filter(username__iexact=data["username"]).exists():
            return 0  # someone took the account meanwhile: the pipeline refuses the import
        unit = self._unit(data["unit"])
        password = initial_password()
        person = Person(
            username=data["username"],
            full_name=data["full_name"],
            phone=data["phone"],
            title=data["title"],
            unit=unit,
            region=self.where.regions[data["region"]],
            must_change_password=True,
        )
        person.set_password(password)
        person.save()
        self._roles(person, data, unit)
        self.names[person.pk] = person.full_name
        roles = "、".join(self._role_text(k, data["unit"]) for k in data["roles"])
        self.passwords.append([person.full_name, person.username, password, person.phone, roles])
        return person.pk

    def _role_text(self, key: str, unit: str) -> str:
        role, code = key.split("@", 1)
        return f"{Role(role).label}（{unit if role == Role.OFFICER else self.where.regions[code].name}）"

    def update(self, pk: int, key: str, old: dict, data: dict) -> None:
        person = Person.objects.select_for_update().get(pk=pk)
        unit = self._unit(data["unit"])
        person.full_name, person.phone, person.title = data["full_name"], data["phone"], data["title"]
        person.unit = unit or person.unit
        person.region = self.where.regions[data["region"]]
        person.save(update_fields=["full_name", "phone", "title", "unit", "region"])
        self._roles(person, data, unit)
        self.names[pk] = person.full_name

    def finish(self) -> None:
        """The initial passwords of every account made so far, written beside the stored upload. The file is
        offered only once the job is done (actions.has_initial_passwords): if the publishing transaction is
        rolled back, it names accounts that do not exist, and nobody is offered it."""
        if not self.passwords:
            return
        buf = io.BytesIO()
        writing.write_xlsx(
            buf,
            title=_("%(name)s新账号初始密码") % {"name": self.township.name},
            subtitle="请逐一转交本人；首次登录后须修改密码。此文件只提供一次，转交后请删除。",
            headers=["姓名", "账号", "初始密码", "手机号", "角色"],
            rows=self.passwords,
            column_formats=["text"] * 5,
        )
        actions.passwords_path(self.job).write_bytes(buf.getvalue())


PEOPLE_ROSTER = register(PeopleRosterImporter())
