"""Importing the Excel offices really use: preview first, exact error rows, all-or-nothing or only valid rows,
export → import round trip, and the CLI."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.ledger_factory import EXPECTED_ERRORS, define, ident, messy_workbook
from zhili.core.models import AuditEntry
from zhili.imports.models import ImportJob, ImportStatus
from zhili.ledgers.models import LedgerRow
from zhili.people.models import Person
from zhili.people.scope import scope_for


@pytest.fixture
def ledger(world):
    return define(world)


def upload(client, ledger, path):
    with open(path, "rb") as fh:
        response = client.post(f"/ledgers/{ledger.code}/import/", {"file": SimpleUploadedFile(path.name, fh.read())})
    assert response.status_code == 302, response.content[:500]
    return ImportJob.objects.latest("id")


def test_a_messy_file_previews_with_exactly_the_right_errors(ledger, as_persona, tmp_path):
    job = upload(as_persona("leader"), ledger, messy_workbook(tmp_path / "孔家坊气代煤.xlsx"))
    assert job.status == ImportStatus.PREVIEWED, job.message
    assert LedgerRow.objects.filter(ledger=ledger).count() == 0  # nothing written before confirmation
    errors = {(p["row"], p["column"]) for p in job.problems if p["level"] == "error"}
    assert {row for row, _ in errors} == set(EXPECTED_ERRORS)
    for row, column in EXPECTED_ERRORS.items():
        assert (row, column) in errors
    reasons = {p["row"]: p["reason"] for p in job.problems if p["level"] == "error"}
    assert "Excel" in reasons[8] or "数字" in reasons[8]  # the number Excel mangled, explained
    assert "第 5 行重复" in reasons[9]
    # the 合计 row and the signature line are skipped (the blank row never counts as a data row)
    assert job.summary["add"] == 4 and job.summary["errors"] == 3 and job.summary["skipped"] >= 2
    assert job.summary["rows"] == 7
    warnings = [p for p in job.problems if p["level"] == "warning"]
    assert any(p["row"] == 7 for p in warnings)  # retired area code: a warning, not a refusal
    page = as_persona("leader").get(f"/ledgers/{ledger.code}/import/{job.pk}/").content.decode()
    assert "第 5 行重复" in page and "只导入正确的行" in page


def test_all_or_nothing_then_only_valid_rows(ledger, as_persona, tmp_path):
    client = as_persona("leader")
    job = upload(client, ledger, messy_workbook(tmp_path / "f.xlsx"))
    client.post(f"/ledgers/{ledger.code}/import/{job.pk}/", {"mode": "all"})
    assert LedgerRow.objects.filter(ledger=ledger).count() == 0
    client.post(f"/ledgers/{ledger.code}/import/{job.pk}/", {"mode": "only_valid"})
    rows = {r.data["head"]: r for r in LedgerRow.objects.filter(ledger=ledger)}
    assert set(rows) == {"孔繁林", "孔德胜", "孔秀兰", "阎春梅"}
    first = rows["孔繁林"].data
    assert first["subsidy"] == "3200.50"  # full-width digits and a thousands separator
    assert first["finished_on"] == "2020-05-12"  # 2020.5.12
    assert rows["孔德胜"].data["finished_on"] == "2020-06-03"  # 2020年6月3日
    assert rows["孔德胜"].data["status"] == "已完工"  # trailing space
    assert rows["孔德胜"].region.name == "孔家坊村"  # with or without 村
    assert first["phone"] == "13900000001"
    rejected = client.get(f"/ledgers/{ledger.code}/import/{job.pk}/rejected.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(rejected.content))
    values = [[c for c in r] for r in wb.active.iter_rows(values_only=True)]
    assert values[-1][-1] and "改造方式" in values[-1][-1]
    assert sum(1 for r in values if r[-1] and "第" in str(r[-1])) == 3


def test_a_village_cadre_cannot_import_rows_of_another_village(ledger, as_persona, tmp_path):
    job = upload(as_persona("village"), ledger, messy_workbook(tmp_path / "f.xlsx"))
    reasons = {p["row"]: p["reason"] for p in job.problems if p["level"] == "error"}
    assert "不在您的填报范围内" in reasons[10]


def test_export_then_import_reports_no_change(ledger, as_persona, tmp_path):
    client = as_persona("leader")
    job = upload(client, ledger, messy_workbook(tmp_path / "f.xlsx"))
    client.post(f"/ledgers/{ledger.code}/import/{job.pk}/", {"mode": "only_valid"})
    exported = client.get(f"/ledgers/{ledger.code}/export.xlsx").content
    path = tmp_path / "export.xlsx"
    path.write_bytes(exported)
    again = upload(client, ledger, path)
    assert again.summary == {**again.summary, "add": 0, "update": 0, "errors": 0, "unchanged": 4}
    # formulas are never exported
    wb = openpyxl.load_workbook(io.BytesIO(exported))
    assert not any(isinstance(c.value, str) and c.data_type == "f" for row in wb.active.iter_rows() for c in row)


def test_bad_files_are_refused_in_chinese_and_write_nothing(ledger, as_persona, tmp_path):
    client = as_persona("leader")
    before = LedgerRow.objects.count()
    fake = tmp_path / "台账.xlsx"
    fake.write_text("这不是表格")
    job = upload(client, ledger, fake)
    assert job.status == ImportStatus.FAILED and "不是" in job.message
    assert LedgerRow.objects.count() == before


def test_a_row_edited_by_two_people_gives_the_second_a_conflict(ledger, as_persona, world):
    leader = Person.objects.get(username="demo-leader")
    from zhili.ledgers.actions import do_add_row

    row = do_add_row(
        ledger,
        {
            "village": "孔家坊",
            "head": "孔一",
            "id_number": ident(11),
            "method": "燃气灶具",
            "status": "施工中",
            "subsidy": "100",
        },
        actor=leader,
        scope=scope_for(leader),
    )
    a, b = as_persona("leader"), as_persona("village")
    form = {
        "village": "孔家坊村",
        "head": "孔一",
        "id_number": ident(11),
        "method": "燃气灶具",
        "subsidy": "100",
        "revision": str(row.revision),
    }
    assert a.post(f"/ledgers/{ledger.code}/rows/{row.pk}/", {**form, "status": "已完工"}).status_code == 302
    response = b.post(f"/ledgers/{ledger.code}/rows/{row.pk}/", {**form, "status": "已验收"})
    assert response.status_code == 409
    assert "已被周太平" in response.content.decode() and "避免覆盖" in response.content.decode()
    row.refresh_from_db()
    assert row.data["status"] == "已完工" and row.revision == 2
    history = AuditEntry.objects.filter(object_type="ledgers.ledgerrow", object_id=str(row.pk))
    assert history.filter(action="ledger.row.edit").get().changes["status"] == ["施工中", "已完工"]


def test_the_cli_previews_and_refuses_with_exit_status(ledger, world, tmp_path, capsys):
    path = messy_workbook(tmp_path / "cli.xlsx")
    with pytest.raises(CommandError) as exc:  # on the command line: the sentence, and exit status 1
        call_command("ledger", "import", ledger.code, str(path), "--dry-run", "--user", "demo-leader")
    assert exc.value.returncode == 1 and "存在错误" in str(exc.value)
    out = capsys.readouterr().out
    assert "第 8 行 身份证号" in out and "试运行" in out
    assert LedgerRow.objects.filter(ledger=ledger).count() == 0
    call_command("ledger", "import", ledger.code, str(path), "--only-valid", "--user", "demo-leader")
    assert LedgerRow.objects.filter(ledger=ledger).count() == 4
    out_file = tmp_path / "out.xlsx"
    call_command("ledger", "export", ledger.code, "-o", str(out_file), "--user", "demo-leader")
    assert out_file.stat().st_size > 0


def test_the_importer_matches_the_form(ledger, world):
    """A value typed in the browser goes through the same parsing as a cell."""
    leader = Person.objects.get(username="demo-leader")
    from zhili.ledgers.actions import do_add_row

    row = do_add_row(
        ledger,
        {
            "village": "孔家坊村",
            "head": "孔二",
            "id_number": ident(12),
            "subsidy": "１，２００",
            "finished_on": "2020年5月12日",
        },
        actor=leader,
        scope=scope_for(leader),
    )
    assert row.data["subsidy"] == "1200.00" and row.data["finished_on"] == "2020-05-12"
    assert Decimal(row.data["subsidy"]) == 1200


def test_a_large_file_is_checked_in_the_background(ledger, as_persona, tmp_path, settings):
    from zhili.core import jobs

    settings.ZHILI_IMPORT_BACKGROUND_KB = 0  # every file counts as large here
    client = as_persona("leader")
    job = upload(client, ledger, messy_workbook(tmp_path / "big.xlsx"))
    assert job.status == ImportStatus.QUEUED
    page = client.get(f"/ledgers/{ledger.code}/import/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page and "后台处理" in page
    assert jobs.run_once() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED and job.summary["errors"] == 3
    # the write, queued as the page does for large files, is done by the worker
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.COMMITTING, progress=0, only_valid=True)
    jobs.run_once()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert LedgerRow.objects.filter(ledger=ledger).count() == 4


def test_a_file_over_the_size_limit_is_refused_before_reading(ledger, as_persona, tmp_path, settings):
    settings.ZHILI_IMPORT_MAX_MB = 1
    path = tmp_path / "huge.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 400_000)
    with open(path, "rb") as fh:
        response = as_persona("leader").post(
            f"/ledgers/{ledger.code}/import/", {"file": SimpleUploadedFile(path.name, fh.read())}
        )
    assert response.status_code == 400 and "超过上限 1 MB" in response.content.decode()
    assert not ImportJob.objects.filter(filename="huge.csv").exists()


def test_a_column_the_importer_cannot_place_is_mapped_by_hand_and_remembered(ledger, as_persona, tmp_path):
    """The office calls the household head "户主" and the village "所在村": required columns the importer cannot
    guess. The preview says so and offers the columns; the person maps them; the next file is mapped at once."""
    from zhili.imports.models import ColumnMemory

    path = tmp_path / "own-headers.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "所在村", "户主", "身份证号", "验收状态"])
    sheet.append([1, "孔家坊村", "孔令军", ident(501), "已验收"])
    sheet.append([2, "孔家坊村", "孔令民", ident(502), "施工中"])
    book.save(path)
    client = as_persona("leader")
    job = upload(client, ledger, path)
    assert job.status == ImportStatus.FAILED and "村、户主姓名" in job.message
    page = client.get(f"/ledgers/{ledger.code}/import/{job.pk}/").content.decode()
    assert 'name="col-1"' in page and "调整列对应" in page
    response = client.post(
        f"/ledgers/{ledger.code}/import/{job.pk}/",
        {"mode": "remap", "col-0": "", "col-1": "village", "col-2": "head", "col-3": "id_number", "col-4": "status"},
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED and job.summary["add"] == 2 and job.summary["errors"] == 0
    assert job.mapping["户主"] == "head"
    leader = Person.objects.get(username="demo-leader")
    remembered = dict(
        ColumnMemory.objects.filter(person=leader, importer="ledger", target_id=ledger.pk).values_list(
            "header", "field_key"
        )
    )
    assert remembered.items() >= {"所在村": "village", "户主": "head"}.items()
    client.post(f"/ledgers/{ledger.code}/import/{job.pk}/", {"mode": "all"})
    assert LedgerRow.objects.filter(ledger=ledger, data__head="孔令民").exists()
    # the next file with the same headers previews straight away, for this person
    again = upload(client, ledger, path)
    assert again.status == ImportStatus.PREVIEWED and again.summary["unchanged"] == 2
    other = upload(as_persona("urban"), ledger, path)
    assert other.status == ImportStatus.FAILED  # another person's choices are their own
