"""The scope matrix: every URL and API endpoint × every persona × the expected outcome.

This table is the proof that scope is enforced for every view and endpoint. Each issue that adds a page or
an endpoint adds its rows here; tests/test_scope_matrix.py runs them all. A row names:

- how to build the URL from the demo's objects (a function of `World`, see tests/conftest.py);
- the method and, for writes, the data sent;
- for each persona, the expected outcome: OK, HIDDEN (404: the object does not exist for them),
  DENIED (403/400: they may see it but not do this), LOGIN (anonymous: redirect to login or 401).

Personas not listed in `expect` take `default`; anonymous takes `anonymous` (LOGIN unless the endpoint is public,
like Open311). Every outcome other than OK must also leave the audit log
unchanged — every write is audited, so an unchanged log means nothing was written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OK = "ok"
HIDDEN = "hidden"
DENIED = "denied"
LOGIN = "login"

ALL = ("leader", "economy", "urban", "civil", "village", "grid", "viewer", "outsider")
OFFICERS = ("economy", "urban", "civil")
SUB_READERS = ("leader", "viewer", *OFFICERS)  # everyone who reads the whole subdistrict


@dataclass(frozen=True)
class Row:
    name: str
    url: Callable[[Any], str]
    expect: dict[str, str]
    default: str = HIDDEN
    method: str = "GET"
    data: Callable[[Any], dict] | None = None
    api: bool = False
    anonymous: str = LOGIN
    # more to check of an OK answer (what it holds for this persona): check(response, world, persona)
    check: Callable[[Any, Any, str], None] | None = None

    def outcome(self, persona: str) -> str:
        if persona == "anonymous":
            return self.anonymous
        return self.expect.get(persona, self.default)


def village_reminder(w):
    """A 催办 from demo-leader to 孔家坊 about its share of ind_village, made once per test (not audited: it is
    the matrix's furniture, not the write under test)."""
    from zhili.people.models import Person
    from zhili.targets.models import Reminder

    found = Reminder.objects.filter(region=w.kong, indicator=w.ind_village, message="矩阵催办").first()
    return found or Reminder.objects.create(
        task=w.ind_village.task,
        indicator=w.ind_village,
        region=w.kong,
        sender=Person.objects.get(username="demo-leader"),
        message="矩阵催办",
    )


def each(personas, outcome: str) -> dict[str, str]:
    return dict.fromkeys(personas, outcome)


def ledger_row(w, village):
    from zhili.ledgers.models import LedgerRow

    return (
        LedgerRow.objects.filter(ledger__code="gas-conversion", region=village, archived_at__isnull=True)
        .order_by("pk")
        .first()
    )


def ledger_form(w, row) -> dict:
    """What the edit form posts back for `row`: its values as shown, and its revision."""
    from zhili.ledgers.fields import display

    version = row.version
    names = {w.kong.code: w.kong.name, w.yan.code: w.yan.name}
    return {
        **{k: display(version, k, v, regions=names) if k != "id_number" else v for k, v in row.data.items()},
        "revision": str(row.revision),
    }


def new_ledger_row(w, village: str) -> dict:
    from stdnum.cn import ric

    body = "37012519700101" + "987"
    return {
        "village": village,
        "head_name": "矩阵测试",
        "id_number": body + ric.calc_check_digit(body + "0"),
        "method": "燃气灶具",
        "status": "施工中",
    }


def import_file(w, name: str = "矩阵导入.xlsx"):
    """A gas-conversion file as a village sends it: one household of 孔家坊 and one row with an error."""
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile
    from stdnum.cn import ric

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["村", "户主姓名", "身份证号", "联系电话", "改造方式", "完工日期", "验收状态", "补贴金额（元）"])
    body = "37012519700101" + "986"
    sheet.append(["孔家坊村", "矩阵导入户", body + ric.calc_check_digit(body + "0"), "", "电采暖", None, "已验收", 1])
    sheet.append(["孔家坊村", "矩阵错误户", "12345", "", "煤改电", None, "已验收", 1])
    buf = io.BytesIO()
    book.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


SUB_MAKERS = ("leader", *OFFICERS)  # who may make a ledger in the subdistrict (policy.define_ledger)


def leader_draft(w):
    """demo-leader's draft of a ledger proposed from import_file(), made once per test."""
    from zhili.ledgers import drafts
    from zhili.people.models import Person

    if not hasattr(w, "_draft"):
        w._draft = drafts.keep(import_file(w, "矩阵提议.xlsx"), Person.objects.get(username="demo-leader"))
    return w._draft


def formset_post(rows: list[dict]) -> dict:
    """What the definition table (ledgers/_field_table.html) posts for these rows, in this order."""
    data = {"f-TOTAL_FORMS": str(len(rows)), "f-INITIAL_FORMS": str(len(rows)), "f-MIN_NUM_FORMS": "0"}
    for i, row in enumerate(rows):
        for name, value in {"ORDER": i + 1, **row}.items():
            if value is True:
                data[f"f-{i}-{name}"] = "on"
            elif value not in (False, None):
                data[f"f-{i}-{name}"] = str(value)
    return data


def proposed_ledger_form(w) -> dict:
    from zhili.ledgers import infer

    draft = leader_draft(w)
    with draft.open() as fh:
        proposal = infer.propose(fh, filename=draft.filename)
    from zhili.ledgers.forms import field_initial

    rows = field_initial(proposal.fields, proposal.key)
    return {"code": "matrix-ledger", "name": "矩阵台账", "level": "household", **formset_post(rows)}


def definition_form(w) -> dict:
    from zhili.ledgers.forms import field_initial
    from zhili.ledgers.models import Ledger

    version = Ledger.objects.get(region=w.sub, code="gas-conversion").current_version
    rows = [*field_initial(version.fields, version.key), {"label": "矩阵备注", "type": "text"}]
    return {"base_version": str(version.number), **formset_post(rows)}


def an_import(w):
    """demo-village's import of import_file() into gas-conversion, previewed, made once per test."""
    from zhili.imports import actions
    from zhili.imports.models import ImportJob
    from zhili.ledgers.models import Ledger
    from zhili.people.models import Person
    from zhili.people.scope import scope_for

    found = ImportJob.objects.filter(filename="矩阵导入.xlsx").first()
    if found:
        return found
    cadre = Person.objects.get(username="demo-village")
    ledger = Ledger.objects.get(region=w.sub, code="gas-conversion")
    return actions.do_start_import("ledger", ledger, import_file(w), actor=cadre, scope=scope_for(cadre))


def export_masks(response, w, persona: str) -> None:
    """Identity numbers in full only for who may reveal them (the leader, the owning 城管办, a village's own
    cadre for their village's rows), masked as the page shows them for everyone else."""
    import io
    import re

    import openpyxl

    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and "身份证号" in r)
    numbers = [r[rows[header].index("身份证号")] for r in rows[header + 1 :]]
    shape = r"^\d{17}[\dX]$" if persona in ("leader", "urban", "village", "outsider") else r"^\d{6}\*{8}\d{3}[\dX]$"
    wrong = [n for n in numbers if n and not re.match(shape, n)]
    assert not wrong, f"{persona} got {wrong[:2]}"


def a_case(w, village: str):
    """A reported case in 孔家坊's first grid (by its inspector) or 阎桥's (by the leader), made once per test."""
    from tests import cases_factory as cf
    from zhili.cases.models import Case

    grid = w.kong_grid if village == "kong" else w.yan_grid
    found = Case.objects.filter(region=grid, description="矩阵测试").first()
    if found:
        return found
    case = cf.report(w.sub, grid, by="demo-grid" if village == "kong" else "demo-leader", description="矩阵测试")
    return case


def a_tip(w):
    """A confidential tip of the subdistrict, made once per test (nobody of the matrix sees it)."""
    from tests import cases_factory as cf
    from zhili.cases import actions
    from zhili.cases.models import Case

    found = Case.objects.filter(confidential=True, description="矩阵线索").first()
    if found is None:
        cf.setup(w.sub)
        found = actions.do_submit_tip(subdistrict=w.sub, description="矩阵线索", origin="192.0.2.99")
    return found


def a_filed_case(w):
    """A 孔家坊 case filed and waiting for dispatch, made once per test."""
    from tests import cases_factory as cf

    case = a_case(w, "kong")
    return case if case.state == "filed" else cf.drive(case, "file")


def awaiting_tip_grant(w):
    """A tip officer's role for a 阎桥 person, granted by a second administrator and waiting for confirmation."""
    from zhili.people.actions import do_grant_role
    from zhili.people.models import Person, Role, RoleAssignment
    from zhili.people.scope import scope_for

    found = RoleAssignment.objects.awaiting().filter(person=w.yan_person).first()
    if found is None:
        second = Person.objects.create_user(username="matrix-admin2", full_name="第二管理员", region=w.sub)
        RoleAssignment.objects.create(person=second, role=Role.ADMIN, region=w.sub)
        found = do_grant_role(w.yan_person, role="tip_officer", region=w.sub, actor=second, scope=scope_for(second))
    return found


def _person(w, username: str):
    from zhili.people.models import Person

    return Person.objects.get(username=username)


def _leader(w):
    return _person(w, "demo-leader")


def case_photo_url(w, village: str) -> str:
    case = a_case(w, village)
    return f"/cases/{case.pk}/photos/{case.photos.first().pk}/display"


def evidence_url(w, *, entry=None, task=None) -> str:
    """A 佐证材料 file of `entry` or `task`, made once per test."""
    from tests.targets_factory import stored_evidence
    from zhili.targets.models import Evidence

    found = Evidence.objects.filter(entry=entry, task=task).first() or stored_evidence(entry=entry, task=task)
    return f"/targets/evidence/{found.pk}/"


def report_form(w) -> dict:
    from tests import cases_factory as cf

    lng, lat = cf.point_in(w.kong_grid)
    return {"category": a_case(w, "kong").category_id, "description": "矩阵上报", "lng": str(lng), "lat": str(lat)}


def open311_case(kind: str) -> str:
    """The number of a case made for the row (inside the test's transaction): "public" (a citizen's report),
    "patrol" (demo-grid's report in 孔家坊's first grid, not public) or "tip" (confidential)."""
    from tests import open311_factory

    return {
        "public": open311_factory.public_case,
        "patrol": open311_factory.patrol_case,
        "tip": open311_factory.tip_case,
    }[kind]().number


def open311_url(rest: str) -> Callable[[Any], str]:
    """/open311/v2/<rest>, with the default case categories installed (idempotent) for the row."""

    def url(w) -> str:
        from tests import open311_factory

        open311_factory.install_categories(w.sub)
        return f"/open311/v2/{rest}"

    return url


def open311_report(w) -> dict:
    from tests import open311_factory

    lng, lat = open311_factory.grid_point(open311_factory.kong_grid())
    open311_factory.install_categories()
    return {"service_code": "trash-bin", "lat": str(lat), "long": str(lng), "description": "矩阵测试：垃圾桶满溢"}


def region_url(attr: str, suffix: str = "") -> Callable[[Any], str]:
    return lambda w: f"/regions/{getattr(w, attr).code}/{suffix}"


def api_region(attr: str, suffix: str = "") -> Callable[[Any], str]:
    return lambda w: f"/api/v1/regions/{getattr(w, attr).code}{suffix}"


def receipts_file(name: str = "矩阵入库明细.xlsx"):
    """The tax bureau's receipts as it sends them: one row of a known taxpayer, one of a taxpayer nobody knows."""
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["纳税人识别号", "纳税人名称", "税种", "所属期", "实缴金额(元)", "项目名称"])
    sheet.append(["91370112MA3MRP5X04", "矩阵建设有限公司", "增值税", "2020-10", "1,234.56", ""])
    buf = io.BytesIO()
    book.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def roster_file(name: str, key: str):
    """A roster as an office keeps it (title rows), with one good row and one bad one."""
    import tempfile
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests import roster_files

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        if key == "regions":
            roster_files.village_roster(
                path, "370115003", [["矩阵村", "村", "", "", "", "", ""], ["", "村", "", "网格", "", "", ""]]
            )
        else:
            roster_files.people_roster(
                path,
                rows=[
                    ["矩阵人", "", "18700000001", "孔家坊村", "", "村支书", ""],
                    ["错", "", "", "", "", "村长老", ""],
                ],
            )
        return SimpleUploadedFile(name, path.read_bytes())


def boundaries_file(w):
    """孔家坊's boundary as GeoJSON (its own square: the demo's drawing moves, nothing else)."""
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    ring = [[117.0, 36.9], [117.01, 36.9], [117.01, 36.91], [117.0, 36.91], [117.0, 36.9]]
    feature = {
        "type": "Feature",
        "properties": {"code": w.kong.code},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    return SimpleUploadedFile("边界.geojson", json.dumps({"type": "FeatureCollection", "features": [feature]}).encode())


def a_roster_import(w, key: str):
    """demo-leader's import of a roster into 太平街道 (previewed, made once per test)."""
    from zhili.imports import actions
    from zhili.imports.models import ImportJob
    from zhili.people.models import Person
    from zhili.people.scope import scope_for

    name = f"矩阵名册-{key}.xlsx"
    found = ImportJob.objects.filter(filename=name).first()
    if found:
        return found
    leader = Person.objects.get(username="demo-leader")
    return actions.do_start_import(key, w.sub, roster_file(name, key), actor=leader, scope=scope_for(leader))


ROSTER_READERS = {"leader": OK, **each(("viewer", *OFFICERS), DENIED)}  # readers of the township may not import
ROSTER_DENIED = {"leader": DENIED, **each(("viewer", *OFFICERS), DENIED)}


def targets_book(w, *, bad: bool = False):
    """A 目标责任书 for 2021 in an office's layout (tests/targets_book.py), one row unreadable when `bad`."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.targets_book import demo_rows, write_book

    rows = demo_rows()
    if bad:
        rows[1]["完成时限"] = "尽快"
    buf = io.BytesIO()
    write_book(buf, rows, villages=["孔家坊村", "阎桥"])
    return SimpleUploadedFile("矩阵目标责任书.xlsx", buf.getvalue())


def targets_import(w):
    """demo-leader's preview of a 2021 目标责任书 with one bad row (so it has rejected rows), made once per test."""
    from zhili.imports import actions
    from zhili.people.models import Person
    from zhili.people.scope import scope_for
    from zhili.targets.importer import KEY, TargetYear

    if not hasattr(w, "_targets_import"):
        leader = Person.objects.get(username="demo-leader")
        job = actions.do_start_import(
            KEY, TargetYear(w.sub, 2021), targets_book(w, bad=True), actor=leader, scope=scope_for(leader)
        )
        object.__setattr__(w, "_targets_import", job)
    return w._targets_import


# ---- households (issue 14): the visit pages' own households, made once per test (the demo may have none) ----------


def visited_household(w, village: str):
    """A household of 孔家坊 ("kong", in the village itself: no grid inspector's) or 阎桥 ("yan"), with a member."""
    from stdnum.cn import ric

    from zhili.households.actions import ensure_defaults, refresh_households
    from zhili.households.models import Household, Member

    region = w.kong if village == "kong" else w.yan
    found = Household.objects.filter(subdistrict=w.sub, number=f"MATRIX-{village}").first()
    if found:
        return found
    ensure_defaults(w.sub)
    household = Household.objects.create(subdistrict=w.sub, region=region, number=f"MATRIX-{village}")
    body = "37012519600101" + ("971" if village == "kong" else "972")
    Member.objects.create(
        household=household,
        subdistrict=w.sub,
        name=f"矩阵户主{village}",
        identity=body + ric.calc_check_digit(body + "0"),
        relation="head",
        phone="13905319999",
    )
    refresh_households([household.pk])
    return Household.objects.get(pk=household.pk)


def household_photo_url(w) -> str:
    """A visit with a photo to 孔家坊's matrix household, logged by 民政办 before the count."""
    from tests.cases_factory import jpeg
    from zhili.core import clock
    from zhili.households.visits import do_log_visit
    from zhili.people.models import Person
    from zhili.people.scope import scope_for

    household = visited_household(w, "kong")
    civil = Person.objects.get(username="demo-civil")
    visit = do_log_visit(
        household, visited_on=clock.today(), photos=[jpeg()], client_ref="matrix", actor=civil, scope=scope_for(civil)
    )
    return f"/households/{household.pk}/visits/{visit.pk}/photos/{visit.photos.get().pk}/display"


def household_item(w) -> int:
    from zhili.households.models import ChecklistItem

    visited_household(w, "kong")
    return ChecklistItem.objects.get(subdistrict=w.sub, code="food").pk


HOUSEHOLD_WRITERS = ("leader", "civil", "village")  # policy.write_household / visit_household for 孔家坊


# ---- projects (issue 13): the matrix's own projects and enterprise, made once per test (the demo's may differ) ----


def tax_setup(w):
    """The subdistrict's tax setup, saved (so the 企业诉求 categories exist)."""
    from zhili.people.models import Person
    from zhili.people.scope import scope_for
    from zhili.projects import actions, queries

    setup = queries.setup_of(w.sub)
    if setup.pk:
        return setup
    leader = Person.objects.get(username="demo-leader")
    return actions.do_save_setup(w.sub, {}, actor=leader, scope=scope_for(leader))


def a_project(w, village: str):
    """A building project in 孔家坊 ("kong") or 阎桥 ("yan") with one month, its expected taxes computed."""
    import datetime
    from decimal import Decimal

    from zhili.projects import monitor
    from zhili.projects.models import Enterprise, Project, ProjectMonth

    region = w.kong if village == "kong" else w.yan
    found = Project.objects.filter(subdistrict=w.sub, name=f"矩阵项目{village}").first()
    if found:
        return found
    contractor = Enterprise.objects.filter(subdistrict=w.sub, uscc="91110000MATRIX001A").first()
    contractor = contractor or Enterprise.objects.create(
        subdistrict=w.sub, region=w.sub, name="矩阵建工集团", uscc="91110000MATRIX001A", county_code="110105"
    )
    project = Project.objects.create(
        subdistrict=w.sub,
        region=region,
        name=f"矩阵项目{village}",
        contractor=contractor,
        relation="other_province",
        planned_investment=Decimal(800),
        start=datetime.date(2020, 3, 1),
        status="building",
    )
    ProjectMonth.objects.create(
        project=project, month=datetime.date(2020, 4, 1), received=Decimal(1030000), investment=Decimal(50)
    )
    monitor.refresh([project.pk])
    return project


def a_key_enterprise(w):
    from zhili.projects.models import Enterprise

    tax_setup(w)
    found = Enterprise.objects.filter(subdistrict=w.sub, uscc="91370100MATRIX002B").first()
    return found or Enterprise.objects.create(
        subdistrict=w.sub, region=w.kong, name="矩阵重点企业", uscc="91370100MATRIX002B", is_key=True
    )


def setup_form(w) -> dict:
    setup = tax_setup(w)  # saved already by the row's URL
    return {
        "county_code": setup.county_code,
        "location_class": "town",
        "gap_threshold": "800",
        "registration_threshold": "500",
        "revision": str(setup.revision),
    }


def project_taxes_shown(response, w, persona: str) -> None:
    """A project's expected taxes only for who sees the subdistrict's tax figures, never a village's cadre."""
    body = response.json()
    assert body["taxes_visible"] == (persona in SUB_READERS), persona
    assert all((m["expected"] is None) != body["taxes_visible"] for m in body["months"]), persona


# ---- party building (党建): the demo's branches of 孔家坊 and 阎桥 ----------------------------------------------
PARTY_KEEPERS_KONG = ("leader", "village")  # policy.keep_branch: 孔家坊's cadres and who manages party work


def branch(w, village: str):
    from zhili.party.models import Branch

    return Branch.objects.get(region=w.kong if village == "kong" else w.yan)


def party_meeting(w):
    from zhili.party.models import Meeting

    return Meeting.objects.filter(branch=branch(w, "kong")).order_by("pk").first()


def party_member(w):
    from zhili.party.models import PartyMember

    return PartyMember.objects.active().filter(branch=branch(w, "kong")).order_by("pk").first()


def party_meeting_form(w):
    return {"kind": "dem_life", "day": "2020-11-18", "topic": "矩阵会议", "attendees": [str(party_member(w).pk)]}


def party_talk_form(w):
    return {
        "village": w.kong.code,
        "person_name": "矩阵谈话对象",
        "post": "secretary",
        "day": "2020-11-18",
        "talker": "周太平",
    }


TAX_READERS = SUB_READERS  # policy.see_taxes: who reads the whole subdistrict (never a village's cadres alone)


def duty_cadre(w):
    from zhili.people.models import Person

    return Person.objects.get(username="demo-village")


def duty_attendance_scoped(response, w, persona) -> None:
    """A village's cadre is answered his village only; the whole subdistrict's readers every village."""
    codes = {r["village_code"] for r in response.json()}
    mine = {"village": {w.kong.code}, "outsider": {w.yan.code}}
    assert codes == mine[persona] if persona in mine else len(codes) == 91


PROJECT_KEEPERS = ("leader", "economy")  # policy.manage_projects: leaders and the office in charge (经发办)
# ---- public works (公共工程): a 孔家坊 toilet of 城管办, a 阎桥 project of 农业办, 济太路 (the subdistrict's) ----


def work(w, where: str):
    from zhili.projects.models import Work, WorkKind

    if where == "kong":
        return Work.objects.get(subdistrict=w.sub, region=w.kong, kind=WorkKind.TOILET)
    if where == "yan":
        return Work.objects.filter(subdistrict=w.sub, region=w.yan, kind=WorkKind.RURAL).order_by("pk").first()
    return Work.objects.get(subdistrict=w.sub, name="济太路维修")


def work_advance(w):
    found = work(w, "kong")
    stage = found.stages.filter(actual__isnull=True).order_by("id").first()
    return {"stage": stage.stage, "day": "2020-11-20", "revision": found.revision}


def work_new_form(w):
    """A new work of 城管办 in 孔家坊: the leader and 城管办 register it; another office is not offered 城管办."""
    from zhili.people.models import Unit

    unit = Unit.objects.get(region=w.sub, code="urban")
    return {"name": "矩阵工程", "kind": "rural", "region": w.kong.code, "unit": unit.pk, "planned_plan": "2020-12-01"}


def work_edit_form(w):
    found = work(w, "kong")
    return {
        "revision": found.revision,
        "name": found.name,
        "kind": found.kind,
        "region": found.region.code,
        "unit": found.unit_id,
        "funds_planned": "12",
        **{f"planned_{s.stage}": s.planned.isoformat() if s.planned else "" for s in found.stages.all()},
    }


def work_photo_url(w):
    """A milestone with a photo on 孔家坊's toilet, made once per test (the matrix's furniture, not audited)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from tests.cases_factory import jpeg
    from zhili.projects.models import WorkMilestone

    found = work(w, "kong")
    milestone = WorkMilestone.objects.filter(work=found, title="矩阵照片").first()
    if milestone is None:
        milestone = WorkMilestone(work=found, day=found.stages.first().planned, title="矩阵照片")
        milestone.added_at = timezone.now()
        milestone.display.save("matrix.jpg", ContentFile(jpeg().read()), save=False)
        milestone.original.save("matrix.jpg", ContentFile(jpeg().read()), save=False)
        milestone.save()
    return f"/projects/works/{found.pk}/milestones/{milestone.pk}/display"


# ---- 回头看 rounds and trainings (tests/rounds_factory.py: households of 孔家坊 and 阎桥, a round, a training) ----
HOUSEHOLD_KEEPERS = ("leader", "civil")  # policy.manage_households: leaders and the office in charge (民政办)


def hh_round(w):
    from tests.rounds_factory import round_of

    return round_of(w)


def hh_target(w, number):
    from tests.rounds_factory import target

    return target(w, number)


def hh_training(w):
    from tests.rounds_factory import training_of

    return training_of(w)


def hh_result(w, number):
    from zhili.core import clock

    found = hh_target(w, number)
    return {"result": "passed", "checked_on": clock.today().isoformat(), "revision": found.revision}


def hh_new_round(w):
    from zhili.core import clock

    today = clock.today().isoformat()
    return {"name": "矩阵回头看", "kind": "policy", "starts_on": today, "ends_on": today}


def hh_attendance(w):
    from zhili.people.models import Person

    return {"people": [str(Person.objects.get(username="demo-grid").pk)]}


ROWS: list[Row] = [
    # ---- pages: home, account --------------------------------------------------------------
    Row("home", lambda w: "/", each(ALL, OK)),
    Row("account", lambda w: "/account/", each(ALL, OK)),
    Row("region index", lambda w: "/regions/", each(ALL, OK)),
    # ---- region browser: reads ------------------------------------------------------------------
    Row("subdistrict page", region_url("sub"), each(SUB_READERS, OK)),
    Row("district page (above everyone's scope)", region_url("district"), {}),
    Row("孔家坊 page", region_url("kong"), each((*SUB_READERS, "village"), OK)),
    Row("孔家坊 grid 1 page", region_url("kong_grid"), each((*SUB_READERS, "village", "grid"), OK)),
    Row("孔家坊 grid 2 page", region_url("kong_grid2"), each((*SUB_READERS, "village"), OK)),
    Row("阎桥 page", region_url("yan"), each((*SUB_READERS, "outsider"), OK)),
    Row("阎桥 grid page", region_url("yan_grid"), each((*SUB_READERS, "outsider"), OK)),
    Row("阎桥 page with history", lambda w: f"/regions/{w.yan.code}/?history=1", each((*SUB_READERS, "outsider"), OK)),
    # ---- region browser: administration -------------------------------------------------------
    Row("edit 孔家坊 (form)", region_url("kong", "edit/"), {"leader": OK}),
    Row(
        "edit 阎桥",
        region_url("yan", "edit/"),
        {"leader": OK},
        method="POST",
        data=lambda w: {"name": "阎桥村", "note": "scope-matrix", "reason": "测试"},
    ),
    Row(
        "new grid under 阎桥",
        region_url("yan", "children/new/"),
        {"leader": OK},
        method="POST",
        data=lambda w: {"code": w.yan.code + "099", "name": "新网格"},
    ),
    Row("new grid under 孔家坊 (form)", region_url("kong", "children/new/"), {"leader": OK}),
    Row("merge villages (form)", region_url("sub", "merge/"), {"leader": OK}),
    Row("chain of 孔家坊 grid 1 (form)", region_url("kong_grid", "chain/"), each(("leader", "village", "grid"), OK)),
    Row(
        "chain of 阎桥 grid",
        region_url("yan_grid", "chain/"),
        each(("leader", "outsider"), OK),
        method="POST",
        data=lambda w: {
            "level": w.sub.chain_levels.get(order=5).pk,
            "contact_name": "测试联户长",
            "contact_phone": "13900001111",
        },
    ),
    # ---- people and roles: administrators only -------------------------------------------------
    Row("people list", lambda w: "/people/", {"leader": OK}),
    Row("units list", lambda w: "/units/", {"leader": OK}),
    Row("new person (form)", lambda w: "/people/new/", {"leader": OK}),
    Row("a 阎桥 person", lambda w: f"/people/{w.yan_person.pk}/", {"leader": OK}),
    Row(
        "edit a 阎桥 person",
        lambda w: f"/people/{w.yan_person.pk}/edit/",
        {"leader": OK},
        method="POST",
        data=lambda w: {"full_name": "改名", "region": w.yan.pk},
    ),
    Row(
        "grant a role to a 阎桥 person",
        lambda w: f"/people/{w.yan_person.pk}/roles/new/",
        {"leader": OK},
        method="POST",
        data=lambda w: {"role": "viewer", "region_code": w.yan.code},
    ),
    Row(
        "archive a 阎桥 person",
        lambda w: f"/people/{w.yan_person.pk}/archive/",
        {"leader": OK},
        method="POST",
        data=lambda w: {"reason": "测试"},
    ),
    Row(
        "end a 阎桥 role",
        lambda w: f"/roles/{w.yan_person.roles.first().pk}/end/",
        {"leader": OK},
        method="POST",
        data=lambda w: {"reason": "测试"},
    ),
    Row(
        "grant oneself the tip officer's role",
        lambda w: f"/people/{_leader(w).pk}/roles/new/",
        {"leader": DENIED},
        method="POST",
        data=lambda w: {"role": "tip_officer", "region_code": w.sub.code},
    ),
    Row(
        # 三员分立: confirming is the security administrator's (tests/test_security_roles.py), not the system
        # administrator's that demo-leader also is
        "confirm a tip officer's role granted by another administrator",
        lambda w: f"/roles/{awaiting_tip_grant(w).pk}/confirm/",
        {"leader": DENIED},
        method="POST",
    ),
    # the audit log is the audit administrator's alone: no demo persona reads it (tests/test_security_roles.py and
    # tests/test_audit.py read it as one)
    Row("audit log", lambda w: "/audit/", {}),
    Row("audit log export", lambda w: "/audit/export.xlsx", {}),
    Row(
        "unlock a 阎桥 person (the security administrator's)",
        lambda w: f"/people/{w.yan_person.pk}/unlock/",
        {"leader": DENIED},
        method="POST",
    ),
    # ---- API ------------------------------------------------------------------------------------
    Row("api me", lambda w: "/api/v1/me", each(ALL, OK), api=True),
    Row("api region list", lambda w: "/api/v1/regions", each(ALL, OK), api=True),
    Row("api subdistrict", api_region("sub"), each(SUB_READERS, OK), api=True),
    Row("api 孔家坊", api_region("kong"), each((*SUB_READERS, "village"), OK), api=True),
    Row(
        "api 孔家坊 grid 1 chain",
        api_region("kong_grid", "/chain"),
        each((*SUB_READERS, "village", "grid"), OK),
        api=True,
    ),
    Row("api 阎桥", api_region("yan"), each((*SUB_READERS, "outsider"), OK), api=True),
    Row("api 阎桥 grid chain", api_region("yan_grid", "/chain"), each((*SUB_READERS, "outsider"), OK), api=True),
    Row(
        "api patch 阎桥",
        api_region("yan"),
        {"leader": OK, **each(("viewer", *OFFICERS, "outsider"), DENIED)},
        method="PATCH",
        data=lambda w: {"note": "scope-matrix"},
        api=True,
    ),
    Row(
        "api new grid under 阎桥",
        lambda w: "/api/v1/regions",
        {"leader": OK, **each(("viewer", *OFFICERS, "outsider"), DENIED)},
        method="POST",
        data=lambda w: {"code": w.yan.code + "098", "name": "接口网格", "level": 5, "parent_code": w.yan.code},
        api=True,
    ),
    Row(
        "api merge 阎桥 and 孔家坊",
        lambda w: "/api/v1/regions/merge",
        {"leader": OK, **each(("viewer", *OFFICERS), DENIED)},
        method="POST",
        data=lambda w: {
            "village_codes": [w.yan.code, w.kong.code],
            "code": w.sub.code + "999",
            "name": "合并村",
            "on": "2026-01-01",
            "reason": "测试",
        },
        api=True,
    ),
    Row("api people", lambda w: "/api/v1/people", {"leader": OK}, default=DENIED, api=True),
    Row("api a 阎桥 person", lambda w: f"/api/v1/people/{w.yan_person.pk}", {"leader": OK}, default=DENIED, api=True),
    Row(
        "api roles of a 阎桥 person",
        lambda w: f"/api/v1/people/{w.yan_person.pk}/roles",
        {"leader": OK},
        default=DENIED,
        api=True,
    ),
    Row(
        "api new person in 阎桥",
        lambda w: "/api/v1/people",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"username": "matrix-new", "full_name": "新人", "region_code": w.yan.code},
        api=True,
    ),
    Row(
        "api grant role to a 阎桥 person",
        lambda w: f"/api/v1/people/{w.yan_person.pk}/roles",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"role": "viewer", "region_code": w.yan.code},
        api=True,
    ),
    Row(
        "api archive a 阎桥 person",
        lambda w: f"/api/v1/people/{w.yan_person.pk}/archive",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"reason": "测试"},
        api=True,
    ),
    Row(
        "api end a 阎桥 role",
        lambda w: f"/api/v1/roles/{w.yan_person.roles.first().pk}/end",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"reason": "测试"},
        api=True,
    ),
    Row(
        "api confirm a tip officer's role granted by another administrator",
        lambda w: f"/api/v1/roles/{awaiting_tip_grant(w).pk}/confirm",
        {"leader": DENIED},
        default=DENIED,
        method="POST",
        api=True,
    ),
    Row(
        "api grant oneself the tip officer's role",
        lambda w: f"/api/v1/people/{_leader(w).pk}/roles",
        {},
        default=DENIED,
        method="POST",
        data=lambda w: {"role": "tip_officer", "region_code": w.sub.code},
        api=True,
    ),
    Row("api units", lambda w: "/api/v1/units", each((*SUB_READERS,), OK), default=OK, api=True),
    # the audit administrator's alone (三员分立, tests/test_security_roles.py); the leader, a system administrator, not
    Row("api audit", lambda w: "/api/v1/audit", {}, default=DENIED, api=True),
    Row("api my tokens", lambda w: "/api/v1/tokens", each(ALL, OK), api=True),
    # ---- targets (issue 3) ----------------------------------------------------------------------
    # A grid inspector has no targets (they are decomposed to villages and units): the page says so.
    Row("targets board", lambda w: "/targets/", each(ALL, OK)),
    Row("targets board of 阎桥", lambda w: f"/targets/?region={w.yan.code}", each((*SUB_READERS, "outsider"), OK)),
    Row("targets export", lambda w: "/targets/export.xlsx", each((*SUB_READERS, "village", "outsider"), OK)),
    # the demo publishes the villages' ranking to the villages (RankingScheme.published_to_villages)
    Row("targets ranking", lambda w: "/targets/ranking/", each((*SUB_READERS, "village", "outsider"), OK)),
    Row("units' ranking", lambda w: "/targets/ranking/?subject=units", each(SUB_READERS, OK)),
    Row(
        "publish the villages' ranking",
        lambda w: "/targets/ranking/publish/?year=2020",
        {"leader": OK, **each(("viewer", *OFFICERS), DENIED)},
        method="POST",
        data=lambda w: {"published": "0"},
    ),
    Row("work records", lambda w: "/targets/activities/", each((*SUB_READERS, "village", "outsider"), OK)),
    Row(
        "indicator decomposed to villages",
        lambda w: f"/targets/indicators/{w.ind_village.pk}/",
        each((*SUB_READERS, "village", "outsider"), OK),
    ),
    Row("indicator of the subdistrict", lambda w: f"/targets/indicators/{w.ind_sub.pk}/", each(SUB_READERS, OK)),
    Row(
        "records behind 孔家坊's figure",
        lambda w: f"/targets/indicators/{w.ind_village.pk}/villages/{w.kong.code}/",
        each((*SUB_READERS, "village"), OK),
    ),
    Row(
        "records behind 阎桥's figure",
        lambda w: f"/targets/indicators/{w.ind_village.pk}/villages/{w.yan.code}/",
        each((*SUB_READERS, "outsider"), OK),
    ),
    Row(
        "report for 阎桥",
        lambda w: f"/targets/indicators/{w.ind_village.pk}/report/",
        # 城管办 leads the coal-to-gas task, so its officers report for any village
        {"leader": OK, "outsider": OK, "urban": OK, **each(("viewer", "economy", "civil", "village"), DENIED)},
        method="POST",
        data=lambda w: {"region": f"r{w.yan.pk}", "day": "2020-11-20", "value": "999"},
    ),
    Row(
        "report for the subdistrict",
        lambda w: f"/targets/indicators/{w.ind_sub.pk}/report/",
        {"leader": OK, "economy": OK, **each(("viewer", "urban", "civil"), DENIED)},
        method="POST",
        data=lambda w: {"region": f"r{w.sub.pk}", "day": "2020-11-20", "value": "100"},
    ),
    # October's period closed on 11-10: even those who may report are refused until a leader reopens it.
    Row(
        "correct 阎桥's latest report",
        lambda w: f"/targets/entries/{w.entry_yan.pk}/correct/",
        each(("leader", "outsider", "viewer", *OFFICERS), DENIED),
        method="POST",
        data=lambda w: {"value": "1", "reason": "测试"},
    ),
    Row("decompose (form)", lambda w: f"/targets/indicators/{w.ind_village.pk}/shares/", {"leader": OK}),
    Row(
        "reopen a period",
        lambda w: f"/targets/indicators/{w.ind_village.pk}/reopen/",
        {"leader": OK, **each(("viewer", *OFFICERS, "village", "outsider"), DENIED)},
        method="POST",
        data=lambda w: {"period_day": "2020-09-15", "until": "2020-11-30", "reason": "补报"},
    ),
    # ---- authoring the year (issue 11): the subdistrict's planners; a task's lead office its indicators ------
    Row("编制年度目标", lambda w: "/targets/plan/?year=2021", {"leader": OK}),
    Row("new goal (form)", lambda w: "/targets/plan/goals/new/?year=2021", {"leader": OK}),
    Row(
        "new goal",
        lambda w: "/targets/plan/goals/new/?year=2021",
        {"leader": OK},
        method="POST",
        data=lambda w: {"code": "一", "title": "矩阵目标"},
    ),
    Row("edit a goal (form)", lambda w: f"/targets/goals/{w.ind_sub.task.goal_id}/edit/", {"leader": OK}),
    Row(
        "edit a goal",
        lambda w: f"/targets/goals/{w.ind_sub.task.goal_id}/edit/",
        {"leader": OK},
        method="POST",
        data=lambda w: {"title": "改名"},
    ),
    Row(
        "move a goal down",
        lambda w: f"/targets/goals/{w.ind_sub.task.goal.parent_id or w.ind_sub.task.goal_id}/down/",
        {"leader": OK},
        default=DENIED,
        method="POST",
    ),
    Row(
        "archive a goal",
        lambda w: f"/targets/goals/{w.ind_sub.task.goal_id}/archive/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"reason": "矩阵"},
    ),
    Row("new task (form)", lambda w: f"/targets/goals/{w.ind_sub.task.goal_id}/tasks/new/", {"leader": OK}),
    Row("edit a task (form)", lambda w: f"/targets/tasks/{w.ind_village.task_id}/edit/", {"leader": OK}),
    Row(
        "edit a task",
        lambda w: f"/targets/tasks/{w.ind_village.task_id}/edit/",
        {"leader": OK},
        method="POST",
        data=lambda w: {"title": "改名", "start": "2020-01-01", "deadline": "2020-12-31"},
    ),
    Row(
        "archive a task",
        lambda w: f"/targets/tasks/{w.ind_village.task_id}/archive/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"reason": "矩阵"},
    ),
    Row(
        "new indicator of an 城管办-led task (form)",
        lambda w: f"/targets/tasks/{w.ind_village.task_id}/indicators/new/",
        {"leader": OK, "urban": OK},
    ),
    Row(
        "new indicator of an 城管办-led task",
        lambda w: f"/targets/tasks/{w.ind_village.task_id}/indicators/new/",
        {"leader": OK, "urban": OK},
        method="POST",
        data=lambda w: {
            "name": "矩阵指标",
            "unit": "个",
            "target": "1",
            "cumulative": "1",
            "period_type": "month",
            "direction": "higher",
            "source": "report",
            "decomposition": "none",
            "weight": "1",
        },
    ),
    Row(
        "edit an indicator (form)",
        lambda w: f"/targets/indicators/{w.ind_village.pk}/edit/",
        {"leader": OK, "urban": OK},
    ),
    Row(
        "archive an indicator",
        lambda w: f"/targets/indicators/{w.ind_village.pk}/arrange/archive/",
        {"leader": OK, "urban": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"reason": "矩阵"},
    ),
    Row("rollover (form)", lambda w: "/targets/plan/rollover/?year=2021", {"leader": OK}),
    Row("light rule (form)", lambda w: "/targets/plan/lights/?year=2021", {"leader": OK}),
    Row(
        "light rule from 2021",
        lambda w: "/targets/plan/lights/?year=2021",
        {"leader": OK},
        method="POST",
        data=lambda w: {
            "effective_from": "2021-01-01",
            "red_gap": "12",
            "due_soon_days": "5",
            "report_grace_days": "10",
        },
    ),
    Row(
        "rollover 2020 → 2021",
        lambda w: "/targets/plan/rollover/",
        {"leader": OK},
        method="POST",
        data=lambda w: {"from_year": "2020", "to_year": "2021"},
    ),
    Row(
        "upload a 目标责任书",
        lambda w: "/targets/import/2021/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"file": targets_book(w)},
    ),
    Row("a 目标责任书's preview", lambda w: f"/targets/import/2021/{targets_import(w).pk}/", {"leader": OK}),
    Row(
        "a 目标责任书's rejected rows",
        lambda w: f"/targets/import/2021/{targets_import(w).pk}/rejected.xlsx",
        {"leader": OK},
    ),
    Row(
        "confirm a 目标责任书 (only the valid rows)",
        lambda w: f"/targets/import/2021/{targets_import(w).pk}/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"mode": "only_valid"},
    ),
    Row("task page", lambda w: f"/targets/tasks/{w.ind_sub.task_id}/", each(SUB_READERS, OK)),
    Row(
        "task of a village share",
        lambda w: f"/targets/tasks/{w.ind_village.task_id}/",
        each((*SUB_READERS, "village", "outsider"), OK),
    ),
    Row(
        "催办",
        lambda w: f"/targets/tasks/{w.ind_sub.task_id}/remind/",
        {"leader": OK, **each(("viewer", *OFFICERS), DENIED)},
        method="POST",
        data=lambda w: {"message": "请加快"},
    ),
    # 催办 to a village: the subdistrict's leaders and the task's lead office (城管办) send it from the breakdown;
    # the village's cadres read and answer it; nobody else sees it
    Row(
        "催办 孔家坊 from the breakdown",
        lambda w: f"/targets/indicators/{w.ind_village.pk}/remind/",
        {"leader": OK, "urban": OK, **each(("viewer", "economy", "civil"), DENIED)},
        method="POST",
        data=lambda w: {"message": "请加快", "village": [w.kong.code]},
    ),
    Row("催办 of villages", lambda w: "/targets/reminders/", each(ALL, OK)),
    Row(
        "read 孔家坊's 催办",
        lambda w: f"/targets/reminders/{village_reminder(w).pk}/read/",
        {"village": OK, **each(SUB_READERS, DENIED)},
        method="POST",
    ),
    Row(
        "answer 孔家坊's 催办",
        lambda w: f"/targets/reminders/{village_reminder(w).pk}/answer/",
        {"village": OK, **each(SUB_READERS, DENIED)},
        method="POST",
        data=lambda w: {"answer": "本月底前完成"},
    ),
    # 佐证材料: whoever sees the report or the task opens its files; for everyone else they do not exist
    Row(
        "evidence of 孔家坊's report",
        lambda w: evidence_url(w, entry=w.entry_kong),
        each((*SUB_READERS, "village"), OK),
    ),
    Row(
        "evidence of 阎桥's report",
        lambda w: evidence_url(w, entry=w.entry_yan),
        each((*SUB_READERS, "outsider"), OK),
    ),
    Row(
        "evidence of a subdistrict task's 办结 report",
        lambda w: evidence_url(w, task=w.ind_sub.task),
        each(SUB_READERS, OK),
    ),
    Row(
        "evidence of a task decomposed to the villages",
        lambda w: evidence_url(w, task=w.ind_village.task),
        each((*SUB_READERS, "village", "outsider"), OK),
    ),
    Row(
        "api targets board",
        lambda w: "/api/v1/targets/board?year=2020",
        each((*SUB_READERS, "village", "outsider"), OK),
        api=True,
    ),
    Row(
        "api series (village share)",
        lambda w: f"/api/v1/targets/indicators/{w.ind_village.pk}/series",
        each((*SUB_READERS, "village", "outsider"), OK),
        api=True,
    ),
    Row(
        "api series of 阎桥 as seen from 孔家坊",
        lambda w: f"/api/v1/targets/indicators/{w.ind_village.pk}/series?region={w.yan.code}",
        each((*SUB_READERS, "outsider"), OK),
        api=True,
    ),
    Row(
        "api series (subdistrict)",
        lambda w: f"/api/v1/targets/indicators/{w.ind_sub.pk}/series",
        each(SUB_READERS, OK),
        api=True,
    ),
    Row("api ranking", lambda w: "/api/v1/targets/ranking?year=2020", each(SUB_READERS, OK), api=True),
    # ---- ledgers (issue 4) ------------------------------------------------------------------------
    # Every persona who can see into the subdistrict sees its ledgers' list; rows are filtered to their scope.
    Row("ledger list", lambda w: "/ledgers/", each(ALL, OK)),
    Row("a ledger's rows", lambda w: "/ledgers/gas-conversion/", each(ALL, OK)),
    Row(
        "a 阎桥 ledger row",
        lambda w: f"/ledgers/gas-conversion/rows/{ledger_row(w, w.yan).pk}/",
        each((*SUB_READERS, "outsider"), OK),
    ),
    Row(
        "a 孔家坊 ledger row",
        lambda w: f"/ledgers/gas-conversion/rows/{ledger_row(w, w.kong).pk}/",
        each((*SUB_READERS, "village"), OK),
    ),
    Row(
        "edit a 阎桥 ledger row",
        lambda w: f"/ledgers/gas-conversion/rows/{ledger_row(w, w.yan).pk}/",
        {"leader": OK, "outsider": OK, "urban": OK, **each(("viewer", "economy", "civil"), DENIED)},
        method="POST",
        data=lambda w: {**ledger_form(w, ledger_row(w, w.yan)), "head_name": "改名"},
    ),
    Row(
        "archive a 阎桥 ledger row",
        lambda w: f"/ledgers/gas-conversion/rows/{ledger_row(w, w.yan).pk}/archive/",
        {"leader": OK, "outsider": OK, "urban": OK, **each(("viewer", "economy", "civil"), DENIED)},
        method="POST",
        data=lambda w: {"reason": "测试"},
    ),
    Row(
        "reveal a 阎桥 identity number",
        lambda w: f"/ledgers/gas-conversion/rows/{ledger_row(w, w.yan).pk}/reveal/id_number/",
        {"leader": OK, "outsider": OK, "urban": OK, **each(("viewer", "economy", "civil"), DENIED)},
        method="POST",
    ),
    Row(
        "add a row for 阎桥",
        lambda w: "/ledgers/gas-conversion/rows/new/",
        {"leader": OK, "outsider": OK, "urban": OK, **each(("viewer", "economy", "civil", "village", "grid"), DENIED)},
        method="POST",
        data=lambda w: new_ledger_row(w, "阎桥村"),
    ),
    Row("ledger export", lambda w: "/ledgers/gas-conversion/export.xlsx", each(ALL, OK)),
    Row(
        "ledger export: identity numbers masked for who may not reveal them",
        lambda w: "/ledgers/gas-conversion/export.xlsx?archived=1",
        each(ALL, OK),
        check=export_masks,
    ),
    # ---- imports (zhili.imports, issue 10 §4): who may upload, and who may open or confirm someone's import
    Row(
        "upload a file to gas-conversion",
        lambda w: "/ledgers/gas-conversion/import/",
        {
            **each(("leader", "urban", "village", "grid", "outsider"), OK),
            **each(("viewer", "economy", "civil"), DENIED),
        },
        method="POST",
        data=lambda w: {"file": import_file(w, "矩阵上传.xlsx")},
    ),
    Row(
        "demo-village's import",
        lambda w: f"/ledgers/gas-conversion/import/{an_import(w).pk}/",
        each(("leader", "village"), OK),
    ),
    Row(
        "confirm demo-village's import (only the valid rows)",
        lambda w: f"/ledgers/gas-conversion/import/{an_import(w).pk}/",
        each(("leader", "village"), OK),
        method="POST",
        data=lambda w: {"mode": "only_valid"},
    ),
    Row(
        "cancel demo-village's import",
        lambda w: f"/ledgers/gas-conversion/import/{an_import(w).pk}/",
        each(("leader", "village"), OK),
        method="POST",
        data=lambda w: {"mode": "cancel"},
    ),
    Row(
        "demo-village's rejected rows",
        lambda w: f"/ledgers/gas-conversion/import/{an_import(w).pk}/rejected.xlsx",
        each(("leader", "village"), OK),
    ),
    # ---- a township's rosters (zhili.township) -----------------------------------------------------
    Row("village roster (upload page)", region_url("sub", "roster/"), ROSTER_READERS),
    Row("village roster of a village (not a township)", region_url("kong", "roster/"), {}),
    Row("village roster template", region_url("sub", "roster/template.xlsx"), ROSTER_READERS),
    Row(
        "upload a village roster",
        region_url("sub", "roster/"),
        ROSTER_READERS,
        method="POST",
        data=lambda w: {"file": roster_file("矩阵村居.xlsx", "regions")},
    ),
    Row(
        "the leader's village roster import",
        lambda w: f"/regions/{w.sub.code}/roster/{a_roster_import(w, 'regions').pk}/",
        ROSTER_READERS,
    ),
    Row(
        "confirm the leader's village roster import (only the valid rows)",
        lambda w: f"/regions/{w.sub.code}/roster/{a_roster_import(w, 'regions').pk}/",
        ROSTER_READERS,
        method="POST",
        data=lambda w: {"mode": "only_valid"},
    ),
    Row(
        "the village roster's rejected rows",
        lambda w: f"/regions/{w.sub.code}/roster/{a_roster_import(w, 'regions').pk}/rejected.xlsx",
        ROSTER_READERS,
    ),
    Row(
        "upload village boundaries",
        region_url("sub", "roster/boundaries/"),
        ROSTER_READERS,
        method="POST",
        data=lambda w: {"boundaries": boundaries_file(w)},
    ),
    Row("花名册 (from the people page)", lambda w: "/people/roster/", {"leader": OK}, default=DENIED),
    Row("花名册 (upload page)", lambda w: f"/people/roster/{w.sub.code}/", ROSTER_READERS),
    Row("花名册 template", lambda w: f"/people/roster/{w.sub.code}/template.xlsx", ROSTER_READERS),
    Row(
        "upload a 花名册",
        lambda w: f"/people/roster/{w.sub.code}/",
        ROSTER_READERS,
        method="POST",
        data=lambda w: {"file": roster_file("矩阵花名册.xlsx", "people")},
    ),
    Row(
        "the leader's 花名册 import",
        lambda w: f"/people/roster/{w.sub.code}/{a_roster_import(w, 'people').pk}/",
        ROSTER_READERS,
    ),
    Row(
        "confirm the leader's 花名册 import (only the valid rows)",
        lambda w: f"/people/roster/{w.sub.code}/{a_roster_import(w, 'people').pk}/",
        ROSTER_READERS,
        method="POST",
        data=lambda w: {"mode": "only_valid"},
    ),
    Row(
        "the 花名册's rejected rows",
        lambda w: f"/people/roster/{w.sub.code}/{a_roster_import(w, 'people').pk}/rejected.xlsx",
        ROSTER_READERS,
    ),
    Row(
        "initial passwords of a 花名册 import not yet written",
        lambda w: f"/people/roster/{w.sub.code}/{a_roster_import(w, 'people').pk}/passwords.xlsx",
        ROSTER_DENIED,
    ),
    Row("ledger definition", lambda w: "/ledgers/gas-conversion/definition/", each(ALL, OK)),
    # ---- ledgers made from an office's file and definitions edited field by field (issue 11) -----------------
    # Leaders and every office may make a ledger; a draft is only its uploader's; a definition is edited by the
    # leaders and the owning office (城管办 for gas-conversion).
    Row("new ledger from a file", lambda w: "/ledgers/new/from-file/", {**each(SUB_MAKERS, OK)}, default=DENIED),
    Row(
        "upload a file to propose a ledger",
        lambda w: "/ledgers/new/from-file/",
        each(SUB_MAKERS, OK),
        default=DENIED,
        method="POST",
        data=lambda w: {"file": import_file(w, "矩阵新台账.xlsx")},
    ),
    Row(
        "demo-leader's proposed ledger",
        lambda w: f"/ledgers/new/from-file/{leader_draft(w).token}/",
        {"leader": OK, **each(OFFICERS, HIDDEN)},
        default=DENIED,
    ),
    Row(
        "save demo-leader's proposed ledger",
        lambda w: f"/ledgers/new/from-file/{leader_draft(w).token}/",
        {"leader": OK, **each(OFFICERS, HIDDEN)},
        default=DENIED,
        method="POST",
        data=lambda w: proposed_ledger_form(w),
    ),
    Row(
        "edit gas-conversion's definition",
        lambda w: "/ledgers/gas-conversion/definition/edit/",
        each(("leader", "urban"), OK),
        default=DENIED,
    ),
    Row(
        "save gas-conversion's definition with a new field",
        lambda w: "/ledgers/gas-conversion/definition/edit/",
        each(("leader", "urban"), OK),
        default=DENIED,
        method="POST",
        data=lambda w: definition_form(w),
    ),
    Row(
        "api report for 阎桥",
        lambda w: f"/api/v1/targets/indicators/{w.ind_village.pk}/reports",
        {"leader": OK, "outsider": OK, "urban": OK, **each(("viewer", "economy", "civil"), DENIED)},
        method="POST",
        data=lambda w: {"region_code": w.yan.code, "day": "2020-11-20", "value": "999"},
        api=True,
    ),
    # ---- cases (issue 5) ---------------------------------------------------------------------------
    # Lists, map, statistics and settings are filtered to the person's scope; a case is hidden outside it.
    Row("case list", lambda w: "/cases/", each(ALL, OK)),
    Row("case map", lambda w: "/cases/map/", each(ALL, OK)),
    Row("case map data", lambda w: "/cases/map.json", each(ALL, OK)),
    Row("case statistics", lambda w: "/cases/stats/?by=village", each(ALL, OK)),
    Row("case statistics as .xlsx", lambda w: "/cases/stats.xlsx?by=grid", each(ALL, OK)),
    Row("case statistics by inspector", lambda w: "/cases/stats/?by=inspector", each(ALL, OK)),
    Row("superior findings", lambda w: "/cases/findings/", each(ALL, OK)),
    Row("case categories", lambda w: "/cases/categories/", each(ALL, OK)),
    Row("report form", lambda w: "/cases/report/", each(ALL, OK)),
    Row("patrol page", lambda w: "/cases/patrol/", each(ALL, OK)),
    Row("a 孔家坊 case", lambda w: f"/cases/{a_case(w, 'kong').pk}/", each((*SUB_READERS, "village", "grid"), OK)),
    Row("a 阎桥 case", lambda w: f"/cases/{a_case(w, 'yan').pk}/", each((*SUB_READERS, "outsider"), OK)),
    Row("a 阎桥 case's photo", lambda w: case_photo_url(w, "yan"), each((*SUB_READERS, "outsider"), OK)),
    Row(
        "accept a 阎桥 case",
        lambda w: f"/cases/{a_case(w, 'yan').pk}/act/accept/",
        {"leader": OK, "urban": OK, **each(("viewer", "economy", "civil", "outsider"), DENIED)},
        method="POST",
        data=lambda w: {"revision": a_case(w, "yan").revision},
    ),
    Row(
        "reject a 孔家坊 case",
        lambda w: f"/cases/{a_case(w, 'kong').pk}/act/reject/",
        {"leader": OK, "urban": OK, **each(("viewer", "economy", "civil", "village", "grid"), DENIED)},
        method="POST",
        data=lambda w: {"note": "不属实"},
    ),
    Row(
        "edit a case category",
        lambda w: (a_case(w, "kong"), "/cases/categories/")[1],
        {"leader": OK, **each(("viewer", *OFFICERS, "village", "grid", "outsider"), DENIED)},
        method="POST",
        data=lambda w: {
            "pk": a_case(w, "kong").category_id,
            "name": "垃圾",
            "time_limit_days": "2",
            "case_class": "immediate",
            "is_active": "on",
        },
    ),
    Row(
        "set a route",
        lambda w: (a_case(w, "kong"), "/cases/routes/")[1],
        {"leader": OK, **each(("viewer", *OFFICERS, "village", "grid", "outsider"), DENIED)},
        method="POST",
        data=lambda w: {"category": a_case(w, "kong").category_id, "unit": "village"},
    ),
    Row(
        "save the case rule",
        lambda w: "/cases/rule/",
        {"leader": OK, **each(("viewer", *OFFICERS, "village", "grid", "outsider"), DENIED)},
        method="POST",
        data=lambda w: {
            "accept_days": 1,
            "file_days": 1,
            "dispatch_days": 1,
            "feedback_days": 1,
            "verify_days": 2,
            "close_days": 1,
            "yellow_pct": 70,
            "red_pct": 100,
            "duplicate_radius_m": 100,
            "duplicate_days": 30,
            "hotspot_radius_m": 50,
            "hotspot_count": 3,
            "hotspot_days": 90,
            "photo_distance_m": 300,
            "public_per_hour": 5,
        },
    ),
    Row(
        "report a case in 孔家坊",
        lambda w: (a_case(w, "kong"), "/cases/report/")[1],
        {
            "leader": OK,
            "grid": OK,
            "village": OK,
            "urban": OK,
            "economy": OK,
            "civil": OK,
            **each(("viewer", "outsider"), DENIED),
        },
        method="POST",
        data=lambda w: report_form(w),
    ),
    # A confidential tip: nobody of the matrix sees it, nor merges into it, nor names the viewer its handler.
    Row("a tip", lambda w: f"/cases/{a_tip(w).pk}/", {}),
    Row("api a tip", lambda w: f"/api/v1/cases/{a_tip(w).pk}", {}, api=True),
    Row(
        "merge a 孔家坊 case into a tip",
        lambda w: (a_tip(w), f"/cases/{a_case(w, 'kong').pk}/act/merge/")[1],
        {},
        default=DENIED,
        method="POST",
        data=lambda w: {"master": a_tip(w).number},
    ),
    Row(
        "dispatch a 孔家坊 case naming the viewer handler",
        lambda w: f"/cases/{a_filed_case(w).pk}/act/dispatch/",
        {},
        default=DENIED,
        method="POST",
        data=lambda w: {"village": w.kong.code, "handler": _person(w, "demo-viewer").pk},
    ),
    Row(
        "api dispatch a 孔家坊 case naming the viewer handler",
        lambda w: f"/api/v1/cases/{a_filed_case(w).pk}/actions/dispatch",
        {},
        default=DENIED,
        method="POST",
        data=lambda w: {"village": w.kong.code, "handler": _person(w, "demo-viewer").pk},
        api=True,
    ),
    Row("api cases", lambda w: "/api/v1/cases", each(ALL, OK), api=True),
    Row(
        "api a 阎桥 case",
        lambda w: f"/api/v1/cases/{a_case(w, 'yan').pk}",
        each((*SUB_READERS, "outsider"), OK),
        api=True,
    ),
    Row(
        "api accept a 阎桥 case",
        lambda w: f"/api/v1/cases/{a_case(w, 'yan').pk}/actions/accept",
        {"leader": OK, "urban": OK, **each(("viewer", "economy", "civil", "outsider"), DENIED)},
        method="POST",
        api=True,
    ),
    # ---- Open311 GeoReport v2 (issue 5) ---------------------------------------------------------------
    # Public: anyone reads citizens' public reports and reports one; a signed-in session counts for nothing
    # (no CSRF, no session), only a personal token (api_key, or the Authorization header as below) widens what
    # is read, to the token owner's scope; confidential tips never leave.
    Row("open311 services", open311_url("services.json"), each(ALL, OK), anonymous=OK),
    Row("open311 services xml", open311_url("services.xml"), each(ALL, OK), anonymous=OK),
    Row("open311 service definition", open311_url("services/trash-bin.json"), each(ALL, OK), anonymous=OK),
    Row("open311 requests", open311_url("requests.json"), each(ALL, OK), anonymous=OK),
    Row("open311 requests xml", open311_url("requests.xml"), each(ALL, OK), anonymous=OK),
    Row("open311 requests with a token", open311_url("requests.json"), each(ALL, OK), anonymous=OK, api=True),
    Row(
        "open311 a public report",
        lambda w: f"/open311/v2/requests/{open311_case('public')}.json",
        each(ALL, OK),
        anonymous=OK,
    ),
    Row(
        "open311 a 孔家坊 patrol report (session ignored)",
        lambda w: f"/open311/v2/requests/{open311_case('patrol')}.json",
        {},
        anonymous=HIDDEN,
    ),
    Row(
        "open311 a 孔家坊 patrol report with a token",
        lambda w: f"/open311/v2/requests/{open311_case('patrol')}.xml",
        each((*SUB_READERS, "village", "grid"), OK),
        anonymous=HIDDEN,
        api=True,
    ),
    Row(
        "open311 a confidential tip with a token",
        lambda w: f"/open311/v2/requests/{open311_case('tip')}.json",
        {},
        anonymous=HIDDEN,
        api=True,
    ),
    Row(
        "open311 a citizen's report",
        open311_url("requests.json"),
        each(ALL, OK),
        anonymous=OK,
        method="POST",
        data=open311_report,
    ),
    # ---- projects and tax sources (issue 13) ---------------------------------------------------------
    # A village's cadre sees his village's projects and no tax figure; tax pages are the subdistrict's readers'.
    Row("projects' entry", lambda w: "/projects/", each(ALL, OK)),
    Row("projects overview", lambda w: "/projects/overview/", each(TAX_READERS, OK), default=DENIED),
    Row("project list", lambda w: "/projects/list/?unregistered=1", each(ALL, OK)),
    Row("investment statistics", lambda w: "/projects/investment/?year=2020", each(ALL, OK)),
    Row("tax receipts", lambda w: "/projects/receipts/?year=2020&unmatched=1", each(TAX_READERS, OK), default=DENIED),
    Row("应收未收", lambda w: "/projects/gap/?month=2020-04", each(TAX_READERS, OK), default=DENIED),
    Row(
        "应收未收 export",
        lambda w: "/projects/gap/export.xlsx?month=2020-10",
        each(PROJECT_KEEPERS, OK),
        default=DENIED,
    ),
    Row("key enterprises", lambda w: "/projects/enterprises/", each(TAX_READERS, OK), default=DENIED),
    Row("a 孔家坊 project", lambda w: f"/projects/{a_project(w, 'kong').pk}/", each((*SUB_READERS, "village"), OK)),
    Row("a 阎桥 project", lambda w: f"/projects/{a_project(w, 'yan').pk}/", each((*SUB_READERS, "outsider"), OK)),
    Row(
        "edit a 孔家坊 project (form)",
        lambda w: f"/projects/{a_project(w, 'kong').pk}/edit/",
        {**each(PROJECT_KEEPERS, OK), **each(("viewer", "urban", "civil", "village"), DENIED)},
    ),
    Row("a key enterprise", lambda w: f"/projects/enterprises/{a_key_enterprise(w).pk}/", each(TAX_READERS, OK)),
    Row(
        "a key enterprise's edit form",
        lambda w: f"/projects/enterprises/{a_key_enterprise(w).pk}/edit/",
        {**each(TAX_READERS, DENIED), **each(PROJECT_KEEPERS, OK)},
    ),
    Row(
        "register an enterprise (form)",
        lambda w: "/projects/enterprises/new/",
        each(PROJECT_KEEPERS, OK),
        default=DENIED,
    ),
    Row(
        "register an enterprise",
        lambda w: "/projects/enterprises/new/",
        each(PROJECT_KEEPERS, OK),
        default=DENIED,
        method="POST",
        data=lambda w: {"name": "矩阵新企业", "uscc": "91370100MA3C4XJ43J", "region": str(w.kong.pk), "is_key": "on"},
    ),
    Row(
        "change a key enterprise",
        lambda w: f"/projects/enterprises/{a_key_enterprise(w).pk}/edit/",
        {**each(TAX_READERS, DENIED), **each(PROJECT_KEEPERS, OK)},
        method="POST",
        data=lambda w: {"name": "矩阵重点企业", "region": str(w.kong.pk), "status": "resumed", "revision": "1"},
    ),
    Row(
        "record a key enterprise's request",
        lambda w: f"/projects/enterprises/{a_key_enterprise(w).pk}/requests/",
        {**each(TAX_READERS, DENIED), **each(PROJECT_KEEPERS, OK)},
        method="POST",
        data=lambda w: {"kind": "power", "description": "矩阵诉求：增容"},
    ),
    Row("api projects", lambda w: "/api/v1/projects?unregistered=true", each(ALL, OK), api=True),
    Row(
        "api a 孔家坊 project",
        lambda w: f"/api/v1/projects/{a_project(w, 'kong').pk}",
        each((*SUB_READERS, "village"), OK),
        api=True,
        check=project_taxes_shown,
    ),
    Row(
        "api a 阎桥 project",
        lambda w: f"/api/v1/projects/{a_project(w, 'yan').pk}",
        each((*SUB_READERS, "outsider"), OK),
        api=True,
        check=project_taxes_shown,
    ),
    *[
        Row(
            f"import {kind} (upload page)",
            lambda w, kind=kind: f"/projects/imports/{kind}/{w.sub.code}/",
            {**each(PROJECT_KEEPERS, OK), **each(("viewer", "urban", "civil"), DENIED)},
        )
        for kind in ("ledger", "monthly", "receipts")
    ],
    Row(
        "upload a tax-receipts file",
        lambda w: f"/projects/imports/receipts/{w.sub.code}/",
        {**each(PROJECT_KEEPERS, OK), **each(("viewer", "urban", "civil"), DENIED)},
        method="POST",
        data=lambda w: {"file": receipts_file()},
    ),
    Row("tax setup (form)", lambda w: "/projects/setup/", {"leader": OK}, default=DENIED),
    Row(
        "change the tax setup",
        lambda w: tax_setup(w) and "/projects/setup/",  # saved before the count: the row's write is the change
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=setup_form,
    ),
    # ---- public works (公共工程) and the park's land acquisition ------------------------------------------
    Row("works list", lambda w: "/projects/works/", each(ALL, OK)),
    Row("works list, late toilets", lambda w: "/projects/works/?kind=toilet&late=1", each(ALL, OK)),
    Row("park land acquisition", lambda w: "/projects/works/land/", each(ALL, OK)),
    Row(
        "a 孔家坊 toilet",
        lambda w: f"/projects/works/{work(w, 'kong').pk}/",
        each((*SUB_READERS, "village"), OK),
    ),
    Row(
        "a 阎桥 rural project", lambda w: f"/projects/works/{work(w, 'yan').pk}/", each((*SUB_READERS, "outsider"), OK)
    ),
    Row("济太路 (the subdistrict's)", lambda w: f"/projects/works/{work(w, 'sub').pk}/", each(SUB_READERS, OK)),
    Row(
        "advance a 孔家坊 toilet",
        lambda w: f"/projects/works/{work(w, 'kong').pk}/advance/",
        {**each(("economy", "civil", "viewer", "village"), DENIED), "leader": OK, "urban": OK},
        method="POST",
        data=work_advance,
    ),
    Row(
        "a milestone of a 孔家坊 toilet",
        lambda w: f"/projects/works/{work(w, 'kong').pk}/milestones/",
        {**each(("economy", "civil", "viewer", "village"), DENIED), "leader": OK, "urban": OK},
        method="POST",
        data=lambda w: {"day": "2020-11-20", "title": "矩阵节点"},
    ),
    Row(
        "funds of a 阎桥 rural project",
        lambda w: f"/projects/works/{work(w, 'yan').pk}/funds/",
        {**each(("economy", "urban", "civil", "viewer", "outsider"), DENIED), "leader": OK},
        method="POST",
        data=lambda w: {"revision": work(w, "yan").revision, "funds_planned": "100", "funds_allocated": "50"},
    ),
    Row("a 孔家坊 milestone photo", work_photo_url, each((*SUB_READERS, "village"), OK)),
    Row(
        "register a work (form)",
        lambda w: "/projects/works/new/",
        {**each(("village", "grid", "viewer", "outsider"), DENIED), **each(("leader", *OFFICERS), OK)},
    ),
    Row(
        "register a 城管办 work in 孔家坊",
        lambda w: "/projects/works/new/",
        {**each(("economy", "civil", "village", "grid", "viewer", "outsider"), DENIED), "leader": OK, "urban": OK},
        method="POST",
        data=work_new_form,
    ),
    Row(
        "change a 孔家坊 toilet (form)",
        lambda w: f"/projects/works/{work(w, 'kong').pk}/edit/",
        {**each(("economy", "civil", "viewer", "village"), DENIED), "leader": OK, "urban": OK},
    ),
    Row(
        "change a 孔家坊 toilet",
        lambda w: f"/projects/works/{work(w, 'kong').pk}/edit/",
        {**each(("economy", "civil", "viewer", "village"), DENIED), "leader": OK, "urban": OK},
        method="POST",
        data=work_edit_form,
    ),
    # ---- 回头看 rounds and trainings for assistance officers -----------------------------------------------
    Row("回头看 list", lambda w: hh_round(w) and "/households/rounds/", each(ALL, OK)),
    Row(
        "a 回头看 round with targets in 孔家坊 and 阎桥",
        lambda w: f"/households/rounds/{hh_round(w).pk}/",
        each(ALL, OK),
    ),
    Row(
        "a 回头看 round's targets, 孔家坊's open findings",
        lambda w: f"/households/rounds/{hh_round(w).pk}/targets/?village={w.kong.code}&result=open",
        {**each(ALL, OK), **each(("grid", "outsider"), DENIED)},  # 孔家坊 is not a village they may filter by
    ),
    Row("a 回头看 round's targets", lambda w: f"/households/rounds/{hh_round(w).pk}/targets/", each(ALL, OK)),
    Row(
        "a 孔家坊 household of a 回头看 round",
        lambda w: f"/households/rounds/targets/{hh_target(w, 'HT-K2').pk}/",
        each((*SUB_READERS, "village"), OK),
    ),
    Row(
        "a 孔家坊 household in demo-grid's grid",
        lambda w: f"/households/rounds/targets/{hh_target(w, 'HT-K1').pk}/",
        each((*SUB_READERS, "village", "grid"), OK),
    ),
    Row(
        "a 阎桥 household of a 回头看 round",
        lambda w: f"/households/rounds/targets/{hh_target(w, 'HT-Y1').pk}/",
        each((*SUB_READERS, "outsider"), OK),
    ),
    Row(
        "record a 孔家坊 household's 回头看 result",
        lambda w: f"/households/rounds/targets/{hh_target(w, 'HT-K2').pk}/",
        {**each(("leader", "civil", "village"), OK)},
        default=DENIED,
        method="POST",
        data=lambda w: hh_result(w, "HT-K2"),
    ),
    Row(
        "record the result of a 孔家坊 household demo-grid assists",
        lambda w: f"/households/rounds/targets/{hh_target(w, 'HT-K1').pk}/",
        {**each(("leader", "civil", "village", "grid"), OK)},
        default=DENIED,
        method="POST",
        data=lambda w: hh_result(w, "HT-K1"),
    ),
    Row(
        "record a 阎桥 household's 回头看 result",
        lambda w: f"/households/rounds/targets/{hh_target(w, 'HT-Y2').pk}/",
        {**each(("leader", "civil", "outsider"), OK)},
        default=DENIED,
        method="POST",
        data=lambda w: hh_result(w, "HT-Y2"),
    ),
    Row("start a 回头看 (form)", lambda w: "/households/rounds/new/", each(HOUSEHOLD_KEEPERS, OK), default=DENIED),
    Row(
        "start a 回头看",
        lambda w: "/households/rounds/new/",
        each(HOUSEHOLD_KEEPERS, OK),
        default=DENIED,
        method="POST",
        data=hh_new_round,
    ),
    Row(
        "assign 阎桥 as a whole village to a 回头看",
        lambda w: f"/households/rounds/{hh_round(w).pk}/assign/",
        each(HOUSEHOLD_KEEPERS, OK),
        default=DENIED,
        method="POST",
        data=lambda w: {"what": "villages", "villages": [w.yan.code]},
    ),
    Row(
        "trainings of assistance officers",
        lambda w: "/households/rounds/trainings/",
        each(SUB_READERS, OK),
        default=DENIED,
    ),
    Row(
        "a training and who attended",
        lambda w: f"/households/rounds/trainings/{hh_training(w).pk}/",
        each(SUB_READERS, OK),
        default=DENIED,
    ),
    Row(
        "add a training (form)",
        lambda w: "/households/rounds/trainings/new/",
        each(HOUSEHOLD_KEEPERS, OK),
        default=DENIED,
    ),
    Row(
        "add a training",
        lambda w: "/households/rounds/trainings/new/",
        each(HOUSEHOLD_KEEPERS, OK),
        default=DENIED,
        method="POST",
        data=lambda w: {"title": "矩阵培训", "held_on": "2020-11-01"},
    ),
    Row(
        "set who attended a training",
        lambda w: f"/households/rounds/trainings/{hh_training(w).pk}/attendance/",
        each(HOUSEHOLD_KEEPERS, OK),
        default=DENIED,
        method="POST",
        data=hh_attendance,
    ),
]


# ---- the household register (issue 14, zhili/households/registry_urls.py) ------------------------------------
HOUSEHOLD_KEEPERS = ("leader", "civil")  # policy.manage_households: leaders, administrators, the 民政办
HOUSEHOLD_WRITERS_KONG = (*HOUSEHOLD_KEEPERS, "village")  # policy.write_household on a 孔家坊 household
MATRIX_ID = "370126195001011234"


def a_household(w):
    """A 孔家坊 household with its head, and a similar name without a number in another 孔家坊 household (an open
    review): the matrix's furniture, made once per test without the audit log."""
    from zhili.core import clock
    from zhili.households.models import Household, Member, NameReview, Relation

    found = Household.objects.filter(subdistrict=w.sub, number="矩阵户").first()
    if found:
        return found
    h = Household.objects.create(subdistrict=w.sub, region=w.kong, number="矩阵户", head_name="矩阵户主")
    head = Member.objects.create(
        household=h, subdistrict=w.sub, name="矩阵户主", identity=MATRIX_ID, relation=Relation.HEAD
    )
    other = Household.objects.create(subdistrict=w.sub, region=w.kong, number="矩阵户2")
    twin = Member.objects.create(household=other, subdistrict=w.sub, name="矩阵 户主", relation=Relation.HEAD)
    NameReview.objects.create(subdistrict=w.sub, path=w.kong.path, first=head, second=twin, created_at=clock.now())
    return h


def a_member(w):
    from zhili.households.models import Member

    return Member.objects.get(household=a_household(w), identity=MATRIX_ID)


def a_review(w):
    from zhili.households.models import NameReview

    a_household(w)
    return NameReview.objects.get(first__identity=MATRIX_ID)


def a_household_import(w):
    """demo-civil's preview of a one-row monitoring-system export (made once per test)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from zhili.imports import actions
    from zhili.imports.models import ImportJob
    from zhili.people.models import Person
    from zhili.people.scope import scope_for

    found = ImportJob.objects.filter(filename="矩阵户籍.xlsx").first()
    if found:
        return found
    wb = Workbook()
    wb.active.append(["户编号", "村（社区）", "姓名", "证件号码", "与户主关系"])
    wb.active.append(["M001", "孔家坊村", "矩阵导入", "370126198003033457", "户主"])
    wb.active.append(["M002", "孔家坊村", "矩阵错号", "370126198003033458", "户主"])  # a wrong check character
    buf = io.BytesIO()
    wb.save(buf)
    civil = Person.objects.get(username="demo-civil")
    upload = SimpleUploadedFile("矩阵户籍.xlsx", buf.getvalue())
    return actions.do_start_import("households_poverty", w.sub, upload, actor=civil, scope=scope_for(civil))


REGISTRY = "/households/registry"
KONG_READERS = (*SUB_READERS, "village")

ROWS += [
    Row(
        "register a household (form)",
        lambda w: f"{REGISTRY}/new/",
        {**each(ALL, DENIED), **each((*HOUSEHOLD_WRITERS_KONG, "grid", "outsider"), OK)},
    ),
    Row(
        "register a 孔家坊 household",
        lambda w: f"{REGISTRY}/new/",
        {**each(ALL, DENIED), **each(HOUSEHOLD_WRITERS_KONG, OK)},
        method="POST",
        data=lambda w: {"region": w.kong.pk, "number": "矩阵新户", "housing_grade": "B"},
    ),
    Row("a 孔家坊 household", lambda w: f"{REGISTRY}/{a_household(w).pk}/", each(KONG_READERS, OK)),
    Row(
        "change a 孔家坊 household",
        lambda w: f"{REGISTRY}/{a_household(w).pk}/",
        {**each(KONG_READERS, DENIED), **each(HOUSEHOLD_WRITERS_KONG, OK)},
        method="POST",
        data=lambda w: {"region": w.kong.pk, "number": "矩阵户", "housing_grade": "C", "revision": 1},
    ),
    Row(
        "add a member (form)",
        lambda w: f"{REGISTRY}/{a_household(w).pk}/members/new/",
        {**each(KONG_READERS, DENIED), **each(HOUSEHOLD_WRITERS_KONG, OK)},
    ),
    Row(
        "add a member",
        lambda w: f"{REGISTRY}/{a_household(w).pk}/members/new/",
        {**each(KONG_READERS, DENIED), **each(HOUSEHOLD_WRITERS_KONG, OK)},
        method="POST",
        data=lambda w: {"name": "矩阵配偶", "identity": "370126195202022343", "relation": "spouse"},
    ),
    Row(
        "a member (form)",
        lambda w: f"{REGISTRY}/members/{a_member(w).pk}/",
        {**each(KONG_READERS, DENIED), **each(HOUSEHOLD_WRITERS_KONG, OK)},
    ),
    Row(
        "archive a member",
        lambda w: f"{REGISTRY}/members/{a_member(w).pk}/archive/",
        {**each(KONG_READERS, DENIED), **each(HOUSEHOLD_WRITERS_KONG, OK)},
        method="POST",
        data=lambda w: {"reason": "迁出"},
    ),
    Row("name reviews", lambda w: f"{REGISTRY}/reviews/", each(ALL, OK)),
    Row(
        "decide a 孔家坊 review",
        lambda w: f"{REGISTRY}/reviews/{a_review(w).pk}/",
        {**each(KONG_READERS, DENIED), **each(HOUSEHOLD_WRITERS_KONG, OK)},
        method="POST",
        data=lambda w: {"same": "0"},
    ),
    Row("personal-data export (page)", lambda w: f"{REGISTRY}/export/", each(HOUSEHOLD_KEEPERS, OK), default=DENIED),
    Row(
        "personal-data export",
        lambda w: f"{REGISTRY}/export/",
        each(HOUSEHOLD_KEEPERS, OK),
        default=DENIED,
        method="POST",
    ),
    Row("household import template", lambda w: f"{REGISTRY}/import/poverty/template.xlsx", each(ALL, OK)),
    Row(
        "household import (upload page)",
        lambda w: f"{REGISTRY}/import/dibao/{w.sub.code}/",
        {**each(ALL, DENIED), **each(HOUSEHOLD_KEEPERS, OK)},
    ),
    Row(
        "the 民政办's household import",
        lambda w: f"{REGISTRY}/import/poverty/{w.sub.code}/{a_household_import(w).pk}/",
        {**each(ALL, DENIED), **each(HOUSEHOLD_KEEPERS, OK)},
    ),
    Row(
        "confirm the 民政办's household import (only the valid rows)",
        lambda w: f"{REGISTRY}/import/poverty/{w.sub.code}/{a_household_import(w).pk}/",
        {**each(ALL, DENIED), **each(HOUSEHOLD_KEEPERS, OK)},
        method="POST",
        data=lambda w: {"mode": "only_valid"},
    ),
    Row(
        "the household import's rejected rows",
        lambda w: f"{REGISTRY}/import/poverty/{w.sub.code}/{a_household_import(w).pk}/rejected.xlsx",
        {**each(ALL, DENIED), **each(HOUSEHOLD_KEEPERS, OK)},
    ),
    # ---- office duty (村干部坐班, issue 14) -----------------------------------------------------------------
    # A cadre signs in for himself at his village; who reads a village reads its attendance; leaders configure.
    Row("坐班签到 (page)", lambda w: "/duty/", each(ALL, OK)),
    Row(
        "坐班签到 at 孔家坊's office",
        lambda w: "/duty/",
        {"village": OK},
        default=DENIED,  # 阎桥's cadre stands 孔家坊's distance from his office: refused with the distance
        method="POST",
        data=lambda w: {"lng": str(w.kong.center_lng), "lat": str(w.kong.center_lat)},
    ),
    Row(
        "坐班签到 for another cadre",
        lambda w: "/duty/",
        {},
        default=DENIED,
        method="POST",
        data=lambda w: {"lng": str(w.kong.center_lng), "lat": str(w.kong.center_lat), "person": str(w.outsider.pk)},
    ),
    Row(
        "villages' attendance",
        lambda w: "/duty/attendance/?month=2020-11",
        {**each((*SUB_READERS, "village", "outsider"), OK), "grid": DENIED},
    ),
    Row(
        "孔家坊's attendance",
        lambda w: f"/duty/attendance/{w.kong.code}/?month=2020-11",
        each((*SUB_READERS, "village"), OK),
    ),
    Row(
        "阎桥's attendance",
        lambda w: f"/duty/attendance/{w.yan.code}/?month=2020-10",
        each((*SUB_READERS, "outsider"), OK),
    ),
    Row(
        "demo-village's days at 孔家坊",
        lambda w: f"/duty/attendance/{w.kong.code}/{duty_cadre(w).pk}/?month=2020-11",
        each((*SUB_READERS, "village"), OK),
    ),
    Row("阎桥's secretary's days at 孔家坊", lambda w: f"/duty/attendance/{w.kong.code}/{w.outsider.pk}/", {}),
    Row("duty setup (form)", lambda w: "/duty/setup/", {"leader": OK}, default=DENIED),
    Row(
        "change the duty setup",
        lambda w: "/duty/setup/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"radius_m": "500", "late_after": "08:30"},
    ),
    Row("孔家坊's office (form)", lambda w: f"/duty/setup/offices/{w.kong.code}/", {"leader": OK}, default=DENIED),
    Row(
        "move 孔家坊's office",
        lambda w: f"/duty/setup/offices/{w.kong.code}/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"lng": "117.050000", "lat": "36.950000"},
    ),
    Row(
        "api 坐班签到 at 孔家坊's office",
        lambda w: "/api/v1/duty/sign-ins",
        {"village": OK},
        default=DENIED,
        method="POST",
        api=True,
        data=lambda w: {"lng": str(w.kong.center_lng), "lat": str(w.kong.center_lat)},
    ),
    Row(
        "api 坐班签到 for another cadre",
        lambda w: "/api/v1/duty/sign-ins",
        {},
        default=DENIED,
        method="POST",
        api=True,
        data=lambda w: {"lng": str(w.kong.center_lng), "lat": str(w.kong.center_lat), "person": w.outsider.pk},
    ),
    Row(
        "api villages' attendance",
        lambda w: "/api/v1/duty/attendance?month=2020-11",
        {**each((*SUB_READERS, "village", "outsider"), OK), "grid": DENIED},
        api=True,
        check=duty_attendance_scoped,
    ),
    # ---- party building (党建) -----------------------------------------------------------------------
    # A village's cadre sees and keeps his own branch; the subdistrict's readers read every branch; the leader (and
    # 党建办) manages it all.
    Row("party overview", lambda w: "/party/?year=2020", each(ALL, OK)),
    Row(
        "party overview, red branches of 孔家坊",
        lambda w: f"/party/?village={w.kong.code}&light=red",
        {**each((*SUB_READERS, "village"), OK)},
    ),
    Row("孔家坊 branch", lambda w: f"/party/branches/{branch(w, 'kong').pk}/", each((*SUB_READERS, "village"), OK)),
    Row("阎桥 branch", lambda w: f"/party/branches/{branch(w, 'yan').pk}/", each((*SUB_READERS, "outsider"), OK)),
    Row(
        "record a 孔家坊 meeting (form)",
        lambda w: f"/party/branches/{branch(w, 'kong').pk}/meetings/new/",
        {**each(SUB_READERS, DENIED), **each(PARTY_KEEPERS_KONG, OK)},
    ),
    Row(
        "record a 孔家坊 meeting",
        lambda w: f"/party/branches/{branch(w, 'kong').pk}/meetings/new/",
        {**each(SUB_READERS, DENIED), **each(PARTY_KEEPERS_KONG, OK)},
        method="POST",
        data=party_meeting_form,
    ),
    Row("a 孔家坊 meeting", lambda w: f"/party/meetings/{party_meeting(w).pk}/", each((*SUB_READERS, "village"), OK)),
    Row(
        "change a 孔家坊 meeting (form)",
        lambda w: f"/party/meetings/{party_meeting(w).pk}/edit/",
        {**each(SUB_READERS, DENIED), **each(PARTY_KEEPERS_KONG, OK)},
    ),
    Row(
        "register a 孔家坊 party member (form)",
        lambda w: f"/party/branches/{branch(w, 'kong').pk}/members/new/",
        {**each(SUB_READERS, DENIED), **each(PARTY_KEEPERS_KONG, OK)},
    ),
    Row(
        "change a 孔家坊 party member (form)",
        lambda w: f"/party/members/{party_member(w).pk}/edit/",
        {**each(SUB_READERS, DENIED), **each(PARTY_KEEPERS_KONG, OK)},
    ),
    Row(
        "take a 孔家坊 party member off the roll",
        lambda w: f"/party/members/{party_member(w).pk}/archive/",
        {**each(SUB_READERS, DENIED), **each(PARTY_KEEPERS_KONG, OK)},
        method="POST",
        data=lambda w: {"reason": "组织关系转出"},
    ),
    Row("api party branches", lambda w: "/api/v1/party/branches?year=2020", each(ALL, OK), api=True),
    Row(
        "api a 孔家坊 branch's meetings",
        lambda w: f"/api/v1/party/branches/{branch(w, 'kong').pk}/meetings?year=2020",
        each((*SUB_READERS, "village"), OK),
        api=True,
    ),
    Row(
        "api a 阎桥 branch's meetings",
        lambda w: f"/api/v1/party/branches/{branch(w, 'yan').pk}/meetings",
        each((*SUB_READERS, "outsider"), OK),
        api=True,
    ),
    Row("integrity talks", lambda w: "/party/talks/?year=2020", each(ALL, OK)),
    Row(
        "record an integrity talk",
        lambda w: "/party/talks/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=party_talk_form,
    ),
    Row("头雁 roster", lambda w: "/party/geese/", each(ALL, OK)),
    Row(
        "add to the 头雁 roster",
        lambda w: "/party/geese/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"village": w.kong.code, "name": "矩阵头雁", "post": "村委会委员"},
    ),
    Row("party setup (form)", lambda w: "/party/setup/", {"leader": OK}, default=DENIED),
    Row(
        "change the party setup",
        lambda w: "/party/setup/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {
            "unit": "",
            **{f"freq_{k}": "quarter" for k in ("members", "committee", "group", "lecture", "org_life", "dem_life")},
        },
    ),
]

ROWS += [
    # ---- households and assistance (issue 14) ---------------------------------------------------------
    # 孔家坊's cadre sees his village's households; the subdistrict's readers all; numbers masked (test_households_privacy)
    Row("households' list", lambda w: "/households/?failing=1&stale=30", each(ALL, OK)),
    Row("household coverage", lambda w: "/households/coverage/?days=60", each(ALL, OK)),
    Row("failing checklist items", lambda w: "/households/failing/", each(ALL, OK)),
    Row(
        "a 孔家坊 household",
        lambda w: f"/households/{visited_household(w, 'kong').pk}/",
        each((*SUB_READERS, "village"), OK),
    ),
    Row(
        "a 阎桥 household",
        lambda w: f"/households/{visited_household(w, 'yan').pk}/",
        each((*SUB_READERS, "outsider"), OK),
    ),
    Row(
        "visit a 孔家坊 household (form)",
        lambda w: f"/households/{visited_household(w, 'kong').pk}/visit/",
        {**each(("economy", "urban", "viewer"), DENIED), **each(HOUSEHOLD_WRITERS, OK)},
    ),
    Row(
        "log a visit to a 孔家坊 household",
        lambda w: f"/households/{visited_household(w, 'kong').pk}/visit/",
        {**each(("economy", "urban", "viewer"), DENIED), **each(HOUSEHOLD_WRITERS, OK)},
        method="POST",
        data=lambda w: {"visited_on": "2020-06-01", "findings": "矩阵走访"},
    ),
    Row(
        "check a 孔家坊 household's item",
        lambda w: f"/households/{visited_household(w, 'kong').pk}/check/",
        {**each(("economy", "urban", "viewer"), DENIED), **each(HOUSEHOLD_WRITERS, OK)},
        method="POST",
        data=lambda w: {"item": household_item(w), "state": "met", "evidence": "矩阵核查"},
    ),
    Row(
        "a measure for a 孔家坊 household",
        lambda w: f"/households/{visited_household(w, 'kong').pk}/measures/",
        {**each(("economy", "urban", "viewer"), DENIED), **each(HOUSEHOLD_WRITERS, OK)},
        method="POST",
        data=lambda w: {"kind": "粉刷墙面", "cost": "100", "done_on": "2020-06-01"},
    ),
    Row(
        "name a 孔家坊 household's officer",
        lambda w: f"/households/{visited_household(w, 'kong').pk}/officer/",
        {**each(("economy", "urban", "viewer", "village"), DENIED), **each(HOUSEHOLD_KEEPERS, OK)},
        method="POST",
        data=lambda w: {"officer": w.outsider.pk},
    ),
    Row(
        "reveal a 孔家坊 member's identity number",
        lambda w: f"/households/{visited_household(w, 'kong').pk}/reveal/",
        {**each(("economy", "urban", "viewer"), DENIED), **each(HOUSEHOLD_WRITERS, OK)},
        method="POST",
        data=lambda w: {
            "field": "identity",
            "member": visited_household(w, "kong").members.get().pk,
            "reason": "矩阵核对",
        },
    ),
    Row("a 孔家坊 visit photo", household_photo_url, each((*SUB_READERS, "village"), OK)),
    Row("api households", lambda w: "/api/v1/households?failing=true", each(ALL, OK), api=True),
    Row(
        "api a 孔家坊 household",
        lambda w: f"/api/v1/households/{visited_household(w, 'kong').pk}",
        each((*SUB_READERS, "village"), OK),
        api=True,
    ),
    Row(
        "api a 阎桥 household's visits",
        lambda w: f"/api/v1/households/{visited_household(w, 'yan').pk}/visits",
        each((*SUB_READERS, "outsider"), OK),
        api=True,
    ),
]

# The bulletins' pages (issue 15): each part's rows in a module of its own, which imports Row and the personas from
# this one (so they are appended last, when everything above is defined).
from tests import scope_matrix_bulletins, scope_matrix_deliveries, scope_matrix_jobs, scope_matrix_meetings  # noqa: E402

ROWS += scope_matrix_bulletins.ROWS + scope_matrix_deliveries.ROWS + scope_matrix_jobs.ROWS + scope_matrix_meetings.ROWS

# The upward reports' pages (issue 16).
from tests import scope_matrix_reports  # noqa: E402

ROWS += scope_matrix_reports.ROWS

# Liveness and readiness (issue 17).
from tests import scope_matrix_ops  # noqa: E402

ROWS += scope_matrix_ops.ROWS
