"""Rows written from the browser: a key added by two people at the same moment gives the second a sentence, not
a server error (the check and the write are two steps; the database's unique constraint decides, issue 9 §12);
numbers a page is sent are refused with a sentence when no row could carry them (§13)."""

import pytest

from tests.scope_matrix import ledger_form, ledger_row, new_ledger_row
from zhili.ledgers import actions
from zhili.ledgers.models import LedgerRow


@pytest.fixture
def racing(monkeypatch):
    """The moment between the check for an existing key and the write: the check sees nothing (the other
    person's row is not committed yet), the write meets their row."""
    monkeypatch.setattr(actions, "_require", lambda condition, message: None)


def test_adding_a_key_someone_added_at_the_same_moment_is_refused_with_a_sentence(world, as_persona, racing):
    client = as_persona("leader")
    form = new_ledger_row(world, "阎桥村")
    assert client.post("/ledgers/gas-conversion/rows/new/", form).status_code == 302
    response = client.post("/ledgers/gas-conversion/rows/new/", form)
    assert response.status_code == 400
    assert "的行已存在，不能重复" in response.content.decode()
    assert LedgerRow.objects.filter(ledger__code="gas-conversion", key_value=form["id_number"]).count() == 1


def test_changing_a_key_to_one_added_at_the_same_moment_is_refused_with_a_sentence(world, as_persona, racing):
    client = as_persona("leader")
    a, b = (LedgerRow.objects.filter(ledger__code="gas-conversion", region=world.yan).order_by("pk")[i] for i in (0, 1))
    form = {**ledger_form(world, b), "id_number": a.data["id_number"]}
    response = client.post(f"/ledgers/gas-conversion/rows/{b.pk}/", form)
    assert response.status_code == 400 and "的行已存在，不能重复" in response.content.decode()
    b.refresh_from_db()
    assert b.key_value != a.key_value


@pytest.mark.parametrize("page", ["-1", "0", "abc", "1.5", "99999999999999999999999"])
def test_a_page_number_no_page_could_have_is_refused_with_a_sentence(world, as_persona, page):
    response = as_persona("leader").get(f"/ledgers/gas-conversion/?page={page}")
    assert response.status_code == 400 and "页码应为" in response.content.decode()


def test_a_page_past_the_last_shows_the_last(world, as_persona):
    assert as_persona("leader").get("/ledgers/gas-conversion/?page=999999").status_code == 200


@pytest.mark.parametrize("revision", ["-1", "99999999999999999999", "x"])
def test_a_revision_no_row_could_have_is_refused_with_a_sentence(world, as_persona, revision):
    row = ledger_row(world, world.yan)
    response = as_persona("leader").post(
        f"/ledgers/gas-conversion/rows/{row.pk}/", {**ledger_form(world, row), "revision": revision}
    )
    assert response.status_code == 400 and "版本号" in response.content.decode()
    assert LedgerRow.objects.get(pk=row.pk).revision == row.revision


def test_loading_the_same_definition_again_makes_no_new_version(world, tmp_path):
    """A township loads a shared definition file twice: the second time nothing changes (no version 2 that says
    nothing), from the command and from the page alike."""
    import io

    from django.core.management import call_command

    from tests.conftest import person
    from zhili.ledgers.models import Ledger

    ledger = Ledger.objects.get(code="road-hardening")
    before = ledger.versions.count()
    out = io.StringIO()
    path = "zhili/demo/ledgers/road-hardening.yaml"
    call_command("ledger", "define", path, user="demo-leader", stdout=out)
    assert "定义未变" in out.getvalue() and ledger.versions.count() == before
    from django.test import Client

    client = Client()
    client.force_login(person("demo-leader"))
    with open(path, "rb") as fh:
        response = client.post("/ledgers/definitions/upload/", {"file": fh}, follow=True)
    assert "定义未变" in response.content.decode() and ledger.versions.count() == before
