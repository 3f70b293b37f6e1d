"""An import into a store re-labels only what it can change (relabel.py), and the result is the
full re-classification's, row by row and column by column; the template counts it keeps are the
ones a full classification would write. Real-shaped items (benchmarks/realshaped.py: Zipf
words, host slots) and catalogue requests (toilaudit/synth: repetition groups), then deltas
that join groups, make rare tokens common, give slots their third filler, replace keys with new
titles and with the same ones, and bring pages.
"""

from __future__ import annotations

import contextlib
import json
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toilaudit import relabel, slot_pairs
from toilaudit.audit import CLASSIFY_COLUMNS, active_rule_pack, import_batch, reclassify
from toilaudit.classify.adapt import human_verdicts
from toilaudit.classify.classifier import classify
from toilaudit.classify.templates import TemplateCounts, group_templates
from toilaudit.importers.jira_csv import read_jira_csv
from toilaudit.importers.pagerduty_csv import read_pagerduty_csv
from toilaudit.store import open_store
from toilaudit.store.schema import CLASSIFICATION_COLUMNS, INDEXES, SCHEMA_VERSION, SLOT_BUCKETS, TEMPLATE_TABLES
from toilaudit.synth.exports import JIRA_HEADER, PAGERDUTY_HEADER, jira_rows, pagerduty_rows

from fake_jira import FakeJira, make_issues
from helpers import run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import realshaped


def _jira(path: Path, rows: list[list[str]]):
    realshaped.write(path, JIRA_HEADER, rows)
    return read_jira_csv([path], {})


def _catalogue(count: int, seed: int, project: str) -> list[list[str]]:
    return [row for row, _ in jira_rows(count, seed=seed, project=project, human_label_share=0.0)]


def _real(count: int, seed: int, prefix: str) -> list[list[str]]:
    return [[row[0], row[1].replace("OPS-", f"{prefix}-"), *row[2:]] for row in realshaped.jira_rows(count, seed=seed)]


def _full(store) -> tuple[pd.DataFrame, dict[str, Counter]]:
    """What a full classification of the stored items gives: rows, and the template counts."""
    items = store.load_items(CLASSIFY_COLUMNS)
    counts = TemplateCounts()
    classified = classify(items, active_rule_pack(store), human=human_verdicts(items, store.load_labels()),
                          templates=lambda t, c: group_templates(t, c, counts))
    frames = {name: table.to_pandas() for name, table in relabel._tables(counts).items()}
    frames["template_slots"] = slot_pairs.as_frame(counts.slots)
    return classified, _readable(frames, dict(zip(frames["template_texts"]["id"], frames["template_texts"]["text"])))


def _readable(tables: dict[str, pd.DataFrame], text_of: dict) -> dict[str, Counter]:
    """The template counts with text ids replaced by texts (ids differ between the two paths)."""
    return {
        "template_texts": Counter(zip(tables["template_texts"]["text"].astype(str), tables["template_texts"]["items"]
                                      .astype(int), tables["template_texts"]["template"].astype(str))),
        "template_tokens": Counter(zip(tables["template_tokens"]["token"].astype(str),
                                       tables["template_tokens"]["items"].astype(int))),
        "template_rare": Counter(zip(tables["template_rare"]["token"].astype(str),
                                     [text_of[i] for i in tables["template_rare"]["text_id"].astype(int)])),
        "template_slots": Counter(zip(tables["template_slots"]["variant"].astype(int),
                                      [text_of[i] for i in tables["template_slots"]["text_id"].astype(int)])),
    }


def _stored(store) -> tuple[pd.DataFrame, dict[str, Counter]]:
    # the stored columns, and each group's size as the store counts it when read
    classified = store.classified_items(f"{', '.join('c.' + name for name in CLASSIFICATION_COLUMNS)}")
    tables = {name: store._bulk_frame(f"SELECT * FROM {name}") for name in TEMPLATE_TABLES if name != SLOT_BUCKETS}
    tables["template_slots"] = store.template_slots()
    texts = tables["template_texts"]
    return classified, _readable(tables, dict(zip(texts["id"].astype(int), texts["text"])))


def assert_as_full(store) -> None:
    """Every stored classification equals the full re-classification's, and so do the template counts."""
    expected, expected_counts = _full(store)
    got, got_counts = _stored(store)
    expected = expected.sort_values(["source", "key"]).reset_index(drop=True)
    got = got.sort_values(["source", "key"]).reset_index(drop=True)
    assert len(got) == len(expected)
    for column in (*CLASSIFICATION_COLUMNS, "group_size"):
        want = expected[column].astype(object).to_numpy()
        have = got[column].astype(object).to_numpy()
        if column in ("score", "hours"):
            same = np.isclose(have.astype(float), want.astype(float), rtol=0, atol=1e-12)
        else:
            same = have == want
        bad = np.flatnonzero(~same)
        assert not len(bad), (column, len(bad), list(zip(got["key"][bad[:5]], have[bad[:5]], want[bad[:5]])))
    assert store.template_counts_made_with() == relabel.fingerprint(active_rule_pack(store))
    for name, counter in expected_counts.items():
        assert got_counts[name] == counter, (name, (got_counts[name] - counter).most_common(3),
                                             (counter - got_counts[name]).most_common(3))


@contextlib.contextmanager
def paths_taken() -> Iterator[list[bool]]:
    """Which path each import took meanwhile: True where it re-labelled only what it changed."""
    from toilaudit import audit

    taken: list[bool] = []
    original = relabel.relabel_changes

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        taken.append(result is not None)
        return result

    audit.relabel_changes = spy
    try:
        yield taken
    finally:
        audit.relabel_changes = original


def _import(store, batch, incremental: bool = True) -> None:
    """Import as the CLI does, checking which path it took."""
    with paths_taken() as taken:
        import_batch(store, batch, "csv")
    assert taken == [incremental]


def _titles(store) -> pd.Series:
    return store.load_items(("source", "key", "title")).set_index("key")["title"]


def _rows_with_titles(template: list[str], titles: list[str], prefix: str) -> list[list[str]]:
    rows = []
    for number, title in enumerate(titles, 1):
        row = list(template)
        row[0], row[1] = title, f"{prefix}-{number}"
        rows.append(row)
    return rows


def check_deltas(location: str, tmp_path: Path) -> None:
    store = open_store(location)
    try:
        base = _real(1_500, 17, "OPS") + _catalogue(1_500, 3, "REQ")
        import_batch(store, _jira(tmp_path / "base.csv", base), "csv")  # the full path: writes the counts
        assert store.template_counts_made_with()
        assert_as_full(store)

        # pages into a store of tickets: a second source, its own groups
        realshaped.write(tmp_path / "pages.csv", PAGERDUTY_HEADER, (row for row, _ in pagerduty_rows(300, seed=11)))
        _import(store, read_pagerduty_csv([tmp_path / "pages.csv"], {}))
        assert_as_full(store)

        # new tickets: real-shaped words, and catalogue requests joining existing groups
        _import(store, _jira(tmp_path / "d1.csv", _real(300, 99, "NEW") + _catalogue(200, 5, "CAT")))
        assert_as_full(store)

        # rare tokens made common: titles repeating the ones that hold a rare word
        counts = store._bulk_frame("SELECT token, items FROM template_tokens")
        rare = set(counts.loc[counts["items"] < 3, "token"])
        titles = _titles(store)
        holding = [t for t in titles if rare & set(t.lower().split())][:60]
        assert len(holding) >= 20
        _import(store, _jira(tmp_path / "d2.csv", _rows_with_titles(base[0], holding + holding[:20], "RARE")))
        assert_as_full(store)

        # slots filled: a title with one common word swapped, two and three times (a new variable slot)
        common = list(counts.sort_values("items", ascending=False)["token"][:40])
        common = [w for w in common if w.isalpha() and len(w) > 3][:6]
        rng = random.Random(4)
        swapped = []
        for title in [t for t in titles if len(t.split()) >= 5][:40]:
            words = title.split()
            position = rng.randrange(1, len(words))
            for filler in common[: rng.choice([1, 2, 3])]:
                swapped.append(" ".join(words[:position] + [filler] + words[position + 1:]))
        _import(store, _jira(tmp_path / "d3.csv", _rows_with_titles(base[0], swapped, "SLOT")))
        assert_as_full(store)

        # keys replaced: new titles (some taken from others, joining their groups), the same
        # titles with a new status, and a title back to its old self
        replaced = [list(row) for row in base[1_400:1_600]]
        donors = [row[0] for row in base[2_000:2_100]]
        for number, row in enumerate(replaced):
            if number % 3 == 0:
                row[0] = donors[number % len(donors)]
            elif number % 3 == 1:
                row[4] = "Reopened"
            else:
                row[0] = row[0] + " " + common[number % len(common)]
        _import(store, _jira(tmp_path / "d4.csv", replaced))
        assert_as_full(store)

        # a common token made rare by retitling one of its holders: the others are found by a scan.
        # The token is the first in order whose holders this test can rebuild (the rows of the
        # exports above): the order PostgreSQL returns rows in moves with its vacuuming
        tokens = store._bulk_frame("SELECT token, items FROM template_tokens ORDER BY token")
        items = store.load_items(("source", "key", "title", "labels"))
        all_rows = {row[1]: row for row in base + _real(300, 99, "NEW") + _catalogue(200, 5, "CAT")}

        def holders(word: str) -> set[str]:
            return set(items.loc[items["title"].str.lower().str.split().map(lambda w: word in w)
                                 & (items["source"] == "jira"), "key"])

        keys = next(found for found in (holders(t) for t in tokens.loc[tokens["items"] == 3, "token"]
                                        if t.isalpha() and len(t) > 3) if found and found <= set(all_rows))
        rows = [list(all_rows[key]) for key in sorted(keys)][:1]
        rows[0][0] = "A completely different request"
        _import(store, _jira(tmp_path / "d5.csv", rows))
        assert_as_full(store)
        _import(store, _jira(tmp_path / "d6.csv", _real(50, 123, "AFTER")))  # and incremental again
        assert_as_full(store)

        check_labelled_deltas(store, tmp_path, base)
    finally:
        store.close()


def check_labelled_deltas(store, tmp_path: Path, base: list[list[str]]) -> None:
    """People's labels refit the model (adapt.py). The first import after a label changed classifies
    in full and keeps the adapted model; the next ones re-label only what they change, with it,
    each new item leaned by its group's labelled items (S011 here), unless they would re-label a
    labelled item or bring a Jira toil label."""
    # an item of the largest group, as the base export has it
    stored = _titles(store)
    grouped = store.classified_items().query("source == 'jira'").sort_values(["group_size", "key"],
                                                                             ascending=[False, True])
    row = next(list(r) for key in grouped["key"] for r in base if r[1] == key and stored.get(key) == r[0])
    largest = grouped.set_index("key").loc[row[1]]
    store.save_label("jira", row[1], "not-toil", "test", "tester")
    store.save_label("jira", "OPS-1", "toil", "test", "tester")
    _import(store, _jira(tmp_path / "l1.csv", _real(20, 7, "LABELLED")), incremental=False)
    assert_as_full(store)
    items = store.load_items(CLASSIFY_COLUMNS)
    refits: list = []
    classify(items, active_rule_pack(store), human=human_verdicts(items, store.load_labels()), adapted=refits.append)
    kept = json.loads(store.get_setting(relabel.ADAPTED_MODEL))["model"]
    assert (kept["intercept"], kept["weights"]) == (refits[0].intercept, dict(refits[0].weights))  # exactly

    joining = [[row[0], f"JOIN-{n}", *row[2:]] for n in range(1, 4)]  # the labelled item's group, same band
    _import(store, _jira(tmp_path / "l2.csv", joining + _real(30, 8, "AFTERLABEL")))
    assert_as_full(store)
    leaned = store._frame("SELECT key, group_id, rule_ids FROM classifications WHERE key LIKE 'JOIN-%'")
    assert (leaned["group_id"] == largest["group_id"]).all() and leaned["rule_ids"].str.contains("S011").all()

    retitled = [list(r) for r in base if r[1] == "OPS-1"]
    retitled[0][0] = "Something else entirely for the labelled item"
    _import(store, _jira(tmp_path / "l3.csv", retitled), incremental=False)  # a labelled item re-labelled
    assert_as_full(store)
    _import(store, _jira(tmp_path / "l4.csv", _real(10, 9, "AGAIN")))
    assert_as_full(store)

    store.save_label("jira", "OPS-2", "toil", "test", "tester")  # a label changed since: in full
    _import(store, _jira(tmp_path / "l5.csv", _real(10, 10, "NEWLABEL")), incremental=False)
    assert_as_full(store)

    # a Jira toil label: the import bringing it classifies in full, the next ones re-label only
    # what they change (the kept model was fitted with it), and the one replacing that item
    # without its label classifies in full again
    tagged = [list(r) for r in _real(3, 11, "TAGGED")]
    tagged[0][18] = "toil"
    _import(store, _jira(tmp_path / "l6.csv", tagged), incremental=False)
    assert_as_full(store)
    _import(store, _jira(tmp_path / "l7.csv", _real(10, 12, "PLAIN")))
    assert_as_full(store)
    tagged[0][18] = ""
    _import(store, _jira(tmp_path / "l8.csv", tagged[:1]), incremental=False)
    assert_as_full(store)
    _import(store, _jira(tmp_path / "l9.csv", _real(10, 13, "LAST")))
    assert_as_full(store)


def test_incremental_import_equals_full_classification(tmp_path: Path) -> None:
    check_deltas(str(tmp_path / "store.db"), tmp_path)


def test_incremental_import_equals_full_classification_postgres(pg_url: str, tmp_path: Path) -> None:
    check_deltas(pg_url, tmp_path)


def check_group_sizes(location: str, tmp_path: Path) -> None:
    """Items joining or leaving a group whose size stays in its band (classifier.size_bands)
    leave the group's other items as they are (the store counts the size when read); a group whose band changes (two
    items become three: S001; three become two; one becomes two) is re-labelled whole. After
    each import the store equals a full classification."""
    said: list[str] = []

    def relabelled(batch) -> tuple[int, int]:
        """Items re-labelled, and items given their group's new size alone, by this import."""
        said.clear()
        with paths_taken() as taken:
            import_batch(store, batch, "csv", tell=said.append)
        assert taken == [True]
        line = next(step for step in said if step.startswith("re-labelling"))
        numbers = [int(word.replace(",", "")) for word in line.split() if word.replace(",", "").isdigit()]
        return numbers[0], (numbers[1] if len(numbers) > 1 else 0)

    def sizes(prefix: str) -> set[int]:
        rows = store.classified_items()
        return set(rows.loc[rows["key"].str.startswith(prefix + "-"), "group_size"].astype(int))

    def rule_ids(key: str) -> str:
        rows = store._frame("SELECT key, rule_ids FROM classifications")
        return str(rows.loc[rows["key"] == key, "rule_ids"].iloc[0])

    template = _real(1, 17, "OPS")[0]
    # every word of these titles is held by the ten BIG items: no token is rare, no template moves
    big = "Reset the VPN password for the finance team"
    titles = {"BIG": [big] * 10, "PAIR": ["finance team VPN password reset"] * 2,
              "TRIO": ["password reset for the VPN of the finance team"] * 3, "ONE": ["VPN team finance password reset"]}
    rows = _real(200, 17, "OPS") + [row for prefix, group in titles.items()
                                    for row in _rows_with_titles(template, group, prefix)]
    store = open_store(location)
    try:
        import_batch(store, _jira(tmp_path / "base.csv", rows), "csv")
        assert sizes("BIG") == {10} and sizes("PAIR") == {2} and sizes("TRIO") == {3}
        assert "S001" not in rule_ids("PAIR-1") and "S001" in rule_ids("TRIO-1")

        # one more BIG: 10 -> 11, the same band: the ten stored items only change size
        assert relabelled(_jira(tmp_path / "d1.csv", _rows_with_titles(template, [big], "BIG2"))) == (1, 10)
        assert sizes("BIG") == {11} and sizes("BIG2") == {11}
        assert_as_full(store)

        # a third PAIR: 2 -> 3 reaches S001: the pair is re-labelled with it
        assert relabelled(_jira(tmp_path / "d2.csv", _rows_with_titles(template, titles["PAIR"][:1], "PAIR3"))) == (3, 0)
        assert "S001" in rule_ids("PAIR-1")
        assert_as_full(store)

        # a TRIO item retitled: 3 -> 2 falls below S001: the two others are re-labelled
        retitled = _rows_with_titles(template, ["Quokka xylophone zephyr unrelated words"], "TRIO")  # words no corpus title holds
        assert relabelled(_jira(tmp_path / "d3.csv", retitled)) == (3, 0)
        assert "S001" not in rule_ids("TRIO-2") and sizes("TRIO") == {1, 2}
        assert_as_full(store)

        # a lone item gains a twin: 1 -> 2 leaves the band of one (S007's, for pages)
        assert relabelled(_jira(tmp_path / "d4.csv", _rows_with_titles(template, titles["ONE"], "ONE2"))) == (2, 0)
        assert_as_full(store)
    finally:
        store.close()


def test_a_group_whose_size_stays_in_its_band_changes_its_size_alone(tmp_path: Path) -> None:
    check_group_sizes(str(tmp_path / "store.db"), tmp_path)


def test_a_group_whose_size_stays_in_its_band_changes_its_size_alone_postgres(pg_url: str, tmp_path: Path) -> None:
    check_group_sizes(pg_url, tmp_path)


def test_postgres_indexes_the_look_ups_and_an_older_store_gains_them(pg_url: str, tmp_path: Path) -> None:
    """On PostgreSQL a full classification indexes what an import of a few items looks up
    (schema.INDEXES); a store made without them imports as before, and gains them with its next one."""
    def indexes() -> set[str]:
        return set(store._frame("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")["indexname"])

    store = open_store(pg_url)
    try:
        import_batch(store, _jira(tmp_path / "base.csv", _real(300, 17, "OPS")), "csv")
        assert set(INDEXES) <= indexes()
        for name in INDEXES:  # as in a store made before them
            store._execute(f"DROP INDEX {name}")
        _import(store, _jira(tmp_path / "d1.csv", _real(30, 99, "NEW")))
        assert_as_full(store)
        reclassify(store)
        assert set(INDEXES) <= indexes()
        _import(store, _jira(tmp_path / "d2.csv", _real(30, 98, "MORE")))
        assert_as_full(store)
    finally:
        store.close()


def test_postgres_another_role_that_may_write_imports_without_owning_the_indexes(pg_url: str, tmp_path: Path) -> None:
    """Only a table's owner may create or drop its indexes: another role granted the rights to write
    classifies in full and imports a few items all the same (keeping the owner's indexes up)."""
    import psycopg

    role = "auditor_" + pg_url.rsplit("/", 1)[1]  # roles are the server's: one per test database
    with psycopg.connect(pg_url, autocommit=True) as owner:
        owner.execute(f"CREATE ROLE {role} LOGIN")
    try:
        store = open_store(pg_url)
        import_batch(store, _jira(tmp_path / "base.csv", _real(300, 17, "OPS")), "csv")
        store.close()
        with psycopg.connect(pg_url, autocommit=True) as owner:
            owner.execute(f"GRANT CREATE ON SCHEMA public TO {role}")
            owner.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        store = open_store(pg_url.replace("://postgres@", f"://{role}@"))
        try:
            reclassify(store)
            _import(store, _jira(tmp_path / "d1.csv", _real(30, 99, "NEW")))
            assert_as_full(store)
        finally:
            store.close()
    finally:
        with psycopg.connect(pg_url, autocommit=True) as owner:
            owner.execute(f"DROP OWNED BY {role}")
            owner.execute(f"DROP ROLE {role}")


def test_a_changed_rule_pack_or_an_older_store_means_a_full_classification(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store.db"))
    try:
        import_batch(store, _jira(tmp_path / "base.csv", _real(300, 17, "OPS")), "csv")
        store.set_setting("template_counts", "made by another rule pack")
        _import(store, _jira(tmp_path / "d1.csv", _real(30, 99, "NEW")), incremental=False)
        assert_as_full(store)  # and the counts are written again
        _import(store, _jira(tmp_path / "d2.csv", _real(30, 98, "MORE")))
        assert_as_full(store)
    finally:
        store.close()


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_group_sizes_are_counted_when_read(request, tmp_path: Path, engine: str) -> None:
    """Schema 5 kept each item's group size in its classification, rewriting every row of a group
    an item joined; opened by this toilaudit, the column goes, and the sizes shown are counted."""
    location = request.getfixturevalue("pg_url") if engine == "postgresql" else str(tmp_path / "store.db")
    store = open_store(location)
    try:
        import_batch(store, _jira(tmp_path / "base.csv", _real(200, 17, "OPS") + _catalogue(60, 5, "CAT")), "csv")
        with store.transaction():  # as schema 5 left it: a size per item
            store._execute("UPDATE meta SET value = '5' WHERE name = 'schema_version'")
            store._execute("ALTER TABLE classifications ADD COLUMN group_size BIGINT")
            store._execute("UPDATE classifications SET group_size = 999")
    finally:
        store.close()
    store = open_store(location)
    try:
        assert store.get_setting("schema_version") == str(SCHEMA_VERSION)
        assert "group_size" not in store._frame("SELECT * FROM classifications LIMIT 1").columns
        _import(store, _jira(tmp_path / "d1.csv", _real(20, 99, "NEW") + _catalogue(10, 5, "MORE")))
        assert_as_full(store)  # the sizes counted when read equal the classifier's
        shown = store.classified_items()
        largest = shown.loc[shown["group_size"].idxmax()]
        assert largest["group_size"] == (shown["template"] == largest["template"]).sum() > 2
        one = store.classified_item(largest["source"], largest["key"])
        assert (one["group_size"], list(shown.columns)) == (largest["group_size"], list(one.index))
    finally:
        store.close()


def test_a_store_that_kept_a_row_per_slot_drops_them_and_classifies_in_full(tmp_path: Path) -> None:
    """Schema 4 kept the candidate slots a row each (14M rows at 1M items); opened by this
    toilaudit, that table goes, the counts are forgotten (the next import classifies in full
    and writes the buckets) and imports after it re-label only what they change."""
    path = str(tmp_path / "store.db")
    store = open_store(path)
    try:
        import_batch(store, _jira(tmp_path / "base.csv", _real(300, 17, "OPS")), "csv")
        made_with = store.template_counts_made_with()
        assert made_with is not None
        with store.transaction():  # as schema 4 left it: the counts kept, the slots a row each
            store._execute("UPDATE meta SET value = '4' WHERE name = 'schema_version'")
            store._execute("CREATE TABLE template_slots (variant INTEGER, text_id INTEGER)")
            store._execute("INSERT INTO template_slots VALUES (1, 2)")
            store._execute(f"DELETE FROM {SLOT_BUCKETS}")
    finally:
        store.close()
    store = open_store(path)
    try:
        assert store.get_setting("schema_version") == str(SCHEMA_VERSION)
        assert store.template_counts_made_with() is None
        tables = set(store._frame("SELECT table_name FROM information_schema.tables")["table_name"])
        assert "template_slots" not in tables and SLOT_BUCKETS in tables
        _import(store, _jira(tmp_path / "d1.csv", _real(30, 99, "NEW")), incremental=False)
        assert_as_full(store)
        assert store.template_counts_made_with() == made_with
        _import(store, _jira(tmp_path / "d2.csv", _real(30, 98, "MORE")))
        assert_as_full(store)
    finally:
        store.close()


def _verdicts(store) -> pd.DataFrame:
    return _stored(store)[0].sort_values(["source", "key"]).reset_index(drop=True)


def _check_reimports(location: str, tmp_path: Path) -> None:
    """The same export again writes and re-labels nothing; an export overlapping the store writes
    and re-labels only its new and changed items; labels kept by people change neither."""
    store = open_store(location)
    try:
        rows = _real(300, 17, "OPS")
        import_batch(store, _jira(tmp_path / "base.csv", rows), "csv")
        classified = _verdicts(store)
        generation = store.generation()

        with paths_taken() as taken:
            counts = import_batch(store, _jira(tmp_path / "again.csv", rows), "csv")
        assert (counts["rows"], counts["inserted"], counts["updated"], counts["unchanged"]) == (300, 0, 0, 300)
        assert taken == []  # neither re-labelling path: nothing the classifications rest on changed
        assert store.generation() == generation
        run = store.import_runs().iloc[-1]
        assert (int(run["rows_read"]), int(run["inserted"]), int(run["updated"])) == (300, 0, 0)
        assert _verdicts(store).equals(classified)

        # three titles and two statuses changed (a status changes an item's hours only when it says the
        # work was not done: classifier.NOT_DONE), five new
        overlapping = [list(row) for row in rows] + _real(5, 41, "NEW")
        for row in overlapping[:3]:
            row[0] = row[0] + " on every node"
        for row in overlapping[10:12]:
            row[4] = "Reopened"
        with paths_taken() as taken:
            counts = import_batch(store, _jira(tmp_path / "overlap.csv", overlapping), "csv")
        assert (counts["rows"], counts["inserted"], counts["updated"], counts["unchanged"]) == (305, 5, 5, 295)
        assert taken == [True]
        assert_as_full(store)
        statuses = store.load_items(("key", "status")).set_index("key")["status"]
        assert list(statuses[[overlapping[10][1], overlapping[11][1]]]) == ["Reopened", "Reopened"]

        # with people's labels the model adapts to the store, which keeps it: the same export
        # again still writes nothing, re-labels nothing and changes no verdict
        store.save_label("jira", rows[20][1], "toil", "test", "a test")
        reclassify(store)
        classified = _verdicts(store)
        with paths_taken() as taken:
            counts = import_batch(store, _jira(tmp_path / "overlap.csv", overlapping), "csv")
        assert counts["unchanged"] == 305 and taken == []
        assert _verdicts(store).equals(classified)
    finally:
        store.close()


def test_a_reimport_writes_and_re_labels_only_what_changed(tmp_path: Path) -> None:
    _check_reimports(str(tmp_path / "store.db"), tmp_path)


def test_a_reimport_writes_and_re_labels_only_what_changed_postgres(pg_url: str, tmp_path: Path) -> None:
    _check_reimports(pg_url, tmp_path)


LATER = "30/Dec/26 9:00 AM"  # an Updated after every generated item's


def _check_older_exports(location: str, tmp_path: Path) -> None:
    """An export older than what the store holds of some items leaves those (and their verdicts) as
    they are: only its new and changed items are written and re-labelled, and the result is the
    full classification's of the store holding the newer items."""
    store = open_store(location)
    try:
        rows = _real(300, 17, "OPS") + _catalogue(200, 3, "REQ")
        import_batch(store, _jira(tmp_path / "base.csv", rows), "csv")
        # a newer export: 30 items retitled (half of them joining a catalogue request's group)
        newer = [list(row) for row in rows[:30]]
        for number, row in enumerate(newer):
            row[0] = rows[300 + number][0] if number % 2 else row[0] + " on every node"
            row[12] = LATER
        _import(store, _jira(tmp_path / "newer.csv", newer))
        assert_as_full(store)
        # the first export's 60 first rows again: 30 older than stored, 25 as stored, 5 changed since
        # (reopened later than anything stored), and 5 new items
        older = [list(row) for row in rows[:60]]
        for row in older[40:45]:
            row[4], row[12] = "Reopened", LATER
        older += _real(5, 41, "NEW")
        seen: list[pd.DataFrame] = []
        original = relabel.relabel_changes

        def spy(store_, pack, incoming, *args, **kwargs):
            seen.append(incoming)
            return original(store_, pack, incoming, *args, **kwargs)

        from toilaudit import audit
        audit.relabel_changes = spy
        try:
            told: list[str] = []
            counts = import_batch(store, _jira(tmp_path / "older.csv", older), "csv", told=told.append)
        finally:
            audit.relabel_changes = original
        assert (counts["inserted"], counts["updated"], counts["unchanged"], counts["older"]) == (5, 5, 25, 30)
        assert len(told) == 1 and told[0].startswith("older.csv: kept 30 item(s) the store holds in a newer version "
                                                     "(OPS-1, OPS-2, OPS-3, OPS-4, OPS-5 ...)")
        assert len(seen) == 1 and sorted(seen[0]["key"]) == sorted(row[1] for row in older[40:45] + older[60:])
        titles = _titles(store)
        assert [titles[row[1]] for row in newer] == [row[0] for row in newer]
        assert_as_full(store)
    finally:
        store.close()


def test_an_older_export_leaves_the_newer_items_and_re_labels_only_what_changed(tmp_path: Path) -> None:
    _check_older_exports(str(tmp_path / "store.db"), tmp_path)


def test_an_older_export_leaves_the_newer_items_and_re_labels_only_what_changed_postgres(pg_url: str,
                                                                                       tmp_path: Path) -> None:
    _check_older_exports(pg_url, tmp_path)


def test_an_import_whose_store_changed_while_it_classified_compares_its_items_again(tmp_path: Path,
                                                                                   monkeypatch) -> None:
    """Which items are stored as they are is decided before classifying; another import that
    changes one of them meanwhile makes the import compare again, so that it still wins."""
    from toilaudit import audit

    path = str(tmp_path / "store.db")
    store = open_store(path)
    try:
        rows = _real(200, 17, "OPS")
        import_batch(store, _jira(tmp_path / "base.csv", rows), "csv")
        store.set_setting("template_counts", "made by another rule pack")  # the full classification's path
        mine = [list(row) for row in rows]
        mine[0][0] += " again"
        theirs = [list(rows[5])]
        theirs[0][0] = "a title another auditor gave it"
        original, calls = audit.classify, []

        def classify_beside_another_import(*args, **kwargs):
            if not calls:  # the first time: another auditor imports while this one classifies
                calls.append("theirs")
                other = open_store(path)
                try:
                    import_batch(other, _jira(tmp_path / "theirs.csv", theirs), "csv")
                finally:
                    other.close()
            calls.append("mine")
            return original(*args, **kwargs)

        monkeypatch.setattr(audit, "classify", classify_beside_another_import)
        counts = import_batch(store, _jira(tmp_path / "mine.csv", mine), "csv")
        assert calls[0] == "theirs"
        assert (counts["inserted"], counts["updated"], counts["unchanged"]) == (0, 2, 198)
        titles = _titles(store)
        assert titles[rows[5][1]] == rows[5][0] and titles[rows[0][1]] == mine[0][0]
        monkeypatch.setattr(audit, "classify", original)
        assert_as_full(store)
    finally:
        store.close()


def test_classifying_reads_descriptions_cut_where_the_classifier_stops_reading(tmp_path: Path) -> None:
    """A full classification loads the stored descriptions cut to DESCRIPTION_CHARS characters
    (the largest column, at up to 2,000 characters each): the verdicts are those of the whole texts."""
    from toilaudit.classify.classifier import DESCRIPTION_CHARS

    rows = [list(row) for row in _real(300, 17, "OPS")]
    description = JIRA_HEADER.index("Description")
    for number, row in enumerate(rows[:60]):  # other titles' words, characters beyond ASCII where the cut falls
        words = " ".join(other[0] for other in rows[number + 1:number + 80])
        row[description] = (words[:DESCRIPTION_CHARS - 2 - number % 4] + "é😀 ü " + words)[:1_900]
    store = open_store(str(tmp_path / "store.db"))
    try:
        import_batch(store, _jira(tmp_path / "base.csv", rows), "csv")
        whole = store.load_items(CLASSIFY_COLUMNS)
        cut = store.load_items(CLASSIFY_COLUMNS, description_chars=DESCRIPTION_CHARS)
        assert (whole["description"].str.len() > DESCRIPTION_CHARS).sum() >= 60
        assert cut["description"].tolist() == [text[:DESCRIPTION_CHARS] for text in whole["description"]]
        pack = active_rule_pack(store)
        assert classify(cut, pack).equals(classify(whole, pack))
        reclassify(store)  # reads the cut descriptions
        assert_as_full(store)
    finally:
        store.close()


def test_an_empty_store_loads_no_items_beside_a_first_import_with_the_columns_and_types_of_a_full_one(
        tmp_path: Path) -> None:
    """A first import leaves nothing stored out, so the store is not asked to (the batch's keys are
    not staged): what it loads is empty, with the columns and types the classifier reads."""
    from toilaudit.classify.classifier import DESCRIPTION_CHARS

    batch = _jira(tmp_path / "base.csv", _real(50, 17, "OPS"))
    empty, full = open_store(str(tmp_path / "empty.db")), open_store(str(tmp_path / "full.db"))
    try:
        import_batch(full, batch, "csv")
        other = _jira(tmp_path / "other.csv", _real(20, 5, "NEW"))
        for replaced_by in (batch, other):
            loaded = empty.load_items(CLASSIFY_COLUMNS, replaced_by=replaced_by, description_chars=DESCRIPTION_CHARS)
            stored = full.load_items(CLASSIFY_COLUMNS, replaced_by=replaced_by, description_chars=DESCRIPTION_CHARS)
            assert loaded.empty and len(stored) == (0 if replaced_by is batch else 50)
            assert list(loaded.columns) == list(stored.columns) == list(CLASSIFY_COLUMNS)
            assert loaded.dtypes.to_dict() == stored.dtypes.to_dict()
    finally:
        empty.close()
        full.close()


def test_the_template_keeper_gives_each_template_once_and_the_classifications_of_plain_mining(tmp_path: Path) -> None:
    """A full classification's templates come from the keeper as a dictionary, one copy for the
    store's counts and for the groups: the verdicts and the stored templates are plain mining's.
    Many texts (distinct_texts encodes a byte length at a time), and repeated templates."""
    import pyarrow as pa

    from toilaudit.classify import templates as templates_module
    from toilaudit.classify.rule_pack import load_rule_pack

    rows = _real(400, 23, "OPS") + [row for row, _ in jira_rows(300, seed=4, project="REQ", human_label_share=0.0)]
    items = _jira(tmp_path / "mixed.csv", rows).items[list(CLASSIFY_COLUMNS)]
    pack = load_rule_pack()
    for by_length_from in (templates_module.BY_LENGTH_FROM, 0):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(templates_module, "BY_LENGTH_FROM", by_length_from)
            keeper = relabel.TemplateKeeper(pack, None)
            kept = classify(items, pack, templates=keeper)
            counts = TemplateCounts()
            plain = classify(items, pack, templates=lambda t, c, counts=counts: group_templates(t, c, counts))
        assert kept.equals(plain)
        stored = keeper.tables["template_texts"]["template"]
        assert isinstance(stored, pa.ChunkedArray) and pa.types.is_dictionary(stored.type)
        assert stored.to_pylist() == counts.templates.to_pylist()
        assert len(stored.chunk(0).dictionary) == len(set(counts.templates.to_pylist())) < len(stored)


def test_random_deltas_equal_full_classification(tmp_path: Path) -> None:
    """Rounds of mixed deltas, each checked: new items, copies of stored titles (rare words turn
    common), titles with a word swapped (slots fill), and stored keys given other titles, a word
    more, a word less, or nothing new."""
    rng = random.Random(12)
    store = open_store(str(tmp_path / "store.db"))
    try:
        base = _real(800, 21, "OPS") + _catalogue(800, 8, "REQ")
        import_batch(store, _jira(tmp_path / "base.csv", base), "csv")
        rows = {row[1]: row for row in base}
        words = [w for row in base for w in row[0].split() if w.isalpha()]
        for round_ in range(6):
            delta = []
            fresh = _real(40, 100 + round_, f"N{round_}") + _catalogue(40, 200 + round_, f"C{round_}")
            delta += fresh
            stored = list(rows.values())
            for number in range(60):
                row = list(rng.choice(stored))
                kind = rng.randrange(5)
                if kind == 0:  # a copy of a stored title, a new key
                    row[1] = f"D{round_}-{number}"
                elif kind == 1:  # a word swapped, a new key
                    title = row[0].split()
                    title[rng.randrange(len(title))] = rng.choice(words)
                    row[0], row[1] = " ".join(title), f"S{round_}-{number}"
                elif kind == 2:  # a stored key retitled like another item
                    row[0] = rng.choice(stored)[0]
                elif kind == 3:  # a stored key, a word more or less
                    title = row[0].split()
                    row[0] = " ".join(title[:-1] if len(title) > 3 and rng.random() < 0.5 else title + [rng.choice(words)])
                else:  # a stored key, only its status changed
                    row[4] = rng.choice(["Open", "Closed", "Reopened"])
                delta.append(row)
            delta = list({row[1]: row for row in delta}.values())  # keys unique within an export
            _import(store, _jira(tmp_path / f"r{round_}.csv", delta))
            assert_as_full(store)
            rows |= {row[1]: row for row in delta}
    finally:
        store.close()


def test_a_live_import_re_labels_only_what_its_pages_changed(tmp_path: Path, httpserver) -> None:
    check_live_import(str(tmp_path / "store.db"), httpserver)


def test_a_live_import_re_labels_only_what_its_pages_changed_postgres(pg_url: str, httpserver) -> None:
    check_live_import(pg_url, httpserver)


def check_live_import(db: str, httpserver) -> None:
    """A live import's end re-labels from its staged pages, as a CSV import does from its batch."""
    issues = make_issues(400)
    for issue in issues:
        issue["fields"]["labels"] = []  # no toil labels: they would adapt the model (a full classification)
    fake = FakeJira(httpserver, issues)
    env = {"JIRA_USER": "auditor@acme.example", "JIRA_API_TOKEN": "jira-token", "JIRA_PAT": None}
    first = run("import", "jira", "--url", fake.url, "--jql", "project = OPS ORDER BY key", db=db, env=env)
    assert first.exit_code == 0, first.output
    store = open_store(db)
    try:
        assert store.template_counts_made_with()
        assert_as_full(store)
    finally:
        store.close()
    # the next day: new issues (some repeating stored titles), and stored ones retitled or resolved
    later = "2026-09-01T10:00:00.000+0000"
    rng = random.Random(3)
    for number in range(401, 461):
        issue = {**rng.choice(issues), "id": str(10000 + number), "key": f"OPS-{number}"}
        issue["fields"] = {**issue["fields"], "updated": later}
        issues.append(issue)
    for issue in rng.sample(issues[:400], 40):
        issue["fields"] = {**issue["fields"], "updated": later,
                           "summary": rng.choice(issues)["fields"]["summary"] if rng.random() < 0.5
                           else issue["fields"]["summary"] + " again"}
    fake.issues = sorted(issues, key=lambda i: i["key"])
    with paths_taken() as taken:
        again = run("import", "jira", "--url", fake.url, "--jql", "project = OPS ORDER BY key", db=db, env=env)
    assert again.exit_code == 0, again.output
    assert "(60 new)" in again.stdout and taken == [True]
    store = open_store(db)
    try:
        assert store.item_count() == 460 and store.staged_count() == 0
        assert_as_full(store)
        classified = _verdicts(store)
    finally:
        store.close()
    # the day after: the re-read window brings the same issues back, as they are stored
    with paths_taken() as taken:
        same = run("import", "jira", "--url", fake.url, "--jql", "project = OPS ORDER BY key", db=db, env=env)
    assert same.exit_code == 0, same.output
    assert "(0 new)" in same.stdout and taken == []  # nothing to re-label
    store = open_store(db)
    try:
        assert store.item_count() == 460 and store.staged_count() == 0
        assert _verdicts(store).equals(classified)
    finally:
        store.close()
    # one of them changed meanwhile: it alone is moved in and re-labelled with what it changes
    fake.issues[5]["fields"] = {**fake.issues[5]["fields"], "updated": later, "summary": "Rotate the TLS certificate"}
    with paths_taken() as taken:
        changed = run("import", "jira", "--url", fake.url, "--jql", "project = OPS ORDER BY key", db=db, env=env)
    assert changed.exit_code == 0, changed.output
    assert taken == [True]
    store = open_store(db)
    try:
        assert _titles(store)[fake.issues[5]["key"]] == "Rotate the TLS certificate"
        assert int(store.import_runs().iloc[-1]["rows_read"]) == 1  # the one item moved in
        assert_as_full(store)
        store.set_setting("template_counts", "made by another rule pack")  # the next end classifies in full
    finally:
        store.close()
    # a full classification at the end: every item fetched is moved in, unchanged or not
    fake.issues[6]["fields"] = {**fake.issues[6]["fields"], "updated": later, "summary": "Renew the VPN certificate"}
    with paths_taken() as taken:
        full = run("import", "jira", "--url", fake.url, "--jql", "project = OPS ORDER BY key", db=db, env=env)
    assert full.exit_code == 0, full.output
    assert taken == [False]
    store = open_store(db)
    try:
        assert store.item_count() == 460 and store.staged_count() == 0
        assert _titles(store)[fake.issues[6]["key"]] == "Renew the VPN certificate"
        assert_as_full(store)
    finally:
        store.close()
