"""How far to trust the toil share: the classifier's measured errors, and the share corrected for them.

Counting the hours of items labelled toil is biased when the classifier misses toil (recall
below 1) or flags other work (precision below 1). With a measured precision and recall, the
hours it counts as toil, C, hold precision x C truly toil hours, which are a fraction
`recall` of all toil hours T:

    T = C x precision / recall        (capped at all hours)

Where precision and recall come from:
- the organisation's own labels when it has LABELS_FOR_OWN_RATES or more (cross-validated by
  repetition group) and they cover enough groups (evaluate.CrossValidation.thin): they are drawn
  from their Beta posteriors;
- otherwise the labelled corpus, where each organisation was classified by a model that never
  saw it: a new organisation is like one of those, so precision and recall are drawn from the
  organisations' own figures (each smoothed by its Beta posterior). That is a prediction
  interval: how far the classifier's errors could move the figure for an organisation we have
  not measured. Labelling fifty items narrows it.
DRAWS draws with a fixed seed; the 5th and 95th percentiles are the 90% interval.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

LABELS_FOR_OWN_RATES = 50
DRAWS = 4000
SEED = 20261126
ACCURACY_RESOURCE = "corpus_accuracy.json"


@dataclass(frozen=True, slots=True)
class Rates:
    """Confusion counts of one or more organisations, and where they were measured."""

    counts: tuple[tuple[int, int, int], ...]
    """(true positives, false negatives, false positives) per organisation; one entry for an organisation's own."""
    measured_on: str
    """For people: what the figures come from."""
    between_organisations: bool = False
    """Draw an organisation first (corpus figures), or only the counts' own uncertainty (own labels)."""

    @property
    def precision(self) -> float:
        tp, _, fp = (sum(column) for column in zip(*self.counts))
        return tp / (tp + fp) if tp + fp else 0.0

    @property
    def recall(self) -> float:
        tp, fn, _ = (sum(column) for column in zip(*self.counts))
        return tp / (tp + fn) if tp + fn else 0.0

    def draw(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        """`size` draws of (precision, recall)."""
        counts = np.array(self.counts, dtype=float)
        chosen = rng.integers(0, len(counts), size) if self.between_organisations else np.zeros(size, dtype=int)
        tp, fn, fp = counts[chosen].T
        return rng.beta(tp + 1, fp + 1), rng.beta(tp + 1, fn + 1)


@dataclass(frozen=True, slots=True)
class ShareRange:
    """Toil's share of hours, 0-100, corrected for the classifier's errors, with its 90% interval."""

    estimate: float
    low: float
    high: float
    measured_on: str

    def as_json(self) -> dict[str, Any]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "interval": "90%",
                "method": "counted toil hours x precision / recall, precision and recall drawn as measured",
                "accuracy_from": self.measured_on}


@cache
def corpus_accuracy() -> dict[str, Any]:
    """The shipped leave-one-organisation-out figures (benchmarks/accuracy.py --write-accuracy)."""
    text = resources.files("toilaudit.classify.trained").joinpath(ACCURACY_RESOURCE).read_text(encoding="utf-8")
    return json.loads(text)


def corpus_rates(kind: str, why: str = "") -> Rates:
    """`kind`: "ticket" or "page"; `why`: appended to where the figures come from (why not the organisation's own)."""
    figures = corpus_accuracy()
    per_org = tuple(tuple(counts) for counts in figures["per_organisation"][kind])
    return Rates(per_org, f"the labelled corpus ({figures['items']:,} real items from {figures['organisations']} "
                          f"organisations, each scored by a model that never saw its organisation; measured "
                          f"{figures['date']}){why}", between_organisations=True)


def own_rates(true_positive: int, false_negative: int, false_positive: int, labels: int, groups: int) -> Rates:
    """`groups`: the repetition groups the labels cover (cross-validation holds each out whole)."""
    return Rates(((true_positive, false_negative, false_positive),),
                 f"the organisation's own {labels:,} labels from {groups:,} repetition groups "
                 "(cross-validated by group)")


def corrected_share(parts: list[tuple[float, float, Rates]]) -> ShareRange | None:
    """`parts`: (hours counted as toil, all hours, rates) per kind of item. None without hours."""
    total = sum(hours for _, hours, _ in parts)
    if total <= 0:
        return None
    rng = np.random.default_rng(SEED)
    point = 0.0
    draws = np.zeros(DRAWS)
    for counted, hours, rates in parts:
        recall = max(rates.recall, 0.05)  # a classifier that finds nothing corrects nothing
        point += min(counted * rates.precision / recall, hours)
        precision_draws, recall_draws = rates.draw(rng, DRAWS)
        draws += np.minimum(counted * precision_draws / np.maximum(recall_draws, 0.05), hours)
    low, high = np.percentile(draws, [5, 95])
    measured = "; ".join(dict.fromkeys(rates.measured_on for _, _, rates in parts))
    return ShareRange(round(100 * point / total, 1), round(100 * low / total, 1), round(100 * high / total, 1),
                      measured)
