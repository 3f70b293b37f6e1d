"""Chart geometry: numbers only. The templates draw the SVG from these, so code writes no markup.

Charts must read in print and in grey scale: toil is drawn dark, other work light, and every
bar carries its value as text, so nothing depends on colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StackedBar:
    label: str
    """Axis label (e.g. 2026-03)."""
    x: float
    """Left edge."""
    width: float
    """Bar width."""
    toil_y: float
    """Top of the toil segment."""
    toil_height: float
    """Height of the toil segment (bottom of the bar)."""
    other_y: float
    """Top of the other-work segment (stacked on toil)."""
    other_height: float
    """Height of the other-work segment."""
    toil_percent: float
    """Toil's share of the month's hours, printed above the bar."""


@dataclass(frozen=True, slots=True)
class Tick:
    value: str
    """Printed value."""
    y: float
    """Vertical position."""


@dataclass(frozen=True, slots=True)
class TrendChart:
    width: float
    height: float
    plot_left: float
    plot_bottom: float
    plot_top: float
    bars: tuple[StackedBar, ...]
    ticks: tuple[Tick, ...]


@dataclass(frozen=True, slots=True)
class HorizontalBar:
    label: str
    value_text: str
    y: float
    width: float


@dataclass(frozen=True, slots=True)
class BarChart:
    width: float
    height: float
    label_width: float
    bar_height: float
    bars: tuple[HorizontalBar, ...]


@dataclass(frozen=True, slots=True)
class Gauge:
    """Toil share against Google's cap and the industry figure, on one 0-100% scale."""

    width: float
    value_x: float
    industry_x: float
    cap_x: float
    value_percent: float


def nice_ceiling(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at or above value."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def trend_chart(months: list[tuple[str, float, float]], width: float = 640, height: float = 240) -> TrendChart:
    """Stacked monthly bars: (month, toil hours, other hours)."""
    left, bottom, top = 46.0, height - 28.0, 18.0
    plot_height = bottom - top
    highest = max((t + o for _, t, o in months), default=0)
    step = nice_ceiling(highest / 4) if highest else 1.0
    intervals = max(1, math.ceil(highest / step))
    peak = step * intervals
    slot = (width - left - 8) / max(len(months), 1)
    bar_width = min(slot * 0.7, 40)
    bars = []
    for index, (label, toil, other) in enumerate(months):
        x = left + index * slot + (slot - bar_width) / 2
        toil_h = plot_height * toil / peak
        other_h = plot_height * other / peak
        total = toil + other
        bars.append(StackedBar(label, round(x, 1), round(bar_width, 1), round(bottom - toil_h, 1), round(toil_h, 1),
                               round(bottom - toil_h - other_h, 1), round(other_h, 1),
                               round(100 * toil / total) if total else 0))
    ticks = tuple(Tick(f"{step * i:g}", round(bottom - plot_height * i / intervals, 1)) for i in range(intervals + 1))
    return TrendChart(width, height, left, bottom, top, tuple(bars), ticks)


def bar_chart(rows: list[tuple[str, float]], unit: str = "h", width: float = 640, bar_height: float = 16) -> BarChart:
    """Horizontal bars, largest first, each labelled with its value."""
    label_width = 190.0
    peak = max((v for _, v in rows), default=0) or 1
    usable = width - label_width - 70
    bars = tuple(
        HorizontalBar(label, f"{value:,.0f} {unit}", round(6 + i * (bar_height + 6), 1), round(usable * value / peak, 1))
        for i, (label, value) in enumerate(rows)
    )
    return BarChart(width, round(12 + len(rows) * (bar_height + 6), 1), label_width, bar_height, bars)


def gauge(toil_percent: float, industry: float, cap: float, width: float = 640) -> Gauge:
    scale = (width - 20) / 100
    return Gauge(width, round(10 + scale * min(toil_percent, 100), 1), round(10 + scale * industry, 1),
                 round(10 + scale * cap, 1), toil_percent)
