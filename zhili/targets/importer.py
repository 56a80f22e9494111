"""The year's target-responsibility document (目标责任书 / 任务分解表) as an importer (zhili/imports/registry.py).

One row is one indicator with the goals and the task it sits under:

    目标层级                         任务            指标      计量单位 目标值 口径 完成时限  责任领导 牵头单位 配合单位 责任人 孔家坊村 …
    二、重点工作 / （一）乡村振兴    人居环境整治    改厕户数  户       1200   累计 2021年6月底 …

- 目标层级 is the path of goals, any depth, separated by " / ", "/", "＞" or ">"; a numbering prefix (一、
  （一） 1. （1）) becomes the goal's number, the rest its name. Offices merge the 目标层级 and 任务 cells of a
  task's rows (and its responsibility cells): a blank one carries the row above down.
- 责任领导 and 责任人 are people of the township by name (two of the same name: an error, never a guess);
  牵头单位 and 配合单位 (several, separated by 、，, ;) its offices (people.Unit) by name.
- 完成时限 as documents write it (`zhili.excel.values.parse_deadline`: 2021年6月底, 6月30日, 年底 …); 口径 累计 or
  当期; 目标值 a number (its unit from 计量单位, or from the header: 目标值（万元）).
- A column headed by a village's name (孔家坊村 or 孔家坊, under a merged 分解到村 header or not) is that village's
  share: the indicator is decomposed to villages. Shares adding up to more than the target are a warning.

Goals and tasks are matched by their path of names and indicators by name within their task, so importing the
document again updates what changed instead of adding it twice. The whole file is written in one transaction
(`batchable = False`): a year's document is a few hundred rows, and nothing of it is seen before the commit.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.excel import values as xv
from zhili.imports.models import StagedChange
from zhili.imports.registry import Column, Importer, Urls, register
from zhili.people import policy
from zhili.people.models import Person, Unit
from zhili.regions import history
from zhili.regions.models import Region
from zhili.targets.actions import next_order
from zhili.targets.engine import year_window
from zhili.targets.models import Decomposition, Goal, Indicator, Share, TargetState, Task

KEY = "targets"
SPLIT_SHEET = "分解"  # the optional second sheet: 指标, 村（社区）, 目标值 (and 任务 where names repeat)
YEAR_BASE = 10000  # ImportJob.target_id = subdistrict id × YEAR_BASE + year
SEPARATORS = re.compile(r"\s*(?:/|／|＞|>|》)\s*")
NUMBERING = re.compile(
    r"^\s*((?:[一二三四五六七八九十百]+[、.．])|(?:[（(][一二三四五六七八九十百\d]+[)）])|(?:\d+(?:[.．、]\d+)*[.．、]?))\s*"
)
UNIT_ALIASES = re.compile(r"[（(]([^）)]+)[）)]")
LIST_SEPARATORS = re.compile(r"[、，,;；\s]+")
CUMULATIVE = {"累计": True, "累计值": True, "累计数": True, "当期": False, "当期值": False, "期间": False}
CUMULATIVE |= {"当月": False, "本期": False, "分期": False}


@dataclass(frozen=True)
class TargetYear:
    """What a 目标责任书 is imported into: a subdistrict's year. The audit log records its imports on the
    subdistrict."""

    region: Region
    year: int

    _meta = Region._meta

    @property
    def pk(self) -> int:
        return self.region.pk

    @property
    def audit_region_path(self) -> str:
        return self.region.path

    def __str__(self) -> str:
        return f"{self.region.name} {self.year} 年目标任务"


def split_path(text: str) -> list[tuple[str, str]]:
    """ "二、重点工作 / （一）乡村振兴" → [("二", "重点工作"), ("（一）", "乡村振兴")]."""
    out = []
    for part in SEPARATORS.split(text.strip()):
        if not part:
            continue
        m = NUMBERING.match(part)
        code, title = (m.group(1).rstrip("、.．"), part[m.end() :].strip()) if m else ("", part.strip())
        out.append((code[:20], (title or part)[:200]))
    return out


def row_key(titles: Iterable[str], task: str, indicator: str) -> str:
    return "／".join(titles) + "｜" + task + "｜" + indicator


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


@dataclass
class _Problem:
    label: str
    raw: Any
    reason: str


@dataclass
class _Row:
    data: dict = field(default_factory=dict)
    region: Any = None
    key_value: str = ""
    key_label: str = "目标层级、任务和指标"
    key_display: str = ""
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


class _Names:
    """The township's people and offices by name, read once per file."""

    def __init__(self, sub: Region):
        self.sub = sub
        prefix = sub.path
        people: dict[str, list[int]] = {}
        qs = (
            Person.objects.filter(is_active=True).filter(region__path__startswith=prefix).values_list("full_name", "pk")
        )
        more = (
            Person.objects.filter(is_active=True)
            .filter(roles__region__path__startswith=prefix, roles__ended_at__isnull=True)
            .values_list("full_name", "pk")
        )
        units_people = Person.objects.filter(is_active=True, unit__region=sub).values_list("full_name", "pk")
        for name, pk in [*qs, *more, *units_people]:
            ids = people.setdefault(name.strip(), [])
            if pk not in ids:
                ids.append(pk)
        self.people = people
        self.units: dict[str, int] = {}
        for u in Unit.objects.active().filter(region=sub).order_by("pk"):
            # "经济发展办公室（经发办）" answers to its full name, to "经济发展办公室" and to "经发办"
            for alias in (u.name, *UNIT_ALIASES.findall(u.name), UNIT_ALIASES.sub("", u.name)):
                self.units.setdefault(alias.strip(), u.pk)
        self.person_names = {pk: name for name, ids in people.items() for pk in ids}
        self.unit_names = dict(Unit.objects.filter(region=sub).values_list("pk", "name"))

    def person(self, raw: Any, label: str) -> int | None:
        text = xv.parse_text(raw).value
        if not text:
            return None
        ids = self.people.get(text.strip(), [])
        if not ids:
            raise xv.ValueProblem(
                _("「%(text)s」不是%(name)s的人员；请先在人员中登记，或核对姓名。")
                % {"text": text, "name": self.sub.name}
            )
        if len(ids) > 1:
            raise xv.ValueProblem(
                _("%(name)s有 %(v)s 位「%(text)s」，无法确定%(label)s是哪一位，请在页面上指定。")
                % {"name": self.sub.name, "v": len(ids), "text": text, "label": label}
            )
        return ids[0]

    def unit(self, name: str) -> int:
        pk = self.units.get(name.strip())
        if pk is None:
            known = "、".join(list(self.unit_names.values())[:8])
            raise xv.ValueProblem(
                _("「%(name)s」不是%(name2)s的单位（科室）。已有：%(known)s…")
                % {"name": name, "name2": self.sub.name, "known": known}
            )
        return pk


class TargetsCleaner:
    """One file's rows, in order (a blank 目标层级 or 任务 cell carries the row above down: merged cells)."""

    FIXED = ["path", "task", "indicator", "unit", "target", "measure", "deadline", "leader", "lead_unit"]
    FIXED += ["assisting", "owner"]

    def __init__(self, target: TargetYear, villages: list[Region], units: dict[str, str | None]):
        self.target = target
        self.year = target.year
        self.villages = villages
        self.keys = [*self.FIXED, *(f"v{v.pk}" for v in villages)]
        self.key = ["path", "task", "indicator"]
        self.key_label = "目标层级、任务和指标"
        self.names = _Names(target.region)
        self.target_unit = units.get("target")
        self.above: dict[str, Any] = {}
        self.split: dict[str, list[tuple[int, dict]]] = {}  # the 分解 sheet's rows by indicator name
        self.split_used: set[int] = set()  # the Excel rows of the 分解 sheet that a main row took up
        self.matcher = xv.RegionMatcher({v.name: v for v in villages})

    def side_sheet(self, name: str, rows: list[tuple[int, dict]]) -> None:
        for excel_row, cells in rows:
            indicator = xv.parse_text(cells.get("indicator")).value
            if indicator:
                self.split.setdefault(indicator.strip(), []).append((excel_row, cells))

    def _split_shares(self, name: str, task: str, errors: list) -> dict[Region, Any]:
        """This indicator's rows of the 分解 sheet as {village: cell}; an unknown village is the row's error."""
        out: dict[Region, Any] = {}
        for excel_row, cells in self.split.get(name, []):
            named_task = xv.parse_text(cells.get("task")).value
            if named_task and named_task.strip() != task:
                continue
            self.split_used.add(excel_row)
            where = f"“{SPLIT_SHEET}”表第 {excel_row} 行"
            try:
                village = self.matcher.match(cells.get("village")).value
            except xv.ValueProblem as exc:
                errors.append(_Problem(SPLIT_SHEET, cells.get("village"), f"{where}：{exc}"))
                continue
            if village is None:
                errors.append(_Problem(SPLIT_SHEET, None, _("%(where)s：请填写村（社区）。") % {"where": where}))
            elif village in out:
                errors.append(
                    _Problem(
                        SPLIT_SHEET,
                        village.name,
                        _("%(where)s：“%(name)s”重复分解。") % {"where": where, "name": village.name},
                    )
                )
            else:
                out[village] = cells.get("target")
        return out

    def unused_side_rows(self) -> list[str]:
        """The 分解 sheet's rows whose indicator (and task, where named) no row of the main sheet has: said, with
        their row numbers, so a misspelt indicator does not lose its villages' targets without a word."""
        unused = sorted(
            (excel_row, name)
            for name, rows in self.split.items()
            for excel_row, _cells in rows
            if excel_row not in self.split_used
        )
        if not unused:
            return []
        shown = "；".join(f"第 {row} 行“{name}”" for row, name in unused[:10])
        more = f" 等 {len(unused)} 行" if len(unused) > 10 else ""
        return [f"“{SPLIT_SHEET}”表中这些行的指标（或任务）在本表中没有，未导入：{shown}{more}。请核对指标名称。"]

    def clean_cells(self, cells: list) -> _Row:
        row = _Row(region=self.target.region)
        cell = dict(zip(self.keys, cells, strict=True))
        errors, warnings = row.errors, row.warnings
        text = {k: xv.parse_text(cell[k]).value or "" for k in self.FIXED if k not in ("target", "deadline")}
        if not text["task"]:  # the row continues the task above (merged cells)
            for k in ("path", "task", "leader", "lead_unit", "assisting", "owner"):
                text[k] = text[k] or self.above.get(k, "")
        elif not text["path"]:
            text["path"] = self.above.get("path", "")
        self.above = {k: text[k] for k in ("path", "task", "leader", "lead_unit", "assisting", "owner")}
        goals = split_path(text["path"])
        if not goals:
            errors.append(_Problem("目标层级", cell["path"], _("请填写目标层级，如“二、重点工作 / （一）乡村振兴”。")))
        if not text["task"]:
            errors.append(_Problem("任务", cell["task"], _("请填写任务。")))
        name = text["indicator"]
        if not name:
            errors.append(
                _Problem("指标", cell["indicator"], _("请填写指标；没有量化指标的任务请在“编制年度目标”页面添加。"))
            )
        unit = text["unit"] or (self.target_unit or "")
        if name and (not unit or len(unit) > 20 or re.fullmatch(r"[\d.\s]+", unit)):
            errors.append(_Problem("计量单位", cell["unit"], _("无法识别计量单位，请填写如“户”“万元”“%”。")))
        target = None
        try:
            target = xv.parse_decimal(cell["target"], decimals=4, percent=True).value
            if target is None and name:
                errors.append(_Problem("目标值", cell["target"], _("请填写目标值。")))
            elif target is not None and target < 0:
                errors.append(_Problem("目标值", cell["target"], _("目标值不能为负数。")))
        except xv.ValueProblem as exc:
            errors.append(_Problem("目标值", cell["target"], str(exc)))
        cumulative = CUMULATIVE.get(text["measure"].replace(" ", ""), None) if text["measure"] else True
        if cumulative is None:
            errors.append(
                _Problem(
                    "口径", cell["measure"], _("「%(v)s」不是口径，请填写“累计”或“当期”。") % {"v": text["measure"]}
                )
            )
        deadline = None
        try:
            deadline = xv.parse_deadline(cell["deadline"], self.year).value
            if deadline is not None and deadline.year != self.year:
                errors.append(
                    _Problem(
                        "完成时限",
                        cell["deadline"],
                        _("完成时限 %(deadline)s 不在 %(year)s 年度内。")
                        % {"deadline": format(deadline, "%Y-%m-%d"), "year": self.year},
                    )
                )
        except xv.ValueProblem as exc:
            errors.append(_Problem("完成时限", cell["deadline"], str(exc)))
        people: dict[str, int | None] = {}
        for k, label in (("leader", "责任领导"), ("owner", "责任人")):
            try:
                people[k] = self.names.person(text[k], label)
            except xv.ValueProblem as exc:
                errors.append(_Problem(label, text[k], str(exc)))
        lead_unit, assisting = None, []
        try:
            lead_unit = self.names.unit(text["lead_unit"]) if text["lead_unit"] else None
        except xv.ValueProblem as exc:
            errors.append(_Problem("牵头单位", text["lead_unit"], str(exc)))
        for part in LIST_SEPARATORS.split(text["assisting"]):
            if part:
                try:
                    assisting.append(self.names.unit(part))
                except xv.ValueProblem as exc:
                    errors.append(_Problem("配合单位", part, str(exc)))
        shares: dict[str, str] = {}
        total = Decimal(0)
        split = self._split_shares(name, text["task"], errors) if name else {}
        for v in self.villages:
            raw = cell[f"v{v.pk}"]
            if v in split:
                if raw is not None:
                    errors.append(
                        _Problem(
                            v.name,
                            raw,
                            _("“%(name)s”在本表和“%(SPLIT_SHEET)s”表中都有分解，请只保留一处。")
                            % {"name": v.name, "SPLIT_SHEET": SPLIT_SHEET},
                        )
                    )
                raw = split[v]
            try:
                value = xv.parse_decimal(raw, decimals=4, percent=True).value
            except xv.ValueProblem as exc:
                errors.append(_Problem(v.name, raw, str(exc)))
                continue
            if value is not None and value != 0:
                shares[str(v.pk)] = _num(value)
                total += value
        if shares and target is not None and total > target:
            warnings.append(
                _Problem(
                    "分解",
                    _num(total),
                    _("分解到村的合计 %(v)s 超过目标值 %(v2)s，请核对。") % {"v": _num(total), "v2": _num(target)},
                )
            )
        if errors:
            return row
        row.key_value = row_key([t for _, t in goals], text["task"], name)
        row.key_display = " ／ ".join([*(t for _, t in goals), text["task"], name])
        row.data = {
            "goals": [list(g) for g in goals],
            "task": text["task"],
            "indicator": name,
            "unit": unit,
            "target": _num(target) if target is not None else "0",
            "cumulative": cumulative,
            "deadline": deadline.isoformat() if deadline else None,
            "leader": people["leader"],
            "lead_unit": lead_unit,
            "assisting": sorted(set(assisting)),
            "owner": people["owner"],
            "shares": shares,
        }
        return row


def indicator_data(ind: Indicator, goal_chain: list[Goal]) -> dict:
    """An indicator as the cleaner would read it back from its row (to tell "unchanged" from "update")."""
    task = ind.task
    return {
        "goals": [[g.code, g.title] for g in goal_chain],
        "task": task.title,
        "indicator": ind.name,
        "unit": ind.unit,
        "target": _num(ind.target),
        "cumulative": ind.cumulative,
        "deadline": ind.deadline.isoformat() if ind.deadline else None,
        "leader": task.leader_id,
        "lead_unit": task.lead_unit_id,
        "assisting": sorted(u.pk for u in task.assisting_units.all()),
        "owner": task.owner_id,
        "shares": {
            str(s.region_id): _num(s.target) for s in ind.shares.all() if s.region_id is not None and s.target != 0
        },
    }


def _chains(goals: Iterable[Goal]) -> dict[int, list[Goal]]:
    by_id = {g.pk: g for g in goals}
    out = {}
    for g in by_id.values():
        chain, at = [], g
        while at is not None:
            chain.append(at)
            at = by_id.get(at.parent_id) if at.parent_id else None
        out[g.pk] = chain[::-1]
    return out


def existing_indicators(target: TargetYear) -> Iterable[tuple[str, Indicator, dict]]:
    goals = list(Goal.objects.active().filter(region=target.region, year=target.year))
    chains = _chains(goals)
    inds = (
        Indicator.objects.active()
        .filter(task__goal__in=goals, task__archived_at__isnull=True, parent__isnull=True)
        .select_related("task")
        .prefetch_related("task__assisting_units", "shares")
    )
    for ind in inds:
        chain = chains[ind.task.goal_id]
        yield row_key([g.title for g in chain], ind.task.title, ind.name), ind, indicator_data(ind, chain)


class TargetsImporter(Importer):
    key = KEY
    label = "目标责任书"
    where = "街道（乡镇）"
    audit_action = "targets.import"
    row_audit_action = "indicator.import"
    row_model = Indicator
    batchable = False

    def target(self, job) -> TargetYear:
        region = Region.objects.get(pk=job.target_id // YEAR_BASE)
        return TargetYear(region, job.target_id % YEAR_BASE)

    def target_id(self, target: TargetYear) -> int:
        return target.region.pk * YEAR_BASE + target.year

    def region(self, target: TargetYear) -> Region:
        return target.region

    def name(self, target: TargetYear) -> str:
        return str(target)

    def urls(self, target: TargetYear) -> Urls:
        year = target.year
        return Urls(
            target=reverse("targets:plan") + f"?year={year}",
            upload=reverse("targets:import", args=[year]),
            job=lambda pk: reverse("targets:import_job", args=[year, pk]),
            rejected=lambda pk: reverse("targets:import_rejected", args=[year, pk]),
        )

    def may_import(self, scope, target: TargetYear) -> bool:
        return policy.plan_targets(scope, target.region)

    def may_write(self, scope, target: TargetYear, region: Region) -> bool:
        return policy.plan_targets(scope, target.region)

    def villages(self, target: TargetYear) -> list[Region]:
        return list(history.on_day(target.region, year_window(target.year, _today()).end))

    def columns(self, target: TargetYear) -> list[Column]:
        fixed = [
            Column("path", ("目标层级", "目标", "目标体系", "所属目标", "工作目标", "层级"), required=True),
            Column("task", ("任务", "重点任务", "工作任务", "任务名称", "工作内容", "主要任务"), required=True),
            Column("indicator", ("指标", "指标名称", "考核指标", "量化指标", "具体指标")),
            Column("unit", ("计量单位", "单位")),
            Column("target", ("目标值", "年度目标", "目标任务", "任务目标", "指标值")),
            Column("measure", ("口径", "统计口径", "计算口径")),
            Column("deadline", ("完成时限", "时限", "完成时间", "时间节点", "截止时间")),
            Column("leader", ("责任领导", "分管领导", "包挂领导", "牵头领导")),
            Column("lead_unit", ("牵头单位", "牵头科室", "责任单位", "责任科室")),
            Column("assisting", ("配合单位", "配合科室", "协同单位", "协助单位")),
            Column("owner", ("责任人", "具体责任人", "经办人")),
        ]
        return fixed + [
            Column(f"v{v.pk}", tuple(dict.fromkeys((v.name, xv.region_stem(v.name)))), quiet=True)
            for v in self.villages(target)
        ]

    def side_sheets(self, target: TargetYear) -> dict[str, list[Column]]:
        return {
            SPLIT_SHEET: [
                Column("indicator", ("指标", "指标名称", "考核指标"), required=True),
                Column("village", ("村（社区）", "村居", "村", "社区", "村（居）", "村庄"), required=True),
                Column("target", ("目标值", "分解目标", "分解目标值", "任务数", "目标"), required=True),
                Column("task", ("任务", "重点任务", "工作任务")),
            ]
        }

    def cleaner(self, target: TargetYear, scope, units) -> TargetsCleaner:
        return TargetsCleaner(target, self.villages(target), units)

    def region_label(self, target: TargetYear) -> str:
        return "街道（乡镇）"

    def regions(self, target: TargetYear) -> dict[int, Region]:
        return {target.region.pk: target.region}

    def plan_parts(self, target: TargetYear, scope) -> list:
        names = _Names(target.region)
        return [
            target.region.pk,
            target.year,
            sorted((v.pk, v.name) for v in self.villages(target)),
            sorted(names.units.items()),
            sorted((k, v) for k, v in names.people.items()),
        ]

    def existing(self, target: TargetYear) -> Iterable[tuple[str, int, dict, int]]:
        for key, ind, data in existing_indicators(target):
            yield key, ind.pk, data, target.region.pk

    def writer(self, job, target: TargetYear, actor, now, allowed: Callable[[int], bool]) -> TargetsWriter:
        return TargetsWriter(job, target, actor)

    def row_repr(self, target: TargetYear, object_id: int) -> str:
        ind = Indicator.objects.filter(pk=object_id).only("name").first()
        return ind.name if ind else f"指标 #{object_id}"


def _today() -> datetime.date:
    from zhili.core import clock

    return clock.today()


class TargetsWriter:
    """Writes one 目标责任书: goals found or made by their path, tasks by their name within a goal, indicators
    added or updated, their shares set. Everything within the pipeline's one transaction."""

    def __init__(self, job, target: TargetYear, actor):
        self.job, self.target, self.actor = job, target, actor
        self.sub, self.year = target.region, target.year
        self._goals: dict[tuple[int | None, str], Goal] | None = None
        self._tasks: dict[tuple[int, str], Task] = {}

    def _goal(self, chain: list[list[str]]) -> Goal:
        if self._goals is None:
            self._goals = {
                (g.parent_id, g.title): g for g in Goal.objects.active().filter(region=self.sub, year=self.year)
            }
        parent = None
        for code, title in chain:
            found = self._goals.get((parent.pk if parent else None, title))
            if found is None:
                siblings = Goal.objects.filter(region=self.sub, year=self.year, parent=parent)
                found = Goal.objects.create(
                    region=self.sub,
                    year=self.year,
                    parent=parent,
                    code=code,
                    title=title,
                    level_name="",
                    order=next_order(siblings),
                )
                self._goals[(found.parent_id, title)] = found
            parent = found
        assert parent is not None
        return parent

    def _task(self, goal: Goal, data: dict) -> Task:
        key = (goal.pk, data["task"])
        task = self._tasks.get(key)
        if task is None:
            task = Task.objects.active().filter(goal=goal, title=data["task"]).first()
        if task is None:
            task = Task.objects.create(
                goal=goal,
                code="",
                title=data["task"],
                start=datetime.date(self.year, 1, 1),
                deadline=datetime.date(self.year, 12, 31),
                order=next_order(Task.objects.filter(goal=goal)),
            )
        _set_task(task, data)
        self._tasks[key] = task
        return task

    def add(self, rows: list[tuple[int, str, str]]) -> None:
        for _region_id, data_json, _key in rows:
            data = json.loads(data_json)
            task = self._task(self._goal(data["goals"]), data)
            ind = Indicator(
                task=task,
                code="",
                name=data["indicator"],
                order=next_order(Indicator.objects.filter(task=task)),
            )
            _set_indicator(ind, data)
            ind.save()
            _set_shares(ind, data, self.sub.pk)

    def stage(self, updates: list[tuple[str, dict, int]]) -> list[StagedChange]:
        current = {key: (ind, old) for key, ind, old in existing_indicators(self.target)}
        names = _Names(self.sub)
        out = []
        for key, data, _region_id in updates:
            ind, old = current[key]
            out.append(
                StagedChange(
                    job=self.job,
                    object_id=ind.pk,
                    revision=ind.revision,
                    payload={"data": data},
                    changes={
                        k: [_display(k, old.get(k), names), _display(k, data.get(k), names)]
                        for k in data
                        if old.get(k) != data.get(k)
                    },
                    region_path=self.sub.path,
                )
            )
        return out

    def apply(self, changes: list[StagedChange]) -> int:
        done = 0
        inds = {i.pk: i for i in Indicator.objects.select_for_update().filter(pk__in=[c.object_id for c in changes])}
        for c in changes:
            ind = inds.get(c.object_id)
            if ind is None or ind.revision != c.revision or ind.archived_at is not None:
                continue
            data = c.payload["data"]
            task = self._task(self._goal(data["goals"]), data)
            _set_indicator(ind, data)
            ind.task = task
            ind.revision += 1
            ind.save()
            _set_shares(ind, data, self.sub.pk)
            done += 1
        return done

    def discard(self) -> None:
        """Nothing to remove: a targets import is written in one transaction, taken back whole on failure."""


def _set_task(task: Task, data: dict) -> None:
    """A task's responsibilities as the document says (the last row of a task names them for the task)."""
    wanted = (data["leader"], data["lead_unit"], data["owner"])
    if (task.leader_id, task.lead_unit_id, task.owner_id) != wanted:
        task.leader_id, task.lead_unit_id, task.owner_id = wanted
        task.revision += 1
        task.save()
    task.assisting_units.set(data["assisting"])


def _set_indicator(ind: Indicator, data: dict) -> None:
    ind.unit = data["unit"]
    ind.target = Decimal(data["target"])
    ind.target_state = TargetState.SET
    ind.cumulative = data["cumulative"]
    ind.deadline = datetime.date.fromisoformat(data["deadline"]) if data["deadline"] else None
    if data["shares"]:
        ind.decomposition = Decomposition.VILLAGES


def _set_shares(ind: Indicator, data: dict, subdistrict_id: int) -> None:
    if not data["shares"] and ind.decomposition != Decomposition.VILLAGES:
        return
    wanted = {int(k): Decimal(v) for k, v in data["shares"].items()}
    existing = {s.region_id: s for s in ind.shares.filter(region__isnull=False)}
    for region_id, value in wanted.items():
        share = existing.pop(region_id, None) or Share(
            indicator=ind, subdistrict_id=subdistrict_id, region_id=region_id
        )
        share.target = value
        share.save()
    Share.objects.filter(pk__in=[s.pk for s in existing.values()]).update(target=Decimal(0))
    total = sum(wanted.values(), Decimal(0))
    note = "" if total == ind.target or not wanted else f"导入：分解合计 {_num(total)}，目标值 {_num(ind.target)}"
    Indicator.objects.filter(pk=ind.pk).update(decomposition_note=note)


def _display(key: str, value: Any, names: _Names) -> Any:
    if value is None:
        return None
    if key in ("leader", "owner"):
        return names.person_names.get(value, value)
    if key == "lead_unit":
        return names.unit_names.get(value, value)
    if key == "assisting":
        return "、".join(str(names.unit_names.get(v, v)) for v in value)
    if key == "shares":
        ids = [int(k) for k in value]
        regions = dict(Region.objects.filter(pk__in=ids).values_list("pk", "name"))
        return {regions.get(int(k), k): v for k, v in value.items()}
    return value


TARGETS = register(TargetsImporter())
