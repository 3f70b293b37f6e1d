"""Many commands on one store at once, with real processes: readers share it, a writer waits
with a message and gives up after --wait, an interview waiting for a key press holds nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import EXAMPLES, run

TOILAUDIT = shutil.which("toilaudit", path=str(Path(sys.executable).parent))
needs_script = pytest.mark.skipif(TOILAUDIT is None, reason="the toilaudit console script is not installed")

# A process that opens the store as toilaudit does and keeps it until its stdin closes.
HOLDER = """
import sys
from toilaudit.store import Opening, open_store
store = open_store(sys.argv[1], Opening(read_only=sys.argv[2] == "read"))
print("holding", flush=True)
sys.stdin.read()
store.close()
"""


class Holder:
    """Keeps a store open in another process, as a running command would."""

    def __init__(self, db: Path, access: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), access], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "holding"

    def release(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def toilaudit(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([TOILAUDIT, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, "TOILAUDIT_DB": ""})


@needs_script
def test_two_readers_at_once_and_a_writer_that_gives_up(audited):
    reader = Holder(audited, "read")
    try:
        figures = toilaudit("--db", str(audited), "summary", "--format", "json", "--period", "all")
        assert figures.returncode == 0, figures.stderr
        assert json.loads(figures.stdout)["items"] == 740
        assert toilaudit("explain", "OPS-1", "--db", str(audited)).returncode == 0
        started = time.monotonic()
        writer = toilaudit("classify", "--db", str(audited), "--wait", "1")
        assert time.monotonic() - started >= 1
    finally:
        reader.release()
    assert writer.returncode == 2
    waiting, error = writer.stderr.splitlines()
    pid = reader.process.pid
    assert waiting == (f"waiting: {audited} is in use by another toilaudit (PID {pid}); waiting up to 1s for it "
                       "(--wait SECONDS)")
    assert error == (f"error: {audited}: in use by another toilaudit (PID {pid}) for more than 1s - let it finish, "
                     "then run this again (or wait longer with --wait SECONDS)")


@needs_script
def test_a_reader_waits_for_a_writer_and_goes_on_when_it_is_done(audited):
    writer = Holder(audited, "write")
    summary = subprocess.Popen([TOILAUDIT, "summary", "--format", "json", "--period", "all", "--db", str(audited)], text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "TOILAUDIT_WAIT": "60"})
    time.sleep(1.5)
    assert summary.poll() is None  # waiting
    writer.release()
    out, err = summary.communicate(timeout=60)
    assert summary.returncode == 0, err
    assert err.startswith(f"waiting: {audited} is in use by another toilaudit (PID {writer.process.pid}); waiting "
                          "up to 60s")
    assert json.loads(out)["items"] == 740


@needs_script
def test_quiet_waits_without_a_word_and_wait_0_gives_up_at_once(audited):
    writer = Holder(audited, "write")
    try:
        result = toilaudit("summary", "-q", "--wait", "0", "--db", str(audited))
    finally:
        writer.release()
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {audited}: in use by another toilaudit (PID {writer.process.pid}) for "
                                    "more than 0s")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("command", [
    ["summary"], ["explain", "OPS-1"], ["items"], ["gate"], ["assess"], ["evaluate"], ["classify"],
    ["label", "--from", "labels.csv"],
    ["report", "--out", "r.pdf"],
])
def test_a_read_command_where_there_is_no_store_says_so_and_creates_nothing(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    result = run(*command)
    assert result.exit_code == 2
    assert result.stderr == ("error: toilaudit.db: no toilaudit store here - make one with toilaudit import jira --csv "
                             "FILE (or toilaudit interview), or point --db at yours\n")
    assert list(tmp_path.iterdir()) == []


def test_rules_without_a_store_lists_the_default_pack_and_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("rules", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["rules"]
    assert list(tmp_path.iterdir()) == []


def test_db_and_the_common_options_go_before_or_after_the_command(audited, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = run("--db", str(audited), "summary", "--format", "json")
    after = run("summary", "--format", "json", "--db", str(audited))
    assert before.exit_code == after.exit_code == 0
    assert before.stdout == after.stdout
    nested = run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), "--db", str(tmp_path / "n.db"), "-q")
    assert nested.exit_code == 0 and (tmp_path / "n.db").exists()
    # after the command wins over before it and over the environment
    other = run("--db", str(tmp_path / "elsewhere.db"), "summary", "--db", str(audited), env={"TOILAUDIT_DB": "x.db"})
    assert other.exit_code == 0
    assert not (tmp_path / "elsewhere.db").exists() and not (tmp_path / "x.db").exists()


def _figures(db: Path, wait: str = "120") -> dict:
    result = toilaudit("summary", "--format", "json", "--period", "all", "--wait", wait, "--db", str(db))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@needs_script
def test_summary_reads_beside_a_csv_import_and_sees_the_store_before_or_after_it(audited, tmp_path):
    """While an import classifies, the store is free: summary answers at once with the figures
    from before the import; after it, with the figures after. Never anything in between."""
    export = tmp_path / "tracker.csv"
    subprocess.run([sys.executable, str(Path(__file__).parent / "realshaped_export.py"), str(export), "300000"],
                   check=True, capture_output=True)
    before = _figures(audited)
    importing = subprocess.Popen([TOILAUDIT, "-v", "--db", str(audited), "import", "jira", "--csv", str(export)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    step = importing.stderr.readline()
    assert step.startswith("classifying 300,740 items; the store is free"), step
    during = _figures(audited, wait="0")  # --wait 0: a store held by the import would be refused at once
    assert importing.poll() is None, "the import ended before summary could read beside it: make the export larger"
    _, err = importing.communicate(timeout=300)
    assert importing.returncode == 0, err
    after = _figures(audited)
    assert during == before
    assert after["items"] == before["items"] + 300000 and after != before


@needs_script
def test_summary_reads_beside_a_live_import_and_sees_none_of_it_until_the_end(audited, httpserver):
    from fake_jira import FakeJira, make_issues

    issues = make_issues(1200)
    for issue in issues:  # another project: the example's OPS-1 and this OPS-1 are two issues (an import refuses them)
        issue["key"] = issue["key"].replace("OPS-", "LIVE-")
    fake = FakeJira(httpserver, issues)
    fake.delay_seconds = 0.4  # twelve pages, about five seconds
    before = _figures(audited)
    importing = subprocess.Popen([TOILAUDIT, "--db", str(audited), "import", "jira", "--url", fake.url, "--jql",
                                  "project = OPS ORDER BY key"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env={**os.environ, "JIRA_USER": "auditor@acme.example",
                                                 "JIRA_API_TOKEN": "jira-token", "JIRA_PAT": "", "TOILAUDIT_DB": ""})
    deadline = time.monotonic() + 60
    while fake.search_requests < 3:
        assert time.monotonic() < deadline and importing.poll() is None, importing.communicate()
        time.sleep(0.05)
    during = _figures(audited, wait="5")  # a page being staged holds the store for a moment at most
    assert fake.search_requests < 12 and importing.poll() is None  # read while pages were still coming
    _, err = importing.communicate(timeout=120)
    assert importing.returncode == 0, err
    assert during == before
    assert _figures(audited)["items"] == before["items"] + 1200
