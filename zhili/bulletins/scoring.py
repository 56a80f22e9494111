"""The village score of the weekly bulletin (通报排名), from published weights — reproducible from the bulletin:

    score = Σ weight_k × value_k / Σ weight_k

over the components k that apply to the village that week (`COMPONENTS`; a component without data that week —
no case due, no grid — is left out and the weights renormalised over the others). Each value is on a 0–100 scale,
capped at 100: the target ranking's score (targets/ranking.py), the week's on-time closure rate of cases, the
week's grid patrol coverage. The score is computed from the component values as the bulletin prints them, so
anyone holding the bulletin can recompute it; ties share a rank.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.bulletins.models import ScoreScheme
from zhili.regions.models import Region

COMPONENTS: list[tuple[str, object]] = [
    ("targets", gettext_lazy("目标任务完成")),
    ("cases", gettext_lazy("事件按期结案率")),
    ("patrol", gettext_lazy("网格巡查覆盖率")),
]
KEYS = [k for k, _label in COMPONENTS]
DEFAULT_WEIGHTS = {"targets": Decimal(60), "cases": Decimal(25), "patrol": Decimal(15)}
CAP = Decimal(100)
CENT = Decimal("0.01")
BEST, LAGGARDS = 3, 3  # 宣传典型, 鞭策后进


def label(key: str) -> str:
    return str(dict(COMPONENTS)[key])


def weights_of(region: Region, year: int) -> dict[str, Decimal]:
    """The subdistrict's published weights for `year` (ScoreScheme), else the defaults; every component named."""
    scheme = ScoreScheme.objects.filter(region=region, year=year).first()
    return normalise(scheme.weights if scheme else None)


def normalise(weights: dict | None) -> dict[str, Decimal]:
    out = dict(DEFAULT_WEIGHTS)
    for key, value in (weights or {}).items():
        if key in out:
            out[key] = Decimal(str(value))
    return out


def _n(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def formula(weights: dict[str, Decimal]) -> dict:
    """The formula as the bulletin publishes it."""
    return {
        "components": [{"key": k, "label": label(k), "weight": _n(weights[k])} for k in KEYS],
        "text": _(
            "得分 = Σ（权重 × 分项得分）÷ Σ 适用分项的权重；分项得分为百分制，封顶 %(cap)s；本周无数据的分项不计入。"
        )
        % {"cap": _n(CAP)},
        "cap": _n(CAP),
    }


def capped(value: Decimal | None) -> Decimal | None:
    return None if value is None else min(max(value, Decimal(0)), CAP)


def score(components: dict[str, str | None], weights: dict[str, Decimal]) -> Decimal | None:
    """Σ w × v / Σ w over the components with a value (None: no data that week); None when none has one."""
    used = [(weights[k], Decimal(v)) for k, v in components.items() if v is not None and weights.get(k)]
    total = sum((w for w, _v in used), Decimal(0))
    if not used or not total:
        return None
    return (sum((w * min(v, CAP) for w, v in used), Decimal(0)) / total).quantize(CENT, ROUND_HALF_UP)


def rank(villages: list[dict], weights: dict[str, Decimal], previous: dict[str, int]) -> list[dict]:
    """Score, rank (ties share one) and change against `previous` ({code: rank} of the last published week),
    best first; a village with no component at all that week is listed last without a rank."""
    for v in villages:
        s = score(v["components"], weights)
        v["score"] = None if s is None else f"{s:.2f}"
    scored = sorted((v for v in villages if v["score"] is not None), key=lambda v: (-Decimal(v["score"]), v["code"]))
    unscored = sorted((v for v in villages if v["score"] is None), key=lambda v: v["code"])
    for i, v in enumerate(scored):
        v["rank"] = scored[i - 1]["rank"] if i and scored[i - 1]["score"] == v["score"] else i + 1
    for v in unscored:
        v["rank"] = None
    for v in scored + unscored:
        prev = previous.get(v["code"])
        v["previous_rank"] = prev
        v["change"] = prev - v["rank"] if prev is not None and v["rank"] is not None else None
    return scored + unscored


def _change_text(change: int | None) -> str:
    if change is None:
        return ""
    if change > 0:
        return _("，比上周上升 %(n)s 名") % {"n": change}
    if change < 0:
        return _("，比上周下降 %(n)s 名") % {"n": -change}
    return _("，与上周持平")


def _component_values(v: dict) -> list[tuple[str, Decimal]]:
    return [(k, Decimal(val)) for k, val in v["components"].items() if val is not None]


def _value_text(key: str, value: Decimal) -> str:
    """A component as the bulletin says it: the target score in points, a rate in per cent."""
    if key == "targets":
        return _("%(value)s 分") % {"value": _n(value)}
    return f"{value}%"


def reasons_best(v: dict, count: int) -> list[str]:
    out = [
        _("得分 %(score)s，居全街道第 %(rank)s 名%(change)s")
        % {"score": v["score"], "rank": v["rank"], "change": _change_text(v["change"])}
    ]
    values = _component_values(v)
    if values:
        key, value = max(values, key=lambda kv: kv[1])
        out.append(_("%(label)s %(value)s，为各分项最高") % {"label": label(key), "value": _value_text(key, value)})
    if v["cases"]["due"] and not v["cases"]["overdue"]:
        out.append(_("本周无逾期未结事件"))
    return out


def reasons_laggard(v: dict, count: int) -> list[str]:
    place = (
        _("居全街道末位")
        if v["rank"] == count
        else _("居全街道第 %(rank)s 名（共 %(n)s 个村（社区））") % {"rank": v["rank"], "n": count}
    )
    out = [
        _("得分 %(score)s，%(place)s%(change)s")
        % {"score": v["score"], "place": place, "change": _change_text(v["change"])}
    ]
    values = _component_values(v)
    if values:
        key, value = min(values, key=lambda kv: kv[1])
        out.append(_("%(label)s仅 %(value)s，为各分项最低") % {"label": label(key), "value": _value_text(key, value)})
    if v["cases"]["overdue"]:
        out.append(_("逾期未结事件 %(n)s 件") % {"n": v["cases"]["overdue"]})
    return out


def best_and_laggards(villages: list[dict]) -> tuple[list[dict], list[dict]]:
    """The best three (宣传典型) and the bottom three (鞭策后进) of the ranked villages, each with its reasons; with
    fewer than six ranked villages the two lists do not overlap (the best take precedence)."""
    ranked = [v for v in villages if v["rank"] is not None]
    n = len(ranked)
    best = ranked[:BEST]
    rest = ranked[len(best) :]
    laggards = list(reversed(rest[-LAGGARDS:])) if rest else []

    def entry(v: dict, reasons: list[str]) -> dict:
        return {"code": v["code"], "name": v["name"], "rank": v["rank"], "score": v["score"], "reasons": reasons}

    return [entry(v, reasons_best(v, n)) for v in best], [entry(v, reasons_laggard(v, n)) for v in laggards]
