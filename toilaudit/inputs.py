"""The one way toilaudit reads the small files people hand it: rule packs, column maps, answers,
question banks. Every YAML reader goes through `load_yaml`, which allows safe tags only and
refuses, by name, what would exhaust the machine: a file over MAX_CHARS, nesting deeper than
MAX_DEPTH, or more than MAX_NODES nodes once its aliases are expanded. A 1 KB alias bomb once
took 109 s and 11 GB in one reader and was refused in 0.5 s by another (#15); now they share this.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from toilaudit.errors import ToilauditError, shown

# libyaml when present: the default rule pack parses in 10 ms instead of 100
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_CHARS = 1_000_000  # the default rule pack is 40 KB; a site's own pack or answers are smaller
MAX_DEPTH = 32  # ours nest four deep
MAX_NODES = 100_000  # scalars and collections, an alias counting as everything it stands for
MAX_DIGITS = 100
# YAML 1.1 integers: decimal, octal (0777), hex, binary and base 60 (1:30)
NUMBER_LIKE = re.compile(r"^[-+]?(?:0x[0-9a-fA-F_]+|0b[01_]+|[0-9][0-9_:.]*)$")


class _Refused(Exception):
    pass


def read_text_file(path: Path, error: type[ToilauditError], option: str) -> str:
    """A small UTF-8 text file given with `option`, or one line saying why it cannot be read."""
    path = Path(path)
    where = path.name or str(path)
    try:
        if path.is_dir():
            raise error(f"{where}: is a folder - give {option} a file")
        if path.stat().st_size > MAX_CHARS * 4:  # UTF-8 takes at most 4 bytes a character
            raise error(f"{where}: larger than {MAX_CHARS:,} characters - give {option} the file it expects")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{where}: no such file - check the {option} path") from None
    except UnicodeDecodeError:
        raise error(f"{where}: not UTF-8 text - save it as UTF-8") from None
    except OSError as exc:
        raise error(f"{where}: cannot be read ({exc.strerror or type(exc).__name__}) - check the {option} path "
                    "and its permissions") from None


def load_yaml(text: str, where: str, error: type[ToilauditError], fix: str) -> Any:
    """Parse YAML safely within the limits, or raise `error` with one line ending in `fix`."""
    try:
        if len(text) > MAX_CHARS:
            raise _Refused(f"{len(text):,} characters, more than the {MAX_CHARS:,} allowed")
        _check_shape(text)
        return yaml.load(text, Loader=LOADER)
    except _Refused as exc:
        raise error(f"{where}: {exc} - {fix}") from None
    except yaml.YAMLError as exc:
        raise error(f"{where}: not valid YAML ({_reason(exc)}) - {fix}") from None
    except Exception as exc:
        # they cannot build (2026-02-31, `!!timestamp 1`, `!!int abc`): each is a bad value in the file
        raise error(f"{where}: a value YAML cannot read ({type(exc).__name__}: {shown(str(exc), 60)[1:-1]}) - "
                    f"quote it or {fix}") from None


def _reason(exc: yaml.YAMLError) -> str:
    """The parser's complaint and where, on one short line."""
    problem = getattr(exc, "problem", None) or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark is not None else ""
    return shown(str(problem), 80)[1:-1] + where


def _check_shape(text: str) -> None:
    """Walk the parser's events (cheap: nothing is built) and refuse a document too deep or too big.

    An alias adds the size of its anchor's node: that is what a reader walking the loaded data
    (or printing it in a message) would meet, and where an alias bomb's billions come from.
    """
    total = 0
    anchored: dict[str, int] = {}
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, nodes before it)
    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            open_nodes.append((event.anchor, total))
            total += 1
            if len(open_nodes) > MAX_DEPTH:
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            anchor, before = open_nodes.pop()
            if anchor is not None:
                anchored[anchor] = total - before
        elif isinstance(event, ScalarEvent):
            total += 1
            if event.anchor is not None:
                anchored[event.anchor] = 1
            if len(event.value) > MAX_DIGITS and NUMBER_LIKE.match(event.value):
                # YAML would build an integer too long to print (Python refuses past 4,300 digits)
                raise _Refused(f"a number of more than {MAX_DIGITS} digits")
        elif isinstance(event, AliasEvent):
            if event.anchor not in anchored:
                inside = any(anchor == event.anchor for anchor, _ in open_nodes)
                raise _Refused(f"alias *{shown(event.anchor, 30)[1:-1]} "
                               + ("refers to a node that contains it" if inside else "has no anchor"))
            total += anchored[event.anchor]
        if total > MAX_NODES:
            raise _Refused(f"more than {MAX_NODES:,} values once its aliases are expanded")
