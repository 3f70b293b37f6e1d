"""Explaining and checking the verdicts: `explain`, `evaluate` and `label --from`.

Everything here reads the stored classification rows; an item's features are rebuilt from
its row (classify/explain.py), so one item is explained, and a few hundred labels are
cross-validated, without classifying the whole store again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toilaudit.audit import active_rule_pack
from toilaudit.classify.adapt import human_verdicts
from toilaudit.classify.classifier import resolved_undone
from toilaudit.classify.evaluate import CrossValidation, cross_validate, read_labels
from toilaudit.classify.explain import Explanation, explain_row, organisation_model, probability_text
from toilaudit.classify.interface import Settings
from toilaudit.classify.model import shipped_model
from toilaudit.errors import ToilauditError, shown
from toilaudit.label_keys import keys_as_stored
from toilaudit.maturity.scope import org_scope, same_org
from toilaudit.period import Period, PeriodSpec
from toilaudit.store import Store
from toilaudit.summary import Figures, choose_period, counted_items, figures_from

WORDS_SHOWN = 6


@dataclass(frozen=True, slots=True)
class ItemExplanation:
    row: dict[str, Any]
    """The stored item and its classification."""
    explanation: Explanation
    human: str
    """"toil" / "not-toil" when a person labelled the item, else ""."""
    time: str
    """Where its hours come from, in words (time_note)."""
    group_category: str = ""
    """Its repetition group's category, as summary and the report give it (Store.group_categories);
    an item of the group may take another of its own."""
    in_period: bool | None = None
    """Whether summary counts it (with_period); None: not asked."""
    counted: str = ""
    """The same in words, with the period's name and why not."""

    def lines(self) -> list[str]:
        row, e = self.row, self.explanation
        verdict = "TOIL" if row["is_toil"] else "not toil"
        decided = f", decided by a person's label ({self.human})" if self.human else ""
        lines = [
            f"{row['source']} {row['key']}: {row['title']}",
            f"  verdict:  {verdict} (probability {probability_text(e.probability, e.threshold)}; toil at "
            f"{e.threshold:.2f} or more){decided}, "
            f"category {row['category']}",
            f"  fired:    {' '.join(sorted(c.feature[2:] for c in e.evidence)) or 'nothing'}",  # S008, S009 too
            f"  group:    {row['group_id']} x{row['group_size']}: {row['template']}" + (
                f" (the group's category: {self.group_category}, as summary gives it)"
                if self.group_category and self.group_category != row["category"] else ""),
            f"  time:     {self.time}",
            *([f"  counted:  {self.counted}"] if self.counted else []),
            "  how it adds up (log-odds; + towards toil):",
            f"    {e.intercept:+6.2f}  start (before any evidence)",
        ]
        for c in e.evidence:
            lines.append(f"    {c.logit:+6.2f}  {c.meaning}")
        words = e.words
        for c in words[:WORDS_SHOWN]:
            lines.append(f"    {c.logit:+6.2f}  {c.meaning}")
        if len(words) > WORDS_SHOWN:
            rest = words[WORDS_SHOWN:]
            largest = max(abs(c.logit) for c in rest)
            # many small words can outweigh the few shown: say that each is small, and what they add together
            lines.append(f"    {sum(c.logit for c in rest):+6.2f}  {len(rest)} more words together, none over "
                         f"{largest:.2f} alone")
        if e.words_held:
            lines.append(f"    {e.words_held:+6.2f}  the words held to the model's limit ({e.word_limit:.2f} together), "
                         "less than a rule weighs")
        lines.append(f"  model:    {e.model_version}")
        return lines

    def as_json(self) -> dict[str, Any]:
        row = self.row
        return {
            "source": row["source"], "key": row["key"], "title": row["title"], "is_toil": bool(row["is_toil"]),
            "category": row["category"], "rule_ids": (row["rule_ids"] or "").split(), "group_id": row["group_id"],
            "group_size": int(row["group_size"]), "template": row["template"],
            "group_category": self.group_category or None, "hours": round(float(row["hours"]), 4),
            "hours_measured": bool(row["hours_measured"]), "person_label": self.human or None,
            **self.explanation.as_json(),
            **({} if self.in_period is None else {"in_period": self.in_period}),
        }


def explain_item(store: Store, key: str) -> tuple[list[ItemExplanation], str | None]:
    """The item(s) `key` names: a key in any case (it may exist in both sources) or a PagerDuty
    incident number, else every item of the repetition group it names. Returns them and, when
    `key` named a group, the group's id."""
    found, group = store.explain(key), None
    if found.empty:
        found = store.items(group=key)
        group = str(found["group_id"].iloc[0]) if not found.empty else None
    if found.empty:
        raise ToilauditError(f"explain: no item or repetition group {shown(key)} - toilaudit items lists the keys "
                             "(--format csv for a spreadsheet), toilaudit summary the groups")
    return explain_rows(store, found), group


@dataclass(frozen=True, slots=True)
class GroupCount:
    """A repetition group's figures, counted as summary counts its automation candidates, and over all time."""

    period: Period
    """The period summary counts (--period; default the last 12 full months of the data)."""
    services: tuple[str, ...] | None
    """The organisation's services whose items summary counts; None: every item."""
    in_period: Figures
    """The group's items in the period and services: its toil items and hours are summary's `items`
    and `hours` for the group."""
    all_time: Figures
    """Every item of the group in the store, whatever its date and service (summary's `items_all`)."""


def summary_services(store: Store, org: str | None, where: str = "explain") -> tuple[str, ...] | None:
    """Whose items summary counts: the services of the organisation named, or of the only one
    interviewed (None when it named none: every item); with several interviewed and none named,
    every item."""
    interviewed = sorted(set(store.load_answers()["org"]))
    if org is None:
        if len(interviewed) != 1:
            return None
        org = interviewed[0]
    org = same_org(store, org)  # 'acme ops' is the organisation interviewed as 'Acme Ops'
    if org not in interviewed:
        raise ToilauditError(f"{where}: no interview answers for {org!r} - run toilaudit interview --org '{org}' "
                             "first, or leave --org out")
    scope = org_scope(store, org)
    if not scope.attributable:
        raise ToilauditError(f"{where}: {org!r} named no services, and other organisations share this store - name "
                             f"its services with toilaudit interview --org '{org}' --service NAME")
    return scope.item_services


def summary_scope(store: Store, period_spec: PeriodSpec | None = None,
                  org: str | None = None) -> tuple[tuple[str, ...] | None, Period | None]:
    """What summary counts, for `explain`: the organisation's services (summary_services) and the
    period (the same --period, placed on the same items); no period where the store has no item."""
    services = summary_services(store, org)
    return services, choose_period(store, period_spec, services, "explain")


def group_count(store: Store, found: list[ItemExplanation], services: tuple[str, ...] | None,
                period: Period) -> GroupCount:
    """A group's figures for `explain`: those summary gives it (summary_scope), and every item of
    it whatever its date."""
    group = str(found[0].row["group_id"])
    return GroupCount(period, services, figures_from(store.totals(services, period.bounds, group)),
                      figures_from(store.totals(group=group)))


def with_period(found: list[ItemExplanation], services: tuple[str, ...] | None,
                period: Period | None) -> list[ItemExplanation]:
    """The items, each saying whether summary counts it (summary_scope): created in its period, on
    the organisation's services."""
    if period is None:
        return found
    rows = pd.DataFrame([item.row for item in found])
    in_dates = counted_items(rows, None, period)
    on_services = counted_items(rows, services)
    return [replace(item, in_period=bool(dated and served), counted=_counted_words(item.row, period, dated, served))
            for item, dated, served in zip(found, in_dates, on_services)]


def _counted_words(row: dict[str, Any], period: Period, dated: bool, served: bool) -> str:
    if dated and served:
        return f"yes, in {period.label}, as summary counts it"
    why = []
    if not dated:
        created = row.get("created_at")
        why.append(f"was created {pd.Timestamp(created):%d %b %Y}" if pd.notna(created) else "has no Created date")
    if not served:
        why.append(f"is of {row.get('service') or 'no service'}, not one of the organisation's services")
    return f"no: summary counts {period.label}, and this item {' and '.join(why)}"


def explain_rows(store: Store, found: pd.DataFrame) -> list[ItemExplanation]:
    pack = active_rule_pack(store)
    model = current_model(store, pack)
    human = human_verdicts(found, store.load_labels())
    categories = store.group_categories(found["group_id"].astype(str).tolist())
    return [ItemExplanation(row, explain_row(row, model, pack),
                            "" if np.isnan(h) else ("toil" if h == 1 else "not-toil"), time_note(row, pack.settings),
                            categories.get(str(row["group_id"]), ""))
            for row, h in zip(found.to_dict("records"), human)]


def time_note(row: dict[str, Any], settings: Settings) -> str:
    """Where an item's hours come from (classifier._hours): logged in Jira, a page's time open
    (capped) with the interruption it caused, or the category's estimate."""
    hours = float(row["hours"])
    if row["source"] != "pagerduty":
        undone = [row[name] for name in ("resolution", "status") if resolved_undone(row.get(name))]
        if not row["hours_measured"] and undone:
            return f"{hours:.2f}h: closed as {undone[0]}, work not done, so none is estimated (none was logged)"
        return f"{hours:.2f}h {'logged in Jira' if row['hours_measured'] else 'estimated for its category'}"
    interruption = f"{settings.interruption_minutes:g} minutes of interruption"
    if row.get("auto_resolved"):
        return f"{hours:.2f}h: {interruption} (it resolved by itself)"
    if not row["hours_measured"]:
        backwards = pd.notna(row.get("resolved_at")) and pd.Timestamp(row["resolved_at"]) < pd.Timestamp(row["created_at"])
        why = "its resolve time is before its creation" if backwards else "the page has no resolve time"
        return f"{hours:.2f}h: the category's estimate and {interruption} ({why})"
    open_hours = (pd.Timestamp(row["resolved_at"]) - pd.Timestamp(row["created_at"])) / pd.Timedelta(hours=1)
    counted = (f"open {open_hours:.2f}h, counted up to {settings.page_hours_cap:g}h"
               if open_hours > settings.page_hours_cap else f"open {open_hours:.2f}h")
    return f"{hours:.2f}h: the page was {counted}, plus {interruption}"


def current_model(store: Store, pack) -> Any:
    """The shipped model adapted to the store's labels, as classification used it."""
    rows = store.labelled_items()
    labelled = rows.assign(human=human_verdicts(rows, store.load_labels()))
    return organisation_model(shipped_model(), labelled.loc[labelled["human"].notna()], pack)


@dataclass(frozen=True, slots=True)
class LabelCheck:
    cross_validation: CrossValidation
    unmatched: tuple[str, ...]
    """Keys given in the file that no stored item has."""
    origins: str
    """Where the labels came from, for people."""

    def as_json(self) -> dict[str, Any]:
        check = self.cross_validation
        return {
            **check.adapted.as_json(),
            "method": f"{check.folds}-fold cross-validation by repetition group: each label scored by a model "
                      "adapted without it or its group's other labels",
            **check.coverage_json(),
            "shipped_model": check.shipped.as_json(),
            "unmatched_labels": len(self.unmatched),
            "labels_from": self.origins,
        }


def labels_with_file(store: Store, labels_file: Path | None) -> tuple[pd.DataFrame, tuple[str, ...], str]:
    """The store's labels with a file's laid over them: (labels frame, keys not in the store, origins)."""
    stored = store.load_labels()[["source", "key", "label"]]
    origins = []
    if len(stored):
        origins.append(f"{len(stored)} saved")
    unmatched: tuple[str, ...] = ()
    if labels_file is not None:
        matched, unmatched = _file_labels(store, labels_file)
        stored = pd.concat([stored, matched]).drop_duplicates(["source", "key"], keep="last")
        origins.append(f"{len(matched)} from {Path(labels_file).name}")
    return stored, unmatched, ", ".join(origins)


def evaluation_against_labels(store: Store, labels_file: Path | None) -> LabelCheck:
    labels, unmatched, origins = labels_with_file(store, labels_file)
    rows = store.labelled_items(labels)  # the labelled only: every item of a million would take gigabytes
    human = human_verdicts(rows, labels)
    labelled = rows.assign(human=human).loc[~np.isnan(human)]
    in_source = int((rows["human_label"] != "").sum())
    if in_source:
        origins = ", ".join(part for part in (origins, f"{in_source} labelled in the source") if part)
    if labelled.empty:
        if unmatched:
            raise ToilauditError("evaluate: none of the labelled keys is in the store - import the items they label first")
        raise ToilauditError("evaluate: no labels - pass --labels FILE (key,label), run toilaudit label, "
                             "or label items toil / not-toil in Jira")
    pack = active_rule_pack(store)
    return LabelCheck(cross_validate(labelled, pack, shipped_model()), unmatched, origins)


def save_labels_file(store: Store, labels_file: Path, labelled_by: str) -> tuple[int, tuple[str, ...]]:
    """Store a labels file's labels (origin "file"); returns (saved, keys not in the store)."""
    matched, unmatched = _file_labels(store, labels_file)
    if matched.empty:
        raise ToilauditError(f"{Path(labels_file).name}: none of its keys is in the store - import the items first")
    store.save_labels(matched, "file", labelled_by)
    return len(matched), unmatched


def _file_labels(store: Store, labels_file: Path) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """A labels file's rows whose key is in the store (matching its source when the file names one),
    as source, key, label; and the keys that found no item. A PagerDuty incident number (#1043 or
    1043, as `explain` takes it) stands for its incident."""
    items = store.load_items(("source", "key", "incident_number"))
    given = _incident_numbers_as_keys(read_labels(labels_file), items)
    given["key"] = keys_as_stored(given["key"], items["key"])  # ops-5 for OPS-5, as explain takes it
    matched = given.merge(items[["source", "key"]], on="key", suffixes=("_given", ""))
    matched = matched.loc[(matched["source_given"] == "") | (matched["source_given"] == matched["source"])]
    unmatched = tuple(given.loc[~given["key"].isin(matched["key"]), "shown"])
    return matched[["source", "key", "label"]], unmatched


def _incident_numbers_as_keys(given: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """`given` with a `shown` column (the key as the file wrote it), and each key that is no item's
    but a PagerDuty incident number replaced by its incident's key."""
    given = given.assign(shown=given["key"])
    pages = items.loc[(items["source"] == "pagerduty") & (items["incident_number"] != "")]
    by_number = dict(zip(pages["incident_number"], pages["key"]))
    number = given["key"].str.removeprefix("#")
    replace = ~given["key"].isin(items["key"]) & number.isin(by_number) & given["source"].isin(["", "pagerduty"])
    given.loc[replace, "key"] = number[replace].map(by_number)
    return given


def left_out(keys: tuple[str, ...]) -> str:
    """The warning for labelled keys no stored item has, naming the first few."""
    named = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
    return f"{len(keys)} labelled key(s) are not in the store and were left out: {named}"


ORIGIN_WORDS = {"file": "labels from a labels file, labelled by {who}", "label": "labels given one at a time by {who}"}
"""Where an organisation's labels came from, as the report's appendix lists them (after "N labelled items; ")."""


def check_on_items(store: Store, services: tuple[str, ...] | None = None
                   ) -> tuple[CrossValidation, tuple[str, ...]] | None:
    """The classifier cross-validated against the labels on some items (one organisation's: those of
    `services`; None for all), with where the labels came from; None when none of them is labelled."""
    rows = store.labelled_items()
    if services is not None:
        rows = rows.loc[rows["service"].str.lower().isin([service.lower() for service in services])]
    labels = store.load_labels()
    human = human_verdicts(rows, labels)
    labelled = rows.assign(human=human).loc[~np.isnan(human)]
    if labelled.empty:
        return None
    origins = set()
    stored = labels.merge(labelled[["source", "key"]], on=["source", "key"])
    for row in stored[["origin", "labelled_by"]].drop_duplicates().itertuples(index=False):
        words = ORIGIN_WORDS.get(row.origin, f"labels from {row.origin}, labelled by {{who}}")
        origins.add(words.format(who=row.labelled_by or "someone not stated"))
    if len(stored) < len(labelled):
        origins.add("labels set in the source (Jira)")
    return cross_validate(labelled, active_rule_pack(store), shipped_model()), tuple(sorted(origins))
