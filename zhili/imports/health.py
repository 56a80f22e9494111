"""How the imports' queue stands, for /readyz and `zhili check --deploy` (core/health.py): imports waiting for
the worker (imports/jobs.py), those waiting too long, and those a worker holds under a live lease."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from zhili.core.health import Backlog, backlog
from zhili.imports.jobs import _waiting
from zhili.imports.models import ImportJob, ImportStatus

_LABEL = _("导入")


@backlog
def imports(now: datetime.datetime, stuck_before: datetime.datetime) -> Backlog:
    working = (ImportStatus.PARSING, ImportStatus.COMMITTING)
    unleased = Q(status=ImportStatus.QUEUED) | Q(status=ImportStatus.COMMITTING, lease_until__isnull=True)
    counts = ImportJob.objects.filter(status__in=(ImportStatus.QUEUED, *working)).aggregate(
        waiting=Count("pk", filter=_waiting(now)),
        # queued (or confirmed) that long ago and never taken, or their worker's lease ran out that long ago
        stuck=Count(
            "pk",
            filter=(unleased & Q(modified_at__lt=stuck_before)) | Q(status__in=working, lease_until__lt=stuck_before),
        ),
        working=Count("pk", filter=Q(status__in=working, lease_until__gte=now)),
    )
    return Backlog("imports_stuck", str(_LABEL), **counts)
