"""Writes of office duty (坐班): a cadre's sign-in, the subdistrict's setup, a village office's location. Each
checks its right in policy, is atomic and leaves one audit entry per change."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.cases.location import parse_point
from zhili.core import audit, clock, workdays
from zhili.core.errors import Conflict, Invalid, require
from zhili.duty import queries
from zhili.duty.models import DutySetup, SignIn, VillageOffice
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope
from zhili.regions import geo
from zhili.regions.models import Level, Region

audit.describe(
    {
        "duty.sign_in": gettext_lazy("坐班签到"),
        "duty.setup": gettext_lazy("修改坐班设置"),
        "duty.office": gettext_lazy("设置村委会位置"),
    },
    fields={
        "duty.sign_in": {
            "date": gettext_lazy("日期"),
            "distance_m": gettext_lazy("距村委会（米）"),
            "late": gettext_lazy("迟到"),
        },
        "duty.setup": {
            "radius_m": gettext_lazy("签到范围（米）"),
            "late_after": gettext_lazy("迟到时间"),
        },
        "duty.office": {"lng": gettext_lazy("经度"), "lat": gettext_lazy("纬度")},
    },
)

RADIUS_RANGE = (50, 5000)  # metres a setup may choose


def distance_text(metres: float) -> str:
    """How far, as a person says it: "约 850 米", "约 1.2 公里"."""
    if metres < 1000:
        return _("%(m)s 米") % {"m": round(metres)}
    return _("%(km)s 公里") % {"km": f"{metres / 1000:.1f}"}


def _point(lng, lat) -> tuple[Decimal, Decimal]:
    """A point sent by a phone or typed (WGS-84, in China), as the cases app checks a reported one."""
    point = parse_point(lng, lat, required=True)
    if point is None:  # parse_point refuses a missing point itself when it is required
        raise Invalid(_("缺少位置。"))
    return point


@transaction.atomic
def do_sign_in(
    village: Region,
    lng,
    lat,
    *,
    actor: Person,
    scope: Scope,
    at: datetime.datetime | None = None,
    person_id: int | None = None,
    note: str = "",
) -> tuple[SignIn, bool]:
    """The actor signs in for office duty at `village`'s office: (the sign-in, True), or — already signed in
    today — (that first sign-in, False). Always for the actor: a request naming another cadre (`person_id`) is
    refused. Refused without a location, or beyond the subdistrict's radius from the office (the sentence names
    the distance). A sign-in on a rest day is kept; attendance counts working days only."""
    require(
        policy.sign_in_as(scope, actor.pk if person_id is None else person_id),
        _("坐班签到只能本人签到，不能替其他干部签到。"),
    )
    require(policy.sign_in_for_duty(scope, village), _("只有本村（社区）的村干部可以在本村签到坐班。"))
    moment = timezone.localtime(at or clock.now())
    day = moment.date()
    first = queries.signin_on(actor, day)
    if first is not None:
        return first, False
    if lng in (None, "") or lat in (None, ""):
        raise Invalid(_("没有获取到位置，无法签到：请允许手机定位后再点“签到”。"))
    x, y = _point(lng, lat)
    office = queries.office_of(village)
    if office.lng is None or office.lat is None:
        raise Invalid(_("街道尚未设置%(village)s村委会的位置，暂不能签到，请联系街道。") % {"village": village.name})
    setup = queries.setup_of(village.parent or village)
    metres = geo.distance_m(float(office.lng), float(office.lat), float(x), float(y))
    if metres > setup.radius_m:
        raise Invalid(
            _("您距村委会约 %(distance)s，超出 %(radius)s 米的签到范围。")
            % {"distance": distance_text(metres), "radius": setup.radius_m}
        )
    signin = SignIn(
        person=actor,
        village=village,
        date=day,
        at=moment,
        lng=x,
        lat=y,
        distance_m=round(metres),
        late=moment.time() > setup.late_after,
        workday=workdays.is_workday(day),
        note=(note or "").strip()[:200],
    )
    try:
        with transaction.atomic():
            signin.save()
    except IntegrityError:  # a second tap that overtook the first: the first stands
        return SignIn.objects.get(person=actor, date=day), False
    audit.record(
        actor,
        "duty.sign_in",
        signin,
        changes={"date": [None, day], "distance_m": [None, signin.distance_m], "late": [None, signin.late]},
    )
    return signin, True


def _snapshot(setup: DutySetup) -> dict:
    return {"radius_m": setup.radius_m, "late_after": setup.late_after.strftime("%H:%M")}


@transaction.atomic
def do_save_setup(subdistrict: Region, data: dict, *, actor: Person, scope: Scope) -> DutySetup:
    """The sign-in radius (metres) and the time after which a sign-in is late."""
    require(policy.configure_duty(scope, subdistrict), _("只有街道领导或系统管理员可以修改坐班设置。"))
    setup = queries.setup_of(subdistrict)
    if setup.pk and int(data.get("revision") or setup.revision) != setup.revision:
        raise Conflict(_("坐班设置已被他人修改，请刷新后再改。"))
    old = _snapshot(setup) if setup.pk else {}
    try:
        radius = int(data.get("radius_m", setup.radius_m))
    except (TypeError, ValueError):
        raise Invalid(_("签到范围应为整数（米）。")) from None
    if not RADIUS_RANGE[0] <= radius <= RADIUS_RANGE[1]:
        raise Invalid(_("签到范围应在 %(lo)s 至 %(hi)s 米之间。") % {"lo": RADIUS_RANGE[0], "hi": RADIUS_RANGE[1]})
    late = data.get("late_after", setup.late_after)
    if not isinstance(late, datetime.time):
        raise Invalid(_("迟到时间应写作“时:分”，如 09:00。"))
    setup.radius_m, setup.late_after = radius, late
    if setup.pk:
        setup.revision += 1
    setup.save()
    audit.record(actor, "duty.setup", setup, changes=audit.diff(old, _snapshot(setup)))
    return setup


@transaction.atomic
def do_set_office(village: Region, lng, lat, *, actor: Person, scope: Scope) -> VillageOffice:
    """Where `village`'s office (村委会) is: the point its cadres' sign-ins are measured from."""
    require(
        village.level == Level.VILLAGE and village.parent is not None and policy.configure_duty(scope, village.parent),
        _("只有街道领导或系统管理员可以设置村委会位置。"),
    )
    if lng in (None, "") or lat in (None, ""):
        raise Invalid(_("请填写村委会的经度和纬度。"))
    x, y = _point(lng, lat)
    office = VillageOffice.objects.select_for_update().filter(village=village).first()
    old = {"lng": office.lng, "lat": office.lat} if office else {}
    if office is None:
        office = VillageOffice(village=village)
    office.lng, office.lat = Decimal(x), Decimal(y)
    office.save()
    audit.record(actor, "duty.office", office, changes=audit.diff(old, {"lng": office.lng, "lat": office.lat}))
    return office
