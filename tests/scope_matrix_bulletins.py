"""Scope-matrix rows of the weekly bulletin's pages (issue 15): the archive, a published week, a draft, build,
publish, downloads and the setup. Appended to tests/scope_matrix.py's ROWS."""

from __future__ import annotations

from tests.scope_matrix import ALL, DENIED, OK, SUB_READERS, Row, each

READERS = (*SUB_READERS, "village", "grid", "outsider")  # who reads the subdistrict or anything in it


def bulletin(w, week: str, *, published: bool):
    """A frozen week of the demo's subdistrict (the sample's data), published or a draft: matrix furniture, made
    before the row's request and not audited."""
    import datetime

    from tests.bulletins_sample import sample
    from zhili.bulletins.models import Snapshot, SnapshotStatus

    year, num, _ = (int(week[:4]), int(week[6:]), None)
    monday = datetime.date.fromisocalendar(year, num, 1)
    snap, _made = Snapshot.objects.get_or_create(
        region=w.sub,
        week=week,
        version=1,
        defaults={
            "start": monday,
            "end": monday + datetime.timedelta(days=6),
            "data": {**sample(), "week": week, "issue": num},
            "status": SnapshotStatus.PUBLISHED if published else SnapshotStatus.DRAFT,
            "number": num if published else 0,
        },
    )
    return snap


def published(w) -> str:
    return bulletin(w, "2020-W46", published=True).week


def draft(w) -> str:
    return bulletin(w, "2020-W47", published=False).week


SETUP_POST = {
    "form": "setup",
    "title": "太平街道工作周通报",
    "issuer": "太平街道党工委办公室",
    "number_prefix": "太平通",
    "weekday": "1",
    "at": "08:00",
}

ROWS = [
    # ---- weekly bulletins (周通报, issue 15) ----------------------------------------------------------------
    Row("bulletin archive", lambda w: "/bulletins/", each(READERS, OK), default=DENIED),
    Row("a published week", lambda w: f"/bulletins/{published(w)}/", each(READERS, OK), default=DENIED),
    Row("a published version", lambda w: f"/bulletins/{published(w)}/v1/", each(READERS, OK), default=DENIED),
    Row("a draft week (builders only)", lambda w: f"/bulletins/{draft(w)}/v1/", {"leader": OK, "grid": DENIED}),
    Row("a draft's latest week", lambda w: f"/bulletins/{draft(w)}/", {"leader": OK, "grid": DENIED}),
    Row(
        "build a week",
        lambda w: "/bulletins/build/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"week": "2020-W47"},  # the week under way (the demo built the weeks that ended)
    ),
    Row(
        "publish a draft",
        lambda w: f"/bulletins/{draft(w)}/v1/publish/",
        {"leader": OK},
        default=DENIED,
        method="POST",
    ),
    Row(
        "download a published week (audited)",
        lambda w: f"/bulletins/{published(w)}/v1/bulletin.md",
        each(READERS, OK),
        default=DENIED,
    ),
    Row(
        "download a draft (builders only)",
        lambda w: f"/bulletins/{draft(w)}/v1/bulletin.docx",
        {"leader": OK},
        default=DENIED,
    ),
    Row("bulletin setup (form)", lambda w: "/bulletins/setup/", {"leader": OK}, default=DENIED),
    Row(
        "change the bulletin setup",
        lambda w: "/bulletins/setup/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: SETUP_POST,
    ),
    Row(
        "change the score weights",
        lambda w: "/bulletins/setup/",
        {"leader": OK},
        default=DENIED,
        method="POST",
        data=lambda w: {"form": "weights", "year": "2020", "targets": "70", "cases": "20", "patrol": "10"},
    ),
]

assert set(READERS) <= set(ALL)
