"""Reading an export file as people really have it: UTF-8 with or without BOM, Windows-1252
from Excel, repeated headers, quoted newlines. Every failure is one line naming the file,
the problem and the fix.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from toilaudit.errors import InputFileError, shown
from toilaudit.importers.columns import MULTI_VALUED, match_columns, normalise_header, picks_of

ENCODINGS = ("utf-8", "cp1252")  # Excel on Windows saves CSV as Windows-1252
SNIFF_BYTES = 64 * 1024
# Excel writes ";" where the decimal mark is a comma (much of Europe), and tabs as "Unicode Text"
DELIMITERS = (",", ";", "\t")
READ_BLOCK_BYTES = 1 << 24  # the parser's block: its threads parse one each; fields are made a block at a time
SCAN_BLOCK_BYTES = 1 << 20  # hashed and searched for quotes a block at a time


@dataclass(frozen=True, slots=True)
class ExportTable:
    """The columns of one export that feed WorkItem fields, all as strings."""

    path: Path
    """The file read."""
    sha256: str
    """Hash of the file's bytes, recorded with the import run for provenance."""
    fields: dict[str, pd.Series]
    """Field name -> values; repeated headers (Labels, Labels) are joined with "|"."""
    rows: int
    """Data rows read."""
    headers: dict[str, str]
    """Field name -> the header feeding it as the export writes it (its first, if repeated), for messages."""


@dataclass(frozen=True, slots=True)
class FileScan:
    """What one pass over a file's bytes finds, beside the parser reading it."""

    sha256: str
    """Hash of the file's bytes."""
    has_nul: bool
    """Whether it holds a NUL byte."""
    quotes_suspect: bool
    """Whether its quotes do not pair up as a well-formed CSV's do (see scan_file): a quote may be left open."""


def scan_file(path: Path, delimiter: str = ",") -> FileScan:
    """The file's SHA-256, whether it holds a NUL byte, and whether its quotes pair up, in one pass.

    In a well-formed CSV each quote opens a value, closes it, or is half of a "" inside it, so in
    file order they alternate open, close ("" is a close then an open), and after a close comes a
    delimiter, a line end, the other half of a "" or the end of the file. A quote left open breaks
    that: the parser reads on, rows and all, to the next quote, which opened another value and so
    is followed by its text, or to the end of the file (an odd number of quotes). A quote inside
    an unquoted value (`5" screen`) breaks it too, harmlessly, so a suspect file is read again by
    a strict parser (_find_bad_row) before anything is refused. A numpy comparison per block adds
    a quarter to the hash's time (0.1 s for a 500 MB export), in the thread beside the parser.
    """
    after_close = np.zeros(256, dtype=bool)
    for byte in (b'"', delimiter.encode(), b"\r", b"\n"):
        after_close[byte[0]] = True
    digest = hashlib.sha256()
    has_nul = suspect = False
    quotes = 0  # quotes seen so far: a quote at an odd place (0-based) closes a value
    close_at_end = False  # the last block ended on a closing quote: the next block's first byte follows it
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(SCAN_BLOCK_BYTES), b""):
            digest.update(block)
            has_nul = has_nul or b"\x00" in block
            if suspect:
                continue
            data = np.frombuffer(block, dtype=np.uint8)
            suspect = close_at_end and not after_close[data[0]]
            at = np.flatnonzero(data == ord('"'))
            closes = at[1 - quotes % 2::2] + 1  # the byte after each closing quote
            inside = closes < len(data)
            suspect = suspect or bool((~after_close[data[closes[inside]]]).any())
            close_at_end = bool(len(closes)) and not inside[-1]
            quotes += len(at)
    return FileScan(digest.hexdigest(), has_nul, suspect or quotes % 2 == 1)


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the header row into the most columns; a comma on a tie."""
    header = (text.splitlines() or [""])[0]

    def columns(delimiter: str) -> int:
        try:
            return len(next(csv.reader([header], delimiter=delimiter), []))
        except csv.Error:  # a quote left open: counted as one column, and reported by the reader
            return 0

    return max(DELIMITERS, key=columns)


def _read_header(path: Path, head: bytes) -> tuple[list[str], str, str]:
    """The header row, the file's encoding (the first that decodes the sniffed bytes) and its delimiter."""
    for encoding in ENCODINGS:
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as exc:
            # a cut multi-byte character at the end of the sniffed block is not an error
            if encoding == "utf-8" and exc.start >= len(head) - 3 and len(head) == SNIFF_BYTES:
                text = head[: exc.start].decode(encoding)
            else:
                continue
        text = text.lstrip("\ufeff")
        delimiter = detect_delimiter(text)
        try:
            header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
        except csv.Error:
            header = []
        return [h.strip() for h in header], encoding, delimiter
    raise InputFileError(f"{path.name}: not UTF-8 or Windows-1252 text - save the export as CSV (UTF-8)")


def read_export(
    path: Path, source: str, aliases: dict[str, tuple[str, ...]], user_map: dict[str, str], required: tuple[str, ...],
    single_line: dict[str, str] | None = None, longest: dict[str, int] | None = None,
    stand_ins: dict[str, str] | None = None,
) -> ExportTable:
    """Read the columns of `path` that feed WorkItem fields, or raise one clear InputFileError.

    `single_line`: fields that never hold a line break (field -> header name, for messages).
    `longest`: fields kept to at most so many characters (field -> characters), cut as they are
    read: a million long descriptions are not held whole, then cut.
    `stand_ins`: a field with no column of its own fed by another field's (field -> that field):
    PagerDuty's key by the incident number where a download has no id.
    """
    single_line = single_line or {}
    longest = longest or {}
    path = Path(path)
    where = path.name
    if path.is_dir():
        raise InputFileError(f"{where}: is a folder, not an export - pass the CSV file itself")
    if not path.is_file():
        raise InputFileError(f"{where}: no such file - check the path")
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip(b"\xef\xbb\xbf \r\n\t"):
        raise InputFileError(f"{where}: the file is empty - export the {source} again")
    if _looks_utf16(head):
        raise InputFileError(f"{where}: UTF-16 text, which this importer does not read - save the export as "
                             "CSV UTF-8 (Excel: Save As > CSV UTF-8)")
    if b"\x00" in head:
        raise InputFileError(f"{where}: a binary file, not a CSV export - export as CSV, not Excel or a zip")
    headers, encoding, delimiter = _read_header(path, head)
    positions = match_columns(headers, aliases, user_map)
    for field, other in (stand_ins or {}).items():
        if field not in positions and other in positions:
            positions[field] = positions[other]
    _check_mapped_headers(headers, user_map, where)
    _check_one_column_fields(headers, {f: found for f, found in positions.items() if f not in picks_of(user_map)},
                             where)
    missing = [field for field in required if field not in positions]
    if missing:
        found = _first_headers(headers)
        hint = "not a CSV export? " if len(headers) < 2 else ""
        # each field with the header that usually holds it ("issue key"): a user knows the headers, --columns the fields
        wanted_columns = ", ".join(_wanted(field, aliases, stand_ins or {}) for field in missing)
        raise InputFileError(
            f"{where}: {hint}no column for {wanted_columns} (found {found}) - "
            f"export {source} as CSV with those columns or map yours with --columns"
        )
    wanted = sorted({i for found in positions.values() for i in found})
    # The hash and the per-field Arrow kernels run in threads: all release the GIL.
    with ThreadPoolExecutor(max_workers=2) as pool:
        scanning = pool.submit(scan_file, path, delimiter)
        table = _read_columns(path, encoding, headers, wanted, delimiter)
        rows = table.num_rows
        if rows == 0:
            raise InputFileError(f"{where}: no rows under the header - export the {source} again, with the rows")
        scan = scanning.result()
        if scan.quotes_suspect:  # rows may have vanished into a value: the parser cannot tell
            fault = _find_bad_row(path, delimiter, headers, scan.has_nul)
            if fault:
                raise InputFileError(fault)
        broken = [field for field in single_line if field in positions
                  and any(_may_hold_line_break(table.column(f"c{i}")) for i in positions[field])]
        # each field's columns' blocks, without the table: a block is let go once the fields it
        # feeds are made (a column may feed two: PagerDuty's Incident Number, key and number)
        blocks = {field: [table.column(f"c{i}").chunks for i in found] for field, found in positions.items()}
        del table

        def values(field: str) -> pd.Series:
            return _field_values(blocks.pop(field), scan.has_nul, longest.get(field))

        fields = dict(zip(positions, pool.map(values, positions)))
        _check_single_line(fields, {field: single_line[field] for field in broken}, where)
        return ExportTable(path, scan.sha256, fields, rows,
                           {field: headers[found[0]] for field, found in positions.items()})


def _wanted(field: str, aliases: dict[str, tuple[str, ...]], stand_ins: dict[str, str]) -> str:
    """A field missing, with the header that usually holds it ("issue key"), and the field that may
    stand in for it: a user knows the headers, --columns the fields."""
    def one(name: str) -> str:
        return f'{name} ("{aliases[name][0]}")' if aliases.get(name) else name

    other = stand_ins.get(field)
    return f"{one(field)} or {one(other)}" if other else one(field)


def _first_headers(headers: list[str]) -> str:
    """The export's first headers, for a message saying what was found."""
    return ", ".join(shown(h, 30) for h in headers[:6]) + (" ..." if len(headers) > 6 else "")


def _check_mapped_headers(headers: list[str], user_map: dict[str, str], where: str) -> None:
    """Refuse a --columns header the export does not have: its field would be imported empty,
    and re-importing would wipe what an earlier import stored there (a typo loses data silently)."""
    present = {normalise_header(header) for header in headers}
    absent = [header for header in user_map if header not in present]
    if absent:
        found = _first_headers(headers)
        raise InputFileError(
            f"{where}: --columns maps {', '.join(shown(h) for h in absent)} (to {', '.join(user_map[h] for h in absent)}), "
            f"but the export has no such header (found {found}) - correct the header in the --columns file"
        )


def _check_one_column_fields(headers: list[str], positions: dict[str, list[int]], where: str) -> None:
    """Refuse a --columns header the export repeats (or writes twice, case aside) mapped to a field
    that takes one column: the values would be joined ("Red|Blue" is no team, "1|2" no date).
    Only a --columns entry can do it: a known header feeds such a field from its first column."""
    for field, found in positions.items():
        if len(found) > 1 and field not in MULTI_VALUED:
            raise InputFileError(
                f"{where}: --columns maps {shown(headers[found[0]], 40)} to {field}, but the export has {len(found)} "
                f"columns of that header and {field} takes one - map a header that appears once (only "
                f"{', '.join(MULTI_VALUED)} take several)"
                + (f", or pick the team among its values: {shown(headers[found[0]], 40)}: {{field: team, prefix: team-}}"
                   if field == "team" else "")
            )


def _looks_utf16(head: bytes) -> bool:
    """A byte-order mark, or ASCII text with every other byte NUL (UTF-16 without a mark)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = head[:512]
    return len(sample) >= 8 and (sample[0::2].count(0) == len(sample[0::2]) or sample[1::2].count(0) == len(sample[1::2]))


def _may_hold_line_break(column: pa.ChunkedArray) -> bool:
    """Whether any value of the column may hold a line break: a byte search of its character data
    (a regex over a million titles takes 75 ms; this, a few). Values are still untrimmed here."""
    for chunk in column.chunks:
        data = chunk.buffers()[2]
        if data is not None:
            raw = data.to_pybytes()
            if b"\n" in raw or b"\r" in raw:
                return True
    return False


def _check_single_line(fields: dict[str, pd.Series], single_line: dict[str, str], where: str) -> None:
    """Refuse a line break in a field that never holds one (a key, a date, a Jira summary).

    There it means a quote was left open: the parser then reads on through the next rows until
    the next quote, so a whole row vanishes into this field instead of being imported.
    """
    for field, header in single_line.items():
        if field not in fields:
            continue
        broken = fields[field].str.contains(r"[\r\n]", regex=True)
        if broken.any():
            row = int(broken.to_numpy(dtype=bool, na_value=False).nonzero()[0][0])
            raise InputFileError(
                f"{where} row {row + 2}: {header} holds a line break, so a quote in or before this row was left "
                "open and the rows after it were read into it - close the quote (write \"\" for a quote inside "
                "a quoted value) or re-export"
            )


def _read_columns(path: Path, encoding: str, headers: list[str], wanted: list[int], delimiter: str = ",") -> pa.Table:
    """Read only the wanted columns with pyarrow's multi-threaded parser, all as strings."""
    names = [f"c{i}" for i in range(len(headers))]
    include = [names[i] for i in wanted]
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, encoding=encoding, block_size=READ_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                include_columns=include,
                column_types={name: pa.string() for name in include},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        message = str(exc).splitlines()[0]
        if "UTF8" in message and encoding == "utf-8":
            return _read_columns(path, "cp1252", headers, wanted, delimiter)
        # the parser reads on several threads and so cannot say which row: read again, on one, to name it
        fault = _find_bad_row(path, delimiter, headers, has_nul=True, widths=True)
        if fault:
            raise InputFileError(fault) from None
        ragged = re.search(r"Expected (\d+) columns, got (\d+): ?(.*)", message)
        if ragged:
            expected, got, row = ragged.groups()
            hint = "a quote left open? " if row.count('"') % 2 else ""
            raise InputFileError(
                f"{path.name}: rows do not match the header (a row has {got} columns, the header {expected}; it "
                f"starts {shown(row, 40)}) - {hint}fix that row or re-export the CSV"
            ) from None
        raise InputFileError(f"{path.name}: not a readable CSV ({shown(message, 80)}) - export as CSV") from None


LONGEST_VALUE_CHARS = READ_BLOCK_BYTES  # no real value is longer (a value longer than the parser's block is an error there)
FIX_QUOTE = 'close the quote (write "" for a quote inside a quoted value) or re-export'


def _find_bad_row(path: Path, delimiter: str, headers: list[str], has_nul: bool, widths: bool = False) -> str | None:
    """The message naming the first row whose quote is left open (and, with `widths`, else the first
    row whose columns do not match the header's), or None: Python's csv parser in strict mode, one
    row at a time (2.7 s for 1M rows), so only where something is wrong or seems so (scan_file).

    Strict, it stops at a closing quote followed by anything but a delimiter or a line end, and at a
    quote open at the end of the file. Within one line that is a stray character (`"5" screen"`),
    which pyarrow reads into the value: no row is lost, so it is passed over. Across lines it is a
    quote left open: the lines up to the next quote (or the end) were read into one value.
    """
    where = path.name
    limit = csv.field_size_limit(LONGEST_VALUE_CHARS)
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:  # cp1252 too: only ASCII matters
            lines = (line.replace("\x00", "") for line in handle) if has_nul else handle  # Python 3.11 refuses NUL
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            row = 0  # the header is row 1
            while True:
                line = reader.line_num + 1
                try:
                    record = next(reader)
                except StopIteration:
                    return None
                except csv.Error as exc:
                    read_on = reader.line_num - line
                    at_end, too_long = "end of data" in str(exc), "field limit" in str(exc)
                    if read_on or at_end or too_long:
                        column = _open_column(path, line, read_on, delimiter)
                        value = f"its {shown(headers[column], 40)} value" \
                            if column is not None and column < len(headers) else "a value"
                        if read_on:
                            count = f"over {read_on:,} line(s) after it" if too_long else f"the next {read_on:,} line(s)"
                            lost = f"so {count}{' (to the end of the file)' if at_end else ''}, rows and all, were " \
                                   "read into it"
                        else:
                            lost = "(is the file cut short?)"
                        return (f"{where} row {row + 1} (line {line}): the quote opening {value} is not closed"
                                f"{', ' if read_on else ' '}{lost} - {FIX_QUOTE}")
                    row += 1  # a stray character after a closing quote, within the line: read into the value
                    continue
                if not record:  # a blank line, which pyarrow skips too
                    continue
                row += 1
                if widths and row > 1 and len(record) != len(headers):
                    return (f"{where} row {row} (line {line}): rows do not match the header (this one has "
                            f"{len(record)} columns, the header {len(headers)}; it starts "
                            f"{shown(delimiter.join(record), 40)}) - fix that row or re-export the CSV")
    finally:
        csv.field_size_limit(limit)


QUOTED_VALUE = re.compile(r'"[^"]*(?:""[^"]*)*("?)')


def _open_column(path: Path, line: int, read_on: int, delimiter: str) -> int | None:
    """The column (0-based) of the row starting on `line` whose quote is left open: the first quoted
    value that runs over a line end and then is not closed, or is closed by a quote something
    follows (the quote that opened the next value). Read from the row's lines again (a few)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        text = "".join(itertools.islice(handle, line - 1, line + min(read_on, 200)))
    plain = re.compile(f"[^{re.escape(delimiter)}\r\n]*")
    position, column = 0, 0
    while position < len(text):
        if text[position] == '"':
            quoted = QUOTED_VALUE.match(text, position)
            assert quoted is not None  # the pattern matches any text starting with a quote
            position = quoted.end()
            if not quoted.group(1):  # runs to the end of the file (or of the lines read again)
                return column
            spans_lines = "\n" in quoted.group() or "\r" in quoted.group()
            if spans_lines and position < len(text) and text[position] not in f"{delimiter}\r\n":
                return column
        position = plain.match(text, position).end()  # type: ignore[union-attr]  # `*` matches anywhere
        if position >= len(text) or text[position] != delimiter:
            return None  # the row ended with every quote closed
        column += 1
        position += 1
    return None


def _trimmed(chunk: pa.Array) -> pa.Array:
    """White space trimmed off both ends of every value; a block none of whose values starts or
    ends with a byte that may be white space (ASCII, or any byte of a multi-byte character) is
    kept as it is: most are, and trimming copies every value (half a second for 1M descriptions)."""
    return pc.utf8_trim_whitespace(chunk) if _may_need_trim(chunk) else chunk


def _may_need_trim(chunk: pa.Array) -> bool:
    """Whether a value of the chunk starts or ends with a byte that may be white space."""
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
    data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8) if chunk.buffers()[2] else np.zeros(0, np.uint8)
    filled = offsets[1:] > offsets[:-1]
    edges = np.concatenate((data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]))
    return bool(((edges <= ord(" ")) | (edges >= 0x80)).any())  # ASCII white space is \t to \r and the space


def _field_values(columns: list[list[pa.Array]], has_nul: bool, longest: int | None) -> pd.Series:
    """One field's values from its columns' blocks (the reader's chunks, aligned across columns),
    a block at a time, each let go once used: trimmed, repeated headers (Labels x3) joined with
    "|", NUL taken out where the file holds one, cut to `longest` characters."""
    parts = []
    for block in range(len(columns[0])):
        part = _joined([_trimmed(column[block]) for column in columns])
        for column in columns:
            column[block] = None
        if has_nul:  # PostgreSQL text cannot hold NUL, and no title means one: both stores get the same text
            part = pa.array(part.to_pandas().str.replace("\x00", "", regex=False).str.strip(), pa.string())
        if longest is not None:
            part = pc.utf8_slice_codeunits(part, 0, longest)
        parts.append(part)
    # one contiguous array per column (the reader returns a chunk per block): the store loads
    # the frame from contiguous Arrow columns, which would otherwise copy them all at once. With
    # 64-bit offsets, as pandas keeps them: more than 2 GB of descriptions overflow 32-bit ones.
    return pa.chunked_array([part.cast(pa.large_string()) for part in parts], pa.large_string()).combine_chunks() \
        .to_pandas()


def _joined(columns: list[pa.Array]) -> pa.Array:
    """"a", "", "b" -> "a|b": the values of repeated headers, blanks dropped."""
    joined = columns[0]
    for column in columns[1:]:
        # Not null_handling="skip": pyarrow 26 drops the rows where every value is null, so the
        # column comes back shorter and misaligned.
        both = pc.binary_join_element_wise(joined, column, pa.scalar("|", column.type))
        joined = pc.if_else(pc.equal(joined, ""), column, pc.if_else(pc.equal(column, ""), joined, both))
    return joined
