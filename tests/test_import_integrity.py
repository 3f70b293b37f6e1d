"""Nothing silently wrong on import (#15): a date, a number or a quote that would corrupt the
store is either read by a stated rule or refused with one line naming the row and the column."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from toilaudit.errors import InputFileError
from toilaudit.importers.jira_csv import read_jira_csv
from toilaudit.importers.pagerduty_csv import read_pagerduty_csv

from helpers import EXAMPLES, run, run_json


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


# ------------------------------------------------------------------ 1. one date re-dates an export
def test_an_ambiguous_local_time_does_not_re_date_the_export(tmp_path, db):
    # The hour New York's clocks fall back: it parsed as NaT under %y, so %Y won the format vote
    # and every date of the export was read as the year 26 AD.
    text = (EXAMPLES / "jira_export.csv").read_text(encoding="utf-8-sig")
    first = "21/Jan/26 2:00 PM"
    assert first in text
    export = write(tmp_path / "jira.csv", text.replace(first, "01/Nov/26 1:30 AM", 1))
    result = run("import", "jira", "--csv", str(export), "--timezone", "America/New_York", db=db)
    assert result.exit_code == 0, result.output
    months = run_json("summary", "--by", "month", "--format", "json", db=db)["breakdown"]
    assert all(str(month).startswith(("2025", "2026")) for month in months), list(months)[:3]


@pytest.mark.parametrize("text, expected", [
    ("01/Nov/26 1:30 AM", "2026-11-01 05:30"),  # ambiguous: the earlier instant (EDT), as Jira reads it
    ("2026-11-01T01:30:00", "2026-11-01 05:30"),  # the ISO form of the same instant is a date too
    ("08/Mar/26 2:30 AM", "2026-03-08 07:30"),  # in the spring gap: shifted forward by the gap, as Java does
])
def test_ambiguous_and_missing_local_times_follow_one_rule(tmp_path, text, expected):
    export = write(tmp_path / "j.csv", f"Issue key,Summary,Created\nOPS-1,x,{text}\nOPS-2,y,21/Jan/26 2:00 PM\n")
    items = read_jira_csv([export], {}, timezone="America/New_York").items
    assert items.loc[0, "created_at"] == pd.Timestamp(expected, tz="UTC")
    assert items.loc[1, "created_at"] == pd.Timestamp("2026-01-21 19:00", tz="UTC")


def test_two_digit_years_are_never_read_with_a_four_digit_year_format(tmp_path):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\nOPS-1,x,21/Jan/26 2:00 PM\n")
    items = read_jira_csv([export], {}).items
    assert items.loc[0, "created_at"].year == 2026
    explicit = run("import", "jira", "--csv", str(export), "--date-format", "%d/%b/%Y %I:%M %p",
                   db=tmp_path / "s.db")
    assert explicit.exit_code == 2
    assert "row 2: Created '21/Jan/26 2:00 PM' does not match --date-format '%d/%b/%Y %I:%M %p'" in one_line(explicit)


def test_iso_dates_among_jira_dates_are_read(tmp_path):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\nOPS-1,x,21/Jan/26 2:00 PM\n"
                                       "OPS-2,y,22/Jan/26 9:00 AM\nOPS-3,z,2026-01-23T10:15:00+01:00\n")
    items = read_jira_csv([export], {}).items
    assert items.loc[2, "created_at"] == pd.Timestamp("2026-01-23 09:15", tz="UTC")


def test_dates_before_1990_or_after_today_are_a_warning_naming_the_rows(tmp_path, db):
    next_month = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=40)).strftime("%Y-%m-%d 10:00")
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\nOPS-1,x,21/Jan/26 2:00 PM\n"
                                       "OPS-2,y,1970-01-01 00:00\nOPS-3,z,21/Jan/26 2:00 PM\n"
                                       f"OPS-4,w,{next_month}\n")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 0, result.output
    assert "warning: j.csv: 2 Created date(s) before 1990 or after today (rows 3, 5)" in result.stderr


def test_a_row_with_no_created_date_or_no_title_is_named(tmp_path, db):
    """Kept (the rest of the row is real work), but never silently: a blank Created keeps an item out
    of every period, and a blank title leaves the classifier the rest of the row alone."""
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\nOPS-1,Restart web-01,21/Jan/26 2:00 PM\n"
                                       "OPS-2,,21/Jan/26 3:00 PM\nOPS-3,Disk full on db-2,\n")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 0, result.output
    assert "warning: j.csv: 1 row(s) with no Created (rows 4) - kept, but in no period's figures" in result.stderr
    assert "warning: j.csv: 1 row(s) with no Summary (rows 3) - kept with an empty title" in result.stderr
    header = "id,incident_number,description,service_name,created_on,resolved_on,urgency\n"
    pages = write(tmp_path / "p.csv", header + "PA1,1,,db,2026-06-29T04:27:24Z,2026-06-29T05:27:24Z,high\n"
                                               "PA2,2,disk full,db,,,high\n")
    result = run("import", "pagerduty", "--csv", str(pages), db=db)
    assert result.exit_code == 0, result.output
    assert "p.csv: 1 row(s) with no created_on (rows 3)" in result.stderr
    assert "p.csv: 1 row(s) with no description (title) (rows 2)" in result.stderr


def test_a_ticket_dated_after_today_does_not_move_the_default_period_onto_it(tmp_path, db):
    """One mistyped year used to move the last 12 months past today, and summary reported ~0% toil."""
    today = pd.Timestamp.now(tz="UTC")
    rows = "".join(f"OPS-{i},Reset password for user{i},{(today - pd.Timedelta(days=35 + 5 * i)):%Y-%m-%d 10:00}\n"
                   for i in range(1, 9))
    later = today + pd.Timedelta(days=200)
    export = write(tmp_path / "j.csv", f"Issue key,Summary,Created\n{rows}OPS-99,Reset password for bob,"
                                       f"{later:%Y-%m-%d 10:00}\n")
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    result = run("summary", "--format", "json", db=db)
    summary = json.loads(result.stdout)
    assert summary["items"] == 8, summary  # the 8 of the last months, not the 1 of next year
    assert f"dated as late as {later:%d %b %Y}" in summary["period"]["basis"]


# ------------------------------------------------------------------ 2. a huge Time Spent bricks the store
@pytest.mark.parametrize("value", ["1e20", "1e400", "inf", "-inf", "12345678901234567890123456", "-60"])
def test_time_spent_out_of_range_is_refused_naming_row_and_column(audited, tmp_path, value):
    before = run_json("summary", "--format", "json", db=audited)
    export = write(tmp_path / "j.csv", f"Issue key,Summary,Created,Time Spent\nNEW-1,x,21/Jan/26 2:00 PM,60\n"
                                       f"NEW-2,y,21/Jan/26 2:00 PM,{value}\n")
    result = run("import", "jira", "--csv", str(export), db=audited)
    assert result.exit_code == 2
    assert f"j.csv row 3: Time Spent {value!r} is out of range" in one_line(result)
    assert run_json("summary", "--format", "json", db=audited) == before


@pytest.mark.parametrize("value", ["1e20", "inf", "99999999999999999999999"])
def test_pagerduty_seconds_to_resolve_out_of_range_is_refused(tmp_path, db, value):
    export = write(tmp_path / "p.csv", "id,description,created_on,seconds_to_resolve\n"
                                       f"P1,Disk full,2026-01-02T03:04:05Z,{value}\n")
    result = run("import", "pagerduty", "--csv", str(export), db=db)
    assert result.exit_code == 2
    assert f"p.csv row 2: seconds_to_resolve {value!r} is out of range" in one_line(result)


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_the_store_reads_survive_huge_hours_it_already_holds(request, tmp_path, engine):
    # a store written before the range check could hold any figure: every read must still work
    from toilaudit.store import open_store

    db = request.getfixturevalue("pg_url") if engine == "postgresql" else tmp_path / "s.db"
    assert run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=db).exit_code == 0
    store = open_store(str(db))
    try:
        store._execute("UPDATE work_items SET time_spent_seconds = 1e20 WHERE key = 'OPS-1'")
        store._execute("UPDATE classifications SET hours = CAST('inf' AS DOUBLE PRECISION) WHERE key = 'OPS-2'")
        store._execute("UPDATE classifications SET hours = CAST('NaN' AS DOUBLE PRECISION) WHERE key = 'OPS-4'")
        store._execute("UPDATE classifications SET hours = 1e30 WHERE key = 'OPS-3'")
    finally:
        store.close()
    assert run("interview", "--answers", str(EXAMPLES / "interview_answers.yaml"), db=db).exit_code == 0
    for command in (["summary", "--format", "json"], ["summary", "--by", "team"], ["gate"],
                    ["report", "--out", str(tmp_path / "r.json")]):
        result = run(*command, db=db)
        assert result.exit_code in (0, 1), result.output
    assert run("classify", db=db).exit_code == 0  # and the next classification heals the figures
    figures = run_json("summary", "--format", "json", db=db)
    assert figures["hours"]["total"] < 1e6


# ------------------------------------------------------------------ 3. an unterminated quote swallows a row
def test_an_unterminated_quote_is_refused_not_a_swallowed_row(tmp_path, db):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\nOPS-1,Restart api,21/Jan/26 2:00 PM\n"
                                       'OPS-2,"Restart web,21/Jan/26 2:00 PM\n'
                                       'OPS-3,Restart db",21/Jan/26 2:00 PM\n')
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 2
    line = one_line(result)
    assert "j.csv row 3: Summary holds a line break" in line and "quote" in line


def test_a_quote_left_open_to_the_end_of_the_file_is_refused(tmp_path, db):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\nOPS-1,Restart api,21/Jan/26 2:00 PM\n"
                                       'OPS-2,"Restart web,21/Jan/26 2:00 PM\n')
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 2
    assert "quote" in one_line(result)


def test_line_breaks_in_a_description_are_still_fine(tmp_path):
    export = write(tmp_path / "j.csv", 'Issue key,Summary,Created,Description\n'
                                       'OPS-1,Restart api,21/Jan/26 2:00 PM,"first line\nsecond, line"\n')
    assert len(read_jira_csv([export], {}).items) == 1


# ------------------------------------------------------------------ 4. blank keys, impossible dates
def test_rows_with_a_blank_key_are_a_warning_naming_them(tmp_path, db):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\nOPS-1,a,21/Jan/26 2:00 PM\n"
                                       ",b,21/Jan/26 2:00 PM\nOPS-3,c,21/Jan/26 2:00 PM\n , d,21/Jan/26 2:00 PM\n")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 0
    assert "warning: j.csv: 2 row(s) with a blank Issue key were skipped (rows 3, 5)" in result.stderr
    assert "Imported 2 jira items" in result.stdout


def test_pagerduty_rows_with_a_blank_id_are_a_warning(tmp_path):
    export = write(tmp_path / "p.csv", "id,description,created_on\nP1,a,2026-01-02T03:04:05Z\n"
                                       ",b,2026-01-02T03:04:05Z\n")
    batch = read_pagerduty_csv([export], {})
    assert len(batch.items) == 1
    assert any("1 row(s) with a blank id were skipped (rows 3)" in w for w in batch.warnings)


@pytest.mark.parametrize("text", ["31/Feb/26 2:00 PM", "2026-02-31 14:00", "30/Feb/26 2:00 PM", "31/Apr/26 9:00 AM"])
def test_an_impossible_date_is_refused_by_name(tmp_path, db, text):
    export = write(tmp_path / "j.csv", f"Issue key,Summary,Created\nOPS-1,a,21/Jan/26 2:00 PM\nOPS-2,b,{text}\n")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 2
    assert f"j.csv row 3: Created {text!r} is not a date" in one_line(result)


def test_repeated_dates_are_each_read_as_themselves(tmp_path):
    """Each distinct date text is parsed once (dates.py): every row still gets its own text's
    date, a real 1 March stays one however often it repeats, and an impossible day repeated
    after good ones is refused at its first row."""
    texts = ["21/Jan/26 2:00 PM", "1/Mar/26 9:00 AM", "21/Jan/26 2:00 PM", "3/Mar/26 11:59 PM", "1/Mar/26 9:00 AM"]
    rows = "".join(f"OPS-{n},t,{text}\n" for n, text in enumerate(texts * 3))
    batch = read_jira_csv([write(tmp_path / "j.csv", "Issue key,Summary,Created\n" + rows)], {})
    created = batch.items.set_index("key")["created_at"]
    want = {text: pd.Timestamp(pd.to_datetime(text, format="%d/%b/%y %I:%M %p"), tz="UTC") for text in texts}
    assert [created[f"OPS-{n}"] for n in range(15)] == [want[text] for text in texts * 3]
    bad = write(tmp_path / "bad.csv", "Issue key,Summary,Created\n" + rows + "OPS-99,t,31/Feb/26 2:00 PM\n"
                + "OPS-100,t,31/Feb/26 2:00 PM\n")
    with pytest.raises(InputFileError, match=r"bad.csv row 17: Created '31/Feb/26 2:00 PM' is not a date"):
        read_jira_csv([bad], {})


# ------------------------------------------------------------------ found by the fuzzing suite
@pytest.mark.parametrize("value", ["1h -30m x", "about 2h", "2h!"])
def test_a_duration_with_anything_else_in_it_is_not_read_in_part(tmp_path, db, value):
    export = write(tmp_path / "j.csv", f"Issue key,Summary,Created,Time Spent\nOPS-1,x,21/Jan/26 2:00 PM,{value}\n")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 2
    assert f"j.csv row 2: Time Spent {value!r} is not a duration" in one_line(result)


def test_a_blank_seconds_to_resolve_falls_back_to_the_two_times(tmp_path):
    export = write(tmp_path / "p.csv", "id,description,created_on,resolved_on,seconds_to_resolve\n"
                                       "P1,a,2026-01-02T03:00:00Z,2026-01-02T03:20:00Z,\n"
                                       "P2,b,2026-01-02T03:00:00Z,,600\n")
    items = read_pagerduty_csv([export], {}).items.set_index("key")
    assert items.loc["P1", "time_spent_seconds"] == 1200
    assert items.loc["P2", "resolved_at"] == pd.Timestamp("2026-01-02 03:10", tz="UTC")


def test_times_without_an_offset_among_times_with_one_are_in_the_given_zone(tmp_path):
    export = write(tmp_path / "p.csv", "id,description,created_on\nP1,a,2026-01-02T03:00:00Z\n"
                                       "P2,b,2026-01-02T03:00:00\nP3,c,2026-01-02T03:00:00+01:00\n")
    items = read_pagerduty_csv([export], {}, timezone="America/New_York").items.set_index("key")
    assert items["created_at"].tolist() == [pd.Timestamp("2026-01-02 03:00", tz="UTC"),
                                            pd.Timestamp("2026-01-02 08:00", tz="UTC"),  # was read as UTC
                                            pd.Timestamp("2026-01-02 02:00", tz="UTC")]


def test_a_page_resolved_before_it_was_created_is_named_and_gets_no_negative_hours(tmp_path, db):
    header = ("id,incident_number,description,service_id,service_name,created_on,resolved_on,seconds_to_resolve,"
              "auto_resolved,urgency,status\n")
    export = write(tmp_path / "p.csv", header
                   + "PA1,1,disk full on db-1,S1,db,2026-06-29T04:27:24Z,2026-06-29T05:27:24Z,,false,high,resolved\n"
                   + "PA2,2,disk full on db-2,S1,db,2026-06-29T09:00:00Z,2026-06-29T04:00:00Z,,false,high,resolved\n")
    result = run("import", "pagerduty", "--csv", str(export), db=db)
    assert result.exit_code == 0, result.output
    assert "p.csv: 1 row(s) resolved_on before created_on (rows 3)" in result.stderr
    items = {row["key"]: row for row in run_json("items", "--format", "json", "--limit", "0", db=db)}
    assert items["PA1"]["hours"] == pytest.approx(1.25)  # an hour open, plus the interruption
    assert items["PA2"]["hours"] > 0  # estimated: never the -5 h the two dates give
    explained = run("explain", "PA2", db=db).stdout
    assert "(its resolve time is before its creation)" in explained and "-" not in explained.split("time:")[1][:10]
