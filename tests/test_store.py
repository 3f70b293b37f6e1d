"""The store: idempotent upserts, atomic imports, provenance of each run."""

from __future__ import annotations

import contextlib
import csv
import json
import os

import pandas as pd
import pyarrow as pa
import pytest

from toilaudit import audit
from toilaudit.importers.jira_csv import read_jira_csv
from toilaudit.store import open_store

from helpers import EXAMPLES, run, run_json


def test_importing_the_same_export_twice_changes_nothing(audited):
    before = run_json("summary", "--format", "json", "--by", "team", db=audited)
    again = run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=audited)
    assert again.exit_code == 0
    assert "(0 new, 0 updated, 420 unchanged)" in again.stdout
    assert run_json("summary", "--format", "json", "--by", "team", db=audited) == before


def test_import_runs_record_file_hash_and_counts(audited):
    store = open_store(str(audited))
    runs = store.import_runs()
    store.close()
    assert list(runs["source"]) == ["jira", "pagerduty"]
    files = json.loads(runs.iloc[0]["files"])
    assert files[0]["name"] == "jira_export.csv" and len(files[0]["sha256"]) == 64 and files[0]["rows"] == 420
    assert int(runs.iloc[0]["inserted"]) == 420


@pytest.mark.parametrize("fault_in", ["classify", "replace_classifications"])
def test_failure_while_storing_rolls_back_everything(audited, monkeypatch, fault_in):
    """A fault while classifying (the rows are being written meanwhile) or after the rows were
    written (storing the labels) must undo the rows too."""
    store = open_store(str(audited))
    before = store.item_count()
    batch = read_jira_csv([EXAMPLES / "jira_export.csv"], {}, team="Another team")
    batch = type(batch)(batch.source, batch.items.assign(key=batch.items["key"] + "-B"), batch.files)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit if fault_in == "classify" else store, fault_in, broken)
    with pytest.raises(RuntimeError):
        audit.import_batch(store, batch, "csv")
    assert store.item_count() == before
    assert len(store.import_runs()) == 2
    store.close()


def test_a_bulk_insert_the_database_refuses_rolls_back_and_leaves_the_store_usable(audited):
    """A failed (or interrupted) insert aborts DuckDB's transaction, which then refuses every
    statement: the original error must come out, and the insert's session settings be put back."""
    import duckdb

    store = open_store(str(audited))
    before = store.item_count()
    setting = ("SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order'), "
               "current_setting('disabled_compression_methods')")
    settings = store.connection.execute(setting).fetchone()
    bad = pd.DataFrame({"source": ["jira"], "key": ["X-1"], "created_at": ["not a time"]})
    with pytest.raises(duckdb.ConversionException), store.transaction():
        store._load_frame("work_items", bad)
    assert store.connection.execute(setting).fetchone() == settings
    assert store.item_count() == before
    store.close()


def test_a_bulk_load_writes_its_strings_without_dictionary_fsst_and_puts_the_setting_back(tmp_path):
    """DuckDB 2.0's dictionary-FSST compression costs a sixth of a 1M-item import: a bulk load
    (more than one row group, written as it is inserted) goes without it, and only the load."""
    store = open_store(str(tmp_path / "bulk.db"))
    rows = 130_000  # more than one row group of 122,880: written out during the insert
    table = pa.table({"source": ["jira"] * rows, "key": [f"OPS-{n}" for n in range(rows)],
                      "title": [f"Restart pod web-{n % 977} in cluster prod-{n % 13}" for n in range(rows)]})
    with store.transaction():
        store._load_frame("work_items", table)
    compression = dict(store.connection.execute(
        "SELECT column_name, string_agg(DISTINCT compression, ',') FROM pragma_storage_info('work_items') "
        "WHERE column_name IN ('key', 'title') AND segment_type = 'VARCHAR' GROUP BY 1").fetchall())
    assert set(compression) == {"key", "title"}
    assert not any("DICT_FSST" in methods.upper() for methods in compression.values()), compression
    assert store.connection.execute("SELECT current_setting('disabled_compression_methods')").fetchone() == ("",)
    assert store.item_count() == rows
    store.close()


def test_a_bulk_load_that_runs_out_of_disk_says_so_in_one_line_and_changes_nothing(tmp_path, monkeypatch):
    """DuckDB spills what a bulk load's memory limit cannot hold to a folder beside the store; with
    no room there it fails. That is a full disk, the user's to fix, not a bug report."""
    import toilaudit.store.duckdb as embedded
    from toilaudit.errors import StoreError

    store = open_store(str(tmp_path / "full.db"))
    rows = 200_000
    table = pa.table({"source": ["jira"] * rows, "key": [f"OPS-{n}" for n in range(rows)],
                      "description": [f"Rotate the credentials of service account svc-{n} ({n * 7919 % 1000003})"
                                      for n in range(rows)]})
    monkeypatch.setattr(embedded, "BULK_LOAD_MEMORY", "16MB")
    store.connection.execute("SET max_temp_directory_size = '64KiB'")  # a disk with no room left
    expected = r"full\.db: the disk is full - free space on it .* full\.db\.tmp "
    with pytest.raises(StoreError, match=expected), store.transaction():
        store._load_frame("work_items", table)
    assert store.item_count() == 0
    store.connection.execute("RESET max_temp_directory_size")  # room again: the store takes the load
    with store.transaction():
        store._load_frame("work_items", table)
    assert store.item_count() == rows
    store.close()


def test_an_import_onto_a_full_disk_exits_2_with_one_line_and_leaves_no_file(tmp_path):
    """A real full file system (a small tmpfs), where this machine lets a test mount one."""
    import subprocess

    small = tmp_path / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4M", "tmpfs", str(small)], capture_output=True).returncode:
        pytest.skip("cannot mount a small file system here")
    try:
        filler = os.open(small / "filler", os.O_WRONLY | os.O_CREAT)
        with contextlib.suppress(OSError):  # every byte the file system has, until it says no space
            while True:
                os.write(filler, bytes(64 * 1024))
        os.close(filler)
        result = run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=small / "audit.db")
        assert result.exit_code == 2, result.stderr
        assert "audit.db: the disk is full - free space on it" in result.stderr
        # one line of error (the export's own warnings, such as its rows of several components, come before)
        assert len([line for line in result.stderr.strip().splitlines() if not line.startswith("warning:")]) == 1
        assert not (small / "audit.db").exists()
    finally:
        subprocess.run(["umount", str(small)], check=False)


def test_store_location_from_environment(tmp_path, monkeypatch):
    location = tmp_path / "from-env.db"
    monkeypatch.setenv("TOILAUDIT_DB", str(location))
    assert run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv")).exit_code == 0
    assert location.exists()


def test_schema_from_a_newer_release_is_refused(db):
    store = open_store(str(db))
    store.set_setting("schema_version", "99")
    store.close()
    result = run("summary", db=db)
    assert result.exit_code == 2
    assert "written by a newer toilaudit (schema 99" in result.stderr


def _write_rows(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def test_export_imported_in_overlapping_parts_is_labelled_like_one_import(tmp_path):
    """Repetition spans imports: a later export must be classified together with what the store
    kept, and its re-exported keys must replace the stored rows (here with new titles)."""
    with open(EXAMPLES / "jira_export.csv", newline="", encoding="utf-8-sig") as handle:
        header, *rows = list(csv.reader(handle))
    summary = header.index("Summary")
    later = [[*row[:summary], f"{row[summary]} (reopened)", *row[summary + 1:]] for row in rows[150:300]]
    first = _write_rows(tmp_path / "q1.csv", header, rows[:300])
    second = _write_rows(tmp_path / "q2.csv", header, later + rows[300:])
    whole = _write_rows(tmp_path / "whole.csv", header, rows[:150] + later + rows[300:])

    in_parts, at_once = tmp_path / "parts.db", tmp_path / "once.db"
    for path in (first, second):
        assert run("import", "jira", "--csv", str(path), db=in_parts).exit_code == 0
    assert run("import", "jira", "--csv", str(whole), db=at_once).exit_code == 0

    def labelled(db):
        store = open_store(str(db))
        frame = store.classified_items("w.source, w.key, w.title, c.is_toil, c.category, c.group_id, c.template, "
                                       "c.reasons")
        store.close()
        return frame

    parts = labelled(in_parts)
    assert len(parts) == len(rows)
    assert parts["title"].str.endswith("(reopened)").sum() == 150
    assert parts["group_size"].max() >= 10  # repetition was found across the two files
    assert parts.equals(labelled(at_once))


def test_figures_by_source_without_a_filter_equal_those_read_through_the_items(audited):
    """Without a filter, figures by source read the classifications alone (every item has one):
    they must equal the figures read through the items, here narrowed to a period holding them all."""
    store = open_store(str(audited))
    try:
        alone = store.breakdown("source")
        joined = store.breakdown("source", between=(pd.Timestamp("1900-01-01", tz="UTC"),
                                                    pd.Timestamp("2200-01-01", tz="UTC")))
    finally:
        store.close()
    assert list(alone["source"]) == ["jira", "pagerduty"]
    pd.testing.assert_frame_equal(alone, joined)
    assert alone["toil_items"].sum() > 0 and alone["total_hours"].sum() > 0
