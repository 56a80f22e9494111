"""Public works (公共工程、乡村振兴项目): the demo's portfolio, the actions (rights, bad input in Chinese, stale
revisions, nothing half-written), the pages (scope: a village cadre sees his village's works only — not the
subdistrict's own, nor another village's), the `works` indicator source, and the land-acquisition page summed
from the demolition ledger's rows."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.test import Client

from tests.cases_factory import jpeg
from tests.conftest import person
from zhili.core import clock, lights
from zhili.core.errors import Conflict, Refused
from zhili.core.models import AuditEntry
from zhili.ledgers.models import LedgerRow
from zhili.people.models import Unit
from zhili.people.scope import scope_for
from zhili.projects import works_actions as actions
from zhili.projects import works_queries as queries
from zhili.projects.models import Work, WorkKind, WorkMilestone, WorkStage
from zhili.targets import sources
from zhili.targets.models import Indicator
from zhili.targets.sources import Window


def _as(username):
    who = person(username)
    return {"actor": who, "scope": scope_for(who)}


def kong_toilet(world) -> Work:
    return Work.objects.get(subdistrict=world.sub, region=world.kong, kind=WorkKind.TOILET)


def road(world) -> Work:
    return Work.objects.get(subdistrict=world.sub, name="济太路维修")


def _next_stage(work: Work) -> WorkStage:
    return work.stages.filter(actual__isnull=True).order_by("id").first()


# ---- the demo's portfolio -------------------------------------------------------------------------------------


def test_the_demo_has_the_articles_works_with_late_and_on_time_ones(world):
    works = Work.objects.filter(subdistrict=world.sub)
    assert works.filter(kind=WorkKind.RURAL).count() == 16
    assert works.filter(kind=WorkKind.TOILET).count() == 17
    assert works.filter(name__in=["街道便民服务中心提升改造", "公益性公墓选址", "济太路维修"]).count() == 3
    assert all(w.is_synthetic for w in works)
    views = {v.work.name: v for v in queries.work_list(scope_for(person("demo-leader")), world.sub)}
    states = {v.light.state for v in views.values()}
    assert {lights.RED, lights.GREEN, lights.DONE} <= states
    assert views["济太路维修"].light.state == lights.DONE
    assert views["济太路维修"].current.stage == "accept"
    assert views["公益性公墓选址"].light.state == lights.RED  # the site was due 9-30
    assert views[kong_toilet(world).name].light.state == lights.RED  # not tendered by 10-31
    # the tender dates are the public-toilets ledger's, not typed again
    tendered = LedgerRow.objects.filter(ledger__code="public-toilets", data__tendered_on__isnull=False).count()
    assert WorkStage.objects.filter(work__kind=WorkKind.TOILET, stage="tender", actual__isnull=False).count() == (
        tendered
    )


def test_the_light_explains_which_stage_is_late_in_working_days(world):
    view = queries.view_of(kong_toilet(world), clock.today())
    assert view.light.state == lights.RED
    assert "招标计划 2020-10-31 完成" in view.light.explain()
    assert "个工作日未完成" in view.light.explain()


# ---- actions --------------------------------------------------------------------------------------------------


def test_the_responsible_office_advances_a_stage_audited_with_a_new_revision(world):
    work = kong_toilet(world)
    stage = _next_stage(work)
    before = AuditEntry.objects.count()
    actions.do_advance_stage(
        work, stage=stage.stage, day=clock.today().isoformat(), revision=work.revision, **_as("demo-urban")
    )
    stage.refresh_from_db()
    assert stage.actual == clock.today()
    assert Work.objects.get(pk=work.pk).revision == work.revision + 1
    entry = AuditEntry.objects.latest("id")
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "work.advance" and entry.region_path == world.kong.path


@pytest.mark.parametrize("who", ["demo-economy", "demo-civil", "demo-viewer", "demo-village", "demo-grid"])
def test_who_is_not_the_unit_nor_a_leader_may_not_advance(world, who):
    work = kong_toilet(world)
    before = AuditEntry.objects.count()
    with pytest.raises(Refused):
        actions.do_advance_stage(
            work, stage=_next_stage(work).stage, day="2020-11-20", revision=work.revision, **_as(who)
        )
    assert AuditEntry.objects.count() == before
    assert _next_stage(work).actual is None


def test_the_outsider_cannot_change_kong_jia_fang_s_work(world):
    work = kong_toilet(world)
    scope = scope_for(world.outsider)
    with pytest.raises(Refused):
        actions.do_set_funds(work, {"funds_spent": "1"}, actor=world.outsider, scope=scope)
    with pytest.raises(Refused):
        actions.do_add_milestone(work, day="2020-11-20", title="进场", actor=world.outsider, scope=scope)
    assert Work.objects.get(pk=work.pk).funds_spent == work.funds_spent


@pytest.mark.parametrize(
    "day, says",
    [
        ("2020-12-01", "不能晚于今天"),
        ("2020-01-01", "不能早于上一阶段的实际日期"),
        ("明天", "日期"),
        ("", "请填写实际日期"),
    ],
)
def test_a_wrong_date_is_refused_in_chinese_and_nothing_is_written(world, day, says):
    work = kong_toilet(world)
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        actions.do_advance_stage(
            work, stage=_next_stage(work).stage, day=day, revision=work.revision, **_as("demo-urban")
        )
    assert says in " ".join(exc.value.messages)
    assert AuditEntry.objects.count() == before
    assert _next_stage(work).actual is None and Work.objects.get(pk=work.pk).revision == work.revision


def test_stages_are_reached_in_order(world):
    work = kong_toilet(world)
    with pytest.raises(ValidationError) as exc:
        actions.do_advance_stage(work, stage="build", day="2020-11-20", revision=work.revision, **_as("demo-urban"))
    assert "应先完成" in exc.value.messages[0]
    done = road(world)
    actions.do_advance_stage(done, stage="effect", day="2020-11-20", revision=done.revision, **_as("demo-urban"))
    done.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        actions.do_advance_stage(done, stage="effect", day="2020-11-20", revision=done.revision, **_as("demo-urban"))
    assert "均已完成" in exc.value.messages[0]


def test_a_stale_revision_is_a_conflict_and_nothing_is_written(world):
    work = kong_toilet(world)
    actions.do_set_funds(work, {"funds_allocated": "10", "revision": work.revision}, **_as("demo-urban"))
    before = AuditEntry.objects.count()
    with pytest.raises(Conflict):
        actions.do_advance_stage(
            work, stage=_next_stage(work).stage, day="2020-11-20", revision=work.revision, **_as("demo-leader")
        )
    with pytest.raises(Conflict):
        actions.do_set_funds(work, {"funds_spent": "1", "revision": work.revision}, **_as("demo-leader"))
    assert AuditEntry.objects.count() == before
    assert _next_stage(work).actual is None


def test_funds_are_parsed_as_offices_type_them_and_spent_never_exceeds_allocated(world):
    work = road(world)
    actions.do_set_funds(
        work, {"funds_planned": "1,234.5万元", "funds_allocated": "600", "funds_spent": "599.5"}, **_as("demo-urban")
    )
    work.refresh_from_db()
    assert work.funds_planned == Decimal("1234.50") and work.funds_spent == Decimal("599.50")
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "work.funds" and "funds_planned" in entry.changes
    before = AuditEntry.objects.count()
    for data, says in [
        ({"funds_spent": "700"}, "不能超过已拨付"),
        ({"funds_planned": "-1"}, "不能为负数"),
        ({"funds_planned": "很多"}, "计划资金"),
    ]:
        with pytest.raises(ValidationError) as exc:
            actions.do_set_funds(work, data, **_as("demo-urban"))
        assert says in " ".join(exc.value.messages)
    assert AuditEntry.objects.count() == before
    assert Work.objects.get(pk=work.pk).funds_spent == Decimal("599.50")


def test_a_milestone_keeps_a_checked_photo_and_refuses_what_is_not_one(world):
    work = kong_toilet(world)
    row = actions.do_add_milestone(
        work, day="2020-11-19", title="完成选址踏勘", photo=jpeg("site.jpg"), **_as("demo-urban")
    )
    assert row.has_photo and row.width == 640 and len(row.sha256) == 64
    assert AuditEntry.objects.latest("id").action == "work.milestone"
    before = (AuditEntry.objects.count(), WorkMilestone.objects.count())
    fake = SimpleUploadedFile("site.jpg", b"not a photo at all", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        actions.do_add_milestone(work, day="2020-11-19", title="再传一张", photo=fake, **_as("demo-urban"))
    assert "不是有效的照片" in exc.value.messages[0] or "照片格式" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        actions.do_add_milestone(work, day="2020-11-19", title="", **_as("demo-urban"))
    assert (AuditEntry.objects.count(), WorkMilestone.objects.count()) == before


def test_a_work_is_registered_with_its_seven_stages_in_order(world):
    urban = Unit.objects.get(region=world.sub, code="urban")
    work = actions.do_save_work(
        world.sub,
        {
            "name": "孔家坊村路灯维修",
            "kind": WorkKind.ROAD,
            "region": world.kong,
            "unit": urban,
            "funds_planned": "12",
            "planned": {"plan": "2020-11-01", "build": datetime.date(2020, 12, 1)},
        },
        **_as("demo-urban"),
    )
    assert work.stages.count() == 7
    assert work.stages.get(stage="build").planned == datetime.date(2020, 12, 1)
    assert AuditEntry.objects.latest("id").action == "work.add"
    before = Work.objects.count()
    with pytest.raises(ValidationError) as exc:
        actions.do_save_work(
            world.sub,
            {
                "name": "阎桥村路灯维修",
                "kind": WorkKind.ROAD,
                "region": world.yan,
                "unit": urban,
                "planned": {"plan": "2020-12-01", "build": "2020-11-01"},
            },
            **_as("demo-urban"),
        )
    assert "顺序" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        actions.do_save_work(
            world.sub, {"name": "孔家坊村路灯维修", "kind": WorkKind.ROAD, "unit": urban}, **_as("demo-urban")
        )
    assert "已有名为" in exc.value.messages[0]
    with pytest.raises(Refused):
        actions.do_save_work(world.sub, {"name": "别的", "kind": WorkKind.ROAD, "unit": urban}, **_as("demo-economy"))
    assert Work.objects.count() == before


# ---- pages ----------------------------------------------------------------------------------------------------


def test_the_list_shows_stage_light_and_funds_in_a_fixed_number_of_queries(as_persona, django_assert_max_num_queries):
    client = as_persona("leader")
    with django_assert_max_num_queries(20):
        response = client.get("/projects/works/")
    body = response.content.decode()
    assert response.status_code == 200 and 'class="table-wrap"' in body
    assert "济太路维修" in body and "公益性公墓选址" in body and "红灯" in body
    assert client.get("/projects/works/?kind=toilet&late=1").status_code == 200
    assert client.get("/projects/works/?village=nowhere").status_code == 400


def test_a_village_cadre_sees_his_village_s_works_only(world, as_persona):
    body = as_persona("village").get("/projects/works/").content.decode()
    assert kong_toilet(world).name in body
    assert "济太路维修" not in body and "阎桥村" not in body
    own = Work.objects.filter(region=world.kong).count()
    assert len(re.findall(r'href="/projects/works/\d+/"', body)) == own
    yan_work = Work.objects.filter(region=world.yan).first()
    assert as_persona("village").get(f"/projects/works/{yan_work.pk}/").status_code == 404
    assert as_persona("village").get(f"/projects/works/{road(world).pk}/").status_code == 404
    # he reads his village's work, with no form to change it
    page = as_persona("village").get(f"/projects/works/{kong_toilet(world).pk}/").content.decode()
    assert "advance-form" not in page and "milestone-form" not in page


def test_the_outsider_cannot_see_nor_change_kong_jia_fang_s_work(world, as_persona):
    work = kong_toilet(world)
    client = as_persona("outsider")
    before = AuditEntry.objects.count()
    assert client.get(f"/projects/works/{work.pk}/").status_code == 404
    data = {"stage": _next_stage(work).stage, "day": "2020-11-20", "revision": work.revision}
    assert client.post(f"/projects/works/{work.pk}/advance/", data).status_code == 404
    assert AuditEntry.objects.count() == before


def test_the_forms_advance_a_stage_and_add_a_milestone_with_a_photo(world, as_persona):
    work = kong_toilet(world)
    client = as_persona("urban")
    page = client.get(f"/projects/works/{work.pk}/").content.decode()
    assert "advance-form" in page and "milestone-form" in page
    stage = _next_stage(work)
    data = {"stage": stage.stage, "day": "2020-11-18", "revision": work.revision}
    assert client.post(f"/projects/works/{work.pk}/advance/", data).status_code == 302
    stale = client.post(f"/projects/works/{work.pk}/advance/", {**data, "stage": "tender"})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    future = client.post(
        f"/projects/works/{work.pk}/advance/", {"stage": "tender", "day": "2021-01-01", "revision": work.revision + 1}
    )
    assert future.status_code == 400 and "不能晚于今天" in future.content.decode()
    posted = client.post(
        f"/projects/works/{work.pk}/milestones/",
        {"day": "2020-11-19", "title": "新址确定", "photo": jpeg("new-site.jpg")},
    )
    assert posted.status_code == 302
    milestone = WorkMilestone.objects.filter(work=work).latest("id")
    shown = client.get(f"/projects/works/{work.pk}/milestones/{milestone.pk}/display")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert as_persona("village").get(f"/projects/works/{work.pk}/milestones/{milestone.pk}/display").status_code == 200
    assert as_persona("outsider").get(f"/projects/works/{work.pk}/milestones/{milestone.pk}/display").status_code == (
        404
    )
    assert client.get(f"/projects/works/{work.pk}/milestones/{milestone.pk}/thumbnail").status_code == 404


# ---- the indicator source -------------------------------------------------------------------------------------


def test_the_source_counts_rural_projects_started_by_village_and_opens_onto_them(world, django_assert_max_num_queries):
    from zhili.regions.models import Level, Region

    indicator = Indicator.objects.select_related("task__goal__region").get(
        task__goal__region=world.sub, task__goal__year=2020, code="2.1.3.1"
    )
    assert indicator.source_key == "works"
    source = sources.get("works")
    villages = list(Region.objects.filter(parent=world.sub, level=Level.VILLAGE).order_by("code"))
    window = Window(datetime.date(2020, 1, 1), clock.today())
    with django_assert_max_num_queries(4):
        values = source.values([indicator], villages, window)
    assert sum(v for (i, _), v in values.items() if i == indicator.pk) == 13
    assert values[(indicator.pk, world.kong.pk)] == 2
    records = list(source.records(indicator, world.kong, window))
    assert len(records) == 2 and all(r.region_id == world.kong.pk for r in records)
    headers, rows = source.table(indicator, records)
    assert headers[-1] == "施工实际日期" and rows[0][-1].startswith("2020-")
    # in a window ending before June only the first four had started
    early = Window(datetime.date(2020, 1, 1), datetime.date(2020, 5, 31))
    assert sum(source.values([indicator], villages, early).values()) == 4
    assert "施工" in source.describe(indicator)


def test_the_source_sums_funds_spent_with_the_subdistrict_s_own_works(world):
    from types import SimpleNamespace

    from zhili.regions.models import Level, Region

    indicator = SimpleNamespace(
        pk=-1, source_params={"measure": "spent"}, task=SimpleNamespace(goal=SimpleNamespace(region=world.sub))
    )
    source = sources.get("works")
    villages = list(Region.objects.filter(parent=world.sub, level=Level.VILLAGE).order_by("code"))
    values = source.values([indicator], villages, Window(datetime.date(2020, 1, 1), clock.today()))
    total = Work.objects.filter(subdistrict=world.sub).aggregate(s=Sum("funds_spent"))["s"]
    assert sum(values.values()) == total
    assert values[(-1, world.sub.pk)] == road(world).funds_spent + sum(
        Work.objects.filter(region=world.sub).exclude(pk=road(world).pk).values_list("funds_spent", flat=True)
    )
    with pytest.raises(ValidationError):
        source.check_params({"measure": "reached", "stage": "done"})
    with pytest.raises(ValidationError):
        source.check_params({"measure": "count"})


# ---- the park's land acquisition ------------------------------------------------------------------------------


def test_the_land_page_sums_the_demolition_ledger_s_rows_and_links_to_them(world, as_persona):
    from django.db.models import IntegerField

    client = as_persona("leader")
    response = client.get("/projects/works/land/")
    assert response.status_code == 200
    ledger, rows = queries.land_rows(scope_for(person("demo-leader")), world.sub)
    base = LedgerRow.objects.filter(ledger=ledger, archived_at__isnull=True)
    assert {r.village.name for r in rows} == {"郎家村", "孙家店村", "小王村"}
    for r in rows:
        mine = base.filter(region=r.village)
        assert r.households == mine.count()
        assert r.signed == mine.filter(data__agreement_signed=True).count()
        assert r.relocated == mine.exclude(data__relocated_on=None).count()
        assert r.people == mine.aggregate(s=Sum(Cast(KeyTextTransform("members", "data"), IntegerField())))["s"]
    assert sum(r.households for r in rows) == 1100 and sum(r.people for r in rows) == 3026
    body = response.content.decode()
    assert f'href="/ledgers/demolition/?region={rows[0].village.code}"' in body
    assert "搬迁居民户数" in body and "1100" in body  # the target, from the indicator counted from the ledger
    assert "没有这两项" not in body  # the ledger keeps the land now: nothing is said to be missing
    # a village cadre of 孔家坊 reads no demolition rows: the page names none of the three villages
    village_body = as_persona("village").get("/projects/works/land/").content.decode()
    assert "郎家村" not in village_body


def test_the_menu_links_to_public_works(as_persona):
    body = as_persona("village").get("/").content.decode()
    assert 'href="/projects/works/"' in body and "公共工程" in body


@pytest.mark.parametrize("persona", ["leader", "anonymous"])
def test_the_pages_reject_the_wrong_method(as_persona, persona, world):
    client: Client = as_persona(persona)
    work = kong_toilet(world)
    expected = 405 if persona != "anonymous" else 302
    assert client.post("/projects/works/").status_code == expected
    assert client.get(f"/projects/works/{work.pk}/advance/").status_code == expected


# ---- registering and changing a work on a page ----------------------------------------------------------------


def _form_data(world, **over) -> dict:
    urban = Unit.objects.get(region=world.sub, code="urban")
    data = {
        "name": "矩阵村口路灯安装",
        "kind": WorkKind.RURAL,
        "region": world.kong.code,
        "unit": str(urban.pk),
        "person": str(person("demo-urban").pk),
        "funds_planned": "1,234.5万",
        "note": "",
        "planned_plan": "2020-12-1",
        "planned_approve": "2020-12-10",
        "planned_tender": "",
        "planned_build": "2021-03-01",
        "planned_finish": "",
        "planned_accept": "",
        "planned_effect": "",
    }
    return {**data, **over}


@pytest.mark.parametrize("who", ["leader", "urban"])
def test_the_office_and_the_leader_register_a_work_on_the_page(world, as_persona, who):
    client = as_persona(who)
    listing = client.get("/projects/works/").content.decode()
    assert 'href="/projects/works/new/"' in listing and "登记公共工程" in listing
    page = client.get("/projects/works/new/")
    assert page.status_code == 200 and "立项计划日期" in page.content.decode()
    before = AuditEntry.objects.count()
    response = client.post("/projects/works/new/", _form_data(world))
    assert response.status_code == 302
    work = Work.objects.get(subdistrict=world.sub, name="矩阵村口路灯安装")
    assert response["Location"] == f"/projects/works/{work.pk}/"
    assert work.region == world.kong and work.funds_planned == Decimal("1234.50")
    planned = {s.stage: s.planned for s in work.stages.all()}
    assert len(planned) == 7 and planned["approve"] == datetime.date(2020, 12, 10) and planned["tender"] is None
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.latest("id").action == "work.add"


def test_a_work_of_the_subdistrict_itself_is_registered_without_a_village(world, as_persona):
    response = as_persona("leader").post("/projects/works/new/", _form_data(world, region="", name="街道自身工程"))
    assert response.status_code == 302
    assert Work.objects.get(name="街道自身工程").region == world.sub


@pytest.mark.parametrize("who", ["village", "outsider", "viewer", "grid"])
def test_who_holds_no_office_of_the_subdistrict_may_not_register(world, as_persona, who):
    client = as_persona(who)
    assert "/projects/works/new/" not in client.get("/projects/works/").content.decode()
    assert client.get("/projects/works/new/").status_code == 403
    response = client.post("/projects/works/new/", _form_data(world))
    assert response.status_code == 403 and "只有街道领导或街道科室" in response.content.decode()
    assert not Work.objects.filter(name="矩阵村口路灯安装").exists()


def test_an_officer_may_not_register_a_work_for_another_office(world, as_persona):
    economy = Unit.objects.get(region=world.sub, code="economy")
    response = as_persona("urban").post("/projects/works/new/", _form_data(world, unit=str(economy.pk)))
    assert response.status_code == 400  # not among the offices offered to him
    assert not Work.objects.filter(name="矩阵村口路灯安装").exists()


@pytest.mark.parametrize(
    "over, says",
    [
        ({"planned_build": "2020-11-01"}, "按 谋划→立项→招标→施工→完工→验收→见效 的顺序"),
        ({"planned_approve": "2020-13-40"}, "立项计划日期"),
        ({"funds_planned": "-5"}, "计划资金不能为负数"),
        ({"funds_planned": "很多"}, "计划资金"),
        ({"name": "济太路维修"}, "本街道已有名为“济太路维修”的工程"),
        ({"name": ""}, "请检查标红的项目"),
        ({"region": "370115999999"}, "请检查标红的项目"),
    ],
)
def test_bad_input_on_the_page_is_a_400_in_chinese_and_writes_nothing(world, as_persona, over, says):
    before = (Work.objects.count(), WorkStage.objects.count(), AuditEntry.objects.count())
    response = as_persona("urban").post("/projects/works/new/", _form_data(world, **over))
    assert response.status_code == 400
    assert says in response.content.decode()
    assert (Work.objects.count(), WorkStage.objects.count(), AuditEntry.objects.count()) == before


def _edit_data(work: Work, **over) -> dict:
    planned = {f"planned_{s.stage}": s.planned.isoformat() if s.planned else "" for s in work.stages.all()}
    data = {
        "revision": work.revision,
        "name": work.name,
        "kind": work.kind,
        "region": work.region.code if work.region_id != work.subdistrict_id else "",
        "unit": str(work.unit_id),
        "person": str(work.person_id or ""),
        "funds_planned": str(work.funds_planned),
        "note": work.note,
        **planned,
    }
    return {**data, **over}


def test_the_office_changes_a_work_on_the_page_and_a_stale_edit_is_a_conflict(world, as_persona):
    work = kong_toilet(world)
    client = as_persona("urban")
    detail = client.get(f"/projects/works/{work.pk}/").content.decode()
    assert f'href="/projects/works/{work.pk}/edit/"' in detail
    form = client.get(f"/projects/works/{work.pk}/edit/").content.decode()
    assert work.name in form and f'value="{work.revision}"' in form
    stale = _edit_data(work, note="旧页面上的改动")
    response = client.post(f"/projects/works/{work.pk}/edit/", _edit_data(work, funds_planned="88"))
    assert response.status_code == 302
    changed = Work.objects.get(pk=work.pk)
    assert changed.funds_planned == Decimal("88.00") and changed.revision == work.revision + 1
    assert AuditEntry.objects.latest("id").action == "work.save"
    before = AuditEntry.objects.count()
    conflict = client.post(f"/projects/works/{work.pk}/edit/", stale)
    assert conflict.status_code == 409 and "该工程已被他人修改" in conflict.content.decode()
    assert Work.objects.get(pk=work.pk).note == changed.note and AuditEntry.objects.count() == before
    leader = as_persona("leader").post(f"/projects/works/{work.pk}/edit/", _edit_data(changed, name="孔家坊村厕所改"))
    assert leader.status_code == 302 and Work.objects.get(pk=work.pk).name == "孔家坊村厕所改"


@pytest.mark.parametrize("who, status", [("village", 403), ("economy", 403), ("viewer", 403), ("outsider", 404)])
def test_who_is_not_the_unit_nor_a_leader_may_not_edit_on_the_page(world, as_persona, who, status):
    work = kong_toilet(world)
    client = as_persona(who)
    if status == 403:
        assert f"/projects/works/{work.pk}/edit/" not in client.get(f"/projects/works/{work.pk}/").content.decode()
    assert client.get(f"/projects/works/{work.pk}/edit/").status_code == status
    assert client.post(f"/projects/works/{work.pk}/edit/", _edit_data(work, name="改名")).status_code == status
    assert Work.objects.get(pk=work.pk).name == work.name


def test_the_outsider_may_not_edit_yan_qiao_s_work_he_sees(world, as_persona):
    work = Work.objects.filter(subdistrict=world.sub, region=world.yan, kind=WorkKind.RURAL).order_by("pk").first()
    client = as_persona("outsider")
    assert client.get(f"/projects/works/{work.pk}/").status_code == 200
    assert client.get(f"/projects/works/{work.pk}/edit/").status_code == 403
    assert client.post(f"/projects/works/{work.pk}/edit/", _edit_data(work, name="改名")).status_code == 403
    assert Work.objects.get(pk=work.pk).name == work.name


def _mu(rows, key: str) -> Decimal:
    return sum((Decimal(r.data[key]) for r in rows), Decimal(0))


def test_the_land_page_sums_the_mu_acquired_and_cleared_per_village_from_the_rows(world, as_persona):
    body = as_persona("leader").get("/projects/works/land/").content.decode()
    ledger, rows = queries.land_rows(scope_for(person("demo-leader")), world.sub)
    base = list(LedgerRow.objects.filter(ledger=ledger, archived_at__isnull=True).select_related("region"))
    for r in rows:
        mine = [x for x in base if x.region_id == r.village.pk]
        assert r.land == _mu(mine, "land_area") and r.cleared == _mu(mine, "cleared_area")
        assert f">{r.land}</a>" in body and f">{r.cleared}</a>" in body
    land, cleared = _mu(base, "land_area"), _mu(base, "cleared_area")
    assert land == Decimal("1623.00") and Decimal(1600) > cleared > Decimal(1500)  # 1,600 余亩, cleared a bit less
    assert all(Decimal(x.data["cleared_area"]) <= Decimal(x.data["land_area"]) for x in base)
    total = re.search(r'data-testid="land-total-mu"><a href="[^"]+">([\d.]+)<', body)
    assert total and Decimal(total.group(1)) == land
    assert "征地及附属物清理清障" in body  # the indicator counted from the same field, beside its target


def test_indicator_2_2_2_1_is_the_sum_of_the_rows_mu_and_drills_down_onto_them(world, as_persona):
    from zhili.regions.models import Level, Region
    from zhili.targets import engine
    from zhili.targets.models import Entry

    ind = Indicator.objects.get(task__goal__region=world.sub, task__goal__year=2020, code="2.2.2.1")
    assert ind.source_key == "ledger" and ind.source_params == {
        "ledger": "demolition",
        "measure": "sum",
        "field": "land_area",
    }
    assert not Entry.objects.filter(indicator=ind).exists()  # never typed
    base = list(LedgerRow.objects.filter(ledger__code="demolition", archived_at__isnull=True).select_related("region"))
    villages = list(Region.objects.filter(parent=world.sub, level=Level.VILLAGE).order_by("code"))
    c = engine.compute(world.sub, 2020, clock.today(), villages, whole=True)
    assert c.whole[ind.pk].actual == _mu(base, "land_area") == Decimal("1623.00")
    assert c.whole[ind.pk].light.state == lights.DONE
    lang = next(v for v in villages if v.name == "郎家村")
    mine = [x for x in base if x.region_id == lang.pk]
    page = as_persona("leader").get(f"/targets/indicators/{ind.pk}/villages/{lang.code}/").content.decode()
    assert "征收土地面积" in page and f"/ledgers/demolition/?region={lang.code}" in page
    assert page.count("<tr>") - 1 == len(mine) == 420
    assert mine[0].data["land_area"] in page
