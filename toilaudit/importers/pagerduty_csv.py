"""PagerDuty incident CSV downloads (Incidents list, Analytics / reports) -> WorkItems."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from toilaudit.importers.columns import PAGERDUTY_ALIASES
from toilaudit.importers.csv_reading import read_export
from toilaudit.importers.dates import date_warnings, parse_date_columns
from toilaudit.importers.export import (
    ImportBatch,
    ImportedFile,
    drop_blank_keys,
    parse_durations,
    parse_flags,
    read_files,
)
from toilaudit.importers.interface import normalise_frame

REQUIRED = ("key", "title", "created_at")
DATE_HEADERS = {"created_at": "created_on", "resolved_at": "resolved_on"}
# Fields that never span lines: a line break there is a quote left open (titles may hold one).
SINGLE_LINE = {"key": "id", "status": "status", "urgency": "urgency", "seconds_to_resolve": "seconds_to_resolve",
               **DATE_HEADERS}


def read_pagerduty_csv(
    paths: list[Path],
    columns_map: dict[str, str],
    team: str | None = None,
    date_format: str | None = None,
    timezone: str = "UTC",
) -> ImportBatch:
    """Read PagerDuty incident exports into one batch; the last row of a repeated id wins."""

    def read_one(path):
        export = read_export(Path(path), "PagerDuty incidents", PAGERDUTY_ALIASES, columns_map, REQUIRED, SINGLE_LINE)
        items, warnings = _to_items(export.fields, export.path.name, team, date_format, timezone)
        return items, ImportedFile(export.path.name, export.sha256, export.rows), warnings

    return read_files("pagerduty", paths, read_one)


def _to_items(
    fields: dict[str, pd.Series], where: str, team: str | None, date_format: str | None, timezone: str
) -> tuple[pd.DataFrame, list[str]]:
    def text(field: str) -> pd.Series | str:
        return fields.get(field, "")

    rows = len(fields["key"])
    dates = {field: (fields[field], header) for field, header in DATE_HEADERS.items() if field in fields}
    parsed, doubts = parse_date_columns(dates, where, date_format, timezone)
    warnings = date_warnings(parsed, DATE_HEADERS, where) + doubts
    created = parsed["created_at"]
    if "resolved_at" in parsed:
        resolved = parsed["resolved_at"]
    else:
        resolved = pd.Series(pd.NaT, index=range(rows), dtype="datetime64[us, UTC]")
    if "seconds_to_resolve" in fields:
        seconds = parse_durations(fields["seconds_to_resolve"], where, "seconds_to_resolve")
        resolved = resolved.fillna(created + pd.to_timedelta(seconds, unit="s"))
        seconds = seconds.fillna((resolved - created).dt.total_seconds())  # a blank cell, both times known
    else:
        seconds = (resolved - created).dt.total_seconds()
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
            "urgency": pd.Series(text("urgency"), index=range(rows)).astype(str).str.lower(),
            "auto_resolved": parse_flags(fields["auto_resolved"]) if "auto_resolved" in fields else pd.NA,
            "people": text("people"),
            "human_label": "",
            "incident_number": text("incident_number"),
        },
        index=range(rows),
    )
    frame, skipped = drop_blank_keys(frame, where, "id")
    return normalise_frame(frame), [w for w in warnings if w] + skipped
