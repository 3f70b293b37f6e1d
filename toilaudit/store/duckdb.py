"""The embedded store: one DuckDB file (toilaudit.db by default)."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from toilaudit.errors import StoreError
from toilaudit.store.interface import Store, no_store_error, typed_items, with_verdict

SQLITE_MAGIC = b"SQLite format 3\x00"
RETRY_SECONDS = 0.2  # how often a waiting command tries the file again
LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(magic)) == magic
    except OSError:
        return False


# How DuckDB says the disk is full: an I/O error writing the file, or, while a bulk load spills
# what its memory limit cannot hold to the folder beside the file (`<file>.tmp`), no room there.
DISK_FULL = ("no space left on device", "failed to offload data block")


@contextlib.contextmanager
def _engine_errors(location: str) -> Iterator[None]:
    """Ctrl-C during a query: DuckDB stops the query and raises its own error; it is an interrupt
    like any other (the command says what is kept and exits 130), not a bug. A full disk is the
    user's to fix: one line saying so (the transaction is rolled back by its owner)."""
    import duckdb

    try:
        yield
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None
    except RuntimeError as exc:
        if "interrupted" not in str(exc).lower():
            raise
        raise KeyboardInterrupt from None
    except duckdb.Error as exc:
        if not _is_disk_full(exc):
            raise
        raise _disk_full(location) from None


def _is_disk_full(exc: Exception) -> bool:
    return any(sign in str(exc).lower() for sign in DISK_FULL)


def _disk_full(location: str) -> StoreError:
    return StoreError(f"{location}: the disk is full - free space on it (an import also needs room for "
                      f"{Path(location).name}.tmp beside the store) or give --db a file on another disk, then run "
                      "the command again")


BULK_LOAD_MEMORY = "256MB"
# The template counts (relabel.py) are written in the import's last transaction, with the items
# and classifications: DuckDB keeps an insert's rows in memory until the commit unless its limit
# makes it write them out (a quarter of a gigabyte at 1M items with the bulk limit; 50 MB with this one).
COUNTS_LOAD_MEMORY = "32MB"
# DuckDB 2.0 compresses strings with a dictionary and FSST: a bulk load of 1M items spends about
# 4 CPU-seconds on it (1.8 s of wall for the items, 0.6 for their classifications, 0.8 for the
# template counts, against 0.6, 0.4 and 0.3 without it), a sixth of the whole import. Bulk loads
# go without: the file grows from about 390 to 820 MB per million items, and reads are as quick.
BULK_LOAD_UNCOMPRESSED = "dict_fsst"
COMPARE_ROWS = 250_000  # items compared with the stored ones at a time (compare_items)


class DuckDBStore(Store):
    keyed = False
    _undo_after_insert: tuple[str, ...] = ()
    """What _insert changed in the session (settings, the registered frame), to put back."""
    def _connect(self) -> None:
        """Open the file: read-only where the command only reads, so that many can read at once.

        DuckDB lets one process write a file, or any number read it, never both: while another
        toilaudit writes, wait for it (saying so once) up to the opening's wait, then give up.
        """
        path = Path(self.location)
        if path.is_dir():
            raise StoreError(f"{self.location}: is a folder - give --db a file name such as toilaudit.db")
        if not path.exists() and (self.opening.read_only or not self.opening.create):
            raise no_store_error(self.location)  # before DuckDB, which would create the file
        if _starts_with(path, SQLITE_MAGIC):
            raise StoreError(f"{self.location}: a SQLite database, not a toilaudit store - give --db a DuckDB file "
                             "(a new name creates one) or a postgresql:// URL")
        deadline = time.monotonic() + self.opening.wait_seconds
        told = False
        while True:
            holder = self._try_connect(path)
            if holder is None:
                return
            if time.monotonic() >= deadline:
                raise StoreError(f"{self.location}: in use by another toilaudit{holder} for more than "
                                 f"{self.opening.wait_seconds:g}s - let it finish, then run this again (or wait "
                                 "longer with --wait SECONDS)")
            if not told:
                self.opening.on_wait(f"{self.location} is in use by another toilaudit{holder}; waiting up to "
                                     f"{self.opening.wait_seconds:g}s for it (--wait SECONDS)")
                told = True
            time.sleep(RETRY_SECONDS)

    def _try_connect(self, path: Path) -> str | None:
        """Connect; None when done, else who holds the file (" (PID 123)" or "")."""
        import duckdb

        existed = path.exists()
        if not existed and not path.parent.is_dir():
            raise StoreError(f"{self.location}: the folder {path.parent} does not exist - create it or choose "
                             "another --db")
        try:
            # DuckDB would download and load an extension to read a SQLite or other foreign file,
            # over plain HTTP: a store never needs one, so neither happens
            self.connection = duckdb.connect(str(path), read_only=self.opening.read_only,
                                             config={"autoinstall_known_extensions": False,
                                                     "autoload_known_extensions": False})
        except duckdb.IOException as exc:
            reason = str(exc).splitlines()[0]
            if "lock" in reason.lower():
                pid = LOCK_HOLDER.search(reason)
                return f" (PID {pid.group(1)})" if pid else ""
            if _is_disk_full(exc):
                if not existed and path.exists() and path.stat().st_size == 0:
                    path.unlink()  # the empty file DuckDB made before it ran out of room
                raise _disk_full(self.location) from None
            raise StoreError(f"{self.location}: not a toilaudit database ({reason}) - choose another --db") from None
        except duckdb.Error as exc:
            raise StoreError(f"{self.location}: cannot open ({str(exc).splitlines()[0]}) - choose another --db") from None
        return None

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        # One writer per file: close it while a person thinks, so that summary and report run meanwhile
        if self._in_transaction:
            yield
            return
        self.close()
        try:
            yield
        finally:
            self._connect()

    def _execute(self, sql: str, params: tuple = ()) -> Any:
        with _engine_errors(self.location):
            return self.connection.execute(sql, list(params))

    def _frame(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        with _engine_errors(self.location):
            return self.connection.execute(sql, list(params)).df()

    def _delete_count(self, sql: str, params: tuple) -> int:
        with _engine_errors(self.location):
            row = self.connection.execute(sql, list(params)).fetchone()
        return int(row[0]) if row else 0

    def _bulk_frame(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        # Through Arrow: a million rows come back in 0.1 s, against 1.4 s for .df()
        with _engine_errors(self.location):
            return self.connection.sql(sql, params=list(params) or None).to_arrow_table().to_pandas()

    def _compare_batch(self, given: pd.DataFrame, verdicts: str, join: str) -> pd.DataFrame:
        # DuckDB reads the Arrow columns where they are (no copy of the batch), a slice at a time:
        # a join holds its smaller side whole, and 1M items' texts would be another 800 MB
        table = pa.Table.from_pandas(given, preserve_index=False)
        found = []
        for start in range(0, table.num_rows, COMPARE_ROWS):
            self.connection.register("given_batch", _handed_over(table.slice(start, COMPARE_ROWS)))
            try:
                found.append(self._bulk_frame(with_verdict(f"SELECT g.row, {verdicts} FROM given_batch g {join}")))
            finally:
                self.connection.unregister("given_batch")
        return pd.concat(found, ignore_index=True) if len(found) > 1 else found[0]

    def items_in_groups(self, columns: tuple[str, ...], templates: list[str], leaving_out: pd.DataFrame
                        ) -> pd.DataFrame:
        # A join reads every column of each row its scan passes (a filter on the keys only skips
        # row groups): at 1M items, half a million descriptions read for thirty items (0.27 s).
        # So the items are found by their keys, then read by row id (0.08 s).
        found = self._bulk_frame(f"SELECT w.rowid AS row_id, c.template {self._group_items(templates, leaving_out)}")
        rows = self._staged("row_ids", found, {"row_id": "BIGINT", "template": "TEXT"})
        frame = self._bulk_frame(f"SELECT {', '.join('w.' + name for name in columns)}, r.template "
                                 f"FROM work_items w JOIN {rows} r ON r.row_id = w.rowid")
        return typed_items(frame, columns)

    def _load_frame(self, table: str, frame: pd.DataFrame | pa.Table) -> None:
        # DuckDB scans one contiguous Arrow table twice as fast as a pandas frame or a chunked
        # table (1M items: 0.55 s against 1.1 s)
        if isinstance(frame, pa.Table):
            table_data = frame
        else:
            table_data = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
        with _engine_errors(self.location):
            self._insert(table, table_data)

    def _insert(self, table: str, table_data: pa.Table) -> None:
        self.connection.register("incoming_frame", _handed_over(table_data))
        self._undo_after_insert = ("RESET memory_limit", "RESET preserve_insertion_order",
                                   "RESET disabled_compression_methods")
        try:
            columns = ", ".join(table_data.column_names)
            # a bulk load needs no cache of what it wrote: without a limit DuckDB keeps every block
            # it wrote in memory (360 MB for 1M items) while the import's frames are still held
            memory = COUNTS_LOAD_MEMORY if table.startswith("template_") else BULK_LOAD_MEMORY
            self.connection.execute(f"SET memory_limit = '{memory}'")
            # rows may land in any order (every read that needs one sorts): each core then
            # compresses its own row groups
            self.connection.execute("SET preserve_insertion_order = false")
            self.connection.execute(f"SET disabled_compression_methods = '{BULK_LOAD_UNCOMPRESSED}'")
            self.connection.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming_frame")
        finally:
            # An interrupted or failed insert aborts the transaction, and DuckDB then refuses every
            # statement, a SET too, until the rollback: the settings are put back after it instead.
            import duckdb

            with contextlib.suppress(duckdb.TransactionException):
                self._undo_insert_settings()

    def _undo_insert_settings(self) -> None:
        if self._undo_after_insert:
            self.connection.unregister("incoming_frame")
            for statement in self._undo_after_insert:
                self.connection.execute(statement)
            self._undo_after_insert = ()

    def _rollback(self) -> None:
        super()._rollback()
        self._undo_insert_settings()

    def close(self) -> None:
        with _engine_errors(self.location):  # closing writes what the file does not hold yet
            self.connection.close()


def _handed_over(table: pa.Table) -> pa.RecordBatchReader:
    """The table's rows for DuckDB to read once, as a reader that keeps none of them once read.

    DuckDB holds what is registered until the transaction ends, even once unregistered (duckdb
    2.0), and an import's one transaction loads the items, the template counts and the
    classifications: held to the end, the counts were a gigabyte of the 5M import's peak."""
    batches = table.to_batches()

    def handing() -> Iterator[pa.RecordBatch]:
        while batches:
            yield batches.pop(0)

    return pa.RecordBatchReader.from_batches(table.schema, handing())
