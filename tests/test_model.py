"""The learned model: reproducible from the corpus, scored the same two ways, adapted by labels."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toilaudit.classify.accuracy import corpus_accuracy
from toilaudit.classify.adapt import label_order
from toilaudit.classify.classifier import classify
from toilaudit.classify.evaluate import cross_validate
from toilaudit.classify.explain import explain_row
from toilaudit.classify.features import (
    DESCRIPTION,
    TITLE,
    TOKEN_SEPARATOR,
    TYPE_AND_LABELS,
    LinearScorer,
    _ascii_words,
    feature_rows,
)
from toilaudit.classify.model import shipped_model
from toilaudit.classify.rule_pack import load_rule_pack
from toilaudit.importers.interface import WorkItem, items_to_frame
from toilaudit.store import open_store

from helpers import EXAMPLES, run, run_json

ROOT = Path(__file__).resolve().parents[1]
PACK = load_rule_pack()
T0 = pd.Timestamp("2026-03-02 10:00", tz="UTC")


def test_the_shipped_model_is_what_training_writes_from_the_shipped_corpus():
    result = subprocess.run([sys.executable, "-m", "toilaudit.classify.train", "--corpus", str(ROOT / "corpus/items.csv"),
                             "--out", str(ROOT / "toilaudit/classify/trained/toil_model.json"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    model = shipped_model()
    corpus_hash = hashlib.sha256((ROOT / "corpus/items.csv").read_bytes()).hexdigest()
    assert model.trained_on["corpus_sha256"] == corpus_hash
    assert corpus_accuracy()["corpus_sha256"] == corpus_hash  # the accuracy shipped beside it was measured on it too
    assert model.trained_on["items"] >= 2000 and len(model.weights) > 1000


def test_fast_scoring_equals_feature_by_feature_sums():
    rng = random.Random(11)
    words = ["restart", "disk", "full", "on", "web", "é", "access", "<url>", "0", "certificates", "certificate",
             "please", "x", "grant", "ümlaut"]
    texts = pa.array([" ".join(rng.choice(words) for _ in range(rng.randint(0, 9))) for _ in range(3000)])
    for field in (TITLE, DESCRIPTION, TYPE_AND_LABELS):
        names = sorted({name for _, name in feature_rows(texts, field)})
        weights = {name: rng.uniform(-2, 2) for name in names if rng.random() < 0.7}
        expected = np.zeros(len(texts))
        for row, name in feature_rows(texts, field):
            expected[row] += weights.get(name, 0.0)
        assert np.allclose(LinearScorer(weights, field).score(texts), expected)
        assert len(names) > 10


def test_ascii_texts_split_into_the_words_the_regex_split_finds():
    # ASCII chunks are split with numpy (features._ascii_words); the words must be the regex's,
    # empty ones aside (both paths drop them), in the same texts, in the same order
    rng = random.Random(5)
    alphabet = "ab0Z9 -._\n\t/|<>"
    for _ in range(2000):
        texts = pa.array(["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
                          for _ in range(rng.randint(1, 8))], pa.string())
        start = rng.randint(0, len(texts) - 1)
        texts = texts.slice(start, rng.randint(0, len(texts) - start))  # a chunk: offsets not from 0
        split = pc.split_pattern_regex(texts, TOKEN_SEPARATOR)
        parents = np.repeat(np.arange(len(texts)), pc.list_value_length(split).to_numpy(zero_copy_only=False))
        words = split.flatten()
        kept = pc.not_equal(words, "").to_numpy(zero_copy_only=False)
        found, found_parents = _ascii_words(texts)
        assert found.to_pylist() == words.filter(pa.array(kept)).to_pylist()
        assert found_parents.tolist() == parents[kept].tolist()


def item(key, title, description="", item_type="Task", labels="", human_label=""):
    return WorkItem(source="jira", key=key, title=title, description=description, item_type=item_type, labels=labels,
                    created_at=T0, resolved_at=T0 + pd.Timedelta(hours=30), human_label=human_label)


def verdicts(items, human=None):
    return classify(items_to_frame(items), PACK, human=human).set_index("key")


def test_the_model_reads_words_no_rule_knows():
    """A request in words no rule covers: the rules alone call it other work, the model toil."""
    from toilaudit.classify.model import PRIOR_INTERCEPT, ToilModel

    items = [item("A", "Please remove the spam user and their posts")]  # the rubric: spam clean-ups are toil
    rules_only = classify(items_to_frame(items), PACK, ToilModel("rules only", PRIOR_INTERCEPT, {}))
    assert not rules_only["is_toil"].iloc[0]
    assert verdicts(items).loc["A", "is_toil"]


def test_a_label_decides_its_item_and_speaks_for_its_group():
    titles = [f"Recalibrate the flux capacitor on rig-{n}" for n in range(6)]
    items = [item(f"K{n}", t) for n, t in enumerate(titles)]
    before = verdicts(items)
    human = np.full(len(items), np.nan)
    human[0] = 0.0 if before.loc["K0", "is_toil"] else 1.0  # a person disagrees with the model
    after = verdicts(items, human)
    assert after.loc["K0", "is_toil"] == (human[0] == 1)
    assert "S012" in after.loc["K0", "rule_ids"]
    # the rest of the group follows the person, through S010 / S011
    assert (after.loc[[f"K{n}" for n in range(1, 6)], "is_toil"] == (human[0] == 1)).all()
    assert any(signal in after.loc["K1", "rule_ids"] for signal in ("S010", "S011"))


def test_label_order_asks_the_least_sure_first_one_per_group():
    frame = pd.DataFrame({
        "score": [0.41, 0.42, 0.9, 0.05, 0.5, 0.39],
        "group_id": ["G1", "G1", "G2", "G3", "G4", "G5"],
        "category": ["a", "a", "b", "c", "a", "b"],
        "labelled": [False, False, False, False, False, True],
    })
    order = label_order(frame, threshold=0.4).tolist()
    assert 5 not in order  # labelled already
    assert order.count(0) + order.count(1) == 1  # one item of group G1
    assert order[0] == 0  # 0.41 is nearest the threshold
    assert order.index(4) > order.index(2)  # categories in turn: b's best comes before a's second


def test_cross_validation_never_scores_a_label_it_was_fitted_on():
    """A lone label against an obvious verdict: classification obeys it, cross-validation cannot see it."""
    items = [item(f"R{n}", f"Reset password for user{n}a") for n in range(1)] + [
        item(f"D{n}", f"Design the {w} architecture for multi-region", item_type="Epic")
        for n, w in enumerate(["storage", "network", "queue", "cache", "ledger"])]
    human = np.array([0.0] + [0.0] * 5)  # the password reset wrongly labelled not toil
    stored = verdicts(items, human).reset_index()
    assert not stored.loc[stored["key"] == "R0", "is_toil"].iloc[0]
    rows = items_to_frame(items).merge(stored, on=["source", "key"]).assign(human=human)
    check = cross_validate(rows, PACK, shipped_model(), folds=6)
    # the reset's own label is hidden from the model that scores it: still toil, so one false positive
    assert check.adapted.false_positive == 1 and check.adapted.true_negative == 5
    assert check.adapted.false_negative == 0 and check.adapted.true_positive == 0
    assert check.shipped.false_positive + check.shipped.true_negative == 6  # every label is not toil
    assert check.shipped.false_positive >= 1  # the reset was called toil by the model that never saw its label


def test_explain_rebuilds_every_stored_probability(tmp_path):
    db = tmp_path / "a.db"
    assert run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=db).exit_code == 0
    assert run("label", "--from", str(EXAMPLES / "labels.csv"), db=db).exit_code == 0  # an adapted model
    store = open_store(str(db))
    try:
        keys = store.classified_items()["key"].tolist()
        scores = dict(zip(keys, store.classified_items()["score"]))
    finally:
        store.close()
    held = 0
    for key in keys[::7]:
        [data] = run_json("explain", key, "--format", "json", db=db)
        assert abs(data["probability"] - scores[key]) < 0.002, key
        logit = data["intercept"] + sum(c["logit"] for c in data["contributions"]) + data["words_held"]
        assert abs(1 / (1 + np.exp(-logit)) - data["probability"]) < 0.002
        held += data["words_held"] != 0
    assert held  # the model's word limit took effect on some, and explain counted it as classify did


def test_words_cannot_overturn_a_rule_beyond_the_word_limit():
    """A rule fired on a stranger's ticket whose words the corpus learned as project work (a tool's
    name): the words count at most the model's word limit, in classify and in explain alike."""
    pack = load_rule_pack()
    items = items_to_frame([WorkItem(source="jira", key="A-1", title="Give Pete access to the zorgplex teams",
                                     item_type="Task", created_at=pd.Timestamp("2026-03-02 10:00", tz="UTC"))])
    base = shipped_model()
    heavy = dataclasses.replace(base, weights=dict(base.weights) | {"w:zorgplex": -6.0})
    for limit, toil in ((math.inf, False), (1.5, True)):
        model = dataclasses.replace(heavy, word_limit=limit)
        row = classify(items, pack, model).iloc[0]
        assert "T001" in row["rule_ids"] and bool(row["is_toil"]) is toil
        explained = explain_row(items.iloc[0].to_dict() | row.to_dict(), model, pack)
        assert abs(explained.probability - row["score"]) < 0.002
        assert (explained.words_held > 0) is (limit == 1.5)


def test_explain_shows_how_the_verdict_adds_up(audited):
    result = run("explain", "ops-101", db=audited)  # any case
    assert result.exit_code == 0, result.output
    out = result.stdout
    for part in ("verdict:", "probability", "how it adds up", "start (before any evidence)", "group:", "model:"):
        assert part in out
    assert "title word" in out or "title stem" in out


def test_summary_gives_the_toil_share_with_its_range_and_labels_narrow_it(audited):
    before = run_json("summary", "--format", "json", db=audited)["toil_percent_range"]
    assert before["low"] <= before["estimate"] <= before["high"]
    assert "labelled corpus" in before["accuracy_from"]
    assert run("label", "--from", str(EXAMPLES / "labels.csv"), db=audited).exit_code == 0
    after = run_json("summary", "--format", "json", db=audited)["toil_percent_range"]
    assert "the organisation's own" in after["accuracy_from"] and "cross-validated" in after["accuracy_from"]
    assert after["high"] - after["low"] < before["high"] - before["low"]


def test_corpus_accuracy_figures_are_leave_one_organisation_out():
    figures = corpus_accuracy()
    assert "leave-one-organisation-out" in figures["method"]
    for kind in ("ticket", "page"):
        c = figures["confusion"][kind]
        assert sum(c.values()) > 500
        assert len(figures["per_organisation"][kind]) >= 20
    total = figures["confusion"]["all"]
    assert sum(total.values()) == figures["items"]
    json.dumps(figures)


def test_a_probability_that_rounds_onto_the_threshold_is_shown_with_three_decimals():
    from toilaudit.classify.explain import probability_text

    assert (probability_text(0.3996, 0.4), probability_text(0.4004, 0.4)) == ("0.3996", "0.4004")
    assert (probability_text(0.3949, 0.4), probability_text(0.62, 0.4)) == ("0.39", "0.62")


def test_cross_validation_holds_out_whole_repetition_groups():
    """Labels carry to their repetition group (S010 / S011): a held-out item whose group-mates' labels
    trained the model would be scored by its own group's labels. Folds hold out whole groups, so a
    group the model gets wrong stays wrong however many of its items are labelled."""
    flux = [item(f"K{n}", f"Recalibrate the flux capacitor on rig-{n}") for n in range(8)]
    resets = [item(f"R{n}", f"Reset password for user{n}a") for n in range(6)]
    designs = [item(f"D{n}", f"Design the {w} architecture for multi-region", item_type="Epic")
               for n, w in enumerate(["storage", "network", "queue", "cache", "ledger", "search"])]
    items = flux + resets + designs
    shipped = verdicts(items)
    flux_label = 0.0 if shipped.loc["K0", "is_toil"] else 1.0  # people disagree with the model on the whole group
    human = np.array([flux_label] * 8 + [1.0] * 6 + [0.0] * 6)
    stored = verdicts(items, human).reset_index()
    rows = items_to_frame(items).merge(stored, on=["source", "key"]).assign(human=human)
    assert rows.loc[rows["key"].str.startswith("K"), "group_id"].nunique() == 1
    check = cross_validate(rows, PACK, shipped_model())
    # every flux item is scored without any flux label: the model's own verdict, wrong each time
    assert check.adapted.f1 != 1.0
    wrong = check.adapted.false_positive + check.adapted.false_negative
    assert wrong >= 8
    assert check.groups == rows["group_id"].nunique() and check.largest_group == 8
    assert check.folds == min(5, check.groups)
    assert cross_validate(rows.iloc[::-1], PACK, shipped_model()) == check  # the same folds whatever the row order


def test_labels_from_few_repetition_groups_are_called_thin():
    from toilaudit.classify.evaluate import CrossValidation, confusion

    def check(groups, largest, labels=53):
        truth = np.arange(labels) % 2 == 0
        figures = confusion(truth, truth)
        return CrossValidation(figures, figures, 5, groups, largest)

    assert check(3, 40).thin == "the labels cover only 3 repetition groups, 10 or more are needed"
    assert check(20, 40).thin == "one repetition group holds 40 of the 53 labels"
    assert check(20, 5).thin is None
    assert check(3, 40).reach == "53 labels from 3 repetition groups"
