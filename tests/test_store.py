"""The store: idempotent upserts, atomic imports, provenance of each run."""

from __future__ import annotations

import json

import pytest

from helpers import EXAMPLES, run, run_json
from toilaudit import audit
from toilaudit.importers.jira_csv import read_jira_csv
from toilaudit.store import open_store


def test_importing_the_same_export_twice_changes_nothing(audited):
    before = run_json("summary", "--format", "json", "--by", "team", db=audited)
    again = run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=audited)
    assert again.exit_code == 0
    assert "(0 new, 420 updated)" in again.stdout
    assert run_json("summary", "--format", "json", "--by", "team", db=audited) == before


def test_import_runs_record_file_hash_and_counts(audited):
    store = open_store(str(audited))
    runs = store.import_runs()
    store.close()
    assert list(runs["source"]) == ["jira", "pagerduty"]
    files = json.loads(runs.iloc[0]["files"])
    assert files[0]["name"] == "jira_export.csv" and len(files[0]["sha256"]) == 64 and files[0]["rows"] == 420
    assert int(runs.iloc[0]["inserted"]) == 420


def test_failure_while_storing_rolls_back_everything(audited, monkeypatch):
    """A fault injected after the rows were written (during re-classification) must undo the rows too."""
    store = open_store(str(audited))
    before = store.item_count()
    batch = read_jira_csv([EXAMPLES / "jira_export.csv"], {}, team="Another team")
    batch = type(batch)(batch.source, batch.items.assign(key=batch.items["key"] + "-B"), batch.files)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "reclassify", broken)
    with pytest.raises(RuntimeError):
        audit.import_batch(store, batch, "csv")
    assert store.item_count() == before
    assert len(store.import_runs()) == 2
    store.close()


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
