"""The audit's steps, each one transaction: store a batch and re-label every item.

Repetition is a property of the whole store (a request seen 40 times across four quarterly
exports is repetitive even if each export holds ten), so every import re-classifies all items.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from toilaudit.classify.classifier import INPUTS, classify
from toilaudit.classify.interface import RulePack
from toilaudit.classify.rule_pack import load_rule_pack
from toilaudit.errors import InputFileError
from toilaudit.importers.export import ImportBatch
from toilaudit.store import Store

RULE_PACK_SETTING = "rule_pack"  # the user's --rules text, kept so later imports use it too


def active_rule_pack(store: Store, rules_file: Path | None = None) -> RulePack:
    """The rule pack to use: a new --rules FILE, else the one saved in the store, else the default."""
    if rules_file is not None:
        try:
            text = Path(rules_file).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InputFileError(f"{Path(rules_file).name}: no such file - check the --rules path") from None
        except UnicodeDecodeError:
            raise InputFileError(f"{Path(rules_file).name}: not UTF-8 text - save the rules file as UTF-8") from None
        return load_rule_pack(text, Path(rules_file).name)
    saved = store.get_setting(RULE_PACK_SETTING)
    return load_rule_pack(saved, "saved rule pack") if saved else load_rule_pack()


def reclassify(store: Store, pack: RulePack) -> pd.DataFrame:
    """Label every stored item with `pack` and replace the stored classifications."""
    items = store.load_items(INPUTS)
    classified = classify(items, pack)
    store.replace_classifications(classified)
    return classified


def import_batch(store: Store, batch: ImportBatch, mode: str) -> dict[str, int]:
    """Store a batch and re-classify, all in one transaction: on failure nothing changes."""
    pack = active_rule_pack(store)
    with store.transaction():
        counts = store.upsert_items(batch, mode)
        reclassify(store, pack)
    return counts


def classify_store(store: Store, rules_file: Path | None) -> RulePack:
    pack = active_rule_pack(store, rules_file)
    with store.transaction():
        if rules_file is not None:
            store.set_setting(RULE_PACK_SETTING, Path(rules_file).read_text(encoding="utf-8-sig"))
        reclassify(store, pack)
    return pack
