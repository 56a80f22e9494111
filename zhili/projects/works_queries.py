"""Reads of public works (公共工程、乡村振兴项目): scoped lists with their stages in a fixed number of queries, one
work fetched through scope, the slippage light, and the park's land acquisition summed from the `demolition`
ledger (台账) — the ledger's rows are the record; this page only adds them up."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import clock, lights
from zhili.core.workdays import working_days_between
from zhili.people.scope import Scope
from zhili.projects.models import WORK_STAGES, Work, WorkKind, WorkMilestone, WorkStage, WorkStageName
from zhili.regions.models import Region

SOON_WORKING_DAYS = 5  # a stage due within this many working days lights yellow


@dataclass(frozen=True)
class WorkLight(lights.Light):
    """A work's slippage light: red when a stage's planned date has passed without an actual date, yellow when the
    next stage is due within SOON_WORKING_DAYS working days, done when every planned stage is reached."""

    state: str
    late: tuple[tuple[str, datetime.date, int], ...] = ()  # (stage label, planned, working days late)
    due: tuple[str, datetime.date] | None = None

    def explain(self) -> str:
        if self.state == lights.RED:
            return _("；").join(
                _("%(stage)s计划 %(day)s 完成，已超过 %(days)s 个工作日未完成")
                % {"stage": stage, "day": day.isoformat(), "days": days}
                for stage, day, days in self.late
            )
        if self.state == lights.YELLOW and self.due:
            return _("%(stage)s计划 %(day)s 完成，即将到期") % {"stage": self.due[0], "day": self.due[1].isoformat()}
        if self.state == lights.DONE:
            return _("计划的各阶段均已完成")
        if self.state == lights.NONE:
            return _("尚未排定计划日期")
        return _("各阶段按计划推进")

    @property
    def rule_text(self) -> str:
        return str(RULE)


RULE = gettext_lazy(
    "某阶段计划日期已过而无实际日期为红灯；下一阶段 5 个工作日内到期为黄灯；计划各阶段均已完成为已完成；其余为绿灯。"
)


@dataclass
class WorkView:
    """A work with its stages in order, as pages show it."""

    work: Work
    stages: list[WorkStage]
    light: WorkLight
    current: WorkStage | None = None  # the last stage reached
    following: WorkStage | None = None  # the stage to reach next
    milestones: list[WorkMilestone] = field(default_factory=list)

    @property
    def current_label(self) -> str:
        return self.current.get_stage_display() if self.current else _("未开始")


def light_of(stages: list[WorkStage], today: datetime.date) -> WorkLight:
    late = tuple(
        (s.get_stage_display(), s.planned, working_days_between(s.planned, today))
        for s in stages
        if s.planned is not None and s.actual is None and s.planned < today
    )
    if late:
        return WorkLight(lights.RED, late=late)
    planned = [s for s in stages if s.planned is not None]
    if not planned:
        return WorkLight(lights.NONE)
    waiting = [s for s in planned if s.actual is None]
    if not waiting:
        return WorkLight(lights.DONE)
    nxt = waiting[0]
    if working_days_between(today, nxt.planned) <= SOON_WORKING_DAYS:
        return WorkLight(lights.YELLOW, due=(nxt.get_stage_display(), nxt.planned))
    return WorkLight(lights.GREEN)


def view_of(work: Work, today: datetime.date) -> WorkView:
    stages = sorted(work.stages.all(), key=lambda s: s.order)
    reached = [s for s in stages if s.actual is not None]
    waiting = [s for s in stages if s.actual is None]
    return WorkView(
        work=work,
        stages=stages,
        light=light_of(stages, today),
        current=reached[-1] if reached else None,
        following=waiting[0] if waiting else None,
    )


def works_q(scope: Scope) -> Q:
    """Works this person may see: those in the regions they read, and their own units' works."""
    q = scope.q("region__path")
    if scope.units:
        q |= Q(unit_id__in=list(scope.units))
    return q


def works_for(scope: Scope, subdistrict: Region) -> QuerySet[Work]:
    return Work.objects.active().filter(works_q(scope), subdistrict=subdistrict)


def work_list(
    scope: Scope, subdistrict: Region, *, kind: str = "", village: Region | None = None, late_only: bool = False
) -> list[WorkView]:
    """The works a person sees, with their stages (two queries whatever the number of works)."""
    qs = works_for(scope, subdistrict).select_related("region", "unit", "person")
    if kind:
        qs = qs.filter(kind=kind)
    if village is not None:
        qs = qs.filter(region=village)
    today = clock.today()
    views = [view_of(w, today) for w in qs.prefetch_related("stages").order_by("kind", "region__code", "name")]
    if late_only:
        views = [v for v in views if v.light.state == lights.RED]
    views.sort(key=lambda v: (lights.ORDER[v.light.state], v.work.kind, v.work.region.code, v.work.name))
    return views


def totals(views: list[WorkView]) -> dict[str, Decimal | int]:
    return {
        "count": len(views),
        "late": sum(1 for v in views if v.light.state == lights.RED),
        "planned": sum((v.work.funds_planned for v in views), Decimal(0)),
        "allocated": sum((v.work.funds_allocated for v in views), Decimal(0)),
        "spent": sum((v.work.funds_spent for v in views), Decimal(0)),
    }


def get_work_or_404(scope: Scope, pk: int) -> Work:
    work = (
        Work.objects.active()
        .filter(works_q(scope), pk=pk)
        .select_related("subdistrict", "region", "unit", "person")
        .first()
    )
    if work is None:
        raise Http404(_("不存在或无权查看。"))
    return work


def register_units(scope: Scope, subdistrict: Region) -> list:
    """The subdistrict's offices this person may register a work for (policy.manage_works): all of them for its
    leaders and administrators, their own for officers, none for anyone else."""
    from zhili.people import policy
    from zhili.people.models import Unit

    units = Unit.objects.active().filter(region=subdistrict).order_by("code")
    return [u for u in units if policy.manage_works(scope, subdistrict, u.pk)]


def responsible_people(subdistrict: Region, current=None) -> list:
    """Who may be named responsible for a work: the subdistrict's leaders and its offices' officers (and whoever
    is named now, so an edit keeps him) — one query."""
    from zhili.people.models import Person
    from zhili.people.scope import leaders_and_officers

    held = leaders_and_officers(subdistrict)
    q = Q(pk__in=held.values("person_id"))
    if current is not None:
        q |= Q(pk=current.pk)
    return list(Person.objects.filter(q, is_active=True).order_by("full_name", "username"))


def work_detail(work: Work) -> WorkView:
    view = view_of(work, clock.today())
    view.milestones = list(work.milestones.select_related("added_by").order_by("-day", "-id"))
    return view


def milestone_of(work: Work, pk: int) -> WorkMilestone | None:
    return WorkMilestone.objects.filter(work=work, pk=pk).first()


def kind_choices() -> list[tuple[str, str]]:
    return list(WorkKind.choices)


def stage_choices() -> list[tuple[str, str]]:
    return list(WorkStageName.choices)


def stage_index(stage: str) -> int:
    return WORK_STAGES.index(stage)


# ---- the park's land acquisition (征地拆迁), summed from the demolition ledger ------------------------------

DEMOLITION_LEDGER = "demolition"


@dataclass
class LandRow:
    village: Region
    households: int
    signed: int
    relocated: int
    people: int
    area: Decimal
    land: Decimal  # 征收土地面积（亩）
    cleared: Decimal  # 已清障面积（亩）


def _decimal_sum(key: str) -> Sum:
    return Sum(Cast(KeyTextTransform(key, "data"), DecimalField(max_digits=14, decimal_places=2)))


def _two_places(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def land_rows(scope: Scope, subdistrict: Region) -> tuple[object | None, list[LandRow]]:
    """The demolition ledger (None when the subdistrict has none, or the person may not read it) and, per village,
    its households (rows), households that signed (已签协议), households relocated (a 腾空日期), people, house
    area, land acquired and land cleared (亩) — one grouped query over the rows this person may read."""
    from zhili.ledgers import queries as ledger_queries
    from zhili.ledgers.models import LedgerRow

    ledger = ledger_queries.ledgers_for(scope).filter(region=subdistrict, code=DEMOLITION_LEDGER).first()
    if ledger is None:
        return None, []
    rows = scope.filter(LedgerRow.objects.active().filter(ledger=ledger), "region__path")
    signed = Q(data__agreement_signed=True)
    relocated = Q(data__relocated_on__isnull=False) & ~Q(data__relocated_on="")
    grouped = (
        rows.values("region_id")
        .annotate(
            households=Count("id"),
            signed=Count("id", filter=signed),
            relocated=Count("id", filter=relocated),
            people=Sum(Cast(KeyTextTransform("members", "data"), IntegerField())),
            area=_decimal_sum("area"),
            land=_decimal_sum("land_area"),
            cleared=_decimal_sum("cleared_area"),
        )
        .order_by("region_id")
    )
    found = list(grouped)
    regions = Region.objects.in_bulk([r["region_id"] for r in found])
    out = [
        LandRow(
            village=regions[r["region_id"]],
            households=r["households"],
            signed=r["signed"],
            relocated=r["relocated"],
            people=int(r["people"] or 0),
            area=_two_places(r["area"]),
            land=_two_places(r["land"]),
            cleared=_two_places(r["cleared"]),
        )
        for r in found
    ]
    out.sort(key=lambda r: r.village.code)
    return ledger, out


def land_targets(subdistrict: Region, year: int) -> list:
    """The year's indicators counted from the demolition ledger (households, people, land): the targets the land page
    compares its totals with — read from the targets, never typed a second time."""
    from zhili.targets.models import Indicator

    return list(
        Indicator.objects.filter(
            task__goal__region=subdistrict,
            task__goal__year=year,
            source_key="ledger",
            source_params__ledger=DEMOLITION_LEDGER,
        ).order_by("code")
    )
