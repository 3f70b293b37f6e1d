"""Live PagerDuty imports with the real `pagerduty` client, over HTTPS on 127.0.0.1."""

from __future__ import annotations

import re
import ssl
from datetime import UTC, datetime

import pandas as pd
import pytest
import trustme
from pytest_httpserver import HTTPServer

from toilaudit.store import open_store

from fake_pagerduty import FakePagerDuty, make_incidents
from helpers import run, run_json, staged_keys, stored, warnings_of

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2026, 10, 13, tzinfo=UTC)  # 285 days


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A throwaway CA and an HTTPS server on 127.0.0.1 whose certificate it signed."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    yield server, str(ca_file)
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def pd_server(tls):
    server, ca_file = tls
    server.clear()
    return server, ca_file


def env(ca_file: str, token: str = "pd-token", **extra) -> dict:
    return {"PAGERDUTY_API_TOKEN": token, "SSL_CERT_FILE": ca_file, "REQUESTS_CA_BUNDLE": None, **extra}


def pd_import(db, fake, ca_file, *extra, token="pd-token", **more_env):
    return run("import", "pagerduty", "--url", fake.url, "--since", "2026-01-01", "--until", "2026-10-13", *extra,
               db=db, env=env(ca_file, token, **more_env))


def keys(db) -> list[str]:
    store = open_store(str(db))
    try:
        return sorted(store.load_items(("source", "key"))["key"])
    finally:
        store.close()


def test_285_days_with_over_10000_per_6_months_imports_exactly(db, pd_server):
    server, ca_file = pd_server
    inside = make_incidents(24_000, SINCE, UNTIL)
    outside = make_incidents(300, datetime(2025, 11, 1, tzinfo=UTC), SINCE, seed=9) + \
        make_incidents(300, UNTIL, datetime(2026, 11, 20, tzinfo=UTC), seed=10)
    for n, incident in enumerate(outside):
        incident["id"] = f"OUT{n:05d}"
    fake = FakePagerDuty(server, sorted(inside + outside, key=lambda i: (i["created_at"], i["id"])))
    # two 429s in a row: the client retries the first itself (bounded to one), ours honours Retry-After
    fake.faults = {5: [(429, {"Retry-After": "1"}), (429, {"Retry-After": "1"})], 40: [(503, {})]}
    result = pd_import(db, fake, ca_file)
    assert result.exit_code == 0, result.output
    assert keys(db) == sorted(i["id"] for i in inside)  # every incident in range, none outside
    assert fake.max_offset_seen < 10_000
    assert re.search(r"^2 requests retried \(HTTP 429 x1, HTTP 503 x1\), waiting \d+s in all$", result.stderr, re.M)
    data = run_json("summary", "--format", "json", "--period", "all", db=db)
    assert data["by_source"]["pagerduty"]["items"] == 24_000
    store = open_store(str(db))
    auto = store.load_items(("key", "auto_resolved"))
    store.close()
    expected = {i["id"] for i in inside if i["status"] == "resolved" and
                i["last_status_change_by"]["type"] == "service_reference"}
    assert set(auto.loc[auto["auto_resolved"].fillna(False).astype(bool), "key"]) == expected


def test_service_filter_and_watermark(db, pd_server):
    server, ca_file = pd_server
    fake = FakePagerDuty(server, make_incidents(800, SINCE, UNTIL))
    result = pd_import(db, fake, ca_file, "--service", "PSVC1")
    assert result.exit_code == 0, result.output
    assert len(keys(db)) == 200  # a quarter of the incidents are on PSVC1
    before = fake.requests
    again = pd_import(db, fake, ca_file, "--service", "PSVC1")
    assert again.exit_code == 0 and "(0 new)" in again.stdout
    assert fake.requests - before < 5  # only the last week was re-read


def test_interrupted_import_fetches_only_what_is_left_with_the_total_shown(tmp_path, pd_server, monkeypatch):
    from toilaudit import console

    server, ca_file = pd_server
    fake = FakePagerDuty(server, make_incidents(2500, SINCE, UNTIL))  # two windows: 180 days, then 105
    whole = tmp_path / "whole.db"
    assert pd_import(whole, fake, ca_file).exit_code == 0
    requests_whole = fake.requests

    monkeypatch.setattr(console, "LINE_EVERY_SECONDS", 0)  # a progress line per page
    cut = tmp_path / "cut.db"
    fake.requests, fake.fail_from = 0, 10  # an outage after both windows' totals and seven more pages
    failed = pd_import(cut, fake, ca_file, TOILAUDIT_MAX_RETRIES="1")
    assert failed.exit_code == 2 and "run the same command later" in failed.stderr
    assert staged_keys(cut) == 800 and keys(cut) == []  # kept aside; readers see the store as it was
    progress = [line for line in failed.stderr.splitlines() if line.startswith("Fetching")]
    assert progress[0].startswith("Fetching PagerDuty incidents: 100 of 2,500 (4%), ")  # the total from the start
    assert "about" in progress[0] and progress[0].endswith(" left")

    fake.fail_from, fake.requests = None, 0
    again = pd_import(cut, fake, ca_file)
    assert again.exit_code == 0, again.output
    assert "Imported 1,700 PagerDuty incidents" in again.stdout
    assert "went on from an interrupted run, which had fetched 800" in again.stdout
    assert again.stderr.startswith("Fetching PagerDuty incidents: 900 of 2,500 (36%), ")
    assert fake.requests == requests_whole - 7  # the seven pages fetched before are not asked again
    assert keys(cut) == keys(whole)
    assert run_json("summary", "--format", "json", db=cut) == run_json("summary", "--format", "json", db=whole)


def test_wrong_token_and_tls_failures(db, pd_server, tmp_path):
    server, ca_file = pd_server
    fake = FakePagerDuty(server, make_incidents(10, SINCE, UNTIL))
    result = pd_import(db, fake, ca_file, token="bad-secret-token")
    assert result.exit_code == 2
    assert "rejected the token (HTTP 401) - check PAGERDUTY_API_TOKEN" in result.stderr
    assert "bad-secret-token" not in result.output
    untrusted = run("import", "pagerduty", "--url", fake.url, "--since", "2026-01-01", db=db,
                    env={"PAGERDUTY_API_TOKEN": "pd-token", "SSL_CERT_FILE": None, "REQUESTS_CA_BUNDLE": None,
                         "TOILAUDIT_MAX_RETRIES": "0"})
    assert untrusted.exit_code == 2 and "TLS verification failed" in untrusted.stderr
    plain = run("import", "pagerduty", "--url", "http://127.0.0.1:9", "--since", "2026-01-01", db=db,
                env=env(ca_file))
    assert plain.exit_code == 2 and "is not an https URL" in plain.stderr


def test_requests_ca_bundle_is_honoured(db, pd_server):
    server, ca_file = pd_server
    fake = FakePagerDuty(server, make_incidents(50, SINCE, UNTIL))
    result = run("import", "pagerduty", "--url", fake.url, "--since", "2026-01-01", "--until", "2026-10-13", db=db,
                 env={"PAGERDUTY_API_TOKEN": "pd-token", "SSL_CERT_FILE": None, "REQUESTS_CA_BUNDLE": ca_file})
    assert result.exit_code == 0, result.output
    assert len(keys(db)) == 50
    assert [item["key"] for item in run_json("explain", "#7", "--format", "json", db=db)] == ["Q0000007"]


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory) -> str:
    """A CA that signed nothing the servers here use."""
    path = tmp_path_factory.mktemp("other-ca") / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return str(path)


@pytest.mark.parametrize("variables, trusted", [
    ({"REQUESTS_CA_BUNDLE": "good", "SSL_CERT_FILE": "other"}, True),  # REQUESTS_CA_BUNDLE wins, for both
    ({"REQUESTS_CA_BUNDLE": "other", "SSL_CERT_FILE": "good"}, False),
    ({"SSL_CERT_FILE": "good"}, True),
    ({"REQUESTS_CA_BUNDLE": "good"}, True),
])
def test_one_ca_rule_for_both_clients(tmp_path, pd_server, other_ca, variables, trusted):
    from fake_jira import FakeJira, make_issues

    server, ca_file = pd_server
    files = {"good": ca_file, "other": other_ca}
    env = {"REQUESTS_CA_BUNDLE": None, "SSL_CERT_FILE": None, "TOILAUDIT_MAX_RETRIES": "0",
           **{name: files[which] for name, which in variables.items()}}
    pagerduty = FakePagerDuty(server, make_incidents(20, SINCE, UNTIL))
    jira = FakeJira(server, make_issues(20))
    assert jira.url.startswith("https://")
    results = [
        run("import", "pagerduty", "--url", pagerduty.url, "--since", "2026-01-01", db=tmp_path / "pd.db",
            env={**env, "PAGERDUTY_API_TOKEN": "pd-token"}),
        run("import", "jira", "--url", jira.url, "--jql", "project = OPS", db=tmp_path / "jira.db",
            env={**env, "JIRA_USER": "auditor@acme.example", "JIRA_API_TOKEN": "jira-token", "JIRA_PAT": None}),
    ]
    for result in results:
        if trusted:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code == 2 and "TLS verification failed" in result.stderr, result.output


def test_no_token(db):
    result = run("import", "pagerduty", "--since", "2026-01-01", db=db, env={"PAGERDUTY_API_TOKEN": None})
    assert result.exit_code == 2 and "set PAGERDUTY_API_TOKEN" in result.stderr


def test_incidents_created_outside_the_range_asked_are_skipped_by_number(db, pd_server):
    server, ca_file = pd_server
    fake = FakePagerDuty(server, make_incidents(300, SINCE, UNTIL))  # two windows: 180 days, then 105
    before, after, other_window = fake.incidents[0], fake.incidents[1], fake.incidents[2]
    fake.answered = {before["id"]: {"created_at": "2025-12-31T23:00:00Z"},
                     after["id"]: {"created_at": "2026-10-20T08:00:00Z"},  # past --until, so past the watermark too
                     # in the range, though in the next window: kept
                     other_window["id"]: {"created_at": "2026-09-01T08:00:00Z", "resolved_at": "2026-09-01T09:00:00Z",
                                          "status": "resolved"}}
    result = pd_import(db, fake, ca_file)
    assert result.exit_code == 0, result.output
    assert warnings_of(result) == [
        f"warning: pagerduty: 2 incident(s) created outside the range asked for (2026-01-01 00:00 to 2026-10-13 00:00 "
        f"UTC) were skipped (#{before['incident_number']}, #{after['incident_number']}) - import a range that holds "
        "them with --since/--until"]
    assert "Imported 298 PagerDuty incidents" in result.stdout
    items = stored(db, "created_at")
    assert sorted(items.index) == sorted(i["id"] for i in fake.incidents[2:])
    assert items.loc[other_window["id"], "created_at"] == pd.Timestamp("2026-09-01 08:00", tz="UTC")
    assert items["created_at"].max() < pd.Timestamp(UNTIL)


def test_odd_incidents_are_kept_and_warned_about_by_number(db, pd_server):
    server, ca_file = pd_server
    fake = FakePagerDuty(server, make_incidents(300, SINCE, UNTIL))
    backwards, untitled = fake.incidents[7], fake.incidents[250]
    resolved = pd.Timestamp(backwards["created_at"]) - pd.Timedelta(hours=1)
    fake.answered = {backwards["id"]: {"status": "resolved", "resolved_at": f"{resolved:%Y-%m-%dT%H:%M:%SZ}"},
                     untitled["id"]: {"title": None}}
    result = pd_import(db, fake, ca_file)
    assert result.exit_code == 0, result.output
    assert warnings_of(result) == [
        f"warning: pagerduty: 1 item(s) resolved_at before created_at (#{backwards['incident_number']}) - their time "
        "open is not counted, their hours are estimated; check the dates at the source",
        f"warning: pagerduty: 1 item(s) with no title (#{untitled['incident_number']}) - kept with an empty title, so "
        "classified on the rest alone; check them at the source"]
    items = stored(db, "title", "resolved_at", "time_spent_seconds")
    assert len(items) == 300
    assert items.loc[backwards["id"], "resolved_at"] == resolved
    assert pd.isna(items.loc[backwards["id"], "time_spent_seconds"])  # not a negative time
    assert items.loc[untitled["id"], "title"] == ""


@pytest.mark.parametrize("field, value", [("created_at", "garbage"), ("resolved_at", "2026-02-30T10:00:00Z"),
                                          ("created_at", 1767225600)])
def test_an_incident_whose_date_is_no_date_is_refused_by_number(db, pd_server, field, value):
    server, ca_file = pd_server
    fake = FakePagerDuty(server, make_incidents(300, SINCE, UNTIL))
    bad = fake.incidents[150]
    fake.answered = {bad["id"]: {field: value, "status": "resolved"}}
    result = pd_import(db, fake, ca_file)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == (
        f"error: pagerduty: #{bad['incident_number']} {field} {value!r} is not a date - check --url points at "
        "PagerDuty's REST API, or leave the incident out with --since/--until or --service")
    assert keys(db) == []


def test_an_incident_without_a_created_date_is_kept_and_named(db, pd_server):
    server, ca_file = pd_server
    fake = FakePagerDuty(server, make_incidents(300, SINCE, UNTIL))
    undated = fake.incidents[150]
    fake.answered = {undated["id"]: {"created_at": None}}
    result = pd_import(db, fake, ca_file)
    assert result.exit_code == 0, result.output
    assert warnings_of(result) == [f"warning: pagerduty: 1 item(s) with no created_at (#{undated['incident_number']}) "
                                   "- kept, but in no period's figures; check them at the source"]
    assert pd.isna(stored(db, "created_at").loc[undated["id"], "created_at"])


def test_an_incident_keeps_when_it_last_changed_and_an_older_copy_does_not_replace_it(db, pd_server):
    """updated_at, or the last status change where PagerDuty sends none, is kept as the incident's
    Updated: a copy fetched older than the stored one (a stale mirror, a re-read) leaves it as stored."""
    server, ca_file = pd_server
    incidents = make_incidents(20, SINCE, UNTIL)
    incidents[-1]["updated_at"] = "2026-10-20T08:00:00Z"  # the latest: the next run reads it again
    fake = FakePagerDuty(server, incidents)
    assert pd_import(db, fake, ca_file).exit_code == 0
    updated = stored(db, "updated_at", "status")
    assert updated.loc[incidents[-1]["id"], "updated_at"] == pd.Timestamp("2026-10-20 08:00", tz="UTC")
    assert updated.loc[incidents[0]["id"], "updated_at"] == pd.Timestamp(incidents[0]["last_status_change_at"])
    stale = {**incidents[-1], "status": "triggered", "resolved_at": None, "updated_at": "2026-10-15T08:00:00Z"}
    fake.incidents = [*incidents[:-1], stale]
    again = pd_import(db, fake, ca_file)
    assert again.exit_code == 0, again.output
    assert warnings_of(again) == [f"warning: pagerduty: kept 1 item(s) the store holds in a newer version "
                                  f"({incidents[-1]['id']}): this fetch is older than one imported before - the newer "
                                  "versions stay"]
    assert stored(db, "status").loc[incidents[-1]["id"], "status"] == updated.loc[incidents[-1]["id"], "status"]
