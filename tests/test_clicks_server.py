"""Fewer clicks, the server's side (issue 12): a combined step is its steps, each checked and recorded, in one
transaction that a refused step leaves untouched; the step open by default; people named as themselves in a
case's timeline; the village filled in from a person's scope (and still checked) in ledger rows and progress
reports; 上报问题 on the home page."""

from __future__ import annotations

import datetime
import re

import pytest

from tests import cases_factory as cf
from tests.conftest import person
from tests.scope_matrix import new_ledger_row
from zhili.cases import actions
from zhili.cases.models import Case, CaseEvent, CaseRule, State
from zhili.core.models import AuditEntry
from zhili.ledgers.models import LedgerRow
from zhili.people.scope import scope_for
from zhili.targets.models import Entry

pytestmark = pytest.mark.django_db


def _recorded(case: Case) -> tuple[list[str], list[str]]:
    """The case's steps as CaseEvents and as audit entries, in order."""
    events = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))
    audit = AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by("id")
    return events, [a.removeprefix("case.") for a in audit.values_list("action", flat=True)]


def _set_rule(world, on: bool) -> None:
    cf.setup(world.sub)
    CaseRule.objects.filter(subdistrict=world.sub).update(handle_with_feedback=on)


def _steps_offered(response) -> list[str]:
    return re.findall(r'data-testid="step-([a-z_]+)"', response.content.decode())


def test_the_dispatcher_accepts_files_and_dispatches_in_one_form_each_step_recorded(world, as_persona):
    case = cf.report(world.sub, world.kong_grid)
    urban = as_persona("urban")
    page = urban.get(f"/cases/{case.pk}/")
    assert _steps_offered(page)[0] == "accept_file_dispatch"  # the one form, open by default
    response = urban.post(
        f"/cases/{case.pk}/act/accept_file_dispatch/",
        {"revision": case.revision, "village": world.kong.code, "note": "请当日清理"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.assignee_region == world.kong and case.deadline is not None
    assert case.accepted_at and case.filed_at and case.dispatched_at
    assert _recorded(case) == (["report", "accept", "file", "dispatch"], ["report", "accept", "file", "dispatch"])
    dispatch = CaseEvent.objects.get(case=case, action="dispatch")
    assert dispatch.note == "请当日清理" and dispatch.data["village"] == "孔家坊村"


def test_a_refused_step_of_a_combined_one_writes_nothing(world, as_persona):
    case = cf.report(world.sub, world.kong_grid)
    before = (_recorded(case), Case.objects.values_list("state", "revision").get(pk=case.pk))
    # 受理 and 立案 would pass; 派遣 to nobody is refused: the case stays as it was, nothing is recorded
    response = as_persona("urban").post(f"/cases/{case.pk}/act/accept_file_dispatch/", {"revision": case.revision})
    assert response.status_code == 400 and "请选择一个处置单位或一个村（社区）" in response.content.decode()
    assert (_recorded(case), Case.objects.values_list("state", "revision").get(pk=case.pk)) == before
    # and the first step's own rights are checked as do_act checks them: an inspector may not dispatch
    grid = person("demo-grid")
    with pytest.raises(Exception, match="须由受理派遣单位"):
        actions.do_act_steps(case, "accept_file_dispatch", actor=grid, scope=scope_for(grid), village=world.kong)
    assert (_recorded(case), Case.objects.values_list("state", "revision").get(pk=case.pk)) == before


def test_handle_and_feedback_as_one_step_where_the_rule_says_so(world, as_persona):
    _set_rule(world, True)
    case = cf.drive(cf.report(world.sub, world.kong_grid), "dispatch")
    village = as_persona("village")
    offered = _steps_offered(village.get(f"/cases/{case.pk}/"))
    assert offered[0] == "handle_feedback" and "handle" not in offered  # 处置 open, never 退回 first
    assert offered[-1] == "send_back"
    photo = cf.jpeg("after.jpg", lng=case.lng, lat=case.lat)
    response = village.post(
        f"/cases/{case.pk}/act/handle_feedback/", {"revision": case.revision, "note": "已清运", "photos": photo}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.FEEDBACK and case.handled_by.username == "demo-village"
    events, audit = _recorded(case)
    assert events[-2:] == ["handle", "feedback"] and audit[-2:] == ["handle", "feedback"]
    assert case.photos.filter(stage="after").count() == 1
    assert set(
        CaseEvent.objects.filter(case=case, action__in=["handle", "feedback"]).values_list("note", flat=True)
    ) == {"已清运"}


def test_handle_and_feedback_stay_two_steps_where_the_rule_does_not_say_so(world, as_persona):
    _set_rule(world, False)
    case = cf.drive(cf.report(world.sub, world.kong_grid), "dispatch")
    village = as_persona("village")
    offered = _steps_offered(village.get(f"/cases/{case.pk}/"))
    assert offered[0] == "handle" and "handle_feedback" not in offered
    before = _recorded(case)
    photo = cf.jpeg("after.jpg", lng=case.lng, lat=case.lat)
    response = village.post(f"/cases/{case.pk}/act/handle_feedback/", {"revision": case.revision, "photos": photo})
    assert response.status_code == 400 and "未开启" in response.content.decode()
    assert _recorded(case) == before and Case.objects.get(pk=case.pk).state == State.DISPATCHED


def test_handle_and_feedback_without_an_after_photo_writes_nothing(world, as_persona):
    _set_rule(world, True)
    case = cf.drive(cf.report(world.sub, world.kong_grid), "dispatch")
    before = _recorded(case)
    response = as_persona("village").post(f"/cases/{case.pk}/act/handle_feedback/", {"revision": case.revision})
    assert response.status_code == 400 and "处置后照片" in response.content.decode()
    assert _recorded(case) == before and Case.objects.get(pk=case.pk).state == State.DISPATCHED


def test_the_timeline_names_people_as_themselves(world, as_persona):
    case = cf.drive(cf.report(world.sub, world.kong_grid), "feedback")
    text = as_persona("grid").get(f"/cases/{case.pk}/").content.decode()
    timeline = text[text.index('data-testid="timeline"') :]
    assert "孔秀英（网格员）" in timeline  # the inspector, on her own case
    assert "孔立新（村干部）" in timeline  # her village's secretary, who handled it
    assert "陈城管（城管办）" in timeline
    assert "其他村（社区）人员" not in timeline


def test_the_timeline_still_hides_another_villages_people(world, as_persona):
    """A case dispatched to 阎桥 by mistake and sent back: 孔家坊's people do not learn who 阎桥's cadre is."""
    case = cf.drive(cf.report(world.sub, world.kong_grid), "dispatch", village=world.yan)
    cf.act(case, "send_back", world.outsider.username, note="不是本村的")
    text = as_persona("village").get(f"/cases/{case.pk}/").content.decode()
    assert "其他村（社区）人员" in text and world.outsider.full_name not in text


# ---- ledgers and progress reports: the village from the person's scope -------------------------


def test_a_cadre_adds_a_ledger_row_without_naming_the_village(world, as_persona):
    client = as_persona("village")
    page = client.get("/ledgers/gas-conversion/").content.decode()
    assert (
        'data-testid="fixed-village"' in page
        and f'type="hidden" id="f-village" name="village" value="{world.kong.code}"' in page
    )
    assert 'type="date" id="f-finished_on"' in page  # a date picker
    form = {**new_ledger_row(world, ""), "finished_on": "2020年5月12日"}  # and an office's spelling still reads
    assert client.post("/ledgers/gas-conversion/rows/new/", form).status_code == 302
    row = LedgerRow.objects.get(ledger__code="gas-conversion", key_value=form["id_number"])
    assert row.region == world.kong and row.data["finished_on"] == "2020-05-12"


def test_a_cadre_cannot_post_another_villages_id(world, as_persona):
    form = new_ledger_row(world, world.yan.code)
    response = as_persona("village").post("/ledgers/gas-conversion/rows/new/", form)
    assert response.status_code == 400 and "您无权为“阎桥村”填写该台账" in response.content.decode()
    assert not LedgerRow.objects.filter(ledger__code="gas-conversion", key_value=form["id_number"]).exists()


def test_an_office_still_chooses_the_village(world, as_persona):
    page = as_persona("urban").get("/ledgers/gas-conversion/").content.decode()
    assert 'data-testid="fixed-village"' not in page


def test_a_cadre_reports_progress_for_his_village_without_choosing_it(world, as_persona):
    ind = world.ind_village
    client = as_persona("village")
    page = client.get(f"/targets/indicators/{ind.pk}/").content.decode()
    assert 'data-testid="report-for">孔家坊村<' in page
    assert f'<input type="hidden" name="region" value="r{world.kong.pk}"' in page
    # another village's id is not among his choices: refused, nothing written
    before = Entry.objects.filter(indicator=ind).count()
    response = client.post(
        f"/targets/indicators/{ind.pk}/report/", {"region": f"r{world.yan.pk}", "day": "2020-11-20", "value": "1"}
    )
    assert response.status_code == 400 and Entry.objects.filter(indicator=ind).count() == before
    # his own, with the day as an office writes it where a browser offers a text box instead of a picker
    value = str(world.entry_kong.value + 1)
    response = client.post(
        f"/targets/indicators/{ind.pk}/report/",
        {"region": f"r{world.kong.pk}", "day": "2020年11月20日", "value": value},
    )
    assert response.status_code == 302
    entry = Entry.objects.filter(indicator=ind, region=world.kong).latest("id")
    assert entry.period_start <= datetime.date(2020, 11, 20) <= entry.period_end


def test_report_button_on_the_homes_of_those_who_report(world, as_persona):
    for name in ("grid", "village"):
        assert 'href="/cases/report/" data-testid="quick-report"' in as_persona(name).get("/").content.decode()
    assert 'data-testid="quick-report"' not in as_persona("viewer").get("/").content.decode()
