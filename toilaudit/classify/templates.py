"""Titles to templates: the repetition signal.

"Restart payment-service on host-17" and "Restart payment-service on host-23" are the same
request. Two stages, both on distinct texts, never per item:

1. match text: lower-case; URLs, e-mails, IPs, UUIDs and digit runs become placeholders
   (pyarrow's RE2 kernels, so a million titles take a second, not a minute). Rules are
   matched on this text, once per distinct value.
2. group template (see group_templates): identifiers, rare tokens and variable slots become
   `*`, counted on token codes and hashes with numpy, so hundreds of thousands of distinct
   titles take seconds and stay within memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toilaudit import slot_pairs
from toilaudit.classify.features import string_bytes, worker_pool
from toilaudit.sorted_arrays import distinct, distinct_of_sorted

T = TypeVar("T")

SPACES_TEST = "white space but one space"
# Applied in order to lower-cased text; RE2 syntax (no look-around). Each names a cheap test
# (text_tests) that every text it could change passes: the rewrite then runs on those texts
# alone, which on long descriptions is most of the cost. The result is the same as rewriting
# every text.
PLACEHOLDERS = (
    # a reply's or forward's mark, as mail-fed trackers keep it ("RE: FW: Add ssh key"): the same request
    (r"^(?:\s*(?:re|fw|fwd|aw|wg|sv|tr)\s*:)+", " ", "reply mark"),
    (r"https?://\S+", " <url> ", "http"),
    (r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", " <email> ", "at sign"),
    (r"\b\d{1,3}(\.\d{1,3}){3}(/\d+|:\d+)?\b", " <ip> ", "digit dot digit"),
    (r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", " <id> ", "8 hex digits"),
    (r"\b[0-9a-f]{8,}\b", " <id> ", "8 hex digits"),  # commit hashes, request ids
    (r"\d+", "0", "a number but a lone 0"),  # a lone 0 is already what it would become
    (r"\s+", " ", SPACES_TEST),  # RE2's \s: a single space stays one; last (spaces=False)
)
RARE_TOKEN_ITEMS = 3
HAS_LETTER = re.compile(r"[a-z]")
STOPWORDS = frozenset(
    ["a", "an", "the", "to", "for", "on", "in", "of", "at", "by", "with", "from", "and", "or", "is", "are", "be",
     "please", "pls", "can", "we", "need", "needs", "new", "our", "my", "request", "req", "re", "fw", "fwd", "urgent",
     "asap", "-", "for:", "via", "into", "onto", "as", "it", "this", "that"]
)


def match_texts(titles: pd.Series | pa.Array, spaces: bool = True) -> pa.Array:
    """Lower-cased titles with variable parts replaced by placeholders (see module doc).

    `spaces=False` leaves runs of white space as they are: for texts only ever split into words
    (descriptions), where they change nothing and their rewrite is the costliest step.
    """
    if isinstance(titles, pd.Series):
        titles = pa.array(titles.fillna("").astype(str), type=pa.string())
    if isinstance(titles, pa.ChunkedArray):  # Arrow-backed pandas strings arrive chunked
        titles = titles.combine_chunks()
    text = pc.utf8_lower(titles)
    text = pc.replace_substring(text, "|", " ")  # labels are joined with |
    # The tests read the text before any rewrite: a rewrite puts in no digit, dot, "@", "http" or
    # run of hex digits (and its spaces keep the text on either side apart), so it makes no text
    # pass a later test. Its spaces may double a space, though: that test reads the rewritten text.
    steps = PLACEHOLDERS if spaces else PLACEHOLDERS[:-1]
    passes = text_tests(text, {test for *_, test in steps if test != SPACES_TEST})
    for pattern, replacement, test in steps:
        rows = text_tests(text, {test})[test] if test == SPACES_TEST else passes[test]
        text = _replace_where(text, rows, pattern, replacement)
    return pc.utf8_trim_whitespace(text) if spaces else text


def text_tests(texts: pa.Array, names: set[str]) -> dict[str, np.ndarray]:
    """Per text, whether it passes each of the tests `names` (those PLACEHOLDERS names). Most are
    read from the texts' UTF-8 bytes with numpy, where a match across two texts' boundary counts
    for the second (more texts rewritten, never fewer); "http" and runs of hex digits are searched
    per text by Arrow, which is quicker for them (on a million descriptions 0.33 s against 0.77 s,
    and 0.45 s against 0.87 s)."""
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    offsets, data = string_bytes(texts)
    starts = offsets[:-1]

    def texts_holding(hits: np.ndarray) -> np.ndarray:
        """Per text, whether a match starts in it (`hits` per byte)."""
        found = np.zeros(len(texts), dtype=bool)
        found[np.searchsorted(starts, np.flatnonzero(hits), side="right") - 1] = True
        return found

    def sequence(*classes: np.ndarray) -> np.ndarray:
        """Per byte: the first class holds there, the second at the next byte, and so on."""
        hits = classes[0].copy()
        for place, later in enumerate(classes[1:], start=1):
            last = max(len(hits) - place, 0)  # where a match of this length could still start
            hits[:last] &= later[place:]
            hits[last:] = False
        return hits

    @cache
    def digit() -> np.ndarray:
        return _between(data, "0", "9")  # RE2's \d: ASCII digits only

    def white_space() -> np.ndarray:
        # RE2's \s: ASCII white space only, \t \n \f \r and the space (not \v)
        space = data == ord(" ")
        return (_between(data, "\t", "\r") & (data != ord("\v"))) | sequence(space, space)

    per_byte = {
        "at sign": lambda: data == ord("@"),
        "digit dot digit": lambda: sequence(digit(), data == ord("."), digit()),
        "a number but a lone 0": lambda: _between(data, "1", "9") | sequence(digit(), digit()),
        SPACES_TEST: white_space,
    }
    per_text = {
        "reply mark": lambda: pc.match_substring_regex(texts, r"^\s*(?:re|fw|fwd|aw|wg|sv|tr)\s*:"),
        "http": lambda: pc.match_substring(texts, "http"),
        "8 hex digits": lambda: pc.match_substring_regex(texts, "[0-9a-f]{8}"),
    }
    return {name: texts_holding(per_byte[name]()) if name in per_byte
            else per_text[name]().to_numpy(zero_copy_only=False) for name in names}


def _between(data: np.ndarray, low: str, high: str) -> np.ndarray:
    """Per byte, whether it lies from `low` to `high`: one subtraction that wraps below `low`
    and one comparison, several times quicker than looking each byte up in a table."""
    return (data - np.uint8(ord(low))) <= np.uint8(ord(high) - ord(low))


def _replace_where(text: pa.Array, rows: np.ndarray, pattern: str, replacement: str) -> pa.Array:
    """`pattern` replaced in the texts of `rows` only (the others cannot contain it)."""
    count = int(np.count_nonzero(rows))
    if count == 0:
        return text
    if count > len(text) // 2:  # most rows: one pass over all is cheaper than taking and putting back
        return pc.replace_substring_regex(text, pattern, replacement)
    mask = pa.array(rows)
    changed = pc.replace_substring_regex(text.filter(mask), pattern, replacement)
    return pc.replace_with_mask(text, mask, changed)


BY_LENGTH_FROM = 1 << 16
"""Fewer texts are encoded at once: their hash table is small, and a pass per length costs more."""


def distinct_texts(texts: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Each text's index into the distinct texts (int64), and those texts: dictionary_encode's
    result, the distinct texts in another order where there are many.

    Many texts are encoded a byte length at a time: texts of different lengths differ, and
    Arrow's hash table over every text at once holds about three times their bytes while it runs
    (750-850 MB more at 5M templates, against 370 MB this way, in the same time)."""
    if len(texts) < BY_LENGTH_FROM:
        encoded = texts.dictionary_encode()
        return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary
    lengths = pc.binary_length(texts).to_numpy(zero_copy_only=False)
    order = np.argsort(lengths, kind="stable")
    codes = np.empty(len(texts), dtype=np.int64)
    values, found = [], 0
    for rows in np.split(order, np.flatnonzero(np.diff(lengths[order])) + 1):
        encoded = texts.take(pa.array(rows)).dictionary_encode()
        codes[rows] = encoded.indices.to_numpy(zero_copy_only=False) + found
        values.append(encoded.dictionary)
        found += len(encoded.dictionary)
    return codes, pa.concat_arrays(values)


def distinct_values(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Each value's index into the distinct values, and those values (blank for missing)."""
    array = pa.array(values.fillna(""), type=pa.string(), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):  # Arrow-backed pandas strings arrive chunked
        array = array.combine_chunks()
    return distinct_texts(array)


def group_templates(distinct: pa.Array, item_counts: np.ndarray, counts: TemplateCounts | None = None) -> pa.Array:
    """For each distinct match text, its group template: the parts that vary become `*`.

    Three steps, from cheapest to widest:
    1. identifier tokens (letters and digits: hosts, CVEs, job ids) become `*`;
    2. rare tokens (in fewer than RARE_TOKEN_ITEMS items: user and customer names) become `*`;
    3. slot masking, as log-template miners do (Drain, He et al. 2017): a position, or two
       adjacent positions (a first and last name), where at least SLOT_MIN_TEXTS distinct texts
       differ only there is a variable slot. A template keeps at least half its concrete
       words, so short titles never collapse into one group.
    Texts stay Arrow strings throughout: a million Python strings would cost a gigabyte.

    With `counts`, the counts behind steps 2 and 3 are kept in it (see TemplateCounts).
    """
    step1 = _wildcard_identifiers(distinct)
    tokens = _tokenize(step1)
    held = _held(tokens)
    token_items = _token_items(tokens, item_counts, held)
    if counts is not None:
        counts.keep_tokens(tokens.vocabulary, token_items, held)
    step2, step2_tokens = _star_rare_tokens(step1, tokens, token_items)
    del step1, tokens, held
    slots: list[np.ndarray] | None = [] if counts is not None else None
    masked = mask_variable_slots(step2, slots, step2_tokens)
    del step2, step2_tokens  # the texts before the slot step: not held beside its result
    templates = collapse_stars(masked)
    if counts is not None and slots is not None:
        counts.keep_texts(distinct, item_counts, templates, slots)
    return templates


def collapse_stars(texts: pa.Array) -> pa.Array:
    """Runs of `*` (with the separators between them) become one `*`: the last step of a template.
    Only texts holding two stars can hold a run (a regex over 5M texts held three times their bytes)."""
    two_stars = pc.count_substring(texts, "*").to_numpy(zero_copy_only=False) >= 2
    return _replace_where(texts, two_stars, r"\*(?:[ \-_./:]*\*)+", "*")


def masked_texts(texts: pa.Array, token_items: Callable[[list[str]], np.ndarray]) -> pa.Array:
    """Steps 1 and 2 of group_templates for some texts, the items holding each token given by
    `token_items` (vocabulary -> counts), as counted over every stored text (relabel.py)."""
    step1 = _wildcard_identifiers(texts)
    tokens = _tokenize(step1)
    return _star_rare_tokens(step1, tokens, token_items(tokens.vocabulary))[0]


def step1_tokens(texts: pa.Array) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The tokens rare-token counting sees in each text (after step 1): vocabulary, and the
    distinct (text row, token code) pairs, each text holding a token once."""
    tokens = _tokenize(_wildcard_identifiers(texts))
    held = _held(tokens)
    return tokens.vocabulary, held // max(len(tokens.vocabulary), 1), held % max(len(tokens.vocabulary), 1)


def rare_candidate(vocabulary: list[str]) -> np.ndarray:
    """Tokens that become `*` when fewer than RARE_TOKEN_ITEMS items hold them (words, not stopwords)."""
    return np.array([HAS_LETTER.search(token) is not None and token not in STOPWORDS for token in vocabulary],
                    dtype=bool)


@dataclass
class TemplateCounts:
    """What the templates of every stored text rest on, kept so that an import can update them
    without mining the whole store again (relabel.py):
    - per distinct match text: its items and its template;
    - per token (after step 1): how many items hold it, and for the tokens held by fewer than
      RARE_TOKEN_ITEMS items (the rare ones), which texts hold them;
    - per candidate slot of every text (step 3): its variant's hash (32 bits: a collision only
      makes an import look at more texts), so that the texts sharing a variant can be found;
      kept as pairs of variant and text (toilaudit.slot_pairs), the layout the store sorts.
    Text rows index `texts`.
    """

    texts: pa.Array | None = None
    items: np.ndarray | None = None
    templates: pa.Array | None = None
    tokens: list[str] = field(default_factory=list)
    token_items: np.ndarray | None = None
    rare_tokens: np.ndarray | None = None
    """Codes into `tokens`, with `rare_texts`: the holders of each rare token."""
    rare_texts: np.ndarray | None = None
    slots: np.ndarray = field(default_factory=lambda: slot_pairs.empty(0))
    """A pair of variant and text row per candidate slot of a text."""

    def keep_texts(self, texts: pa.Array, items: np.ndarray, templates: pa.Array, slots: list[np.ndarray]) -> None:
        self.texts, self.items, self.templates = texts, np.asarray(items, dtype=np.int64), templates
        self.slots = slots[0] if slots else slot_pairs.empty(0)

    def keep_tokens(self, vocabulary: list[str], token_items: np.ndarray, held: np.ndarray) -> None:
        rare = (token_items < RARE_TOKEN_ITEMS) & rare_candidate(vocabulary)
        held = held[rare[held % len(vocabulary)]] if len(vocabulary) else held
        self.tokens, self.token_items = vocabulary, token_items.astype(np.int64)
        self.rare_tokens, self.rare_texts = held % max(len(vocabulary), 1), held // max(len(vocabulary), 1)


IDENTIFIER = re.compile(r"(?<![\w<])(?=[\w.-]*[a-z])(?=[\w.-]*\d)[\w.-]+")  # letters and digits: web-01, cve-2024


# The same rewrite in RE2 (no look-around): a maximal run of [\w.-] holding a letter and a digit.
# It equals IDENTIFIER on ASCII text, except after "<" (the look-behind): such texts, and any
# non-ASCII text (where Python's \w and \d are wider), go to `re`.
IDENTIFIER_RE2 = r"[\w.-]*[a-z][\w.-]*[0-9][\w.-]*|[\w.-]*[0-9][\w.-]*[a-z][\w.-]*"


def _wildcard_identifiers(texts: pa.Array) -> pa.Array:
    """Identifier tokens become `*`. Only texts with a digit (or beyond ASCII) can hold one."""
    has_digit = pc.match_substring_regex(texts, r"[0-9]")
    beyond_ascii = pc.invert(pc.string_is_ascii(texts))
    after_bracket = pc.match_substring_regex(texts, r"<[\w.-]*[0-9]")
    by_python = pc.or_(beyond_ascii, pc.and_(has_digit, after_bracket))
    by_re2 = pc.and_(has_digit, pc.invert(by_python))
    texts = _replace_where(texts, by_re2, IDENTIFIER_RE2, "*")
    if pc.any(by_python).as_py():
        rewritten = [IDENTIFIER.sub("*", text) for text in texts.filter(by_python).to_pylist()]
        texts = pc.replace_with_mask(texts, by_python, pa.array(rewritten, pa.string()))
    return texts


@cache  # called for every token of every slot trial; the vocabulary is small
def _is_concrete(token: str) -> bool:
    return token != "*" and token not in STOPWORDS and not token.startswith("<") and any(c.isalpha() for c in token)


@dataclass(slots=True)
class _Tokens:
    """Texts split on single spaces (as str.split(" ")), each token a code into the vocabulary."""

    lengths: np.ndarray
    """Tokens per text."""
    offsets: np.ndarray
    """Where each text's tokens start in `codes`; one more entry than texts."""
    codes: np.ndarray
    """Token codes (int32: Arrow's dictionary indices as they are), text after text."""
    vocabulary: list[str]
    concrete: np.ndarray
    """Per token (aligned with `codes`): a word that names the work (see _is_concrete)."""

    @property
    def parents(self) -> np.ndarray:
        """The text each token belongs to."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    def keep_rows(self, rows: np.ndarray) -> None:
        """Keep the tokens of some texts alone, in the order of `rows`. In place: the slot step's
        caller holds these tokens too, and a second copy of them is 400 MB at 5M titles."""
        lengths = self.lengths[rows]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        at = np.repeat(self.offsets[rows] - offsets[:-1], lengths) + np.arange(offsets[-1])
        self.lengths, self.offsets, self.codes, self.concrete = lengths, offsets, self.codes[at], self.concrete[at]

    def release(self) -> None:
        """Let the arrays go once used: the caller that handed them over still holds this object."""
        self.lengths = self.offsets = self.codes = self.concrete = np.zeros(0, np.int32)


def _tokenize(texts: pa.Array) -> _Tokens:
    split = pc.split_pattern(texts, " ")
    flat = split.flatten().dictionary_encode()
    vocabulary = flat.dictionary.to_pylist()
    codes = flat.indices.to_numpy(zero_copy_only=False)
    return _Tokens(
        lengths=pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64),
        offsets=split.offsets.to_numpy().astype(np.int64),
        codes=codes,
        vocabulary=vocabulary,
        concrete=np.array([_is_concrete(token) for token in vocabulary], dtype=bool)[codes],
    )


def _wildcard_rare_tokens(texts: pa.Array, item_counts: np.ndarray) -> pa.Array:
    """Tokens carried by fewer than RARE_TOKEN_ITEMS items become `*` (see _star_rare_tokens)."""
    tokens = _tokenize(texts)
    return _star_rare_tokens(texts, tokens, _token_items(tokens, item_counts, _held(tokens)))[0]


def _held(tokens: _Tokens) -> np.ndarray:
    """The distinct (text, token) pairs, as text * len(vocabulary) + token code, sorted."""
    pairs = tokens.parents * len(tokens.vocabulary) + tokens.codes
    pairs.sort()  # in place: 40M pairs at 5M titles, 330 MB not copied
    return distinct_of_sorted(pairs)


HELD_SLICE = 1 << 22


def _token_items(tokens: _Tokens, item_counts: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Items carrying each token: a text counts once per token it holds, weighted by its items.
    A slice of `held` at a time: its codes, texts and weights at once were a gigabyte at 5M titles.
    The counts are whole numbers, so the sums are exact whichever way they are split."""
    vocabulary = len(tokens.vocabulary)
    counts = np.zeros(vocabulary)
    for start in range(0, len(held), HELD_SLICE):
        part = held[start:start + HELD_SLICE]
        counts += np.bincount(part % vocabulary, weights=item_counts[part // vocabulary], minlength=vocabulary)
    return counts


def _star_rare_tokens(texts: pa.Array, tokens: _Tokens, token_items: np.ndarray) -> tuple[pa.Array, _Tokens]:
    """Tokens carried by fewer than RARE_TOKEN_ITEMS items (`token_items`, per vocabulary token)
    become `*`, unless that leaves a text fewer than two concrete words. Texts rebuilt by Arrow's
    list join (splitting on single spaces and joining with them gives every other text back as it
    was); their tokens too, as _tokenize would split them but for the vocabulary (the slot step
    reads tokens, and splitting a million texts again costs most of a second)."""
    parents, codes, vocabulary = tokens.parents, tokens.codes, tokens.vocabulary
    rare = (np.asarray(token_items) < RARE_TOKEN_ITEMS) & rare_candidate(vocabulary)
    rare_at = rare[codes]
    concrete_left = np.bincount(parents, weights=tokens.concrete & ~rare_at, minlength=len(texts))
    changed = np.zeros(len(texts), dtype=bool)
    changed[parents[rare_at]] = True
    changed &= concrete_left >= 2
    if not changed.any():
        return texts, tokens
    # one code for `*`, as splitting the texts again would give: equal texts, equal codes
    vocabulary = vocabulary if "*" in vocabulary else [*vocabulary, "*"]
    starred = rare_at & changed[parents]
    new_codes = np.where(starred, vocabulary.index("*"), codes)
    words = pa.array(vocabulary, pa.string()).take(pa.array(new_codes))
    rebuilt = pc.binary_join(pa.LargeListArray.from_arrays(pa.array(tokens.offsets, pa.int64()), words), " ")
    return pc.if_else(pa.array(changed), rebuilt, texts), _Tokens(
        lengths=tokens.lengths, offsets=tokens.offsets, codes=new_codes, vocabulary=vocabulary,
        concrete=tokens.concrete & ~starred)


SLOT_MIN_FILLERS = 3


def mask_variable_slots(texts: pa.Array, record: list[np.ndarray] | None = None,
                        tokens: _Tokens | None = None, neighbours: pa.Array | None = None) -> pa.Array:
    """Mask a slot (one token, or two adjacent) when SLOT_MIN_FILLERS different values fill it
    in texts that are otherwise identical.

    Hundreds of thousands of distinct titles make millions of candidate slots, too many for
    Python strings or sets (gigabytes). So each slot is a row of integers: the text with the
    slot starred and the slot's tokens are identified by polynomial hashes over token codes,
    and counted with pandas (see _variable_slots). Only the texts that have a variable slot are
    masked one by one. With `record`, every candidate slot is added to it, as one array of pairs
    of 32-bit variant hash and row of `texts` (see TemplateCounts). `tokens`: the texts' tokens,
    when the caller has them (used up: cut to the distinct texts in place, then released).
    `neighbours`: more texts whose fillers count, which are not masked (an import re-labelling a few
    texts needs their templates alone, decided by the slots they share with the neighbours).
    """
    wanted = len(texts)
    if neighbours is not None and len(neighbours):
        assert record is None and tokens is None, "neighbours are counted, never recorded"
        texts = pa.concat_arrays([texts, neighbours])
    indices, unique = distinct_texts(texts)
    first_rows = _first_rows(indices, len(unique))  # each distinct text is read at its first row
    if tokens is None:
        tokens = _tokenize(unique)
    else:
        tokens.keep_rows(first_rows)
    del unique  # the distinct texts are not kept through the step (280 MB at 5M titles)
    recorded: list[tuple[np.ndarray, np.ndarray]] | None = [] if record is not None else None
    slots = _variable_slots(tokens, recorded)
    tokens.release()  # before the recorded candidates are expanded: the import's peak
    if record is not None and recorded is not None:
        record.append(_expand(indices, first_rows, _recorded_slots(recorded)))
    if wanted < len(indices):
        texts, indices = texts.slice(0, wanted), indices[:wanted]
        slots = slots[slots["row"].isin(indices)]
    if slots.empty:
        return texts
    # per text, the most varied slots first; ties narrow-first, left to right
    slots = slots.sort_values(["row", "fillers", "width", "start"], ascending=[True, False, True, True])
    rows, starts, widths = (slots[name].tolist() for name in ("row", "start", "width"))
    masked_rows = sorted(set(rows))
    strings = dict(zip(masked_rows, texts.take(pa.array(first_rows[masked_rows])).to_pylist()))
    templates = {}
    for first, last in _runs(rows):
        words = strings[rows[first]].split(" ")
        floor = max(1, (sum(map(_is_concrete, words)) + 1) // 2)
        for start, width in zip(starts[first:last], widths[first:last]):
            trial = words[:start] + ["*"] * width + words[start + width:]
            if sum(map(_is_concrete, trial)) >= floor:
                words = trial
        templates[rows[first]] = " ".join(words)
    template_at = np.full(len(first_rows), -1, dtype=np.int64)  # per dictionary row: its template, if masked
    template_at[masked_rows] = np.arange(len(masked_rows))
    del slots, rows, starts, widths, strings
    # the texts of masked rows take their template: the result made in one pass over the texts
    # (masking the dictionary, then taking each text's row, made it twice: 800 MB at 5M titles)
    at = template_at[indices]
    taking = at >= 0
    replacements = pa.array([templates[row] for row in masked_rows], pa.string()).take(pa.array(at[taking]))
    return pc.replace_with_mask(texts, pa.array(taking), replacements.cast(texts.type))


def _first_rows(indices: np.ndarray, distinct: int) -> np.ndarray:
    """For each distinct value, the row of its first occurrence (`indices`: each row's value)."""
    first: np.ndarray = np.empty(distinct, dtype=np.int64)
    first[indices[::-1]] = np.arange(len(indices) - 1, -1, -1, dtype=np.int64)
    return first


def _expand(indices: np.ndarray, first: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Candidate slots of distinct texts (`pairs` of variant and row into the dictionary) as slots
    of every text holding them (`indices`: each text's row in the dictionary; `first`: each
    dictionary row's first text, _first_rows): pairs of variant and text row (toilaudit.slot_pairs).
    Memory: `pairs` is rewritten in place (to each dictionary row's first text), then grown in
    place by the slots of the other texts holding a shared row."""
    if len(indices) == 0 or len(pairs) == 0:
        return slot_pairs.empty(0)
    rows, variants = slot_pairs.halves(pairs)
    holders = np.bincount(indices, minlength=len(first))
    shared = np.flatnonzero(holders[rows] > 1)  # candidates of a text several texts share
    shared_rows, shared_variants = rows[shared], variants[shared]
    for start in range(0, len(rows), 1 << 20):  # in place, a slice at a time
        rows[start:start + (1 << 20)] = first[rows[start:start + (1 << 20)]]
    if not len(shared):
        return pairs
    # the other texts of each shared dictionary row
    others = np.flatnonzero(holders[indices] > 1)
    others = others[first[indices[others]] != others]
    others = others[np.argsort(indices[others], kind="stable")]
    count = np.bincount(indices[others], minlength=len(holders))
    start_at = np.cumsum(count) - count
    repeat = count[shared_rows]
    within = np.arange(int(repeat.sum())) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    extra = slot_pairs.pairs_of(np.repeat(shared_variants, repeat),
                                others[np.repeat(start_at[shared_rows], repeat) + within])
    del rows, variants  # views of `pairs`, which moves as it grows
    size = len(pairs)
    # realloc: a large array's pages are remapped, not copied, so the slots are never held twice
    pairs.resize(size + len(extra), refcheck=False)
    pairs[size:] = extra
    return pairs


def slot_variants(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Every candidate slot of some masked texts (step 2): (row of `texts`, 32-bit variant hash)."""
    recorded: list[tuple[np.ndarray, np.ndarray]] = []
    indices, unique = distinct_texts(texts)
    tokens = _tokenize(unique)
    _map_candidate_slots(tokens, lambda parts: None, recorded)  # the candidates are what is wanted
    return slot_pairs.halves(_expand(indices, _first_rows(indices, len(unique)), _recorded_slots(recorded)))


def _runs(values: list) -> Iterator[tuple[int, int]]:
    """(first, last) index ranges of the runs of equal values in a sorted list."""
    first = 0
    for index in range(1, len(values) + 1):
        if index == len(values) or values[index] != values[first]:
            yield first, index
            first = index


# Two odd 64-bit bases: a slot's variant is identified by both hashes (128 bits), so two
# different variants colliding is out of reach; arithmetic wraps modulo 2**64.
HASH_BASES = (np.uint64(0x100000001B3), np.uint64(0x9E3779B97F4A7C15))


class _SameLength:
    """Some texts of one token length and the polynomial hashes of every prefix of their token
    codes, for one base: prefix[:, k] = prefix[:, k - 1] * base + code of token k, so any run
    of tokens hashes in O(1). One length at a time: the prefixes of every text at once, for both
    bases, took 16 bytes per token for the whole slot step (750 MB at 5M titles). A length feeds
    two resulting lengths (its one- and two-token slots), so it is hashed twice: cheaper than
    holding every length's hashes until both have run."""

    def __init__(self, tokens: _Tokens, rows: np.ndarray, length: int, token_hashes: np.ndarray,
                 base: np.uint64) -> None:
        self.tokens, self.token_hashes, self.rows, self.length, self.base = tokens, token_hashes, rows, length, base
        self.starts = tokens.offsets[rows]
        """Where each text's tokens start in tokens.codes."""
        self.prefix = np.zeros((len(rows), length + 1), dtype=np.uint64)
        for k in range(length):  # position by position, all the texts at once
            self.prefix[:, k + 1] = self.prefix[:, k] * base + token_hashes[tokens.codes[self.starts + k]]
        self.power = np.concatenate([[np.uint64(1)], np.cumprod(np.full(length + 1, base, dtype=np.uint64))])

    def of(self, local: np.ndarray, base: np.uint64) -> _SameLength:
        """Some of these texts (`local`: indices into `rows`), hashed with another base."""
        return _SameLength(self.tokens, self.rows[local], self.length, self.token_hashes, base)

    def span(self, local: np.ndarray | slice, begin: int, end: int) -> np.ndarray:
        """Hash of tokens [begin, end) of each text `local` picks."""
        return self.prefix[local, end] - self.prefix[local, begin] * self.power[end - begin]

    def starred(self, local: np.ndarray | slice, start: int, width: int, star: np.uint64) -> np.ndarray:
        """Hash of each text with tokens [start, start + width) replaced by one `*`, and its new length."""
        after = self.length - start - width
        head = self.span(local, 0, start) * self.base + star
        return (head * self.power[after] + self.span(local, start + width, self.length)) * self.base + np.uint64(
            self.length - width + 1)


def _token_hashes(vocabulary: list[str]) -> np.ndarray:
    """A 64-bit code per token that is the same in every run (pandas' SipHash of the text): the
    variant hashes computed by one import and kept in the store must match the next import's."""
    return pd.util.hash_array(np.asarray(vocabulary, dtype=object))


STAR_CODE = _token_hashes(["*"])[0]


def _slot_sizes(tokens: _Tokens) -> list[int]:
    """The lengths a text has once a slot is starred: a one-token slot keeps it, a two-token one
    takes one off."""
    present = set(tokens.lengths.tolist())
    return sorted({n for n in present if n >= 1} | {n - 1 for n in present if n >= 2})


SlotPart = tuple[_SameLength, np.ndarray, int, int, np.ndarray]
"""One slot position's candidates: the texts of its length (hashed with the first base), which of
them hold a concrete token in the slot (indices into their rows), start, width, and variant_a."""


def _slot_parts(tokens: _Tokens, size: int, token_hashes: np.ndarray) -> list[SlotPart]:
    """The candidate slots whose text is `size` tokens long once the slot is starred: one-token
    slots of texts that long, two-token slots of texts one longer."""
    concrete = tokens.concrete
    parts = []
    for width, length in ((1, size), (2, size + 1)):
        of_length = np.flatnonzero(tokens.lengths == length)
        if not len(of_length):
            continue
        texts = _SameLength(tokens, of_length, length, token_hashes, HASH_BASES[0])
        for start in range(length - width + 1):
            local = np.flatnonzero(concrete[texts.starts + start] | concrete[texts.starts + start + width - 1])
            if len(local):
                parts.append((texts, local, start, width, texts.starred(local, start, width, STAR_CODE)))
    return parts


def _map_candidate_slots(tokens: _Tokens, work: Callable[[list[SlotPart]], T],
                         record: list[tuple[np.ndarray, np.ndarray]] | None = None) -> list[T | None]:
    """`work(parts)` for each resulting length's candidate slots, in length order (None for a
    length without any). A slot's variant is the text with the slot replaced by `*` (hashed with
    the resulting length). With `record`, each part's (rows, variant_a), int32 both (the variant
    cut to 32 bits), is added to it (see _recorded_slots). Lengths are independent: they run on
    the worker pool, one per core (numpy lets go of the interpreter), so memory holds the
    candidates and prefix hashes of two lengths, not all."""
    token_hashes = _token_hashes(tokens.vocabulary)

    def one_length(size: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], T | None]:
        with np.errstate(over="ignore"):  # numpy's error state is per thread
            # the starred slot must equal a "*" token already in a text, as the string form would
            parts = _slot_parts(tokens, size, token_hashes)
            recorded = [(texts.rows[local].astype(np.int32), variant.astype(np.uint32).view(np.int32))
                        for texts, local, _, _, variant in parts] if record is not None else []
            return recorded, work(parts) if parts else None

    results: list[T | None] = []
    with worker_pool() as pool:
        for recorded, result in pool.map(one_length, _slot_sizes(tokens)):
            if record is not None:
                record.extend(recorded)
            results.append(result)
    return results


def _recorded_slots(recorded: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The candidate slots _map_candidate_slots recorded, as one array of pairs of variant and
    row (a million titles have fourteen million candidates); empties `recorded`, each part freed
    once copied."""
    size = sum(len(rows) for rows, _ in recorded)
    pairs = slot_pairs.empty(size)
    rows, values = slot_pairs.halves(pairs)
    at = 0
    recorded.reverse()
    while recorded:
        part_rows, part_values = recorded.pop()
        rows[at:at + len(part_rows)] = part_rows
        values[at:at + len(part_rows)] = part_values
        at += len(part_rows)
    return pairs


def _variable_slots(tokens: _Tokens, record: list[tuple[np.ndarray, np.ndarray]] | None = None) -> pd.DataFrame:
    """The variable slots: row (text), start, width and how many different fillers it has.

    A slot is a candidate when it holds a concrete token; its variant is the text with the slot
    replaced by `*` (hashed twice, variant_a and variant_b, with the resulting length), its
    filler the slot's tokens. Variants of different lengths never match, so candidates are
    counted one resulting length at a time (two at once, see _map_candidate_slots).
    Only variant_a is computed for every candidate: the first cut keeps few (on diverse
    titles, a few percent), and variant_b and the filler are computed for those alone.
    """

    def variable(parts: list[SlotPart]) -> pd.DataFrame | None:
        variant_a = np.concatenate([part[4] for part in parts])
        frequent = _frequent(variant_a)
        if not len(frequent):
            return None
        kept = []  # the candidates whose variant_a is frequent, with all three hashes
        for texts, local, start, width, part_a in parts:
            keep = np.isin(part_a, frequent)
            if keep.any():
                local = local[keep]
                kept.append({
                    "row": texts.rows[local], "start": np.full(len(local), start), "width": np.full(len(local), width),
                    "variant_a": part_a[keep],
                    "variant_b": texts.of(local, HASH_BASES[1]).starred(slice(None), start, width, STAR_CODE),
                    "filler": texts.span(local, start, start + width) * texts.base + np.uint64(width),
                })
        return _filled_slots({column: np.concatenate([part[column] for part in kept]) for column in kept[0]})

    found = [slots for slots in _map_candidate_slots(tokens, variable, record) if slots is not None]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(
        {"row": [], "start": [], "width": [], "fillers": []}, dtype=np.int64)


def _frequent(variant_a: np.ndarray) -> np.ndarray:
    """The variant hashes that occur SLOT_MIN_FILLERS or more times: a variable slot's variant
    must (cheap first cut; exact counting of distinct fillers follows). Sorted."""
    ordered = np.sort(variant_a)
    reach = SLOT_MIN_FILLERS - 1
    return distinct(ordered[:-reach][ordered[:-reach] == ordered[reach:]])


def _filled_slots(candidates: dict[str, np.ndarray]) -> pd.DataFrame:
    """The candidates whose variant has SLOT_MIN_FILLERS or more distinct fillers."""
    slots = pd.DataFrame(candidates)
    fillers = slots.drop_duplicates(["variant_a", "variant_b", "filler"]).groupby(
        ["variant_a", "variant_b"]).size().rename("fillers")
    slots = slots.join(fillers, on=["variant_a", "variant_b"])
    return slots.loc[slots["fillers"] >= SLOT_MIN_FILLERS, ["row", "start", "width", "fillers"]]
