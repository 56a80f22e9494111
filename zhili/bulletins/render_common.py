"""What every bulletin output says the same way: the file name, "—" for a figure that does not apply, a rank's
change, the written date, the sections a week has and their headings. The renderers (render_docx, render_xlsx,
render_md, the HTML template through render.py) read only the frozen dict (shape.py) and these helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

DASH = "—"
_NUMERALS = "〇一二三四五六七八九十"


def dash(value: Any) -> str:
    """A figure as shown: its text, or "—" when it does not apply."""
    return DASH if value is None or value == "" else str(value)


def percent(value: Any) -> str:
    return DASH if value is None or value == "" else f"{value}%"


def number(value: Any) -> Decimal | int | None:
    """A figure as a number for a spreadsheet: ints stay ints, decimal strings become Decimal, None stays None."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def version(data: dict) -> int:
    correction = data.get("correction")
    return int(correction["version"]) if correction else 1


def filename(data: dict, ext: str) -> str:
    """太平街道工作周通报-2020-W40-v1.docx"""
    return f"{data['title']}-{data['week']}-v{version(data)}.{ext}"


def change_text(change: int | None) -> str:
    """The rank's change since last week: ↑2, ↓1, 持平, or — (no previous week)."""
    if change is None:
        return DASH
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return _("持平")


def numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (section numbers)."""
    if n <= 10:
        return _NUMERALS[n]
    tens, ones = divmod(n, 10)
    return (_NUMERALS[tens] if tens > 1 else "") + "十" + (_NUMERALS[ones] if ones else "")


def written_date(data: dict) -> str:
    """成文日期: the day the snapshot was taken, "2020年10月5日"."""
    day = dt.datetime.fromisoformat(data["built_at"]).date()
    return _("%(year)s年%(month)s月%(day)s日") % {"year": day.year, "month": day.month, "day": day.day}


def period(data: dict) -> str:
    start, end = dt.date.fromisoformat(data["start"]), dt.date.fromisoformat(data["end"])
    return _("%(start)s至%(end)s") % {
        "start": f"{start.year}年{start.month}月{start.day}日",
        "end": f"{end.month}月{end.day}日" if end.year == start.year else f"{end.year}年{end.month}月{end.day}日",
    }


def subtitle(data: dict) -> str:
    """第 40 期（2020年9月28日至10月4日）"""
    return _("第%(issue)s期（%(period)s）") % {"issue": data["issue"], "period": period(data)}


def correction_note(data: dict) -> str | None:
    correction = data.get("correction")
    if not correction:
        return None
    previous = correction.get("previous") or {}
    return _("更正说明：本期为第%(version)s版，更正第%(previous)s版（%(built_at)s）。%(note)s") % {
        "version": correction["version"],
        "previous": previous.get("version", DASH),
        "built_at": str(previous.get("built_at", DASH))[:16].replace("T", " "),
        "note": correction.get("note") or "",
    }


def components(data: dict) -> list[dict]:
    return list(data["formula"]["components"])


def ranking_headers(data: dict) -> list[str]:
    return [_("名次"), _("村（社区）"), _("得分"), *(c["label"] for c in components(data)), _("名次变化")]


def ranking_rows(data: dict) -> list[list[str]]:
    """The ranking table as shown: rank, village, score, each component, change."""
    keys = [c["key"] for c in components(data)]
    return [
        [
            str(v["rank"]),
            v["name"],
            dash(v["score"]),
            *(dash(v["components"].get(k)) for k in keys),
            change_text(v.get("change")),
        ]
        for v in data["villages"]
    ]


def weights_note(data: dict) -> str:
    """目标任务完成 60、事件按期结案率 25、网格巡查覆盖率 15 — and the published formula."""
    weights = "、".join(f"{c['label']} {c['weight']}" for c in components(data))
    return _("权重：%(weights)s。%(formula)s") % {"weights": weights, "formula": data["formula"]["text"]}


def decision_summary(decisions: dict) -> str:
    return (
        _(
            "%(week)s点评会议定事项 %(total)s 项：已销号 %(closed)s 项，已报办结 %(reported)s 项，"
            "督办中 %(open)s 项，其中逾期 %(overdue)s 项。"
        )
        % decisions
    )


def sections(data: dict) -> list[tuple[str, str]]:
    """The week's sections in order, as (key, heading with its number 一、…); a section whose data is None (no
    projects, no tax, no meeting) or empty (no supervision batches) is left out, and an empty week has only
    its note ("empty", with no heading)."""
    if data.get("empty"):
        return [("empty", "")]  # no heading: the note alone
    wanted = [
        ("ranking", _("综合排名"), True),
        ("best", _("先进与后进"), bool(data.get("best") or data.get("laggards"))),
        ("targets", _("目标任务"), data.get("targets") is not None),
        ("cases", _("网格事件办理"), data.get("cases") is not None),
        ("patrol", _("网格巡查"), data.get("patrol") is not None),
        ("ledgers", _("工作台账"), data.get("ledgers") is not None),
        ("projects", _("重点项目"), data.get("projects") is not None),
        ("tax", _("税收"), data.get("tax") is not None),
        ("decisions", _("上周点评会议定事项办结情况"), data.get("decisions") is not None),
        ("supervision", _("集中督查"), bool((data.get("supervision") or {}).get("batches"))),
    ]
    present = [(key, heading) for key, heading, show in wanted if show]
    return [(key, f"{numeral(i)}、{heading}") for i, (key, heading) in enumerate(present, start=1)]


def empty_note(data: dict) -> str:
    return _("%(period)s，%(subdistrict)s没有可统计的数据，本期不排名。") % {
        "period": period(data),
        "subdistrict": data["subdistrict"]["name"],
    }


def cases_line(cases: dict) -> str:
    return _(
        "本周新增事件 %(new)s 件，结案 %(closed)s 件；应结 %(due)s 件，按期结案 %(closed_on_time)s 件，"
        "按期结案率 %(rate)s；逾期未结 %(overdue)s 件，返工 %(reworked)s 件，延期 %(extended)s 件。"
    ) % {**cases, "rate": percent(cases.get("on_time_rate"))}


def patrol_line(patrol: dict) -> str:
    return _("全街道 %(grids)s 个网格，本周巡查 %(patrolled)s 个，覆盖率 %(rate)s。") % {
        **patrol,
        "rate": percent(patrol.get("rate")),
    }


def targets_line(targets: dict) -> str:
    return (
        _(
            "共 %(indicators)s 项指标：红灯 %(red)s 项，黄灯 %(yellow)s 项，绿灯 %(green)s 项，已完成 %(done)s 项，"
            "逾期 %(overdue)s 项。"
        )
        % targets
    )


def ledgers_line(ledgers: dict) -> str:
    return _("共 %(ledgers)s 本台账，本周更新 %(updated)s 本，新增 %(rows_added)s 行。") % ledgers


def projects_line(projects: dict) -> str:
    return _("共 %(projects)s 个重点项目，累计完成投资 %(invested)s 万元，%(behind)s 个投资进度滞后于计划。") % projects


def tax_line(tax: dict) -> str:
    return _("%(month)s 应收 %(expected)s 万元，实收 %(received)s 万元，差额 %(gap)s 万元。") % {
        k: dash(v) for k, v in tax.items()
    }
