"""Boundaries drawn as plain SVG on the server: a map that needs no tile server and no script.

Coordinates are WGS-84 (lng, lat) as stored; the drawing scales longitude by cos(latitude) so shapes keep
their proportions. Later issues add a Leaflet map with a configurable tile URL; this stays the fallback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def rings(geometry: dict | None) -> list[list[tuple[float, float]]]:
    """Outer rings of a GeoJSON Polygon or MultiPolygon (holes are not drawn)."""
    if not geometry:
        return []
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    try:
        if kind == "Polygon":
            return [[(float(x), float(y)) for x, y, *_ in coords[0]]] if coords else []
        if kind == "MultiPolygon":
            return [[(float(x), float(y)) for x, y, *_ in poly[0]] for poly in coords if poly]
    except (TypeError, ValueError, IndexError):
        return []
    return []


def validate_geometry(geometry: dict | None) -> str | None:
    """None when `geometry` is a usable WGS-84 Polygon/MultiPolygon, else a sentence saying why not."""
    if geometry is None:
        return None
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return "边界必须是 GeoJSON 的 Polygon 或 MultiPolygon。"
    rs = rings(geometry)
    if not rs:
        return "边界坐标无法读取：应为 [[[经度, 纬度], …]] 形式。"
    for ring in rs:
        if len(ring) < 4 or ring[0] != ring[-1]:
            return "边界的每个环至少 4 个点，且首尾坐标相同（闭合）。"
        for lng, lat in ring:
            if not (73 <= lng <= 136 and 3 <= lat <= 54):
                return f"坐标 ({lng}, {lat}) 不在中国境内：请使用 WGS-84 经纬度，经度在前。"
    return None


@dataclass
class Shape:
    label: str
    url: str
    points: str
    label_x: float
    label_y: float
    css: str = ""


@dataclass
class Drawing:
    width: int
    height: int
    shapes: list[Shape]


def draw(items: list[tuple[str, str, dict | None, str]], width: int = 640) -> Drawing | None:
    """items: (label, url, geometry, css class). Returns None when nothing has a boundary."""
    all_points = [p for _, _, g, _ in items for ring in rings(g) for p in ring]
    if not all_points:
        return None
    min_x = min(p[0] for p in all_points)
    max_x = max(p[0] for p in all_points)
    min_y = min(p[1] for p in all_points)
    max_y = max(p[1] for p in all_points)
    kx = math.cos(math.radians((min_y + max_y) / 2))
    span_x = max((max_x - min_x) * kx, 1e-9)
    span_y = max(max_y - min_y, 1e-9)
    pad = 8
    scale = (width - 2 * pad) / span_x
    height = int(span_y * scale + 2 * pad)
    if height > width * 1.5:  # very tall shapes: fit the height instead, and narrow the drawing to match
        scale = (width * 1.5 - 2 * pad) / span_y
        height = int(width * 1.5)
        width = int(span_x * scale + 2 * pad)

    def xy(p: tuple[float, float]) -> tuple[float, float]:
        return pad + (p[0] - min_x) * kx * scale, pad + (max_y - p[1]) * scale

    shapes = []
    for label, url, geometry, css in items:
        for ring in rings(geometry):
            pts = [xy(p) for p in ring]
            cx = sum(x for x, _ in pts[:-1]) / max(len(pts) - 1, 1)
            cy = sum(y for _, y in pts[:-1]) / max(len(pts) - 1, 1)
            shapes.append(Shape(label, url, " ".join(f"{x:.1f},{y:.1f}" for x, y in pts), cx, cy, css))
    return Drawing(width, height, shapes)


# ---- points: is a reported location inside a region, how far apart are two points ----------------

EARTH_RADIUS_M = 6_371_008.8


def contains(geometry: dict | None, lng: float, lat: float) -> bool:
    """Whether the WGS-84 point lies inside (or on the edge of) the Polygon/MultiPolygon (shapely)."""
    if not geometry:
        return False
    from shapely.geometry import Point, shape

    try:
        return shape(geometry).intersects(Point(float(lng), float(lat)))
    except (ValueError, TypeError, AttributeError):
        return False


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine; metres matter here, not millimetres)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bbox_around(lng: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lng, min_lat, max_lng, max_lat) of a square holding the circle: an index-friendly prefilter."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlng = dlat / max(math.cos(math.radians(float(lat))), 1e-6)
    return float(lng) - dlng, float(lat) - dlat, float(lng) + dlng, float(lat) + dlat
