"""Dates as exports write them, parsed a whole column at a time.

Jira's CSV uses the exporting user's date format and time zone with no offset; its default
is `24/Nov/26 3:45 PM`. The format is chosen on a sample and then applied to the whole
column (vectorised), so a million rows parse in about a second. Rows the chosen format does
not read are tried as ISO 8601, which every source may write. Month names (and AM/PM markers) of
another language, as Jira writes them for a user whose language is not English (`27/Okt/26`), are
read as month_names.py says, one language per file, and only where English leaves dates unread.

Rules that keep one odd value from re-dating a whole export (#15):
- a local time the clocks skip or repeat is read as Java reads it (`ZonedDateTime.ofLocal`,
  and so Jira): in the repeated hour the earlier instant, in the skipped hour the time moved
  forward by the gap. Neither is ever "not a date", so neither can swing the format vote;
- a year before 1000 is not a date: `%Y` would read the `26` of `24/Nov/26` as 26 AD;
- an impossible day (31/Feb) is not a date: Arrow's strptime would roll it over to 3 March.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toilaudit.errors import InputFileError, SourceError, shown
from toilaudit.importers import month_names
from toilaudit.importers.export import rows_named

JIRA_DEFAULT_FORMAT = "%d/%b/%y %I:%M %p"
OTHER_FORMAT_EXAMPLE = "%d.%m.%Y %H:%M"  # the hint's example when the dates were read as Jira's
CANDIDATE_FORMATS = (
    "ISO8601",
    JIRA_DEFAULT_FORMAT,
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%d/%m/%Y",
    "%Y/%m/%d %H:%M:%S",
)
SAMPLE_SIZE = 2000
OFFSET_AT_END = r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"  # a time, then its offset
MIN_YEAR = 1000  # below it a four-digit-year format has read a two-digit year
PLAUSIBLE_FROM_YEAR = 1990  # before it, or after next year (Created: today), a date is worth a warning
# Arrow's strptime rolls an impossible day over into the next month (29-31/Feb -> 1-3 March,
# 31/Apr -> 1 May), so the days a roll-over can land on are checked with Python's strptime.
AFTER_SHORT_MONTHS = (5, 7, 10, 12)


def _localize(naive: pd.Series, timezone: str) -> pd.Series:
    """Naive local times in `timezone` -> aware UTC, by Java's rule (see the module doc)."""
    if timezone == "UTC":
        return naive.dt.tz_localize("UTC")
    earlier = np.ones(len(naive), dtype=bool)  # pandas: True takes the offset before the change
    local = naive.dt.tz_localize(timezone, ambiguous=earlier, nonexistent="NaT").dt.tz_convert("UTC")
    gap = naive.notna() & local.isna()
    if gap.any():
        # the offset in force just before the gap, applied to the wall time: 02:30 EST = 03:30 EDT
        skipped = naive[gap]
        before = skipped.dt.tz_localize(timezone, ambiguous=np.ones(len(skipped), dtype=bool),
                                        nonexistent="shift_backward")
        offset = before.dt.tz_localize(None) - before.dt.tz_convert("UTC").dt.tz_localize(None)
        local[gap] = (skipped - offset).dt.tz_localize("UTC")
    return local


def _arrow_strptime(text: pd.Series, fmt: str) -> pd.Series:
    """Arrow's C++ strptime (pandas' per-value parser takes ~3 s for a million distinct Jira dates,
    Arrow a quarter of a second), without what Arrow reads that is no date: a year before 1000
    and a day rolled over from an impossible one. Each distinct text is read once: the C library's
    strptime, which Arrow calls for such formats, is the slow part, and dates to the minute repeat
    (a million tickets over a year hold about 450,000 distinct ones)."""
    strings = pa.array(text, type=pa.string(), from_pandas=True)
    if isinstance(strings, pa.ChunkedArray):  # Arrow-backed pandas strings arrive chunked
        strings = strings.combine_chunks()
    encoded = strings.dictionary_encode()
    parsed = _checked_strptime(encoded.dictionary, fmt).take(encoded.indices)
    return pd.Series(parsed.to_pandas(), index=text.index)


def _checked_strptime(strings: pa.Array, fmt: str) -> pa.Array:
    parsed = pc.strptime(strings, format=fmt, unit="us", error_is_null=True)
    wrong = pc.fill_null(pc.less(pc.year(parsed), MIN_YEAR), False)
    day, month = pc.day(parsed), pc.month(parsed)
    suspects = pc.fill_null(pc.or_(pc.and_(pc.equal(month, 3), pc.less_equal(day, 3)),
                                   pc.and_(pc.is_in(month, pa.array(AFTER_SHORT_MONTHS)), pc.equal(day, 1))), False)
    if pc.any(suspects).as_py():
        # a real 1 March prints back as the text it was read from; only the others are checked one by one
        written = pc.strftime(pc.filter(parsed, suspects), format=fmt, locale="C")
        differs = pc.not_equal(_loose(written), _loose(pc.filter(strings, suspects)))
        checked = pc.filter(pc.filter(strings, suspects), differs).unique().to_pylist()
        impossible = [value for value in checked if _no_such_day(value, fmt)]
        if impossible:
            wrong = pc.or_(wrong, pc.is_in(strings, pa.array(impossible, pa.string())))
    return pc.if_else(wrong, pa.scalar(None, parsed.type), parsed)


def _loose(dates: pa.Array) -> pa.Array:
    """Dates compared loosely: case, leading zeros and runs of spaces aside (`1:05 pm` = `01:05 PM`)."""
    text = pc.utf8_lower(dates)
    text = pc.replace_substring_regex(text, r"(^|\D)0+(\d)", r"\1\2")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"\s+", " "))


def _parse(text: pd.Series, fmt: str, timezone: str) -> pd.Series:
    """Parse with one format; naive times are taken to be in `timezone`; the result is UTC."""
    parsed = None
    if fmt != "ISO8601" and "%z" not in fmt and "%Z" not in fmt:
        with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a directive Arrow lacks: pandas tries
            parsed = _arrow_strptime(text, fmt)
    if parsed is None:
        try:
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        except (ValueError, TypeError):
            return _parse_mixed_offsets(text, fmt, timezone)
        parsed = parsed.mask(parsed.dt.year < MIN_YEAR)
    if getattr(parsed.dt, "tz", None) is None:
        return _localize(parsed, timezone)
    return parsed.dt.tz_convert("UTC")


def _parse_mixed_offsets(text: pd.Series, fmt: str, timezone: str) -> pd.Series:
    """A column mixing offsets (+01:00, -05:00, Z) and times without one: pandas reads it only
    all in UTC, which would put the offset-free times in UTC instead of `timezone`."""
    has_offset = text.str.contains(OFFSET_AT_END, regex=True).fillna(False).astype(bool)
    aware = pd.to_datetime(text.where(has_offset), format=fmt, errors="coerce", utc=True)
    try:
        naive = pd.to_datetime(text.where(~has_offset), format=fmt, errors="coerce")
    except (ValueError, TypeError):  # an offset form the pattern missed: those rows are not dates
        naive = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if getattr(naive.dt, "tz", None) is not None:
        naive = naive.dt.tz_localize(None)
    local = _localize(naive.mask(naive.dt.year < MIN_YEAR), timezone)
    return aware.mask(aware.dt.year < MIN_YEAR).fillna(local)


def _vote(sample: pd.Series, timezone: str) -> str:
    """The format of a column: ISO 8601 if it reads the whole sample, else the candidate that reads
    most of what ISO does not (ISO dates among others are read anyway, see parse_dates)."""
    rest = sample[_parse(sample, "ISO8601", timezone).isna()]
    if rest.empty:
        return "ISO8601"
    others = CANDIDATE_FORMATS[1:]
    scores = {fmt: _parse(rest, fmt, timezone).notna().sum() for fmt in others}
    return max(others, key=lambda fmt: scores[fmt])  # first best wins ties


@dataclass(frozen=True, slots=True)
class _Reading:
    """One column read with one format (and maybe one language's month names)."""

    text: pd.Series
    """The dates as written, trimmed."""
    present: pd.Series
    """Where there is a date (not blank)."""
    read_as: pd.Series
    """The texts parsed: `text`, or its translation into English."""
    chosen: str
    """The format given, or voted."""
    parsed: pd.Series
    """Aware UTC; NaT where blank or unread."""
    language: month_names.Language | None = None
    """The language translated from; None where read as written."""
    as_iso: pd.Series | None = None
    """Where a date was read as ISO 8601 among dates of the `chosen` format (_read); None where none was."""

    @property
    def unread(self) -> pd.Series:
        return self.present & self.parsed.isna()


def _read(values: pd.Series, date_format: str | None, timezone: str, language: month_names.Language | None = None,
          translated: pd.Series | None = None) -> _Reading:
    """Read a column with the format given or voted on a sample; an ISO date among others is
    still a date. The texts read are the `translated` ones where given (from `language`). Never
    raises: what is unread is _Reading.unread."""
    text = values.fillna("").astype(str).str.strip()
    present = text != ""
    if not present.any():
        return _Reading(text, present, text, date_format or "ISO8601",
                        pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]"), language)
    read_as = text if translated is None else translated
    chosen = date_format or _vote(read_as[present].head(SAMPLE_SIZE), timezone)
    parsed = _parse(read_as.where(present), chosen, timezone).astype("datetime64[us, UTC]")
    unread = present & parsed.isna()
    as_iso = None
    if unread.any() and chosen != "ISO8601":  # an ISO date among others is still a date ...
        unread &= text.str.match(r"\d{4}")  # ... and starts with its year: pandas' ISO 8601 reads no other
        if unread.any():
            parsed[unread] = _parse(text[unread], "ISO8601", timezone).astype("datetime64[us, UTC]")
            as_iso = unread & parsed.notna()
    return _Reading(text, present, read_as, chosen, parsed, language, as_iso)


def _finish(reading: _Reading, where: str, column: str, date_format: str | None, timezone: str,
            source: str) -> tuple[pd.Series, str | None]:
    """The dates read, with the warning of a format guessed between day first and month first.

    Raises InputFileError naming the first row whose value did not parse, with the fix: where the
    column's other dates were read, correcting the rows that are not in their format (_other_rows_fix);
    else, no format reading them, the fix for the `source`'s exports (_not_a_date).
    """
    bad = reading.unread
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        value, read_as = reading.text.iloc[row], reading.read_as.iloc[row]
        if _no_such_day(read_as, reading.chosen) or _no_such_day(read_as, "ISO8601"):
            raise InputFileError(f"{where} row {row + 2}: {column} {shown(value)} is not a date (that month has no "
                                 "such day) - correct that row of the export")
        language = f" (read with {reading.language.name} month names)" if reading.language else ""
        if date_format is not None:
            raise InputFileError(f"{where} row {row + 2}: {column} {shown(value)} does not match --date-format "
                                 f"'{date_format}'{language} - pass the format these dates are written in, or export "
                                 "ISO dates")
        fix = None if reading.language else _other_rows_fix(reading, column, timezone, source)
        raise InputFileError(f"{where} row {row + 2}: {column} {shown(value)} "
                             f"{fix or _not_a_date(reading.chosen, source, reading.language)}")
    present = reading.present
    doubt = None if date_format else _day_month_doubt(reading.read_as[present], reading.parsed[present],
                                                      reading.chosen, where, column, timezone)
    return reading.parsed, doubt


def parse_dates(
    values: pd.Series, where: str, column: str, date_format: str | None = None, timezone: str = "UTC",
    source: str = "jira",
) -> tuple[pd.Series, str | None]:
    """Parse a column of date strings to aware UTC timestamps; blanks become NaT. With them, what
    deserves a warning or None: a format guessed between day first and month first
    (_day_month_doubt), month names read in another language than English (_in_one_language).

    Raises InputFileError naming the first row whose value does not parse, with the fix for the
    `source`'s exports (_not_a_date).
    """
    dates, warnings = parse_date_columns({column: (values, column)}, where, date_format, timezone, source)
    return dates[column], "; ".join(warnings) or None


PAGERDUTY_DATE_EXAMPLE = "2026-03-01T02:00:00-05:00"  # ISO 8601 with the account's offset, as its downloads write
EXCEL_US_FORMAT = "%m/%d/%Y %H:%M"  # a download opened and saved again in Excel (US locale)
EXCEL_DAY_FIRST_FORMAT = "%d/%m/%Y %H:%M"  # the same elsewhere


def _not_a_date(chosen: str, source: str, language: month_names.Language | None = None) -> str:
    """What a value no format read is, and the fix, in the words of the `source`'s exports. Where
    no format reads a value, the vote falls back to Jira's `24/Nov/26 3:45 PM`, which PagerDuty
    never writes: its message names ISO 8601 instead. A `language` the other dates were read in
    is named with the format."""
    if language is not None:
        return (f"is not a date (read as {chosen} with {language.name} month names) - correct that row, or export "
                "the dates in English or ISO 8601 (Jira: your profile's language)")
    if source == "pagerduty":
        read_as = "" if chosen in ("ISO8601", JIRA_DEFAULT_FORMAT) else f" (read as {chosen})"
        example = EXCEL_DAY_FIRST_FORMAT if chosen == EXCEL_US_FORMAT else EXCEL_US_FORMAT
        return (f"is not a date{read_as} - PagerDuty writes ISO 8601 ({PAGERDUTY_DATE_EXAMPLE}): download the CSV "
                f"again, or pass --date-format with these dates' format, e.g. --date-format '{example}'")
    example = OTHER_FORMAT_EXAMPLE if chosen == JIRA_DEFAULT_FORMAT else JIRA_DEFAULT_FORMAT
    return (f"is not a date (read as {chosen}) - export ISO dates or pass --date-format with these dates' format, "
            f"e.g. --date-format '{example}'")


def _format_name(fmt: str) -> str:
    return "ISO 8601" if fmt == "ISO8601" else fmt


def _other_rows_fix(reading: _Reading, column: str, timezone: str, source: str) -> str | None:
    """What a column's unread values are, and the fix, where the column's other dates were read
    (None where none was: then no format reads the dates, and --date-format is the fix, _not_a_date).

    One format reading every date of the column (the vote's sample read as well day first as month
    first, say) is the fix, as --date-format. Else the dates read are in one format and the rows
    unread are not: --date-format reads a column in one format, so it would refuse the others; the
    fix is to correct those rows, to the format named (with an example of a date written in it), or,
    PagerDuty writing every row alike, to download the CSV again.
    """
    bad = reading.unread
    first = reading.text[bad].iloc[0]
    iso = reading.as_iso if reading.as_iso is not None else pd.Series(False, index=bad.index)
    direct = reading.present & reading.parsed.notna() & ~iso
    read_in = reading.chosen if direct.any() else "ISO8601" if iso.any() else None
    if read_in is None:
        return None
    # the formats that read the first value unread: one value each, then the whole column with those alone
    reading_it = [fmt for fmt in CANDIDATE_FORMATS if fmt != read_in
                  and _parse(pd.Series([first]), fmt, timezone).notna().all()]
    for fmt in reading_it:
        if fmt != reading.chosen and not _read(reading.text, fmt, timezone).unread.any():
            return (f"is not a date (read as {_format_name(reading.chosen)}) - every {column} date reads as {fmt}: "
                    f"import again with --date-format '{fmt}'")
    example = reading.text[direct if direct.any() else iso].iloc[0]
    written = f"; it reads as {_format_name(reading_it[0])}" if reading_it else ""
    count, rows = rows_named(bad)
    those = "that row" if count == 1 else f"those {count:,} rows ({rows})"
    again = " (or download the CSV again)" if source == "pagerduty" else ""
    return (f"is not a date in the other {column} dates' format ({_format_name(read_in)}, e.g. "
            f"{shown(example, 30)}{written}) - correct {those} to that format{again}: --date-format reads a column "
            "in one format")


def _no_such_day(text: str, fmt: str) -> bool:
    """Whether the text, read with `fmt`, is a date naming a day its month lacks (31/Feb)."""
    try:
        if fmt == "ISO8601":
            pd.Timestamp(text)
        else:
            datetime.strptime(text, fmt)
    except ValueError as exc:
        return "day is out of range" in str(exc)
    return False


def _day_month_doubt(present: pd.Series, read: pd.Series, chosen: str, where: str, column: str,
                     timezone: str) -> str | None:
    """A warning when the dates `present` (read as `read` with the voted format `chosen`) read as
    well with day and month swapped (03/11/2026: every day 12 or less): the format is a guess."""
    sample = present.head(SAMPLE_SIZE)
    other = _day_month_swapped(chosen)
    # a day over 12 in the sample settles it at once; the whole column only when the sample cannot
    if other is None or _parse(sample, other, timezone).isna().any():
        return None
    read_other = _parse(present, other, timezone)
    differs = (read != read_other).to_numpy(dtype=bool, na_value=True)
    if read_other.isna().any() or not differs.any():
        return None
    example = present[differs].iloc[0]
    return (f"{where}: every {column} date reads as well day first as month first (e.g. {shown(example)}), so it "
            f"was read as {chosen} ({read[differs].iloc[0]:%d %b %Y}) - if it is {other}, import again with "
            f"--date-format '{other}'")


def _day_month_swapped(fmt: str) -> str | None:
    """The format with its numeric day and month swapped; None when it has not both."""
    if "%d" not in fmt or "%m" not in fmt:
        return None
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def implausible(parsed: pd.Series, opened: bool = False) -> np.ndarray:
    """Where dates read right are worth a look: before 1990 or after next year; a date the item
    was `opened` on (Created) after today already (a day's grace for time zones): it would move
    the default period onto it. The one test of it for files and live APIs alike."""
    now = pd.Timestamp.now(tz="UTC")
    latest = now + pd.Timedelta(days=1) if opened else pd.Timestamp(year=now.year + 2, month=1, day=1, tz="UTC")
    return ((parsed.dt.year < PLAUSIBLE_FROM_YEAR) | (parsed >= latest)).to_numpy(dtype=bool, na_value=False)


def resolved_early(created: pd.Series, resolved: pd.Series) -> np.ndarray:
    """Where an item was resolved before it was created."""
    return (resolved < created).to_numpy(dtype=bool, na_value=False)


def items_named(mask: pd.Series | np.ndarray, names: pd.Series | None, shown_names: int = 5) -> tuple[int, str]:
    """How many items a mask marks, and the first few: as a file's rows ("rows 2, 5") without
    `names`, else by name (issue keys, incident numbers: an API's answer has no rows to point at)."""
    if names is None:
        count, rows = rows_named(mask)
        return count, f"rows {rows}"
    listed = [str(name) for name in names.to_numpy()[np.asarray(mask, dtype=bool)]]
    return len(listed), ", ".join(listed[:shown_names]) + (" ..." if len(listed) > shown_names else "")


AT_THE_SOURCE = "check them at the source"  # an API's dates have no format to get wrong: only the item can be


def missing_values(blank: pd.Series | np.ndarray, where: str, column: str, kept_how: str,
                   names: pd.Series | None = None) -> str | None:
    """A warning naming the rows (or, given `names`, the items) with nothing in `column`, and how
    they were kept (`kept_how`); None where every one has a value."""
    blank = np.asarray(blank, dtype=bool)
    if not blank.any():
        return None
    count, named = items_named(blank, names)
    what, fix = ("row(s)", "fill them in the export") if names is None else ("item(s)", AT_THE_SOURCE)
    return f"{where}: {count} {what} with no {column} ({named}) - {kept_how}; {fix}"


NO_CREATED = "kept, but in no period's figures"
NO_TITLE = "kept with an empty title, so classified on the rest alone"


def blank_texts(values: pd.Series | str) -> np.ndarray:
    """Per value, whether it is blank (missing, or white space only)."""
    return (pd.Series(values).fillna("").astype(str).str.strip() == "").to_numpy(dtype=bool)


def implausible_dates(parsed: pd.Series, where: str, column: str, opened: bool = False,
                      names: pd.Series | None = None) -> str | None:
    """A warning naming the rows (or, given `names`, the items) whose dates are implausible:
    read right, but worth a look (see implausible)."""
    odd = implausible(parsed, opened)
    if not odd.any():
        return None
    count, named = items_named(odd, names)
    after = "today" if opened else str(pd.Timestamp.now(tz="UTC").year + 1)
    fix = "check them, or the date format (--date-format)" if names is None else AT_THE_SOURCE
    return f"{where}: {count} {column} date(s) before {PLAUSIBLE_FROM_YEAR} or after {after} ({named}) - {fix}"


def resolved_before_created(created: pd.Series, resolved: pd.Series, where: str, headers: tuple[str, str],
                            names: pd.Series | None = None) -> str | None:
    """A warning naming the rows (or, given `names`, the items) resolved before they were created:
    kept as written, their time open is not counted (the hours are estimated instead)."""
    odd = resolved_early(created, resolved)
    if not odd.any():
        return None
    count, named = items_named(odd, names)
    what, fix = ("row(s)", "check the dates, or the date format (--date-format)") if names is None else \
        ("item(s)", "check the dates at the source")
    return (f"{where}: {count} {what} {headers[1]} before {headers[0]} ({named}) - their time open is not "
            f"counted, their hours are estimated; {fix}")


def date_warnings(parsed: dict[str, pd.Series], headers: dict[str, str], where: str,
                  names: pd.Series | None = None) -> list[str | None]:
    """What a file's (or, given the items' `names`, an API's) dates deserve a warning for (None
    where nothing): implausible dates per column, and items resolved before they were created."""
    warnings = [implausible_dates(dates, where, headers[field], opened=field == "created_at", names=names)
                for field, dates in parsed.items()]
    if "created_at" in parsed and "resolved_at" in parsed:
        warnings.append(resolved_before_created(parsed["created_at"], parsed["resolved_at"], where,
                                                (headers["created_at"], headers["resolved_at"]), names))
    return warnings


def parse_api_dates(values: pd.Series, names: pd.Series, where: str, column: str, fix: str) -> pd.Series:
    """Dates as an API sends them (ISO 8601 text, or null) -> aware UTC; null or blank stays NaT.

    Raises SourceError naming the first item whose value is no date, as parse_dates refuses a
    file's row: an API writes every date one way, so one it cannot place is a broken item, never
    stored as a blank. What a date is (a year before 1000 is none) is parse_dates' own test.
    """
    def as_text(value) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        return value.strip() if isinstance(value, str) else None  # a number, a list: no date

    text = values.map(as_text).astype(object)
    present = (text != "").to_numpy(dtype=bool)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    if not present.any():
        return parsed
    readable = text.where(present & text.notna().to_numpy(), None)
    parsed[present] = _parse(readable[present], "ISO8601", "UTC").astype("datetime64[us, UTC]")
    bad = present & parsed.isna().to_numpy()
    if bad.any():
        row = int(bad.nonzero()[0][0])
        raise SourceError(f"{where}: {names.iloc[row]} {column} {shown(values.iloc[row])} is not a date - {fix}")
    return parsed


def parse_date_columns(
    columns: dict[str, tuple[pd.Series, str]], where: str, date_format: str | None = None, timezone: str = "UTC",
    source: str = "jira",
) -> tuple[dict[str, pd.Series], list[str]]:
    """parse_dates for several columns (field -> (values, header name)) of one file at once: the
    dates per field, and the warnings (the language of month names read as English, formats guessed
    between day first and month first).

    Each column parses in its own thread: Arrow's strptime releases the GIL, so on two cores a
    million Created and Resolved dates take the time of one column. The first column's error wins.
    """
    if not columns:
        return {}, []
    with ThreadPoolExecutor(max_workers=len(columns)) as pool:
        readings = dict(zip(columns, pool.map(lambda field: _read(columns[field][0], date_format, timezone),
                                              columns)))
        said = None
        if any(reading.unread.any() for reading in readings.values()):
            said = _in_one_language(readings, columns, where, date_format, timezone, pool)
        finished = list(pool.map(lambda field: _finish(readings[field], where, columns[field][1], date_format,
                                                       timezone, source), columns))
    dates = {field: parsed for field, (parsed, _) in zip(columns, finished)}
    return dates, ([said] if said else []) + [doubt for _, doubt in finished if doubt]


def _in_one_language(readings: dict[str, _Reading], columns: dict[str, tuple[pd.Series, str]], where: str,
                     date_format: str | None, timezone: str, pool: ThreadPoolExecutor) -> str | None:
    """Read again, with another language's month names and AM/PM markers, the columns English left
    values of unread (`readings`, replaced in place where that reads more of them), and say which
    language was read; None where none was, or English (`Sept`, `a.m.`).

    One language for the file: the first (month_names.LANGUAGES) whose words read every month word
    and marker of all its date columns. None does for a file mixing languages: refused, naming two of
    its words and their languages. Only here, after English failed: English exports pay nothing.
    """
    texts = dict(zip(readings, pool.map(lambda reading: month_names.texts_of(reading.text.where(reading.present)),
                                        readings.values())))
    found = [month_names.words_of(column, date_format) for column in texts.values()]
    words = month_names.Words({}, {})  # each word as the file first writes it, to name it
    for column in found:
        for key, word in column.months.items():
            words.months.setdefault(key, word)
        for key, word in column.markers.items():
            words.markers.setdefault(key, word)
    languages = month_names.choose_languages(words, where)
    if not languages and len(words.months) + len(words.markers) > 1:
        # a file in two languages: no one of them reads it, and blaming a date of either would mislead
        raise month_names.mixed_languages_error(words, where)
    if not languages or not (words.months or words.markers):
        return None
    language = languages[0]
    unread = [field for field, reading in readings.items() if reading.unread.any()]
    again = dict(zip(unread, pool.map(
        lambda field: _read(columns[field][0], date_format, timezone, language,
                            month_names.translate(texts[field], language, date_format)), unread)))
    better = [field for field in unread if again[field].unread.sum() < readings[field].unread.sum()]
    readings.update({field: again[field] for field in better})
    if not better or language is month_names.ENGLISH:
        return None
    return _language_said(language, languages[1:], words, [columns[field][1] for field in better], where)


def _language_said(language: month_names.Language, alike: tuple[month_names.Language, ...],
                   words: month_names.Words, headers: list[str], where: str) -> str:
    """The line saying which language's month names (and markers) `headers`' dates were read in,
    with an example of each, and the languages that read them alike (so no guess between them)."""
    months = {key: word for key, word in words.months.items() if key not in month_names.months_of(month_names.ENGLISH)}
    markers = {key: word for key, word in words.markers.items() if key not in month_names.markers_of(month_names.ENGLISH)}
    what = " and ".join(["month names"] * bool(months) + ["AM/PM markers"] * bool(markers))
    examples = [f"{shown(word)} as {month_names.ENGLISH_FULL[month_names.months_of(language)[key] - 1]}"
                for key, word in list(months.items())[:1]]
    examples += [f"{shown(word)} as {month_names.markers_of(language)[key]}" for key, word in list(markers.items())[:1]]
    others = [other.name for other in alike if other is not month_names.ENGLISH]
    if others:
        named = " and ".join(others) if len(others) <= 2 else f"{', '.join(others[:2])} and {len(others) - 2} more"
        examples.append(f"{named} read them alike")
    listed = " and ".join(headers) if len(headers) <= 2 else f"{', '.join(headers[:-1])} and {headers[-1]}"
    return f"{where}: {listed} dates read with {language.name} {what} ({'; '.join(examples)})"
