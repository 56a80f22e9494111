"""On a township's region page (zhili/regions/panels.py), for those who may import its rosters: the village
roster's import, and — while it has no villages yet — what to do first."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.people import policy
from zhili.regions.models import Level, Region
from zhili.regions.panels import panel


@panel
def roster_links(request: HttpRequest, region: Region) -> dict:
    if region.level != Level.SUBDISTRICT or not policy.import_roster(request.scope, region):
        return {}
    return {
        "import_links": [
            (_("导入村居名册"), reverse("township:regions_import", args=[region.code])),
            (_("导入花名册"), reverse("township:people_import", args=[region.code])),
        ]
    }
