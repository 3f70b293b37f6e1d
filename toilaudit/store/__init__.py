"""The one place that touches the database.

Embedded default: a DuckDB file (`toilaudit.db`, or --db / TOILAUDIT_DB). A shared store for
many auditors: PostgreSQL (`--db postgresql://...`), the same tables and the same queries.
interface.py is the Store and its shared SQL, schema.py the tables, duckdb.py and postgres.py
the engines; `open_store` picks one. Imports point one way: engines -> interface -> schema.
"""

from __future__ import annotations

import os
import re

from toilaudit.errors import StoreError, shown
from toilaudit.store.interface import WAIT_SECONDS, NoStoreError, Opening, Store
from toilaudit.store.schema import DEFAULT_PATH
from toilaudit.urls import redact_url

__all__ = ["DEFAULT_PATH", "WAIT_SECONDS", "NoStoreError", "Opening", "Store", "open_store", "resolve_location"]


def resolve_location(db: str | None) -> str:
    return db or os.environ.get("TOILAUDIT_DB") or DEFAULT_PATH


POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# `scheme:` at the start: a URL (mysql://, sqlite:///) or a DuckDB location such as `md:` that
# would reach the network. A one-letter scheme is a Windows drive (C:\audit.db).
OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def open_store(db: str | None = None, opening: Opening | None = None) -> Store:
    """Open the store named by --db, TOILAUDIT_DB or ./toilaudit.db (creating it, unless `opening`
    says the command only reads or must find one).

    Only two kinds of store exist: a DuckDB file path and a postgresql:// URL. Anything else is
    refused before DuckDB sees it, since DuckDB reads other databases (SQLite, MySQL) through
    extensions it would otherwise download.
    """
    opening = opening or Opening()
    location = resolve_location(db)
    if location.lower().startswith(POSTGRES_SCHEMES):
        from toilaudit.store.postgres import PostgresStore

        return PostgresStore(location, opening)
    if OTHER_SCHEME.match(location):
        raise StoreError(f"{shown(redact_url(location))}: not a store toilaudit can use - give --db a DuckDB file "
                         "path (e.g. toilaudit.db) or a postgresql:// URL")
    from toilaudit.store.duckdb import DuckDBStore

    return DuckDBStore(location, opening)
