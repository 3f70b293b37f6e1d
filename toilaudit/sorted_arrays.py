"""Set operations on integer arrays by sorting.

numpy 2's np.unique and np.isin hash or build tables: on millions of 32-bit hashes they took
2-3 s each here, against hundredths of a second for a sort (numpy's vectorised sort) and a
binary search over its result.
"""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values (np.unique's result)."""
    return distinct_of_sorted(np.sort(np.asarray(values)))


def distinct_of_sorted(ordered: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array (a caller that made it sorts it in place: no copy)."""
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def among(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Whether each value is in `sorted_set` (sorted, as `distinct` returns it): np.isin's result."""
    values = np.asarray(values)
    if not len(sorted_set) or not len(values):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_set, values)
    at[at == len(sorted_set)] = 0  # beyond the last: compared with the first, which differs
    return sorted_set[at] == values
