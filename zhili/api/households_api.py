"""/api/v1/households: the household list (bounded paging), one household with its members and checklist, its
visits — the same scope as the pages (a village's cadre: his village; an assistance officer: the households he
looks after; 404 for another's). Identity and phone numbers are always masked here: a full number is only ever
shown on the household page, after a reason is given (actions.do_reveal, logged)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema

from zhili.api.paging import MAX_OFFSET
from zhili.core.errors import NotFound
from zhili.households import listing
from zhili.households.models import CheckState, Household
from zhili.households.queries import mask_identity, mask_phone
from zhili.people.scope import NoViewpoint

router = Router(tags=["民生户籍"])


class HouseholdOut(Schema):
    id: int
    number: str
    head_name: str
    village: str
    region_code: str
    address: str
    phone_masked: str
    housing_grade: str
    categories: list[str]
    officer: str
    member_count: int
    last_visit_on: datetime.date | None
    failing_items: int


class MemberOut(Schema):
    id: int
    name: str
    relation: str
    relation_label: str
    sex: str
    birth_date: datetime.date | None
    identity_masked: str
    phone_masked: str


class CheckOut(Schema):
    item: str
    group: str
    state: str
    state_label: str
    evidence: str
    checked_on: datetime.date | None
    case_number: str


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut]
    checks: list[CheckOut]


class VisitOut(Schema):
    id: int
    visited_on: datetime.date
    kind: str
    officer: str
    findings: str
    photos: int
    case_number: str


def _out(h: Household) -> dict:
    return {
        "id": h.pk,
        "number": h.number,
        "head_name": h.head_name,
        "village": h.region.name,
        "region_code": h.region.code,
        "address": h.address,
        "phone_masked": mask_phone(h.phone),
        "housing_grade": h.housing_grade,
        "categories": [c.name for c in h.categories.all()],
        "officer": h.officer.get_full_name() if h.officer else "",
        "member_count": h.member_count,
        "last_visit_on": h.last_visit_on,
        "failing_items": h.failing_items,
    }


def _household(request: HttpRequest, household_id: int) -> Household:
    if not 0 < household_id < 2**31:
        raise NotFound("")
    return listing.get_household_or_404(request.scope, household_id)


@router.get("/households", response=list[HouseholdOut], summary="户籍名册（按权限；身份证号、电话均隐去部分数字）")
def list_households(
    request: HttpRequest,
    village: str = Query("", max_length=40),
    stale_days: int | None = Query(None, ge=1, le=3650),
    failing: bool = False,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(50, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT),
):
    try:
        sub = listing.where(request.scope).sub
    except NoViewpoint:  # no subdistrict to look at: nothing to list
        return []
    f = listing.HouseholdFilter(village=village, stale_days=stale_days, failing=failing)
    rows = listing.household_list(request.scope, sub, f)[offset : offset + min(limit, 200)]
    return [_out(h) for h in rows]


@router.get("/households/{household_id}", response=HouseholdDetailOut, summary="一户：成员（号码隐去部分数字）与核查")
def get_household(request: HttpRequest, household_id: int):
    household = _household(request, household_id)
    page = listing.household_page(household)
    return {
        **_out(household),
        "members": [
            {
                "id": m.pk,
                "name": m.name,
                "relation": m.relation,
                "relation_label": m.get_relation_display(),
                "sex": m.sex,
                "birth_date": m.birth_date,
                "identity_masked": mask_identity(m.identity),
                "phone_masked": mask_phone(m.phone),
            }
            for m in page.members
        ],
        "checks": [
            {
                "item": item.name,
                "group": item.group,
                "state": check.state if check else CheckState.UNCHECKED.value,
                "state_label": str(check.get_state_display() if check else CheckState.UNCHECKED.label),
                "evidence": check.evidence if check else "",
                "checked_on": check.checked_on if check else None,
                "case_number": check.case.number if check and check.case_id else "",
            }
            for item, check in page.checks
        ],
    }


@router.get("/households/{household_id}/visits", response=list[VisitOut], summary="一户的走访记录")
def list_visits(
    request: HttpRequest,
    household_id: int,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(50, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT),
):
    household = _household(request, household_id)
    rows = listing.visits_of(household)[offset : offset + min(limit, 200)]
    return [
        {
            "id": v.pk,
            "visited_on": v.visited_on,
            "kind": v.kind,
            "officer": v.officer.get_full_name(),
            "findings": v.findings,
            "photos": v.photo_count,
            "case_number": v.case.number if v.case_id else "",
        }
        for v in rows
    ]
