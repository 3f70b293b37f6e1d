"""Which rules match which texts, with Python's `re` semantics at RE2 speed.

Rule patterns are Python regexes. Where a pattern means the same in RE2 (pyarrow's regex
kernel), RE2 scans all texts at once, about twenty times faster than `re` on the default
pack. The two engines agree on printable-ASCII text (`\\b`, `\\w`, `\\s` and case folding
only differ beyond ASCII), so any other text, and every pattern RE2 rejects or reads
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
        return start_matching(texts, rules, pool)()


def start_matching(texts: pa.Array, rules: Sequence[Rule], pool: ThreadPoolExecutor
                   ) -> Callable[[], dict[str, np.ndarray]]:
    """Queue the RE2 scans on `pool` (one rule each: Arrow releases the GIL, so every core
    scans); the function returned waits for them and runs `re` on the calling thread, the main
    one, where its time budget can interrupt it."""
    plain = pc.match_substring_regex(texts, PRINTABLE_ASCII).to_numpy(zero_copy_only=False)
    others = np.flatnonzero(~plain)
    by_re2 = [rule for rule in rules
              if rule.pattern.flags & ~(re.IGNORECASE | re.UNICODE) == 0 and _re2_accepts(rule.pattern.pattern)]

    def scan(rule: Rule) -> np.ndarray:
        found = pc.match_substring_regex(texts, rule.pattern.pattern, ignore_case=True)
        return np.array(found.to_numpy(zero_copy_only=False), dtype=bool)

    scans = {rule.id: pool.submit(scan, rule) for rule in by_re2}

    def finish() -> dict[str, np.ndarray]:
        other_texts = texts.take(pa.array(others, pa.int64())).to_pylist()
        all_texts: list[str] | None = None
        matches = {}
        for rule in rules:
            if rule.id in scans:
                hits = scans[rule.id].result()
                hits[others] = _python_search(rule, other_texts)
            else:
                all_texts = texts.to_pylist() if all_texts is None else all_texts
                hits = _python_search(rule, all_texts)
            matches[rule.id] = hits
        return matches
    return finish
