"""PagerDuty's incident downloads: the Incidents report and the Analytics export differ in headers."""

from __future__ import annotations

import pandas as pd

from toilaudit.importers.pagerduty_csv import read_pagerduty_csv

from helpers import EXAMPLES

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
