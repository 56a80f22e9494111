"""The register's imports on messy files (the national 防返贫监测 system's export, the 低保 roster): Chinese row-level
errors (a wrong identity number, one person in two households — in the file or against the register —, an unknown
village, a member whose household has no head), nothing half-written, only the valid rows on request with the
rejected ones downloadable, a re-import unchanged; the templates; `zhili households import/export` within the
scope of --user (a village cadre is refused the whole import), the personal-data export audited."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files import File
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.conftest import person
from tests.test_households_registry import BAD, CHILD, HEAD, RETIRED, SON, WIFE, YAN_HEAD
from zhili.core.models import AuditEntry
from zhili.households import exports, importer, registry
from zhili.households.models import Household, Member, NameReview, Relation
from zhili.imports import actions as import_actions
from zhili.imports import pipeline
from zhili.imports.models import ImportJob, ImportStatus
from zhili.people.scope import scope_for

# as the national system exports it, with the words offices change ("身份证号" for 证件号码, "村" for 村（社区）)
POVERTY_HEADERS = [
    "序号",
    "户编号",
    "村",
    "姓名",
    "身份证号",
    "与户主关系",
    "性别",
    "人数",
    "监测对象类别",
    "住房安全等级",
    "帮扶责任人",
    "联系电话",
    "住址",
]
OTHER = "370126199010107893"


def prow(n, number, village, name, identity, relation, category="脱贫户", housing="B级", phone="", sex=""):
    return [n, number, village, name, identity, relation, sex, "", category, housing, "王民政", phone, ""]


GOOD = [
    prow(1, "K001", "孔家坊", "张三", HEAD, "户主", phone="13800138000"),
    prow(2, "K001", "孔家坊", "李梅", WIFE, "配偶", sex="男"),  # the number says woman: a warning
    prow(3, "Y001", "阎桥村", "赵六", YAN_HEAD, "户主", category="边缘易致贫户", housing="C"),
]
BAD_ROWS = [
    prow(4, "K001", "孔家坊", "张小", BAD, "子女"),  # check character
    prow(5, "Y001", "阎桥村", "张三", HEAD, "其他"),  # the same person in a second household of the file
    prow(6, "N001", "不存在村", "钱七", SON, "户主"),  # unknown village
    prow(7, "K002", "孔家坊", "孙八", CHILD, "子女"),  # no head for K002
]


def write_xlsx(path: Path, headers: list[str], rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["防止返贫监测信息系统 成员信息明细"])
    ws.append(["导出时间：2020-11-20"])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture
def civil(db):
    return person("demo-civil")


def start(key: str, sub, path: Path, who) -> ImportJob:
    with path.open("rb") as fh:
        job = import_actions.do_start_import(key, sub, File(fh, name=path.name), actor=who, scope=scope_for(who))
    job.refresh_from_db()
    return job


def confirm(job, who, *, only_valid=False):
    import_actions.do_confirm(job, only_valid=only_valid, actor=who, scope=scope_for(who))
    job.refresh_from_db()
    return job


def problems(job: ImportJob, level: str = "error") -> list[str]:
    return [f"{p['row']} {p['column']}：{p['reason']}" for p in job.problems if p["level"] == level]


def test_the_export_is_checked_row_by_row_and_written_all_or_only_valid(world, civil, tmp_path):
    path = write_xlsx(tmp_path / "监测.xlsx", POVERTY_HEADERS, GOOD + BAD_ROWS)
    job = start(importer.POVERTY, world.sub, path, civil)
    assert job.status == ImportStatus.PREVIEWED, job.message
    errors = problems(job)
    assert any(e.startswith("7 ") and "校验不通过" in e for e in errors), errors
    assert any(e.startswith("8 ") and "户编号 K001" in e and "一人只能在一户" in e for e in errors), errors
    assert any(e.startswith("9 ") and "不存在村" in e for e in errors), errors
    assert any(e.startswith("10 ") and "K002 的户主" in e for e in errors), errors
    assert any("性别与证件号码不符" in w for w in problems(job, "warning"))
    assert pipeline.Summary.of(job).add == 3 and pipeline.Summary.of(job).errors == 4
    # all or nothing: refused whole, nothing written
    with pytest.raises(Exception, match="全部或全不"):
        confirm(job, civil)
    assert not Household.objects.filter(subdistrict=world.sub, number__in=["K001", "Y001"]).exists()
    # only the valid rows
    job = confirm(start(importer.POVERTY, world.sub, path, civil), civil, only_valid=True)
    assert job.status == ImportStatus.DONE
    k001 = Household.objects.get(subdistrict=world.sub, number="K001")
    assert (k001.head_name, k001.member_count, k001.housing_grade, k001.phone) == ("张三", 2, "B", "13800138000")
    assert k001.officer == civil
    assert {c.code for c in k001.categories.all()} == {"tuopin"}
    y001 = Household.objects.get(subdistrict=world.sub, number="Y001")
    assert {c.code for c in y001.categories.all()} == {"jiance"} and y001.housing_grade == "C"
    wife = Member.objects.get(identity=WIFE)
    assert (wife.sex, wife.relation) == ("F", Relation.SPOUSE)
    rejected = load_workbook(io.BytesIO(pipeline.rejected_xlsx(job, scope_for(civil), person=civil))).active
    texts = [str(c.value) for row in rejected.iter_rows() for c in row if c.value]
    assert any("校验不通过" in t for t in texts) and any("K002 的户主" in t for t in texts)
    # the same file again: nothing new, nothing changed
    again = start(importer.POVERTY, world.sub, write_xlsx(tmp_path / "again.xlsx", POVERTY_HEADERS, GOOD), civil)
    summary = pipeline.Summary.of(again)
    assert (summary.add, summary.update, summary.errors, summary.unchanged) == (0, 0, 0, 3)


def test_a_person_already_in_another_household_is_refused_and_a_change_updates(world, civil, tmp_path):
    confirm(start(importer.POVERTY, world.sub, write_xlsx(tmp_path / "a.xlsx", POVERTY_HEADERS, GOOD), civil), civil)
    rows = [
        prow(1, "K001", "孔家坊", "张三", HEAD, "户主", housing="D级"),
        prow(2, "Y002", "阎桥村", "李梅", WIFE, "户主"),  # already K001's
        prow(3, "K001", "孔家坊", "张　小", OTHER, "子女"),
    ]
    job = start(importer.POVERTY, world.sub, write_xlsx(tmp_path / "b.xlsx", POVERTY_HEADERS, rows), civil)
    errors = problems(job)
    assert len(errors) == 1 and "户编号 K001（孔家坊村）" in errors[0], errors
    confirm(job, civil, only_valid=True)
    assert Household.objects.get(number="K001").housing_grade == "D"
    assert AuditEntry.objects.filter(action="member.import").exists()
    assert Member.objects.active().filter(identity=WIFE).count() == 1


def test_the_dibao_roster_marks_households_and_makes_the_missing_ones(world, civil, tmp_path):
    confirm(start(importer.POVERTY, world.sub, write_xlsx(tmp_path / "a.xlsx", POVERTY_HEADERS, GOOD), civil), civil)
    headers = ["村", "户主姓名", "身份证号", "保障人数", "低保类别", "联系电话"]
    rows = [
        ["孔家坊村", "张三", HEAD, "3", "A类", ""],  # registered: 2 people, a warning
        ["阎桥", "赵 六", YAN_HEAD, "1", "特困分散供养", "13900139000"],
        ["孔家坊", "周九", RETIRED, "1", "B类", ""],  # new household; an old area code warns
        ["孔家坊", "吴十", BAD, "1", "B类", ""],
    ]
    job = start(importer.DIBAO, world.sub, write_xlsx(tmp_path / "低保.xlsx", headers, rows), civil)
    assert len(problems(job)) == 1 and "校验不通过" in problems(job)[0]
    warnings = problems(job, "warning")
    assert any("保障人数 3 与登记的家庭人口 2" in w for w in warnings)
    assert any("370121" in w for w in warnings)
    confirm(job, civil, only_valid=True)
    k001 = Household.objects.get(number="K001")
    assert {c.code for c in k001.categories.all()} == {"tuopin", "dibao"}
    y001 = Household.objects.get(number="Y001")
    assert {c.code for c in y001.categories.all()} == {"jiance", "tekun"} and y001.phone == "13900139000"
    new = Member.objects.get(identity=RETIRED).household
    assert (new.head_name, new.region, new.member_count) == ("周九", world.kong, 1)
    assert {c.code for c in new.categories.all()} == {"dibao"}


def test_similar_names_from_a_file_become_reviews(world, civil, tmp_path):
    h = registry.do_save_household(
        None, {"region": world.kong, "number": "H-9"}, sub=world.sub, actor=civil, scope=scope_for(civil)
    )
    registry.do_add_member(h, {"name": "张三", "relation": Relation.HEAD}, actor=civil, scope=scope_for(civil))
    confirm(start(importer.POVERTY, world.sub, write_xlsx(tmp_path / "a.xlsx", POVERTY_HEADERS, GOOD), civil), civil)
    review = NameReview.objects.get()
    assert {review.first.name, review.second.name} == {"张三"}
    assert Member.objects.active().filter(name="张三").count() == 2  # not merged


WANT = {
    "poverty": "户编号 村（社区） 姓名 证件号码 与户主关系 性别 人数 户类别 住房安全等级 帮扶责任人 联系电话 住址 健康状况 "
    "在校生状况 是否参加城乡居民基本医疗保险".split(),
    "dibao": "村 户主姓名 身份证号 保障人数 低保类别 联系电话 家庭住址".split(),
}


def test_the_templates_have_the_headers_and_their_example_row_is_refused(as_persona, world, civil, tmp_path):
    client = as_persona("civil")
    for kind, key in importer.KINDS.items():
        response = client.get(reverse("household_registry:template", args=[kind]))
        assert response.status_code == 200
        wb = load_workbook(io.BytesIO(response.content))
        assert [s.title for s in wb.worksheets] == ["填写", "填写说明"]
        headers = [c.value for c in wb.worksheets[0][1]]
        assert headers == WANT[kind]
        path = tmp_path / f"{kind}.xlsx"
        wb.save(path)
        job = start(key, world.sub, path, civil)
        assert any("示例行" in e for e in problems(job)), problems(job)


def test_a_village_cadre_is_refused_the_whole_import_and_the_export(world, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", POVERTY_HEADERS, GOOD)
    with pytest.raises(CommandError, match="无权导入或导出"):
        call_command("households", "import", str(path), "--user", "demo-village")
    with pytest.raises(CommandError, match="无权导入或导出"):
        call_command("households", "export", "-o", str(tmp_path / "x.xlsx"), "--user", "demo-village")
    assert not Household.objects.filter(number="K001").exists()


def _members_before(sub) -> int:
    """The demo's own members in the subdistrict, counted by hand: the export holds these and the test's."""
    return Member.objects.active().filter(household__in=Household.objects.active().filter(subdistrict=sub)).count()


def test_the_command_imports_dry_runs_and_exports_with_an_audit_entry(world, tmp_path, capsys):
    demo = _members_before(world.sub)
    path = write_xlsx(tmp_path / "a.xlsx", POVERTY_HEADERS, GOOD + BAD_ROWS[:1])
    with pytest.raises(CommandError, match="存在错误"):
        call_command("households", "import", str(path), "--dry-run", "--user", "demo-civil")
    assert not Household.objects.filter(number="K001").exists()
    with pytest.raises(CommandError, match="--only-valid"):
        call_command("households", "import", str(path), "--user", "demo-civil")
    call_command("households", "import", str(path), "--only-valid", "--user", "demo-civil")
    assert Household.objects.get(number="K001").member_count == 2
    out = tmp_path / "名单.xlsx"
    call_command("households", "export", "-o", str(out), "--user", "demo-civil")
    sheet = load_workbook(out).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert HEAD in values  # the office in charge sees numbers in full
    entry = AuditEntry.objects.filter(action="households.export").latest("id")
    assert entry.changes["rows"] == [None, demo + 3] and entry.changes["full"] == [None, demo + 3]


def test_the_export_masks_numbers_where_the_person_may_not_see_them(world, civil, tmp_path):
    demo = _members_before(world.sub)
    confirm(start(importer.POVERTY, world.sub, write_xlsx(tmp_path / "a.xlsx", POVERTY_HEADERS, GOOD), civil), civil)
    leader = person("demo-leader")
    done = exports.do_export_register(world.sub, actor=leader, scope=scope_for(leader))
    assert done.rows == demo + 3
    viewer = person("demo-viewer")
    from zhili.core.errors import Refused

    with pytest.raises(Refused):
        exports.do_export_register(world.sub, actor=viewer, scope=scope_for(viewer))


def test_a_household_the_dibao_roster_made_takes_the_systems_number(world, civil, tmp_path):
    headers = ["村", "户主姓名", "身份证号", "保障人数", "低保类别", "联系电话"]
    roster = write_xlsx(tmp_path / "低保.xlsx", headers, [["孔家坊", "张三", HEAD, "2", "A类", ""]])
    confirm(start(importer.DIBAO, world.sub, roster, civil), civil)
    made = Member.objects.get(identity=HEAD).household
    assert made.number == ""
    job = start(importer.POVERTY, world.sub, write_xlsx(tmp_path / "a.xlsx", POVERTY_HEADERS, GOOD), civil)
    assert problems(job) == []
    confirm(job, civil)
    made.refresh_from_db()
    assert (made.number, made.member_count) == ("K001", 2)
    assert {c.code for c in made.categories.all()} == {"tuopin", "dibao"}
    assert Household.objects.filter(number="K001").count() == 1
