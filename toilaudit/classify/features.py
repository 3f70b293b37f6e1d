"""The words a linear model reads, as integer codes: fast enough for a million distinct titles.

A text's features are its words (`w:restart`), the pairs of adjacent words (`b:disk full`),
word stems (`p:certi` for "certificate", "certificates", "certification") and, for a title,
its first word (`f:add`: "Add ...", "Design ...", "Migrate ..." say what kind of work), in a
namespace per field: the title's features are `w: b: p:`, the description's `dw: dp:`, the
issue type and labels' `tw:`. Texts are the classifier's match texts (lower case, URLs, ids and
digits already replaced by placeholders), split on anything that is not a letter or a digit.

Two paths compute the same thing, and a test holds them equal:
- `feature_rows` lists (text, feature name) pairs, for training on a few thousand items;
- `LinearScorer.score` sums a model's weights per text without building a string per
  feature: tokens become codes once, weights are looked up per distinct token (a small
  vocabulary), and word pairs are matched as integer keys with `np.searchsorted`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TOKEN_SEPARATOR = r"[^\p{L}\p{N}]+"  # placeholders such as <url> read as the word "url"
STEM_LENGTH = 5
"""Words longer than this also count by their first STEM_LENGTH letters (a cheap stemmer)."""


@dataclass(frozen=True, slots=True)
class Field:
    """One text field of an item and how it is read."""

    namespace: str
    """Prefix of its feature names: "" for the title, "d" for the description, "t" for type and labels."""
    pairs: bool
    """Whether adjacent word pairs count (the title: "disk full" is not "full" and "disk")."""
    stems: bool
    """Whether word stems count."""
    first: bool = False
    """Whether the first word counts apart (`f:add`): a title's verb says what kind of work it is."""


TITLE = Field("", pairs=True, stems=True, first=True)
DESCRIPTION = Field("d", pairs=False, stems=True)
TYPE_AND_LABELS = Field("t", pairs=False, stems=False)


@dataclass(frozen=True, slots=True)
class Tokens:
    """Texts split into words; every word a code into `vocabulary`."""

    texts: int
    """How many texts were split."""
    parents: np.ndarray
    """The text each word belongs to, ascending."""
    codes: np.ndarray
    """Each word's code."""
    vocabulary: list[str]
    """The distinct words."""

    def firsts(self) -> tuple[np.ndarray, np.ndarray]:
        """Each text's first word: (text, code)."""
        first = np.concatenate(([True], self.parents[1:] != self.parents[:-1])) if len(self.parents) else self.parents
        return self.parents[first], self.codes[first]

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Adjacent words of the same text: (text, first code, second code)."""
        same = self.parents[1:] == self.parents[:-1]
        return self.parents[1:][same], self.codes[:-1][same], self.codes[1:][same]


def tokenize(texts: pa.Array) -> Tokens:
    """Split texts into words; digit-only words ("0" after the placeholders) carry nothing."""
    split = pc.split_pattern_regex(texts, TOKEN_SEPARATOR)
    words = split.flatten()
    parents = np.repeat(np.arange(len(texts), dtype=np.int64),
                        pc.list_value_length(split).fill_null(0).to_numpy(zero_copy_only=False))
    keep = pc.match_substring_regex(words, r"[^\d]").to_numpy(zero_copy_only=False)
    kept = words.filter(pa.array(keep))
    encoded = kept.dictionary_encode()
    return Tokens(
        texts=len(texts),
        parents=parents[keep],
        codes=encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        vocabulary=encoded.dictionary.to_pylist(),
    )


def word_feature(field: Field, word: str) -> str:
    return f"{field.namespace}w:{word}"


def stem_feature(field: Field, word: str) -> str | None:
    return f"{field.namespace}p:{word[:STEM_LENGTH]}" if field.stems and len(word) > STEM_LENGTH else None


def first_feature(field: Field, word: str) -> str:
    return f"{field.namespace}f:{word}"


def pair_feature(field: Field, first: str, second: str) -> str:
    return f"{field.namespace}b:{first} {second}"


def feature_rows(texts: pa.Array, field: Field) -> Iterable[tuple[int, str]]:
    """(text index, feature name) for every feature of every text, each pair once."""
    tokens = tokenize(texts)
    vocabulary = tokens.vocabulary
    seen: set[tuple[int, str]] = set()
    for row, code in zip(tokens.parents.tolist(), tokens.codes.tolist()):
        word = vocabulary[code]
        for name in (word_feature(field, word), stem_feature(field, word)):
            if name is not None and (row, name) not in seen:
                seen.add((row, name))
                yield row, name
    if field.first:
        for row, code in zip(*(part.tolist() for part in tokens.firsts())):
            yield row, first_feature(field, vocabulary[code])
    if field.pairs:
        for row, first, second in zip(*(part.tolist() for part in tokens.pairs())):
            name = pair_feature(field, vocabulary[first], vocabulary[second])
            if (row, name) not in seen:
                seen.add((row, name))
                yield row, name


class LinearScorer:
    """Sums a linear model's weights over each text's features (each feature counted once)."""

    def __init__(self, weights: Mapping[str, float], field: Field) -> None:
        self.field = field
        self.weights = weights
        # the model's word pairs, by their words, to meet a batch's vocabulary
        prefix = f"{field.namespace}b:"
        self.pair_weights = {
            tuple(name[len(prefix):].split(" ", 1)): weight
            for name, weight in weights.items() if name.startswith(prefix) and " " in name
        } if field.pairs else {}

    def score(self, texts: pa.Array) -> np.ndarray:
        tokens = tokenize(texts)
        total = np.zeros(tokens.texts)
        if not len(tokens.codes):
            return total
        # each (text, word) once, as feature_rows counts presence, not frequency
        words = _distinct_pairs(tokens.parents, tokens.codes, len(tokens.vocabulary))
        word_parents, word_codes = words // len(tokens.vocabulary), words % len(tokens.vocabulary)
        word_weight = np.array([self.weights.get(word_feature(self.field, w), 0.0) for w in tokens.vocabulary])
        total += np.bincount(word_parents, word_weight[word_codes], minlength=tokens.texts)
        if self.field.stems:
            stems = [stem_feature(self.field, w) for w in tokens.vocabulary]
            stem_codes = {name: index for index, name in enumerate(dict.fromkeys(s for s in stems if s))}
            if stem_codes:
                code_of_word = np.array([stem_codes.get(s, -1) if s else -1 for s in stems])
                has_stem = code_of_word[word_codes] >= 0
                stem_items = _distinct_pairs(word_parents[has_stem], code_of_word[word_codes][has_stem],
                                             len(stem_codes))
                stem_weight = np.array([self.weights.get(name, 0.0) for name in stem_codes])
                total += np.bincount(stem_items // len(stem_codes), stem_weight[stem_items % len(stem_codes)],
                                     minlength=tokens.texts)
        if self.field.first:
            first_weight = np.array([self.weights.get(first_feature(self.field, w), 0.0) for w in tokens.vocabulary])
            parents, codes = tokens.firsts()
            total += np.bincount(parents, first_weight[codes], minlength=tokens.texts)
        if self.pair_weights:
            total += self._pair_scores(tokens)
        return total

    def _pair_scores(self, tokens: Tokens) -> np.ndarray:
        size = len(tokens.vocabulary)
        code = {word: index for index, word in enumerate(tokens.vocabulary)}
        known = [(code[a] * size + code[b], weight) for (a, b), weight in self.pair_weights.items()
                 if a in code and b in code]
        if not known:
            return np.zeros(tokens.texts)
        known.sort()
        keys = np.array([key for key, _ in known], dtype=np.int64)
        weights = np.array([weight for _, weight in known])
        parents, first, second = tokens.pairs()
        pair_keys = first * size + second
        found = np.searchsorted(keys, pair_keys)
        found = np.minimum(found, len(keys) - 1)
        hit = keys[found] == pair_keys
        # each (text, pair) once
        hits = _distinct_pairs(parents[hit], found[hit], len(keys))
        return np.bincount(hits // len(keys), weights[hits % len(keys)], minlength=tokens.texts)


def _distinct_pairs(rows: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """The distinct (row, code) pairs as row * size + code, sorted."""
    combined = np.sort(rows * size + codes)
    return combined[np.concatenate(([True], combined[1:] != combined[:-1]))] if len(combined) else combined
