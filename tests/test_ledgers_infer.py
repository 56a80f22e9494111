"""A ledger proposed from the spreadsheet an office keeps (issue 11): `zhili.ledgers.infer` on the demo's own
ledgers exported and stripped of their definition, on office layouts (title rows, a merged header, a 合计 row),
and `zhili ledger infer` writing a definition `zhili ledger define` takes unchanged."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from stdnum.cn import ric

from zhili.ledgers import definitions, exporting, infer
from zhili.ledgers.models import Ledger, LedgerRow


def identity(n: int) -> str:
    body = f"37012519800101{n:03d}"
    return body + ric.calc_check_digit(body + "0")


def test_the_demo_ledgers_exported_without_their_definition_get_their_own_field_types_back(world, tmp_path):
    right = total = 0
    report = []
    for ledger in Ledger.objects.filter(region=world.sub).select_related("current_version").order_by("code"):
        path = tmp_path / f"{ledger.code}.xlsx"
        path.write_bytes(exporting.ledger_xlsx(ledger, LedgerRow.objects.filter(ledger=ledger)))
        proposal = infer.propose(path, filename=path.name)
        demo = ledger.current_version.fields
        assert [f["label"] for f in proposal.fields] == [f["label"] for f in demo], ledger.code
        wrong = [
            (d["label"], d["type"], p["type"])
            for d, p in zip(demo, proposal.fields, strict=True)
            if d["type"] != p["type"]
        ]
        right += len(demo) - len(wrong)
        total += len(demo)
        report.append(f"{ledger.code}: {len(demo) - len(wrong)}/{len(demo)} {wrong}")
        assert proposal.title == ledger.name
    print("\n".join(report), f"\noverall {right}/{total} = {right / total:.0%}")
    assert total >= 50 and right / total >= 0.9, report


OFFICE_LABELS = ["村", "姓名", "身份证号", "联系电话", "改造方式", "完工日期", "是否验收", "补贴金额", "备注"]


def office_file(path, *, total_row=True):
    """A village's gas-conversion sheet as offices keep it: a title, a 填报单位 line, a two-row header under a
    merged 户主信息, 序号, a 合计 row and a signature line."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["孔家坊村气代煤改造台账"])
    sheet.append(["填报单位：孔家坊村", None, None, None, "填报日期：2020年10月"])
    sheet.append(
        ["序号", "村", "户主信息", None, "联系电话", "改造方式", "完工日期", "是否验收", "补贴金额（元）", "备注"]
    )
    sheet.append([None, None, "姓名", "身份证号", None, None, None, None, None, None])
    sheet.merge_cells("C3:D3")
    methods = ["燃气壁挂炉", "燃气灶具", "电采暖"]
    for i in range(1, 31):
        sheet.append(
            [
                i,
                "孔家坊" if i % 2 else "孔家坊村",
                f"户主{i}",
                identity(i),
                f"1390000{i:04d}",
                methods[i % 3],
                datetime.date(2020, 10, i % 28 + 1) if i % 5 else None,
                "是" if i % 2 else "否",
                3000 if i % 3 else 2500.5,
                None if i % 4 else "东头",
            ]
        )
    if total_row:
        sheet.append(["合计", None, None, None, None, None, None, None, 88000, None])
    sheet.append(["填表人：孔立新", None, None, "审核人：孔秀英"])
    book.save(path)
    return path


def test_an_office_layout_is_read_under_its_titles_and_merged_header(tmp_path):
    proposal = infer.propose(office_file(tmp_path / "孔家坊.xlsx"), filename="孔家坊.xlsx")
    by_label = {f["label"]: f for f in proposal.fields}
    assert list(by_label) == OFFICE_LABELS
    assert [by_label[k]["type"] for k in by_label] == [
        "region", "text", "id_number", "phone", "choice", "date", "bool", "decimal", "text",
    ]  # fmt: skip
    assert [by_label[k]["key"] for k in by_label] == [
        "village", "name", "id_number", "phone", "method", "finished_on", "accepted", "amount", "note",
    ]  # fmt: skip
    assert by_label["补贴金额"]["unit"] == "元"
    assert by_label["改造方式"]["choices"] == ["燃气灶具", "电采暖", "燃气壁挂炉"]
    assert by_label["身份证号"]["required"] and by_label["身份证号"]["sensitive"]
    assert not by_label["完工日期"]["required"] and not by_label["备注"]["required"]
    assert proposal.key == ["id_number"] and proposal.level == "household"
    assert proposal.rows == 30 and proposal.title == "孔家坊村气代煤改造台账"
    assert proposal.header_rows == (3, 4)
    assert any("序号" in n for n in proposal.notes)
    definitions.check_fields(proposal.fields, proposal.key)  # a definition the ledgers accept


def test_only_the_first_rows_are_read_and_the_proposal_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(infer, "SAMPLE_ROWS", 10)
    proposal = infer.propose(office_file(tmp_path / "big.xlsx"), filename="big.xlsx")
    assert proposal.rows == 10 and proposal.more
    assert any("只按前 10 行推断" in n for n in proposal.notes)


def test_a_file_without_a_header_is_refused_with_a_sentence(tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text("1,2,3\n4,5,6\n", encoding="utf-8")
    with pytest.raises(infer.excel.SpreadsheetError, match="没有找到表头"):
        infer.propose(path, filename=path.name)


def test_known_village_names_make_a_region_column_whatever_its_header(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("试点单位,户数\n" + "".join(f"{v},{n}\n" for v, n in [("孔家坊", 3), ("阎桥", 4)] * 3), "utf-8")
    assert infer.propose(path, filename="x.csv").fields[0]["type"] != "region"
    proposal = infer.propose(path, filename="x.csv", regions=["孔家坊村", "阎桥村"])
    assert [f["type"] for f in proposal.fields] == ["region", "integer"]
    assert proposal.fields[1]["key"] == "households"


def test_the_command_writes_a_definition_that_ledger_define_takes_unchanged(world, tmp_path, capsys):
    source = office_file(tmp_path / "孔家坊.xlsx")
    out = tmp_path / "gas.yaml"
    call_command("ledger", "infer", str(source), "--code", "village-gas", "--name", "村级气代煤台账", "-o", str(out))
    printed = capsys.readouterr().out
    assert "9 个字段" in printed and "身份证号（身份证号，必填，唯一键） key: id_number" in printed
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["code"] == "village-gas" and data["name"] == "村级气代煤台账" and data["key"] == ["id_number"]
    call_command("ledger", "define", str(out), "--user", "demo-leader")
    ledger = Ledger.objects.get(region=world.sub, code="village-gas")
    assert [f["label"] for f in ledger.current_version.fields] == [f["label"] for f in data["fields"]]
    call_command("ledger", "import", "village-gas", str(source), "--user", "demo-leader")
    assert LedgerRow.objects.filter(ledger=ledger).count() == 30


def test_the_command_refuses_a_bad_file_or_code_with_a_sentence(tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("ledger", "infer", str(tmp_path / "none.xlsx"), "--code", "x", "-o", str(tmp_path / "x.yaml"))
    with pytest.raises(CommandError, match="台账代码"):
        call_command(
            "ledger", "infer", str(office_file(tmp_path / "a.xlsx")), "--code", "Bad Code", "-o", str(tmp_path / "x")
        )
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a spreadsheet")
    with pytest.raises(CommandError):
        call_command("ledger", "infer", str(bad), "--code", "x", "-o", str(tmp_path / "x.yaml"))


def test_an_inferred_file_round_trips_through_an_in_memory_upload(tmp_path):
    buf = io.BytesIO(office_file(tmp_path / "a.xlsx").read_bytes())
    assert len(infer.propose(buf, filename="a.xlsx").fields) == 9
