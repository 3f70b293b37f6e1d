"""Live Jira imports with the real `jira` client against a Jira on 127.0.0.1 (no client patched)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from toilaudit.importers.jira_api import FIELDS, narrow_jql
from toilaudit.store import open_store

from fake_jira import FakeJira, make_issues
from helpers import run, run_json, staged_keys, stored, warnings_of

CLOUD_ENV = {"JIRA_USER": "auditor@acme.example", "JIRA_API_TOKEN": "jira-token", "JIRA_PAT": None}
DC_ENV = {"JIRA_PAT": "jira-pat", "JIRA_USER": None, "JIRA_API_TOKEN": None}


def jira_import(db, fake, env, *extra):
    return run("import", "jira", "--url", fake.url, "--jql", "project = OPS ORDER BY key", *extra, db=db, env=env)


def stored_keys(db) -> list[str]:
    store = open_store(str(db))
    try:
        return sorted(store.load_items(("source", "key"))["key"])
    finally:
        store.close()


def test_cloud_2500_issues_over_25_pages_with_429_and_503(db, httpserver):
    fake = FakeJira(httpserver, make_issues(2500))
    fake.faults = {3: [(429, {"Retry-After": "1"})], 9: [(503, {})], 17: [(429, {"Retry-After": "1"}), (503, {})]}
    result = jira_import(db, fake, CLOUD_ENV, "-v")
    assert result.exit_code == 0, result.output
    assert "Imported 2,500 Jira issues" in result.stdout and "(2,500 new)" in result.stdout
    assert fake.search_requests >= 25
    retries = [line for line in result.stderr.splitlines() if line.startswith("retry: ")]
    assert retries == ["retry: HTTP 429; retrying in 1s", "retry: HTTP 503; retrying in 1s",
                       "retry: HTTP 429; retrying in 1s", "retry: HTTP 503; retrying in 2s"]  # Retry-After honoured
    assert "4 requests retried (HTTP 429 x2, HTTP 503 x2), waiting 5s in all" in result.stderr
    assert stored_keys(db) == sorted(f"OPS-{n}" for n in range(1, 2501))
    assert fake.requested_fields == set(FIELDS)  # never *all: only what a WorkItem holds
    assert run_json("summary", "--format", "json", "--period", "all", db=db)["by_source"]["jira"]["items"] == 2500
    # a second run asks only for what changed since the watermark, and adds nothing
    again = jira_import(db, fake, CLOUD_ENV)
    assert again.exit_code == 0 and "(0 new)" in again.stdout and "resuming from" in again.stdout
    assert len(stored_keys(db)) == 2500


def test_data_center_pages_with_start_at_and_pat(db, httpserver):
    fake = FakeJira(httpserver, make_issues(2500), deployment="Server")
    result = jira_import(db, fake, DC_ENV)
    assert result.exit_code == 0, result.output
    assert stored_keys(db) == sorted(f"OPS-{n}" for n in range(1, 2501))


@pytest.mark.parametrize("deployment, env", [("Cloud", CLOUD_ENV), ("Server", DC_ENV)])
def test_interrupted_import_fetches_only_what_is_left_and_equals_uninterrupted(tmp_path, httpserver, deployment, env):
    fake = FakeJira(httpserver, make_issues(1200), deployment=deployment)
    whole = tmp_path / "whole.db"
    assert jira_import(whole, fake, env).exit_code == 0
    cut = tmp_path / "cut.db"
    fake.search_requests, fake.fail_from = 0, 6  # an outage after five pages
    failed = jira_import(cut, fake, {**env, "TOILAUDIT_MAX_RETRIES": "1"})
    assert failed.exit_code == 2
    assert "still failing after 2 tries" in failed.stderr and "run the same command later" in failed.stderr
    assert staged_keys(cut) == 500  # the pages fetched before the outage were kept aside
    assert stored_keys(cut) == []  # and readers see the store as it was before the import
    waiting = run("summary", db=cut)
    assert ("500 item(s) fetched by an unfinished live import are kept aside and not counted yet - run the same "
            "import again to finish it") in waiting.stderr
    fake.fail_from, fake.search_requests = None, 0
    again = jira_import(cut, fake, env)
    assert again.exit_code == 0
    assert fake.search_requests == 7  # pages 6 to 12: only what was left
    assert "Imported 700 Jira issues" in again.stdout
    assert "went on from an interrupted run, which had fetched 500" in again.stdout
    assert run_json("summary", "--format", "json", "--by", "team", db=cut) == \
        run_json("summary", "--format", "json", "--by", "team", db=whole)
    assert stored_keys(cut) == stored_keys(whole)
    fake.search_requests = 0  # complete: the next run starts from the watermark, not from a page
    assert jira_import(cut, fake, env).exit_code == 0 and fake.search_requests == 1


TOILAUDIT = shutil.which("toilaudit", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(TOILAUDIT is None, reason="the toilaudit console script is not installed beside python")
def test_ctrl_c_exits_130_says_how_to_go_on_and_the_rerun_fetches_only_the_rest(tmp_path, httpserver):
    fake = FakeJira(httpserver, make_issues(1200))
    fake.delay_seconds = 0.1
    fake.hold_after = 4  # the fifth page waits until Ctrl-C: a loaded machine cannot let the import finish first
    db = tmp_path / "live.db"
    # Ctrl-C as a terminal delivers it: a test run started in the background (`pytest &`) ignores
    # SIGINT, and its children would inherit that
    child = subprocess.Popen([TOILAUDIT, "--db", str(db), "import", "jira", "--url", fake.url, "--jql",
                              "project = OPS ORDER BY key"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, **{k: v for k, v in CLOUD_ENV.items() if v}, "JIRA_PAT": ""},
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while fake.search_requests < 4:
        assert time.monotonic() < deadline and child.poll() is None, child.communicate()
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)  # Ctrl-C
    try:
        _, err = child.communicate(timeout=60)
    finally:
        fake.released.set()
    assert child.returncode == 130, err
    kept = staged_keys(db)
    assert 300 <= kept < 1200 and stored_keys(db) == []
    assert err.splitlines()[-1] == (f"interrupted: {kept:,} Jira issues fetched so far are kept aside, not in the "
                                    "figures yet - run the same command again to fetch only the rest")
    assert "Aborted" not in err and "Traceback" not in err
    time.sleep(fake.delay_seconds + 0.5)  # the answer the cut-off run was waiting for is counted before the reset
    fake.delay_seconds, fake.search_requests, fake.hold_after = 0, 0, None
    again = jira_import(db, fake, CLOUD_ENV)
    assert again.exit_code == 0, again.output
    assert fake.search_requests == (1200 - kept) // 100
    assert stored_keys(db) == sorted(f"OPS-{n}" for n in range(1, 1201))


def test_progress_without_a_terminal_has_the_total_and_the_time_left(db, tmp_path, httpserver, monkeypatch):
    from toilaudit import console

    monkeypatch.setattr(console, "LINE_EVERY_SECONDS", 0)  # a line per page, instead of one every few seconds
    fake = FakeJira(httpserver, make_issues(250), deployment="Server")
    result = jira_import(db, fake, DC_ENV)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert [line.split(",")[0] for line in lines] == ["Fetching Jira issues (Server): 100 of 250 (40%)",
                                                      "Fetching Jira issues (Server): 200 of 250 (80%)",
                                                      "Fetching Jira issues (Server): 250 of 250 (100%)"]
    assert all(re.search(r", \d:\d\d:\d\d elapsed, about \d:\d\d:\d\d left$", line) for line in lines)
    fake.deployment = "Cloud"  # Cloud's search gives no total: a count, and no time left
    result = jira_import(tmp_path / "cloud.db", fake, CLOUD_ENV)
    assert re.fullmatch(r"Fetching Jira issues \(Cloud\): 100, \d:\d\d:\d\d elapsed", result.stderr.splitlines()[0])
    quiet = jira_import(tmp_path / "quiet.db", fake, CLOUD_ENV, "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_wrong_token_names_the_variables_and_hides_the_token(db, httpserver):
    fake = FakeJira(httpserver, make_issues(10))
    result = jira_import(db, fake, {**CLOUD_ENV, "JIRA_API_TOKEN": "wrong-secret-value"})
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("rejected the credentials (HTTP 401) - check JIRA_USER and JIRA_API_TOKEN")
    assert "wrong-secret-value" not in result.output


@pytest.mark.parametrize("env", [CLOUD_ENV, {"JIRA_PAT": "pat-SECRET-0042", "JIRA_USER": None, "JIRA_API_TOKEN": None}])
def test_an_error_that_echoes_the_credentials_shows_them_hidden(db, httpserver, env):
    pat = env.get("JIRA_PAT")
    fake = FakeJira(httpserver, make_issues(10), deployment="Server" if pat else "Cloud", pat=pat or "jira-pat")
    result = run("import", "jira", "--url", fake.url, "--jql", "ECHO = 1", db=db, env=env)
    assert result.exit_code == 2
    assert "the query was rejected: JQL rejected; you sent" in result.stderr and "***" in result.stderr
    secret = pat or env["JIRA_API_TOKEN"]
    basic = base64.b64encode(f"{env.get('JIRA_USER')}:{secret}".encode()).decode()
    assert secret not in result.output and basic not in result.output


def test_bad_jql_shows_jiras_message(db, httpserver):
    fake = FakeJira(httpserver, make_issues(10))
    result = run("import", "jira", "--url", fake.url, "--jql", "BADFIELD = 1", db=db, env=CLOUD_ENV)
    assert result.exit_code == 2
    assert "the query was rejected: Field 'BADFIELD' does not exist" in result.stderr
    assert result.stderr.strip().endswith("- fix --jql")


def test_no_credentials_and_unreachable_server(db):
    result = run("import", "jira", "--url", "http://127.0.0.1:9", "--jql", "x", db=db,
                 env={"JIRA_USER": None, "JIRA_API_TOKEN": None, "JIRA_PAT": None})
    assert result.exit_code == 2 and "set JIRA_USER and JIRA_API_TOKEN" in result.stderr
    result = run("import", "jira", "--url", "http://127.0.0.1:9", "--jql", "x", db=db,
                 env={**CLOUD_ENV, "TOILAUDIT_MAX_RETRIES": "0"})
    assert result.exit_code == 2 and "connection to http://127.0.0.1:9 failed" in result.stderr


@pytest.mark.parametrize("jql, expected", [
    ("project = OPS", '(project = OPS) AND updated >= "2026-03-01 10:00"'),
    ("project = OPS ORDER BY created DESC", '(project = OPS) AND updated >= "2026-03-01 10:00" ORDER BY created DESC'),
    ("order by key", 'updated >= "2026-03-01 10:00" order by key'),
])
def test_narrow_jql(jql, expected):
    import pandas as pd

    assert narrow_jql(jql, pd.Timestamp("2026-03-01 10:00", tz="UTC")) == expected


def test_usage_errors(db):
    assert run("import", "jira", "--url", "http://x", db=db).exit_code == 2
    assert "needs both --url and --jql" in run("import", "jira", "--url", "http://x", db=db).stderr
    both = run("import", "jira", "--csv", "a.csv", "--url", "http://x", "--jql", "y", db=db)
    assert both.exit_code == 2 and "not both" in both.stderr


def test_on_postgresql_pages_wait_aside_until_the_last_and_the_rerun_completes(tmp_path, httpserver, pg_url):
    fake = FakeJira(httpserver, make_issues(1200))
    whole = tmp_path / "whole.db"
    assert jira_import(whole, fake, CLOUD_ENV).exit_code == 0
    fake.search_requests, fake.fail_from = 0, 6  # an outage after five pages
    assert jira_import(pg_url, fake, {**CLOUD_ENV, "TOILAUDIT_MAX_RETRIES": "1"}).exit_code == 2
    assert staged_keys(pg_url) == 500 and stored_keys(pg_url) == []
    fake.fail_from, fake.search_requests = None, 0
    again = jira_import(pg_url, fake, CLOUD_ENV)
    assert again.exit_code == 0, again.output
    assert fake.search_requests == 7 and staged_keys(pg_url) == 0
    assert stored_keys(pg_url) == stored_keys(whole)
    assert run_json("summary", "--format", "json", "--by", "team", db=pg_url) == \
        run_json("summary", "--format", "json", "--by", "team", db=whole)


LEAVE_OUT = "correct it in Jira and run the same command again, or leave the issue out with --jql"


@pytest.mark.parametrize("field, value, message", [
    ("created", "garbage", "Created 'garbage' is not a date"),
    ("created", "0026-02-01T10:00:00.000+0000", "Created '0026-02-01T10:00:00.000+0000' is not a date"),
    ("resolutiondate", "2026-02-31T10:00:00.000+0000", "Resolved '2026-02-31T10:00:00.000+0000' is not a date"),
    ("timespent", -500, "Time Spent -500 is out of range (0 to 315,360,000 seconds, ten years)"),
    ("timespent", 10**12, "Time Spent 1000000000000 is out of range (0 to 315,360,000 seconds, ten years)"),
    ("timespent", "an hour", "Time Spent 'an hour' is not a number of seconds"),
])
def test_an_issue_that_cannot_be_stored_is_refused_by_key_and_the_rerun_goes_on(db, httpserver, field, value,
                                                                                message):
    fake = FakeJira(httpserver, make_issues(250))
    bad = fake.issues[-1]  # on the third page: the first two are kept aside, as after an outage
    good = bad["fields"][field]
    bad["fields"][field] = value
    fake.issues[0]["fields"]["summary"] = None  # what the pages before deserve is said all the same
    result = jira_import(db, fake, CLOUD_ENV)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == f"error: jira: {bad['key']} {message} - {LEAVE_OUT}"
    assert warnings_of(result) == [f"warning: jira: 1 item(s) with no Summary ({fake.issues[0]['key']}) - kept with "
                                   "an empty title, so classified on the rest alone; check them at the source"]
    assert stored_keys(db) == [] and staged_keys(db) == 200  # the figures are as they were
    bad["fields"][field] = good  # corrected in Jira: the same command goes on from the refused page
    fake.search_requests = 0
    again = jira_import(db, fake, CLOUD_ENV)
    assert again.exit_code == 0, again.output
    assert fake.search_requests == 1 and "went on from an interrupted run, which had fetched 200" in again.stdout
    assert stored_keys(db) == sorted(i["key"] for i in fake.issues)


def test_a_new_query_drops_what_a_refused_run_of_another_kept_aside_and_says_so(db, httpserver):
    """Left out with --jql, the refused issue's run would keep its pages aside for ever, counted
    nowhere, and every command would ask to run it again (and be refused again)."""
    fake = FakeJira(httpserver, make_issues(250))
    fake.issues[-1]["fields"]["created"] = "garbage"
    assert jira_import(db, fake, CLOUD_ENV).exit_code == 2 and staged_keys(db) == 200
    fake.issues.pop()  # the query now leaves the broken issue out
    narrower = run("import", "jira", "--url", fake.url, "--jql", "project = OPS AND key != OPS-250 ORDER BY key",
                   db=db, env=CLOUD_ENV)
    assert narrower.exit_code == 0, narrower.output
    assert warnings_of(narrower) == ["warning: jira: dropped the 200 item(s) an unfinished import of "
                                     "'project = OPS ORDER BY key' had fetched and kept aside - run that import "
                                     "again to fetch them anew"]
    assert staged_keys(db) == 0 and len(stored_keys(db)) == 249
    assert "kept aside" not in run("summary", db=db).stderr


def test_odd_issues_are_kept_and_warned_about_by_key_one_line_a_kind_over_pages(db, httpserver):
    fake = FakeJira(httpserver, make_issues(250))
    issues = fake.issues
    no_summary = issues[0:250:2]  # 125, over all three pages
    for issue in no_summary:
        issue["fields"]["summary"] = None
    no_created, ahead, backwards = issues[3], issues[5], issues[201]
    no_created["fields"]["created"] = None
    later = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=30)
    ahead["fields"]["created"] = ahead["fields"]["resolutiondate"] = later.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    backwards["fields"]["resolutiondate"] = "2025-01-01T09:00:00.000+0000"  # before every issue was created
    result = jira_import(db, fake, CLOUD_ENV)
    assert result.exit_code == 0, result.output
    named = ", ".join(i["key"] for i in no_summary[:5])
    assert warnings_of(result) == [
        f"warning: jira: 1 item(s) with no Created ({no_created['key']}) - kept, but in no period's figures; check "
        "them at the source",
        f"warning: jira: 1 Created date(s) before 1990 or after today ({ahead['key']}) - check them at the source",
        f"warning: jira: 1 item(s) Resolved before Created ({backwards['key']}) - their time open is not counted, "
        "their hours are estimated; check the dates at the source",
        f"warning: jira: 125 item(s) with no Summary ({named} ...) - kept with an empty title, so classified on the "
        "rest alone; check them at the source",
    ]
    items = stored(db, "title", "created_at", "resolved_at")
    assert len(items) == 250  # kept, each as Jira has it
    assert pd.isna(items.loc[no_created["key"], "created_at"])
    assert (items.loc[[i["key"] for i in no_summary], "title"] == "").all()
    assert items.loc[ahead["key"], "created_at"] == later.floor("s")
    assert items.loc[backwards["key"], "resolved_at"] == pd.Timestamp("2025-01-01 09:00", tz="UTC")
    assert items.loc[backwards["key"], "resolved_at"] < items.loc[backwards["key"], "created_at"]


def test_the_assignee_carries_an_issue_and_an_unassigned_one_is_not_its_reporters(db, httpserver):
    fake = FakeJira(httpserver, make_issues(3))
    fake.issues[0]["fields"]["assignee"] = None  # Jira's answer for an unassigned issue; its reporter is "Requester"
    result = jira_import(db, fake, CLOUD_ENV)
    assert result.exit_code == 0, result.output
    people = stored(db, "people")["people"]
    assert people.to_dict() == {"OPS-1": "", "OPS-2": "Engineer 2", "OPS-3": "Engineer 3"}
