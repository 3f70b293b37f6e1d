"""The embedded store: one DuckDB file (toilaudit.db by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from toilaudit.errors import StoreError
from toilaudit.store.interface import Store

SQLITE_MAGIC = b"SQLite format 3\x00"


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(magic)) == magic
    except OSError:
        return False


class DuckDBStore(Store):
    keyed = False
    def _connect(self) -> None:
        import duckdb

        path = Path(self.location)
        if path.is_dir():
            raise StoreError(f"{self.location}: is a folder - give --db a file name such as toilaudit.db")
        if _starts_with(path, SQLITE_MAGIC):
            raise StoreError(f"{self.location}: a SQLite database, not a toilaudit store - give --db a DuckDB file "
                             "(a new name creates one) or a postgresql:// URL")
        try:
            # DuckDB would download and load an extension to read a SQLite or other foreign file,
            # over plain HTTP: a store never needs one, so neither happens
            self.connection = duckdb.connect(str(path), config={"autoinstall_known_extensions": False,
                                                                "autoload_known_extensions": False})
        except duckdb.IOException as exc:
            reason = str(exc).splitlines()[0]
            if "lock" in reason.lower():
                raise StoreError(f"{self.location}: in use by another toilaudit - wait for it or use another --db") from None
            raise StoreError(f"{self.location}: not a toilaudit database ({reason}) - choose another --db") from None
        except duckdb.Error as exc:
            raise StoreError(f"{self.location}: cannot open ({str(exc).splitlines()[0]}) - choose another --db") from None

    def _execute(self, sql: str, params: tuple = ()) -> Any:
        return self.connection.execute(sql, list(params))

    def _frame(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        return self.connection.execute(sql, list(params)).df()

    def _delete_count(self, sql: str, params: tuple) -> int:
        return int(self.connection.execute(sql, list(params)).fetchone()[0])

    def _bulk_frame(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        # Through Arrow: a million rows come back in 0.1 s, against 1.4 s for .df()
        return self.connection.sql(sql, params=list(params) or None).to_arrow_table().to_pandas()

    def _load_frame(self, table: str, frame: pd.DataFrame) -> None:
        # DuckDB scans one contiguous Arrow table twice as fast as a pandas frame or a chunked
        # table (1M items: 0.55 s against 1.1 s)
        table_data = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
        self.connection.register("incoming_frame", table_data)
        try:
            columns = ", ".join(frame.columns)
            self.connection.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming_frame")
        finally:
            self.connection.unregister("incoming_frame")

    def close(self) -> None:
        self.connection.close()
