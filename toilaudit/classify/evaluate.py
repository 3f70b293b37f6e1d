"""How well the classifier agrees with people: precision, recall and F1 against human labels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toilaudit.errors import InputFileError
from toilaudit.label_keys import with_key_column

LABELS = {"toil": True, "not-toil": False}
LABEL_SPELLINGS = {"toil": "toil", "not-toil": "not-toil", "not toil": "not-toil", "nottoil": "not-toil",
                   "non-toil": "not-toil", "not_toil": "not-toil"}


@dataclass(frozen=True, slots=True)
class Evaluation:
    true_positive: int
    """Labelled toil, classified toil."""
    false_positive: int
    """Labelled not-toil, classified toil."""
    false_negative: int
    """Labelled toil, classified not-toil."""
    true_negative: int
    """Labelled not-toil, classified not-toil."""
    unmatched: int
    """Labels whose key is not in the store."""

    @property
    def support(self) -> int:
        return self.true_positive + self.false_positive + self.false_negative + self.true_negative

    # A figure whose denominator is empty is undefined, not 0: two labels of not-toil, both
    # classified not toil, agree fully, yet precision and recall have nothing to count.
    @property
    def precision(self) -> float | None:
        """None when nothing was classified toil."""
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else None

    @property
    def recall(self) -> float | None:
        """None when nothing is labelled toil."""
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else None

    @property
    def f1(self) -> float | None:
        """2TP / (2TP + FP + FN); None when no item is labelled or classified toil."""
        counted = 2 * self.true_positive + self.false_positive + self.false_negative
        return 2 * self.true_positive / counted if counted else None

    def as_json(self) -> dict[str, Any]:
        return {
            "precision": rounded(self.precision, 4),
            "recall": rounded(self.recall, 4),
            "f1": rounded(self.f1, 4),
            "support": self.support,
            "confusion_matrix": {
                "toil": {"toil": self.true_positive, "not_toil": self.false_negative},
                "not_toil": {"toil": self.false_positive, "not_toil": self.true_negative},
            },
            "unmatched_labels": self.unmatched,
        }


def rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def shown_figure(value: float | None) -> str:
    """A precision, recall or F1 for people: "n/a" where it is undefined (see Evaluation)."""
    return "n/a" if value is None else f"{value:.3f}"


def undefined_figures(precision: float | None, recall: float | None) -> str | None:
    """Why precision or recall (an Evaluation's) cannot be measured on these labels; None when both can."""
    if recall is None:
        return "no labelled item is toil, so recall cannot be measured"
    if precision is None:
        return "toilaudit called none of the labelled items toil, so precision cannot be measured"
    return None


def read_labels(path: Path) -> pd.DataFrame:
    """A CSV of `key,label` (label toil / not-toil), optionally with a `source` column."""
    where = Path(path).name
    try:
        # the delimiter sniffed, as exports are read: Excel writes ; where the decimal mark is a comma
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python")
    except FileNotFoundError:
        raise InputFileError(f"{where}: no such file - check the --labels path") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{where}: not a readable CSV ({str(exc).splitlines()[0]}) - write key,label rows") from None
    frame = with_key_column(frame.rename(columns=lambda c: c.strip().lower()))  # Jira's "Issue key", PagerDuty's id
    if not {"key", "label"} <= set(frame.columns):
        raise InputFileError(f"{where}: needs columns key,label (found {', '.join(frame.columns)}) - add a header row key,label")
    labels = frame["label"].str.strip().str.lower().map(LABEL_SPELLINGS)
    bad = labels.isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputFileError(
            f"{where} row {row + 2}: label {frame['label'].iloc[row]!r} - use toil or not-toil"
        )
    out = pd.DataFrame({"key": frame["key"].str.strip(), "label": labels})
    out["source"] = frame["source"].str.strip().str.lower() if "source" in frame else ""
    both = out.groupby("key")["label"].transform("nunique") > 1
    if both.any():
        key = out.loc[both, "key"].iloc[0]
        rows = ", ".join(str(row + 2) for row in np.flatnonzero((out["key"] == key).to_numpy()))
        raise InputFileError(f"{where}: {key} is labelled both toil and not-toil (rows {rows}) - keep one")
    return out.drop_duplicates("key", keep="last")


def evaluate(predictions: pd.DataFrame, labels: pd.DataFrame) -> Evaluation:
    """Compare predictions (source, key, is_toil) with labels (key, label[, source])."""
    keyed = labels.copy()
    merged = keyed.merge(predictions, on="key", how="left", suffixes=("", "_pred"))
    if "source_pred" in merged:
        wrong_source = (merged["source"] != "") & (merged["source"] != merged["source_pred"])
        merged = merged.loc[~wrong_source | merged["source_pred"].isna()]
        merged = merged.drop_duplicates("key")
    unmatched = int(merged["is_toil"].isna().sum())
    matched = merged.loc[merged["is_toil"].notna()]
    truth = matched["label"].map(LABELS).to_numpy(dtype=bool)
    guess = matched["is_toil"].to_numpy(dtype=bool)
    return confusion(truth, guess, unmatched)


CV_FOLDS = 5

# How far the labels reach. Items of one repetition group are the same request again: their labels
# are near copies, and a classifier right (or wrong) on one is right (or wrong) on all of them. So
# labels measure the classifier on as many independent things as they cover groups, not as they
# count items. Below GROUPS_FOR_OWN_RATES groups (two per fold of the 5-fold cross-validation), or
# with one group holding more than LARGEST_GROUP_SHARE of the labels, the measured rates describe a
# few requests, not the organisation's work: 53 labels from 3 groups measured F1 1.000 where the
# classifier's figure over all the work was well short of it. `label` asks one item per group, so
# fifty labels given there cover fifty groups and pass easily.
GROUPS_FOR_OWN_RATES = 10
LARGEST_GROUP_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class CrossValidation:
    """The classifier against an organisation's own labels, each label scored by a model that never saw it."""

    shipped: Evaluation
    """The shipped model alone (trained on the corpus, never on these labels)."""
    adapted: Evaluation
    """Adapted to the labels, K-fold by repetition group: each fold scored by a model fitted on the other folds."""
    folds: int
    groups: int = 0
    """Repetition groups the labels cover."""
    largest_group: int = 0
    """Labels in the group holding the most."""

    @property
    def reach(self) -> str:
        """How far the labels reach, for people: "53 labels from 3 repetition groups"."""
        labels = self.adapted.support
        return (f"{labels:,} label{'' if labels == 1 else 's'} from {self.groups:,} "
                f"repetition group{'' if self.groups == 1 else 's'}")

    @property
    def thin(self) -> str | None:
        """Why the labels cover too few repetition groups to speak for the organisation ("the labels
        cover only 3 repetition groups, 10 or more are needed"); None when they reach far enough."""
        labels = self.adapted.support
        if self.groups < GROUPS_FOR_OWN_RATES:
            return (f"the labels cover only {self.groups} repetition group{'' if self.groups == 1 else 's'}, "
                    f"{GROUPS_FOR_OWN_RATES} or more are needed")
        if labels and self.largest_group > LARGEST_GROUP_SHARE * labels:
            return f"one repetition group holds {self.largest_group} of the {labels} labels"
        return None

    def coverage_json(self) -> dict[str, Any]:
        return {"repetition_groups": self.groups, "largest_group_labels": self.largest_group,
                "too_few_groups": self.thin}


def group_folds(groups: np.ndarray, keys: pd.Series, folds: int) -> np.ndarray:
    """Per item, its fold: every item of a repetition group in the same fold, so that no item is
    scored by a model that learnt its group-mates' labels (they carry to the group: S010 / S011
    and the adapted weights of the group's words). Largest groups first, each to the fold holding
    the fewest items so far; ties broken by a hash of the group's smallest key, so the folds are
    the same from run to run and whatever order the rows come in."""
    codes, sizes = np.unique(groups, return_counts=True)
    first_key = pd.Series(keys.astype(str).to_numpy()).groupby(groups).min().reindex(codes)
    tie = pd.util.hash_pandas_object(first_key, index=False).to_numpy()
    order = np.lexsort((tie, -sizes))
    filled = np.zeros(folds, dtype=int)
    fold_of = np.zeros(int(codes.max()) + 1 if len(codes) else 0, dtype=int)
    for position in order:
        k = int(np.argmin(filled))
        fold_of[codes[position]] = k
        filled[k] += sizes[position]
    return fold_of[groups]


def cross_validate(rows: pd.DataFrame, pack, model, folds: int = CV_FOLDS) -> CrossValidation:
    """`rows`: labelled items with their stored classification and `human` (1.0 toil / 0.0).

    Folds hold whole repetition groups (group_folds) and are the same from run to run. A fold's
    items lose their own label and the group signals their fold's labels gave them; the other
    folds' labels adapt the model and give group signals afresh. With labels in one group only
    there is nothing to hold out against: the items are scored by the shipped model.
    """
    from toilaudit.classify.adapt import adapt_model, group_label_signals
    from toilaudit.classify.explain import probability, row_features

    records = rows.to_dict("records")
    base = [row_features(row, pack) - {"s:S010", "s:S011", "s:S012"} for row in records]
    truth = rows["human"].to_numpy(dtype=float)
    groups = pd.factorize(rows["group_id"].astype(str))[0]
    sizes = np.bincount(groups) if len(groups) else np.zeros(0, dtype=int)
    folds = max(2, min(folds, len(sizes)))
    fold = group_folds(groups, rows["key"], folds)
    threshold = pack.settings.toil_threshold if pack.settings.toil_threshold is not None else model.threshold

    def predict(fitted, features) -> np.ndarray:
        return np.array([probability(names, fitted, pack) for names in features]) >= threshold

    shipped_guess = predict(model, base)
    adapted_guess = shipped_guess.copy()  # a fold nothing else could train for keeps the shipped model's verdict
    for k in range(folds):
        test, train = fold == k, fold != k
        if not test.any() or not train.any():
            continue
        known = np.where(train, truth, np.nan)
        leans_toil, leans_other = group_label_signals(groups, known)
        features = [names | ({"s:S010"} if leans_toil[i] else set()) | ({"s:S011"} if leans_other[i] else set())
                    for i, names in enumerate(base)]
        fitted = adapt_model(model, [features[i] for i in np.flatnonzero(train)], truth[train])
        adapted_guess[test] = predict(fitted, [features[i] for i in np.flatnonzero(test)])
    return CrossValidation(confusion(truth == 1, shipped_guess), confusion(truth == 1, adapted_guess), folds,
                           len(sizes), int(sizes.max()) if len(sizes) else 0)


def confusion(truth: np.ndarray, guess: np.ndarray, unmatched: int = 0) -> Evaluation:
    """The confusion counts of boolean verdicts against boolean labels (True: toil)."""
    return Evaluation(
        true_positive=int((truth & guess).sum()), false_positive=int((~truth & guess).sum()),
        false_negative=int((truth & ~guess).sum()), true_negative=int((~truth & ~guess).sum()), unmatched=unmatched,
    )
