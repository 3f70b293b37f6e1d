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
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Applied in order to lower-cased text; RE2 syntax (no look-around). Each comes with a cheaper
# test that every text it could change passes (a literal, or a short pattern RE2 only has to
# find, not rewrite): the rewrite then runs on those texts alone, which on long descriptions
# is most of the cost. The result is the same as rewriting every text.
PLACEHOLDERS = (
    (r"https?://\S+", " <url> ", "http"),
    (r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", " <email> ", "@"),
    (r"\b\d{1,3}(\.\d{1,3}){3}(/\d+|:\d+)?\b", " <ip> ", re.compile(r"\d\.\d")),
    (r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", " <id> ", re.compile(r"[0-9a-f]{8}")),
    (r"\b[0-9a-f]{8,}\b", " <id> ", re.compile(r"[0-9a-f]{8}")),  # commit hashes, request ids
    (r"\d+", "0", re.compile(r"[1-9]|[0-9]{2}")),  # a lone 0 is already what it would become
    (r"\s+", " ", re.compile(r"[\t\n\f\r]|  ")),  # RE2's \s: a single space stays one
)
RARE_TOKEN_ITEMS = 3
HAS_LETTER = re.compile(r"[a-z]")
STOPWORDS = frozenset(
    "a an the to for on in of at by with from and or is are be please pls can we need needs new our my "
    "request req re fw fwd urgent asap - for: via into onto as it this that".split()
)


def match_texts(titles: pd.Series | pa.Array) -> pa.Array:
    """Lower-cased titles with variable parts replaced by placeholders (see module doc)."""
    if isinstance(titles, pd.Series):
        titles = pa.array(titles.fillna("").astype(str), type=pa.string())
    if isinstance(titles, pa.ChunkedArray):  # Arrow-backed pandas strings arrive chunked
        titles = titles.combine_chunks()
    text = pc.utf8_lower(titles)
    text = pc.replace_substring(text, "|", " ")  # labels are joined with |
    for pattern, replacement, could_change in PLACEHOLDERS:
        if isinstance(could_change, str):
            candidates = pc.match_substring(text, could_change)
        else:
            candidates = pc.match_substring_regex(text, could_change.pattern)
        text = _replace_where(text, candidates.fill_null(False), pattern, replacement)
    return pc.utf8_trim_whitespace(text)


def _replace_where(text: pa.Array, rows: pa.BooleanArray, pattern: str, replacement: str) -> pa.Array:
    """`pattern` replaced in the texts of `rows` only (the others cannot contain it)."""
    count = pc.sum(rows).as_py() or 0
    if count == 0:
        return text
    if count > len(text) // 2:  # most rows: one pass over all is cheaper than taking and putting back
        return pc.replace_substring_regex(text, pattern, replacement)
    changed = pc.replace_substring_regex(text.filter(rows), pattern, replacement)
    return pc.replace_with_mask(text, rows, changed)


def distinct_values(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Each value's index into the distinct values, and those values (blank for missing)."""
    array = pa.array(values.fillna(""), type=pa.string(), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):  # Arrow-backed pandas strings arrive chunked
        array = array.combine_chunks()
    encoded = array.dictionary_encode()
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary


def joined_match_texts(title_codes: np.ndarray, title_texts: pa.Array, label_codes: np.ndarray,
                       label_texts: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """The distinct match texts of "title labels", and each item's index into them.

    Titles and labels are normalised apart, each distinct value once (a million items carry
    far fewer distinct titles, and fewer label sets still), then joined per distinct pair.
    The placeholders never span the space between the two, so this equals normalising the
    joined text.
    """
    pair_codes, pairs = pd.factorize(title_codes * len(label_texts) + label_codes)
    title_part = title_texts.take(pa.array(pairs // len(label_texts)))
    label_part = label_texts.take(pa.array(pairs % len(label_texts)))
    joined = pc.utf8_trim_whitespace(pc.binary_join_element_wise(title_part, label_part, " "))
    distinct = joined.dictionary_encode()
    return distinct.indices.to_numpy(zero_copy_only=False)[pair_codes], distinct.dictionary


def group_templates(distinct: pd.Series, item_counts: np.ndarray) -> pd.Series:
    """For each distinct match text, its group template: the parts that vary become `*`.

    Three steps, from cheapest to widest:
    1. identifier tokens (letters and digits: hosts, CVEs, job ids) become `*`;
    2. rare tokens (in fewer than RARE_TOKEN_ITEMS items: user and customer names) become `*`;
    3. slot masking, as log-template miners do (Drain, He et al. 2017): a position, or two
       adjacent positions (a first and last name), where at least SLOT_MIN_TEXTS distinct texts
       differ only there is a variable slot. A template keeps at least half its concrete
       words, so short titles never collapse into one group.
    """
    original_index = distinct.index
    distinct = distinct.reset_index(drop=True)
    step1 = _wildcard_identifiers(distinct)
    step2 = _wildcard_rare_tokens(step1, item_counts)
    step3 = _mask_variable_slots(step2)
    folded = pc.replace_substring_regex(pa.array(step3.tolist(), pa.string()), r"\*(?:[ \-_./:]*\*)+", "*")
    return pd.Series(folded.to_pylist(), index=original_index, dtype=object)


IDENTIFIER = re.compile(r"(?<![\w<])(?=[\w.-]*[a-z])(?=[\w.-]*\d)[\w.-]+")  # letters and digits: web-01, cve-2024


def _wildcard_identifiers(texts: pd.Series) -> pd.Series:
    """Identifier tokens become `*`. Only texts with a digit can hold one, and a few do: RE2
    finds them (any non-ASCII text too, where Python's digits are wider), `re` rewrites them."""
    maybe = pc.match_substring_regex(pa.array(texts.tolist(), pa.string()), r"[0-9]|[^\x00-\x7f]")
    rows = np.flatnonzero(maybe.to_numpy(zero_copy_only=False))
    out = texts.tolist()
    for row in rows.tolist():
        out[row] = IDENTIFIER.sub("*", out[row])
    return pd.Series(out, index=texts.index, dtype=object)


@cache  # called for every token of every slot trial; the vocabulary is small
def _is_concrete(token: str) -> bool:
    return token != "*" and token not in STOPWORDS and not token.startswith("<") and any(c.isalpha() for c in token)


@dataclass(frozen=True, slots=True)
class _Tokens:
    """Texts split on single spaces (as str.split(" ")), each token a code into the vocabulary."""

    lengths: np.ndarray
    """Tokens per text."""
    offsets: np.ndarray
    """Where each text's tokens start in `codes`; one more entry than texts."""
    codes: np.ndarray
    """Token codes, text after text."""
    vocabulary: list[str]
    concrete: np.ndarray
    """Per token (aligned with `codes`): a word that names the work (see _is_concrete)."""

    @property
    def parents(self) -> np.ndarray:
        """The text each token belongs to."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)


def _tokenize(texts: list[str]) -> _Tokens:
    split = pc.split_pattern(pa.array(texts, pa.string()), " ")
    flat = split.flatten().dictionary_encode()
    vocabulary = flat.dictionary.to_pylist()
    codes = flat.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return _Tokens(
        lengths=pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64),
        offsets=split.offsets.to_numpy().astype(np.int64),
        codes=codes,
        vocabulary=vocabulary,
        concrete=np.array([_is_concrete(token) for token in vocabulary], dtype=bool)[codes],
    )


def _wildcard_rare_tokens(texts: pd.Series, item_counts: np.ndarray) -> pd.Series:
    """Tokens carried by fewer than RARE_TOKEN_ITEMS items become `*`, unless that leaves a text
    fewer than two concrete words. Counted on token codes; only changed texts are rebuilt."""
    tokens = _tokenize(texts.tolist())
    parents, codes, vocabulary = tokens.parents, tokens.codes, tokens.vocabulary
    # items carrying each token: a text counts once per token it holds, weighted by its items
    held = _sorted_distinct(parents * len(vocabulary) + codes)
    token_items = np.bincount(held % len(vocabulary), weights=item_counts[held // len(vocabulary)],
                              minlength=len(vocabulary))
    rare = np.array([items < RARE_TOKEN_ITEMS and HAS_LETTER.search(token) is not None and token not in STOPWORDS
                     for token, items in zip(vocabulary, token_items.tolist())], dtype=bool)
    rare_at = rare[codes]
    concrete_left = np.bincount(parents, weights=tokens.concrete & ~rare_at, minlength=len(texts))
    changed = np.unique(parents[rare_at])
    changed = changed[concrete_left[changed] >= 2]
    rare_words = {vocabulary[i] for i in np.flatnonzero(rare).tolist()}
    out = texts.tolist()
    for row in changed.tolist():
        out[row] = " ".join("*" if token in rare_words else token for token in out[row].split(" "))
    return pd.Series(out, index=texts.index, dtype=object)


SLOT_MIN_FILLERS = 3


def _mask_variable_slots(texts: pd.Series) -> pd.Series:
    """Mask a slot (one token, or two adjacent) when SLOT_MIN_FILLERS different values fill it
    in texts that are otherwise identical.

    Hundreds of thousands of distinct titles make millions of candidate slots, too many for
    Python strings or sets (gigabytes). So each slot is a row of integers: the text with the
    slot starred and the slot's tokens are identified by polynomial hashes over token codes,
    and counted with pandas. Only the texts that have a variable slot are masked one by one.
    """
    unique = texts.drop_duplicates().tolist()
    candidates = _candidate_slots(_tokenize(unique))
    # Cheap first cut: a variable slot's variant appears in SLOT_MIN_FILLERS+ slots. Sorting
    # one hash column is fast; exact counting of distinct fillers runs on what is left.
    ordered = np.sort(candidates["variant_a"])
    reach = SLOT_MIN_FILLERS - 1
    frequent = ordered[:-reach][ordered[:-reach] == ordered[reach:]]
    kept = pd.Series(candidates["variant_a"]).isin(frequent).to_numpy()
    slots = pd.DataFrame({column: values[kept] for column, values in candidates.items()})
    fillers = slots.drop_duplicates(["variant_a", "variant_b", "filler"]).groupby(
        ["variant_a", "variant_b"]).size().rename("fillers")
    slots = slots.join(fillers, on=["variant_a", "variant_b"])
    slots = slots.loc[slots["fillers"] >= SLOT_MIN_FILLERS]
    # per text, the most varied slots first; ties narrow-first, left to right
    slots = slots.sort_values(["row", "fillers", "width", "start"], ascending=[True, False, True, True])
    rows, starts, widths = (slots[name].tolist() for name in ("row", "start", "width"))
    templates = dict(zip(unique, unique))
    for first, last in _runs(rows):
        tokens = unique[rows[first]].split(" ")
        floor = max(1, (sum(map(_is_concrete, tokens)) + 1) // 2)
        for start, width in zip(starts[first:last], widths[first:last]):
            trial = tokens[:start] + ["*"] * width + tokens[start + width:]
            if sum(map(_is_concrete, trial)) >= floor:
                tokens = trial
        templates[unique[rows[first]]] = " ".join(tokens)
    return texts.map(templates)


def _sorted_distinct(values: np.ndarray) -> np.ndarray:
    """np.unique by a plain sort: numpy 2's np.unique took 3 s on 3.5M integers, a sort 0.03 s."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


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


class _TokenHashes:
    """Polynomial hashes of every prefix of every text's token codes, for one base:
    prefix(k) = prefix(k - 1) * base + code of token k, so any run of tokens hashes in O(1)."""

    def __init__(self, codes: np.ndarray, offsets: np.ndarray, lengths: np.ndarray, base: np.uint64) -> None:
        self.base = base
        self.origin = offsets[:-1] + np.arange(len(lengths))  # where each text's len + 1 prefixes start
        self.prefix = np.zeros(int(lengths.sum()) + len(lengths), dtype=np.uint64)
        longest = int(lengths.max(initial=0))
        for k in range(longest):  # position by position, all texts that long at once
            rows = np.flatnonzero(lengths > k)
            self.prefix[self.origin[rows] + k + 1] = self.prefix[self.origin[rows] + k] * base + codes[offsets[rows] + k]
        self.power = np.concatenate([[np.uint64(1)], np.cumprod(np.full(longest + 1, base, dtype=np.uint64))])

    def span(self, rows: np.ndarray, begin: np.ndarray | int, end: np.ndarray | int) -> np.ndarray:
        """Hash of tokens [begin, end) of each of `rows`."""
        return self.prefix[self.origin[rows] + end] - self.prefix[self.origin[rows] + begin] * self.power[end - begin]

    def starred(self, rows: np.ndarray, start: int, width: int, lengths: np.ndarray, star: np.uint64) -> np.ndarray:
        """Hash of each text with tokens [start, start + width) replaced by one `*`, and its length."""
        after = lengths - start - width
        head = self.span(rows, 0, start) * self.base + star
        return (head * self.power[after] + self.span(rows, start + width, lengths)) * self.base + (
            lengths - width + 1).astype(np.uint64)


def _candidate_slots(tokens: _Tokens) -> dict[str, np.ndarray]:
    """Columns with one entry per slot holding a concrete token: row (text), start, width, the
    hashes of the text with the slot replaced by `*` (variant_a, variant_b) and of the slot's
    tokens (filler)."""
    lengths, offsets, concrete, vocabulary = tokens.lengths, tokens.offsets, tokens.concrete, tokens.vocabulary
    # the starred slot must equal a "*" token already in a text, as the string form would
    star = np.uint64(vocabulary.index("*") + 1 if "*" in vocabulary else len(vocabulary) + 1)
    parts = []
    with np.errstate(over="ignore"):
        hashes = [_TokenHashes(tokens.codes.astype(np.uint64) + np.uint64(1), offsets, lengths, base)
                  for base in HASH_BASES]
        for width in (1, 2):
            for start in range(int(lengths.max(initial=0)) - width + 1):
                rows = np.flatnonzero(lengths >= start + width)
                rows = rows[concrete[offsets[rows] + start] | concrete[offsets[rows] + start + width - 1]]
                if len(rows):
                    parts.append({
                        "row": rows, "start": np.full(len(rows), start), "width": np.full(len(rows), width),
                        "variant_a": hashes[0].starred(rows, start, width, lengths[rows], star),
                        "variant_b": hashes[1].starred(rows, start, width, lengths[rows], star),
                        "filler": hashes[0].span(rows, start, start + width) * hashes[0].base + np.uint64(width),
                    })
    columns = {"row": np.int64, "start": np.int64, "width": np.int64, "variant_a": np.uint64, "variant_b": np.uint64,
               "filler": np.uint64}
    return {column: np.concatenate([part[column] for part in parts]).astype(dtype, copy=False) if parts
            else np.zeros(0, dtype) for column, dtype in columns.items()}
