"""How much of the time is toil: the figures `summary` prints and the report shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from toilaudit.store import Store

TOP_CANDIDATES = 10


@dataclass(frozen=True, slots=True)
class Figures:
    items: int
    """Work items counted."""
    toil_items: int
    """Of which toil."""
    toil_hours: float
    """Hours spent on toil (measured or estimated)."""
    total_hours: float
    """Hours spent on all items."""
    measured_hours: float
    """Hours that the sources measured (the rest is estimated by category)."""

    @property
    def toil_percent(self) -> float:
        """Toil's share of time, 0-100 (Google's cap: 50)."""
        return round(100 * self.toil_hours / self.total_hours, 1) if self.total_hours else 0.0

    @property
    def measured_percent(self) -> float:
        return round(100 * self.measured_hours / self.total_hours, 1) if self.total_hours else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "toil_items": self.toil_items,
            "toil_percent": self.toil_percent,
            "hours": {
                "toil": round(self.toil_hours, 1),
                "total": round(self.total_hours, 1),
                "measured": round(self.measured_hours, 1),
                "measured_percent": self.measured_percent,
            },
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    group_id: str
    """Repetition group id (stable for the same template)."""
    template: str
    """The title template the group shares."""
    category: str
    """Toil category."""
    source: str
    """jira or pagerduty."""
    items: int
    """Items in the group."""
    hours: float
    """Hours the group cost."""
    example_title: str
    """One real title of the group (untrusted text)."""


@dataclass(frozen=True, slots=True)
class Summary:
    total: Figures
    """All items."""
    by_source: dict[str, Figures]
    """jira / pagerduty."""
    by: str
    """The breakdown asked for."""
    breakdown: dict[str, Figures]
    """Figures per team, category, month or source."""
    candidates: tuple[Candidate, ...]
    """Top automation candidates: toil repetition groups by hours."""
    first_created: pd.Timestamp | None
    """Earliest item."""
    last_created: pd.Timestamp | None
    """Latest item."""
    rule_pack_versions: tuple[str, ...]
    """Rule pack(s) that labelled the items."""

    def as_json(self) -> dict[str, Any]:
        return {
            **self.total.as_json(),
            "by_source": {name: figures.as_json() for name, figures in self.by_source.items()},
            "by": self.by,
            "breakdown": {str(name): figures.as_json() for name, figures in self.breakdown.items()},
            "top_candidates": [
                {
                    "group_id": c.group_id, "template": c.template, "category": c.category, "source": c.source,
                    "items": c.items, "hours": round(c.hours, 1), "example_title": c.example_title,
                }
                for c in self.candidates
            ],
            "period": {
                "from": self.first_created.date().isoformat() if self.first_created is not None else None,
                "to": self.last_created.date().isoformat() if self.last_created is not None else None,
            },
            "rule_pack": list(self.rule_pack_versions),
        }


def _figures(row: dict[str, Any]) -> Figures:
    return Figures(
        items=int(row["items"]),
        toil_items=int(row["toil_items"]),
        toil_hours=float(row["toil_hours"]),
        total_hours=float(row["total_hours"]),
        measured_hours=float(row["measured_hours"]),
    )


def breakdown(store: Store, by: str) -> dict[str, Figures]:
    """Figures per team, category, month, source, service or person (months as YYYY-MM)."""
    frame = store.breakdown(by)
    out = {}
    for row in frame.to_dict("records"):
        name = row[by]
        if by == "month" and name is not None and not pd.isna(name):
            name = pd.Timestamp(name).strftime("%Y-%m")
        out[str(name)] = _figures(row)
    return out


def summarise(store: Store, by: str = "source", top: int = TOP_CANDIDATES) -> Summary:
    totals = store.totals()
    candidates = tuple(
        Candidate(
            group_id=row["group_id"], template=row["template"], category=row["category"], source=row["source"],
            items=int(row["items"]), hours=float(row["hours"]), example_title=row["example_title"],
        )
        for row in store.top_groups(top).to_dict("records")
    )
    first, last = totals.get("first_created"), totals.get("last_created")
    return Summary(
        total=_figures(totals),
        by_source=breakdown(store, "source"),
        by=by,
        breakdown=breakdown(store, by),
        candidates=candidates,
        first_created=None if first is None or pd.isna(first) else pd.Timestamp(first),
        last_created=None if last is None or pd.isna(last) else pd.Timestamp(last),
        rule_pack_versions=tuple(store.rule_pack_versions()),
    )
