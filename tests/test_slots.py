"""The template counts' candidate slots, kept a bucket of variants per row (store/slots.py): what
goes in comes out, pair for pair (a text may hold a variant twice), and an update changes only
the buckets it touches."""

from __future__ import annotations

import gc
import weakref
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toilaudit import slot_pairs
from toilaudit.store import open_store, slots
from toilaudit.store.schema import SLOT_BUCKETS


def _pairs(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    variants = rng.integers(-2**31, 2**31, count).astype(np.int32)
    variants[: count // 10] = variants[count // 10: 2 * (count // 10)]  # variants shared by several texts
    text_ids = rng.integers(0, 50_000, count).astype(np.int32)
    variants[-5:], text_ids[-5:] = variants[0], text_ids[0]  # one pair five more times
    return variants, text_ids


def _counter(variants, text_ids) -> Counter:
    return Counter(zip(np.asarray(variants).tolist(), np.asarray(text_ids).tolist()))


@pytest.mark.parametrize("slice_rows", [slots.SLICE, 1_000])  # one slice; buckets across slices
def test_packed_pairs_come_back_pair_for_pair_each_in_its_own_bucket(monkeypatch, slice_rows: int) -> None:
    monkeypatch.setattr(slots, "SLICE", slice_rows)
    variants, text_ids = _pairs(200_000, 1)
    table = slots.pack(slot_pairs.pairs_of(variants, text_ids))
    buckets = table["bucket"].to_numpy()
    assert (np.diff(buckets) > 0).all()  # one row per bucket
    assert table.num_rows == len(np.unique(variants >> slots.BUCKET_SHIFT))
    back = slot_pairs.as_frame(slots.unpack(table["pairs"].to_pandas()))
    assert _counter(back["variant"], back["text_id"]) == _counter(variants, text_ids)
    for bucket, blob in zip(buckets[:50], table["pairs"].to_pylist()[:50], strict=True):
        held = slot_pairs.as_frame(slots.unpack(pd.Series([blob])))["variant"].to_numpy()
        assert set((held >> slots.BUCKET_SHIFT).tolist()) == {bucket}
    assert slots.pack(slot_pairs.empty(0)).num_rows == 0


def test_a_pair_is_the_number_stores_written_before_hold() -> None:
    """Template mining fills the pairs through their halves; the numbers must be those the store
    kept before (variant shifted into the high half, text id's bits in the low), or an import into
    an older store would not find its texts' slots."""
    variants, text_ids = _pairs(10_000, 3)
    variants[:3] = [-1, -2**31, 2**31 - 1]
    text_ids[:3] = [0, 2**31 - 1, 7]
    expected = (variants.astype(np.int64) << 32) | text_ids.view(np.uint32).astype(np.int64)
    assert np.array_equal(slot_pairs.pairs_of(variants, text_ids), expected)
    filled = slot_pairs.empty(len(variants))
    written_texts, written_variants = slot_pairs.halves(filled)
    written_texts[:], written_variants[:] = text_ids, variants
    assert np.array_equal(filled, expected)
    back = slot_pairs.as_frame(expected)
    assert np.array_equal(back["variant"], variants) and np.array_equal(back["text_id"], text_ids)


def test_a_gone_pair_takes_every_copy_and_added_pairs_come_in() -> None:
    stored = slot_pairs.pairs_of(np.array([5, 5, 5, 7, -9], np.int32), np.array([1, 1, 2, 1, 3], np.int32))
    gone = slot_pairs.pairs_of(np.array([5, 8], np.int32), np.array([1, 1], np.int32))
    added = slot_pairs.pairs_of(np.array([7, 7], np.int32), np.array([4, 1], np.int32))
    after = slot_pairs.as_frame(slots.changed(np.sort(stored), gone, added))
    assert _counter(after["variant"], after["text_id"]) == Counter({(5, 2): 1, (7, 1): 2, (-9, 3): 1, (7, 4): 1})


def _check_store(store) -> None:
    variants, text_ids = _pairs(30_000, 2)
    empty = {"template_texts": pd.DataFrame({"id": pd.Series(dtype=np.int32), "text": pd.Series(dtype=object),
                                             "items": pd.Series(dtype=np.int64), "template": pd.Series(dtype=object)}),
             "template_tokens": pd.DataFrame({"token": pd.Series(dtype=object), "items": pd.Series(dtype=np.int64)}),
             "template_rare": pd.DataFrame({"token": pd.Series(dtype=object), "text_id": pd.Series(dtype=np.int32)})}
    store.replace_template_counts(empty, slot_pairs.pairs_of(variants, text_ids), "test")
    everything = store.template_slots()
    assert _counter(everything["variant"], everything["text_id"]) == _counter(variants, text_ids)

    asked = np.concatenate((variants[:40], [np.int32(12345)]))  # one variant nobody holds
    found = store.template_slots(asked)
    held = np.isin(variants, asked)
    assert _counter(found["variant"], found["text_id"]) == _counter(variants[held], text_ids[held])

    before = store._bulk_frame(f"SELECT bucket, pairs FROM {SLOT_BUCKETS}").set_index("bucket")["pairs"]
    # take out every pair of one bucket (it must go), one copied pair, and add pairs to a new bucket
    bucket = int(variants[100] >> slots.BUCKET_SHIFT)
    in_bucket = (variants >> slots.BUCKET_SHIFT) == bucket
    free_bucket = min(set(range(-2**19, 2**19)) - set((variants >> slots.BUCKET_SHIFT).tolist()))
    new_variant = np.int32(free_bucket << slots.BUCKET_SHIFT | 7)
    gone = pd.DataFrame({"variant": np.concatenate((variants[in_bucket], [variants[0]])),
                         "text_id": np.concatenate((text_ids[in_bucket], [text_ids[0]]))})
    added = pd.DataFrame({"variant": np.array([new_variant, new_variant, variants[1]], np.int32),
                          "text_id": np.array([9, 9, 77], np.int32)})
    empty_rows = {name: frame.iloc[:0, :1] for name, frame in empty.items()}
    store.update_template_counts({**empty_rows, "template_slots": gone},
                                 {**empty, "template_slots": added}, "test")

    expected = _counter(variants, text_ids)
    for pair in zip(gone["variant"].tolist(), gone["text_id"].tolist(), strict=True):
        expected.pop(pair, None)
    expected.update(zip(added["variant"].tolist(), added["text_id"].tolist()))
    after = store.template_slots()
    assert _counter(after["variant"], after["text_id"]) == expected
    rows = store._bulk_frame(f"SELECT bucket, pairs FROM {SLOT_BUCKETS}").set_index("bucket")["pairs"]
    assert bucket not in rows.index  # emptied: no row left behind
    assert rows.index.is_unique
    untouched = [b for b in before.index if b not in {bucket, int(variants[0] >> slots.BUCKET_SHIFT),
                                                        int(variants[1] >> slots.BUCKET_SHIFT)}]
    assert all(bytes(rows[b]) == bytes(before[b]) for b in untouched)

    # in one transaction a bucket is read once (an import asks for it three times), and read again
    # once it changes; a transaction's reads are forgotten at its end, whatever changes them after
    with store.transaction():
        first = store.template_slots(asked)
        assert _counter(first["variant"], first["text_id"]) == Counter(
            {pair: n for pair, n in expected.items() if pair[0] in set(asked.tolist())})
        store.update_template_counts({**empty_rows, "template_slots": first.iloc[:1]},
                                     {**empty, "template_slots": first.iloc[:0]}, "test")
        again = store.template_slots(asked)
        gone_pair = (int(first["variant"].iloc[0]), int(first["text_id"].iloc[0]))
        assert gone_pair not in _counter(again["variant"], again["text_id"])
        assert len(again) == len(first) - _counter(first["variant"], first["text_id"])[gone_pair]
    store._execute(f"DELETE FROM {SLOT_BUCKETS}")
    with store.transaction():
        assert store.template_slots(asked).empty


def test_the_store_keeps_slots_by_bucket_and_updates_only_those_touched(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store.db"))
    try:
        _check_store(store)
    finally:
        store.close()


def test_the_store_keeps_slots_by_bucket_and_updates_only_those_touched_postgres(pg_url: str) -> None:
    store = open_store(pg_url)
    try:
        _check_store(store)
    finally:
        store.close()


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_the_store_lets_go_of_what_it_loaded_before_the_transaction_ends(engine, tmp_path: Path, request) -> None:
    # DuckDB keeps what is registered with it until the transaction ends, even once unregistered:
    # the counts an import loads would stay in memory while it writes its classifications
    store = open_store(str(tmp_path / "store.db") if engine == "duckdb" else request.getfixturevalue("pg_url"))
    try:
        variants, text_ids = _pairs(30_000, 2)
        pairs = slot_pairs.pairs_of(variants, text_ids)
        loaded = weakref.ref(pairs)
        empty = {"template_texts": pd.DataFrame({"id": np.arange(3, dtype=np.int32), "text": ["a", "b", "c"],
                                                 "items": np.ones(3, np.int64), "template": ["a", "b", "c"]}),
                 "template_tokens": pd.DataFrame({"token": ["a"], "items": np.ones(1, np.int64)}),
                 "template_rare": pd.DataFrame({"token": ["a"], "text_id": np.zeros(1, np.int32)})}
        with store.transaction():
            store.replace_template_counts(empty, pairs, "test")
            del pairs
            gc.collect()
            assert loaded() is None
            assert len(store.template_slots()) == len(variants)  # and it was written
        assert len(store.template_slots()) == len(variants)
    finally:
        store.close()
