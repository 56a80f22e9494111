"""A township starts on its own: `zhili setup`, then its villages and grids (村居名册) and its people and roles
(花名册) from the files its offices keep, through the one import pipeline — previewed, then written."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from tests import roster_files
from zhili.core.models import AuditEntry, SiteFlag
from zhili.people.models import Person, Role, RoleAssignment, Unit
from zhili.regions.models import Level, Region

CODE = "370115004"
NAME = "新兴镇"
PASSWORD = "Xinxing-admin-2021"


@pytest.fixture
def township(world, monkeypatch):
    """A second, real township beside the demo's (the test database holds the demo: its mark is lifted here, as
    on a database that never held it)."""
    SiteFlag.objects.filter(key="demo").delete()
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    call_command(
        "setup",
        "--code",
        CODE,
        "--name",
        NAME,
        "--district",
        "济阳区",
        "--city",
        "济南市",
        "--admin",
        "xx-admin",
        "--password-stdin",
    )
    return Region.objects.get(code=CODE)


def _setup(monkeypatch, *args, password=PASSWORD):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    call_command("setup", *args, "--password-stdin")


# ---- setup ---------------------------------------------------------------------------------------------------


def test_setup_makes_the_township_under_its_district_and_its_first_administrator(township, world):
    assert township.level == Level.SUBDISTRICT and township.name == NAME
    assert township.parent == world.district  # 370115 exists already: reused, not duplicated
    assert not township.is_synthetic
    admin = Person.objects.get(username="xx-admin")
    assert admin.check_password(PASSWORD) and not admin.must_change_password and not admin.is_superuser
    assert list(RoleAssignment.objects.active().filter(person=admin).values_list("role", "region")) == [
        (Role.ADMIN, township.pk)
    ]
    assert AuditEntry.objects.filter(action="region.create", object_id=township.pk).exists()


def test_setup_refuses_with_a_sentence(world, monkeypatch):
    args = ["--name", "新兴镇", "--district", "济阳区", "--city", "济南市", "--admin", "a1"]
    with pytest.raises(CommandError, match="演示数据库"):  # the demo's published passwords live here
        _setup(monkeypatch, "--code", CODE, *args)
    SiteFlag.objects.filter(key="demo").delete()
    with pytest.raises(CommandError, match="应为 9 位数字"):
        _setup(monkeypatch, "--code", "37011500", *args)
    with pytest.raises(CommandError, match="已经存在"):
        _setup(monkeypatch, "--code", world.sub.code, *args)
    with pytest.raises(CommandError, match="密码"):
        _setup(monkeypatch, "--code", CODE, *args, password="12345678")
    with pytest.raises(CommandError, match="已被使用"):
        _setup(monkeypatch, "--code", CODE, *args[:-1], "demo-leader")
    assert not Region.objects.filter(code=CODE).exists()


def test_the_demo_still_refuses_a_database_with_a_real_township(township):
    from zhili.demo import taiping

    with pytest.raises(taiping.DemoRefused):
        taiping.load()


# ---- the village roster ---------------------------------------------------------------------------------------


def _regions(path, *extra):
    call_command("regions", "import", str(path), "--user", "xx-admin", *extra)


def test_a_village_roster_in_an_office_layout_makes_villages_and_grids(township, tmp_path, capsys):
    path = roster_files.village_roster(tmp_path / "村居.xlsx", CODE)
    _regions(path, "--dry-run")
    assert "试运行" in capsys.readouterr().out
    assert not Region.objects.filter(parent=township).exists()
    _regions(path)
    out = capsys.readouterr().out
    assert "新增 4 行" in out
    villages = {r.name: r for r in Region.objects.filter(parent=township)}
    assert set(villages) == {"孔家坊村", "阎桥村", "太平社区"}
    kong = villages["孔家坊村"]
    assert kong.code == f"{CODE}201"
    assert kong.valid_from.year < 2021  # a roster says what is: the year's board (2021) counts the village
    assert sorted(kong.children.values_list("name", "code")) == [
        ("第一网格", f"{CODE}201001"),
        ("第二网格", f"{CODE}201002"),
    ]
    assert villages["太平社区"].code == f"{CODE}001"
    assert villages["阎桥村"].code.startswith(CODE) and str(villages["阎桥村"].center_lng) == "117.060000"
    grid = kong.children.get(name="第一网格")
    assert str(grid.center_lat) == "36.950000"
    assert AuditEntry.objects.filter(action="region.import", object_id=grid.pk).exists()
    # once more: nothing new, nothing changed
    _regions(path)
    assert "新增 0 行，更新 0 行，未变 4 行" in capsys.readouterr().out
    assert Region.objects.filter(parent=township).count() == 3


def test_a_re_import_updates_a_centre_by_name_without_duplicating(township, tmp_path, capsys):
    _regions(roster_files.village_roster(tmp_path / "a.xlsx", CODE))
    rows = [["阎桥", "村", "", "", "", "117.07", "36.97"]]
    _regions(roster_files.village_roster(tmp_path / "b.xlsx", CODE, rows))
    assert "更新 1 行" in capsys.readouterr().out
    yan = Region.objects.get(parent=township, name="阎桥村")
    assert str(yan.center_lng) == "117.070000"
    assert Region.objects.filter(parent=township, name__startswith="阎桥").count() == 1


def test_bad_village_rows_are_named_in_the_preview_and_nothing_is_written(township, tmp_path, capsys):
    rows = [
        ["孔家坊", "村", f"{CODE}201", "", "", "", ""],
        ["孔家坊村", "村", f"{CODE}202", "第一网格", "", "", ""],  # the same village, another code
        ["", "村", "", "第二网格", "", "", ""],  # a grid without its village
        ["阎桥", "村", "3701150042", "", "", "", ""],  # not 12 digits
        ["西街", "社区", "370115003001", "", "", "", ""],  # not under this township
        ["东街", "村", "", "", "", "200", "36.9"],  # outside China
        ["北街", "镇", "", "", "", "", ""],  # no such type
    ]
    path = roster_files.village_roster(tmp_path / "bad.xlsx", CODE, rows)
    with pytest.raises(CommandError, match="6 行存在错误"):
        _regions(path)
    out = capsys.readouterr().out
    for reason in (
        "同一村（社区）只能有一个代码",
        "网格所属的村（社区）为空",
        "应为 12 位数字",
        "开头",
        "不在中国境内",
        "类型应为",
    ):
        assert reason in out, reason
    assert not Region.objects.filter(parent=township).exists()
    _regions(path, "--only-valid")
    assert list(Region.objects.filter(parent=township).values_list("name", flat=True)) == ["孔家坊村"]


def test_only_the_townships_administrators_import_its_rosters(township, tmp_path):
    path = roster_files.village_roster(tmp_path / "村居.xlsx", CODE)
    with pytest.raises(CommandError, match="无权导入名册"):
        call_command("regions", "import", str(path), "--user", "demo-village")
    with pytest.raises(CommandError, match="不存在或不在"):
        call_command("regions", "import", str(path), "--user", "demo-leader", "--township", CODE)


# ---- the 花名册 --------------------------------------------------------------------------------------------------


def _people(path, out, *extra):
    call_command("people", "import", str(path), "--user", "xx-admin", "--passwords-out", str(out), *extra)


def _passwords(path) -> dict[str, list]:
    ws = load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "姓名"))
    return {r[1]: list(r) for r in rows[header + 1 :] if r and r[1]}


@pytest.fixture
def villages(township, tmp_path):
    _regions(roster_files.village_roster(tmp_path / "村居.xlsx", CODE))
    return {r.name: r for r in Region.objects.filter(parent=township)}


def test_a_people_roster_makes_accounts_roles_and_units_with_one_time_passwords(township, villages, tmp_path, capsys):
    path = roster_files.people_roster(tmp_path / "花名册.xlsx", NAME)
    call_command("people", "import", str(path), "--user", "xx-admin", "--dry-run")
    assert "新增单位" in capsys.readouterr().out
    assert not Person.objects.filter(phone="18600000001").exists()
    _people(path, tmp_path / "pw.xlsx")
    out = capsys.readouterr().out
    assert "新增 4 行" in out
    kong = villages["孔家坊村"]
    grid = kong.children.get(name="第一网格")
    leader = Person.objects.get(username="18600000001")  # no 账号: the phone number is the login
    assert leader.must_change_password and leader.full_name == "李书记"
    roles = {
        p.full_name: list(RoleAssignment.objects.active().filter(person=p).values_list("role", "region"))
        for p in Person.objects.filter(region__path__startswith=township.path).exclude(username="xx-admin")
    }
    assert roles == {
        "李书记": [(Role.LEADER, township.pk)],
        "钱经发": [(Role.OFFICER, township.pk)],
        "孔支书": [(Role.VILLAGE_CADRE, kong.pk)],
        "孔网格": [(Role.GRID_INSPECTOR, grid.pk)],
    }
    unit = Unit.objects.get(region=township, name="经济发展办公室")
    assert RoleAssignment.objects.get(person__full_name="钱经发").unit == unit
    passwords = _passwords(tmp_path / "pw.xlsx")
    assert set(passwords) == {"18600000001", "18600000002", "kong-secretary", "18600000004"}
    secretary = Person.objects.get(username="kong-secretary")
    assert secretary.check_password(passwords["kong-secretary"][2])
    assert passwords["kong-secretary"][2] not in out  # never on the screen
    assert not any(passwords["kong-secretary"][2] in str(e.changes) for e in AuditEntry.objects.all())


def test_a_re_import_updates_by_phone_and_ends_roles_that_left_the_roster(township, villages, tmp_path, capsys):
    _people(roster_files.people_roster(tmp_path / "a.xlsx", NAME), tmp_path / "pw.xlsx")
    rows = [
        # 孔支书 is now written without the account, found by phone; no longer a cadre, now a viewer of the village
        ["孔支书", "", "18600000003", "孔家坊村", "退休", "只读查看", "孔家坊村"],
    ]
    second = roster_files.people_roster(tmp_path / "b.xlsx", NAME, rows)
    call_command("people", "import", str(second), "--user", "xx-admin", "--dry-run")
    assert "名册中没有的 3 人（李书记、钱经发、孔网格）在本乡镇（街道）的角色将结束" in capsys.readouterr().out
    _people(second, tmp_path / "pw2.xlsx")
    out = capsys.readouterr().out
    assert "更新 1 行" in out and "没有新建账号" in out
    # the three the roster no longer lists keep their accounts; their roles ended, with the import as the reason
    for name in ("李书记", "钱经发", "孔网格"):
        gone = Person.objects.get(full_name=name)
        assert gone.is_active and not RoleAssignment.objects.active().filter(person=gone).exists()
        assert "b.xlsx" in RoleAssignment.objects.get(person=gone).ended_reason
    admin = Person.objects.get(username="xx-admin")  # not in the file, importing it: their own role stays
    assert RoleAssignment.objects.active().filter(person=admin, role=Role.ADMIN).exists()
    person = Person.objects.get(phone="18600000003")
    assert Person.objects.filter(phone="18600000003").count() == 1 and person.title == "退休"
    ended = RoleAssignment.objects.get(person=person, role=Role.VILLAGE_CADRE)
    assert ended.ended_at is not None and "b.xlsx" in ended.ended_reason
    assert list(RoleAssignment.objects.active().filter(person=person).values_list("role", flat=True)) == [Role.VIEWER]
    assert not (tmp_path / "pw2.xlsx").exists()


def test_bad_people_rows_are_named_and_nothing_is_written(township, villages, tmp_path, capsys):
    rows = [
        ["甲", "", "18600000011", "孔家坊村", "", "村长老", ""],  # no such role
        ["乙", "", "1860000001", "孔家坊村", "", "村干部", ""],  # not a mobile number
        ["丙", "", "18600000013", "孔家坊村", "", "村干部", "不存在村"],  # no such village
        ["丁", "", "13800000001", "孔家坊村", "", "村干部", ""],  # phone of somebody in another township? see below
        ["戊", "demo-leader", "", "", "", "镇领导", ""],  # a person of another township
        ["己", "", "18600000016", "", "", "网格员", "孔家坊村"],  # an inspector needs a grid
    ]
    Person.objects.create(username="someone", full_name="某人", phone="13800000001", region=villages["阎桥村"])
    path = roster_files.people_roster(tmp_path / "bad.xlsx", NAME, rows)
    with pytest.raises(CommandError, match="5 行存在错误"):
        _people(path, tmp_path / "pw.xlsx")
    out = capsys.readouterr().out
    for reason in (
        "不是系统中的角色",
        "不是有效的电话号码",
        "不是本乡镇（街道）的村（社区）或网格",
        "其他乡镇",
        "网格员的负责区域应是网格",
    ):
        assert reason in out, reason
    assert not Person.objects.filter(full_name__in=["甲", "丙", "己"]).exists()
    assert not (tmp_path / "pw.xlsx").exists()


def test_the_people_import_needs_a_passwords_file(township, tmp_path):
    with pytest.raises(CommandError, match="--passwords-out"):
        call_command("people", "import", str(tmp_path / "x.xlsx"), "--user", "xx-admin")


# ---- boundaries ----------------------------------------------------------------------------------------------


def _square(west: float, south: float, size: float = 0.01) -> dict:
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_boundaries_from_geojson_by_code_and_name_all_or_nothing(villages, tmp_path, capsys):
    import json

    features = [
        {"type": "Feature", "properties": {"name": "孔家坊"}, "geometry": _square(117.0, 36.9)},
        {"type": "Feature", "properties": {"code": villages["阎桥村"].code}, "geometry": _square(117.02, 36.9)},
        {"type": "Feature", "properties": {"name": "孔家坊村/第一网格"}, "geometry": _square(117.0, 36.9, 0.005)},
    ]
    good = tmp_path / "边界.geojson"
    good.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    bad = tmp_path / "坏边界.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    *features,
                    {"type": "Feature", "properties": {"name": "不存在村"}, "geometry": _square(117.1, 36.9)},
                    {"type": "Feature", "properties": {"name": "太平社区"}, "geometry": _square(200, 36.9)},
                ],
            },
            ensure_ascii=False,
        )
    )
    roster = roster_files.village_roster(tmp_path / "村居.xlsx", CODE)
    with pytest.raises(CommandError) as refused:
        _regions(roster, "--boundaries", str(bad))
    assert "找不到对应的村（社区）或网格" in str(refused.value) and "不在中国境内" in str(refused.value)
    assert not Region.objects.filter(parent__parent=villages["孔家坊村"].parent, boundary__isnull=False).exists()
    _regions(roster, "--boundaries", str(good))
    assert "已更新 3 个" in capsys.readouterr().out
    kong = Region.objects.get(pk=villages["孔家坊村"].pk)
    assert kong.boundary == _square(117.0, 36.9)
    assert kong.children.get(name="第一网格").boundary == _square(117.0, 36.9, 0.005)
    assert AuditEntry.objects.filter(action="region.update", object_id=kong.pk, reason__contains="边界").exists()


def test_boundaries_from_kml(villages, tmp_path, capsys):
    kml = tmp_path / "边界.kml"
    kml.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>阎桥村</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
117.02,36.9,0 117.03,36.9,0 117.03,36.91,0 117.02,36.91,0 117.02,36.9,0
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>"""
    )
    _regions(roster_files.village_roster(tmp_path / "村居.xlsx", CODE), "--boundaries", str(kml))
    assert "已更新 1 个" in capsys.readouterr().out
    ring = Region.objects.get(pk=villages["阎桥村"].pk).boundary["coordinates"][0]
    assert ring[0] == [117.02, 36.9] and ring[0] == ring[-1]
    kml.write_text('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "b">]><kml/>')
    with pytest.raises(CommandError, match="DOCTYPE"):
        _regions(roster_files.village_roster(tmp_path / "村居.xlsx", CODE), "--boundaries", str(kml))
