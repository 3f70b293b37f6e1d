"""The import benchmark holds each measured size to issue #12's targets and says which are missed."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_import


def size(rows: int, import_seconds: float, ratio: float, peak: float, postgres_ratio: float | None = None) -> dict:
    result = {"rows": rows, "import": (import_seconds, peak), "incremental": (1.5, 600.0),
              "incremental_labelled": (3.2, 650.0), "live_incremental": (2.9, 620.0),
              "ratios": {"import / read": ratio, "reimport / import": 0.98}}
    if postgres_ratio is not None:
        result["postgres"] = (import_seconds * postgres_ratio, peak)
        result["postgres_incremental"] = (3.4, 200.0)
        result["ratios"]["postgres / duckdb import"] = postgres_ratio
    return result


def test_targets_are_checked_at_1m_and_above_and_between_sizes():
    checked = {what: (measured, limit) for what, measured, limit in bench_import.targets(
        [size(100_000, 3.0, 5.5, 500.0), size(1_000_000, 16.0, 6.4, 1800.0, postgres_ratio=1.9),
         size(5_000_000, 100.0, 7.9, 7600.0)])}
    met = {what for what, (measured, limit) in checked.items() if measured <= limit}
    assert not any(what.startswith("100,000 rows:") for what in checked)  # the targets are set at 1M
    assert "1,000,000 rows: import peak RSS (MiB)" in met
    assert "5,000,000 rows: import peak RSS (MiB)" not in met  # 7.6 GB
    assert "1,000,000 rows: import / bare read" not in met  # 6.4x against 5x
    assert "1,000,000 rows: PostgreSQL / DuckDB import" in met
    assert "1,000,000 rows: 1,000 new into PostgreSQL (s)" not in met  # 3.4 s
    assert "1,000,000 rows: 1,000 new into the store (s)" in met  # 1.5 s
    assert "1,000,000 rows: 1,000 new into the store, 50 labelled (s)" not in met  # 3.2 s
    assert "1,000,000 rows: 1,000 new by a live import (s)" in met  # 2.9 s
    assert "1,000,000 rows / 100,000 rows, import time per row" in met  # 5.3x the time for 10x the rows
    assert checked["5,000,000 rows / 1,000,000 rows, import time per row"][0] == 100.0 / 16.0 / 5
