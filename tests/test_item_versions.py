"""An import never rolls an item back to an older version, and never lets another tracker's item
take a stored item's place: the store keeps when each item last changed (its Updated), keeps the
newer version when an older export comes after a newer one, and refuses, whole, an import whose
items have stored items' keys but another Created (a second Jira with the same project keys).
CSV and live imports, on DuckDB and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from toilaudit.audit import import_batch
from toilaudit.errors import KeyClashError
from toilaudit.importers.jira_csv import read_jira_csv
from toilaudit.store import open_store
from toilaudit.store.schema import SCHEMA_VERSION

from fake_jira import FakeJira, make_issues
from helpers import run, staged_keys, stored, warnings_of

HEADER = "Issue key,Summary,Issue Type,Status,Created,Updated,Resolved\n"
NEWER = (HEADER
         + "OPS-22,AlmaLinux Nigeria Mirror,Task,Done,03/Oct/26 9:00 AM,20/Oct/26 5:00 PM,20/Oct/26 5:00 PM\n"
         + "OPS-31,Restart api on web-01,Task,Done,04/Oct/26 9:00 AM,05/Oct/26 9:00 AM,05/Oct/26 9:00 AM\n")
# exported ten days before NEWER: OPS-22 still waiting; OPS-31 as NEWER has it; OPS-40 not in NEWER
OLDER = (HEADER
         + "OPS-22,AlmaLinux Nigeria Mirror,Task,Waiting for support,03/Oct/26 9:00 AM,10/Oct/26 5:00 PM,\n"
         + "OPS-31,Restart api on web-01,Task,Done,04/Oct/26 9:00 AM,05/Oct/26 9:00 AM,05/Oct/26 9:00 AM\n"
         + "OPS-40,Rotate the TLS certificate of api,Task,Done,08/Oct/26 9:00 AM,09/Oct/26 9:00 AM,09/Oct/26 9:00 AM\n")
# another Jira whose project OPS has its own OPS-22 (created in 2025), and a key the store lacks
OTHER_JIRA = (HEADER
              + "OPS-22,Grant VPN access to the new contractor,Task,Done,12/Mar/25 10:00 AM,13/Mar/25 9:00 AM,"
                "13/Mar/25 9:00 AM\n"
              + "OPS-77,Renew the wildcard certificate,Task,Done,14/Mar/25 10:00 AM,15/Mar/25 9:00 AM,15/Mar/25 9:00 AM\n")
CLASH = ("error: other.csv: OPS-22 has a stored item's key but another Created date: a second Jira with the same "
         "project keys? - nothing was imported; import it into another store (--db other.db) (the same Jira? check "
         "--timezone and --date-format)\n")


def _export(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def _location(request, tmp_path: Path, engine: str) -> str:
    return request.getfixturevalue("pg_url") if engine == "postgresql" else str(tmp_path / "store.db")


def snapshot(location: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of the store, every row, in one order: to show an import changed nothing."""
    store = open_store(str(location))
    try:
        tables = store._frame("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                              "ORDER BY 1")["table_name"].tolist()
        return {name: _sorted(store._frame(f"SELECT * FROM {name}")) for name in tables}
    finally:
        store.close()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    order = sorted(range(len(frame)), key=lambda row: repr(tuple(frame.iloc[row])))
    return frame.iloc[order].reset_index(drop=True)


def assert_same(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    assert list(before) == list(after)
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


# ------------------------------------------------------------------ an older export after a newer one
def test_an_older_export_after_a_newer_one_keeps_the_newer_items_and_says_which(db, tmp_path):
    assert run("import", "jira", "--csv", str(_export(tmp_path, "newer.csv", NEWER)), db=db).exit_code == 0
    result = run("import", "jira", "--csv", str(_export(tmp_path, "older.csv", OLDER)), db=db)
    assert result.exit_code == 0, result.output
    assert warnings_of(result) == ["warning: older.csv: kept 1 item(s) the store holds in a newer version (OPS-22): "
                                   "this export is older than one imported before - the newer versions stay"]
    assert "Imported 3 jira items from older.csv (1 new, 0 updated, 1 unchanged, 1 older than stored)." in result.stdout
    items = stored(db, "status", "resolved_at", "updated_at")
    assert items.loc["OPS-22", "status"] == "Done"  # not rolled back to "Waiting for support"
    assert items.loc["OPS-22", "resolved_at"] == pd.Timestamp("2026-10-20 17:00", tz="UTC")
    assert items.loc["OPS-22", "updated_at"] == pd.Timestamp("2026-10-20 17:00", tz="UTC")
    assert sorted(items.index) == ["OPS-22", "OPS-31", "OPS-40"]
    # the newer export again: the newer versions stand, nothing is older
    again = run("import", "jira", "--csv", str(tmp_path / "newer.csv"), db=db)
    assert again.exit_code == 0 and warnings_of(again) == []
    assert "(0 new, 0 updated, 2 unchanged)" in again.stdout


def test_an_export_without_updated_replaces_the_stored_items_and_says_which(db, tmp_path):
    """Where one version's Updated is unknown, which is newer cannot be told: the import replaces, as
    the last import is the newest as far as the store knows, and names the items; where neither has
    one (exports without the column), it replaces without a word, as imports always did."""
    assert run("import", "jira", "--csv", str(_export(tmp_path, "newer.csv", NEWER)), db=db).exit_code == 0
    bare = "Issue key,Summary,Issue Type,Status,Created\nOPS-22,AlmaLinux Nigeria Mirror,Task,Reopened,03/Oct/26 9:00 AM\n"
    result = run("import", "jira", "--csv", str(_export(tmp_path, "bare.csv", bare)), db=db)
    assert result.exit_code == 0
    assert warnings_of(result) == ["warning: bare.csv: replaced 1 stored item(s) though only one of the two versions "
                                   "has an Updated date (OPS-22): which is newer is not known - import the newest "
                                   "export last"]
    assert "(0 new, 1 updated)" in result.stdout
    items = stored(db, "status", "updated_at")
    assert items.loc["OPS-22", "status"] == "Reopened" and pd.isna(items.loc["OPS-22", "updated_at"])
    again = run("import", "jira", "--csv", str(_export(tmp_path, "bare2.csv", bare.replace("Reopened", "Done"))), db=db)
    assert again.exit_code == 0 and warnings_of(again) == [] and "(0 new, 1 updated)" in again.stdout
    # and an export with Updated over an item stored without one replaces it too, saying so
    result = run("import", "jira", "--csv", str(tmp_path / "newer.csv"), db=db)
    assert result.exit_code == 0 and "(OPS-22)" in warnings_of(result)[0]
    assert stored(db, "status").loc["OPS-22", "status"] == "Done"


def test_updated_is_read_as_created_is_and_an_unreadable_one_is_refused_as_resolved_is(tmp_path):
    export = _export(tmp_path, "j.csv", HEADER + "OPS-1,Restart api,Task,Done,2026-10-03T09:00:00+02:00,"
                                                 "2026-10-04T09:00:00+02:00,\n")
    items = read_jira_csv([export], {}).items
    assert items.loc[0, "updated_at"] == pd.Timestamp("2026-10-04 07:00", tz="UTC")
    bad = _export(tmp_path, "bad.csv", HEADER + "OPS-1,Restart api,Task,Done,03/Oct/26 9:00 AM,yesterday,\n")
    for column, row in (("Updated", "03/Oct/26 9:00 AM,yesterday,"), ("Resolved", "03/Oct/26 9:00 AM,,yesterday")):
        bad.write_text(HEADER + f"OPS-1,Restart api,Task,Done,{row}\n")
        result = run("import", "jira", "--csv", str(bad), db=tmp_path / f"{column}.db")
        assert result.exit_code == 2
        assert result.stderr.startswith(f"error: bad.csv row 2: {column} 'yesterday' is not a date")
    odd = _export(tmp_path, "odd.csv", HEADER + "OPS-1,Restart api,Task,Done,03/Oct/26 9:00 AM,03/Oct/85 9:00 AM,\n")
    result = run("import", "jira", "--csv", str(odd), db=tmp_path / "odd.db")
    assert result.exit_code == 0
    assert any("1 Updated date(s) before 1990" in line for line in warnings_of(result))


# ------------------------------------------------------------------ another tracker's items under the same keys
def test_an_export_of_another_jira_with_the_same_keys_is_refused_and_changes_nothing(db, tmp_path):
    assert run("import", "jira", "--csv", str(_export(tmp_path, "newer.csv", NEWER)), db=db).exit_code == 0
    before = snapshot(db)
    result = run("import", "jira", "--csv", str(_export(tmp_path, "other.csv", OTHER_JIRA)), db=db)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", CLASH)
    assert_same(before, snapshot(db))


def test_the_refusal_names_two_keys_and_counts_the_rest(db, tmp_path):
    rows = "".join(f"OPS-{n},Request {n},Task,Done,0{n}/Oct/26 9:00 AM,,\n" for n in range(1, 6))
    assert run("import", "jira", "--csv", str(_export(tmp_path, "a.csv", HEADER + rows)), db=db).exit_code == 0
    other = "".join(f"OPS-{n},Other {n},Task,Done,1{n}/Mar/25 10:17 AM,,\n" for n in range(1, 6))
    result = run("import", "jira", "--csv", str(_export(tmp_path, "b.csv", HEADER + other)), db=db)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: b.csv: OPS-1, OPS-2 and 3 more have a stored item's key but another "
                                    "Created date: a second Jira")


def test_an_export_read_again_in_another_zone_or_day_first_corrects_the_dates(db, tmp_path):
    """Reading the same export with another --timezone, or with --date-format correcting a guess of day
    and month, moves Created: those are the same items, and the import replaces them as it did."""
    text = HEADER + "OPS-1,Restart api,Task,Done,03/11/2026 09:00,03/11/2026 10:00,03/11/2026 10:00\n"
    export = _export(tmp_path, "j.csv", text)
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    created = stored(db, "created_at").loc["OPS-1", "created_at"]
    berlin = run("import", "jira", "--csv", str(export), "--timezone", "Europe/Berlin", db=db)
    assert berlin.exit_code == 0, berlin.output
    assert stored(db, "created_at").loc["OPS-1", "created_at"] == created - pd.Timedelta(hours=1)
    swapped = run("import", "jira", "--csv", str(export), "--timezone", "Europe/Berlin", "--date-format",
                  "%m/%d/%Y %H:%M", db=db)
    assert swapped.exit_code == 0, swapped.output
    assert stored(db, "created_at").loc["OPS-1", "created_at"] == pd.Timestamp("2026-03-11 08:00", tz="UTC")
    # a Created hours away that neither explains: the export was read in a zone the store does not know of
    store = open_store(str(db))
    try:
        store.set_setting("csv_timezone|jira", None)
    finally:
        store.close()
    shifted = run("import", "jira", "--csv", str(export), "--date-format", "%m/%d/%Y %H:%M", db=db)
    assert shifted.exit_code == 2
    assert shifted.stderr == ("error: j.csv: OPS-1 has a stored item's key but a Created hours apart (OPS-1: 09:00 "
                              "here, 08:00 stored, UTC): read in another time zone? - nothing was imported; pass "
                              "--timezone with the export's zone (a second Jira: --db other.db)\n")


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_both_engines_keep_newer_items_and_refuse_other_trackers(request, tmp_path, engine):
    location = _location(request, tmp_path, engine)
    store = open_store(location)
    try:
        import_batch(store, read_jira_csv([_export(tmp_path, "newer.csv", NEWER)], {}), "csv")
        told: list[str] = []
        counts = import_batch(store, read_jira_csv([_export(tmp_path, "older.csv", OLDER)], {}), "csv",
                              told=told.append)
        assert (counts["inserted"], counts["updated"], counts["unchanged"], counts["older"]) == (1, 0, 1, 1)
        assert told == ["older.csv: kept 1 item(s) the store holds in a newer version (OPS-22): this export is older "
                        "than one imported before - the newer versions stay"]
        items = store.load_items(("key", "status", "updated_at")).set_index("key")
        assert items.loc["OPS-22", "status"] == "Done"
    finally:
        store.close()
    before = snapshot(location)
    store = open_store(location)
    try:
        with pytest.raises(KeyClashError, match=r"^other\.csv: OPS-22 has a stored item's key but another Created"):
            import_batch(store, read_jira_csv([_export(tmp_path, "other.csv", OTHER_JIRA)], {}), "csv")
    finally:
        store.close()
    assert_same(before, snapshot(location))


# ------------------------------------------------------------------ a store of schema 6
@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_a_store_of_schema_6_gains_updated_at_and_resolution_and_its_items_are_replaced_until_known(request, tmp_path, engine):
    location = _location(request, tmp_path, engine)
    store = open_store(location)
    try:
        import_batch(store, read_jira_csv([_export(tmp_path, "newer.csv", NEWER)], {}), "csv")
        with store.transaction():  # as schema 6 left it: no updated_at, no resolution
            for table in ("work_items", "staged_items"):
                store._execute(f"ALTER TABLE {table} DROP COLUMN updated_at")
                store._execute(f"ALTER TABLE {table} DROP COLUMN resolution")
            store._execute("UPDATE meta SET value = '6' WHERE name = 'schema_version'")
    finally:
        store.close()
    store = open_store(location)
    try:
        assert store.get_setting("schema_version") == str(SCHEMA_VERSION) == "7"
        stored_before = store.load_items(("key", "updated_at", "resolution"))
        assert stored_before["updated_at"].isna().all() and (stored_before["resolution"] == "").all()
        assert {"updated_at", "resolution"} <= set(store._frame("SELECT * FROM staged_items LIMIT 0").columns)
        # unknown in the store: the older export replaces the items it holds (as every import did)
        counts = import_batch(store, read_jira_csv([_export(tmp_path, "older.csv", OLDER)], {}), "csv")
        assert (counts["inserted"], counts["updated"], counts["older"]) == (1, 2, 0)
        assert store.load_items(("key", "status")).set_index("key").loc["OPS-22", "status"] == "Waiting for support"
        counts = import_batch(store, read_jira_csv([tmp_path / "newer.csv"], {}), "csv")
        assert counts["updated"] == 1  # OPS-22, now known newer
        counts = import_batch(store, read_jira_csv([tmp_path / "older.csv"], {}), "csv")
        assert (counts["older"], counts["unchanged"]) == (1, 2)
    finally:
        store.close()
    # a read-only command opens a schema-6 store too (it is upgraded once, then read)
    assert run("summary", "--format", "json", db=location).exit_code == 0


# ------------------------------------------------------------------ live imports
NO_SHIFT = pd.Timedelta(0)
CLOUD_ENV = {"JIRA_USER": "auditor@acme.example", "JIRA_API_TOKEN": "jira-token", "JIRA_PAT": None}


def _live(location, fake):
    return run("import", "jira", "--url", fake.url, "--jql", "project = OPS ORDER BY key", db=location, env=CLOUD_ENV)


def _csv_of(issues: list[dict], status: str, updated_by: list[pd.Timedelta], created_by: pd.Timedelta = NO_SHIFT,
            offsets: bool = True) -> str:
    """The fake Jira's issues as an export: `status`, each Updated moved by its `updated_by`, Created by
    `created_by`; without `offsets`, times written as local times (read in --timezone)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER.strip().split(","))
    for issue, shift in zip(issues, updated_by):
        fields = issue["fields"]
        created = pd.Timestamp(fields["created"]) + created_by
        updated = pd.Timestamp(fields["updated"]) + shift
        writer.writerow([issue["key"], fields["summary"], "Task", status,
                         *(when.isoformat() if offsets else f"{when:%Y-%m-%d %H:%M}" for when in (created, updated)), ""])
    return buffer.getvalue()


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_a_live_import_keeps_what_the_store_holds_newer_and_says_which(request, tmp_path, httpserver, engine):
    location = _location(request, tmp_path, engine)
    issues = make_issues(3)
    # OPS-1 stored as changed a day after Jira's copy (a later export), OPS-2 a day before
    export = _csv_of(issues[:2], "Closed", [pd.Timedelta(days=1), pd.Timedelta(days=-1)])
    assert run("import", "jira", "--csv", str(_export(tmp_path, "e.csv", export)), db=location).exit_code == 0
    result = _live(location, FakeJira(httpserver, issues))
    assert result.exit_code == 0, result.output
    assert warnings_of(result) == ["warning: jira: kept 1 item(s) the store holds in a newer version (OPS-1): this "
                                   "fetch is older than one imported before - the newer versions stay"]
    assert "(1 new)" in result.stdout
    items = stored(location, "status", "updated_at")
    assert items["status"].to_dict() == {"OPS-1": "Closed", "OPS-2": "Done", "OPS-3": "Done"}
    assert items.loc["OPS-3", "updated_at"] == pd.Timestamp(issues[2]["fields"]["updated"])
    assert staged_keys(location) == 0


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_a_live_import_from_another_jira_with_the_same_keys_is_refused_and_changes_nothing(request, tmp_path,
                                                                                          httpserver, engine):
    location = _location(request, tmp_path, engine)
    issues = make_issues(3)
    for issue in issues:  # the API gives seconds, an export minutes
        issue["fields"]["created"] = issue["fields"]["created"].replace(":00.000", ":37.000")
    # the store's items were exported by someone in UTC+2 and read as UTC: two hours off
    export = _csv_of(issues, "Done", [pd.Timedelta(0)] * 3, created_by=pd.Timedelta(hours=2), offsets=False)
    assert run("import", "jira", "--csv", str(_export(tmp_path, "e.csv", export)), db=location).exit_code == 0
    before = snapshot(location)
    fake = FakeJira(httpserver, issues)
    result = _live(location, fake)
    assert result.exit_code == 2
    first = pd.Timestamp(issues[0]["fields"]["created"])
    assert result.stderr.splitlines()[-1] == (
        f"error: jira: OPS-1, OPS-2 and OPS-3 have a stored item's key but a Created hours apart (OPS-1: "
        f"{first:%H:%M} here, {first + pd.Timedelta(hours=2):%H:%M} stored, UTC): an export read in another zone "
        "before, or a second Jira? - nothing was imported; import that export again with --timezone, or this into "
        "--db other.db")
    assert_same(before, snapshot(location))  # the fetched pages kept aside are dropped with their place
    # another Jira's OPS-1..3, created other days: named as such
    fake.issues = make_issues(3, seed=11)
    again = _live(location, fake)
    assert again.exit_code == 2
    assert again.stderr.splitlines()[-1] == ("error: jira: OPS-1, OPS-2 and OPS-3 have a stored item's key but another "
                                             "Created date: a second Jira with the same project keys? - nothing was "
                                             "imported; import it into another store (--db other.db)")
    assert_same(before, snapshot(location))
