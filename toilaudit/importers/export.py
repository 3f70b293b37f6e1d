"""What every CSV importer returns, and the small helpers both share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toilaudit.errors import InputFileError, shown
from toilaudit.importers.columns import OneOfSeveral

# A label a person put on an item to say what it is; read for `evaluate`, hidden from the
# classifier so that it cannot grade its own homework.
TOIL_LABELS = {"toil"}
NOT_TOIL_LABELS = {"not-toil", "nottoil", "non-toil", "not_toil", "no-toil"}


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """One file of an import run, for provenance."""

    name: str
    """The file name as given."""
    sha256: str
    """Hash of its bytes."""
    rows: int
    """Data rows read."""


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """WorkItems read from one or more exports, ready to store."""

    source: str
    """"jira" or "pagerduty"."""
    items: pd.DataFrame
    """One row per WorkItem (columns WORK_ITEM_FIELDS), keys unique."""
    files: tuple[ImportedFile, ...] = ()
    """The files read, in order."""
    warnings: tuple[str, ...] = field(default=())
    """Things the user should know that did not stop the import (duplicate keys)."""
    query: str = ""
    """For API imports: the URL and query, never a secret."""


def read_files(source: str, paths, read_one) -> ImportBatch:
    """Read each export with `read_one(path) -> (items, ImportedFile, warnings)`; of the rows of a
    key, within a file and then across files in the order given, the one with the newest Updated
    wins, or the later where one has none (as separate imports would leave the store), with a warning."""
    frames, files, warnings = [], [], []
    for path in paths:
        frame, imported, notes = read_one(path)
        frame, found = drop_duplicate_keys(frame, imported.name)
        frames.append(frame)
        files.append(imported)
        warnings += [*notes, *found]
    items = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if items.empty:
        names = ", ".join(f.name for f in files)
        raise InputFileError(f"{names}: no row has a key - give every row its {source} key, or export again")
    if len(frames) > 1:
        items, found = drop_duplicate_keys(items, "these files")
        warnings += found
    return ImportBatch(source, items, tuple(files), tuple(warnings))


def rows_named(mask: pd.Series | np.ndarray, shown_rows: int = 5) -> tuple[int, str]:
    """How many rows a mask marks, and the first few as a file's row numbers (the header is row 1)."""
    rows = (np.flatnonzero(np.asarray(mask, dtype=bool)) + 2).tolist()
    return len(rows), ", ".join(str(r) for r in rows[:shown_rows]) + (" ..." if len(rows) > shown_rows else "")


def pick_values(values: pd.Series, rule: OneOfSeveral, where: str, field: str,
                skip: np.ndarray | None = None) -> tuple[pd.Series, list[str]]:
    """Each row's value by `rule` among its several ("netops|team-payments" -> "payments"), "" where
    none is; where a row has two, the first in the export's order. Warnings name the rows of both,
    but not the rows `skip` marks (rows with no key, which are skipped)."""
    found = {value: rule.pick(value) for value in values.unique()}  # a few distinct label sets, however many rows
    picked = values.map({value: names[0] if names else "" for value, names in found.items()})
    several = values.map({value: len(names) > 1 for value, names in found.items()}).to_numpy(dtype=bool)
    warnings = []
    none = (picked == "").to_numpy(dtype=bool)
    if skip is not None:
        none = none & ~skip
    if none.any():
        count, named = rows_named(none)
        warnings.append(f"{where}: {count} row(s) with no {field} in {shown(rule.header, 40)} by the --columns rule "
                        f"(rows {named}) - give them one there, or tag the export with --{field} NAME")
    if several.any():
        count, named = rows_named(several)
        first = found[values.iloc[int(several.nonzero()[0][0])]]
        warnings.append(f"{where}: {count} row(s) with more than one {field} in {shown(rule.header, 40)} (rows {named}; "
                        f"row {named.split(',')[0]}: {', '.join(first[:3])}) - the first of each was taken; keep one "
                        f"{field} per item in the source, or tag the export with --{field} NAME")
    return picked, warnings


def blank_rows(fields: dict[str, pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """(rows with no key, rows blank in every column read): an export's blank rows (Excel leaves
    some at the end) have no key, so are skipped, and no check names them for anything else."""
    keyless = (fields["key"] == "").to_numpy(dtype=bool)
    blank = keyless.copy()
    if blank.any():
        for values in fields.values():
            blank[blank] = (values[blank] == "").to_numpy(dtype=bool)
    return keyless, blank


def drop_blank_keys(frame: pd.DataFrame, where: str, header: str,
                    blank: np.ndarray | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Skip the rows with no key, saying which: they cannot be stored (keys identify items); the
    rows `blank` marks (nothing in any column read) in a line of their own."""
    keyless = (frame["key"] == "").to_numpy()
    if not keyless.any():
        return frame, []
    blank = np.zeros(len(frame), dtype=bool) if blank is None else blank & keyless
    warnings = []
    if blank.any():
        count, named = rows_named(blank)
        warnings.append(f"{where}: skipped {count} blank row(s) (rows {named}): nothing in any column read")
    if (keyless & ~blank).any():
        count, named = rows_named(keyless & ~blank)
        warnings.append(f"{where}: {count} row(s) with a blank {header} were skipped (rows {named}) - give every "
                        "row a key to import it")
    return frame.loc[~keyless], warnings


def _keys_listed(keys: pd.Series | np.ndarray, most: int = 5) -> str:
    keys = list(keys)
    return ", ".join(str(key) for key in keys[:most]) + (" ..." if len(keys) > most else "")


def drop_duplicate_keys(frame: pd.DataFrame, where: str) -> tuple[pd.DataFrame, list[str]]:
    """Keep one row of each key: as if the rows were imported one after another into a store, the
    later row unless both have an Updated and the earlier's is newer (Store.compare_items' rule:
    a later row is usually a later export, but an older export given last is no newer for that)."""
    if frame["key"].is_unique:  # the usual case, at half the cost of finding the duplicates
        return frame, []
    repeated = np.flatnonzero(frame["key"].duplicated(keep=False).to_numpy())  # only these rows are compared
    keys = frame["key"].iloc[repeated].reset_index(drop=True)
    codes = pd.factorize(keys)[0]
    updated = (frame["updated_at"].iloc[repeated].reset_index(drop=True) if "updated_at" in frame
               else pd.Series(pd.NaT, index=keys.index, dtype="datetime64[us, UTC]"))
    undated = updated.isna().to_numpy()
    order = np.arange(len(keys))
    # Row by row, the later row replaces the kept one where either has no Updated: so the kept row is,
    # of a key's last undated row and the rows after it (every one dated), the newest, the undated
    # row counting as oldest (the later of equals); with no undated row, the newest of all.
    last_undated = pd.Series(np.where(undated, order, -1)).groupby(codes).transform("max").to_numpy()
    candidate = order >= last_undated
    newest = (pd.DataFrame({"code": codes[candidate], "updated": updated[candidate], "order": order[candidate]})
              .sort_values(["code", "updated", "order"], na_position="first", kind="stable")
              .drop_duplicates("code", keep="last"))
    kept = np.empty(codes.max() + 1, dtype=np.int64)
    kept[newest["code"].to_numpy()] = newest["order"].to_numpy()
    last = pd.Series(order).groupby(codes).max().to_numpy()
    some_undated = pd.Series(undated).groupby(codes).any().to_numpy()
    names = keys.iloc[last].to_numpy()  # each key once, in the order of its first row
    earlier = kept != last
    rules = []
    if (~some_undated).any():
        rule = f"the row with the newest Updated for {int((~some_undated).sum()):,}"
        if earlier[~some_undated].any():
            moved = ~some_undated & earlier
            rule += f" (for {int(moved.sum()):,} not the last row: {_keys_listed(names[moved])})"
        rules.append(rule)
    if some_undated.any():
        rules.append(f"the later row where one has no Updated for {int(some_undated.sum()):,} "
                     f"({_keys_listed(names[some_undated])})")
    warning = (f"{where}: {len(last):,} key(s) on more than one row ({_keys_listed(names)}) - kept "
               f"{' and '.join(rules)}")
    drop = np.zeros(len(frame), dtype=bool)
    drop[repeated] = True
    drop[repeated[kept]] = False
    return frame.loc[~drop].reset_index(drop=True), [warning]


def _label_pattern(labels: set[str]) -> str:
    return r"(?:^|\|)(?:" + "|".join(re.escape(label) for label in sorted(labels)) + r")(?=\||$)"


def split_human_labels(labels: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Take `toil` / `not-toil` out of the labels; return (other labels, human label)."""
    lowered = labels.fillna("").astype(str).str.lower()
    if not lowered.str.contains("toil", regex=False).any():
        return lowered, pd.Series("", index=labels.index, dtype=object)
    has_toil = lowered.str.contains(_label_pattern(TOIL_LABELS), regex=True)
    has_not = lowered.str.contains(_label_pattern(NOT_TOIL_LABELS), regex=True)
    human = pd.Series("", index=labels.index, dtype=object)
    human[has_toil] = "toil"
    human[has_not] = "not-toil"
    if (has_toil | has_not).any():
        lowered = lowered.str.replace(_label_pattern(TOIL_LABELS | NOT_TOIL_LABELS), "", regex=True).str.strip("|")
    return lowered, human


DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])")
PRETTY_DURATION = re.compile(r"(?:\d+(?:\.\d+)?\s*[wdhms]\s*)+")
# One item's time: beyond ten years a figure is an export error, not work done, and it would
# overflow the hours the store sums as DECIMAL(18, 4) (1e20 seconds once bricked a store).
MAX_SECONDS = 10 * 365 * 24 * 3600
SECONDS_PER_UNIT = {"w": 5 * 8 * 3600, "d": 8 * 3600, "h": 3600, "m": 60, "s": 1}  # Jira's 8h day, 5d week


def _plain_seconds(text: pd.Series) -> pd.Series:
    """Numbers as floats, anything else NaN; Arrow's cast when every value is a number or blank."""
    strings = pa.array(text, type=pa.string(), from_pandas=True)
    try:
        numbers = pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings).cast(pa.float64())
    except pa.ArrowInvalid:  # "1h 30m" among them
        return pd.to_numeric(text.where(text != ""), errors="coerce")
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


def parse_durations(values: pd.Series, where: str, column: str) -> pd.Series:
    """Seconds from Jira's `Time Spent` (seconds) or its pretty form (`1d 2h 30m`)."""
    text = values.fillna("").astype(str).str.strip()
    seconds = _plain_seconds(text)
    # the pretty form only when it is nothing else: "1h -30m x" is not 90 minutes; tried only on
    # what is not a number (a million plain seconds need no regex)
    pretty = text.ne("") & seconds.isna()
    if pretty.any():
        pretty[pretty] = text[pretty].str.lower().str.fullmatch(PRETTY_DURATION.pattern).fillna(False)
    if pretty.any():
        parts = text[pretty].str.lower().str.extractall(DURATION_PART.pattern)
        if not parts.empty:
            parts["seconds"] = parts[0].astype(float) * parts[1].map(SECONDS_PER_UNIT)
            seconds.loc[pretty] = parts["seconds"].groupby(level=0).sum().reindex(text[pretty].index)
    bad = text.ne("") & seconds.isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputFileError(
            f"{where} row {row + 2}: {column} {shown(text.iloc[row])} is not a duration - export seconds or '1h 30m'"
        )
    out_of_range = ~(seconds.isna() | seconds.between(0, MAX_SECONDS))  # inf and -inf too
    if out_of_range.any():
        row = int(out_of_range.to_numpy().nonzero()[0][0])
        raise InputFileError(
            f"{where} row {row + 2}: {column} {shown(text.iloc[row])} is out of range - give 0 to "
            f"{MAX_SECONDS:,} seconds (ten years), or fix that row"
        )
    return seconds.astype("float64")


def parse_flags(values: pd.Series) -> pd.Series:
    """true/yes/1 -> True, false/no/0 -> False, anything else -> unknown."""
    text = values.fillna("").astype(str).str.strip().str.lower()
    truthy = text.isin(["true", "t", "yes", "y", "1"])
    falsy = text.isin(["false", "f", "no", "n", "0"])
    result = pd.Series(pd.NA, index=values.index, dtype="boolean")
    result[truthy] = True
    result[falsy] = False
    return result
