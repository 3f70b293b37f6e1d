"""Label every WorkItem toil or not, with a category, a score and the reasons that fired.

The score adds up evidence for Google's toil traits (SRE book, ch. 5):
- automatable:  the strongest matching toil rule of the rule pack (T...), or minus the
                strongest not-toil rule (N...: engineering, overhead);
- repetitive:   S001, the item's title template is shared by `repetition_min_group`+ items;
- tactical:     S002, an interrupt-driven type (service request, incident, page);
                S003, planned engineering types (story, epic) count against;
- no enduring value: S004, resolved within two days;
- noise:        S005, a page PagerDuty resolved by itself; S006 a page off business hours;
                S007, a unique, long, high-urgency page is novel incident work, not toil.
An item is toil when its score reaches `toil_threshold`. Everything is whole-column numpy or
pandas work, and rules run once per distinct title text, so a million items take seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toilaudit.classify.interface import CLASSIFICATION_FIELDS, RulePack
from toilaudit.classify.matching import match_rules
from toilaudit.classify.templates import group_templates, match_text_codes

# Built-in signals: (id, name, weight). Weights are on the same scale as rule weights.
SIGNALS = {
    "S001": ("signal.repetition", 0.3),  # +0.1 more from 2x the minimum group size
    "S002": ("signal.tactical-type", 0.15),
    "S003": ("signal.engineering-type", -0.3),
    "S004": ("signal.quick-resolution", 0.1),
    "S005": ("signal.auto-resolved-page", 0.6),
    "S006": ("signal.off-hours-page", 0.05),
    "S007": ("signal.novel-incident", -0.25),
}
QUICK_RESOLUTION = pd.Timedelta(days=2)
NOVEL_INCIDENT_MIN = pd.Timedelta(hours=1)


# The WorkItem fields the classifier reads.
INPUTS = ("source", "key", "title", "labels", "item_type", "created_at", "resolved_at", "time_spent_seconds",
          "urgency", "auto_resolved")


def classify(items: pd.DataFrame, pack: RulePack) -> pd.DataFrame:
    """One classification row (CLASSIFICATION_FIELDS) per item, in the items' order."""
    if items.empty:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in CLASSIFICATION_FIELDS})
    settings = pack.settings
    is_page = (items["source"] == "pagerduty").to_numpy()
    # Normalise each distinct raw text once (repeated requests share titles), then group the
    # normalised texts: `codes` maps every item to its distinct match text.
    codes, texts = match_text_codes(items["title"], items["labels"])
    distinct = pd.Series(texts.to_pylist(), dtype=object)

    # rules, once per distinct text and source (a rule may be limited to some sources):
    # `unit_codes` maps every item to its (text, source) unit
    source_codes, source_values = pd.factorize(items["source"])
    unit_codes, units = pd.factorize(codes.astype(np.int64) * len(source_values) + source_codes)
    unit_texts = units // len(source_values)
    unit_sources = np.asarray(source_values, dtype=object)[units % len(source_values)]
    matches = match_rules(texts, pack.rules)
    fired = {}  # rule id -> fired per unit
    for rule in pack.rules:
        fired[rule.id] = matches[rule.id][unit_texts]
        if rule.sources:
            fired[rule.id] &= np.isin(unit_sources, rule.sources)
    toil_weight, toil_index = (per_unit[unit_codes] for per_unit in _strongest(pack.toil_rules, fired, len(units)))
    other_weight, other_index = (per_unit[unit_codes] for per_unit in _strongest(pack.other_rules, fired, len(units)))

    # repetition: title templates per source. Pages are not split by PagerDuty service: the
    # alert's title already names what fired, and one alert routed to several services is one noise.
    # All on integer codes: a million string concatenations would cost seconds.
    item_counts = np.bincount(codes, minlength=len(distinct))
    distinct_templates = group_templates(distinct, item_counts).to_numpy(dtype=object)
    template_codes, template_values = pd.factorize(distinct_templates)
    group_codes = source_codes * len(template_values) + template_codes[codes]
    sizes = np.bincount(group_codes)
    group_size = sizes[group_codes]
    templates = pd.Categorical.from_codes(template_codes[codes], pd.Index(template_values, dtype=object))
    used = np.flatnonzero(sizes)
    source_list, template_list = list(source_values), list(template_values)  # plain lists: Index lookups are slow
    names = pd.Series([f"{source_list[g // len(template_list)]}\x1f{template_list[g % len(template_list)]}"
                       for g in used.tolist()])
    hashed = pd.util.hash_pandas_object(names, index=False).to_numpy() % 16**8
    names_used = ["G" + format(int(h), "08x") for h in hashed]
    dense = np.searchsorted(used, group_codes)
    if len(set(names_used)) == len(names_used):
        group_id = pd.Categorical.from_codes(dense, pd.Index(names_used, dtype=object))
    else:  # two templates hashed alike (1 in 4 billion): fall back to plain strings
        group_id = np.asarray(names_used, dtype=object)[dense]

    type_codes, type_values = pd.factorize(items["item_type"].str.lower().str.strip())
    tactical = np.isin(np.asarray(type_values, dtype=object), settings.tactical_types)[type_codes] | is_page
    engineering = np.isin(np.asarray(type_values, dtype=object), settings.engineering_types)[type_codes]
    duration = items["resolved_at"] - items["created_at"]
    quick = (duration <= QUICK_RESOLUTION).fillna(False).to_numpy() & ~engineering
    auto_resolved = items["auto_resolved"].fillna(False).to_numpy(dtype=bool) & is_page
    off_hours = _off_hours(items["created_at"], settings.business_hours, settings.workdays, settings.timezone)
    repetitive = group_size >= settings.repetition_min_group
    very_repetitive = group_size >= 2 * settings.repetition_min_group
    novel = (
        is_page & (group_size == 1) & items["urgency"].eq("high").to_numpy()
        & (duration >= NOVEL_INCIDENT_MIN).fillna(False).to_numpy() & ~auto_resolved & (toil_index < 0)
    )
    signal_masks = {
        "S001": repetitive, "S002": tactical, "S003": engineering, "S004": quick,
        "S005": auto_resolved, "S006": off_hours & is_page, "S007": novel,
    }
    score = toil_weight - other_weight + 0.1 * very_repetitive
    for signal_id, mask in signal_masks.items():
        score = score + SIGNALS[signal_id][1] * mask
    is_toil = score >= settings.toil_threshold

    category = _categories(pack, toil_index, other_index, is_toil, is_page, repetitive, auto_resolved)
    hours, measured = _hours(items, pack, toil_index, is_toil, auto_resolved, is_page)
    rule_ids, reasons = _rule_ids_and_reasons(pack, fired, unit_codes, len(units), signal_masks)
    return pd.DataFrame(
        {
            "source": items["source"].array,
            "key": items["key"].array,
            "is_toil": is_toil,
            "category": category,
            "score": np.clip(score, 0.0, 1.0).round(3),
            "rule_ids": rule_ids,
            "group_id": group_id,
            "group_size": group_size.astype("int64"),
            "template": templates,
            "hours": hours.round(4),
            "hours_measured": measured,
            "off_hours": off_hours,
            "reasons": reasons,
            "rule_pack_version": pack.version,
        }
    )


def _strongest(rules: list, fired: dict[str, np.ndarray], rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Per item: the largest weight among the rules that fired, and that rule's index (-1: none)."""
    weight = np.zeros(rows)
    index = np.full(rows, -1)
    for position, rule in enumerate(rules):
        better = fired[rule.id] & (rule.weight > weight)
        weight = np.where(better, rule.weight, weight)
        index = np.where(better, position, index)
    return weight, index


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


def _hours(items, pack, toil_index, is_toil, auto_resolved, is_page) -> tuple[np.ndarray, np.ndarray]:
    """Measured time where the source has it, else the rule's estimate; pages add the interruption."""
    settings = pack.settings
    toil_rules = pack.toil_rules
    estimates = np.array(
        [r.estimate_hours if r.estimate_hours is not None else settings.default_toil_hours for r in toil_rules]
        + [settings.default_toil_hours]
    )
    estimate = np.where(is_toil, estimates[toil_index], settings.default_other_hours)
    spent = items["time_spent_seconds"].to_numpy(dtype=float, na_value=np.nan) / 3600
    open_hours = (items["resolved_at"] - items["created_at"]).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    spent = np.where(is_page & np.isnan(spent), open_hours / 3600, spent)  # a page's trigger-to-resolve
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


def _rule_ids_and_reasons(
    pack: RulePack, rules_fired: dict[str, np.ndarray], unit_codes: np.ndarray, units: int,
    signals: dict[str, np.ndarray],
) -> tuple[pd.Categorical, pd.Categorical]:
    """Per item: the ids that fired ("S001 T004") and what they mean ("S001 signal.repetition; ...").

    Items share few combinations, so each item gets a bit per id and the strings are built once
    per distinct combination, not a million times. Rules fired per unit (text and source),
    signals per item. The item's group, group size and time figure are in their own columns;
    `toilaudit explain` puts the whole story together.
    """
    ids = sorted([*rules_fired, *signals])
    names = {r.id: r.name for r in pack.rules} | {sid: name for sid, (name, _) in SIGNALS.items()}
    dtype = object if len(ids) > 62 else np.int64
    unit_bits = np.zeros(units, dtype=dtype)
    item_bits = np.zeros(len(unit_codes), dtype=dtype)
    for position, rule_id in enumerate(ids):
        if rule_id in rules_fired:
            unit_bits = unit_bits + rules_fired[rule_id].astype(np.int64) * (1 << position)
        else:
            item_bits = item_bits + signals[rule_id].astype(np.int64) * (1 << position)
    bits = unit_bits[unit_codes] + item_bits
    inverse, combinations = pd.factorize(bits)
    id_text, reason_text = [], []
    for combination in combinations:
        fired = [rule_id for position, rule_id in enumerate(ids) if int(combination) >> position & 1]
        id_text.append(" ".join(fired))
        reason_text.append("; ".join(f"{i} {names[i]}" for i in fired) or "no rule fired")
    return _categorical(inverse, id_text), _categorical(inverse, reason_text)
