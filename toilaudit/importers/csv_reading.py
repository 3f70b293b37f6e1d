"""Reading an export file as people really have it: UTF-8 with or without BOM, Windows-1252
from Excel, repeated headers, quoted newlines. Every failure is one line naming the file,
the problem and the fix.
"""

from __future__ import annotations

import csv
import hashlib
import io
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
from toilaudit.importers.columns import match_columns, normalise_header

ENCODINGS = ("utf-8", "cp1252")  # Excel on Windows saves CSV as Windows-1252
SNIFF_BYTES = 64 * 1024
# Excel writes ";" where the decimal mark is a comma (much of Europe), and tabs as "Unicode Text"
DELIMITERS = (",", ";", "\t")
READ_BLOCK_BYTES = 1 << 24  # the parser's block: its threads parse one each; fields are made a block at a time


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


def file_sha256(path: Path) -> tuple[str, bool]:
    """The file's SHA-256, and whether it holds a NUL byte (found in the same pass)."""
    digest = hashlib.sha256()
    has_nul = False
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            has_nul = has_nul or b"\x00" in block
    return digest.hexdigest(), has_nul


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
) -> ExportTable:
    """Read the columns of `path` that feed WorkItem fields, or raise one clear InputFileError.

    `single_line`: fields that never hold a line break (field -> header name, for messages).
    `longest`: fields kept to at most so many characters (field -> characters), cut as they are
    read: a million long descriptions are not held whole, then cut.
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
    _check_mapped_headers(headers, user_map, where)
    missing = [field for field in required if field not in positions]
    if missing:
        found = _first_headers(headers)
        hint = "not a CSV export? " if len(headers) < 2 else ""
        # each field with the header that usually holds it ("issue key"): a user knows the headers, --columns the fields
        wanted_columns = ", ".join(f'{field} ("{aliases[field][0]}")' if aliases.get(field) else field for field in missing)
        raise InputFileError(
            f"{where}: {hint}no column for {wanted_columns} (found {found}) - "
            f"export {source} as CSV with those columns or map yours with --columns"
        )
    wanted = sorted({i for found in positions.values() for i in found})
    # The hash and the per-field Arrow kernels run in threads: all release the GIL.
    with ThreadPoolExecutor(max_workers=2) as pool:
        digest = pool.submit(file_sha256, path)
        table = _read_columns(path, encoding, len(headers), wanted, delimiter)
        rows = table.num_rows
        if rows == 0:
            raise InputFileError(f"{where}: no rows under the header - export the {source} again, with the rows")
        broken = [field for field in single_line if field in positions
                  and any(_may_hold_line_break(table.column(f"c{i}")) for i in positions[field])]
        # each field's columns' blocks, without the table: a block is let go once the fields it
        # feeds are made (a column may feed two: PagerDuty's Incident Number, key and number)
        blocks = {field: [table.column(f"c{i}").chunks for i in found] for field, found in positions.items()}
        del table
        sha256, has_nul = digest.result()

        def values(field: str) -> pd.Series:
            return _field_values(blocks.pop(field), has_nul, longest.get(field))

        fields = dict(zip(positions, pool.map(values, positions)))
        _check_single_line(fields, {field: single_line[field] for field in broken}, where)
        return ExportTable(path, sha256, fields, rows)


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


def _read_columns(path: Path, encoding: str, width: int, wanted: list[int], delimiter: str = ",") -> pa.Table:
    """Read only the wanted columns with pyarrow's multi-threaded parser, all as strings."""
    names = [f"c{i}" for i in range(width)]
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
            return _read_columns(path, "cp1252", width, wanted, delimiter)
        ragged = re.search(r"Expected (\d+) columns, got (\d+): ?(.*)", message)
        if ragged:
            expected, got, row = ragged.groups()
            hint = "a quote left open? " if row.count('"') % 2 else ""
            raise InputFileError(
                f"{path.name}: rows do not match the header (a row has {got} columns, the header {expected}; it "
                f"starts {shown(row, 40)}) - {hint}fix that row or re-export the CSV"
            ) from None
        raise InputFileError(f"{path.name}: not a readable CSV ({shown(message, 80)}) - export as CSV") from None


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
