"""Learning an organisation's own vocabulary from the items its people labelled.

Three things happen when a store holds labels (from `toilaudit label`, a labels file, or
Jira's own toil / not-toil labels):
1. the shipped model is refitted on the labelled items, with its own weights as the prior
   (ORG_PRECISION): a few dozen labels move it towards the site's words ("OPS-REQ", "bump
   the golden AMI") without forgetting what the corpus taught;
2. a label speaks for its repetition group: the other items of a group whose labelled members
   are toil get S010, of one whose labelled members are not toil S011;
3. a labelled item's verdict is the person's (S012 says so in its reasons).

`label_order` decides which items `toilaudit label` asks about first: the ones the classifier
is least sure of, one per repetition group, taking the categories in turn (least-confidence
sampling, as modAL and small-text do, spread so that fifty labels teach fifty things).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from toilaudit.classify.model import ToilModel, feature_matrix, fit_logistic

ORG_PRECISION = 1.0
"""How firmly an organisation's fit is held at the shipped model's weights (benchmarks/accuracy.py --adapt)."""
INTERCEPT_PRECISION = 1.0
"""The intercept moves more freely: the organisation's share of toil is its own."""
GROUP_SIGNALS = ("S010", "S011")
PERSON_SIGNAL = "S012"
NOT_FITTED = {f"s:{s}" for s in (*GROUP_SIGNALS, PERSON_SIGNAL)}
LABEL_VALUES = {"toil": 1.0, "not-toil": 0.0}


def human_verdicts(items: pd.DataFrame, labels: pd.DataFrame) -> np.ndarray:
    """Per item: 1.0 labelled toil, 0.0 not toil, NaN unlabelled. The labels table (from `label`
    or a labels file) wins over a Jira label on the item itself."""
    return either_verdict(own_verdicts(items), person_verdicts(items, labels))


def either_verdict(own: np.ndarray, person: np.ndarray) -> np.ndarray:
    """The labels table's verdict where it has one (`person`), else the item's own (`own`)."""
    return np.where(np.isnan(person), own, person)


def own_verdicts(items: pd.DataFrame) -> np.ndarray:
    """Per item: the verdict of its own Jira toil / not-toil label, NaN where it has none."""
    verdict = np.full(len(items), np.nan)
    for label, value in LABEL_VALUES.items():  # compared in bulk: a Python call per item costs 0.1 s per million
        verdict[items["human_label"].eq(label).to_numpy(dtype=bool, na_value=False)] = value
    return verdict


def person_verdicts(items: pd.DataFrame, labels: pd.DataFrame) -> np.ndarray:
    """Per item: the labels table's verdict (1.0 toil, 0.0 not toil), NaN where it has none. Only
    the items whose key the table names are looked up: a tuple per item of a million costs 1.5 s."""
    found = np.full(len(items), np.nan)
    if not len(labels):
        return found
    stored = labels.set_index(["source", "key"])["label"].map(LABEL_VALUES).to_dict()
    rows = np.flatnonzero(items["key"].isin(labels["key"]).to_numpy(dtype=bool))
    for row, source, key in zip(rows.tolist(), items["source"].iloc[rows].tolist(), items["key"].iloc[rows].tolist()):
        value = stored.get((source, key))
        found[row] = np.nan if value is None else value
    return found


def group_label_signals(group_codes: np.ndarray, human: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item: its repetition group's labelled members (not counting itself) lean toil / not toil."""
    labelled = ~np.isnan(human)
    size = int(group_codes.max()) + 1 if len(group_codes) else 0
    toil = np.bincount(group_codes, weights=labelled & (human == 1), minlength=size)
    other = np.bincount(group_codes, weights=labelled & (human == 0), minlength=size)
    own_toil = (labelled & (human == 1)).astype(float)
    own_other = (labelled & (human == 0)).astype(float)
    lean = (toil[group_codes] - own_toil) - (other[group_codes] - own_other)
    return lean > 0, lean < 0


def adapt_model(model: ToilModel, features: list[set[str]], labels: np.ndarray) -> ToilModel:
    """The model refitted on an organisation's labelled items, its weights as the prior."""
    vocabulary = sorted({name for names in features for name in names} - NOT_FITTED)
    matrix = feature_matrix(features, vocabulary)
    means = np.array([model.weight(name, _prior(model, name)) for name in vocabulary])
    intercept, coef = fit_logistic(matrix, labels, np.ones(len(labels)), means, np.full(len(vocabulary), ORG_PRECISION),
                                   intercept_prior=model.intercept, intercept_precision=INTERCEPT_PRECISION)
    weights = dict(model.weights) | {name: float(w) for name, w in zip(vocabulary, coef)}
    trained_on = dict(model.trained_on) | {"adapted_with_labels": len(labels)}
    return dataclasses.replace(model, version=f"{model.version}+{len(labels)} labels", intercept=intercept,
                               weights=weights, trained_on=trained_on)


def _prior(model: ToilModel, name: str) -> float:
    """A rule or signal the shipped model has no weight for starts from its rule-pack prior."""
    from toilaudit.classify.classifier import SIGNALS
    from toilaudit.classify.model import RULE_LOGIT

    if name.startswith("s:") and name[2:] in SIGNALS:
        return RULE_LOGIT * SIGNALS[name[2:]][1]
    return 0.0  # rules absent from the model are a site's own: classify adds their prior itself


def label_order(classified: pd.DataFrame, threshold: float) -> np.ndarray:
    """Positions of unlabelled items, in the order `toilaudit label` asks about them.

    `classified` needs `score`, `group_id`, `category` and `labelled` columns. Least sure first
    (probability nearest the threshold), one item per repetition group, categories in turn.
    """
    candidates = classified.loc[~classified["labelled"].to_numpy(dtype=bool)].copy()
    candidates["doubt"] = (candidates["score"].astype(float) - threshold).abs()
    candidates = candidates.sort_values(["doubt", "group_id"], kind="stable")
    candidates = candidates.drop_duplicates("group_id")
    candidates["turn"] = candidates.groupby("category", observed=True).cumcount()
    ordered = candidates.sort_values(["turn", "doubt"], kind="stable")
    return ordered.index.to_numpy()
