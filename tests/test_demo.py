"""The Taiping demo: 91 villages, grids with boundaries, the demo logins, idempotent, and refusing real data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.models import Count

import zhili
from zhili.core.models import AuditEntry, SiteFlag
from zhili.demo import taiping
from zhili.demo.names import ARTICLE_VILLAGES, SEATS
from zhili.people.models import ChainLevel, ChainLink, Person, RoleAssignment, Unit
from zhili.regions.geo import validate_geometry
from zhili.regions.models import Level, Region

PROJECT_ROOT = Path(zhili.__file__).resolve().parent.parent


def snapshot() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "people": Person.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "units": Unit.objects.count(),
        "levels": ChainLevel.objects.count(),
        "links": ChainLink.objects.count(),
        "audit": AuditEntry.objects.count(),
        "flags": SiteFlag.objects.count(),
    }


def test_loading_again_changes_nothing(db):
    before = snapshot()
    summary = taiping.load()
    assert summary.changed is False
    assert not any(summary.created.values())
    assert snapshot() == before


def test_the_subdistrict_has_91_villages(world):
    villages = Region.objects.filter(parent=world.sub, level=Level.VILLAGE)
    assert villages.count() == 91
    names = set(villages.values_list("name", flat=True))
    assert len(names) == 91
    for article_village in ARTICLE_VILLAGES:
        assert f"{article_village}村" in names
    for seat in SEATS:
        assert f"{seat}社区" in names


def test_the_tree_above_the_subdistrict(world):
    assert (world.city.code, world.city.name) == ("370100", "济南市")
    assert (world.district.code, world.district.name) == ("370115", "济阳区")
    assert (world.sub.code, world.sub.name, world.sub.level) == ("370115003", "太平街道", Level.SUBDISTRICT)
    assert world.sub.path == "370100/370115/370115003/"


def test_real_names_are_not_synthetic_and_made_up_ones_are(world):
    villages = Region.objects.filter(parent=world.sub)
    real = {f"{n}村" for n in ARTICLE_VILLAGES} | {f"{n}社区" for n in SEATS}
    for v in villages:
        assert v.is_synthetic == (v.name not in real), v.name
    assert villages.filter(is_synthetic=True).count() == 81
    assert not Region.objects.filter(level=Level.GRID, is_synthetic=False).exists()
    assert not Region.objects.filter(level__lte=Level.SUBDISTRICT, is_synthetic=True).exists()
    assert not Person.objects.filter(is_synthetic=False).exists()


def test_every_village_has_two_to_five_grids_each_with_a_boundary(world):
    counts = dict(Region.objects.filter(parent=world.sub).annotate(n=Count("children")).values_list("name", "n"))
    assert len(counts) == 91
    assert all(2 <= n <= 5 for n in counts.values()), counts
    for grid in Region.objects.filter(level=Level.GRID, path__startswith=world.sub.path):
        assert grid.boundary is not None, grid.name
        assert validate_geometry(grid.boundary) is None, grid.name
        assert grid.center_lng is not None and grid.center_lat is not None
        assert len(grid.code) == 15 and grid.code.startswith(grid.parent.code)
    for village in Region.objects.filter(parent=world.sub):
        assert validate_geometry(village.boundary) is None
        assert len(village.code) == 12


def test_every_grid_has_its_five_level_chain(world):
    per_grid = (
        ChainLink.objects.active().filter(grid__path__startswith=world.sub.path).values("grid").annotate(n=Count("id"))
    )
    assert per_grid.count() == Region.objects.filter(level=Level.GRID).count()
    assert {row["n"] for row in per_grid} == {5}
    assert list(ChainLevel.objects.filter(subdistrict=world.sub).values_list("name", flat=True)) == (
        taiping.CHAIN_LEVELS
    )


def test_the_offices_exist(world):
    assert set(Unit.objects.filter(region=world.sub).values_list("code", flat=True)) == {c for c, _ in taiping.UNITS}


@pytest.mark.parametrize(
    ("username", "full_name", "title", "roles"), taiping.LOGINS, ids=[login[0] for login in taiping.LOGINS]
)
def test_demo_logins(world, username, full_name, title, roles):
    who = Person.objects.get(username=username)
    assert who.check_password(taiping.DEMO_PASSWORD), f"{username} signs in with {taiping.DEMO_PASSWORD}"
    assert who.is_active and not who.is_superuser and who.is_synthetic
    assert (who.full_name, who.title) == (full_name, title)
    where = {"subdistrict": world.sub, "village": world.kong, "grid": world.kong_grid}
    expected = set()
    for role, place in roles:
        if place in where:
            expected.add((role.value, where[place].code, None))
        else:
            expected.add((role.value, world.sub.code, place))
    held = {
        (ra.role, ra.region.code, ra.unit.code if ra.unit_id else None)
        for ra in RoleAssignment.objects.active().filter(person=who).select_related("region", "unit")
    }
    assert held == expected


def test_synthetic_staff_cannot_sign_in(world):
    staff = Person.objects.exclude(username__startswith="demo-")
    assert staff.count() > 400
    assert not any(p.has_usable_password() for p in staff[:50])


def test_the_demo_flag_is_set(db):
    assert SiteFlag.objects.filter(key=taiping.DEMO_FLAG).exists()


def test_the_demo_refuses_a_database_with_other_data(db):
    SiteFlag.objects.filter(key=taiping.DEMO_FLAG).delete()
    before = snapshot()
    with pytest.raises(taiping.DemoRefused) as exc:
        taiping.load()
    assert "此数据库中已有非演示数据" in str(exc.value)
    assert "ZHILI_DATA_DIR" in str(exc.value)
    assert snapshot() == before


# ---- `zhili demo` on a fresh data directory -----------------------------------------------------------------


def test_zhili_demo_twice_on_a_fresh_data_dir(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILI_", "DJANGO_"))}
    environ.update({"ZHILI_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(PROJECT_ROOT)})

    def run():
        return subprocess.run(
            [sys.executable, "-m", "zhili", "demo", "--no-serve"],
            env=environ,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    assert "已加载太平街道演示数据" in first.stdout
    assert "regions 415" in first.stdout
    for username, *_ in taiping.LOGINS:
        assert username in first.stdout
    assert "密码均为 zhili-demo" in first.stdout
    assert (tmp_path / "data" / "zhili.sqlite3").exists()
    assert (tmp_path / "data" / "demo-secret-key").exists()

    second = run()
    assert second.returncode == 0, second.stderr
    assert "未作改动" in second.stdout
    assert "已加载" not in second.stdout
