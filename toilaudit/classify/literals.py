"""Word fragments a rule's pattern cannot match without, to skip the texts that hold none.

A rule such as `\\b(password|passwd)\\b.{0,20}\\breset` fires on a few titles in a thousand, yet
RE2 reads every byte of every title for it. Any match of it holds "password" or "passwd", so a
title holding neither cannot match: `required_fragments` works that out from the pattern's
syntax tree (Python's own parser, so it reads the pattern as `re` does), and the matcher scans
only the titles whose words contain one of the fragments (as in Russ Cox's "Regular Expression
Matching with a Trigram Index", with words in place of trigrams).

The analysis is conservative: where it cannot tell (a character class, `.*`, an unknown node),
it requires nothing, and a pattern with no requirement is scanned on every text. Fragments are
runs of ASCII letters, digits and `_`, lower-cased, so they hold no space and are found inside
one word of a text split at spaces. Case-insensitive matching can pair a fragment with text
beyond ASCII (the Kelvin sign matches "k"); such texts are decided by `re` anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

MAX_EXACT = 64
"""Past this many exact strings a node only requires things (`(a|b)(c|d)...` grows fast)."""
SMALL_CLASS = 4
"""A character class of at most this many literals (`[sz]`) is spelled out."""
WORD_RUN = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True)
class _Info:
    """What a node of the pattern says about its matches.

    `exact`: every string the node can match, when few (None: too many, or unknown);
    `required`: sets of strings; each match holds one string of every set as a substring.
    """

    exact: frozenset[str] | None
    required: tuple[frozenset[str], ...] = field(default=())


ANYTHING = _Info(None)
EMPTY = _Info(frozenset({""}))


def required_fragments(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Lower-case word fragments of which every match of `pattern` contains one, or None when
    the pattern requires none that can be told (it must then be searched in every text)."""
    try:
        tree = _parser.parse(pattern, flags)
    except re.error:
        return None
    best = _best(_sequence(tree))
    return None if best is None else _word_fragments(best)


def _word_fragments(strings: frozenset[str]) -> frozenset[str] | None:
    """Each string's longest run of word characters: one of the runs is in every match. None when
    a string has no such run (the set then requires nothing a word index can see)."""
    runs = set()
    for text in strings:
        pieces = WORD_RUN.findall(text.lower())
        if not pieces:
            return None
        runs.add(max(pieces, key=len))
    return frozenset(runs)


def _selectivity(fragments: frozenset[str]) -> tuple[int, int]:
    # a longer shortest fragment is rarer in text; of two as long, fewer alternatives
    return min(map(len, fragments)), -len(fragments)


def _best(info: _Info) -> frozenset[str] | None:
    """The one set of strings that best stands for a node, or None if it requires nothing."""
    candidates = [*info.required, *([info.exact] if info.exact is not None and "" not in info.exact else [])]
    scored = [(words, strings) for strings in candidates if (words := _word_fragments(strings)) is not None]
    if not scored:
        return None
    return max(scored, key=lambda pair: _selectivity(pair[0]))[1]


def _sequence(nodes) -> _Info:
    """Nodes one after another: exact strings joined while few; a run broken by an unknown node
    (`.{0,50}`) is required as it stands, and the sequence is no longer exact."""
    run: frozenset[str] = frozenset({""})
    required: list[frozenset[str]] = []
    broken = False
    for node in nodes:
        info = _node(*node)
        required.extend(info.required)
        if info.exact is not None and len(run) * len(info.exact) <= MAX_EXACT:
            run = frozenset(a + b for a in run for b in info.exact)
            continue
        _require(required, run)
        run = info.exact if info.exact is not None else frozenset({""})
        broken = True
    if broken:
        _require(required, run)
        return _Info(None, tuple(required))
    return _Info(run, tuple(required))


def _require(required: list[frozenset[str]], strings: frozenset[str]) -> None:
    if "" not in strings:  # a run that may match nothing requires nothing
        required.append(strings)


def _node(op, value) -> _Info:
    if op is sre.LITERAL:
        return _Info(frozenset({chr(value)}))
    if op is sre.AT:  # \b, ^, $: zero width, so the strings on either side stay joined
        return EMPTY
    if op is sre.IN:
        if len(value) <= SMALL_CLASS and all(kind is sre.LITERAL for kind, _ in value):
            return _Info(frozenset(chr(code) for _, code in value))
        return ANYTHING
    if op is sre.SUBPATTERN:
        return _sequence(value[3])
    if op is sre.ATOMIC_GROUP:
        return _sequence(value)
    if op is sre.BRANCH:
        return _branch([_sequence(alternative) for alternative in value[1]])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        least, most, item = value
        info = _sequence(item)
        if least == most == 1:
            return info
        if least == 0:
            optional = most == 1 and info.exact is not None
            return _Info(info.exact | {""}) if optional else ANYTHING  # type: ignore[operator]
        return _Info(None, info.required + ((info.exact,) if info.exact is not None and "" not in info.exact else ()))
    # any character, a category (\w), a look-around, a back-reference: nothing known
    return ANYTHING


def _branch(alternatives: list[_Info]) -> _Info:
    """One of the alternatives: their exact strings together, or one required set from each."""
    if all(info.exact is not None for info in alternatives):
        union = frozenset(text for info in alternatives for text in info.exact or ())
        if len(union) <= MAX_EXACT:
            return _Info(union)
    chosen: set[str] = set()
    for info in alternatives:
        best = _best(info)
        if best is None:
            return ANYTHING  # an alternative that requires nothing lets every text through
        chosen |= best
    return _Info(None, (frozenset(chosen),))
