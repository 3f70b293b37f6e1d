"""What the store proves about the organisation assessed: is its toil tracked continuously?

`toil_measured` holds only when the organisation's own items (see scope.py) fall in at least 4
consecutive weeks spanning 30 days or more, and the classifier that labels them has been
measured against labels on 30 or more of them. Two tickets 35 days apart are not tracking.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from toilaudit.classify.evaluate import rounded
from toilaudit.maturity.interface import (
    LABELLED_ITEMS_MIN,
    TOIL_MEASURED_MIN_DAYS,
    TOIL_MEASURED_MIN_WEEKS,
    Agreement,
    CategoryToil,
    Evidence,
)
from toilaudit.maturity.scope import Scope
from toilaudit.store import Store
from toilaudit.summary import summarise
from toilaudit.verdicts import check_on_items

LABEL_COMMAND = "toilaudit label"  # closes the labelled shortfall; named at the terminal, never to a board


def labelled_shortfall(labelled: int, command: bool = True) -> str:
    """Too few items labelled by a person to check the classifier against, in words; `command`:
    naming the command that closes it (assess, read at the terminal), else a board's words."""
    if not labelled:
        needed = (f"{LABELLED_ITEMS_MIN} labels needed: {LABEL_COMMAND}" if command
                  else f"{LABELLED_ITEMS_MIN} labelled items needed")
        return (f"none of its items is labelled toil or not toil by a person, so the classifier is not checked "
                f"against them ({needed})")
    return (f"{labelled} of its items are labelled toil or not toil by a person; {LABELLED_ITEMS_MIN} are needed to "
            "check the classifier against its own items" + (f" ({LABEL_COMMAND})" if command else ""))


def board_words(text: str, evidence: Evidence) -> str:
    """`text` (a shortfall, or a contradiction quoting one) in a board's words: the report names no
    command (README, "The board report"), and the labelled shortfall is the text that names one."""
    labelled = evidence.agreement.support if evidence.agreement else 0
    return text.replace(labelled_shortfall(labelled), labelled_shortfall(labelled, command=False))


def board_shortfalls(evidence: Evidence) -> tuple[str, ...]:
    """Why toil does not count as measured, in a board's words (board_words)."""
    return tuple(board_words(gap, evidence) for gap in evidence.shortfalls)


def classifier_agreement(store: Store, services: tuple[str, ...] | None) -> Agreement | None:
    """The classifier cross-validated against the labels on the organisation's items, as `evaluate`
    measures it: each label scored by a model adapted without it."""
    found = check_on_items(store, services)
    if found is None:
        return None
    check, origins = found
    figures = check.adapted
    return Agreement(rounded(figures.precision, 3), rounded(figures.recall, 3), rounded(figures.f1, 3),
                     figures.support, origins, check.groups, check.thin)


def toil_by_category(store: Store, services: tuple[str, ...] | None) -> tuple[CategoryToil, ...]:
    summary = summarise(store, "category", top=100_000, with_range=False, services=services)
    largest: dict[str, int] = {}
    for candidate in summary.candidates:
        largest[candidate.category] = max(largest.get(candidate.category, 0), candidate.items)
    return tuple(CategoryToil(str(name), f.toil_items, round(f.toil_hours, 1), largest.get(str(name), 0))
                 for name, f in summary.breakdown.items() if f.toil_items)


def longest_weekly_run(weeks: pd.DataFrame) -> tuple[int, int]:
    """(weeks, days) of the longest run of consecutive calendar weeks holding items."""
    best = (0, 0)
    if weeks.empty:
        return best
    frame = weeks.assign(week=pd.to_datetime(weeks["week"]),
                         first_created=pd.to_datetime(weeks["first_created"], utc=True),
                         last_created=pd.to_datetime(weeks["last_created"], utc=True)).sort_values("week")
    start: Any = None
    previous: Any = None
    for row in frame.itertuples():
        if previous is None or (row.week - previous.week).days != 7:
            start = row
        previous = row
        count = (row.week - start.week).days // 7 + 1
        days = int((row.last_created - start.first_created) / pd.Timedelta(days=1))
        best = max(best, (count, days))
    return best


def gather_evidence(store: Store, scope: Scope) -> Evidence:
    if not scope.attributable:
        return Evidence(False, 0, 0, shortfalls=(
            f"other organisations ({', '.join(scope.shared_with)}) share this store and {scope.org} named no "
            "services, so none of its tickets and pages can be told apart",), scope=scope.describe())
    summary = summarise(store, "source", top=0, with_range=False, services=scope.item_services)
    total = summary.total
    if total.items == 0 or summary.first_created is None or summary.last_created is None:
        return Evidence(False, 0, 0, shortfalls=(f"no tickets or pages of {scope.org} are imported",),
                        scope=scope.describe())
    days = int((summary.last_created - summary.first_created) / pd.Timedelta(days=1))
    weeks, run_days = longest_weekly_run(store.weekly_items(scope.item_services))
    agreement = classifier_agreement(store, scope.item_services)
    shortfalls = []
    if weeks < TOIL_MEASURED_MIN_WEEKS or run_days < TOIL_MEASURED_MIN_DAYS:
        shortfalls.append(f"its items fall in at most {weeks} consecutive week(s) spanning {run_days} days "
                          f"({TOIL_MEASURED_MIN_WEEKS} weeks over {TOIL_MEASURED_MIN_DAYS}+ days needed)")
    labelled = agreement.support if agreement else 0
    if labelled < LABELLED_ITEMS_MIN:
        shortfalls.append(labelled_shortfall(labelled))
    return Evidence(
        toil_by_category=toil_by_category(store, scope.item_services),
        toil_measured=not shortfalls, days_of_data=days, items=total.items, toil_percent=total.toil_percent,
        consecutive_weeks=weeks, run_days=run_days, agreement=agreement, shortfalls=tuple(shortfalls),
        scope=scope.describe(),
    )
