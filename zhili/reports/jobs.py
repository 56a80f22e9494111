"""Every period filled on its own: a schedule (core/jobs.scheduled) and the run it enqueues (core/jobs.handler).

Every round of the worker, `periodic(now)` looks at the forms in use: once a form's period has ended (the latest
period ended by `now`'s day, `periods.current` — what the catalogue calls 本期), a run "reports.fill" is enqueued
under the key "<form id>:<period>", so calling it every round, from any number of workers, enqueues each period
once. A period someone already began by hand, and a form whose latest file is not mapped yet or still has moved
or lost cells to settle (the officer is asked on the mapping page, not the worker), get no run. `now` is
`core.clock.now()`: the day Zhili sees (the demo's 2020), not the machine's.

The run (`fill_period`) fetches the period's figures as the subdistrict's administrator
(`actions.do_fill_filing`): the filing waits at 填报中 for the villages' rows and the hand-filled cells, which
appear among the to-dos of those who type them. It never refreshes a filing that exists by then — people may
have begun typing into it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.core import jobs
from zhili.core.models import JobRun
from zhili.reports import periods
from zhili.reports.models import CellMap, Filing, MapState, ReportForm

KIND = "reports.fill"


@jobs.scheduled
def periodic(now: datetime.datetime) -> int:
    """Enqueue each form's period that has ended and has no filing yet (four queries whatever the number of
    forms; three when every due period has its run)."""
    day = (timezone.localtime(now) if timezone.is_aware(now) else now).date()
    forms = list(
        ReportForm.objects.filter(archived_at__isnull=True)
        .annotate(latest=Max("versions__number"))
        .filter(latest__isnull=False)
        .select_related("region")
    )
    if not forms:
        return 0
    due = {f"{form.pk}:{periods.current(form.frequency, day).key}": form for form in forms}
    known = set(JobRun.objects.filter(kind=KIND, key__in=list(due)).values_list("key", flat=True))
    missing = {key: form for key, form in due.items() if key not in known}
    if not missing:
        return 0
    started = set(
        Filing.objects.filter(form__in=list(missing.values()), period__in={key.split(":", 1)[1] for key in missing})
        .values_list("form_id", "period")
        .distinct()
    )
    latest = {form.pk: form.latest for form in missing.values()}  # type: ignore[attr-defined]  # annotated
    ready = {  # the latest version mapped, with nothing to settle
        row["version__form_id"]
        for row in CellMap.objects.filter(version__form__in=list(missing.values()))
        .values("version__form_id", "version__number")
        .annotate(unsettled=Count("pk", filter=~Q(state=MapState.OK)))
        if row["version__number"] == latest[row["version__form_id"]] and not row["unsettled"]
    }
    enqueued = 0
    for key, form in sorted(missing.items()):
        period = key.split(":", 1)[1]
        if (form.pk, period) in started or form.pk not in ready:
            continue
        jobs.enqueue(KIND, key, payload={"form_id": form.pk, "period": period}, region_path=form.region.path)
        enqueued += 1
    return enqueued


@jobs.handler(KIND, label=_("按期自动取数"))
def fill_period(run: JobRun) -> dict[str, Any]:
    """Fetch the run's period of the form as the subdistrict's administrator, unless someone began it by then."""
    from zhili.imports.cli import township_admin
    from zhili.people.scope import scope_for
    from zhili.reports import actions

    form = ReportForm.objects.select_related("region").get(pk=run.payload["form_id"])
    period = run.payload["period"]
    existing = Filing.objects.filter(form=form, period=period).order_by("-version").first()
    if existing is not None:
        return {"filing": existing.pk, "filled": False}
    actor = township_admin(form.region.code)  # its sentence, when there is none or several, is the reason
    filing = actions.do_fill_filing(form, period, actor=actor, scope=scope_for(actor))
    return {
        "filing": filing.pk,
        "filled": True,
        "auto": filing.auto_cells,
        "hand": filing.hand_cells,
        "missing": filing.missing_cells,
    }
