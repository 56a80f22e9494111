"""Files that leave: the 应收未收 file of a month (`zhili tax gap`, the gap page's download) — one row per project,
month and tax type, with the columns the issue names, written by zhili/excel/writing.py (no formulas)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zhili.excel import writing
from zhili.people.scope import Scope
from zhili.projects import importer, queries
from zhili.projects.models import TaxSetup

GAP_HEADERS = ["项目名称", "施工单位", "统一社会信用代码", "所属期", "税种", "应缴(元)", "已缴(元)", "差额(元)"]
GAP_FORMATS = ["text", "text", "id", "text", "text", "decimal", "decimal", "decimal"]


@dataclass(frozen=True)
class Exported:
    data: bytes
    rows: int
    filename: str


def gap_rows(setup: TaxSetup, month: datetime.date, scope: Scope) -> list[list]:
    """The gap file's rows, as the columns GAP_HEADERS name."""
    return [
        [r.project, r.contractor, r.uscc, f"{r.month:%Y-%m}", r.tax_label, r.expected, r.received, r.gap]
        for r in queries.gap(setup, month, scope=scope)
    ]


def write_gap(buffer, setup: TaxSetup, month: datetime.date, rows: Iterable[list]) -> None:
    writing.write_xlsx(
        buffer,
        title=_("%(name)s %(month)s 应收未收明细") % {"name": setup.region.name, "month": f"{month:%Y-%m}"},
        subtitle=_(
            "应缴为按项目月度数据和税收规则测算的本地预缴税款（税款流出辖区的项目应缴为 0）；已缴为匹配到项目的入库明细。"
        ),
        headers=GAP_HEADERS,
        rows=rows,
        column_formats=GAP_FORMATS,
        sheet_name="应收未收",
    )


def gap_xlsx(setup: TaxSetup, month: datetime.date, *, scope: Scope) -> Exported:
    rows = gap_rows(setup, month, scope)
    buf = io.BytesIO()
    write_gap(buf, setup, month, rows)
    return Exported(buf.getvalue(), len(rows), f"应收未收-{setup.region.name}-{month:%Y-%m}.xlsx")


# ---- the three import templates ---------------------------------------------------------------------------

EXAMPLE = importer.EXAMPLE  # an example row left in a filled template is refused by the importers

TEMPLATES: dict[str, dict] = {
    "projects": {
        "example": [
            "示例：孔家坊村道路硬化工程",
            "孔家坊村",
            "太平街道办事处",
            "山东示例建设集团有限公司",
            "91370102MA3D000011",
            "370102",
            "分支机构管理",
            "一般计税",
            "1,234.5",
            "1500",
            "2020-03-01",
            "2020-12-31",
            "在建",
            "是",
        ],
        "notes": [
            _l("每个项目一行，以“项目名称”为准：再次导入同名项目会更新，不会重复。"),
            _l("施工单位统一社会信用代码：18 位，校验位不对的行不能导入。"),
            _l("施工单位注册地：县（市、区）的 6 位区划代码（如 370102），或写“济南市历下区”。"),
            _l("项目部管理方式：总机构直管 或 分支机构管理；计税方法：一般计税、简易计税 或 小规模纳税人。"),
            _l("合同金额、计划总投资以万元为单位，可写 1,234.5 或 1234.5万。"),
            _l("开工日期、竣工日期写成 2020-03-01；竣工日期不能早于开工日期。"),
            _l("项目状态：未开工、在建、停工 或 竣工；是否已入库：是 或 否。"),
        ],
    },
    "project_months": {
        "example": ["示例：孔家坊村道路硬化工程", "2020-05", "1,200,000", "300,000", "85.5"],
        "notes": [
            _l("每个项目每个月一行，以“项目名称 + 月份”为准：再次导入会更新，不会重复。"),
            _l("项目名称须与项目台账一致；月份写成 2020-05 或 2020年5月，不能早于开工月份或晚于竣工月份。"),
            _l("本月收款（含预收款）、本月支付分包款（取得合法有效凭证的）以元为单位；本月完成投资以万元为单位。"),
            _l("分包款大于收款不是错误：差额结转以后月份抵减。"),
        ],
    },
    "tax_receipts": {
        "example": ["91370102MA3D000011", "示例：山东示例建设集团有限公司", "增值税", "2020-05", "23,852.29", ""],
        "notes": [
            _l("税务部门提供的入库明细，每笔一行；同一笔（识别号、税种、所属期、项目名称、金额都相同）只记一次。"),
            _l("税种：增值税、城市维护建设税、教育费附加、地方教育附加 或 企业所得税。"),
            _l("所属期写成 2020-05；实缴金额以元为单位。"),
            _l("项目名称可空：空时按该企业在本街道唯一的项目匹配；不在企业名录中的纳税人也会导入，列入未匹配。"),
        ],
    },
}


def template_xlsx(importer_key: str, headers: list[str]) -> bytes:
    """An import template (excel.writing.import_template) with this importer's example row and notes."""
    spec = TEMPLATES[importer_key]
    return writing.import_template(headers, spec["example"], spec["notes"])
