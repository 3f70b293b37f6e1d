"""Import speed and memory against a bare read of the same file, measured in the same run.

For each size N it writes a realistic Jira export (and a PagerDuty export of N/4 pages), then
times, each in a fresh process:
  read      pandas.read_csv(FILE, engine="pyarrow")            (the baseline)
  import    toilaudit import jira --csv FILE into a new store  (read, classify, store)
  reimport  the same import again (all upserts, nothing new)
and prints wall time, peak RSS and the ratios. Machines here are noisy: compare ratios, not
seconds. Usage: python benchmarks/bench_import.py [--rows 100000 1000000] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from toilaudit.synth.exports import JIRA_HEADER, PAGERDUTY_HEADER, jira_rows, pagerduty_rows, write_csv

TOILAUDIT = [sys.executable, "-m", "toilaudit"]


def measure_once(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of a command run in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024  # Linux reports KiB


def measure(command: list[str], cwd: Path, repeat: int, before=lambda: None) -> tuple[float, float]:
    """Median wall time and median peak RSS over `repeat` runs: one run of a 1 s read varies 2x here."""
    runs = []
    for _ in range(repeat):
        before()
        runs.append(measure_once(command, cwd))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def write_exports(rows: int, folder: Path) -> tuple[Path, Path]:
    jira = folder / f"jira-{rows}.csv"
    pages = folder / f"pagerduty-{rows // 4}.csv"
    if not jira.exists():
        write_csv(jira, JIRA_HEADER, jira_rows(rows, seed=rows, days=3 * 365, human_label_share=0.0,
                                                 multiline=False))  # pandas' pyarrow engine rejects quoted newlines
    if not pages.exists():
        write_csv(pages, PAGERDUTY_HEADER, pagerduty_rows(rows // 4, seed=rows, days=3 * 365))
    return jira, pages


def run_size(rows: int, folder: Path, repeat: int) -> dict:
    jira, pages = write_exports(rows, folder)
    work = folder / f"run-{rows}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    read = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(jira)!r}, engine='pyarrow')"]
    store = str(work / "bench.db")
    results = {"rows": rows, "file_mib": round(jira.stat().st_size / 2**20, 1)}
    def fresh(path: str):
        return lambda: Path(path).unlink(missing_ok=True)

    jira_import = [*TOILAUDIT, "--db", store, "import", "jira", "--csv", str(jira)]
    results["read"] = measure(read, work, repeat)
    results["import"] = measure(jira_import, work, repeat, before=fresh(store))
    results["reimport"] = measure(jira_import, work, repeat)  # the store now holds every row: all upserts
    page_read = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(pages)!r}, engine='pyarrow')"]
    page_store = str(work / "pages.db")
    results["pagerduty_read"] = measure(page_read, work, repeat)
    results["pagerduty_import"] = measure([*TOILAUDIT, "--db", page_store, "import", "pagerduty", "--csv", str(pages)],
                                          work, repeat, before=fresh(page_store))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; medians are reported")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    print(f"machine: {machine}; medians of {args.repeat} runs each")
    all_results = []
    for rows in args.rows:
        r = run_size(rows, args.out, args.repeat)
        all_results.append(r)
        base_wall, base_rss = r["read"]
        print(f"\n{rows:,} Jira rows ({r['file_mib']} MiB)")
        for name in ("read", "import", "reimport", "pagerduty_read", "pagerduty_import"):
            wall, rss = r[name]
            print(f"  {name:17s} {wall:7.2f} s  {rss:7.0f} MiB peak RSS   x{wall / base_wall:.2f} of the bare read")
        print(f"  import / read: {r['import'][0] / base_wall:.2f}   reimport / import: "
              f"{r['reimport'][0] / r['import'][0]:.2f}   pagerduty import / read: "
              f"{r['pagerduty_import'][0] / r['pagerduty_read'][0]:.2f}")
    if len(all_results) >= 2:
        small, large = all_results[0], all_results[-1]
        print(f"\n{large['rows']:,} rows cost x{large['import'][0] / small['import'][0]:.2f} of {small['rows']:,} "
              f"(rows x{large['rows'] / small['rows']:.0f})")
    (args.out / "results.json").write_text(json.dumps({"machine": machine, "results": all_results}, indent=2))


if __name__ == "__main__":
    main()
