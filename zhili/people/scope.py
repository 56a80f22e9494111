"""Scope: what may this person see and change? The one place where that is decided.

Every view, API endpoint, export and command asks a Scope, never the database directly:

    scope = request.scope                       # set by ScopeMiddleware or the API's token auth
    region = get_region_or_404(scope, code)     # 404 outside scope, never 403, so nothing leaks
    rows = scope.filter(Thing.objects.all(), "region__path")

A scope is a few region-path prefixes per kind of access, built from the person's active roles:

| role            | read                         | write                     | administer      |
|-----------------|------------------------------|---------------------------|-----------------|
| leader          | the bound region's subtree   | the same                  | —               |
| admin           | the bound region's subtree   | —                         | the same        |
| officer         | the unit's subdistrict       | their unit's records only | —               |
| village cadre   | their village (+ predecessors merged into it, read-only) | their village | — |
| grid inspector  | their grid                   | their grid                | —               |
| viewer          | the bound region's subtree   | —                         | —               |
| tip officer     | confidential tips (扫黑除恶线索) of the bound subdistrict, each view logged — nothing else |
| security admin  | —  (secures: the administrators' and tip officers' roles, their accounts, unlocking)       |
| audit admin     | —  (audits: reads and exports the bound region's audit log, nothing else)                   |

The three administrators (三员分立): `admin` (系统管理员) administers people, units, regions and ordinary roles;
`security_admin` (安全保密管理员) alone grants and ends the administrators' and tip officers' roles, confirms tip
officers' grants, keeps those people's accounts and unlocks locked ones; `audit_admin` (安全审计员) alone reads
and exports the audit log. None reads the log and changes rights both, and nobody can change or delete the log.

Superusers read, write and administer everything — except confidential tips, which they see only where they hold
the tip officer's role.

Role names are read here, in `scope_for`, and nowhere else: the rest of Zhili asks capabilities — the questions
below about a path (can_read, can_write, can_lead, can_configure, can_admin, can_secure, can_audit, can_patrol,
can_see_tips, works_for …) and the domain rules built from them in `zhili.people.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from zhili.people.models import Person, Role, RoleAssignment, Unit
from zhili.regions import queries as region_queries
from zhili.regions.models import Level, Region, RegionQuerySet, path_prefix_q

_QS = TypeVar("_QS", bound=QuerySet)


def _minimal(paths: set[str]) -> tuple[str, ...]:
    """Drop paths that lie under another path of the set, so queries have as few OR terms as possible."""
    if len(paths) < 2:
        return tuple(paths)
    out: list[str] = []
    for p in sorted(paths):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return tuple(out)


def _covers(paths: tuple[str, ...], path: str) -> bool:
    return any(path.startswith(p) for p in paths)


@dataclass(frozen=True)
class Scope:
    person_id: int | None
    read_paths: tuple[str, ...] = ()
    write_paths: tuple[str, ...] = ()
    admin_paths: tuple[str, ...] = ()
    # unit id → the path of the subdistrict the unit works across
    units: dict[int, str] = field(default_factory=dict)
    roles: frozenset[str] = frozenset()
    is_superuser: bool = False
    # where this person is the designated tip officer (线索专管员): only they see confidential tips there
    tip_paths: tuple[str, ...] = ()
    # where this person leads (街道领导): decisions others may not take — approvals, 销号, 催办, reopening
    lead_paths: tuple[str, ...] = ()
    # the villages whose cadre this person is (村干部): identity numbers of their villagers, village-dispatched cases
    cadre_paths: tuple[str, ...] = ()
    # the grids this person inspects (网格员): patrols, reports from patrol, verification in their grid
    patrol_paths: tuple[str, ...] = ()
    # where this person is the security administrator (安全保密管理员): the guarded roles and their holders' accounts
    secure_paths: tuple[str, ...] = ()
    # where this person is the audit administrator (安全审计员): the audit log; `audits_installation` when bound at a
    # root region, so the entries of no region (a sign-in with an unknown login name) are theirs too
    audit_paths: tuple[str, ...] = ()
    audits_installation: bool = False

    # ---- questions about one path or region -------------------------------------------------
    def can_read(self, path: str) -> bool:
        return self.is_superuser or _covers(self.read_paths, path)

    def can_write(self, path: str) -> bool:
        return self.is_superuser or _covers(self.write_paths, path)

    def can_admin(self, path: str) -> bool:
        return self.is_superuser or _covers(self.admin_paths, path)

    def can_secure(self, path: str) -> bool:
        """Grant and end the administrators' and tip officers' roles here, confirm tip officers' grants, keep the
        accounts of those who hold them, unlock accounts: its security administrators."""
        return self.is_superuser or _covers(self.secure_paths, path)

    def can_audit(self, path: str) -> bool:
        """Read and export the audit log of this region (`""`: entries of no region): its audit administrators."""
        if self.is_superuser:
            return True
        return self.audits_installation if not path else _covers(self.audit_paths, path)

    def can_write_for_unit(self, unit_id: int | None, path: str) -> bool:
        """An officer writes their unit's records anywhere in the unit's subdistrict."""
        if self.can_write(path):
            return True
        return unit_id is not None and unit_id in self.units and path.startswith(self.units[unit_id])

    def works_for(self, unit_id: int | None, path: str | None = None) -> bool:
        """An officer of this unit (and, given a path, one inside the unit's subdistrict)."""
        if unit_id is None or unit_id not in self.units:
            return False
        return path is None or path.startswith(self.units[unit_id])

    def can_record(self, path: str) -> bool:
        """Add records (cases, activity records) about this region: its own writers, or any office working there."""
        return self.can_write(path) or any(path.startswith(p) for p in self.units.values())

    def can_lead(self, path: str) -> bool:
        """Take a leader's decisions about this region (approve, confirm 销号, 催办, reopen a period)."""
        return self.is_superuser or _covers(self.lead_paths, path)

    def can_configure(self, path: str) -> bool:
        """Set up a subdistrict's work: targets and shares, ledger definitions, case categories, routing, rules,
        ranking weights — its leaders and its administrators."""
        return self.can_lead(path) or self.can_admin(path)

    def can_patrol(self, path: str) -> bool:
        """Inspect this grid: patrol it, report from it, verify its cases."""
        return self.is_superuser or _covers(self.patrol_paths, path)

    @property
    def patrols(self) -> bool:
        """Inspects some grid (reports from this person are patrol reports)."""
        return bool(self.patrol_paths)

    def is_cadre_of(self, path: str) -> bool:
        """A cadre of the village this path lies in."""
        return _covers(self.cadre_paths, path)

    def can_see_tips(self, path: str) -> bool:
        """Confidential tips (扫黑除恶线索) of this subdistrict: only its designated tip officer — a superuser too
        only when they hold that role (nobody sees tips by being a superuser)."""
        return _covers(self.tip_paths, path)

    @property
    def is_admin(self) -> bool:
        """A system administrator somewhere (the background jobs)."""
        return self.is_superuser or bool(self.admin_paths)

    @property
    def opens_people(self) -> bool:
        """A system or security administrator somewhere (the people and roles pages)."""
        return self.is_superuser or bool(self.admin_paths or self.secure_paths)

    @property
    def reads_audit(self) -> bool:
        """An audit administrator somewhere (the audit log)."""
        return self.is_superuser or bool(self.audit_paths)

    @property
    def is_read_only(self) -> bool:
        """Reads but writes nothing anywhere (a viewer)."""
        return not (
            self.is_superuser
            or self.write_paths
            or self.units
            or self.admin_paths
            or self.tip_paths
            or self.secure_paths
        )

    @property
    def is_empty(self) -> bool:
        return not (self.is_superuser or self.read_paths)

    # ---- filtering querysets ---------------------------------------------------------------
    def _paths(self, access: str) -> tuple[str, ...]:
        """The prefixes one kind of access reaches ("": the entries of no region)."""
        if access == "read":
            return self.read_paths
        if access == "write":
            return self.write_paths
        if access == "admin":
            return self.admin_paths
        if access == "people":  # whose people pages they open: the system and the security administrators'
            return _minimal({*self.admin_paths, *self.secure_paths})
        if access == "audit":  # with the entries of no region when they audit the installation
            return (*self.audit_paths, "") if self.audits_installation else self.audit_paths
        raise KeyError(access)

    def covers(self, path: str, *, access: str = "read") -> bool:
        """Whether a row whose path is `path` passes `filter(…, access=access)`: the same answer, without a query."""
        if self.is_superuser:
            return True
        return any(path.startswith(p) if p else path == "" for p in self._paths(access))

    def q(self, path_field: str, *, access: str = "read") -> Q:
        """A Q object limiting `path_field` (e.g. "region__path") to this scope."""
        if self.is_superuser:
            return Q()
        paths = self._paths(access)
        if not paths:
            return Q(pk__in=[])
        q = Q()
        for p in paths:
            q |= Q(**{path_field: ""}) if not p else path_prefix_q(path_field, p)
        return q

    def tip_q(self, path_field: str) -> Q:
        """Confidential tips this person may see: only where they are the designated tip officer (superusers
        included: being a superuser shows no tip)."""
        q = Q(pk__in=[])
        for p in self.tip_paths:
            q |= path_prefix_q(path_field, p)
        return q

    def filter(self, qs: _QS, path_field: str = "region__path", *, access: str = "read") -> _QS:
        return qs.filter(self.q(path_field, access=access))

    def regions(self, *, access: str = "read") -> RegionQuerySet:
        return self.filter(Region.objects.all(), "path", access=access)

    def root_regions(self) -> QuerySet[Region]:
        """The top-most regions this person may read: where their region browser starts."""
        if self.is_superuser:
            return Region.objects.filter(parent__isnull=True)
        return Region.objects.filter(path__in=self.read_paths)


EMPTY = Scope(person_id=None)

# The roles that show confidential tips (扫黑除恶线索). A grant of one takes effect only when a second administrator
# confirms it (zhili.people.policy.grant_takes_effect_alone), and the tip officers see every grant of it.
TIP_ROLES = frozenset({Role.TIP_OFFICER})
# The three administrators (三员分立), and the roles only a security administrator grants and ends: these, and the tip
# officer's (which a system administrator may propose, but only a security administrator confirms).
ADMIN_ROLES = frozenset({Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
GUARDED_ROLES = ADMIN_ROLES | TIP_ROLES


def holds_guarded_role(person: Person) -> bool:
    """Holds (or waits for) an administrator's or a tip officer's role: their account is the security
    administrator's to keep (a system administrator who could set their password could act as them)."""
    return RoleAssignment.objects.not_ended().filter(person=person, role__in=GUARDED_ROLES).exists()


def _sql(connection) -> tuple[str, str]:
    """The two statements scope_for runs, written out once per database vendor from the models' own table and column
    names: the ORM's cost of building them (ten times the queries' own, bench regions-subtree) on every request would
    be most of a scope's price. They ask exactly what `RoleAssignment.objects.active()` and `Region.successor` mean."""
    key = connection.vendor
    found = _SQL.get(key)
    if found is None:
        qn = connection.ops.quote_name
        ra, region, unit = RoleAssignment._meta, Region._meta, Unit._meta

        def col(meta, name: str) -> str:
            return qn(meta.get_field(name).column)

        roles = (
            f"SELECT ra.{col(ra, 'role')}, ra.{col(ra, 'region')}, r.{col(region, 'path')}, ra.{col(ra, 'unit')},"
            f" ur.{col(region, 'path')}, r.{col(region, 'parent')}"
            f" FROM {qn(ra.db_table)} ra"
            f" INNER JOIN {qn(region.db_table)} r ON r.{col(region, 'id')} = ra.{col(ra, 'region')}"
            f" LEFT OUTER JOIN {qn(unit.db_table)} u ON u.{col(unit, 'id')} = ra.{col(ra, 'unit')}"
            f" LEFT OUTER JOIN {qn(region.db_table)} ur ON ur.{col(region, 'id')} = u.{col(unit, 'region')}"
            f" WHERE ra.{col(ra, 'person')} = %s AND ra.{col(ra, 'ended_at')} IS NULL"
            f" AND ra.{col(ra, 'awaiting_confirmation')} = %s"
        )
        # every region merged, in one step or several, into the given ones: one recursive query (UNION, not UNION
        # ALL, so a successor cycle entered by mistake ends the walk instead of looping)
        predecessors = (
            f"WITH RECURSIVE pred (id, path) AS ("
            f" SELECT {col(region, 'id')}, {col(region, 'path')} FROM {qn(region.db_table)}"
            f" WHERE {col(region, 'successor')} IN ({{roots}})"
            f" UNION SELECT r.{col(region, 'id')}, r.{col(region, 'path')} FROM {qn(region.db_table)} r"
            f" INNER JOIN pred ON r.{col(region, 'successor')} = pred.id"
            f") SELECT path FROM pred"
        )
        found = _SQL[key] = (roles, predecessors)
    return found


_SQL: dict[str, tuple[str, str]] = {}


def _active_roles(person_id: int) -> list[tuple]:
    """(role, region id, region path, unit id, unit's region path, region's parent id) of the person's roles in force
    (`RoleAssignment.objects.active()`), unordered."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection)[0], [person_id, False])
        return cursor.fetchall()


def _predecessor_paths(region_ids: list[int]) -> set[str]:
    """Paths of regions merged (possibly in several steps) into the regions `region_ids`: one query."""
    roots = sorted(set(region_ids))
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection)[1].format(roots=", ".join(["%s"] * len(roots))), roots)
        return {path for (path,) in cursor.fetchall()}


def scope_for(person: Person | AnonymousUser | None) -> Scope:
    """Build a person's scope from their active roles: one query (two when they are a village cadre or a grid
    inspector, whose region may have had others merged into it).

    It runs once per request (request.scope, ScopeMiddleware or the API's token auth, is built lazily and kept for
    the request), so a role granted or ended counts from the person's next request. Its two statements are plain SQL
    (see `_sql`): python -m bench regions-subtree measures it against hand-written SQL.
    """
    if person is None or not getattr(person, "is_authenticated", False) or not person.is_active:
        return EMPTY
    rows = _active_roles(person.pk)
    if person.is_superuser:
        # a superuser reads, writes and administers everything — but sees tips only where they hold the role
        return Scope(
            person_id=person.pk,
            is_superuser=True,
            roles=_ALL_ROLES,
            tip_paths=_minimal({path for role, _r, path, *_ in rows if role in TIP_ROLES}),
        )
    read: set[str] = set()
    write: set[str] = set()
    admin: set[str] = set()
    units: dict[int, str] = {}
    roles: set[str] = set()
    history_roots: list[int] = []
    tips: set[str] = set()
    lead: set[str] = set()
    cadre: set[str] = set()
    patrol: set[str] = set()
    secure: set[str] = set()
    audits: set[str] = set()
    audits_installation = False
    for role, region_id, path, unit_id, unit_path, parent_id in rows:
        roles.add(role)
        if role == Role.LEADER:
            read.add(path)
            write.add(path)
            lead.add(path)
        elif role == Role.ADMIN:
            read.add(path)
            admin.add(path)
        elif role == Role.OFFICER and unit_id:
            read.add(unit_path)
            units[unit_id] = unit_path
        elif role in (Role.VILLAGE_CADRE, Role.GRID_INSPECTOR):
            read.add(path)
            write.add(path)
            (cadre if role == Role.VILLAGE_CADRE else patrol).add(path)
            history_roots.append(region_id)
        elif role == Role.VIEWER:
            read.add(path)
        elif role in TIP_ROLES:
            tips.add(path)
        elif role == Role.SECURITY_ADMIN:
            secure.add(path)
        elif role == Role.AUDIT_ADMIN:
            audits.add(path)
            audits_installation = audits_installation or parent_id is None
    if history_roots:
        read |= _predecessor_paths(history_roots)
    return Scope(
        person_id=person.pk,
        read_paths=_minimal(read),
        write_paths=_minimal(write),
        admin_paths=_minimal(admin),
        units=units,
        roles=frozenset(roles),
        tip_paths=_minimal(tips),
        lead_paths=_minimal(lead),
        cadre_paths=_minimal(cadre),
        patrol_paths=_minimal(patrol),
        secure_paths=_minimal(secure),
        audit_paths=_minimal(audits),
        audits_installation=audits_installation,
    )


_ALL_ROLES = frozenset(r.value for r in Role)


# ---- fetch-and-authorise helpers: a view never calls Model.objects.get() itself ---------------


def leaders_and_officers(subdistrict: Region) -> QuerySet[RoleAssignment]:
    """The active roles that make someone lead `subdistrict` or work for one of its offices — who may be named
    responsible for the subdistrict's own work (a public work, say)."""
    return RoleAssignment.objects.active().filter(
        Q(role=Role.OFFICER, unit__region=subdistrict) | Q(role=Role.LEADER, region=subdistrict)
    )


def village_cadres(villages) -> QuerySet[RoleAssignment]:
    """The active roles that make someone a cadre of one of `villages` (Regions or ids) — whose office duty (坐班)
    a village's attendance counts."""
    return RoleAssignment.objects.active().filter(role=Role.VILLAGE_CADRE, region__in=villages)


def get_in_scope_or_404(scope: Scope, qs: QuerySet, path_field: str, *, access: str = "read", **lookup):
    """The object matching `lookup` if it lies in the scope, else 404 (never 403: nothing leaks)."""
    try:
        return scope.filter(qs, path_field, access=access).get(**lookup)
    except qs.model.DoesNotExist:
        raise Http404(_("不存在或无权查看。")) from None


get_region_or_404 = region_queries.get_region_or_404  # the region browser asks it without importing people


# ---- where am I looking: the one answer to "which subdistrict (or village) does this person work on" -----------


@dataclass(frozen=True)
class Viewpoint:
    """Where a person stands: the subdistrict, and their village (or grid) when they see only that."""

    sub: Region
    village: Region | None = None  # a village cadre: they see their village's shares and rows
    grid: Region | None = None  # a grid inspector: their grid

    @property
    def whole(self) -> bool:
        """Sees the whole subdistrict."""
        return self.village is None and self.grid is None


class NoViewpoint(Http404):
    """The person has no subdistrict or village to look at."""


_PREFERENCE: dict[int, int] = {Level.SUBDISTRICT: 0, Level.DISTRICT: 1, Level.CITY: 1, Level.VILLAGE: 2, Level.GRID: 3}


def _viewpoint_of(region: Region) -> Viewpoint | None:
    if region.level == Level.SUBDISTRICT:
        return Viewpoint(region)
    if region.level == Level.VILLAGE and region.parent is not None:
        return Viewpoint(region.parent, region)
    if region.level == Level.GRID:
        return Viewpoint(Region.objects.get(path=Region.path_at(region.path, Level.SUBDISTRICT)), None, region)
    sub = Region.objects.filter(path_prefix_q("path", region.path), level=Level.SUBDISTRICT).order_by("path").first()
    return Viewpoint(sub) if sub else None


def viewpoint(scope: Scope, code: str | None = None, *, tips: bool = False) -> Viewpoint:
    """The subdistrict (and village or grid) a person's pages show: the region `code` names if they may read it,
    else where their roles put them — a subdistrict they read, else the first subdistrict under the district or
    city they read, else their village, else their grid (and, with `tips`, the subdistrict whose tips they
    handle). 404 when there is none."""
    if code:
        region = Region.objects.filter(code=code).select_related("parent").first()
        if region is None or not (scope.can_read(region.path) or (tips and scope.can_see_tips(region.path))):
            raise Http404(_("不存在或无权查看。"))
        found = _viewpoint_of(region)
        if found is None:
            raise Http404(_("该区划下没有街道（乡镇）。"))
        return found
    if scope.is_superuser:
        roots = Region.objects.filter(parent__isnull=True)
    else:
        roots = Region.objects.filter(path__in=[*scope.read_paths, *(scope.tip_paths if tips else ())])
    # a village cadre also reads the villages merged into theirs (their history): they stand in their own village
    ranked = sorted(
        roots.select_related("parent"), key=lambda r: (_PREFERENCE.get(r.level, 9), r.successor_id is not None, r.path)
    )
    for region in ranked:
        found = _viewpoint_of(region)
        if found is not None:
            return found
    raise NoViewpoint(_("您的权限范围内没有街道或村（社区）。"))


def whole_subdistrict(request) -> Region | None:
    """The subdistrict a person's home looks at as a whole (None for a village's or a grid's people, and for those
    with no roles), worked out once per request — for the home page's sections."""
    if "_whole_subdistrict" not in request.__dict__:
        try:
            view = viewpoint(request.scope) if not request.scope.is_empty else None
        except NoViewpoint:
            view = None
        request._whole_subdistrict = view.sub if view is not None and view.whole else None
    return request._whole_subdistrict
