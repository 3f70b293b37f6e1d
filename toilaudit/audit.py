"""The audit's steps, each one transaction: store a batch and re-label every item.

Repetition is a property of the whole store (a request seen 40 times across four quarterly
exports is repetitive even if each export holds ten), so an import re-labels every item its
batch can change (relabel.py), or all of them where that cannot be told.
People's labels (the labels table, and Jira's own toil / not-toil labels) adapt the model to
the organisation and decide their own items (classify/adapt.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from toilaudit.classify.adapt import human_verdicts
from toilaudit.classify.classifier import INPUTS, classify
from toilaudit.classify.interface import RulePack
from toilaudit.classify.rule_pack import load_rule_pack
from toilaudit.errors import InputFileError
from toilaudit.importers.export import ImportBatch
from toilaudit.inputs import read_text_file
from toilaudit.relabel import TemplateKeeper, relabel_import, relabel_pending
from toilaudit.store import Store

RULE_PACK_SETTING = "rule_pack"  # the user's --rules text, kept so later imports use it too
CLASSIFY_COLUMNS = (*INPUTS, "human_label")


def read_rules_file(rules_file: Path) -> str:
    return read_text_file(rules_file, InputFileError, "--rules")


def active_rule_pack(store: Store) -> RulePack:
    """The rule pack in force: the one saved in the store by `classify --rules`, else the default."""
    saved = store.get_setting(RULE_PACK_SETTING)
    return load_rule_pack(saved, "saved rule pack") if saved else load_rule_pack()


def reclassify(store: Store, pack: RulePack) -> pd.DataFrame:
    """Label every stored item with `pack` (and people's labels) and replace the stored classifications.

    Runs inside the caller's transaction, under the import lock: without it an import and a
    classify at once both replace the classifications and one fails on a duplicate key.
    """
    store.lock_for_import()
    items = store.load_items(CLASSIFY_COLUMNS)
    human = human_verdicts(items, store.load_labels())
    classified = classify(items, pack, human=human, templates=TemplateKeeper(store, pack, human))
    store.replace_classifications(classified)
    return classified


def import_batch(store: Store, batch: ImportBatch, mode: str) -> dict[str, int]:
    """Store a batch and re-classify, all in one transaction: on failure nothing changes.

    The batch is written while the classifier labels what the store will hold: the database
    write releases the GIL, so on two cores it costs almost nothing. The main thread does not
    touch the store until the write is done.
    """
    with store.transaction():
        store.lock_for_import()  # before reading: another auditor's import must not slip in between
        pack = active_rule_pack(store)  # after the lock: a classify --rules just committed counts
        if (counts := relabel_import(store, batch, mode, pack)) is not None:  # re-labels only what changes
            return counts
        kept = store.load_items(CLASSIFY_COLUMNS, replaced_by=batch)
        incoming = batch.items[list(CLASSIFY_COLUMNS)]
        items = pd.concat([kept, incoming], ignore_index=True) if len(kept) else incoming
        human = human_verdicts(items, store.load_labels())
        with ThreadPoolExecutor(max_workers=1) as writer:
            written = writer.submit(store.upsert_items, batch, mode)
            keeper = TemplateKeeper(store, pack, human, writer)  # keeps what templates rest on, for the next import
            classified = classify(items, pack, human=human, templates=keeper)
            counts = written.result()
        keeper.done()
        store.replace_classifications(classified)
    return counts


def classify_store(store: Store, rules_file: Path | None) -> RulePack:
    """Re-label everything; a new --rules FILE is validated, then kept in the store for later imports."""
    if rules_file is None:
        pack = active_rule_pack(store)
    else:
        text = read_rules_file(rules_file)
        pack = load_rule_pack(text, Path(rules_file).name)
    with store.transaction():
        store.lock_for_import()  # an import running now finishes first, then sees the new pack
        if rules_file is not None:
            store.set_setting(RULE_PACK_SETTING, text)
        reclassify(store, pack)
    return pack


def classify_leftovers(store: Store) -> int:
    """Classify the items a live import fetched but was cut off before classifying; returns how many.

    Pages are committed as they arrive and classified at the end, so an import killed half way
    leaves items that every figure (a join with the classifications) would silently leave out.
    """
    count = store.unclassified_count()
    if count:
        classify_store(store, None)
    return count


# ------------------------------------------------------------------------------ live APIs
WATERMARK_OVERLAP = pd.Timedelta(days=1)  # re-read a day before the watermark: JQL dates are in the user's zone
PAGERDUTY_REFRESH = pd.Timedelta(days=7)  # pages stay open, then resolve: re-read the last week


@dataclass(frozen=True, slots=True)
class LiveImport:
    fetched: int
    """Items fetched (duplicates across overlapping windows counted once per fetch)."""
    inserted: int
    """Keys new to the store."""
    query: str
    """What was asked (never a credential)."""
    resumed_from: pd.Timestamp | None
    """The watermark the import started from, if any."""
    fetched_before: int = 0
    """Items a run cut off had fetched, when this one went on from where it stopped."""


# A live import keeps its place in the pages (beside the watermarks), page by page, in the same
# transaction as the page: run again after an interruption, it fetches only what is left.
POSITION = "position|"


def _saved_position(store: Store, scope: str, **expected: str) -> dict | None:
    """The place an interrupted run of this import reached, if it asked the same query."""
    saved = store.get_watermark(POSITION + scope)
    position = json.loads(saved) if saved else None
    if position is None or any(position.get(name) != value for name, value in expected.items()):
        return None
    return position


def _store_page(store: Store, source: str, items: pd.DataFrame, scope: str, position: dict) -> int:
    """Store one page and the place after it, in one transaction; returns how many keys were new."""
    with store.transaction():
        inserted = store.upsert_page(source, items)
        store.set_watermark(POSITION + scope, json.dumps(position))
    return inserted


def _newest(newest, candidate):
    return candidate if candidate is not None and (newest is None or candidate > newest) else newest


def _stamp(value) -> str | None:
    return None if value is None else pd.Timestamp(value).isoformat()


def import_jira_api(store: Store, source, jql: str, since: pd.Timestamp | None,
                    on_page: Callable[[int, int | None], None] = lambda fetched, total: None) -> LiveImport:
    """Fetch a JQL query page by page, committing each page; classify and advance the watermark at the end."""
    from toilaudit.importers.jira_api import narrow_jql

    scope = f"jira|{source.url}|{jql}"
    watermark = store.get_watermark(scope)
    resumed = pd.Timestamp(watermark) if watermark else None
    starts = [t for t in (since, resumed - WATERMARK_OVERLAP if resumed is not None else None) if t is not None]
    query = narrow_jql(jql, max(starts) if starts else None)
    started = datetime.now(UTC)
    fetched = inserted = 0
    newest = resumed
    position = _saved_position(store, scope, query=query) or {"query": query, "next": 0, "fetched": 0}
    before = position["fetched"]
    newest = _newest(newest, pd.Timestamp(position["newest"]) if position.get("newest") else None)
    pages = source.pages(query, position["next"]) if position["next"] is not None else ()  # None: all fetched
    for page in pages:
        fetched += len(page.items)
        newest = _newest(newest, page.max_updated)
        inserted += _store_page(store, "jira", page.items, scope, {
            "query": query, "next": page.next, "fetched": before + fetched, "newest": _stamp(newest)})
        on_page(before + fetched, page.total)
    _finish_live_import(store, "jira", f"{source.url} {query} ({source.deployment})", fetched, inserted, started,
                        scope, newest)
    store.clear_watermark(POSITION + scope)
    return LiveImport(fetched, inserted, query, resumed, before)


def _finish_live_import(store: Store, source: str, query: str, fetched: int, inserted: int, started: datetime,
                        scope: str, newest) -> None:
    """After the last page: classify everything, record the run, and only then move the watermark,
    so an import cut off before this point is simply run again."""
    pack = active_rule_pack(store)
    with store.transaction():
        if not relabel_pending(store, pack):  # re-labels only what the pages changed, where it can
            reclassify(store, pack)
        store.record_api_run(source, query, fetched, inserted, started)
        if newest is not None:
            store.set_watermark(scope, pd.Timestamp(newest).isoformat())


def import_pagerduty_api(store: Store, source, since: pd.Timestamp, until: pd.Timestamp, services: tuple[str, ...],
                         on_page: Callable[[int, int | None], None] = lambda fetched, total: None) -> LiveImport:
    from toilaudit.importers.pagerduty_api import Position

    scope = f"pagerduty|{source.url}|{','.join(sorted(services))}"
    watermark = store.get_watermark(scope)
    resumed = pd.Timestamp(watermark) if watermark else None
    start = since
    if resumed is not None and resumed - PAGERDUTY_REFRESH > since:
        start = resumed - PAGERDUTY_REFRESH
    started = datetime.now(UTC)
    fetched = inserted = 0
    newest = resumed
    position = _saved_position(store, scope, start=start.isoformat()) or {"start": start.isoformat(), "next": None,
                                                                          "fetched": 0, "done": False}
    before = position["fetched"]
    newest = _newest(newest, pd.Timestamp(position["newest"]) if position.get("newest") else None)
    kept = position["next"]  # [since, until, offset] of the next page, or None
    resume = Position(pd.Timestamp(kept[0]), pd.Timestamp(kept[1]), kept[2]) if kept else None
    pages = () if position["done"] else source.pages(start.to_pydatetime(), until.to_pydatetime(), services,
                                                     resume)
    for page in pages:
        fetched += len(page.items)
        newest = _newest(newest, page.items["created_at"].max() if not page.items.empty else None)
        following = page.next
        inserted += _store_page(store, "pagerduty", page.items, scope, {
            "start": start.isoformat(), "fetched": before + fetched, "newest": _stamp(newest), "done": following is None,
            "next": [following.since.isoformat(), following.until.isoformat(), following.offset] if following else None})
        on_page(before + fetched, before + page.total)
    query = f"{source.url} incidents {start:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M}" + (
        f" services {','.join(services)}" if services else "")
    _finish_live_import(store, "pagerduty", query, fetched, inserted, started, scope, newest)
    store.clear_watermark(POSITION + scope)
    return LiveImport(fetched, inserted, query, resumed, before)
