"""Scope-matrix rows of the review meetings (点评会) and their 督办 items (/bulletins/meetings/): the lead appends
ROWS to tests/scope_matrix.py. The items under test are the matrix's furniture (made with the ORM, not audited):
one owned by 孔家坊村 and one by 城管办, open or reported by their owner."""

from __future__ import annotations

import datetime

from tests.scope_matrix import ALL, DENIED, OFFICERS, OK, SUB_READERS, Row, each


def matrix_meeting(w):
    from zhili.bulletins.models import ReviewMeeting

    found = ReviewMeeting.objects.filter(region=w.sub, title="矩阵点评会").first()
    return found or ReviewMeeting.objects.create(
        region=w.sub, held_on=datetime.date(2020, 11, 16), week="2020-W46", title="矩阵点评会"
    )


def matrix_decision(w, owner: str, *, reported: bool = False):
    """孔家坊村's item (owner "village") or 城管办's (owner "urban"); `reported`: its owner reported it done."""
    from zhili.bulletins.models import Decision, DecisionStatus
    from zhili.people.models import Person, Unit

    text = f"矩阵督办-{owner}-{'reported' if reported else 'open'}"
    found = Decision.objects.filter(meeting__region=w.sub, text=text).first()
    if found:
        return found
    owned = {"village": w.kong} if owner == "village" else {"unit": Unit.objects.get(region=w.sub, code="urban")}
    extra = {}
    if reported:
        who = Person.objects.get(username="demo-village" if owner == "village" else "demo-urban")
        extra = {"status": DecisionStatus.REPORTED, "report": "已办结", "reported_by": who, "revision": 2}
    return Decision.objects.create(
        meeting=matrix_meeting(w), text=text, deadline=datetime.date(2020, 11, 24), **owned, **extra
    )


def _url(rest: str = "", *, owner: str = "village", reported: bool = False):
    return lambda w: f"/bulletins/meetings/decisions/{matrix_decision(w, owner, reported=reported).pk}/{rest}"


WHOLE = each(SUB_READERS, OK)  # the meetings' pages: whoever reads the whole subdistrict (the agenda names villages)

ROWS = [
    Row("bmeet meetings", lambda w: "/bulletins/meetings/", WHOLE),
    Row("bmeet meeting", lambda w: f"/bulletins/meetings/{matrix_meeting(w).pk}/", WHOLE),
    Row(
        "bmeet meeting new form",
        lambda w: "/bulletins/meetings/new/",
        {"leader": OK, **each(OFFICERS, DENIED), "viewer": DENIED},
    ),
    Row(
        "bmeet meeting new",
        lambda w: "/bulletins/meetings/new/",
        {"leader": OK, **each(OFFICERS, DENIED), "viewer": DENIED},
        method="POST",
        data=lambda w: {"week": "2020-W46", "held_on": "2020-11-17", "title": "", "notes": "矩阵"},
    ),
    Row(
        "bmeet decision new",
        lambda w: f"/bulletins/meetings/{matrix_meeting(w).pk}/decisions/new/",
        {"leader": OK, **each(OFFICERS, DENIED), "viewer": DENIED},
        method="POST",
        data=lambda w: {"text": "矩阵新督办", "owner": f"village:{w.kong.pk}", "deadline": "2020-11-24"},
    ),
    # a village's cadres see their village's items, the grid inspector none: the list is everyone's, filtered
    Row("bmeet decisions", lambda w: "/bulletins/meetings/decisions/", each(ALL, OK)),
    Row("bmeet decision village", _url(), {**WHOLE, "village": OK}),
    Row("bmeet decision office", _url(owner="urban"), WHOLE),
    Row(
        "bmeet report village",
        _url("report/"),
        {"leader": OK, "village": OK, **each(OFFICERS, DENIED), "viewer": DENIED},
        method="POST",
        data=lambda w: {"report": "已整改", "revision": 1},
    ),
    Row(
        "bmeet report office",
        _url("report/", owner="urban"),
        {"leader": OK, "urban": OK, "economy": DENIED, "civil": DENIED, "viewer": DENIED},
        method="POST",
        data=lambda w: {"report": "已清理", "revision": 1},
    ),
    Row(
        "bmeet close",
        _url("close/", reported=True),
        {"leader": OK, "village": DENIED, **each(OFFICERS, DENIED), "viewer": DENIED},
        method="POST",
        data=lambda w: {"revision": 2},
    ),
    Row(
        "bmeet return",
        _url("return/", owner="urban", reported=True),
        {"leader": OK, **each(OFFICERS, DENIED), "viewer": DENIED},
        method="POST",
        data=lambda w: {"reason": "材料不全", "revision": 2},
    ),
]
