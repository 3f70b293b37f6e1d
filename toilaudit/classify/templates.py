"""Titles to templates: the repetition signal.

"Restart payment-service on host-17" and "Restart payment-service on host-23" are the same
request. Two steps, both whole-column:

1. match text: lower-case; URLs, e-mails, IPs, UUIDs and digit runs become placeholders
   (pyarrow's RE2 kernels, so a million titles take a second, not a minute). Rules are
   matched on this text, once per distinct value.
2. group template: tokens that occur in fewer than `RARE_TOKEN_ITEMS` items (user names,
   job names, customer names) become `*`, computed on the distinct match texts weighted by
   how many items carry each, so it costs O(distinct), not O(items).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Applied in order to lower-cased text; RE2 syntax (no look-around).
PLACEHOLDERS = (
    (r"https?://\S+", " <url> "),
    (r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", " <email> "),
    (r"\b\d{1,3}(\.\d{1,3}){3}(/\d+|:\d+)?\b", " <ip> "),
    (r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", " <id> "),
    (r"\b[0-9a-f]{8,}\b", " <id> "),  # commit hashes, request ids
    (r"\d+", "0"),
    (r"\s+", " "),
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
    text = pc.utf8_lower(titles)
    text = pc.replace_substring(text, "|", " ")  # labels are joined with |
    for pattern, replacement in PLACEHOLDERS:
        text = pc.replace_substring_regex(text, pattern, replacement)
    return pc.utf8_trim_whitespace(text)


def match_text_codes(titles: pd.Series, labels: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """The distinct match texts of "title labels", and each item's index into them.

    Titles and labels are normalised apart, each distinct value once (a million items carry
    far fewer distinct titles, and fewer label sets still), then joined per distinct pair.
    The placeholders never span the space between the two, so this equals normalising the
    joined text.
    """
    title = _dictionary(titles)
    label = _dictionary(labels)
    pair_codes, pairs = pd.factorize(
        title.indices.to_numpy(zero_copy_only=False).astype(np.int64) * len(label.dictionary)
        + label.indices.to_numpy(zero_copy_only=False)
    )
    title_texts = match_texts(title.dictionary).take(pa.array(pairs // len(label.dictionary)))
    label_texts = match_texts(label.dictionary).take(pa.array(pairs % len(label.dictionary)))
    joined = pc.utf8_trim_whitespace(pc.binary_join_element_wise(title_texts, label_texts, " "))
    distinct = joined.dictionary_encode()
    return distinct.indices.to_numpy(zero_copy_only=False)[pair_codes], distinct.dictionary


def _dictionary(values: pd.Series) -> pa.DictionaryArray:
    array = pa.array(values.fillna(""), type=pa.string(), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):  # Arrow-backed pandas strings arrive chunked
        array = array.combine_chunks()
    return array.dictionary_encode()


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
    step1 = distinct.str.replace(r"(?<![\w<])(?=[\w.-]*[a-z])(?=[\w.-]*\d)[\w.-]+", "*", regex=True)
    step2 = _wildcard_rare_tokens(step1, item_counts)
    step3 = _mask_variable_slots(step2)
    return step3.str.replace(r"\*(?:[ \-_./:]*\*)+", "*", regex=True).set_axis(original_index)


@cache  # called for every token of every slot trial; the vocabulary is small
def _is_concrete(token: str) -> bool:
    return token != "*" and token not in STOPWORDS and not token.startswith("<") and any(c.isalpha() for c in token)


def _wildcard_rare_tokens(texts: pd.Series, item_counts: np.ndarray) -> pd.Series:
    # Plain dict work on the distinct texts: pandas' explode/groupby costs more at this size.
    split = [text.split(" ") for text in texts.tolist()]
    token_items: Counter[str] = Counter()
    for tokens, weight in zip(split, item_counts.tolist()):
        for token in set(tokens):
            token_items[token] += weight
    rare = {
        token for token, items in token_items.items()
        if items < RARE_TOKEN_ITEMS and HAS_LETTER.search(token) and token not in STOPWORDS
    }
    out = []
    for text, tokens in zip(texts.tolist(), split):
        masked = ["*" if token in rare else token for token in tokens]
        # keep the original text where wildcarding left fewer than two concrete words
        out.append(" ".join(masked) if sum(map(_is_concrete, masked)) >= 2 else text)
    return pd.Series(out, index=texts.index, dtype=object)


SLOT_MIN_FILLERS = 3


def _mask_variable_slots(texts: pd.Series) -> pd.Series:
    """Mask a slot (one token, or two adjacent) when SLOT_MIN_FILLERS different values fill it
    in texts that are otherwise identical."""
    unique = texts.drop_duplicates().tolist()
    split = [text.split(" ") for text in unique]
    fillers: defaultdict[str, set[str]] = defaultdict(set)  # text with a slot starred -> what filled it
    slots = []  # per text: (variant, start, width), narrow slots first, left to right
    for tokens in split:
        concrete = [_is_concrete(t) for t in tokens]
        text_slots = []
        for width in (1, 2):
            for start in range(len(tokens) - width + 1):
                if not any(concrete[start:start + width]):
                    continue
                variant = " ".join(tokens[:start] + ["*"] + tokens[start + width:])
                fillers[variant].add(" ".join(tokens[start:start + width]))
                text_slots.append((variant, start, width))
        slots.append(text_slots)
    templates = {}
    for text, tokens, text_slots in zip(unique, split, slots):
        # the most varied slots first; a stable sort keeps ties narrow-first, left to right
        variable = sorted(
            ((len(fillers[variant]), start, width) for variant, start, width in text_slots
             if len(fillers[variant]) >= SLOT_MIN_FILLERS),
            key=lambda slot: -slot[0],
        )
        floor = max(1, (sum(map(_is_concrete, tokens)) + 1) // 2)
        for _, start, width in variable:
            trial = tokens[:start] + ["*"] * width + tokens[start + width:]
            if sum(map(_is_concrete, trial)) >= floor:
                tokens = trial
        templates[text] = " ".join(tokens)
    return texts.map(templates)
