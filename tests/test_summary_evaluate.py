"""summary and evaluate, as a user runs them."""

from __future__ import annotations

import csv
import io

import pytest

from toilaudit import cli as cli_module

from helpers import EXAMPLES, FIXTURES, run, run_json


def test_summary_json_contract(audited):
    data = run_json("summary", "--format", "json", "--period", "all", db=audited)
    for key in ("items", "toil_items", "toil_percent", "hours", "by_source", "period"):
        assert key in data
    assert data["items"] == 740
    assert set(data["by_source"]) == {"jira", "pagerduty"}
    assert data["toil_percent"] == round(100 * data["hours"]["toil"] / data["hours"]["total"], 1) or abs(
        data["toil_percent"] - 100 * data["hours"]["toil"] / data["hours"]["total"]) < 0.1
    assert 0 < data["toil_percent"] < 100
    assert sum(s["items"] for s in data["by_source"].values()) == data["items"]
    top = data["top_candidates"]
    assert len(top) == 10
    assert [c["hours"] for c in top] == sorted((c["hours"] for c in top), reverse=True)
    assert all(c["items_all"] >= 3 and c["items"] <= c["items_all"] for c in top)  # repeated, over every date


@pytest.mark.parametrize("by", ["team", "category", "month", "source", "service"])
def test_breakdowns_add_up(audited, by):
    data = run_json("summary", "--format", "json", "--by", by, db=audited)
    assert sum(f["items"] for f in data["breakdown"].values()) == data["items"]
    if by == "month":
        assert len(data["breakdown"]) >= 12
        assert all(len(name) == 7 and name[4] == "-" for name in data["breakdown"])


def test_summary_csv_has_what_json_has_the_total_the_breakdown_and_the_candidates(audited):
    result = run("summary", "--format", "csv", "--by", "team", db=audited)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    data = run_json("summary", "--format", "json", "--by", "team", db=audited)
    [total] = [r for r in rows if r["section"] == "total"]
    assert (int(total["items"]), float(total["toil_percent"])) == (data["items"], data["toil_percent"])
    teams = [r for r in rows if r["section"] == "by team"]
    assert {r["name"] for r in teams} == set(data["breakdown"]) >= {"Payments Platform", "Core Banking SRE"}
    assert sum(int(r["items"]) for r in teams) == data["items"]
    assert {(r["period_from"], r["period_to"]) for r in rows} == {("2025-11-01", "2026-10-31")}
    candidates = [r for r in rows if r["section"] == "candidate"]
    assert [(r["name"], int(r["items"]), r["category"], r["example_title"]) for r in candidates] == \
        [(c["group_id"], c["items"], c["category"], c["example_title"]) for c in data["top_candidates"]]
    assert [float(r["toil_hours"]) for r in candidates] == \
        pytest.approx([c["hours"] for c in data["top_candidates"]], abs=0.051)  # JSON rounds to 0.1 h
    assert len(candidates) == 10
    every = run("summary", "--format", "csv", "--by", "team", "--period", "all", db=audited)
    every_rows = list(csv.DictReader(io.StringIO(every.stdout)))
    assert sum(int(r["items"]) for r in every_rows if r["section"] == "by team") == 740


def test_summary_table_says_the_headline(audited):
    data = run_json("summary", "--format", "json", db=audited)
    out = run("summary", db=audited).stdout
    assert f"{data['toil_percent']}% of the time recorded in tickets and pages is toil" in out
    assert "Top automation candidates" in out
    # by category, each toil category's part of the toil hours, which add up to the whole
    table = out[out.index("By category"):out.index("Top automation candidates")]
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in table.splitlines() if line.startswith("│")]
    parts = [float(row[4]) for row in rows if row[1] == "toil"]
    assert parts and abs(sum(parts) - 100) < 0.1 * len(parts)
    assert all(row[4] == "" for row in rows if row[1] == "-")


def test_every_summary_format_has_a_renderer():
    assert set(cli_module.SUMMARY_FORMATS) == set(cli_module.SUMMARY_RENDERERS)


def test_evaluate_on_bundled_labels(audited):
    data = run_json("evaluate", "--labels", str(EXAMPLES / "labels.csv"), "--format", "json", db=audited)
    assert data["support"] > 250
    assert data["f1"] >= 0.9
    matrix = data["confusion_matrix"]
    assert matrix["toil"]["toil"] + matrix["toil"]["not_toil"] + matrix["not_toil"]["toil"] + \
        matrix["not_toil"]["not_toil"] == data["support"]


def test_evaluate_uses_labels_made_in_jira(audited):
    data = run_json("evaluate", "--format", "json", db=audited)
    assert data["support"] > 20  # items labelled toil / not-toil in the Jira export


def test_evaluate_without_any_labels(db, tmp_path):
    export = tmp_path / "j.csv"
    export.write_text("Issue key,Summary,Created\nOPS-1,x,2026-01-01\n")
    run("import", "jira", "--csv", str(export), db=db)
    result = run("evaluate", db=db)
    assert result.exit_code == 2
    assert "no labels - pass --labels FILE" in result.stderr


@pytest.mark.parametrize("folder, export, labels", [
    ("holdout", "jira_holdout.csv", "labels_holdout.csv"),
    ("holdout2", "jira_retailer.csv", "labels_retailer.csv"),
])
def test_generated_exports_stay_classified(db, folder, export, labels):
    """A regression check, not an accuracy figure: these exports were generated from templates
    (an insurer's voice, a retailer's in Windows-1252), so they measure the generator. Accuracy
    is measured on the real corpus (benchmarks/accuracy.py)."""
    assert run("import", "jira", "--csv", str(FIXTURES / folder / export), db=db).exit_code == 0
    data = run_json("evaluate", "--labels", str(FIXTURES / folder / labels), "--format", "json", db=db)
    assert data["support"] >= 400
    assert data["f1"] >= 0.85, data


def test_explain(audited):
    result = run("explain", "OPS-1", db=audited)
    assert result.exit_code == 0
    assert "verdict:" in result.stdout and "group:" in result.stdout
    missing = run("explain", "NOPE-1", db=audited)
    assert missing.exit_code == 2 and "no item or repetition group 'NOPE-1'" in missing.stderr


def test_a_candidate_repeats_as_toil_not_as_one_toil_item_among_engineering_work(audited):
    """A group qualifies as an automation candidate by its toil items, not by its size: one toil item
    in a group of engineering tickets is not a request to automate."""
    from toilaudit.store import open_store

    before = run_json("summary", "--format", "json", "--top", "1000", db=audited)["top_candidates"]
    chosen = next(c for c in before if c["items"] >= 3)
    store = open_store(str(audited))
    try:
        with store.transaction():
            keys = store._frame("SELECT key FROM classifications WHERE group_id = ? AND is_toil ORDER BY key",
                                (chosen["group_id"],))["key"].tolist()
            assert len(keys) >= 3
            for key in keys[1:]:  # all but one of its toil items become engineering work
                store._execute("UPDATE classifications SET is_toil = false WHERE group_id = ? AND key = ?",
                               (chosen["group_id"], key))
    finally:
        store.close()
    after = run_json("summary", "--format", "json", "--top", "1000", db=audited)["top_candidates"]
    assert chosen["group_id"] not in {c["group_id"] for c in after}
    assert {c["group_id"] for c in before} - {c["group_id"] for c in after} == {chosen["group_id"]}


def test_labels_that_are_all_not_toil_leave_recall_and_f1_unmeasured_not_zero(db, tmp_path):
    """Labels that are all not toil measure no recall: "n/a", and null in JSON, never 0."""
    export = tmp_path / "j.csv"
    export.write_text("Issue key,Summary,Created\nOPS-1,Design the new billing service schema,2026-01-01\n"
                      "OPS-2,Write the architecture decision record for queues,2026-01-02\n"
                      "OPS-3,Reset password for user bob,2026-01-03\n")
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    labels = tmp_path / "labels.csv"
    labels.write_text("key,label\nOPS-1,not-toil\nOPS-2,not-toil\n")
    data = run_json("evaluate", "--labels", str(labels), "--format", "json", db=db)
    assert data["support"] == 2 and data["recall"] is None
    assert data["confusion_matrix"]["toil"] == {"toil": 0, "not_toil": 0}
    called_toil = data["confusion_matrix"]["not_toil"]["toil"]
    assert data["f1"] == (None if called_toil == 0 else 0.0)  # a wrong toil verdict is an F1 of 0, measured
    table = run("evaluate", "--labels", str(labels), db=db).stdout
    adapted = next(line for line in table.splitlines() if "adapted to your labels" in line)
    assert adapted.split("│")[3].strip() == "n/a"  # the recall column
    assert "no labelled item is toil, so recall cannot be measured" in table


def test_the_report_says_why_a_classifier_figure_cannot_be_measured():
    from toilaudit.maturity.interface import Agreement
    from toilaudit.report.view_model import _evaluation_view

    unmeasured = _evaluation_view(Agreement(None, None, None, 2, ("a labels file",)))
    assert unmeasured.figures == "precision n/a, recall n/a, F1 n/a (no labelled item is toil, so recall cannot be measured)"
    measured = _evaluation_view(Agreement(0.9, 0.8, 0.847, 40, ("a labels file",)))
    assert measured.figures == "precision 0.900, recall 0.800, F1 0.847"


@pytest.mark.parametrize(("toil", "recorded", "verdict"), [
    (60, 70, "above Google's 50% cap"),
    (40, 95, "above the industry's 34% (2026) and under Google's 50% cap"),
    (40, 50, "above the industry's 34% (2026)"),
    (10, 95, "under the industry's 34% (2026) and Google's 50% cap"),
    (10, 60, "under Google's 50% cap"),
    (1.4, 3, None)])  # a floor under both lines says nothing when the records hold 3% of the time
def test_recorded_toil_is_a_floor_of_its_share_of_capacity(toil, recorded, verdict):
    from toilaudit.summary import CapacityShare

    # one engineer, 100 hours: toil and recorded hours are percentages of capacity
    share = CapacityShare(engineers=1, hours_per_week=100, weeks=1, toil_hours=toil, recorded_hours=recorded,
                          people_over_cap=())
    assert share.verdict() == verdict
    assert share.most_percent == min(100, toil + 100 - recorded)
