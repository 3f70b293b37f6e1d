"""The one record every source is turned into, and the importers' error base.

Importers work on whole tables for speed (a million rows must import in seconds), so a
batch of WorkItems travels as a pandas DataFrame whose columns are exactly WORK_ITEM_FIELDS.
WorkItem documents each column and is used where items are handled one at a time (the APIs).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SOURCES = ("jira", "pagerduty")
DESCRIPTION_CHARS = 2000
"""Descriptions are kept to their start: the classifier reads the first 500 characters, people
the first lines; whole descriptions (logs pasted in) would multiply the store's size."""


@dataclass(frozen=True, slots=True)
class WorkItem:
    source: str
    """Where the item came from: "jira" or "pagerduty"."""
    key: str
    """The source's own id (Jira issue key, PagerDuty incident id); unique within a source."""
    title: str
    """Jira summary or PagerDuty incident title/description: the text the classifier reads."""
    description: str = ""
    """The start of the item's description (Jira Description), at most DESCRIPTION_CHARS characters."""
    item_type: str = ""
    """Jira issue type (Service Request, Story, ...) or "incident" for a page."""
    status: str = ""
    """Status as the source names it (Done, resolved, ...)."""
    team: str = ""
    """Owning team: --team, a team column, or the Jira project / PagerDuty team."""
    service: str = ""
    """Jira component or PagerDuty service."""
    labels: str = ""
    """Labels and components joined with "|" (lower-case), for rules to read."""
    created_at: datetime | None = None
    """When the item was opened or the page triggered (aware UTC)."""
    resolved_at: datetime | None = None
    """When it was resolved (aware UTC), if it was."""
    time_spent_seconds: float | None = None
    """Time logged (Jira worklog) or trigger-to-resolve (pages); None when the source has none."""
    urgency: str = ""
    """PagerDuty urgency (high / low) or Jira priority."""
    auto_resolved: bool | None = None
    """True when PagerDuty resolved the page itself (no human action); None when unknown."""
    people: str = ""
    """Who did the work, joined with "|", the one who carries it first: Jira's assignee (never the
    reporter); PagerDuty's acknowledgers, assignees, resolver. "" is "(unassigned)". Pseudonymised in the report."""
    human_label: str = ""
    """"toil" or "not-toil" when a person labelled the item in the source (used by evaluate only)."""
    incident_number: str = ""
    """PagerDuty's incident number, which people quote (#1234) where the key is the incident id; "" for Jira."""
    updated_at: datetime | None = None
    """When the source last changed the item (Jira's Updated, PagerDuty's updated_at; aware UTC), if it
    says: an import never replaces a stored item with a version older than this (Store.compare_items)."""
    resolution: str = ""
    """How Jira resolved the issue (Done, Won't Do, Duplicate ...); "" where unresolved or the source has none.
    Work not done (classifier.NOT_DONE) is given no estimated hours."""


WORK_ITEM_FIELDS = tuple(f.name for f in dataclasses.fields(WorkItem))
DATE_FIELDS = ("created_at", "resolved_at", "updated_at")


def items_to_frame(items: list[WorkItem]) -> pd.DataFrame:
    """A DataFrame with exactly WORK_ITEM_FIELDS, from records built one at a time."""
    frame = pd.DataFrame([dataclasses.astuple(item) for item in items], columns=list(WORK_ITEM_FIELDS))
    return normalise_frame(frame)


def _longer_than(values: pd.Series, characters: int) -> bool:
    """Whether a value holds more characters than `characters`: first from Arrow's offsets alone
    (bytes, at least the characters), so that a million descriptions are counted, and cut, that
    is copied, only when one may be longer (read_export cuts a CSV's as it reads them)."""
    strings = pa.array(values, type=pa.large_string(), from_pandas=True)  # 2 GB of descriptions and more
    if int(pc.max(pc.binary_length(strings)).as_py() or 0) <= characters:
        return False
    return int(pc.max(pc.utf8_length(strings)).as_py() or 0) > characters


def normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give every WorkItem column its one dtype, so all sources load the same way."""
    out = pd.DataFrame(index=frame.index)
    for name in WORK_ITEM_FIELDS:
        column = frame[name] if name in frame else pd.Series(None, index=frame.index)
        if name in DATE_FIELDS:
            out[name] = pd.to_datetime(column, utc=True).astype("datetime64[us, UTC]")
        elif name == "time_spent_seconds":
            out[name] = pd.to_numeric(column, errors="coerce").astype("float64")
        elif name == "auto_resolved":
            out[name] = column.astype("boolean")
        else:
            if pd.api.types.is_string_dtype(column) or column.dtype == object:
                out[name] = column.fillna("").astype(str)
                if name == "description" and _longer_than(out[name], DESCRIPTION_CHARS):
                    out[name] = out[name].str.slice(0, DESCRIPTION_CHARS)
            else:  # an all-empty column arrives as float NaN
                out[name] = column.astype(object).where(column.notna(), "").astype(str)
    return out.reset_index(drop=True)
