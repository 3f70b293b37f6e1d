"""What an import finds of its items in the store, put into words: the items it keeps because the
store holds a newer version (the tracker's Updated), and the items that cannot be the stored ones
(another Created under the same key: a second tracker with the same keys, or dates read in
another zone)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toilaudit.errors import KeyClashError
from toilaudit.importers.dates import items_named


@dataclass(frozen=True, slots=True)
class DatesRead:
    """How a CSV import read the dates its export writes without an offset, and how the last CSV
    import of its source did: reading one export in another zone moves every such Created."""

    timezone: str = "UTC"
    """This import's --timezone."""
    timezone_before: str | None = None
    """The last CSV import's of the source (None: none was made)."""


def older_warning(where: str, keys: pd.Series, older: np.ndarray, what: str) -> str:
    """The line naming the items an import left as stored, the store holding them in a newer version."""
    count, named = items_named(older, keys.reset_index(drop=True))
    return (f"{where}: kept {count:,} item(s) the store holds in a newer version ({named}): {what} is older than "
            "one imported before - the newer versions stay")


def undated_warning(where: str, keys: pd.Series, undated: np.ndarray) -> str:
    """The line naming the stored items an import replaced not knowing which version is newer."""
    count, named = items_named(undated, keys.reset_index(drop=True))
    return (f"{where}: replaced {count:,} stored item(s) though only one of the two versions has an Updated date "
            f"({named}): which is newer is not known - import the newest export last")


TRACKERS = {"jira": ("Jira", "project keys"), "pagerduty": ("PagerDuty account", "incident ids")}
SHIFT_STEP = pd.Timedelta(minutes=15)  # every time zone's offset is a whole number of quarter hours
LARGEST_SHIFT = pd.Timedelta(hours=26)  # UTC-12 to UTC+14
TO_THE_MINUTE = pd.Timedelta(minutes=1)


def clash_error(where: str, source: str, clashes: pd.DataFrame, dates: DatesRead | None) -> KeyClashError:
    """The one line refusing an import whose items (`clashes`: key, created_at, stored_created) have
    the keys of other stored items. Apart by whole quarter hours, the Created are likelier one item's
    read in two zones (an export read with another --timezone, or a live import after an export read
    in the wrong zone) than two items'. Kept short: the CLI cuts a line at 300 characters."""
    keys = [str(key)[:30] for key in clashes["key"]]
    names = (", ".join(keys[:2]) + f" and {len(keys) - 2:,} more" if len(keys) > 3 else
             " and ".join([", ".join(keys[:-1]), keys[-1]]) if len(keys) > 1 else keys[0])
    apart = (clashes["created_at"] - clashes["stored_created"]).abs()
    # to the minute: an export writes Created to the minute, the API to the second
    off_step = apart % SHIFT_STEP
    shifted = bool((((off_step < TO_THE_MINUTE) | (SHIFT_STEP - off_step < TO_THE_MINUTE))
                    & (apart <= LARGEST_SHIFT + TO_THE_MINUTE)).all())
    tracker, keyed_by = TRACKERS.get(source, ("tracker", "keys"))
    second = f"a second {tracker} with the same {keyed_by}"
    start = f"{where}: {names} {'has' if len(keys) == 1 else 'have'} a stored item's key but "
    if shifted:
        first = clashes.iloc[0]
        start += (f"a Created hours apart ({keys[0]}: {first['created_at']:%H:%M} here, "
                  f"{first['stored_created']:%H:%M} stored, UTC): ")
        if dates is not None:
            return KeyClashError(f"{start}read in another time zone? - nothing was imported; pass --timezone with the "
                                 f"export's zone (a second {tracker}: --db other.db)")
        return KeyClashError(f"{start}an export read in another zone before, or a second {tracker}? - nothing was "
                             "imported; import that export again with --timezone, or this into --db other.db")
    start += f"another Created date: {second}? - nothing was imported; import it into another store (--db other.db)"
    return KeyClashError(start + (f" (the same {tracker}? check --timezone and --date-format)" if dates is not None else ""))


def read_otherwise(clashes: pd.DataFrame, dates: DatesRead) -> np.ndarray:
    """Per clash (key, created_at, stored_created), whether the stored Created is this item's as the
    import before read the same text: in the zone it read dates in (--timezone changed since), or with
    day and month swapped (--date-format given to correct a guess, as the day-month warning advises).
    Such an import corrects the dates, as imports did before keys were checked."""
    wall = clashes["stored_created"].dt.tz_convert(dates.timezone_before or dates.timezone).dt.tz_localize(None)
    swapped = pd.to_datetime(pd.DataFrame({"year": wall.dt.year, "month": wall.dt.day, "day": wall.dt.month,
                                           "hour": wall.dt.hour, "minute": wall.dt.minute, "second": wall.dt.second}),
                             errors="coerce")
    explained = np.zeros(len(clashes), dtype=bool)
    for written in (wall, swapped):
        # as the importer reads a local time the clocks repeat or skip (dates.py, after Java): the earlier
        # instant, or moved forward by the gap
        read = written.dt.tz_localize(dates.timezone, ambiguous=np.ones(len(written), dtype=bool),
                                      nonexistent=pd.Timedelta(hours=1)).dt.tz_convert("UTC")
        explained |= ((read - clashes["created_at"]).abs() < TO_THE_MINUTE).to_numpy(dtype=bool, na_value=False)
    return explained
