"""The command line's last line of defence: one line per failure, the right exit code, never a
traceback unless asked for with -v (#15)."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES, run, run_json


def _one_line(result) -> str:
    # one line of error; the export's warnings (the example's rows of two components) are lines of their own
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_an_unexpected_exception_is_one_line_naming_a_bug_report_and_exit_70(audited, monkeypatch):
    import toilaudit.summary

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(toilaudit.summary, "summarise", broken)
    result = run("summary", db=audited)
    assert result.exit_code == 70
    line = _one_line(result)
    assert "ZeroDivisionError: division by zero" in line
    assert "bug report" in line and "-v" in line


def test_verbose_shows_the_traceback(audited, monkeypatch):
    import toilaudit.summary

    monkeypatch.setattr(toilaudit.summary, "summarise", lambda *a, **k: 1 / 0)
    result = run("-v", "summary", db=audited)
    assert result.exit_code == 70
    assert "Traceback (most recent call last)" in result.stderr
    assert "ZeroDivisionError" in result.stderr.strip().splitlines()[-1]


def test_ctrl_c_exits_130_with_one_line(audited, monkeypatch):
    import toilaudit.summary

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(toilaudit.summary, "summarise", interrupted)
    result = run("summary", db=audited)
    assert result.exit_code == 130
    assert "interrupted" in _one_line(result)


def test_running_out_of_memory_is_one_line_exit_2_and_the_store_is_as_it_was(db, monkeypatch):
    """numpy and Arrow raise MemoryError (ArrowMemoryError: "malloc of size ... failed", as a
    5M-item import does on a small machine): the machine's limit, said as such, not a bug report."""
    import pyarrow as pa

    import toilaudit.audit
    import toilaudit.relabel

    assert run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=db).exit_code == 0
    before = run_json("summary", "--format", "json", db=db)

    def out_of_memory(*args, **kwargs):
        raise pa.ArrowMemoryError("malloc of size 269767040 failed")

    # a full classification, or re-labelling only what the import changes (relabel.py)
    monkeypatch.setattr(toilaudit.audit, "classify", out_of_memory)
    monkeypatch.setattr(toilaudit.relabel, "classify", out_of_memory)
    result = run("import", "pagerduty", "--csv", str(EXAMPLES / "pagerduty_incidents.csv"), db=db)
    assert result.exit_code == 2
    line = _one_line(result)
    assert line.startswith("error: out of memory - work in progress was rolled back") and "bug" not in line
    monkeypatch.undo()
    assert run_json("summary", "--format", "json", db=db) == before


@pytest.mark.parametrize("args, fragment", [
    (["summary", "--top", "-1"], "--top"),
    (["summary", "--by", "planet"], "--by"),
    (["frobnicate"], "No such command 'frobnicate'"),
    (["--no-such-flag"], "--no-such-flag"),
    (["import", "jira"], "no export given - pass --csv FILE, or --url URL with --jql JQL for a live import"),
    (["import", "pagerduty"], "no export given - pass --csv FILE, or --since DATE for a live import"),
    (["demo", "--db", "mine.db"], "--db is not used - the demo imports the examples into a temporary store of its own"),
    (["demo", "--wait", "5"], "--wait is not used"),
])
def test_usage_errors_are_one_line_and_exit_2(db, args, fragment):
    result = run(*args, db=db)
    assert result.exit_code == 2
    line = _one_line(result)
    assert line.startswith("error: ") and fragment in line
    assert " - " in line  # says what to do
    assert result.stdout == ""


def test_a_store_in_a_folder_that_does_not_exist_names_the_folder(tmp_path):
    missing = tmp_path / "nodir" / "audit.duckdb"
    result = run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=missing)
    assert result.exit_code == 2
    assert f"the folder {missing.parent} does not exist - create it or choose another --db" in result.stderr
    assert not missing.parent.exists()


def test_a_bad_pagerduty_url_is_answered_with_a_pagerduty_example(db):
    result = run("import", "pagerduty", "--since", "2026-01-01", "--url", "http://127.0.0.1:9", db=db,
                 env={"PAGERDUTY_API_TOKEN": "t"})
    assert result.exit_code == 2
    assert "e.g. https://api.eu.pagerduty.com" in result.stderr and "atlassian" not in result.stderr


def test_a_date_read_as_jiras_format_is_not_answered_with_that_format(db, tmp_path):
    export = tmp_path / "j.csv"
    export.write_text("Issue key,Summary,Created\nOPS-1,x,27/Nov/26 3:04 PM\nOPS-2,y,2026-13-45 10:00\n")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 2 and "row 3: Created '2026-13-45 10:00' is not a date" in result.stderr
    hint = result.stderr.split(" - ", 1)[1]
    assert "%d/%b/%y %I:%M %p" not in hint and "--date-format" in hint


def test_a_date_that_misses_the_format_given_names_that_format(db, tmp_path):
    export = tmp_path / "j.csv"
    export.write_text("Issue key,Summary,Created\nOPS-1,x,27.11.2026 14:05\n")
    result = run("import", "jira", "--csv", str(export), "--date-format", "%m/%d/%Y %H:%M", db=db)
    assert result.exit_code == 2
    assert ("j.csv row 2: Created '27.11.2026 14:05' does not match --date-format '%m/%d/%Y %H:%M' - pass the "
            "format these dates are written in, or export ISO dates") in result.stderr



@pytest.mark.parametrize("module, name, message", [
    # Ctrl-C while the figures after the commit are counted must not claim the import was rolled back
    ("toilaudit.summary", "breakdown", "error: interrupted after the work was saved"),
    ("toilaudit.audit", "classify", "error: interrupted - work in progress was rolled back"),
])
def test_ctrl_c_says_whether_the_import_was_saved(db, monkeypatch, module, name, message):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module(module), name, interrupted)
    result = run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=db)
    assert result.exit_code == 130
    assert _one_line(result).startswith(message)
    monkeypatch.undo()
    if message.startswith("error: interrupted after"):  # the store holds the import
        assert run_json("summary", "--format", "json", "--period", "all", db=db)["items"] > 0


def _refused_url(scheme: str) -> str:
    """A URL on this machine where nothing listens: connecting is refused at once."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return f"{scheme}://127.0.0.1:{free.getsockname()[1]}"


@pytest.mark.parametrize("source", ["jira", "pagerduty"])
def test_a_refused_connection_says_the_server_could_not_be_reached_not_that_it_is_overloaded(db, source):
    url = _refused_url("http" if source == "jira" else "https")
    args, env = ((["import", "jira", "--url", url, "--jql", "project = OPS"], {"JIRA_PAT": "t"}) if source == "jira"
                 else (["import", "pagerduty", "--since", "2026-01-01", "--url", url], {"PAGERDUTY_API_TOKEN": "t"}))
    result = run(*args, db=db, env={**env, "TOILAUDIT_MAX_RETRIES": "0"})
    assert result.exit_code == 2
    line = _one_line(result)
    assert f"the server could not be reached, connection refused (connection to {url} failed" in line
    assert line.endswith("- check --url and the network (VPN, proxy, firewall), then run the same command again")
    assert "overloaded" not in line and "resumes" not in line


# ------------------------------------------------------------------ a reader that stops early
def _toilaudit(db, *args: str, stdout) -> subprocess.Popen:
    env = {name: value for name, value in os.environ.items() if name != "TOILAUDIT_DB"}
    # run away from the source tree: `-m` would import the package from it, not the one installed
    return subprocess.Popen([sys.executable, "-m", "toilaudit", "--db", str(db), *args], stdout=stdout,
                            stderr=subprocess.PIPE, env=env, cwd=Path(db).parent)


PIPE_BYTES = 4096  # the pipe's capacity, made small so that the outputs below overflow it


@pytest.mark.skipif(not hasattr(__import__("fcntl"), "F_SETPIPE_SZ"), reason="needs Linux's F_SETPIPE_SZ")
@pytest.mark.parametrize("args, codes", [
    (["summary", "--top", "1000"], {141}),  # rich tables
    (["items", "--limit", "0"], {141}),  # a click.echo a line
    # one click.echo of it all: Python's buffered writer reports a write the reader left half way as
    # partly done (raising nothing), and nothing more is written: the command ends as if whole
    (["explain", "{group}", "--format", "json"], {0, 141}),
])
def test_a_reader_that_stops_after_one_line_ends_the_command_quietly(audited, args, codes):
    """`toilaudit ... | head -1`: no bug report (exit 70), no 1 (a denied gate's code), no traceback."""
    import fcntl

    group = run_json("summary", "--format", "json", "--period", "all", db=audited)["top_candidates"][0]["group_id"]
    args = [arg.format(group=group) for arg in args]
    whole = run(*args, db=audited)
    assert whole.exit_code == 0 and len(whole.stdout_bytes) > 3 * PIPE_BYTES  # more than the pipe holds
    read, write = os.pipe()
    fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    process = _toilaudit(audited, *args, stdout=write)
    os.close(write)
    with os.fdopen(read, "rb") as reader:
        first = reader.readline()
    _, stderr = process.communicate(timeout=120)
    assert first == whole.stdout_bytes.splitlines(keepends=True)[0]
    assert stderr.decode() == "" and process.returncode in codes


@pytest.mark.parametrize("args", [["--help"], ["explain", "#1"], ["report", "--out", "-", "--format", "json"],
                                  ["import", "--help"]])
def test_a_reader_gone_before_the_first_line_ends_the_command_quietly(audited, args):
    assert run("interview", "--answers", str(EXAMPLES / "interview_answers.yaml"), db=audited).exit_code == 0
    read, write = os.pipe()
    os.close(read)
    process = _toilaudit(audited, *args, stdout=write)
    os.close(write)
    _, stderr = process.communicate(timeout=120)
    assert (process.returncode, stderr.decode()) == (141, "")
