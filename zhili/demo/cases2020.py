"""Taiping's grid cases of 2020, for the demo (../shared/seed/DIGEST.md, living-environment and livelihood lines).

What it writes (every person, place, household and description is made up; 演示数据):
- the default categories and case rule, with 城管办 as the dispatching centre, and the routing matrix:
  占道经营/广告牌匾/违建/扬尘/乱停放 → 城管办, 垃圾/残垣断壁/乱堆物堆料 → the case's own village, 兜底保障 → 民政办,
  the other 督查整改 classes → the village; the seats' grids send 垃圾 to 城管办 (环卫公司), and 孔家坊村第1网格
  names its party secretary for 残垣断壁 and 垃圾;
- one superior inspection batch (2020年脱贫攻坚省级督查反馈问题) of exactly 150 items: 138 closed by 10-31 (the
  figure the offices reported under 3.1.1.1), 141 by today, 9 open on 2020-11-20 — overdue ones, two extended
  with approval and still not done, one waiting for verification, one for closing, one parked (挂账);
- patrols of every grid inspector with check-ins, and some three thousand environment cases found on them (or by
  cadres) in the 太平 and 庙廊 seats (占道经营, 广告牌匾 first) and the villages (残垣断壁, 垃圾 first), from January
  to 2020-11-19: most through the whole loop, some refused or void, some reworked, some extended (approved or
  denied), some parked, and the recent ones still open in every state, the late ones red; a few hotspots;
- a handful of citizens' reports (随手拍) with tracking codes, and one confidential tip (扫黑除恶线索);
- cases waiting for the demo logins on 2020-11-20: demo-grid has cases to verify, demo-village cases to handle
  (one overdue, one sent back for rework), demo-urban cases to accept, file, dispatch and close, demo-leader an
  extension to decide.

How: every case is a plan (its report and its steps) written by `Sim`, which applies the rules the actions
apply (the same deadline functions, the same fields, one CaseEvent per step, ExtensionRequest rows, photos
checked by the same function and stored through the same storage paths — six shared files for thousands of
cases, and a photo of its own where its EXIF position matters). Written in bulk, the cases carry no per-step
audit entries (the demo's own "demo.load" entry counts them; audit entries would carry today's real date, not
2020's). tests/test_demo_cases.py runs a plan through zhili.cases.actions (run_with_actions) and through Sim and
compares what they wrote.

Idempotent like the rest of the demo: categories, rules and routes are looked up by their keys; the cases are
written only when the subdistrict has none of the demo's batch yet. Deterministic: every choice comes from a
generator seeded here (tracking codes included).
"""

from __future__ import annotations

import datetime
import io
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

import shapely
import shapely.geometry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from PIL import Image, ImageDraw

from zhili.cases import actions, defaults
from zhili.cases.models import (
    Case,
    CaseEvent,
    CasePhoto,
    CaseRule,
    Category,
    ExtensionRequest,
    InspectionBatch,
    Patrol,
    PhotoStage,
    RouteRule,
    Source,
    State,
)
from zhili.cases.photos import check_photo
from zhili.core.workdays import add_working_days
from zhili.people.models import Person, Role, RoleAssignment, Unit
from zhili.people.scope import Scope, scope_for
from zhili.regions import geo
from zhili.regions.models import Level, Region

YEAR = 2020
TODAY = datetime.date(2020, 11, 20)  # the demo's "today" (targets2020.TODAY, SiteFlag "today")
SEATS = ["太平社区", "庙廊社区"]
KONG = "孔家坊村"
DEMOLISHED = ["郎家村", "孙家店村", "小王村"]  # demolished before the Spring Festival: no patrols in 2020
ARTICLE = ["哈叭沟村", "阎桥村", "来佛寺村", "白家堰村"]

BATCH_NAME = "2020年脱贫攻坚省级督查反馈问题"
BATCH_ISSUER = "山东省脱贫攻坚专项督查组（演示）"
BATCH_RECEIVED = datetime.date(2020, 4, 10)
BATCH_DUE = datetime.date(2020, 10, 31)
BATCH_ITEMS = {"safety-net": 60, "dilapidated-housing": 35, "drinking-water": 30, "living-environment": 25}
BATCH_CLOSED_BY_OCT = 138  # what 民政办、城管办、农业办 reported as 销号 under 3.1.1.1 by October
BATCH_CLOSED_IN_NOV = 3
BATCH_OPEN = 150 - BATCH_CLOSED_BY_OCT - BATCH_CLOSED_IN_NOV  # 9 open on 2020-11-20

# Urban-management staff who handle 城管办's cases (synthetic; they cannot sign in).
URBAN_STAFF = [("cg-zd-1", "城管执法中队队员"), ("cg-zd-2", "城管执法中队队员"), ("cg-zd-3", "市容环卫管理员")]
VILLAGE = "village"  # a route to the case's own village
ROUTES = {
    "street-vending": "urban",
    "signboard": "urban",
    "illegal-building": "urban",
    "dust": "urban",
    "parking": "urban",
    "manhole": "urban",
    "streetlight": "urban",
    "hydrant": "urban",
    "traffic-sign": "urban",
    "guardrail": "urban",
    "road-collapse": "urban",
    "pipe-burst": "urban",
    "green-damage": "agri",
    "garbage": VILLAGE,
    "ruined-wall": VILLAGE,
    "stacking": VILLAGE,
    "flyposting": VILLAGE,
    "trash-bin": VILLAGE,
    "public-toilet": VILLAGE,
    "safety-net": "civil",
    "dilapidated-housing": VILLAGE,
    "drinking-water": VILLAGE,
    "living-environment": VILLAGE,
    "saohei": "security",
}

# What patrols find: seats (驻地) and villages, category → weight.
SEAT_MIX = {
    "street-vending": 36,
    "signboard": 24,
    "parking": 9,
    "flyposting": 7,
    "garbage": 8,
    "stacking": 5,
    "trash-bin": 4,
    "dust": 2,
    "manhole": 2,
    "streetlight": 3,
}
VILLAGE_MIX = {
    "ruined-wall": 27,
    "garbage": 30,
    "stacking": 15,
    "illegal-building": 5,
    "dust": 5,
    "trash-bin": 5,
    "flyposting": 4,
    "streetlight": 4,
    "public-toilet": 2,
    "green-damage": 1,
    "guardrail": 1,
    "street-vending": 1,
}

STREETS = {
    "太平社区": ["太平大街", "府前路", "太平商贸街", "济太路", "新市场路", "文化路"],
    "庙廊社区": ["庙廊大街", "庙廊集市", "济太路庙廊段", "兴业路"],
}
VILLAGE_SPOTS = [
    "村东头",
    "村西口",
    "南街",
    "北街",
    "中心街",
    "文化广场旁",
    "村委会东侧",
    "村北生产路",
    "老学校旁",
    "水塘边",
]
WHAT = {
    "street-vending": ["流动摊贩占道售卖水果", "早市摊点越线占道经营", "商户店外经营，占用人行道", "烧烤摊占道经营"],
    "signboard": [
        "门头牌匾破损，有坠落隐患",
        "未经审批设置落地广告牌",
        "牌匾样式不符合驻地统一标准",
        "条幅广告私拉乱挂",
    ],
    "parking": ["车辆乱停乱放堵塞通道", "三轮车占用人行道停放"],
    "flyposting": ["电线杆上张贴小广告", "墙面喷涂办证小广告"],
    "garbage": ["积存生活垃圾未清运", "暴露垃圾，影响村容", "垃圾池满溢"],
    "ruined-wall": ["残垣断壁，存在倒塌隐患", "废弃院落残墙，需拆除清理", "坍塌土坯墙影响村容"],
    "stacking": ["柴草、杂物乱堆乱放", "建筑材料占道堆放", "秸秆、粪堆堆积"],
    "illegal-building": ["疑似新建违章建筑", "私自加盖简易棚房"],
    "dust": ["施工工地裸土未覆盖，起尘", "渣土车未密闭运输，沿路抛洒"],
    "trash-bin": ["垃圾桶破损", "垃圾箱满溢未及时清运"],
    "streetlight": ["路灯不亮", "路灯灯杆倾斜"],
    "manhole": ["井盖破损", "雨水井盖缺失"],
    "public-toilet": ["公厕门损坏，冲水设施故障"],
    "green-damage": ["行道树被折断"],
    "guardrail": ["道路护栏被撞损"],
}
DONE = {
    "street-vending": "已劝离摊贩，恢复通行",
    "signboard": "已督促商户拆除、更换牌匾",
    "parking": "已清理，车辆已挪走",
    "flyposting": "已清除小广告",
    "garbage": "已清运并消杀",
    "ruined-wall": "已组织机械拆除并清运渣土",
    "stacking": "已督促农户清理",
    "illegal-building": "已下达整改通知，当事人自行拆除",
    "dust": "已覆盖裸土，冲洗路面",
    "trash-bin": "已更换垃圾桶",
    "streetlight": "已维修",
    "manhole": "已更换井盖",
    "public-toilet": "已维修",
    "green-damage": "已补植",
    "guardrail": "已修复护栏",
}
FINDINGS = {
    "safety-net": [
        "低保户{h}户家庭收入核算不准确，兜底政策落实不到位",
        "特困供养人员{h}护理补贴未按时发放",
        "残疾人两项补贴发放台账与实际不符",
        "{h}户应享未享医疗救助政策",
    ],
    "dilapidated-housing": ["{h}户危房鉴定结论未及时更新", "{h}户C级危房未完成加固改造", "危房改造档案资料不全"],
    "drinking-water": ["部分农户自来水水压不足，供水不稳定", "饮水安全检测报告未公示", "{h}户未接通自来水"],
    "living-environment": ["贫困户{h}户院落杂物乱堆，卫生差", "贫困户居住环境未达“五净一规范”要求"],
}
FINDING_DONE = {
    "safety-net": "已重新核定并落实政策，佐证材料存档",
    "dilapidated-housing": "已完成鉴定和改造，验收合格",
    "drinking-water": "已完成管网改造，入户检测合格",
    "living-environment": "已帮助清理整治，达到“五净一规范”",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙孔白高马"


def aware(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


CUTOFF = aware(datetime.date(2020, 11, 19), 21, 0)  # nothing happens after this: "today" starts afterwards
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def later(t: datetime.datetime, lo_h: float, hi_h: float, rng: random.Random) -> datetime.datetime:
    """`t` plus a random delay, moved into office hours (08:00–18:30) when it falls outside them."""
    out = timezone.localtime(t + datetime.timedelta(hours=rng.uniform(lo_h, hi_h)))
    if out.hour < 8:
        out = out.replace(hour=8, minute=rng.randint(0, 59))
    elif out.hour >= 19 or (out.hour == 18 and out.minute > 30):
        out = (out + datetime.timedelta(days=1)).replace(hour=8, minute=rng.randint(0, 59))
    return out


_SHAPES: dict[int, tuple] = {}


def point_in(region: Region, rng: random.Random, inset: float = 0.08) -> tuple[Decimal, Decimal]:
    """A random point well inside the region's boundary (rejection sampling in its bounding box, tested with
    shapely against the boundary, as actions.locate tests a reported point)."""
    if region.pk not in _SHAPES or _SHAPES[region.pk][0] != region.boundary:
        geometry = shapely.geometry.shape(region.boundary)
        shapely.prepare(geometry)
        _SHAPES[region.pk] = (region.boundary, geometry, geometry.bounds)
    _, geometry, (x0, y0, x1, y1) = _SHAPES[region.pk]
    w, h = x1 - x0, y1 - y0
    for _ in range(100):
        x = rng.uniform(x0 + w * inset, x1 - w * inset)
        y = rng.uniform(y0 + h * inset, y1 - h * inset)
        if shapely.contains_xy(geometry, x, y):
            return Decimal(f"{x:.6f}"), Decimal(f"{y:.6f}")
    raise ValueError(f"no point found inside {region.name}")


def jitter(lng: Decimal, lat: Decimal, metres: float, rng: random.Random) -> tuple[Decimal, Decimal]:
    angle, r = rng.uniform(0, 2 * math.pi), rng.uniform(0, metres)
    dlat = r * math.sin(angle) / 111_320
    dlng = r * math.cos(angle) / (111_320 * math.cos(math.radians(float(lat))))
    return Decimal(f"{float(lng) + dlng:.6f}"), Decimal(f"{float(lat) + dlat:.6f}")


def tracking_code(rng: random.Random) -> str:
    return "".join(rng.choice(TRACKING_ALPHABET) for _ in range(10))


# ---- photos: small real JPEGs, some with EXIF GPS ---------------------------------------------------------


def _dms(value: float) -> tuple[int, int, float]:
    total = round(abs(value) * 3600, 2)
    deg, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return int(deg), int(minutes), round(seconds, 2)


def jpeg(
    seed: int, *, after: bool, gps: tuple[float, float] | None = None, taken: datetime.datetime | None = None
) -> bytes:
    """A 480×360 photo-like picture of coloured shapes (no text), with EXIF GPS and time when given."""
    rng = random.Random(seed)
    base = (150, 170, 150) if after else (130, 115, 95)  # tidy grey-green after, dusty brown before
    img = Image.new("RGB", (480, 360), tuple(c + rng.randint(-15, 15) for c in base))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 250, 480, 360), fill=(110, 110, 105))  # the road
    for _ in range(3 if after else 9):
        x, y = rng.randint(0, 420), rng.randint(120, 300)
        colour = (rng.randint(60, 230), rng.randint(60, 200), rng.randint(40, 160))
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + rng.randint(20, 90), y + rng.randint(15, 60)), fill=colour)
        else:
            draw.ellipse((x, y, x + rng.randint(20, 70), y + rng.randint(20, 50)), fill=colour)
    draw.ellipse((400, 20, 450, 70), fill=(240, 220, 120))  # the sun
    exif = Image.Exif()
    if gps:
        lng, lat = gps
        exif.get_ifd(0x8825).update(
            {1: "N" if lat >= 0 else "S", 2: _dms(lat), 3: "E" if lng >= 0 else "W", 4: _dms(lng)}
        )
    if taken:
        exif.get_ifd(0x8769)[0x9003] = timezone.localtime(taken).strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80, exif=exif)
    return out.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@dataclass
class StoredPhoto:
    original: str
    display: str
    width: int
    height: int
    sha256: str


def store_shared_photos() -> dict[str, list[StoredPhoto]]:
    """Six photos (three "before", three "after"), checked by the same function the actions use and stored once
    under the same storage paths; the bulk cases point at them instead of storing thousands of copies."""
    out: dict[str, list[StoredPhoto]] = {PhotoStage.BEFORE: [], PhotoStage.AFTER: []}
    for stage, after in ((PhotoStage.BEFORE, False), (PhotoStage.AFTER, True)):
        for k in range(3):
            name = f"demo-{stage}-{k + 1}.jpg"
            checked = check_photo(upload(name, jpeg(100 * int(after) + k, after=after)), name_hint=stage)
            row = CasePhoto()  # unsaved: only its fields' storage and upload_to are used
            row.original.save(name, checked.original, save=False)
            row.display.save(name, checked.display, save=False)
            out[stage].append(
                StoredPhoto(row.original.name, row.display.name, checked.width, checked.height, checked.sha256)
            )
    return out


# ---- plans: a case's report and its steps, run by the actions or by Sim -----------------------------------


@dataclass
class Step:
    action: str
    actor: Person
    at: datetime.datetime
    note: str = ""
    unit: Unit | None = None
    village: Region | None = None
    handler: Person | None = None
    days: int | None = None
    photo: tuple[float, float] | None = None  # handle: an after-photo, with EXIF GPS when given
    master: Case | None = None


@dataclass
class Plan:
    region: Region
    category: Category
    source: str
    at: datetime.datetime
    description: str
    reporter: Person | None = None
    address: str = ""
    lng: Decimal | None = None
    lat: Decimal | None = None
    patrol: Patrol | None = None
    batch: InspectionBatch | None = None
    photos: int = 0  # before-photos
    photo_gps: bool = False  # the before-photo carries the case's position in EXIF (actions only)
    contact_name: str = ""
    contact_phone: str = ""
    origin: str = ""
    is_public: bool = False
    confidential: bool = False
    steps: list[Step] = field(default_factory=list)


def truncate(plan: Plan, cutoff: datetime.datetime = CUTOFF) -> Plan:
    """The plan as far as it got by `cutoff` (any prefix of a legal path is a legal path)."""
    plan.steps = [s for s in plan.steps if s.at <= cutoff]
    return plan


def _actor_name(actor, source: str) -> str:
    if getattr(actor, "pk", None):
        return actor.get_full_name() or actor.username
    return {Source.PUBLIC: "群众", Source.TIP: "举报人", Source.PARTNER: "外部平台"}.get(source, "系统")


class Sim:
    """Writes cases in bulk exactly as zhili.cases.actions would write them, step by step: the same fields, the
    same deadlines (actions.step_deadline, add_working_days), one CaseEvent per step, ExtensionRequest rows and
    photos (pointing at shared stored files). It does not check permissions: the plans are made so that every
    step is one its actor may take (the actions check the plans of the demo logins, and the tests compare)."""

    def __init__(self, sub: Region, rule: CaseRule, photos: dict[str, list[StoredPhoto]], rng: random.Random):
        self.sub, self.rule, self.photos, self.rng = sub, rule, photos, rng
        self.cases: list[Case] = []
        self.events: list[list[CaseEvent]] = []
        self.photo_rows: list[list[CasePhoto]] = []
        self.extensions: list[list[ExtensionRequest]] = []

    def run(self, plan: Plan) -> Case:
        at = plan.at
        case = Case(
            subdistrict=self.sub,
            region=plan.region,
            path=plan.region.path,
            source=plan.source,
            category=plan.category,
            description=plan.description,
            address=plan.address,
            lng=plan.lng,
            lat=plan.lat,
            reported_at=at,
            reporter=plan.reporter,
            contact_name=plan.contact_name,
            contact_phone=plan.contact_phone,
            batch=plan.batch,
            patrol=plan.patrol,
            is_public=plan.is_public,
            confidential=plan.confidential,
            step_started_at=at,
            tracking_code=tracking_code(self.rng),
        )
        actions._enter(case, State.REPORTED, self.rule, at)
        events = [self._event(case, plan.reporter, "report", "", State.REPORTED, at, note=plan.description[:200])]
        photos = [self._photo(PhotoStage.BEFORE, plan.reporter, at, k) for k in range(plan.photos)]
        extensions: list[ExtensionRequest] = []
        for step in plan.steps:
            events.append(self._step(case, step, photos, extensions))
        self.cases.append(case)
        self.events.append(events)
        self.photo_rows.append(photos)
        self.extensions.append(extensions)
        return case

    def _photo(self, stage: str, actor, at, k: int) -> CasePhoto:
        shared = self.photos[stage][k % len(self.photos[stage])]
        row = CasePhoto(
            stage=stage,
            width=shared.width,
            height=shared.height,
            sha256=shared.sha256,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            uploaded_at=at,
        )
        row.original.name, row.display.name = shared.original, shared.display
        return row

    def _gps_photo(self, case: Case, s: Step, at) -> CasePhoto:
        """An after-photo of its own, with the position the camera wrote in EXIF, judged as actions._store_photo
        judges it (distance from the case, flagged to the verifier beyond the rule's distance)."""
        checked = check_photo(
            upload("after.jpg", jpeg(self.rng.randrange(10**6), after=True, gps=s.photo, taken=at)), name_hint="after"
        )
        distance = None
        if checked.lng is not None and case.lng is not None:
            distance = int(geo.distance_m(checked.lng, checked.lat, case.lng, case.lat))
        row = CasePhoto(
            stage=PhotoStage.AFTER,
            width=checked.width,
            height=checked.height,
            sha256=checked.sha256,
            exif_lng=checked.lng,
            exif_lat=checked.lat,
            distance_m=distance,
            taken_at=timezone.make_aware(checked.taken_at) if checked.taken_at else None,
            far_from_case=distance is not None and distance > self.rule.photo_distance_m,
            uploaded_by=s.actor,
            uploaded_at=at,
        )
        row.original.save(checked.original.name, checked.original, save=False)
        row.display.save(checked.display.name, checked.display, save=False)
        return row

    def _event(self, case: Case, actor, action, from_state, to_state, at, *, note="", data=None) -> CaseEvent:
        return CaseEvent(
            at=at,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=_actor_name(actor, case.source),
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note,
            data=data or {},
            public=not case.confidential,
        )

    def _step(self, case: Case, s: Step, photos: list, extensions: list) -> CaseEvent:
        from zhili.cases.flow import STEPS

        step, at = STEPS[s.action], s.at
        assert case.state in step.sources, (s.action, case.state)
        before = case.state
        pending = None
        if s.action == "request_extension":
            extensions.append(ExtensionRequest(days=s.days, reason=s.note, requested_by=s.actor, requested_at=at))
        elif s.action in ("approve_extension", "deny_extension"):
            pending = next(e for e in extensions if e.decided_at is None)
        data = actions.apply_step(
            case,
            s.action,
            actor=s.actor,
            at=at,
            rule=self.rule,
            note=s.note,
            unit=s.unit,
            village=s.village,
            handler=s.handler,
            days=s.days,
            pending=pending,
        )
        if s.action == "handle":
            photos.append(
                self._gps_photo(case, s, at)
                if s.photo
                else self._photo(PhotoStage.AFTER, s.actor, at, self.rng.randrange(3))
            )
        return self._event(case, s.actor, s.action, before, case.state, at, note=s.note, data=data)

    def flag_hotspots(self) -> None:
        """actions._flag_hotspot at each report, in the order they were reported: a location with
        `hotspot_count` cases within `hotspot_radius_m` in `hotspot_days` days is a hotspot."""
        rule = self.rule
        cell = 0.001  # ≈ 100 m: a case's neighbours lie in its own or the eight cells around it
        seen: dict[tuple[int, int], list[Case]] = {}
        for case in sorted((c for c in self.cases if c.lng is not None), key=lambda c: c.reported_at):
            cx, cy = int(float(case.lng) / cell), int(float(case.lat) / cell)
            since = case.reported_at - datetime.timedelta(days=rule.hotspot_days)
            around = [
                o
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
                for o in seen.get((cx + dx, cy + dy), [])
                if o.reported_at >= since
                and not o.confidential
                and geo.distance_m(case.lng, case.lat, o.lng, o.lat) <= rule.hotspot_radius_m
            ]
            if len(around) + 1 >= rule.hotspot_count:
                for o in [*around, case]:
                    o.is_hotspot = True
            seen.setdefault((cx, cy), []).append(case)

    def write(self) -> dict[str, int]:
        Case.objects.bulk_create(self.cases, batch_size=500)
        # the number the actions give: the year reported and the id (one UPDATE; the demo's cases are all 2020's)
        assert all(timezone.localtime(c.reported_at).year == YEAR for c in self.cases)
        ids = [c.pk for c in self.cases]
        for k in range(0, len(ids), 900):
            Case.objects.filter(pk__in=ids[k : k + 900]).update(
                number=Concat(Value(str(YEAR)), LPad(Cast("id", CharField()), 8, Value("0")))
            )
        events, photos, extensions = [], [], []
        for case, evs, phs, exts in zip(self.cases, self.events, self.photo_rows, self.extensions, strict=True):
            rows: list[CaseEvent | CasePhoto | ExtensionRequest] = [*evs, *phs, *exts]
            for row in rows:
                row.case, row.subdistrict_id = case, case.subdistrict_id
            events += evs
            photos += phs
            extensions += exts
        insert(CaseEvent, events)
        insert(CasePhoto, photos)
        ExtensionRequest.objects.bulk_create(extensions, batch_size=500)
        return {
            "cases": len(self.cases),
            "case events": len(events),
            "case photos": len(photos),
            "extension requests": len(extensions),
        }


def insert(model, objs: list) -> None:
    """INSERT rows as bulk_create would (the same columns, values prepared by the same field and backend
    functions), with one executemany instead of bulk_create's per-value query compiler: tens of thousands of
    events in a fraction of the time. For rows nothing points at (events, photos)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    prep = []
    for f in fields:
        if isinstance(f, models.DateTimeField):
            prep.append(connection.ops.adapt_datetimefield_value)
        elif isinstance(f, (models.JSONField, models.FileField, models.DecimalField)):
            prep.append(lambda v, f=f: f.get_db_prep_save(v, connection))
        else:
            prep.append(None)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "
        f"({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    rows = []
    for obj in objs:
        values = [getattr(obj, f.attname) for f in fields]
        rows.append([v if p is None or v is None else p(v) for v, p in zip(values, prep, strict=True)])
    with connection.cursor() as cursor:
        for k in range(0, len(rows), 2000):
            cursor.executemany(sql, rows[k : k + 2000])


# ---- the people and places the cases need -----------------------------------------------------------------


@dataclass
class World:
    sub: Region
    rule: CaseRule
    units: dict[str, Unit]
    people: dict[str, Person]
    leaders: list[Person]
    cats: dict[str, Category]
    villages: list[Region]
    grids: dict[int, list[Region]]  # village pk → its grids
    inspectors: dict[int, Person]  # grid pk → its inspector
    secretaries: dict[int, Person]  # village pk → its party secretary
    staff: list[Person]  # 城管办 staff who handle its cases
    routes: dict[tuple[int, int | None], RouteRule]  # (category pk, grid pk | None) → rule
    scopes: dict[int, Scope] = field(default_factory=dict)

    def village(self, name: str) -> Region:
        return next(v for v in self.villages if v.name == name)

    def scope(self, person: Person) -> Scope:
        if person.pk not in self.scopes:
            self.scopes[person.pk] = scope_for(person)
        return self.scopes[person.pk]

    def village_of(self, region: Region) -> Region:
        return region if region.level == Level.VILLAGE else next(v for v in self.villages if v.pk == region.parent_id)

    def route(self, category: Category, region: Region) -> dict:
        """What actions.dispatch_default would send: the grid's own rule, else the category's default."""
        grid_id = region.pk if region.level == Level.GRID else None
        rule = self.routes.get((category.pk, grid_id)) or self.routes.get((category.pk, None))
        if rule is None:
            return {"unit": self.units["urban"], "handler": None}
        if rule.to_own_village:
            return {"village": self.village_of(region), "handler": rule.person}
        return {"unit": rule.unit, "handler": rule.person}

    def handler_for(self, dispatch: dict, rng: random.Random) -> Person:
        """Who handles a dispatched case: the named person, the village's secretary, or the unit's staff."""
        if dispatch.get("handler"):
            return dispatch["handler"]
        if dispatch.get("village"):
            return self.secretaries[dispatch["village"].pk]
        unit = dispatch["unit"]
        if unit.code == "urban":
            return rng.choice(self.staff)
        return {"civil": self.people["demo-civil"], "economy": self.people["demo-economy"]}.get(
            unit.code, self.leaders[5]
        )

    def dispatcher(self, rng: random.Random) -> Person:
        return self.people["demo-urban"] if rng.random() < 0.6 else rng.choice(self.staff)


def _world(
    summary,
    sub: Region,
    units: dict[str, Unit],
    people: dict[str, Person],
    leaders: list[Person],
    villages: list[Region] | None = None,
) -> World:
    # Taiping's villages clear what they are sent and say so in one visit: 处置 + 反馈 as one step (a new rule only)
    made = defaults.install(sub, center_unit=units["urban"], handle_with_feedback=True)
    summary.add("case categories", made)
    rule = CaseRule.objects.get(subdistrict=sub)
    cats = {c.code: c for c in Category.objects.filter(subdistrict=sub).select_related("parent")}
    if villages is None:
        from zhili.demo.taiping import demo_villages

        villages = demo_villages()
    grids: dict[int, list[Region]] = {}
    for g in Region.objects.filter(level=Level.GRID, path__startswith=sub.path).order_by("code"):
        grids.setdefault(g.parent_id, []).append(g)
    inspectors = {
        ra.region_id: ra.person
        for ra in RoleAssignment.objects.active()
        .filter(role=Role.GRID_INSPECTOR, region__path__startswith=sub.path)
        .select_related("person")
    }
    secretaries = {
        ra.region_id: ra.person
        for ra in RoleAssignment.objects.active()
        .filter(role=Role.VILLAGE_CADRE, region__parent=sub)
        .select_related("person")
        .order_by("person__username")
    }
    staff = []
    from zhili.demo.names import PersonNames

    names = PersonNames(seed=2020_11)
    for username, title in URBAN_STAFF:
        person = Person.objects.filter(username=username).first()
        name = names.name()
        if person is None:
            person = Person(
                username=username,
                full_name=name,
                region=sub,
                title=title,
                unit=units["urban"],
                phone=f"139000099{len(staff):02d}",
                is_synthetic=True,
            )
            person.set_unusable_password()
            person.save()
            summary.add("people")
        if not RoleAssignment.objects.filter(person=person, role=Role.OFFICER, unit=units["urban"]).exists():
            RoleAssignment.objects.create(
                person=person, role=Role.OFFICER, region=sub, unit=units["urban"], title=title
            )
            summary.add("roles")
        staff.append(person)
    world = World(sub, rule, units, people, leaders, cats, villages, grids, inspectors, secretaries, staff, {})
    _routes(summary, world)
    return world


def _routes(summary, w: World) -> None:
    system = Scope(person_id=None, is_superuser=True)
    kong = w.village(KONG)
    wanted = [(code, None, dest, None) for code, dest in ROUTES.items()]
    for seat in SEATS:  # 驻地 garbage is collected by the sanitation company 城管办 manages
        wanted += [("garbage", g, "urban", None) for g in w.grids[w.village(seat).pk]]
    kong1 = w.grids[kong.pk][0]
    wanted += [
        ("ruined-wall", kong1, VILLAGE, w.people["demo-village"]),
        ("garbage", kong1, VILLAGE, w.people["demo-village"]),
    ]
    have = {(r.category_id, r.grid_id) for r in RouteRule.objects.filter(subdistrict=w.sub)}
    for code, grid, dest, person in wanted:
        category = w.cats[code]
        if (category.pk, grid.pk if grid else None) in have:
            continue
        actions.do_set_route(
            category,
            grid=grid,
            unit=None if dest == VILLAGE else w.units[dest],
            to_own_village=dest == VILLAGE,
            person=person,
            actor=None,
            scope=system,
        )
        summary.add("route rules")
    w.routes = {
        (r.category_id, r.grid_id): r
        for r in RouteRule.objects.filter(subdistrict=w.sub).select_related("unit", "person")
    }


# ---- the loop of one case, as it went ------------------------------------------------------------------------


def loop_steps(
    w: World,
    rng: random.Random,
    category: Category,
    region: Region,
    at: datetime.datetime,
    *,
    verifier: Person,
    outcome: str | None = None,
) -> list[Step]:
    """The steps a case went through after its report: accepted, filed, dispatched by the routing matrix, handled
    (on time or late), fed back, verified (or sent back for rework), closed — or refused, void, parked, stuck."""
    dispatcher = w.dispatcher(rng)
    if outcome is None:
        r = rng.random()
        outcome = (
            "reject"
            if r < 0.03
            else "void"
            if r < 0.05
            else "park"
            if r < 0.055
            else "stuck"
            if r < 0.085 and at.month >= 8
            else "send_back"
            if r < 0.095
            else "extend"
            if r < 0.145
            else "rework"
            if r < 0.215
            else "normal"
        )
    t = later(at, 0.2, 5, rng)
    if outcome == "reject":
        return [
            Step(
                "reject",
                dispatcher,
                t,
                rng.choice(
                    [
                        "经核实为邻里纠纷，不属于网格事件受理范围，已告知当事人通过调解渠道反映",
                        "同一问题已于近日上报并在办理中，不予重复受理",
                        "位置不在本街道范围内，已告知上报人",
                    ]
                ),
            )
        ]
    steps = [Step("accept", dispatcher, t)]
    if outcome == "void":
        return [*steps, Step("void", dispatcher, later(t, 0.5, 20, rng), "经现场核实，问题已自行消除，作废")]
    t = later(t, 0.1, 3, rng)
    steps.append(Step("file", dispatcher, t))
    if outcome == "park" and rng.random() < 0.5:
        return [*steps, Step("park", dispatcher, later(t, 1, 30, rng), "涉及产权争议，需区级部门协调处理，暂挂账")]
    dispatch = w.route(category, region)
    handler = w.handler_for(dispatch, rng)
    if outcome == "send_back":  # sent to the wrong village first
        wrong = rng.choice([v for v in w.villages if v.pk != w.village_of(region).pk and v.name not in DEMOLISHED])
        t = later(t, 0.1, 3, rng)
        steps.append(Step("dispatch", dispatcher, t, village=wrong))
        t = later(t, 0.5, 6, rng)
        steps.append(Step("send_back", w.secretaries[wrong.pk], t, "位置不在本村，请重新派遣"))
    t = later(t, 0.1, 4, rng)
    steps.append(
        Step(
            "dispatch",
            dispatcher,
            t,
            unit=dispatch.get("unit"),
            village=dispatch.get("village"),
            handler=dispatch.get("handler"),
        )
    )
    dispatched_at = steps[-1].at if outcome != "send_back" else steps[-3].at
    deadline = add_working_days(dispatched_at, category.time_limit_days)
    if outcome == "park":
        return [*steps, Step("park", dispatcher, later(t, 24, 120, rng), "需区级部门协调处理，暂挂账")]
    if outcome == "stuck":
        return steps  # never handled: red on today
    if outcome == "extend":
        t = dispatched_at + (deadline - dispatched_at) * rng.uniform(0.3, 0.7)
        days = rng.choice([3, 5, 5, 10])
        steps.append(
            Step(
                "request_extension",
                handler,
                t,
                rng.choice(
                    [
                        "需协调挖掘机和运输车辆，申请延期",
                        "产权人在外地务工，联系需要时间，申请延期",
                        "连续降雨无法施工，申请延期",
                    ]
                ),
                days=days,
            )
        )
        t = later(t, 2, 20, rng)
        if rng.random() < 0.8:
            steps.append(Step("approve_extension", rng.choice(w.leaders), t, "同意延期"))
            deadline = add_working_days(deadline, days)
        else:
            steps.append(Step("deny_extension", rng.choice(w.leaders), t, "时限内可以完成，不予延期"))
    late = rng.random() < 0.1
    start = steps[-1].at
    if late or deadline <= start:
        t = later(max(deadline, start), 2, 96, rng)
    else:
        t = start + (deadline - start) * rng.uniform(0.1, 0.6)
    done = DONE.get(category.code) or FINDING_DONE.get(category.code, "已整改完毕")
    steps.append(Step("handle", handler, t, done))
    t = later(t, 0.1, 2, rng)
    steps.append(Step("feedback", handler, t))
    t = later(t, 0.5, 8, rng)
    if outcome == "rework":
        steps.append(
            Step(
                "rework",
                verifier,
                t,
                rng.choice(
                    [
                        "现场复查仍有遗留，请彻底清理",
                        "整改不彻底，已反弹，请继续整改",
                        "处置后照片与现场不符，请重新处置",
                    ]
                ),
            )
        )
        t = later(t, 12, 72, rng)
        steps.append(Step("handle", handler, t, done + "（返工后）"))
        t = later(t, 0.1, 4, rng)
        steps.append(Step("feedback", handler, t))
        t = later(t, 1, 30, rng)
    steps.append(Step("verify", verifier, t))
    steps.append(Step("close", dispatcher, later(t, 0.2, 4, rng)))
    return steps


# ---- patrols and environment cases -------------------------------------------------------------------------


def _weeks() -> list[datetime.date]:
    day = datetime.date(YEAR, 1, 6)  # the first Monday
    out = []
    while day < TODAY:
        out.append(day)
        day += datetime.timedelta(weeks=1)
    return out


def _hotspots(w: World, rng: random.Random) -> dict[int, list[tuple[str, str, Decimal, Decimal]]]:
    """A few places that keep coming back: grid pk → [(category code, address, lng, lat)]."""
    spots = {}
    plan = [
        ("太平社区", 0, "street-vending", "太平商贸街早市路口"),
        ("太平社区", 1, "signboard", "府前路商铺一条街"),
        ("庙廊社区", 0, "street-vending", "庙廊集市东口"),
        (KONG, 0, "garbage", "孔家坊村村东头垃圾池"),
        ("阎桥村", 0, "stacking", "阎桥村北生产路口"),
    ]
    for vname, g, code, address in plan:
        grid = w.grids[w.village(vname).pk][g]
        lng, lat = point_in(grid, rng, inset=0.3)
        spots.setdefault(grid.pk, []).append((code, address, lng, lat))
    return spots


def environment(w: World, sim: Sim, rng: random.Random) -> dict[str, int]:
    """Patrols of every grid with check-ins, and the cases found on them (and by cadres)."""
    hotspots = _hotspots(w, rng)
    patrols: list[Patrol] = []
    found: list[tuple[Patrol | None, Region, datetime.datetime, Person]] = []
    weeks = _weeks()
    for village in w.villages:
        if village.name in DEMOLISHED:
            continue
        seat, kong = village.name in SEATS, village.name == KONG
        per_week = 3 if seat else 2 if kong else 1 if village.name in ARTICLE else 0.4
        per_patrol = 0.6 if seat else 0.35 if kong else 0.3
        for grid in w.grids[village.pk]:
            inspector = w.inspectors[grid.pk]
            for monday in weeks:
                quiet = monday < datetime.date(YEAR, 3, 2)  # the Spring Festival and the epidemic
                campaign = datetime.date(YEAR, 4, 1) <= monday < datetime.date(YEAR, 7, 1)  # 集中整治
                rate = per_week * (0.3 if quiet else 1.0)
                n = int(rate) + (rng.random() < rate - int(rate))
                for day in sorted(rng.sample(range(6), min(n, 6))):
                    date = monday + datetime.timedelta(days=day)
                    if date >= TODAY:
                        continue
                    start = aware(date, rng.randint(8, 15), rng.choice([0, 10, 20, 30, 40, 50]))
                    minutes = rng.randint(40, 120)
                    track = []
                    for k in range(rng.randint(3, 6)):
                        lng, lat = point_in(grid, rng)
                        at = start + datetime.timedelta(minutes=minutes * k / 6 + rng.randint(0, 5))
                        track.append([float(lng), float(lat), at.isoformat()])
                    lam = per_patrol * (1.5 if campaign else 1.0) * (0.5 if quiet else 1.0)
                    n_cases = sum(rng.random() < lam / 2 for _ in range(2)) + (rng.random() < lam / 6)
                    patrol = Patrol(
                        inspector=inspector,
                        grid=grid,
                        path=grid.path,
                        subdistrict=w.sub,
                        started_at=start,
                        ended_at=start + datetime.timedelta(minutes=minutes),
                        track=track,
                        note=f"发现问题 {n_cases} 处，已上报" if n_cases else "巡查正常，未发现问题",
                    )
                    patrols.append(patrol)
                    for k in range(n_cases):
                        found.append(
                            (
                                patrol,
                                grid,
                                start + datetime.timedelta(minutes=minutes * (k + 1) / (n_cases + 2)),
                                inspector,
                            )
                        )
            # cadres find some too (干部发现): the village secretary, a few a year
            for _ in range(rng.randint(0, 1 if not seat else 4)):
                date = datetime.date(YEAR, 3, 1) + datetime.timedelta(days=rng.randint(0, 260))
                found.append(
                    (None, grid, aware(date, rng.randint(8, 17), rng.randint(0, 59)), w.secretaries[village.pk])
                )
    Patrol.objects.bulk_create(patrols, batch_size=1000)

    for patrol, grid, at, reporter in sorted(found, key=lambda f: f[2]):
        village = w.village_of(grid)
        seat = village.name in SEATS
        mix = SEAT_MIX if seat else VILLAGE_MIX
        code = rng.choices(list(mix), weights=list(mix.values()))[0]
        spot = next((s for s in hotspots.get(grid.pk, []) if s[0] == code), None)
        if spot and rng.random() < 0.6:
            lng, lat = jitter(spot[2], spot[3], 25, rng)
            address = spot[1]
        else:
            lng, lat = point_in(grid, rng)
            address = (
                f"{village.name}{rng.choice(STREETS[village.name])}{rng.randint(1, 199)}号"
                if seat
                else f"{village.name}{rng.choice(VILLAGE_SPOTS)}"
            )
        category = w.cats[code]
        description = f"{address}{rng.choice(WHAT[code])}。"
        plan = Plan(
            region=grid,
            category=category,
            source=Source.PATROL if patrol else Source.STAFF,
            at=at,
            description=description,
            reporter=reporter,
            address=address,
            lng=lng,
            lat=lat,
            patrol=patrol,
            photos=1 + (rng.random() < 0.15),
        )
        plan.steps = loop_steps(w, rng, category, grid, at, verifier=w.inspectors[grid.pk])
        sim.run(truncate(plan))
    return {"patrols": len(patrols)}


# ---- the superior inspection batch ----------------------------------------------------------------------------


def superior(w: World, sim: Sim, rng: random.Random) -> InspectionBatch:
    batch = InspectionBatch.objects.create(
        subdistrict=w.sub, name=BATCH_NAME, issuer=BATCH_ISSUER, received_on=BATCH_RECEIVED, due_on=BATCH_DUE
    )
    kong = w.village(KONG)
    pool = [v for v in w.villages if v.name not in DEMOLISHED and v.name not in SEATS and v != kong]
    villages = sorted(rng.sample(pool, 44), key=lambda v: v.code)
    codes = [c for c, n in BATCH_ITEMS.items() for _ in range(n)]
    rng.shuffle(codes)
    # the villages of the items: every chosen village has some; 孔家坊 three (one still open)
    where = [kong, kong, kong] + [villages[i % 44] for i in range(147)]
    # how each item ends: 9 open in different ways, 3 closed in November, the rest by October
    fates = (
        ["stuck"] * 4
        + ["extended"] * 2
        + ["feedback", "verified", "park"]
        + ["nov"] * BATCH_CLOSED_IN_NOV
        + ["closed"] * BATCH_CLOSED_BY_OCT
    )
    for fate in ("closed", "closed", "stuck"):  # 孔家坊's three: two closed, one still open (overdue)
        fates.remove(fate)
    rng.shuffle(fates)
    fates = ["closed", "closed", "stuck", *fates]
    leader, civil = w.leaders[3], w.people["demo-civil"]  # the leader for 脱贫攻坚 accepts, dispatches, verifies
    received = aware(BATCH_RECEIVED, 9, 0)
    oct31 = aware(datetime.date(YEAR, 10, 31), 18, 0)
    for i, (code, village, fate) in enumerate(zip(codes, where, fates, strict=True)):
        category = w.cats[code]
        h = f"{rng.choice(SURNAMES)}某某"
        description = f"{village.name}：{rng.choice(FINDINGS[code]).format(h=h)}（督查反馈第 {i + 1} 项）。"
        at = received + datetime.timedelta(minutes=i)
        plan = Plan(
            region=village,
            category=category,
            source=Source.SUPERIOR,
            at=at,
            description=description,
            reporter=civil,
            address=village.name,
            batch=batch,
        )
        t = aware(BATCH_RECEIVED, 10, 30) + datetime.timedelta(minutes=i)
        steps = [Step("accept", leader, t), Step("file", leader, t + datetime.timedelta(hours=3))]
        dispatch = w.route(category, village)
        handler = w.handler_for(dispatch, rng)
        dispatched = aware(
            BATCH_RECEIVED + datetime.timedelta(days=rng.choice([0, 3, 3, 4])), 15, 0
        ) + datetime.timedelta(minutes=i)
        steps.append(
            Step(
                "dispatch",
                leader,
                dispatched,
                unit=dispatch.get("unit"),
                village=dispatch.get("village"),
                handler=dispatch.get("handler"),
            )
        )
        deadline = add_working_days(dispatched, category.time_limit_days)
        if fate == "stuck":
            plan.steps = steps
            sim.run(plan)
            continue
        if fate == "park":
            steps.append(
                Step(
                    "park",
                    leader,
                    aware(datetime.date(YEAR, 9, 18), 10),
                    "需市级饮水工程管网延伸后方能解决，经督查组同意暂挂账",
                )
            )
            plan.steps = steps
            sim.run(plan)
            continue
        reason = "涉及房屋重建，需待农户外出务工返乡后施工，申请延期"
        if fate == "extended":  # two approved extensions, and still not done
            for month in (6, 8):
                req = aware(datetime.date(YEAR, month, 10), 9) + datetime.timedelta(minutes=i)
                steps += [
                    Step("request_extension", handler, req, reason, days=30),
                    Step(
                        "approve_extension",
                        w.people["demo-leader"],
                        req + datetime.timedelta(hours=26),
                        "同意，请倒排工期",
                    ),
                ]
            plan.steps = steps
            sim.run(plan)
            continue
        extended = fate == "closed" and rng.random() < 0.07
        if extended:
            req = dispatched + (deadline - dispatched) * 0.6
            steps += [
                Step("request_extension", handler, req, reason, days=20),
                Step("approve_extension", w.people["demo-leader"], req + datetime.timedelta(hours=20), "同意"),
            ]
            deadline = add_working_days(deadline, 20)
        # when it is closed: most in May and June, a tail to October, three in November
        if fate == "nov":
            closed = aware(datetime.date(YEAR, 11, rng.choice([4, 11, 17])), 16)
        elif fate in ("feedback", "verified"):
            closed = aware(datetime.date(YEAR, 11, 25), 16)  # after today: cut below
        else:
            span = (oct31 - dispatched).total_seconds()
            closed = (
                dispatched + datetime.timedelta(seconds=span * rng.betavariate(1.4, 3.2)) + datetime.timedelta(days=5)
            )
            closed = min(closed, oct31 - datetime.timedelta(hours=rng.randint(2, 60)))
        if fate == "feedback":
            handled = aware(datetime.date(YEAR, 11, 18), 15) + datetime.timedelta(minutes=i)
        elif fate == "verified":
            handled = aware(datetime.date(YEAR, 11, 16), 11) + datetime.timedelta(minutes=i)
        else:
            handled = closed - datetime.timedelta(hours=rng.uniform(30, 100))
        handled = max(handled, steps[-1].at + datetime.timedelta(hours=5))
        done = FINDING_DONE[code]
        reworked = fate == "closed" and not extended and rng.random() < 0.06
        if reworked:
            first = handled - datetime.timedelta(days=rng.randint(6, 12))
            if first > steps[-1].at + datetime.timedelta(hours=5):
                steps += [
                    Step("handle", handler, first, done),
                    Step("feedback", handler, first + datetime.timedelta(hours=2)),
                    Step(
                        "rework",
                        leader,
                        first + datetime.timedelta(hours=30),
                        "佐证材料不全，入户核实仍未落实到位，请继续整改",
                    ),
                ]
        steps += [
            Step("handle", handler, handled, done),
            Step("feedback", handler, handled + datetime.timedelta(hours=2)),
        ]
        if fate != "feedback":
            steps.append(Step("verify", leader, handled + datetime.timedelta(hours=22)))
        if fate not in ("feedback", "verified"):
            steps.append(Step("close", leader, max(closed, handled + datetime.timedelta(hours=24)), "整改到位，销号"))
        plan.steps = steps
        sim.run(truncate(plan))
    return batch


# ---- the cases of the demo logins, the citizens' reports and the tip: through the actions ----------------------


def _report(w: World, plan: Plan, rng: random.Random) -> Case:
    photos = []
    for k in range(plan.photos):
        gps = (float(plan.lng), float(plan.lat)) if plan.photo_gps and plan.lng is not None else None
        photos.append(
            upload(f"IMG_{plan.at:%Y%m%d}_{k}.jpg", jpeg(rng.randrange(10**6), after=False, gps=gps, taken=plan.at))
        )
    return actions.do_report_case(
        subdistrict=w.sub,
        category=plan.category,
        description=plan.description,
        actor=plan.reporter,
        scope=w.scope(plan.reporter) if plan.reporter else None,
        source=plan.source,
        lng=plan.lng,
        lat=plan.lat,
        address=plan.address,
        region=plan.region if plan.lng is None else None,
        photos=photos,
        patrol=plan.patrol,
        batch=plan.batch,
        contact_name=plan.contact_name,
        contact_phone=plan.contact_phone,
        origin=plan.origin,
        at=plan.at,
        is_public=plan.is_public,
        confidential=plan.confidential,
    )


def run_with_actions(w: World, plan: Plan, rng: random.Random) -> Case:
    """Report the case and take each step through zhili.cases.actions, as the people themselves would."""
    case = _report(w, plan, rng)
    for s in plan.steps:
        photos = []
        if s.action == "handle":
            gps = s.photo or ((float(case.lng), float(case.lat)) if case.lng is not None else None)
            photos = [
                upload(f"IMG_{s.at:%Y%m%d_%H%M}.jpg", jpeg(rng.randrange(10**6), after=True, gps=gps, taken=s.at))
            ]
        case = actions.do_act(
            case,
            s.action,
            actor=s.actor,
            scope=w.scope(s.actor),
            note=s.note,
            unit=s.unit,
            village=s.village,
            handler=s.handler,
            photos=photos,
            master=s.master,
            days=s.days,
            at=s.at,
        )
    return case


def showcase(w: World, sim: Sim, rng: random.Random) -> dict[str, int]:
    p = w.people
    kong = w.village(KONG)
    g1, g2 = w.grids[kong.pk][0], w.grids[kong.pk][1]
    taiping, miaolang = w.village("太平社区"), w.village("庙廊社区")
    t1, m1 = w.grids[taiping.pk][0], w.grids[miaolang.pk][0]
    grid, village, urban, leader = p["demo-grid"], p["demo-village"], p["demo-urban"], p["demo-leader"]
    staff = w.staff[0]
    made = 0

    def d(month, day, hour=9, minute=0):
        return aware(datetime.date(YEAR, month, day), hour, minute)

    def patrol_case(region, code, at, what, address, *, reporter=None, steps=(), point=None):
        lng, lat = point or point_in(region, rng)
        return Plan(
            region=region,
            category=w.cats[code],
            source=Source.PATROL,
            at=at,
            description=f"{address}{what}。",
            reporter=reporter or w.inspectors[region.pk],
            address=address,
            lng=lng,
            lat=lat,
            photos=1,
            photo_gps=True,
            steps=list(steps),
        )

    def to(region, code):
        r = w.route(w.cats[code], region)
        return {"unit": r.get("unit"), "village": r.get("village"), "handler": r.get("handler")}

    def first_steps(at, region, code, who=urban):
        return [
            Step("accept", who, at),
            Step("file", who, at + datetime.timedelta(minutes=5)),
            Step("dispatch", who, at + datetime.timedelta(minutes=15), **to(region, code)),
        ]

    plans: list[Plan] = []
    # 孔家坊: waiting for demo-grid to verify (S1), one with an after-photo taken far away (S4)
    plans.append(
        patrol_case(
            g1,
            "ruined-wall",
            d(11, 16, 9, 40),
            "残墙一处，临街，有倒塌隐患",
            "孔家坊村南街",
            steps=[
                *first_steps(d(11, 16, 10, 30), g1, "ruined-wall"),
                Step("handle", village, d(11, 18, 15), "已组织机械拆除并清运渣土"),
                Step("feedback", village, d(11, 18, 15, 10)),
            ],
        )
    )
    far = point_in(g2, rng)
    plans.append(
        patrol_case(
            g1,
            "garbage",
            d(11, 17, 10, 5),
            "垃圾池满溢，周边有散落垃圾",
            "孔家坊村村东头垃圾池",
            steps=[
                *first_steps(d(11, 17, 11), g1, "garbage"),
                Step("handle", village, d(11, 18, 16), "已清运并消杀", photo=(float(far[0]), float(far[1]))),
                Step("feedback", village, d(11, 18, 16, 5)),
            ],
        )
    )
    # waiting for demo-village: overdue (S2), due today (S3), sent back for rework (S5)
    plans.append(
        patrol_case(
            g1,
            "stacking",
            d(11, 12, 10),
            "柴草、杂物沿街堆放",
            "孔家坊村北街",
            steps=first_steps(d(11, 12, 11), g1, "stacking"),
        )
    )
    plans.append(
        patrol_case(
            g1,
            "garbage",
            d(11, 19, 9, 20),
            "暴露垃圾，影响村容",
            "孔家坊村中心街",
            steps=first_steps(d(11, 19, 10, 40), g1, "garbage"),
        )
    )
    plans.append(
        patrol_case(
            g1,
            "stacking",
            d(11, 9, 9, 30),
            "建筑材料占道堆放",
            "孔家坊村文化广场旁",
            steps=[
                *first_steps(d(11, 9, 10, 30), g1, "stacking"),
                Step("handle", village, d(11, 11, 14), "已督促农户清理"),
                Step("feedback", village, d(11, 11, 14, 10)),
                Step("rework", grid, d(11, 12, 9), "现场复查仍有砖块未清运，请彻底清理"),
            ],
        )
    )
    # an extension waiting for demo-leader (S6), and one approved last month and closed (S7)
    plans.append(
        patrol_case(
            g2,
            "ruined-wall",
            d(11, 10, 10),
            "废弃院落残墙，需拆除清理",
            "孔家坊村西口",
            steps=[
                *first_steps(d(11, 10, 11), g2, "ruined-wall"),
                Step(
                    "request_extension",
                    village,
                    d(11, 17, 16),
                    "产权人在外地务工，需其到场确认后拆除，申请延期",
                    days=5,
                ),
            ],
        )
    )
    plans.append(
        patrol_case(
            g1,
            "ruined-wall",
            d(10, 12, 9),
            "坍塌土坯墙影响村容",
            "孔家坊村老学校旁",
            steps=[
                *first_steps(d(10, 12, 10), g1, "ruined-wall"),
                Step("request_extension", village, d(10, 20, 9), "需协调挖掘机，申请延期", days=5),
                Step("approve_extension", leader, d(10, 21, 10), "同意延期"),
                Step("handle", village, d(10, 29, 15), "已组织机械拆除并清运渣土"),
                Step("feedback", village, d(10, 29, 15, 20)),
                Step("verify", grid, d(10, 30, 9)),
                Step("close", urban, d(10, 30, 10)),
            ],
        )
    )
    # 城管办: to file (S9), to dispatch (S10), to close (S11); a wrong dispatch sent back (S13)
    plans.append(
        patrol_case(
            m1,
            "signboard",
            d(11, 19, 10),
            "门头牌匾破损，有坠落隐患",
            "庙廊社区庙廊大街36号",
            steps=[Step("accept", urban, d(11, 19, 14))],
        )
    )
    s10 = patrol_case(
        t1,
        "street-vending",
        d(11, 19, 7, 40),
        "早市摊点越线占道经营",
        "太平社区太平商贸街早市路口",
        steps=[Step("accept", urban, d(11, 19, 9)), Step("file", urban, d(11, 19, 9, 5))],
    )
    plans.append(s10)
    plans.append(
        patrol_case(
            m1,
            "signboard",
            d(11, 13, 15),
            "未经审批设置落地广告牌",
            "庙廊社区兴业路12号",
            steps=[
                *first_steps(d(11, 13, 16), m1, "signboard"),
                Step("handle", staff, d(11, 17, 11), "已督促商户拆除落地广告牌"),
                Step("feedback", staff, d(11, 17, 11, 5)),
                Step("verify", w.inspectors[m1.pk], d(11, 18, 9, 30)),
            ],
        )
    )
    plans.append(
        patrol_case(
            m1,
            "garbage",
            d(9, 7, 9),
            "积存生活垃圾未清运",
            "庙廊社区庙廊集市",
            steps=[
                Step("accept", urban, d(9, 7, 10)),
                Step("file", urban, d(9, 7, 10, 5)),
                Step("dispatch", urban, d(9, 7, 10, 10), village=w.village("阎桥村")),
                Step(
                    "send_back",
                    w.secretaries[w.village("阎桥村").pk],
                    d(9, 7, 14),
                    "位置在庙廊社区，不属于本村，请重新派遣",
                ),
                Step("dispatch", urban, d(9, 7, 15), **to(m1, "garbage")),
                Step("handle", staff, d(9, 8, 10), "已清运"),
                Step("feedback", staff, d(9, 8, 10, 5)),
                Step("verify", w.inspectors[m1.pk], d(9, 8, 16)),
                Step("close", urban, d(9, 9, 9)),
            ],
        )
    )
    for plan in plans:
        sim.run(plan)
        made += 1

    # 随手拍: citizens' reports over the year, with tracking codes; the last one waits for 城管办 to accept (S8)
    public = [
        (t1, "streetlight", d(3, 15, 19, 30), "府前路路灯连续多晚不亮，夜间出行不便", "太平社区府前路", None),
        (
            w.grids[w.village("白家堰村").pk][0],
            "garbage",
            d(5, 20, 18, 10),
            "村口垃圾堆放多日没人清理",
            "白家堰村村口",
            None,
        ),
        (m1, "street-vending", d(7, 8, 20, 5), "庙廊集市东口晚上烧烤摊占道，油烟很大", "庙廊社区庙廊集市东口", None),
        (t1, "manhole", d(8, 30, 7, 50), "济太路人行道井盖缺了一块，很危险", "太平社区济太路", None),
        (
            w.grids[w.village("哈叭沟村").pk][0],
            "stacking",
            d(10, 10, 16, 20),
            "瓜棚边塑料膜乱堆，刮得到处都是",
            "哈叭沟村瓜棚区",
            None,
        ),
        (
            t1,
            "street-vending",
            d(11, 19, 18, 40),
            "太平商贸街路口又有摊点占道，早上堵车",
            "太平社区太平商贸街早市路口",
            lambda a: [],
        ),
    ]
    for k, (region, code, at, text, address, steps) in enumerate(public):
        lng, lat = point_in(region, rng)
        if steps is None:
            steps = loop_steps(w, rng, w.cats[code], region, at, verifier=w.inspectors[region.pk], outcome="normal")
        else:
            steps = steps(at)
        plan = Plan(
            region=region,
            category=w.cats[code],
            source=Source.PUBLIC,
            at=at,
            description=text,
            address=address,
            lng=lng,
            lat=lat,
            photos=1,
            photo_gps=True,
            contact_name="",
            contact_phone=f"1390000{9800 + k}",
            origin=f"198.51.100.{10 + k}",
            is_public=True,
            steps=steps,
        )
        sim.run(plan)
        made += 1
    # 扫黑除恶线索: confidential from the first moment; only demo-tips sees it
    tip = Plan(
        region=w.sub,
        category=w.cats["saohei"],
        source=Source.TIP,
        at=d(11, 19, 20, 15),
        description="反映某村有人以承包工程为名，纠集闲散人员强揽工程、威胁村民（演示数据，人物和事件均为虚构）。",
        contact_name="匿名",
        contact_phone="13900009900",
        origin="198.51.100.200",
        confidential=True,
    )
    sim.run(tip)
    made += 1
    return {"cases": made}


# ---- load ------------------------------------------------------------------------------------------------------


def load(
    summary,
    *,
    sub: Region,
    villages: list[Region],
    units: dict[str, Unit],
    people: dict[str, Person],
    leaders: list[Person],
) -> None:
    """Create (or leave alone) Taiping's 2020 cases on the demo's `villages` (by code, merged or not); counts go
    into `summary` (taiping.Summary)."""
    w = _world(summary, sub, units, people, leaders, villages)
    if InspectionBatch.objects.filter(subdistrict=sub, name=BATCH_NAME).exists():
        return  # the cases are there (they are written together, in the demo's one transaction)
    rng = random.Random(f"zhili-demo-{YEAR}-cases")
    sim = Sim(sub, w.rule, store_shared_photos(), rng)
    superior(w, sim, rng)
    summary.add("inspection batches")
    summary.add("patrols", environment(w, sim, rng)["patrols"])
    showcase(w, sim, rng)
    sim.flag_hotspots()
    for what, n in sim.write().items():
        summary.add(what, n)
