"""How well the classifier agrees with people: precision, recall and F1 against human labels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from toilaudit.errors import InputFileError

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

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
            "confusion_matrix": {
                "toil": {"toil": self.true_positive, "not_toil": self.false_negative},
                "not_toil": {"toil": self.false_positive, "not_toil": self.true_negative},
            },
            "unmatched_labels": self.unmatched,
        }


def read_labels(path: Path) -> pd.DataFrame:
    """A CSV of `key,label` (label toil / not-toil), optionally with a `source` column."""
    where = Path(path).name
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFileError(f"{where}: no such file - check the --labels path") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{where}: not a readable CSV ({str(exc).splitlines()[0]}) - write key,label rows") from None
    frame.columns = [c.strip().lower() for c in frame.columns]
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
    truth = matched["label"].map(LABELS).astype(bool)
    guess = matched["is_toil"].astype(bool)
    return Evaluation(
        true_positive=int((truth & guess).sum()),
        false_positive=int((~truth & guess).sum()),
        false_negative=int((truth & ~guess).sum()),
        true_negative=int((~truth & ~guess).sum()),
        unmatched=unmatched,
    )
