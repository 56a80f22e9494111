"""Scoped reads of a township's set-up: the township whose rosters a person may import, and their recent imports."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from zhili.core import errors
from zhili.core.errors import require
from zhili.imports.models import ImportJob
from zhili.people import policy
from zhili.people.scope import Scope, viewpoint
from zhili.regions.models import Level, Region
from zhili.regions.queries import get_region_or_404


def get_township_or_404(scope: Scope, code: str) -> Region:
    """The township (subdistrict) with this code whose rosters the person may import; 404 for one they do not
    read, 403 for one they read but may not administer."""
    township = get_region_or_404(scope, code)
    if township.level != Level.SUBDISTRICT:
        raise Http404(_("这个区划不是乡镇（街道）。"))
    require(policy.import_roster(scope, township), _("您无权导入“%(name)s”的名册。") % {"name": township.name})
    return township


def own_township(scope: Scope) -> Region:
    """The township a person's administration pages are about (their viewpoint's)."""
    township = viewpoint(scope).sub
    require(policy.import_roster(scope, township), _("您无权导入名册。"), errors.Refused)
    return township


def recent_imports(township: Region, importer: str, limit: int = 10) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(importer=importer, target_id=township.pk)
        .select_related("uploaded_by")
        .order_by("-created_at")[:limit]
    )
