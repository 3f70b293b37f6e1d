"""Import speed and memory against a bare read of the same file, measured in the same run.

For each size N it writes a realistic Jira export (and a PagerDuty export of N/4 pages), then
times, each in a fresh process:
  read      pandas.read_csv(FILE, engine="pyarrow")            (the baseline)
  import    toilaudit import jira --csv FILE into a new store  (read, classify, store)
  reimport  the same import again (all upserts, nothing new)
and prints wall time, peak RSS and the ratios. The commands run in rounds (one of each per
round) and ratios are taken within a round, then the median over rounds: machines here are
noisy, so compare ratios, not seconds. Usage: python benchmarks/bench_import.py [--rows 100000 1000000] [--out DIR]
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
from collections.abc import Callable
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


def write_exports(rows: int, folder: Path, one_off_share: float) -> tuple[Path, Path]:
    jira = folder / (f"jira-{rows}.csv" if not one_off_share else f"jira-{rows}-one-off-{one_off_share:g}.csv")
    pages = folder / f"pagerduty-{rows // 4}.csv"
    if not jira.exists():
        write_csv(jira, JIRA_HEADER, jira_rows(rows, seed=rows, days=3 * 365, human_label_share=0.0,
                                               multiline=False,  # pandas' pyarrow engine rejects quoted newlines
                                               one_off_share=one_off_share))
    if not pages.exists():
        write_csv(pages, PAGERDUTY_HEADER, pagerduty_rows(rows // 4, seed=rows, days=3 * 365))
    return jira, pages


def run_size(rows: int, folder: Path, repeat: int, one_off_share: float) -> dict:
    jira, pages = write_exports(rows, folder, one_off_share)
    work = folder / f"run-{rows}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    read = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(jira)!r}, engine='pyarrow')"]
    store = str(work / "bench.db")
    results = {"rows": rows, "file_mib": round(jira.stat().st_size / 2**20, 1), "one_off_share": one_off_share}
    def fresh(path: str):
        return lambda: Path(path).unlink(missing_ok=True)

    jira_import = [*TOILAUDIT, "--db", store, "import", "jira", "--csv", str(jira)]
    page_read = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(pages)!r}, engine='pyarrow')"]
    page_store = str(work / "pages.db")
    page_import = [*TOILAUDIT, "--db", page_store, "import", "pagerduty", "--csv", str(pages)]
    runs = measure_rounds({
        "read": (read, lambda: None),
        "import": (jira_import, fresh(store)),
        "reimport": (jira_import, lambda: None),  # right after the import: all upserts, nothing new
        "pagerduty_read": (page_read, lambda: None),
        "pagerduty_import": (page_import, fresh(page_store)),
    }, work, repeat)
    results.update({name: median_run(r) for name, r in runs.items()})
    results["ratios"] = {
        "import / read": median_ratio(runs["import"], runs["read"]),
        "reimport / import": median_ratio(runs["reimport"], runs["import"]),
        "pagerduty import / read": median_ratio(runs["pagerduty_import"], runs["pagerduty_read"]),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of runs; medians are reported")
    parser.add_argument("--one-off-share", type=float, default=0.0,
                        help="share of not-toil issues given a unique free-text title (0.0: the template catalogue; "
                             "1.0: about a fifth of all titles are one-offs, as in a tracker full of project work)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    print(f"machine: {machine}; medians of {args.repeat} rounds")
    all_results = []
    for rows in args.rows:
        r = run_size(rows, args.out, args.repeat, args.one_off_share)
        all_results.append(r)
        base_wall, base_rss = r["read"]
        titles = f", one-off share {args.one_off_share:g}" if args.one_off_share else ""
        print(f"\n{rows:,} Jira rows ({r['file_mib']} MiB{titles})")
        for name in ("read", "import", "reimport", "pagerduty_read", "pagerduty_import"):
            wall, rss = r[name]
            print(f"  {name:17s} {wall:7.2f} s  {rss:7.0f} MiB peak RSS   x{wall / base_wall:.2f} of the bare read")
        print("  median of per-round ratios: " + "   ".join(f"{k}: {v:.2f}" for k, v in r["ratios"].items()))
    if len(all_results) >= 2:
        small, large = all_results[0], all_results[-1]
        print(f"\n{large['rows']:,} rows cost x{large['import'][0] / small['import'][0]:.2f} of {small['rows']:,} "
              f"(rows x{large['rows'] / small['rows']:.0f})")
    name = "results.json" if not args.one_off_share else f"results-one-off-{args.one_off_share:g}.json"
    (args.out / name).write_text(json.dumps({"machine": machine, "results": all_results}, indent=2))


if __name__ == "__main__":
    main()
