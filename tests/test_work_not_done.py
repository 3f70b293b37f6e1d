"""An issue closed as work not done (Won't Do, Duplicate, Cannot Reproduce, Declined, Won't Fix: in
Jira's Resolution, or in its Status where a team-managed project resolves every issue "Done") is
given no estimated hours; time logged on it still counts, and its verdict stands."""

from __future__ import annotations

import pandas as pd
import pytest

from toilaudit.classify.classifier import not_done

from fake_jira import FakeJira, make_issues
from helpers import run, run_json, stored

HEADER = "Issue key,Summary,Issue Type,Status,Resolution,Created,Resolved,Time Spent\n"
ROWS = {
    "OPS-1": "Need access to the integrations dashboard,Service Request,Done,Done",
    "OPS-2": "Need access to the billing dashboard,Service Request,Closed,Won't Do",
    "OPS-3": "Need access to the ledger dashboard,Service Request,Closed,Duplicate",
    "OPS-4": "Need access to the metrics dashboard,Service Request,Won't Do,Done",  # a team-managed project
    "OPS-5": "Need access to the search dashboard,Service Request,Closed,cannot reproduce",
}


def _export(tmp_path, spent: dict[str, str] | None = None):
    spent = spent or {}
    lines = [f"{key},{row},2026-10-0{n}T09:00:00Z,2026-10-0{n}T11:00:00Z,{spent.get(key, '')}\n"
             for n, (key, row) in enumerate(ROWS.items(), 1)]
    path = tmp_path / "requests.csv"
    path.write_text(HEADER + "".join(lines))
    return path


def _items(db) -> dict[str, dict]:
    return {row["key"]: row for row in run_json("items", "--format", "json", db=db)}


def test_work_not_done_is_given_no_estimated_hours_but_keeps_its_logged_time_and_verdict(db, tmp_path):
    assert run("import", "jira", "--csv", str(_export(tmp_path, {"OPS-3": "5400"})), db=db).exit_code == 0
    items = _items(db)
    estimate = items["OPS-1"]["hours"]
    assert estimate > 0
    assert {key: items[key]["hours"] for key in ("OPS-2", "OPS-3", "OPS-4", "OPS-5")} == \
        {"OPS-2": 0, "OPS-3": 1.5, "OPS-4": 0, "OPS-5": 0}  # OPS-3's 1h 30m logged still counts
    assert len({items[key]["is_toil"] for key in ROWS}) == 1  # the same requests, the same verdict
    summary = run_json("summary", "--format", "json", "--period", "all", db=db)
    assert summary["hours"]["total"] == pytest.approx(estimate + 1.5)
    explained = run("explain", "OPS-2", db=db)
    assert "  time:     0.00h: closed as Won't Do, work not done, so none is estimated (none was logged)" in \
        explained.stdout.splitlines()


def test_the_resolution_is_stored_and_an_export_without_it_estimates_as_before(db, tmp_path):
    assert run("import", "jira", "--csv", str(_export(tmp_path)), db=db).exit_code == 0
    assert stored(db, "resolution")["resolution"].to_dict() == {
        "OPS-1": "Done", "OPS-2": "Won't Do", "OPS-3": "Duplicate", "OPS-4": "Done", "OPS-5": "cannot reproduce"}
    listed = _items(db)  # `items --format json` shows it, and Updated (none in this export)
    assert listed["OPS-2"]["resolution"] == "Won't Do" and listed["OPS-2"]["updated_at"] is None
    items = pd.DataFrame({"resolution": ["Won’t Do", "Done", None, "Declined", "WON'T FIX", "Incomplete", "Fixed"],
                          "status": ["Closed", "Canceled", "Open", None, "Done", "Closed", "Rejected"]})
    assert not_done(items).tolist() == [True, True, False, True, True, True, True]
    assert not_done(items.drop(columns=["resolution", "status"])).tolist() == [False] * 7


def test_a_live_import_reads_the_resolution(db, httpserver):
    issues = make_issues(3)
    issues[0]["fields"]["resolution"] = {"name": "Duplicate"}
    issues[1]["fields"]["resolution"] = {"name": "Done"}
    issues[2]["fields"]["resolution"] = None  # unresolved
    for issue in issues:
        issue["fields"]["timespent"] = None
    fake = FakeJira(httpserver, issues)
    env = {"JIRA_USER": "auditor@acme.example", "JIRA_API_TOKEN": "jira-token", "JIRA_PAT": None}
    result = run("import", "jira", "--url", fake.url, "--jql", "project = OPS ORDER BY key", db=db, env=env)
    assert result.exit_code == 0, result.output
    assert "resolution" in fake.requested_fields
    items = _items(db)
    assert items["OPS-1"]["hours"] == 0 and items["OPS-2"]["hours"] > 0 and items["OPS-3"]["hours"] > 0
