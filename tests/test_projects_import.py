"""Issue 13's importers on messy office files: the project ledger (项目台账), the monthly figures (月度数据) and the
tax bureau's receipts (税收入库明细) — Chinese row-level errors, nothing half-imported, a re-import updating instead
of duplicating, expected taxes refreshed in the same transaction, and the 应收未收 query and file."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files import File
from openpyxl import Workbook, load_workbook

from tests.conftest import person, without_demo_projects
from zhili.imports import actions as import_actions
from zhili.imports import pipeline
from zhili.imports.models import ImportJob, ImportStatus
from zhili.people.scope import scope_for
from zhili.projects import exports, importer, monitor, queries, taxes
from zhili.projects.models import Enterprise, ExpectedTax, Project, ProjectMonth, TaxReceipt, TaxSetup

# valid unified social credit codes (check characters computed by python-stdnum)
OTHER_PROVINCE = "91110108MA01AB2C3T"  # a Beijing contractor: prepays here
SAME_CITY = "91370102MA3D000011"  # a 历下区 contractor: its tax leaves the jurisdiction
BAD_CHECK = "91370102MA3D000012"  # the same with a wrong check character

LEDGER_HEADERS = [
    "项目名称",
    "所在村",
    "建设单位",
    "施工单位",
    "施工单位统一社会信用代码",
    "施工单位注册地",
    "项目部管理方式",
    "计税方法",
    "合同金额（万元）",  # full-width brackets, as offices type them
    "计划总投资（万元）",
    "开工日期",
    "竣工日期",
    "项目状态",
    "是否已入库",
]
MONTH_HEADERS = ["项目名称", "月份", "本月收款(元)", "本月支付分包款(元)", "本月完成投资(万元)"]
RECEIPT_HEADERS = ["纳税人识别号", "纳税人名称", "税种", "所属期", "实缴金额(元)", "项目名称"]

ROAD = "孔家坊村道路硬化工程"
PLANT = "阎桥村污水处理站"

LEDGER_ROWS = [
    [
        ROAD,
        "孔家坊",
        "太平街道办事处",
        "北京示例建工集团有限公司",
        OTHER_PROVINCE,
        "110108",
        "总机构直管",
        "一般计税",
        "1,234.5万",
        "1500",
        "2019-03-01",
        "2019-12-31",
        "在建",
        "是",
    ],
    [
        PLANT,
        "阎桥村",
        "济阳区水务局",
        "山东示例建设有限公司",
        SAME_CITY,
        "济南市历下区",
        "分支机构管理",
        "简易计税",
        "800",
        "900",
        "2019.3.15",
        "",
        "在建",
        "否",
    ],
]


def write_xlsx(path: Path, headers: list[str], rows: list[list], *, title: str | None = "太平街道在建项目台账") -> Path:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
        ws.append(["填报单位：太平街道经发办", None, None, "2020年6月"])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    ws.append(["合计"])
    wb.save(path)
    return path


@pytest.fixture
def setup(world) -> TaxSetup:
    without_demo_projects(world.sub)
    made = queries.setup_of(world.sub)
    made.save()
    return made


@pytest.fixture
def economy(world):
    return person("demo-economy")


def start(key: str, sub, path: Path, who) -> ImportJob:
    with path.open("rb") as fh:
        job = import_actions.do_start_import(key, sub, File(fh, name=path.name), actor=who, scope=scope_for(who))
    job.refresh_from_db()
    return job


def run(key: str, sub, path: Path, who, *, only_valid: bool = False) -> ImportJob:
    job = start(key, sub, path, who)
    assert job.status == ImportStatus.PREVIEWED, job.message
    import_actions.do_confirm(job, only_valid=only_valid, actor=who, scope=scope_for(who))
    job.refresh_from_db()
    return job


def problems(job: ImportJob, level: str = "error") -> list[str]:
    return [f"{p['row']} {p['column']}：{p['reason']}" for p in job.problems if p["level"] == level]


def ledger(world, setup, economy, tmp_path) -> dict[str, Project]:
    run(importer.PROJECTS, world.sub, write_xlsx(tmp_path / "ledger.xlsx", LEDGER_HEADERS, LEDGER_ROWS), economy)
    return {p.name: p for p in Project.objects.filter(subdistrict=world.sub)}


def expected_of(project: Project, setup: TaxSetup) -> list[taxes.MonthTax]:
    months = [taxes.Month(m.month, m.received, m.subcontract) for m in project.months.all()]
    return taxes.expected(monitor.facts(project, setup), months)


def assert_expected_fresh(project: Project, setup: TaxSetup) -> None:
    want = [
        (
            t.month,
            t.vat,
            t.urban_maintenance,
            t.education,
            t.local_education,
            t.income_tax,
            t.leaves,
            t.at_stake,
            t.carried,
        )
        for t in expected_of(project, setup)
    ]
    got = list(
        ExpectedTax.objects.filter(project=project)
        .order_by("month")
        .values_list(
            "month",
            "vat",
            "urban_maintenance",
            "education",
            "local_education",
            "income_tax",
            "leaves",
            "at_stake",
            "carried",
        )
    )
    assert got == want and want


# ---- the project ledger ------------------------------------------------------------------------------------


def test_a_messy_ledger_is_checked_row_by_row_and_written_all_or_only_valid(world, setup, economy, tmp_path):
    bad = [
        [
            "村委会办公楼改造",
            "孔家坊",
            "",
            "某建设公司",
            BAD_CHECK,
            "370102",
            "",
            "一般计税",
            "10",
            "20",
            "2020-01-01",
            "",
            "在建",
            "否",
        ],
        [
            "阎桥村文化广场",
            "阎桥",
            "",
            "某建设公司",
            OTHER_PROVINCE,
            "370100",
            "",
            "一般计税",
            "10",
            "20",
            "2020-01-01",
            "",
            "在建",
            "否",
        ],
        [
            "孔家坊村桥梁工程",
            "孔家坊",
            "",
            "某建设公司",
            OTHER_PROVINCE,
            "110108",
            "",
            "一般计税",
            "10",
            "20",
            "2020-06-01",
            "2020-01-31",
            "在建",
            "否",
        ],
        [
            "无名村项目",
            "不存在村",
            "",
            "某建设公司",
            OTHER_PROVINCE,
            "110108",
            "",
            "乱填",
            "10",
            "20",
            "2020-01-01",
            "",
            "在建",
            "否",
        ],
    ]
    path = write_xlsx(tmp_path / "ledger.xlsx", LEDGER_HEADERS, LEDGER_ROWS + bad)
    job = start(importer.PROJECTS, world.sub, path, economy)
    said = "\n".join(problems(job))
    assert job.summary["add"] == 2 and job.summary["errors"] == 4, said
    assert job.summary["skipped"] >= 1  # the 合计 row
    assert "校验位不对" in said  # a wrong check character
    assert "是省或市的代码，不是县（市、区）的代码" in said  # a registration place that is not a county code
    assert "竣工日期 2020-01-31 早于开工日期 2020-06-01" in said
    assert "不在本台账可填的村（社区）中" in said and "「乱填」不是可选的值" in said
    # all or nothing: nothing of it is written
    with pytest.raises(pipeline.ImportHasErrors):
        import_actions.do_confirm(job, only_valid=False, actor=economy, scope=scope_for(economy))
    assert not Project.objects.filter(subdistrict=world.sub).exists()
    assert not Enterprise.objects.filter(subdistrict=world.sub).exists()
    # only the valid rows
    import_actions.do_confirm(job, only_valid=True, actor=economy, scope=scope_for(economy))
    road, plant = Project.objects.get(name=ROAD), Project.objects.get(name=PLANT)
    assert road.contract_amount == Decimal("1234.50") and road.planned_investment == Decimal("1500.00")
    assert road.region == world.kong and plant.region == world.yan
    assert (road.relation, road.management, road.method) == ("other_province", "head_office", "general")
    assert (plant.relation, plant.method, plant.finish) == ("same_city", "simple", None)
    assert plant.start == datetime.date(2019, 3, 15) and road.registered and not plant.registered
    assert plant.contractor.county_code == "370102" and plant.contractor.uscc == SAME_CITY
    # the rejected rows, as sent, with their reasons
    rejected = load_workbook(io.BytesIO(pipeline.rejected_xlsx(job, scope_for(economy), person=economy))).active
    texts = [str(c.value) for row in rejected.iter_rows() for c in row if c.value]
    assert any("校验位不对" in t for t in texts) and "村委会办公楼改造" in texts


def test_a_ledger_imported_again_updates_instead_of_duplicating(world, setup, economy, tmp_path):
    ledger(world, setup, economy, tmp_path)
    again = [list(r) for r in LEDGER_ROWS]
    again[0][3] = "北京示例建工集团股份有限公司"  # the contractor renamed
    again[1][7] = "一般计税"  # the method corrected
    again[1][5] = "370202"  # the contractor moved to 青岛市南区: another city of the province
    job = run(importer.PROJECTS, world.sub, write_xlsx(tmp_path / "again.xlsx", LEDGER_HEADERS, again), economy)
    assert (job.summary["add"], job.summary["update"]) == (0, 2)
    assert Project.objects.filter(subdistrict=world.sub).count() == 2
    assert Enterprise.objects.filter(subdistrict=world.sub).count() == 2
    plant = Project.objects.get(name=PLANT)
    assert (plant.method, plant.relation, plant.revision) == ("general", "same_province", 2)
    assert Enterprise.objects.get(uscc=OTHER_PROVINCE).name == "北京示例建工集团股份有限公司"
    job = run(importer.PROJECTS, world.sub, write_xlsx(tmp_path / "third.xlsx", LEDGER_HEADERS, again), economy)
    assert (job.summary["add"], job.summary["update"], job.summary["unchanged"]) == (0, 0, 2)


# ---- monthly figures ---------------------------------------------------------------------------------------


def test_monthly_figures_refresh_the_expected_taxes_and_say_what_is_wrong(world, setup, economy, tmp_path):
    projects = ledger(world, setup, economy, tmp_path)
    rows = [
        [ROAD, "2019-04", "1,090,000", "200000", "120"],
        [ROAD, "2019年5月", "100000", "300000", "30"],  # subcontract above receipts: carried forward, a warning
        [ROAD, datetime.datetime(2019, 6, 1), "2,180,000元", "0", "50万元"],
        [PLANT, "2019.04", "1030000", "", "80"],
        [ROAD, "2019-02", "10", "0", "0"],  # before the start month
        [ROAD, "2020-01", "10", "0", "0"],  # after the finish month
        ["不存在的项目", "2019-05", "10", "0", "0"],
        [PLANT, "2019-05", "-5", "0", "0"],
    ]
    job = start(importer.MONTHS, world.sub, write_xlsx(tmp_path / "m.xlsx", MONTH_HEADERS, rows), economy)
    said = "\n".join(problems(job))
    assert job.summary["errors"] == 4, said
    assert "2019-02 早于项目“孔家坊村道路硬化工程”的开工日期 2019-03-01" in said
    assert "2020-01 晚于项目“孔家坊村道路硬化工程”的竣工日期 2019-12-31" in said
    assert "项目“不存在的项目”不在本街道（乡镇）的项目台账中" in said
    assert "金额不能为负数" in said
    assert any("差额结转以后月份抵减" in w for w in problems(job, "warning"))
    with pytest.raises(pipeline.ImportHasErrors):
        import_actions.do_confirm(job, only_valid=False, actor=economy, scope=scope_for(economy))
    assert not ProjectMonth.objects.exists() and not ExpectedTax.objects.exists()  # nothing half-imported
    import_actions.do_confirm(job, only_valid=True, actor=economy, scope=scope_for(economy))
    road, plant = projects[ROAD], projects[PLANT]
    june = ProjectMonth.objects.get(project=road, month=datetime.date(2019, 6, 1))
    assert (june.received, june.investment) == (Decimal("2180000.00"), Decimal("50.00"))
    assert_expected_fresh(road, setup)
    assert_expected_fresh(plant, setup)
    may = ExpectedTax.objects.get(project=road, month=datetime.date(2019, 5, 1))
    assert (may.vat, may.carried) == (Decimal(0), Decimal(200000))  # the negative base carried to June
    assert ExpectedTax.objects.get(project=plant, month=datetime.date(2019, 4, 1)).leaves
    # again, one figure corrected: an update, the expected taxes follow
    rows[0][2] = "2,180,000"
    job = run(importer.MONTHS, world.sub, write_xlsx(tmp_path / "m2.xlsx", MONTH_HEADERS, rows[:4]), economy)
    assert (job.summary["add"], job.summary["update"], job.summary["unchanged"]) == (0, 1, 3)
    assert ProjectMonth.objects.filter(project=road).count() == 3
    assert_expected_fresh(road, setup)


def test_changing_a_projects_method_refreshes_its_expected_taxes(world, setup, economy, tmp_path):
    projects = ledger(world, setup, economy, tmp_path)
    run(
        importer.MONTHS,
        world.sub,
        write_xlsx(tmp_path / "m.xlsx", MONTH_HEADERS, [[ROAD, "2019-04", "1090000", "0", "1"]]),
        economy,
    )
    before = ExpectedTax.objects.get(project=projects[ROAD]).vat
    again = [list(r) for r in LEDGER_ROWS]
    again[0][7] = "简易计税"
    run(importer.PROJECTS, world.sub, write_xlsx(tmp_path / "l2.xlsx", LEDGER_HEADERS, again), economy)
    road = Project.objects.get(pk=projects[ROAD].pk)
    assert road.method == "simple" and ExpectedTax.objects.get(project=road).vat != before
    assert_expected_fresh(road, setup)


# ---- tax receipts ------------------------------------------------------------------------------------------


def test_receipts_are_matched_kept_when_unknown_and_never_counted_twice(world, setup, economy, tmp_path):
    projects = ledger(world, setup, economy, tmp_path)
    unknown = "91370125MA3C5X8Q04"
    rows = [
        [
            OTHER_PROVINCE,
            "北京示例建工集团有限公司",
            "增值税",
            "2019-05",
            "18,000.00",
            "关于孔家坊村道路硬化工程的预缴",
        ],
        [OTHER_PROVINCE, "北京示例建工集团有限公司", "城建税", "2019年5月", "1260", ""],  # its only project
        [SAME_CITY, "山东示例建设有限公司", "增值税", "2019-05-01至2019-05-31", "500", "阎桥村 污水处理站"],
        [unknown, "济阳某某商贸有限公司", "企业所得税", "2019-05", "300", ""],  # an unknown taxpayer: kept
        [BAD_CHECK, "某公司", "增值税", "2019-05", "10", ""],
        [OTHER_PROVINCE, "北京示例建工集团有限公司", "增值税", "2019-05", "18000", "关于孔家坊村道路硬化工程的预缴"],
        [OTHER_PROVINCE, "北京示例建工集团有限公司", "印花税", "2019-05", "10", ""],
    ]
    path = write_xlsx(tmp_path / "r.xlsx", RECEIPT_HEADERS, rows, title="国家税务总局济阳区税务局 入库明细")
    job = start(importer.RECEIPTS, world.sub, path, economy)
    said = "\n".join(problems(job))
    assert job.summary["errors"] == 3 and job.summary["add"] == 4, said
    assert "校验位不对" in said
    assert "与本文件第 4 行重复" in said  # the same receipt twice, naming the other row
    assert "「印花税」不是可选的值" in said
    assert any("已导入并列入未匹配" in w for w in problems(job, "warning"))
    import_actions.do_confirm(job, only_valid=True, actor=economy, scope=scope_for(economy))
    road, plant = projects[ROAD], projects[PLANT]
    vat = TaxReceipt.objects.get(taxpayer_id=OTHER_PROVINCE, tax="vat")
    assert vat.project == road and vat.region == world.kong and vat.amount == Decimal("18000.00")
    assert TaxReceipt.objects.get(taxpayer_id=OTHER_PROVINCE, tax="urban_maintenance").project == road
    assert TaxReceipt.objects.get(taxpayer_id=SAME_CITY).project == plant
    stranger = TaxReceipt.objects.get(taxpayer_id=unknown)
    assert (stranger.enterprise, stranger.project, stranger.region) == (None, None, world.sub)
    # the same file again: nothing new, nothing twice
    job = run(importer.RECEIPTS, world.sub, path, economy, only_valid=True)
    assert (job.summary["add"], job.summary["update"], job.summary["unchanged"]) == (0, 0, 4)
    assert TaxReceipt.objects.filter(subdistrict=world.sub).count() == 4


# ---- rights --------------------------------------------------------------------------------------------------


def test_a_village_cadre_may_not_import_projects(world, setup, tmp_path):
    cadre = person("demo-village")
    path = write_xlsx(tmp_path / "ledger.xlsx", LEDGER_HEADERS, LEDGER_ROWS)
    with pytest.raises(Exception) as caught, path.open("rb") as fh:
        import_actions.do_start_import(
            importer.PROJECTS, world.sub, File(fh, name=path.name), actor=cadre, scope=scope_for(cadre)
        )
    assert "无权" in " ".join(getattr(caught.value, "messages", [str(caught.value)]))
    assert not ImportJob.objects.filter(importer=importer.PROJECTS).exists()


# ---- 应收未收 --------------------------------------------------------------------------------------------------


def _many_projects(world, setup, n: int, month: datetime.date) -> None:
    e = Enterprise.objects.create(
        subdistrict=world.sub, region=world.sub, name="示例", uscc=OTHER_PROVINCE, county_code="110108"
    )
    ids = []
    for i in range(n):
        p = Project.objects.create(
            subdistrict=world.sub,
            region=world.kong,
            name=f"项目{i:03d}",
            contractor=e,
            relation="other_province",
            planned_investment=Decimal(100),
            status="building",
        )
        ProjectMonth.objects.create(project=p, month=month, received=Decimal(1090000 + i))
        TaxReceipt.objects.create(
            subdistrict=world.sub,
            region=world.kong,
            taxpayer_id=e.uscc,
            taxpayer_name=e.name,
            tax="vat",
            period=month,
            amount=Decimal(100 * (i + 1)),
            enterprise=e,
            project=p,
            key=f"k{i}",
        )
        ids.append(p.pk)
    monitor.refresh(ids)


@pytest.mark.parametrize("n", [1, 30])
def test_the_gap_takes_a_fixed_number_of_queries(world, setup, economy, n, django_assert_num_queries):
    month = datetime.date(2019, 5, 1)
    _many_projects(world, setup, n, month)
    scope = scope_for(economy)
    with django_assert_num_queries(3):
        rows = queries.gap(setup, month, scope=scope)
    assert len(rows) == 5 * n
    first = next(r for r in rows if r.project == "项目000" and r.tax == "vat")
    assert first.received == Decimal(100) and first.gap == first.expected - Decimal(100) and first.expected > 0


def test_the_gap_file_reads_back_with_the_same_numbers(world, setup, economy):
    month = datetime.date(2019, 5, 1)
    _many_projects(world, setup, 3, month)
    exported = exports.gap_xlsx(setup, month, scope=scope_for(economy))
    ws = load_workbook(io.BytesIO(exported.data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = values.index(exports.GAP_HEADERS)
    body = values[header + 1 :]
    want = exports.gap_rows(setup, month, scope_for(economy))
    assert len(body) == len(want) == 15
    for got, row in zip(body, want, strict=True):
        assert got[:5] == row[:5]
        assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in got[5:]] == row[5:]


def test_a_village_cadre_sees_no_gap(world, setup):
    with pytest.raises(Exception, match="无权"):
        queries.gap(setup, datetime.date(2019, 5, 1), scope=scope_for(person("demo-village")))


def test_a_contractor_that_moved_takes_all_its_projects_along(world, setup, economy, tmp_path):
    second = list(LEDGER_ROWS[1])
    second[0] = "阎桥村道路工程"
    ledger_rows = [*LEDGER_ROWS, second]
    run(importer.PROJECTS, world.sub, write_xlsx(tmp_path / "l.xlsx", LEDGER_HEADERS, ledger_rows), economy)
    run(
        importer.MONTHS,
        world.sub,
        write_xlsx(tmp_path / "m.xlsx", MONTH_HEADERS, [["阎桥村道路工程", "2019-04", "1030000", "0", "1"]]),
        economy,
    )
    other = Project.objects.get(name="阎桥村道路工程")
    assert other.relation == "same_city" and ExpectedTax.objects.get(project=other).leaves
    moved = list(LEDGER_ROWS[1])
    moved[5] = "370202"  # the contractor now registered in 青岛: it prepays here
    run(importer.PROJECTS, world.sub, write_xlsx(tmp_path / "l2.xlsx", LEDGER_HEADERS, [moved]), economy)
    other.refresh_from_db()
    assert other.relation == "same_province" and not ExpectedTax.objects.get(project=other).leaves
    assert_expected_fresh(other, setup)
