"""A template count's candidate slot (relabel.py) as one int64: its variant and its text id.

Template mining makes the pairs (classify/templates.py) and the store keeps them sorted, by
bucket (store/slots.py); both use this one layout, so the array mining fills is the array the
store sorts and writes: at 5M titles, seventy million slots, 560 MB held once instead of twice.
Each pair is a little-endian int64, the variant (a 32-bit hash) in the high half and the text
id in the low one, so that pairs sort by variant, then by the text id's bits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PAIR = np.dtype("<i8")
_HALF = np.dtype("<i4")


def empty(size: int) -> np.ndarray:
    return np.empty(size, dtype=PAIR)


def halves(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The text ids and the variants of `pairs`, as int32 views: writing them writes the pairs."""
    both = pairs.view(_HALF).reshape(-1, 2)
    return both[:, 0], both[:, 1]


def pairs_of(variants: np.ndarray, text_ids: np.ndarray) -> np.ndarray:
    """Each (variant, text id) as one pair."""
    pairs = empty(len(variants))
    texts, kept_variants = halves(pairs)
    texts[:], kept_variants[:] = text_ids, variants
    return pairs


def as_frame(pairs: np.ndarray) -> pd.DataFrame:
    """variant, text_id: one row per pair."""
    texts, variants = halves(np.ascontiguousarray(pairs, dtype=PAIR))
    return pd.DataFrame({"variant": variants.copy(), "text_id": texts.copy()})
