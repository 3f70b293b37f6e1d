"""Import speed and memory against a bare read of the same file, measured in the same run.

For each size N it writes a Jira export (and a PagerDuty export of N/4 pages), then times,
each in a fresh process:
  read         the bare read: pyarrow's CSV reader into pandas (the baseline)
  import       toilaudit import jira --csv FILE into a new store  (read, classify, store)
  reimport     the same import again (every item stored as it is: nothing written or re-labelled)
  incremental  1,000 new tickets into a store already holding the N  (--incremental)
  overlap      the export again with the 1,000 new appended, into a store holding the N
               (--incremental: the next month's export of the same tracker)
  incremental_labelled
               1,000 new tickets into that store once people labelled 50 of its items
               (--incremental: labels adapt the model, which the store keeps)
  live_incremental
               the same 1,000 new tickets (other keys) fetched by a live import from a Jira
               Cloud API on 127.0.0.1 (tests/fake_jira.py, driven by the real `jira` client),
               into a store holding the N: a daily live import  (--incremental)
  postgres     the import into a fresh PostgreSQL database          (--postgres)
  postgres_incremental
               1,000 new tickets into a copy of that database        (--postgres --incremental)
and prints wall time, peak RSS and the ratios. The commands run in rounds (one of each per
round) and ratios are taken within a round, then the median over rounds: machines here are
noisy, so compare ratios, not seconds.

Shapes (--shape): `real` (default) is a real tracker's: 99.9% distinct titles drawn Zipf-like
from 40,000 words, host-like slots in a quarter, descriptions of realistic length, a fifth
over several lines (benchmarks/realshaped.py); `catalogue` draws titles from a catalogue of
requests (51,000 distinct titles in 1M rows), as the synthetic examples do.

    python benchmarks/bench_import.py --rows 100000 1000000 --incremental --postgres
    python benchmarks/bench_import.py --rows 5000000 --repeat 1
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realshaped

from toilaudit.synth.exports import JIRA_HEADER, PAGERDUTY_HEADER, jira_rows, pagerduty_rows, write_csv

TOILAUDIT = [sys.executable, "-m", "toilaudit"]
DELTA_ROWS = 1_000
LABELS = 50
# A store holding the N with LABELS of its items labelled and classified again (toilaudit label
# does the same): copied from FULL to LABELLED, untimed as the plain copy is
LABEL_SOME = """
import shutil, subprocess, sys
import pandas as pd
from toilaudit.store import open_store
shutil.copyfile({full!r}, {labelled!r})
store = open_store({labelled!r})
keys = store.load_items(("source", "key")).sort_values("key")["key"].tolist()[::{step}][:{count}]
store.save_labels(pd.DataFrame({{"source": "jira", "key": keys, "label": ["toil", "not-toil"] * ({count} // 2)}}),
                  "benchmark", "bench_import")
store.close()
subprocess.run([sys.executable, "-m", "toilaudit", "--db", {labelled!r}, "-q", "classify"], check=True)
"""


def measure_once(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of a command run in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024  # Linux reports KiB


def measure_rounds(commands: dict[str, tuple[list[str], Callable[[], None]]], cwd: Path,
                   repeat: int) -> dict[str, list[tuple[float, float]]]:
    """Each command once per round, `repeat` rounds: a slow spell of a noisy machine then hits
    the baseline and the import alike, and per-round ratios stay comparable."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (command, before) in commands.items():
            before()
            runs[name].append(measure_once(command, cwd))
    return runs


def median_run(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """Median wall time and median peak RSS."""
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def median_ratio(runs: list[tuple[float, float]], baseline: list[tuple[float, float]]) -> float:
    """Median over rounds of wall time / the same round's baseline wall time."""
    return statistics.median(run[0] / base[0] for run, base in zip(runs, baseline))


def bare_read(path: Path) -> list[str]:
    """The fastest correct read of the file into pandas: pyarrow's CSV reader, which (unlike
    pandas' pyarrow engine on a large file) follows quoted newlines."""
    code = (f"import pyarrow.csv as c; c.read_csv({str(path)!r}, parse_options=c.ParseOptions(newlines_in_values=True))"
            ".to_pandas()")
    return [sys.executable, "-c", code]


LIVE_ENV = {"JIRA_USER": "auditor@acme.example", "JIRA_API_TOKEN": "jira-token"}  # tests/fake_jira.py's defaults
JIRA_DATE = "%d/%b/%y %I:%M %p"


def jira_issue(row: list[str]) -> dict:
    """An export row (realshaped.jira_rows) as Jira's REST API returns the issue."""
    def stamp(text: str) -> str | None:
        return datetime.strptime(text, JIRA_DATE).replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000") \
            if text else None

    return {"id": row[2], "key": row[1], "fields": {
        "summary": row[0], "issuetype": {"name": row[3]}, "status": {"name": row[4]},
        "project": {"name": row[6]}, "priority": {"name": row[7]}, "assignee": {"displayName": row[9]},
        "reporter": {"displayName": row[10]}, "created": stamp(row[11]), "updated": stamp(row[12]),
        "resolutiondate": stamp(row[13]), "components": [{"name": row[14]}] if row[14] else [],
        "labels": [label for label in row[16:19] if label], "description": row[19],
        "timespent": int(row[23]) if row[23] else None,
    }}


def start_fake_jira(rows: list[list[str]]) -> tuple[str, Callable[[], None]]:
    """A Jira Cloud REST API on a free loopback port serving these rows, as the live-import tests
    start one (tests/fake_jira.py: Jira's paging, 100 issues a page)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from pytest_httpserver import HTTPServer

    from fake_jira import FakeJira

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    fake = FakeJira(server, [jira_issue(row) for row in rows])
    return fake.url, server.stop


def write_exports(rows: int, folder: Path, shape: str) -> tuple[Path, Path, Path]:
    jira = folder / f"jira-{shape}-{rows}.csv"
    pages = folder / f"pagerduty-{shape}-{rows // 4}.csv"
    delta = folder / f"jira-{shape}-delta-{DELTA_ROWS}.csv"
    if shape == "real":
        if not jira.exists():
            realshaped.write_jira(jira, rows, seed=17)
        if not pages.exists():
            realshaped.write_pagerduty(pages, rows // 4, seed=23)
        if not delta.exists():  # other keys: DELTA-1 ...
            realshaped.write(delta, JIRA_HEADER, ([row[0], row[1].replace("OPS-", "DELTA-"), *row[2:]]
                                                  for row in realshaped.jira_rows(DELTA_ROWS, seed=99)))
    else:
        if not jira.exists():
            write_csv(jira, JIRA_HEADER, jira_rows(rows, seed=rows, days=3 * 365, human_label_share=0.0,
                                                   multiline=False))
        if not pages.exists():
            write_csv(pages, PAGERDUTY_HEADER, pagerduty_rows(rows // 4, seed=rows, days=3 * 365))
        if not delta.exists():
            write_csv(delta, JIRA_HEADER, jira_rows(DELTA_ROWS, seed=99, project="DELTA", human_label_share=0.0))
    return jira, pages, delta


def _delta_rows(delta: Path) -> list[list[str]]:
    with open(delta, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def run_size(rows: int, folder: Path, repeat: int, shape: str, incremental: bool, postgres: str | None) -> dict:
    jira, pages, delta = write_exports(rows, folder, shape)
    work = folder / f"run-{shape}-{rows}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    store = str(work / "bench.db")
    results = {"rows": rows, "shape": shape, "file_mib": round(jira.stat().st_size / 2**20, 1)}
    stops: list[Callable[[], None]] = []  # servers started for this size

    def fresh(path: str):
        return lambda: Path(path).unlink(missing_ok=True)

    jira_import = [*TOILAUDIT, "--db", store, "import", "jira", "--csv", str(jira)]
    page_store = str(work / "pages.db")
    commands = {
        "read": (bare_read(jira), lambda: None),
        "import": (jira_import, fresh(store)),
        "reimport": (jira_import, lambda: None),  # right after the import: all upserts, nothing new
    }
    if incremental:
        full = str(work / "full.db")
        delta_store = str(work / "delta.db")
        commands["copy_full"] = (["cp", store, full], lambda: None)  # a store holding the N items

        def restore():
            shutil.copyfile(full, delta_store)
        commands["incremental"] = ([*TOILAUDIT, "--db", delta_store, "import", "jira", "--csv", str(delta)], restore)
        # the next export of the same tracker: every stored item again, and the 1,000 new
        overlap = work / f"jira-{shape}-{rows}-and-delta.csv"
        with open(overlap, "wb") as out, open(jira, "rb") as first, open(delta, "rb") as second:
            shutil.copyfileobj(first, out)
            second.readline()  # its header
            shutil.copyfileobj(second, out)
        commands["overlap"] = ([*TOILAUDIT, "--db", delta_store, "import", "jira", "--csv", str(overlap)], restore)
        labelled = str(work / "labelled.db")
        code = LABEL_SOME.format(full=full, labelled=labelled, step=max(1, rows // (2 * LABELS)), count=LABELS)
        commands["label_some"] = ([sys.executable, "-c", code], lambda: None)

        def restore_labelled():
            shutil.copyfile(labelled, delta_store)
        commands["incremental_labelled"] = ([*TOILAUDIT, "--db", delta_store, "import", "jira", "--csv", str(delta)],
                                            restore_labelled)
        # the delta's rows again, under other keys, served by a Jira API: a live import's daily delta
        live_rows = [[row[0], row[1].replace("DELTA-", "LIVE-"), *row[2:]]
                     for row in _delta_rows(delta)]
        url, stop_jira = start_fake_jira(live_rows)
        stops.append(stop_jira)
        os.environ.update(LIVE_ENV)  # the live import's credentials, read from the environment
        commands["live_incremental"] = ([*TOILAUDIT, "--db", delta_store, "import", "jira", "--url", url, "--jql",
                                         "project = LIVE ORDER BY key"], restore)
    if postgres:
        database = f"{postgres}/bench"

        def fresh_database():
            drop = f'psql "{postgres}/postgres" -qc "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"'
            subprocess.run(drop, shell=True, check=True, capture_output=True)
        commands["postgres"] = ([*TOILAUDIT, "--db", database, "import", "jira", "--csv", str(jira)], fresh_database)
        if incremental:
            def copy_database():  # the database holding the N, copied (not timed) as the DuckDB file is
                copy = (f'psql "{postgres}/postgres" -qc "DROP DATABASE IF EXISTS bench_delta" '
                        '-c "CREATE DATABASE bench_delta TEMPLATE bench"')
                subprocess.run(copy, shell=True, check=True, capture_output=True)
            commands["postgres_incremental"] = ([*TOILAUDIT, "--db", f"{postgres}/bench_delta", "import", "jira",
                                                 "--csv", str(delta)], copy_database)
    commands["pagerduty_read"] = (bare_read(pages), lambda: None)
    commands["pagerduty_import"] = ([*TOILAUDIT, "--db", page_store, "import", "pagerduty", "--csv", str(pages)],
                                    fresh(page_store))
    try:
        runs = measure_rounds(commands, work, repeat)
    finally:
        for stop in stops:
            stop()
    runs.pop("copy_full", None)
    runs.pop("label_some", None)
    results.update({name: median_run(r) for name, r in runs.items()})
    results["ratios"] = {
        "import / read": median_ratio(runs["import"], runs["read"]),
        "reimport / import": median_ratio(runs["reimport"], runs["import"]),
        "pagerduty import / read": median_ratio(runs["pagerduty_import"], runs["pagerduty_read"]),
    }
    if postgres:
        results["ratios"]["postgres / duckdb import"] = median_ratio(runs["postgres"], runs["import"])
    return results


MIB_2GB = 2048
# Issue #12's targets, on the real-shaped export: (what, measured, limit), met when measured <= limit.
IMPORT_RATIO, INCREMENTAL_SECONDS, POSTGRES_RATIO, REIMPORT_RATIO = 5.0, 3.0, 2.0, 1.0
REIMPORT_NOISE = 0.05  # a re-import within 5% of the import counts as no slower: rounds here vary more
PER_ROW_GROWTH = 1.2  # time per row at a larger size: 1M at most 12x what 100k costs, and 5M about linear


def targets(results: list[dict]) -> list[tuple[str, float, float]]:
    """Every target the measured sizes can be held to: at 1M rows and more, and between two sizes."""
    found = []
    for r in results:
        if r["rows"] < 1_000_000:
            continue
        at = f"{r['rows']:,} rows"
        found += [(f"{at}: import / bare read", r["ratios"]["import / read"], IMPORT_RATIO),
                  (f"{at}: import peak RSS (MiB)", r["import"][1], MIB_2GB),
                  (f"{at}: re-import / import", r["ratios"]["reimport / import"], REIMPORT_RATIO + REIMPORT_NOISE)]
        if "incremental" in r:
            found.append((f"{at}: {DELTA_ROWS:,} new into the store (s)", r["incremental"][0], INCREMENTAL_SECONDS))
        if "live_incremental" in r:
            found.append((f"{at}: {DELTA_ROWS:,} new by a live import (s)", r["live_incremental"][0],
                          INCREMENTAL_SECONDS))
        if "incremental_labelled" in r:
            found.append((f"{at}: {DELTA_ROWS:,} new into the store, {LABELS} labelled (s)",
                          r["incremental_labelled"][0], INCREMENTAL_SECONDS))
        if "postgres" in r:
            found.append((f"{at}: PostgreSQL / DuckDB import", r["ratios"]["postgres / duckdb import"], POSTGRES_RATIO))
        if "postgres_incremental" in r:
            found.append((f"{at}: {DELTA_ROWS:,} new into PostgreSQL (s)", r["postgres_incremental"][0],
                          INCREMENTAL_SECONDS))
    for small, large in pairwise(results):
        scale = large["rows"] / small["rows"]
        cost = large["import"][0] / small["import"][0]
        found.append((f"{large['rows']:,} rows / {small['rows']:,} rows, import time per row", cost / scale,
                      PER_ROW_GROWTH))
    return found


def start_postgres() -> tuple[str, Callable[[], None]]:
    """A throwaway PostgreSQL server on a free loopback port, as the tests start one."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from conftest import throwaway_postgres

    server = throwaway_postgres()
    return server.__enter__(), lambda: server.__exit__(None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--shape", choices=["real", "catalogue"], default="real")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of runs; medians are reported")
    parser.add_argument("--incremental", action="store_true", help=f"also import {DELTA_ROWS:,} new tickets into a "
                                                                   "store holding the export")
    parser.add_argument("--postgres", action="store_true", help="also import into a local PostgreSQL server")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    print(f"machine: {machine}; {args.shape}-shaped exports; medians of {args.repeat} rounds", flush=True)
    server, stop = start_postgres() if args.postgres else (None, lambda: None)
    all_results = []
    try:
        for rows in args.rows:
            r = run_size(rows, args.out, args.repeat, args.shape, args.incremental, server)
            all_results.append(r)
            base_wall, _ = r["read"]
            print(f"\n{rows:,} Jira rows ({r['file_mib']} MiB, {args.shape}-shaped)")
            for name in ("read", "import", "reimport", "incremental", "overlap", "incremental_labelled",
                         "live_incremental", "postgres",
                         "postgres_incremental", "pagerduty_read", "pagerduty_import"):
                if name in r:
                    wall, rss = r[name]
                    print(f"  {name:20s} {wall:7.2f} s  {rss:7.0f} MiB peak RSS   x{wall / base_wall:.2f} of the bare read")
            print("  median of per-round ratios: " + "   ".join(f"{k}: {v:.2f}" for k, v in r["ratios"].items()),
                  flush=True)
    finally:
        stop()
    if len(all_results) >= 2:
        small, large = all_results[0], all_results[-1]
        print(f"\n{large['rows']:,} rows cost x{large['import'][0] / small['import'][0]:.2f} of {small['rows']:,} "
              f"(rows x{large['rows'] / small['rows']:.0f})")
    checked = targets(all_results) if args.shape == "real" else []
    if checked:
        print("\nTargets of issue #12 (real-shaped export):")
        for what, measured, limit in checked:
            print(f"  {what:55s} {measured:9.2f}  at most {limit:g}  {'met' if measured <= limit else 'NOT MET'}")
    (args.out / f"results-{args.shape}.json").write_text(json.dumps(
        {"machine": machine, "results": all_results,
         "targets": [{"what": what, "measured": measured, "limit": limit, "met": measured <= limit}
                     for what, measured, limit in checked]}, indent=2))


if __name__ == "__main__":
    main()
