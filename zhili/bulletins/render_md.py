"""The week as a chat message in markdown (WeCom's group robot reads a small subset: headings, bold, quotes,
lists, `<font color>`), self-contained: the network is closed, so there is no link to follow.

`markdown(data)` is the full text in one part (also the .md download): the summary — title, week, top 3 and
bottom 3 with their reasons, the key totals — then the whole ranking and the sections. `markdown(data,
limit_bytes=4096)` is what a robot sends (WeCom's limit is 4096 bytes of UTF-8): the full text if it fits in one
message, else the summary alone; if even that is longer than the limit (very long reasons), it is split into
several messages on line boundaries, never inside a line nor a UTF-8 character. A single line longer than the
limit by itself (which no real week has) is shortened with "…" at a character boundary.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhili.bulletins import render_common as rc

TOP = 3


def _village_line(v: dict) -> str:
    change = rc.change_text(v.get("change"))
    return _("%(rank)s. %(name)s %(score)s 分（%(change)s）") % {
        "rank": v["rank"],
        "name": v["name"],
        "score": rc.dash(v["score"]),
        "change": change,
    }


def _reasons(data: dict, key: str) -> dict[str, list[str]]:
    return {item["code"]: list(item.get("reasons") or []) for item in data.get(key) or []}


def _header(data: dict) -> list[str]:
    lines = [f"# {data['title']}", f"**{data['week']}** {rc.subtitle(data)}"]
    if data.get("number"):
        lines.append(data["number"])
    note = rc.correction_note(data)
    if note:
        lines.append(f'> <font color="warning">{note}</font>')
    return lines


def _totals(data: dict) -> list[str]:
    lines = [f"## {_('主要数据')}"]
    cases = data.get("cases")
    if cases:
        lines.append(
            _("- 事件：新增 %(new)s 件，按期结案率 %(rate)s，逾期未结 %(overdue)s 件")
            % {**cases, "rate": rc.percent(cases.get("on_time_rate"))}
        )
    patrol = data.get("patrol")
    if patrol:
        lines.append(
            _("- 网格巡查覆盖率 %(rate)s（%(patrolled)s/%(grids)s）")
            % {**patrol, "rate": rc.percent(patrol.get("rate"))}
        )
    targets = data.get("targets")
    if targets:
        lines.append(_("- 目标任务：红灯 %(red)s 项，逾期 %(overdue)s 项") % targets)
    decisions = data.get("decisions")
    if decisions:
        lines.append(
            _("- 上周议定事项：已销号 %(closed)s/%(total)s 项，逾期 %(overdue)s 项") % decisions,
        )
    batches = (data.get("supervision") or {}).get("batches") or []
    if batches:
        items = sum(b["items"] for b in batches)
        closed = sum(b["closed"] for b in batches)
        lines.append(_("- 集中督查：%(items)s 项，已办结 %(closed)s 项") % {"items": items, "closed": closed})
    return lines


def _summary(data: dict) -> list[str]:
    lines = _header(data)
    if data.get("empty"):
        return [*lines, rc.empty_note(data)]
    villages = data["villages"]
    best, laggards = _reasons(data, "best"), _reasons(data, "laggards")
    top = villages[:TOP]
    bottom = [v for v in villages[-TOP:] if v not in top]
    lines.append(f"## {_('前三名')}")
    for v in top:
        lines.append(_village_line(v))
        lines.extend(f"> {reason}" for reason in best.get(v["code"], []))
    if bottom:
        lines.append(f"## {_('后三名')}")
        for v in bottom:
            lines.append(f'<font color="warning">{_village_line(v)}</font>')
            lines.extend(f"> {reason}" for reason in laggards.get(v["code"], []))
    lines.extend(_totals(data))
    return lines


def _full(data: dict) -> list[str]:
    lines = _summary(data)
    if data.get("empty"):
        return lines
    for key, heading in rc.sections(data):
        if heading:
            lines.append(f"## {heading}")
        lines.extend(_section(data, key))
    lines.append("")
    lines.append(f"{data['issuer']} {rc.written_date(data)}")
    return lines


def _ranking(data: dict) -> list[str]:
    headers = rc.ranking_headers(data)
    return [
        rc.weights_note(data),
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
        *("| " + " | ".join(row) + " |" for row in rc.ranking_rows(data)),
        "",
    ]


def _best(data: dict) -> list[str]:
    lines = []
    for heading, key in ((_("先进村"), "best"), (_("后进村"), "laggards")):
        items = data.get(key) or []
        if items:
            lines.append(f"**{heading}**")
        for item in items:
            reasons = "；".join(item.get("reasons") or [])
            lines.append(
                _("- %(name)s（第%(rank)s名，%(score)s分）：%(reasons)s")
                % {"name": item["name"], "rank": item["rank"], "score": rc.dash(item["score"]), "reasons": reasons}
            )
    return lines


def _section(data: dict, key: str) -> list[str]:
    if key == "ranking":
        return _ranking(data)
    if key == "best":
        return _best(data)
    if key == "targets":
        t = data["targets"]
        return [rc.targets_line(t), *(f"- {r['name']}：{r['sentence']}" for r in t.get("red_list") or [])]
    if key == "cases":
        return [rc.cases_line(data["cases"])]
    if key == "patrol":
        return [rc.patrol_line(data["patrol"])]
    if key == "ledgers":
        led = data["ledgers"]
        return [
            rc.ledgers_line(led),
            *(
                _("- %(name)s：最近更新 %(last)s") % {"name": s["name"], "last": rc.dash(s["last"])}
                for s in led["stale"]
            ),
        ]
    if key == "projects":
        p = data["projects"]
        return [
            rc.projects_line(p),
            *(
                _("- %(name)s（%(village)s）：计划 %(planned)s 万元，完成 %(done)s 万元，差 %(gap)s 万元") % item
                for item in p.get("list") or []
            ),
        ]
    if key == "tax":
        return [rc.tax_line(data["tax"])]
    if key == "decisions":
        d = data["decisions"]
        return [
            rc.decision_summary(d),
            *(
                _("- %(text)s（%(owner)s，%(deadline)s）：%(status_label)s") % {**i, "deadline": rc.dash(i["deadline"])}
                for i in d.get("items") or []
            ),
        ]
    if key == "supervision":
        return [
            _("- %(name)s（%(issuer)s，%(received_on)s 交办）：%(items)s 项，已办结 %(closed)s 项") % b
            for b in data["supervision"]["batches"]
        ]
    return []


def _fit_line(line: str, limit: int) -> str:
    """A line shortened with … at a character boundary so that it takes at most `limit` bytes."""
    if len(line.encode()) <= limit:
        return line
    ell = "…"
    room = limit - len(ell.encode())
    out = line.encode()[:room].decode("utf-8", errors="ignore")  # drops a cut character's leftover bytes
    return out + ell


def split(lines: list[str], limit: int) -> list[str]:
    """Lines packed into parts of at most `limit` UTF-8 bytes each, breaking only between lines."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for raw in lines:
        line = _fit_line(raw, limit)
        n = len(line.encode())
        extra = n + (1 if current else 0)  # the "\n" before it
        if current and size + extra > limit:
            parts.append("\n".join(current).strip("\n"))
            current, size = [line], n
        else:
            current.append(line)
            size += extra
    if current:
        parts.append("\n".join(current).strip("\n"))
    return [p for p in parts if p]


def markdown(data: dict, *, limit_bytes: int | None = None) -> list[str]:
    """The week's chat message: one part without a limit, else one or more parts of at most `limit_bytes`."""
    full = "\n".join(_full(data))
    if limit_bytes is None or len(full.encode()) <= limit_bytes:
        return [full]
    summary = _summary(data)
    text = "\n".join(summary)
    if len(text.encode()) <= limit_bytes:
        return [text]
    return split(summary, limit_bytes)
