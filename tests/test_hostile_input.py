"""Inputs built to hang, exhaust or leak (#15): each ends quickly, in one line, with nothing kept."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from helpers import EXAMPLES, run, run_json

TOILAUDIT = [sys.executable, "-m", "toilaudit"]


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[:2000]
    return lines[0]


# ------------------------------------------------------------------ 5. ReDoS through a site rule
@pytest.mark.parametrize("pattern, title", [
    # RE2 runs this one in linear time, but a title beyond ASCII goes to Python's re
    (r"^(\w+\s?)+$", " ".join(["word"] * 30) + " é!"),
    # a look-ahead: RE2 cannot run it at all, so even an ASCII title goes to re
    (r"^(?=(\w+\s?)+$)x", " ".join(["word"] * 30) + "!"),
])
def test_a_backtracking_site_rule_cannot_stall_an_import(tmp_path, pattern, title):
    db = tmp_path / "s.db"
    rules = tmp_path / "site.yaml"
    rules.write_text(f"rules:\n  - id: T900\n    name: toil.words\n    kind: toil\n    category: words\n"
                     f"    match: '{pattern}'\n", encoding="utf-8")
    export = tmp_path / "j.csv"
    export.write_text(f"Issue key,Summary,Created\nOPS-1,Restart api,21/Jan/26 2:00 PM\n", encoding="utf-8")
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    assert run("classify", "--rules", str(rules), db=db).exit_code == 0  # saved for later imports
    before = run_json("summary", "--format", "json", db=db)
    hostile = tmp_path / "hostile.csv"
    hostile.write_text(f"Issue key,Summary,Created\nOPS-2,{title},21/Jan/26 2:00 PM\n", encoding="utf-8")
    started = time.monotonic()
    try:
        done = subprocess.run([*TOILAUDIT, "--db", str(db), "import", "jira", "--csv", str(hostile)],
                              capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the import hung on one ticket title")
    assert time.monotonic() - started < 20
    assert done.returncode == 2, done.stderr
    line = one_line(done)
    assert "rule T900: its pattern" in line and "budget" in line and "classify --rules" in line
    assert run_json("summary", "--format", "json", db=db) == before  # nothing kept
