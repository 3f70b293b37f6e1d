"""PagerDuty's incident downloads: the Incidents report and the Analytics export differ in headers."""

from __future__ import annotations

import pandas as pd
import pytest

from toilaudit.errors import InputFileError
from toilaudit.importers.columns import load_columns_map
from toilaudit.importers.pagerduty_csv import read_pagerduty_csv

from helpers import EXAMPLES, run, run_json

INCIDENTS_REPORT = (
    "id,incident_number,description,service_name,created_on,resolved_on,seconds_to_resolve,auto_resolved,urgency,"
    "team_names,assigned_to_user_names\n"
    "Q1ABC,101,Disk usage above 90% on db-01,ledger,2026-03-01T02:00:00-05:00,2026-03-01T02:10:00-05:00,600,true,"
    "low,Core SRE,Jane Roe\n"
    "Q2DEF,102,Checkout down,checkout,2026-03-02T10:00:00Z,,,false,high,Web,John Doe\n"
)
ANALYTICS = (
    "Incident ID,Incident Number,Title,Service Name,Team Name,Urgency,Created At,Resolved At,Seconds To Resolve,"
    "Auto Resolved\n"
    "PX1,7,High CPU on api-3,api,Platform,High,2026-04-01 08:00:00,2026-04-01 08:30:00,1800,No\n"
)


def test_incidents_report(tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text(INCIDENTS_REPORT)
    items = read_pagerduty_csv([path], {}).items.set_index("key")
    page = items.loc["Q1ABC"]
    assert page["created_at"] == pd.Timestamp("2026-03-01 07:00", tz="UTC")
    assert page["time_spent_seconds"] == 600
    assert bool(page["auto_resolved"]) is True
    assert page["service"] == "ledger" and page["team"] == "Core SRE" and page["urgency"] == "low"
    assert items.loc["Q2DEF", "auto_resolved"] is False or not items.loc["Q2DEF", "auto_resolved"]
    assert pd.isna(items.loc["Q2DEF", "resolved_at"])
    assert (items["item_type"] == "incident").all()


def test_analytics_export_headers(tmp_path):
    path = tmp_path / "analytics.csv"
    path.write_text(ANALYTICS)
    page = read_pagerduty_csv([path], {}).items.iloc[0]
    assert page["key"] == "PX1"
    assert page["title"] == "High CPU on api-3"
    assert page["urgency"] == "high"
    assert page["resolved_at"] == pd.Timestamp("2026-04-01 08:30", tz="UTC")
    assert bool(page["auto_resolved"]) is False


def test_resolved_time_from_seconds_when_no_resolved_column(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,title,created_at,seconds_to_resolve\nQ1,CPU,2026-01-01T00:00:00Z,900\n")
    page = read_pagerduty_csv([path], {}).items.iloc[0]
    assert page["resolved_at"] == pd.Timestamp("2026-01-01 00:15", tz="UTC")


def test_bundled_example():
    items = read_pagerduty_csv([EXAMPLES / "pagerduty_incidents.csv"], {}).items
    assert len(items) == 320
    assert items["auto_resolved"].sum() > 20
    assert items["service"].nunique() >= 5


def test_an_export_whose_one_column_feeds_two_fields(tmp_path):
    """Without an id column, Incident Number is the key and the incident number both: each field
    gets the column's values (the reader lets a column's blocks go only once both are made)."""
    path = tmp_path / "numbers.csv"
    path.write_text("Incident Number,Title,Created On,Urgency\n"
                    "1234,Disk full on db-1,2026-11-01T10:00:00Z,high\n1235,CPU high,2026-11-02T10:00:00Z,low\n")
    items = read_pagerduty_csv([path], {}).items
    assert items["key"].tolist() == ["1234", "1235"]
    assert items["incident_number"].tolist() == ["1234", "1235"]
    assert items["title"].tolist() == ["Disk full on db-1", "CPU high"]


PAGES = "id,incident_number,description,created_on,resolved_on,seconds_to_resolve,auto_resolved,urgency\n"


def test_the_values_pagerduty_writes_are_read_in_either_download(tmp_path):
    """Both downloads' spellings (true / Yes, high / High) and blanks are read; nothing is refused."""
    path = tmp_path / "p.csv"
    path.write_text(PAGES + "Q1,1,a,2026-03-01T02:00:00Z,2026-03-01T02:10:00Z,600,TRUE,High\n"
                            "Q2,2,b,2026-03-01T02:00:00Z,,,No,LOW\nQ3,,c,2026-03-01T02:00:00Z,,,,\n")
    batch = read_pagerduty_csv([path], {})
    items = batch.items.set_index("key")
    assert items["urgency"].tolist() == ["high", "low", ""]
    assert items["auto_resolved"].tolist()[:2] == [True, False] and pd.isna(items.loc["Q3", "auto_resolved"])
    assert items["incident_number"].tolist() == ["1", "2", ""]
    assert batch.warnings == ()


@pytest.mark.parametrize("cells, message", [
    ("2,b,2026-03-01T02:00:00Z,,,false,P1-critical", "p.csv row 3: urgency 'P1-critical' is not high or low - "
     "PagerDuty's urgency is one of the two (a priority such as P1 is another column): correct that row, or leave it "
     "blank"),
    ("2,b,2026-03-01T02:00:00Z,,,maybe,low", "p.csv row 3: auto_resolved 'maybe' is not true or false - write true "
     "or false (yes or no), or leave it blank where unknown"),
    ("abc,b,2026-03-01T02:00:00Z,,,false,low", "p.csv row 3: incident_number 'abc' is not an incident number - "
     "PagerDuty numbers incidents 1, 2, 3...: correct that row, or map the right column with --columns"),
    ("#2,b,2026-03-01T02:00:00Z,,,false,low", "p.csv row 3: incident_number '#2' is not an incident number"),
])
def test_a_value_pagerduty_never_writes_is_refused_by_row_and_column(tmp_path, db, cells, message):
    """Read as blank, P1-critical would be a low-urgency page and `maybe` a page people handled."""
    path = tmp_path / "p.csv"
    path.write_text(PAGES + "Q1,1,a,2026-03-01T02:00:00Z,2026-03-01T02:10:00Z,600,true,high\nQ2," + cells + "\n")
    result = run("import", "pagerduty", "--csv", str(path), db=db)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {message}") and result.stderr.count("\n") == 1, result.stderr
    assert not db.exists() or run("summary", db=db).exit_code == 2  # nothing stored


def test_seconds_to_resolve_that_contradicts_the_times_is_warned_about_by_row(tmp_path, db):
    """Q2 says 99,999 s where its times say 600 s: kept as written, named. Q3's times were cut to the
    minute (a download re-saved by Excel): 30 s apart is no contradiction."""
    path = tmp_path / "p.csv"
    path.write_text(PAGES + "Q1,1,a,2026-03-01T02:00:00Z,2026-03-01T02:10:00Z,600,true,high\n"
                            "Q2,2,b,2026-03-01T02:00:00Z,2026-03-01T02:10:00Z,99999,false,low\n"
                            "Q3,3,c,2026-03-01 02:00,2026-03-01 02:10,630,false,low\n"
                            "Q4,4,d,2026-03-01T02:00:00Z,,900,false,low\n")
    batch = read_pagerduty_csv([path], {})
    assert batch.warnings == ("p.csv: 1 row(s) whose seconds_to_resolve differs from the time between created_on and "
                              "resolved_on by more than a minute (rows 3) - their time is seconds_to_resolve; check "
                              "those rows",)
    items = batch.items.set_index("key")
    assert items.loc["Q2", "time_spent_seconds"] == 99999
    assert items.loc["Q2", "resolved_at"] == pd.Timestamp("2026-03-01 02:10", tz="UTC")
    assert items.loc["Q4", "resolved_at"] == pd.Timestamp("2026-03-01 02:15", tz="UTC")  # from the seconds
    result = run("import", "pagerduty", "--csv", str(path), db=db)
    assert result.exit_code == 0 and "warning: p.csv: 1 row(s) whose seconds_to_resolve differs" in result.stderr


def test_pagerduty_date_errors_name_pagerdutys_format_not_jiras(tmp_path):
    """Where no format reads a value, parse_dates' vote falls back to Jira's, which PagerDuty never writes."""
    path = tmp_path / "p.csv"
    path.write_text("id,description,created_on\nQ1,a,not-a-time\nQ2,b,never\n")
    with pytest.raises(InputFileError) as caught:
        read_pagerduty_csv([path], {})
    assert str(caught.value) == (
        "p.csv row 2: created_on 'not-a-time' is not a date - PagerDuty writes ISO 8601 (2026-03-01T02:00:00-05:00): "
        "download the CSV again, or pass --date-format with these dates' format, e.g. --date-format '%m/%d/%Y %H:%M'")


def test_a_value_among_iso_dates_is_a_row_to_correct_not_a_format_to_pass(tmp_path):
    """The other dates are read (as ISO 8601): --date-format, one format for the column, would refuse them."""
    path = tmp_path / "p.csv"
    path.write_text("id,description,created_on\nQ1,a,2026-03-01T02:00:00Z\nQ2,b,not-a-time\n")
    with pytest.raises(InputFileError) as caught:
        read_pagerduty_csv([path], {})
    assert str(caught.value) == (
        "p.csv row 3: created_on 'not-a-time' is not a date in the other created_on dates' format (ISO 8601, e.g. "
        "'2026-03-01T02:00:00Z') - correct that row to that format (or download the CSV again): --date-format "
        "reads a column in one format")


def test_a_download_re_saved_by_excel_is_named_with_the_format_it_was_read_as(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,description,created_on\nQ1,a,3/1/2026 2:00\nQ2,b,13/1/2026 2:00\nQ3,c,junk\n")
    with pytest.raises(InputFileError, match=r"^p\.csv row 4: created_on 'junk' is not a date in the other created_on "
                                             r"dates' format \(%d/%m/%Y %H:%M, e\.g\. '3/1/2026 2:00'\) - correct that "
                                             r"row to that format"):
        read_pagerduty_csv([path], {})


def test_date_format_help_names_each_sources_own_format():
    pagerduty = run("import", "pagerduty", "--help").stdout
    jira = run("import", "jira", "--help").stdout
    assert "Jira" not in pagerduty.split("--date-format", 1)[1].split("--timezone", 1)[0]
    assert "as PagerDuty" in pagerduty and "%m/%d/%Y %H:%M" in pagerduty
    assert "Jira's default" in jira.split("--date-format", 1)[1].split("--timezone", 1)[0]


def test_a_page_is_carried_by_who_acknowledged_it_else_who_it_was_assigned_to(tmp_path, db):
    """The header order of PagerDuty's incidents download (acknowledged, assigned, resolved by) puts
    the responder first, as the live import does: the first person named carries the page."""
    from toilaudit.store import open_store
    from toilaudit.summary import breakdown

    path = tmp_path / "incidents.csv"
    path.write_text(
        "id,description,created_on,acknowledged_by_user_names,assigned_to_user_names,resolved_by_user_name\n"
        "P1,Disk full on db-01,2026-03-01T02:00:00Z,Ana Lima,Bo Chen,Bo Chen\n"
        "P2,Disk full on db-02,2026-03-02T02:00:00Z,,Bo Chen,\n"
        "P3,Disk full on db-03,2026-03-03T02:00:00Z,,,\n")
    assert run("import", "pagerduty", "--csv", str(path), db=db).exit_code == 0
    store = open_store(str(db))
    try:
        assert {name: f.items for name, f in breakdown(store, "person").items()} == {
            "Ana Lima": 1, "Bo Chen": 1, "(unassigned)": 1}
    finally:
        store.close()


def test_a_team_picked_by_prefix_is_applied_to_pages_too(tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text("id,description,created_on,tags\nP1,Disk full,2026-03-01T02:00:00Z,db|team-storage\n")
    columns = tmp_path / "columns.yaml"
    columns.write_text("tags: {field: team, prefix: team-}\n")
    assert read_pagerduty_csv([path], load_columns_map(columns)).items.loc[0, "team"] == "storage"


def test_several_users_in_one_cell_are_each_a_person_and_the_first_carries_the_page(tmp_path, db):
    """PagerDuty writes an incident's several users in one cell, joined with ", " (assigned_to_user_names,
    the Analytics download's Assigned To): each is a person, the first named carries the page, and one
    named in several columns is named once."""
    from toilaudit.store import open_store
    from toilaudit.summary import breakdown

    incidents = tmp_path / "incidents.csv"
    incidents.write_text(
        "id,description,created_on,acknowledged_by_user_names,assigned_to_user_names,resolved_by_user_name\n"
        'P1,Disk full on db-01,2026-03-01T02:00:00Z,Tomasz Nowak,"Tomasz Nowak, Ana Gomes",Tomasz Nowak\n'
        'P2,Disk full on db-02,2026-03-02T02:00:00Z,,"Ana Gomes,Bo Chen",\n')
    analytics = tmp_path / "analytics.csv"
    analytics.write_text("Incident ID,Title,Created At,Assigned To\n"
                         'Q1,BGP session flapping,2026-03-03T02:00:00Z,"Ken Watanabe, Tomasz Nowak"\n')
    assert read_pagerduty_csv([incidents], {}).items["people"].tolist() == ["Tomasz Nowak|Ana Gomes",
                                                                            "Ana Gomes|Bo Chen"]
    assert read_pagerduty_csv([analytics], {}).items.loc[0, "people"] == "Ken Watanabe|Tomasz Nowak"
    assert run("import", "pagerduty", "--csv", str(incidents), str(analytics), db=db).exit_code == 0
    store = open_store(str(db))
    try:
        assert {name: f.items for name, f in breakdown(store, "person").items()} == {
            "Tomasz Nowak": 1, "Ana Gomes": 1, "Ken Watanabe": 1}
    finally:
        store.close()


UI_LIST = ("#,Status,Urgency,Title,Created,Assigned To\n"
           "4100,Resolved,Low,CRITICAL: check_http on api-gw-8 - connection refused,2025-11-04 04:39,Tomasz Nowak\n"
           "4101,Resolved,Low,Disk usage above 90% on db-replica-20,2025-11-06 19:12,Jamal Carter\n")


@pytest.mark.parametrize("field", ["incident_number", "key"])
def test_the_incident_number_is_the_key_of_a_download_without_an_id(tmp_path, db, field):
    """The help says an id or an incident number will do: mapped to either field, the Incidents list's `#`
    column keys the pages, and `explain` finds one as PagerDuty shows it (#4100) or as its key (4100)."""
    export = tmp_path / "incidents.csv"
    export.write_text(UI_LIST)
    columns = tmp_path / "columns.yaml"
    columns.write_text(f"'#': {field}\n")
    items = read_pagerduty_csv([export], load_columns_map(columns)).items
    assert items[["key", "incident_number"]].values.tolist() == [["4100", "4100"], ["4101", "4101"]]
    assert run("import", "pagerduty", "--csv", str(export), "--columns", str(columns), db=db).exit_code == 0
    for typed in ("#4100", "4100"):
        found = run_json("explain", typed, "--format", "json", db=db)
        assert [(item["source"], item["key"]) for item in found] == [("pagerduty", "4100")]


def test_a_download_with_neither_an_id_nor_an_incident_number_names_both(tmp_path):
    export = tmp_path / "incidents.csv"
    export.write_text("Status,Title,Created\nResolved,Disk full,2026-01-01T00:00:00Z\n")
    with pytest.raises(InputFileError, match=r'^incidents\.csv: no column for key \("id"\) or incident_number '
                                             r'\("incident number"\) \(found'):
        read_pagerduty_csv([export], {})


def test_an_id_column_stays_the_key_beside_an_incident_number(tmp_path):
    export = tmp_path / "incidents.csv"
    export.write_text("Incident ID,Incident Number,Title,Created At\nQ1ABC,7,Disk full,2026-01-01T00:00:00Z\n")
    items = read_pagerduty_csv([export], {}).items
    assert items[["key", "incident_number"]].values.tolist() == [["Q1ABC", "7"]]


def test_blank_rows_and_repeated_ids_by_updated(tmp_path):
    newer = tmp_path / "newer.csv"
    newer.write_text("id,description,created_on,updated_on,status\n"
                     "P1,a,2026-01-02T03:04:05Z,2026-01-09T00:00:00Z,resolved\n,,,,\n")
    older = tmp_path / "older.csv"
    older.write_text("id,description,created_on,updated_on,status\n"
                     "P1,a,2026-01-02T03:04:05Z,2026-01-03T00:00:00Z,triggered\n")
    batch = read_pagerduty_csv([newer, older], {})
    assert batch.items["status"].tolist() == ["resolved"]
    rows = [w for w in batch.warnings if "rows 3" in w]
    assert rows == ["newer.csv: skipped 1 blank row(s) (rows 3): nothing in any column read"]
    assert any("kept the row with the newest Updated for 1 (for 1 not the last row: P1)" in w for w in batch.warnings)
