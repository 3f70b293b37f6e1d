"""The audit's steps, each one transaction: store a batch and re-label every item.

Repetition is a property of the whole store (a request seen 40 times across four quarterly
exports is repetitive even if each export holds ten), so an import re-labels every item its
batch can change (relabel.py), or all of them where that cannot be told.
People's labels (the labels table, and Jira's own toil / not-toil labels) adapt the model to
the organisation and decide their own items (classify/adapt.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from toilaudit.classify.adapt import either_verdict, own_verdicts, person_verdicts
from toilaudit.classify.classifier import DESCRIPTION_CHARS, classify
from toilaudit.classify.interface import RulePack
from toilaudit.classify.rule_pack import load_rule_pack
from toilaudit.errors import InputFileError, KeyClashError, StoreError
from toilaudit.importers.export import ImportBatch
from toilaudit.inputs import read_text_file
from toilaudit.item_versions import DatesRead, clash_error, older_warning, read_otherwise, undated_warning
from toilaudit.relabel import CLASSIFY_COLUMNS, TemplateKeeper, fingerprint, labelled_items, relabel_changes
from toilaudit.store import Store
from toilaudit.store.interface import CLASHING, OLDER

RULE_PACK_SETTING = "rule_pack"  # the user's --rules text, kept so later imports use it too
T = TypeVar("T")


def read_rules_file(rules_file: Path) -> str:
    return read_text_file(rules_file, InputFileError, "--rules")


def active_rule_pack(store: Store) -> RulePack:
    """The rule pack in force: the one saved in the store by `classify --rules`, else the default."""
    saved = store.get_setting(RULE_PACK_SETTING)
    return load_rule_pack(saved, "saved rule pack") if saved else load_rule_pack()


CLASSIFY_TRIES = 3  # attempts before an import gives up on a store that keeps changing under it


def classify_and_write(store: Store, write: Callable[[], T], incoming: pd.DataFrame | None = None,
                       replaced_by: ImportBatch | None = None, staged_scope: str | None = None,
                       pack: RulePack | None = None, tell: Callable[[str], None] = lambda step: None,
                       read_at: int | None = None) -> T:
    """Label every item the store will hold and write the labels with `write`'s change, in one transaction.

    The store's items are read, then classified with the store released (an embedded file is
    closed meanwhile, so summary and report read beside a long import), then `write` and the
    new classifications are committed together, if nothing that classifying reads changed
    meanwhile (another import, a label); else all of it again. Readers see the store before or
    after, never half. `incoming`: items about to replace those of `replaced_by` / `staged_scope`.
    `tell` hears each step (-v prints them). `read_at`: the generation at which `write`'s items
    were chosen; if the store has changed since (found on reading), _SplitOutdated is raised and
    nothing written.
    """
    for _ in range(CLASSIFY_TRIES):
        with store.transaction():  # one consistent read
            generation = store.generation()
            if read_at is not None and generation != read_at:
                raise _SplitOutdated
            in_force = pack or active_rule_pack(store)
            items = store.load_items(CLASSIFY_COLUMNS, replaced_by=replaced_by, staged_scope=staged_scope,
                                     description_chars=DESCRIPTION_CHARS)
            if incoming is not None and len(incoming):
                arriving = incoming[list(CLASSIFY_COLUMNS)]
                items = pd.concat([items, arriving], ignore_index=True) if len(items) else arriving
            labels = store.load_labels()
        tell(f"classifying {len(items):,} items; the store is free for other commands meanwhile")
        with store.released():
            own, person = own_verdicts(items), person_verdicts(items, labels)
            human = either_verdict(own, person)
            labelled = bool((~np.isnan(human)).any())
            # the counts behind the templates, and the model the labels adapted, for the next import
            keeper = TemplateKeeper(in_force, labelled_items(items, own, person) if labelled else None)
            classified = classify(items, in_force, human=human, templates=keeper, adapted=keeper.adapted)
        del items
        with store.transaction():
            store.lock_for_import()  # an import or classify on a shared server commits before or after this
            if store.generation() != generation:
                tell("the store changed meanwhile (another import, or a label): classifying again")
                continue
            tell("writing the items and their classifications in one transaction")
            written = write()
            keeper.save(store)
            del keeper  # the counts let go before the classifications are written: the import's peak
            store.replace_classifications(classified)
            return written
    raise _changing_error(store)


def _changing_error(store: Store) -> StoreError:
    return StoreError(f"{store.display_name}: other imports or labels kept changing the store while this one "
                      f"classified ({CLASSIFY_TRIES} tries) - run it again when they are done")


def import_batch(store: Store, batch: ImportBatch, mode: str, tell: Callable[[str], None] = lambda step: None,
                 told: Callable[[str], None] = lambda message: None, dates: DatesRead | None = None) -> dict[str, int]:
    """Store a batch and re-classify what it can change, in one transaction: on failure nothing changes.

    Items the store already holds as they are (every field the same: a re-imported export, the
    overlap of two exports) are neither written again nor re-labelled, nor are those it holds in a
    newer version (an older export imported after a newer one: `told` names them). An item under a
    stored item's key with another Created is another item: the import is refused (KeyClashError),
    unless reading the export as the import before did explains it (`dates`: see item_versions.read_otherwise).
    A small batch of the rest into a store whose template counts are up to date re-labels only what
    it can change (relabel.py), holding the store for that moment; else every item is classified again.
    """
    counts, warnings = _store_batch(store, batch, mode, tell, dates)
    store.saved = True  # committed: a Ctrl-C from here on interrupts nothing
    for warning in warnings:
        told(warning)
    return counts


def _store_batch(store: Store, batch: ImportBatch, mode: str, tell: Callable[[str], None],
                 dates: DatesRead | None) -> tuple[dict[str, int], list[str]]:
    where = batch.files[0].name + (f" (and {len(batch.files) - 1} more)" if len(batch.files) > 1 else "") \
        if batch.files else batch.source
    for _ in range(CLASSIFY_TRIES):
        with store.transaction():
            store.lock_for_import()  # nothing may change between the counts read and those written
            generation = store.generation()
            compared = store.compare_items(batch.source, batch.items)
            clashes = compared.clashes
            if len(clashes) and dates is not None:
                clashes = clashes.loc[~read_otherwise(clashes, dates)]
            if len(clashes):
                raise clash_error(where, batch.source, clashes, dates)
            left = compared.identical | compared.older
            changed = replace(batch, items=batch.items.loc[~left].reset_index(drop=True)) if left.any() else batch
            unchanged, older = int(compared.identical.sum()), int(compared.older.sum())
            if unchanged:
                tell(f"{unchanged:,} items are stored as they are: neither written again nor re-labelled")
            warnings = [older_warning(where, batch.items["key"], compared.older, "this export" if batch.files else
                                      "this import")] if older else []
            if compared.undated.any():
                warnings.append(undated_warning(where, batch.items["key"], compared.undated))

            def write(changed: ImportBatch = changed, unchanged: int = unchanged, older: int = older) -> dict[str, int]:
                return store.upsert_items(changed, mode, unchanged, older)

            pack = active_rule_pack(store)
            if changed.items.empty and store.template_counts_made_with() == fingerprint(pack):
                return write(), warnings  # the classifications stand: nothing they rest on changed
            incoming = changed.items[list(CLASSIFY_COLUMNS)].reset_index(drop=True)
            counts = relabel_changes(store, pack, incoming, batch.source, write, tell)
        if counts is not None:
            return counts, warnings
        try:
            return classify_and_write(store, write, incoming=changed.items, replaced_by=changed, tell=tell,
                                      read_at=generation), warnings
        except _SplitOutdated:
            tell("the store changed meanwhile (another import, or a label): comparing the items again")
    raise _changing_error(store)


class _SplitOutdated(Exception):
    """Which items an import writes was decided on a store that has changed since."""


def reclassify(store: Store, pack: RulePack | None = None, then: Callable[[], None] = lambda: None) -> None:
    """Label every stored item (with people's labels) and replace the classifications, with `then`'s change."""
    classify_and_write(store, then, pack=pack)


def classify_store(store: Store, rules_file: Path | None) -> RulePack:
    """Re-label everything; a new --rules FILE is validated, then kept in the store for later imports."""
    if rules_file is None:
        pack = active_rule_pack(store)
        reclassify(store, pack)
        return pack
    text = read_rules_file(rules_file)
    pack = load_rule_pack(text, Path(rules_file).name)
    reclassify(store, pack, then=lambda: store.set_setting(RULE_PACK_SETTING, text))
    return pack


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


# A live import stages its pages (staged_items) with its place in them, a few seconds' pages per
# transaction, and releases the store while it fetches: other commands read meanwhile and see
# none of it. After the last page the staged items move into work_items with every item's
# classification in one transaction. Run again after an interruption, it fetches only what is left.
POSITION = "position|"
STAGE_EVERY_SECONDS = 2.0  # pages fetched in between are kept in memory; a killed run fetches them again


def _start(store: Store, scope: str, fresh: dict, told: Callable[[str], None], **expected: str) -> dict:
    """Where this run begins: the place an interrupted run of the same query reached, else `fresh`
    (then pages a run with another query staged are dropped)."""
    _drop_other_queries(store, scope, told)
    saved = store.get_watermark(POSITION + scope)
    position = json.loads(saved) if saved else None
    if position is not None and all(position.get(name) == value for name, value in expected.items()):
        return position
    with store.transaction():
        store.discard_staged(scope)
        store.clear_watermark(POSITION + scope)
    return fresh


def _drop_other_queries(store: Store, scope: str, told: Callable[[str], None]) -> None:
    """Drop the pages an unfinished import of another query (or other services) from the same server
    keeps aside, saying so. Kept, they would be counted nowhere and warned about by every command:
    a run refused for a broken issue is often run again with a query that leaves the issue out."""
    source, url, _ = scope.split("|", 2)
    for other, keys in store.staged_scopes().items():
        other_source, other_url, query = other.split("|", 2)
        if other != scope and (other_source, other_url) == (source, url):
            with store.transaction():
                store.discard_staged(other)
                store.clear_watermark(POSITION + other)
            told(f"{source}: dropped the {keys:,} item(s) an unfinished import of {query or 'every service'!r} had "
                 "fetched and kept aside - run that import again to fetch them anew")


def _fetch_and_stage(store: Store, scope: str, pages: Iterable[tuple[pd.DataFrame, dict]]) -> None:
    """Stage (items, place after them) pages every few seconds and when the fetch stops, however
    it stops (the end, Ctrl-C, an outage). The store is released while pages are fetched."""
    pending: list[tuple[pd.DataFrame, dict]] = []

    def stage() -> None:
        if pending:
            with store.transaction():
                store.stage_pages(scope, pd.concat([items for items, _ in pending], ignore_index=True))
                store.set_watermark(POSITION + scope, json.dumps(pending[-1][1]))
            pending.clear()

    fetching = iter(pages)
    more = True
    try:
        while more:
            with store.released():
                stage_at = time.monotonic() + STAGE_EVERY_SECONDS
                while more and time.monotonic() < stage_at:
                    page = next(fetching, None)
                    more = page is not None
                    if page is not None:
                        pending.append(page)
            stage()
    finally:
        stage()


def _finish_live_import(store: Store, source: str, scope: str, query: str, started: datetime, newest,
                        told: Callable[[str], None]) -> int:
    """After the last page: move the staged items in with every item's classification and record the
    run, then move the watermark and forget the place, in one transaction; returns the keys new.
    Staged items under a stored item's key with another Created refuse the import: its staged pages
    and place are dropped, so the store is as it was before it."""
    def write() -> int:
        _, inserted = store.move_staged(scope, source, query, started)
        if newest is not None:
            store.set_watermark(scope, pd.Timestamp(newest).isoformat())
        store.clear_watermark(POSITION + scope)
        return inserted

    try:
        try:
            with store.transaction():
                if store.staged_count(scope):
                    store.lock_for_import()
                    # the items fetched again as they are stored (a re-read window), and those stored in a
                    # newer version, are left as they are
                    _leave_stored(store, source, scope, told)
                if not store.staged_count(scope):  # nothing new or changed: the classifications stand
                    return write()
                incoming = store.load_staged(scope, CLASSIFY_COLUMNS)
                inserted = relabel_changes(store, active_rule_pack(store), incoming, source, write)
                if inserted is None:
                    raise _ClassifyEverything  # rolls the dropping back, done again before the full classification
            return inserted
        except _ClassifyEverything:
            with store.transaction():
                store.lock_for_import()
                _leave_stored(store, source, scope, lambda message: None)  # said above
                incoming = store.load_staged(scope, CLASSIFY_COLUMNS)
            return classify_and_write(store, write, incoming=incoming, staged_scope=scope)
    except KeyClashError:
        with store.transaction():
            store.discard_staged(scope)
            store.clear_watermark(POSITION + scope)
        raise


def _leave_stored(store: Store, source: str, scope: str, told: Callable[[str], None]) -> None:
    """Drop the staged items of `scope` that the store holds as they are or in a newer version (naming
    the latter with `told`); refuse (KeyClashError) those under a stored item's key with another Created."""
    found = store.compare_staged(scope)
    clashes = found.loc[found["verdict"] == CLASHING]
    if len(clashes):
        clashes = clashes.assign(created_at=pd.to_datetime(clashes["created_at"], utc=True),
                                 stored_created=pd.to_datetime(clashes["stored_created"], utc=True))
        raise clash_error(source, source, clashes.sort_values("key", kind="stable"), None)
    older = found.loc[found["verdict"] == OLDER, "key"].sort_values(kind="stable")
    if len(older):
        told(older_warning(source, older, np.ones(len(older), dtype=bool), "this fetch"))
    store.drop_staged_kept(scope)


class _ClassifyEverything(Exception):
    """The staged items cannot be re-labelled alone: every item is classified again."""


def _newest(newest, candidate):
    return candidate if candidate is not None and (newest is None or candidate > newest) else newest


def _stamp(value) -> str | None:
    return None if value is None else pd.Timestamp(value).isoformat()


def import_jira_api(store: Store, source, jql: str, since: pd.Timestamp | None,
                    on_page: Callable[[int, int | None], None] = lambda fetched, total: None,
                    told: Callable[[str], None] = lambda message: None) -> LiveImport:
    """Fetch a JQL query page by page into staging; at the end classify, move in and advance the watermark."""
    from toilaudit.importers.jira_api import narrow_jql

    scope = f"jira|{source.url}|{jql}"
    watermark = store.get_watermark(scope)
    resumed = pd.Timestamp(watermark) if watermark else None
    starts = [t for t in (since, resumed - WATERMARK_OVERLAP if resumed is not None else None) if t is not None]
    query = narrow_jql(jql, max(starts) if starts else None)
    started = datetime.now(UTC)
    position = _start(store, scope, {"query": query, "next": 0, "fetched": 0}, told, query=query)
    before = position["fetched"]
    newest = _newest(resumed, pd.Timestamp(position["newest"]) if position.get("newest") else None)
    fetched = 0

    def pages():
        nonlocal fetched, newest
        if position["next"] is None:  # an interrupted run fetched every page
            return
        for page in source.pages(query, position["next"]):
            fetched += len(page.items)
            newest = _newest(newest, page.max_updated)
            on_page(before + fetched, page.total)
            yield page.items, {"query": query, "next": page.next, "fetched": before + fetched, "newest": _stamp(newest)}

    _fetch_and_stage(store, scope, pages())
    inserted = _finish_live_import(store, "jira", scope, f"{source.url} {query} ({source.deployment})", started,
                                   newest, told)
    return LiveImport(fetched, inserted, query, resumed, before)


def import_pagerduty_api(store: Store, source, since: pd.Timestamp, until: pd.Timestamp, services: tuple[str, ...],
                         on_page: Callable[[int, int | None], None] = lambda fetched, total: None,
                         told: Callable[[str], None] = lambda message: None) -> LiveImport:
    from toilaudit.importers.pagerduty_api import Position

    scope = f"pagerduty|{source.url}|{','.join(sorted(services))}"
    watermark = store.get_watermark(scope)
    resumed = pd.Timestamp(watermark) if watermark else None
    start = since
    if resumed is not None and resumed - PAGERDUTY_REFRESH > since:
        start = resumed - PAGERDUTY_REFRESH
    started = datetime.now(UTC)
    position = _start(store, scope, {"start": start.isoformat(), "next": None, "fetched": 0, "done": False}, told,
                      start=start.isoformat())
    before = position["fetched"]
    newest = _newest(resumed, pd.Timestamp(position["newest"]) if position.get("newest") else None)
    fetched = 0

    def pages():
        nonlocal fetched, newest
        if position["done"]:  # an interrupted run fetched every page
            return
        kept = position["next"]  # [since, until, offset] of the next page, or None: from the start
        resume = Position(pd.Timestamp(kept[0]), pd.Timestamp(kept[1]), kept[2]) if kept else None
        for page in source.pages(start.to_pydatetime(), until.to_pydatetime(), services, resume):
            fetched += len(page.items)
            newest = _newest(newest, page.items["created_at"].max() if not page.items.empty else None)
            following = page.next
            on_page(before + fetched, before + page.total)
            yield page.items, {
                "start": start.isoformat(), "fetched": before + fetched, "newest": _stamp(newest),
                "done": following is None,
                "next": [following.since.isoformat(), following.until.isoformat(), following.offset] if following else None}

    _fetch_and_stage(store, scope, pages())
    query = f"{source.url} incidents {start:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M}" + (
        f" services {','.join(services)}" if services else "")
    inserted = _finish_live_import(store, "pagerduty", scope, query, started, newest, told)
    return LiveImport(fetched, inserted, query, resumed, before)
