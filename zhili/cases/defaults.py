"""The categories a subdistrict starts with: CJ/T 214 classes (部件 and 事件) with the article's own cases, the
superior-inspection rectification classes and the tip class. Administrators edit them afterwards (names, time
limits, classes, which ones citizens may report); codes stay, because routing rules and Open311 clients use them.
"""

from __future__ import annotations

from zhili.cases.models import CaseClass, CaseRule, Category, Kind

IM, C, X = CaseClass.IMMEDIATE, CaseClass.COMMITTED, CaseClass.COORDINATED

# (class code, class name, kind, [(code, name, time limit in working days, case class, citizens may report)])
CATEGORIES = [
    (
        "bj-public",
        "公用设施",
        Kind.COMPONENT,
        [
            ("manhole", "井盖破损或缺失", 1, IM, True),
            ("streetlight", "路灯不亮或损坏", 3, C, True),
            ("hydrant", "消防栓损坏", 3, C, False),
        ],
    ),
    (
        "bj-traffic",
        "交通设施",
        Kind.COMPONENT,
        [
            ("traffic-sign", "交通标志损坏", 5, C, True),
            ("guardrail", "护栏损坏", 5, C, True),
        ],
    ),
    (
        "bj-appearance",
        "市容环境设施",
        Kind.COMPONENT,
        [
            ("trash-bin", "垃圾桶（箱）破损或满溢", 1, IM, True),
            ("public-toilet", "公厕设施损坏", 3, C, True),
        ],
    ),
    (
        "bj-green",
        "园林绿化设施",
        Kind.COMPONENT,
        [
            ("green-damage", "绿地或行道树损毁", 5, C, True),
        ],
    ),
    (
        "sj-appearance",
        "市容环境",
        Kind.EVENT,
        [
            ("garbage", "垃圾/环境卫生（暴露垃圾、积存垃圾）", 1, IM, True),
            ("ruined-wall", "残垣断壁", 10, X, True),
            ("stacking", "乱堆物堆料", 2, C, True),
        ],
    ),
    (
        "sj-advert",
        "宣传广告",
        Kind.EVENT,
        [
            ("signboard", "广告牌匾（违规设置、破损）", 5, C, True),
            ("flyposting", "非法小广告", 1, IM, True),
        ],
    ),
    (
        "sj-construction",
        "施工管理",
        Kind.EVENT,
        [
            ("illegal-building", "违建", 10, X, True),
            ("dust", "扬尘", 2, C, True),
        ],
    ),
    (
        "sj-street",
        "街面秩序",
        Kind.EVENT,
        [
            ("street-vending", "占道经营", 1, IM, True),
            ("parking", "乱停放", 1, IM, True),
        ],
    ),
    (
        "sj-emergency",
        "突发事件",
        Kind.EVENT,
        [
            ("road-collapse", "路面塌陷", 1, X, True),
            ("pipe-burst", "供水管道破裂", 1, X, True),
        ],
    ),
    (
        "dc-findings",
        "督查整改",
        Kind.FINDING,
        [
            ("safety-net", "兜底保障政策落实", 20, X, False),
            ("dilapidated-housing", "危房改造", 30, X, False),
            ("drinking-water", "饮水安全", 20, X, False),
            ("living-environment", "人居环境", 10, C, False),
        ],
    ),
    (
        "xs-tips",
        "举报线索",
        Kind.TIP,
        [
            ("saohei", "扫黑除恶线索", 10, X, False),
        ],
    ),
]


def install(subdistrict, *, center_unit=None, handle_with_feedback: bool = False) -> int:
    """Create the default categories (and the case rule) for a subdistrict; existing codes are left alone, and an
    existing rule too."""
    made = 0
    order = 0
    for code, name, kind, children in CATEGORIES:
        order += 1
        parent, created = Category.objects.get_or_create(
            subdistrict=subdistrict,
            code=code,
            defaults={"name": name, "kind": kind, "order": order, "time_limit_days": 0},
        )
        made += int(created)
        for child_code, child_name, days, case_class, public in children:
            order += 1
            _, created = Category.objects.get_or_create(
                subdistrict=subdistrict,
                code=child_code,
                defaults={
                    "name": child_name,
                    "parent": parent,
                    "kind": kind,
                    "time_limit_days": days,
                    "case_class": case_class,
                    "is_public": public,
                    "order": order,
                },
            )
            made += int(created)
    CaseRule.objects.get_or_create(
        subdistrict=subdistrict,
        defaults={"center_unit": center_unit, "handle_with_feedback": handle_with_feedback},
    )
    return made
