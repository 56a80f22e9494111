"""The closed loop through the actions: legal steps, illegal ones refused with nothing written, who may take which
step, rework, extension, side paths, deadlines in working days, photos and EXIF, location checks."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from tests import cases_factory as cf
from zhili.cases import actions, flow
from zhili.cases.models import Case, CaseEvent, Source, State
from zhili.core.models import AuditEntry
from zhili.core.workdays import add_working_days
from zhili.people.models import Person
from zhili.people.scope import scope_for

pytestmark = pytest.mark.django_db

# A Friday in 2021, before the 2021 National Day holiday week (1–7 October; 9 October a make-up working day)
FRIDAY = timezone.make_aware(datetime.datetime(2021, 9, 24, 10, 0))


def snapshot(case):
    return (
        CaseEvent.objects.filter(case=case).count(),
        AuditEntry.objects.count(),
        Case.objects.values_list("state", "revision").get(pk=case.pk),
    )


def test_the_whole_loop_records_every_step(world):
    case = cf.report(world.sub, world.kong_grid, at=FRIDAY)
    assert case.state == State.REPORTED and case.number.startswith("2021")
    assert case.region == world.kong_grid and case.photos.count() == 1
    case = cf.drive(case, "close", at=FRIDAY)
    assert case.state == State.CLOSED
    assert [e.action for e in case.events.all()] == ["report", *cf.LOOP]
    assert case.handled_by.username == "demo-village"
    assert case.closed_on_time is True and case.handled_on_time is True
    assert case.photos.filter(stage="after").count() == 1
    assert AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() == 8


def test_deadline_counts_working_days_across_the_national_day_holiday(world):
    wednesday = timezone.make_aware(datetime.datetime(2021, 9, 29, 10, 0))
    case = cf.report(world.sub, world.kong_grid, code="signboard", at=wednesday)  # 5 working days
    case = cf.drive(case, "dispatch", at=wednesday)
    # Thu 30 Sep; 1–7 Oct are holidays; Fri 8 and Sat 9 Oct (a make-up working day); Mon 11; Tue 12
    assert timezone.localtime(case.deadline).date() == datetime.date(2021, 10, 12)
    # Sunday 26 September 2021 was a make-up working day too
    assert add_working_days(FRIDAY, 1).date() == datetime.date(2021, 9, 26)


@pytest.mark.parametrize(
    "state_steps, action",
    [
        ([], "close"),
        ([], "dispatch"),
        ([], "verify"),
        (["accept"], "handle"),
        (["accept", "file"], "verify"),
        (["accept", "file", "dispatch"], "close"),
        (["accept", "file", "dispatch"], "accept"),
    ],
)
def test_illegal_transitions_are_refused_and_write_nothing(world, state_steps, action):
    case = cf.report(world.sub, world.kong_grid, at=FRIDAY)
    if state_steps:
        case = cf.drive(case, state_steps[-1], at=FRIDAY)
    before = snapshot(case)
    with pytest.raises(ValidationError) as err:
        cf.act(case, action, "demo-leader", note="强行", village=world.kong, photos=[cf.jpeg()])
    assert "不能" in err.value.messages[0]
    assert snapshot(case) == before


def test_the_verifier_cannot_be_the_handler(world):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=FRIDAY), "dispatch", at=FRIDAY)
    case = cf.act(case, "handle", "demo-leader", photos=[cf.jpeg()], at=FRIDAY)  # a leader may handle …
    case = cf.act(case, "feedback", "demo-leader", at=FRIDAY)
    assert "verify" not in flow.available(case, scope_for(Person.objects.get(username="demo-leader")))
    before = snapshot(case)
    with pytest.raises(ValidationError, match="处置人以外"):
        cf.act(case, "verify", "demo-leader")  # … but not verify their own handling
    assert snapshot(case) == before
    case = cf.act(case, "verify", "demo-grid")
    assert case.state == State.VERIFIED


def test_handling_needs_an_after_photo(world):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=FRIDAY), "dispatch", at=FRIDAY)
    before = snapshot(case)
    with pytest.raises(ValidationError, match="处置后照片"):
        cf.act(case, "handle", "demo-village", photos=[])
    assert snapshot(case) == before


def test_who_may_take_which_step(world):
    case = cf.report(world.sub, world.kong_grid, at=FRIDAY)
    for username in ("demo-village", "demo-grid", "demo-economy", "demo-viewer"):
        with pytest.raises(ValidationError, match="受理派遣单位或街道领导"):
            cf.act(case, "accept", username)
    case = cf.drive(case, "dispatch", at=FRIDAY)  # to 孔家坊
    yan_secretary = world.outsider
    with pytest.raises(ValidationError):
        actions.do_act(case, "handle", actor=yan_secretary, scope=scope_for(yan_secretary), photos=[cf.jpeg()])
    with pytest.raises(ValidationError, match="承办单位"):
        cf.act(case, "handle", "demo-economy", photos=[cf.jpeg()])


def test_rework_goes_back_to_handling_and_is_counted(world):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=FRIDAY), "feedback", at=FRIDAY)
    deadline = case.deadline
    with pytest.raises(ValidationError, match="理由"):
        cf.act(case, "rework", "demo-grid", note="")
    case = cf.act(case, "rework", "demo-grid", note="垃圾未清运干净")
    assert case.state == State.DISPATCHED and case.rework_count == 1 and case.deadline == deadline
    case = cf.act(case, "handle", "demo-village", photos=[cf.jpeg()])
    case = cf.act(case, "feedback", "demo-village")
    case = cf.act(case, "verify", "demo-grid")
    case = cf.act(case, "close", "demo-urban")
    assert case.state == State.CLOSED and case.rework_count == 1


def test_an_extension_is_requested_then_approved_by_a_leader_and_moves_the_deadline(world):
    case = cf.drive(cf.report(world.sub, world.kong_grid, code="ruined-wall", at=FRIDAY), "dispatch", at=FRIDAY)
    old = case.deadline
    case = cf.act(case, "request_extension", "demo-village", days=3, note="需协调拆除机械")
    with pytest.raises(ValidationError, match="已有一份延期申请"):
        cf.act(case, "request_extension", "demo-village", days=2, note="再申请")
    with pytest.raises(ValidationError, match="街道领导"):
        cf.act(case, "approve_extension", "demo-urban")
    case = cf.act(case, "approve_extension", "demo-leader", note="同意")
    assert case.extension_count == 1
    assert case.deadline == add_working_days(old, 3)
    assert case.step_deadline == case.deadline
    with pytest.raises(ValidationError, match="没有待审批"):
        cf.act(case, "approve_extension", "demo-leader")


def test_side_paths_send_back_park_reject_void_merge(world):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=FRIDAY), "dispatch", at=FRIDAY)
    case = cf.act(case, "send_back", "demo-village", note="不属于本村管辖")
    assert case.state == State.FILED and case.assignee_region is None
    case = cf.act(case, "park", "demo-urban", note="涉及产权纠纷，暂不能解决")
    assert case.state == State.PARKED
    case = cf.act(case, "unpark", "demo-urban")
    assert case.state == State.FILED

    rejected = cf.act(cf.report(world.sub, world.kong_grid, at=FRIDAY), "reject", "demo-urban", note="不属实")
    assert (
        rejected.state == State.REJECTED
        and flow.available(rejected, scope_for(Person.objects.get(username="demo-leader"))) == []
    )
    voided = cf.act(cf.report(world.sub, world.kong_grid, at=FRIDAY), "accept", "demo-urban")
    assert cf.act(voided, "void", "demo-urban", note="重复录入").state == State.VOID

    master = cf.report(world.sub, world.kong_grid, at=FRIDAY)
    dup = cf.report(world.sub, world.kong_grid, at=FRIDAY + datetime.timedelta(hours=1))
    found = actions.duplicates_for(world.sub, dup.category, dup.lng, dup.lat, at=dup.reported_at, exclude=dup.pk)
    assert master.pk in [c.pk for c in found]
    dup = cf.act(dup, "merge", "demo-urban", master=master)
    assert dup.state == State.MERGED and dup.master == master


def test_stale_revision_is_a_conflict_not_an_overwrite(world):
    case = cf.report(world.sub, world.kong_grid, at=FRIDAY)
    stale = case.revision
    cf.act(case, "accept", "demo-urban", revision=stale)
    with pytest.raises(actions.Conflict, match="刷新"):
        cf.act(case, "reject", "demo-leader", revision=stale, note="不属实")
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED


def test_repeated_locations_become_hotspots(world):
    cases = [cf.report(world.sub, world.kong_grid, at=FRIDAY + datetime.timedelta(days=i)) for i in range(3)]
    assert all(Case.objects.get(pk=c.pk).is_hotspot for c in cases)


# ---- photos ------------------------------------------------------------------------------------


def test_the_display_copy_has_no_exif_and_is_downscaled(world):
    lng, lat = cf.point_in(world.kong_grid)
    person = Person.objects.get(username="demo-grid")
    photo = cf.jpeg(lng=lng, lat=lat, size=(3000, 2000))
    case = actions.do_report_case(
        subdistrict=world.sub,
        category=cf.category(world.sub, "garbage"),
        description="x",
        actor=person,
        scope=scope_for(person),
        source=Source.PATROL,
        lng=lng,
        lat=lat,
        photos=[photo],
    )
    stored = case.photos.get()
    assert abs(stored.exif_lng - lng) < 0.0001 and abs(stored.exif_lat - lat) < 0.0001
    with stored.display.open("rb") as fh, Image.open(fh) as img:
        assert max(img.size) == 1280
        assert not img.getexif()  # neither GPS nor camera model
    with stored.original.open("rb") as fh, Image.open(fh) as img:
        assert img.getexif().get(0x0110) == "ZhiliTestPhone"  # the original is kept as it was


def test_an_after_photo_taken_far_away_is_flagged_to_the_verifier(world):
    case = cf.drive(cf.report(world.sub, world.kong_grid, at=FRIDAY), "dispatch", at=FRIDAY)
    lng, lat = cf.far_point(case.lng, case.lat, 2000)
    case = cf.act(case, "handle", "demo-village", photos=[cf.jpeg(lng=lng, lat=lat)])
    after = case.photos.get(stage="after")
    assert after.far_from_case and 1900 < after.distance_m < 2100
    assert case.events.get(action="handle").data["far_photos"] == [after.distance_m]


@pytest.mark.parametrize(
    "upload, reason",
    [
        (SimpleUploadedFile("fake.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"), "不是有效的照片"),
        (SimpleUploadedFile("doc.jpg", b"%PDF-1.4\n" + b"0" * 1000, "image/jpeg"), "不是有效的照片"),
        (SimpleUploadedFile("empty.jpg", b"", "image/jpeg"), "空文件"),
    ],
)
def test_files_that_are_not_photos_are_refused_and_nothing_is_written(world, upload, reason):
    count = Case.objects.count()
    with pytest.raises(ValidationError, match=reason):
        person = Person.objects.get(username="demo-grid")
        lng, lat = cf.point_in(world.kong_grid)
        actions.do_report_case(
            subdistrict=world.sub,
            category=cf.category(world.sub, "garbage"),
            description="x",
            actor=person,
            scope=scope_for(person),
            source=Source.PATROL,
            lng=lng,
            lat=lat,
            photos=[upload],
        )
    assert Case.objects.count() == count


def test_a_gif_or_a_truncated_jpeg_is_refused(world):
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    truncated = cf.jpeg().read()[:600]
    person = Person.objects.get(username="demo-grid")
    lng, lat = cf.point_in(world.kong_grid)
    for upload in (SimpleUploadedFile("a.gif", gif.getvalue()), SimpleUploadedFile("t.jpg", truncated)):
        with pytest.raises(ValidationError):
            actions.do_report_case(
                subdistrict=world.sub,
                category=cf.category(world.sub, "garbage"),
                description="x",
                actor=person,
                scope=scope_for(person),
                source=Source.PATROL,
                lng=lng,
                lat=lat,
                photos=[upload],
            )


def test_a_50_mb_photo_is_refused_before_it_is_decoded(world):
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\0" * (50 * 1024 * 1024), "image/jpeg")
    person = Person.objects.get(username="demo-grid")
    lng, lat = cf.point_in(world.kong_grid)
    with pytest.raises(ValidationError, match="50 MB，超过上限 15 MB"):
        actions.do_report_case(
            subdistrict=world.sub,
            category=cf.category(world.sub, "garbage"),
            description="x",
            actor=person,
            scope=scope_for(person),
            source=Source.PATROL,
            lng=lng,
            lat=lat,
            photos=[big],
        )


# ---- locations ---------------------------------------------------------------------------------


def _report_at(world, lng, lat, username="demo-grid", source=Source.PATROL):
    person = Person.objects.get(username=username)
    return actions.do_report_case(
        subdistrict=world.sub,
        category=cf.category(world.sub, "garbage"),
        description="x",
        actor=person,
        scope=scope_for(person),
        source=source,
        lng=lng,
        lat=lat,
    )


def test_a_patrol_report_needs_a_location(world):
    with pytest.raises(ValidationError, match="缺少位置"):
        _report_at(world, "", "")


def test_coordinates_outside_the_subdistrict_or_china_are_refused(world):
    with pytest.raises(ValidationError, match="不在中国境内"):
        _report_at(world, "36.9", "117.0")  # latitude and longitude swapped
    with pytest.raises(ValidationError, match=r"不在.*范围内|不在.*任何村"):
        _report_at(world, "116.0", "36.0")  # 济南 but far from 太平街道


def test_a_grid_inspector_cannot_report_into_another_village(world):
    lng, lat = cf.point_in(world.yan_grid)
    with pytest.raises(ValidationError, match="不在您负责的范围内"):
        _report_at(world, lng, lat)


def test_a_retried_submission_returns_the_same_case(world):
    person = Person.objects.get(username="demo-grid")
    lng, lat = cf.point_in(world.kong_grid)
    kwargs = {
        "subdistrict": world.sub,
        "category": cf.category(world.sub, "garbage"),
        "description": "x",
        "actor": person,
        "scope": scope_for(person),
        "source": Source.PATROL,
        "lng": lng,
        "lat": lat,
        "client_ref": "9b7f1c1e-retry",
    }
    first = actions.do_report_case(**kwargs)
    assert actions.do_report_case(**kwargs).pk == first.pk


# ---- public reports and tips -------------------------------------------------------------------


def test_public_reports_are_rate_limited_per_address(world):
    cf.setup(world.sub)
    lng, lat = cf.point_in(world.kong_grid)
    for _ in range(5):
        actions.do_public_report(
            subdistrict=world.sub,
            category=cf.category(world.sub, "garbage"),
            description="门口垃圾",
            lng=lng,
            lat=lat,
            origin="10.1.2.3",
        )
    with pytest.raises(ValidationError, match="一小时内最多提交 5 条"):
        actions.do_public_report(
            subdistrict=world.sub,
            category=cf.category(world.sub, "garbage"),
            description="门口垃圾",
            lng=lng,
            lat=lat,
            origin="10.1.2.3",
        )
    actions.do_public_report(
        subdistrict=world.sub,
        category=cf.category(world.sub, "garbage"),
        description="另一位群众",
        lng=lng,
        lat=lat,
        origin="10.1.2.4",
    )


def test_a_category_not_open_to_the_public_is_refused(world):
    lng, lat = cf.point_in(world.kong_grid)
    with pytest.raises(ValidationError, match="不接受群众上报"):
        actions.do_public_report(
            subdistrict=world.sub,
            category=cf.category(world.sub, "safety-net"),
            description="x",
            lng=lng,
            lat=lat,
            origin="10.9.9.9",
        )


@override_settings(ZHILI_PHOTO_MAX_MB=1)
def test_the_photo_limit_is_configurable(world):
    big = SimpleUploadedFile("big.jpg", b"\xff" * (2 * 1024 * 1024))
    with pytest.raises(ValidationError, match="超过上限 1 MB"):
        _report_with(world, big)


def _report_with(world, upload):
    person = Person.objects.get(username="demo-grid")
    lng, lat = cf.point_in(world.kong_grid)
    return actions.do_report_case(
        subdistrict=world.sub,
        category=cf.category(world.sub, "garbage"),
        description="x",
        actor=person,
        scope=scope_for(person),
        source=Source.PATROL,
        lng=lng,
        lat=lat,
        photos=[upload],
    )
