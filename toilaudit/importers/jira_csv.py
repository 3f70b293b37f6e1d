"""Jira's "Export CSV (all fields / current fields)" -> WorkItems."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toilaudit.errors import shown
from toilaudit.importers.columns import JIRA_ALIASES, OneOfSeveral, picks_of
from toilaudit.importers.csv_reading import read_export
from toilaudit.importers.dates import NO_CREATED, NO_TITLE, blank_texts, date_warnings, missing_values, parse_date_columns
from toilaudit.importers.export import (
    ImportBatch,
    ImportedFile,
    blank_rows,
    drop_blank_keys,
    parse_durations,
    pick_values,
    read_files,
    rows_named,
    split_human_labels,
)
from toilaudit.importers.interface import DATE_FIELDS, DESCRIPTION_CHARS, normalise_frame

REQUIRED = ("key", "title", "created_at")
HEADER_NAMES = {"created_at": "Created", "resolved_at": "Resolved", "updated_at": "Updated", "time_spent_seconds": "Time Spent"}
# Fields Jira never writes across lines (its summary is one line): a line break there is a quote left open.
SINGLE_LINE = {"key": "Issue key", "title": "Summary", "item_type": "Issue Type", "status": "Status",
               "resolution": "Resolution", "urgency": "Priority", **HEADER_NAMES}
# A team column holding ids, not names: Jira Server / Data Center exports the Advanced Roadmaps
# Team field as its number (3, 7, 12), and an Atlassian team is known by a UUID.
TEAM_ID = re.compile(r"[0-9]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
TEAM_ID_SHOWN = "team id {}"  # what such a team is called: a bare "3" reads as a team's name in a board report


def read_jira_csv(
    paths: list[Path],
    columns_map: dict[str, str],
    team: str | None = None,
    date_format: str | None = None,
    timezone: str = "UTC",
) -> ImportBatch:
    """Read Jira CSV exports into one batch; of a repeated key's rows, the newest Updated wins (else the later)."""

    def read_one(path):
        export = read_export(Path(path), "Jira issues", JIRA_ALIASES, columns_map, REQUIRED, SINGLE_LINE,
                             {"description": DESCRIPTION_CHARS})
        items, warnings = _to_items(export.fields, export.path.name, team, date_format, timezone,
                                    export.headers.get("team", "team"), picks_of(columns_map).get("team"),
                                    export.headers.get("service", "Component/s"))
        return items, ImportedFile(export.path.name, export.sha256, export.rows), warnings

    return read_files("jira", paths, read_one)


def _first_value(values: pd.Series, where: str = "", header: str = "Component/s") -> tuple[pd.Series, str | None]:
    """The first of "|"-joined values (the first component), cut once per distinct value, and a
    warning naming the rows that had several: an item has one service (figures by service count
    it once), so the others are not read."""
    encoded = pa.array(values, type=pa.string(), from_pandas=True)
    encoded = (encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded).dictionary_encode()
    first = pc.replace_substring_regex(encoded.dictionary, r"\|.*$", "").take(encoded.indices)
    several = pc.match_substring(encoded.dictionary, "|").take(encoded.indices).to_numpy(zero_copy_only=False)
    warning = None
    if several.any():
        count, named = rows_named(several)
        row = int(several.nonzero()[0][0])
        warning = (f"{where}: {count} row(s) with more than one {shown(header, 40)} (rows {named}; row {row + 2}: "
                   f"{shown(str(values.iloc[row]).replace('|', ', '), 60)}) - the first of each is the item's "
                   "service, the others are not read (an item has one service); to take the service from another "
                   "column, map it with --columns FILE ('Header': service)")
    return pd.Series(first.to_pandas(), index=values.index), warning


def _team_ids(values: pd.Series, where: str, header: str) -> tuple[pd.Series, str | None]:
    """A team column whose every value is an id, its values shown as ids ("team id 3"), with a
    warning naming the column and the fix; any other column as it is, with no warning."""
    distinct = pd.unique(values[values != ""])
    if not len(distinct) or not all(TEAM_ID.fullmatch(value) for value in distinct):
        return values, None
    ids = sorted(distinct, key=lambda value: (len(value), value))
    listed = ", ".join(ids[:4]) + (", ..." if len(ids) > 4 else "")
    warning = (f"{where}: the team column {shown(header, 40)} holds ids, not names ({listed}), so teams show as "
               f"\"{TEAM_ID_SHOWN.format(ids[0])}\" - map a column of team names with --columns FILE, or tag "
               "each export's items with --team NAME")
    return values.where(values == "", TEAM_ID_SHOWN.format("") + values), warning


def _to_items(
    fields: dict[str, pd.Series], where: str, team: str | None, date_format: str | None, timezone: str,
    team_header: str = "team", team_pick: OneOfSeveral | None = None, service_header: str = "Component/s",
) -> tuple[pd.DataFrame, list[str]]:
    def text(field: str) -> pd.Series | str:
        return fields.get(field, "")

    rows = len(fields["key"])
    keyless, blank = blank_rows(fields)  # skipped at the end; no other check names them
    labels, human_label = split_human_labels(fields.get("labels", pd.Series("", index=range(rows))))
    team_warnings: list[str | None] = []
    if team:
        team_values: pd.Series | str = team
    elif "team" in fields:
        named, picking = pick_values(fields["team"], team_pick, where, "team", keyless) if team_pick else (fields["team"], [])
        named, ids = _team_ids(named, where, team_header)
        team_values, team_warnings = named.where(named != "", text("project")), [*picking, ids]
    else:
        team_values = text("project")
    service, several = _first_value(fields["service"], where, service_header) if "service" in fields else ("", None)
    frame = pd.DataFrame(
        {
            "source": "jira",
            "key": fields["key"],  # already trimmed by read_export
            "title": fields["title"],
            "description": text("description"),
            "item_type": text("item_type"),
            "status": text("status"),
            "resolution": text("resolution"),
            "team": team_values,
            "service": service,
            "labels": labels,
            "urgency": text("urgency"),
            "people": text("people"),
            "human_label": human_label,
        },
        index=range(rows),
    )
    dates: dict[str, tuple] = {field: (fields[field], HEADER_NAMES[field]) for field in DATE_FIELDS if field in fields}
    parsed_dates, doubts = parse_date_columns(dates, where, date_format, timezone)
    for field, parsed in parsed_dates.items():
        frame[field] = parsed
    warnings = date_warnings(parsed_dates, HEADER_NAMES, where) + doubts + team_warnings + [several,
        missing_values(frame["created_at"].isna().to_numpy() & ~keyless, where, "Created", NO_CREATED),
        missing_values(blank_texts(frame["title"]) & ~keyless, where, "Summary", NO_TITLE)]
    if "time_spent_seconds" in fields:
        frame["time_spent_seconds"] = parse_durations(fields["time_spent_seconds"], where, "Time Spent")
    frame, skipped = drop_blank_keys(frame, where, "Issue key", blank)
    return normalise_frame(frame), [w for w in warnings if w] + skipped
