"""The shared store on PostgreSQL: the same tables and queries as the embedded store.

Bulk loads go through COPY (CSV) rather than row inserts. Imports take an exclusive lock on
work_items for their transaction, so two auditors importing at once are serialised: the second
waits, then re-classifies with the first's items included, and nothing is lost.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from toilaudit.errors import StoreError, shown
from toilaudit.store.interface import Store
from toilaudit.store.schema import INDEXES
from toilaudit.urls import redact_url, scrub


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

    def _owns(self, table: str) -> bool:
        """Whether this role owns the table (or is a member of its owner): creating an index needs that."""
        return bool(self._scalar("SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = %s::regclass",
                                 (table,)))

    def _load_frame(self, table: str, frame: pd.DataFrame | pa.Table) -> None:
        """COPY the frame as CSV that Arrow writes (1M items: 2 s, against 13 s for Python's csv module).
        Every value is quoted but nulls, so an empty text stays a text and an empty field is NULL."""
        arrow = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        if table == "template_slots":
            # in the order of the variants: the index on variant is then built from sorted rows (14M
            # at 1M items: about 2 s against 5 s), and an import finds a variant's slots side by side
            self._load_integers(table, arrow.column_names, _by_variant(arrow))
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

    def _load_integers(self, table: str, columns: list[str], parts: Iterable[pa.Table]) -> None:
        """COPY INTEGER columns in PostgreSQL's binary format, which numpy writes: the server reads
        14M slots in about half the time it takes to parse them from CSV."""
        row = np.dtype([("fields", ">i2")] + [(f, ">i4") for name in columns for f in (f"{name}_size", name)])
        with self._server_errors(), self.connection.cursor() as cursor, \
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT binary)") as copy:
            copy.write(b"PGCOPY\n\xff\r\n\x00" + bytes(8))  # signature, flags, header extension length
            for part in parts:
                rows = np.empty(part.num_rows, row)
                rows["fields"] = len(columns)
                for name in columns:
                    rows[f"{name}_size"] = 4
                    # a null (none are written) or a value over 32 bits fails here, not on the server
                    rows[name] = part[name].cast(pa.int32()).combine_chunks().to_numpy(zero_copy_only=True)
                copy.write(rows.tobytes())
            copy.write(b"\xff\xff")  # the end of the data

    def close(self) -> None:
        self.connection.close()


COPY_ROWS = 100_000
SORTED_ROWS = 1_000_000


def _by_variant(slots: pa.Table) -> Iterator[pa.Table]:
    """The slots sorted by variant, then text_id, in slices of about SORTED_ROWS: a range of variants
    (hashes, so spread evenly) at a time, so that no sorted copy of all 14M is made."""
    slots = slots.select(["variant", "text_id"])
    ranges = -(-slots.num_rows // SORTED_ROWS)
    bounds = np.linspace(-2**31, 2**31, ranges + 1).astype(np.int64)[1:-1]  # inner bounds, each within int32
    for low, high in zip([None, *bounds], [*bounds, None], strict=True):
        keep = None
        if low is not None:
            keep = pc.greater_equal(slots["variant"], pa.scalar(low, pa.int32()))
        if high is not None:
            below = pc.less(slots["variant"], pa.scalar(high, pa.int32()))
            keep = below if keep is None else pc.and_(keep, below)
        part = slots if keep is None else slots.filter(keep)
        # the variant in the high 32 bits, the text id's bits in the low ones
        keys = part["variant"].to_numpy().astype(np.int64) << 32 | part["text_id"].to_numpy().view(np.uint32)
        keys.sort()
        yield pa.table({"variant": (keys >> 32).astype(np.int32), "text_id": keys.astype(np.int32)})


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
