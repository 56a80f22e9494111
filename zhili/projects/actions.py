"""Writes of projects and tax sources, and the exports that leave (each an action with its audit entry)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit
from zhili.core.errors import require
from zhili.people import policy
from zhili.people.scope import Scope
from zhili.projects import exports, monitor
from zhili.projects.models import Project, TaxSetup

if TYPE_CHECKING:
    from zhili.people.models import Person

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
