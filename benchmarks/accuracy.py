"""How well the classifier labels organisations it has never seen: leave-one-organisation-out.

    python benchmarks/accuracy.py                  # all figures, on the whole corpus
    python benchmarks/accuracy.py --tune           # choose hyper-parameters on the development organisations
    python benchmarks/accuracy.py --adapt 50       # F1 before and after 50 labels chosen by `toilaudit label`'s order

For each organisation of the labelled corpus (corpus/items.csv: real tickets and pages from
public trackers, labelled by reading each one), the model is trained on every other organisation and
the organisation's items are classified together by `classify`, as one tracker's export would
be. Rules written by hand are fitted too, so a quarter of the organisations
(corpus/frozen_test_orgs.txt) were set aside before any rule was written or changed, and their
figures are printed apart.

The corpus holds more toil than trackers do (79%: searches find requests more readily than
projects), which flatters F1 for toil. So the F1 at 50% prevalence is printed as well: each
class weighs the same, as on a tracker where half the items are toil.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toilaudit.classify import train as training  # noqa: E402
from toilaudit.classify.classifier import classify  # noqa: E402
from toilaudit.classify.evaluate import confusion  # noqa: E402
from toilaudit.classify.model import PRIOR_INTERCEPT, ToilModel  # noqa: E402
from toilaudit.classify.rule_pack import load_rule_pack  # noqa: E402

FROZEN = ROOT / "corpus" / "frozen_test_orgs.txt"
MACRO_MIN_ITEMS = 10
"""Organisations with fewer items give F1 of 0 or 1 by chance; the macro average leaves them out."""


@dataclass(frozen=True, slots=True)
class Scores:
    items: int
    precision: float
    recall: float
    f1: float
    f1_balanced: float
    """F1 for toil when toil and not-toil weigh the same (a tracker half toil)."""

    def row(self) -> str:
        return (f"{self.items:6d} {self.precision:9.3f} {self.recall:7.3f} {self.f1:6.3f} {self.f1_balanced:9.3f}")


def scores(truth: np.ndarray, guess: np.ndarray) -> Scores:
    counts = confusion(truth.astype(bool), guess.astype(bool))
    tp, fp, recall = counts.true_positive, counts.false_positive, counts.recall
    toil, other = tp + counts.false_negative, fp + counts.true_negative
    scale = toil / other if other else 1.0  # weigh each not-toil item as much as all of toil / all of not-toil
    p_bal = tp / (tp + fp * scale) if tp + fp * scale else 0.0
    f1_bal = 2 * p_bal * recall / (p_bal + recall) if p_bal + recall else 0.0
    return Scores(len(truth), counts.precision, recall, counts.f1, float(f1_bal))


def frozen_orgs(corpus: pd.DataFrame) -> set[str]:
    if FROZEN.exists():
        return {line.strip() for line in FROZEN.read_text().splitlines() if line.strip() and not line.startswith("#")}
    return set()


def leave_one_out(corpus, pack, data, orgs, model_for) -> pd.DataFrame:
    """Classify each organisation with a model that never saw it; one row per item."""
    rows = []
    for org in orgs:
        model = model_for(org)
        result = classify(data[org].items, pack, model)
        part = corpus.loc[corpus["org"] == org, ["id", "org", "source_kind", "item_kind", "label", "ambiguous"]]
        part = part.set_index("id").loc[data[org].items["key"]].reset_index()
        part["predicted"] = result["is_toil"].to_numpy()
        part["probability"] = result["score"].to_numpy()
        part["category"] = result["category"].astype(str).to_numpy()
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def macro_f1(frame: pd.DataFrame) -> float:
    values = []
    for _, rows in frame.groupby("org"):
        truth = rows["label"].eq("toil").to_numpy()
        if len(rows) >= MACRO_MIN_ITEMS and truth.any():
            values.append(scores(truth, rows["predicted"].to_numpy()).f1)
    return float(np.mean(values)) if values else float("nan")


def report(frame: pd.DataFrame, title: str) -> dict:
    truth = frame["label"].eq("toil").to_numpy()
    clear = frame["ambiguous"].eq("no").to_numpy()
    lines = {"all items": scores(truth, frame["predicted"].to_numpy()),
             "unambiguous": scores(truth[clear], frame["predicted"].to_numpy()[clear])}
    for kind, rows in frame.groupby("source_kind"):
        lines[f"kind {kind}"] = scores(rows["label"].eq("toil").to_numpy(), rows["predicted"].to_numpy())
    for kind, rows in frame.groupby("item_kind"):
        lines[f"{kind}s"] = scores(rows["label"].eq("toil").to_numpy(), rows["predicted"].to_numpy())
    print(f"\n{title}: {frame['org'].nunique()} organisations left out one at a time")
    print(f"{'':16s} {'items':>6s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'F1 at 50%':>9s}")
    for name, value in lines.items():
        print(f"{name:16s} {value.row()}")
    macro_all = macro_f1(frame)
    macro_clear = macro_f1(frame.loc[clear])
    print(f"macro F1 over organisations with {MACRO_MIN_ITEMS}+ items: all {macro_all:.3f}, unambiguous {macro_clear:.3f}")
    return {name: value.__dict__ if hasattr(value, "__dict__") else {f: getattr(value, f) for f in value.__slots__}
            for name, value in lines.items()} | {"macro_f1_all": macro_all, "macro_f1_unambiguous": macro_clear}


def categories(frame: pd.DataFrame) -> None:
    """Which categories the verdicts fall into, and how often the labels agreed."""
    table = frame.assign(toil=frame["label"].eq("toil")).groupby(["category", "predicted"])["toil"].agg(
        ["size", "sum"]).reset_index()
    table.columns = ["category", "predicted toil", "items", "labelled toil"]
    print("\nVerdicts by category (rows: what toilaudit said; labelled toil: how many the corpus labels call toil)")
    print(table.sort_values(["predicted toil", "items"], ascending=False).to_string(index=False))


LABELS_BY = training.LABELS_BY
ACCURACY_FILE = ROOT / "toilaudit" / "classify" / "trained" / "corpus_accuracy.json"


def write_accuracy(results: pd.DataFrame, corpus_path: Path, organisations: int) -> None:
    """The leave-one-organisation-out confusion counts, per kind of item, shipped beside the model."""
    import hashlib

    confusion = {}
    for kind, rows in (("ticket", results.loc[results["item_kind"] == "ticket"]),
                       ("page", results.loc[results["item_kind"] == "page"]), ("all", results)):
        truth, guess = rows["label"].eq("toil").to_numpy(), rows["predicted"].to_numpy(dtype=bool)
        confusion[kind] = {"true_positive": int((truth & guess).sum()), "false_negative": int((truth & ~guess).sum()),
                           "false_positive": int((~truth & guess).sum()), "true_negative": int((~truth & ~guess).sum())}
    per_organisation = {}
    for kind in ("ticket", "page"):
        counts = []
        for _, rows in results.loc[results["item_kind"] == kind].groupby("org"):
            truth, guess = rows["label"].eq("toil").to_numpy(), rows["predicted"].to_numpy(dtype=bool)
            if len(rows) >= MACRO_MIN_ITEMS and truth.any():
                counts.append([int((truth & guess).sum()), int((truth & ~guess).sum()), int((~truth & guess).sum())])
        per_organisation[kind] = sorted(counts)
    figures = {
        "date": time.strftime("%Y-%m-%d"),
        "per_organisation": per_organisation,
        "per_organisation_columns": ["true_positive", "false_negative", "false_positive"],
        "corpus_sha256": hashlib.sha256(corpus_path.read_bytes()).hexdigest(),
        "items": len(results),
        "organisations": organisations,
        "method": "leave-one-organisation-out: each organisation classified by a model trained on all the others",
        "labels_by": LABELS_BY,
        "confusion": confusion,
    }
    ACCURACY_FILE.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {ACCURACY_FILE.relative_to(ROOT)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=training.CORPUS)
    parser.add_argument("--tune", action="store_true", help="grid-search hyper-parameters on development organisations")
    parser.add_argument("--tune-precisions", type=float, nargs=2, metavar=("WORD", "RULE"),
                        help="with --tune: only these word and rule precisions (the word limit and threshold still vary)")
    parser.add_argument("--adapt", type=int, nargs="+", metavar="N", help="F1 before and after N labels per organisation")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--write-accuracy", action="store_true",
                        help="write the confusion counts the toil share's range uses (toilaudit/classify/trained/)")
    args = parser.parse_args()
    started = time.perf_counter()
    corpus = training.read_corpus(args.corpus)
    pack = load_rule_pack()
    data = training.prepare(corpus, pack)
    frozen = frozen_orgs(corpus) & set(data)
    development = sorted(set(data) - frozen)
    print(f"corpus: {len(corpus):,} items, {len(data)} organisations ({len(frozen)} frozen for testing), "
          f"{corpus['label'].eq('toil').mean():.0%} labelled toil")
    if args.tune:
        return tune(corpus, pack, data, development, [tuple(args.tune_precisions)] if args.tune_precisions else None)
    if args.adapt:
        for labels in args.adapt:
            adapt(pack, data, labels)
        return 0

    def trained_without(org):
        return training.train(data, pack, [o for o in data if o != org])

    results = leave_one_out(corpus, pack, data, sorted(data), trained_without)
    rules_only = ToilModel("rules only", PRIOR_INTERCEPT, {})
    baseline = leave_one_out(corpus, pack, data, sorted(data), lambda org: rules_only)
    figures = {
        "date": time.strftime("%Y-%m-%d"),
        "corpus_items": len(corpus),
        "organisations": len(data),
        "model": report(results, "Rules + model"),
        "frozen_test": report(results.loc[results["org"].isin(frozen)], "Rules + model, frozen test organisations only")
        if frozen else None,
        "rules_only": report(baseline, "Rules only (the classifier before the model)"),
    }
    categories(results)
    if args.write_accuracy:
        write_accuracy(results, args.corpus, len(data))
    print(f"\n{time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=float))
    return 0


ADAPT_MIN_REMAINING = 15
"""An organisation takes part in --adapt when at least this many items are left unlabelled to score."""


def adapt(pack, data, labels: int) -> int:
    """For each organisation left out: its verdicts before and after `labels` labels chosen by
    `toilaudit label`'s order, scored on the items left unlabelled (and on all, as the report shows them)."""
    from toilaudit.classify.adapt import label_order

    rows = []
    orgs = [org for org in sorted(data) if len(data[org].labels) >= labels + ADAPT_MIN_REMAINING]
    for org in orgs:
        model = training.train(data, pack, [o for o in data if o != org])
        items, truth = data[org].items, data[org].labels
        before = classify(items, pack, model)
        order = label_order(before.assign(labelled=False), model.threshold)[:labels]
        human = np.full(len(items), np.nan)
        human[order] = truth[order]
        after = classify(items, pack, model, human)
        asked = np.zeros(len(items), dtype=bool)
        asked[order] = True
        rows.append(pd.DataFrame({"org": org, "truth": truth == 1, "before": before["is_toil"].to_numpy(),
                                  "after": after["is_toil"].to_numpy(), "asked": asked,
                                  "ambiguous": data[org].ambiguous}))
    frame = pd.concat(rows, ignore_index=True)
    rest = frame.loc[~frame["asked"]]
    print(f"\n{labels} labels per organisation, chosen by `toilaudit label`'s order; {len(orgs)} organisations with "
          f"{labels + ADAPT_MIN_REMAINING}+ items, each left out of training")
    print(f"{'':34s} {'items':>6s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'F1 at 50%':>9s}")
    for name, part, column in (("before, items not asked", rest, "before"), ("after, items not asked", rest, "after"),
                               ("before, all items", frame, "before"), ("after, all items (labels kept)", frame, "after")):
        print(f"{name:34s} {scores(part['truth'].to_numpy(), part[column].to_numpy()).row()}")
    for name, column in (("before", "before"), ("after", "after")):
        values = [scores(g["truth"].to_numpy(), g[column].to_numpy()).f1 for _, g in rest.groupby("org") if g["truth"].any()]
        print(f"macro F1 {name} (items not asked): {np.mean(values):.3f}")
    return 0


def tune(corpus, pack, data, development, precisions=None) -> int:
    """Leave-one-out over development organisations only, for each setting; prints the grid. The
    word limit applies when scoring, so each model is trained once for every limit."""
    grid = precisions or list(itertools.product((0.1, 0.3, 1.0), (0.3, 1.0, 3.0)))
    print(f"{'word':>5s} {'rule':>5s} {'limit':>5s} {'thr':>5s} {'F1':>6s} {'F1@50%':>7s} {'macro':>6s}")
    for word, rule in grid:
        models = {org: training.train(data, pack, [o for o in development if o != org], word_precision=word,
                                      rule_precision=rule) for org in development}
        for limit in (math.inf, 3.0, 2.0, 1.5, 1.0):
            frame = leave_one_out(corpus, pack, data, development,
                                  lambda org, limit=limit, models=models: dataclasses.replace(models[org], word_limit=limit))
            truth = frame["label"].eq("toil").to_numpy()
            for threshold in (0.35, 0.4, 0.45, 0.5, 0.55):
                guess = frame["probability"].to_numpy() >= threshold
                s = scores(truth, guess)
                macro = macro_f1(frame.assign(predicted=guess))
                print(f"{word:5.1f} {rule:5.1f} {limit:5.1f} {threshold:5.2f} {s.f1:6.3f} {s.f1_balanced:7.3f} "
                      f"{macro:6.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
