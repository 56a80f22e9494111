"""Charts drawn on the server as SVG (no script, no library, nothing fetched), each with its table for screen
readers and for anyone who wants the figures: `core/_chart.html` draws a `Chart`.

    chart = line_chart(_("完成率与序时进度"), ["1月", "2月", …], [Series(_("完成率"), [12.5, …], "actual"), …],
                       unit="%", y_max=100)

A series' `css` names its colour class (`.series-<css>` in zhili.css). Points are computed here, in a 640 × 220
view box that the page scales to its width, so a phone draws the same chart narrower.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28
Number = float | int | Decimal


@dataclass
class Series:
    label: str
    values: list[Number | None]
    css: str


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass
class Chart:
    title: str
    kind: str  # "line" or "bars"
    labels: list[str]
    series: list[Series]
    unit: str
    y_max: float
    width: int = WIDTH
    height: int = HEIGHT
    lines: list[tuple[Series, str, list[tuple[float, float, str]]]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (y, label) of the value axis
    x_labels: list[tuple[float, str]] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The table: one row per label, one cell per series."""
        return [(label, [_fmt(s.values[i]) for s in self.series]) for i, label in enumerate(self.labels)]

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT


def _fmt(value: Number | None) -> str:
    if value is None:
        return "—"
    text = f"{Decimal(str(value)).quantize(Decimal('0.1')):,f}"
    return text[:-2] if text.endswith(".0") else text


def _nice_max(values: list[Number | None], y_max: float | None) -> float:
    top = max((float(v) for v in values if v is not None), default=0.0)
    if y_max is not None and top <= y_max:
        return y_max
    if top <= 0:
        return 1.0
    # the axis's step is 1, 2, 2.5 or 5 times a power of ten, and four steps reach the top: round tick labels at
    # any scale (a month's taxes in yuan as well as a share in percent)
    power = 10.0 ** math.floor(math.log10(top / 4))
    for factor in (1, 2, 2.5, 5, 10):
        if top <= factor * power * 4:
            return factor * power * 4
    return top


def _frame(chart: Chart) -> tuple[float, float]:
    """Axis ticks and x labels; returns the x step and the y scale."""
    n = max(len(chart.labels), 1)
    plot_w = chart.plot_right - LEFT
    plot_h = chart.plot_bottom - TOP
    step = plot_w / n
    chart.ticks = [(chart.plot_bottom - plot_h * i / 4, _fmt(chart.y_max * i / 4) + chart.unit) for i in range(5)]
    every = max(1, -(-n // 8))  # at most eight labels under the axis
    chart.x_labels = [(LEFT + step * (i + 0.5), label) for i, label in enumerate(chart.labels) if i % every == 0]
    return step, plot_h / chart.y_max


def line_chart(title: str, labels: list[str], series: list[Series], *, unit: str = "", y_max: float | None = None):
    chart = Chart(title, "line", labels, series, unit, _nice_max([v for s in series for v in s.values], y_max))
    step, scale = _frame(chart)
    for s in series:
        points = [
            (
                round(LEFT + step * (i + 0.5), 1),
                round(chart.plot_bottom - float(v) * scale, 1),
                f"{labels[i]} {_fmt(v)}",
            )
            for i, v in enumerate(s.values)
            if v is not None
        ]
        chart.lines.append((s, " ".join(f"{x},{y}" for x, y, _t in points), points))
    return chart


def bar_chart(title: str, labels: list[str], series: list[Series], *, unit: str = "") -> Chart:
    """Grouped bars: for each label, one bar per series side by side."""
    chart = Chart(title, "bars", labels, series, unit, _nice_max([v for s in series for v in s.values], None))
    step, scale = _frame(chart)
    width = step * 0.8 / max(len(series), 1)
    for i, label in enumerate(labels):
        for j, s in enumerate(series):
            v = s.values[i]
            if not v:
                continue
            h = float(v) * scale
            x = LEFT + step * i + step * 0.1 + width * j
            chart.bars.append(
                Bar(
                    round(x, 1),
                    round(chart.plot_bottom - h, 1),
                    round(width, 1),
                    round(h, 1),
                    s.css,
                    f"{label} {s.label} {_fmt(v)}{unit}",
                )
            )
    return chart
