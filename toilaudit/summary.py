"""How much of the time is toil: the figures `summary` prints and the report shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from toilaudit.classify.accuracy import (
    LABELS_FOR_OWN_RATES, Rates, ShareRange, corpus_rates, corrected_share, own_rates,
)
from toilaudit.classify.adapt import human_verdicts
from toilaudit.classify.evaluate import cross_validate
from toilaudit.classify.model import shipped_model
from toilaudit.audit import active_rule_pack
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
    toil_range: ShareRange | None = None
    """The toil share corrected for the classifier's measured errors, with its 90% interval."""

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
            "toil_percent_range": self.toil_range.as_json() if self.toil_range else None,
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


def classifier_rates(store: Store) -> dict[str, Rates]:
    """The classifier's measured errors per source: the organisation's own labels, cross-validated,
    when it has LABELS_FOR_OWN_RATES or more; else the corpus's leave-one-organisation-out figures."""
    rows = store.labelled_items()
    if len(rows) >= LABELS_FOR_OWN_RATES:
        labelled = rows.assign(human=human_verdicts(rows, store.load_labels()))
        labelled = labelled.loc[labelled["human"].notna()]
        check = cross_validate(labelled, active_rule_pack(store), shipped_model()).adapted
        own = own_rates(check.true_positive, check.false_negative, check.false_positive, len(labelled))
        return {"jira": own, "pagerduty": own}
    return {"jira": corpus_rates("ticket"), "pagerduty": corpus_rates("page")}


def toil_range(store: Store, by_source: dict[str, Figures]) -> ShareRange | None:
    rates = classifier_rates(store)
    return corrected_share([(f.toil_hours, f.total_hours, rates[source]) for source, f in by_source.items()
                            if source in rates])


def summarise(store: Store, by: str = "source", top: int = TOP_CANDIDATES, with_range: bool = True) -> Summary:
    totals = store.totals()
    candidates = tuple(
        Candidate(
            group_id=row["group_id"], template=row["template"], category=row["category"], source=row["source"],
            items=int(row["items"]), hours=float(row["hours"]), example_title=row["example_title"],
        )
        # a candidate repeats: a one-off item, however long, is not a request to automate
        for row in store.top_groups(top, active_rule_pack(store).settings.repetition_min_group).to_dict("records")
    )
    first, last = totals.get("first_created"), totals.get("last_created")
    by_source = breakdown(store, "source")
    return Summary(
        total=_figures(totals),
        by_source=by_source,
        by=by,
        breakdown=breakdown(store, by),
        candidates=candidates,
        first_created=None if first is None or pd.isna(first) else pd.Timestamp(first),
        last_created=None if last is None or pd.isna(last) else pd.Timestamp(last),
        rule_pack_versions=tuple(store.rule_pack_versions()),
        toil_range=toil_range(store, by_source) if with_range else None,
    )
