"""Set operations by sorting (toilaudit/sorted_arrays.py) give numpy's np.unique and np.isin
results: for signed and unsigned hashes, at both ends of the range, with repeats and empty sides."""

from __future__ import annotations

import numpy as np
import pytest

from toilaudit.sorted_arrays import among, distinct


def _values(dtype, count: int, seed: int) -> np.ndarray:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(seed)
    values = rng.integers(info.min, info.max, count, dtype=dtype, endpoint=True)
    values[: count // 4] = values[count // 4: count // 2]  # repeats
    values[-2:] = info.min, info.max  # both ends
    return values


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint64])
def test_distinct_and_among_agree_with_numpy(dtype) -> None:
    values = _values(dtype, 50_000, 1)
    others = np.concatenate((_values(dtype, 50_000, 2), values[::7]))  # some in, most not
    chosen = distinct(values)
    assert np.array_equal(chosen, np.unique(values))
    assert chosen.dtype == values.dtype
    found = among(others, chosen)
    assert np.array_equal(found, np.isin(others, values))
    assert found[len(others) - len(values[::7]):].all() and found.sum() >= len(np.unique(values[::7]))


def test_empty_sides_and_values_beyond_the_set() -> None:
    assert len(distinct(np.zeros(0, np.int32))) == 0
    assert not among(np.array([1, 2], np.int32), np.zeros(0, np.int32)).any()
    assert len(among(np.zeros(0, np.int32), np.array([1], np.int32))) == 0
    # below the first, between, equal to the last, beyond the last
    assert among(np.array([-5, 4, 10, 11], np.int32), np.array([3, 10], np.int32)).tolist() == [False, False, True, False]
