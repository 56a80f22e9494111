"""Reads of the bulletins app: setups, snapshots, meetings and their decisions, scoped."""

from __future__ import annotations

from zhili.bulletins.models import BulletinSetup
from zhili.regions.models import Region


def setup_of(subdistrict: Region) -> BulletinSetup:
    """The subdistrict's bulletin setup, made with defaults the first time it is asked for (issuer: the
    subdistrict's 党工委办公室; office in charge: none — leaders and administrators build the bulletin)."""
    setup, _made = BulletinSetup.objects.get_or_create(
        region=subdistrict,
        defaults={"title": f"{subdistrict.name}工作周通报", "issuer": f"{subdistrict.name}党工委办公室"},
    )
    return setup
