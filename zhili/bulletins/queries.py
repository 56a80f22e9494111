"""Reads of the bulletins app: setups, snapshots, meetings and their decisions, scoped."""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhili.bulletins.models import BulletinSetup, ScoreScheme, Snapshot, SnapshotStatus
from zhili.core.errors import NotFound
from zhili.regions.models import Region


def setup_of(subdistrict: Region) -> BulletinSetup:
    """The subdistrict's bulletin setup, made with defaults the first time it is asked for (issuer: the
    subdistrict's 党工委办公室; office in charge: none — leaders and administrators build the bulletin)."""
    setup, _made = BulletinSetup.objects.get_or_create(
        region=subdistrict,
        defaults={"title": f"{subdistrict.name}工作周通报", "issuer": f"{subdistrict.name}党工委办公室"},
    )
    return setup


# ---- snapshots (the weekly bulletin's pages) -----------------------------------------------------------------


def snapshots_of(subdistrict: Region, *, drafts: bool) -> list[Snapshot]:
    """Every version of every week of the subdistrict, newest week first, then newest version — without their
    data (one query). Drafts only for those who build the bulletins."""
    qs = Snapshot.objects.filter(region=subdistrict).defer("data").order_by("-week", "-version")
    if not drafts:
        qs = qs.exclude(status=SnapshotStatus.DRAFT)
    return list(qs)


def weeks_of(subdistrict: Region, *, drafts: bool) -> list[dict]:
    """The archive: [{week, start, end, latest, versions}] newest first, `latest` the version a reader opens."""
    weeks: dict[str, dict] = {}
    for snap in snapshots_of(subdistrict, drafts=drafts):
        entry = weeks.setdefault(snap.week, {"week": snap.week, "start": snap.start, "end": snap.end, "versions": []})
        entry["versions"].append(snap)
    for entry in weeks.values():
        entry["latest"] = entry["versions"][0]
    return list(weeks.values())


def latest_version(subdistrict: Region, week: str, *, drafts: bool) -> Snapshot | None:
    """The version of `week` a reader opens: the newest (builders), or the published one (everyone else)."""
    qs = Snapshot.objects.filter(region=subdistrict, week=week)
    if not drafts:
        qs = qs.filter(status=SnapshotStatus.PUBLISHED)
    return qs.order_by("-version").first()


def get_version_or_404(subdistrict: Region, week: str, version: int, *, drafts: bool) -> Snapshot:
    """One version of a week; a draft is not found for those who may not build (404, nothing leaks)."""
    qs = Snapshot.objects.filter(region=subdistrict, week=week, version=version)
    if not drafts:
        qs = qs.exclude(status=SnapshotStatus.DRAFT)
    snap = qs.select_related("region").first()
    if snap is None:
        raise NotFound(_("不存在或无权查看。"))
    return snap


def scheme_of(subdistrict: Region, year: int) -> ScoreScheme | None:
    return ScoreScheme.objects.filter(region=subdistrict, year=year).first()
