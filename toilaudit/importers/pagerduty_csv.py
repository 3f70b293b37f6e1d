"""PagerDuty incident CSV downloads (Incidents list, Analytics / reports) -> WorkItems."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toilaudit.errors import InputFileError, shown
from toilaudit.importers.columns import PAGERDUTY_ALIASES, OneOfSeveral, picks_of
from toilaudit.importers.csv_reading import read_export
from toilaudit.importers.dates import (
    NO_CREATED,
    NO_TITLE,
    blank_texts,
    date_warnings,
    missing_values,
    parse_date_columns,
)
from toilaudit.importers.export import (
    ImportBatch,
    ImportedFile,
    blank_rows,
    drop_blank_keys,
    parse_durations,
    parse_flags,
    pick_values,
    read_files,
    rows_named,
)
from toilaudit.importers.interface import normalise_frame

REQUIRED = ("key", "title", "created_at")
DATE_HEADERS = {"created_at": "created_on", "resolved_at": "resolved_on", "updated_at": "updated_at"}
# Fields that never span lines: a line break there is a quote left open (titles may hold one).
SINGLE_LINE = {"key": "id", "status": "status", "urgency": "urgency", "seconds_to_resolve": "seconds_to_resolve",
               **DATE_HEADERS}
URGENCIES = ("high", "low")  # an incident's urgency is one of these (a priority, P1-P5, is another field)
# seconds_to_resolve is resolved_on - created_on to the second; a download re-saved by Excel may
# keep its times to the minute, which moves the difference by up to 59 seconds
SECONDS_TO_RESOLVE_SLACK = 60
# A download without an id (the Incidents list's `#` column, a report's Incident Number) is keyed
# by its incident number, as the help says; the number is then also the incident's number, so a
# page is found as PagerDuty shows it (#1234: explain, labels files) as well as by its key.
STAND_INS = {"key": "incident_number"}
INCIDENT_NUMBER = r"[0-9]+"
# PagerDuty writes the several users of an incident in one cell, their names joined with ", "
# ("Ana Lima, Bo Chen", as assigned_to_user_names and the Analytics "Assigned To"); a name with
# a comma in it cannot be told from two there, so every comma parts two people.
PEOPLE_SEPARATORS = ("|", ",")


def read_pagerduty_csv(
    paths: list[Path],
    columns_map: dict[str, str],
    team: str | None = None,
    date_format: str | None = None,
    timezone: str = "UTC",
) -> ImportBatch:
    """Read PagerDuty incident exports into one batch; of a repeated id's rows, the newest updated wins (else the later)."""

    def read_one(path):
        export = read_export(Path(path), "PagerDuty incidents", PAGERDUTY_ALIASES, columns_map, REQUIRED, SINGLE_LINE,
                             stand_ins=STAND_INS)
        items, warnings = _to_items(export.fields, export.path.name, team, date_format, timezone,
                                    picks_of(columns_map).get("team"), export.headers.get("key", "id"))
        return items, ImportedFile(export.path.name, export.sha256, export.rows), warnings

    return read_files("pagerduty", paths, read_one)


def _to_items(
    fields: dict[str, pd.Series], where: str, team: str | None, date_format: str | None, timezone: str,
    team_pick: OneOfSeveral | None = None, key_header: str = "id",
) -> tuple[pd.DataFrame, list[str]]:
    def text(field: str) -> pd.Series | str:
        return fields.get(field, "")

    rows = len(fields["key"])
    keyless, blank = blank_rows(fields)  # skipped at the end; no other check names them
    if "incident_number" not in fields and _all_match(fields["key"], INCIDENT_NUMBER):
        fields = {**fields, "incident_number": fields["key"]}  # keyed by a column of numbers (--columns '#: key')
    picking: list[str] = []
    if team_pick and not team and "team" in fields:
        fields = {**fields}
        fields["team"], picking = pick_values(fields["team"], team_pick, where, "team", keyless)
    dates = {field: (fields[field], header) for field, header in DATE_HEADERS.items() if field in fields}
    parsed, doubts = parse_date_columns(dates, where, date_format, timezone, source="pagerduty")
    warnings = date_warnings(parsed, DATE_HEADERS, where) + doubts + picking
    created = parsed["created_at"]
    if "resolved_at" in parsed:
        resolved = parsed["resolved_at"]
    else:
        resolved = pd.Series(pd.NaT, index=range(rows), dtype="datetime64[us, UTC]")
    if "seconds_to_resolve" in fields:
        seconds = parse_durations(fields["seconds_to_resolve"], where, "seconds_to_resolve")
        warnings.append(_seconds_disagreeing(seconds, created, resolved, where))
        resolved = resolved.fillna(created + pd.to_timedelta(seconds, unit="s"))
        seconds = seconds.fillna((resolved - created).dt.total_seconds())  # a blank cell, both times known
    else:
        seconds = (resolved - created).dt.total_seconds()
    urgency = pd.Series(text("urgency"), index=range(rows)).astype(str).str.lower()
    _refuse_unless(urgency.isin(URGENCIES), fields.get("urgency"), where, "urgency", "is not high or low",
                   "PagerDuty's urgency is one of the two (a priority such as P1 is another column): correct that "
                   "row, or leave it blank")
    auto_resolved = parse_flags(fields["auto_resolved"]) if "auto_resolved" in fields else pd.NA
    if "auto_resolved" in fields:
        _refuse_unless(auto_resolved.notna(), fields["auto_resolved"], where, "auto_resolved", "is not true or false",
                       "write true or false (yes or no), or leave it blank where unknown")
    if "incident_number" in fields:
        _refuse_unless(fields["incident_number"].str.fullmatch(r"[0-9]+"), fields["incident_number"], where,
                       "incident_number", "is not an incident number",
                       "PagerDuty numbers incidents 1, 2, 3...: correct that row, or map the right column with --columns")
    frame = pd.DataFrame(
        {
            "source": "pagerduty",
            "key": fields["key"],  # already trimmed by read_export
            "title": fields["title"],
            "item_type": "incident",
            "status": pd.Series(text("status"), index=range(rows)).astype(str).str.lower(),
            "team": team if team else text("team"),
            "service": text("service"),
            "labels": "",
            "created_at": created,
            "resolved_at": resolved,
            "time_spent_seconds": seconds.where(seconds >= 0),  # resolved before created: unknown
            "urgency": urgency,
            "auto_resolved": auto_resolved,
            "people": _people(fields["people"]) if "people" in fields else "",
            "human_label": "",
            "incident_number": text("incident_number"),
            "updated_at": parsed.get("updated_at"),
        },
        index=range(rows),
    )
    warnings += [missing_values(created.isna().to_numpy() & ~keyless, where, DATE_HEADERS["created_at"], NO_CREATED),
                 missing_values(blank_texts(frame["title"]) & ~keyless, where, "description (title)", NO_TITLE)]
    frame, skipped = drop_blank_keys(frame, where, key_header, blank)
    return normalise_frame(frame), [w for w in warnings if w] + skipped


def _all_match(values: pd.Series, pattern: str) -> bool:
    """Whether every value that is not blank matches `pattern` whole, and one is not blank (Arrow's
    regex: 30 ms for a million keys; an export keyed by ids is told by its first)."""
    whole = f"^(?:{pattern})$"
    strings = pa.array(values, type=pa.string(), from_pandas=True)
    strings = pc.filter(strings, pc.not_equal(strings, ""))
    if not len(strings) or not pc.match_substring_regex(strings[:1], whole)[0].as_py():
        return False  # an export with ids: told by its first
    return bool(pc.all(pc.match_substring_regex(strings, whole)).as_py())


def _people(values: pd.Series) -> pd.Series:
    """Each row's people, one name each, "|"-joined in the export's order (the first carries the
    page), each once: the columns' values were joined with "|" (read_export), and a cell of PagerDuty's
    holds several users joined with ", " ("Ana Lima|Ana Lima, Bo Chen" -> "Ana Lima|Bo Chen").
    Parted once per distinct value: a million pages have a few thousand sets of people."""
    encoded = pa.array(values, type=pa.string(), from_pandas=True)
    encoded = (encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded).dictionary_encode()
    parted = [_one_each(joined) for joined in encoded.dictionary.to_pylist()]
    return pd.Series(pa.array(parted, pa.string()).take(encoded.indices).to_pandas(), index=values.index)


def _one_each(joined: str) -> str:
    names = [joined]
    for separator in PEOPLE_SEPARATORS:
        names = [name for part in names for name in part.split(separator)]
    return "|".join(dict.fromkeys(name.strip() for name in names if name.strip()))


def _refuse_unless(valid: pd.Series, values: pd.Series | None, where: str, column: str, problem: str, fix: str) -> None:
    """Refuse the first row whose value is not blank and not valid, by row, column and value: read
    as blank (unknown), it would be stored as something it is not (a P1-critical page as one of
    no urgency, `maybe` as a page people resolved)."""
    if values is None:
        return
    bad = ((values != "") & ~valid.fillna(False).astype(bool)).to_numpy(dtype=bool)
    if bad.any():
        row = int(bad.nonzero()[0][0])
        raise InputFileError(f"{where} row {row + 2}: {column} {shown(values.iloc[row])} {problem} - {fix}")


def _seconds_disagreeing(seconds: pd.Series, created: pd.Series, resolved: pd.Series, where: str) -> str | None:
    """A warning naming the rows whose seconds_to_resolve is not their resolved_on - created_on:
    one of the three is wrong, and which cannot be told; seconds_to_resolve stays their time."""
    apart = (seconds - (resolved - created).dt.total_seconds()).abs() > SECONDS_TO_RESOLVE_SLACK
    odd = apart.to_numpy(dtype=bool, na_value=False)
    if not odd.any():
        return None
    count, named = rows_named(odd)
    return (f"{where}: {count} row(s) whose seconds_to_resolve differs from the time between created_on and "
            f"resolved_on by more than a minute (rows {named}) - their time is seconds_to_resolve; check those rows")
