"""Taiping's construction projects and tax sources in 2020, for the demo (synthetic: 演示数据).

What the board's 固定资产投资 and 税收收入 count (zhili/projects/source.py), so the figures the article's year had
come from records, not from typed totals:

- the tax setup (济阳区 370115, urban district, 经发办 in charge), saved by the demo's leader;
- ~50 construction projects in the green-building park (the three demolished villages) and the villages, their
  contractors with valid unified social credit codes registered here, in another county of 济南 (历城区, 历下区:
  their tax leaves), in other cities of Shandong or in other provinces (some run by the head office: income tax);
  several ≥ 500 万元 projects not registered in the statistics (应统未统);
- their months January–October 2020, whose 本月完成投资 add up to the year's series (SERIES, cumulative 万元);
- the tax bureau's receipts: most projects pay what is expected, some less (gaps), some with the project's name,
  some without, a few taxpayers nobody registered; the six key enterprises of the article and other enterprises
  pay the rest, so that the receipts of each month add up to TAX (万元);
- the six key enterprises (膜丽东方, 科尔超声波, 和建机械, 盛时创机械, 德辰机器, 铭润家具 — full names made up) with a
  year of monthly taxes (November 2019 – October 2020) and their requests (诉求) as cases, some closed through the
  loop, some open.

Idempotent like the other demo loaders: each block is written only when it is missing; random choices come from
generators seeded per block.
"""

from __future__ import annotations

import datetime
import itertools
import random
from decimal import Decimal

from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from zhili.cases import actions as case_actions
from zhili.demo import cases2020
from zhili.people.models import Person, Unit
from zhili.people.scope import scope_for
from zhili.projects import actions, monitor, queries, taxes
from zhili.projects.models import (
    Enterprise,
    EnterpriseRequest,
    EnterpriseStatus,
    ExpectedTax,
    Project,
    ProjectMonth,
    ProjectStatus,
    TaxReceipt,
)
from zhili.regions.models import Region

YEAR = 2020
COUNTY = "370115"  # 济阳区
MONTHS = 10  # January–October: the demo's today is 2020-11-20
# 固定资产投资, cumulative 万元 by the end of each month (the board's series)
SERIES = [8200, 9600, 21300, 41800, 67500, 92900, 117600, 141200, 170400, 195800]
# 税收收入, 万元 received in each month (not cumulative)
TAX = [1020, 410, 560, 880, 950, 1120, 1080, 1150, 1290, 1390]
PARK_VILLAGES = ["郎家村", "孙家店村", "小王村"]  # demolished for the park
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CENT = Decimal("0.01")

# contractors: name, registration place (county code), how many projects
CONTRACTORS = [
    ("济南先行区建设工程有限公司", "370115"),
    ("济阳城建集团有限公司", "370115"),
    ("山东济阳路桥工程有限公司", "370115"),
    ("济南历城建工集团有限公司", "370112"),  # same city: tax leaves
    ("山东历城市政工程有限公司", "370112"),
    ("济南泉城建设工程有限公司", "370102"),
    ("青岛海岸建设集团有限公司", "370202"),
    ("淄博齐鲁建工有限公司", "370302"),
    ("潍坊华建工程有限公司", "370702"),
    ("临沂沂蒙建设集团有限公司", "371302"),
    ("中建八局第二建设有限公司（演示）", "370102"),
    ("北京城建华泰工程有限公司", "110105"),
    ("江苏南通三建集团有限公司", "320602"),
    ("河南中原建设工程有限公司", "410105"),
    ("浙江东南钢结构有限公司", "330106"),
    ("河北冀通路桥有限公司", "130102"),
]
HEAD_OFFICE = {"北京城建华泰工程有限公司", "江苏南通三建集团有限公司", "浙江东南钢结构有限公司"}

PARK_PROJECTS = [
    "绿色建设产业园装配式建筑生产基地",
    "绿色建设产业园钢结构智能制造车间",
    "绿色建设产业园新型建材研发中心",
    "绿色建设产业园综合服务中心",
    "绿色建设产业园一号路及配套管网",
    "绿色建设产业园二号路及配套管网",
    "绿色建设产业园标准化厂房一期",
    "绿色建设产业园标准化厂房二期",
    "绿色建设产业园污水处理站",
    "绿色建设产业园110千伏变电站",
    "绿色建设产业园人才公寓",
    "绿色建设产业园物流仓储中心",
]
VILLAGE_PROJECTS = [
    "{v}乡村振兴示范片区道路提升",
    "{v}农村公路大中修",
    "{v}冷链仓储中心",
    "{v}西瓜交易市场改造",
    "{v}社区综合服务中心",
    "{v}农产品加工厂房",
    "{v}光伏农业大棚",
    "{v}安置区配套学校",
]

KEY_ENTERPRISES = [
    # name, sector, share of the key enterprises' taxes
    ("山东膜丽东方新材料有限公司", "新材料（功能膜）", 0.28),
    ("济南科尔超声波科技有限公司", "超声波设备制造", 0.16),
    ("山东和建机械有限公司", "工程机械制造", 0.2),
    ("济南盛时创机械设备有限公司", "机械设备制造", 0.12),
    ("山东德辰机器制造有限公司", "通用设备制造", 0.14),
    ("济南铭润家具有限公司", "家具制造", 0.1),
]
OTHER_ENTERPRISES = [
    ("济南太平宝农业发展有限公司", "农产品加工"),
    ("山东黄河滩区食品有限公司", "食品制造"),
    ("济阳区太平镇供销商贸有限公司", "批发零售"),
    ("济南鑫源塑业有限公司", "塑料制品"),
    ("山东瑞丰纺织有限公司", "纺织"),
    ("济南金穗面粉有限公司", "粮食加工"),
]
UNMATCHED = [("济南某某劳务有限公司", "91370112MA3DXXXX"), ("山东某建材销售有限公司", "91371302MA3EXXXX")]

REQUESTS = [
    # enterprise index, kind, description, month, day, closed
    (0, "labour", "复工复产急需熟练工 60 名，请协调人社部门组织专场招聘", 2, 17, True),
    (0, "power", "二期生产线投产需增容 800 千伏安，请协调供电公司", 6, 8, True),
    (1, "permit", "新厂房消防验收材料已报送，请协调加快办理", 5, 12, True),
    (2, "land", "扩建项目需用地 30 亩，请协调纳入园区用地计划", 7, 21, False),
    (2, "labour", "防疫物资不足，复工需口罩 2000 个、测温枪 10 把", 2, 10, True),
    (3, "power", "车间线路老化，申请供电公司上门检修", 9, 3, True),
    (4, "permit", "环评批复办理进度缓慢，请经发办协调", 10, 15, False),
    (5, "other", "厂区门前道路破损，运输车辆通行困难，请协调修复", 11, 9, False),
    (5, "labour", "外地员工返岗需核酸检测，请协调检测点", 3, 2, True),
]


def _rng(key: str) -> random.Random:
    return random.Random(f"zhili-demo-{YEAR}-projects-{key}")


def _month(k: int) -> datetime.date:
    """The first day of month k of 2020 (1-based); k ≤ 0 reaches back into 2019."""
    y, m = divmod(k - 1, 12)
    return datetime.date(YEAR + y, m + 1, 1)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def uscc(county: str, rng: random.Random) -> str:
    """A unified social credit code of a company registered in `county`, with its check character."""
    body = "91" + county + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    return body + stdnum_uscc.calc_check_digit(body)


def _split(total: Decimal, weights: list[float]) -> list[Decimal]:
    """`total` in parts proportional to `weights`, to the fen, adding up exactly."""
    s = sum(weights)
    parts = [(total * Decimal(w / s)).quantize(CENT) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def load(
    summary,
    *,
    sub: Region,
    villages: list[Region],
    units: dict[str, Unit],
    people: dict[str, Person],
    leaders: list[Person],
) -> None:
    """Create (or top up) Taiping's projects, receipts and key enterprises; counts go into `summary`."""
    leader = people["demo-leader"]
    setup = queries.setup_of(sub)
    if setup.pk is None:
        setup = actions.do_save_setup(
            sub,
            {"county_code": COUNTY, "location_class": taxes.LocationClass.URBAN.value, "unit": units["economy"]},
            actor=leader,
            scope=scope_for(leader),
        )
        summary.add("tax setups")
    by_name = {v.name: v for v in villages if v.valid_to is None or v.name in PARK_VILLAGES}
    if not Project.objects.filter(subdistrict=sub).exists():
        projects = _projects(summary, sub, setup.county_code, by_name)
        _months(summary, projects)
        monitor.refresh([p.pk for p in projects])
    keys = _key_enterprises(summary, sub, by_name, people, leaders)
    if not TaxReceipt.objects.filter(subdistrict=sub).exists():
        _receipts(summary, sub, keys, by_name)
    if not EnterpriseRequest.objects.filter(enterprise__subdistrict=sub).exists():
        _requests(summary, keys, people)


# ---- projects and their months -----------------------------------------------------------------------------


def _projects(summary, sub: Region, county: str, by_name: dict[str, Region]) -> list[Project]:
    rng = _rng("ledger")
    contractors = []
    for name, place in CONTRACTORS:
        contractors.append(
            Enterprise.objects.create(
                subdistrict=sub, region=sub, name=name, uscc=uscc(place, rng), county_code=place, is_synthetic=True
            )
        )
    summary.add("enterprises", len(contractors))
    park = [by_name[n] for n in PARK_VILLAGES if n in by_name]
    others = sorted(
        (v for n, v in by_name.items() if n not in PARK_VILLAGES and v.valid_to is None), key=lambda v: v.code
    )
    plans = []
    for i, name in enumerate(PARK_PROJECTS):
        plans.append((name, park[i % len(park)], True, rng.randint(8, 45) * 1000))
    for i, village in enumerate(rng.sample(others, 36)):
        template = VILLAGE_PROJECTS[i % len(VILLAGE_PROJECTS)]
        size = rng.choice([180, 260, 320, 420, 600, 800, 1200, 1500, 2400, 3600, 5200])
        plans.append((template.format(v=village.name.removesuffix("村").removesuffix("社区")), village, False, size))
    unregistered = set(rng.sample([p[0] for p in plans if p[3] >= 500 and not p[2]], 5))
    rows = []
    for k, (name, village, in_park, planned) in enumerate(plans):
        # the park's first projects cross the year; the rest start month by month (several late: the epidemic)
        start = _month(rng.randint(-8, 0)) if k < 5 else _month(rng.choice([1, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9]))
        if k >= len(plans) - 3:
            start = _month(12)  # signed, not started
        contractor = contractors[rng.randrange(len(contractors))]
        relation = taxes.relation(county, contractor.county_code)
        method = rng.choice(
            [taxes.Method.GENERAL] * 6
            + [taxes.Method.SIMPLE] * (1 if planned >= 1000 else 3)
            + [taxes.Method.SMALL_SCALE] * (0 if planned >= 1000 else 2)
        )
        management = (
            taxes.Management.HEAD_OFFICE
            if contractor.name in HEAD_OFFICE and rng.random() < 0.7
            else taxes.Management.BRANCH
        )
        rows.append(
            Project(
                subdistrict=sub,
                region=village,
                name=f"{name}项目",
                owner_name="济南新旧动能转换先行区管委会（演示）" if in_park else f"{village.name}村民委员会（演示）",
                contractor=contractor,
                management=management.value,
                method=method.value,
                relation=relation.value,
                contract_amount=Decimal(planned) * Decimal("0.85"),
                planned_investment=Decimal(planned),
                start=start,
                finish=datetime.date(YEAR + 1, rng.randint(3, 12), 28),
                status=ProjectStatus.PLANNED if start.year > YEAR else ProjectStatus.BUILDING,
                in_park=in_park,
                registered=planned >= 500 and name not in unregistered,
                is_synthetic=True,
            )
        )
    made = Project.objects.bulk_create(rows)
    summary.add("projects", len(made))
    return list(Project.objects.filter(subdistrict=sub).select_related("contractor"))


def _months(summary, projects: list[Project]) -> None:
    """Each month's investment (the series' increase) split over the projects building then, in proportion to their
    size; receipts and subcontract payments follow the investment."""
    rng = _rng("months")
    increments = [Decimal(SERIES[0])] + [Decimal(b - a) for a, b in itertools.pairwise(SERIES)]
    weights = {p.pk: float(p.planned_investment) * rng.uniform(0.6, 1.4) for p in projects}
    rows = []
    for k in range(1, MONTHS + 1):
        building = [p for p in projects if p.start is not None and p.start <= _month(k)]
        parts = _split(increments[k - 1], [weights[p.pk] * rng.uniform(0.7, 1.3) for p in building])
        for p, investment in zip(building, parts, strict=True):
            wan = investment.quantize(CENT)
            received = (wan * 10000 * Decimal(rng.uniform(0.55, 1.05))).quantize(CENT)
            roll = rng.random()
            if roll < 0.08:  # paid the subcontractors more than was received: the base carries forward
                subcontract = (received * Decimal(rng.uniform(1.1, 1.6))).quantize(CENT)
            elif roll < 0.5:
                subcontract = (received * Decimal(rng.uniform(0.15, 0.5))).quantize(CENT)
            else:
                subcontract = Decimal(0)
            rows.append(
                ProjectMonth(
                    project=p,
                    subdistrict_id=p.subdistrict_id,
                    month=_month(k),
                    received=received,
                    subcontract=subcontract,
                    investment=wan,
                )
            )
    ProjectMonth.objects.bulk_create(rows)
    summary.add("project months", len(rows))


# ---- enterprises ---------------------------------------------------------------------------------------------


def _key_enterprises(
    summary, sub: Region, by_name: dict[str, Region], people: dict[str, Person], leaders: list[Person]
) -> list[Enterprise]:
    rng = _rng("key")
    economy = people["demo-economy"]
    scope = scope_for(economy)
    park = [by_name[n] for n in PARK_VILLAGES if n in by_name]
    homes = [*park, by_name.get("太平社区"), by_name.get("庙廊社区")]
    out = []
    for i, (name, sector, _share) in enumerate(KEY_ENTERPRISES):
        code = uscc(COUNTY, rng)  # drawn whether or not it exists, so a top-up draws the same codes
        found = Enterprise.objects.active().filter(subdistrict=sub, name=name).first()
        if found is None:
            found = actions.do_save_enterprise(
                sub,
                {
                    "uscc": code,
                    "name": name,
                    "region": homes[i % len(homes)] or sub,
                    "sector": sector,
                    "is_key": True,
                    "status": EnterpriseStatus.RESUMED,
                    "liaison": economy if i % 2 == 0 else leaders[1 + i % (len(leaders) - 1)],
                },
                actor=economy,
                scope=scope,
            )
            Enterprise.objects.filter(pk=found.pk).update(county_code=COUNTY, is_synthetic=True)
            summary.add("enterprises")
        out.append(found)
    return out


def _others(sub: Region, by_name: dict[str, Region], rng: random.Random) -> list[Enterprise]:
    others = sorted((v for n, v in by_name.items() if n not in PARK_VILLAGES), key=lambda v: v.code)
    return [
        Enterprise.objects.create(
            subdistrict=sub,
            region=others[(7 * i + 3) % len(others)],
            name=name,
            uscc=uscc(COUNTY, rng),
            county_code=COUNTY,
            sector=sector,
            is_synthetic=True,
        )
        for i, (name, sector) in enumerate(OTHER_ENTERPRISES)
    ]


# ---- the tax bureau's receipts -------------------------------------------------------------------------------


def _receipt(sub, period, tax, amount, *, taxpayer, name, region, enterprise=None, project=None, project_name=""):
    return TaxReceipt(
        subdistrict=sub,
        region=region,
        taxpayer_id=taxpayer,
        taxpayer_name=name,
        tax=tax,
        period=period,
        amount=amount,
        project_name=project_name,
        enterprise=enterprise,
        project=project,
        key=f"{taxpayer}|{tax}|{period:%Y-%m}|{project.name if project else ''}",
    )


def _receipts(summary, sub: Region, keys: list[Enterprise], by_name: dict[str, Region]) -> None:
    """Construction prepayments close to what is expected (some short), then the enterprises' taxes making up
    each month's TAX; a few rows for taxpayers nobody registered."""
    rng = _rng("receipts")
    others = _others(sub, by_name, rng)
    summary.add("enterprises", len(others))
    rows: list[TaxReceipt] = []
    by_month = [Decimal(0)] * (MONTHS + 1)
    expected = (
        ExpectedTax.objects.filter(project__subdistrict=sub, month__year=YEAR)
        .select_related("project__contractor", "project__region")
        .order_by("project__name", "month")
    )
    short = {p: rng.uniform(0.3, 0.8) for p in rng.sample(sorted({e.project.name for e in expected}), 8)}
    for e in expected:
        p = e.project
        factor = short.get(p.name, 1.0)
        if factor < 1.0 and rng.random() < 0.3:
            continue  # a month not paid at all
        named = rng.random() < 0.55
        for tax in ("vat", "urban_maintenance", "education", "local_education", "income_tax"):
            due = getattr(e, tax)
            if due <= 0:
                continue
            amount = (due * Decimal(factor)).quantize(CENT)
            rows.append(
                _receipt(
                    sub,
                    e.month,
                    tax,
                    amount,
                    taxpayer=p.contractor.uscc,
                    name=p.contractor.name,
                    region=p.region,
                    enterprise=p.contractor,
                    project=p,
                    project_name=p.name if named else "",
                )
            )
            by_month[e.month.month] += amount
    # unmatched: two taxpayers nobody registered (counted for the subdistrict as a whole)
    for k in (4, 7, 9):
        for name, prefix in UNMATCHED:
            taxpayer = prefix + "".join(rng.choice(USCC_CHARS) for _ in range(2))
            amount = Decimal(rng.randint(80_000, 400_000))
            rows.append(_receipt(sub, _month(k), "vat", amount, taxpayer=taxpayer, name=name, region=sub))
            by_month[k] += amount
    # the enterprises: the key six carry about 60 % of the rest, the others 40 %
    weights = [share * 0.6 for _n, _s, share in KEY_ENTERPRISES] + [0.4 / len(others)] * len(others)
    payers = keys + others
    for k in range(-1, MONTHS + 1):  # November 2019 – October 2020: a year for the key enterprises
        period = _month(k)
        if k >= 1:
            rest = Decimal(TAX[k - 1]) * 10000 - by_month[k]
            who = payers
        else:
            rest = Decimal(rng.randint(600, 900)) * 10000 * Decimal("0.6")
            who = keys
        parts = _split(rest, [w * rng.uniform(0.8, 1.2) for w in weights[: len(who)]])
        for ent, amount in zip(who, parts, strict=True):
            quarter_end = period.month in (1, 4, 7, 10)
            split = [0.8, 0.056, 0.024, 0.016] + ([0.104] if quarter_end else [])
            kinds = ["vat", "urban_maintenance", "education", "local_education"] + (
                ["income_tax"] if quarter_end else []
            )
            for tax, part in zip(kinds, _split(amount, split), strict=True):
                rows.append(
                    _receipt(
                        sub, period, tax, part, taxpayer=ent.uscc, name=ent.name, region=ent.region, enterprise=ent
                    )
                )
    TaxReceipt.objects.bulk_create(rows)
    summary.add("tax receipts", len(rows))


# ---- requests ------------------------------------------------------------------------------------------------


def _requests(summary, keys: list[Enterprise], people: dict[str, Person]) -> None:
    """Requests as cases: the closed ones walked through the loop by the dispatcher and 经发办."""
    economy, dispatcher = people["demo-economy"], people["demo-urban"]
    scopes = {p.pk: scope_for(p) for p in (economy, dispatcher)}
    for index, kind, description, month, day, closed in REQUESTS:
        ent = keys[index]
        when = _at(datetime.date(YEAR, month, day), 9)
        request = actions.do_add_request(
            ent, kind=kind, description=description, actor=economy, scope=scopes[economy.pk], at=when
        )
        summary.add("enterprise requests")
        if not closed:
            continue
        case = request.case
        unit = Unit.objects.get(region=ent.subdistrict, code="economy")
        steps = [
            ("accept", dispatcher, 2, {}),
            ("file", dispatcher, 3, {}),
            ("dispatch", dispatcher, 4, {"unit": unit}),
            ("handle", economy, 50, {"note": "已协调办理完毕，企业确认"}),
            ("feedback", economy, 51, {}),
            ("verify", dispatcher, 54, {}),
            ("close", dispatcher, 55, {}),
        ]
        for action, actor, hours, extra in steps:
            if action == "handle":
                taken = when + datetime.timedelta(hours=hours)
                extra = {
                    **extra,
                    "photos": [
                        cases2020.upload(
                            f"IMG_{taken:%Y%m%d_%H%M}.jpg", cases2020.jpeg(index * 31 + month, after=True, taken=taken)
                        )
                    ],
                }
            case = case_actions.do_act(
                case, action, actor=actor, scope=scopes[actor.pk], at=when + datetime.timedelta(hours=hours), **extra
            )
