"""Fuzzing the inputs people hand toilaudit (#15): both CSV importers and every YAML reader.

Every case must end in exit 0 with correct data, or exit 2 with one line under 300 characters on
stderr and the store exactly as it was (and still usable); never a traceback, never exit 1 or 70.

- Structured CSV cases are drawn from pools whose meaning is known (dates in Jira's and ISO
  forms, including the hours the clocks skip or repeat; durations; impossible days; numbers no
  store can hold; keys blank, repeated or padded; text with quotes, commas, line breaks, NUL and
  any Unicode), so each case has an exact expected outcome: which rows are stored, with what.
- Raw CSV cases then damage those files byte by byte (a quote left open, bytes cut, a line
  repeated, another encoding); for them the invariants above must hold, and stored data must be
  data the file holds.
- YAML cases feed the rules, columns and answers readers (through the CLI) and the question-bank
  parser: random documents of the right shape with values of every type, random YAML-ish text,
  and the known hostile forms (alias bombs, deep nesting, recursive aliases, Python tags).

Hypothesis runs derandomized, so CI tries the same cases every time; TOILAUDIT_FUZZ_SCALE=10
tries ten times as many. `CASES` counts what a run tried (printed with -s).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import EXAMPLES, run

SCALE = float(os.environ.get("TOILAUDIT_FUZZ_SCALE", "1"))
CASES: Counter = Counter()
OUTCOMES: Counter = Counter()  # cases that ended in exit 0
UTC = UTC
NEW_YORK = "America/New_York"


def fuzz_settings(examples: int):
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture, HealthCheck.large_base_example])


# ---------------------------------------------------------------------------------- the store
BASE_JIRA = "Issue key,Summary,Created,Time Spent\n" + "".join(
    f"BASE-{i},Restart api-{i % 3} on web-0{i % 4},{10 + i}/Jan/26 9:{i:02d} AM,{600 * i}\n" for i in range(1, 13))
BASE_PAGES = "id,description,created_on,resolved_on,urgency\n" + "".join(
    f"PB{i},Disk space low on db-0{i % 3},2026-02-{i:02d}T03:00:00Z,2026-02-{i:02d}T03:20:00Z,high\n"
    for i in range(1, 9))


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A small store holding both sources and an interview, copied afresh for every case."""
    folder = tmp_path_factory.mktemp("fuzz-template")
    (folder / "base_jira.csv").write_text(BASE_JIRA, encoding="utf-8")
    (folder / "base_pages.csv").write_text(BASE_PAGES, encoding="utf-8")
    db = folder / "template.db"
    assert run("import", "jira", "--csv", str(folder / "base_jira.csv"), db=db).exit_code == 0
    assert run("import", "pagerduty", "--csv", str(folder / "base_pages.csv"), db=db).exit_code == 0
    assert run("interview", "--answers", str(EXAMPLES / "interview_answers.yaml"), db=db).exit_code == 0
    return db


class Workspace:
    """A fresh copy of the template store and a folder for one case's files. Every case starts
    from the same store, so what "unchanged" means is computed once."""

    def __init__(self, template: Path, root: Path) -> None:
        self.template = template
        self.root = root
        self.number = 0
        self.template_bytes = hashlib.sha256(template.read_bytes()).hexdigest()
        self.template_data = fingerprint(template)

    def unchanged(self, db: Path) -> bool:
        """The same bytes (nothing opened it for writing), or else the same data."""
        if hashlib.sha256(db.read_bytes()).hexdigest() == self.template_bytes:
            return True
        return fingerprint(db) == self.template_data

    def next(self) -> Path:
        self.number += 1
        case = self.root / f"case-{self.number}"
        case.mkdir()
        shutil.copyfile(self.template, case / "store.db")
        return case


@pytest.fixture(scope="module")
def workspace(template, tmp_path_factory) -> Workspace:
    return Workspace(template, tmp_path_factory.mktemp("fuzz-cases"))


def fingerprint(db: Path) -> str:
    """Everything the store holds, hashed; opening it also proves it is usable."""
    from toilaudit.store import open_store

    store = open_store(str(db))
    try:
        digest = hashlib.sha256()
        for table in ("work_items", "classifications", "import_runs", "meta", "watermarks", "answers"):
            frame = store._frame(f"SELECT * FROM {table}")
            frame = frame.drop(columns=[c for c in ("started_at", "finished_at", "answered_at") if c in frame])
            rows = sorted(map(repr, frame.astype(str).itertuples(index=False, name=None)))
            digest.update(f"{table}:{len(rows)}:{rows}".encode())
        return digest.hexdigest()
    finally:
        store.close()


def stored_items(db: Path, source: str) -> pd.DataFrame:
    from toilaudit.store import open_store

    store = open_store(str(db))
    try:
        items = store.load_items()
        assert store.unclassified_count() == 0
    finally:
        store.close()
    return items.loc[items["source"] == source].set_index("key")


def check_outcome(result, db: Path, workspace: Workspace, kind: str) -> bool:
    """The invariants every case keeps; returns whether the command succeeded."""
    CASES[kind] += 1
    output = result.output
    assert "Traceback" not in output, output[-3000:]
    assert result.exit_code in (0, 2), f"exit {result.exit_code}: {output[-3000:]}"
    if result.exit_code == 0:
        OUTCOMES[kind] += 1
        return True
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith("error: ") and " - " in lines[0], lines[0]
    assert len(lines[0]) < 300, lines[0]
    assert result.stdout == "", result.stdout[-1000:]
    assert workspace.unchanged(db), f"store changed by a refused command: {lines[0]}"
    return False


# ---------------------------------------------------------------------------------- CSV pools
LOCAL_TIMES = [
    datetime(2026, 1, 21, 14, 0), datetime(2025, 12, 31, 23, 59), datetime(2026, 11, 1, 1, 30),  # repeated hour
    datetime(2026, 3, 8, 2, 30),  # skipped hour (New York)
    datetime(2000, 2, 29, 12, 0), datetime(2026, 3, 1, 0, 5), datetime(2026, 5, 1, 9, 0), datetime(1995, 7, 4, 9, 5),
    datetime(2026, 10, 25, 1, 30),  # repeated hour in Europe, plain in New York
]


def _jira_style(moment: datetime, padded: bool) -> str:
    hour = moment.strftime("%I")
    return f"{moment:%d/%b/%y} {hour if padded else hour.lstrip('0')}:{moment:%M %p}"


DATE_STYLES = {
    "jira": lambda m: _jira_style(m, False),
    "jira-padded": lambda m: _jira_style(m, True),
    "iso": lambda m: m.strftime("%Y-%m-%dT%H:%M:%S"),
    "iso-space": lambda m: m.strftime("%Y-%m-%d %H:%M"),
}
BAD_DATES = ["31/Feb/26 1:00 PM", "30/Feb/26 1:00 PM", "31/Apr/26 9:00 AM", "29/Feb/25 9:00 AM", "2026-02-31 14:00",
             "yesterday", "26", "1e20", "0026-01-01", "13/13/26", "--", "21/Jan/26 13:00 PM", "2026-13-01T00:00:00",
             "99/Jan/26 1:00 PM"]
GOOD_DURATIONS = {"": None, "0": 0.0, "60": 60.0, "1h 30m": 5400.0, "2d": 57600.0, "1w": 144000.0, "3600.5": 3600.5,
                  " 90 ": 90.0, "315360000": 315360000.0, "1d 2h 30m": 37800.0}
BAD_DURATIONS = ["1e20", "1e400", "inf", "-inf", "nan", "-5", "abc", "12345678901234567890123456", "315360001",
                 "1h -30m x", "9999999w"]


def expected_instant(moment: datetime, tz: str) -> pd.Timestamp:
    """PEP 495's fold=0 reads a skipped or repeated local time as Java's ofLocal (and Jira) does."""
    return pd.Timestamp(moment.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC))


# Any character but the four C0 "information separators", which Python's str.strip() treats as
# white space and Unicode (and so Arrow) does not.
TEXT = st.text(st.characters(exclude_characters="\x1c\x1d\x1e\x1f", exclude_categories=("Cs",)), max_size=40)
NASTY_TEXT = st.sampled_from([
    "", " ", '"', '""', 'a "quoted" word', "comma, inside", "line\nbreak", "cr\rbreak", "tab\tin", "\ufeffbom",
    "é" * 30, "x" * 400, "=cmd|' /C calc'!A0", "<img src=x onerror=alert(1)>", "\x00nul", "   padded   ",
    "word " * 30 + "é!", "\u202eRTL", "😀 emoji",
])
CELL_TEXT = st.one_of(TEXT, NASTY_TEXT)


@st.composite
def date_cell(draw, blank_ok: bool = True):
    """(text, naive local time or None for blank, bad?)"""
    kind = draw(st.sampled_from(["good"] * 8 + ["bad"] + (["blank"] if blank_ok else [])))
    if kind == "bad":
        return draw(st.sampled_from(BAD_DATES)), None, True
    if kind == "blank":
        return "", None, False
    moment = draw(st.sampled_from(LOCAL_TIMES))
    return DATE_STYLES[draw(st.sampled_from(sorted(DATE_STYLES)))](moment), moment, False


@st.composite
def duration_cell(draw):
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(BAD_DURATIONS)), None, True
    text = draw(st.sampled_from(sorted(GOOD_DURATIONS)))
    return text, GOOD_DURATIONS[text], False


@st.composite
def key_cell(draw, number: int, prefix: str):
    choice = draw(st.integers(0, 19))
    if choice == 0:
        return draw(st.sampled_from(["", "  "]))
    if choice == 1:
        return f"{prefix}-{draw(st.integers(1, max(1, number)))}"  # a repeated key
    if choice == 2:
        return f"  {prefix}-{number}\t"
    if choice == 3:
        return draw(st.sampled_from([f"{prefix}-{number}\n", f"{prefix}\n-{number}", f"{prefix}-é{number}",
                                     f"{prefix}-{number}" + "k" * 300]))
    return f"{prefix}-{number}"


def encode(text: str, encoding: str) -> bytes:
    """The file's bytes; cp1252 only where it cannot be mistaken for UTF-8 (the importer tries UTF-8 first)."""
    if encoding == "cp1252":
        try:
            data = text.encode("cp1252")
            data.decode("utf-8")
        except UnicodeEncodeError:
            return text.encode("utf-8")
        except UnicodeDecodeError:
            return data
        return data
    return text.encode(encoding)


def write_csv(header: list[str], rows: list[list[str]], quoting: int) -> str:
    buffer = io.StringIO()
    # QUOTE_MINIMAL quotes a field holding a character of the line terminator, so "\r\n" there
    # (with "\n" it would leave a bare "\r" unquoted: a broken file, not a test of the importer)
    writer = csv.writer(buffer, quoting=quoting, lineterminator="\r\n" if quoting == csv.QUOTE_MINIMAL else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def clean(text: str) -> str:
    """A cell as the importer keeps it: NUL dropped, white space trimmed."""
    return text.replace("\x00", "").strip()


def has_line_break(text: str) -> bool:
    return "\n" in clean(text) or "\r" in clean(text)


# ---------------------------------------------------------------------------------- Jira CSV
JIRA_OPTIONAL = ["Resolved", "Time Spent", "Labels", "Issue Type", "Status", "Description", "Project name"]


@st.composite
def jira_export(draw):
    columns = ["Issue key", "Summary", "Created"] + draw(st.lists(st.sampled_from(JIRA_OPTIONAL), unique=True))
    columns = draw(st.permutations(columns))
    rows, truth = [], []
    for number in range(1, draw(st.integers(1, 6)) + 1):
        cells = {"Issue key": draw(key_cell(number, "FZ")), "Summary": draw(CELL_TEXT)}
        created, created_at, bad_created = draw(date_cell())
        resolved, resolved_at, bad_resolved = draw(date_cell())
        spent, seconds, bad_spent = draw(duration_cell())
        cells.update({"Created": created, "Resolved": resolved, "Time Spent": spent})
        for name in ("Labels", "Issue Type", "Status", "Description", "Project name"):
            cells[name] = draw(CELL_TEXT)
        rows.append([cells[c] for c in columns])
        present = set(columns)
        truth.append({
            "key": clean(cells["Issue key"]), "title": clean(cells["Summary"]),
            "created_at": created_at, "resolved_at": resolved_at if "Resolved" in present else None,
            "seconds": seconds if "Time Spent" in present else None,
            "bad": bad_created or ("Resolved" in present and bad_resolved) or ("Time Spent" in present and bad_spent),
            "broken": any(has_line_break(cells[c]) for c in ("Issue key", "Summary", "Created", "Resolved",
                                                               "Time Spent", "Issue Type", "Status") if c in present),
        })
    text = write_csv(columns, rows, draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    timezone_name = draw(st.sampled_from(["UTC", NEW_YORK]))
    return encode(text, encoding), truth, timezone_name


def expect_refusal(data: bytes, truth: list[dict]) -> bool:
    return (b"\x00" in data[:65536] or any(r["bad"] or r["broken"] for r in truth)
            or all(r["key"] == "" for r in truth))


def check_stored(db: Path, source: str, truth: list[dict], tz: str, base_keys: int) -> None:
    items = stored_items(db, source)
    wanted = {row["key"]: row for row in truth if row["key"]}  # the last row of a key wins
    new = items.loc[~items.index.str.startswith(("BASE-", "PB"))] if source else items
    assert sorted(new.index) == sorted(wanted), (sorted(new.index), sorted(wanted))
    assert len(items) == base_keys + len(wanted)
    for key, row in wanted.items():
        stored = new.loc[key]
        assert stored["title"] == row["title"], (key, stored["title"], row["title"])
        for field in ("created_at", "resolved_at"):
            expected = row.get(field)
            if isinstance(expected, datetime) and expected.tzinfo is None:
                expected = expected_instant(expected, tz)
            if expected is None:
                assert pd.isna(stored[field]), (key, field, stored[field])
            else:
                assert stored[field] == expected, (key, field, stored[field], expected)
        expected_seconds = row["seconds"]
        if expected_seconds is None:
            assert pd.isna(stored["time_spent_seconds"]), (key, stored["time_spent_seconds"])
        else:
            assert math.isclose(stored["time_spent_seconds"], expected_seconds), (key, stored["time_spent_seconds"])


def import_case(workspace, source: str, data: bytes, tz: str, kind: str):
    case = workspace.next()
    export = case / "export.csv"
    export.write_bytes(data)
    db = case / "store.db"
    result = run("import", source, "--csv", str(export), "--timezone", tz, db=db)
    return db, check_outcome(result, db, workspace, kind), result


@fuzz_settings(140)
@given(case=jira_export())
def test_fuzz_jira_csv(workspace, case):
    data, truth, tz = case
    db, ok, result = import_case(workspace, "jira", data, tz, "jira csv")
    assert ok != expect_refusal(data, truth), result.output[-2000:]
    if ok:
        check_stored(db, "jira", truth, tz, base_keys=12)


# ---------------------------------------------------------------------------------- PagerDuty CSV
PD_OPTIONAL = ["resolved_on", "seconds_to_resolve", "urgency", "status", "service_name", "team_names",
               "auto_resolved"]
PD_INSTANTS = {  # text -> the UTC instant, whatever --timezone says (they carry an offset)
    "2026-02-03T04:05:06Z": datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC),
    "2026-02-03T04:05:06+01:00": datetime(2026, 2, 3, 3, 5, 6, tzinfo=UTC),
    "2026-11-01T01:30:00-04:00": datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
    "2025-12-31T23:59:59.500Z": datetime(2025, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
}


@st.composite
def pd_date_cell(draw, offsets: bool):
    """(text, aware UTC instant or naive local time or None, bad?)"""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(BAD_DATES)), None, True
    if kind == 1:
        return "", None, False
    if not offsets:  # offset-free: read in --timezone
        moment = draw(st.sampled_from(LOCAL_TIMES))
        return DATE_STYLES[draw(st.sampled_from(["iso", "iso-space"]))](moment), moment, False
    text = draw(st.sampled_from(sorted(PD_INSTANTS)))
    return text, PD_INSTANTS[text], False


@st.composite
def pagerduty_export(draw):
    columns = ["id", "description", "created_on"] + draw(st.lists(st.sampled_from(PD_OPTIONAL), unique=True))
    columns = draw(st.permutations(columns))
    present = set(columns)
    rows, truth = [], []
    # dates with offsets (as PagerDuty writes them) or without (read in --timezone), mixed at will
    for number in range(1, draw(st.integers(1, 6)) + 1):
        created, created_at, bad_created = draw(pd_date_cell(draw(st.booleans())))
        resolved, resolved_at, bad_resolved = draw(pd_date_cell(draw(st.booleans())))
        seconds_text, seconds, bad_seconds = draw(duration_cell())
        cells = {"id": draw(key_cell(number, "PZ")), "description": draw(CELL_TEXT), "created_on": created,
                 "resolved_on": resolved, "seconds_to_resolve": seconds_text,
                 "urgency": draw(st.sampled_from(["high", "low", "", "High", "urgent\nx"])),
                 "status": draw(st.sampled_from(["resolved", "triggered", "", "acknowledged"])),
                 "service_name": draw(CELL_TEXT), "team_names": draw(CELL_TEXT),
                 "auto_resolved": draw(st.sampled_from(["true", "false", "", "maybe", "1"]))}
        rows.append([cells[c] for c in columns])
        truth.append({
            "key": clean(cells["id"]), "title": clean(cells["description"]), "created": created_at,
            "resolved": resolved_at if "resolved_on" in present else None,
            "seconds": seconds if "seconds_to_resolve" in present else None,
            "bad": bad_created or ("resolved_on" in present and bad_resolved)
                   or ("seconds_to_resolve" in present and bad_seconds)
                   or ("auto_resolved" in present and cells["auto_resolved"] == "maybe"),  # neither true nor false
            "broken": any(has_line_break(cells[c]) for c in ("id", "created_on", "resolved_on",
                                                               "seconds_to_resolve", "urgency", "status")
                          if c in present),
        })
    text = write_csv(columns, rows, draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
    return encode(text, draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))), truth, \
        draw(st.sampled_from(["UTC", NEW_YORK]))


def _instant(value, tz: str):
    if value is None:
        return None
    return pd.Timestamp(value) if value.tzinfo is not None else expected_instant(value, tz)


def pagerduty_truth(truth: list[dict], tz: str) -> list[dict]:
    """The stored form of each row: a missing resolved time comes from seconds_to_resolve, a missing
    time spent from resolved - created (unknown when negative)."""
    out = []
    for row in truth:
        created, resolved = _instant(row["created"], tz), _instant(row["resolved"], tz)
        seconds = row["seconds"]
        if resolved is None and created is not None and seconds is not None:
            resolved = created + timedelta(seconds=seconds)
        if seconds is None and created is not None and resolved is not None:
            seconds = (resolved - created).total_seconds()
        if seconds is not None and seconds < 0:
            seconds = None
        out.append({**row, "created_at": created, "resolved_at": resolved, "seconds": seconds})
    return out


@fuzz_settings(90)
@given(case=pagerduty_export())
def test_fuzz_pagerduty_csv(workspace, case):
    data, truth, tz = case
    db, ok, result = import_case(workspace, "pagerduty", data, tz, "pagerduty csv")
    assert ok != expect_refusal(data, truth), result.output[-2000:]
    if ok:
        check_stored(db, "pagerduty", pagerduty_truth(truth, tz), tz, base_keys=8)


# ---------------------------------------------------------------------------------- damaged CSV
@st.composite
def damaged(draw, export):
    """A file the importer would take, damaged (or, one time in five, one it would refuse anyway)."""
    data, truth, tz = draw(export)
    for _ in range(4 if draw(st.integers(0, 4)) else 0):
        if not expect_refusal(data, truth):
            break
        data, truth, tz = draw(export)
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        operation = draw(st.sampled_from(["quote", "cut", "insert", "repeat-line", "truncate", "nul", "utf16",
                                          "bom", "cr"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if operation == "quote":
            data = data[:at] + b'"' + data[at:]
        elif operation == "cut":
            data = data[:at] + data[at + draw(st.integers(1, 20)):]
        elif operation == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=12)) + data[at:]
        elif operation == "repeat-line":
            lines = data.split(b"\n")
            line = draw(st.integers(0, len(lines) - 1))
            data = b"\n".join(lines[:line + 1] + lines[line:])
        elif operation == "truncate":
            data = data[:at]
        elif operation == "nul":
            data = data[:at] + b"\x00" + data[at:]
        elif operation == "utf16":
            data = data.decode("utf-8", "replace").encode("utf-16")
        elif operation == "bom":
            data = b"\xef\xbb\xbf" + data
        else:
            data = data.replace(b"\n", b"\r")
    return data, tz


def check_damaged(db: Path, source: str, data: bytes, base_keys: int) -> None:
    """What a damaged file may import: items whose key and title the file holds, nothing more."""
    items = stored_items(db, source)
    new = items.loc[~items.index.str.startswith(("BASE-", "PB"))]
    assert len(items) == base_keys + len(new)
    text = data.decode("utf-8", "replace") + data.decode("cp1252", "replace")
    for key, row in new.iterrows():
        assert key and "\x00" not in key and key == key.strip(), repr(key)
        # quote characters aside: a parser reads `"a"b"` as `ab"`, as Python's csv does
        assert key.replace('"', "") in text.replace('"', ""), repr(key)
        if source == "jira":
            assert "\n" not in row["title"] and "\r" not in row["title"], repr(row["title"])


@fuzz_settings(80)
@given(case=damaged(jira_export()))
def test_fuzz_damaged_jira_csv(workspace, case):
    data, tz = case
    db, ok, _ = import_case(workspace, "jira", data, tz, "damaged jira csv")
    if ok:
        check_damaged(db, "jira", data, base_keys=12)


@fuzz_settings(50)
@given(case=damaged(pagerduty_export()))
def test_fuzz_damaged_pagerduty_csv(workspace, case):
    data, tz = case
    db, ok, _ = import_case(workspace, "pagerduty", data, tz, "damaged pagerduty csv")
    if ok:
        check_damaged(db, "pagerduty", data, base_keys=8)


# ---------------------------------------------------------------------------------- YAML
ALIAS_BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]) + "\n"
HOSTILE_YAML = [
    ALIAS_BOMB, ALIAS_BOMB + "questions: [*i]\norg: *i\nrules: [*i]\nsettings: *i\n",
    "questions: " + "[" * 5000 + "]" * 5000, "a: " + "{b: " * 200 + "c" + "}" * 200, "a: &a [*a]\n",
    "!!python/object/apply:os.system ['true']\n", "org: !!binary aGVsbG8=\nquestions: []\n",
    "<<: *nope\n", "rules:\n  - &r {id: T900, name: x, kind: toil, category: x, match: a}\n  - *r\n",
    "org: 2026-01-01\nquestions: []\n", "org: .nan\nquestions: []\n", "version: 1e400\n", "settings: {toil_threshold: 1e400}\n",
    "\t- tabs\n", "---\na: 1\n---\nb: 2\n", "", "~", "[]", "'unterminated", "key: 'x" + "y" * 5000,
    "org: x\nquestions: [{id: sre.slo-defined, answer: 99999999999999999999999999}]\n",
    "org: x\nquestions: [{id: ai.shadow-period-days, answer: 1e400}]\n",
    "'Custom field (Team)': team\n'Custom field (Team)': labels\n", "? [a, b]\n: c\n", "a: !!set {x, y}\n",
    "org: " + "1" * 5000 + "\nquestions: []\n", "version: 0x" + "f" * 5000 + "\n", "org: !!timestamp 1\n",
    "org: !!int abc\nquestions: []\n", "version: 2026-02-31\n", "org: !!binary aGVsbG8=\nquestions: []\n",
    "org: 2026-01-01\nquestions: [{id: sre.slo-defined, answer: 2026-01-01}]\n",
]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
                    st.floats(allow_nan=True, allow_infinity=True), TEXT, NASTY_TEXT,
                    st.sampled_from(["toil", "not-toil", "T001", "T900", "N900", "jira", "pagerduty", "09:00-18:00",
                                     "25:00-99:00", "Europe/Zurich", "Mars/Olympus", "mon", "restart", "(", "(?=a)",
                                     r"^(\w+\s?)+$", "[[:alpha:]]", "a{,3}", "unknown", "1", "5"]))
def _nested(inner):
    return st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)


VALUES = st.recursive(SCALARS, _nested, max_leaves=12)
YAMLISH_TEXT = st.text(alphabet=":-[]{}&*!|>'\"#%@`,? \n\tabcT0159.~<", max_size=80)


def dump(value) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


def mostly(draw, good, bad, bad_one_in: int = 5):
    """A value drawn from `good`, or from `bad` once in `bad_one_in` draws."""
    return draw(bad) if draw(st.integers(1, bad_one_in)) == 1 else draw(good)


GOOD_SETTINGS = {
    "business_hours": st.sampled_from(["09:00-18:00", "8:30-17:00", "0-24"]),
    "workdays": st.just(["mon", "tue", "wed", "thu", "fri"]), "timezone": st.sampled_from(["UTC", "Europe/Zurich"]),
    "interruption_minutes": st.integers(0, 480), "page_hours_cap": st.floats(0.1, 168),
    "repetition_min_group": st.integers(2, 50), "toil_threshold": st.floats(0.01, 1),
    "default_toil_hours": st.floats(0, 1000), "default_other_hours": st.floats(0, 1000),
    "tactical_types": st.lists(TEXT, max_size=3), "engineering_types": st.lists(TEXT, max_size=3),
}


@st.composite
def rules_file(draw):
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(HOSTILE_YAML))
    if kind == 1:
        return draw(YAMLISH_TEXT)
    rule = {"id": mostly(draw, st.sampled_from(["T900", "N900", "T001"]), VALUES),
            "name": mostly(draw, st.just("toil.fuzz"), VALUES), "kind": mostly(draw, st.sampled_from(KINDS), VALUES),
            "category": mostly(draw, TEXT.filter(str.strip), VALUES),
            "match": mostly(draw, st.sampled_from(["restart", r"\bdisk\b", "(?=x)y", r"^(\w+\s?)+$", "é+"]), VALUES),
            "weight": mostly(draw, st.floats(-1, 1), VALUES),
            "estimate_hours": mostly(draw, st.floats(0, 1000), VALUES)}
    optional = {"why": TEXT, "sources": st.sampled_from([["jira"], ["pagerduty"], "jira"]),
                "aliases": st.just(["T899"]), "examples": st.just({"match": ["restart x"], "no_match": ["y"]})}
    for name in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        rule[name] = mostly(draw, optional[name], VALUES)
    settings_ = {name: mostly(draw, GOOD_SETTINGS[name], VALUES)
                 for name in draw(st.lists(st.sampled_from(sorted(GOOD_SETTINGS)), unique=True, max_size=3))}
    if draw(st.integers(0, 9)) == 0:
        settings_["coffee"] = 1
    document = {"version": mostly(draw, st.just("site-1"), VALUES, 10),
                "settings": mostly(draw, st.just(settings_), VALUES, 10),
                "rules": mostly(draw, st.just([rule]), VALUES, 10)}
    if draw(st.integers(0, 4)) == 0:
        document["disable"] = mostly(draw, st.just(["T022"]), VALUES, 4)
    return dump(document)


KINDS = ["toil", "not-toil"]


@st.composite
def columns_file(draw):
    from toilaudit.importers.columns import MAPPABLE_FIELDS

    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(HOSTILE_YAML))
    if kind == 1:
        return draw(YAMLISH_TEXT)
    headers = st.one_of(st.sampled_from(["Custom field (Team)", "Squad", "Request Type", "Time Spent"]), TEXT)
    fields = st.sampled_from([f for f in MAPPABLE_FIELDS if f not in ("key", "title", "created_at")])
    mapping = {draw(headers): mostly(draw, fields, VALUES) for _ in range(draw(st.integers(1, 4)))}
    return dump(mostly(draw, st.just(mapping), VALUES, 10))


def _answer(question):
    choices = list(question.choices)
    good = st.sampled_from(choices + [str(i) for i in range(1, len(choices) + 1)] + ["unknown", "not sure", None]) \
        if choices else st.one_of(st.integers(0, 400), st.floats(0, 1e6), st.sampled_from(["unknown", "30"]))
    return good


@st.composite
def answers_file(draw):
    from toilaudit.maturity.bank import load_bank

    bank = load_bank()
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(HOSTILE_YAML))
    if kind == 1:
        return draw(YAMLISH_TEXT)
    questions = []
    for question in draw(st.lists(st.sampled_from(bank.questions), max_size=8)):
        entry = {"id": mostly(draw, st.just(question.id), VALUES, 15),
                 "answer": mostly(draw, _answer(question), VALUES, 8)}
        if draw(st.booleans()):
            entry["note"] = mostly(draw, TEXT, VALUES, 8)
        questions.append(entry)
    document = {"org": mostly(draw, st.sampled_from(["Fuzzbank", "Fuzz & Co <b>", "é" * 50]), VALUES, 8),
                "questions": questions}
    if draw(st.booleans()):
        document["interviewee"] = mostly(draw, TEXT, VALUES, 5)
    return dump(document)


def yaml_case(workspace, name: str, text: str, args, kind: str):
    case = workspace.next()
    path = case / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    db = case / "store.db"
    result = run(*args(path), db=db)
    return db, check_outcome(result, db, workspace, kind), result


@fuzz_settings(130)
@given(text=rules_file())
def test_fuzz_rules_file(workspace, text):
    db, ok, _ = yaml_case(workspace, "site.yaml", text, lambda p: ["classify", "--rules", str(p)], "rules yaml")
    if ok:
        from toilaudit.store import open_store

        store = open_store(str(db))
        try:
            assert store.get_setting("rule_pack") == text.removeprefix("\ufeff")
        finally:
            store.close()
        assert run("rules", "--format", "json", db=db).exit_code == 0


@fuzz_settings(70)
@given(text=columns_file())
def test_fuzz_columns_file(workspace, text):
    export = workspace.template.parent / "base_jira.csv"
    db, ok, _ = yaml_case(workspace, "columns.yaml", text,
                          lambda p: ["import", "jira", "--csv", str(export), "--columns", str(p)], "columns yaml")
    if ok:
        assert len(stored_items(db, "jira")) >= 1


@fuzz_settings(110)
@given(text=answers_file())
def test_fuzz_answers_file(workspace, text):
    db, ok, _ = yaml_case(workspace, "answers.yaml", text, lambda p: ["interview", "--answers", str(p)],
                          "answers yaml")
    if ok:
        from toilaudit.store import open_store

        store = open_store(str(db))
        try:
            answers = store.load_answers()
        finally:
            store.close()
        assert (answers["org"] != "Northbank Financial").any()  # the file's answers were stored beside the template's
        for org in set(answers["org"]):
            result = run("assess", "--org", org, "--format", "json", db=db)
            assert result.exit_code == 0, result.output


@st.composite
def bank_file(draw):
    """A shipped bank with some of its values replaced, or any YAML at all."""
    from importlib import resources

    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(HOSTILE_YAML))
    if kind == 1:
        return draw(YAMLISH_TEXT)
    name = draw(st.sampled_from(["platform.yaml", "sre.yaml", "ai.yaml"]))
    bank = yaml.safe_load(resources.files("toilaudit.questionnaires").joinpath(name).read_text(encoding="utf-8"))
    keys = ["id", "level", "text", "why", "type", "choices", "met_at", "gate", "evidence", "rung"]
    for _ in range(draw(st.integers(0, 2))):
        question = draw(st.sampled_from(bank["questions"]))
        question[draw(st.sampled_from(keys))] = draw(VALUES)
    if draw(st.integers(0, 9)) == 0:
        bank["track"] = draw(VALUES)
    return dump(bank)


@fuzz_settings(150)
@given(text=bank_file())
def test_fuzz_question_bank(text):
    from toilaudit.errors import BankError
    from toilaudit.maturity.bank import parse_banks

    CASES["bank yaml"] += 1
    from importlib import resources

    # the other two shipped banks beside it, as the tool loads them
    folder = resources.files("toilaudit.questionnaires")
    others = {name: folder.joinpath(name).read_text(encoding="utf-8") for name in ("platform.yaml", "sre.yaml", "ai.yaml")}
    track = next((name for name in others if f"track: {name.split('.')[0]}\n" in text), "sre.yaml")
    try:
        parse_banks({**others, track: text})
        OUTCOMES["bank yaml"] += 1
    except BankError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 290 and " - " in str(exc), str(exc)


def test_fuzz_case_count():
    """Not a check: prints how many cases this run tried (pytest -n 0 -s tests/test_fuzz.py)."""
    tried = ", ".join(f"{kind} {count} ({OUTCOMES[kind]} exit 0)" for kind, count in sorted(CASES.items()))
    print(f"\nfuzz cases tried: {sum(CASES.values())}: {tried}")
