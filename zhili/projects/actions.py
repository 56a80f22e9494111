"""Writes of projects and tax sources: the subdistrict's setup, key enterprises, their requests (as cases), and the
exports that leave. Each checks its right in policy, is atomic and leaves one audit entry per change; the
importers' writes are in importer.py, the derived expected taxes in monitor.py."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.cases import actions as case_actions
from zhili.cases.models import CaseClass, Category, Source
from zhili.core import audit
from zhili.core.errors import Conflict, Invalid, require
from zhili.excel import values as xv
from zhili.people import policy
from zhili.people.models import Person, Unit
from zhili.people.scope import Scope
from zhili.projects import exports, monitor, queries
from zhili.projects.models import Enterprise, EnterpriseRequest, EnterpriseStatus, Project, ProjectStatus, TaxSetup
from zhili.projects.taxes import LocationClass, Management, Method
from zhili.regions.models import Region

audit.describe(
    {
        "projects.setup": gettext_lazy("修改税源监控设置"),
        "enterprise.save": gettext_lazy("修改企业信息"),
        "enterprise.add": gettext_lazy("登记企业"),
        "enterprise.request": gettext_lazy("登记企业诉求"),
        "project.save": gettext_lazy("修改建设项目"),
    },
    fields={
        "projects.setup": {
            "county_code": gettext_lazy("项目所在县（区）代码"),
            "location_class": gettext_lazy("城市维护建设税适用地区"),
            "unit": gettext_lazy("负责科室"),
            "gap_threshold": gettext_lazy("应收未收提示阈值（元）"),
            "registration_threshold": gettext_lazy("应入库计划总投资（万元）"),
        },
        "enterprise.save": {
            "name": gettext_lazy("企业名称"),
            "region": gettext_lazy("所在村（社区）"),
            "sector": gettext_lazy("行业"),
            "is_key": gettext_lazy("重点企业"),
            "status": gettext_lazy("状态"),
            "liaison": gettext_lazy("包联干部"),
        },
        "enterprise.request": {"kind": gettext_lazy("诉求类型"), "case": gettext_lazy("事件编号")},
        "project.save": {
            "region": gettext_lazy("所在村"),
            "owner_name": gettext_lazy("建设单位"),
            "management": gettext_lazy("项目部管理方式"),
            "method": gettext_lazy("计税方法"),
            "contract_amount": gettext_lazy("合同金额（万元）"),
            "planned_investment": gettext_lazy("计划总投资（万元）"),
            "start": gettext_lazy("开工日期"),
            "finish": gettext_lazy("竣工日期"),
            "status": gettext_lazy("项目状态"),
            "in_park": gettext_lazy("属于绿色建设产业园"),
            "registered": gettext_lazy("已入库"),
        },
    },
)

# 企业诉求: a category family of the cases loop, routed to the office in charge (经发办)
REQUEST_FAMILY = "enterprise"
REQUEST_KINDS = {
    "land": (gettext_lazy("用地"), 10),
    "power": (gettext_lazy("用电"), 5),
    "permit": (gettext_lazy("审批手续"), 10),
    "labour": (gettext_lazy("用工"), 5),
    "other": (gettext_lazy("其他诉求"), 10),
}
SETUP_FIELDS = ["county_code", "location_class", "unit", "gap_threshold", "registration_threshold"]


def _amount(raw, label: str) -> Decimal:
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        raise Invalid(_("%(label)s应为数字。") % {"label": label}) from None
    if value < 0:
        raise Invalid(_("%(label)s不能为负数。") % {"label": label})
    return value


@transaction.atomic
def do_save_setup(subdistrict: Region, data: dict, *, actor: Person, scope: Scope) -> TaxSetup:
    """Where the subdistrict's projects are, the office in charge and the thresholds; the expected taxes of every
    project are recomputed (they depend on the county and the location's class), and the 企业诉求 categories are
    made the first time."""
    setup = queries.setup_of(subdistrict)
    require(policy.configure_cases(scope, subdistrict), _("只有街道领导或系统管理员可以修改税源监控设置。"))
    if setup.pk and int(data.get("revision", setup.revision)) != setup.revision:
        raise Conflict(_("设置已被他人修改，请刷新后再改。"))
    old = audit.snapshot(setup, SETUP_FIELDS) if setup.pk else {}
    try:
        county = xv.parse_county(data.get("county_code", setup.county_code)).value
    except xv.ValueProblem as exc:
        raise Invalid(_("项目所在县（区）：%(reason)s") % {"reason": exc}) from None
    if county is None:
        raise Invalid(_("请填写项目所在县（区）的 6 位区划代码。"))
    setup.county_code = county.code
    location = data.get("location_class", setup.location_class)
    if location not in {c.value for c in LocationClass}:
        raise Invalid(_("请选择城市维护建设税的适用地区。"))
    setup.location_class = location
    unit = data.get("unit", setup.unit)
    if unit is not None and (not isinstance(unit, Unit) or unit.region_id != subdistrict.pk):
        raise Invalid(_("负责科室应是本街道（乡镇）的科室。"))
    setup.unit = unit
    setup.gap_threshold = _amount(data.get("gap_threshold", setup.gap_threshold), _("应收未收提示阈值"))
    setup.registration_threshold = _amount(
        data.get("registration_threshold", setup.registration_threshold), _("应入库计划总投资")
    )
    if setup.pk:
        setup.revision += 1
    setup.save()
    audit.record(actor, "projects.setup", setup, changes=audit.diff(old, audit.snapshot(setup, SETUP_FIELDS)))
    ensure_request_categories(subdistrict, setup, actor=actor, scope=scope)
    monitor.refresh(Project.objects.filter(subdistrict=subdistrict).values_list("pk", flat=True))
    return setup


def ensure_request_categories(subdistrict: Region, setup: TaxSetup, *, actor: Person, scope: Scope) -> None:
    """The 企业诉求 family (用地, 用电, 审批手续, 用工, 其他) in the subdistrict's case categories, routed to the
    office in charge — made once, through the cases app's own actions (audited there)."""
    have = set(
        Category.objects.filter(subdistrict=subdistrict, code__startswith=REQUEST_FAMILY).values_list("code", flat=True)
    )
    family = Category.objects.filter(subdistrict=subdistrict, code=REQUEST_FAMILY).first()
    if family is None:
        family = case_actions.do_save_category(
            subdistrict,
            {"code": REQUEST_FAMILY, "name": _("企业诉求"), "time_limit_days": 10, "case_class": CaseClass.COORDINATED},
            actor=actor,
            scope=scope,
        )
    for kind, (label, days) in REQUEST_KINDS.items():
        code = f"{REQUEST_FAMILY}-{kind}"
        if code in have:
            continue
        category = case_actions.do_save_category(
            subdistrict,
            {
                "code": code,
                "name": str(label),
                "time_limit_days": days,
                "case_class": CaseClass.COORDINATED,
                "parent": family,
            },
            actor=actor,
            scope=scope,
        )
        if setup.unit is not None:
            case_actions.do_set_route(
                category, grid=None, unit=setup.unit, to_own_village=False, person=None, actor=actor, scope=scope
            )


ENTERPRISE_FIELDS = ["name", "region", "sector", "is_key", "status", "liaison"]


@transaction.atomic
def do_save_enterprise(
    subdistrict: Region, data: dict, *, actor: Person | None, scope: Scope, enterprise: Enterprise | None = None
) -> Enterprise:
    """Register an enterprise (a key enterprise, usually) or change it: name, unified social credit code (only when
    new), village, sector, status, its liaison cadre (包联干部)."""
    setup = queries.setup_of(subdistrict)
    require(policy.manage_projects(scope, setup), _("只有经发办或街道领导可以登记、修改企业。"))
    if enterprise is not None:
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        if int(data.get("revision", enterprise.revision)) != enterprise.revision:
            raise Conflict(_("该企业的信息已被他人修改，请刷新后再改。"))
        old = audit.snapshot(enterprise, ENTERPRISE_FIELDS)
    else:
        try:
            uscc = xv.parse_uscc(data.get("uscc")).value
        except xv.ValueProblem as exc:
            raise Invalid(_("统一社会信用代码：%(reason)s") % {"reason": exc}) from None
        if not uscc:
            raise Invalid(_("请填写统一社会信用代码。"))
        if Enterprise.objects.active().filter(subdistrict=subdistrict, uscc=uscc).exists():
            raise Invalid(_("统一社会信用代码为 %(uscc)s 的企业已登记。") % {"uscc": uscc})
        enterprise = Enterprise(subdistrict=subdistrict, uscc=uscc, region=subdistrict)
        old = {}
    name = case_actions.clean_text(data.get("name", enterprise.name), label=_("企业名称"), limit=200)
    region = data.get("region") or enterprise.region
    if not isinstance(region, Region) or not region.path.startswith(subdistrict.path):
        raise Invalid(_("所在村（社区）应在本街道（乡镇）内。"))
    status = data.get("status", enterprise.status) or ""
    if status and status not in EnterpriseStatus.values:
        raise Invalid(_("请选择企业状态。"))
    liaison = data.get("liaison", enterprise.liaison)
    enterprise.name, enterprise.region, enterprise.status, enterprise.liaison = name, region, status, liaison
    enterprise.sector = case_actions.clean_text(
        data.get("sector", enterprise.sector), label=_("行业"), limit=60, required=False
    )
    enterprise.is_key = bool(data.get("is_key", enterprise.is_key))
    if enterprise.pk:
        enterprise.revision += 1
    enterprise.save()
    audit.record(
        actor,
        "enterprise.save" if old else "enterprise.add",
        enterprise,
        changes=audit.diff(old, audit.snapshot(enterprise, ENTERPRISE_FIELDS)),
    )
    return enterprise


@transaction.atomic
def do_add_request(
    enterprise: Enterprise,
    *,
    kind: str,
    description: str,
    actor: Person,
    scope: Scope,
    at: datetime.datetime | None = None,
    client_ref: str = "",
) -> EnterpriseRequest:
    """An enterprise's request (诉求) as a case of the 企业诉求 family, reported by its liaison cadre or the office
    at the enterprise's village: from there the cases loop takes it (受理, 派遣 to the office in charge, 处置,
    核查, 结案) with its working-day deadline, and the 问题清零 view counts it. `client_ref` (the form's random id)
    makes a double click or a retried submission return the request it already made."""
    setup = queries.setup_of(enterprise.subdistrict)
    require(policy.serve_enterprise(scope, enterprise, setup), _("只有该企业的包联干部或经发办可以登记企业诉求。"))
    if kind not in REQUEST_KINDS:
        raise Invalid(_("请选择诉求类型（用地、用电、审批手续、用工或其他）。"))
    category = Category.objects.filter(subdistrict=enterprise.subdistrict, code=f"{REQUEST_FAMILY}-{kind}").first()
    if category is None:
        raise Invalid(_("企业诉求的事件类别尚未设置：请街道领导或系统管理员保存一次税源监控设置。"))
    case = case_actions.do_report_case(
        subdistrict=enterprise.subdistrict,
        category=category,
        description=_("【%(name)s】%(text)s") % {"name": enterprise.name, "text": description},
        actor=actor,
        scope=scope,
        source=Source.STAFF,
        region=enterprise.region,
        at=at,
        client_ref=client_ref,
    )
    request, made = EnterpriseRequest.objects.get_or_create(
        case=case, defaults={"enterprise": enterprise, "kind": kind}
    )
    if not made:
        return request
    audit.record(
        actor,
        "enterprise.request",
        enterprise,
        changes={"kind": [None, str(REQUEST_KINDS[kind][0])], "case": [None, case.number]},
    )
    return request


PROJECT_FIELDS = [
    "region",
    "owner_name",
    "management",
    "method",
    "contract_amount",
    "planned_investment",
    "start",
    "finish",
    "status",
    "in_park",
    "registered",
]


@transaction.atomic
def do_save_project(project: Project, data: dict, *, actor: Person, scope: Scope) -> Project:
    """Change one project of the ledger on its page (what a re-import of the ledger would change, and 属于产业园,
    which the ledger's template does not carry): checked as the importer checks a row, the revision guarding
    against an edit nobody saw, the expected taxes recomputed when the method or management changed."""
    setup = queries.setup_of(project.subdistrict)
    require(policy.manage_projects(scope, setup), _("只有经发办或街道领导可以修改建设项目。"))
    project = Project.objects.select_for_update().select_related("subdistrict").get(pk=project.pk)
    if int(data.get("revision", project.revision)) != project.revision:
        raise Conflict(_("该项目已被他人修改，请刷新后再改。"))
    old = audit.snapshot(project, PROJECT_FIELDS)
    region = data.get("region", project.region)
    if not isinstance(region, Region) or not region.path.startswith(project.subdistrict.path):
        raise Invalid(_("所在村应是本街道（乡镇）的村（社区）。"))
    start, finish = data.get("start", project.start), data.get("finish", project.finish)
    if start and finish and finish < start:
        raise Invalid(_("竣工日期 %(finish)s 早于开工日期 %(start)s，请核对。") % {"finish": finish, "start": start})
    planned = data.get("planned_investment", project.planned_investment)
    if planned is None or planned < 0:
        raise Invalid(_("计划总投资应为不小于 0 的数。"))
    contract = data.get("contract_amount", project.contract_amount)
    if contract is not None and contract < 0:
        raise Invalid(_("合同金额不能为负数。"))
    choices = (
        ("management", Management, _("项目部管理方式")),
        ("method", Method, _("计税方法")),
        ("status", ProjectStatus, _("项目状态")),
    )
    for name, allowed, label in choices:
        value = data.get(name, getattr(project, name))
        if value not in {c.value for c in allowed}:
            raise Invalid(_("请选择%(label)s。") % {"label": label})
        setattr(project, name, value)
    project.region, project.start, project.finish = region, start, finish
    project.planned_investment, project.contract_amount = planned, contract
    project.owner_name = case_actions.clean_text(
        data.get("owner_name", project.owner_name), label=_("建设单位"), limit=200, required=False
    )
    project.in_park = bool(data.get("in_park", project.in_park))
    project.registered = bool(data.get("registered", project.registered))
    changes = audit.diff(old, audit.snapshot(project, PROJECT_FIELDS))
    if not changes:
        return project
    project.revision += 1
    project.save()
    audit.record(actor, "project.save", project, changes=changes)
    if {"method", "management"} & set(changes):
        monitor.refresh([project.pk])
    return project


# ---- imports, exports and recomputation (importer.py, exports.py, `zhili projects` and `zhili tax`) ----------
audit.describe(
    {
        "projects.import": gettext_lazy("导入项目台账"),
        "project.import": gettext_lazy("按项目台账更新项目"),
        "project_months.import": gettext_lazy("导入项目月度数据"),
        "project_month.import": gettext_lazy("按月度数据更新项目月度数据"),
        "tax_receipts.import": gettext_lazy("导入税收入库明细"),
        "tax_receipt.import": gettext_lazy("按入库明细更新税收记录"),
        "tax.gap.export": gettext_lazy("导出应收未收明细"),
        "tax.recompute": gettext_lazy("重新计算应缴税款"),
    },
    fields={
        "tax.gap.export": {"month": gettext_lazy("所属期"), "rows": gettext_lazy("行数")},
        "tax.recompute": {"projects": gettext_lazy("项目数"), "rows": gettext_lazy("应缴记录数")},
        "project.import": {
            "name": gettext_lazy("项目名称"),
            "village": gettext_lazy("所在村"),
            "owner": gettext_lazy("建设单位"),
            "contractor": gettext_lazy("施工单位"),
            "uscc": gettext_lazy("统一社会信用代码"),
            "county": gettext_lazy("施工单位注册地"),
            "management": gettext_lazy("项目部管理方式"),
            "method": gettext_lazy("计税方法"),
            "contract": gettext_lazy("合同金额（万元）"),
            "planned": gettext_lazy("计划总投资（万元）"),
            "start": gettext_lazy("开工日期"),
            "finish": gettext_lazy("竣工日期"),
            "status": gettext_lazy("项目状态"),
            "registered": gettext_lazy("已入库"),
        },
        "project_month.import": {
            "project": gettext_lazy("项目"),
            "month": gettext_lazy("月份"),
            "received": gettext_lazy("本月收款（元）"),
            "subcontract": gettext_lazy("本月支付分包款（元）"),
            "investment": gettext_lazy("本月完成投资（万元）"),
        },
        "tax_receipt.import": {
            "taxpayer_id": gettext_lazy("纳税人识别号"),
            "taxpayer_name": gettext_lazy("纳税人名称"),
            "tax": gettext_lazy("税种"),
            "period": gettext_lazy("所属期"),
            "amount": gettext_lazy("实缴金额（元）"),
            "project_name": gettext_lazy("项目名称"),
            "enterprise": gettext_lazy("企业"),
            "project": gettext_lazy("项目"),
        },
    },
)


def do_export_gap(setup: TaxSetup, month: datetime.date, *, actor: Person, scope: Scope) -> exports.Exported:
    """The 应收未收 file of a month (.xlsx): one audit entry saying what left."""
    require(
        policy.manage_projects(scope, setup),
        _("您无权导出“%(name)s”的税源数据。") % {"name": setup.region.name},
    )
    exported = exports.gap_xlsx(setup, month, scope=scope)
    audit.record(
        actor,
        "tax.gap.export",
        setup.region,
        changes={"month": [None, f"{month:%Y-%m}"], "rows": [None, exported.rows]},
    )
    return exported


@transaction.atomic
def do_recompute_taxes(setup: TaxSetup, *, actor: Person, scope: Scope) -> int:
    """The expected taxes of every project of the subdistrict computed again (after the rules file or the setup
    changed); returns how many month rows were written."""
    require(
        policy.manage_projects(scope, setup),
        _("您无权重新计算“%(name)s”的应缴税款。") % {"name": setup.region.name},
    )
    ids = list(Project.objects.filter(subdistrict=setup.region).values_list("pk", flat=True))
    rows = monitor.refresh(ids)
    audit.record(actor, "tax.recompute", setup.region, changes={"projects": [None, len(ids)], "rows": [None, rows]})
    return rows
