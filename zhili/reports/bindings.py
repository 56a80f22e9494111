"""Where a mapped cell's figure comes from (`CellMap.binding`, a dict), and its value for a period.

Kinds:

    {"kind": "figure", "figure": "cases:reported", "window": "period" | "year"}   # one of FIGURES (or a ledger's,
                                                                                  #   an activity topic's)
    {"kind": "source", "source": "cases", "params": {...}, "window": ...}        # any indicator source
    {"kind": "indicator", "indicator": "A01", "figure": "actual" | "target" | "completion"}
    {"kind": "hand"}                                                              # 人工填写
    {"kind": "period"}                                                            # the period's label

A figure is an indicator source with its parameters (zhili/targets/sources.py), evaluated through the source
itself with a light stand-in for an Indicator: one `values()` call per source and window for all the cells and
villages of a filing, the villages being those of the period's last day (regions/history.py). Window "period"
is the filing's period, "year" 1 January to its last day (本年累计).

Missing data is never a zero: when a source returns nothing at all for the whole subdistrict in the window (no
tax receipts imported for the month, no monthly project figures reported, no case reported …) every cell of
that figure is MISSING; a village without rows while others have some is a true 0 (a rate there: MISSING — a
rate over nothing is not a number). An indicator without an actual (target, completion) is MISSING too.

A few figures the upward forms ask for have no indicator source of their own (patrols, projects under way or
unregistered): `LOCAL` sources below, with the same contract, used by reports only.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import errors
from zhili.people import policy
from zhili.regions import history
from zhili.regions.models import Region
from zhili.reports.models import Origin
from zhili.targets import sources
from zhili.targets.sources import IndicatorSource, Window, group_by_village

WINDOWS = ("period", "year")
INDICATOR_FIGURES = {
    "actual": gettext_lazy("完成值"),
    "target": gettext_lazy("目标值"),
    "completion": gettext_lazy("完成率（%）"),
}
MAX_BEHIND = 200


# ------------------------------------------------------------------------------------------------ stand-ins


class _Goal:
    def __init__(self, region: Region | None):
        self.region = region
        self.region_id = region.pk if region is not None else None


class _Task:
    def __init__(self, region: Region | None):
        self.goal = _Goal(region)


class Spec:
    """A light stand-in for an Indicator: what the sources read (`pk`, `source_key`, `source_params`,
    `task.goal.region`)."""

    def __init__(self, pk: int, source_key: str, params: dict, region: Region | None, name: str = ""):
        self.pk = self.id = pk
        self.source_key = source_key
        self.source_params = dict(params)
        self.task = _Task(region)
        self.name = name


# ------------------------------------------------------------------------------------------------ local sources


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def _day_end(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


class _Grouped(IndicatorSource):
    """A count of rows grouped by village (the sources' contract), for the LOCAL sources below."""

    def rows(self, indicator, window: Window):  # -> (queryset, path field)
        raise NotImplementedError

    def values(self, indicators, villages, window):
        out: dict[tuple[int, int], Decimal] = {}
        if not villages:
            return out
        if not isinstance(villages, history.Villages):
            villages = history.Villages(villages, sub=villages[0].parent, on=window.end)
        for ind in indicators:
            qs, path = self.rows(ind, window)
            grouped, by_path = group_by_village(qs, path, villages, window.end)
            for r in grouped.values("_village").order_by().annotate(n=Count("pk")):
                rid = by_path.get(r["_village"])
                if rid is not None:
                    out[(ind.pk, rid)] = out.get((ind.pk, rid), Decimal(0)) + Decimal(r["n"])
        return out

    def records(self, indicator, village, window):
        qs, path = self.rows(indicator, window)
        return qs.filter(history.paths_q(path, village, window.end))


class PatrolSource(_Grouped):
    key = "patrols"
    label = gettext_lazy("网格巡查")  # type: ignore[assignment]

    def describe(self, indicator) -> str:
        return _("统计网格员在统计期内开展的巡查次数，按网格所在村汇总")

    def rows(self, indicator, window):
        from zhili.cases.models import Patrol

        sub = indicator.task.goal.region
        qs = Patrol.objects.filter(started_at__gte=_day_start(window.start), started_at__lte=_day_end(window.end))
        if sub is not None:
            qs = qs.filter(path__startswith=sub.path)
        return qs, "path"

    def records(self, indicator, village, window):
        return super().records(indicator, village, window).select_related("grid", "inspector").order_by("started_at")

    def table(self, indicator, records):
        return (
            [_("开始时间"), _("网格"), _("网格员"), _("巡查记录")],
            [
                [
                    f"{timezone.localtime(r.started_at):%Y-%m-%d %H:%M}",
                    r.grid.name,
                    getattr(r.inspector, "full_name", "") or r.inspector.username,
                    r.note,
                ]
                for r in records
            ],
        )


PROJECT_COUNTS = {
    "building": gettext_lazy("本期报送月度数据的在建项目个数"),
    "unregistered": gettext_lazy("其中未入库的在建项目个数"),
    "started": gettext_lazy("本期开工的项目个数"),
}


class ProjectCountSource(_Grouped):
    """Projects counted: those under way (a monthly figure reported in the window), of them the unregistered ones
    (未入库), and those started in the window. Missing when no monthly figure is reported in the window."""

    key = "project_counts"
    label = gettext_lazy("建设项目个数（在建项目台账）")  # type: ignore[assignment]

    def check_params(self, params: dict) -> None:
        if params.get("measure", "building") not in PROJECT_COUNTS:
            raise ValidationError(_("统计方式应为：%(v)s。") % {"v": "、".join(PROJECT_COUNTS)})

    def describe(self, indicator) -> str:
        return _("统计%(what)s，按项目所在村汇总") % {
            "what": PROJECT_COUNTS[indicator.source_params.get("measure", "building")]
        }

    def rows(self, indicator, window):
        from zhili.projects.models import Project, ProjectMonth

        sub = indicator.task.goal.region
        measure = indicator.source_params.get("measure", "building")
        qs = Project.objects.filter(subdistrict=sub, archived_at__isnull=True)
        if measure == "started":
            return qs.filter(start__gte=window.start, start__lte=window.end), "region__path"
        months = ProjectMonth.objects.filter(project__subdistrict=sub, month__gte=window.start, month__lte=window.end)
        qs = qs.filter(pk__in=months.values("project_id"))
        if measure == "unregistered":
            qs = qs.filter(registered=False)
        return qs, "region__path"

    def reported(self, subdistrict: Region, window: Window) -> bool:
        from zhili.projects.models import ProjectMonth

        return ProjectMonth.objects.filter(
            project__subdistrict=subdistrict, month__gte=window.start, month__lte=window.end
        ).exists()

    def records(self, indicator, village, window):
        return super().records(indicator, village, window).select_related("region").order_by("name")

    def table(self, indicator, records):
        return (
            [_("项目名称"), _("村（社区）"), _("项目状态"), _("开工日期"), _("已入库")],
            [
                [r.name, r.region.name, r.get_status_display(), r.start or "", _("是") if r.registered else _("否")]
                for r in records
            ],
        )


LOCAL: dict[str, IndicatorSource] = {s.key: s for s in (PatrolSource(), ProjectCountSource())}


def source(key: str) -> IndicatorSource:
    """A registered indicator source, or one of reports' LOCAL ones."""
    return LOCAL.get(key) or sources.get(key)


# ------------------------------------------------------------------------------------------------ figures


def _all(scope, sub) -> bool:
    return scope.can_read(sub.path)


def _taxes(scope, sub) -> bool:
    from zhili.projects.queries import setup_of

    return policy.see_taxes(scope, setup_of(sub))


def _projects(scope, sub) -> bool:
    return policy.read_projects(scope, sub)


def _households(scope, sub) -> bool:
    return policy.read_households(scope, sub)


def _party(scope, sub) -> bool:
    return policy.read_party(scope, sub)


def _duty(scope, sub) -> bool:
    return policy.read_attendance(scope, sub)


# who may see each source's figures (a mapping to one the mapper may not see is refused)
SEE: dict[str, Callable[[Any, Region], bool]] = {
    "cases": _all,
    "patrols": _all,
    "ledger": _all,
    "activities": _all,
    "projects": _projects,
    "project_counts": _projects,
    "households": _households,
    "trainings": _households,
    "party": _party,
    "duty": _duty,
}
SEE_WHAT = {
    "projects": gettext_lazy("建设项目"),
    "project_counts": gettext_lazy("建设项目"),
    "households": gettext_lazy("民生户籍"),
    "trainings": gettext_lazy("帮扶责任人培训"),
    "party": gettext_lazy("党建"),
    "duty": gettext_lazy("村干部坐班"),
}


def _see(source_key: str, params: dict) -> Callable[[Any, Region], bool]:
    """Who may see a source's figures: `see(scope, region)` — taxes are the subdistrict's whatever the region."""
    if source_key == "projects" and params.get("measure") in ("tax_received", "expected_tax"):
        return lambda scope, region: _taxes(scope, _sub_of(region))
    return SEE.get(source_key, _all)


def _sub_of(region: Region) -> Region:
    from zhili.regions.models import Level

    if region.level == Level.SUBDISTRICT or region.parent is None:
        return region
    return region.parent


@dataclass(frozen=True)
class Figure:
    key: str
    group: str
    label: str
    source: str
    params: dict = field(default_factory=dict)


def _f(key: str, group: Any, label: Any, src: str, **params: Any) -> Figure:
    return Figure(key, str(group), str(label), src, params)


def _static() -> list[Figure]:
    g_cases, g_proj, g_hh = _("网格事件"), _("项目与税收"), _("民生户籍")
    g_party, g_duty = _("党建"), _("村干部坐班")
    return [
        _f("cases:reported", g_cases, _("网格事件上报数（件）"), "cases", measure="reported"),
        _f("cases:filed", g_cases, _("网格事件立案数（件）"), "cases", measure="filed"),
        _f("cases:closed", g_cases, _("网格事件结案数（件）"), "cases", measure="closed"),
        _f("cases:closed_on_time", g_cases, _("网格事件按期结案数（件）"), "cases", measure="closed_on_time"),
        _f("cases:open", g_cases, _("网格事件未结案数（件）"), "cases", measure="open"),
        _f("cases:closing_rate", g_cases, _("结案率（%）"), "cases", measure="closing_rate"),
        _f("cases:on_time_closing_rate", g_cases, _("按期结案率（%）"), "cases", measure="on_time_closing_rate"),
        _f("cases:on_time_handling_rate", g_cases, _("按期处置率（%）"), "cases", measure="on_time_handling_rate"),
        _f("cases:superior", g_cases, _("上级督查反馈问题数（件）"), "cases", measure="reported", source="superior"),
        _f(
            "cases:superior_closed",
            g_cases,
            _("上级督查反馈问题整改数（件）"),
            "cases",
            measure="closed",
            source="superior",
        ),
        _f("cases:public", g_cases, _("群众随手拍上报数（件）"), "cases", measure="reported", source="public"),
        _f("patrols", g_cases, _("网格巡查次数（次）"), "patrols"),
        _f("projects:investment", g_proj, _("固定资产投资完成额（万元）"), "projects", measure="investment"),
        _f(
            "projects:investment_park", g_proj, _("产业园完成投资（万元）"), "projects", measure="investment", park=True
        ),
        _f("projects:tax_received", g_proj, _("税收收入（实缴，万元）"), "projects", measure="tax_received"),
        _f("projects:expected_tax", g_proj, _("在建项目应缴税款（万元）"), "projects", measure="expected_tax"),
        _f("projects:building", g_proj, _("在建项目个数（个）"), "project_counts", measure="building"),
        _f("projects:unregistered", g_proj, _("未入库在建项目个数（个）"), "project_counts", measure="unregistered"),
        _f("projects:started", g_proj, _("新开工项目个数（个）"), "project_counts", measure="started"),
        _f("households:visited", g_hh, _("走访户数（户）"), "households", measure="visited"),
        _f("households:visits", g_hh, _("走访次数（次）"), "households", measure="visits"),
        _f("households:failing_items", g_hh, _("未达标核查项目数（项）"), "households", measure="failing_items"),
        _f(
            "households:failing_households",
            g_hh,
            _("有未达标项目的户数（户）"),
            "households",
            measure="failing_households",
        ),
        _f("trainings:held", g_hh, _("帮扶责任人培训次数（次）"), "trainings", measure="held"),
        _f("trainings:attendance", g_hh, _("帮扶责任人培训人次"), "trainings", measure="attendance"),
        _f("party:compliant", g_party, _("三会一课达标支部数（个）"), "party", measure="compliant"),
        _f("party:meetings", g_party, _("支部会议次数（次）"), "party", measure="meetings"),
        _f("party:talks", g_party, _("廉政谈话次数（次）"), "party", measure="talks"),
        _f("party:talk_villages", g_party, _("开展廉政谈话的村数（个）"), "party", measure="talk_villages"),
        _f("duty:days", g_duty, _("村干部坐班签到人次"), "duty", measure="days"),
        _f("duty:rate", g_duty, _("村干部坐班率（%）"), "duty", measure="rate"),
    ]


class _Figures(dict):
    """FIGURES: the named figures every subdistrict has, by key (built on first use, in the active language)."""

    _language: str | None = None

    def _fill(self) -> None:
        from django.utils import translation

        language = translation.get_language()
        if self._language != language or not super().__len__():  # labels in the language being shown
            super().clear()
            self.update({f.key: f for f in _static()})
            self._language = language

    def __getitem__(self, key):
        self._fill()
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._fill()
        return super().get(key, default)

    def __contains__(self, key):
        self._fill()
        return super().__contains__(key)

    def __iter__(self):
        self._fill()
        return super().__iter__()

    def __len__(self):
        self._fill()
        return super().__len__()

    def values(self):
        self._fill()
        return super().values()

    def items(self):
        self._fill()
        return super().items()


FIGURES: dict[str, Figure] = _Figures()


def _ledger_figures(sub: Region) -> list[Figure]:
    """Each ledger of the subdistrict: its row count and the sum of each numeric field, all rows or those whose
    date field falls in the window (e.g. 本月竣工的硬化长度)."""
    from zhili.ledgers.models import FieldType, Ledger

    out = []
    group = _("台账")
    for ledger in Ledger.objects.filter(region=sub).select_related("current_version").order_by("name"):
        if ledger.archived_at is not None:
            continue
        fields = ledger.current_version.fields if ledger.current_version else []
        dates = [f for f in fields if f["type"] == FieldType.DATE]
        numbers = [f for f in fields if f["type"] in (FieldType.INTEGER, FieldType.DECIMAL)]
        code, name = ledger.code, ledger.name
        out.append(_f(f"ledger:{code}:count", group, _("%(n)s：行数") % {"n": name}, "ledger", ledger=code))
        for d in dates:
            out.append(
                _f(
                    f"ledger:{code}:count:{d['key']}",
                    group,
                    _("%(n)s：%(d)s在统计期内的行数") % {"n": name, "d": d["label"]},
                    "ledger",
                    ledger=code,
                    date_field=d["key"],
                )
            )
        for f in numbers:
            unit = f"（{f['unit']}）" if f.get("unit") else ""
            out.append(
                _f(
                    f"ledger:{code}:sum:{f['key']}",
                    group,
                    _("%(n)s：%(f)s合计%(u)s") % {"n": name, "f": f["label"], "u": unit},
                    "ledger",
                    ledger=code,
                    measure="sum",
                    field=f["key"],
                )
            )
            for d in dates:
                out.append(
                    _f(
                        f"ledger:{code}:sum:{f['key']}:{d['key']}",
                        group,
                        _("%(n)s：%(d)s在统计期内的%(f)s合计%(u)s")
                        % {"n": name, "d": d["label"], "f": f["label"], "u": unit},
                        "ledger",
                        ledger=code,
                        measure="sum",
                        field=f["key"],
                        date_field=d["key"],
                    )
                )
    return out


def _activity_figures(sub: Region) -> list[Figure]:
    from zhili.targets.models import ActivityRecord

    topics = (
        ActivityRecord.objects.active()
        .filter(region__path__startswith=sub.path)
        .values_list("topic", flat=True)
        .distinct()
        .order_by("topic")
    )
    group = _("工作记录")
    out = []
    for t in topics:
        out.append(_f(f"activities:{t}:records", group, _("%(t)s：次数") % {"t": t}, "activities", topic=t))
        out.append(
            _f(
                f"activities:{t}:people",
                group,
                _("%(t)s：人数/户数") % {"t": t},
                "activities",
                topic=t,
                measure="people",
            )
        )
    return out


def figures(sub: Region) -> dict[str, Figure]:
    """Every figure of this subdistrict: FIGURES, its ledgers' and its activity topics'."""
    out = dict(FIGURES.items())
    out.update({f.key: f for f in _ledger_figures(sub)})
    out.update({f.key: f for f in _activity_figures(sub)})
    return out


def _figure(key: str, sub: Region | None) -> Figure | None:
    if key in FIGURES:
        return FIGURES[key]
    parts = key.split(":")
    if parts[0] == "ledger" and len(parts) >= 3:  # parsed, not read: evaluation needs no definition
        code, measure, rest = parts[1], parts[2], parts[3:]
        params: dict[str, Any] = {"ledger": code}
        if measure == "sum" and rest:
            params.update(measure="sum", field=rest[0])
            rest = rest[1:]
        elif measure != "count":
            return None
        if rest:
            params["date_field"] = rest[0]
        return Figure(key, _("台账"), key, "ledger", params)
    if parts[0] == "activities" and len(parts) == 3:
        return Figure(key, _("工作记录"), parts[1], "activities", {"topic": parts[1], "measure": parts[2]})
    return None


# ------------------------------------------------------------------------------------------------ choices


@dataclass(frozen=True)
class Choice:
    key: str
    group: str
    label: str
    binding: dict


def choices(subdistrict: Region, scope, year: int) -> list[Choice]:
    """What the mapping page offers for a cell: every figure the mapper may see (window 本期; the page sets the
    window), every indicator of the year (actual / target / completion), 人工填写 and 期次."""
    from zhili.targets.models import Indicator

    out = []
    for f in figures(subdistrict).values():
        if _see(f.source, f.params)(scope, subdistrict):
            binding = {"kind": "figure", "figure": f.key, "window": "period", "label": f.label}
            out.append(Choice(f"figure:{f.key}", f.group, f.label, binding))
    if _all(scope, subdistrict):
        group = _("目标任务（%(y)s年）") % {"y": year}
        indicators = (
            Indicator.objects.active()
            .filter(task__goal__region=subdistrict, task__goal__year=year, task__archived_at__isnull=True)
            .order_by("code")
            .values_list("code", "name", "unit")
        )
        for code, name, unit in indicators:
            for which, what in INDICATOR_FIGURES.items():
                shown = f"{code} {name}：{what}" + (f"（{unit}）" if unit and which != "completion" else "")
                binding = {"kind": "indicator", "indicator": code, "figure": which}
                out.append(Choice(f"indicator:{code}:{which}", group, shown, binding))
    other = _("其他")
    out.append(Choice("hand", other, _("人工填写（系统中没有的数）"), {"kind": "hand"}))
    out.append(Choice("period", other, _("报送期（如 2020年9月）"), {"kind": "period"}))
    return out


def binding_for(key: str, subdistrict: Region, scope, year: int) -> dict:
    """The posted key back to its binding ("figure:cases:reported", "figure:cases:reported@year", …)."""
    key = (key or "").strip()
    window = "period"
    if key.endswith("@year") or key.endswith("@period"):
        key, window = key.rsplit("@", 1)
    for c in choices(subdistrict, scope, year):
        if c.key == key:
            binding = dict(c.binding)
            if binding["kind"] == "figure":
                binding["window"] = window
            return binding
    raise ValidationError(_("请选择一个数据来源（“%(key)s”不在可选范围内）。") % {"key": key})


# ------------------------------------------------------------------------------------------------ check


def _window_of(binding: dict) -> str:
    window = binding.get("window") or "period"
    if window not in WINDOWS:
        raise ValidationError(_("统计区间应为“本期”或“本年累计”。"))
    return window


def _refuse(label: str) -> errors.Refused:
    return errors.Refused(
        _("你无权查看“%(what)s”的数据，不能把它映射到上报表中。请由有权查看的科室映射这一格。") % {"what": label}
    )


def check(binding: dict, subdistrict: Region, scope) -> dict:
    """The binding, normalised; ValidationError (Chinese) when malformed; Refused when the mapper may not see it."""
    if not isinstance(binding, dict):
        raise ValidationError(_("数据来源的格式不对。"))
    kind = binding.get("kind")
    if kind == "hand":
        return {"kind": "hand"}
    if kind == "period":
        return {"kind": "period"}
    if kind == "figure":
        key = str(binding.get("figure") or "")
        fig = figures(subdistrict).get(key) or _figure(key, subdistrict)
        if fig is None:
            raise ValidationError(_("没有名为“%(key)s”的数据项。") % {"key": key})
        if not _see(fig.source, fig.params)(scope, subdistrict):
            raise _refuse(fig.label)
        return {
            "kind": "figure",
            "figure": fig.key,
            "window": _window_of(binding),
            "label": fig.label,
            "sentence": _sentence(fig.source, fig.params, subdistrict),
        }
    if kind == "source":
        key = str(binding.get("source") or "")
        params = binding.get("params") or {}
        if not isinstance(params, dict):
            raise ValidationError(_("计算参数应为“名称: 值”的对象。"))
        src = source(key)
        src.check_params(params)
        if not _see(key, params)(scope, subdistrict):
            raise _refuse(str(src.label))
        return {
            "kind": "source",
            "source": key,
            "params": params,
            "window": _window_of(binding),
            "sentence": _sentence(key, params, subdistrict),
        }
    if kind == "indicator":
        code = str(binding.get("indicator") or "").strip()
        which = binding.get("figure") or "actual"
        if not code:
            raise ValidationError(_("请指明目标任务的指标编号。"))
        if which not in INDICATOR_FIGURES:
            raise ValidationError(_("指标取数应为完成值、目标值或完成率。"))
        if not _all(scope, subdistrict):
            raise _refuse(_("目标任务"))
        return {"kind": "indicator", "indicator": code, "figure": which}
    raise ValidationError(_("数据来源的类别应为：系统数据、目标任务指标、人工填写或报送期。"))


def _sentence(key: str, params: dict, subdistrict: Region) -> str:
    """The source's own sentence, told the subdistrict (a ledger's name and its fields' labels, not their keys),
    kept in the checked binding so that every page, the CLI and the audit log show it without a query."""
    return str(source(key).describe(Spec(0, key, params, subdistrict)))


def _spec_of(binding: dict) -> tuple[str, dict, str] | None:
    """(source key, params, label) of a figure or source binding."""
    if binding.get("kind") == "figure":
        fig = _figure(str(binding.get("figure")), None)
        if fig is None:
            return None
        return fig.source, fig.params, binding.get("label") or fig.label
    if binding.get("kind") == "source":
        key = binding.get("source") or ""
        return key, binding.get("params") or {}, ""
    return None


def _window_words(window: str) -> str:
    return _("本年累计（1月1日至期末）") if window == "year" else _("本期")


def describe(binding: dict) -> str:
    """A sentence for the mapping and trace pages: "网格事件上报数（件），统计……（本期）"."""
    kind = binding.get("kind")
    if kind == "hand":
        return _("人工填写：系统中没有这个数，由填报人填写")
    if kind == "period":
        return _("报送期：写入本期的名称")
    if kind == "indicator":
        what = INDICATOR_FIGURES.get(binding.get("figure") or "actual", "")
        return _("目标任务指标 %(code)s 的%(what)s（截至期末）") % {"code": binding.get("indicator"), "what": what}
    spec = _spec_of(binding)
    if spec is None:
        return _("未知的数据来源")
    key, params, label = spec
    try:
        src = source(key)
    except ValidationError:
        return _("未知的数据来源")
    sentence = binding.get("sentence") or src.describe(Spec(0, key, params, None))
    window = _window_words(binding.get("window") or "period")
    if label:
        return _("%(label)s：%(sentence)s（%(window)s）") % {"label": label, "sentence": sentence, "window": window}
    return _("%(sentence)s（%(window)s）") % {"sentence": sentence, "window": window}


# ------------------------------------------------------------------------------------------------ evaluate


@dataclass
class Result:
    number: Decimal | None
    text: str
    origin: str
    trace: dict


def _window(period, window: str) -> Window:
    if window == "year":
        return Window(datetime.date(period.end.year, 1, 1), period.end)
    return Window(period.start, period.end)


def _trace(binding: dict, sub: Region, period, window: Window | None, village, **more: Any) -> dict:
    out = {
        "binding": binding,
        "sub": sub.pk,
        "period": period.key,
        "village": village.pk if village is not None else None,
    }
    if window is not None:
        out["window"] = [window.start.isoformat(), window.end.isoformat()]
    out.update(more)
    return out


def _missing(binding, sub, period, window, village, why: str) -> Result:
    return Result(None, "", Origin.MISSING, _trace(binding, sub, period, window, village, missing=why))


def evaluate(cell_maps: list, subdistrict: Region, period, villages: list[Region] | None) -> dict:
    """{(cell_map.id, village id or None): Result} — the subdistrict's figure of every cell map, and each village's
    when `villages` is given (a ROWS form). One `values()` call per source and window; one target computation."""
    out: dict[tuple[int, int | None], Result] = {}
    wanted = list(villages or [])
    everyone: history.Villages | None = None
    specs: dict[tuple[str, str, str], Spec] = {}  # (source, params, window) → its stand-in
    spec_of: dict[int, tuple[Spec, str, str]] = {}  # cell map id → (spec, window, source key)
    indicator_maps = []
    for cm in cell_maps:
        b = cm.binding or {}
        kind = b.get("kind")
        if kind == "hand":
            for v in [None, *wanted]:
                out[(cm.id, v.pk if v else None)] = Result(
                    None, "", Origin.HAND, _trace(b, subdistrict, period, None, v)
                )
        elif kind == "period":
            for v in [None, *wanted]:
                out[(cm.id, v.pk if v else None)] = Result(
                    None, str(period.label), Origin.LABEL, _trace(b, subdistrict, period, None, v)
                )
        elif kind == "indicator":
            indicator_maps.append(cm)
        else:
            found = _spec_of(b)
            window_key = b.get("window") or "period"
            if found is None or window_key not in WINDOWS:
                for v in [None, *wanted]:
                    out[(cm.id, v.pk if v else None)] = _missing(b, subdistrict, period, None, v, _("数据来源无效"))
                continue
            key, params, label = found
            ident = (key, json.dumps(params, sort_keys=True, ensure_ascii=False), window_key)
            if ident not in specs:
                specs[ident] = Spec(len(specs) + 1, key, params, subdistrict, label)
            spec_of[cm.id] = (specs[ident], window_key, key)

    # the sources: one batch per (source, window)
    batches: dict[tuple[str, str], list[Spec]] = defaultdict(list)
    for (key, _params, window_key), stand_in in specs.items():
        batches[(key, window_key)].append(stand_in)
    values: dict[tuple[int, int], Decimal] = {}
    whole: dict[int, Decimal] = {}
    reported: dict[int, bool] = {}
    for (key, window_key), batch in batches.items():
        window = _window(period, window_key)
        if everyone is None:
            everyone = history.on_day(subdistrict, period.end)
        try:
            src = source(key)
        except ValidationError:
            continue
        values.update(src.values(batch, everyone, window))
        rates = [s for s in batch if not src.additive(s)]
        if rates:
            whole.update(src.whole_values(rates, subdistrict, window))
        money = [s for s in batch if key == "projects" and s.source_params.get("measure") != "investment"]
        if money:
            whole.update(_whole_money(money, window))
        if isinstance(src, ProjectCountSource):
            has = src.reported(subdistrict, window)
            reported.update({s.pk: has for s in batch})
    has_data: set[int] = {spec_id for (spec_id, _v) in values}
    has_data |= set(whole)
    all_ids = [v.pk for v in everyone] if everyone is not None else []

    for cm in cell_maps:
        if cm.id not in spec_of:
            continue
        stand_in, window_key, key = spec_of[cm.id]
        b = cm.binding
        window = _window(period, window_key)
        src = source(key)
        additive = src.additive(stand_in)
        present = reported.get(stand_in.pk, stand_in.pk in has_data)
        for v in [None, *wanted]:
            vid = v.pk if v is not None else None
            if not present:
                out[(cm.id, vid)] = _missing(b, subdistrict, period, window, v, _("本期没有这项数据"))
                continue
            if v is None:
                if stand_in.pk in whole:  # a rate, or yuan summed before turning into 万元 (no rounding per village)
                    number = whole[stand_in.pk]
                elif additive:
                    number = sum(
                        (values.get((stand_in.pk, i), Decimal(0)) for i in [*all_ids, subdistrict.pk]), Decimal(0)
                    )
                else:
                    number = None
            else:
                number = values.get((stand_in.pk, v.pk))
                if number is None and additive:
                    number = Decimal(0)
            if number is None:
                out[(cm.id, vid)] = _missing(b, subdistrict, period, window, v, _("无法计算（分母为零）"))
            else:
                out[(cm.id, vid)] = Result(
                    Decimal(number), "", Origin.AUTO, _trace(b, subdistrict, period, window, v, source=key)
                )

    if indicator_maps:
        _indicators(out, indicator_maps, subdistrict, period, wanted)
    return out


def _whole_money(specs: list[Spec], window: Window) -> dict[int, Decimal]:
    """The subdistrict's taxes (yuan → 万元) summed over all its rows at once: the villages' figures, each rounded
    to 0.0001 万元, would not add up to the receipts' total to the yuan. One aggregate per figure."""
    from django.db.models import Sum

    from zhili.projects import source as projects

    out = {}
    for spec in specs:
        qs, _path, value = projects._rows(spec, window)
        total = qs.aggregate(total=Sum(value))["total"]
        if total is not None:
            out[spec.pk] = projects._in_wan(spec, total)
    return out


def _indicators(out: dict, cell_maps: list, sub: Region, period, wanted: list[Region]) -> None:
    """The year's target figures as of the period's last day (one targets.engine.compute)."""
    from zhili.targets import engine
    from zhili.targets.models import Indicator

    year = period.end.year
    indicators = list(
        Indicator.objects.active()
        .filter(task__goal__region=sub, task__goal__year=year, task__archived_at__isnull=True)
        .select_related("task__goal__region", "task")
    )
    by_code = {i.code: i for i in indicators}
    computed = engine.compute(sub, year, period.end, wanted, indicators=indicators)
    window = Window(datetime.date(year, 1, 1), period.end)
    for cm in cell_maps:
        b = cm.binding
        ind = by_code.get(b.get("indicator"))
        which = b.get("figure") or "actual"
        for v in [None, *wanted]:
            vid = v.pk if v is not None else None
            if ind is None:
                out[(cm.id, vid)] = _missing(
                    b,
                    sub,
                    period,
                    window,
                    v,
                    _("%(y)s年没有编号为 %(code)s 的指标") % {"y": year, "code": b.get("indicator")},
                )
                continue
            cell = computed.whole.get(ind.pk) if v is None else computed.village.get((ind.pk, v.pk))
            number = getattr(cell, which, None) if cell is not None else None
            if number is None:
                out[(cm.id, vid)] = _missing(b, sub, period, window, v, _("指标没有这项数据"))
            else:
                out[(cm.id, vid)] = Result(
                    Decimal(number), "", Origin.AUTO, _trace(b, sub, period, window, v, indicator_id=ind.pk)
                )


# ------------------------------------------------------------------------------------------------ behind


@dataclass
class Behind:
    description: str
    headers: list[str]
    rows: list[list]
    total: int
    more_url: str | None = None


def _whole_as_village(sub: Region) -> Region:
    """The subdistrict dressed as a village, so a source's records() opens onto all its villages' rows."""
    return Region(id=0, path=sub.path, code=sub.code, name=sub.name, level=sub.level, parent_id=sub.parent_id)


def rows_behind(trace: dict, scope) -> Behind:
    """The rows behind one filled cell (bounded to 200): its source's records for that village (or the whole
    subdistrict) and window, or the indicator's entries. A village cadre gets only their own village's rows."""
    binding = trace.get("binding") or {}
    sub = Region.objects.get(pk=trace["sub"])
    village = Region.objects.get(pk=trace["village"]) if trace.get("village") else None
    if village is not None:
        errors.require(policy.read_report_row(scope, village), _("你无权查看这个村（社区）的数据。"))
    else:
        errors.require(policy.read_reports(scope, sub), _("你无权查看本街道的上报数据。"))
    description = describe(binding)
    kind = binding.get("kind")
    if kind in ("hand", "period"):
        return Behind(description, [], [], 0)
    start, end = (datetime.date.fromisoformat(d) for d in trace.get("window") or [])
    window = Window(start, end)
    if kind == "indicator":
        return _entries_behind(trace, scope, sub, village, window, description)
    spec = _spec_of(binding)
    if spec is None:
        return Behind(description, [], [], 0)
    key, params, label = spec
    if not _see(key, params)(scope, village or sub):
        raise _refuse(label or str(source(key).label))
    src = source(key)
    stand_in = Spec(1, key, params, sub, label)
    return _table(src, stand_in, sub, village, window, description)


def _table(src: IndicatorSource, stand_in, sub: Region, village, window: Window, description: str) -> Behind:
    if village is not None:
        records = src.records(stand_in, village, window)
    else:
        records = src.records(stand_in, _whole_as_village(sub), window)
        if not records.exists():
            records = src.records(stand_in, sub, window)
    total = records.count()
    headers, rows = src.table(stand_in, list(records[:MAX_BEHIND]))
    return Behind(description, [str(h) for h in headers], rows, total)


def _entries_behind(trace, scope, sub, village, window, description) -> Behind:
    from zhili.targets.models import Entry, Indicator, SourceKind

    ind = Indicator.objects.select_related("task__goal__region").filter(pk=trace.get("indicator_id")).first()
    if ind is None:
        return Behind(description, [], [], 0)
    if ind.source == SourceKind.COMPUTED and ind.source_key:
        return _table(source(ind.source_key), ind, sub, village, window, description)
    qs = Entry.objects.filter(
        indicator=ind, is_current=True, period_end__gte=window.start, period_start__lte=window.end
    ).select_related("region", "unit", "reporter")
    qs = qs.filter(Q(region=village) if village is not None else Q(region__path__startswith=sub.path))
    qs = qs.order_by("period_end", "region__code", "pk")
    total = qs.count()
    rows = [
        [
            f"{e.period_start:%Y-%m-%d}—{e.period_end:%Y-%m-%d}",
            e.region.name,
            e.unit.name if e.unit is not None else "",
            e.value,
            e.reporter.full_name if e.reporter is not None else "",
        ]
        for e in qs[:MAX_BEHIND]
    ]
    return Behind(description, [_("期次"), _("区划"), _("科室"), _("数值"), _("填报人")], rows, total)
