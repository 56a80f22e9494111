"""Taiping's village cadres' office duty (坐班) in Oct–Nov 2020 (synthetic, deterministic, idempotent).

Each village's party secretary (the demo's village cadre) signs in at the village office — its centre point, the
default — on the working days from 2020-10-09 (after the National Day holiday) up to the demo's day, 2020-11-20:
most villages most days, a few often absent (red lights), some late now and then, a few on a Saturday (kept, not
counted). On the demo's day itself only some have signed in yet, and 孔家坊's secretary (demo-village) has not:
his home shows "今日未签到" and the sign-in page waits for him.
"""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal

from django.utils import timezone

from zhili.core import workdays
from zhili.duty import actions, queries
from zhili.duty.models import SignIn
from zhili.people.models import Person
from zhili.people.scope import scope_for, village_cadres
from zhili.regions import geo
from zhili.regions.models import Region

START = datetime.date(2020, 10, 1)
TODAY = datetime.date(2020, 11, 20)  # the demo's "today" (targets2020.TODAY)
KONG = "孔家坊村"
SEED = 2020_14
PLACES = Decimal("0.000001")


def _point_near(lng: Decimal, lat: Decimal, metres: float, rng: random.Random) -> tuple[Decimal, Decimal]:
    angle = rng.uniform(0, 2 * math.pi)
    dlat = math.degrees(metres * math.sin(angle) / geo.EARTH_RADIUS_M)
    dlng = math.degrees(metres * math.cos(angle) / geo.EARTH_RADIUS_M) / math.cos(math.radians(float(lat)))
    return (
        (lng + Decimal(str(dlng))).quantize(PLACES),
        (lat + Decimal(str(dlat))).quantize(PLACES),
    )


def load(summary, *, sub: Region, villages: list[Region], people: dict[str, Person], **_ignored) -> None:
    """Create Taiping's duty setup and the villages' sign-ins once; counts go into `summary`."""
    leader = people["demo-leader"]
    if queries.setup_of(sub).pk is None:
        actions.do_save_setup(sub, {}, actor=leader, scope=scope_for(leader))
        summary.add("duty setups")
    current = [v for v in villages if v.valid_to is None and v.center_lng is not None]
    if SignIn.objects.filter(village__in=current).exists():
        return
    setup = queries.setup_of(sub)
    cadres = list(village_cadres(current).select_related("region", "person").order_by("region__code", "person_id"))
    days = [
        START + datetime.timedelta(days=i)
        for i in range((TODAY - START).days + 1)
        if workdays.is_workday(START + datetime.timedelta(days=i))
    ]
    saturdays = [d for d in (START + datetime.timedelta(days=i) for i in range(51)) if d.weekday() == 5 and d < TODAY]
    rows: list[SignIn] = []
    for role in cadres:
        village, person = role.region, role.person
        rng = random.Random(f"{SEED}-{village.code}")
        kong = village.name == KONG
        # how often this cadre sits in the office, and how often late: most 85–99 %, one in eight poor
        present = 0.9 if kong else (rng.uniform(0.45, 0.72) if rng.random() < 0.125 else rng.uniform(0.85, 0.99))
        late_share = 0.08 if kong else rng.uniform(0.02, 0.25)
        chosen = [d for d in days if rng.random() < present]
        if kong:
            chosen = [d for d in chosen if d != TODAY]  # demo-village has not signed in yet today
        elif TODAY in chosen and rng.random() < 0.4:
            chosen.remove(TODAY)  # not yet, this morning
        if rng.random() < 0.2:
            chosen.append(rng.choice(saturdays))  # came in on a Saturday: kept, not counted
        for day in sorted(set(chosen)):
            late = rng.random() < late_share
            minute = rng.randint(9 * 60 + 1, 10 * 60 + 30) if late else rng.randint(7 * 60 + 40, 8 * 60 + 59)
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60)))
            lng, lat = _point_near(village.center_lng, village.center_lat, rng.uniform(3, 180), rng)
            metres = geo.distance_m(village.center_lng, village.center_lat, lng, lat)
            rows.append(
                SignIn(
                    person=person,
                    village=village,
                    date=day,
                    at=at,
                    lng=lng,
                    lat=lat,
                    distance_m=round(metres),
                    late=at.time() > setup.late_after,
                    workday=workdays.is_workday(day),
                    is_synthetic=True,
                )
            )
    SignIn.objects.bulk_create(rows, batch_size=2000)
    summary.add("duty sign-ins", len(rows))
