"""Chart geometry: numbers only. The templates draw the SVG from these, so code writes no markup.

Charts must read in print and in grey scale: toil is drawn dark, other work light, partial
months hatched, and every bar carries its value as text, so nothing depends on colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class MonthFigures:
    month: str
    """YYYY-MM."""
    toil_hours: float
    """Toil recorded in the month."""
    other_hours: float
    """Other work recorded in the month."""
    partial: bool = False
    """The period starts or ends inside the month."""
    capacity_hours: float | None = None
    """The capacity of the days the period covers in the month, when known."""


@dataclass(frozen=True, slots=True)
class StackedBar:
    month: str
    """Month name (Jan)."""
    year: str
    """Year, printed under the first month and under each January; "" otherwise."""
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
    value_text: str
    """Printed above the bar: toil's share of capacity, or toil hours when capacity is not known."""
    partial: bool
    """Drawn hatched and marked with an asterisk."""


@dataclass(frozen=True, slots=True)
class Tick:
    value: str
    """Printed value."""
    y: float
    """Vertical position."""


@dataclass(frozen=True, slots=True)
class ReferenceLine:
    label: str
    """What it marks."""
    y: float
    """Vertical position."""
    label_y: float
    """Where its label sits: on the line, or moved up clear of the one below."""


@dataclass(frozen=True, slots=True)
class TrendChart:
    width: float
    height: float
    plot_left: float
    plot_right: float
    plot_bottom: float
    plot_top: float
    unit: str
    """Axis title: "% of capacity" or "hours"."""
    bars: tuple[StackedBar, ...]
    ticks: tuple[Tick, ...]
    references: tuple[ReferenceLine, ...]
    """Google's 50% cap and the industry's 34%, on a share-of-capacity axis only."""


@dataclass(frozen=True, slots=True)
class HorizontalBar:
    label: str
    value_text: str
    y: float
    width: float
    other: bool = False
    """The "other" row that keeps the total true: drawn light."""


@dataclass(frozen=True, slots=True)
class BarChart:
    width: float
    height: float
    label_width: float
    bar_height: float
    bars: tuple[HorizontalBar, ...]


@dataclass(frozen=True, slots=True)
class Gauge:
    """Toil's share of capacity against Google's cap and the industry figure, on one 0-100% scale."""

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


def trend_chart(months: list[MonthFigures], references: tuple[tuple[str, float], ...] = (), width: float = 640,
                height: float = 230) -> TrendChart:
    """Stacked monthly bars, as shares of capacity where every month has one, else in hours."""
    share = bool(months) and all(m.capacity_hours for m in months)
    left, right, bottom, top = 46.0, width - 92.0, height - 34.0, 16.0
    plot_height = bottom - top

    def scale(m: MonthFigures, hours: float) -> float:
        return 100 * hours / m.capacity_hours if share else hours

    highest = max((scale(m, m.toil_hours + m.other_hours) for m in months), default=0)
    if share:
        highest = max(highest, *(value for _, value in references), 0)
    step = nice_ceiling(highest / 4) if highest else 1.0
    intervals = max(1, math.ceil(highest / step))
    peak = step * intervals
    slot = (right - left) / max(len(months), 1)
    bar_width = min(slot * 0.7, 40)
    bars = []
    for index, m in enumerate(months):
        year, month = m.month.split("-")
        x = left + index * slot + (slot - bar_width) / 2
        toil, other = scale(m, m.toil_hours), scale(m, m.other_hours)
        toil_h, other_h = plot_height * toil / peak, plot_height * other / peak
        value = f"{toil:.1f}%" if share else f"{m.toil_hours:,.0f} h"
        bars.append(StackedBar(MONTH_NAMES[int(month) - 1] + ("*" if m.partial else ""),
                               year if index == 0 or month == "01" else "", round(x, 1), round(bar_width, 1),
                               round(bottom - toil_h, 1), round(toil_h, 1), round(bottom - toil_h - other_h, 1),
                               round(other_h, 1), value, m.partial))
    unit = "%" if share else ""
    ticks = tuple(Tick(f"{step * i:g}{unit}", round(bottom - plot_height * i / intervals, 1))
                  for i in range(intervals + 1))
    lines: list[ReferenceLine] = []
    for label, value in sorted(references, key=lambda r: r[1]) if share else ():
        y = round(bottom - plot_height * value / peak, 1)
        label_y = y + 3
        if lines and lines[-1].label_y - label_y < 9:  # too close to the label below: move up
            label_y = lines[-1].label_y - 9
        lines.append(ReferenceLine(label, y, round(label_y, 1)))
    return TrendChart(width, height, left, right, bottom, top, "% of capacity" if share else "hours", tuple(bars),
                      ticks, tuple(lines))


def bar_chart(rows: list[tuple[str, float]], unit: str = "h", width: float = 640, bar_height: float = 16,
              other_label: str | None = None) -> BarChart:
    """Horizontal bars in the order given, each labelled with its value; `other_label` marks the last as other."""
    label_width = 190.0
    peak = max((v for _, v in rows), default=0) or 1
    usable = width - label_width - 70
    bars = tuple(
        HorizontalBar(label, f"{value:,.0f} {unit}", round(6 + i * (bar_height + 6), 1),
                      round(usable * value / peak, 1), other=label == other_label)
        for i, (label, value) in enumerate(rows)
    )
    return BarChart(width, round(12 + len(rows) * (bar_height + 6), 1), label_width, bar_height, bars)


def gauge(toil_percent: float, industry: float, cap: float, width: float = 640) -> Gauge:
    scale = (width - 20) / 100
    return Gauge(width, round(10 + scale * min(toil_percent, 100), 1), round(10 + scale * industry, 1),
                 round(10 + scale * cap, 1), toil_percent)
