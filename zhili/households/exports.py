"""Files that leave: the import templates (exact headers, an example row refused if left in, an instructions
sheet) and the register with its personal data (`do_export_register`: an action — only for who may manage the
subdistrict's households, audited with what left and whether identity numbers were in full)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _l

from zhili.core import audit
from zhili.core.errors import require
from zhili.excel import writing
from zhili.households import importer
from zhili.households.models import Household, Member
from zhili.households.queries import mask_identity, mask_phone, setup_of
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region

audit.describe(
    {
        "households.export": gettext_lazy("导出户籍个人信息"),
    },
    fields={
        "households.export": {
            "rows": gettext_lazy("行数"),
            "full": gettext_lazy("完整身份证号的行数"),
            "masked": gettext_lazy("隐去部分号码的行数"),
        }
    },
)


@dataclass(frozen=True)
class Exported:
    data: bytes
    rows: int
    full: int
    filename: str


REGISTER_HEADERS = [
    "户编号",
    "村（社区）",
    "户主",
    "姓名",
    "证件号码",
    "与户主关系",
    "性别",
    "出生日期",
    "联系电话",
    "户类别",
    "住房安全等级",
    "帮扶责任人",
    "住址",
]
REGISTER_FORMATS = ["id", "text", "text", "text", "id", "text", "text", "date", "id", "text", "text", "text", "text"]


def do_export_register(sub: Region, *, actor: Person, scope: Scope) -> Exported:
    """Every active member of the subdistrict's households the person reads, one row each. Numbers are in full only
    for households where the person may see them (policy.reveal_personal), masked elsewhere; one audit entry says
    how many rows left and how many with numbers in full."""
    setup = setup_of(sub)
    require(policy.manage_households(scope, setup), _("您无权导出户籍个人信息。"))
    villages = dict(Region.objects.filter(path__startswith=sub.path, level=Level.VILLAGE).values_list("path", "name"))
    households = {
        h.pk: h
        for h in scope.filter(Household.objects.active().filter(subdistrict=sub), "path")
        .select_related("officer", "region")
        .prefetch_related("categories")
    }
    reveal = {pk: policy.reveal_personal(scope, h, setup) for pk, h in households.items()}
    rows, full = [], 0
    members = Member.objects.active().filter(household_id__in=list(households)).order_by("path", "household_id", "id")
    for m in members:
        h = households[m.household_id]
        shown = reveal[m.household_id]
        full += bool(shown and m.identity)
        phone = m.phone or h.phone
        rows.append(
            [
                h.number,
                villages.get(Region.path_at(h.path, Level.VILLAGE), h.region.name),
                h.head_name,
                m.name,
                m.identity if shown else mask_identity(m.identity),
                m.get_relation_display(),
                m.get_sex_display(),
                m.birth_date,
                phone if shown else mask_phone(phone),
                "、".join(c.name for c in h.categories.all()),
                h.housing_grade,
                h.officer.get_full_name() if h.officer_id else "",
                h.address,
            ]
        )
    buf = io.BytesIO()
    writing.write_xlsx(
        buf,
        title=_("%(name)s户籍成员名单") % {"name": sub.name},
        subtitle=_("含个人信息，仅限工作使用，不得外传。无权查看的号码已隐去部分数字。"),
        headers=REGISTER_HEADERS,
        rows=rows,
        column_formats=REGISTER_FORMATS,
        sheet_name="成员",
    )
    audit.record(
        actor,
        "households.export",
        sub,
        changes={"rows": [None, len(rows)], "full": [None, full], "masked": [None, len(rows) - full]},
        region_path=sub.path,
    )
    return Exported(buf.getvalue(), len(rows), full, f"户籍成员名单-{sub.name}.xlsx")


# ---- the two import templates -------------------------------------------------------------------------------

EXAMPLE = importer.EXAMPLE

TEMPLATES: dict[str, dict] = {
    importer.POVERTY: {
        "example": [
            "370126001001",
            "孔家坊村",
            "示例：张三",
            "370126195001011234",
            "户主",
            "男",
            "3",
            "脱贫户",
            "B级",
            "李四",
            "13800000000",
            "孔家坊村 12 号",
            "健康",
            "非在校生",
            "是",
        ],
        "notes": [
            _l("防返贫监测信息系统导出的成员明细，每人一行；以“证件号码”识人：再次导入会更新，不会重复。"),
            _l("同一户的成员“户编号”相同；户主行须排在该户其他成员之前（系统导出的文件本来如此）。"),
            _l("证件号码：18 位居民身份证号，校验位不对的行不能导入；性别、出生日期按号码计算。"),
            _l("一人只能在一户：本文件中或已登记在其他户的号码不能导入，请先在原户中注销。"),
            _l("与户主关系：户主、配偶、子女、父母、孙子女、兄弟姐妹、儿媳/女婿 或 其他。"),
            _l("户类别：脱贫户，或监测对象（脱贫不稳定户、边缘易致贫户、突发严重困难户）。"),
            _l("住房安全等级：A、B、C 或 D 级；空着的格子保留已登记的内容。"),
            _l("帮扶责任人：系统中人员的姓名（同名或不是系统用户时不关联，导入后在户页面指定）。"),
        ],
    },
    importer.DIBAO: {
        "example": ["孔家坊村", "示例：王五", "370126196005051234", "2", "A类", "13900000000", ""],
        "notes": [
            _l(
                "民政部门的低保名册，每户一行，以户主身份证号找到已登记的户，设为“低保户”（类别含“特困”的设为“特困供养户”）。"
            ),
            _l("未登记的户会新建，户主按名册登记；保障人数与登记人口不同只提示，不阻止导入。"),
            _l("身份证号：18 位，校验位不对的行不能导入。"),
        ],
    },
}


def template_xlsx(importer_key: str, headers: list[str]) -> bytes:
    """An import template (excel.writing.import_template) with this importer's example row and notes."""
    spec = TEMPLATES[importer_key]
    return writing.import_template(headers, spec["example"], spec["notes"])
