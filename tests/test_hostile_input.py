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


# ------------------------------------------------------------------ 6. YAML bombs, in every reader
ALIAS_BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
) + "\nquestions: [*i]\norg: *i\nrules: [*i]\n"
DEEP = "questions: " + "[" * 100_000 + "]" * 100_000 + "\n"
YAML_READERS = {
    "answers": lambda f: ["interview", "--answers", str(f)],
    "rules": lambda f: ["classify", "--rules", str(f)],
    "columns": lambda f: ["import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), "--columns", str(f)],
}


@pytest.mark.parametrize("reader", sorted(YAML_READERS))
@pytest.mark.parametrize("name, text, reason", [
    ("bomb.yaml", ALIAS_BOMB, "values once its aliases are expanded"),
    ("deep.yaml", DEEP, "nest"),
    ("loop.yaml", "a: &a [*a]\n", "refers to a node that contains it"),
    ("big.yaml", "x: '" + "y" * 2_000_000 + "'\n", "characters"),
])
def test_every_yaml_reader_refuses_bombs_quickly_in_one_line(audited, tmp_path, reader, name, text, reason):
    before = run_json("summary", "--format", "json", db=audited)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = run(*YAML_READERS[reader](path), db=audited)
    assert time.monotonic() - started < 5
    assert result.exit_code == 2
    line = one_line(result)
    assert line.startswith(f"error: {name}: ") and reason in line and len(line) < 300
    assert run_json("summary", "--format", "json", db=audited) == before


def test_the_shipped_banks_and_rules_load_through_the_same_limits():
    from toilaudit.classify.rule_pack import load_rule_pack
    from toilaudit.maturity.bank import parse_banks

    from toilaudit.errors import BankError

    assert load_rule_pack().rules
    with pytest.raises(BankError, match="values once its aliases are expanded"):
        parse_banks({"sre.yaml": ALIAS_BOMB})
