"""The period a summary or a report speaks for: parsed from --period, then placed on the data.

Board figures are per period. A 13-year export spread over 159 months reads as "0 h of toil a
month", so the figures count the items of one period only; by default the last 12 full months
of the data. The month holding the latest item counts as full when it had ended by the time the
data was taken, which the store knows from its latest import (an export filtered "created < 1
Nov" and imported on 28 Nov ends with a whole October); otherwise it was still running, and is
left out. Items outside the period still count as evidence: repetition groups are computed over
the whole store, and toil tracking (`toil_measured`) has its own rules (maturity/evidence.py).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from toilaudit.errors import ToilauditError

DEFAULT_PERIOD = "last-12-months"
FORMS = "2026-Q3, 2026-11, 2026, 2025-12..2026-11, 2026-01-15..2026-03-31, last-12-months or all"
DAYS_PER_MONTH = 30.44  # 365.25 / 12
DAYS_PER_WEEK = 7
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FULL_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                    "October", "November", "December")
DAY = pd.Timedelta(days=1)


class PeriodError(ToilauditError):
    """--period is not a period this tool reads."""


@dataclass(frozen=True, slots=True)
class PeriodSpec:
    """A period as asked, before it is placed on the data."""

    text: str
    """As written on the command line."""
    start: pd.Timestamp | None = None
    """First instant (UTC) of a named period; None for the relative forms."""
    end: pd.Timestamp | None = None
    """First instant after a named period."""
    last_months: int | None = None
    """last-N-months: the last N full months of the data."""

    @property
    def everything(self) -> bool:
        return self.start is None and self.last_months is None


@dataclass(frozen=True, slots=True)
class Period:
    """A period placed on the data: its bounds, its name, and the days of it the data covers."""

    start: pd.Timestamp
    """First instant, UTC."""
    end: pd.Timestamp
    """First instant after it, UTC."""
    label: str
    """Its name for people: "Nov 2025 to Oct 2026", "2026-Q3 (Jul to Sep 2026)"."""
    basis: str
    """Why this period: "the last 12 full months of the data" (and whether the month of the latest
    item had ended by the latest import); "" when it was named."""
    data_start: pd.Timestamp
    """Midnight of the day of the earliest item in scope (inside the period or not)."""
    data_end: pd.Timestamp
    """Midnight after the day of the latest item in scope."""

    @property
    def bounds(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """(start, end) as the store narrows its queries: start <= created_at < end."""
        return self.start, self.end

    @property
    def covered_start(self) -> pd.Timestamp:
        """Where the data begins inside the period."""
        return max(self.start, self.data_start)

    @property
    def covered_end(self) -> pd.Timestamp:
        """Where the data ends inside the period (exclusive)."""
        return max(min(self.end, self.data_end), self.covered_start)

    @property
    def covered_days(self) -> float:
        return (self.covered_end - self.covered_start) / DAY

    @property
    def months(self) -> float:
        """Months the data covers in the period (at least one): what "per month" divides by."""
        return max(self.covered_days / DAYS_PER_MONTH, 1.0)

    @property
    def weeks(self) -> float:
        """Weeks the data covers in the period, to the day (one day is a seventh of a week): capacity is
        counted over these, so a one-day period has a day's capacity, not a week's."""
        return self.covered_days / DAYS_PER_WEEK

    @property
    def partial(self) -> bool:
        """The data does not cover the whole period (it starts or ends inside it)."""
        return self.covered_start > self.start or self.covered_end < self.end

    @property
    def coverage(self) -> str:
        """The days the data covers, when they are not the whole period ("" otherwise)."""
        begins, ends = self.covered_start > self.start, self.covered_end < self.end
        first, last = day(self.covered_start), day(self.covered_end - DAY)
        if begins and ends:
            return f"the data runs from {first} to {last}"
        if begins:
            return f"the data begins on {first}"
        return f"the data ends on {last}" if ends else ""

    @property
    def described(self) -> str:
        """The label with why and how much of it the data covers, for the cover and the appendix."""
        notes = [note for note in (self.basis, self.coverage) if note]
        return f"{self.label} ({'; '.join(notes)})" if notes else self.label

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.start.date().isoformat(),
            "to": (self.end - DAY).date().isoformat(),
            "label": self.label,
            "basis": self.basis,
            "covered": {"from": self.covered_start.date().isoformat(),
                        "to": (self.covered_end - DAY).date().isoformat(),
                        "days": round(self.covered_days), "months": round(self.months, 2)},
            "data": {"from": self.data_start.date().isoformat(), "to": (self.data_end - DAY).date().isoformat()},
        }


def day(when: pd.Timestamp) -> str:
    return f"{when.day} {MONTH_NAMES[when.month - 1]} {when.year}"


def span(days: float) -> str:
    """Days as people count them, to the day: "1 day", "5 days", "1 week", "51 weeks and 5 days"."""
    whole = round(days)
    weeks, rest = divmod(whole, DAYS_PER_WEEK)
    parts = [f"{n:,} {unit}{'s' if n != 1 else ''}" for n, unit in ((weeks, "week"), (rest, "day")) if n]
    return " and ".join(parts) or "0 days"


def _utc(year: int, month: int = 1, dom: int = 1) -> pd.Timestamp:
    return pd.Timestamp(year=year, month=month, day=dom, tz="UTC")


def _unit(text: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """[start, end) of a year, quarter, month or day written as 2026, 2026-Q3, 2026-11 or 2026-11-05."""
    try:
        if m := re.fullmatch(r"(\d{4})", text):
            start = _utc(int(m[1]))
            return start, start + pd.DateOffset(years=1)
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            start = _utc(int(m[1]), 3 * int(m[2]) - 2)
            return start, start + pd.DateOffset(months=3)
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            start = _utc(int(m[1]), int(m[2]))
            return start, start + pd.DateOffset(months=1)
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            year, month, dom = int(m[1]), int(m[2]), int(m[3])
            start = _utc(year, month)  # month 13: not a period
            days = calendar.monthrange(year, month)[1]
            if not 1 <= dom <= days:  # 30 February: say so
                raise PeriodError(f"--period: {text} is not a day - {FULL_MONTH_NAMES[month - 1]} {year} "
                                  f"has {days} days")
            start += (dom - 1) * DAY
            return start, start + DAY
    except ValueError:  # month 13, a year out of range
        return None
    return None


def parse_period(text: str) -> PeriodSpec:
    """Read --period; a form it does not know is one line naming the forms it does."""
    cleaned = text.strip().lower()
    if cleaned == "all":
        return PeriodSpec(text)
    if (m := re.fullmatch(r"last-(\d{1,3})-months?", cleaned)) and int(m[1]) >= 1:
        return PeriodSpec(text, last_months=int(m[1]))
    first, sep, last = cleaned.partition("..")
    start, end = _unit(first), _unit(last if sep else first)
    if start and end and start[0] >= end[1]:
        raise PeriodError(f"--period: {text!r} ends before it starts - write the earlier end first, "
                          f"e.g. {last}..{first}")
    if start and end:
        return PeriodSpec(text, start[0], end[1])
    raise PeriodError(f"--period: {text!r} is not a period - use one of {FORMS}")


def _month_start(when: pd.Timestamp) -> pd.Timestamp:
    return _utc(when.year, when.month)


def label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """A period's name: a year, a quarter, a month, a range of months, or of days."""
    last = end - DAY
    if start.day != 1 or end.day != 1:
        return day(start) if end - start == DAY else f"{day(start)} to {day(last)}"
    months = (end.year - start.year) * 12 + end.month - start.month
    first_name = f"{MONTH_NAMES[start.month - 1]} {start.year}"
    if months == 1:
        return first_name
    if months % 12 == 0 and start.month == 1:
        return str(start.year) if months == 12 else f"{start.year} to {last.year}"
    if months == 3 and start.month % 3 == 1:
        return (f"{start.year}-Q{start.month // 3 + 1} ({MONTH_NAMES[start.month - 1]} to "
                f"{MONTH_NAMES[last.month - 1]} {start.year})")
    return f"{first_name} to {MONTH_NAMES[last.month - 1]} {last.year}"


def place(spec: PeriodSpec, first_item: pd.Timestamp, last_item: pd.Timestamp,
          with_last_month: bool = False, taken_at: pd.Timestamp | None = None) -> Period:
    """Put a period on the data running from `first_item` to `last_item`, taken at `taken_at`
    (the latest import; None when the store does not know).

    last-N-months ends with the month of the latest item when that month had ended by
    `taken_at`, else where it begins (the month was still running: a part of it would read as a
    quiet month), and starts no earlier than the month of the earliest; `with_last_month` keeps
    the running month in, for data that holds nothing before it. It never reaches past today:
    one ticket dated next year by mistake would otherwise move the period onto it and leave the
    rest out."""
    first_item, last_item = pd.Timestamp(first_item).tz_convert("UTC"), pd.Timestamp(last_item).tz_convert("UTC")
    data_start, data_end = first_item.normalize(), last_item.normalize() + DAY
    now = pd.Timestamp.now(tz="UTC")
    future = last_item > now + DAY  # a day's grace for the time zones of the export
    latest_day = f"{last_item:%d %b %Y}"
    if future and spec.last_months is not None:
        last_item = max(now, first_item)
    if spec.everything:
        start, end = data_start, data_end
        return Period(start, end, label(start, end), "all the data", data_start, data_end)
    if spec.last_months is None:
        return Period(spec.start, spec.end, label(spec.start, spec.end), "", data_start, data_end)
    latest_month = _month_start(last_item)
    after = latest_month + pd.DateOffset(months=1)
    taken = None if taken_at is None or pd.isna(taken_at) or future else pd.Timestamp(taken_at).tz_convert("UTC")
    ended = taken is not None and after <= taken  # months are UTC months, as the figures count them
    end = after if with_last_month or ended else latest_month
    wanted = end - pd.DateOffset(months=spec.last_months)
    start = max(wanted, _month_start(first_item))
    n = spec.last_months
    if with_last_month:
        basis = f"the last {n} months of the data, the latest still running"
    elif start > wanted:
        basis = f"the data up to its last full month: it spans less than {n} months"
    else:
        basis = f"the last {n} full month{'s' if n != 1 else ''} of the data"
    if taken is not None and not with_last_month:
        month = label(latest_month, after)
        basis += (f"; {month} had ended by the latest import, on {day(taken)}" if ended else
                  f"; {month} is left out, still running at the latest import on {day(taken)}")
    if future:
        basis += f", up to today; some items are dated as late as {latest_day} - check them"
    return Period(start, end, label(start, end), basis, data_start, data_end)
