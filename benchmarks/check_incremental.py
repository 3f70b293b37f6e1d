"""After an import that re-labelled only what it changed: compare the store with a full classification.

    python benchmarks/check_incremental.py STORE.db

Classifies every stored item in full (as `toilaudit classify` would, people's labels aside) and
compares, row by row, every classification column with the stored one, then the template counts
the store keeps (relabel.py) with those the full classification makes. Exit 1 on any difference.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd


def main() -> int:
    from toilaudit import relabel, slot_pairs
    from toilaudit.audit import CLASSIFY_COLUMNS, active_rule_pack
    from toilaudit.classify.classifier import classify
    from toilaudit.classify.templates import TemplateCounts, group_templates
    from toilaudit.store import Opening, open_store
    from toilaudit.store.schema import CLASSIFICATION_COLUMNS

    store = open_store(sys.argv[1], Opening(read_only=True, create=False))
    started = time.perf_counter()
    counts = TemplateCounts()
    full = classify(store.load_items(CLASSIFY_COLUMNS), active_rule_pack(store),
                    templates=lambda texts, items: group_templates(texts, items, counts))
    print(f"full classification of {len(full):,} items in {time.perf_counter() - started:.1f} s")
    kept = store._bulk_frame("SELECT * FROM classifications")
    full = full.sort_values(["source", "key"]).reset_index(drop=True)
    kept = kept.sort_values(["source", "key"]).reset_index(drop=True)
    different = {}
    if len(full) != len(kept) or not (full["key"].to_numpy() == kept["key"].to_numpy()).all():
        print(f"DIFFERENT: {len(kept):,} rows stored, {len(full):,} items")
        return 1
    for column in CLASSIFICATION_COLUMNS:
        a, b = full[column].astype(object).to_numpy(), kept[column].astype(object).to_numpy()
        same = np.isclose(a.astype(float), b.astype(float), rtol=0, atol=1e-12) if column in ("score", "hours") \
            else a == b
        if not same.all():
            different[column] = int((~same).sum())
    tables = {name: table.to_pandas() for name, table in relabel._tables(counts).items()}
    tables["template_slots"] = slot_pairs.as_frame(counts.slots)
    stored = {name: store._bulk_frame(f"SELECT * FROM {name}") for name in tables if name != "template_slots"}
    stored["template_slots"] = store.template_slots()
    texts = tables["template_texts"].merge(stored["template_texts"], on="text", how="outer", indicator=True)
    if not ((texts["_merge"] == "both") & (texts["items_x"] == texts["items_y"])
            & (texts["template_x"] == texts["template_y"])).all():
        different["template_texts"] = int((texts["_merge"] != "both").sum())
    tokens = tables["template_tokens"].merge(stored["template_tokens"], on="token", how="outer", indicator=True)
    if not ((tokens["_merge"] == "both") & (tokens["items_x"] == tokens["items_y"])).all():
        different["template_tokens"] = 1
    full_id = pd.Series(texts["id_x"].to_numpy(), index=texts["id_y"].to_numpy())  # stored id -> full id
    rare_full = set(zip(tables["template_rare"]["token"], tables["template_rare"]["text_id"].astype(int)))
    rare_kept = set(zip(stored["template_rare"]["token"],
                        full_id.reindex(stored["template_rare"]["text_id"].to_numpy()).astype(int)))
    if rare_full != rare_kept:
        different["template_rare"] = len(rare_full ^ rare_kept)

    def slots(text_ids, variants) -> np.ndarray:
        return np.sort((np.asarray(text_ids, dtype=np.int64) << 32)
                       | np.asarray(variants, dtype=np.int32).view(np.uint32).astype(np.int64))

    slots_full = slots(tables["template_slots"]["text_id"], tables["template_slots"]["variant"])
    slots_kept = slots(full_id.reindex(stored["template_slots"]["text_id"].to_numpy()).to_numpy(),
                       stored["template_slots"]["variant"])
    if not np.array_equal(slots_full, slots_kept):
        different["template_slots"] = abs(len(slots_full) - len(slots_kept)) or 1
    if different:
        print(f"DIFFERENT: {different}")
        return 1
    print(f"identical: {len(kept):,} classifications, every column; template counts: {len(texts):,} texts, "
          f"{len(tokens):,} tokens, {len(rare_full):,} rare holders, {len(slots_full):,} slots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
