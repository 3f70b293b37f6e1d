"""Every bad input: exit 2, one line naming the file, the problem and the fix, store unchanged."""

from __future__ import annotations

import pytest

from toilaudit.importers.columns import load_columns_map
from toilaudit.importers.jira_csv import read_jira_csv

from helpers import EXAMPLES, FIXTURES, run, run_json

BAD = FIXTURES / "bad"

CASES = [
    # (command, file, expected message fragment)
    (["import", "jira", "--csv"], "jira_missing_created.csv",
     "jira_missing_created.csv: no column for created_at (\"created\") (found 'Issue key', 'Summary', 'Status') - export Jira "
     "issues as CSV with those columns or map yours with --columns"),
    (["import", "jira", "--csv"], "empty.csv", "empty.csv: the file is empty - export the Jira issues again"),
    (["import", "jira", "--csv"], "export.xlsx", "export.xlsx: a binary file, not a CSV export - export as CSV"),
    (["import", "jira", "--csv"], "not_csv.json", "not_csv.json: not a CSV export? no column for"),
    (["import", "jira", "--csv"], "jira_bad_date.csv",
     "jira_bad_date.csv row 3: Created 'yesterday' is not a date"),
    (["import", "jira", "--csv"], "jira_ragged.csv", "jira_ragged.csv row 2 (line 2): rows do not match the header "
     "(this one has 5 columns, the header 3"),
    # a quote left open in a Description: the parser reads on to the next quote (here OPS-9's), rows and all
    (["import", "jira", "--csv"], "jira_open_quote.csv",
     "jira_open_quote.csv row 6 (line 6): the quote opening its 'Description' value is not closed, so the next 4 "
     "line(s), rows and all, were read into it - close the quote"),
    # two left open: the second closes the first, and the row count matches the header's, so nothing else notices
    (["import", "jira", "--csv"], "jira_open_quote_twice.csv",
     "jira_open_quote_twice.csv row 4 (line 4): the quote opening its 'Description' value is not closed, so the next "
     "4 line(s), rows and all, were read into it"),
    (["import", "jira", "--csv"], "jira_bad_time_spent.csv",
     "jira_bad_time_spent.csv row 2: Time Spent 'about an hour' is not a duration"),
    (["import", "pagerduty", "--csv"], "pagerduty_bad_date.csv",
     "pagerduty_bad_date.csv row 3: created_on 'not-a-time' is not a date in the other created_on dates' format "
     "(ISO 8601, e.g. '2026-01-01T00:00:00Z') - correct that row to that format (or download the CSV again)"),
    (["import", "pagerduty", "--csv"], "pagerduty_bad_urgency.csv",
     "pagerduty_bad_urgency.csv row 3: urgency 'P1-critical' is not high or low - PagerDuty's urgency is one of the two"),
    (["import", "pagerduty", "--csv"], "pagerduty_bad_auto_resolved.csv",
     "pagerduty_bad_auto_resolved.csv row 3: auto_resolved 'maybe' is not true or false - write true or false"),
    (["import", "pagerduty", "--csv"], "pagerduty_bad_incident_number.csv",
     "pagerduty_bad_incident_number.csv row 3: incident_number 'abc' is not an incident number - PagerDuty numbers "
     "incidents 1, 2, 3"),
    (["import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), "--columns"], "columns_two_headers_one_field.yaml",
     "columns_two_headers_one_field.yaml: 'Created' and 'Updated' both map to created_at, which takes one column - "
     "map one of them (only labels, service, people take several)"),
    (["import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), "--columns"], "columns_header_twice.yaml",
     "columns_header_twice.yaml: 'Custom field (Team)' is mapped twice, to 'team' and to 'labels' - map each header "
     "once"),
    (["import", "jira", "--csv"], "no_such_file.csv", "no_such_file.csv: no such file - check the path"),
    (["evaluate", "--labels"], "labels_bad_value.csv", "labels_bad_value.csv row 2: label 'maybe' - use toil or not-toil"),
    (["classify", "--rules"], "rules_duplicate_id.yaml",
     "rules_duplicate_id.yaml: rule id T900 is used twice - give each rule its own id"),
    (["classify", "--rules"], "rules_bad_regex.yaml",
     "rules_bad_regex.yaml: rule T901: `match` is not a valid regex"),
]


@pytest.mark.parametrize("command, name, message", CASES, ids=[c[1] for c in CASES])
def test_bad_input_exits_2_with_one_line_and_store_unchanged(audited, command, name, message):
    before = run_json("summary", "--format", "json", db=audited)
    result = run(*command, str(BAD / name), db=audited)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert " - " in lines[0]  # says how to fix it
    assert "Traceback" not in result.stderr
    assert run_json("summary", "--format", "json", db=audited) == before


def test_columns_file_with_unknown_field(db):
    result = run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), "--columns",
                 str(BAD / "columns_unknown_field.yaml"), db=db)
    assert result.exit_code == 2
    assert "'Custom field (Squad)' maps to unknown field 'squad' - use one of: key title" in result.stderr


def test_unknown_timezone(db):
    result = run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), "--timezone", "Mars/Olympus", db=db)
    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Olympus'" in result.stderr


def test_folder_instead_of_file(db, tmp_path):
    result = run("import", "jira", "--csv", str(tmp_path), db=db)
    assert result.exit_code == 2
    assert f"{tmp_path.name}: is a folder, not an export - pass the CSV file itself" in result.stderr


def test_no_file_given(db):
    result = run("import", "jira", db=db)
    assert result.exit_code == 2
    assert "no export given - pass --csv FILE" in result.stderr


def test_second_file_bad_means_nothing_imported(db):
    result = run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), str(BAD / "jira_bad_date.csv"), db=db)
    assert result.exit_code == 2
    assert run("summary", db=db).exit_code == 2  # still empty: "import an export first"


def test_store_that_is_not_a_database(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("hello, I am not DuckDB\n")
    result = run("summary", db=bogus)
    assert result.exit_code == 2
    assert "notes.db: not a toilaudit database" in result.stderr


def test_a_columns_header_the_export_lacks_is_refused_before_it_wipes_a_field(audited, tmp_path):
    """A typo in --columns ("Kindd" for "Issue Type") would import every item with no type, and a
    re-import would wipe the types stored: refused, naming the header, and the store is as it was."""
    columns = tmp_path / "columns.yaml"
    columns.write_text("Kindd: item_type\n")
    before = run_json("summary", "--format", "json", db=audited)
    result = run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), "--columns", str(columns), db=audited)
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "--columns maps 'kindd' (to item_type), but the export has no such header (found 'Summary', 'Issue key'" \
        in result.stderr
    assert "correct the header in the --columns file" in result.stderr
    assert run_json("summary", "--format", "json", db=audited) == before


def test_two_spellings_of_one_header_mapped_to_two_fields(db, tmp_path):
    """Headers are compared with case and punctuation aside, so 'Team' and 'team' are one: YAML
    keeps both, the map could keep only the last."""
    columns = tmp_path / "columns.yaml"
    columns.write_text("Team: team\nteam: labels\n")
    result = run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), "--columns", str(columns), db=db)
    assert result.exit_code == 2
    assert result.stderr == ("error: columns.yaml: 'Team' and 'team' are one header (case and punctuation aside), "
                             "mapped to team and to labels - map that header once\n")


def test_a_mapped_header_the_export_repeats_cannot_feed_a_one_column_field(audited, tmp_path):
    """Jira repeats a header once per value (Sprint, Sprint): mapped to team, the values would be
    joined into a team called 'Sprint 1|Sprint 2'. To labels they may go."""
    export = tmp_path / "sprints.csv"
    export.write_text("Issue key,Summary,Created,Sprint,Sprint\nNEW-1,Restart api,2026-01-05T10:00:00Z,S1,S2\n")
    columns = tmp_path / "columns.yaml"
    columns.write_text("Sprint: team\n")
    before = run_json("summary", "--format", "json", db=audited)
    result = run("import", "jira", "--csv", str(export), "--columns", str(columns), db=audited)
    assert result.exit_code == 2
    assert result.stderr == ("error: sprints.csv: --columns maps 'Sprint' to team, but the export has 2 columns of that "
                             "header and team takes one - map a header that appears once (only labels, service, people "
                             "take several), or pick the team among its values: 'Sprint': {field: team, prefix: "
                             "team-}\n")
    assert run_json("summary", "--format", "json", db=audited) == before
    columns.write_text("Sprint: labels\n")
    assert run("import", "jira", "--csv", str(export), "--columns", str(columns), db=audited).exit_code == 0


def test_several_headers_may_feed_a_list_field(tmp_path):
    export = tmp_path / "tags.csv"
    export.write_text("Issue key,Summary,Created,Tags,Topics\nOPS-1,Restart api,2026-01-05T10:00:00Z,ops,web\n")
    columns = tmp_path / "columns.yaml"
    columns.write_text("Tags: labels\nTopics: labels\n")
    assert read_jira_csv([export], load_columns_map(columns)).items.loc[0, "labels"] == "ops|web"
