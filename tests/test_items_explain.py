"""Finding an item: `items` lists them with filters; `explain` takes a key, a PagerDuty incident
number or a repetition group id."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
import yaml

from helpers import run, run_json


def test_explain_a_pagerduty_page_by_its_incident_number_or_its_id_in_any_case(audited):
    by_number = run_json("explain", "#1", "--format", "json", db=audited)
    assert [(item["source"], item["key"]) for item in by_number] == [("pagerduty", "Q090F3EBDD3")]
    assert run_json("explain", "1", "--format", "json", db=audited) == by_number
    assert run_json("explain", "q090f3ebdd3", "--format", "json", db=audited) == by_number
    text = run("explain", "#1", db=audited)
    assert text.exit_code == 0 and text.stdout.startswith("pagerduty Q090F3EBDD3: ledger: p99 latency above threshold")


def test_explain_a_repetition_group_from_summary(audited):
    group = run_json("summary", "--format", "json", "--period", "all", db=audited)["top_candidates"][0]
    items = run_json("explain", group["group_id"].lower(), "--format", "json", db=audited)
    assert len(items) == group["items"] and {item["group_id"] for item in items} == {group["group_id"]}
    text = run("explain", group["group_id"], "--period", "all", db=audited).stdout.splitlines()
    assert text[0] == f"group {group['group_id']}, category {group['category']}"
    assert text[2].startswith(f"  counted:  {group['items']} toil items, {group['hours']:,.1f}h of toil ")
    assert text[6] == "The newest, explained:"
    assert text[7].startswith(f"{items[0]['source']} {items[0]['key']}: ")


@pytest.mark.parametrize("period", [None, "2026-Q2", "all"])
def test_explain_counts_a_group_as_summary_does_in_the_same_period(audited, period):
    """summary counted a group's items in the period, explain over all time: the same group showed two sets of
    figures. explain counts the period summary counts (the same --period), and says all time apart."""
    asked = ("--period", period) if period else ()
    data = run_json("summary", "--format", "json", "--top", "50", *asked, db=audited)
    group = next(c for c in data["top_candidates"] if period == "all" or c["items_all"] > c["items"])
    text = run("explain", group["group_id"], *asked, db=audited).stdout.splitlines()
    described = data["period"]["label"] + (f" ({data['period']['basis']}" if data["period"]["basis"] else "")
    assert text[1].startswith(f"  period:   {described}")
    assert text[2].startswith(f"  counted:  {group['items']:,} toil items, {group['hours']:,.1f}h of toil (of ")
    assert text[2].endswith(" in the period, as summary counts them")
    assert text[3].startswith("  all time: ") and f" (of {group['items_all']:,} items, " in text[3]
    items = run_json("explain", group["group_id"], "--format", "json", *asked, db=audited)
    assert sum(item["in_period"] and item["is_toil"] for item in items) == group["items"]
    assert len(items) == group["items_all"]


def test_explain_counts_a_group_on_the_organisations_services_as_summary_does(audited, tmp_path):
    """With one organisation interviewed, summary counts the items of its services: so does explain."""
    services = run_json("summary", "--format", "json", "--by", "service", "--period", "all", db=audited)["breakdown"]
    named = sorted(services, key=lambda name: -services[name]["items"])[:2]
    template = yaml.safe_load(run("interview", "--template", *[a for s in named for a in ("--service", s)]).stdout)
    template["org"], template["interviewee"] = "Northbank", "leads"
    for question in template["questions"]:
        question["answer"] = 40 if question.get("type") == "number" else 1
    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump(template))
    assert run("interview", "--answers", str(answers), db=audited).exit_code == 0
    data = run_json("summary", "--format", "json", "--top", "50", db=audited)
    assert data["services"] == named
    group = data["top_candidates"][0]
    text = run("explain", group["group_id"], db=audited).stdout.splitlines()
    assert text[2].startswith(f"  counted:  {group['items']:,} toil items, {group['hours']:,.1f}h of toil (of ")
    assert text[2].endswith(f" in the period on the organisation's services ({', '.join(named)}), as summary counts them")
    assert run("explain", group["group_id"], "--org", "Northbank", db=audited).stdout.splitlines()[2] == text[2]
    unknown = run("explain", group["group_id"], "--org", "Southbank", db=audited)
    assert unknown.exit_code == 2
    assert unknown.stderr == ("error: explain: no interview answers for 'Southbank' - run toilaudit interview "
                              "--org 'Southbank' first, or leave --org out\n")


def test_explain_something_unknown_says_where_to_look(audited):
    result = run("explain", "NOPE-1", db=audited)
    assert result.exit_code == 2
    assert result.stderr == ("error: explain: no item or repetition group 'NOPE-1' - toilaudit items lists the keys "
                             "(--format csv for a spreadsheet), toilaudit summary the groups\n")


@pytest.mark.parametrize("args, check", [
    (["--toil"], lambda row: row["is_toil"]),
    (["--not-toil"], lambda row: not row["is_toil"]),
    (["--category", "ACCESS REQUEST"], lambda row: row["category"] == "access request"),
    (["--source", "pagerduty"], lambda row: row["source"] == "pagerduty" and row["incident_number"]),
    (["--team", "payments platform", "--toil"], lambda row: row["team"] == "Payments Platform" and row["is_toil"]),
    (["--service", "ledger"], lambda row: row["service"] == "ledger"),
])
def test_items_filters(audited, args, check):
    rows = run_json("items", *args, "--limit", "0", "--format", "json", db=audited)
    assert rows and all(check(row) for row in rows)
    everything = run_json("items", "--limit", "0", "--format", "json", db=audited)
    assert len(rows) == sum(1 for row in everything if check(row))


def test_items_of_a_group_in_every_format(audited):
    group = run_json("summary", "--format", "json", "--period", "all", db=audited)["top_candidates"][0]
    rows = run_json("items", "--group", group["group_id"], "--format", "json", "--limit", "0", db=audited)
    assert len(rows) == group["items"]
    assert [row["created_at"] for row in rows] == sorted((row["created_at"] for row in rows), reverse=True)
    table = run("items", "--group", group["group_id"], "--limit", "0", db=audited)
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["KEY", "CREATED", "TOIL", "CATEGORY", "GROUP", "TITLE"]
    assert [line.split()[0] for line in lines[1:]] == [row["key"] for row in rows]
    exported = list(csv.DictReader(io.StringIO(run("items", "--group", group["group_id"], "--format", "csv", "--limit", "0",
                                                   db=audited).stdout)))
    assert [row["key"] for row in exported] == [row["key"] for row in rows]
    assert list(exported[0]) == ["source", "key", "incident_number", "created_at", "updated_at", "is_toil", "category",
                                 "group_id", "team", "service", "hours", "resolution", "title"]


def test_items_table_shows_the_newest_50_and_says_so(audited):
    result = run("items", db=audited)
    assert len(result.stdout.splitlines()) == 51
    assert result.stderr == "50 of 740 items shown, newest first; --limit 0 shows them all\n"
    assert json.loads(run("items", "--format", "json", "--limit", "3", db=audited).stdout)[2]["key"]


@pytest.mark.parametrize("filters", [{}, {"toil": True}, {"toil": False, "source": "jira"}, {"source": "PagerDuty"},
                                     {"team": "no such team"}])
def test_the_store_cuts_the_list_itself_and_counts_what_it_left_out(audited, filters):
    """`items` asks the store for the first N only (a million items' list took 10 s and 3.9 GB when
    it read them all); the first N and the count must be those of the whole list."""
    from toilaudit.store import open_store

    store = open_store(str(audited))
    every = store.items(**filters)
    for limit in (1, 7, 1000):
        first = store.items(**filters, limit=limit, columns="w.source, w.key, w.created_at, c.is_toil")
        assert first[["source", "key"]].values.tolist() == every.head(limit)[["source", "key"]].values.tolist()
    assert store.count_items(**filters) == len(every)
    store.close()


def test_explain_says_where_an_items_hours_come_from(db, tmp_path):
    jira = tmp_path / "jira.csv"
    jira.write_text("Issue key,Summary,Created,Resolved,Time Spent,Labels\n"
                    "OPS-1,Grant VPN access to jdoe,2026-03-02 10:00,2026-03-02 11:00,5400,p1\n"
                    "OPS-2,Grant VPN access to asmith,2026-03-03 10:00,2026-03-03 11:00,,p2\n")
    pages = tmp_path / "pages.csv"
    pages.write_text("id,incident_number,description,service_name,created_on,resolved_on,urgency,auto_resolved\n"
                     "Q1,1,Veeam job SQL-Daily failed,backup,2026-03-02T01:00:00Z,2026-03-02T07:30:00Z,low,false\n"
                     "Q2,2,Veeam job SQL-Daily failed,backup,2026-03-03T01:00:00Z,2026-03-03T01:30:00Z,low,false\n"
                     "Q3,3,Veeam job SQL-Daily failed,backup,2026-03-04T01:00:00Z,2026-03-04T01:05:00Z,low,true\n")
    assert run("import", "jira", "--csv", str(jira), db=db).exit_code == 0
    assert run("import", "pagerduty", "--csv", str(pages), db=db).exit_code == 0

    def time_line(key):
        return next(line for line in run("explain", key, db=db).stdout.splitlines() if line.startswith("  time:"))

    assert time_line("OPS-1") == "  time:     1.50h logged in Jira"
    assert time_line("OPS-2").endswith("h estimated for its category")
    assert time_line("#1") == "  time:     4.25h: the page was open 6.50h, counted up to 4h, plus 15 minutes of interruption"
    assert time_line("#2") == "  time:     0.75h: the page was open 0.50h, plus 15 minutes of interruption"
    assert time_line("#3") == "  time:     0.25h: 15 minutes of interruption (it resolved by itself)"
    # the labels "p1" and "p2" are one word to the model, and explain says why it shows "p0"
    assert 'type/labels word "p0" (numbers read as 0)' in run("explain", "OPS-1", db=db).stdout


# One repetition group, "Help with * server", whose items take different categories: a rule fires on
# the word that fills the variable part of two titles (restart, patching); the other twelve, matched
# by no rule, are repetitive requests. Summary once named the group by its items' first category in
# alphabetical order ("patching"), explain by its newest item's.
MIXED_GROUP = ["billing", "ledger", "payments", "backup", "patching", "cleanup", "certificate", "dns", "quota",
               "password", "access", "restart", "vpn", "sudo"]


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_summary_and_explain_give_a_repetition_group_one_category(engine, request, tmp_path):
    db = tmp_path / "audit.db" if engine == "duckdb" else request.getfixturevalue("pg_url")
    export = tmp_path / "jira.csv"
    export.write_text("Issue key,Summary,Issue Type,Created,Resolved\n" + "".join(
        f"OPS-{n},Help with {word} server,Service Request,2026-03-{n:02d} 10:00,2026-03-{n:02d} 10:30\n"
        for n, word in enumerate(MIXED_GROUP, 1)))
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    group = run_json("summary", "--format", "json", "--period", "all", db=db)["top_candidates"][0]
    assert group["example_title"].startswith("Help with ") and group["items"] == len(MIXED_GROUP)
    items = run_json("explain", group["group_id"], "--format", "json", db=db)
    own = Counter(item["category"] for item in items)
    assert len(own) > 1, own  # the case at hand: the group's items take different categories
    majority = own.most_common(1)[0][0]
    assert majority == "repetitive request"
    assert group["category"] == majority
    assert {item["group_category"] for item in items} == {majority}
    assert run("explain", group["group_id"], db=db).stdout.splitlines()[0].endswith(f", category {majority}")
    # an item of another category keeps its own, and says the group's beside it
    odd = next(item for item in items if item["category"] != majority)
    text = run("explain", odd["key"], db=db).stdout
    assert f"category {odd['category']}\n" in text
    assert f"  group:    {group['group_id']} x{len(MIXED_GROUP)}: {group['template']} (the group's category: " \
           f"{majority}, as summary gives it)\n" in text
    csv_rows = list(csv.DictReader(io.StringIO(run("summary", "--format", "csv", "--period", "all", db=db).stdout)))
    assert [row["category"] for row in csv_rows if row["name"] == group["group_id"]] == [majority]


@pytest.mark.parametrize(("columns", "shown"), [
    (140, ["KEY", "CREATED", "TOIL", "CATEGORY", "GROUP", "TITLE"]),
    (95, ["KEY", "CREATED", "TOIL", "CATEGORY", "TITLE"]),
    (80, ["KEY", "TOIL", "CATEGORY", "TITLE"])])
def test_a_narrow_terminal_leaves_out_the_group_then_the_date_before_the_title(columns, shown, monkeypatch, capsys):
    import os
    import sys

    from toilaudit import cli

    rows = [{"key": "ITSD-1489", "incident_number": None, "created_at": "2026-11-24T10:00:00", "is_toil": True,
             "category": "software / licence request", "group_id": "G77e3506c",
             "title": "Restart WMS middleware - server busy errors on the handhelds at Venlo"}]
    monkeypatch.setattr(cli.shutil, "get_terminal_size", lambda: os.terminal_size((columns, 24)))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    cli._items_table(rows)
    header, line = capsys.readouterr().out.splitlines()
    assert header.split() == shown
    assert len(line) <= columns and line.startswith("ITSD-1489")
    title = line[header.index("TITLE"):]
    assert len(title) >= min(cli.TITLE_MIN_CHARS, columns - header.index("TITLE"))


def test_items_filtered_by_a_name_no_item_has_says_so(audited):
    result = run("items", "--category", "acess request", db=audited)
    assert result.exit_code == 2
    assert result.stderr == "error: items: no item has --category 'acess request' - summary --by category lists them\n"
    assert run("items", "--category", "access request", "--team", "nobody-here", db=audited).exit_code == 2
    assert run("items", "--toil", "--category", "access request", db=audited).exit_code == 0


def test_explain_names_every_rule_and_signal_it_adds_up(audited):
    """The quiet signals (S008 very repetitive, S009 a page) are in the sum, so they are named as fired."""
    page = run_json("items", "--format", "json", "--source", "pagerduty", "--limit", "1", db=audited)[0]
    out = run("explain", page["key"], db=audited).stdout
    fired = next(line for line in out.splitlines() if line.strip().startswith("fired:")).split(":", 1)[1].split()
    assert "S009" in fired
    added = [line.split()[1] for line in out.splitlines() if line.startswith("    ") and line.split()[1][:1] in "STN"
             and line.split()[1][1:].isdigit()]
    assert sorted(added) == sorted(fired)


def test_explain_says_what_each_rule_fired_on_in_the_title_or_the_labels(db, tmp_path):
    """A rule reads the title and the labels apart: explain names the words it matched and where, so
    that a user sees why a project ticket counts as overhead (a "roadmap" label), and can disable or
    override the rule. "error budgets" is SRE engineering, not a budget meeting: N004 leaves it."""
    jira = tmp_path / "jira.csv"
    jira.write_text("Issue key,Summary,Created,Labels\n"
                    "OPS-1,Kafka upgrade to 3.7 across all clusters,2026-03-02 10:00,roadmap\n"
                    "OPS-2,Introduce SLOs and error budgets for checkout-api,2026-03-03 10:00,\n"
                    "OPS-3,Sprint planning for the platform team,2026-03-04 10:00,\n")
    assert run("import", "jira", "--csv", str(jira), db=db).exit_code == 0

    def rule_lines(key):
        return [line.split(None, 1)[1] for line in run("explain", key, db=db).stdout.splitlines()
                if line.startswith("    ") and line.split()[1][:1] in "TN" and line.split()[1][1:].isdigit()]

    assert 'N004 overhead.meetings-and-people (on "roadmap" in the labels)' in rule_lines("OPS-1")
    assert not any(line.startswith("N004 ") for line in rule_lines("OPS-2"))
    assert 'N003 engineering.reliability-practice (on "slos" in the title)' in rule_lines("OPS-2")
    assert 'N004 overhead.meetings-and-people (on "sprint planning" in the title)' in rule_lines("OPS-3")
    contributions = run_json("explain", "OPS-1", "--format", "json", db=db)[0]["contributions"]
    assert {"feature": "r:N004", "meaning": 'N004 overhead.meetings-and-people (on "roadmap" in the labels)'} \
        .items() <= next(c for c in contributions if c["feature"] == "r:N004").items()


def test_explain_of_one_item_says_whether_summary_counts_it_in_the_period(db, tmp_path):
    """`explain KEY --period` had ignored the period: it says whether summary counts the item there, and why not."""
    jira = tmp_path / "jira.csv"
    jira.write_text("Issue key,Summary,Created,Resolved\n"
                    "OPS-1,Grant VPN access to jdoe,2026-03-02 10:00,2026-03-02 11:00\n"
                    "OPS-2,Grant VPN access to asmith,2026-05-03 10:00,2026-05-03 11:00\n")
    assert run("import", "jira", "--csv", str(jira), db=db).exit_code == 0

    def counted(*args):
        return next(line for line in run("explain", "OPS-1", *args, db=db).stdout.splitlines()
                    if line.startswith("  counted:"))

    assert counted("--period", "2026-03") == "  counted:  yes, in Mar 2026, as summary counts it"
    assert counted("--period", "2026-Q2").startswith("  counted:  no: summary counts 2026-Q2")
    assert counted("--period", "2026-Q2").endswith("and this item was created 02 Mar 2026")
    assert run_json("explain", "OPS-1", "--period", "2026-Q2", "--format", "json", db=db)[0]["in_period"] is False
    assert run_json("explain", "OPS-1", "--period", "all", "--format", "json", db=db)[0]["in_period"] is True


def test_items_take_the_names_summary_gives_items_without_a_team(tmp_path, db):
    """summary --by team lists "(no team)": items --team '(no team)' lists those items, and shows them so."""
    export = tmp_path / "jira.csv"
    export.write_text("Issue key,Summary,Issue Type,Status,Created,Resolved,Team\n"
                      "OPS-1,Reset password for anna,Service Request,Done,2026-05-04 10:00,2026-05-04 11:00,\n"
                      "OPS-2,Reset password for ben,Service Request,Done,2026-05-05 10:00,2026-05-05 11:00,SRE\n")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 0, result.output
    teams = run_json("summary", "--by", "team", "--period", "all", "--format", "json", db=db)["breakdown"]
    assert teams["(no team)"]["items"] == 1, teams
    listed = run_json("items", "--team", "(No Team)", "--format", "json", db=db)
    assert [(row["key"], row["team"]) for row in listed] == [("OPS-1", "(no team)")]
    assert [row["key"] for row in run_json("items", "--team", "sre", "--format", "json", db=db)] == ["OPS-2"]
