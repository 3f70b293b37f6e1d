"""Where a command's memory peaks: its RSS sampled every quarter second, per step it announces.

    python benchmarks/rss_by_step.py toilaudit -v --db /tmp/s.duckdb import jira --csv export.csv

Runs the command, reads its resident memory from /proc, and prints for each line the command
wrote on stderr (with -v, toilaudit's steps) the peak and the last RSS sampled until the next
line. Linux only. The command's standard output is printed at the end.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

SAMPLE_SECONDS = 0.25


def resident_gb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1e6  # kB
    except FileNotFoundError:  # the process has ended
        return None
    return None


def main(command: list[str]) -> int:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    steps: list[tuple[float, str]] = [(0.0, "start")]
    samples: list[tuple[float, float]] = []

    def read_steps() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            steps.append((time.monotonic() - started, line.strip()))

    reader = threading.Thread(target=read_steps, daemon=True)
    reader.start()
    while process.poll() is None:
        resident = resident_gb(process.pid)
        if resident is not None:
            samples.append((time.monotonic() - started, resident))
        time.sleep(SAMPLE_SECONDS)
    reader.join(timeout=5)
    assert process.stdout is not None
    print(process.stdout.read(), end="")
    ends = [at for at, _ in steps[1:]] + [float("inf")]
    for (at, step), end in zip(steps, ends, strict=True):
        during = [resident for when, resident in samples if at <= when < end]
        peak, last = (f"{max(during):5.2f}", f"{during[-1]:5.2f}") if during else ("    -", "    -")
        print(f"{at:7.1f} s  peak {peak} GB  last {last} GB  {step[:90]}")
    print(f"peak {max((resident for _, resident in samples), default=0.0):.2f} GB, exit {process.returncode}")
    return process.returncode


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
