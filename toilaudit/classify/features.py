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

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TOKEN_SEPARATOR = r"[^\p{L}\p{N}]+"  # placeholders such as <url> read as the word "url"
STEM_LENGTH = 5
CHUNK_TEXTS = 32_768
THREADS = max(1, min(4, os.cpu_count() or 1))
"""Words longer than this also count by their first STEM_LENGTH letters (a cheap stemmer)."""


_CURRENT_POOL: ContextVar[ThreadPoolExecutor | None] = ContextVar("worker_pool", default=None)


@contextlib.contextmanager
def worker_pool() -> Iterator[ThreadPoolExecutor]:
    """Threads for Arrow and numpy work (they let go of the interpreter), one per core. Inside
    another worker_pool on the same thread, that pool is shared: one classification keeps one
    thread per core, and what it queues (descriptions, rules, templates) runs in that order.
    On an error or Ctrl-C the work not started yet is dropped: an interrupted import stops at once."""
    shared = _CURRENT_POOL.get()
    if shared is not None:
        yield shared
        return
    pool = ThreadPoolExecutor(max_workers=THREADS)
    token = _CURRENT_POOL.set(pool)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        _CURRENT_POOL.reset(token)


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
    dictionary: pa.Array
    """The distinct words (Arrow strings: looked up in bulk, never one by one)."""

    @property
    def vocabulary(self) -> list[str]:
        return self.dictionary.to_pylist()

    def firsts(self) -> tuple[np.ndarray, np.ndarray]:
        """Each text's first word: (text, code)."""
        first = np.concatenate(([True], self.parents[1:] != self.parents[:-1])) if len(self.parents) else self.parents
        return self.parents[first], self.codes[first]

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Adjacent words of the same text: (text, first code, second code)."""
        same = self.parents[1:] == self.parents[:-1]
        return self.parents[1:][same], self.codes[:-1][same], self.codes[1:][same]


def tokenize(texts: pa.Array) -> Tokens:
    """Split texts into words; digit-only words ("0" after the placeholders) carry nothing.

    Words are dictionary-encoded first and the digit-only test runs on the distinct words: a
    million descriptions hold tens of millions of words but far fewer distinct ones.
    """
    words, parents = _split(texts)
    encoded = words.dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    dictionary = encoded.dictionary
    wordy = pc.match_substring_regex(dictionary, r"[^\d]").to_numpy(zero_copy_only=False)
    if wordy.all():
        return Tokens(texts=len(texts), parents=parents, codes=codes, dictionary=dictionary)
    keep = wordy[codes]
    # renumber the kept words densely, in the order dictionary_encode gave them
    renumber = np.cumsum(wordy) - 1
    return Tokens(
        texts=len(texts),
        parents=parents[keep],
        codes=renumber[codes[keep]],
        dictionary=dictionary.filter(pa.array(wordy)),
    )


def _split(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Every text's words, flat, and the text each belongs to. May hold empty words (dropped
    with the digit-only ones): the regex split gives one where a text starts or ends with a separator."""
    if len(texts) and texts.type == pa.string() and not texts.null_count and pc.all(pc.string_is_ascii(texts)).as_py():
        return _ascii_words(texts)
    split = pc.split_pattern_regex(texts, TOKEN_SEPARATOR)
    parents = np.repeat(np.arange(len(texts), dtype=np.int64),
                        pc.list_value_length(split).fill_null(0).to_numpy(zero_copy_only=False))
    return split.flatten(), parents


WORD_BYTES = np.zeros(256, dtype=bool)
WORD_BYTES[np.frombuffer(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)] = True


def string_bytes(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """An Arrow string array's UTF-8 bytes and where each text starts in them (one more entry
    than texts: the end), without a copy; a sliced array's offsets made relative to its bytes."""
    buffers = texts.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[texts.offset:texts.offset + len(texts) + 1].astype(np.int64)
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0]:offsets[-1]] if buffers[2] else np.zeros(0, np.uint8)
    return offsets - offsets[0], data


def _ascii_words(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The words of ASCII texts (runs of letters and digits, as TOKEN_SEPARATOR splits them),
    found in the texts' bytes with numpy: about five times as fast as the regex split of a chunk."""
    offsets, data = string_bytes(texts)
    starts = offsets[:-1]
    in_word = np.take(WORD_BYTES, data)
    # edge[i]: between byte i - 1 and byte i a word may begin or end (a separator, or a text's edge)
    padded = np.zeros(len(data) + 2, dtype=bool)
    padded[1:-1] = in_word
    edge = padded[1:] != padded[:-1]
    edge[offsets] = True
    begins = np.flatnonzero(edge[:-1] & in_word)
    ends = np.flatnonzero(edge[1:] & in_word) + 1
    letters = np.compress(in_word, data)  # np.compress: several times quicker than data[in_word]
    word_offsets = np.zeros(len(begins) + 1, dtype=np.int32)
    np.cumsum(ends - begins, out=word_offsets[1:])
    words = pa.StringArray.from_buffers(len(begins), pa.py_buffer(word_offsets), pa.py_buffer(letters))
    # each text's words follow its first one: found per text, not per word
    firsts = np.searchsorted(begins, starts)
    return words, np.repeat(np.arange(len(texts), dtype=np.int64), np.diff(firsts, append=len(begins)))


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
        # per kind of feature: the model's names (without their prefix) and weights, as Arrow
        # arrays, so that a batch's distinct words are matched in bulk with index_in
        self.words = _table(weights, f"{field.namespace}w:")
        self.stems = _table(weights, f"{field.namespace}p:") if field.stems else None
        self.firsts = _table(weights, f"{field.namespace}f:") if field.first else None
        prefix = f"{field.namespace}b:"
        # the model's word pairs, by their words, to meet a batch's vocabulary
        self.pair_weights = {
            tuple(name[len(prefix):].split(" ", 1)): weight
            for name, weight in weights.items() if name.startswith(prefix) and " " in name
        } if field.pairs else {}

    def score(self, texts: pa.Array, prepare: Callable[[pa.Array], pa.Array] | None = None) -> np.ndarray:
        """The sum per text. `prepare` (e.g. match_texts) is applied chunk by chunk first."""
        if len(texts) <= CHUNK_TEXTS:
            return self._score_chunk(texts, prepare) if len(texts) else np.zeros(0)
        with worker_pool() as pool:
            return self.submit(texts, prepare, pool)()

    def submit(self, texts: pa.Array, prepare: Callable[[pa.Array], pa.Array] | None,
               pool: ThreadPoolExecutor) -> Callable[[], np.ndarray]:
        """Queue the scoring on `pool`; the function returned waits for the sums.

        Texts are taken in chunks of CHUNK_TEXTS, one thread per core: Arrow and numpy release
        the GIL, memory stays bounded however many texts there are, and the per-chunk sorts stay
        small. Each text is scored on its own features, so chunking changes no result.
        """
        futures = [pool.submit(self._score_chunk, texts.slice(start, CHUNK_TEXTS), prepare)
                   for start in range(0, len(texts), CHUNK_TEXTS)]
        return lambda: np.concatenate([future.result() for future in futures]) if futures else np.zeros(0)

    def _score_chunk(self, chunk: pa.Array, prepare: Callable[[pa.Array], pa.Array] | None) -> np.ndarray:
        return self.score_tokens(tokenize(prepare(chunk) if prepare else chunk))

    def score_tokens(self, tokens: Tokens) -> np.ndarray:
        total = np.zeros(tokens.texts)
        if not len(tokens.codes):
            return total
        # each (text, word) once, as feature_rows counts presence, not frequency
        size = len(tokens.dictionary)
        words = _distinct_pairs(tokens.parents, tokens.codes, size)
        word_parents, word_codes = words // size, words % size
        total += np.bincount(word_parents, self.words.weights_of(tokens.dictionary)[word_codes],
                             minlength=tokens.texts)
        if self.stems is not None:
            # a stem counts once per text, however many of its words the text holds
            long_enough = pc.greater(pc.utf8_length(tokens.dictionary), STEM_LENGTH).to_numpy(zero_copy_only=False)
            stem_of_word = self.stems.codes_of(pc.utf8_slice_codeunits(tokens.dictionary, 0, STEM_LENGTH))
            stem_of_word[~long_enough] = -1
            stem_codes = stem_of_word[word_codes]
            found = stem_codes >= 0
            stems = _distinct_pairs(word_parents[found], stem_codes[found], len(self.stems.weights))
            total += np.bincount(stems // len(self.stems.weights), self.stems.weights[stems % len(self.stems.weights)],
                                 minlength=tokens.texts)
        if self.firsts is not None:
            parents, codes = tokens.firsts()
            total += np.bincount(parents, self.firsts.weights_of(tokens.dictionary)[codes], minlength=tokens.texts)
        if self.pair_weights:
            total += self._pair_scores(tokens)
        return total

    def _pair_scores(self, tokens: Tokens) -> np.ndarray:
        vocabulary = tokens.vocabulary
        size = len(vocabulary)
        code = {word: index for index, word in enumerate(vocabulary)}
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


@dataclass(frozen=True, slots=True)
class _WeightTable:
    """One kind of feature's names (prefix removed) and weights."""

    names: pa.Array
    weights: np.ndarray

    def codes_of(self, values: pa.Array) -> np.ndarray:
        """Each value's index in `names`, -1 where the model has no such feature."""
        return pc.index_in(values, value_set=self.names).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)

    def weights_of(self, values: pa.Array) -> np.ndarray:
        """Each value's weight, 0 where the model has no such feature."""
        codes = self.codes_of(values)
        return np.where(codes >= 0, self.weights[np.maximum(codes, 0)] if len(self.weights) else 0.0, 0.0)


def _table(weights: Mapping[str, float], prefix: str) -> _WeightTable:
    chosen = [(name[len(prefix):], weight) for name, weight in weights.items() if name.startswith(prefix)]
    return _WeightTable(pa.array([name for name, _ in chosen], pa.string()),
                        np.array([weight for _, weight in chosen], dtype=float))


def _distinct_pairs(rows: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """The distinct (row, code) pairs as row * size + code, sorted."""
    combined = np.sort(rows * size + codes)
    return combined[np.concatenate(([True], combined[1:] != combined[:-1]))] if len(combined) else combined
