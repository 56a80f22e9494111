"""A subdistrict's construction projects, their monthly figures and the tax bureau's receipts as importers of the one
import pipeline (zhili/imports/registry.py). Each imports into a subdistrict (the target is its Region; rights are
`policy.manage_projects` of its TaxSetup) and is written in one transaction (`batchable = False`), so nothing is
ever half-imported; every write refreshes the expected taxes (`monitor.refresh`) of the projects whose facts or
months it changed, inside that transaction.

- **项目台账** (`PROJECTS`): one row per project, keyed by 项目名称. The contractor (施工单位) is found or made by
  its unified social credit code within the subdistrict (its name and registration place follow the file); the
  project's relation to the contractor's registration place (same county, same city …) is derived from the
  setup's county code (`taxes.relation`). 合同金额 and 计划总投资 are in 万元 ("1,234.5万" is 1,234.5).
- **月度数据** (`MONTHS`): one row per project and month (项目名称 + 月份), the project matched by name; a month
  outside the project's life (before its start month, after its finish month) is an error; subcontract payments
  above receipts are only a warning (the base is carried forward, taxes.py).
- **税收入库明细** (`RECEIPTS`): one row per receipt, matched to an enterprise by 纳税人识别号 and to a project
  by the name in 项目名称 (exact, normalised, or contained) or else by the enterprise's only project. A receipt
  nobody matches is kept (a warning: 列入未匹配), never dropped. Its key (taxpayer, tax, period, project name,
  amount) finds the same receipt twice, in one file (an error naming the other row) or across imports (unchanged).
"""

from __future__ import annotations

import datetime
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.core import clock
from zhili.excel import values as xv
from zhili.imports.models import ImportJob, StagedChange
from zhili.imports.pipeline import ImportConflict
from zhili.imports.registry import CleanedRow, Column, Importer, RowProblem, Urls, register
from zhili.people import policy
from zhili.projects import monitor, queries, taxes
from zhili.projects.models import (
    MANAGEMENT_CHOICES,
    METHOD_CHOICES,
    Enterprise,
    Project,
    ProjectMonth,
    ProjectStatus,
    TaxKind,
    TaxReceipt,
    TaxSetup,
)
from zhili.regions import history
from zhili.regions.models import Region, path_prefix_q

PROJECTS = "projects"
MONTHS = "project_months"
RECEIPTS = "tax_receipts"
KINDS = {"ledger": PROJECTS, "monthly": MONTHS, "receipts": RECEIPTS}  # the pages' word for each importer

ZERO = Decimal(0)
EXAMPLE = "示例"  # the templates' example row starts so: left in a filled template, it is refused, never imported


Problem = RowProblem
Row = CleanedRow


# ---- values -----------------------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\u3000]+")
_MONTH = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*(?:月份?)?")
_MONTH_COMPACT = re.compile(r"(\d{4})(\d{2})")
_RANGE = re.compile(r"\s*(?:至|到|~|～|—|--)\s*")
MONTH_HINT = "请写成 2020-05 或 2020年5月"


def norm(text: str) -> str:
    """A name as it is compared: full-width → half-width, no spaces, case-folded."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _text(raw: Any, limit: int = 200) -> str:
    try:
        return xv.parse_text(raw, max_length=limit).value or ""
    except xv.ValueProblem:
        return str(raw).strip()[:limit]


def parse_month(raw: Any) -> datetime.date | None:
    """The first day of the month a cell names: 2020-05, 2020/5, 2020年5月, 202005, a date (its month), an Excel
    date; a period written as a range (2020-05-01至2020-05-31) by its start. None for an empty cell."""
    if raw is None:
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date().replace(day=1)
    if isinstance(raw, datetime.date):
        return raw.replace(day=1)
    if isinstance(raw, bool):
        raise xv.ValueProblem(_("「%(v)s」不是月份，%(hint)s。") % {"v": raw, "hint": MONTH_HINT})
    if isinstance(raw, float) and not math.isfinite(raw):
        raise xv.ValueProblem(_("「%(v)s」不是月份，%(hint)s。") % {"v": raw, "hint": MONTH_HINT})
    if isinstance(raw, float) and not raw.is_integer():
        raise xv.ValueProblem(
            _("月份「%(v)s」被 Excel 存成了小数，分不清是 1 月还是 10 月，%(hint)s（设置为“文本”格式）。")
            % {"v": raw, "hint": MONTH_HINT}
        )
    if isinstance(raw, int | float):
        n = int(raw)
        if 190001 <= n <= 210012:
            return _month(n // 100, n % 100, raw)
        return xv.parse_date(raw).value.replace(day=1)
    s = unicodedata.normalize("NFKC", str(raw)).strip()
    if not s or s in ("-", "/", "—"):
        return None
    s = _RANGE.split(s)[0]
    squeezed = _SPACES.sub("", s)
    m = _MONTH.fullmatch(squeezed) or _MONTH_COMPACT.fullmatch(squeezed)
    if m:
        return _month(int(m.group(1)), int(m.group(2)), raw)
    try:
        day = xv.parse_date(squeezed).value
    except xv.ValueProblem:
        raise xv.ValueProblem(_("「%(v)s」不是月份，%(hint)s。") % {"v": raw, "hint": MONTH_HINT}) from None
    return day.replace(day=1) if day else None


def _month(year: int, month: int, raw: Any) -> datetime.date:
    if not 1900 <= year <= 2100 or not 1 <= month <= 12:
        raise xv.ValueProblem(_("「%(v)s」不是有效的月份，%(hint)s。") % {"v": raw, "hint": MONTH_HINT})
    return datetime.date(year, month, 1)


def _ym(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


def _num(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(Decimal('0.01'))}"


def _amount(out: Row, label: str, raw: Any, unit: str, column_unit: str | None, *, negative: bool = False):
    """A money amount in `unit`, or None (empty or an error, said on the row)."""
    try:
        parsed = xv.parse_decimal(raw, decimals=2, unit=unit, column_unit=column_unit)
    except xv.ValueProblem as exc:
        out.error(label, raw, str(exc))
        return None
    if parsed.warning:
        out.warn(label, raw, parsed.warning)
    if parsed.value is not None and parsed.value < 0 and not negative:
        out.error(label, raw, _("金额不能为负数。"))
        return None
    return parsed.value


def _villages(sub: Region) -> dict[str, Region]:
    return {v.name: v for v in history.on_day(sub, clock.today())}


# ---- what the three share ---------------------------------------------------------------------------------


class _SubdistrictImporter(Importer):
    """Imports into a subdistrict: the target is its Region, rights are `policy.manage_projects` of its setup."""

    where = "街道（乡镇）"
    batchable = False
    kind = ""  # the pages' word: ledger, monthly, receipts
    column_list: list[Column] = []

    def columns(self, sub: Region) -> list[Column]:
        return self.column_list

    def target(self, job: ImportJob) -> Region:
        cached = job.__dict__.get("_subdistrict")
        if cached is None or cached.pk != job.target_id:
            cached = job.__dict__["_subdistrict"] = Region.objects.get(pk=job.target_id)
        return cached

    def region(self, sub: Region) -> Region:
        return sub

    def name(self, sub: Region) -> str:
        return f"{sub.name}{self.label}"

    def urls(self, sub: Region) -> Urls:
        kind, code = self.kind, sub.code
        return Urls(
            target=reverse("projects:import", args=[kind, code]),
            upload=reverse("projects:import", args=[kind, code]),
            job=lambda pk: reverse("projects:import_job", args=[kind, code, pk]),
            rejected=lambda pk: reverse("projects:import_rejected", args=[kind, code, pk]),
        )

    def setup(self, sub: Region) -> TaxSetup:
        return queries.setup_of(sub)

    def may_import(self, scope, sub: Region) -> bool:
        return policy.manage_projects(scope, self.setup(sub))

    def may_write(self, scope, sub: Region, region: Region) -> bool:
        return policy.manage_projects(scope, self.setup(sub))

    def region_label(self, sub: Region) -> str:
        return "所在村"

    def regions(self, sub: Region) -> dict[int, Region]:
        return {r.pk: r for r in Region.objects.filter(path_prefix_q("path", sub.path))}

    def plan_parts(self, sub: Region, scope) -> list:
        # what a row's outcome depends on besides the file: the setup, the villages, the projects and enterprises
        setup = self.setup(sub)
        return [
            sub.pk,
            setup.county_code,
            setup.location_class,
            sorted((v.pk, name) for name, v in _villages(sub).items()),
            sorted(
                Project.objects.filter(subdistrict=sub)
                .values_list("pk", "name", "revision", "start", "finish", "archived_at")
                .order_by("pk")
            ),
            sorted(
                Enterprise.objects.filter(subdistrict=sub)
                .values_list("pk", "uscc", "revision", "archived_at")
                .order_by("pk")
            ),
        ]


class _Writer:
    """Adds and updates within the pipeline's one transaction; `discard` has nothing to remove."""

    model: Any = None

    def __init__(self, job, sub: Region, actor, now):
        self.job, self.sub, self.actor, self.now = job, sub, actor, now
        self.setup = queries.setup_of(sub)

    def stage(self, updates: list[tuple[str, dict, int]]) -> list[StagedChange]:
        current = self.current({key for key, _, _ in updates})
        out = []
        for key, data, _region_id in updates:
            if key not in current:  # archived or renamed since the preview read it
                raise ImportConflict(
                    _(
                        "导入期间有记录被他人修改或归档，为避免覆盖对方的修改，未写入任何数据。请重新上传文件预览后再导入。"
                    )
                )
            pk, revision, old, path = current[key]
            out.append(
                StagedChange(
                    job=self.job,
                    object_id=pk,
                    revision=revision,
                    payload={"data": data},
                    changes=self.changes(old, data),
                    region_path=path,
                )
            )
        return out

    def changes(self, old: dict, new: dict) -> dict:
        """The audit entry's old → new, ids shown by their names."""
        return {k: [self.show(k, old.get(k)), self.show(k, new.get(k))] for k in new if old.get(k) != new.get(k)}

    names: dict[str, Any] = {}  # field key → model whose name an id there stands for

    def show(self, key: str, value: Any) -> Any:
        model = self.names.get(key)
        if model is None or value is None:
            return value
        cache = self.__dict__.setdefault("_names", {})
        if (key, value) not in cache:
            cache[(key, value)] = model.objects.filter(pk=value).values_list("name", flat=True).first() or value
        return cache[(key, value)]

    def discard(self) -> None:
        """Nothing to remove: these imports are written in one transaction, taken back whole on failure."""

    def current(self, keys: set[str]) -> dict[str, tuple[int, int, dict, str]]:
        raise NotImplementedError


# ---- 项目台账 -----------------------------------------------------------------------------------------------

METHOD_LABELS = {str(label): value for value, label in METHOD_CHOICES}
MANAGEMENT_LABELS = {str(label): value for value, label in MANAGEMENT_CHOICES}
STATUS_LABELS = {str(label): value for value, label in ProjectStatus.choices}
# what offices also write
METHOD_LABELS |= {"一般计税方法": "general", "简易计税方法": "simple", "小规模": "small_scale", "简易征收": "simple"}
MANAGEMENT_LABELS |= {"总机构直接管理": "head_office", "总公司直管": "head_office", "分支机构": "branch"}
STATUS_LABELS |= {"在施": "building", "施工": "building", "停建": "paused", "已竣工": "finished", "完工": "finished"}
STATUS_LABELS |= {"未开工": "planned", "待开工": "planned", "拟开工": "planned"}

PROJECT_COLUMNS = [
    Column("name", ("项目名称", "工程名称", "项目全称", "项目"), required=True),
    Column("village", ("所在村", "所在村（社区）", "项目所在村", "所在村居", "村（社区）", "村居", "所在地")),
    Column("owner", ("建设单位", "业主单位", "建设方")),
    Column("contractor", ("施工单位", "施工企业", "承建单位", "总包单位", "施工单位名称"), required=True),
    Column(
        "uscc",
        ("施工单位统一社会信用代码", "统一社会信用代码", "施工单位信用代码", "社会信用代码", "信用代码"),
        required=True,
    ),
    Column("county", ("施工单位注册地", "注册地", "施工单位注册地代码", "注册地区划代码", "注册地代码"), required=True),
    Column("management", ("项目部管理方式", "管理方式", "项目部管理")),
    Column("method", ("计税方法", "计税方式", "增值税计税方法")),
    Column("contract", ("合同金额(万元)", "合同金额", "合同价", "合同额", "中标金额")),
    Column("planned", ("计划总投资(万元)", "计划总投资", "总投资", "项目总投资"), required=True),
    Column("start", ("开工日期", "开工时间", "实际开工日期")),
    Column("finish", ("竣工日期", "竣工时间", "完工日期", "计划竣工日期")),
    Column("status", ("项目状态", "状态", "建设状态")),
    Column("registered", ("是否已入库", "已入库", "是否入库", "入库")),
]
PROJECT_LABELS = {c.key: c.label for c in PROJECT_COLUMNS}


def project_data(p: Project) -> dict:
    """A project as the cleaner would read it back from its row (to tell "unchanged" from "update")."""
    e = p.contractor
    return {
        "name": p.name,
        "village": p.region_id,
        "owner": p.owner_name,
        "contractor": e.name,
        "uscc": e.uscc,
        "county": e.county_code,
        "management": p.management,
        "method": p.method,
        "contract": _num(p.contract_amount),
        "planned": _num(p.planned_investment),
        "start": p.start.isoformat() if p.start else None,
        "finish": p.finish.isoformat() if p.finish else None,
        "status": p.status,
        "registered": p.registered,
    }


class ProjectCleaner:
    keys = [c.key for c in PROJECT_COLUMNS]
    key = ["name"]
    key_label = "项目名称"

    def __init__(self, sub: Region, setup: TaxSetup, units: dict[str, str | None]):
        self.sub, self.setup, self.units = sub, setup, units
        self.matcher = xv.RegionMatcher(_villages(sub))
        self.own_names = {norm(sub.name), norm(xv.region_stem(sub.name))}  # a project of the subdistrict itself
        self.today = clock.today()

    def _choice(self, out: Row, label: str, raw: Any, labels: dict[str, str]) -> str | None:
        try:
            text = xv.parse_choice(raw, list(labels)).value
        except xv.ValueProblem as exc:
            out.error(label, raw, str(exc))
            return None
        return labels[text] if text else None

    def clean_cells(self, cells: list) -> Row:
        raw = dict(zip(self.keys, cells, strict=True))
        out = Row(region=self.sub, key_label=self.key_label)
        name = _text(raw["name"])
        if not name:
            out.error("项目名称", raw["name"], _("项目名称不能为空。"))
        elif name.startswith(EXAMPLE):
            out.error("项目名称", raw["name"], _("这是模板中的示例行，请删除后再导入。"))
        region = self.sub
        if _text(raw["village"]) and norm(_text(raw["village"])) not in self.own_names:
            try:
                region = self.matcher.match(raw["village"]).value or self.sub
            except xv.ValueProblem as exc:
                out.error("所在村", raw["village"], str(exc))
        contractor = _text(raw["contractor"])
        if not contractor:
            out.error("施工单位", raw["contractor"], _("施工单位不能为空。"))
        uscc = None
        try:
            uscc = xv.parse_uscc(raw["uscc"]).value
            if uscc is None:
                out.error(PROJECT_LABELS["uscc"], raw["uscc"], _("施工单位统一社会信用代码不能为空。"))
        except xv.ValueProblem as exc:
            out.error(PROJECT_LABELS["uscc"], raw["uscc"], str(exc))
        county = None
        try:
            parsed = xv.parse_county(raw["county"])
            county = parsed.value
            if county is None:
                out.error("施工单位注册地", raw["county"], _("施工单位注册地不能为空：请填写 6 位县级区划代码。"))
            elif parsed.warning:
                out.warn("施工单位注册地", raw["county"], parsed.warning)
        except xv.ValueProblem as exc:
            out.error("施工单位注册地", raw["county"], str(exc))
        if not self.setup.county_code:
            out.error(
                "施工单位注册地",
                raw["county"],
                _(
                    "尚未设置本街道（乡镇）项目所在县（区）的代码，无法判断施工单位是否在本地预缴，请先在税源监控设置中填写。"
                ),
            )
        management = self._choice(out, "项目部管理方式", raw["management"], MANAGEMENT_LABELS)
        if management is None and _text(raw["management"]) == "":
            management = taxes.Management.BRANCH.value
        method = self._choice(out, "计税方法", raw["method"], METHOD_LABELS)
        if method is None and _text(raw["method"]) == "":
            method = taxes.Method.GENERAL.value
            out.warn("计税方法", raw["method"], _("未填写计税方法，按“一般计税”计算，请核对。"))
        contract = _amount(out, PROJECT_LABELS["contract"], raw["contract"], "万元", self.units.get("contract"))
        planned = _amount(out, PROJECT_LABELS["planned"], raw["planned"], "万元", self.units.get("planned"))
        if planned is None and not any(p.label == PROJECT_LABELS["planned"] for p in out.errors):
            out.error(PROJECT_LABELS["planned"], raw["planned"], _("计划总投资不能为空。"))
        dates = {}
        for key, label in (("start", "开工日期"), ("finish", "竣工日期")):
            try:
                dates[key] = xv.parse_date(raw[key]).value
            except xv.ValueProblem as exc:
                out.error(label, raw[key], str(exc))
                dates[key] = None
        start, finish = dates["start"], dates["finish"]
        if start and finish and finish < start:
            out.error(
                "竣工日期",
                raw["finish"],
                _("竣工日期 %(finish)s 早于开工日期 %(start)s，请核对。")
                % {"finish": finish.isoformat(), "start": start.isoformat()},
            )
        status = self._choice(out, "项目状态", raw["status"], STATUS_LABELS)
        if status is None and _text(raw["status"]) == "":
            if finish and finish <= self.today:
                status = ProjectStatus.FINISHED.value
            elif start and start <= self.today:
                status = ProjectStatus.BUILDING.value
            else:
                status = ProjectStatus.PLANNED.value
        try:
            registered = bool(xv.parse_yes_no(raw["registered"]).value)
        except xv.ValueProblem as exc:
            out.error("是否已入库", raw["registered"], str(exc))
            registered = False
        out.region = region
        if out.errors:
            return out
        assert county is not None
        out.key_value = out.key_display = name
        out.data = {
            "name": name,
            "village": region.pk,
            "owner": _text(raw["owner"]),
            "contractor": contractor,
            "uscc": uscc,
            "county": county.code,
            "management": management,
            "method": method,
            "contract": _num(contract),
            "planned": _num(planned),
            "start": start.isoformat() if start else None,
            "finish": finish.isoformat() if finish else None,
            "status": status,
            "registered": registered,
        }
        return out


class ProjectsImporter(_SubdistrictImporter):
    key = PROJECTS
    kind = "ledger"
    label = "项目台账"
    audit_action = "projects.import"
    row_audit_action = "project.import"
    row_model = Project
    column_list = PROJECT_COLUMNS

    def cleaner(self, sub: Region, scope, units) -> ProjectCleaner:
        return ProjectCleaner(sub, self.setup(sub), units)

    def existing(self, sub: Region) -> Iterable[tuple[str, int, dict, int]]:
        for p in Project.objects.active().filter(subdistrict=sub).select_related("contractor"):
            yield p.name, p.pk, project_data(p), p.region_id

    def writer(self, job, sub, actor, now, allowed: Callable[[int], bool]) -> ProjectWriter:
        return ProjectWriter(job, sub, actor, now)

    def row_repr(self, sub: Region, object_id: int) -> str:
        return Project.objects.filter(pk=object_id).values_list("name", flat=True).first() or f"#{object_id}"


class ProjectWriter(_Writer):
    names = {"village": Region}

    def __init__(self, job, sub, actor, now):
        super().__init__(job, sub, actor, now)
        self.enterprises: dict[str, Enterprise] | None = None
        self.moved: set[int] = set()  # contractors whose registration place changed: all their projects follow

    def enterprise(self, data: dict) -> Enterprise:
        """The contractor by its USCC within the subdistrict, made when new; its name and registration place as
        the file says."""
        if self.enterprises is None:
            self.enterprises = {e.uscc: e for e in Enterprise.objects.active().filter(subdistrict=self.sub)}
        e = self.enterprises.get(data["uscc"])
        if e is None:
            e = Enterprise.objects.create(
                subdistrict=self.sub,
                region=self.sub,
                name=data["contractor"],
                uscc=data["uscc"],
                county_code=data["county"],
                import_job=self.job,
            )
            self.enterprises[e.uscc] = e
        elif (e.name, e.county_code) != (data["contractor"], data["county"]):
            if e.county_code != data["county"]:
                self.moved.add(e.pk)
            e.name, e.county_code = data["contractor"], data["county"]
            e.revision += 1
            e.save(update_fields=["name", "county_code", "revision", "modified_at"])
        return e

    def fill(self, p: Project, data: dict) -> None:
        e = self.enterprise(data)
        p.region_id = data["village"]
        p.name = data["name"]
        p.owner_name = data["owner"]
        p.contractor = e
        p.management = data["management"]
        p.method = data["method"]
        p.relation = taxes.relation(self.setup.county_code, e.county_code).value
        p.contract_amount = Decimal(data["contract"]) if data["contract"] is not None else None
        p.planned_investment = Decimal(data["planned"])
        p.start = datetime.date.fromisoformat(data["start"]) if data["start"] else None
        p.finish = datetime.date.fromisoformat(data["finish"]) if data["finish"] else None
        p.status = data["status"]
        p.registered = data["registered"]
        p.import_job = self.job

    def add(self, rows: list[tuple[int, str, str]]) -> None:
        ids = []
        for _region_id, data_json, _key in rows:
            p = Project(subdistrict=self.sub)
            self.fill(p, json.loads(data_json))
            p.save()
            ids.append(p.pk)
        monitor.refresh([*ids, *self.follow(exclude=ids)])

    def follow(self, exclude: Iterable[int] = ()) -> list[int]:
        """The other projects of contractors whose registration place changed: their relation derived again (the
        caller refreshes their expected taxes)."""
        if not self.moved:
            return []
        out = []
        qs = Project.objects.filter(contractor_id__in=self.moved).exclude(pk__in=list(exclude))
        for p in qs.select_related("contractor"):
            relation = taxes.relation(self.setup.county_code, p.contractor.county_code).value
            if p.relation != relation:
                Project.objects.filter(pk=p.pk).update(relation=relation)  # derived: not an edit, no revision
                out.append(p.pk)
        self.moved.clear()
        return out

    def current(self, keys: set[str]) -> dict[str, tuple[int, int, dict, str]]:
        qs = Project.objects.active().filter(subdistrict=self.sub, name__in=keys).select_related("contractor", "region")
        return {p.name: (p.pk, p.revision, project_data(p), p.region.path) for p in qs}

    def apply(self, changes: list[StagedChange]) -> int:
        projects = {p.pk: p for p in Project.objects.select_for_update().filter(pk__in=[c.object_id for c in changes])}
        done = []
        for c in changes:
            p = projects.get(c.object_id)
            if p is None or p.revision != c.revision or p.archived_at is not None:
                continue
            self.fill(p, c.payload["data"])
            p.revision += 1
            p.save()
            done.append(p.pk)
        monitor.refresh([*done, *self.follow(exclude=done)])
        return len(done)


# ---- 月度数据 -----------------------------------------------------------------------------------------------

MONTH_COLUMNS = [
    Column("name", ("项目名称", "工程名称", "项目"), required=True),
    Column("month", ("月份", "所属月份", "年月", "统计月份", "月度"), required=True),
    Column("received", ("本月收款(元)", "本月收款", "本月收款额", "收款金额", "本月收到工程款")),
    Column("subcontract", ("本月支付分包款(元)", "本月支付分包款", "支付分包款", "分包款", "本月分包款")),
    Column("investment", ("本月完成投资(万元)", "本月完成投资", "完成投资", "本月完成投资额")),
]
MONTH_LABELS = {c.key: c.label for c in MONTH_COLUMNS}


def month_key(project_name: str, month: datetime.date) -> str:
    return f"{project_name}｜{_ym(month)}"


@dataclass(frozen=True)
class _Known:
    pk: int
    name: str
    region: Region | None
    region_id: int
    contractor_id: int
    start: datetime.date | None
    finish: datetime.date | None
    status: str


class _Projects:
    """The subdistrict's active projects by name (as typed, and normalised), read once per file."""

    def __init__(self, sub: Region):
        regions = {r.pk: r for r in Region.objects.filter(path_prefix_q("path", sub.path))}
        self.all = [
            _Known(pk, name, regions.get(region_id), region_id, contractor_id, start, finish, status)
            for pk, name, region_id, contractor_id, start, finish, status in Project.objects.active()
            .filter(subdistrict=sub)
            .values_list("pk", "name", "region_id", "contractor_id", "start", "finish", "status")
        ]
        self.exact = {p.name: p for p in self.all}
        self.normal = {norm(p.name): p for p in self.all}

    def find(self, text: str) -> _Known | None:
        return self.exact.get(text) or self.normal.get(norm(text))


class MonthCleaner:
    keys = [c.key for c in MONTH_COLUMNS]
    key = ["name", "month"]
    key_label = "项目名称和月份"

    def __init__(self, sub: Region, units: dict[str, str | None]):
        self.sub, self.units = sub, units
        self.projects = _Projects(sub)

    def clean_cells(self, cells: list) -> Row:
        name_raw, month_raw, received_raw, subcontract_raw, investment_raw = cells
        out = Row(region=self.sub, key_label=self.key_label)
        name = _text(name_raw)
        project = None
        if not name:
            out.error("项目名称", name_raw, _("项目名称不能为空。"))
        elif name.startswith(EXAMPLE):
            out.error("项目名称", name_raw, _("这是模板中的示例行，请删除后再导入。"))
        else:
            project = self.projects.find(name)
            if project is None:
                out.error(
                    "项目名称",
                    name_raw,
                    _("项目“%(name)s”不在本街道（乡镇）的项目台账中：请核对名称，或先导入项目台账。") % {"name": name},
                )
        month = None
        try:
            month = parse_month(month_raw)
            if month is None:
                out.error("月份", month_raw, _("月份不能为空，%(hint)s。") % {"hint": MONTH_HINT})
        except xv.ValueProblem as exc:
            out.error("月份", month_raw, str(exc))
        if project is not None and month is not None:
            if project.start and month < project.start.replace(day=1):
                out.error(
                    "月份",
                    month_raw,
                    _("%(month)s 早于项目“%(name)s”的开工日期 %(start)s，请核对月份或项目台账中的开工日期。")
                    % {"month": _ym(month), "name": project.name, "start": project.start.isoformat()},
                )
            if project.finish and month > project.finish.replace(day=1):
                out.error(
                    "月份",
                    month_raw,
                    _("%(month)s 晚于项目“%(name)s”的竣工日期 %(finish)s，请核对月份或项目台账中的竣工日期。")
                    % {"month": _ym(month), "name": project.name, "finish": project.finish.isoformat()},
                )
        received = _amount(out, MONTH_LABELS["received"], received_raw, "元", self.units.get("received"))
        subcontract = _amount(out, MONTH_LABELS["subcontract"], subcontract_raw, "元", self.units.get("subcontract"))
        investment = _amount(out, MONTH_LABELS["investment"], investment_raw, "万元", self.units.get("investment"))
        if received is not None and subcontract is not None and subcontract > received:
            out.warn(
                MONTH_LABELS["subcontract"],
                subcontract_raw,
                _("本月支付分包款 %(sub)s 元大于本月收款 %(rec)s 元：差额结转以后月份抵减，不是错误，请核对。")
                % {"sub": _num(subcontract), "rec": _num(received)},
            )
        if out.errors or project is None or month is None:
            return out
        out.region = project.region or self.sub
        out.key_value = month_key(project.name, month)
        out.key_display = f"{project.name} {_ym(month)}"
        out.data = {
            "project": project.pk,
            "month": month.isoformat(),
            "received": _num(received or ZERO),
            "subcontract": _num(subcontract or ZERO),
            "investment": _num(investment or ZERO),
        }
        return out


def month_data(m: ProjectMonth) -> dict:
    return {
        "project": m.project_id,
        "month": m.month.isoformat(),
        "received": _num(m.received),
        "subcontract": _num(m.subcontract),
        "investment": _num(m.investment),
    }


def _months(sub: Region, names: set[str] | None = None):
    qs = ProjectMonth.objects.filter(project__subdistrict=sub, project__archived_at__isnull=True)
    if names is not None:
        qs = qs.filter(project__name__in=names)
    return qs.select_related("project__region")


class MonthsImporter(_SubdistrictImporter):
    key = MONTHS
    kind = "monthly"
    label = "项目月度数据"
    audit_action = "project_months.import"
    row_audit_action = "project_month.import"
    row_model = ProjectMonth
    column_list = MONTH_COLUMNS

    def cleaner(self, sub: Region, scope, units) -> MonthCleaner:
        return MonthCleaner(sub, units)

    def existing(self, sub: Region) -> Iterable[tuple[str, int, dict, int]]:
        for m in _months(sub):
            yield month_key(m.project.name, m.month), m.pk, month_data(m), m.project.region_id

    def writer(self, job, sub, actor, now, allowed: Callable[[int], bool]) -> MonthWriter:
        return MonthWriter(job, sub, actor, now)

    def row_repr(self, sub: Region, object_id: int) -> str:
        m = ProjectMonth.objects.filter(pk=object_id).select_related("project").first()
        return f"{m.project.name} {_ym(m.month)}" if m else f"#{object_id}"


class MonthWriter(_Writer):
    names = {"project": Project}

    def add(self, rows: list[tuple[int, str, str]]) -> None:
        made = []
        for _region_id, data_json, _key in rows:
            data = json.loads(data_json)
            made.append(
                ProjectMonth(
                    project_id=data["project"],
                    subdistrict_id=self.sub.pk,
                    month=datetime.date.fromisoformat(data["month"]),
                    received=Decimal(data["received"]),
                    subcontract=Decimal(data["subcontract"]),
                    investment=Decimal(data["investment"]),
                    import_job=self.job,
                )
            )
        ProjectMonth.objects.bulk_create(made, batch_size=1000)
        monitor.refresh({m.project_id for m in made})

    def current(self, keys: set[str]) -> dict[str, tuple[int, int, dict, str]]:
        names = {k.rsplit("｜", 1)[0] for k in keys}
        return {
            month_key(m.project.name, m.month): (m.pk, m.revision, month_data(m), m.project.region.path)
            for m in _months(self.sub, names)
        }

    def apply(self, changes: list[StagedChange]) -> int:
        months = {
            m.pk: m for m in ProjectMonth.objects.select_for_update().filter(pk__in=[c.object_id for c in changes])
        }
        done = []
        for c in changes:
            m = months.get(c.object_id)
            if m is None or m.revision != c.revision:
                continue
            data = c.payload["data"]
            m.received = Decimal(data["received"])
            m.subcontract = Decimal(data["subcontract"])
            m.investment = Decimal(data["investment"])
            m.import_job = self.job
            m.revision += 1
            m.modified_at = self.now
            done.append(m)
        ProjectMonth.objects.bulk_update(
            done, ["received", "subcontract", "investment", "import_job", "revision", "modified_at"], batch_size=1000
        )
        monitor.refresh({m.project_id for m in done})
        return len(done)


# ---- 税收入库明细 -------------------------------------------------------------------------------------------

TAX_LABELS = {str(label): value for value, label in TaxKind.choices}
TAX_ALIASES = {
    "城建税": "城市维护建设税",
    "城市建设维护税": "城市维护建设税",
    "教育附加": "教育费附加",
    "地方教育费附加": "地方教育附加",
    "地方教育附加费": "地方教育附加",
    "所得税": "企业所得税",
    "企业所得税预缴": "企业所得税",
    "增值税预缴": "增值税",
    "预缴增值税": "增值税",
}

RECEIPT_COLUMNS = [
    Column("taxpayer_id", ("纳税人识别号", "纳税人识别号(统一社会信用代码)", "统一社会信用代码", "社会信用代码"), True),
    Column("taxpayer_name", ("纳税人名称", "企业名称", "纳税人")),
    Column("tax", ("税种", "征收项目", "税种名称"), required=True),
    Column("period", ("所属期", "税款所属期", "所属月份", "税款所属期起", "所属期起"), required=True),
    Column("amount", ("实缴金额(元)", "实缴金额", "实缴税额", "入库金额", "实缴(退)金额", "税额"), required=True),
    Column("project_name", ("项目名称", "备注", "项目", "工程名称")),
]
RECEIPT_LABELS = {c.key: c.label for c in RECEIPT_COLUMNS}


def receipt_key(taxpayer_id: str, tax: str, period: datetime.date, project_name: str, amount: str) -> str:
    return "｜".join((taxpayer_id, tax, _ym(period), norm(project_name), amount))


class ReceiptCleaner:
    keys = [c.key for c in RECEIPT_COLUMNS]
    key = ["taxpayer_id", "tax", "period", "project_name", "amount"]
    key_label = "纳税人识别号、税种、所属期、项目名称和实缴金额"

    def __init__(self, sub: Region, units: dict[str, str | None]):
        self.sub, self.units = sub, units
        self.projects = _Projects(sub)
        self.enterprises = {
            uscc: (pk, region_id, name)
            for pk, uscc, region_id, name in Enterprise.objects.active()
            .filter(subdistrict=sub)
            .values_list("pk", "uscc", "region_id", "name")
        }
        self.by_contractor: dict[int, list[_Known]] = {}
        for p in self.projects.all:
            self.by_contractor.setdefault(p.contractor_id, []).append(p)
        self.regions = {r.pk: r for r in Region.objects.filter(path_prefix_q("path", sub.path))}
        self._memo: dict[tuple[str, int | None], _Known | None] = {}

    def _named(self, text: str, candidates: list[_Known], enterprise_pk: int | None) -> _Known | None:
        """The project `text` names: exactly, normalised, or the one project whose name the note contains (or the
        one whose name contains the note) — among `candidates` (the enterprise's) first. Remembered per note and
        enterprise: a bureau's file repeats them."""
        memo = (text, enterprise_pk)
        if memo in self._memo:
            return self._memo[memo]
        found = self.projects.find(text)
        if found is None:
            key = norm(text)
            for pool in (candidates, self.projects.all):
                hits = [p for p in pool if len(norm(p.name)) >= 2 and (norm(p.name) in key or key in norm(p.name))]
                if len(hits) == 1:
                    found = hits[0]
                    break
        if len(self._memo) < 10_000:
            self._memo[memo] = found
        return found

    def _project(self, out: Row, text: str, enterprise_pk: int | None, period: datetime.date) -> _Known | None:
        own = self.by_contractor.get(enterprise_pk, []) if enterprise_pk else []
        if text:
            found = self._named(text, own, enterprise_pk)
            if found is not None:
                return found
        if len(own) == 1:
            if text:
                out.warn(
                    "项目名称",
                    text,
                    _("没有名为“%(text)s”的项目，已按该企业唯一的项目“%(name)s”匹配，请核对。")
                    % {"text": text, "name": own[0].name},
                )
            return own[0]
        active = [
            p
            for p in own
            if (p.start is None or p.start.replace(day=1) <= period)
            and (p.finish is None or p.finish.replace(day=1) >= period)
        ]
        if len(active) == 1:
            return active[0]
        if own:  # an enterprise without projects (a key enterprise's own taxes) is matched to it alone
            out.warn(
                "项目名称",
                text,
                _("该企业在本街道（乡镇）有 %(n)s 个项目，无法确定属于哪个项目，已列入未匹配项目：请在项目名称中注明。")
                % {"n": len(own)},
            )
        return None

    def clean_cells(self, cells: list) -> Row:
        raw = dict(zip(self.keys, cells, strict=True))
        out = Row(region=self.sub, key_label=self.key_label)
        taxpayer_id = None
        try:
            taxpayer_id = xv.parse_uscc(raw["taxpayer_id"]).value
            if taxpayer_id is None:
                out.error("纳税人识别号", raw["taxpayer_id"], _("纳税人识别号不能为空。"))
        except xv.ValueProblem as exc:
            out.error("纳税人识别号", raw["taxpayer_id"], str(exc))
        taxpayer_name = _text(raw["taxpayer_name"])
        if taxpayer_name.startswith(EXAMPLE):
            out.error("纳税人名称", raw["taxpayer_name"], _("这是模板中的示例行，请删除后再导入。"))
        tax = None
        text = _text(raw["tax"])
        if not text:
            out.error("税种", raw["tax"], _("税种不能为空。"))
        else:
            try:
                label = xv.parse_choice(TAX_ALIASES.get(norm(text), text), list(TAX_LABELS)).value
                tax = TAX_LABELS[label]
            except xv.ValueProblem as exc:
                out.error("税种", raw["tax"], str(exc))
        period = None
        try:
            period = parse_month(raw["period"])
            if period is None:
                out.error("所属期", raw["period"], _("所属期不能为空，%(hint)s。") % {"hint": MONTH_HINT})
        except xv.ValueProblem as exc:
            out.error("所属期", raw["period"], str(exc))
        amount = _amount(out, RECEIPT_LABELS["amount"], raw["amount"], "元", self.units.get("amount"), negative=True)
        if amount is None and not any(p.label == RECEIPT_LABELS["amount"] for p in out.errors):
            out.error(RECEIPT_LABELS["amount"], raw["amount"], _("实缴金额不能为空。"))
        if amount is not None and amount < 0:
            out.warn(RECEIPT_LABELS["amount"], raw["amount"], _("实缴金额为负数（退库），已按负数计入。"))
        project_name = _text(raw["project_name"])
        if out.errors:
            return out
        assert taxpayer_id is not None and tax is not None and period is not None and amount is not None
        enterprise = self.enterprises.get(taxpayer_id)
        if enterprise is None:
            out.warn(
                "纳税人识别号",
                raw["taxpayer_id"],
                _("纳税人“%(name)s”（%(id)s）不在本街道（乡镇）的企业名录中，已导入并列入未匹配。")
                % {"name": taxpayer_name or taxpayer_id, "id": taxpayer_id},
            )
        project = self._project(out, project_name, enterprise[0] if enterprise else None, period)
        if project is not None:
            out.region = project.region or self.sub
        elif enterprise is not None:
            out.region = self.regions.get(enterprise[1], self.sub)
        amount_text = _num(amount)
        assert amount_text is not None
        out.key_value = receipt_key(taxpayer_id, tax, period, project_name, amount_text)
        out.key_display = f"{taxpayer_id} {TaxKind(tax).label} {_ym(period)} {amount_text}"
        out.data = {
            "taxpayer_id": taxpayer_id,
            "taxpayer_name": taxpayer_name or (enterprise[2] if enterprise else ""),
            "tax": tax,
            "period": period.isoformat(),
            "amount": amount_text,
            "project_name": project_name,
            "enterprise": enterprise[0] if enterprise else None,
            "project": project.pk if project else None,
        }
        return out


def receipt_data(r: TaxReceipt) -> dict:
    return {
        "taxpayer_id": r.taxpayer_id,
        "taxpayer_name": r.taxpayer_name,
        "tax": r.tax,
        "period": r.period.isoformat(),
        "amount": _num(r.amount),
        "project_name": r.project_name,
        "enterprise": r.enterprise_id,
        "project": r.project_id,
    }


class ReceiptsImporter(_SubdistrictImporter):
    key = RECEIPTS
    kind = "receipts"
    label = "税收入库明细"
    audit_action = "tax_receipts.import"
    row_audit_action = "tax_receipt.import"
    row_model = TaxReceipt
    column_list = RECEIPT_COLUMNS

    def cleaner(self, sub: Region, scope, units) -> ReceiptCleaner:
        return ReceiptCleaner(sub, units)

    def existing(self, sub: Region) -> Iterable[tuple[str, int, dict, int]]:
        for r in TaxReceipt.objects.filter(subdistrict=sub):
            yield r.key, r.pk, receipt_data(r), r.region_id

    def writer(self, job, sub, actor, now, allowed: Callable[[int], bool]) -> ReceiptWriter:
        return ReceiptWriter(job, sub, actor, now)

    def row_repr(self, sub: Region, object_id: int) -> str:
        r = TaxReceipt.objects.filter(pk=object_id).first()
        return f"{r.taxpayer_name or r.taxpayer_id} {r.get_tax_display()} {_ym(r.period)}" if r else f"#{object_id}"


class ReceiptWriter(_Writer):
    names = {"enterprise": Enterprise, "project": Project}

    def _fill(self, r: TaxReceipt, data: dict, region_id: int) -> None:
        r.region_id = region_id
        r.taxpayer_id = data["taxpayer_id"]
        r.taxpayer_name = data["taxpayer_name"][:200]
        r.tax = data["tax"]
        r.period = datetime.date.fromisoformat(data["period"])
        r.amount = Decimal(data["amount"])
        r.project_name = data["project_name"][:200]
        r.enterprise_id = data["enterprise"]
        r.project_id = data["project"]
        r.import_job = self.job

    def add(self, rows: list[tuple[int, str, str]]) -> None:
        made = []
        for region_id, data_json, key in rows:
            r = TaxReceipt(subdistrict=self.sub, key=key)
            self._fill(r, json.loads(data_json), region_id)
            made.append(r)
        TaxReceipt.objects.bulk_create(made, batch_size=1000)

    def current(self, keys: set[str]) -> dict[str, tuple[int, int, dict, str]]:
        qs = TaxReceipt.objects.filter(subdistrict=self.sub, key__in=keys).select_related("region")
        return {r.key: (r.pk, r.revision, receipt_data(r), r.region.path) for r in qs}

    def stage(self, updates: list[tuple[str, dict, int]]) -> list[StagedChange]:
        out = super().stage(updates)
        for c, (_key, _data, region_id) in zip(out, updates, strict=True):
            c.payload["region"] = region_id
        return out

    def apply(self, changes: list[StagedChange]) -> int:
        receipts = {
            r.pk: r for r in TaxReceipt.objects.select_for_update().filter(pk__in=[c.object_id for c in changes])
        }
        done = []
        for c in changes:
            r = receipts.get(c.object_id)
            if r is None or r.revision != c.revision:
                continue
            self._fill(r, c.payload["data"], c.payload["region"])
            r.revision += 1
            r.modified_at = self.now
            done.append(r)
        TaxReceipt.objects.bulk_update(
            done,
            [
                "region",
                "taxpayer_name",
                "amount",
                "project_name",
                "enterprise",
                "project",
                "import_job",
                "revision",
                "modified_at",
            ],
            batch_size=1000,
        )
        return len(done)


PROJECTS_IMPORTER = register(ProjectsImporter())
MONTHS_IMPORTER = register(MonthsImporter())
RECEIPTS_IMPORTER = register(ReceiptsImporter())
