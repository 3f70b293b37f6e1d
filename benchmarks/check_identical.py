"""Speed changes must not change a verdict: classify an export and compare, row by row, with a reference.

    python benchmarks/check_identical.py save   EXPORT REFERENCE.parquet   # before the change
    python benchmarks/check_identical.py check  EXPORT REFERENCE.parquet   # after: exit 1 on any difference

The export is read by the real importer (Jira or PagerDuty, by its header) and classified by
`classify` as an import would; every column of every row is compared (the probability to
within its rounding).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

COLUMNS = ["source", "key", "is_toil", "category", "score", "rule_ids", "group_id", "group_size", "template", "hours",
           "hours_measured", "off_hours", "reasons"]


def classified(export: Path) -> pd.DataFrame:
    from toilaudit.classify.classifier import classify
    from toilaudit.classify.rule_pack import load_rule_pack
    from toilaudit.importers.jira_csv import read_jira_csv
    from toilaudit.importers.pagerduty_csv import read_pagerduty_csv

    header = export.open(encoding="utf-8").readline()
    reader = read_pagerduty_csv if "incident_number" in header else read_jira_csv
    items = reader([export], {}).items
    started = time.perf_counter()
    result = classify(items, load_rule_pack())
    print(f"classified {len(result):,} items in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    return result[COLUMNS].astype({c: str for c in ("category", "rule_ids", "group_id", "template", "reasons")})


def main() -> int:
    mode, export, reference = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    result = classified(export)
    if mode == "save":
        result.to_parquet(reference)
        return 0
    expected = pd.read_parquet(reference)
    assert list(result["key"]) == list(expected["key"])
    different = {}
    for column in COLUMNS:
        if column == "score":
            bad = (result[column] - expected[column]).abs() > 0.0011
        else:
            bad = result[column].to_numpy() != expected[column].to_numpy()
        if bad.any():
            different[column] = int(bad.sum())
    if different:
        print(f"DIFFERENT: {different}")
        row = next(iter(different))
        bad_rows = (result[row].to_numpy() != expected[row].to_numpy()).nonzero()[0][:3]
        print(pd.concat([expected.iloc[bad_rows], result.iloc[bad_rows]]).to_string())
        return 1
    print(f"identical: {len(result):,} rows, every column")
    return 0


if __name__ == "__main__":
    sys.exit(main())
