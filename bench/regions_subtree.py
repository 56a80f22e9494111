"""regions-subtree: subtree and scope queries on a synthetic city, against raw SQL on the same tables.

The city (defaults): 5 districts, 45 subdistricts, 5,000 villages, 50,000 grids, all with rectangle
boundaries. In every subdistrict two villages were merged into a third (closed on 2021-01-01, `successor`
set, their grids closed and pointing at the successor's grids), so `current()` and the predecessor walk
of `scope_for` have something to do. Around them 5,000 village cadres (one per village), and the four
people measured:

    leader     subdistrict leader of subdistrict 1 (plus an ended viewer role elsewhere)
    cadre      village cadre of subdistrict 1's merged village (reads its two predecessors too)
    inspector  grid inspector of a grid of that village (reads the two grids it replaced)
    viewer     viewer of district 1

Each query kind runs Zhili's API and a hand-written `cursor.execute()` returning the same rows; the results
are compared before anything is timed.
"""

from __future__ import annotations

import datetime
import math
import sys
import time
from dataclasses import dataclass
from decimal import Decimal

import bench

MERGED_ON = datetime.date(2021, 1, 1)
VALID_FROM = datetime.date(2000, 1, 1)
CITY_CODE = "990100"  # no province has code 99: the synthetic city never collides with a real one
SUBDISTRICTS_PER_DISTRICT = 9
MAX_SUBDISTRICTS = 45


def add_arguments(group) -> None:
    group.add_argument("--villages", type=int, default=5000, help="villages in the synthetic city (default 5000)")
    group.add_argument("--grids-per-village", type=int, default=10, help="grids per village (default 10)")


@dataclass
class City:
    city: object
    districts: list
    subdistricts: list
    merged_village: object  # subdistrict 1's successor village
    other_grid: object  # a grid in another subdistrict: outside the cadre's scope
    region_count: int
    people: dict  # role name → Person


def _rect(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _centre(west: float, south: float, east: float, north: float) -> tuple[Decimal, Decimal]:
    return Decimal(f"{(west + east) / 2:.6f}"), Decimal(f"{(south + north) / 2:.6f}")


def build_city(villages: int, grids_per_village: int) -> City:
    """Bulk-create the tree level by level (paths computed here), then the people and their roles."""
    from django.db import transaction

    from zhili.people.models import Person, Role, RoleAssignment
    from zhili.regions.models import PATH_SEP, Level, Region

    n_sub = max(2, min(MAX_SUBDISTRICTS, villages // 100))
    per_sub = [villages // n_sub + (1 if j < villages % n_sub else 0) for j in range(n_sub)]
    if max(per_sub) > 999 or grids_per_village > 999 or min(per_sub) < 3:
        raise SystemExit("regions-subtree: need 3 to 999 villages per subdistrict and at most 999 grids per village")
    n_dist = math.ceil(n_sub / SUBDISTRICTS_PER_DISTRICT)

    def region(code, name, level, parent, box=None, *, valid_from=VALID_FROM, valid_to=None):
        lng, lat = _centre(*box) if box else (None, None)
        return Region(
            code=code,
            name=name,
            level=level,
            parent=parent,
            path=(parent.path if parent else "") + code + PATH_SEP,
            boundary=_rect(*box) if box else None,
            center_lng=lng,
            center_lat=lat,
            valid_from=valid_from,
            valid_to=valid_to,
            is_synthetic=True,
        )

    def create(objs):
        created = Region.objects.bulk_create(objs, batch_size=2000)
        assert all(o.pk for o in created), "bulk_create did not return primary keys"
        return created

    with transaction.atomic():
        city = create([region(CITY_CODE, "虚构市", Level.CITY, None)])[0]
        districts = create(
            [region(f"{CITY_CODE[:4]}{d + 1:02d}", f"虚构第{d + 1}区", Level.DISTRICT, city) for d in range(n_dist)]
        )
        subs = create(
            [
                region(
                    f"{districts[j // SUBDISTRICTS_PER_DISTRICT].code}{j % SUBDISTRICTS_PER_DISTRICT + 1:03d}",
                    f"虚构第{j + 1}街道",
                    Level.SUBDISTRICT,
                    districts[j // SUBDISTRICTS_PER_DISTRICT],
                )
                for j in range(n_sub)
            ]
        )

        # Villages: a 0.02° square each, laid out in rows of 100; the last three of every subdistrict
        # are two villages merged (closed) into the third (opened on the merge date).
        village_objs, merges, box_of = [], [], {}
        vi = 0
        for j, sub in enumerate(subs):
            first = len(village_objs)
            for k in range(per_sub[j]):
                west, south = 116.0 + (vi % 100) * 0.02, 36.0 + (vi // 100) * 0.02
                box = (west, south, west + 0.02, south + 0.02)
                merged = k >= per_sub[j] - 3  # the last three: two closed, merged into the third
                v = region(
                    f"{sub.code}{k + 1:03d}",
                    f"虚构{vi + 1}村",
                    Level.VILLAGE,
                    sub,
                    box,
                    valid_from=MERGED_ON if merged and k == per_sub[j] - 1 else VALID_FROM,
                    valid_to=MERGED_ON if merged and k < per_sub[j] - 1 else None,
                )
                village_objs.append(v)
                box_of[v.code] = box
                vi += 1
            merges.append((first + per_sub[j] - 3, first + per_sub[j] - 2, first + per_sub[j] - 1))
        village_objs = create(village_objs)

        grid_objs = []
        for v in village_objs:
            west, south, east, north = box_of[v.code]
            step = (east - west) / grids_per_village
            for g in range(grids_per_village):
                box = (west + g * step, south, west + (g + 1) * step, north)
                grid_objs.append(
                    region(
                        f"{v.code}{g + 1:03d}",
                        f"{v.name}{g + 1}号网格",
                        Level.GRID,
                        v,
                        box,
                        valid_from=v.valid_from,
                        valid_to=v.valid_to,
                    )
                )
        grid_objs = create(grid_objs)
        grids_of = {}
        for gr in grid_objs:
            grids_of.setdefault(gr.parent_id, []).append(gr)

        closed = []
        for a, b, successor in merges:
            new = village_objs[successor]
            for old in (village_objs[a], village_objs[b]):
                old.successor = new
                closed.append(old)
                for old_grid, new_grid in zip(grids_of[old.pk], grids_of[new.pk], strict=True):
                    old_grid.successor = new_grid
                    closed.append(old_grid)
        Region.objects.bulk_update(closed, ["successor"], batch_size=1000)

        # People: one village cadre per current village as background, then the four measured.
        password = "!bench-unusable"
        current_villages = [v for v in village_objs if v.valid_to is None]
        background = Person.objects.bulk_create(
            [
                Person(
                    username=f"cadre-{v.code}",
                    full_name=f"{v.name}书记",
                    region=v,
                    password=password,
                    is_synthetic=True,
                )
                for v in current_villages
            ],
            batch_size=2000,
        )
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(person=p, role=Role.VILLAGE_CADRE, region=v)
                for p, v in zip(background, current_villages, strict=True)
            ],
            batch_size=2000,
        )

        merged_village = village_objs[merges[0][2]]
        people = {}
        for key, role, where in (
            ("leader", Role.LEADER, subs[0]),
            ("cadre", Role.VILLAGE_CADRE, merged_village),
            ("inspector", Role.GRID_INSPECTOR, grids_of[merged_village.pk][0]),
            ("viewer", Role.VIEWER, districts[0]),
        ):
            person = Person.objects.create(
                username=f"bench-{key}", full_name=key, region=where, password=password, is_synthetic=True
            )
            RoleAssignment.objects.create(person=person, role=role, region=where)
            people[key] = person
        RoleAssignment.objects.create(
            person=people["leader"],
            role=Role.VIEWER,
            region=subs[1],
            ended_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        )

    return City(
        city=city,
        districts=districts,
        subdistricts=subs,
        merged_village=merged_village,
        other_grid=grids_of[village_objs[per_sub[0]].pk][0],  # subdistrict 2's first village
        region_count=1 + len(districts) + len(subs) + len(village_objs) + len(grid_objs),
        people={k: Person.objects.get(pk=p.pk) for k, p in people.items()},
    )


# ---- hand-written SQL ------------------------------------------------------------------------------


def _columns() -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT * FROM regions_region WHERE 1 = 0")
        return [d[0] for d in cur.description]


def _fetchall(sql: str, params) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _prefix(column: str, path: str) -> tuple[str, list[str]]:
    """The fastest hand-written "starts with" each database has, as a fair baseline: PostgreSQL answers LIKE
    'prefix%' from its pattern index; SQLite's LIKE ignores case and scans every row, so there a range on the
    indexed path (paths end in "/", and "0" follows "/") — the query path_prefix_q gives Zhili."""
    from django.db import connection

    if connection.vendor == "sqlite" and path.endswith("/"):
        return f"({column} >= %s AND {column} < %s)", [path, path[:-1] + "0"]
    return f"{column} LIKE %s", [path + "%"]


def _like_any(column: str, paths) -> tuple[str, list[str]]:
    parts = [_prefix(column, p) for p in paths]
    return "(" + " OR ".join(sql for sql, _ in parts) + ")", [v for _, params in parts for v in params]


def raw_subtree(path: str) -> list[tuple]:
    where, params = _prefix("path", path)
    return _fetchall(f"SELECT * FROM regions_region WHERE {where} ORDER BY path", params)


def raw_regions_under(paths) -> list[tuple]:
    where, params = _like_any("path", paths)
    return _fetchall(f"SELECT * FROM regions_region WHERE {where} ORDER BY path", params)


def raw_current_grid_count(paths) -> int:
    where, params = _like_any("path", paths)
    today = _today()
    return _fetchall(
        f"SELECT COUNT(*) FROM regions_region WHERE {where} AND level = 5"
        " AND valid_from <= %s AND (valid_to IS NULL OR valid_to > %s)",
        [*params, today, today],
    )[0][0]


def raw_current_children(parent_id: int) -> list[tuple]:
    today = _today()
    return _fetchall(
        "SELECT * FROM regions_region WHERE parent_id = %s"
        " AND valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) ORDER BY code",
        [parent_id, today, today],
    )


def _minimal(paths: set[str]) -> tuple[str, ...]:
    out: list[str] = []
    for p in sorted(paths):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return tuple(out)


def raw_scope(person_id: int) -> tuple:
    """What scope_for() computes, by hand: (read paths, write paths, admin paths, roles)."""
    rows = _fetchall(
        "SELECT ra.role, ra.region_id, r.path, ra.unit_id, ur.path"
        " FROM people_roleassignment ra"
        " JOIN regions_region r ON r.id = ra.region_id"
        " LEFT JOIN people_unit u ON u.id = ra.unit_id"
        " LEFT JOIN regions_region ur ON ur.id = u.region_id"
        " WHERE ra.person_id = %s AND ra.ended_at IS NULL",
        [person_id],
    )
    read, write, admin, roles, history = set(), set(), set(), set(), []
    for role, region_id, path, unit_id, unit_path in rows:
        roles.add(role)
        if role == "leader":
            read.add(path)
            write.add(path)
        elif role == "admin":
            read.add(path)
            admin.add(path)
        elif role == "officer" and unit_id:
            read.add(unit_path)
        elif role in ("village_cadre", "grid_inspector"):
            read.add(path)
            write.add(path)
            history.append(region_id)
        elif role == "viewer":
            read.add(path)
    seen = set(history)
    while history:
        found = _fetchall(
            f"SELECT id, path FROM regions_region WHERE successor_id IN ({', '.join(['%s'] * len(history))})", history
        )
        history = [pk for pk, _ in found if pk not in seen]
        seen.update(history)
        read.update(path for _, path in found)
    return _minimal(read), _minimal(write), _minimal(admin), frozenset(roles)


def raw_region_in_scope(code: str, paths) -> tuple | None:
    """get_region_or_404 by hand: the region with its parent and successor joined, or None."""
    where, params = _like_any("r.path", paths)
    rows = _fetchall(
        "SELECT r.*, p.*, s.* FROM regions_region r"
        " LEFT JOIN regions_region p ON p.id = r.parent_id"
        " LEFT JOIN regions_region s ON s.id = r.successor_id"
        f" WHERE r.code = %s AND {where}",
        [code, *params],
    )
    return rows[0] if len(rows) == 1 else None


def query_plan(qs) -> str:
    """The database's plan for a queryset, in one line: does the subtree query use the path index as a range?"""
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            return " / ".join(row[-1] for row in cur.fetchall())
        cur.execute("EXPLAIN " + sql, params)
        steps = [row[0].strip().lstrip("-> ").split("  (cost")[0] for row in cur.fetchall()]
        return " / ".join(step for step in steps if step and ":" not in step)  # nodes only, not their conditions


# ---- the benchmark ---------------------------------------------------------------------------------


def _check(kind: str, got, expected) -> None:
    if got != expected:
        raise AssertionError(
            f"regions-subtree {kind}: Zhili and the raw SQL disagree:\n  zhili    {got!r:.500}\n"
            f"  baseline {expected!r:.500}"
        )


@bench.register(
    "regions-subtree",
    "subtree and scope queries (Region.objects.subtree/current, scope_for, scope.regions/filter,"
    " get_region_or_404) on a synthetic city against raw SQL on the same tables",
    arguments=add_arguments,
)
def run(args) -> bench.Report:
    from django.db import connection
    from django.http import Http404

    from zhili.people.scope import get_region_or_404, scope_for
    from zhili.regions.models import Level, Region

    print(
        f"regions-subtree: building a city of {args.villages:,} villages × {args.grids_per_village} grids …",
        file=sys.stderr,
        flush=True,
    )
    start = time.perf_counter()
    city = build_city(args.villages, args.grids_per_village)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    setup_s = time.perf_counter() - start
    print(f"regions-subtree: setup took {setup_s:.1f} s ({city.region_count:,} regions)", file=sys.stderr, flush=True)

    cols = _columns()
    ID, PATH = cols.index("id"), cols.index("path")
    width = len(cols)

    def ids_paths(rows):  # baseline rows → comparable
        return [(r[ID], r[PATH]) for r in rows]

    def objs(regions):  # Zhili objects → comparable
        return [(r.pk, r.path) for r in regions]

    sub, district, village = city.subdistricts[0], city.districts[0], city.merged_village
    people = city.people
    scopes = {k: scope_for(p) for k, p in people.items()}
    leader, cadre, viewer = scopes["leader"], scopes["cadre"], scopes["viewer"]
    cadre_grid = Region.objects.filter(parent=village).order_by("code").first()
    leader_village = Region.objects.filter(parent=sub, valid_to__isnull=True).order_by("code").first()

    def get_or_none(scope, code):
        try:
            return get_region_or_404(scope, code)
        except Http404:
            return None

    def hit(region):  # Zhili object → comparable
        if region is None:
            return None
        return (
            region.pk,
            region.parent.pk if region.parent else None,
            region.successor.pk if region.successor else None,
        )

    def raw_hit(row):
        if row is None:
            return None
        return (row[ID], row[width + ID], row[2 * width + ID])

    # kind, Zhili, baseline, Zhili result → comparable, baseline result → comparable
    cases = [
        (
            "subtree-subdistrict",
            lambda: list(Region.objects.subtree(sub)),
            lambda: raw_subtree(sub.path),
            objs,
            ids_paths,
        ),
        (
            "subtree-village",
            lambda: list(Region.objects.subtree(village)),
            lambda: raw_subtree(village.path),
            objs,
            ids_paths,
        ),
        (
            "subtree-count-district",
            lambda: Region.objects.subtree(district).current().filter(level=Level.GRID).count(),
            lambda: raw_current_grid_count([district.path]),
            None,
            None,
        ),
        (
            "current-children",
            lambda: list(Region.objects.current().filter(parent=sub).order_by("code")),
            lambda: raw_current_children(sub.pk),
            objs,
            ids_paths,
        ),
        *[
            (
                f"scope-for-{k}",
                (lambda p=p: scope_for(p)),
                (lambda p=p: raw_scope(p.pk)),
                lambda s: (s.read_paths, s.write_paths, s.admin_paths, s.roles),
                None,
            )
            for k, p in people.items()
        ],
        (
            "scope-regions-leader",
            lambda: list(leader.regions()),
            lambda: raw_regions_under(leader.read_paths),
            objs,
            ids_paths,
        ),
        (
            "scope-regions-cadre",
            lambda: list(cadre.regions()),
            lambda: raw_regions_under(cadre.read_paths),
            objs,
            ids_paths,
        ),
        (
            "scope-filter-count-viewer",
            lambda: viewer.filter(Region.objects.current(), "path").filter(level=Level.GRID).count(),
            lambda: raw_current_grid_count(viewer.read_paths),
            None,
            None,
        ),
        (
            "get-region-cadre",
            lambda: get_or_none(cadre, cadre_grid.code),
            lambda: raw_region_in_scope(cadre_grid.code, cadre.read_paths),
            hit,
            raw_hit,
        ),
        (
            "get-region-cadre-404",
            lambda: get_or_none(cadre, city.other_grid.code),
            lambda: raw_region_in_scope(city.other_grid.code, cadre.read_paths),
            hit,
            raw_hit,
        ),
        (
            "get-region-leader",
            lambda: get_or_none(leader, leader_village.code),
            lambda: raw_region_in_scope(leader_village.code, leader.read_paths),
            hit,
            raw_hit,
        ),
    ]

    comparisons = []
    for kind, zhili, baseline, norm_z, norm_b in cases:
        got, expected = zhili(), baseline()
        got_c = norm_z(got) if norm_z else got
        exp_c = norm_b(expected) if norm_b else expected
        _check(kind, got_c, exp_c)
        size = len(got_c) if isinstance(got_c, list) else got_c if isinstance(got_c, int) else None
        note = f"[{size:,} rows]" if isinstance(got_c, list) else f"[count {size:,}]" if size is not None else ""
        comparisons.append(bench.measure(kind, zhili, baseline, repeat=args.repeat, min_time=args.min_time, note=note))

    # Sanity: the scopes are what the roles promise (the cadre reads two merged predecessors as well).
    assert len(cadre.read_paths) == 3 and len(scopes["inspector"].read_paths) == 3, (cadre, scopes["inspector"])
    return bench.Report(
        comparisons,
        notes=[
            bench.database_description(),
            f"plan of subtree(village): {query_plan(Region.objects.subtree(village))}",
            f"{city.region_count:,} regions ({args.villages:,} villages, {len(city.subdistricts)} subdistricts)",
            f"setup {setup_s:.1f} s",
        ],
    )
