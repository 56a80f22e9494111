"""Who may import what (issue 9 §1, §13, §15): a key that belongs to a row the person may not write is an error,
never an update — at preview and again when the import is written — and the preview says nothing about that row;
a read-only viewer stores nothing; a refused file's "rejected rows" is a sentence, not a server error."""

from pathlib import Path

import openpyxl
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from zhili.core.models import AuditEntry
from zhili.imports.models import ImportJob, ImportStatus
from zhili.ledgers.actions import do_update_row
from zhili.ledgers.models import LedgerRow
from zhili.people.models import Person
from zhili.people.scope import scope_for

GAS = "/ledgers/gas-conversion"
HEADER = ["村", "户主姓名", "身份证号", "联系电话", "改造方式", "完工日期", "验收状态", "补贴金额（元）"]


def gas_file(path: Path, *rows) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def upload(client, path: Path):
    response = client.post(f"{GAS}/import/", {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    return response, ImportJob.objects.order_by("-id").first()


def someone_elses_row(world) -> LedgerRow:
    """A row of 太平社区 (not demo-village's 孔家坊)."""
    return (
        LedgerRow.objects.filter(ledger__code="gas-conversion", archived_at__isnull=True)
        .exclude(region__path__startswith=world.kong.path)
        .order_by("pk")
        .first()
    )


def test_a_village_cadre_cannot_take_over_another_villages_row_by_importing(world, as_persona, tmp_path):
    row = someone_elses_row(world)
    before = (row.region_id, row.data, row.revision)
    client = as_persona("village")
    probe = ("孔家坊村", "探针户", row.key_value, "13900099999", "电采暖", "2020-10-01", "已验收", 1)
    response, job = upload(client, gas_file(tmp_path / "探针.xlsx", probe))
    assert response.status_code == 302 and job.status == ImportStatus.PREVIEWED
    assert (job.summary["update"], job.summary["add"], job.summary["errors"]) == (0, 0, 1)
    (problem,) = [p for p in job.problems if p["level"] == "error"]
    assert problem["column"] == "身份证号" and "该身份证号已登记在您无权修改的村（社区）" in problem["reason"]
    page = client.get(f"{GAS}/import/{job.pk}/").content.decode()
    assert "该身份证号已登记在您无权修改的村（社区）" in page
    for secret in (row.data["head_name"], row.data.get("phone"), row.region.name, row.key_value):
        assert secret and secret not in page  # nothing about the other village's row, not even where it is
    client.post(f"{GAS}/import/{job.pk}/", {"mode": "only_valid"})
    row.refresh_from_db()
    assert (row.region_id, row.data, row.revision) == before
    assert not AuditEntry.objects.filter(action="ledger.row.import", object_id=str(row.pk)).exists()


def test_the_rows_region_is_asked_again_when_the_import_is_written(world, as_persona, tmp_path):
    """Previewed as an update of a 孔家坊 row; the leader moves that row to 阎桥 before the cadre confirms: the
    import writes nothing to it."""
    row = LedgerRow.objects.filter(ledger__code="gas-conversion", region=world.kong, archived_at__isnull=True).first()
    data = row.data
    changed = ("孔家坊村", data["head_name"], data["id_number"], "13900088888", data["method"], None, data["status"])
    client = as_persona("village")
    _, job = upload(client, gas_file(tmp_path / "改电话.xlsx", changed))
    assert job.summary["update"] == 1 and job.summary["errors"] == 0
    leader = Person.objects.get(username="demo-leader")
    moved = {k: str(v) for k, v in data.items()}
    moved["village"] = "阎桥村"
    do_update_row(row, moved, revision=row.revision, actor=leader, scope=scope_for(leader))
    row.refresh_from_db()
    assert row.region == world.yan
    response = client.post(f"{GAS}/import/{job.pk}/", {"mode": "all"}, follow=True)
    assert "按“全部或全不”未写入任何数据" in response.content.decode()
    client.post(f"{GAS}/import/{job.pk}/", {"mode": "only_valid"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and (job.summary["update"], job.summary["errors"]) == (0, 1)
    after = LedgerRow.objects.get(pk=row.pk)
    assert after.region == world.yan and after.data.get("phone") == data.get("phone")


def test_a_read_only_viewer_cannot_upload_and_nothing_is_stored(world, as_persona, tmp_path):
    stored = Path(settings.MEDIA_ROOT) / "imports"
    files_before = set(stored.rglob("*")) if stored.exists() else set()
    jobs, entries = ImportJob.objects.count(), AuditEntry.objects.count()
    path = gas_file(tmp_path / "只读.xlsx", ("孔家坊村", "只读户", "370125196001019971", "", "电采暖", None, "已验收"))
    response, _ = upload(as_persona("viewer"), path)
    assert response.status_code == 403 and "无权" in response.content.decode()
    assert ImportJob.objects.count() == jobs and AuditEntry.objects.count() == entries
    assert (set(stored.rglob("*")) if stored.exists() else set()) == files_before


def test_the_rejected_rows_of_a_file_refused_outright_are_a_sentence(world, as_persona, tmp_path):
    fake = tmp_path / "台账.xlsx"
    fake.write_text("这不是表格")
    client = as_persona("village")
    _, job = upload(client, fake)
    assert job.status == ImportStatus.FAILED
    response = client.get(f"{GAS}/import/{job.pk}/rejected.xlsx")
    assert response.status_code == 404 and "没有未导入的行可以下载" in response.content.decode()


def test_the_preview_names_each_column_by_its_field_not_its_internal_key(world, as_persona, tmp_path):
    client = as_persona("village")
    own = ("孔家坊村", "新户", "370125197001019879", "13900099997", "电采暖", "2020-10-01", "已完工", 1)
    _, job = upload(client, gas_file(tmp_path / "新户.xlsx", own))
    page = client.get(f"{GAS}/import/{job.pk}/").content.decode()
    assert "身份证号 → 身份证号" in page and "→ id_number" not in page and "→ head_name" not in page
