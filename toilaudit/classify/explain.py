"""Why an item got its verdict: every rule, signal and word that moved it, with its weight.

The stored classification row says which rules and signals fired (`rule_ids`) and the item's
text says which words it has, so an item's features are rebuilt from its row alone, without
classifying the store again. The same rows rebuild the organisation's adapted model: the
labelled items' features are what adapt_model fits (classify/adapt.py). A test holds this
path equal to classify's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from toilaudit.classify.adapt import adapt_model
from toilaudit.classify.classifier import DESCRIPTION_CHARS, SIGNALS, rule_logit, signal_logit
from toilaudit.classify.features import DESCRIPTION, TITLE, TYPE_AND_LABELS, feature_rows
from toilaudit.classify.interface import Rule, RulePack
from toilaudit.classify.model import ToilModel, sigmoid
from toilaudit.classify.templates import match_texts

FIELD_NAMES = {"": "title", "d": "description", "t": "type/labels"}
KIND_NAMES = {"w": "word", "b": "words", "p": "stem", "f": "first word"}


def _is_evidence(feature: str) -> bool:
    """A rule (`r:T004`) or a signal (`s:S001`), not a word."""
    return feature[:2] in ("r:", "s:")


@dataclass(frozen=True, slots=True)
class Contribution:
    feature: str
    """The model's feature name (`w:restart`, `r:T004`, `s:S001`)."""
    meaning: str
    """What it is, for people: 'title word "restart"', 'T004 toil.restart'."""
    logit: float
    """Log-odds it adds (positive: towards toil)."""


@dataclass(frozen=True, slots=True)
class Explanation:
    probability: float
    """The model's probability of toil."""
    threshold: float
    """At or above it, toil."""
    intercept: float
    """Log-odds before any feature."""
    contributions: tuple[Contribution, ...]
    """Every feature present, strongest first."""
    model_version: str
    words_held: float = 0.0
    """What the model's word limit took off the words' sum (ToilModel.limit_words); 0 within it."""
    word_limit: float = math.inf

    @property
    def words(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.contributions if not _is_evidence(c.feature))

    @property
    def evidence(self) -> tuple[Contribution, ...]:
        """Rules and signals."""
        return tuple(c for c in self.contributions if _is_evidence(c.feature))

    def as_json(self) -> dict[str, Any]:
        return {
            "probability": round(self.probability, 3), "threshold": self.threshold, "model": self.model_version,
            "intercept": round(self.intercept, 3), "words_held": round(self.words_held, 3),
            "contributions": [{"feature": c.feature, "meaning": c.meaning, "logit": round(c.logit, 3)}
                              for c in self.contributions],
        }


def row_features(row: Mapping[str, Any], pack: RulePack) -> set[str]:
    """An item's features from its stored row: words of its text, and the ids in `rule_ids`.

    The quiet signals are not stored among the ids, so they are rebuilt from the row: S008
    (very repetitive) from the group size, S009 (a page) from the source.
    """
    features = set()
    for field, text in ((TITLE, row.get("title") or ""),
                        (DESCRIPTION, (row.get("description") or "")[:DESCRIPTION_CHARS]),
                        (TYPE_AND_LABELS, f"{row.get('item_type') or ''} {row.get('labels') or ''}")):
        features |= {name for _, name in feature_rows(match_texts(pa.array([text], pa.string())), field)}
    rule_ids = {r.id for r in pack.rules}
    for fired in str(row.get("rule_ids") or "").split():
        features.add(f"r:{fired}" if fired in rule_ids else f"s:{fired}")
    if int(row.get("group_size") or 0) >= 2 * pack.settings.repetition_min_group:
        features.add("s:S008")
    if row.get("source") == "pagerduty":
        features.add("s:S009")
    return features


def organisation_model(model: ToilModel, labelled_rows: pd.DataFrame, pack: RulePack) -> ToilModel:
    """The model adapted to the labelled items (rows with their stored classification and `human`: 1/0)."""
    if labelled_rows.empty:
        return model
    features = [row_features(row, pack) for row in labelled_rows.to_dict("records")]
    return adapt_model(model, features, labelled_rows["human"].to_numpy(dtype=float))


def feature_logit(name: str, model: ToilModel, pack: RulePack) -> float:
    """What one feature adds: a rule's or signal's weight (or prior), a word's weight, else 0."""
    if name.startswith("r:"):
        rule = next((r for r in pack.rules if r.id == name[2:]), None)
        return rule_logit(model, rule) if rule else 0.0
    if name.startswith("s:"):
        return signal_logit(model, name[2:])
    return model.weight(name)


def _logit(logits: Mapping[str, float], model: ToilModel) -> tuple[float, float]:
    """An item's log-odds from what each of its features adds, as classify sums them, and what the
    model's word limit took off its words' sum (ToilModel.limit_words)."""
    words = sum(logit for name, logit in logits.items() if not _is_evidence(name))
    held = float(model.limit_words(np.array(words))) - words
    return model.intercept + sum(logits.values()) + held, held


def probability(features: set[str], model: ToilModel, pack: RulePack) -> float:
    logit, _ = _logit({name: feature_logit(name, model, pack) for name in features}, model)
    return float(sigmoid(np.array([logit]))[0])


def explain_row(row: Mapping[str, Any], model: ToilModel, pack: RulePack) -> Explanation:
    rules = {r.id: r for r in pack.rules}
    contributions = []
    for name in sorted(row_features(row, pack)):
        if name.startswith("r:"):
            meaning = f"{name[2:]} {rules[name[2:]].name}{rule_hit(rules[name[2:]], row)}"
        elif name.startswith("s:"):
            meaning = f"{name[2:]} {SIGNALS[name[2:]][0]}"
        elif name in model.weights:
            meaning = _word_meaning(name)
        else:
            continue  # a word the model has no weight for
        contributions.append(Contribution(name, meaning, feature_logit(name, model, pack)))
    contributions.sort(key=lambda c: (-abs(c.logit), c.feature))
    logit, held = _logit({c.feature: c.logit for c in contributions}, model)
    threshold = pack.settings.toil_threshold if pack.settings.toil_threshold is not None else model.threshold
    return Explanation(float(sigmoid(np.array([logit]))[0]), threshold, model.intercept, tuple(contributions),
                       model.version, held, model.word_limit)


def rule_hit(rule: Rule, row: Mapping[str, Any]) -> str:
    """What a rule matched in the item, for people to check it (a label "roadmap", "budget" in a
    title): its title and its labels are searched apart, as classify reads them; '' if neither
    matches (the item's text changed since, or a signal of the same id)."""
    for where, text in (("title", row.get("title")), ("labels", row.get("labels"))):
        if not text:
            continue
        found = rule.pattern.search(match_texts(pa.array([str(text)], pa.string()))[0].as_py())
        if found and found.group(0).strip():
            return f' (on "{found.group(0).strip()}" in the {where})'
    return ""


def probability_text(probability: float, threshold: float) -> str:
    """A probability as people read it beside the threshold: two decimals, more where two would
    round it onto the threshold (0.3996 is not toil at 0.40, and "p 0.40" would not say so)."""
    for decimals in (2, 3, 4):
        text = f"{probability:.{decimals}f}"
        if text != f"{threshold:.{decimals}f}":
            break
    return text


def _word_meaning(name: str) -> str:
    prefix, text = name.split(":", 1)
    field, kind = prefix[:-1], prefix[-1]
    shown = f'{FIELD_NAMES.get(field, field)} {KIND_NAMES.get(kind, kind)} "{text}{"…" if kind == "p" else ""}"'
    # the model reads every number as 0 ("p1" and "p2" are one word, "p0"): say so where it shows
    return shown + " (numbers read as 0)" if "0" in text else shown
