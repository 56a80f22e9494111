"""Office duty (村干部坐班, issue 14): a cadre signs in for himself at his village's office, within the radius;
refusals (another cadre, beyond the radius, no location, another village) write nothing; the month's attendance
and the indicator source equal hand counts over the demo's sign-ins."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from types import SimpleNamespace

import chinese_calendar
import pytest
from django.utils import timezone

from tests.conftest import person
from zhili.core.errors import Invalid, Refused
from zhili.core.models import AuditEntry
from zhili.duty import actions, queries
from zhili.duty.models import SignIn
from zhili.duty.source import DutySource
from zhili.people.scope import scope_for, village_cadres
from zhili.regions import geo
from zhili.regions.models import Level
from zhili.targets.sources import Window

DEMO_DAY = datetime.date(2020, 11, 20)


def at(day: datetime.date, hh: int, mm: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hh, mm)))


def north_of(village, metres: float) -> tuple[Decimal, Decimal]:
    dlat = math.degrees(metres / geo.EARTH_RADIUS_M)
    return village.center_lng, (village.center_lat + Decimal(str(dlat))).quantize(Decimal("0.000001"))


@pytest.fixture
def cadre(world):
    return person("demo-village")


def sign(world, who, *, lng=None, lat=None, when=None, **kw):
    lng = world.kong.center_lng if lng is None else lng
    lat = world.kong.center_lat if lat is None else lat
    return actions.do_sign_in(world.kong, lng, lat, actor=who, scope=scope_for(who), at=when, **kw)


# ---- the sign-in and its refusals ----------------------------------------------------------------------------


def test_the_demo_cadre_has_not_signed_in_on_the_demo_day_but_on_most_working_days(world, cadre):
    assert queries.signin_on(cadre, DEMO_DAY) is None
    november = SignIn.objects.filter(person=cadre, date__month=11, workday=True).count()
    assert 10 <= november <= 14  # 14 working days before the 20th, ~90 %


def test_a_cadre_signs_in_once_a_day_and_a_second_tap_answers_with_the_first(world, cadre):
    before = AuditEntry.objects.count()
    lng, lat = north_of(world.kong, 120)
    first, created = sign(world, cadre, lng=lng, lat=lat, when=at(DEMO_DAY, 8, 40), note="  值班  ")
    assert created and first.village == world.kong and first.date == DEMO_DAY
    assert 115 <= first.distance_m <= 125 and not first.late and first.workday and first.note == "值班"
    entry = AuditEntry.objects.latest("pk")
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.object_id, entry.region_path) == ("duty.sign_in", str(first.pk), world.kong.path)

    again, created = sign(world, cadre, when=at(DEMO_DAY, 10, 5))
    assert not created and again.pk == first.pk and again.at == first.at
    assert AuditEntry.objects.count() == before + 1


def test_after_the_late_time_a_sign_in_is_late(world, cadre):
    signin, _ = sign(world, cadre, when=at(DEMO_DAY, 9, 1))
    assert signin.late


def test_beyond_the_radius_is_refused_with_the_distance(world, cadre):
    before = (AuditEntry.objects.count(), SignIn.objects.count())
    lng, lat = north_of(world.kong, 1200)
    with pytest.raises(Invalid) as exc:
        sign(world, cadre, lng=lng, lat=lat, when=at(DEMO_DAY, 8))
    assert exc.value.messages == ["您距村委会约 1.2 公里，超出 300 米的签到范围。"]
    lng, lat = north_of(world.kong, 420)
    with pytest.raises(Invalid) as exc:
        sign(world, cadre, lng=lng, lat=lat, when=at(DEMO_DAY, 8))
    assert exc.value.messages == ["您距村委会约 420 米，超出 300 米的签到范围。"]
    assert (AuditEntry.objects.count(), SignIn.objects.count()) == before


def test_without_a_location_is_refused(world, cadre):
    before = SignIn.objects.count()
    with pytest.raises(Invalid, match="没有获取到位置"):
        actions.do_sign_in(world.kong, "", "", actor=cadre, scope=scope_for(cadre), at=at(DEMO_DAY, 8))
    with pytest.raises(Invalid, match="不是有效的经纬度"):
        actions.do_sign_in(world.kong, "东经", "北纬", actor=cadre, scope=scope_for(cadre), at=at(DEMO_DAY, 8))
    assert SignIn.objects.count() == before


def test_a_sign_in_for_another_cadre_is_refused(world, cadre):
    before = (AuditEntry.objects.count(), SignIn.objects.count())
    with pytest.raises(Refused, match="不能替其他干部签到"):
        sign(world, cadre, when=at(DEMO_DAY, 8), person_id=world.outsider.pk)
    # naming himself is his own sign-in
    signin, created = sign(world, cadre, when=at(DEMO_DAY, 8), person_id=cadre.pk)
    assert created and signin.person == cadre
    assert SignIn.objects.count() == before[1] + 1


def test_the_sign_in_page_refuses_another_cadre_and_writes_nothing(world, cadre, as_persona):
    client = as_persona("village")
    before = (AuditEntry.objects.count(), SignIn.objects.count())
    data = {"lng": str(world.kong.center_lng), "lat": str(world.kong.center_lat), "person": str(world.outsider.pk)}
    response = client.post("/duty/", data)
    assert response.status_code == 403
    assert "不能替其他干部签到" in response.content.decode()
    assert (AuditEntry.objects.count(), SignIn.objects.count()) == before


def test_only_the_village_cadre_signs_in_at_his_village(world, cadre):
    for who in (world.outsider, person("demo-leader"), person("demo-grid"), person("demo-viewer")):
        with pytest.raises(Refused):
            sign(world, who, when=at(DEMO_DAY, 8))
    assert not SignIn.objects.filter(village=world.kong, date=DEMO_DAY).exists()


def test_a_rest_day_sign_in_is_kept_but_not_counted(world, cadre):
    saturday = datetime.date(2020, 11, 14)
    SignIn.objects.filter(person=cadre, date=saturday).delete()
    month = datetime.date(2020, 11, 1)
    before = queries.village_month(world.kong, month)
    signin, created = sign(world, cadre, when=at(saturday, 9, 30))
    assert created and not signin.workday
    after = queries.village_month(world.kong, month)
    assert (after.signed, after.expected) == (before.signed, before.expected)
    _days, mine = queries.cadre_month(cadre, world.kong, month)
    assert mine.rest_days >= 1


def test_the_setup_and_the_office_move_the_check(world, cadre):
    leader = person("demo-leader")
    lng, lat = north_of(world.kong, 1200)
    with pytest.raises(Refused):
        actions.do_save_setup(world.sub, {"radius_m": 2000}, actor=cadre, scope=scope_for(cadre))
    with pytest.raises(Invalid, match="50 至 5000"):
        actions.do_save_setup(world.sub, {"radius_m": 9000}, actor=leader, scope=scope_for(leader))
    # the office is where the cadre stands: the same point is 0 m away
    with pytest.raises(Refused):
        actions.do_set_office(world.kong, lng, lat, actor=cadre, scope=scope_for(cadre))
    actions.do_set_office(world.kong, lng, lat, actor=leader, scope=scope_for(leader))
    assert AuditEntry.objects.latest("pk").action == "duty.office"
    signin, created = sign(world, cadre, lng=lng, lat=lat, when=at(DEMO_DAY, 8))
    assert created and signin.distance_m == 0


# ---- attendance equals hand counts ---------------------------------------------------------------------------


def _hand_count(village, month_start, end):
    days = [d for d in chinese_calendar.get_workdays(month_start, end)]
    people = set(village_cadres([village]).values_list("person_id", flat=True))
    people |= set(
        SignIn.objects.filter(village=village, date__gte=month_start, date__lte=end).values_list("person_id", flat=True)
    )
    signed = SignIn.objects.filter(village=village, date__in=days, person_id__in=people).count()
    late = SignIn.objects.filter(village=village, date__in=days, late=True).count()
    return len(days), len(people), signed, late


@pytest.mark.parametrize("month", [datetime.date(2020, 10, 1), datetime.date(2020, 11, 1)])
def test_the_village_month_equals_a_hand_count(world, month):
    end = DEMO_DAY if month.month == 11 else datetime.date(2020, 10, 31)
    n_days, n_people, signed, late = _hand_count(world.kong, month, end)
    data = queries.village_month(world.kong, month)
    assert (len(data.workdays), len(data.cadres), data.signed, data.late) == (n_days, n_people, signed, late)
    assert data.expected == n_days * n_people
    assert data.rate == (Decimal(100) * signed / (n_days * n_people)).quantize(Decimal("0.1"))
    assert n_days == (17 if month.month == 10 else 15)  # Oct: from the 9th, Sat 10th (调休) on; Nov: up to the 20th


def test_the_villages_month_equals_each_village_and_asks_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    month = datetime.date(2020, 11, 1)
    leader = scope_for(person("demo-leader"))
    with django_assert_max_num_queries(6):
        lines, n_days = queries.villages_month(leader, world.sub, month)
    assert len(lines) == 91 and n_days == 15
    kong = next(line for line in lines if line.village == world.kong)
    data = queries.village_month(world.kong, month)
    assert (kong.cadres, kong.signed, kong.late, kong.expected) == (
        len(data.cadres),
        data.signed,
        data.late,
        data.expected,
    )
    assert kong.light.state == data.light.state
    assert {line.light.state for line in lines} >= {"green", "red"}  # the demo's poor attenders light red
    # a village's cadre sees only his village
    lines, _n = queries.villages_month(scope_for(person("demo-village")), world.sub, month)
    assert [line.village for line in lines] == [world.kong]


# ---- the indicator source ------------------------------------------------------------------------------------


def _indicator(world, measure, pk):
    goal = SimpleNamespace(region=world.sub, region_id=world.sub.pk)
    return SimpleNamespace(pk=pk, source_params={"measure": measure}, task=SimpleNamespace(goal=goal))


def test_the_source_counts_working_day_sign_ins_and_the_rate(world):
    source = DutySource()
    window = Window(datetime.date(2020, 11, 1), datetime.date(2020, 11, 30))
    days, rate = _indicator(world, "days", 1), _indicator(world, "rate", 2)
    villages = [world.kong, world.yan]
    values = source.values([days, rate], villages, window)
    for v in villages:
        n_days, n_people, signed, _late = _hand_count(v, window.start, DEMO_DAY)
        assert values[(1, v.pk)] == signed
        assert values[(2, v.pk)] == (Decimal(100) * signed / (n_days * n_people)).quantize(Decimal("0.1"))
    records = list(source.records(days, world.kong, window))
    assert len(records) == values[(1, world.kong.pk)] and all(r.workday for r in records)
    headers, rows = source.table(days, records)
    assert len(rows) == len(records) and headers[0] == "日期"
    assert source.additive(days) and not source.additive(rate)
    whole = source.whole_values([rate], world.sub, window)
    all_signed = SignIn.objects.filter(
        village__parent=world.sub, date__gte=window.start, date__lte=DEMO_DAY, workday=True
    ).count()
    n_cadres = village_cadres(world.sub.children.filter(valid_to__isnull=True, level=Level.VILLAGE)).count()
    assert whole[2] == (Decimal(100) * all_signed / (n_cadres * 15)).quantize(Decimal("0.1"))


# ---- pages ---------------------------------------------------------------------------------------------------


def test_the_cadre_signs_in_from_the_page_and_sees_it(world, as_persona):
    client = as_persona("village")
    page = client.get("/duty/").content.decode()
    assert "今天尚未签到" in page and "data-checkin" in page
    home = client.get("/").content.decode()
    assert "今日未签到" in home
    response = client.post("/duty/", {"lng": str(world.kong.center_lng), "lat": str(world.kong.center_lat)})
    assert response.status_code == 302
    page = client.get("/duty/").content.decode()
    assert "今天已签到" in page and "签到成功" in page
    assert "今日未签到" not in client.get("/").content.decode()


def test_the_page_refuses_a_far_sign_in_with_the_sentence(world, as_persona):
    client = as_persona("village")
    lng, lat = north_of(world.kong, 1200)
    response = client.post("/duty/", {"lng": str(lng), "lat": str(lat)})
    assert response.status_code == 400
    assert "您距村委会约 1.2 公里，超出 300 米的签到范围。" in response.content.decode()
    response = client.post("/duty/", {})
    assert response.status_code == 400 and "没有获取到位置" in response.content.decode()


def test_the_region_page_shows_the_village_attendance(world, as_persona):
    page = as_persona("leader").get(f"/regions/{world.kong.code}/").content.decode()
    assert 'data-testid="duty-panel"' in page and f"/duty/attendance/{world.kong.code}/" in page
    page = as_persona("village").get(f"/duty/attendance/{world.kong.code}/?month=2020-11").content.decode()
    assert "孔立新" in page


def test_a_bad_month_is_a_400_with_its_sentence(as_persona):
    response = as_persona("leader").get("/duty/attendance/?month=2020-13")
    assert response.status_code == 400 and "月份应写作" in response.content.decode()
