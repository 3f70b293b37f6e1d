"""The shared store on a real PostgreSQL server: the same answers as the embedded store."""

from __future__ import annotations

import threading

import pytest

from toilaudit.audit import import_batch
from toilaudit.importers.jira_csv import read_jira_csv
from toilaudit.store import open_store
from toilaudit.urls import redact_url as redact

from helpers import EXAMPLES, run, run_json


def import_examples(db):
    assert run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=db).exit_code == 0
    assert run("import", "pagerduty", "--csv", str(EXAMPLES / "pagerduty_incidents.csv"), db=db).exit_code == 0


@pytest.mark.parametrize("by", ["category", "team", "month", "source", "service"])
def test_same_import_gives_identical_summaries(pg_url, tmp_path, by):
    duck = tmp_path / "embedded.db"
    import_examples(duck)
    import_examples(pg_url)
    assert run_json("summary", "--format", "json", "--by", by, db=pg_url) == \
        run_json("summary", "--format", "json", "--by", by, db=duck)


def test_reimport_is_idempotent_and_empty_strings_survive(pg_url):
    import_examples(pg_url)
    before = run_json("summary", "--format", "json", db=pg_url)
    import_examples(pg_url)
    assert run_json("summary", "--format", "json", db=pg_url) == before
    store = open_store(pg_url)
    items = store.load_items()
    store.close()
    assert len(items) == 740
    assert (items["labels"] == "").sum() > 0  # empty strings, not NULLs
    assert items["created_at"].dt.tz is not None


def test_interview_assess_gate_and_report_on_postgres(pg_url, tmp_path):
    import_examples(pg_url)
    assert run("interview", "--answers", str(EXAMPLES / "interview_answers.yaml"), db=pg_url).exit_code == 0
    assert run_json("assess", "--format", "json", db=pg_url)["overall_level"] == "Foundation"  # the data contradicts
    assert run("gate", db=pg_url).exit_code == 1
    result = run("report", "--out", str(tmp_path / "r.json"), db=pg_url)
    assert result.exit_code == 0, result.output


def test_services_labels_and_history_give_the_same_answers_on_both_engines(pg_url, tmp_path):
    """Per-service answers, kept labels, evidence by week and the assessment history, on PostgreSQL as in DuckDB."""
    duck = tmp_path / "embedded.db"
    results = []
    for db in (duck, pg_url):
        import_examples(db)
        assert run("label", "--from", str(EXAMPLES / "labels.csv"), "--by", "a test", db=db).exit_code == 0
        assert run("interview", "--answers", str(EXAMPLES / "interview_answers.yaml"), db=db).exit_code == 0
        assert run("assess", db=db).exit_code == 0
        assessment = run_json("assess", "--format", "json", db=db)
        out = tmp_path / f"r{len(results)}.json"
        assert run("report", "--out", str(out), "--date", "2026-11-25", db=db).exit_code == 0
        results.append((assessment, run_json("summary", "--format", "json", db=db), out.read_text()))
    (duck_assessment, duck_summary, duck_report), (pg_assessment, pg_summary, pg_report) = results
    assert pg_assessment == duck_assessment
    assert pg_assessment["evidence"]["classifier"]["labelled_items"] == 276
    assert [s["service"] for s in pg_assessment["services"]][:2] == ["card-auth", "fraud-scoring"]
    assert pg_summary == duck_summary
    assert pg_report == duck_report


def test_two_auditors_importing_at_once_lose_nothing(pg_url):
    first = read_jira_csv([EXAMPLES / "jira_export.csv"], {})
    second = type(first)("jira", first.items.assign(key=first.items["key"] + "-B", team="Second auditor"), first.files)
    errors = []

    def auditor(batch):
        try:
            store = open_store(pg_url)  # both open a brand-new store at once, too
            try:
                import_batch(store, batch, "csv")
            finally:
                store.close()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=auditor, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    data = run_json("summary", "--format", "json", "--period", "all", db=pg_url)
    assert data["items"] == 840 and data["by_source"]["jira"]["items"] == 840
    store = open_store(pg_url)
    assert len(store.import_runs()) == 2
    assert len(store.classified_items("c.key")) == 840  # every item classified, none lost
    store.close()


def test_bad_url_is_one_line_without_password():
    result = run("summary", db="postgresql://auditor:s3cret-pw@127.0.0.1:1/none")
    assert result.exit_code == 2
    assert "s3cret-pw" not in result.stderr
    assert result.stderr.startswith("error: postgresql://auditor:***@127.0.0.1:1/none: cannot connect")
    assert redact("postgresql://a:b@h/d") == "postgresql://a:***@h/d"


def test_a_read_command_on_a_database_without_a_store_says_so_and_creates_nothing(pg_url):
    import psycopg

    result = run("summary", db=pg_url)
    assert result.exit_code == 2
    assert "no toilaudit store here - make one with toilaudit import jira --csv FILE" in result.stderr
    with psycopg.connect(pg_url) as connection:
        tables = connection.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        assert tables.fetchone()[0] == 0
    import_examples(pg_url)
    assert run("summary", db=pg_url).exit_code == 0


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_hours_add_up_exactly_and_out_of_range_hours_count_as_unknown(engine, request, tmp_path):
    """Hours are summed as whole ten-thousandths: a tenth of an hour ten times is exactly one hour
    on both engines (as floats it is 0.9999999999999999), and a figure no store should hold (a
    store written before imports checked ranges) is left out, not summed or refused."""
    db = request.getfixturevalue("pg_url") if engine == "postgres" else tmp_path / "hours.db"
    assert run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=db).exit_code == 0
    store = open_store(str(db))
    try:
        keys = store.load_items(("source", "key"))["key"].sort_values().tolist()
        tenths, odd = keys[:10], keys[10:14]
        with store.transaction():
            store._execute(store._sql("UPDATE classifications SET hours = 0, is_toil = ?, hours_measured = ?"),
                           (False, False))
            for key in tenths:
                store._execute(store._sql("UPDATE classifications SET hours = 0.1, is_toil = ?, hours_measured = ? "
                                          "WHERE key = ?"), (True, True, key))
            for key, hours in zip(odd, ["Infinity", "NaN", "1e16", "-1"], strict=True):
                store._execute(store._sql("UPDATE classifications SET hours = CAST(? AS DOUBLE PRECISION) "
                                          "WHERE key = ?"), (hours, key))
        figures = store.breakdown("source").iloc[0]
        unmeasured = store.estimated_hours()
    finally:
        store.close()
    assert float(figures["total_hours"]) == 1.0 and float(figures["toil_hours"]) == 1.0
    assert float(figures["measured_hours"]) == 1.0 and int(figures["measured_items"]) == 10
    assert sum(0.1 for _ in tenths) != 1.0  # what adding the floats would give
    assert float(unmeasured["hours"].fillna(0).sum()) == 0.0
