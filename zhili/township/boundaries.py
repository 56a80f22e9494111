"""Village and grid boundaries from a GeoJSON or KML file, as a surveying office or a map tool exports them: each
feature (Placemark) found by its code or its name — a village's ("孔家坊" is 孔家坊村) or a grid's as
"村名/网格名" — and its polygon checked as the region form checks one (regions/geo.py: WGS-84, closed rings,
inside China). Read with the standard library: json, and ElementTree for KML, refusing any DTD (no entities,
nothing fetched)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from zhili.excel import values as xv
from zhili.regions import geo
from zhili.regions.models import Region

CODE_KEYS = ("code", "区划代码", "CODE", "adcode", "网格编码", "gb")
NAME_KEYS = ("name", "名称", "NAME", "村（社区）", "村名", "网格", "Name")
MAX_BYTES = 20 * 1024 * 1024


class BoundaryFileError(ValueError):
    pass


@dataclass
class Found:
    matched: list[tuple[Region, dict]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _features_geojson(data: bytes) -> list[tuple[str, str, dict | None]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BoundaryFileError(_("边界文件不是有效的 GeoJSON（UTF-8 编码的 JSON）。")) from None
    features = doc.get("features") if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" else None
    if not isinstance(features, list):
        raise BoundaryFileError(_("GeoJSON 应是 FeatureCollection：每个村（社区）或网格一个 Feature。"))
    out = []
    for f in features:
        props = (f or {}).get("properties") or {}
        code = next((str(props[k]).strip() for k in CODE_KEYS if props.get(k) not in (None, "")), "")
        name = next((str(props[k]).strip() for k in NAME_KEYS if props.get(k) not in (None, "")), "")
        out.append((code, name, (f or {}).get("geometry")))
    return out


def _ring(text: str) -> list[list[float]]:
    points = []
    for chunk in text.split():
        parts = chunk.split(",")
        try:
            points.append([float(parts[0]), float(parts[1])])
        except (ValueError, IndexError):
            raise BoundaryFileError(_("KML 坐标“%(v)s”无法读取：应为“经度,纬度”。") % {"v": chunk[:40]}) from None
    return points


def _features_kml(data: bytes) -> list[tuple[str, str, dict | None]]:
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise BoundaryFileError(_("KML 文件中不能有 DOCTYPE 或实体声明。"))
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        raise BoundaryFileError(_("边界文件不是有效的 KML。")) from None
    out = []
    for placemark in root.iter():
        if not placemark.tag.endswith("Placemark"):
            continue
        name, code, polygons = "", "", []
        for el in placemark.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "name" and not name:
                name = (el.text or "").strip()
            elif tag in ("Data", "SimpleData") and el.get("name") in CODE_KEYS:
                value = el.text if tag == "SimpleData" else next((c.text for c in el if c.tag.endswith("value")), "")
                code = (value or "").strip()
            elif tag == "Polygon":
                outer = next((c for c in el if c.tag.endswith("outerBoundaryIs")), None)
                coords = (
                    None if outer is None else next((c for c in outer.iter() if c.tag.endswith("coordinates")), None)
                )
                if coords is not None and coords.text:
                    polygons.append([_ring(coords.text)])
        geometry = None
        if len(polygons) == 1:
            geometry = {"type": "Polygon", "coordinates": polygons[0]}
        elif polygons:
            geometry = {"type": "MultiPolygon", "coordinates": polygons}
        out.append((code, name, geometry))
    if not out:
        raise BoundaryFileError(_("KML 中没有 Placemark。"))
    return out


def read(data: bytes, filename: str) -> list[tuple[str, str, dict | None]]:
    """(code, name, geometry) of every feature in a .geojson/.json or .kml file."""
    if len(data) > MAX_BYTES:
        raise BoundaryFileError(_("边界文件超过 20 MB。"))
    name = filename.lower()
    if name.endswith(".kml"):
        return _features_kml(data)
    if name.endswith((".geojson", ".json")):
        return _features_geojson(data)
    raise BoundaryFileError(_("边界文件请用 GeoJSON（.geojson）或 KML（.kml）。"))


def match(features: list[tuple[str, str, dict | None]], township: Region, regions: list[Region]) -> Found:
    """Each feature's region of the township (by code, else by name) with its checked geometry; every feature that
    cannot be placed or drawn is a problem, named."""
    by_code = {r.code: r for r in regions}
    villages = {r.name: r for r in regions if r.parent_id == township.pk}
    by_path = {r.path: r for r in regions}
    names: dict[str, Region] = dict(villages)
    for r in regions:
        parent = by_path.get(r.path[: -len(r.code) - 1])
        if parent is not None and parent.parent_id == township.pk:
            names[f"{parent.name}/{r.name}"] = names[f"{parent.name}{r.name}"] = r
    matcher = xv.RegionMatcher(names)
    found = Found()
    seen: set[int] = set()
    for i, (code, name, geometry) in enumerate(features, start=1):
        label = f"第 {i} 个要素（{name or code or '无名称'}）"
        region = by_code.get(code) if code else None
        if region is None and name:
            try:
                region = matcher.match(name).value
            except xv.ValueProblem:
                region = None
        if region is None:
            found.problems.append(f"{label}：找不到对应的村（社区）或网格（网格名称请写成“村名/网格名”）。")
            continue
        problem = geo.validate_geometry(geometry)
        if problem or geometry is None:
            found.problems.append(f"{label}：{problem or '没有面状边界。'}")
            continue
        if region.pk in seen:
            found.problems.append(f"{label}：“{region.name}”的边界在文件中出现了两次。")
            continue
        seen.add(region.pk)
        found.matched.append((region, geometry))
    return found
