"""Which rules match which texts, with Python's `re` semantics at RE2 speed.

Rule patterns are Python regexes. Where a pattern means the same in RE2 (pyarrow's regex
kernel), RE2 scans all texts at once, about twenty times faster than `re` on the default
pack. The two engines agree on printable-ASCII text (`\\b`, `\\w`, `\\s` and case folding
only differ beyond ASCII), so any other text, and every pattern RE2 rejects or reads
differently, is decided by `re` itself: the result is always what `re` would say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from toilaudit.classify.interface import Rule

PRINTABLE_ASCII = r"^[ -~]*$"
# Syntax both engines accept but read differently: `{,n}` (RE2: literal text) and POSIX
# classes like `[[:alpha:]]` (Python: a plain character set).
READ_DIFFERENTLY = re.compile(r"\{,|\[:")


def _re2_accepts(pattern: str) -> bool:
    if READ_DIFFERENTLY.search(pattern):
        return False
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern, ignore_case=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False  # look-around, back-references, \Z, \uXXXX, verbose mode ...
    return True


def _python_search(pattern: re.Pattern[str], texts: list[str]) -> np.ndarray:
    return np.fromiter((pattern.search(t) is not None for t in texts), bool, len(texts))


def match_rules(texts: pa.Array, rules: Sequence[Rule]) -> dict[str, np.ndarray]:
    """Rule id -> whether its pattern is found in each text (case-insensitive search)."""
    plain = pc.match_substring_regex(texts, PRINTABLE_ASCII).to_numpy(zero_copy_only=False)
    others = np.flatnonzero(~plain)
    other_texts = texts.take(pa.array(others, pa.int64())).to_pylist()
    all_texts: list[str] | None = None
    matches = {}
    for rule in rules:
        if rule.pattern.flags & ~(re.IGNORECASE | re.UNICODE) == 0 and _re2_accepts(rule.pattern.pattern):
            found = pc.match_substring_regex(texts, rule.pattern.pattern, ignore_case=True)
            hits = np.array(found.to_numpy(zero_copy_only=False), dtype=bool)
            hits[others] = _python_search(rule.pattern, other_texts)
        else:
            all_texts = texts.to_pylist() if all_texts is None else all_texts
            hits = _python_search(rule.pattern, all_texts)
        matches[rule.id] = hits
    return matches
