"""`zhili report list|fill|map` (issue 16) on the demo's three forms: the same rights and audit as the pages — a
line per form with its period's status and counts, a period fetched and the superior's file written filled (what
Zhili filled, what is left for people), each mapped cell with its source; unknown forms, bad periods and people
without the right are Chinese sentences (a CommandError: exit code 1)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhili.core.models import AuditEntry
from zhili.reports.models import Filing, FilingStatus, FilingValue, ReportForm

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_list_prints_one_line_per_form_with_its_period_status_and_counts(world):
    lines = run("list").splitlines()  # as the township's administrator (demo-leader)
    assert len(lines) == 4
    hj, jj, ms, total = lines
    assert hj.startswith("HJ-01  环境整治周报表  每周  2020年第46周") and "待审核" in hj
    assert jj.startswith("JJ-01  经济运行情况月报表  每月  2020年10月") and "待审批" in jj
    assert "系统填写 15 格，人工填写 1 格" in jj
    assert ms.startswith("MS-01  民生实事村级进度月报表  每月  2020年10月") and "填报中" in ms
    assert total.startswith("合计：系统填写 953 格，人工填写 93 格")
    september = run("list", "--period", "2020-09", "--user", "demo-viewer")
    assert "2020年9月  已报送" in september and "2020年第39周" in september


def test_fill_fetches_the_period_and_writes_the_superiors_file(world, tmp_path):
    target = tmp_path / "民生.xlsx"
    before = AuditEntry.objects.filter(action="reports.filing.export").count()
    said = run("fill", "MS-01", "--period", "2020-10", "-o", str(target), "--user", "demo-urban")
    assert "系统填写 921 格，待人工填写 3 格" in said and str(target) in said and "填报中" in said
    assert AuditEntry.objects.filter(action="reports.filing.export").count() == before + 1
    assert AuditEntry.objects.filter(action="reports.filing.fill", actor__username="demo-urban").exists()
    filing = Filing.objects.get(form__code="MS-01", period="2020-10")
    ws = openpyxl.load_workbook(target).active
    assert ws["A1"].value == "民生实事村级进度月报表"
    some = FilingValue.objects.filter(filing=filing, village=world.kong, number__isnull=False).first()
    assert ws[some.ref].value == pytest.approx(float(some.number))


def test_fill_of_an_approved_period_exports_it_as_approved(world, tmp_path):
    target = tmp_path / "jj.xlsx"
    said = run("fill", "JJ-01", "--period", "2020-09", "-o", str(target), "--user", "demo-viewer")
    assert "已报送" in said and "不重新取数" in said and "系统填写 15 格，待人工填写 0 格" in said
    assert Filing.objects.get(form__code="JJ-01", period="2020-09").status == FilingStatus.SENT
    assert openpyxl.load_workbook(target).active["E2"].value == "2020年9月"


def test_fill_of_a_period_under_approval_exports_it_as_submitted(world, tmp_path):
    said = run("fill", "JJ-01", "--period", "2020-10", "-o", str(tmp_path / "a.xlsx"), "--user", "demo-economy")
    assert "待审批" in said and "按提交时的数据导出" in said and (tmp_path / "a.xlsx").exists()
    assert Filing.objects.get(form__code="JJ-01", period="2020-10").status == FilingStatus.APPROVAL


def test_map_prints_each_mapped_cell_its_label_and_source(world):
    lines = run("map", "JJ-01").splitlines()
    assert lines[0].startswith("经济运行情况月报表 第1版表样")
    d5 = next(line for line in lines if line.startswith("D5\t"))
    assert "固定资产投资完成额" in d5 and "本月" in d5 and "在建项目" in d5
    d12 = next(line for line in lines if line.startswith("D12\t"))
    assert "规模以上工业总产值" in d12 and "人工填写" in d12
    assert lines[-1] == "共 16 个映射，其中人工填写 1 个。"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["fill", "XX-99", "--period", "2020-09"], ["没有编号为“XX-99”", "HJ-01、JJ-01、MS-01"]),
        (["map", "nope"], ["没有编号为“nope”"]),
        (["fill", "HJ-01", "--period", "2020-09"], ["报送期“2020-09”无效", "2020-W40"]),
        (["fill", "JJ-01", "--period", "2020-13"], ["报送期“2020-13”无效"]),
        (["list", "--period", "last month"], ["报送期“last month”无效"]),
        (["list", "--user", "demo-village"], ["无权查看“太平街道”的上报报表"]),
        (["fill", "HJ-01", "--period", "2020-W47", "--user", "demo-economy"], ["无权为“环境整治周报表”取数"]),
        (["fill", "MS-01", "--period", "2020-10", "--user", "demo-viewer"], ["无权为“民生实事村级进度月报表”取数"]),
        (["list", "--user", "nobody"], ["找不到可用的人员“nobody”"]),
    ],
)
def test_clear_chinese_refusals_and_nothing_written(world, tmp_path, args, words):
    if args[0] == "fill":
        args = [*args, "-o", str(tmp_path / "x.xlsx")]
    before = AuditEntry.objects.count()
    with pytest.raises(CommandError) as exc:
        run(*args)
    for w in words:
        assert w in str(exc.value)
    assert AuditEntry.objects.count() == before and not (tmp_path / "x.xlsx").exists()


def test_a_township_without_forms_says_so(world):
    from zhili.demo.reports2020 import without_reports

    without_reports(world.sub)
    assert not ReportForm.objects.exists()
    assert run("list") == "“太平街道”还没有上报报表。\n"
