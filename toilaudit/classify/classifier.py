"""Label every WorkItem toil or not, with a category, a probability and the reasons that fired.

Two stages:
1. evidence (`gather_evidence`): what the rules and signals say of each item, for Google's
   toil traits (SRE book, ch. 5):
   - automatable:  the toil rules of the rule pack (T...), and the not-toil rules (N...:
                   engineering, overhead);
   - repetitive:   S001, the item's title template is shared by `repetition_min_group`+ items
                   (S008 when twice that);
   - tactical:     S002, an interrupt-driven type (service request, incident, page);
                   S003, planned engineering types (story, epic) count against;
   - no enduring value: S004, resolved within two days;
   - noise:        S005, a page PagerDuty resolved by itself; S006 a page off business hours;
                   S007, a unique, long, high-urgency page is novel incident work, not toil.
2. verdict: the model (model.py) adds the log-odds of the item's words, of each rule and
   signal that fired, and of being a page; the item is toil when the probability reaches the
   model's threshold. The words are how the model covers requests no rule foresaw.

Everything is whole-column numpy, pandas or Arrow work; rules run once per distinct title
text and words are scored once per distinct text, so a million items take seconds.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toilaudit.classify.features import (
    DESCRIPTION,
    TITLE,
    TYPE_AND_LABELS,
    Field,
    LinearScorer,
    feature_rows,
    worker_pool,
)
from toilaudit.classify.interface import CLASSIFICATION_FIELDS, Rule, RulePack, Settings
from toilaudit.classify.matching import start_matching
from toilaudit.classify.model import RULE_LOGIT, ToilModel, shipped_model, sigmoid
from toilaudit.classify.not_done import NOT_DONE as NOT_DONE  # re-exported: callers import it from here
from toilaudit.classify.not_done import resolved_undone
from toilaudit.classify.templates import (
    distinct_texts,
    distinct_values,
    group_templates,
    match_texts,
)

# Built-in signals: (id, name, weight on the rule pack's scale; the model's prior is RULE_LOGIT x weight).
SIGNALS = {
    "S001": ("signal.repetition", 0.3),
    "S002": ("signal.tactical-type", 0.15),
    "S003": ("signal.engineering-type", -0.3),
    "S004": ("signal.quick-resolution", 0.1),
    "S005": ("signal.auto-resolved-page", 0.6),
    "S006": ("signal.off-hours-page", 0.05),
    # Public trackers record neither urgency nor hands-on time, so the corpus cannot fit S005 and
    # S007: they keep these priors, set so that they decide (SRE book ch. 5: an auto-resolved page
    # is noise; novel incident work is not toil), whatever the words say.
    "S007": ("signal.novel-incident", -0.8),
    "S008": ("signal.very-repetitive", 0.1),
    "S009": ("signal.page", 0.0),
    "S010": ("signal.group-labelled-toil", 0.6),  # see adapt.py
    "S011": ("signal.group-labelled-not-toil", -0.6),
    "S012": ("signal.labelled-by-person", 0.0),
}
QUICK_RESOLUTION = pd.Timedelta(days=2)
NOVEL_INCIDENT_MIN = pd.Timedelta(hours=1)
DESCRIPTION_CHARS = 500
"""The model reads the start of a description: requests say what they want first."""

# The WorkItem fields the classifier reads.
INPUTS = ("source", "key", "title", "description", "labels", "item_type", "created_at", "resolved_at",
          "time_spent_seconds", "urgency", "auto_resolved", "status", "resolution")


@dataclass(frozen=True, slots=True)
class TextField:
    """One text field's distinct match texts and each item's index into them."""

    field: Field
    codes: np.ndarray
    texts: pa.Array
    prepare: Callable[[pa.Array], pa.Array] | None = None
    """Turns `texts` into match texts when they are read (descriptions); None: they already are."""

    def match(self) -> pa.Array:
        return self.prepare(self.texts) if self.prepare else self.texts


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the rules and signals say of each item, before any weighing."""

    rules: tuple[Rule, ...]
    """The pack's rules, in order."""
    unit_codes: np.ndarray
    """Each item's (match text, source) unit: rules are decided per unit."""
    units: int
    fired: dict[str, np.ndarray]
    """Rule id -> the units it fired for, in order (positions, not a flag per unit: see start_matching)."""
    signals: dict[str, np.ndarray]
    """Signal id -> fired per item."""
    text_fields: tuple[TextField, ...]
    """Title, description, type and labels: the words the model reads."""
    group_id: pd.Categorical
    group_size: np.ndarray
    templates: pd.Categorical
    is_page: np.ndarray
    auto_resolved: np.ndarray
    off_hours: np.ndarray

    def rule_mask(self, rule_id: str) -> np.ndarray:
        """Whether the rule fired, per item."""
        per_unit = np.zeros(self.units, dtype=bool)
        per_unit[self.fired[rule_id]] = True
        return per_unit[self.unit_codes]


Templater = Callable[[pa.Array, np.ndarray], pa.Array]
"""Distinct match texts of titles and the items holding each -> their group templates (group_templates). A
dictionary array is read as each template once (its dictionary): relabel.TemplateKeeper's."""
GroupCounter = Callable[[list[str], pa.Array], np.ndarray]
"""Sources and templates -> the items of each group (source, template) outside those classified,
as group codes number them (source code * len(templates) + template code)."""


def size_bands(sizes: np.ndarray, settings: Settings) -> np.ndarray:
    """What the classification reads of a group's size: one item (S007), `repetition_min_group`
    or more (S001), twice that or more (S008). Groups of sizes in the same band classify alike
    but for the size itself (relabel.py updates the size alone)."""
    sizes = np.asarray(sizes)
    minimum = settings.repetition_min_group
    return (sizes == 1) * 1 + (sizes >= minimum) * 2 + (sizes >= 2 * minimum) * 4


def classify(items: pd.DataFrame, pack: RulePack, model: ToilModel | None = None,
             human: np.ndarray | None = None, templates: Templater | None = None,
             group_others: GroupCounter | None = None, group_leans: Mapping[str, int] | None = None,
             adapted: Callable[[ToilModel], None] | None = None) -> pd.DataFrame:
    """One classification row (CLASSIFICATION_FIELDS) per item, in the items' order.

    `human`, aligned with the items: 1.0 where a person labelled the item toil, 0.0 not toil,
    NaN unlabelled. Labels adapt the model to the organisation (adapt.py) and decide their
    own items' verdicts; `adapted` hears of the adapted model. `templates` replaces the template
    mining (relabel.py gives the templates the whole store decides, for a few items);
    `group_others` counts the items of their groups that are not among `items` (relabel.py:
    the stored items left as they are). `group_leans`, for unlabelled items of a store whose
    people labelled others (relabel.py, with `model` the adapted one): per group id, its labelled
    items' toil count less their not-toil count (adapt.group_label_signals).
    """
    if items.empty:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in CLASSIFICATION_FIELDS})
    model = model or shipped_model()
    labelled = np.zeros(len(items), dtype=bool) if human is None else ~np.isnan(human)
    adapting = bool(labelled.any())  # labels refit the model: words are scored after the refit
    weights = model.weights
    description = _description_field(items)
    with worker_pool() as pool:
        # The descriptions' words, the largest part of the scoring, are scored by the pool while
        # this thread works out match texts and templates: they need nothing else, and Arrow
        # lets go of the interpreter while it splits and looks up words. The titles' words are
        # queued once the templates are mined: the pool is idle then, while this thread works
        # out group ids and signals.
        pending: dict[Field, Callable[[], np.ndarray]] = {}

        def score_titles(titles: TextField) -> None:
            pending[TITLE] = LinearScorer(weights, TITLE).submit(titles.texts, None, pool)

        if not adapting:
            pending[DESCRIPTION] = LinearScorer(weights, DESCRIPTION).submit(description.texts, description.prepare,
                                                                           pool)
        evidence = gather_evidence(items, pack, templates, description, pool, None if adapting else score_titles,
                                   group_others)
        if adapting:
            evidence, model = _learn_from_labels(evidence, model, np.asarray(human, dtype=float))
            if adapted is not None:
                adapted(model)
        elif group_leans is not None:
            lean = np.asarray([group_leans.get(group, 0) for group in evidence.group_id.categories], dtype=np.int64)[
                evidence.group_id.codes]
            evidence = dataclasses.replace(evidence, signals=evidence.signals | {
                "S010": lean > 0, "S011": lean < 0, "S012": np.zeros(len(items), dtype=bool)})
        probability = sigmoid(item_logits(evidence, model, {field: scores() for field, scores in pending.items()}))
    threshold = pack.settings.toil_threshold if pack.settings.toil_threshold is not None else model.threshold
    is_toil = probability >= threshold
    if adapting:  # a person's label is the verdict for the item they labelled
        is_toil = np.where(labelled, np.nan_to_num(np.asarray(human, dtype=float)) == 1, is_toil)
    toil_index = _strongest(pack.toil_rules, evidence)
    other_index = _strongest(pack.other_rules, evidence)
    repetitive = evidence.signals["S001"]
    category = _categories(pack, toil_index, other_index, is_toil, evidence.is_page, repetitive,
                           evidence.auto_resolved)
    hours, measured = _hours(items, pack, toil_index, is_toil, evidence.auto_resolved, evidence.is_page)
    rule_ids, reasons = _rule_ids_and_reasons(pack, evidence)
    return pd.DataFrame(
        {
            "source": items["source"].array,
            "key": items["key"].array,
            "is_toil": is_toil,
            "category": category,
            "score": probability.round(3),
            "rule_ids": rule_ids,
            "group_id": evidence.group_id,
            "group_size": evidence.group_size.astype("int64"),
            "template": evidence.templates,
            "hours": hours.round(4),
            "hours_measured": measured,
            "off_hours": evidence.off_hours,
            "reasons": reasons,
            # one value for every item: a category, not a string per item (85 MB at 5M items)
            "rule_pack_version": pd.Categorical.from_codes(np.zeros(len(items), dtype=np.int8), [pack.version]),
        }
    )


def _learn_from_labels(evidence: Evidence, model: ToilModel, human: np.ndarray) -> tuple[Evidence, ToilModel]:
    """Group signals from the labels, and the model refitted on the labelled items (adapt.py)."""
    from toilaudit.classify.adapt import adapt_model, group_label_signals

    labelled = ~np.isnan(human)
    group_codes = pd.factorize(np.asarray(evidence.group_id, dtype=object))[0]
    leans_toil, leans_other = group_label_signals(group_codes, human)
    evidence = dataclasses.replace(evidence, signals=evidence.signals | {
        "S010": leans_toil, "S011": leans_other, "S012": labelled})
    rows = np.flatnonzero(labelled)
    return evidence, adapt_model(model, item_features(evidence, rows), human[rows])


def item_features(evidence: Evidence, rows: np.ndarray | None = None) -> list[set[str]]:
    """The names of every feature present in each item of `rows` (default all): words, rules, signals.

    The slow, explicit form of what item_logits sums, for fitting on a few thousand items.
    """
    rows = np.arange(len(evidence.unit_codes)) if rows is None else np.asarray(rows)
    features: list[set[str]] = [set() for _ in range(len(rows))]
    for text in evidence.text_fields:
        wanted, codes = np.unique(text.codes[rows], return_inverse=True)
        per_text: dict[int, set[str]] = {}
        chosen = text.texts.take(pa.array(wanted))
        for row, name in feature_rows(text.prepare(chosen) if text.prepare else chosen, text.field):
            per_text.setdefault(row, set()).add(name)
        for position, code in enumerate(codes.tolist()):
            features[position] |= per_text.get(code, set())
    for rule in evidence.rules:
        for position in np.flatnonzero(evidence.rule_mask(rule.id)[rows]).tolist():
            features[position].add(f"r:{rule.id}")
    for signal_id, mask in evidence.signals.items():
        for position in np.flatnonzero(mask[rows]).tolist():
            features[position].add(f"s:{signal_id}")
    return features


def rule_logit(model: ToilModel, rule: Rule) -> float:
    """What a rule adds: its fitted weight, or, for a site's own rule the corpus never saw, its prior."""
    prior = RULE_LOGIT * rule.weight * (1 if rule.kind == "toil" else -1)
    return model.weight(f"r:{rule.id}", prior)


def signal_logit(model: ToilModel, signal_id: str) -> float:
    return model.weight(f"s:{signal_id}", RULE_LOGIT * SIGNALS[signal_id][1])


def item_logits(evidence: Evidence, model: ToilModel, scored: Mapping[Field, np.ndarray] | None = None) -> np.ndarray:
    """Log-odds of toil per item: intercept, words (within the model's word limit), rules and
    signals. `scored`: fields whose words `model` has already scored (the sum of its weights per
    distinct text)."""
    logit = np.full(len(evidence.unit_codes), model.intercept)
    words = np.zeros(len(evidence.unit_codes))
    for text in evidence.text_fields:
        per_text = (scored or {}).get(text.field)
        if per_text is None:
            per_text = LinearScorer(model.weights, text.field).score(text.texts, text.prepare)
        words += per_text[text.codes]
    logit += model.limit_words(words)
    per_unit = np.zeros(evidence.units)
    for rule in evidence.rules:
        per_unit[evidence.fired[rule.id]] += rule_logit(model, rule)
    logit += per_unit[evidence.unit_codes]
    for signal_id, mask in evidence.signals.items():
        logit += signal_logit(model, signal_id) * mask
    return logit


def item_title_texts(items: pd.DataFrame) -> tuple[np.ndarray, pa.Array]:
    """Each item's index into the distinct match texts of the titles, and those texts: what the
    repetition groups are mined from (a label that every ticket carries, such as a team's, would
    otherwise make one group of unrelated titles)."""
    # Normalise each distinct raw title once (repeated requests share titles), then group the
    # normalised texts ("host 17" and "host 23" normalise alike)
    raw_codes, titles = distinct_values(items["title"])
    title_texts = match_texts(titles)
    del titles  # as they are read, no longer needed: 260 MB at 5M distinct titles, at the peak
    codes, distinct = distinct_texts(title_texts)
    return codes[raw_codes], distinct


def item_rule_texts(items: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pa.Array, int]:
    """What the rules read: each item's index into the distinct match texts of the titles, its
    index into those of the labels (after the titles), those texts, titles first, and how many
    are titles. A rule reads the title and the labels apart: joined, a label such as "oncall"
    made every "Add ..." title an on-call change."""
    title_codes, title_texts = item_title_texts(items)
    label_codes, labels = distinct_values(items["labels"])
    titles = len(title_texts)
    # one array, so that the rules scan both in one pass; the titles are not held twice
    texts = pa.concat_arrays([title_texts, match_texts(labels)])
    return title_codes, label_codes + titles, texts, titles


def gather_evidence(items: pd.DataFrame, pack: RulePack, templates: Templater | None = None,
                    description: TextField | None = None, pool: ThreadPoolExecutor | None = None,
                    titles_ready: Callable[[TextField], None] | None = None,
                    group_others: GroupCounter | None = None) -> Evidence:
    """Rules, repetition groups and signals for each item; see the module doc. `description`:
    the items' _description_field, when the caller already has it; `pool`: worker threads to
    share; `titles_ready` hears of the titles' TextField once the templates are mined;
    `group_others`: see classify."""
    settings = pack.settings
    is_page = (items["source"] == "pagerduty").to_numpy()
    title_codes, label_codes, texts, titles = item_rule_texts(items)
    title_texts = texts.slice(0, titles)

    # rules, once per distinct (title, labels, source) (a rule may be limited to some sources):
    # `unit_codes` maps every item to its unit
    source_codes, source_values = pd.factorize(items["source"])
    unit_codes, units = pd.factorize((title_codes.astype(np.int64) * len(texts) + label_codes) * len(source_values)
                                     + source_codes)
    unit_titles = units // len(source_values) // len(texts)
    unit_labels = units // len(source_values) % len(texts)
    # The rules scan in the pool while this thread mines the templates of the titles (see
    # repetition below)
    with contextlib.ExitStack() as own:
        matching = start_matching(texts, pack.rules, pool or own.enter_context(worker_pool()))
        mined = (templates or group_templates)(title_texts, np.bincount(title_codes, minlength=len(title_texts)))
        title_field = TextField(TITLE, title_codes, title_texts)
        if titles_ready:
            titles_ready(title_field)
        matches = matching()  # rule id -> the texts it matched
    fired = {}  # rule id -> the units it fired for: its title or its labels matched
    matched = np.zeros(len(texts), dtype=bool)
    for rule in pack.rules:
        matched[matches[rule.id]] = True
        rule_units = np.flatnonzero(matched[unit_titles] | matched[unit_labels])
        matched[matches.pop(rule.id)] = False
        if rule.sources:
            allowed = np.isin(np.asarray(source_values, dtype=object), rule.sources)
            rule_units = rule_units[allowed[units[rule_units] % len(source_values)]]
        fired[rule.id] = rule_units

    # repetition: title templates per source. Pages are not split by PagerDuty service: the
    # alert's title already names what fired, and one alert routed to several services is one noise.
    # All on integer codes: a million string concatenations would cost seconds.
    # categories kept as Arrow strings: a million distinct templates as Python strings would
    # cost a hundred megabytes more, at the import's peak
    if isinstance(mined, pa.DictionaryArray):  # each template once already (relabel.TemplateKeeper)
        template_codes, template_values = mined.indices.to_numpy().astype(np.int64), mined.dictionary
    else:
        template_codes, template_values = distinct_texts(mined)
    del mined
    group_codes = source_codes * len(template_values) + template_codes[title_codes]
    sizes = np.bincount(group_codes)
    group_size = sizes[group_codes]
    if group_others is not None:
        group_size = group_size + np.asarray(group_others(list(source_values), template_values))[group_codes]
    templates = _categorical_of_distinct(template_codes[title_codes], template_values)
    group_id = _group_ids(group_codes, sizes, list(source_values), template_values)

    type_codes, type_values = pd.factorize(items["item_type"].fillna(""))
    type_values = np.asarray(type_names(pd.Series(type_values, dtype=object)), dtype=object)  # each type once
    tactical = np.isin(type_values, settings.tactical_types)[type_codes] | is_page
    engineering = np.isin(type_values, settings.engineering_types)[type_codes]
    duration = items["resolved_at"] - items["created_at"]
    quick = ((duration <= QUICK_RESOLUTION) & (duration >= pd.Timedelta(0))).fillna(False).to_numpy() & ~engineering
    auto_resolved = items["auto_resolved"].fillna(False).to_numpy(dtype=bool) & is_page
    off_hours = _off_hours(items["created_at"], settings.business_hours, settings.workdays, settings.timezone)
    # every reading of the group's size must be one of size_bands': an import gives a group whose
    # size moves within its band the new size alone, and keeps its items' verdicts (relabel.py)
    repetitive = group_size >= settings.repetition_min_group
    very_repetitive = group_size >= 2 * settings.repetition_min_group
    toil_rule_fired = np.zeros(len(units), dtype=bool)
    for rule in pack.toil_rules:
        toil_rule_fired[fired[rule.id]] = True
    novel = (
        is_page & (group_size == 1) & items["urgency"].eq("high").to_numpy()
        & (duration >= NOVEL_INCIDENT_MIN).fillna(False).to_numpy() & ~auto_resolved & ~toil_rule_fired[unit_codes]
    )
    signals = {
        "S001": repetitive, "S002": tactical, "S003": engineering, "S004": quick,
        "S005": auto_resolved, "S006": off_hours & is_page, "S007": novel, "S008": very_repetitive,
        "S009": is_page,
    }
    return Evidence(
        rules=pack.rules, unit_codes=unit_codes, units=len(units), fired=fired, signals=signals,
        text_fields=(
            title_field,
            description or _description_field(items),
            _type_and_labels_field(items),
        ),
        group_id=group_id, group_size=group_size, templates=templates, is_page=is_page,
        auto_resolved=auto_resolved, off_hours=off_hours,
    )


SYSTEM_TYPE_MARK = r"^\[system\]\s*"
"""Jira Service Management names its built-in types "[System] Service request", "[System] Incident"."""


def type_names(types: pd.Series) -> pd.Series:
    """Issue types as the rule pack's type lists name them: lower case, without JSM's "[System]" mark."""
    return types.str.lower().str.strip().str.replace(SYSTEM_TYPE_MARK, "", regex=True)


def _description_field(items: pd.DataFrame) -> TextField:
    """Descriptions as they are (almost all distinct: de-duplicating them costs more than it
    saves); cut to DESCRIPTION_CHARS and normalised when scored, chunk by chunk (`prepare`), so
    that no second copy of a million descriptions is held."""
    # 64-bit offsets (pandas' own): a million descriptions of 2,000 characters are more than the
    # 2 GB a string array's 32-bit offsets reach
    values = pa.array(items["description"].fillna(""), type=pa.large_string(), from_pandas=True)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return TextField(DESCRIPTION, np.arange(len(values)), values, prepare=_description_match_texts)


def _description_match_texts(descriptions: pa.Array) -> pa.Array:
    # only split into words: white space is left as it is. match_texts reads 32-bit offsets:
    # a slice's cut descriptions fit in them
    cut = pc.utf8_slice_codeunits(descriptions, 0, DESCRIPTION_CHARS)
    return match_texts(cut.cast(pa.string()) if cut.type == pa.large_string() else cut, spaces=False)


def _type_and_labels_field(items: pd.DataFrame) -> TextField:
    type_codes, types = distinct_values(items["item_type"])
    label_codes, labels = distinct_values(items["labels"])
    pair_codes, pairs = pd.factorize(type_codes * len(labels) + label_codes)
    joined = pc.binary_join_element_wise(types.take(pa.array(pairs // len(labels))),
                                         labels.take(pa.array(pairs % len(labels))), " ")
    return TextField(TYPE_AND_LABELS, np.asarray(pair_codes, dtype=np.int64), match_texts(joined))


HASH_SLICE = 65_536
HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _group_ids(group_codes: np.ndarray, sizes: np.ndarray, sources: list, templates: pa.Array) -> pd.Categorical:
    """A stable id per (source, template): G + 8 hex digits of the hash of "source\x1ftemplate".

    Built on Arrow and numpy: a million groups (a tracker of one-off titles) take a fraction of
    a second, not the 1.5 s of a Python string each. Among a million groups a few pairs share a
    hash (32 bits); they share the id, as they always did.
    """
    used = np.flatnonzero(sizes)
    source_names = pa.array(sources, pa.string())

    def hashes(groups: np.ndarray) -> np.ndarray:
        names = pc.binary_join_element_wise(source_names.take(pa.array(groups // len(templates))),
                                            templates.take(pa.array(groups % len(templates))), "\x1f")
        # categorize=False: the names are distinct, so pandas' first step, a hash table finding the
        # repeated ones, finds none (the same hashes, 20% sooner)
        return pd.util.hash_pandas_object(pd.Series(names, dtype="str"), index=False, categorize=False).to_numpy()

    # named and hashed a slice at a time: pandas hashes Python strings, and a million names at
    # once would be the import's peak of memory
    hashed = np.concatenate([hashes(used[start:start + HASH_SLICE]) for start in range(0, len(used), HASH_SLICE)]
                            or [np.zeros(0, np.uint64)]) % 16**8
    id_codes, distinct = pd.factorize(hashed)
    return _categorical_of_distinct(id_codes[np.searchsorted(used, group_codes)], _hex_ids(distinct))


def _hex_ids(hashes: np.ndarray) -> pa.Array:
    """"G" and each hash's 8 lower-case hex digits."""
    hashes = hashes.astype(np.uint64)
    text = np.empty((len(hashes), 9), dtype=np.uint8)
    text[:, 0] = ord("G")
    for digit, shift in enumerate(range(28, -1, -4), start=1):
        text[:, digit] = HEX_DIGITS[((hashes >> np.uint64(shift)) & np.uint64(15)).astype(np.intp)]
    offsets = np.arange(0, 9 * len(hashes) + 1, 9, dtype=np.int32)
    return pa.StringArray.from_buffers(len(hashes), pa.py_buffer(offsets), pa.py_buffer(text.tobytes()))


def _categorical_of_distinct(codes: np.ndarray, categories: pa.Array) -> pd.Categorical:
    """Codes into distinct Arrow strings (a dictionary encoding's), as a pandas Categorical whose
    categories stay pandas' own Arrow strings, not Python objects.

    pandas checks that categories are distinct by hashing them as Python strings, and keeps the
    hash table: 310 MB and 3.6 s for 2M templates. These are distinct by construction, so its
    fast path (private, hence looked up) skips the check where this pandas has it."""
    index = pd.Index(pd.array(categories, dtype="str"))
    fast_path = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    dtype = fast_path(index, False) if fast_path else pd.CategoricalDtype(index)
    return pd.Categorical.from_codes(codes, dtype=dtype)


def _strongest(rules: list[Rule], evidence: Evidence) -> np.ndarray:
    """Per item: the index in `rules` of the heaviest rule that fired (-1: none). It names the category."""
    weight = np.zeros(evidence.units)
    index = np.full(evidence.units, -1)
    for position, rule in enumerate(rules):
        fired = evidence.fired[rule.id]
        better = fired[rule.weight > weight[fired]]
        weight[better] = rule.weight
        index[better] = position
    return index[evidence.unit_codes]


def _off_hours(created: pd.Series, business_hours: tuple[int, int], workdays: tuple[int, ...], tz: str) -> np.ndarray:
    local = created.dt.tz_convert(tz)
    hour = local.dt.hour
    outside = (hour < business_hours[0]) | (hour >= business_hours[1]) | ~local.dt.day_of_week.isin(workdays)
    return outside.fillna(False).to_numpy(dtype=bool)


def _categories(pack, toil_index, other_index, is_toil, is_page, repetitive, auto_resolved) -> pd.Categorical:
    """The category of each item, decided once per distinct combination of its inputs."""
    toil_rules = pack.toil_rules
    other_rules = pack.other_rules
    flags = is_toil.astype(np.int64) | is_page << 1 | repetitive << 2 | auto_resolved << 3
    key = (toil_index.astype(np.int64) + 1) * 16 * (len(other_rules) + 1) + (other_index.astype(np.int64) + 1) * 16 + flags
    inverse, combinations = pd.factorize(key)
    names = []
    for combination in combinations.tolist():
        flag = combination % 16
        other = (combination // 16) % (len(other_rules) + 1) - 1
        toil = combination // (16 * (len(other_rules) + 1)) - 1
        toil_item, page, repeated, auto = flag & 1, flag & 2, flag & 4, flag & 8
        if toil_item:
            unnamed = "alert noise" if (auto or page) else ("repetitive request" if repeated else "other toil")
            names.append(toil_rules[toil].category if toil >= 0 else unnamed)
        else:
            names.append(other_rules[other].category if other >= 0 else
                         ("incident response" if page else "other work"))
    return _categorical(inverse, names)


def _categorical(codes: np.ndarray, values: list[str]) -> pd.Categorical:
    """Codes into values (which may repeat) as a pandas Categorical, cheap to build and to store."""
    unique, remap = np.unique(np.asarray(values, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(remap[codes], pd.Index(unique, dtype=object))


def not_done(items: pd.DataFrame) -> np.ndarray:
    """Per item, whether its resolution or status says the work was not done (NOT_DONE); each
    distinct value is looked at once (a million items hold a handful). Items without either: False."""
    found = np.zeros(len(items), dtype=bool)
    for column in ("resolution", "status"):
        if column in items:  # items read before resolutions were kept (a corpus, a test) lack one
            codes, values = pd.factorize(items[column])
            found |= np.array([resolved_undone(value) for value in values] + [False])[codes]  # -1: missing
    return found


def _hours(items, pack, toil_index, is_toil, auto_resolved, is_page) -> tuple[np.ndarray, np.ndarray]:
    """Measured time where the source has it, else the rule's estimate; pages add the interruption."""
    settings = pack.settings
    toil_rules = pack.toil_rules
    estimates = np.array(
        [r.estimate_hours if r.estimate_hours is not None else settings.default_toil_hours for r in toil_rules]
        + [settings.default_toil_hours]
    )
    estimate = np.where(is_toil, estimates[toil_index], settings.default_other_hours)
    estimate = np.where(not_done(items), 0.0, estimate)
    spent = items["time_spent_seconds"].to_numpy(dtype=float, na_value=np.nan) / 3600
    open_hours = (items["resolved_at"] - items["created_at"]).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    spent = np.where(is_page & np.isnan(spent), open_hours / 3600, spent)  # a page's trigger-to-resolve
    spent = np.where(spent < 0, np.nan, spent)  # resolved before created (the import warned): not known
    interruption = settings.interruption_minutes / 60
    page_hours = np.minimum(spent, settings.page_hours_cap) + interruption
    jira_measured = ~is_page & (spent > 0)
    page_measured = is_page & ~auto_resolved & ~np.isnan(spent)
    hours = np.select(
        [jira_measured, page_measured, is_page & auto_resolved, is_page],
        [spent, page_hours, interruption, np.minimum(estimate, settings.page_hours_cap) + interruption],
        estimate,
    )
    return hours, jira_measured | page_measured


# Signals that describe the item rather than argue a verdict: not listed among the reasons.
QUIET_SIGNALS = ("S008", "S009")
# A person's label (S012) is shown among the reasons; the group signals too (S010, S011).


def _rule_ids_and_reasons(pack: RulePack, evidence: Evidence) -> tuple[pd.Categorical, pd.Categorical]:
    """Per item: the ids that fired ("S001 T004") and what they mean ("S001 signal.repetition; ...").

    Items share few combinations, so each item gets a bit per id and the strings are built once
    per distinct combination, not a million times. Rules fired per unit (text and source),
    signals per item. The item's group, group size, time figure and the words the model weighed
    are in their own columns or recomputed by `toilaudit explain`.
    """
    signals = {sid: mask for sid, mask in evidence.signals.items() if sid not in QUIET_SIGNALS}
    ids = sorted([*evidence.fired, *signals])
    names = {r.id: r.name for r in pack.rules} | {sid: name for sid, (name, _) in SIGNALS.items()}
    dtype = object if len(ids) > 62 else np.int64
    unit_bits = np.zeros(evidence.units, dtype=dtype)
    item_bits = np.zeros(len(evidence.unit_codes), dtype=dtype)
    for position, rule_id in enumerate(ids):
        if rule_id in evidence.fired:
            unit_bits[evidence.fired[rule_id]] += 1 << position
        else:
            item_bits = item_bits + signals[rule_id].astype(np.int64) * (1 << position)
    bits = unit_bits[evidence.unit_codes] + item_bits
    inverse, combinations = pd.factorize(bits)
    id_text, reason_text = [], []
    for combination in combinations:
        fired = [rule_id for position, rule_id in enumerate(ids) if int(combination) >> position & 1]
        id_text.append(" ".join(fired))
        reason_text.append("; ".join(f"{i} {names[i]}" for i in fired) or "no rule fired")
    return _categorical(inverse, id_text), _categorical(inverse, reason_text)
