"""The shared store on PostgreSQL: the same tables and queries as the embedded store.

Bulk loads go through COPY (CSV) rather than row inserts. Imports take an exclusive lock on
work_items for their transaction, so two auditors importing at once are serialised: the second
waits, then re-classifies with the first's items included, and nothing is lost.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from toilaudit.errors import StoreError, shown
from toilaudit.store.interface import Store
from toilaudit.store.schema import (
    CLASSIFICATION_COLUMNS,
    INDEXES,
    TEMPLATE_TABLES,
    WORK_ITEM_COLUMNS,
)
from toilaudit.urls import redact_url, scrub

T = TypeVar("T")


class PostgresStore(Store):
    placeholder = "%s"
    keyed = True

    def _connect(self) -> None:
        import psycopg

        try:
            # autocommit: transactions are opened explicitly by Store.transaction()
            self.connection = psycopg.connect(self.location, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            reason = shown(scrub(reason, self.location), 120)[1:-1]  # libpq may echo the URL it was given
            raise StoreError(
                f"{self.display_name}: cannot connect ({reason}) - check the URL, that the server is up, and "
                "PGPASSWORD or ~/.pgpass for the password"
            ) from None

    @property
    def display_name(self) -> str:
        return redact_url(self.location)

    @contextlib.contextmanager
    def _server_errors(self) -> Iterator[None]:
        """What the server refuses for reasons the user can fix, as one line; anything else is a bug."""
        import psycopg
        from psycopg import errors

        try:
            yield
        except errors.ReadOnlySqlTransaction:
            raise StoreError(f"{self.display_name}: the session is read-only - connect as a user that may write, "
                             "without default_transaction_read_only in the URL's options") from None
        except (errors.InsufficientPrivilege, errors.DiskFull, errors.QueryCanceled, errors.LockNotAvailable,
                psycopg.OperationalError) as exc:
            reason = shown(scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                                 self.location), 100)[1:-1]
            raise StoreError(f"{self.display_name}: the server refused ({reason}) - check the user's rights, the "
                             "URL's options and that the server is up, then run the command again") from None

    def _execute(self, sql: str, params: tuple = ()) -> Any:
        with self._server_errors():
            return self.connection.execute(sql, params or None)

    def _frame(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        with self._server_errors():
            cursor = self.connection.execute(sql, params or None)
        columns = [c.name for c in cursor.description] if cursor.description else []
        frame = pd.DataFrame(cursor.fetchall(), columns=columns)
        for position in range(frame.shape[1]):  # numeric aggregates come back as Decimal
            values = frame.iloc[:, position]  # by position: `w.key, c.*` repeats a name
            if values.map(lambda v: type(v).__name__ == "Decimal").any():
                frame.isetitem(position, values.astype(float))
        return frame

    def _delete_count(self, sql: str, params: tuple) -> int:
        with self._server_errors():
            return self.connection.execute(sql, params or None).rowcount

    def lock_for_schema(self) -> None:
        # CREATE TABLE IF NOT EXISTS races in PostgreSQL's catalog when two sessions run it at once
        self._execute("SELECT pg_advisory_xact_lock(7466029)")  # any constant shared by all toilaudits

    def lock_for_import(self) -> None:
        self._execute("LOCK TABLE work_items IN EXCLUSIVE MODE")

    def _create_indexes(self, table: str) -> None:
        """Create the table's indexes where missing, then gather its statistics: after a bulk load the
        planner uses an index only knowing the column's values, which autovacuum learns a while later.
        Only the table's owner may (another role that may write imports as before, scanning)."""
        if self._owns(table):
            for name, (on, how) in INDEXES.items():
                if on == table:
                    self._execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {how}")
            self._execute(f"ANALYZE {table}")

    def _drop_indexes(self, table: str) -> None:
        if self._owns(table):
            for name, (on, _) in INDEXES.items():
                if on == table:
                    self._execute(f"DROP INDEX IF EXISTS {name}")

    def _among_integers(self, column: str, values: np.ndarray) -> tuple[str, tuple]:
        # one sorted array: a single index scan takes the rows in order (27,000 template texts by id:
        # 70 ms, against 140-200 ms joining a temporary table row by row)
        return f"{column} = ANY(%s)", (values.tolist(),)

    def _analyze(self, table: str) -> None:
        self._execute(f"ANALYZE {table}")

    def _owns(self, table: str) -> bool:
        """Whether this role owns the table (or is a member of its owner): creating an index needs that."""
        return bool(self._scalar("SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = %s::regclass",
                                 (table,)))

    def _load_frame(self, table: str, frame: pd.DataFrame | pa.Table) -> None:
        """COPY the frame in PostgreSQL's binary format where the table's column types are known (the
        server reads it quicker than CSV: 1M items 4 s against 6.5 s), else as CSV that Arrow writes
        (1M items: 2 s, against 13 s for Python's csv module). Every CSV value is quoted but nulls,
        so an empty text stays a text and an empty field is NULL."""
        arrow = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        kinds = BINARY_TABLES.get(table, {})
        if all(_encodable(arrow.schema.field(name).type, kinds.get(name)) for name in arrow.column_names):
            parts = (arrow.slice(start, COPY_ROWS) for start in range(0, arrow.num_rows, COPY_ROWS))
            self._copy_binary(table, arrow.column_names, parts, kinds)
            return
        options = pa_csv.WriteOptions(include_header=False, quoting_style="all_valid")
        with self._server_errors(), self.connection.cursor() as cursor, \
                cursor.copy(f"COPY {table} ({', '.join(arrow.column_names)}) FROM STDIN WITH (FORMAT csv)") as copy:
            # a slice at a time, each made ready for COPY apart: 1M items are 0.5 GB of CSV, and
            # texts without NUL a copy of every text
            for start in range(0, arrow.num_rows, COPY_ROWS):
                buffer = io.BytesIO()
                pa_csv.write_csv(_for_copy(arrow.slice(start, COPY_ROWS)), buffer, options)
                copy.write(buffer.getvalue())

    def _copy_binary(self, table: str, columns: list[str], parts: Iterable[pa.Table], kinds: dict[str, str]) -> None:
        with self._server_errors(), self.connection.cursor() as cursor, \
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT binary)") as copy:
            copy.write(b"PGCOPY\n\xff\r\n\x00" + bytes(8))  # signature, flags, header extension length
            for rows in _made_ready_ahead(parts, lambda part: _binary_rows(_for_copy(part), kinds)):
                copy.write(rows)
            copy.write(b"\xff\xff")  # the end of the data

    def close(self) -> None:
        self.connection.close()


COPY_ROWS = 50_000
# The column types of the tables copied in binary: a value must be sent as the column's own type.
BINARY_TABLES = {name: {column: kind.removesuffix(" NOT NULL") for column, kind in columns.items()} for name, columns in
                 {"work_items": WORK_ITEM_COLUMNS | {"import_run_id": "BIGINT"},
                  "given_batch": WORK_ITEM_COLUMNS | {"row": "BIGINT"},  # an import compared with the store
                  "classifications": CLASSIFICATION_COLUMNS, **TEMPLATE_TABLES}.items()}
# each binary type: the Arrow type its values take on the way, and how COPY holds them (big-endian)
FIXED_WIDTH = {"TIMESTAMPTZ": (pa.int64(), ">i8"), "DOUBLE PRECISION": (pa.float64(), ">f8"),
               "BIGINT": (pa.int64(), ">i8"), "INTEGER": (pa.int32(), ">i4"), "BOOLEAN": (pa.bool_(), "u1")}
MICROSECONDS_1970_TO_2000 = 946_684_800_000_000  # COPY's times count from 2000-01-01 UTC


def _made_ready_ahead(parts: Iterable[pa.Table], ready: Callable[[pa.Table], T]) -> Iterator[T]:
    """`ready(part)` of each part, the next one made in a thread while the caller sends this one:
    the server reads a slice while Arrow encodes the next (at most two are held)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        upcoming = None
        for part in parts:
            following = thread.submit(ready, part)
            if upcoming is not None:
                yield upcoming.result()
            upcoming = following
        if upcoming is not None:
            yield upcoming.result()


def _encodable(kind: pa.DataType, column_type: str | None) -> bool:
    """Whether values of this Arrow type can be sent in binary to a column of `column_type` (None:
    unknown); anything else goes as CSV, which the server converts."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_null(kind):
        return column_type is not None
    return {"TEXT": pa.types.is_string(kind) or pa.types.is_large_string(kind),
            "BYTEA": pa.types.is_binary(kind) or pa.types.is_large_binary(kind),
            "TIMESTAMPTZ": pa.types.is_timestamp(kind),
            "DOUBLE PRECISION": pa.types.is_floating(kind) or pa.types.is_integer(kind),
            "BIGINT": pa.types.is_integer(kind), "INTEGER": pa.types.is_integer(kind),
            "BOOLEAN": pa.types.is_boolean(kind)}.get(column_type or "", False)


def _fixed(values: np.ndarray) -> pa.Array:
    """Each item of `values` as a binary value of its bytes."""
    values = np.ascontiguousarray(values)
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(values.itemsize), len(values), [None, pa.py_buffer(values)]
                                                ).cast(pa.large_binary())


def _binary_rows(table: pa.Table, kinds: dict[str, str]) -> memoryview:
    """The rows of COPY's binary format: each the number of fields, then each field's size in bytes
    (-1: null) and its bytes. Arrow joins each row's parts (a table made ready by _for_copy)."""
    fields = [_fixed(np.full(table.num_rows, table.num_columns, ">i2"))]
    for name in table.column_names:
        column = table[name].combine_chunks()
        if kinds[name] in ("TEXT", "BYTEA"):
            data = column.cast(pa.large_binary())
            sizes = pc.binary_length(data).fill_null(-1).to_numpy(zero_copy_only=False)
            data = data.fill_null(b"")
        else:
            if kinds[name] == "TIMESTAMPTZ":
                column = pc.subtract(column.cast(pa.int64()), MICROSECONDS_1970_TO_2000)
            arrow_type, layout = FIXED_WIDTH[kinds[name]]
            zero = False if arrow_type == pa.bool_() else 0  # in place of nulls (sent as none)
            values = column.cast(arrow_type).fill_null(zero).to_numpy(zero_copy_only=False).astype(layout)
            data = pc.if_else(column.is_valid(), _fixed(values), pa.scalar(b"", pa.large_binary()))
            sizes = np.where(column.is_valid().to_numpy(zero_copy_only=False), values.itemsize, -1)
        fields += [_fixed(sizes.astype(">i4")), data]
    rows = pc.binary_join_element_wise(*fields, pa.scalar(b"", pa.large_binary()))
    offsets = np.frombuffer(rows.buffers()[1], np.int64, len(rows) + 1, rows.offset * 8)
    return memoryview(rows.buffers()[2])[offsets[0]:offsets[-1]]


def _for_copy(table: pa.Table) -> pa.Table:
    """Texts without NUL (PostgreSQL text cannot hold it; importers drop it, a live page may not);
    times in UTC to the microsecond, PostgreSQL's precision (a time without a zone is UTC)."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):  # a classification's categorical columns, templates among them
            column = column.cast(column.type.value_type)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.replace_substring(column, "\x00", "")
        elif pa.types.is_timestamp(column.type):
            column = column.cast(pa.timestamp("us", "UTC"), safe=False)
        columns.append(column)
    return pa.table(columns, names=table.column_names)
