"""/api/v1/duty: a cadre's office-duty sign-in (坐班签到) and the month's attendance — the same actions and queries
as the pages: a sign-in is always the caller's own (a body naming another `person` is refused, 403), checked
against his village office's point; attendance is scoped (a village's cadre: his village)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from zhili.core import clock
from zhili.core.errors import Invalid, Refused, require
from zhili.duty import actions, queries
from zhili.duty.forms import MonthForm, errors_of
from zhili.people import policy
from zhili.people.scope import NoViewpoint, viewpoint

router = Router(tags=["村干部坐班"])


class SignInIn(Schema):
    lng: str = Field("", max_length=20)
    lat: str = Field("", max_length=20)
    note: str = Field("", max_length=200)
    person: int | None = Field(None, ge=1, le=2**31 - 1)  # only to be refused when it is not the caller


class SignInOut(Schema):
    id: int
    village: str
    village_code: str
    date: datetime.date
    at: datetime.datetime
    distance_m: int
    late: bool
    workday: bool
    created: bool  # false: already signed in today, this is the first sign-in


class VillageAttendanceOut(Schema):
    village: str
    village_code: str
    cadres: int
    expected: int
    signed: int
    late: int
    rate: float | None
    light: str


@router.post(
    "/duty/sign-ins", response={201: SignInOut, 200: SignInOut}, summary="坐班签到（本人，须在村委会签到范围内）"
)
def sign_in(request: HttpRequest, body: SignInIn):
    scope = request.scope
    villages = queries.cadre_villages(scope) if policy.signs_in_somewhere(scope) else []
    require(bool(villages), _("只有村干部可以签到坐班。"))
    signin, created = actions.do_sign_in(
        villages[0], body.lng, body.lat, actor=request.user, scope=scope, person_id=body.person, note=body.note
    )
    out = {
        "id": signin.pk,
        "village": signin.village.name,
        "village_code": signin.village.code,
        "date": signin.date,
        "at": signin.at,
        "distance_m": signin.distance_m,
        "late": signin.late,
        "workday": signin.workday,
        "created": created,
    }
    return Status(201 if created else 200, out)


@router.get(
    "/duty/attendance", response=list[VillageAttendanceOut], summary="各村本月坐班情况（按权限；村干部只见本村）"
)
def attendance(request: HttpRequest, month: str = Query("", max_length=7)):
    form = MonthForm({"month": month})
    if not form.is_valid():
        raise Invalid(errors_of(form))
    try:
        view = viewpoint(request.scope)
    except NoViewpoint:
        return []
    if not (view.whole or view.village is not None):
        raise Refused(_("坐班考勤只对村干部和全街道的查看人员开放。"))
    lines, _days = queries.villages_month(request.scope, view.sub, form.cleaned_data["month"] or clock.today())
    return [
        {
            "village": line.village.name,
            "village_code": line.village.code,
            "cadres": line.cadres,
            "expected": line.expected,
            "signed": line.signed,
            "late": line.late,
            "rate": float(line.rate) if line.rate is not None else None,
            "light": line.light.state,
        }
        for line in lines
    ]
