"""Jira's CSV export as people really have it."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from toilaudit.errors import InputFileError
from toilaudit.importers.jira_csv import read_jira_csv

from helpers import EXAMPLES, run, run_json, stored, warnings_of

HEADER = ("Summary,Issue key,Issue Type,Created,Resolved,Labels,Labels,Component/s,Component/s,Time Spent,"
          "Σ Time Spent,Project name\n")


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_repeated_columns_dates_and_time_spent(tmp_path):
    export = write(tmp_path / "j.csv", HEADER
                   + "Restart app on web-01,OPS-1,Task,24/Nov/26 3:45 PM,24/Nov/26 4:15 PM,ops,toil,web,,1800,3600,Ops\n"
                   + "Design DR,OPS-2,Epic,01/Jan/26 9:05 AM,,,platform,infra,db,,7200,Ops\n")
    items = read_jira_csv([export], {}).items.set_index("key")
    assert items.loc["OPS-1", "created_at"] == pd.Timestamp("2026-11-24 15:45", tz="UTC")
    assert items.loc["OPS-1", "labels"] == "ops"  # the human "toil" label is taken out ...
    assert items.loc["OPS-1", "human_label"] == "toil"  # ... and kept for evaluate
    assert items.loc["OPS-2", "labels"] == "platform"  # second Labels column read
    assert items.loc["OPS-2", "service"] == "infra"
    assert items.loc["OPS-1", "time_spent_seconds"] == 1800  # Time Spent preferred over Σ Time Spent
    assert pd.isna(items.loc["OPS-2", "time_spent_seconds"])  # the Time Spent column, not Σ (sub-tasks)
    assert pd.isna(items.loc["OPS-2", "resolved_at"])
    assert items.loc["OPS-1", "team"] == "Ops"  # project name when no team column


def test_rows_with_every_repeated_column_blank_keep_their_place(tmp_path):
    # pyarrow 26's join with null_handling="skip" dropped such rows and shifted later values up
    rows = ["Restart app,OPS-1,Task,24/Nov/26 3:45 PM,,,,,,,,Ops",
            "Rotate keys,OPS-2,Task,24/Nov/26 3:45 PM,,, ,,,,,Ops",
            "Patch hosts,OPS-3,Task,24/Nov/26 3:45 PM,,linux, ops ,db,,,,Ops",
            "Renew cert,OPS-4,Task,24/Nov/26 3:45 PM,,,pki,,web,,,Ops",
            "Reset password,OPS-5,Task,24/Nov/26 3:45 PM,,,,,,,,Ops"]
    export = write(tmp_path / "j.csv", HEADER + "\n".join(rows) + "\n")
    items = read_jira_csv([export], {}).items
    assert items["key"].tolist() == ["OPS-1", "OPS-2", "OPS-3", "OPS-4", "OPS-5"]
    assert items["labels"].tolist() == ["", "", "linux|ops", "pki", ""]
    assert items["service"].tolist() == ["", "", "db", "web", ""]


@pytest.mark.parametrize("encoding, prefix", [("utf-8", ""), ("utf-8", "\ufeff"), ("cp1252", "")])
def test_encodings(tmp_path, encoding, prefix):
    text = prefix + "Issue key,Summary,Created\nOPS-1,Zurücksetzen – Passwort für Jörg,2026-03-01 10:00\n"
    items = read_jira_csv([write(tmp_path / "j.csv", text, encoding)], {}).items
    assert items.loc[0, "title"] == "Zurücksetzen – Passwort für Jörg"
    assert items.loc[0, "key"] == "OPS-1"


def test_timezone_for_naive_dates(tmp_path):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\nOPS-1,x,2026-07-01 10:00\n")
    items = read_jira_csv([export], {}, timezone="Europe/London").items
    assert items.loc[0, "created_at"] == pd.Timestamp("2026-07-01 09:00", tz="UTC")


def test_date_format_option(tmp_path):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\nOPS-1,x,01.07.2026 10:00\n")
    items = read_jira_csv([export], {}, date_format="%d.%m.%Y %H:%M").items
    assert items.loc[0, "created_at"] == pd.Timestamp("2026-07-01 10:00", tz="UTC")


def test_pretty_durations(tmp_path):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created,Time Spent\nOPS-1,x,2026-01-01,1h 30m\nOPS-2,y,2026-01-01,1d\n")
    items = read_jira_csv([export], {}).items.set_index("key")
    assert items.loc["OPS-1", "time_spent_seconds"] == 5400
    assert items.loc["OPS-2", "time_spent_seconds"] == 8 * 3600


def test_team_flag_and_columns_map(tmp_path):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created,Custom field (Squad)\nOPS-1,x,2026-01-01,Falcons\n")
    columns = write(tmp_path / "columns.yaml", "'Custom field (Squad)': team\n")
    from toilaudit.importers.columns import load_columns_map

    assert read_jira_csv([export], load_columns_map(columns)).items.loc[0, "team"] == "Falcons"
    assert read_jira_csv([export], {}, team="Payments").items.loc[0, "team"] == "Payments"


def test_duplicate_keys_last_row_wins_with_warning(tmp_path, db):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\nOPS-1,old title,2026-01-01\nOPS-1,new title,2026-01-02\n")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 0
    assert "1 key(s) on more than one row (OPS-1) - kept the later row where one has no Updated for 1" in result.stderr
    assert run_json("summary", "--format", "json", db=db)["items"] == 1
    assert "new title" in run("explain", "OPS-1", db=db).stdout


def test_several_files_in_one_import(tmp_path, db):
    first = write(tmp_path / "a.csv", "Issue key,Summary,Created\nOPS-1,a,2026-01-01\n")
    second = write(tmp_path / "b.csv", "Issue key,Summary,Created\nOPS-2,b,2026-01-01\n")
    result = run("import", "jira", "--csv", str(first), str(second), db=db)
    assert result.exit_code == 0, result.output
    assert "2 jira items from a.csv, b.csv" in result.stdout


def test_bundled_example_is_a_real_export():
    batch = read_jira_csv([EXAMPLES / "jira_export.csv"], {})
    assert len(batch.items) == 420
    assert batch.items["team"].nunique() >= 4
    span = batch.items["created_at"].max() - batch.items["created_at"].min()
    assert span.days > 300
    assert batch.items["time_spent_seconds"].notna().mean() > 0.4
    assert (batch.items["human_label"] != "").sum() > 20


def test_missing_required_column_names_found_and_needed(tmp_path):
    export = write(tmp_path / "j.csv", "Key,Title\nOPS-1,x\n")
    with pytest.raises(InputFileError, match=r"no column for created_at \(\"created\"\) \(found 'Key', 'Title'\)"):
        read_jira_csv([export], {})


def test_values_are_trimmed_in_every_block_that_needs_it_and_only_there():
    """Blocks with no value that may start or end with white space are kept as read (no copy);
    the others are trimmed: the result is Arrow's trim of every value, whatever the block."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from toilaudit.importers.csv_reading import _trimmed

    clean = pa.array(["a", "", "b c", "a é b", "x"] * 50)
    padded = pa.array(["a ", " b", "\tc\n", "d\u00a0", "\u3000e", "f\x1f", "plain", "", "  "] * 50)
    column = pa.chunked_array([clean, padded, clean.slice(3), padded.slice(2, 20)])
    trimmed = pa.chunked_array([_trimmed(chunk) for chunk in column.chunks])
    assert trimmed.to_pylist() == pc.utf8_trim_whitespace(column).to_pylist()
    assert trimmed.chunk(0).buffers()[2].address == clean.buffers()[2].address  # kept, not copied
    assert trimmed.to_pylist()[250:259] == ["a", "b", "c", "d", "e", "f\x1f".strip(), "plain", "", ""]


@pytest.mark.parametrize("block_bytes", [1 << 24, 4096])  # one block; many: a field is made block by block
@pytest.mark.parametrize("with_nul", [False, True])
def test_long_descriptions_are_trimmed_then_cut_to_2000_characters_as_read(tmp_path, monkeypatch, block_bytes, with_nul):
    """read_export cuts a description as it reads it (no million long descriptions held whole):
    the same text as trimming, joining repeated headers, taking NUL out and cutting afterwards,
    in whichever block a row falls, with leading white space, multi-byte characters and a
    value that ends in white space at the cut."""
    import csv
    import random

    from toilaudit.importers import csv_reading

    monkeypatch.setattr(csv_reading, "READ_BLOCK_BYTES", block_bytes)
    rng = random.Random(7)
    white = " \t\n"
    rows, expected = [], []
    for number in range(1, 301):
        body = "".join(rng.choice("ab é日 \n") for _ in range(rng.randint(0, 2600)))
        if with_nul and number > 150:  # beyond the sniffed head, which refuses NUL as a binary file
            body = body[:1990] + "\x00" * rng.randint(0, 30) + body[1990:]
        description = rng.choice(["", "  ", "\n  ", " " * 60]) + body + rng.choice(["", " ", "\n\t"])
        if number == 3:
            description = "x" * 1999 + "  y"  # white space at the cut stays: the cut comes after the trim
        labels = (rng.choice(["", "db", "Net"]), rng.choice(["", "ops"]))
        rows.append([f"T {number}", f"OPS-{number}", "Task", "24/Nov/26 3:45 PM", "", *labels, "", "", "", "", "Ops",
                     description])
        text = description.strip(white)
        if with_nul:
            text = text.replace("\x00", "").strip(white)
        expected.append((text[:2000], "|".join(label for label in labels if label).lower()))
    path = tmp_path / "long.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER.rstrip("\n") + ",Description\n")
        csv.writer(handle).writerows(rows)

    items = read_jira_csv([path], {}).items
    assert list(zip(items["description"], items["labels"])) == expected
    assert items["description"].str.len().max() == 2000
    assert items.loc[2, "description"].endswith("x ")


def test_dates_that_read_both_day_and_month_first_are_warned_about(tmp_path):
    """Every day 12 or less: the format is a guess (day first), said with the fix; one day over 12 settles
    it; a --date-format given settles it too."""
    ambiguous = write(tmp_path / "a.csv", "Issue key,Summary,Created\nOPS-1,x,11/03/2026 09:12\nOPS-2,y,10/05/2026 09:12\n")
    batch = read_jira_csv([ambiguous], {})
    assert batch.items.loc[0, "created_at"] == pd.Timestamp("2026-03-11 09:12", tz="UTC")
    assert [w for w in batch.warnings if "day first as month first" in w] == [
        "a.csv: every Created date reads as well day first as month first (e.g. '11/03/2026 09:12'), so it was read "
        "as %d/%m/%Y %H:%M (11 Mar 2026) - if it is %m/%d/%Y %H:%M, import again with --date-format '%m/%d/%Y %H:%M'"]
    settled = write(tmp_path / "s.csv", "Issue key,Summary,Created\nOPS-1,x,11/27/2026 09:12\nOPS-2,y,10/05/2026 09:12\n")
    batch = read_jira_csv([settled], {})
    assert batch.items.loc[0, "created_at"] == pd.Timestamp("2026-11-27 09:12", tz="UTC") and not batch.warnings
    told = read_jira_csv([ambiguous], {}, date_format="%m/%d/%Y %H:%M")
    assert told.items.loc[0, "created_at"] == pd.Timestamp("2026-11-03 09:12", tz="UTC") and not told.warnings


def test_reading_the_same_export_in_another_time_zone_is_warned_about_by_name(tmp_path):
    export = tmp_path / "tz.csv"
    export.write_text("Issue key,Summary,Created\nTZ-1,Reset password for jdoe,2026-03-02 10:00\n"
                      "TZ-2,Reset password for asmith,2026-03-03 10:00\n")
    db = tmp_path / "tz.db"
    assert run("import", "jira", "--csv", str(export), "--timezone", "Europe/Amsterdam", db=db).exit_code == 0
    again = run("import", "jira", "--csv", str(export), db=db)
    assert again.exit_code == 0 and "(0 new, 2 updated)" in again.stdout
    assert ("warning: the last jira import read dates written without an offset in Europe/Amsterdam, this one in "
            "UTC: if the 2 updated items' dates should not have moved, import again with --timezone "
            "Europe/Amsterdam") in again.stderr
    same = run("import", "jira", "--csv", str(export), db=db)  # the same zone as the last: nothing to say
    assert same.exit_code == 0 and "warning" not in same.stderr


# ------------------------------------------------------------------ a quote left open
QUOTE_HEADER = "Issue key,Summary,Created,Description,Environment,Status\n"


def quote_rows(descriptions: dict[int, str], environments: dict[int, str] | None = None, rows: int = 10,
               newline: str = "\n", delimiter: str = ",") -> str:
    lines = [QUOTE_HEADER.strip().replace(",", delimiter)]
    for n in range(1, rows + 1):
        cells = [f"OPS-{n}", f"Restart api-{n}", f"2026-01-{n:02d}T10:00:00Z", descriptions.get(n, f"Restart pod {n}"),
                 (environments or {}).get(n, "prod"), "Done"]
        lines.append(delimiter.join(cells))
    return newline.join(lines) + newline


@pytest.mark.parametrize("text, message", [
    # never closed: the rows after it vanish into the value, to the end of the file (10 rows became 5)
    (quote_rows({5: '"Customer says: restart the box'}),
     "q.csv row 6 (line 6): the quote opening its 'Description' value is not closed, so the next 5 line(s) (to the "
     "end of the file), rows and all, were read into it"),
    # closed by the quote that opens a later row's value: that row's columns fill this one's (10 rows became 6)
    (quote_rows({3: '"broken quote', 7: '"broken quote'}),
     "q.csv row 4 (line 4): the quote opening its 'Description' value is not closed, so the next 4 line(s), rows and "
     "all, were read into it"),
    # in a column the importer does not even read
    (quote_rows({}, {2: '"staging', 9: '"eu, us"'}),
     "q.csv row 3 (line 3): the quote opening its 'Environment' value is not closed, so the next 7 line(s), rows and "
     "all, were read into it"),
    # Windows line ends, Excel's semicolons
    (quote_rows({2: '"open', 4: '"x"'}, newline="\r\n"), "q.csv row 3 (line 3): the quote opening its 'Description'"),
    (quote_rows({2: '"open', 4: '"x"'}, delimiter=";"), "q.csv row 3 (line 3): the quote opening its 'Description'"),
    # a download cut short in the last row's Description
    (quote_rows({}, rows=9) + 'OPS-10,Restart api-10,2026-01-10T10:00:00Z,"Customer says',
     "q.csv row 11 (line 11): the quote opening its 'Description' value is not closed (is the file cut short?)"),
])
def test_a_quote_left_open_is_refused_naming_its_row_and_column(tmp_path, db, text, message):
    export = write(tmp_path / "q.csv", text)
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 300, result.stderr
    assert lines[0].startswith(f"error: {message}"), lines[0]
    assert lines[0].endswith('- close the quote (write "" for a quote inside a quoted value) or re-export')
    assert not db.exists() or run("summary", db=db).exit_code == 2  # nothing stored


def test_quotes_read_as_a_spreadsheet_would_are_not_mistaken_for_one_left_open(tmp_path):
    """An inch mark in an unquoted value, a stray character after a closing quote within the line, a
    quote doubled inside a quoted value, a value over several lines: every row is read."""
    export = write(tmp_path / "ok.csv", quote_rows({
        2: 'Broken 5" screen', 3: '"Steps: ""drain"", then restart"', 4: '"x" y', 5: '"first line\nsecond, line"',
        6: '""'}))
    items = read_jira_csv([export], {}).items
    assert len(items) == 10
    assert items.loc[1, "description"] == 'Broken 5" screen'
    assert items.loc[2, "description"] == 'Steps: "drain", then restart'
    assert items.loc[4, "description"] == "first line\nsecond, line"


@pytest.mark.parametrize("block_bytes", [1, 2, 3, 7, 64, 1 << 20])
def test_the_quote_scan_is_the_same_whatever_the_blocks(tmp_path, monkeypatch, block_bytes):
    """scan_file reads a block at a time: a closing quote at a block's end is judged by the next
    block's first byte, and the count of quotes carries over."""
    from toilaudit.importers import csv_reading

    monkeypatch.setattr(csv_reading, "SCAN_BLOCK_BYTES", block_bytes)
    cases = {quote_rows({3: '"a ""quoted"" word"', 5: '"x,\ny"'}): False,
             quote_rows({3: '"open', 7: '"closes it"'}): True,
             quote_rows({3: '"open'}): True,
             '"a"",b"\n"c"\n': False, '"a"x\n': True, '""\n"\n': True}
    for number, (text, suspect) in enumerate(cases.items()):
        path = write(tmp_path / f"s{number}.csv", text)
        assert csv_reading.scan_file(path).quotes_suspect is suspect, text


def test_a_row_of_other_width_is_named_by_row_and_line(tmp_path):
    export = write(tmp_path / "w.csv", quote_rows({2: '"two\nlines"'}).replace("OPS-4,", "OPS-4,extra,"))
    with pytest.raises(InputFileError, match=r"^w\.csv row 5 \(line 6\): rows do not match the header \(this one has 7 "
                                             r"columns, the header 6; it starts 'OPS-4,extra,"):
        read_jira_csv([export], {})


# ------------------------------------------------------------------ --since
def test_since_with_an_export_is_refused_not_ignored(audited):
    """--since narrows a live import (updated >= DATE); an export was chosen when it was made, so
    --since beside --csv would be ignored without a word: it is refused, naming --period."""
    before = run_json("summary", "--format", "json", db=audited)
    for args in (["--csv", str(EXAMPLES / "jira_export.csv")], []):
        result = run("import", "jira", *args, "--since", "2026-01-01", db=audited)
        assert result.exit_code == 2
        assert result.stderr == ("error: toilaudit import jira: --since is for a live import, with --url and --jql: an "
                                 "export (--csv) is imported whole - pick the period with --period in summary and "
                                 "report\n")
    assert run_json("summary", "--format", "json", db=audited) == before


# ------------------------------------------------------------------ who carries the toil; teams
def person_items(db) -> dict[str, int]:
    from toilaudit.store import open_store
    from toilaudit.summary import breakdown

    store = open_store(str(db))
    try:
        return {name: f.items for name, f in breakdown(store, "person").items()}
    finally:
        store.close()


def test_the_assignee_carries_the_toil_and_an_unassigned_item_is_not_its_reporters(tmp_path, db):
    """The reporter of an unassigned ticket is its requester or a bot: crediting them with its toil
    put "Automation for Jira" among the people who carry the toil."""
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created,Assignee,Reporter\n"
                                       "OPS-1,Restart web-01,2026-03-02 10:00,Ana Lima,Automation for Jira\n"
                                       "OPS-2,Restart web-02,2026-03-03 10:00,,Automation for Jira\n"
                                       "OPS-3,Grant access to bob,2026-03-04 10:00,,Jira Service Management Widget\n"
                                       "OPS-4,Grant access to eve,2026-03-05 10:00,,Ana Lima\n")
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    assert stored(db, "people")["people"].to_dict() == {"OPS-1": "Ana Lima", "OPS-2": "", "OPS-3": "", "OPS-4": ""}
    assert person_items(db) == {"Ana Lima": 1, "(unassigned)": 3}


def test_a_team_column_of_ids_is_warned_about_by_name_and_its_teams_shown_as_ids(tmp_path, db):
    """Jira Server / Data Center exports the Team field as a number: "3" is no team a board knows."""
    export = write(tmp_path / "dc.csv", "Issue key,Summary,Created,Custom field (Team),Project name\n"
                                        "OPS-1,Restart web-01,2026-03-02 10:00,12,Infra\n"
                                        "OPS-2,Restart web-02,2026-03-03 10:00,3,Infra\n"
                                        "OPS-3,Restart web-03,2026-03-04 10:00,,Infra\n"
                                        "OPS-4,Restart web-04,2026-03-05 10:00,7,Infra\n")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 0, result.output
    assert warnings_of(result) == [
        "warning: dc.csv: the team column 'Custom field (Team)' holds ids, not names (3, 7, 12), so teams show as "
        "\"team id 3\" - map a column of team names with --columns FILE, or tag each export's items with --team NAME"]
    teams = run_json("summary", "--format", "json", "--by", "team", "--period", "all", db=db)["breakdown"]
    assert sorted(teams) == ["Infra", "team id 12", "team id 3", "team id 7"]  # a blank team is its project's
    # --team names them: no warning, no ids
    result = run("import", "jira", "--csv", str(export), "--team", "Payments SRE", db=db)
    assert result.exit_code == 0 and warnings_of(result) == []
    assert sorted(run_json("summary", "--format", "json", "--by", "team", "--period", "all", db=db)["breakdown"]) \
        == ["Payments SRE"]


@pytest.mark.parametrize("values", [("Payments", "3"), ("Payments", "SRE")])
def test_a_team_column_of_names_is_kept_as_it_is(tmp_path, values):
    rows = "".join(f"OPS-{n},x,2026-03-02 10:00,{team}\n" for n, team in enumerate(values, 1))
    batch = read_jira_csv([write(tmp_path / "j.csv", "Issue key,Summary,Created,Team\n" + rows)], {})
    assert batch.items["team"].tolist() == list(values) and not batch.warnings


def test_an_atlassian_team_uuid_is_an_id_too(tmp_path):
    uuid = "36885b3c-1bf0-4f85-a357-c5b858c31de4"
    batch = read_jira_csv([write(tmp_path / "j.csv", f"Issue key,Summary,Created,Team\nOPS-1,x,2026-03-02,{uuid}\n")],
                          {})
    assert batch.items["team"].tolist() == [f"team id {uuid}"]
    assert len(batch.warnings) == 1 and "'Team' holds ids, not names" in batch.warnings[0]


def test_the_team_can_be_the_label_starting_with_a_prefix_and_labels_stay_labels(tmp_path, db):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created,Labels,Labels,Labels,Project name\n"
                                       "OPS-1,Restart web-01,2026-03-02 10:00,ops,team-payments,,Infra\n"
                                       "OPS-2,Restart web-02,2026-03-03 10:00,Team-Core,toil,,Infra\n"
                                       "OPS-3,Restart web-03,2026-03-04 10:00,ops,,,Infra\n"
                                       "OPS-4,Restart web-04,2026-03-05 10:00,team-core,ops,team-payments,Infra\n")
    columns = write(tmp_path / "columns.yaml", "Labels: {field: team, prefix: team-}\n")
    result = run("import", "jira", "--csv", str(export), "--columns", str(columns), db=db)
    assert result.exit_code == 0, result.output
    assert warnings_of(result) == [
        "warning: j.csv: 1 row(s) with no team in 'Labels' by the --columns rule (rows 4) - give them one there, or tag "
        "the export with --team NAME",
        "warning: j.csv: 1 row(s) with more than one team in 'Labels' (rows 5; row 5: core, payments) - the first of "
        "each was taken; keep one team per item in the source, or tag the export with --team NAME"]
    items = stored(db, "team", "labels", "human_label")
    assert items["team"].to_dict() == {"OPS-1": "payments", "OPS-2": "Core", "OPS-3": "Infra", "OPS-4": "core"}
    assert items.loc["OPS-1", "labels"] == "ops|team-payments"  # Labels still feed labels ...
    assert items.loc["OPS-2", "human_label"] == "toil"  # ... and people's toil labels


def test_the_team_can_be_the_label_that_is_one_of_a_list(tmp_path):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created,Labels,Labels\n"
                                       "OPS-1,x,2026-03-02,infra,SRE\nOPS-2,y,2026-03-02,netops,oncall\n")
    columns = write(tmp_path / "columns.yaml", "Labels: {field: team, values: [netops, sre]}\n")
    from toilaudit.importers.columns import load_columns_map

    batch = read_jira_csv([export], load_columns_map(columns))
    assert batch.items["team"].tolist() == ["sre", "netops"] and not batch.warnings


def test_a_repeated_column_mapped_to_team_is_refused_naming_the_rule_that_picks_one(tmp_path):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created,Labels,Labels\nOPS-1,x,2026-03-02,a,team-b\n")
    columns = write(tmp_path / "columns.yaml", "'Labels': team\n")
    from toilaudit.importers.columns import load_columns_map

    with pytest.raises(InputFileError) as refused:
        read_jira_csv([export], load_columns_map(columns))
    assert str(refused.value) == (
        "j.csv: --columns maps 'Labels' to team, but the export has 2 columns of that header and team takes one - map "
        "a header that appears once (only labels, service, people take several), or pick the team among its values: "
        "'Labels': {field: team, prefix: team-}")


@pytest.mark.parametrize("rule, message", [
    ("{field: service, prefix: svc-}", "'Labels' picks 'service' among its values, which only team can - map it as "
                                       "`header: field`, or write {field: team, prefix: team-} or {field: team, "
                                       "values: [netops, sre]}"),
    ("{field: team}", "'Labels' needs a prefix or a list of values (one of the two) to pick its team by - write"),
    ("{field: team, prefix: a-, values: [b]}", "'Labels' needs a prefix or a list of values (one of the two)"),
    ("{field: team, prefix: ''}", "'Labels' needs a prefix or a list of values (one of the two)"),
    ("{field: team, starts: a-}", "'Labels' has unknown key 'starts' - use field, prefix, values: write"),
])
def test_a_bad_rule_for_picking_the_team_is_refused_by_name(tmp_path, rule, message):
    from toilaudit.importers.columns import load_columns_map

    with pytest.raises(InputFileError, match=r"^columns\.yaml: " + re.escape(message)):
        load_columns_map(write(tmp_path / "columns.yaml", f"Labels: {rule}\n"))


JIRA_OPS = ("Issue key,Summary,Created\n" + "".join(f"OPS-{n},Restart app,0{n}/Nov/25 6:10 PM\n" for n in range(1, 6))
            + "OPS-6,Restart db,05.03.2026 14:22\n")


def test_a_date_unlike_the_other_rows_is_a_row_to_correct_not_a_format_to_pass(tmp_path, db):
    """--date-format reads a whole column in one format: naming the odd row's format sent people to one
    that refused every other row."""
    export = write(tmp_path / "j.csv", JIRA_OPS)
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: j.csv row 7: Created '05.03.2026 14:22' is not a date in the other Created dates' format "
        "(%d/%b/%y %I:%M %p, e.g. '01/Nov/25 6:10 PM'; it reads as %d.%m.%Y %H:%M) - correct that row to that "
        "format: --date-format reads a column in one format")
    corrected = write(tmp_path / "fixed.csv", JIRA_OPS.replace("05.03.2026 14:22", "05/Mar/26 2:22 PM"))
    assert run("import", "jira", "--csv", str(corrected), db=db).exit_code == 0


def test_several_rows_unlike_the_others_are_counted(tmp_path):
    export = write(tmp_path / "j.csv", JIRA_OPS + "OPS-7,x,yesterday\nOPS-8,y,2026-01-02T10:00:00Z\n")
    with pytest.raises(InputFileError, match=r"^j\.csv row 7: .* - correct those 2 rows \(7, 8\) to that format"):
        read_jira_csv([export], {})


def test_where_no_format_reads_the_dates_the_fix_is_still_date_format(tmp_path):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\nOPS-1,x,05.03.2026 2:22 nachm.\nOPS-2,y,soon\n")
    with pytest.raises(InputFileError, match=r"^j\.csv row 2: Created '05\.03\.2026 2:22 nachm\.' is not a date "
                                             r"\(read as %d/%b/%y %I:%M %p\) - export ISO dates or pass --date-format"):
        read_jira_csv([export], {})


def test_one_format_reading_every_date_is_offered_as_date_format(tmp_path, db):
    """The vote reads a sample: where every date in it reads as well day first as month first, a later
    date can settle it the other way, and then --date-format is the fix."""
    rows = "".join(f"OPS-{n},x,{n % 12 + 1:02d}/{n % 11 + 1:02d}/2026 10:00\n" for n in range(2100))
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created\n" + rows + "OPS-9999,y,02/13/2026 10:00\n")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: j.csv row 2102: Created '02/13/2026 10:00' is not a date (read as %d/%m/%Y %H:%M) - every Created "
        "date reads as %m/%d/%Y %H:%M: import again with --date-format '%m/%d/%Y %H:%M'")
    assert run("import", "jira", "--csv", str(export), "--date-format", "%m/%d/%Y %H:%M", db=db).exit_code == 0


# ------------------------------------------------------------------ one import, several versions of an item
NOV = ("Issue key,Summary,Created,Updated,Status\n"
       "OPS-1,Restart api,01/Oct/26 9:00 AM,20/Nov/26 9:00 AM,Done\n"
       "OPS-2,Rotate keys,01/Oct/26 9:00 AM,05/Oct/26 9:00 AM,Done\n")
OCT = ("Issue key,Summary,Created,Updated,Status\n"
       "OPS-1,Restart api,01/Oct/26 9:00 AM,02/Oct/26 9:00 AM,To Do\n"
       "OPS-2,Rotate keys,01/Oct/26 9:00 AM,05/Oct/26 9:00 AM,In Progress\n")


def test_an_older_export_given_last_in_one_import_keeps_the_newer_rows(tmp_path, db):
    nov, oct_ = write(tmp_path / "nov.csv", NOV), write(tmp_path / "oct.csv", OCT)
    result = run("import", "jira", "--csv", str(nov), str(oct_), db=db)
    assert result.exit_code == 0, result.output
    statuses = stored(db, "status")["status"].to_dict()
    assert statuses == {"OPS-1": "Done", "OPS-2": "In Progress"}  # newer Updated wins; equal: the later row
    warning = next(w for w in warnings_of(result) if "more than one row" in w)
    assert "kept the row with the newest Updated for 2 (for 1 not the last row: OPS-1)" in warning
    assert "last row of each" not in result.stderr


def test_rows_of_one_key_in_one_file_keep_the_newest_updated(tmp_path):
    export = write(tmp_path / "j.csv", NOV + OCT.split("\n", 1)[1])
    items = read_jira_csv([export], {}).items.set_index("key")
    assert items.loc["OPS-1", "status"] == "Done"
    assert items.loc["OPS-2", "status"] == "In Progress"


def test_a_row_without_updated_is_kept_by_order(tmp_path):
    # as separate imports would: an undated row replaces; of the dated rows after it, the newest
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created,Updated,Status\n"
                                       "OPS-1,a,01/Oct/26 9:00 AM,20/Nov/26 9:00 AM,one\n"
                                       "OPS-1,a,01/Oct/26 9:00 AM,,two\n"
                                       "OPS-2,b,01/Oct/26 9:00 AM,,one\n"
                                       "OPS-2,b,01/Oct/26 9:00 AM,20/Nov/26 9:00 AM,two\n"
                                       "OPS-2,b,01/Oct/26 9:00 AM,02/Oct/26 9:00 AM,three\n"
                                       "OPS-3,c,01/Oct/26 9:00 AM,03/Oct/26 9:00 AM,one\n")
    batch = read_jira_csv([export], {})
    items = batch.items.set_index("key")
    assert items["status"].to_dict() == {"OPS-1": "two", "OPS-2": "two", "OPS-3": "one"}
    assert list(batch.items["key"]) == ["OPS-1", "OPS-2", "OPS-3"]
    assert any("kept the later row where one has no Updated for 2 (OPS-1, OPS-2)" in w for w in batch.warnings)


def test_a_blank_row_is_skipped_with_one_warning(tmp_path, db):
    export = write(tmp_path / "j.csv", "Issue key;Summary;Created;Updated;Component/s\r\n"
                                       "OPS-1;a;01/Oct/26 9:00 AM;;web\r\n"
                                       "OPS-2;;;;\r\n"  # not blank: has a key
                                       ";;;;\r\n", encoding="cp1252")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 0, result.output
    assert "Imported 2 jira items" in result.stdout
    lines = [w for w in warnings_of(result) if "row 4" in w or "rows 4" in w]
    assert lines == ["warning: j.csv: skipped 1 blank row(s) (rows 4): nothing in any column read"], warnings_of(result)


def test_a_keyless_row_is_named_only_as_skipped(tmp_path):
    export = write(tmp_path / "j.csv", "Issue key,Summary,Created,Labels\nOPS-1,a,01/Oct/26 9:00 AM,\n,,,ops\n")
    warnings = read_jira_csv([export], {}).warnings
    assert [w for w in warnings if "row" in w] == [
        "j.csv: 1 row(s) with a blank Issue key were skipped (rows 3) - give every row a key to import it"]


def test_several_components_warn_that_the_first_is_the_service(tmp_path, db):
    export = write(tmp_path / "j.csv", HEADER
                   + "Restart app,OPS-1,Task,24/Nov/26 3:45 PM,,,,web,shared-infra,,,Ops\n"
                   + "Design DR,OPS-2,Epic,01/Jan/26 9:05 AM,,,,infra,,,,Ops\n")
    result = run("import", "jira", "--csv", str(export), db=db)
    assert result.exit_code == 0, result.output
    assert stored(db, "service")["service"].to_dict() == {"OPS-1": "web", "OPS-2": "infra"}
    warning = next(w for w in warnings_of(result) if "Component/s" in w)
    assert "1 row(s) with more than one 'Component/s' (rows 2; row 2: 'web, shared-infra')" in warning
    assert "the first of each is the item's service" in warning and "--columns" in warning
