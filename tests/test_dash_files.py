"""A FILE of `-` is standard input or output, as in the ecosystem's other tools."""

from __future__ import annotations

import json

from toilaudit.store import open_store

from helpers import EXAMPLES, run, run_json


def test_import_csv_from_standard_input(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    jira = run("import", "jira", "--csv", "-", input=(EXAMPLES / "jira_export.csv").read_text(encoding="utf-8-sig"),
               db=db)
    assert jira.exit_code == 0, jira.output
    assert jira.stdout.startswith("Imported 420 jira items from stdin (420 new, 0 updated).")
    pages = run("import", "pagerduty", "-", input=(EXAMPLES / "pagerduty_incidents.csv").read_text(), db=db)
    assert pages.exit_code == 0 and "Imported 320 pagerduty items from stdin" in pages.stdout
    store = open_store(str(db))
    runs = store.import_runs()
    store.close()
    assert [json.loads(files)[0]["name"] for files in runs["files"]] == ["stdin", "stdin"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["audit.db"]  # no file named -


def test_a_bad_export_on_standard_input_is_named_stdin(db):
    result = run("import", "jira", "--csv", "-", input="Key,Title\nA,b\n", db=db)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: stdin: no column for created_at (\"created\")")


def test_labels_from_standard_input(audited):
    labels = (EXAMPLES / "labels.csv").read_text()
    from_file = run_json("evaluate", "--labels", str(EXAMPLES / "labels.csv"), "--format", "json", db=audited)
    from_stdin = run("evaluate", "--labels", "-", "--format", "json", input=labels, db=audited)
    named_stdin = {**from_file, "labels_from": from_file["labels_from"].replace("labels.csv", "stdin")}
    assert from_stdin.exit_code == 0 and json.loads(from_stdin.stdout) == named_stdin
    saved = run("label", "--from", "-", "--by", "dana", input=labels, db=audited)
    assert saved.exit_code == 0 and saved.stdout.startswith("Saved 250 labels from stdin")


def test_report_to_standard_output(audited, tmp_path, monkeypatch):
    assert run("interview", "--answers", "-", input=(EXAMPLES / "interview_answers.yaml").read_text(),
               db=audited).exit_code == 0
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    to_file = run("report", "--out", "board.json", "--date", "2026-11-30", db=audited)
    assert to_file.exit_code == 0
    to_stdout = run("report", "--out", "-", "--format", "json", "--date", "2026-11-30", db=audited)
    assert to_stdout.exit_code == 0 and to_stdout.stderr == ""
    assert json.loads(to_stdout.stdout) == json.loads((out / "board.json").read_text())
    html = run("report", "--out", "-", "--format", "html", "--date", "2026-11-30", db=audited)
    assert html.exit_code == 0 and html.stdout.lstrip().lower().startswith("<!doctype html>")
    assert html.stderr == ("Wrote the report to standard output; the guardrail files are written only beside a "
                           "report file (--out FILE).\n")
    assert sorted(path.name for path in out.iterdir()) == ["board.json"]  # no file named -, no guardrails
