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
    export.write_text("Issue key,Summary,Created\nOPS-1,Restart api,21/Jan/26 2:00 PM\n", encoding="utf-8")
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
    ("digits.yaml", "org: " + "1" * 5000 + "\nrules: 0x" + "f" * 5000 + "\n", "a number of more than 100 digits"),
    ("tag.yaml", "org: !!timestamp 1\nrules: !!int abc\n", "a value YAML cannot read"),
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
    from toilaudit.errors import BankError
    from toilaudit.maturity.bank import parse_banks

    assert load_rule_pack().rules
    with pytest.raises(BankError, match="values once its aliases are expanded"):
        parse_banks({"sre.yaml": ALIAS_BOMB})


# ------------------------------------------------------------------ 7. credentials in URLs
@pytest.mark.parametrize("url, pieces", [
    ("postgresql://auditor@127.0.0.1:1/db?password=s3cret-pw", ["s3cret-pw"]),
    ("postgresql://:s3cret-pw@127.0.0.1:1/db", ["s3cret-pw"]),
    ("postgresql://auditor:s3c@ret-pw@127.0.0.1:1/db", ["s3c", "ret-pw"]),  # an unencoded @ in the password
    ("postgresql://auditor:s3c/ret-pw@127.0.0.1:1/db", ["s3c", "ret-pw"]),  # and an unencoded /
    ("postgres://auditor:s3cret%40pw@127.0.0.1:1/db?sslmode=disable", ["s3cret", "s3cret@pw"]),
    ("postgresql://auditor@127.0.0.1:1/db?sslpassword=s3cret-pw&password=s3cret-pw&connect_timeout=1", ["s3cret"]),
    ("postgresql://auditor:s3cret-pw@127.0.0.1:1/db?bogus=1", ["s3cret-pw"]),
])
def test_postgresql_passwords_never_reach_a_message(url, pieces):
    result = run("summary", db=url)
    line = one_line(result)
    assert result.exit_code == 2
    for piece in pieces:
        assert piece not in result.output
    assert "***" in line or "auditor@" in line


def test_redact_url_keeps_the_user_and_hides_every_password_form():
    from toilaudit.urls import redact_url

    assert redact_url("postgresql://a:b@h/d") == "postgresql://a:***@h/d"
    assert redact_url("postgresql://:pw@h/d") == "postgresql://:***@h/d"
    assert redact_url("postgresql://u:p@ss@h:5432/d") == "postgresql://u:***@h:5432/d"
    assert redact_url("postgresql://u@h/d?sslmode=require&password=pw") == "postgresql://u@h/d?sslmode=require&password=***"
    assert redact_url("https://me:TOKEN@acme.atlassian.net") == "https://me:***@acme.atlassian.net"
    assert redact_url("toilaudit.db") == "toilaudit.db"


@pytest.mark.parametrize("command", [
    ["import", "jira", "--jql", "project = OPS", "--url"],
    ["import", "pagerduty", "--since", "2026-01-01", "--url"],
])
@pytest.mark.parametrize("url", ["https://me:TOKEN-s3cret@127.0.0.1:9", "https://127.0.0.1:9/?os_password=TOKEN-s3cret",
                                 "https://127.0.0.1:9/jira?api_key=TOKEN-s3cret&x=1"])
def test_a_token_in_url_userinfo_is_refused_and_reaches_nothing(tmp_path, command, url):
    db = tmp_path / "s.db"
    env = {"JIRA_PAT": "pat", "PAGERDUTY_API_TOKEN": "pd", "TOILAUDIT_MAX_RETRIES": "0"}
    result = run(*command, url, db=db, env=env)
    assert result.exit_code == 2
    assert "holds credentials" in one_line(result)
    assert "TOKEN-s3cret" not in result.output
    assert not db.exists() or b"TOKEN-s3cret" not in db.read_bytes()


# ------------------------------------------------------------------ 8. only a DuckDB file or postgresql://
@pytest.mark.parametrize("location", ["mysql://root@127.0.0.1/audit", "sqlite:///audit.db", "md:audit",
                                      "s3://bucket/audit.db", "https://example.com/audit.db"])
def test_only_a_duckdb_path_or_postgresql_url_is_accepted(location):
    result = run("summary", db=location)
    assert result.exit_code == 2
    assert "not a store toilaudit can use - give --db a DuckDB file path" in one_line(result)


def test_a_sqlite_file_is_named_and_nothing_is_downloaded(tmp_path):
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
    result = run("summary", db=path)
    assert result.exit_code == 2
    assert "other.db: a SQLite database, not a toilaudit store" in one_line(result)


def test_duckdb_never_installs_or_loads_extensions_by_itself(db):
    from toilaudit.store import open_store

    store = open_store(str(db))
    try:
        settings = store._frame("SELECT current_setting('autoinstall_known_extensions') AS i, "
                                "current_setting('autoload_known_extensions') AS l")
    finally:
        store.close()
    assert settings.iloc[0].tolist() == [False, False]


# ------------------------------------------------------------------ 9. long unbroken strings in the PDF
def test_a_10000_character_title_and_a_long_team_name_keep_the_pdf_fast_and_on_the_page(audited, tmp_path):
    from pypdf import PdfReader

    long_title, long_team = "x" * 10_000, "T" * 3_000
    export = tmp_path / "long.csv"
    export.write_text("Issue key,Summary,Created,Issue Type,Project name,Time Spent\n" + "".join(
        f"L-{i},Restart {long_title},21/Jan/26 2:00 PM,Incident,{long_team},360000\n" for i in range(1, 5)),
        encoding="utf-8")
    assert run("import", "jira", "--csv", str(export), db=audited).exit_code == 0
    assert run("interview", "--answers", str(EXAMPLES / "interview_answers.yaml"), db=audited).exit_code == 0
    started = time.monotonic()
    result = run("report", "--out", str(tmp_path / "r.pdf"), db=audited)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 30  # it took 471 s
    text = "".join(page.extract_text() for page in PdfReader(str(tmp_path / "r.pdf")).pages)
    assert "x" * 200 not in text and "T" * 100 not in text  # capped, marked with an ellipsis
    assert "400.0" in text  # the long team's hours are still printed
