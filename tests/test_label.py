"""`toilaudit label`: from a file, refused without a terminal, and in a real terminal as a person uses it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from toilaudit.store import open_store

from helpers import EXAMPLES, run, run_json

TOILAUDIT = shutil.which("toilaudit", path=str(Path(sys.executable).parent))


def stored_labels(db) -> dict[str, str]:
    store = open_store(str(db))
    try:
        labels = store.load_labels()
        return dict(zip(labels["key"], labels["label"]))
    finally:
        store.close()


def test_labels_from_a_file_decide_their_items_and_are_kept(tmp_path, db):
    assert run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=db).exit_code == 0
    [before] = run_json("explain", "OPS-101", "--format", "json", db=db)
    opposite = "not-toil" if before["is_toil"] else "toil"
    labels = tmp_path / "mine.csv"
    labels.write_text(f"key,label\nOPS-101,{opposite}\nNOPE-9,toil\n")
    result = run("label", "--from", str(labels), db=db)
    assert result.exit_code == 0, result.output
    assert "Saved 1 label from mine.csv" in result.stdout
    assert "1 labelled key(s) are not in the store and were left out: NOPE-9" in result.stderr
    [after] = run_json("explain", "OPS-101", "--format", "json", db=db)
    assert after["is_toil"] == (opposite == "toil") and after["person_label"] == opposite
    assert stored_labels(db) == {"OPS-101": opposite}
    # a later import keeps the person's verdict
    assert run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=db).exit_code == 0
    [again] = run_json("explain", "OPS-101", "--format", "json", db=db)
    assert again["is_toil"] == (opposite == "toil")


def test_the_queue_reads_a_few_columns_and_asks_as_whole_rows_would(audited):
    """The queue orders every item from a few columns (a million whole rows cost 4 GB and 14 s),
    adapts the model from the labelled rows alone and reads an item's whole row when it shows it:
    the same questions, in the same order, with the same model as from every whole row."""
    import numpy as np

    from toilaudit.audit import active_rule_pack
    from toilaudit.classify.adapt import human_verdicts, label_order
    from toilaudit.classify.explain import organisation_model
    from toilaudit.classify.model import shipped_model
    from toilaudit.labelling import queue

    assert run("label", "--from", str(EXAMPLES / "labels.csv"), db=audited).exit_code == 0
    store = open_store(str(audited))
    try:
        rows, order, model = queue(store)
        whole = store.classified_items()
        human = human_verdicts(whole, store.load_labels())
        pack = active_rule_pack(store)
        expected = organisation_model(shipped_model(), whole.assign(human=human).loc[~np.isnan(human)], pack)
        assert (~np.isnan(human)).sum() > 250  # the file's labels and Jira's own
        assert (model.weights, model.intercept) == (expected.weights, expected.intercept)
        assert order == label_order(whole.assign(labelled=~np.isnan(human)), expected.threshold).tolist()
        assert list(rows.columns) == ["source", "key", "human_label", "score", "group_id", "category"]
        assert list(rows["key"]) == list(whole["key"])
        for position in order[:5]:
            shown = store.classified_item(rows.iloc[position]["source"], rows.iloc[position]["key"])
            assert shown[["title", "description", "team", "score", "reasons"]].tolist() == \
                whole.iloc[position][["title", "description", "team", "score", "reasons"]].tolist()
    finally:
        store.close()


def test_without_a_terminal_label_points_to_the_file_and_evaluate(audited):
    result = run("label", db=audited)
    assert result.exit_code == 2
    assert "label: no terminal - pass --from FILE" in result.stderr and "evaluate --labels" in result.stderr


def test_evaluate_is_cross_validated_and_says_so(audited):
    data = run_json("evaluate", "--labels", str(EXAMPLES / "labels.csv"), "--format", "json", db=audited)
    assert "cross-validation" in data["method"]
    assert data["support"] == data["shipped_model"]["support"] > 250
    assert "from labels.csv" in data["labels_from"] and "labelled in the source" in data["labels_from"]


def spawn(tmp_path, db):
    return pexpect.spawn(TOILAUDIT, ["--db", str(db), "label", "--by", "dana"], cwd=str(tmp_path),
                         env={"TERM": "xterm", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                         encoding="utf-8", timeout=60, dimensions=(30, 80))


@pytest.mark.skipif(TOILAUDIT is None, reason="the toilaudit console script is not installed beside python")
def test_answer_undo_ctrl_c_then_resume_in_a_real_terminal(tmp_path):
    db = tmp_path / "labels.db"
    assert run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=db).exit_code == 0
    child = spawn(tmp_path, db)
    child.expect("least sure of come first")
    child.expect(r"Toil\? \[t/n/s/u/q\]")
    child.send("t")
    child.expect("saved: toil")
    child.expect(r"Toil\? \[t/n/s/u/q\]")
    # between key presses the store is free: a reader and a writer run in other processes
    for command in (["summary", "--format", "json"], ["classify"]):
        other = subprocess.run([TOILAUDIT, "--db", str(db), "--wait", "5", *command], capture_output=True, text=True,
                               timeout=120)
        assert other.returncode == 0, other.stderr
    child.send("n")
    child.expect("saved: not toil")
    child.expect(r"Toil\? \[t/n/s/u/q\]")
    child.send("u")  # undo the "not toil"
    child.expect("Undone: (\\S+) is unlabelled again")
    undone = child.match.group(1)
    child.expect(r"Toil\? \[t/n/s/u/q\]")
    child.sendintr()  # Ctrl-C
    child.expect("Labelling paused: 1 label")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    labels = stored_labels(db)
    assert list(labels.values()) == ["toil"] and undone not in labels
    [first] = labels

    child = spawn(tmp_path, db)  # the same command goes on: the labelled item is not asked again
    child.expect(r"\d+ items, (\d+) labelled so far")
    child.expect(r"Toil\? \[t/n/s/u/q\]")
    assert first not in child.before
    child.send("q")
    child.expect("Saved 0 label")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert stored_labels(db) == labels


def test_a_persons_label_wins_over_the_items_own_and_names_its_item_by_source_and_key():
    import numpy as np
    import pandas as pd

    from toilaudit.classify.adapt import human_verdicts

    items = pd.DataFrame({"source": ["jira", "jira", "pagerduty", "jira", "jira"],
                          "key": ["A-1", "A-2", "A-1", "A-3", "A-4"],
                          "human_label": ["toil", "", "", "not-toil", "toil"]})
    labels = pd.DataFrame({"source": ["jira", "pagerduty", "jira", "jira"], "key": ["A-1", "A-2", "A-3", "A-4"],
                           "label": ["not-toil", "toil", "toil", "unsure"]})
    got = human_verdicts(items, labels)
    # the person's; A-2: the label names another source's item; PagerDuty's A-1: none;
    # the person's; A-4: not a verdict, so the item's own
    assert np.array_equal(got, [0.0, np.nan, np.nan, 1.0, 1.0], equal_nan=True)
    assert np.array_equal(human_verdicts(items, labels.iloc[:0]), [1.0, np.nan, np.nan, 0.0, 1.0], equal_nan=True)


def test_a_labels_file_may_name_a_page_by_its_incident_number(audited, tmp_path):
    """#1043 or 1043, as explain takes it: the incident's own key is labelled."""
    pages = [item for item in run_json("items", "--source", "pagerduty", "--format", "json", db=audited)
             if item["incident_number"]][:2]
    labels = tmp_path / "labels.csv"
    labels.write_text(f"key,label\n#{pages[0]['incident_number']},not-toil\n{pages[1]['incident_number']},toil\n")
    assert run("label", "--from", str(labels), db=audited).exit_code == 0
    assert stored_labels(audited) == {pages[0]["key"]: "not-toil", pages[1]["key"]: "toil"}


def test_a_semicolon_labels_file_is_read_and_a_key_labelled_both_ways_is_refused(tmp_path, db):
    assert run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=db).exit_code == 0
    excel = tmp_path / "excel.csv"
    excel.write_text("key;label\nOPS-101;toil\nOPS-103;not-toil\n")  # Excel where the decimal mark is a comma
    result = run("label", "--from", str(excel), db=db)
    assert result.exit_code == 0, result.output
    assert stored_labels(db) == {"OPS-101": "toil", "OPS-103": "not-toil"}
    both = tmp_path / "both.csv"
    both.write_text("key,label\nOPS-104,toil\nOPS-105,toil\nOPS-104,not-toil\n")
    result = run("label", "--from", str(both), db=db)
    assert result.exit_code == 2
    assert result.stderr == "error: both.csv: OPS-104 is labelled both toil and not-toil (rows 2, 4) - keep one\n"
    assert stored_labels(db) == {"OPS-101": "toil", "OPS-103": "not-toil"}


def test_a_labels_file_keyed_as_jira_or_pagerduty_head_it_and_keys_in_any_case(audited, tmp_path):
    """Jira's own "Issue key" header, PagerDuty's "id", and ops-101 for OPS-101, as explain takes it."""
    page = next(item for item in run_json("items", "--source", "pagerduty", "--format", "json", db=audited))
    jira = tmp_path / "jira.csv"
    jira.write_text("Issue key,Label\nops-101,toil\nOPS-103,not-toil\n")
    result = run("label", "--from", str(jira), db=audited)
    assert result.exit_code == 0, result.output
    assert "Saved 2 labels" in result.stdout and "not in the store" not in result.stderr
    pagerduty = tmp_path / "pagerduty.csv"
    pagerduty.write_text(f"id,incident_number,label\n{page['key'].lower()},,toil\n")
    assert run("label", "--from", str(pagerduty), db=audited).exit_code == 0
    assert stored_labels(audited) == {"OPS-101": "toil", "OPS-103": "not-toil", page["key"]: "toil"}


def test_a_session_that_runs_out_of_items_says_so_and_what_comes_next(audited):
    """One item per repetition group is a pass: when none is left, the person is told to run label again."""
    import io

    from rich.console import Console

    from toilaudit.labelling import LabelSession, queue, run_labelling
    from toilaudit.store import open_store

    store = open_store(str(audited))
    try:
        _, order, _ = queue(store)
        answers = iter(["toil"] + ["skip"] * len(order))
        out = io.StringIO()
        session = LabelSession(store, Console(file=out, width=200), "dana")
        assert run_labelling(session, ask=lambda: next(answers)) == 1
    finally:
        store.close()
    text = " ".join(out.getvalue().split())
    assert f"No item is left in this pass: each repetition group was offered once ({len(order)} items)" in text
    assert "run toilaudit label again for a second pass" in text
    assert session.pass_done and session.left > 0
