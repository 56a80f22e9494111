"""One complete frozen week in the shape of zhili/bulletins/shape.py: the renderers' and the robots' tests use it
without building a snapshot from the demo, and the snapshot's own test checks it produces the same keys."""

from __future__ import annotations

import copy

_VILLAGES = [
    ("370100001001", "孔家坊村", "92.50", 2, {"targets": "95.00", "cases": "100.0", "patrol": "75.0"}),
    ("370100001002", "阎桥村", "88.10", 1, {"targets": "90.00", "cases": "80.0", "patrol": "100.0"}),
    ("370100001003", "大王庄村", "71.25", 3, {"targets": "70.00", "cases": "66.7", "patrol": "100.0"}),
    ("370100001004", "西沙村", "60.00", 5, {"targets": "60.00", "cases": None, "patrol": "60.0"}),
    ("370100001005", "东八里村", "42.86", 4, {"targets": "40.00", "cases": "50.0", "patrol": "33.3"}),
]


def _village(i, code, name, score, previous, components):
    rank = i + 1
    return {
        "code": code,
        "name": name,
        "rank": rank,
        "score": score,
        "previous_rank": previous,
        "change": previous - rank,
        "components": components,
        "lights": {"red": i, "yellow": 1, "green": 8 - i, "done": 2},
        "cases": {
            "new": 3 + i,
            "closed": 2,
            "due": 3,
            "closed_on_time": 2,
            "on_time_rate": components["cases"],
            "overdue": i // 2,
            "reworked": 0,
            "extended": 1 if i == 4 else 0,
        },
        "patrol": {"grids": 4, "patrolled": 3, "rate": components["patrol"]},
    }


SAMPLE = {
    "schema": 1,
    "subdistrict": {"code": "370100001", "name": "太平街道"},
    "year": 2020,
    "week": "2020-W40",
    "start": "2020-09-28",
    "end": "2020-10-04",
    "title": "太平街道工作周通报",
    "issuer": "太平街道党工委办公室",
    "number": "太平通〔2020〕40号",
    "issue": 40,
    "built_at": "2020-10-05T08:00:00+08:00",
    "empty": False,
    "formula": {
        "components": [
            {"key": "targets", "label": "目标任务完成", "weight": "60"},
            {"key": "cases", "label": "事件按期结案率", "weight": "25"},
            {"key": "patrol", "label": "网格巡查覆盖率", "weight": "15"},
        ],
        "text": "得分 = Σ（权重 × 分项得分）÷ Σ 适用分项的权重；分项得分为百分制，封顶 100；本周无数据的分项不计入。",
        "cap": "100",
    },
    "villages": [_village(i, *v) for i, v in enumerate(_VILLAGES)],
    "best": [
        {
            "code": "370100001001",
            "name": "孔家坊村",
            "rank": 1,
            "score": "92.50",
            "reasons": ["得分 92.50，居全街道第 1 名，比上周上升 1 名", "事件按期结案率 100.0%"],
        },
    ],
    "laggards": [
        {
            "code": "370100001005",
            "name": "东八里村",
            "rank": 5,
            "score": "42.86",
            "reasons": ["得分 42.86，居全街道末位", "网格巡查覆盖率仅 33.3%", "目标任务完成 40.00 分"],
        },
    ],
    "targets": {
        "indicators": 60,
        "red": 3,
        "yellow": 8,
        "green": 40,
        "done": 9,
        "overdue": 1,
        "red_list": [
            {
                "code": "2.1.1",
                "name": "固定资产投资",
                "completion": "61.3",
                "sentence": "完成 61.3%，低于序时进度 83.3%",
            },
        ],
    },
    "cases": {
        "new": 25,
        "closed": 10,
        "due": 15,
        "closed_on_time": 11,
        "on_time_rate": "73.3",
        "overdue": 3,
        "reworked": 1,
        "extended": 1,
    },
    "patrol": {"grids": 20, "patrolled": 15, "rate": "75.0"},
    "ledgers": {
        "ledgers": 12,
        "updated": 9,
        "rows_added": 130,
        "stale": [{"name": "煤改气台账", "last": "2020-09-01"}],
    },
    "projects": {
        "projects": 22,
        "behind": 2,
        "invested": "125300.00",
        "list": [
            {
                "name": "济南先行区智造产业园",
                "village": "孔家坊村",
                "planned": "50000.00",
                "done": "31000.00",
                "gap": "19000.00",
            }
        ],
    },
    "tax": {"month": "2020-09", "expected": "2300.50", "received": "2100.00", "gap": "200.50"},
    "decisions": {
        "week": "2020-W39",
        "total": 3,
        "closed": 1,
        "reported": 1,
        "open": 1,
        "overdue": 1,
        "items": [
            {
                "text": "东八里村补齐网格巡查记录",
                "owner": "东八里村",
                "deadline": "2020-10-02",
                "status": "closed",
                "status_label": "已销号",
            },
            {
                "text": "经发办督促智造产业园投资进度",
                "owner": "经济发展办公室（经发办）",
                "deadline": "2020-10-09",
                "status": "reported",
                "status_label": "已报办结",
            },
            {
                "text": "城管办清理逾期事件",
                "owner": "城市管理办公室（城管办）",
                "deadline": "2020-09-30",
                "status": "open",
                "status_label": "督办中",
            },
        ],
    },
    "supervision": {
        "batches": [
            {"name": "第 20 轮集中督查", "issuer": "街道督查室", "received_on": "2020-09-29", "items": 6, "closed": 4}
        ]
    },
    "correction": None,
}


def sample() -> dict:
    """A fresh copy (tests may change it)."""
    return copy.deepcopy(SAMPLE)
