"""What every command needs from the database, and the SQL both engines share.

Engines (duckdb.py, postgres.py) differ only in how they connect, fetch and bulk-load. Every
write a command makes is one transaction: a failed import leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from toilaudit import slot_pairs
from toilaudit.errors import StoreError
from toilaudit.importers.export import MAX_SECONDS, ImportBatch
from toilaudit.importers.interface import DATE_FIELDS, WORK_ITEM_FIELDS
from toilaudit.sorted_arrays import among, distinct
from toilaudit.store import slots
from toilaudit.store.schema import (
    CLASSIFICATION_COLUMNS,
    FIGURES,
    GROUPINGS,
    ITEM_AND_VERDICT,
    JOINED,
    MIGRATIONS,
    SCHEMA_VERSION,
    SLOT_BUCKETS,
    TEMPLATE_COUNTS,
    TEMPLATE_TABLES,
    WORK_ITEM_COLUMNS,
    group_sizes,
    hours_sum,
    schema,
)

GROUPS_LOOKED_UP = 500  # more groups than this in a read: every group's size is counted, in one scan
WAIT_SECONDS = 30.0  # how long a command waits for a store another toilaudit is writing to


@dataclass(frozen=True, slots=True)
class Opening:
    """How a command opens the store."""

    read_only: bool = False
    """Only reads: several such commands share a DuckDB file at once (a writer has it alone)."""
    create: bool = True
    """Create the store where there is none. Commands with nothing to read from an empty store
    (summary, report) say there is none instead of leaving an empty store behind."""
    wait_seconds: float = WAIT_SECONDS
    """How long to wait while another toilaudit is writing to the file, before giving up."""
    on_wait: Callable[[str], None] = lambda message: None
    """Told once, with a line for people, when the command starts waiting."""


class NoStoreError(StoreError):
    """A command that reads found no store where --db points."""


def no_store_error(name: str) -> NoStoreError:
    return NoStoreError(f"{name}: no toilaudit store here - make one with toilaudit import jira --csv FILE (or "
                        "toilaudit interview), or point --db at yours")


class Store:
    """What every command needs from the database; engines differ only in connect and bulk load."""

    placeholder = "?"
    keyed = True  # primary keys on (source, key); see schema()

    def __init__(self, location: str, opening: Opening = Opening()) -> None:
        self.location = location
        self.opening = opening
        self._in_transaction = False
        self.saved = False
        """Whether the command's work is committed (import_batch): the CLI tells Ctrl-C after it from one before."""
        # slot buckets read in this transaction (bucket -> its pairs): an import reads the same ones
        # three times (the texts a change reaches, those sharing their slots, then to write them)
        self._buckets_read: dict[int, np.ndarray] = {}
        self._connect()
        try:
            self._prepare_schema()
        except BaseException:
            self.close()
            raise

    # -- engine specifics --------------------------------------------------------------------
    def _connect(self) -> None:
        raise NotImplementedError

    def _execute(self, sql: str, params: tuple = ()) -> Any:
        raise NotImplementedError

    def _frame(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        raise NotImplementedError

    def _load_frame(self, table: str, frame: pd.DataFrame) -> None:
        """Append a DataFrame whose columns match the table's, in bulk."""
        raise NotImplementedError

    def _delete_count(self, sql: str, params: tuple) -> int:
        """Run a DELETE and return how many rows it removed (one scan, not a count and a delete)."""
        raise NotImplementedError

    def _begin(self) -> None:
        self._execute("BEGIN TRANSACTION")

    def _commit(self) -> None:
        self._execute("COMMIT")

    def _rollback(self) -> None:
        self._execute("ROLLBACK")

    def close(self) -> None:
        raise NotImplementedError

    def lock_for_import(self) -> None:
        """Serialise concurrent imports (a shared server); one file has one writer anyway."""

    def lock_for_schema(self) -> None:
        """Serialise schema creation by concurrent first connections (a shared server)."""

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """Let other commands use the store while this one waits for a person (a key press).

        A shared server needs nothing; an embedded file has one writer at a time, so the
        engine closes it here and opens it again after (waiting, if someone else writes then).
        """
        yield

    # -- schema ------------------------------------------------------------------------------
    def _stored_version(self) -> int | None:
        """The store's schema version; None where there is no toilaudit store (no meta table)."""
        found = self._scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta' "
                             "AND table_schema = current_schema()")
        if not found:
            return None
        version = self._scalar("SELECT value FROM meta WHERE name = 'schema_version'")
        return None if version is None else int(version)

    def _prepare_schema(self) -> None:
        """Create or upgrade the tables; a command that must not create a store checks there is one.

        A read-only command cannot upgrade an older store, so it opens it for writing once, upgrades it,
        and reads on.
        """
        if self.opening.create and not self.opening.read_only:
            self._create_schema()
            return
        version = self._stored_version()
        if version is None:
            raise no_store_error(self.display_name)
        if version > SCHEMA_VERSION:
            raise self._newer_error(version)
        if self.opening.read_only and version < SCHEMA_VERSION:
            self.close()
            self._reopen(read_only=False)
            self._create_schema()
            self.close()
            self._reopen(read_only=True)
        elif not self.opening.read_only:
            self._create_schema()

    def _reopen(self, read_only: bool) -> None:
        self.opening = replace(self.opening, read_only=read_only)
        self._connect()

    def _newer_error(self, found: object) -> StoreError:
        return StoreError(f"{self.display_name}: written by a newer toilaudit (schema {found}, this one knows "
                          f"{SCHEMA_VERSION}) - upgrade toilaudit")

    def _create_schema(self) -> None:
        with self.transaction():
            self.lock_for_schema()
            for statement in schema(self.keyed):
                self._execute(statement)
            found = self._scalar("SELECT value FROM meta WHERE name = 'schema_version'")
            if found is None:
                self._execute(f"INSERT INTO meta VALUES ('schema_version', {self.placeholder})", (str(SCHEMA_VERSION),))
            elif int(found) < SCHEMA_VERSION:
                for version in range(int(found) + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[version]:
                        self._execute(statement)
                self._execute(self._sql("UPDATE meta SET value = ? WHERE name = 'schema_version'"),
                              (str(SCHEMA_VERSION),))
            elif int(found) > SCHEMA_VERSION:
                raise self._newer_error(found)

    @property
    def display_name(self) -> str:
        return self.location

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _scalar(self, sql: str, params: tuple = ()) -> Any:
        frame = self._frame(sql, params)
        return None if frame.empty else frame.iat[0, 0]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One unit of work: committed whole or rolled back whole."""
        if self._in_transaction:
            yield
            return
        self._begin()
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        else:
            self._commit()
        finally:
            self._in_transaction = False
            self._buckets_read.clear()

    # -- items -------------------------------------------------------------------------------
    def upsert_items(self, batch: ImportBatch, mode: str, unchanged: int = 0, older: int = 0) -> dict[str, int]:
        """Insert or replace the batch's items by (source, key); record the import run, which read
        `unchanged` items more that the store already held as they were, and `older` items it holds in
        a newer version (compare_items): neither is written."""
        started = datetime.now(UTC)
        items = batch.items
        kept = unchanged + older
        with self.transaction():
            run_id = self._next_run_id()
            updated = self._replace_items(batch.source, items.assign(import_run_id=run_id)) if len(items) else 0
            files = json.dumps([{"name": f.name, "sha256": f.sha256, "rows": f.rows} for f in batch.files])
            self._insert_run(run_id, batch.source, mode, files, batch.query, len(items) + kept,
                             len(items) - updated, updated, started)
        return {"run_id": run_id, "rows": len(items) + kept, "inserted": len(items) - updated, "updated": updated,
                "unchanged": unchanged, "older": older}

    def compare_items(self, source: str, items: pd.DataFrame) -> Comparison:
        """What the store holds of each item of `items` (keys unique), compared by the engine in one
        join on (source, key), a whole batch at a time (never row by row here):
        - identical: every field the same, as writing it would store it (the engine's own conversions:
          times to the microsecond, texts without NUL on PostgreSQL);
        - older: the source changed the stored version later (both updated_at known, the item's earlier);
        - clashing: another item under the same key (both created_at known, CREATED_TOLERANCE apart or more);
        - undated: replaced, though only one of the two versions has an updated_at (which is newer is not known).
        """
        none = np.zeros(len(items), dtype=bool)
        held = self._scalar(self._sql("SELECT 1 FROM work_items WHERE source = ? LIMIT 1"), (source,))
        if items.empty or held is None:  # a first import: nothing to compare with
            return Comparison(none, none.copy(), _clashes(items, np.zeros(0, np.int64), pd.Series([], dtype=object)),
                              none.copy())
        given = items[list(WORK_ITEM_FIELDS)].assign(row=np.arange(len(items), dtype=np.int64))
        found = self._compare_batch(given, f"{_verdict('w', 'g')} AS verdict, w.created_at AS stored_created",
                                    "JOIN work_items w ON w.source = g.source AND w.key = g.key")
        rows, verdicts = found["row"].to_numpy(dtype=np.int64), found["verdict"].to_numpy(dtype=np.int64)
        identical, older, undated = none, none.copy(), none.copy()
        identical[rows[verdicts == IDENTICAL]] = True
        older[rows[verdicts == OLDER]] = True
        undated[rows[verdicts == UNDATED]] = True
        clashing = verdicts == CLASHING
        return Comparison(identical, older, _clashes(items, rows[clashing], found["stored_created"][clashing]), undated)

    def _compare_batch(self, given: pd.DataFrame, verdicts: str, join: str) -> pd.DataFrame:
        """`row` and the `verdicts` (SQL: columns) of each `given` item (as g) that `join` (SQL) finds,
        where the first verdict is not NULL: compared on a copy in a temporary table, dropped after (the
        whole batch)."""
        types = {name: kind.removesuffix(" NOT NULL") for name, kind in WORK_ITEM_COLUMNS.items()} | {"row": "BIGINT"}
        staged = self._staged("batch", given, types)
        found = self._bulk_frame(with_verdict(f"SELECT g.row, {verdicts} FROM {staged} g {join}"))
        self._execute(f"DROP TABLE {staged}")
        return found

    # -- a live import's pages, staged until its last one -----------------------------------
    def stage_pages(self, scope: str, items: pd.DataFrame) -> None:
        """Keep fetched pages of the live import `scope` (in the caller's transaction, with its place)."""
        if items.empty:
            return
        with self.transaction():
            last = int(self._scalar(self._sql("SELECT COALESCE(max(seq), 0) FROM staged_items WHERE scope = ?"),
                                    (scope,)))
            self._load_frame("staged_items", items[list(WORK_ITEM_FIELDS)].assign(
                scope=scope, seq=range(last + 1, last + 1 + len(items))))

    def staged_count(self, scope: str | None = None) -> int:
        """Keys a live import (`scope`, or any) keeps aside until its last page."""
        if scope is None:
            return int(self._scalar("SELECT count(*) FROM (SELECT DISTINCT scope, key FROM staged_items) staged"))
        return int(self._scalar(self._sql("SELECT count(DISTINCT key) FROM staged_items WHERE scope = ?"), (scope,)))

    def staged_scopes(self) -> dict[str, int]:
        """Each live import that keeps pages aside, and how many keys."""
        frame = self._bulk_frame("SELECT scope, count(DISTINCT key) AS keys FROM staged_items GROUP BY scope")
        return {str(scope): int(keys) for scope, keys in zip(frame["scope"], frame["keys"])}

    def discard_staged(self, scope: str) -> None:
        with self.transaction():
            self._execute(self._sql("DELETE FROM staged_items WHERE scope = ?"), (scope,))

    def _latest_staged(self, columns: tuple[str, ...] | list[str]) -> str:
        """The staged rows of one scope (the parameter), each key once: the copy fetched last."""
        return (f"SELECT {', '.join(columns)} FROM (SELECT *, row_number() OVER (PARTITION BY key ORDER BY seq DESC) "
                "AS newest FROM staged_items WHERE scope = ?) latest WHERE newest = 1")

    def compare_staged(self, scope: str) -> pd.DataFrame:
        """The staged keys of `scope` whose latest copy the store holds in a newer version or is
        another item (compare_items' `older`, `clashing`): key, verdict (OLDER or CLASHING),
        created_at and stored_created (the two Created, where they clash). Caller's transaction."""
        found = self._bulk_frame(self._sql(with_verdict(
            f"SELECT s.key, CASE WHEN {_created_apart('w', 's')} THEN {CLASHING} WHEN {_older('w', 's')} THEN {OLDER} "
            "END AS verdict, s.created_at, w.created_at AS stored_created "
            f"FROM ({self._latest_staged(WORK_ITEM_FIELDS)}) s JOIN work_items w ON w.source = s.source AND w.key = s.key")),
            (scope,))
        return found.astype({"key": object, "verdict": np.int64})

    def drop_staged_kept(self, scope: str) -> int:
        """Drop the staged keys of `scope` whose latest copy the store holds with every field the
        same, or in a newer version (as compare_items compares, clashes aside: refused before);
        returns how many rows went. Caller's transaction."""
        return self._delete_count(self._sql(
            f"DELETE FROM staged_items WHERE scope = ? AND key IN (SELECT s.key FROM ({self._latest_staged(WORK_ITEM_FIELDS)}) s "
            f"JOIN work_items w ON w.source = s.source AND w.key = s.key WHERE ({_same_fields('w', 's')}) "
            f"OR {_older('w', 's')})"), (scope, scope))

    def load_staged(self, scope: str, columns: tuple[str, ...] = WORK_ITEM_FIELDS) -> pd.DataFrame:
        return typed_items(self._bulk_frame(self._sql(self._latest_staged(columns)), (scope,)), columns)

    def move_staged(self, scope: str, source: str, query: str, started: datetime) -> tuple[int, int]:
        """Move a live import's staged pages into work_items and record the run (caller's transaction);
        returns (items, keys new to the store)."""
        with self.transaction():
            run_id = self._next_run_id()
            rows = self.staged_count(scope)
            if rows:
                self.forget_template_counts()  # as every change of the items does
            replaced = self._delete_count(self._sql(
                "DELETE FROM work_items WHERE source = ? AND key IN (SELECT key FROM staged_items WHERE scope = ?)"),
                (source, scope))
            columns = [*WORK_ITEM_FIELDS, "import_run_id"]
            self._execute(self._sql(f"INSERT INTO work_items ({', '.join(columns)}) "
                                    + self._latest_staged([*WORK_ITEM_FIELDS, f"{int(run_id)} AS import_run_id"])),
                          (scope,))
            self.discard_staged(scope)
            self._insert_run(run_id, source, "api", "[]", query, rows, rows - replaced, replaced, started)
            self._changed()
        return rows, rows - replaced

    def _replace_items(self, source: str, items: pd.DataFrame) -> int:
        """Delete the stored rows of these keys and append the new ones; returns how many were replaced.
        Runs inside the caller's transaction. The template counts describe the items before this
        change: they are forgotten (an import that keeps them up to date writes them again)."""
        self.lock_for_import()
        self.forget_template_counts()
        self._stage_keys(items["key"])
        replaced = self._delete_count(
            self._sql("DELETE FROM work_items WHERE source = ? AND key IN (SELECT key FROM staged_keys)"), (source,))
        self._load_frame("work_items", items)
        self._changed()
        return replaced

    # -- what classifying reads ----------------------------------------------------------------
    GENERATION = "generation"

    def generation(self) -> int:
        """A count of the changes to what classifying reads (items, labels, classifications): an
        import that classified outside the store writes its verdicts only if it is unchanged."""
        return int(self.get_setting(self.GENERATION) or 0)

    def _changed(self) -> None:
        self.set_setting(self.GENERATION, str(self.generation() + 1))

    def _stage_keys(self, keys: pd.Series) -> None:
        """Put keys in the temporary table `staged_keys`, for set-based deletes and anti-joins."""
        self._execute("CREATE TEMP TABLE IF NOT EXISTS staged_keys (key TEXT)")
        self._execute("DELETE FROM staged_keys")
        self._load_frame("staged_keys", keys.to_frame("key"))

    def _next_run_id(self) -> int:
        self.lock_for_import()  # taken before max(run_id), so concurrent imports cannot share an id
        return int(self._scalar("SELECT COALESCE(max(run_id), 0) + 1 FROM import_runs"))

    def _insert_run(self, run_id: int, source: str, mode: str, files: str, query: str, rows: int, inserted: int,
                    updated: int, started: datetime) -> None:
        self._execute(
            self._sql("INSERT INTO import_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            (run_id, source, mode, files, query, rows, inserted, updated, started, datetime.now(UTC)),
        )

    def _bulk_frame(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        """A large result; engines may fetch it a faster way."""
        return self._frame(sql, params)

    def load_items(self, columns: tuple[str, ...] = WORK_ITEM_FIELDS, replaced_by: ImportBatch | None = None,
                   staged_scope: str | None = None, description_chars: int | None = None) -> pd.DataFrame:
        """Stored items (only `columns`: a million rows load in half the time with fewer).

        With `replaced_by`, only the items that batch leaves in place: re-importing an export
        then loads nothing back; with `staged_scope`, only those the live import's staged pages leave.
        `description_chars`: descriptions cut to their first characters (the classifier reads no
        more): a million descriptions of up to 2,000 characters each are the largest column.
        """
        selected = [f"substr(description, 1, {int(description_chars)}) AS description"
                    if name == "description" and description_chars is not None else name for name in columns]
        select = f"SELECT {', '.join(selected)} FROM work_items"
        leaving_out = replaced_by is not None or staged_scope is not None
        # not count(*): PostgreSQL would read every row to answer it
        if leaving_out and self._scalar("SELECT 1 FROM work_items LIMIT 1") is None:
            # a first import: nothing to leave out, and its keys (5M: 170 MB in the engine) not staged
            frame = self._bulk_frame(f"{select} LIMIT 0")
        elif replaced_by is not None:
            self._stage_keys(replaced_by.items["key"])
            frame = self._bulk_frame(
                self._sql(f"{select} WHERE NOT (source = ? AND key IN (SELECT key FROM staged_keys))"),
                (replaced_by.source,))
        elif staged_scope is not None:
            frame = self._bulk_frame(self._sql(
                f"{select} w WHERE NOT EXISTS (SELECT 1 FROM staged_items s WHERE s.scope = ? AND s.source = w.source "
                "AND s.key = w.key)"), (staged_scope,))
        else:
            frame = self._bulk_frame(select)
        return typed_items(frame, columns)

    def item_count(self) -> int:
        return int(self._scalar("SELECT count(*) FROM work_items"))

    def unclassified_count(self) -> int:
        """Items without a classification: what a live import of toilaudit 0.1 cut off before its end left."""
        return int(self._scalar(
            "SELECT count(*) FROM work_items w WHERE NOT EXISTS "
            "(SELECT 1 FROM classifications c WHERE c.source = w.source AND c.key = w.key)"))

    def items_by_keys(self, source: str, keys: pd.Series, columns: tuple[str, ...]) -> pd.DataFrame:
        """The stored items of `source` with these keys (`columns` only)."""
        self._stage_keys(keys)
        return self._bulk_frame(self._sql(f"SELECT {', '.join(columns)} FROM work_items WHERE source = ? AND key IN "
                                          "(SELECT key FROM staged_keys)"), (source,))

    def items_in_groups(self, columns: tuple[str, ...], templates: list[str], leaving_out: pd.DataFrame
                        ) -> pd.DataFrame:
        """The stored items whose classification has one of these templates (`columns`, then the
        stored `template`), but those of `leaving_out` (columns source, key); typed as load_items types them."""
        frame = self._bulk_frame(f"SELECT {', '.join('w.' + name for name in columns)}, c.template "
                                 f"{self._group_items(templates, leaving_out)}")
        return typed_items(frame, columns)

    def _group_items(self, templates: list[str], leaving_out: pd.DataFrame) -> str:
        """SQL FROM and WHERE: the stored items (w) and classifications (c) of these templates'
        groups, but the items of `leaving_out`."""
        staged, left_out = self._staged_groups(templates, leaving_out)
        return (f"FROM work_items w JOIN classifications c ON c.source = w.source AND c.key = w.key "
                f"WHERE c.template IN (SELECT template FROM {staged}) "
                f"AND NOT EXISTS (SELECT 1 FROM {left_out} s WHERE s.source = w.source AND s.key = w.key)")

    def group_counts(self, templates: list[str], leaving_out: pd.DataFrame) -> pd.DataFrame:
        """Per stored group (source, template) of these templates: its stored size and the number
        of its items not among `leaving_out` (columns source, key): those that stay as they are."""
        staged, left_out = self._staged_groups(templates, leaving_out)
        frame = self._bulk_frame(
            f"SELECT c.source, c.template, count(*) AS size, count(*) - count(s.key) AS staying "
            f"FROM classifications c LEFT JOIN {left_out} s ON s.source = c.source AND s.key = c.key "
            f"WHERE c.template IN (SELECT template FROM {staged}) GROUP BY c.source, c.template")
        return frame.astype({"source": object, "template": object, "size": np.int64, "staying": np.int64})

    def _staged_groups(self, templates: list[str], leaving_out: pd.DataFrame) -> tuple[str, str]:
        """The temporary tables naming these templates and the items (source, key) left out."""
        staged = self._staged("templates", pd.DataFrame({"template": templates}, dtype=object), {"template": "TEXT"})
        return staged, self._staged("items", leaving_out[["source", "key"]], {"source": "TEXT", "key": "TEXT"})

    # -- classifications ---------------------------------------------------------------------
    def replace_classifications(self, classified: pd.DataFrame) -> None:
        with self.transaction():
            self._execute("DELETE FROM classifications")
            self._load_frame("classifications", classified[list(CLASSIFICATION_COLUMNS)])
            # built after the first load; later ones keep it up (dropping it would make readers wait)
            self._create_indexes("classifications")
            self._changed()

    def replace_some_classifications(self, classified: pd.DataFrame) -> None:
        """Replace the classifications of these items (by source and key), leaving the others."""
        with self.transaction():
            staged = self._staged("items", classified[["source", "key"]], {"source": "TEXT", "key": "TEXT"})
            self._execute(f"DELETE FROM classifications WHERE EXISTS (SELECT 1 FROM {staged} s "
                          "WHERE s.source = classifications.source AND s.key = classifications.key)")
            self._load_frame("classifications", classified[list(CLASSIFICATION_COLUMNS)])
            self._changed()

    # -- the counts behind templates (relabel.py) -----------------------------------------------
    def template_counts_made_with(self) -> str | None:
        """What the kept template counts were made with (relabel.fingerprint); None: none kept."""
        return self.get_setting(TEMPLATE_COUNTS)

    def forget_template_counts(self) -> None:
        self._execute(self._sql("DELETE FROM meta WHERE name = ?"), (TEMPLATE_COUNTS,))

    def replace_template_counts(self, tables: dict[str, pa.Table | pd.DataFrame], candidate_slots: np.ndarray,
                                made_with: str) -> None:
        """Write every table of the template counts anew (a full classification made them);
        `candidate_slots`: one pair per candidate slot (toilaudit.slot_pairs), sorted in place."""
        rows = {name: tables[name] for name in TEMPLATE_TABLES if name != SLOT_BUCKETS}
        rows[SLOT_BUCKETS] = slots.pack(candidate_slots)
        with self.transaction():
            self._buckets_read.clear()
            for name in TEMPLATE_TABLES:
                # indexes built after the load: quicker than kept up row by row, and only imports
                # read these tables, under the import lock, so none waits for the dropped ones
                self._drop_indexes(name)
                self._execute(f"DELETE FROM {name}")
                if len(rows[name]):
                    self._load_frame(name, rows[name])
                self._create_indexes(name)
            self.set_setting(TEMPLATE_COUNTS, made_with)

    def update_template_counts(self, gone: dict[str, pd.DataFrame], added: dict[str, pd.DataFrame],
                               made_with: str) -> None:
        """Delete the rows of each table that match a row of `gone` (table -> frame of some of its
        columns) on every column of that frame, then add the rows of `added` (table -> frame).
        The slots ("template_slots": variant, text_id) are kept by bucket: see _update_slots."""
        gone, added = dict(gone), dict(added)
        with self.transaction():
            self._update_slots(gone.pop("template_slots"), added.pop("template_slots"))
            for name, rows in gone.items():
                columns = list(rows.columns)
                staged = self._staged(f"gone_{name}", rows, {column: TEMPLATE_TABLES[name][column] for column in columns})
                # the first column alone as well: the index it has (schema.INDEXES) finds the rows
                match = f"{columns[0]} IN (SELECT {columns[0]} FROM {staged})"
                if len(columns) > 1:
                    match += f" AND ({', '.join(columns)}) IN (SELECT {', '.join(columns)} FROM {staged})"
                self._execute(f"DELETE FROM {name} WHERE {match}")
            for name, frame in added.items():
                if len(frame):
                    self._load_frame(name, frame)
            self.set_setting(TEMPLATE_COUNTS, made_with)

    def _update_slots(self, gone: pd.DataFrame, added: pd.DataFrame) -> None:
        """Take every copy of the `gone` (variant, text_id) pairs out, put the `added` ones in:
        the buckets holding them are read, changed and written again."""
        gone_pairs = slot_pairs.pairs_of(gone["variant"].to_numpy(), gone["text_id"].to_numpy())
        added_pairs = slot_pairs.pairs_of(added["variant"].to_numpy(), added["text_id"].to_numpy())
        buckets = distinct(np.concatenate((slots.bucket_of(gone["variant"].to_numpy()),
                                           slots.bucket_of(added["variant"].to_numpy()))))
        if not len(buckets):
            return
        stored = self._pairs_in_buckets(buckets)
        for bucket in buckets.tolist():
            self._buckets_read.pop(bucket, None)
        condition, params = self._among_integers("bucket", buckets)
        self._execute(f"DELETE FROM {SLOT_BUCKETS} WHERE {condition}", params)
        after = slots.changed(stored, gone_pairs, added_pairs)
        if len(after):
            self._load_frame(SLOT_BUCKETS, slots.pack(after))

    def template_rows(self, table: str, column: str, values: pd.Series) -> pd.DataFrame:
        """The rows of a template counts table whose `column` is one of `values`."""
        kind = TEMPLATE_TABLES[table][column]
        if kind == "INTEGER":
            condition, params = self._among_integers(column, distinct(values.to_numpy(dtype=np.int32)))
            return self._bulk_frame(f"SELECT * FROM {table} WHERE {condition}", params)
        staged = self._staged(f"{kind.lower()}s", values.drop_duplicates().to_frame("value"), {"value": kind})
        return self._bulk_frame(f"SELECT * FROM {table} WHERE {column} IN (SELECT value FROM {staged})")

    def _among_integers(self, column: str, values: np.ndarray) -> tuple[str, tuple]:
        """A condition that `column` is one of these integers (distinct, sorted: `distinct`), and its
        parameters: here the values are staged in a temporary table (PostgreSQL passes one array)."""
        staged = self._staged("integers", pd.DataFrame({"value": values}), {"value": "INTEGER"})
        return f"{column} IN (SELECT value FROM {staged})", ()

    def template_slots(self, variants: np.ndarray | None = None) -> pd.DataFrame:
        """The kept candidate slots (variant, text_id) of these variants (None: all of them)."""
        if variants is None:
            return slot_pairs.as_frame(slots.unpack(self._bulk_frame(f"SELECT pairs FROM {SLOT_BUCKETS}")["pairs"]))
        variants = distinct(np.asarray(variants, dtype=np.int32))
        pairs = self._pairs_in_buckets(distinct(slots.bucket_of(variants)))
        return slot_pairs.as_frame(pairs[among(slot_pairs.halves(pairs)[1], variants)])

    def _pairs_in_buckets(self, buckets: np.ndarray) -> np.ndarray:
        """The kept slot pairs of these buckets (distinct): those read before in this transaction
        are not read again (outside one, every read is new)."""
        known = self._buckets_read if self._in_transaction else {}
        missing = [bucket for bucket in buckets.tolist() if bucket not in known]
        if missing:
            condition, params = self._among_integers("bucket", np.asarray(missing, dtype=np.int32))
            rows = self._bulk_frame(f"SELECT bucket, pairs FROM {SLOT_BUCKETS} WHERE {condition}", params)
            known.update(dict.fromkeys(missing, slot_pairs.empty(0)))  # a bucket without a row holds none
            known.update((int(bucket), slots.unpack([blob])) for bucket, blob in zip(rows["bucket"], rows["pairs"]))
        return np.concatenate([known[bucket] for bucket in buckets.tolist()]) if len(buckets) else slot_pairs.empty(0)

    def template_texts_containing(self, pieces: pd.Series) -> pd.DataFrame:
        """The template_texts rows whose text contains one of `pieces` (a scan: seldom needed)."""
        staged = self._staged("pieces", pieces.drop_duplicates().to_frame("value"), {"value": "TEXT"})
        return self._bulk_frame(f"SELECT DISTINCT t.* FROM template_texts t JOIN {staged} p ON position(p.value IN t.text) > 0")

    def next_template_text_id(self) -> int:
        return int(self._scalar("SELECT COALESCE(max(id), -1) + 1 FROM template_texts"))

    def _create_indexes(self, table: str) -> None:
        """Create the table's indexes (schema.INDEXES) where missing; an engine without them does nothing."""

    def _drop_indexes(self, table: str) -> None:
        """Drop the table's indexes before a bulk load (they are created again after it)."""

    def _analyze(self, table: str) -> None:
        """Gather a staged table's statistics before a large statement joins it, where the engine
        needs that: PostgreSQL never analyzes a temporary table by itself, and guessing its size
        it joined 1M classifications to 91 group sizes by source alone (33 s for an UPDATE that
        takes 8 s with a hash join)."""

    def _staged(self, name: str, frame: pd.DataFrame, types: dict[str, str]) -> str:
        """Put a frame in the temporary table given_NAME (made with `types`), for set-based joins."""
        table = f"given_{name}"
        self._execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({', '.join(f'{c} {t}' for c, t in types.items())})")
        self._execute(f"DELETE FROM {table}")
        if len(frame):
            self._load_frame(table, frame)
        return table

    def classified_items(self, columns: str = ITEM_AND_VERDICT) -> pd.DataFrame:
        return self._with_group_sizes(self._frame(f"SELECT {columns} FROM {JOINED} ORDER BY w.source, w.key"))

    def verdict_columns(self, columns: str) -> pd.DataFrame:
        """A few columns of every classified item (as classified_items orders them), fetched in
        bulk: a million items' whole rows would cost gigabytes where a queue needs a score."""
        return self._bulk_frame(f"SELECT {columns} FROM {JOINED} ORDER BY w.source, w.key")

    def classified_item(self, source: str, key: str) -> pd.Series:
        """One classified item's whole row (as classified_items gives it)."""
        return self._with_group_sizes(self._frame(self._sql(f"SELECT {ITEM_AND_VERDICT} FROM {JOINED} "
                                                    "WHERE w.source = ? AND w.key = ?"), (source, key))).iloc[0]

    def labelled_items(self, given: pd.DataFrame | None = None) -> pd.DataFrame:
        """Classified items that people labelled (the labels table, or a toil label in the source),
        and those `given` names (source, key: a labels file's), in the order classified_items gives."""
        also = ""
        if given is not None and len(given):
            table = self._staged("labels", given[["source", "key"]], {"source": "TEXT", "key": "TEXT"})
            also = f" OR (w.source, w.key) IN (SELECT source, key FROM {table})"
        return self._with_group_sizes(self._frame(
            f"SELECT {ITEM_AND_VERDICT} FROM {JOINED} LEFT JOIN labels l ON l.source = w.source AND l.key = w.key "
            f"WHERE l.key IS NOT NULL OR w.human_label <> ''{also} ORDER BY w.source, w.key"
        ))

    def labels_of_stored_items(self) -> pd.DataFrame:
        """The labels table's rows (source, key, label) of the items the store holds."""
        return self._frame("SELECT l.source, l.key, l.label FROM labels l JOIN work_items w "
                           "ON w.source = l.source AND w.key = l.key")

    def group_ids_of(self, items: pd.DataFrame) -> pd.DataFrame:
        """source, key and group_id of the classifications of these items (columns source, key)."""
        staged = self._staged("items", items[["source", "key"]], {"source": "TEXT", "key": "TEXT"})
        return self._frame(f"SELECT c.source, c.key, c.group_id FROM classifications c JOIN {staged} s "
                           "ON s.source = c.source AND s.key = c.key")

    def explain(self, key: str) -> pd.DataFrame:
        """The item(s) people may mean by `key`: a key in any case, or a PagerDuty incident number (#1234)."""
        number = key.removeprefix("#")
        return self._with_group_sizes(self._frame(
            self._sql(f"SELECT {ITEM_AND_VERDICT} FROM {JOINED} WHERE lower(w.key) = lower(?) "
                      "OR (w.source = 'pagerduty' AND w.incident_number = ?) ORDER BY w.source, w.key"),
            (key, number),
        ))

    def items(self, toil: bool | None = None, category: str | None = None, group: str | None = None,
              team: str | None = None, source: str | None = None, service: str | None = None,
              limit: int | None = None, columns: str = ITEM_AND_VERDICT) -> pd.DataFrame:
        """Classified items, filtered (names in any case), newest first; the first `limit` of them."""
        where, params = self._item_filter(toil, category, group, team, source, service)
        # the database sorts and cuts: the newest 50 of a million items without reading the million
        first = f" LIMIT {int(limit)}" if limit else ""
        return self._with_group_sizes(self._frame(self._sql(f"SELECT {columns} FROM {JOINED}{where} "
                                                    f"ORDER BY w.created_at DESC NULLS LAST, w.source, w.key{first}"),
                                          params))

    def _with_group_sizes(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Classified items' rows with their group's size (`group_size`, after `group_id`), where
        they name their group (source and template): sizes are counted when read (group_sizes)."""
        if not {"source", "template"} <= set(rows.columns) or "group_size" in rows.columns:
            return rows
        groups = rows[["source", "template"]].astype(object)
        wanted = groups["template"].drop_duplicates()
        if len(wanted) > GROUPS_LOOKED_UP:
            sizes = self._bulk_frame(group_sizes())
        elif len(wanted):  # a few groups: their rows alone are counted
            marks = ", ".join("?" * len(wanted))
            sizes = self._frame(self._sql(group_sizes(f" WHERE template IN ({marks})")), tuple(wanted))
        else:  # no rows (SQL has no empty IN list)
            sizes = pd.DataFrame({"source": [], "template": [], "group_size": []})
        found = groups.merge(sizes.astype({"source": object, "template": object}), on=["source", "template"],
                             how="left")["group_size"].fillna(0).astype("int64").to_numpy()
        at = rows.columns.get_loc("group_id") + 1 if "group_id" in rows.columns else len(rows.columns)
        rows = rows.copy()
        rows.insert(at, "group_size", found)
        return rows

    def count_items(self, toil: bool | None = None, category: str | None = None, group: str | None = None,
                    team: str | None = None, source: str | None = None, service: str | None = None) -> int:
        """How many classified items `items` would list without a limit."""
        where, params = self._item_filter(toil, category, group, team, source, service)
        return int(self._scalar(self._sql(f"SELECT count(*) FROM {JOINED}{where}"), params))

    def _item_filter(self, toil: bool | None, category: str | None, group: str | None, team: str | None,
                     source: str | None, service: str | None) -> tuple[str, tuple]:
        conditions, params = [], []
        if toil is not None:
            conditions.append("c.is_toil" if toil else "NOT c.is_toil")
        # team and service as summary names them: '(no team)' selects the items that name none
        for column, value in (("c.category", category), ("c.group_id", group), (GROUPINGS["team"], team),
                              ("w.source", source), (GROUPINGS["service"], service)):
            if value is not None:
                conditions.append(f"lower({column}) = lower(?)")
                params.append(value)
        return (f" WHERE {' AND '.join(conditions)}" if conditions else ""), tuple(params)

    # -- figures for summary and report ------------------------------------------------------
    # `services` narrows every figure to one organisation's items (those of its services);
    # None counts every item in the store. `between` (start, end) narrows them to the items
    # created in a period, start <= created_at < end; None counts every date.
    def _where(self, services: tuple[str, ...] | None, *conditions: str,
               between: tuple[datetime, datetime] | None = None) -> tuple[str, tuple]:
        clauses, params = list(conditions), tuple[str, ...]()
        if services is not None:
            # a service's items, whatever the case of its name (item_services)
            clauses.append(f"lower(w.service) IN ({', '.join('?' * len(services))})" if services else "FALSE")
            params = tuple(service.lower() for service in services)
        if between is not None:
            clauses.append("w.created_at >= ? AND w.created_at < ?")
            params += tuple(pd.Timestamp(when).to_pydatetime() for when in between)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def totals(self, services: tuple[str, ...] | None = None,
               between: tuple[datetime, datetime] | None = None, group: str | None = None) -> dict[str, Any]:
        """The figures (FIGURES) of the items of `services` created `between`, of one repetition `group` if named."""
        where, params = self._where(services, *(("c.group_id = ?",) if group is not None else ()), between=between)
        params = ((group,) if group is not None else ()) + params  # the group's condition comes first
        frame = self._frame(self._sql(
            f"SELECT {FIGURES}, min(w.created_at) AS first_created, max(w.created_at) AS last_created "
            f"FROM {JOINED}{where}"), params)
        return frame.iloc[0].to_dict()

    def breakdown(self, by: str, services: tuple[str, ...] | None = None,
                  between: tuple[datetime, datetime] | None = None) -> pd.DataFrame:
        expression = GROUPINGS[by]
        where, params = self._where(services, between=between)
        # the figures are all the classifications': where neither the grouping nor a filter reads
        # the items, they are left out (every item has one classification, written in the same
        # transaction), sparing a join of a million rows (0.9 s on PostgreSQL for the line every
        # import prints)
        rows = JOINED if "w." in expression or where else "classifications c"
        return self._frame(self._sql(f"SELECT {expression} AS {by}, {FIGURES} FROM {rows}{where} "
                                     "GROUP BY 1 ORDER BY 1"), params)

    def top_groups(self, limit: int, min_items: int = 1, services: tuple[str, ...] | None = None,
                   between: tuple[datetime, datetime] | None = None) -> pd.DataFrame:
        """Repetition groups of toil ranked by hours: the automation candidates. A group qualifies by
        its toil items in the whole store (`min_items` or more, as the classifier counts repetition:
        one toil item in a group of engineering work is not a request to automate), and is ranked by
        the hours and items of the period; `items_all` is its size in the whole store."""
        where, params = self._where(services, "c.is_toil", between=between)
        groups = self._frame(
            self._sql(
                f"""SELECT c.group_id, min(c.template) AS template,
                  min(w.source) AS source, count(*) AS items, COALESCE({hours_sum()}, 0) AS hours,
                  min(w.title) AS example_title,
                  count(DISTINCT NULLIF(w.team, '')) AS teams, max(g.group_size) AS items_all
                FROM {JOINED} JOIN ({group_sizes(having=" HAVING sum(CASE WHEN is_toil THEN 1 ELSE 0 END) >= ?")}) g
                  ON g.source = c.source AND g.template = c.template{where}
                GROUP BY c.group_id ORDER BY hours DESC, items DESC, c.group_id LIMIT ?"""
            ),
            (min_items, *params, limit),
        )
        # the group's one category, as explain gives it: not the first of its items' by name
        categories = self.group_categories(groups["group_id"].astype(str).tolist())
        groups.insert(2, "category", [categories.get(str(group), "") for group in groups["group_id"]])
        return groups

    def group_categories(self, group_ids: list[str]) -> dict[str, str]:
        """Each repetition group's category, the one summary, the report and explain all give it: the
        category most of the group's toil items take (of all its items, where none is toil); a tie goes
        to the category of more items, then of more hours, then to the first by name. A group's items
        may take different categories (a rule fires on a word in one title's variable part, or a page
        resolved by itself is alert noise); each item keeps its own."""
        wanted = list(dict.fromkeys(group_ids))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        where = f" WHERE c.group_id IN ({marks})" if len(wanted) <= GROUPS_LOOKED_UP else ""
        counted = self._frame(self._sql(
            f"""SELECT c.group_id, c.category, sum(CASE WHEN c.is_toil THEN 1 ELSE 0 END) AS toil_items,
              count(*) AS items, COALESCE({hours_sum()}, 0) AS hours
            FROM classifications c{where} GROUP BY c.group_id, c.category"""), tuple(wanted) if where else ())
        if counted.empty:
            return {}
        # ranked here, not by the database: PostgreSQL's collation would order the names otherwise
        counted = counted.assign(group_id=counted["group_id"].astype(str), category=counted["category"].astype(str),
                                 hours=counted["hours"].astype(float))
        counted = counted.sort_values(["group_id", "toil_items", "items", "hours", "category"],
                                      ascending=[True, False, False, False, True], kind="stable")
        first = counted.drop_duplicates("group_id")
        asked = set(wanted)
        return {group: category for group, category in zip(first["group_id"], first["category"]) if group in asked}

    def estimated_hours(self, services: tuple[str, ...] | None = None,
                        between: tuple[datetime, datetime] | None = None) -> pd.DataFrame:
        """The items whose time no source measured, per category: the estimates the figures rest on."""
        where, params = self._where(services, "NOT c.hours_measured", between=between)
        return self._frame(self._sql(
            f"""SELECT c.category, bool_or(c.is_toil) AS toil, count(*) AS items, {hours_sum()} AS hours,
              min(c.hours) AS least, max(c.hours) AS most
            FROM {JOINED}{where} GROUP BY 1 ORDER BY hours DESC, 1"""), params)

    def source_ranges(self, services: tuple[str, ...] | None = None) -> pd.DataFrame:
        """First and last item per source."""
        where, params = self._where(services)
        return self._frame(self._sql(
            f"SELECT w.source, min(w.created_at) AS first_created, max(w.created_at) AS last_created FROM {JOINED}"
            f"{where} GROUP BY 1 ORDER BY 1"), params)

    def weekly_items(self, services: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Classified items per calendar week (Monday, UTC), with the first and last item of each."""
        where, params = self._where(services)
        return self._frame(self._sql(
            "SELECT CAST(date_trunc('week', w.created_at AT TIME ZONE 'UTC') AS DATE) AS week, count(*) AS items, "
            f"min(w.created_at) AS first_created, max(w.created_at) AS last_created FROM {JOINED}{where} "
            "GROUP BY 1 ORDER BY 1"), params)

    def item_services(self) -> pd.DataFrame:
        """Each service named by the items (PagerDuty services, Jira components) with its source and count.
        Names that differ only in case are one service (a Jira component "Backup", a PagerDuty service
        "backup"), under its first spelling in sort order."""
        spellings = self._frame("SELECT service, min(source) AS source, count(*) AS items FROM work_items "
                                "WHERE service IS NOT NULL AND service <> '' GROUP BY 1")
        if spellings.empty:
            return spellings
        # sorted here, not by the database: PostgreSQL's collation would order the spellings otherwise
        spellings = spellings.sort_values("service", key=lambda names: names.astype(str), kind="stable")
        merged = spellings.groupby(spellings["service"].str.lower().rename("folded"), sort=False).agg(
            service=("service", "first"), source=("source", "min"), items=("items", "sum"))
        return merged.sort_values("service").reset_index(drop=True)

    def rule_pack_versions(self) -> list[str]:
        frame = self._frame("SELECT DISTINCT rule_pack_version FROM classifications ORDER BY 1")
        return frame.iloc[:, 0].tolist()

    def import_runs(self) -> pd.DataFrame:
        return self._frame("SELECT * FROM import_runs ORDER BY run_id")

    def human_labels(self, services: tuple[str, ...] | None = None) -> pd.DataFrame:
        where, params = self._where(services, "w.human_label <> ''")
        return self._frame(self._sql(
            f"SELECT w.source, w.key, w.human_label AS label, c.is_toil FROM {JOINED}{where}"), params)

    def predictions(self, services: tuple[str, ...] | None = None) -> pd.DataFrame:
        where, params = self._where(services)
        return self._frame(self._sql(f"SELECT w.source, w.key, c.is_toil FROM {JOINED}{where}"), params)

    # -- people's labels ---------------------------------------------------------------------
    def save_label(self, source: str, key: str, label: str, origin: str, labelled_by: str) -> None:
        """One person's verdict on one item ("toil" / "not-toil"), in its own transaction."""
        with self.transaction():
            self._execute(self._sql("DELETE FROM labels WHERE source = ? AND key = ?"), (source, key))
            self._execute(self._sql("INSERT INTO labels VALUES (?, ?, ?, ?, ?, ?)"),
                          (source, key, label, origin, labelled_by, datetime.now(UTC)))
            self._changed()

    def save_labels(self, labels: pd.DataFrame, origin: str, labelled_by: str) -> None:
        """Many labels (columns source, key, label) in one transaction; a key's old label is replaced."""
        with self.transaction():
            for row in labels.itertuples(index=False):
                self.save_label(row.source, row.key, row.label, origin, labelled_by)

    def delete_label(self, source: str, key: str) -> None:
        with self.transaction():
            self._execute(self._sql("DELETE FROM labels WHERE source = ? AND key = ?"), (source, key))
            self._changed()

    def load_labels(self) -> pd.DataFrame:
        """Every stored label: source, key, label, origin, labelled_by, labelled_at."""
        return self._frame("SELECT * FROM labels ORDER BY labelled_at, source, key")

    # -- settings, watermarks, answers -------------------------------------------------------
    def get_setting(self, name: str) -> str | None:
        return self._scalar(self._sql("SELECT value FROM meta WHERE name = ?"), (name,))

    def set_setting(self, name: str, value: str | None) -> None:
        with self.transaction():
            self._execute(self._sql("DELETE FROM meta WHERE name = ?"), (name,))
            if value is not None:
                self._execute(self._sql("INSERT INTO meta VALUES (?, ?)"), (name, value))

    def get_watermark(self, scope: str) -> str | None:
        return self._scalar(self._sql("SELECT value FROM watermarks WHERE scope = ?"), (scope,))

    def set_watermark(self, scope: str, value: str) -> None:
        with self.transaction():
            self._execute(self._sql("DELETE FROM watermarks WHERE scope = ?"), (scope,))
            self._execute(
                self._sql("INSERT INTO watermarks VALUES (?, ?, ?)"), (scope, value, datetime.now(UTC))
            )

    def clear_watermark(self, scope: str) -> None:
        with self.transaction():
            self._execute(self._sql("DELETE FROM watermarks WHERE scope = ?"), (scope,))

    def save_answer(self, org: str, interviewee: str, question_id: str, answer: str | None, note: str,
                    service: str = "") -> None:
        """One answer; `service` names the service a per-service answer is about ("" for all of them)."""
        table, keys, values = ("answers", "", ()) if not service else ("service_answers", " AND service = ?", (service,))
        with self.transaction():
            self._execute(
                self._sql(f"DELETE FROM {table} WHERE org = ? AND interviewee = ? AND question_id = ?{keys}"),
                (org, interviewee, question_id, *values),
            )
            if service:
                self._execute(self._sql("INSERT INTO service_answers VALUES (?, ?, ?, ?, ?, ?, ?)"),
                              (org, interviewee, service, question_id, answer, note, datetime.now(UTC)))
            else:
                self._execute(self._sql("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?)"),
                              (org, interviewee, question_id, answer, note, datetime.now(UTC)))

    def load_answers(self, org: str | None = None) -> pd.DataFrame:
        """Every answer, with `service` "" where it holds for every service."""
        union = ("SELECT org, interviewee, question_id, '' AS service, answer, note, answered_at FROM answers "
                 "UNION ALL SELECT org, interviewee, question_id, service, answer, note, answered_at "
                 "FROM service_answers")
        if org is None:
            return self._frame(f"SELECT * FROM ({union}) a ORDER BY org, interviewee, answered_at, question_id, service")
        return self._frame(self._sql(f"SELECT * FROM ({union}) a WHERE org = ? "
                                     "ORDER BY interviewee, answered_at, question_id, service"), (org,))

    def delete_answers(self, org: str, interviewee: str) -> None:
        with self.transaction():
            for table in ("answers", "service_answers"):
                self._execute(self._sql(f"DELETE FROM {table} WHERE org = ? AND interviewee = ?"), (org, interviewee))

    def set_org_services(self, org: str, services: tuple[str, ...]) -> None:
        """The services an organisation named as its own (replacing any named before)."""
        with self.transaction():
            self._execute(self._sql("DELETE FROM org_services WHERE org = ?"), (org,))
            for service in dict.fromkeys(services):
                self._execute(self._sql("INSERT INTO org_services VALUES (?, ?)"), (org, service))

    def org_services(self, org: str | None = None) -> pd.DataFrame:
        if org is None:
            return self._frame("SELECT * FROM org_services ORDER BY org, service")
        return self._frame(self._sql("SELECT * FROM org_services WHERE org = ? ORDER BY service"), (org,))

    # -- assessments over time ---------------------------------------------------------------
    def save_assessment(self, org: str, assessed_at: datetime, content: str) -> None:
        """Keep an assessment; `assessed_at` is the date it speaks for (a report may be dated)."""
        with self.transaction():
            self._execute(self._sql("INSERT INTO assessments VALUES (?, ?, ?, ?)"),
                          (org, assessed_at, datetime.now(UTC), content))

    def assessments(self, org: str) -> pd.DataFrame:
        """Every kept assessment of an organisation, in the order they were kept."""
        return self._frame(self._sql("SELECT assessed_at, content FROM assessments WHERE org = ? "
                                     "ORDER BY kept_at"), (org,))


def _same_fields(stored: str, other: str) -> str:
    """SQL: the item aliased `other` has every field of the stored item `stored` (same source and key)."""
    return " AND ".join(f"{stored}.{name} IS NOT DISTINCT FROM {other}.{name}" for name in WORK_ITEM_FIELDS
                        if name not in ("source", "key"))


# What an import finds the store holds of an item (compare_items); no row: a new key, or a changed item to write
IDENTICAL, OLDER, CLASHING, UNDATED = 0, 1, 2, 3
# Two items under one key whose Created are this far apart are two items: Jira's export writes
# Created to the minute where its API gives seconds, so the same issue differs by less.
CREATED_TOLERANCE = "1 minute"


def _created_apart(stored: str, other: str) -> str:
    """SQL: both items have a Created, CREATED_TOLERANCE apart or more (instants: zones aside)."""
    return (f"({other}.created_at >= {stored}.created_at + INTERVAL '{CREATED_TOLERANCE}' "
            f"OR {other}.created_at <= {stored}.created_at - INTERVAL '{CREATED_TOLERANCE}')")


def _older(stored: str, other: str) -> str:
    """SQL: the source changed the stored item after the version `other` (both times known)."""
    return f"{other}.updated_at < {stored}.updated_at"


def _undated(stored: str, other: str) -> str:
    """SQL: one of the two versions has an updated_at and the other has none."""
    return f"(({other}.updated_at IS NULL) <> ({stored}.updated_at IS NULL))"


def _verdict(stored: str, other: str) -> str:
    """SQL: IDENTICAL, OLDER, CLASHING or UNDATED (compare_items), else NULL: the item `other` replaces
    the stored one (UNDATED too, said as such)."""
    # every field the same first: a re-import's items are, and the engine tests the later conditions
    # only on the rows the earlier ones left (every field the same, the Created are too)
    return (f"CASE WHEN {_same_fields(stored, other)} THEN {IDENTICAL} WHEN {_created_apart(stored, other)} "
            f"THEN {CLASHING} WHEN {_older(stored, other)} THEN {OLDER} WHEN {_undated(stored, other)} "
            f"THEN {UNDATED} END")


def with_verdict(select: str) -> str:
    """SQL: the rows of `select` whose `verdict` (its second column) is not NULL."""
    return f"SELECT * FROM ({select}) compared WHERE verdict IS NOT NULL"


@dataclass(frozen=True, slots=True)
class Comparison:
    """What the store holds of an import's items (Store.compare_items), per item of the batch."""

    identical: np.ndarray
    """Stored with every field the same: neither written again nor re-labelled."""
    older: np.ndarray
    """Stored in a newer version (the source's updated_at): the stored one is kept."""
    clashes: pd.DataFrame
    """The items under a stored item's key with another Created (another item: a second tracker
    with the same keys, or dates read in another zone): key, created_at, stored_created; in batch order."""
    undated: np.ndarray
    """Replacing a stored version though only one of the two has an updated_at: which is newer is not known."""


def _clashes(items: pd.DataFrame, rows: np.ndarray, stored_created: pd.Series) -> pd.DataFrame:
    """The clashing items (the batch's `rows`) in batch order; only they are taken (a million keys
    made Python strings would cost a quarter of a second)."""
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    return pd.DataFrame({"key": items["key"].iloc[rows].astype(object).reset_index(drop=True),
                         "created_at": pd.to_datetime(items["created_at"].iloc[rows], utc=True).reset_index(drop=True),
                         "stored_created": pd.to_datetime(pd.Series(stored_created).iloc[order], utc=True)
                         .reset_index(drop=True)})


def typed_items(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Items as the classifier reads them: dates in UTC, unknown booleans and figures as such, texts never null."""
    for name in set(DATE_FIELDS) & set(columns):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    if "auto_resolved" in columns:
        frame["auto_resolved"] = frame["auto_resolved"].astype("boolean")
    if "time_spent_seconds" in columns:  # a figure imports now refuse counts as unknown (see MAX_SECONDS)
        spent = frame["time_spent_seconds"].astype("float64")
        frame["time_spent_seconds"] = spent.where(spent.between(0, MAX_SECONDS))
    for name in columns:
        if WORK_ITEM_COLUMNS[name].startswith("TEXT"):
            frame[name] = frame[name].fillna("").astype(str)
    return frame
