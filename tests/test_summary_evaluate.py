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
