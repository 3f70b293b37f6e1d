"""Train the shipped model from the labelled corpus: one reproducible command.

    python -m toilaudit.classify.train            # corpus/items.csv -> toilaudit/classify/trained/toil_model.json
    python -m toilaudit.classify.train --check    # exit 1 if the shipped file is not what training writes

The corpus (corpus/README.md) is real tickets and pages from public trackers, each labelled toil
or not by reading it. Each organisation's items are classified together, as one
tracker would be (repetition is counted within a tracker), and their evidence becomes the
model's features: words of title, description, type and labels, the rules that fired and
the signals. Fitting is deterministic (L-BFGS from the prior), so the same corpus and rule
pack always write the same file; a test holds the shipped file to that.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from toilaudit.classify.adapt import NOT_FITTED
from toilaudit.classify.classifier import SIGNALS, Evidence, gather_evidence, item_features
from toilaudit.classify.interface import RulePack
from toilaudit.classify.model import RULE_LOGIT, ToilModel, feature_matrix, fit_logistic
from toilaudit.classify.rule_pack import load_rule_pack

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus" / "items.csv"
MODEL_FILE = Path(__file__).resolve().parent / "trained" / "toil_model.json"

# Hyper-parameters, chosen by leave-one-organisation-out on the development organisations
# (benchmarks/accuracy.py --tune); never on the frozen test organisations.
WORD_PRECISION = 0.3
"""How firmly a word's weight is held at 0: higher, fewer words matter."""
RULE_PRECISION = 1.0
"""How firmly a rule's or signal's weight is held at its rule-pack prior."""
THRESHOLD = 0.4
"""Probability at or above which an item is toil."""
WORD_LIMIT = 1.5
"""The most an item's words may add or take together (ToilModel.limit_words), in log-odds."""
MIN_ITEMS_PER_FEATURE = 2
"""A word seen in fewer labelled items is not learned (it would only memorise one ticket)."""

LABELS_BY = ("each item read and labelled with corpus/LABELLING.md by the project's AI assistants (no rule or "
             "generator assigned a label); a second, independent pass on 260 items agreed with kappa 0.92")
CORPUS_COLUMNS = ("id", "org", "source", "source_kind", "item_kind", "url", "title", "description", "item_type",
                  "created", "resolved", "state", "label", "ambiguous", "why")


def read_corpus(path: Path = CORPUS) -> pd.DataFrame:
    """The labelled corpus, every column a string."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = set(CORPUS_COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    return frame


def corpus_items(corpus: pd.DataFrame) -> pd.DataFrame:
    """Corpus rows as the classifier's inputs: pages as PagerDuty items, tickets as Jira items.

    The corpus has dates without times; they are placed at noon UTC so that the off-hours
    signal does not fire on a time nobody recorded.
    """
    def noon(column: str) -> pd.Series:
        dates = pd.to_datetime(corpus[column].where(corpus[column] != ""), utc=True, errors="coerce")
        return (dates + pd.Timedelta(hours=12)).astype("datetime64[us, UTC]")

    return pd.DataFrame({
        "source": np.where(corpus["item_kind"] == "page", "pagerduty", "jira"),
        "key": corpus["id"],
        "title": corpus["title"],
        "description": corpus["description"],
        "labels": "",
        "item_type": corpus["item_type"],
        "created_at": noon("created"),
        "resolved_at": noon("resolved"),
        "time_spent_seconds": np.nan,
        "urgency": "",
        "auto_resolved": pd.array([pd.NA] * len(corpus), dtype="boolean"),
    }).reset_index(drop=True).set_axis(corpus.index)


def unknown_times(evidence: Evidence) -> Evidence:
    """The corpus records days, not times, so whether a page came off hours (S006) is unknown:
    the signal is not read from it. Placed at noon, a weekend date alone made it fire, and the
    fit learned -0.70 from public trackers' weekend pages; it keeps its rule-pack prior instead."""
    return replace(evidence, signals=evidence.signals | {"S006": np.zeros_like(evidence.signals["S006"])})


@dataclass(frozen=True, slots=True)
class OrgData:
    """One organisation's corpus items, classified together as one tracker is."""

    items: pd.DataFrame
    """As WorkItems, in corpus order."""
    evidence: Evidence
    features: list[set[str]]
    """Per item, the names of its features."""
    labels: np.ndarray
    """1.0 toil, 0.0 not toil."""
    ambiguous: np.ndarray
    """Whether the labeller flagged the item ambiguous."""


def prepare(corpus: pd.DataFrame, pack: RulePack) -> dict[str, OrgData]:
    """Evidence and features of every organisation's items, computed once for many fits."""
    items = corpus_items(corpus)
    out = {}
    for org, rows in corpus.groupby("org", sort=True):
        org_items = items.loc[rows.index].reset_index(drop=True)
        evidence = unknown_times(gather_evidence(org_items, pack))
        out[str(org)] = OrgData(org_items, evidence, item_features(evidence),
                                (rows["label"].to_numpy() == "toil").astype(float),
                                rows["ambiguous"].to_numpy() == "yes")
    return out


def prior_mean(name: str, pack: RulePack) -> float:
    """Where a weight starts: a rule's or signal's rule-pack weight, 0 for a word."""
    if name.startswith("r:"):
        rule = next(r for r in pack.rules if r.id == name[2:])
        return RULE_LOGIT * rule.weight * (1 if rule.kind == "toil" else -1)
    if name.startswith("s:"):
        return RULE_LOGIT * SIGNALS[name[2:]][1]
    return 0.0


def fit(features: list[set[str]], labels: np.ndarray, weights: np.ndarray, pack: RulePack,
        word_precision: float = WORD_PRECISION, rule_precision: float = RULE_PRECISION) -> tuple[float, dict[str, float]]:
    """Fit the weights of the features seen in at least MIN_ITEMS_PER_FEATURE items (rules and signals always)."""
    counts: dict[str, int] = {}
    for names in features:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    structural = {f"r:{r.id}" for r in pack.rules} | {f"s:{s}" for s in SIGNALS if f"s:{s}" not in NOT_FITTED}
    vocabulary = sorted(n for n, c in counts.items() if c >= MIN_ITEMS_PER_FEATURE or n in structural)
    vocabulary = sorted(set(vocabulary) | structural)
    matrix = feature_matrix(features, vocabulary)
    means = np.array([prior_mean(name, pack) for name in vocabulary])
    precision = np.array([rule_precision if name in structural else word_precision for name in vocabulary])
    intercept, coef = fit_logistic(matrix, labels, weights, means, precision)
    return intercept, {name: float(w) for name, w in zip(vocabulary, coef) if abs(w) >= 1e-5 or name in structural}


def training_set(data: dict[str, OrgData], orgs: Iterable[str]) -> tuple[list[set[str]], np.ndarray, np.ndarray]:
    """Features, labels and sample weights of the items of `orgs`.

    Every organisation weighs the same in total, so one large tracker cannot teach its own
    habits as everyone's; and toil and not-toil weigh the same in total, because the corpus
    holds more toil than trackers do (searches find requests more readily than projects), and
    the model must not learn that prevalence.
    """
    chosen = sorted(set(orgs))
    features: list[set[str]] = []
    labels, weights = [], []
    for org in chosen:
        features += data[org].features
        labels.append(data[org].labels)
        weights.append(np.full(len(data[org].labels), 1.0 / (len(chosen) * len(data[org].labels))))
    label = np.concatenate(labels)
    weight = np.concatenate(weights)
    for value in (0.0, 1.0):  # each class half of the total weight
        chosen_class = label == value
        if chosen_class.any():
            weight[chosen_class] *= 0.5 / weight[chosen_class].sum()
    return features, label, weight * len(label)


def train(data: dict[str, OrgData], pack: RulePack, orgs: Iterable[str] | None = None, version: str = "trained",
          word_precision: float = WORD_PRECISION, rule_precision: float = RULE_PRECISION,
          threshold: float = THRESHOLD, provenance: dict | None = None, word_limit: float = WORD_LIMIT) -> ToilModel:
    features, labels, weights = training_set(data, sorted(data) if orgs is None else orgs)
    intercept, coef = fit(features, labels, weights, pack, word_precision, rule_precision)
    return ToilModel(version=version, intercept=intercept, weights=coef, threshold=threshold,
                     trained_on=provenance or {}, word_limit=word_limit)


def shipped_version(corpus_bytes: bytes) -> str:
    return "corpus-" + hashlib.sha256(corpus_bytes).hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toilaudit.classify.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--check", action="store_true", help="Exit 1 if --out differs from what training writes.")
    args = parser.parse_args(argv)
    raw = args.corpus.read_bytes()
    corpus = read_corpus(args.corpus)
    pack = load_rule_pack()
    provenance = {
        "corpus": "corpus/items.csv",
        "corpus_sha256": hashlib.sha256(raw).hexdigest(),
        "items": len(corpus),
        "organisations": int(corpus["org"].nunique()),
        "labels_by": LABELS_BY,
        "class_weights": "toil and not-toil weigh the same; every organisation weighs the same",
        "rule_pack": pack.version,
    }
    model = train(prepare(corpus, pack), pack, version=shipped_version(raw), provenance=provenance)
    text = model.to_json()
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("up to date" if same else f"out of date: {args.out} - run python -m toilaudit.classify.train")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(model.weights):,} weights from {len(corpus):,} items "
          f"of {provenance['organisations']} organisations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
