"""The learned part of the classifier: a logistic regression over words, rules and signals.

The rules explain, the model generalises (weak supervision, as in Snorkel: rules are labelling
functions with ids). The model's inputs are the item's words (title, description, type and
labels; see features.py), the ids of the rules that fired (`r:T004`) and the built-in signals
(`s:S001` repetition, ...). Its weights are log-odds: an item is toil when the sum reaches
the logit of `threshold`.

Fitting is a maximum a posteriori estimate with a Gaussian prior per weight:
- words start at 0 and move only as far as the labelled corpus pushes them;
- rules and signals start where the rule pack puts them (RULE_LOGIT x their weight), so a
  signal the corpus rarely shows (an auto-resolved page) keeps its domain meaning;
- an organisation's own labels are fitted with the shipped model as the prior, so fifty
  labels move it towards the site's vocabulary without forgetting the corpus (adapt.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

RULE_LOGIT = 5.0
"""A rule pack weight of 0.6 is a prior of +3.0 log-odds (the old score scale: 0.5 was the line)."""
PRIOR_INTERCEPT = -2.5
"""The old scale's line at 0.5, in log-odds."""
MODEL_RESOURCE = "toil_model.json"


@dataclass(frozen=True, slots=True)
class ToilModel:
    """A fitted model, as shipped in the wheel or adapted to an organisation's labels."""

    version: str
    """Shown in the report's appendix and in `explain`."""
    intercept: float
    """Log-odds of toil before any feature."""
    weights: Mapping[str, float]
    """Feature name -> log-odds it adds when present."""
    threshold: float = 0.5
    """Probability at or above which an item is toil."""
    trained_on: Mapping[str, Any] = field(default_factory=dict)
    """Provenance: corpus file hash, items, organisations, labels and how they were measured."""
    word_limit: float = math.inf
    """The most an item's words may add or take together, in log-odds (see limit_words)."""

    def limit_words(self, words: np.ndarray) -> np.ndarray:
        """The words' sum as it counts: held within the word limit. Words learned from other
        organisations' trackers (a tool's name, a team's jargon) must not overturn a rule or a
        signal that fired on a stranger's ticket; where nothing fired, they still decide."""
        return np.clip(words, -self.word_limit, self.word_limit)

    @property
    def logit_threshold(self) -> float:
        return math.log(self.threshold / (1 - self.threshold))

    def weight(self, name: str, default: float = 0.0) -> float:
        return self.weights.get(name, default)

    def to_json(self) -> str:
        """Stable text: sorted keys, weights rounded, so the same fit writes the same bytes."""
        return json.dumps({
            "version": self.version,
            "threshold": round(self.threshold, 4),
            "intercept": round(self.intercept, 5),
            "trained_on": self.trained_on,
            "weights": {name: round(value, 5) for name, value in sorted(self.weights.items())},
            **({"word_limit": self.word_limit} if math.isfinite(self.word_limit) else {}),
        }, indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ToilModel:
        data = json.loads(text)
        return cls(version=str(data["version"]), intercept=float(data["intercept"]),
                   weights={str(k): float(v) for k, v in data["weights"].items()},
                   threshold=float(data.get("threshold", 0.5)), trained_on=data.get("trained_on", {}),
                   word_limit=float(data.get("word_limit", math.inf)))


@cache
def shipped_model() -> ToilModel:
    """The model trained on the labelled corpus (see corpus/README.md), shipped in the package."""
    text = resources.files("toilaudit.classify.trained").joinpath(MODEL_RESOURCE).read_text(encoding="utf-8")
    return ToilModel.from_json(text)


def sigmoid(logit: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -40, 40)))


def feature_matrix(features: list[set[str]], vocabulary: list[str]):
    """Items x features (scipy CSR, 1 where present) over `vocabulary`; names outside it are left out."""
    from scipy.sparse import csr_matrix

    index = {name: i for i, name in enumerate(vocabulary)}
    rows, cols = [], []
    for row, names in enumerate(features):
        for name in names:
            if name in index:
                rows.append(row)
                cols.append(index[name])
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(features), len(vocabulary)))


def fit_logistic(
    matrix, labels: np.ndarray, sample_weight: np.ndarray, prior_mean: np.ndarray, prior_precision: np.ndarray,
    intercept_prior: float = PRIOR_INTERCEPT, intercept_precision: float = 0.01,
) -> tuple[float, np.ndarray]:
    """Weights maximising the weighted log-likelihood plus a Gaussian prior per weight.

    `matrix` is a scipy sparse matrix (items x features), `labels` 1 for toil and 0 for not.
    L-BFGS from the prior mean: deterministic for the same inputs, so training is reproducible.
    """
    from scipy.optimize import minimize

    signs = np.where(labels > 0, 1.0, -1.0)
    csr = matrix.tocsr()
    transposed = csr.T.tocsr()

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        intercept, coef = theta[0], theta[1:]
        margin = signs * (csr @ coef + intercept)
        loss = np.logaddexp(0.0, -margin)
        # d/dmargin of log(1 + e^-m) is -sigmoid(-m)
        slope = -sample_weight * signs * sigmoid(-margin)
        difference = coef - prior_mean
        value = float(sample_weight @ loss + 0.5 * prior_precision @ difference**2
                      + 0.5 * intercept_precision * (intercept - intercept_prior) ** 2)
        gradient = np.concatenate((
            [slope.sum() + intercept_precision * (intercept - intercept_prior)],
            transposed @ slope + prior_precision * difference,
        ))
        return value, gradient

    start = np.concatenate(([intercept_prior], prior_mean))
    result = minimize(objective, start, jac=True, method="L-BFGS-B", options={"maxiter": 2000, "gtol": 1e-7})
    return float(result.x[0]), result.x[1:]
