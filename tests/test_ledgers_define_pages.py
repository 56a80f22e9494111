"""Ledgers made and changed in the browser (issue 11): 从表格新建台账 — upload, proposed fields adjusted, saved,
the same file imported through the usual preview — and a definition edited field by field: a new version, the
same definition again none, refusals that name how many rows and an example, 409 for the second of two editors."""

from __future__ import annotations

import re

import pytest

from tests.scope_matrix import formset_post
from tests.test_ledgers_infer import OFFICE_LABELS, office_file
from zhili.core.models import AuditEntry
from zhili.imports import pipeline
from zhili.imports.models import ImportJob
from zhili.ledgers.forms import field_initial
from zhili.ledgers.models import Ledger, LedgerRow, LedgerVersion


def upload(client, path):
    with open(path, "rb") as fh:
        return client.post("/ledgers/new/from-file/", {"file": fh})


def test_from_an_office_file_to_imported_rows(world, as_persona, tmp_path):
    client = as_persona("leader")
    assert "从表格新建台账" in client.get("/ledgers/").content.decode()
    assert client.get("/ledgers/new/from-file/").status_code == 200
    response = upload(client, office_file(tmp_path / "孔家坊气代煤.xlsx"))
    assert response.status_code == 302
    url = response["Location"]
    assert re.fullmatch(r"/ledgers/new/from-file/[0-9a-f]{32}/", url)
    page = client.get(url)
    assert page.status_code == 200
    assert "孔家坊村气代煤改造台账" in page.content.decode()  # the title proposed as the name
    proposal = page.context["proposal"]
    rows = field_initial(proposal.fields, proposal.key)
    rows[1]["label"] = "户主姓名"  # renamed
    rows[8]["DELETE"] = True  # 备注: not wanted
    rows[6]["type"] = "choice"  # 是否验收 as a choice of two
    rows[6]["choices"] = "是、否"
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    response = client.post(
        url,
        {"code": "kong-gas", "name": "孔家坊气代煤", "level": "household", "unit": "", **formset_post(rows)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ledger = Ledger.objects.get(region=world.sub, code="kong-gas")
    fields = ledger.current_version.fields
    assert [f["label"] for f in fields] == ["村", "户主姓名", *OFFICE_LABELS[2:8]]  # renamed, 备注 dropped
    assert fields[6]["choices"] == ["是", "否"] and ledger.current_version.key == ["id_number"]
    job = ImportJob.objects.get(target_id=ledger.pk, importer="ledger")
    assert response["Location"] == f"/ledgers/kong-gas/import/{job.pk}/"
    assert {"ledger.define", "import.upload"} <= set(
        AuditEntry.objects.filter(id__gt=before).values_list("action", flat=True)
    )
    assert client.get(response["Location"]).status_code == 200
    job.refresh_from_db()
    assert (job.status, pipeline.Summary.of(job).add, pipeline.Summary.of(job).errors) == ("previewed", 30, 0)
    done = client.post(response["Location"], {"mode": "all"})
    assert done.status_code == 302
    assert LedgerRow.objects.filter(ledger=ledger).count() == 30
    assert client.get(url).status_code == 404  # the draft is gone with its import


def test_a_file_without_a_header_is_refused_and_nothing_kept(world, as_persona, tmp_path):
    path = tmp_path / "数字.csv"
    path.write_text("1,2\n3,4\n", encoding="utf-8")
    response = upload(as_persona("leader"), path)
    assert response.status_code == 400 and "没有找到表头" in response.content.decode()


def test_someone_elses_draft_is_not_found(world, as_persona, tmp_path):
    url = upload(as_persona("leader"), office_file(tmp_path / "a.xlsx"))["Location"]
    assert as_persona("urban").get(url).status_code == 404
    assert as_persona("leader").get("/ledgers/new/from-file/not-a-token/").status_code == 404


def test_an_office_makes_its_own_offices_ledger(world, as_persona, tmp_path):
    client = as_persona("urban")
    url = upload(client, office_file(tmp_path / "a.xlsx"))["Location"]
    page = client.get(url)
    form = page.context["form"]
    assert form.initial["unit"] == "urban" and "" not in dict(form.fields["unit"].choices)
    proposal = page.context["proposal"]
    data = {
        "code": "urban-gas",
        "name": "城管气代煤",
        "level": "household",
        **formset_post(field_initial(proposal.fields, proposal.key)),
    }
    assert client.post(url, {**data, "unit": ""}).status_code == 403  # a ledger no one of their office manages
    assert not Ledger.objects.filter(code="urban-gas").exists()
    assert client.post(url, {**data, "unit": "urban"}).status_code == 302
    assert Ledger.objects.get(code="urban-gas").unit.code == "urban"


def test_a_duplicate_code_is_refused_with_the_form_kept(world, as_persona, tmp_path):
    client = as_persona("leader")
    url = upload(client, office_file(tmp_path / "a.xlsx"))["Location"]
    proposal = client.get(url).context["proposal"]
    response = client.post(
        url,
        {
            "code": "gas-conversion",
            "name": "x",
            "level": "household",
            **formset_post(field_initial(proposal.fields, proposal.key)),
        },
    )
    assert response.status_code == 400 and "台账代码“gas-conversion”已存在" in response.content.decode()
    assert client.get(url).status_code == 200  # the draft is still there


# ---- a definition edited field by field -------------------------------------------------------------------


def edit(client, ledger, rows, *, base=None, note=""):
    version = ledger.current_version.number if base is None else base
    return client.post(
        f"/ledgers/{ledger.code}/definition/edit/", {"base_version": version, "note": note, **formset_post(rows)}
    )


@pytest.fixture
def gas(world):
    return Ledger.objects.get(region=world.sub, code="gas-conversion")


def test_adding_renaming_and_reordering_fields_makes_one_new_version(world, as_persona, gas):
    client = as_persona("urban")
    assert client.get(f"/ledgers/{gas.code}/definition/edit/").status_code == 200
    old = gas.current_version
    rows = field_initial(old.fields, old.key)
    rows[1]["label"] = "户主"
    rows.insert(0, rows.pop(4))  # 改造方式 first
    rows.append({"label": "入户核查日期", "type": "date"})
    response = edit(client, gas, rows, note="加核查日期")
    assert response.status_code == 302
    gas.refresh_from_db()
    new = gas.current_version
    assert new.number == old.number + 1 and new.note == "加核查日期"
    assert [f["label"] for f in new.fields][:3] == ["改造方式", "村", "户主"]
    assert new.field("head_name")["aliases"] == ["户主", "户主姓名"]  # files headed 户主姓名 still import
    assert new.fields[-1] == {"key": "date", "label": "入户核查日期", "type": "date", "required": False, "aliases": []}
    assert new.field("subsidy") == old.field("subsidy")  # decimals, min, aliases kept
    entry = AuditEntry.objects.filter(action="ledger.redefine").latest("id")
    assert entry.changes["version"] == [old.number, new.number]
    # the same definition again: no new version
    again = edit(client, gas, field_initial(new.fields, new.key))
    assert again.status_code == 302
    gas.refresh_from_db()
    assert gas.current_version.number == new.number


def test_a_change_the_rows_cannot_follow_is_refused_with_how_many_and_an_example(world, as_persona, gas):
    client = as_persona("urban")
    version = gas.current_version
    rows = field_initial(version.fields, version.key)
    phone = next(r for r in rows if r["key"] == "phone")
    phone["required"] = True  # some households gave no phone
    response = edit(client, gas, rows)
    assert response.status_code == 400
    body = response.content.decode()
    empty = LedgerRow.objects.filter(ledger=gas, archived_at__isnull=True).exclude(data__has_key="phone").count()
    assert empty and f"字段“联系电话”在 {empty} 行中为空（例如第 " in body
    rows = field_initial(version.fields, version.key)
    next(r for r in rows if r["key"] == "head_name")["type"] = "integer"
    body = edit(client, gas, rows).content.decode()
    assert "字段“户主姓名”在" in body and "（例如“" in body and "不能把类型从“文本”改为“整数”" in body
    rows = field_initial(version.fields, version.key)
    for r in rows:
        r["is_key"] = r["key"] == "method"
    body = edit(client, gas, rows).content.decode()
    assert "按“改造方式”有" in body and "行与其他行重复" in body
    assert LedgerVersion.objects.filter(ledger=gas).count() == 1


def test_a_new_key_rekeys_the_rows(world, as_persona, gas):
    client = as_persona("urban")
    version = gas.current_version
    rows = field_initial(version.fields, version.key)
    response = edit(client, gas, [{**r, "is_key": r["key"] in ("id_number", "village")} for r in rows])
    assert response.status_code == 302
    row = LedgerRow.objects.filter(ledger=gas, archived_at__isnull=True).first()
    assert row.key_value == f"{row.data['village']}|{row.data['id_number']}"


def test_the_second_of_two_editors_gets_a_409_sentence(world, as_persona, gas):
    first, second = as_persona("urban"), as_persona("leader")
    version = gas.current_version
    rows = field_initial(version.fields, version.key)
    assert edit(first, gas, [*rows, {"label": "备注", "type": "text"}], base=version.number).status_code == 302
    response = edit(second, gas, [*rows, {"label": "说明", "type": "text"}], base=version.number)
    assert response.status_code == 409
    assert f"（您修改的是第 {version.number} 版）" in response.content.decode()
    gas.refresh_from_db()
    assert [f["label"] for f in gas.current_version.fields][-1] == "备注"


def test_who_may_not_manage_a_ledger_cannot_open_its_editor(world, as_persona, gas):
    for persona in ("economy", "viewer", "village"):
        assert as_persona(persona).get(f"/ledgers/{gas.code}/definition/edit/").status_code == 403
    assert "逐项修改定义" not in as_persona("economy").get(f"/ledgers/{gas.code}/definition/").content.decode()
    assert "逐项修改定义" in as_persona("urban").get(f"/ledgers/{gas.code}/definition/").content.decode()


def test_a_township_without_ledgers_is_told_what_to_do_next(world, as_persona):
    from django.utils import timezone

    Ledger.objects.update(archived_at=timezone.now())
    page = as_persona("economy").get("/ledgers/").content.decode()
    assert "还没有台账。" in page and 'href="/ledgers/new/from-file/"' in page and "上传科室现有的 Excel 台账" in page
    page = as_persona("village").get("/ledgers/").content.decode()
    assert "请街道领导或科室工作人员从现有的 Excel 表格新建台账" in page and "/ledgers/new/from-file/" not in page
