"""Which rules match which texts, with Python's `re` semantics at RE2 speed.

Rule patterns are Python regexes. Where a pattern means the same in RE2 (pyarrow's regex
kernel), RE2 scans all texts at once, about twenty times faster than `re` on the default
pack, and only the texts holding a word fragment the pattern cannot match without
(literals.py): a rule fires on a few titles in a thousand, and most hold none of its words.
The two engines agree on printable-ASCII text (`\\b`, `\\w`, `\\s` and case folding only
differ beyond ASCII), so any other text, and every pattern RE2 rejects or reads
differently, is decided by `re` itself: the result is always what `re` would say.

RE2 runs in linear time; `re` backtracks, and a pattern such as `^(\\w+\\s?)+$` takes hours on
one 30-word title ending in "é". So each pattern gets a time budget on the `re` side, and a
pattern that overruns it is refused by id (#15): a ticket's text can never stall an import.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from toilaudit.classify.features import worker_pool
from toilaudit.classify.interface import Rule, RulePackError
from toilaudit.classify.literals import required_fragments
from toilaudit.errors import shown

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


# A pattern's budget on the `re` side: a second, plus 20 microseconds a text (a plain pattern
# takes about one), so a million texts may take 21 s and a backtracking pattern stops there.
BUDGET_SECONDS = 1.0
BUDGET_SECONDS_PER_TEXT = 20e-6


class _OverBudget(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise _OverBudget in the block after `seconds`: `re` checks for signals while it backtracks,
    so SIGALRM interrupts even a single catastrophic search. Signals reach the main thread only;
    elsewhere (a library caller's thread) the block runs without a limit."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise _OverBudget

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _python_search(rule: Rule, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros(0, dtype=bool)
    budget = BUDGET_SECONDS + BUDGET_SECONDS_PER_TEXT * len(texts)
    try:
        with _time_limit(budget):
            return np.fromiter((rule.pattern.search(t) is not None for t in texts), bool, len(texts))
    except _OverBudget:
        raise RulePackError(
            f"rule {rule.id}: its pattern {shown(rule.pattern.pattern, 50)} ran over its {budget:.0f} s budget on "
            f"{len(texts):,} titles (nested repeats backtrack) - rewrite it without nested repeats, look-arounds or "
            "back-references (so RE2 runs it), or disable it; then run toilaudit classify --rules FILE"
        ) from None


def match_rules(texts: pa.Array, rules: Sequence[Rule]) -> dict[str, np.ndarray]:
    """Rule id -> whether its pattern is found in each text (case-insensitive search)."""
    with worker_pool() as pool:
        found = start_matching(texts, rules, pool)()
    masks = {}
    for rule_id, rows in found.items():
        masks[rule_id] = np.zeros(len(texts), dtype=bool)
        masks[rule_id][rows] = True
    return masks


def start_matching(texts: pa.Array, rules: Sequence[Rule], pool: ThreadPoolExecutor
                   ) -> Callable[[], dict[str, np.ndarray]]:
    """Queue the RE2 scans on `pool` (a slice of texts each: Arrow releases the GIL, so every
    core scans); the function returned waits for them and runs `re` on the calling thread, the
    main one, where its time budget can interrupt it. It returns, per rule id, the positions of
    the texts its pattern is found in, in order: a rule fires on a few texts in a thousand, so
    positions take far less than a flag per text (37 rules over 5M titles: 185 MB of flags)."""
    plain = pc.match_substring_regex(texts, PRINTABLE_ASCII).to_numpy(zero_copy_only=False)
    others = np.flatnonzero(~plain)
    by_re2 = [rule for rule in rules
              if rule.pattern.flags & ~(re.IGNORECASE | re.UNICODE) == 0 and _re2_accepts(rule.pattern.pattern)]
    # a few thousand texts are scanned whole sooner than the patterns are analysed (60 ms a pack)
    prefilter = len(texts) >= PREFILTER_MIN_TEXTS
    fragments = {rule.id: required_fragments(rule.pattern.pattern, rule.pattern.flags) if prefilter else None
                 for rule in by_re2}
    slices = [(start, pool.submit(_scan_slice, texts.slice(start, SCAN_SLICE), by_re2, fragments))
              for start in range(0, len(texts), SCAN_SLICE)]

    def finish() -> dict[str, np.ndarray]:
        other_texts = texts.take(pa.array(others, pa.int64())).to_pylist()
        all_texts: list[str] | None = None
        matches = {}
        for rule in rules:
            if rule.id in fragments:
                by_slice = np.concatenate([start + done.result()[rule.id] for start, done in slices]
                                          or [np.zeros(0, np.int64)])
                # texts beyond printable ASCII are decided by `re`, whatever RE2 said of them
                by_python = others[_python_search(rule, other_texts)]
                matches[rule.id] = np.union1d(by_slice[~np.isin(by_slice, others)], by_python)
            else:
                all_texts = texts.to_pylist() if all_texts is None else all_texts
                matches[rule.id] = np.flatnonzero(_python_search(rule, all_texts))
        return matches
    return finish


SCAN_SLICE = 131_072
"""Texts per scanning task: both cores get work, and a slice's words stay a few megabytes."""
PREFILTER_MIN_TEXTS = 20_000
SCAN_ALL_SHARE = 0.5
"""Past this share of candidates, scanning them all costs less than picking them out."""


def _scan_slice(texts: pa.Array, rules: list[Rule], fragments: dict[str, frozenset[str] | None]
                ) -> dict[str, np.ndarray]:
    """Rule id -> the positions of the `texts` its pattern is found in, searched by RE2 in the
    texts whose words hold one of the rule's fragments (literals.py) only."""
    candidates = _candidates(texts, {rule_id: found for rule_id, found in fragments.items() if found})
    hits = {}
    for rule in rules:
        rows = candidates.get(rule.id)
        if rows is None or len(rows) > SCAN_ALL_SHARE * len(texts):
            hits[rule.id] = np.flatnonzero(_re2_search(texts, rule))
        else:
            hits[rule.id] = rows[_re2_search(texts.take(pa.array(rows)), rule)]
    return hits


def _re2_search(texts: pa.Array, rule: Rule) -> np.ndarray:
    found = pc.match_substring_regex(texts, rule.pattern.pattern, ignore_case=True)
    return np.array(found.to_numpy(zero_copy_only=False), dtype=bool)


def _candidates(texts: pa.Array, fragments: dict[str, frozenset[str]]) -> dict[str, np.ndarray]:
    """Rule id -> the texts holding a word that contains one of its fragments.

    Words are split at spaces only: a fragment never holds one, so where a text holds it, one
    word does (the few texts with tabs or line breaks are decided by `re` anyway). Each distinct
    word is tested once per rule (a slice of titles holds far fewer distinct words than bytes),
    then a bit per rule is carried from the words to their texts.
    """
    words = pc.split_pattern(texts, " ")
    offsets = words.offsets.to_numpy()
    encoded = pc.dictionary_encode(words.flatten())
    word_codes = encoded.indices.to_numpy(zero_copy_only=False)
    vocabulary = pc.ascii_lower(encoded.dictionary)
    has_words = np.diff(offsets) > 0
    candidates = {}
    ids = list(fragments)
    for first in range(0, len(ids), 64):  # 64 rules to a uint64
        chunk = ids[first:first + 64]
        word_bits = np.zeros(len(vocabulary), dtype=np.uint64)
        for bit, rule_id in enumerate(chunk):
            alternatives = "|".join(re.escape(fragment) for fragment in sorted(fragments[rule_id]))
            holds = pc.match_substring_regex(vocabulary, alternatives).to_numpy(zero_copy_only=False)
            word_bits |= holds.astype(np.uint64) << np.uint64(bit)
        text_bits = np.zeros(len(texts), dtype=np.uint64)
        if len(word_codes):
            text_bits[has_words] = np.bitwise_or.reduceat(word_bits[word_codes], offsets[:-1][has_words])
        for bit, rule_id in enumerate(chunk):
            candidates[rule_id] = np.flatnonzero(text_bits & (np.uint64(1) << np.uint64(bit)))
    return candidates
