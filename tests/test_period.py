"""--period (#16): the figures count one period, the evidence every date; charts and tables stay readable."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from toilaudit.classify.accuracy import corpus_rates, corrected_share
from toilaudit.period import FORMS, PeriodError, parse_period, place
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
    ("2026-02-30", f"--period: '2026-02-30' is not a period - use one of {FORMS}"),
    ("last-0-months", f"--period: 'last-0-months' is not a period - use one of {FORMS}"),
    ("Q3", f"--period: 'Q3' is not a period - use one of {FORMS}"),
    ("2026-11..2025-12", "--period: '2026-11..2025-12' ends before it starts - write the earlier end first, "
                         "e.g. 2025-12..2026-11"),
])
def test_a_bad_period_is_one_line_naming_the_forms(text, message):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert str(caught.value) == message


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
        "basis": "the last 12 full months of the data",
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
