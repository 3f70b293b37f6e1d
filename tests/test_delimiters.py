"""Exports saved by Excel in locales that write ";" (a comma is their decimal mark) or as tab-separated
"Unicode Text" import as the comma-separated export does."""

from __future__ import annotations

import csv

import pytest

from toilaudit.importers.csv_reading import detect_delimiter

from helpers import EXAMPLES, run, run_json


def resaved(source, path, delimiter: str, encoding: str = "utf-8"):
    with open(source, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


@pytest.mark.parametrize("delimiter, encoding", [(";", "utf-8"), ("\t", "utf-8"), (";", "utf-8-sig")])
def test_semicolon_and_tab_separated_exports_import_like_the_comma_separated_ones(tmp_path, delimiter, encoding):
    comma, other = tmp_path / "comma.db", tmp_path / "other.db"
    for source, name in (("jira", "jira_export.csv"), ("pagerduty", "pagerduty_incidents.csv")):
        assert run("import", source, "--csv", str(EXAMPLES / name), db=comma).exit_code == 0
        result = run("import", source, "--csv", str(resaved(EXAMPLES / name, tmp_path / name, delimiter, encoding)),
                     db=other)
        assert result.exit_code == 0, result.output
    assert run_json("summary", "--format", "json", "--by", "team", db=other) == \
        run_json("summary", "--format", "json", "--by", "team", db=comma)


@pytest.mark.parametrize("header, expected", [
    ("Issue key,Summary,Created", ","),
    ("Issue key;Summary;Created", ";"),
    ("Issue key\tSummary\tCreated", "\t"),
    ('"Summary; with a semicolon",Issue key,Created', ","),  # a delimiter inside quotes does not count
    ('"Summary, with a comma";Issue key;Created', ";"),
    ("Issue key", ","),  # one column: a comma, as before
])
def test_detect_delimiter(header, expected):
    assert detect_delimiter(header + "\nOPS-1,a;b\tc\n") == expected


def test_detect_delimiter_on_old_mac_line_ends_and_nothing():
    assert detect_delimiter("Issue key;Summary;Created\r\r;;2026-01-21\r\r") == ";"  # found by the fuzz suite
    assert detect_delimiter("") == ","
