"""The template counts' candidate slots (relabel.py), kept a bucket of variants per row.

A full classification keeps every text's candidate slots: about fourteen (variant, text id)
pairs per text, 14M rows at 1M items. As rows they cost PostgreSQL 6 s of a 30 s import to
copy and index; an import of a few items looks up a few thousand variants. So the pairs are
kept by bucket (the variant's high bits, BUCKET_SHIFT): one row per bucket holding its pairs
as bytes, about fourteen pairs a row at 1M items, and a look-up reads the buckets of its
variants. Each pair is one int64 (toilaudit.slot_pairs), and they are kept sorted: a bucket is
a run of the sorted pairs.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from toilaudit import slot_pairs
from toilaudit.slot_pairs import PAIR
from toilaudit.sorted_arrays import among, distinct

BUCKET_SHIFT = 12  # variants are 32-bit hashes: up to 2**20 buckets, ~14 pairs each at 1M items
SLICE = 1 << 20


def bucket_of(variants: np.ndarray) -> np.ndarray:
    return np.asarray(variants, dtype=np.int32) >> BUCKET_SHIFT


def pack(pairs: np.ndarray) -> pa.Table:
    """The pairs (toilaudit.slot_pairs) as bucket rows: bucket (int32) and pairs (the bucket's
    pairs' bytes). Sorts `pairs` in place and keeps them: the rows' bytes are that array, not a
    copy (the import's last step, where a copy of 70M pairs at 5M items would be its peak)."""
    pairs.sort()  # a vectorised sort: 14M pairs in about 0.3 s
    starts, buckets = _bucket_starts(pairs)
    offsets = np.append(starts, len(pairs)).astype(np.int64) * PAIR.itemsize
    data = pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(starts),
                                           [None, pa.py_buffer(offsets), pa.py_buffer(pairs)])
    return pa.table({"bucket": pa.array(buckets, pa.int32()), "pairs": data})


def _bucket_starts(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each bucket's run of the sorted pairs starts, and its bucket: a slice at a time."""
    starts, buckets = [], []
    previous = 1 << 20  # no bucket: variants are 32-bit, buckets their high 20 bits
    for start in range(0, len(pairs), SLICE):
        part = (pairs[start:start + SLICE] >> (32 + BUCKET_SHIFT)).astype(np.int32)
        new = np.flatnonzero(np.concatenate(([part[0] != previous], part[1:] != part[:-1])))
        starts.append(new + start)
        buckets.append(part[new])
        previous = part[-1]
    if not starts:
        return np.zeros(0, np.int64), np.zeros(0, np.int32)
    return np.concatenate(starts), np.concatenate(buckets)


def unpack(rows: Iterable) -> np.ndarray:
    """The sorted pairs of bucket rows' `pairs` values (bytes, as either engine returns them)."""
    blobs = [bytes(blob) for blob in rows if blob is not None]
    return np.frombuffer(b"".join(blobs), dtype=PAIR) if blobs else slot_pairs.empty(0)


def changed(stored: np.ndarray, gone: np.ndarray, added: np.ndarray) -> np.ndarray:
    """The stored pairs without any copy of a `gone` pair, with the `added` ones; sorted.

    A text can hold a variant twice (relabel.py), so a pair may be kept twice: a gone pair
    takes every copy, as the former row-per-pair table's DELETE did."""
    kept = stored[~among(stored, distinct(gone))]
    result = np.concatenate((kept, np.asarray(added, dtype=PAIR)))
    result.sort()
    return result
