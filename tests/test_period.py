"""--period (#16): the figures count one period, the evidence every date; charts and tables stay readable."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from toilaudit.classify.accuracy import corpus_rates, corrected_share
from toilaudit.period import FORMS, PeriodError, parse_period, place, span
from toilaudit.report.charts import MAX_BARS, buckets, chart_unit

from helpers import EXAMPLES, run, run_json


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.mark.parametrize("text, start, end", [
    ("2026-Q3", "2026-07-01", "2026-10-01"),
    ("2026-q1", "2026-01-01", "2026-04-01"),
    ("2026-11", "2026-11-01", "2026-12-01"),
    ("2026", "2026-01-01", "2027-01-01"),
    ("2025-12..2026-11", "2025-12-01", "2026-12-01"),
    ("2025-Q4..2026-Q1", "2025-10-01", "2026-04-01"),
    ("2026-01-15..2026-03-31", "2026-01-15", "2026-04-01"),
    ("2026-02-03", "2026-02-03", "2026-02-04"),
])
def test_named_periods(text, start, end):
    spec = parse_period(text)
    assert (spec.start, spec.end) == (utc(start), utc(end))


@pytest.mark.parametrize("text, message", [
    ("2026-Q5", f"--period: '2026-Q5' is not a period - use one of {FORMS}"),
    ("2026-13", f"--period: '2026-13' is not a period - use one of {FORMS}"),
    ("last-0-months", f"--period: 'last-0-months' is not a period - use one of {FORMS}"),
    ("Q3", f"--period: 'Q3' is not a period - use one of {FORMS}"),
    ("2026-11..2025-12", "--period: '2026-11..2025-12' ends before it starts - write the earlier end first, "
                         "e.g. 2025-12..2026-11"),
])
def test_a_bad_period_is_one_line_naming_the_forms(text, message):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("text, message", [
    ("2026-02-30", "--period: 2026-02-30 is not a day - February 2026 has 28 days"),
    ("2026-02-30..2026-03-31", "--period: 2026-02-30 is not a day - February 2026 has 28 days"),
    ("2026-02-29", "--period: 2026-02-29 is not a day - February 2026 has 28 days"),
    ("2028-02-30", "--period: 2028-02-30 is not a day - February 2028 has 29 days"),
    ("2026-03-01..2026-04-31", "--period: 2026-04-31 is not a day - April 2026 has 30 days"),
    ("2026-03-00", "--period: 2026-03-00 is not a day - March 2026 has 31 days"),
])
def test_a_day_that_does_not_exist_is_named_with_the_days_of_its_month(text, message):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert str(caught.value) == message


def test_a_day_that_does_not_exist_exits_2_with_one_line(audited):
    result = run("summary", "--period", "2026-02-30..2026-03-31", db=audited)
    assert result.exit_code == 2
    assert result.stderr == "error: --period: 2026-02-30 is not a day - February 2026 has 28 days\n"
    assert parse_period("2028-02-29..2028-03-31").start == utc("2028-02-29")  # a leap day is a day


def test_weeks_are_counted_to_the_day():
    """Capacity is counted over Period.weeks: a one-day period has a day of it, not a whole week."""
    one_day = place(parse_period("2026-03-01..2026-03-01"), utc("2025-11-04 09:00"), utc("2026-11-27 10:00"))
    assert one_day.covered_days == 1 and one_day.weeks == pytest.approx(1 / 7)
    year = place(parse_period("2025-11..2026-10"), utc("2025-11-04 09:00"), utc("2026-11-27 10:00"))
    assert year.covered_days == 362 and year.weeks == pytest.approx(362 / 7)
    assert [span(days) for days in (1, 3, 7, 8, 362, 364)] == [
        "1 day", "3 days", "1 week", "1 week and 1 day", "51 weeks and 5 days", "52 weeks"]


@pytest.mark.parametrize("command", [("summary",), ("report", "--out", "r.pdf")])
def test_a_bad_period_exits_2_with_one_line(audited, tmp_path, command):
    result = run(*command, "--period", "2026-Q9", db=audited)
    assert result.exit_code == 2
    assert result.stderr == f"error: --period: '2026-Q9' is not a period - use one of {FORMS}\n"


def test_a_period_without_items_says_where_the_data_is(audited):
    result = run("summary", "--period", "2019", db=audited)
    assert result.exit_code == 2
    assert result.stderr == ("error: summary: no tickets or pages in 2019 (the data runs from 24 Nov 2025 to "
                             "23 Nov 2026) - choose a --period inside it, or --period all\n")


def test_the_default_is_the_last_12_full_months_of_the_data():
    first, last = utc("2013-04-13 08:00"), utc("2026-11-19 17:00")
    period = place(parse_period("last-12-months"), first, last)
    assert (period.start, period.end) == (utc("2025-11-01"), utc("2026-11-01"))
    assert period.described == "Nov 2025 to Oct 2026 (the last 12 full months of the data)"
    assert round(period.months, 2) == 11.99 and not period.partial
    # a year of data that starts inside its first month: that month is partial
    demo = place(parse_period("last-12-months"), utc("2025-11-24 09:00"), utc("2026-11-23 10:00"))
    assert demo.label == "Nov 2025 to Oct 2026" and demo.coverage == "the data begins on 24 Nov 2025"
    # less than a year: the data up to its last full month; all in one month: that month, still running
    short = place(parse_period("last-12-months"), utc("2026-01-05"), utc("2026-10-05"))
    assert short.label == "Jan 2026 to Sep 2026" and short.basis.startswith("the data up to its last full month")
    one = place(parse_period("last-12-months"), utc("2026-03-02"), utc("2026-03-20"), with_last_month=True)
    assert one.label == "Mar 2026" and one.coverage == "the data runs from 2 Mar 2026 to 20 Mar 2026"
    everything = place(parse_period("all"), first, last)
    assert everything.described == "13 Apr 2013 to 19 Nov 2026 (all the data)"


@pytest.mark.parametrize("taken, end, clause", [
    # an export filtered "created < 1 Nov" and read on 28 Nov: October had ended, it is a full month
    ("2026-11-28 15:16", "2026-11-01", "; Oct 2026 had ended by the latest import, on 28 Nov 2026"),
    ("2026-11-01 00:00", "2026-11-01", "; Oct 2026 had ended by the latest import, on 1 Nov 2026"),  # on the 1st
    # read on the month's last evening: its last hours were still to come
    ("2026-10-31 23:59", "2026-10-01", "; Oct 2026 is left out, still running at the latest import on 31 Oct 2026"),
    (None, "2026-10-01", ""),  # a store that recorded no import: as before
])
def test_the_month_of_the_latest_item_counts_when_it_had_ended_by_the_latest_import(taken, end, clause):
    period = place(parse_period("last-12-months"), utc("2024-03-02"), utc("2026-10-31 15:50"),
                   taken_at=utc(taken) if taken else None)
    assert period.end == utc(end) and period.start == utc(end) - pd.DateOffset(months=12)
    assert period.basis == "the last 12 full months of the data" + clause
    # a month is whole or not in UTC, as the figures count months: 1 Nov 08:00 in Sydney is still October
    sydney = place(parse_period("last-12-months"), utc("2024-03-02"), utc("2026-10-31 15:50"),
                   taken_at=pd.Timestamp("2026-11-01 08:00", tz="Australia/Sydney"))
    assert sydney.end == utc("2026-10-01")


def month_end_export(path, last: str = "2026-10-31 15:50", more: tuple[str, ...] = ()):
    """A Jira export from 15 Oct 2025 to `last`, three tickets a month (as if filtered "created < 1 Nov")."""
    days = [*pd.date_range("2025-10-15 10:00", "2026-10-20 10:00", freq="10D").strftime("%Y-%m-%d %H:%M"), last, *more]
    lines = ["Issue key,Summary,Created"] + [f"OPS-{n},Rotate credentials for svc-{n},{day}"
                                               for n, day in enumerate(days, 1)]
    path.write_text("\n".join(lines) + "\n")
    return path


def imported_on(db, when: str | None, run_id: int | None = None) -> None:
    """Date the store's imports (or one of them) `when`, UTC, as if their exports had been read then; None: as
    a store that recorded no import (its items written directly)."""
    import duckdb

    with duckdb.connect(str(db)) as connection:
        which = "" if run_id is None else f" WHERE run_id = {int(run_id)}"
        if when is None:
            connection.execute(f"DELETE FROM import_runs{which}")
        else:
            connection.execute(f"UPDATE import_runs SET started_at = ?, finished_at = ?{which}",
                               [utc(when).to_pydatetime()] * 2)


WITH_OCTOBER, WITHOUT_OCTOBER = ("2025-11-01", "2026-10-31"), ("2025-10-01", "2026-09-30")


@pytest.mark.parametrize("taken, more, period", [
    ("2026-11-28 15:16", (), WITH_OCTOBER),  # read a month later: October is whole, and counts
    ("2026-11-01 09:00", (), WITH_OCTOBER),  # read on the 1st
    ("2026-10-31 18:00", (), WITHOUT_OCTOBER),  # read before October ended: as before
    ("2026-11-14 12:00", ("2026-11-13 09:00",), WITH_OCTOBER),  # read mid-November: November is left out
    (None, (), WITHOUT_OCTOBER),  # no import recorded: as before
])
def test_the_default_period_ends_with_a_month_that_had_ended_by_the_latest_import(db, tmp_path, taken, more, period):
    export = month_end_export(tmp_path / "jira.csv", more=more)
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    imported_on(db, taken)
    data = run_json("summary", "--format", "json", db=db)
    assert (data["period"]["from"], data["period"]["to"]) == period
    named = run_json("summary", "--format", "json", "--period", f"{period[0][:7]}..{period[1][:7]}", db=db)
    assert data["items"] == named["items"]
    if period == WITH_OCTOBER and not more:  # every item of the export since November 2025 counts, October's too
        assert data["items"] == data["period"]["evidence_items"] - 2  # the two of October 2025 are before it
    # the same store gives the same figures whenever it is read: the import's date decides, not the clock
    assert run_json("summary", "--format", "json", db=db) == data


def test_importing_the_same_export_again_later_does_not_move_the_period(db, tmp_path):
    """An export read on 31 Oct at 18:00 and imported again in December is still the one read on 31 Oct: the
    import that changed nothing does not date the data (importing an export twice changes nothing)."""
    export = month_end_export(tmp_path / "jira.csv")
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    imported_on(db, "2026-10-31 18:00")
    before = run_json("summary", "--format", "json", db=db)
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    imported_on(db, "2026-12-05 10:00", run_id=2)
    assert run_json("summary", "--format", "json", db=db) == before
    assert before["period"]["to"] == "2026-09-30"


@pytest.mark.parametrize("start, end, unit, bars", [
    ("2026-07-01", "2026-10-01", "week", 14),
    ("2025-11-24", "2026-11-01", "month", 12),
    ("2024-01-01", "2026-01-01", "month", 24),
    ("2023-01-01", "2026-11-20", "quarter", 16),
    ("2013-04-13", "2026-11-20", "year", 14),
])
def test_charts_pick_the_unit_that_keeps_them_to_24_bars(start, end, unit, bars):
    assert chart_unit(utc(start), utc(end)) == unit
    assert len(buckets(unit, utc(start), utc(end))) == bars <= MAX_BARS


def test_summary_json_carries_the_period_and_the_range_of_its_hours(audited):
    data = run_json("summary", "--format", "json", db=audited)
    assert data["period"] == {
        "from": "2025-11-01", "to": "2026-10-31", "label": "Nov 2025 to Oct 2026",
        "basis": "the last 12 full months of the data; Nov 2026 is left out, still running at the latest import on "
                 "24 Nov 2026",
        "covered": {"from": "2025-11-24", "to": "2026-10-31", "days": 342, "months": 11.24},
        "data": {"from": "2025-11-24", "to": "2026-11-23"},
        "first_item": data["period"]["first_item"], "last_item": data["period"]["last_item"],
        "evidence_items": 740,
    }
    assert data["period"]["last_item"] <= "2026-10-31" and data["items"] < 740
    quarter = run_json("summary", "--format", "json", "--period", "2026-Q2", db=audited)
    assert quarter["period"]["label"] == "2026-Q2 (Apr to Jun 2026)"
    assert quarter["items"] < data["items"]
    # the range is that of the period's hours: the corpus's rates applied to each source's hours in it
    for figures in (data, quarter):
        expected = corrected_share([(f["hours"]["toil"], f["hours"]["total"], corpus_rates(kind))
                                    for f, kind in ((figures["by_source"]["jira"], "ticket"),
                                                    (figures["by_source"]["pagerduty"], "page"))])
        assert figures["toil_percent_range"]["estimate"] == pytest.approx(expected.estimate, abs=0.15)
    assert quarter["toil_percent_range"] != data["toil_percent_range"]


def test_the_evidence_counts_every_date(steady, tmp_path):
    """A month's report still rests on 40 weeks of tracking: toil_measured holds, the figures are the month's."""
    template = yaml.safe_load(run("interview", "--template").stdout)
    template["org"], template["interviewee"] = "Northbank", "leads"
    for question in template["questions"]:
        question["answer"] = 4 if question["id"] == "capacity.ops-engineers" else (
            40 if question.get("type") == "number" else len(question["choices"]))
    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump(template))
    assert run("interview", "--answers", str(answers), db=steady).exit_code == 0
    out = tmp_path / "r.json"
    assert run("report", "--out", str(out), "--period", "2026-09", db=steady).exit_code == 0
    model = json.loads(out.read_text())
    assert model["period_label"] == "Sep 2026" and model["headline"]["items"] == 8  # 4 weeks x 2 services
    assert model["actions"][0]["conditions"][0] == {**model["actions"][0]["conditions"][0], "state": "holds"}
    assert model["actions"][0]["evidence"].startswith("80 tickets and pages over 273 days are the audit's evidence")
    assert "In Sep 2026, toil is" in model["actions"][0]["evidence"]
    assert "All 80 of the organisation's tickets and pages" in model["evidence_note"]


def test_items_without_a_team_use_the_project_then_say_no_team(db, tmp_path):
    export = tmp_path / "j.csv"
    export.write_text("Issue key,Summary,Created,Team,Project name\n"
                      "A-1,Restart web-01,2026-03-02 10:00,Payments,Ops\n"
                      "A-2,Restart web-02,2026-03-03 10:00,,Ops\n"
                      "A-3,Restart web-03,2026-03-04 10:00,,\n"
                      "A-4,Restart web-04,2026-03-05 10:00,  ,\n")
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    teams = run_json("summary", "--format", "json", "--by", "team", "--period", "all", db=db)["breakdown"]
    assert {name: f["items"] for name, f in teams.items()} == {"(no team)": 2, "Ops": 1, "Payments": 1}


def test_board_tables_fold_the_rest_into_one_row_that_keeps_totals_true(db, tmp_path):
    lines = ["Issue key,Summary,Created,Project name,Assignee"]
    for n in range(60):  # 30 teams, 15 people
        lines.append(f"P-{n},Restart app-{n:02d},2026-0{n % 9 + 1}-0{n % 7 + 1} 10:00,Team {n % 30:02d},person{n % 15}")
    export = tmp_path / "j.csv"
    export.write_text("\n".join(lines) + "\n")
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    assert run("interview", "--answers", str(EXAMPLES / "interview_answers.yaml"), db=db).exit_code == 0
    out = tmp_path / "r.json"
    assert run("report", "--out", str(out), "--period", "all", db=db).exit_code == 0
    model = json.loads(out.read_text())
    teams, total = model["by_team"], model["teams_total"]
    assert len(teams) == 11 and teams[-1]["name"] == "other (20 teams)" and teams[-1]["other"]
    assert sum(r["items"] for r in teams) == total["items"] == model["headline"]["items"] == 60
    assert abs(sum(r["toil_hours"] for r in teams) - total["toil_hours"]) < 0.1 * len(teams)
    people = model["by_person"]
    assert len(people) == 9 and people[-1]["name"] == "other (7 people)" and people[-1]["percent_of_capacity"] is None
    assert sum(r["items"] for r in people) == 60


def test_assessments_of_different_periods_are_told_apart(steady, tmp_path):
    template = yaml.safe_load(run("interview", "--template").stdout)
    template["org"], template["interviewee"] = "Northbank", "leads"
    for question in template["questions"]:
        question["answer"] = 40 if question.get("type") == "number" else len(question["choices"])
    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump(template))
    assert run("interview", "--answers", str(answers), db=steady).exit_code == 0
    assert run("assess", db=steady).exit_code == 0  # kept, with the default period's shares
    template["questions"][0]["answer"] = 1  # something changes, so the report is kept as a new assessment
    answers.write_text(yaml.safe_dump(template))
    assert run("interview", "--answers", str(answers), db=steady).exit_code == 0
    out = tmp_path / "r.json"
    assert run("report", "--out", str(out), "--period", "2026-Q2", db=steady).exit_code == 0
    changes = {c["what"]: (c["before"], c["now"]) for c in json.loads(out.read_text())["changes"]}
    assert changes["Toil, share of recorded time"] == ("100.0% in Jan 2026 to Sep 2026",
                                                       "100.0% in 2026-Q2 (Apr to Jun 2026)")
