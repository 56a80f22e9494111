"""The four commands of issue 13 on the downloadable templates — `zhili projects import`, `zhili projects
import-monthly`, `zhili tax import-receipts`, `zhili tax gap` (and `zhili tax recompute`) — acting within the scope
of --user (by default the township's administrator); and the import pages, for those who manage the subdistrict's
projects only."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import person, without_demo_projects
from tests.test_projects_import import LEDGER_ROWS, OTHER_PROVINCE, PLANT, ROAD, SAME_CITY, assert_expected_fresh
from zhili.core.models import AuditEntry
from zhili.imports.models import ImportJob, ImportStatus
from zhili.people.models import Person, Role, RoleAssignment
from zhili.people.scope import scope_for
from zhili.projects import exports, importer, queries
from zhili.projects.models import ExpectedTax, Project, ProjectMonth, TaxReceipt
from zhili.regions.models import Level, Region


@pytest.fixture
def setup(world):
    without_demo_projects(world.sub)
    made = queries.setup_of(world.sub)
    made.save()
    return made


def filled(client, kind: str, rows: list[list], path: Path) -> Path:
    """The downloaded template with its example row replaced by `rows`."""
    response = client.get(reverse("projects:template", args=[kind]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content])))
    assert [s.title for s in wb.worksheets] == ["填写", "填写说明"]
    ws = wb.worksheets[0]
    ws.delete_rows(2)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_the_templates_have_exactly_the_issues_headers_and_an_example(as_persona):
    client = as_persona("economy")
    want = {
        "ledger": "项目名称 所在村 建设单位 施工单位 施工单位统一社会信用代码 施工单位注册地 项目部管理方式 计税方法 "
        "合同金额(万元) 计划总投资(万元) 开工日期 竣工日期 项目状态 是否已入库",
        "monthly": "项目名称 月份 本月收款(元) 本月支付分包款(元) 本月完成投资(万元)",
        "receipts": "纳税人识别号 纳税人名称 税种 所属期 实缴金额(元) 项目名称",
    }
    for kind, headers in want.items():
        response = client.get(reverse("projects:template", args=[kind]))
        ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        assert rows[0] == headers.split() and rows[1][0 if kind != "receipts" else 1].startswith("示例")


def test_an_unfilled_template_refuses_its_example_row(world, setup, as_persona, tmp_path, capsys):
    response = as_persona("economy").get(reverse("projects:template", args=["ledger"]))
    path = tmp_path / "模板.xlsx"
    path.write_bytes(response.content)
    with pytest.raises(CommandError):
        call_command("projects", "import", str(path), "--user", "demo-economy")
    assert "这是模板中的示例行" in capsys.readouterr().out
    assert not Project.objects.filter(subdistrict=world.sub).exists()


def test_the_four_commands_on_the_downloaded_templates(world, setup, as_persona, tmp_path, capsys):
    client = as_persona("economy")
    ledger = filled(client, "ledger", LEDGER_ROWS, tmp_path / "项目台账.xlsx")
    call_command("projects", "import", str(ledger), "--user", "demo-economy", "--dry-run")
    assert "试运行" in capsys.readouterr().out and not Project.objects.filter(subdistrict=world.sub).exists()
    call_command("projects", "import", str(ledger), "--user", "demo-economy")
    assert "新增 2 行" in capsys.readouterr().out
    monthly = filled(
        client,
        "monthly",
        [
            [ROAD, "2019-04", "1,090,000", "0", "100"],
            [ROAD, "2019-05", "2180000", "3,000,000", "100"],
            [PLANT, "2019-04", "1,030,000", "0", "80"],
        ],
        tmp_path / "月度数据.xlsx",
    )
    call_command("projects", "import-monthly", str(monthly), "--user", "demo-economy")
    out = capsys.readouterr().out
    assert "新增 3 行" in out and "差额结转以后月份抵减" in out  # the warning is printed, the row imported
    road = Project.objects.get(name=ROAD)
    assert_expected_fresh(road, setup)
    receipts = filled(
        client,
        "receipts",
        [
            [OTHER_PROVINCE, "北京示例建工集团有限公司", "增值税", "2019-04", "15000", ROAD],
            [OTHER_PROVINCE, "北京示例建工集团有限公司", "城市维护建设税", "2019-04", "1400", ""],
            [SAME_CITY, "山东示例建设有限公司", "增值税", "2019-04", "0.5", ""],
        ],
        tmp_path / "入库明细.xlsx",
    )
    call_command("tax", "import-receipts", str(receipts), "--user", "demo-economy")
    assert "新增 3 行" in capsys.readouterr().out
    assert TaxReceipt.objects.filter(project=road).count() == 2
    out_file = tmp_path / "应收未收.xlsx"
    call_command("tax", "gap", "--month", "2019-04", "-o", str(out_file), "--user", "demo-economy")
    assert "10 行" in capsys.readouterr().out  # two projects × five taxes
    ws = load_workbook(out_file).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    body = values[values.index(exports.GAP_HEADERS) + 1 :]
    page = queries.gap(setup, datetime.date(2019, 4, 1), scope=scope_for(person("demo-economy")))
    assert [(r[0], r[4], Decimal(str(r[5])), Decimal(str(r[6])), Decimal(str(r[7]))) for r in body] == [
        (g.project, g.tax_label, g.expected, g.received, g.gap) for g in page
    ]
    vat = next(g for g in page if g.project == ROAD and g.tax == "vat")
    assert vat.expected == ExpectedTax.objects.get(project=road, month=datetime.date(2019, 4, 1)).vat > 0
    assert vat.received == Decimal(15000) and vat.gap == vat.expected - Decimal(15000)
    leaving = [g for g in page if g.project == PLANT]
    assert all(g.expected == 0 and g.leaves for g in leaving)  # its tax leaves the jurisdiction: 0 expected here
    export = AuditEntry.objects.filter(action="tax.gap.export").latest("at")
    assert export.changes["rows"] == [None, 10] and export.actor.username == "demo-economy"
    # the rules file changed (say): everything computed again
    ExpectedTax.objects.all().delete()
    call_command("tax", "recompute", "--user", "demo-economy")
    assert "3 个项目月" in capsys.readouterr().out
    assert_expected_fresh(road, setup)
    assert AuditEntry.objects.filter(action="tax.recompute").exists()


def test_the_default_user_is_the_townships_administrator(world, setup, tmp_path, capsys):
    call_command("tax", "recompute")
    assert AuditEntry.objects.filter(action="tax.recompute").latest("at").actor.username == "demo-leader"
    second = Person.objects.create(username="second-admin", full_name="第二管理员")
    RoleAssignment.objects.create(person=second, role=Role.ADMIN, region=world.sub)
    with pytest.raises(CommandError, match="请用 --user 指定"):
        call_command("tax", "recompute")


def _other_township(world) -> Person:
    other = Region.objects.create(
        code="370115099",
        name="另一镇",
        level=Level.SUBDISTRICT,
        parent=world.district,
        path=f"{world.district.path}370115099/",
    )
    admin = Person.objects.create(username="other-admin", full_name="外镇管理员")
    RoleAssignment.objects.create(person=admin, role=Role.ADMIN, region=other)
    return admin


def test_a_village_cadre_or_another_townships_admin_is_refused_by_the_commands(world, setup, tmp_path):
    path = tmp_path / "ledger.xlsx"
    from tests.test_projects_import import LEDGER_HEADERS, write_xlsx

    write_xlsx(path, LEDGER_HEADERS, LEDGER_ROWS)
    with pytest.raises(CommandError, match="无权管理“太平街道”的项目与税源数据"):
        call_command("projects", "import", str(path), "--user", "demo-village")
    with pytest.raises(CommandError, match="无权管理"):
        call_command("tax", "gap", "--month", "2019-04", "-o", str(tmp_path / "g.xlsx"), "--user", "demo-grid")
    _other_township(world)
    with pytest.raises(CommandError, match="不在“other-admin”的权限范围内"):
        call_command("projects", "import", str(path), "--user", "other-admin", "--township", world.sub.code)
    with pytest.raises(CommandError, match=r"不是有效的月份|不是月份"):
        call_command("tax", "gap", "--month", "2019-13", "-o", str(tmp_path / "g.xlsx"))
    assert not Project.objects.filter(subdistrict=world.sub).exists()
    assert not (tmp_path / "g.xlsx").exists()


# ---- the pages ---------------------------------------------------------------------------------------------


def test_the_import_pages_preview_and_write_for_the_office_in_charge(world, setup, as_persona, tmp_path):
    client = as_persona("economy")
    assert client.get(reverse("projects:import_start", args=["ledger"])).url == reverse(
        "projects:import", args=["ledger", world.sub.code]
    )
    page = reverse("projects:import", args=["ledger", world.sub.code])
    response = client.get(page)
    assert response.status_code == 200 and "施工单位统一社会信用代码" in response.content.decode()
    path = filled(client, "ledger", LEDGER_ROWS, tmp_path / "台账.xlsx")
    with path.open("rb") as fh:
        response = client.post(page, {"file": fh})
    job = ImportJob.objects.get(importer=importer.PROJECTS, target_id=world.sub.pk)
    assert response.url == reverse("projects:import_job", args=["ledger", world.sub.code, job.pk])
    assert job.status == ImportStatus.PREVIEWED and client.get(response.url).status_code == 200
    client.post(response.url, {"mode": "all"})
    assert Project.objects.filter(subdistrict=world.sub).count() == 2
    assert AuditEntry.objects.filter(action="projects.import").exists()


def test_the_import_pages_refuse_a_village_cadre_and_another_townships_admin(world, setup, as_persona, client):
    for kind in ("ledger", "monthly", "receipts"):
        url = reverse("projects:import", args=[kind, world.sub.code])
        assert as_persona("village").get(url).status_code in (403, 404)
        assert as_persona("grid").get(url).status_code in (403, 404)
    client.force_login(_other_township(world))
    assert client.get(reverse("projects:import", args=["ledger", world.sub.code])).status_code == 404
    assert as_persona("economy").get(reverse("projects:import", args=["nonsense", world.sub.code])).status_code == 404
    assert not ProjectMonth.objects.exists()


def test_the_import_pages_and_the_audit_log_show_no_internal_word(world, setup, as_persona, tmp_path):
    from tests.test_no_internals_crawl import findings, internal_words

    client = as_persona("leader")
    pages = []
    for kind, rows in (
        ("ledger", LEDGER_ROWS),
        ("monthly", [[ROAD, "2019-04", "1090000", "2000000", "1"], [ROAD, "2018-01", "1", "0", "0"]]),
        ("receipts", [[OTHER_PROVINCE, "北京示例建工集团有限公司", "增值税", "2019-04", "15000", ""]] * 2),
    ):
        page = reverse("projects:import", args=[kind, world.sub.code])
        with filled(client, kind, rows, tmp_path / f"{kind}.xlsx").open("rb") as fh:
            job_url = client.post(page, {"file": fh}).url
        client.post(job_url, {"mode": "only_valid"})
        pages += [page, job_url]
    again = [list(r) for r in LEDGER_ROWS]
    again[0][1], again[0][6] = "阎桥村", "分支机构管理"  # an update: its history names the village and the way
    with filled(client, "ledger", again, tmp_path / "again.xlsx").open("rb") as fh:
        job_url = client.post(reverse("projects:import", args=["ledger", world.sub.code]), {"file": fh}).url
    client.post(job_url, {"mode": "all"})
    keys = internal_words()
    found = []
    from django.test import Client

    from tests.security_personas import admin_persona

    auditor = Client()  # the log is the audit administrator's (三员分立)
    auditor.force_login(admin_persona(world, "auditor"))
    for url in [*pages, job_url, "/audit/"]:
        response = (auditor if url == "/audit/" else client).get(url)
        assert response.status_code == 200, url
        found += findings(url, response.content.decode(), keys)
    assert found == []
    entry = AuditEntry.objects.filter(action="project.import").latest("at")
    assert entry.changes["village"] == ["孔家坊村", "阎桥村"]


class _Tables(HTMLParser):
    """Every table of a page as rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _yuan(text) -> Decimal:
    return Decimal(str(text).replace(",", "")).quantize(Decimal("0.01"))


def test_the_demos_gap_file_reads_back_with_the_pages_numbers(world, as_persona, tmp_path, capsys):
    """Done when: `zhili tax gap` on the demo writes a file whose rows beyond the threshold are the 应收未收 page's,
    number for number; the page's own download is the same file."""
    setup = queries.setup_of(world.sub)
    client = as_persona("economy")
    html = client.get("/projects/gap/?month=2020-10").content.decode()
    parser = _Tables()
    parser.feed(html)
    table = next(t for t in parser.tables if t and "应缴（元）" in t[0])
    page = sorted((r[0], r[4], _yuan(r[5]), _yuan(r[6]), _yuan(r[7])) for r in table[1:])
    assert len(page) >= 5  # the demo's realistic gaps

    out = tmp_path / "gap.xlsx"
    call_command("tax", "gap", "--month", "2020-10", "-o", str(out), "--user", "demo-economy")
    assert "2020-10" in capsys.readouterr().out
    rows = [[c.value for c in row] for row in load_workbook(out).active.iter_rows()]
    header = rows.index(exports.GAP_HEADERS)
    body = [r for r in rows[header + 1 :] if r[0]]
    from_file = sorted(
        (r[0], r[4], _yuan(r[5]), _yuan(r[6]), _yuan(r[7])) for r in body if _yuan(r[7]) > setup.gap_threshold
    )
    assert from_file == page
    assert all(r[3] == "2020-10" for r in body)
    # the page's download is the same file, and leaves an audit entry saying what left
    response = client.get("/projects/gap/export.xlsx?month=2020-10")
    assert response.status_code == 200
    downloaded = [[c.value for c in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert downloaded[header + 1 :] == rows[header + 1 :]
    assert AuditEntry.objects.filter(action="tax.gap.export", actor__username="demo-economy").count() == 2
