"""/api/v1/targets: the tree with lights, an indicator's series, the ranking; writing a progress report."""

import datetime
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status

from zhili.core import clock
from zhili.people.models import Unit
from zhili.regions.models import Region
from zhili.targets import actions, engine, periods, queries, ranking
from zhili.targets.models import Entry

router = Router(tags=["目标任务"])


class LightOut(Schema):
    state: str
    label: str
    completion: Decimal | None
    schedule: Decimal
    explanation: str


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    target: Decimal | None
    actual: Decimal | None
    light: LightOut | None
    missing_children: list[str]
    children: list["IndicatorOut"]


class TaskOut(Schema):
    id: int
    code: str
    title: str
    status: str
    leader: str | None
    lead_unit: str | None
    deadline: datetime.date
    indicators: list[IndicatorOut]


class GoalOut(Schema):
    id: int
    code: str
    level_name: str
    title: str
    tasks: list[TaskOut]
    children: list["GoalOut"]


class BoardOut(Schema):
    year: int
    today: datetime.date
    region_code: str
    region_name: str
    counts: dict[str, int]
    goals: list[GoalOut]


def _light(cell):
    if cell is None:
        return None
    lt = cell.light
    return {
        "state": lt.state,
        "label": lt.label,
        "completion": lt.completion,
        "schedule": lt.schedule,
        "explanation": lt.explain(),
    }


def _ind(r: engine.IndicatorRow) -> dict:
    c = r.cell
    return {
        "id": r.indicator.pk,
        "code": r.indicator.code,
        "name": r.indicator.name,
        "unit": r.indicator.unit,
        "target": c.target if c else None,
        "actual": c.actual if c else None,
        "light": _light(c),
        "missing_children": c.missing if c else [],
        "children": [_ind(k) for k in r.children],
    }


def _goal(g: engine.GoalRow) -> dict:
    return {
        "id": g.goal.pk,
        "code": g.goal.code,
        "level_name": g.goal.level_name,
        "title": g.goal.title,
        "tasks": [
            {
                "id": t.task.pk,
                "code": t.task.code,
                "title": t.task.title,
                "status": t.task.status,
                "leader": str(t.task.leader) if t.task.leader else None,
                "lead_unit": str(t.task.lead_unit) if t.task.lead_unit else None,
                "deadline": t.task.deadline,
                "indicators": [_ind(r) for r in t.indicators],
            }
            for t in g.tasks
        ],
        "children": [_goal(c) for c in g.children],
    }


# a year the work system can hold: anything else is a 422 with its sentence, never the database's or the
# calendar's overflow
YEAR = Query(None, ge=1949, le=2100, description="年度，如 2020")


@router.get("/targets/board", response=BoardOut, summary="一年的目标体系与亮灯（按权限：街道整体或本村分解）")
def board(request: HttpRequest, year: int | None = YEAR, region: str | None = None):
    view = queries.viewpoint(request.scope, region)
    today = clock.today()
    b = engine.build_board(view.sub, year or today.year, today, village=view.village)
    where = view.village or view.sub
    return {
        "year": b.year,
        "today": today,
        "region_code": where.code,
        "region_name": where.name,
        "counts": b.counts,
        "goals": [_goal(g) for g in b.goals],
    }


class PointOut(Schema):
    period: str
    period_start: datetime.date
    period_end: datetime.date
    value: Decimal | None


class SeriesOut(Schema):
    indicator_id: int
    name: str
    unit: str
    cumulative: bool
    region_code: str
    points: list[PointOut]


@router.get("/targets/indicators/{indicator_id}/series", response=SeriesOut, summary="指标的分期数据")
def series(request: HttpRequest, indicator_id: int, region: str | None = None):
    ind, view = queries.get_indicator_or_404(request.scope, indicator_id)
    where = view.village or view.sub
    if region:
        r = Region.objects.filter(code=region).first()
        if r is None or not request.scope.can_read(r.path) or not r.path.startswith(view.sub.path):
            raise Http404
        where = r
    qs = Entry.objects.filter(indicator=ind, is_current=True, region__path__startswith=where.path)
    totals: dict = {}
    for end, value in qs.values_list("period_end", "value"):
        totals[end] = totals.get(end, Decimal(0)) + value
    points = [
        {"period": periods.label(s, e, ind.period_type), "period_start": s, "period_end": e, "value": totals.get(e)}
        for s, e in periods.periods_in_year(ind.task.goal.year, ind.period_type, clock.today())
    ]
    return {
        "indicator_id": ind.pk,
        "name": ind.name,
        "unit": ind.unit,
        "cumulative": ind.cumulative,
        "region_code": where.code,
        "points": points,
    }


class TermOut(Schema):
    indicator_id: int
    indicator: str
    weight: Decimal
    completion: Decimal | None
    counted: Decimal
    points: Decimal


class RankedOut(Schema):
    rank: int
    code: str
    name: str
    score: Decimal
    terms: list[TermOut]


class RankingOut(Schema):
    year: int
    subject: str
    formula: str
    weights: dict[str, Decimal]
    ranking: list[RankedOut]


@router.get("/targets/ranking", response=RankingOut, summary="考核排名（含得分构成）")
def ranking_endpoint(
    request: HttpRequest, year: int | None = YEAR, subject: str = "villages", region: str | None = None
):
    view = queries.viewpoint(request.scope, region)
    if not view.whole:
        raise Http404
    year = year or clock.today().year
    scheme, ranked = ranking.rank(view.sub, year, clock.today(), "units" if subject == "units" else "villages")
    if scheme is None:
        raise Http404
    return {
        "year": year,
        "subject": scheme.subject,
        "formula": f"score = Σ weight × min(completion, {scheme.cap}%) / Σ applicable weight",
        "weights": {w.indicator.name: w.weight for w in scheme.weights.select_related("indicator")},
        "ranking": [
            {
                "rank": r.rank,
                "code": getattr(r.subject, "code", ""),
                "name": str(r.subject),
                "score": r.score,
                "terms": [
                    {
                        "indicator_id": t.indicator.pk,
                        "indicator": t.indicator.name,
                        "weight": t.weight,
                        "completion": t.completion,
                        "counted": t.counted,
                        "points": t.points,
                    }
                    for t in r.terms
                ],
            }
            for r in ranked
        ],
    }


class ReportIn(Schema):
    region_code: str | None = None
    unit_code: str | None = None
    day: datetime.date
    value: Decimal
    note: str = ""


class EntryOut(Schema):
    id: int
    indicator_id: int
    region_code: str
    unit_code: str | None
    period_start: datetime.date
    period_end: datetime.date
    value: Decimal
    note: str

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region.code

    @staticmethod
    def resolve_unit_code(obj) -> str | None:
        return obj.unit.code if obj.unit_id else None


@router.post("/targets/indicators/{indicator_id}/reports", response={201: EntryOut}, summary="填报进度")
def report(request: HttpRequest, indicator_id: int, payload: ReportIn):
    ind, view = queries.get_indicator_or_404(request.scope, indicator_id)
    unit = None
    region = view.sub
    if payload.unit_code:
        unit = Unit.objects.filter(region=view.sub, code=payload.unit_code).first()
        if unit is None:
            raise Http404
    if payload.region_code:
        region = Region.objects.filter(code=payload.region_code).first()
        if region is None or not request.scope.can_read(region.path):
            raise Http404
    entry = actions.do_report_progress(
        ind,
        region=region,
        unit=unit,
        day=payload.day,
        value=payload.value,
        note=payload.note,
        actor=request.user,
        scope=request.scope,
    )
    return Status(201, entry)
