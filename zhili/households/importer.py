"""The household registers a subdistrict receives, as importers of the one import pipeline (zhili/imports/registry.py).
Each imports into a subdistrict (the target is its Region; rights: `policy.manage_households` to import,
`policy.write_household` for each row's village) and is written in one transaction (`batchable = False`): nothing
is ever half-imported. The counting fields of every household touched are refreshed in that transaction.

*Decided:* importing a register is the subdistrict's work (manage_households: its leaders and administrators and the
office in charge); a village cadre is refused the whole import, before any row is read. A row about a village the
importer may not write (were rights ever narrower) is refused row by row ("不在您的填报范围内").

- **防返贫监测系统导出** (`POVERTY`): the national 防止返贫监测信息系统's export, one row per member: 户编号, 村（社区）,
  姓名, 证件号码, 与户主关系, 性别, 人数, 户类别/监测对象类别, 住房安全等级, 帮扶责任人, 联系电话, 住址 (and the
  health, school and insurance columns when the file has them). The key is the identity number: one person is one
  row. A number listed in two households of the file, or already a member of another household in the register,
  is an error of the row; a member whose household's head is neither earlier in the file nor registered is an error
  too (the system's export lists the head first). Households are found by 户编号, made when new. A blank cell keeps
  what the register holds.
- **低保名册** (`DIBAO`): one row per household: 村, 户主姓名, 身份证号, 保障人数, 低保类别, 联系电话. The household is
  found by the head's number (any member's, with a warning when that person is not its head) and gets the 低保户
  category (特困供养户 when the 类别 says 特困); a household that is not registered is made, with its head.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, clock
from zhili.excel import values as xv
from zhili.households import registry
from zhili.households.actions import ensure_defaults, refresh_households
from zhili.households.models import Category, Health, Household, HousingGrade, Member, NameReview, Relation, Sex
from zhili.households.queries import mask_identity, setup_of
from zhili.imports.models import ImportJob, StagedChange
from zhili.imports.pipeline import ImportConflict
from zhili.imports.registry import CleanedRow, Column, Importer, RowProblem, Urls, register
from zhili.people import policy
from zhili.people.models import Person
from zhili.regions import history
from zhili.regions.models import Region, path_prefix_q

audit.describe(
    {
        "households.import": gettext_lazy("导入防返贫监测户籍"),
        "member.import": gettext_lazy("按防返贫监测系统导出更新成员"),
        "households.dibao.import": gettext_lazy("导入低保名册"),
        "household.dibao.import": gettext_lazy("按低保名册更新户"),
    }
)

POVERTY = "households_poverty"
DIBAO = "households_dibao"
KINDS = {"poverty": POVERTY, "dibao": DIBAO}  # the pages' and the command's word for each importer

EXAMPLE = "示例"  # the templates' example row starts so: left in a filled template, it is refused, never imported
POVERTY_CODES = ("tuopin", "jiance")  # the national system's classes: a household is one or the other
DIBAO_CODES = ("dibao", "tekun")


Problem = RowProblem


@dataclass
class Row(CleanedRow):
    key_label: str = "证件号码"


_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\u3000]+")


def norm(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


def _text(raw: Any, limit: int = 200) -> str:
    try:
        return xv.parse_text(raw, max_length=limit).value or ""
    except xv.ValueProblem:
        return str(raw).strip()[:limit]


# ---- the words files use ------------------------------------------------------------------------------------

RELATIONS = {str(label): value for value, label in Relation.choices} | {
    "本人": Relation.HEAD,
    "户主本人": Relation.HEAD,
    "之妻": Relation.SPOUSE,
    "之夫": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "之子": Relation.CHILD,
    "之女": Relation.CHILD,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "长子": Relation.CHILD,
    "次子": Relation.CHILD,
    "长女": Relation.CHILD,
    "次女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "独生子": Relation.CHILD,
    "独生女": Relation.CHILD,
    "之父": Relation.PARENT,
    "之母": Relation.PARENT,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "之孙子": Relation.GRANDCHILD,
    "之孙女": Relation.GRANDCHILD,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙子": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
    "兄弟": Relation.SIBLING,
    "姐妹": Relation.SIBLING,
    "兄": Relation.SIBLING,
    "弟": Relation.SIBLING,
    "姐": Relation.SIBLING,
    "妹": Relation.SIBLING,
    "之儿媳": Relation.CHILD_IN_LAW,
    "儿媳": Relation.CHILD_IN_LAW,
    "之女婿": Relation.CHILD_IN_LAW,
    "女婿": Relation.CHILD_IN_LAW,
    "其他": Relation.OTHER,
}
# 户类别 as the national system writes it → the category code
POVERTY_CLASSES = {
    "脱贫户": "tuopin",
    "一般脱贫户": "tuopin",
    "脱贫人口": "tuopin",
    "脱贫不享受政策户": "tuopin",
    "脱贫享受政策户": "tuopin",
    "低保脱贫户": "tuopin",
    "特困脱贫户": "tuopin",
    "监测户": "jiance",
    "监测对象": "jiance",
    "脱贫不稳定户": "jiance",
    "边缘易致贫户": "jiance",
    "突发严重困难户": "jiance",
    "脱贫不稳定户（监测）": "jiance",
}
HOUSING = {
    "A": "A",
    "B": "B",
    "C": "C",
    "D": "D",
    "A级": "A",
    "B级": "B",
    "C级": "C",
    "D级": "D",
    "安全": "A",
    "基本安全": "B",
    "局部危险": "C",
    "整体危险": "D",
} | {str(label): value for value, label in HousingGrade.choices}
HEALTH = {str(label): value for value, label in Health.choices} | {
    "长期慢性病": Health.CHRONIC,
    "慢性病": Health.CHRONIC,
    "大病": Health.SERIOUS,
    "患有大病": Health.SERIOUS,
    "残疾": Health.DISABLED,
    "健康": Health.HEALTHY,
}
SEXES = {"男": Sex.MALE, "女": Sex.FEMALE, "男性": Sex.MALE, "女性": Sex.FEMALE}


_TABLES: dict[int, dict[str, str]] = {}  # the module's word lists, folded once


def _lookup(out: Row, label: str, raw: Any, words: Mapping[str, str], what: str) -> str | None:
    """A cell's word among `words` (spaces and full-width forms folded, "（…）" ignored); None when empty."""
    text = _text(raw)
    if not text:
        return None
    key = norm(text)
    table = _TABLES.get(id(words))
    if table is None:
        table = _TABLES[id(words)] = {norm(k): v for k, v in words.items()}
    if key in table:
        return table[key]
    bare = re.sub(r"[（(].*?[）)]", "", key)
    if bare in table:
        return table[bare]
    shown = "、".join(list(dict.fromkeys(words))[:8])
    out.error(
        label, raw, _("“%(v)s”不是可用的%(what)s，可填：%(choices)s 等。") % {"v": text, "what": what, "choices": shown}
    )
    return None


def _yes_no(out: Row, label: str, raw: Any, *, school: bool = False) -> bool | None:
    text = norm(_text(raw))
    if not text:
        return None
    if school:  # 在校生状况: 义务教育在校生, 非在校生, 学龄前儿童 …
        if text.startswith("非") or "学龄前" in text or "辍学" in text or "失学" in text:
            return False
        if "在校" in text or "在读" in text:
            return True
    try:
        return xv.parse_yes_no(raw).value
    except xv.ValueProblem as exc:
        out.error(label, raw, str(exc))
        return None


def _villages(sub: Region) -> dict[str, Region]:
    return {v.name: v for v in history.on_day(sub, clock.today())}


def _people(sub: Region) -> dict[str, list[int]]:
    """The subdistrict's active people by name (what a 帮扶责任人 cell can name)."""
    found: dict[str, list[int]] = {}
    qs = (
        Person.objects.filter(is_active=True, roles__ended_at__isnull=True)
        .filter(path_prefix_q("roles__region__path", sub.path))
        .values_list("pk", "full_name")
        .distinct()
    )
    for pk, name in qs:
        if name and pk not in found.setdefault(norm(name), []):
            found[norm(name)].append(pk)
    return found


@dataclass
class _Known:
    """What the register holds (read once per file)."""

    households: dict[str, dict]  # number → {pk, region, path, head identity, fields}
    members: dict[str, dict]  # identity → {pk, household, number, relation, fields}
    heads: dict[int, str]  # household pk → its head's identity ("" for a head without one)
    regions: dict[int, Region]
    by_pk: dict[int, dict]


def _known(sub: Region) -> _Known:
    regions = {r.pk: r for r in Region.objects.filter(path_prefix_q("path", sub.path))}
    households: dict[str, dict] = {}
    by_pk: dict[int, dict] = {}
    for h in Household.objects.active().filter(subdistrict=sub).prefetch_related("categories"):
        codes = {c.code for c in h.categories.all()}
        entry = {
            "pk": h.pk,
            "number": h.number,
            "region": h.region_id,
            "path": h.path,
            "address": h.address,
            "phone": h.phone,
            "housing": h.housing_grade,
            "category": next((c for c in POVERTY_CODES if c in codes), None),
            "dibao": next((c for c in DIBAO_CODES if c in codes), None),
            "officer": h.officer_id,
            "count": h.member_count,
        }
        by_pk[h.pk] = entry
        if h.number:
            households[h.number] = entry
    members: dict[str, dict] = {}
    heads: dict[int, str] = {}
    for m in Member.objects.active().filter(subdistrict=sub):
        if m.relation == Relation.HEAD:
            heads[m.household_id] = m.identity
        if m.identity:
            members[m.identity] = {
                "pk": m.pk,
                "household": by_pk.get(m.household_id),
                "name": m.name,
                "relation": m.relation,
                "health": m.health or None,
                "in_school": m.in_school,
                "insured": m.insured,
            }
    return _Known(households, members, heads, regions, by_pk)


def _plan_parts(sub: Region) -> list:
    return [
        sub.pk,
        sorted((v.pk, name) for name, v in _villages(sub).items()),
        sorted(
            Household.objects.filter(subdistrict=sub)
            .values_list("pk", "number", "revision", "region_id", "archived_at")
            .order_by("pk")
        ),
        sorted(
            Member.objects.filter(subdistrict=sub)
            .values_list("pk", "identity", "revision", "household_id", "relation", "archived_at")
            .order_by("pk")
        ),
        sorted(Category.objects.filter(subdistrict=sub).values_list("pk", "code")),
    ]


class _Cleaner:
    """What both cleaners share: the register read once, villages matched, where a number is already held."""

    columns: list[Column] = []

    def __init__(self, sub: Region, scope):
        self.sub, self.scope = sub, scope
        self.setup = setup_of(sub)
        self.matcher = xv.RegionMatcher(_villages(sub))
        self.known = _known(sub)
        self.keys = [c.key for c in self.columns]
        self.in_file: dict[str, str] = {}  # identity → the 户编号 the file put it in

    def readable(self, region_id: int) -> bool:
        region = self.known.regions.get(region_id)
        return region is not None and policy.read_households(self.scope, region)

    def village(self, out: Row, label: str, raw: Any) -> Region | None:
        try:
            return self.matcher.match(raw).value
        except xv.ValueProblem as exc:
            out.error(label, raw, str(exc))
            return None

    def identity(self, out: Row, label: str, raw: Any) -> str:
        try:
            parsed = xv.parse_identity(raw)
        except xv.ValueProblem as exc:
            out.error(label, raw, str(exc))
            return ""
        if parsed.warning:
            out.warn(label, raw, parsed.warning)
        if parsed.value is None:
            out.error(label, raw, _("证件号码不能为空：一人一号，以号识人。"))
            return ""
        return parsed.value

    def elsewhere(self, identity: str, household: dict) -> str:
        """A number already a member of another household of the register: where, only if the person may read it."""
        if self.readable(household["region"]):
            return _("该证件号码已是户编号 %(number)s（%(village)s）的成员：一人只能在一户，请先在原户中注销。") % {
                "number": household["number"] or "—",
                "village": self.known.regions[household["region"]].name,
            }
        return _("该证件号码已登记在本街道（乡镇）您无权查看的其他户中：一人只能在一户。")


# ---- 防返贫监测系统导出 --------------------------------------------------------------------------------------

POVERTY_COLUMNS = [
    Column("number", ("户编号", "户编码", "家庭编号", "户号", "户主编号"), required=True),
    Column("village", ("村（社区）", "行政村", "村", "所在村", "村名称", "村（居）", "村居", "所在村（社区）")),
    Column("name", ("姓名", "成员姓名", "人员姓名"), required=True),
    Column("identity", ("证件号码", "身份证号", "身份证号码", "公民身份号码", "证件号"), required=True),
    Column("relation", ("与户主关系", "与户主的关系", "家庭关系", "关系"), required=True),
    Column("sex", ("性别",)),
    Column("size", ("人数", "家庭人口数", "户人口数", "家庭人数"), quiet=True),
    Column("category", ("户类别", "监测对象类别", "人口类型", "户类型", "识别类别", "脱贫户/监测对象类别")),
    Column("housing", ("住房安全等级", "住房安全鉴定等级", "住房等级", "危房等级")),
    Column("officer", ("帮扶责任人", "帮扶人", "帮扶干部", "帮扶责任人姓名")),
    Column("phone", ("联系电话", "户主联系电话", "手机号码", "电话")),
    Column("address", ("住址", "家庭住址", "详细地址", "居住地址")),
    Column("health", ("健康状况", "健康状态"), quiet=True),
    Column("in_school", ("在校生状况", "是否在校生", "在校生"), quiet=True),
    Column("insured", ("是否参加城乡居民基本医疗保险", "是否参加基本医疗保险", "参加医保", "是否参保"), quiet=True),
]


def poverty_data(number: str, region: int, name: str, relation: str, h: dict, m: dict) -> dict:
    return {
        "number": number,
        "village": region,
        "name": name,
        "relation": relation,
        "category": h.get("category"),
        "housing": h.get("housing") or "",
        "officer": h.get("officer"),
        "phone": h.get("phone") or "",
        "address": h.get("address") or "",
        "health": m.get("health"),
        "in_school": m.get("in_school"),
        "insured": m.get("insured"),
    }


class PovertyCleaner(_Cleaner):
    columns = POVERTY_COLUMNS
    key = ["identity"]
    key_label = "证件号码"

    def __init__(self, sub: Region, scope):
        super().__init__(sub, scope)
        self.people = _people(sub)
        self.file_heads: dict[str, str] = {}  # 户编号 → the head's identity, as the file lists them
        self.adopted: dict[str, int] = {}  # 户编号 → the numberless household that takes it

    def clean_cells(self, cells: list) -> Row:
        raw = dict(zip(self.keys, cells, strict=True))
        out = Row(region=self.sub, key_label=self.key_label)
        name = _text(raw["name"], 50)
        if not name:
            out.error("姓名", raw["name"], _("姓名不能为空。"))
        elif name.startswith(EXAMPLE):
            out.error("姓名", raw["name"], _("这是模板中的示例行，请删除后再导入。"))
        number = _text(raw["number"], 40)
        if not number:
            out.error("户编号", raw["number"], _("户编号不能为空：同一户的成员以户编号归户。"))
        identity = self.identity(out, "证件号码", raw["identity"])
        relation = _lookup(out, "与户主关系", raw["relation"], RELATIONS, _("与户主关系"))
        if relation is None and not _text(raw["relation"]):
            out.error("与户主关系", raw["relation"], _("与户主关系不能为空。"))
        sex = _lookup(out, "性别", raw["sex"], SEXES, _("性别"))
        if sex and identity and sex != registry.identity_facts(identity)[0]:
            out.warn("性别", raw["sex"], _("性别与证件号码不符，已按证件号码。"))
        category = _lookup(out, "户类别", raw["category"], POVERTY_CLASSES, _("户类别"))
        housing = _lookup(out, "住房安全等级", raw["housing"], HOUSING, _("住房安全等级"))
        health = _lookup(out, "健康状况", raw["health"], HEALTH, _("健康状况"))
        in_school = _yes_no(out, "在校生状况", raw["in_school"], school=True)
        insured = _yes_no(out, "是否参加基本医疗保险", raw["insured"])
        phone = ""
        try:
            phone = xv.parse_phone(raw["phone"]).value or ""
        except xv.ValueProblem as exc:
            out.error("联系电话", raw["phone"], str(exc))
        address = _text(raw["address"], 200)
        officer = None
        officer_name = _text(raw["officer"], 50)
        if officer_name:
            found = self.people.get(norm(officer_name), [])
            if len(found) == 1:
                officer = found[0]
            else:
                out.warn(
                    "帮扶责任人",
                    raw["officer"],
                    _("“%(name)s”不是本街道（乡镇）唯一的系统用户，未关联帮扶责任人，请在户页面指定。")
                    % {"name": officer_name},
                )
        village = self.village(out, "村（社区）", raw["village"]) if _text(raw["village"]) else None
        household = self.known.households.get(number) if number else None
        adopt = self.adopted.get(number) if number else None
        if household is None and number and identity:
            # a household registered without a number (from the 低保 roster, a form) takes the number the system gives
            held = self.known.members.get(identity)
            h0 = held["household"] if held else None
            if h0 is not None and not h0["number"] and adopt in (None, h0["pk"]):
                household, adopt = h0, h0["pk"]
        if household is None and adopt is not None:
            household = self.known.by_pk.get(adopt)
        if household is not None:
            region_id = household["region"]
            own_village = registry.village_path(household["path"])
            if village is not None and village.path != own_village:
                if self.readable(region_id):
                    out.error(
                        "村（社区）",
                        raw["village"],
                        _("户编号 %(number)s 登记在%(where)s，本行写的是%(village)s，请核对。")
                        % {"number": number, "where": self.known.regions[region_id].name, "village": village.name},
                    )
                else:
                    out.error("户编号", raw["number"], _("该户编号已登记在您无权查看的村（社区）。"))
            out.region = self.known.regions.get(region_id, self.sub)
        elif village is not None:
            out.region, region_id = village, village.pk
        else:
            if not _text(raw["village"]):
                out.error("村（社区）", raw["village"], _("新户须填写所在村（社区）。"))
            region_id = 0
        if identity and number:
            other = self.in_file.get(identity)
            if other is not None and other != number:
                out.error(
                    "证件号码",
                    raw["identity"],
                    _("同一人在本文件中已列在户编号 %(other)s 中：一人只能在一户。") % {"other": other},
                )
            held = self.known.members.get(identity)
            if (
                held is not None
                and held["household"] is not None
                and held["household"]["number"] != number
                and held["household"]["pk"] != adopt
            ):
                out.error("证件号码", raw["identity"], self.elsewhere(identity, held["household"]))
            if relation == Relation.HEAD:
                head = self.file_heads.get(number)
                registered = self.known.heads.get(household["pk"]) if household is not None else None
                if head is not None and head != identity:
                    out.error("与户主关系", raw["relation"], _("户编号 %(n)s 在本文件中已有户主。") % {"n": number})
                elif registered is not None and registered != identity:
                    out.error(
                        "与户主关系",
                        raw["relation"],
                        _("户编号 %(n)s 已登记了另一位户主：更换户主请在户页面修改。") % {"n": number},
                    )
            elif relation is not None and number not in self.file_heads:
                registered = self.known.heads.get(household["pk"]) if household is not None else None
                if registered is None:
                    out.error(
                        "与户主关系",
                        raw["relation"],
                        _("户编号 %(n)s 的户主既不在本行之前，也未登记：请把户主行放在该户成员之前。") % {"n": number},
                    )
        if out.errors:
            return out
        self.in_file.setdefault(identity, number)
        if adopt is not None:
            self.adopted.setdefault(number, adopt)
        if relation == Relation.HEAD:
            self.file_heads.setdefault(number, identity)
        # a blank cell keeps what the register holds
        h = household or {}
        m = self.known.members.get(identity) or {}
        out.key_value = identity
        out.key_display = mask_identity(identity)
        out.data = poverty_data(
            number,
            region_id,
            name,
            relation or Relation.OTHER,
            {
                "category": category or h.get("category"),
                "housing": housing or h.get("housing"),
                "officer": officer or h.get("officer"),
                "phone": phone or h.get("phone"),
                "address": address or h.get("address"),
            },
            {
                "health": health or m.get("health"),
                "in_school": in_school if in_school is not None else m.get("in_school"),
                "insured": insured if insured is not None else m.get("insured"),
            },
        )
        if adopt is not None:
            out.data["adopt"] = adopt
        return out


class _SubdistrictImporter(Importer):
    """Imports into a subdistrict: the target is its Region."""

    where = "村（社区）"
    batchable = False
    kind = ""
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
            target=reverse("household_registry:import", args=[kind, code]),
            upload=reverse("household_registry:import", args=[kind, code]),
            job=lambda pk: reverse("household_registry:import_job", args=[kind, code, pk]),
            rejected=lambda pk: reverse("household_registry:import_rejected", args=[kind, code, pk]),
        )

    def may_import(self, scope, sub: Region) -> bool:
        return policy.manage_households(scope, setup_of(sub))

    def may_write(self, scope, sub: Region, region: Region) -> bool:
        if region.pk == sub.pk:  # a row that names no village: never written
            return policy.manage_households(scope, setup_of(sub))
        return policy.write_household(scope, Household(subdistrict=sub, region=region, path=region.path), setup_of(sub))

    def region_label(self, sub: Region) -> str:
        return "村（社区）"

    def regions(self, sub: Region) -> dict[int, Region]:
        return {r.pk: r for r in Region.objects.filter(path_prefix_q("path", sub.path))}

    def plan_parts(self, sub: Region, scope) -> list:
        return _plan_parts(sub)


class PovertyImporter(_SubdistrictImporter):
    key = POVERTY
    kind = "poverty"
    label = "防返贫监测户籍"
    audit_action = "households.import"
    row_audit_action = "member.import"
    row_model = Member
    column_list = POVERTY_COLUMNS

    def cleaner(self, sub: Region, scope, units) -> PovertyCleaner:
        return PovertyCleaner(sub, scope)

    def existing(self, sub: Region) -> Iterable[tuple[str, int, dict, int]]:
        known = _known(sub)
        for identity, m in known.members.items():
            h = m["household"]
            if h is None:
                continue
            yield identity, m["pk"], poverty_data(h["number"], h["region"], m["name"], m["relation"], h, m), h["region"]

    def writer(self, job, sub, actor, now, allowed: Callable[[int], bool]) -> PovertyWriter:
        return PovertyWriter(job, sub, actor, now)

    def row_repr(self, sub: Region, object_id: int) -> str:
        return Member.objects.filter(pk=object_id).values_list("name", flat=True).first() or f"#{object_id}"


class _Writer:
    """Adds and updates within the pipeline's one transaction; `discard` has nothing to remove."""

    def __init__(self, job, sub: Region, actor, now):
        self.job, self.sub, self.actor, self.now = job, sub, actor, now
        ensure_defaults(sub)
        self.categories = {c.code: c for c in Category.objects.filter(subdistrict=sub)}
        self.touched: set[int] = set()
        self.classed: set[tuple[int, str]] = set()  # (household, code) set during this import
        self.regions: dict[int, Region] = {}
        # the subdistrict's active members by (village path, folded name): similar names found without a query each
        self.names: dict[tuple[str, str], list[tuple[int, str]]] | None = None

    def discard(self) -> None:
        """Nothing to remove: these imports are written in one transaction, taken back whole on failure."""

    def region(self, pk: int) -> Region:
        if pk not in self.regions:
            self.regions[pk] = Region.objects.get(pk=pk)
        return self.regions[pk]

    def set_class(self, household: Household, code: str | None, family: tuple[str, ...]) -> None:
        """The household's one category of `family` becomes `code` (the other categories stay); once per
        household and import."""
        if not code or code not in self.categories or (household.pk, code) in self.classed:
            return
        self.classed.add((household.pk, code))
        drop = [self.categories[c] for c in family if c != code and c in self.categories]
        if drop:
            household.categories.remove(*drop)
        household.categories.add(self.categories[code])

    def member(self, household: Household, identity: str, name: str, relation: str, data: dict) -> Member:
        sex, birth = registry.identity_facts(identity)
        m = Member(
            household=household,
            subdistrict=self.sub,
            name=name,
            identity=identity,
            relation=relation,
            sex=sex,
            birth_date=birth,
            health=data.get("health") or "",
            in_school=data.get("in_school"),
            insured=data.get("insured"),
            import_job=self.job,
        )
        m.save()
        self.review(m)
        return m

    def review(self, m: Member) -> None:
        """A NameReview with each member of the village of the same folded name whose number does not tell them
        apart (registry.similar, from one read of the subdistrict's names)."""
        if self.names is None:
            self.names = {}
            qs = Member.objects.active().filter(subdistrict=self.sub).exclude(pk=m.pk)
            for pk, key, path, identity in qs.values_list("pk", "name_key", "path", "identity"):
                self.names.setdefault((registry.village_path(path), key), []).append((pk, identity))
        place = (registry.village_path(m.path), m.name_key)
        others = self.names.setdefault(place, [])
        for pk, identity in others:
            if not (identity and m.identity):
                NameReview.objects.create(
                    subdistrict=self.sub, path=place[0], first_id=pk, second=m, created_at=self.now
                )
        others.append((m.pk, m.identity))

    def readable(self, changes: dict) -> dict:
        """An audit entry's old → new with ids and codes shown as the pages name them."""
        names = {c.code: c.name for c in self.categories.values()}
        for key, pair in changes.items():
            if key == "village":
                regions = dict(Region.objects.filter(pk__in=[v for v in pair if v]).values_list("pk", "name"))
                changes[key] = [regions.get(v, v) for v in pair]
            elif key == "officer":
                people = dict(Person.objects.filter(pk__in=[v for v in pair if v]).values_list("pk", "full_name"))
                changes[key] = [people.get(v, v) for v in pair]
            elif key == "category":
                changes[key] = [names.get(v, v) for v in pair]
            elif key == "housing":
                changes[key] = [str(HousingGrade(v).label) if v in HousingGrade.values else v for v in pair]
            elif key == "relation":
                changes[key] = [str(Relation(v).label) if v in Relation.values else v for v in pair]
            elif key == "health":
                changes[key] = [str(Health(v).label) if v in Health.values else v for v in pair]
        return changes

    def conflict(self) -> ImportConflict:
        return ImportConflict(
            _("导入期间有记录被他人修改或注销，为避免覆盖对方的修改，未写入任何数据。请重新上传文件预览后再导入。")
        )


class PovertyWriter(_Writer):
    def __init__(self, job, sub, actor, now):
        super().__init__(job, sub, actor, now)
        self.households = {h.number: h for h in Household.objects.active().filter(subdistrict=sub).exclude(number="")}

    def fill(self, h: Household, data: dict) -> None:
        for attr, key in (("address", "address"), ("phone", "phone"), ("housing_grade", "housing")):
            if data[key]:
                setattr(h, attr, data[key])
        if data["officer"]:
            h.officer_id = data["officer"]

    def household(self, data: dict) -> Household:
        h = self.households.get(data["number"])
        if h is None and data.get("adopt"):
            h = Household.objects.select_for_update().get(pk=data["adopt"], subdistrict=self.sub)
            if h.number or h.archived_at is not None:
                raise self.conflict()
            h.number = data["number"]
            h.revision += 1
            h.save()
            self.households[h.number] = h
        if h is None:
            h = Household(
                subdistrict=self.sub, region=self.region(data["village"]), number=data["number"], import_job=self.job
            )
            self.fill(h, data)
            h.save()
            self.households[h.number] = h
        else:
            before = (h.address, h.phone, h.housing_grade, h.officer_id)
            self.fill(h, data)
            if (h.address, h.phone, h.housing_grade, h.officer_id) != before:
                h.revision += 1
                h.save()
        self.set_class(h, data["category"], POVERTY_CODES)
        self.touched.add(h.pk)
        return h

    def add(self, rows: list[tuple[int, str, str]]) -> None:
        for _region_id, data_json, identity in rows:
            data = json.loads(data_json)
            self.member(self.household(data), identity, data["name"], data["relation"], data)
        refresh_households(self.touched)

    def stage(self, updates: list[tuple[str, dict, int]]) -> list[StagedChange]:
        qs = Member.objects.active().filter(subdistrict=self.sub, identity__in=[k for k, _d, _r in updates])
        current = {m.identity: m for m in qs.select_related("household")}
        known = _known(self.sub)
        out = []
        for identity, data, _region_id in updates:
            m = current.get(identity)
            if m is None or (m.household.number != data["number"] and m.household_id != data.get("adopt")):
                raise self.conflict()
            k = known.members[identity]
            h = k["household"]
            old = poverty_data(h["number"], h["region"], k["name"], k["relation"], h, k)
            changes = self.readable(
                {key: [old.get(key), data.get(key)] for key in data if old.get(key) != data.get(key)}
            )
            out.append(
                StagedChange(
                    job=self.job,
                    object_id=m.pk,
                    revision=m.revision,
                    payload={"data": data},
                    changes=changes,
                    region_path=m.path,
                )
            )
        return out

    def apply(self, changes: list[StagedChange]) -> int:
        members = {m.pk: m for m in Member.objects.select_for_update().filter(pk__in=[c.object_id for c in changes])}
        done = 0
        for c in changes:
            m = members.get(c.object_id)
            if m is None or m.revision != c.revision or m.archived_at is not None:
                continue
            data = c.payload["data"]
            h = self.household(data)
            if h.pk != m.household_id:
                continue
            m.name, m.relation = data["name"], data["relation"]
            m.health = data.get("health") or ""
            m.in_school, m.insured = data.get("in_school"), data.get("insured")
            m.import_job = self.job
            m.revision += 1
            m.save()
            done += 1
        refresh_households(self.touched)
        return done


# ---- 低保名册 -----------------------------------------------------------------------------------------------

DIBAO_COLUMNS = [
    Column("village", ("村", "村（社区）", "所在村", "行政村", "村（居）", "村居", "村名称")),
    Column("name", ("户主姓名", "户主", "保障对象姓名", "申请人姓名", "姓名"), required=True),
    Column("identity", ("身份证号", "户主身份证号", "身份证号码", "证件号码", "公民身份号码"), required=True),
    Column("size", ("保障人数", "保障人口", "家庭人口", "家庭人数")),
    Column("kind", ("低保类别", "保障类别", "类别", "救助类别")),
    Column("phone", ("联系电话", "电话", "手机号码")),
    Column("address", ("家庭住址", "住址", "居住地址"), quiet=True),
]
SPECIAL_WORDS = ("特困", "五保", "分散供养", "集中供养")


def dibao_data(village: int, name: str, household: int | None, h: dict) -> dict:
    return {
        "village": village,
        "name": name,
        "household": household,
        "category": h.get("dibao"),
        "phone": h.get("phone") or "",
        "address": h.get("address") or "",
    }


class DibaoCleaner(_Cleaner):
    columns = DIBAO_COLUMNS
    key = ["identity"]
    key_label = "身份证号"

    def clean_cells(self, cells: list) -> Row:
        raw = dict(zip(self.keys, cells, strict=True))
        out = Row(region=self.sub, key_label=self.key_label)
        name = _text(raw["name"], 50)
        if not name:
            out.error("户主姓名", raw["name"], _("户主姓名不能为空。"))
        elif name.startswith(EXAMPLE):
            out.error("户主姓名", raw["name"], _("这是模板中的示例行，请删除后再导入。"))
        identity = self.identity(out, "身份证号", raw["identity"])
        kind = _text(raw["kind"], 30)
        code = "tekun" if any(w in kind for w in SPECIAL_WORDS) else "dibao"
        phone = ""
        try:
            phone = xv.parse_phone(raw["phone"]).value or ""
        except xv.ValueProblem as exc:
            out.error("联系电话", raw["phone"], str(exc))
        size = None
        if _text(raw["size"]):
            try:
                size = xv.parse_integer(raw["size"]).value
            except (xv.ValueProblem, AttributeError):
                out.error("保障人数", raw["size"], _("保障人数应为整数。"))
        village = self.village(out, "村", raw["village"]) if _text(raw["village"]) else None
        held = self.known.members.get(identity) if identity else None
        household = held["household"] if held else None
        if household is not None:
            out.region = self.known.regions.get(household["region"], self.sub)
            region_id = household["region"]
            if village is not None and village.path != registry.village_path(household["path"]):
                if self.readable(region_id):
                    out.error(
                        "村",
                        raw["village"],
                        _("此人登记在%(where)s，名册写的是%(village)s，请核对。")
                        % {"where": self.known.regions[region_id].name, "village": village.name},
                    )
                else:
                    out.error("身份证号", raw["identity"], _("此人登记在您无权查看的村（社区）。"))
            if held and held["relation"] != Relation.HEAD and not out.errors:
                out.warn(
                    "身份证号",
                    raw["identity"],
                    _("此人在户中登记为“%(rel)s”，不是户主；已按其所在户设置。")
                    % {"rel": Relation(held["relation"]).label},
                )
            if size is not None and household["count"] and size != household["count"] and not out.errors:
                out.warn(
                    "保障人数",
                    raw["size"],
                    _("保障人数 %(n)s 与登记的家庭人口 %(m)s 不同，请核对。") % {"n": size, "m": household["count"]},
                )
        elif village is not None:
            out.region, region_id = village, village.pk
        else:
            if not _text(raw["village"]):
                out.error("村", raw["village"], _("未登记的户须填写所在村（社区）。"))
            region_id = 0
        if out.errors:
            return out
        h = dict(household or {})
        h["dibao"] = code
        h["phone"] = phone or h.get("phone")
        h["address"] = _text(raw["address"], 200) or h.get("address")
        out.key_value = identity
        out.key_display = mask_identity(identity)
        out.data = dibao_data(region_id, held["name"] if held else name, household["pk"] if household else None, h)
        return out


class DibaoImporter(_SubdistrictImporter):
    key = DIBAO
    kind = "dibao"
    label = "低保名册"
    audit_action = "households.dibao.import"
    row_audit_action = "household.dibao.import"
    row_model = Household
    column_list = DIBAO_COLUMNS

    def cleaner(self, sub: Region, scope, units) -> DibaoCleaner:
        return DibaoCleaner(sub, scope)

    def existing(self, sub: Region) -> Iterable[tuple[str, int, dict, int]]:
        known = _known(sub)
        for identity, m in known.members.items():
            h = m["household"]
            if h is not None:
                yield identity, h["pk"], dibao_data(h["region"], m["name"], h["pk"], h), h["region"]

    def writer(self, job, sub, actor, now, allowed: Callable[[int], bool]) -> DibaoWriter:
        return DibaoWriter(job, sub, actor, now)

    def row_repr(self, sub: Region, object_id: int) -> str:
        h = Household.objects.filter(pk=object_id).first()
        return str(h) if h else f"#{object_id}"


class DibaoWriter(_Writer):
    def add(self, rows: list[tuple[int, str, str]]) -> None:
        for region_id, data_json, identity in rows:
            data = json.loads(data_json)
            h = Household(
                subdistrict=self.sub,
                region=self.region(region_id),
                phone=data["phone"],
                address=data["address"],
                import_job=self.job,
            )
            h.save()
            self.set_class(h, data["category"], DIBAO_CODES)
            self.member(h, identity, data["name"], Relation.HEAD, {})
            self.touched.add(h.pk)
        refresh_households(self.touched)

    def stage(self, updates: list[tuple[str, dict, int]]) -> list[StagedChange]:
        ids = {d["household"] for _k, d, _r in updates}
        current = {h.pk: h for h in Household.objects.active().filter(pk__in=ids, subdistrict=self.sub)}
        known = _known(self.sub)
        out = []
        for identity, data, _region_id in updates:
            h = current.get(data["household"])
            m = known.members.get(identity)
            if h is None or m is None or m["household"]["pk"] != h.pk:
                raise self.conflict()
            old = dibao_data(h.region_id, m["name"], h.pk, m["household"])
            changes = self.readable(
                {key: [old.get(key), data.get(key)] for key in data if old.get(key) != data.get(key)}
            )
            changes.pop("household", None)
            out.append(
                StagedChange(
                    job=self.job,
                    object_id=h.pk,
                    revision=h.revision,
                    payload={"data": data},
                    changes=changes,
                    region_path=h.path,
                )
            )
        return out

    def apply(self, changes: list[StagedChange]) -> int:
        households = {
            h.pk: h for h in Household.objects.select_for_update().filter(pk__in=[c.object_id for c in changes])
        }
        done = 0
        for c in changes:
            h = households.get(c.object_id)
            if h is None or h.revision != c.revision or h.archived_at is not None:
                continue
            data = c.payload["data"]
            h.phone, h.address = data["phone"], data["address"]
            h.revision += 1
            h.save()
            self.set_class(h, data["category"], DIBAO_CODES)
            self.touched.add(h.pk)
            done += 1
        refresh_households(self.touched)
        return done


POVERTY_IMPORTER = register(PovertyImporter())
DIBAO_IMPORTER = register(DibaoImporter())
