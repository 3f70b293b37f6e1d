"""Re-label only what an import can change (issue #12).

An item's classification depends on its own fields (rules, words, type, dates: the same
whatever else the store holds) and on two things the whole store decides: its title template
and the size of its repetition group (source and template), which drive S001, S008 and S007.
So an import of a few items into a large store re-labels only:
- the new and replaced items;
- the stored items whose template the import changes (their group is re-labelled whole), and
- every item of a group whose size the import moves to another band (classifier.size_bands:
  one item, S001's threshold, S008's): an item joins or leaves it.
Their classifications are computed by the same `classify`, given those items' templates and
the number of their groups' items left as they are. The stored items of a group whose size
moves within its band keep their verdicts and are given the new size (_gather); the other
classification rows stay as they are.

Templates are a property of the whole store (templates.py): a token held by fewer than 3
items becomes `*`, and a slot filled by 3 different values in texts otherwise alike becomes
`*`. A new title can make a token stop being rare or give a slot its third filler, which
changes other texts' templates. So a full classification keeps the counts behind those
decisions in the store (TemplateCounts: items per distinct text, items per token, the texts
holding each rare token, and every text's candidate slots by variant hash), and an import
updates them, finding the texts whose template can change:
1. the texts whose items change; a token whose count crosses the rare threshold brings the
   texts holding it (a rare token has at most two), whose rare-starred text (step 2) changes;
2. every text that shares a slot variant with a text whose step 2 changed (it appeared,
   disappeared or changed): the fillers of that variant changed, and with them perhaps its
   template. Its template is decided by the fillers of all its own variants, so the slot step
   runs over these texts and every text sharing any of their variants: exactly the counts a
   full classification would see for them.

A token that becomes rare again (a replaced item's title changed) is held by at most two texts
then; the counts do not list the holders of common tokens, so those are found by a scan of the
kept texts (seldom: only when a replaced item's text changes).

A live import keeps its pages aside until the last one (Store.stage_pages); its end re-labels
from the staged items as a CSV import does from its batch.

People's labels (the store's labels table, or Jira toil labels on items) adapt the model to the
organisation (adapt.py): it is refitted on the labelled items' evidence, and a group's labelled
items lean its other items (S010, S011). An import that changes no labelled item's evidence
(none is among the items it re-labels: an item's classification reads its group's size only by
band) leaves the refit as it was, so a full classification keeps the adapted model in the store
(ADAPTED_MODEL, with what the labels were) and the import re-labels with it, each item leaned by
its group's labelled items as the store holds them.

A full classification runs instead (and writes the counts again) when the counts were made
with another rule pack or model or by another version of toilaudit, or are missing (the first
import; a command that changed items without keeping them), when a label changed since the
last one (or the import brings a Jira toil label, or replaces an item that had one), when the
import would re-label a labelled item, and when the batch is large (most of the store changes
anyway).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

import toilaudit
from toilaudit import slot_pairs
from toilaudit.classify.adapt import LABEL_VALUES, either_verdict, human_verdicts
from toilaudit.classify.classifier import INPUTS, GroupCounter, Templater, classify, item_title_texts, size_bands
from toilaudit.classify.interface import RulePack
from toilaudit.classify.model import MODEL_RESOURCE, ToilModel
from toilaudit.classify.templates import (
    RARE_TOKEN_ITEMS,
    SLOT_MIN_FILLERS,
    TemplateCounts,
    collapse_stars,
    distinct_texts,
    group_templates,
    mask_variable_slots,
    masked_texts,
    rare_candidate,
    slot_variants,
    step1_tokens,
)
from toilaudit.store import Store

# moves when TemplateCounts or how the store keeps them changes, or what classifying gives an item
# from its own fields (4: no estimated hours for work not done; 5: in German, Spanish, Japanese and
# Korean too): the next import classifies in full
COUNTS_FORMAT = "5"
CLASSIFY_COLUMNS = (*INPUTS, "human_label")  # what classifying an item reads of it
ADAPTED_MODEL = "adapted_model"  # the model people's labels adapted at the last full classification
SMALL_BATCH = 10_000
T = TypeVar("T")


def labelled_items(items: pd.DataFrame, own: np.ndarray, person: np.ndarray) -> pd.DataFrame:
    """The items people labelled (source, key) and how: `jira` from the item's own toil label
    (adapt.own_verdicts), `person` from the labels table (adapt.person_verdicts); NaN where not."""
    held = np.flatnonzero(~(np.isnan(own) & np.isnan(person)))
    return pd.DataFrame({"source": items["source"].iloc[held].astype(object).to_numpy(),
                         "key": items["key"].iloc[held].astype(object).to_numpy(), "jira": own[held], "person": person[held]})


def fingerprint(pack: RulePack) -> str:
    """What classifications depend on besides the items: the rule pack, the model, the code."""
    model = resources.files("toilaudit.classify.trained").joinpath(MODEL_RESOURCE).read_bytes()
    digest = hashlib.sha256()
    for part in (COUNTS_FORMAT, toilaudit.__version__, repr(pack)):
        digest.update(part.encode() + b"\0")
    digest.update(model)
    return digest.hexdigest()


# ------------------------------------------------------------------------------ full path
class TemplateKeeper:
    """Given to `classify` as its template miner in a full classification: mines as usual and keeps
    the counts behind the templates, and the model people's labels adapted (`adapted`); `save`
    writes them, in the transaction that writes the classifications, for the next import.
    `labels`: labelled_items of the items, None where no item is labelled."""

    def __init__(self, pack: RulePack, labels: pd.DataFrame | None) -> None:
        self.made_with = fingerprint(pack)
        self.labels = labels
        self.tables: dict[str, pa.Table] | None = None
        self.slots = slot_pairs.empty(0)
        self.model: ToilModel | None = None

    def __call__(self, texts: pa.Array, item_counts: np.ndarray) -> pa.Array:
        """The templates as a dictionary (each template once, as distinct_texts orders them): kept
        for the store and read by the caller's groups, they are one copy, not two (250 MB at 5M titles)."""
        counts = TemplateCounts()
        codes, distinct = distinct_texts(group_templates(texts, item_counts, counts))
        counts.templates = pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), distinct)
        self.tables, self.slots = _tables(counts), counts.slots
        return counts.templates

    def adapted(self, model: ToilModel) -> None:
        self.model = model

    def save(self, store: Store) -> None:
        if self.tables is None or (self.labels is not None and self.model is None):
            store.forget_template_counts()
            store.set_setting(ADAPTED_MODEL, None)
            return
        store.replace_template_counts(self.tables, self.slots, self.made_with)
        labels = None if self.labels is None else self.labels.astype(object).where(self.labels.notna(), None)
        store.set_setting(ADAPTED_MODEL, None if self.model is None or labels is None else json.dumps(
            {"made_with": self.made_with, "labels": labels.to_dict(orient="list"), "model": _exact(self.model)}))


def _exact(model: ToilModel) -> dict:
    """The model as ToilModel.from_json reads it, every weight as it is (to_json rounds them)."""
    return {"version": model.version, "intercept": model.intercept, "threshold": model.threshold,
            "trained_on": dict(model.trained_on), "weights": dict(model.weights), "word_limit": model.word_limit}


def _tables(counts: TemplateCounts) -> dict[str, pa.Table]:
    """The counts as the store's tables but the slots (Arrow: a million texts, not copied)."""
    assert counts.texts is not None and counts.token_items is not None and counts.items is not None
    tokens = pa.array(counts.tokens, pa.string())
    held = counts.token_items > 0
    return {
        "template_texts": pa.table({"id": np.arange(len(counts.texts), dtype=np.int32), "text": counts.texts,
                                    "items": counts.items, "template": counts.templates}),
        "template_tokens": pa.table({"token": tokens.filter(pa.array(held)), "items": counts.token_items[held]}),
        "template_rare": pa.table({"token": tokens.take(pa.array(counts.rare_tokens, pa.int64())),
                                   "text_id": np.asarray(counts.rare_texts, dtype=np.int32)}),
    }


# ------------------------------------------------------------------------------ incremental path
def relabel_changes(store: Store, pack: RulePack, incoming: pd.DataFrame, source: str, write: Callable[[], T],
                    tell: Callable[[str], None] = lambda step: None) -> T | None:
    """Write the `incoming` items of `source` with `write` and re-label only what they can change
    (see the module doc); returns what `write` returned. None, having changed nothing, when a full
    classification is needed instead. Runs inside the caller's transaction, under the import lock."""
    made_with = fingerprint(pack)
    if not _applies(store, incoming, made_with):
        return None
    labelled = _people_labels(store, made_with)
    if labelled is False:
        return None
    replaced = store.items_by_keys(source, incoming["key"], ("title", "human_label"))
    if (replaced["human_label"].fillna("") != "").any():
        return None  # an item's Jira toil label goes: the refit moves
    plan = _plan(store, incoming, replaced)
    if plan is None:
        return None
    batch = _gather(store, plan, incoming, pack)
    model, leans = None, None
    if isinstance(labelled, _Labelled):
        if (~np.isnan(human_verdicts(batch.members, labelled.labels))).any():
            return None  # a labelled item would be re-labelled: the refit may move
        model, leans = labelled.model, labelled.leans
    resized = f"; {batch.resized:,} more only change their group's size" if batch.resized else ""
    adapted = ", with the model people's labels adapted" if model is not None else ""
    tell(f"re-labelling {len(batch.members):,} items, those the import can change{resized}{adapted}")
    classified = classify(batch.members, pack, model, templates=batch.templates, group_others=batch.others,
                          group_leans=leans)
    written = write()  # forgets the counts, as every change of the items does
    store.replace_some_classifications(classified)
    store.update_template_counts(plan.gone, plan.added, made_with)
    return written


def _applies(store: Store, incoming: pd.DataFrame, made_with: str) -> bool:
    """Whether re-labelling only what `incoming` changes can give the full classification's result."""
    if incoming.empty or store.template_counts_made_with() != made_with:
        return False
    # most of the store changes: the full classification is as quick (the store's items are
    # counted only for a batch that large: a count is a scan of every row on PostgreSQL)
    if len(incoming) > SMALL_BATCH and len(incoming) > store.item_count() // 10:
        return False
    return not (incoming["human_label"].fillna("") != "").any()  # a Jira toil label refits the model


@dataclass
class _Labelled:
    """A store whose people labelled items: the model their labels adapted, per group id its
    labelled items' toil count less their not-toil count (adapt.group_label_signals), and the
    labels table's rows of its items."""

    model: ToilModel
    leans: dict[str, int]
    labels: pd.DataFrame


def _people_labels(store: Store, made_with: str) -> _Labelled | bool | None:
    """None where no item is labelled; the adapted model and the groups' leans where the last full
    classification adapted it to the labels the store holds now; False where it did not (a label
    changed since, or the counts and the model were made apart).

    The items' own Jira toil labels are as that classification found them: an import that brings
    one, or replaces an item that had one, classifies in full. So only the labels table is read
    again (a Jira label is found by a scan of every item: seconds on PostgreSQL at 1M)."""
    kept = store.get_setting(ADAPTED_MODEL)
    if kept is None:
        return False if len(store.load_labels()) else None
    saved = json.loads(kept)
    if saved.get("made_with") != made_with or not isinstance(saved.get("labels"), dict):
        return False
    was = pd.DataFrame(saved["labels"]).astype({"jira": float, "person": float})
    person = store.labels_of_stored_items()
    now = pd.Series(person["label"].map(LABEL_VALUES).astype(float).to_numpy(),
                    index=pd.MultiIndex.from_arrays([person["source"], person["key"]])).dropna()
    if not now.sort_index().equals(was.dropna(subset=["person"]).set_index(["source", "key"])["person"].sort_index()):
        return False
    verdicts = either_verdict(was["jira"].to_numpy(), was["person"].to_numpy())
    groups = store.group_ids_of(was[["source", "key"]])
    lean = was.assign(lean=np.where(verdicts == 1, 1, np.where(verdicts == 0, -1, 0))).merge(groups, on=["source", "key"])
    return _Labelled(ToilModel.from_json(json.dumps(saved["model"])),
                     lean.groupby("group_id")["lean"].sum().astype(int).to_dict(), person)


class _Tokens:
    """Items per token (after step 1) before and after the import: the store's counts, plus the import's."""

    def __init__(self, store: Store, delta: pd.Series) -> None:
        self.store = store
        self.delta = delta
        self.before = pd.Series(dtype=np.int64)

    def items_before(self, vocabulary: list[str]) -> np.ndarray:
        missing = pd.Index(vocabulary, dtype=object).difference(self.before.index)
        if len(missing):
            rows = self.store.template_rows("template_tokens", "token", pd.Series(missing, dtype=object))
            found = rows.set_index("token")["items"].astype(np.int64)
            self.before = pd.concat([self.before, found.reindex(missing, fill_value=0)])
        return self.before.reindex(vocabulary).to_numpy(dtype=np.int64)

    def items_after(self, vocabulary: list[str]) -> np.ndarray:
        return self.items_before(vocabulary) + self.delta.reindex(vocabulary, fill_value=0).to_numpy(dtype=np.int64)


@dataclass
class _Plan:
    texts: pd.DataFrame
    """Every text the import looks at, indexed by text: id (new texts get the next ids), before
    and after (items), template_before and template (None where no item holds it)."""
    gone: dict[str, tuple[str, pd.Series]]
    added: dict[str, pd.DataFrame]
    affected_templates: list[str]
    """The templates of the groups whose items join or leave (their sizes change)."""
    regrouped_templates: list[str]
    """The templates of the groups holding stored items whose template changes: re-labelled whole."""

    def templates_of(self, codes: np.ndarray, texts: pa.Array, stored: pd.Series) -> dict[str, str]:
        """The template of each of the members' match texts (`texts`, and `codes` maps the
        members to them): decided here, else the stored one (`stored`: the templates of the
        first len(stored) members, the stored items)."""
        kept = len(stored)
        known = dict(zip(texts.take(pa.array(codes[:kept], pa.int64())).to_pylist(), stored.tolist()))
        names = texts.to_pylist()  # only the members' texts: the plan looks at tens of thousands
        decided = self.texts["template"].reindex(pd.Index(names, dtype=object))
        return known | {text: template for text, template in zip(names, decided.tolist()) if pd.notna(template)}


@dataclass
class _Batch:
    """What an import re-labels: `members` (the incoming items and every stored item of a group
    re-labelled whole), their templates, and the items of their groups left as they are (`others`)."""

    members: pd.DataFrame
    templates: Templater
    others: GroupCounter
    resized: int
    """The stored items whose group only changes size: they keep their verdicts (and the store
    counts a group's size when it is read)."""


def _gather(store: Store, plan: _Plan, incoming: pd.DataFrame, pack: RulePack) -> _Batch:
    """The items to re-label. An item's classification reads its group's size only by band (one
    item, S001's threshold, S008's: classifier.size_bands), so a group whose items join or leave
    but whose size stays in its band keeps its stored items' verdicts, untouched (a catalogue of
    repeated requests: 1,000 new items would otherwise re-label most of the store). A group whose
    band changes is re-labelled whole, as is one whose stored items change template; the loop ends
    when no other group changes band (each round loads the items of the groups that crossed)."""
    whole = set(plan.regrouped_templates)
    # every group the import can change, counted once: its size and its items the import does not
    # replace; each round takes off those it loads (they are re-labelled, not left as they are)
    counted = store.group_counts(sorted(set(plan.affected_templates) | whole), incoming).set_index(["source", "template"])
    kept = store.items_in_groups(CLASSIFY_COLUMNS, sorted(whole), incoming)
    while True:
        stored = kept["template"]
        members = pd.concat([kept.drop(columns="template"), incoming], ignore_index=True) if len(kept) else incoming
        codes, texts = item_title_texts(members)
        known = plan.templates_of(codes, texts, stored)
        item_templates = np.asarray([known[text] for text in texts.to_pylist()], dtype=object)[codes]
        joining = _per_group(members["source"], item_templates)
        loaded = _per_group(kept["source"], stored.to_numpy(dtype=object))
        staying = counted["staying"].sub(loaded.reindex(counted.index, fill_value=0))
        groups = counted.assign(staying=staying)[staying > 0]  # the stored groups some of whose items stay
        after = groups["staying"].add(joining.reindex(groups.index), fill_value=0).astype(np.int64)
        banded = size_bands(groups["size"].to_numpy(), pack.settings) != size_bands(after.to_numpy(), pack.settings)
        crossing = set(groups.index[banded].get_level_values("template")) - whole
        if not crossing:
            break
        whole |= crossing
        more = store.items_in_groups(CLASSIFY_COLUMNS, sorted(crossing), incoming)
        kept = pd.concat([kept, more], ignore_index=True) if len(kept) else more
    moved = after != groups["size"]
    staying_items = groups["staying"].to_dict()

    def templates(distinct: pa.Array, item_counts: np.ndarray) -> pa.Array:
        return pa.array([known[text] for text in distinct.to_pylist()], pa.string())

    def others(sources: list[str], template_values: pa.Array) -> np.ndarray:
        names = template_values.to_pylist()
        return np.array([staying_items.get((source, name), 0) for source in sources for name in names], dtype=np.int64)

    return _Batch(members, templates, others, int(groups.loc[moved, "staying"].sum()))


def _per_group(sources: pd.Series, templates: np.ndarray) -> pd.Series:
    """Items per (source, template)."""
    return pd.Series(1, index=pd.MultiIndex.from_arrays([sources.to_numpy(dtype=object), templates]),
                     dtype=np.int64).groupby(level=[0, 1]).sum()


def _counts_per_text(items: pd.DataFrame) -> pd.Series:
    """Items per distinct match text of their titles."""
    if items.empty:
        return pd.Series(dtype=np.int64)
    codes, texts = item_title_texts(items)
    return pd.Series(np.bincount(codes, minlength=len(texts)), index=pd.Index(texts.to_pylist(), dtype=object),
                     dtype=np.int64)


def _text_rows(store: Store, column: str, values: pd.Series) -> pd.DataFrame:
    """Stored template_texts rows by text or id, indexed by text: id, before (items), template_before."""
    rows = store.template_rows("template_texts", column, values)
    return pd.DataFrame({"id": rows["id"].astype(np.int64).to_numpy(), "before": rows["items"].astype(np.int64).to_numpy(),
                         "template_before": rows["template"].astype(object).to_numpy()},
                        index=pd.Index(rows["text"].astype(object), dtype=object))


def _with_ids(store: Store, texts: pd.DataFrame, ids) -> pd.DataFrame:
    """`texts` and the stored texts of `ids` it lacks (their items do not change)."""
    missing = pd.Series(np.setdiff1d(np.asarray(ids, dtype=np.int64), texts["id"].to_numpy()))
    if missing.empty:
        return texts
    found = _text_rows(store, "id", missing.astype(np.int32))
    found["after"] = found["before"]
    return pd.concat([texts, found])


def _step2(texts: list[str], token_items) -> dict[str, str]:
    """Texts with identifiers and rare tokens starred (templates' steps 1 and 2)."""
    if not texts:
        return {}
    return dict(zip(texts, masked_texts(pa.array(texts, pa.string()), token_items).to_pylist()))


def _sharing(store: Store, masked: list[str], unindexed: list[str]) -> np.ndarray:
    """Ids of the stored texts that share a candidate slot's variant with one of `masked` (texts
    after step 2), through a variant with 3 or more candidates (SLOT_MIN_FILLERS: with fewer, it
    has fewer fillers, so it is a variable slot neither before the import nor after). Candidates,
    not texts, are counted: a text can hold a variant twice ("a * b * c" holds "a * * c" with
    the filler "* b" and with "b *"). They are counted from the kept slots (as before the
    import; a 32-bit hash, so perhaps a few more) and from `unindexed`."""
    if not masked:
        return np.zeros(0, np.int64)
    rows = store.template_slots(slot_variants(pa.array(masked, pa.string()))[1])
    candidates = rows.groupby("variant").size()
    if unindexed:
        candidates = candidates.add(pd.Series(slot_variants(pa.array(unindexed, pa.string()))[1]).value_counts(),
                                    fill_value=0)
    wide = candidates.index[candidates >= SLOT_MIN_FILLERS]
    return rows.loc[rows["variant"].isin(wide), "text_id"].unique().astype(np.int64)


def _holders_of(store: Store, tokens: list[str]) -> pd.DataFrame:
    """token, text_id: the stored texts holding these tokens (after step 1), found by a scan for the
    longest part of each token that step 1 leaves as it was (between its `*`)."""
    if not tokens:
        return pd.DataFrame({"token": pd.Series(dtype=object), "text_id": pd.Series(dtype=np.int64)})
    found = store.template_texts_containing(pd.Series([max(t.split("*"), key=len) for t in tokens], dtype=object))
    vocabulary, rows, codes = step1_tokens(pa.array(found["text"].astype(object).tolist(), pa.string()))
    held = pd.DataFrame({"token": np.asarray(vocabulary, dtype=object)[codes],
                         "text_id": found["id"].to_numpy(dtype=np.int64)[rows]})
    return held[held["token"].isin(tokens)].reset_index(drop=True)


def _differs(a: pd.Series, b: pd.Series) -> pd.Series:
    return ~((a == b) | (a.isna() & b.isna()))


def _stored_slots(ids: pd.Series, before2: dict[str, str]) -> pd.DataFrame:
    """The kept slots of the texts `ids` (indexed by text), as (variant, text_id): the candidate
    slots of each text's step-2 form before the import, which is what the counts were kept from:
    the store finds them in the buckets of their variants (store/slots.py)."""
    rows, variants = slot_variants(pa.array([before2[text] for text in ids.index], pa.string())) if len(ids) else (
        np.zeros(0, np.int64), np.zeros(0, np.int32))
    return pd.DataFrame({"variant": np.asarray(variants, dtype=np.int32),
                         "text_id": ids.to_numpy(dtype=np.int32)[np.asarray(rows, dtype=np.int64)]})


def _plan(store: Store, incoming: pd.DataFrame, replaced: pd.DataFrame) -> _Plan | None:
    """What the import changes: `incoming` items (their columns) replace the stored items whose
    titles were `replaced`."""
    # 1. items per text: the incoming items' texts come, the texts of the items they replace go
    delta = _counts_per_text(incoming).sub(_counts_per_text(replaced), fill_value=0).astype(np.int64)
    stored = _text_rows(store, "text", pd.Series(delta.index, dtype=object))
    texts = pd.DataFrame({"id": -1, "before": 0, "template_before": None}, index=delta.index).astype(
        {"id": np.int64, "before": np.int64, "template_before": object})
    texts.loc[stored.index, ["id", "before", "template_before"]] = stored
    texts["after"] = texts["before"] + delta
    changed = list(texts.index[texts["after"] != texts["before"]])

    # 2. items per token (the tokens of those texts): a token that stops being rare, or becomes
    #    rare, changes the texts that hold it (at most two before, or after)
    vocabulary, rows, codes = step1_tokens(pa.array(changed, pa.string()))
    text_delta = (texts.loc[changed, "after"] - texts.loc[changed, "before"]).to_numpy()
    counts = _Tokens(store, pd.Series(np.bincount(codes, weights=text_delta[rows], minlength=len(vocabulary)),
                                      index=pd.Index(vocabulary, dtype=object)).astype(np.int64))
    tokens = pd.DataFrame({"before": counts.items_before(vocabulary), "after": counts.items_after(vocabulary)},
                          index=pd.Index(vocabulary, dtype=object))
    kind = rare_candidate(vocabulary)
    was_rare = kind & (tokens["before"] > 0) & (tokens["before"] < RARE_TOKEN_ITEMS)
    is_rare = kind & (tokens["after"] > 0) & (tokens["after"] < RARE_TOKEN_ITEMS)
    holders = store.template_rows("template_rare", "token", pd.Series(tokens.index[was_rare], dtype=object))
    turned_rare = _holders_of(store, list(tokens.index[is_rare & ~was_rare & (tokens["before"] > 0)]))
    flipped_holders = pd.concat([holders.loc[holders["token"].isin(tokens.index[was_rare & ~is_rare]), "text_id"],
                                 turned_rare["text_id"]])
    texts = _with_ids(store, texts, flipped_holders)

    # 3. step 2 (rare tokens starred) before and after, for those texts and the holders of flipped tokens
    looked_at = (texts["after"] != texts["before"]) | texts["id"].isin(flipped_holders)
    before2 = _step2(list(texts.index[looked_at & (texts["before"] > 0)]), counts.items_before)
    after2 = _step2(list(texts.index[looked_at & (texts["after"] > 0)]), counts.items_after)
    looked_at = list(texts.index[looked_at])
    moved = [t for t in looked_at if (t in before2) != (t in after2) or before2.get(t) != after2.get(t)]

    # 4. the texts sharing a slot variant with a moved one (the first ring: their templates are
    #    decided again), and the texts sharing a variant with those (the second ring: their
    #    fillers count for the first)
    unindexed = [after2[t] for t in moved if t in after2]  # the moved texts as they are after: not in the slots yet
    near = _sharing(store, [before2[t] for t in moved if t in before2] + unindexed, unindexed)
    texts = _with_ids(store, texts, near)
    present = texts["after"] > 0
    first = list(texts.index[present & (texts["id"].isin(near) | texts.index.isin(moved))])
    step2 = _step2(first, counts.items_after)
    far = _sharing(store, [step2[t] for t in first], unindexed)
    texts = _with_ids(store, texts, far)
    present = texts["after"] > 0
    second = [t for t in texts.index[present & texts["id"].isin(far)] if t not in step2]
    step2 |= _step2(second, counts.items_after)

    # 5. the first ring's templates, the slot step run over both rings
    neighbours = pa.array([step2[t] for t in second], pa.string())
    decided = dict(zip(first, collapse_stars(mask_variable_slots(pa.array([step2[t] for t in first], pa.string()),
                                                                 neighbours=neighbours)).to_pylist()))
    texts["template"] = texts["template_before"]
    texts.loc[first, "template"] = [decided[t] for t in first]
    texts.loc[~present, "template"] = None
    new = (texts["id"] < 0) & present
    next_id = store.next_template_text_id()
    texts.loc[new, "id"] = np.arange(next_id, next_id + int(new.sum()))

    # groups whose items join or leave (those of the incoming items too), and those holding stored
    # items that change template: these move to another group, so their group is re-labelled whole
    moves = (texts["after"] != texts["before"]) | _differs(texts["template"], texts["template_before"])
    affected = (set(texts.loc[moves, "template_before"].dropna()) | set(texts.loc[moves, "template"].dropna())
                | set(texts.loc[delta.index, "template"].dropna()))
    regrouped = (texts["before"] > 0) & (texts["after"] > 0) & _differs(texts["template"], texts["template_before"])

    # the counts after: texts, tokens, rare tokens' holders, and the slots of the moved texts
    rewrite = texts[moves]
    gone_ids = texts.loc[texts.index.isin(moved) & (texts["id"] >= 0) & (texts["before"] > 0), "id"]
    old = pd.concat([holders[["token", "text_id"]], turned_rare])
    came = pd.DataFrame({"token": np.asarray(vocabulary, dtype=object)[codes],
                         "text_id": texts["id"].reindex(np.asarray(changed, dtype=object)[rows]).to_numpy()})
    rare_rows = pd.concat([old, came]).drop_duplicates()
    alive = (set(texts.loc[present, "id"]) | set(old["text_id"])) - set(texts.loc[~present, "id"])
    rare_rows = rare_rows[rare_rows["token"].isin(tokens.index[is_rare]) & rare_rows["text_id"].isin(alive)]
    staying = [t for t in moved if t in after2]
    slot_rows, slot_variants_ = slot_variants(pa.array([after2[t] for t in staying], pa.string())) if staying else (
        np.zeros(0, np.int64), np.zeros(0, np.int32))
    token_moves = tokens[tokens["after"] != tokens["before"]]
    gone = {
        "template_texts": pd.DataFrame({"id": rewrite.loc[rewrite["before"] > 0, "id"].astype(np.int32)}),
        "template_tokens": pd.DataFrame({"token": pd.Series(token_moves.index, dtype=object)}),
        "template_rare": pd.DataFrame({"token": pd.Series(tokens.index, dtype=object)}),
        "template_slots": _stored_slots(gone_ids, before2),
    }
    written = rewrite[rewrite["after"] > 0]
    token_rows = token_moves[token_moves["after"] > 0]
    added = {
        "template_texts": pd.DataFrame({"id": written["id"].to_numpy(dtype=np.int32),
                                        "text": np.asarray(written.index, dtype=object),
                                        "items": written["after"].to_numpy(dtype=np.int64),
                                        "template": written["template"].to_numpy(dtype=object)}),
        "template_tokens": pd.DataFrame({"token": np.asarray(token_rows.index, dtype=object),
                                         "items": token_rows["after"].to_numpy(dtype=np.int64)}),
        "template_rare": pd.DataFrame({"token": rare_rows["token"].to_numpy(dtype=object),
                                       "text_id": rare_rows["text_id"].to_numpy(dtype=np.int32)}),
        "template_slots": pd.DataFrame({"variant": np.asarray(slot_variants_, dtype=np.int32),
                                        "text_id": texts["id"].reindex(np.asarray(staying, dtype=object)[slot_rows])
                                        .to_numpy(dtype=np.int32)}),
    }
    return _Plan(texts=texts, gone=gone, added=added, affected_templates=sorted(affected),
                 regrouped_templates=sorted(set(texts.loc[regrouped, "template_before"].dropna())))
