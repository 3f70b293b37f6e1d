"""Chart geometry: numbers only. The templates draw the SVG from these, so code writes no markup.

Charts must read in print and in grey scale: toil is drawn dark, other work light, partial
weeks, months or quarters hatched, and every bar carries its value as text, so nothing depends
on colour. A chart has at most MAX_BARS bars: the unit grows with the period (weeks, months,
quarters, years) so that bars and their labels stay readable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_BARS = 24
UNITS = ("week", "month", "quarter", "year")  # the smallest that keeps a period to MAX_BARS bars wins
VALUE_FONT, LABEL_FONT = 7.0, 7.5
CHAR_WIDTH = 0.62  # DejaVu Sans: a character's average width, in font sizes


@dataclass(frozen=True, slots=True)
class BucketFigures:
    start: str
    """First day of the week, month, quarter or year (YYYY-MM-DD)."""
    toil_hours: float
    """Toil recorded in it."""
    other_hours: float
    """Other work recorded in it."""
    partial: bool = False
    """The data starts or ends inside it."""
    capacity_hours: float | None = None
    """The capacity of the days the data covers in it, when known."""


def bucket_start(unit: str, when: pd.Timestamp) -> pd.Timestamp:
    """The first day of the week (Monday), month, quarter or year holding `when`."""
    day = when.normalize()
    if unit == "week":
        return day - pd.Timedelta(days=day.day_of_week)
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(day=1, month=3 * ((day.month - 1) // 3) + 1)
    return day.replace(day=1, month=1)


def next_bucket(unit: str, start: pd.Timestamp) -> pd.Timestamp:
    step = {"week": pd.Timedelta(days=7), "month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3),
            "year": pd.DateOffset(years=1)}[unit]
    return start + step


def buckets(unit: str, start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """[start, end) of each unit overlapping [start, end)."""
    out, first = [], bucket_start(unit, start)
    while first < end:
        following = next_bucket(unit, first)
        out.append((first, following))
        first = following
    return out


def chart_unit(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """The smallest unit that draws [start, end) in MAX_BARS bars or fewer (years beyond that)."""
    return next((unit for unit in UNITS if len(buckets(unit, start, end)) <= MAX_BARS), UNITS[-1])


def bar_label(unit: str, start: pd.Timestamp, first: bool) -> tuple[str, str]:
    """(label under the bar, year under that): the year under the first bar and where a year begins."""
    if unit == "year":
        return str(start.year), ""
    if unit == "week":
        text = f"{start.day} {MONTH_NAMES[start.month - 1]}"
        new_year = start.month == 1 and start.day <= 7
    elif unit == "quarter":
        text = f"Q{(start.month - 1) // 3 + 1}"
        new_year = start.month == 1
    else:
        text = MONTH_NAMES[start.month - 1]
        new_year = start.month == 1
    return text, str(start.year) if first or new_year else ""


def fitting_font(texts: list[str], room: float, largest: float) -> float:
    """The largest font size, up to `largest`, at which the longest text fits in `room` points."""
    longest = max((len(t) for t in texts), default=1)
    return round(min(largest, room / (CHAR_WIDTH * max(longest, 1))), 1)


@dataclass(frozen=True, slots=True)
class StackedBar:
    label: str
    """Under the bar: the week's Monday (24 Nov), the month (Jan), the quarter (Q3) or the year; * when partial."""
    year: str
    """Year, printed under the first bar and where a year begins; "" otherwise."""
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
    bar_unit: str
    """What one bar is: week, month, quarter or year."""
    value_font: float
    """Font size of the values above the bars, small enough that neighbours never overlap."""
    label_font: float
    """Font size of the labels under the bars."""
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


def trend_chart(months: list[BucketFigures], references: tuple[tuple[str, float], ...] = (), width: float = 640,
                height: float = 170, bar_unit: str = "month") -> TrendChart:
    """Stacked bars, one a `bar_unit`, as shares of capacity where every bar has one, else in hours."""
    share = bool(months) and all(m.capacity_hours for m in months)
    left, right, bottom, top = 46.0, width - 92.0, height - 34.0, 16.0
    plot_height = bottom - top

    def scale(m: BucketFigures, hours: float) -> float:
        return 100 * hours / m.capacity_hours if share and m.capacity_hours else hours

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
        text, year = bar_label(bar_unit, pd.Timestamp(m.start), index == 0)
        x = left + index * slot + (slot - bar_width) / 2
        toil, other = scale(m, m.toil_hours), scale(m, m.other_hours)
        toil_h, other_h = plot_height * toil / peak, plot_height * other / peak
        value = f"{toil:.1f}%" if share else f"{m.toil_hours:,.0f}"  # the axis says hours
        bars.append(StackedBar(text + ("*" if m.partial else ""), year, round(x, 1), round(bar_width, 1),
                               round(bottom - toil_h, 1), round(toil_h, 1), round(bottom - toil_h - other_h, 1),
                               round(other_h, 1), value, m.partial))
    value_font = fitting_font([b.value_text for b in bars], slot * 0.95, VALUE_FONT)
    label_font = fitting_font([b.label for b in bars] + [b.year for b in bars], slot * 0.95, LABEL_FONT)
    unit = "%" if share else ""
    ticks = tuple(Tick(f"{step * i:g}{unit}", round(bottom - plot_height * i / intervals, 1))
                  for i in range(intervals + 1))
    lines: list[ReferenceLine] = []
    for label, level in sorted(references, key=lambda r: r[1]) if share else ():
        y = round(bottom - plot_height * level / peak, 1)
        label_y = y + 3
        if lines and lines[-1].label_y - label_y < 9:  # too close to the label below: move up
            label_y = lines[-1].label_y - 9
        lines.append(ReferenceLine(label, y, round(label_y, 1)))
    return TrendChart(width, height, left, right, bottom, top, "% of capacity" if share else "hours", bar_unit,
                      value_font, label_font, tuple(bars), ticks, tuple(lines))


def bar_chart(rows: list[tuple[str, float]], unit: str = "h", width: float = 640, bar_height: float = 14,
              other_label: str | None = None) -> BarChart:
    """Horizontal bars in the order given, each labelled with its value; `other_label` marks the last as other."""
    label_width = 190.0
    peak = max((v for _, v in rows), default=0) or 1
    usable = width - label_width - 70
    bars = tuple(
        HorizontalBar(label, f"{value:,.{0 if value >= 10 else 1}f} {unit}", round(6 + i * (bar_height + 3), 1),
                      round(usable * value / peak, 1), other=label == other_label)
        for i, (label, value) in enumerate(rows)
    )
    return BarChart(width, round(10 + len(rows) * (bar_height + 3), 1), label_width, bar_height, bars)


def gauge(toil_percent: float, industry: float, cap: float, width: float = 640) -> Gauge:
    scale = (width - 20) / 100
    return Gauge(width, round(10 + scale * min(toil_percent, 100), 1), round(10 + scale * industry, 1),
                 round(10 + scale * cap, 1), toil_percent)
