"""`toilaudit label`: people label the items the classifier is least sure of, one key each.

The queue is classify/adapt.py's `label_order`: least sure first, one item per repetition
group, categories in turn, so that every label teaches something new. Each label is saved the
moment it is given (its own transaction), so Ctrl-C loses nothing and running the command
again goes on where it stopped. When the session ends the store is classified again: the
labels adapt the model to the organisation and decide their own items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from prompt_toolkit import PromptSession
from prompt_toolkit.key_binding import KeyBindings
from questionary import Question
from questionary.styles import merge_styles_default
from rich.console import Console
from rich.markup import escape

from toilaudit.audit import active_rule_pack, reclassify
from toilaudit.classify.adapt import human_verdicts, label_order
from toilaudit.classify.explain import explain_row, organisation_model, probability_text
from toilaudit.classify.model import ToilModel, shipped_model
from toilaudit.store import Store

ANSWERS = {"t": "toil", "n": "not-toil", "s": "skip", "u": "undo", "q": "quit"}
DESCRIPTION_SHOWN = 300
LABELS_PENDING = "labels_pending"  # set when a label is saved, cleared when the store is classified again


def key_prompt(message: str, keys: dict[str, str], **options: Any) -> Question:
    """A prompt answered by one key press (no Enter); Ctrl-C raises KeyboardInterrupt on unsafe_ask.
    Built as questionary's press_any_key_to_continue is, with one binding per key."""
    bindings = KeyBindings()
    for key, value in keys.items():
        bindings.add(key)(lambda event, value=value: event.app.exit(result=value))
    bindings.add("c-c")(lambda event: event.app.exit(exception=KeyboardInterrupt, style="class:aborting"))
    bindings.add("<any>")(lambda event: None)  # other keys do nothing
    session: PromptSession = PromptSession([("class:question", f" {message} ")], key_bindings=bindings,
                            style=merge_styles_default([None]), **options)
    return Question(session.app)


@dataclass
class LabelSession:
    store: Store
    console: Console
    labelled_by: str
    """Who labels: kept with every label."""
    prompt_options: dict[str, Any] = field(default_factory=dict)
    """Extra options for the prompt (tests pass a pipe input here)."""
    saved: list[tuple[str, str]] = field(default_factory=list)
    """(source, key) of the labels saved in this session, oldest first (for undo)."""
    pass_done: bool = False
    """The queue ran out: every repetition group was offered once in this session (see PASS_DONE)."""
    left: int = 0
    """Items still unlabelled when the session ended."""


def labelled_rows(rows: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """The rows people labelled, with `human` 1.0 (toil) / 0.0."""
    human = human_verdicts(rows, labels)
    return rows.assign(human=human).loc[~np.isnan(human)]


QUEUE_COLUMNS = "w.source, w.key, w.human_label, c.score, c.group_id, c.category"
"""What ordering the queue reads of every item; an item's whole row is read when it is shown."""


def queue(store: Store) -> tuple[pd.DataFrame, list[int], ToilModel]:
    """Every classified item (QUEUE_COLUMNS), the positions of the unlabelled ones in the order
    they are asked, and the model adapted to the labels so far."""
    rows = store.verdict_columns(QUEUE_COLUMNS)
    labels = store.load_labels()
    human = human_verdicts(rows, labels)
    pack = active_rule_pack(store)
    model = organisation_model(shipped_model(), labelled_rows(store.labelled_items(), labels), pack)
    threshold = pack.settings.toil_threshold if pack.settings.toil_threshold is not None else model.threshold
    order = label_order(rows.assign(labelled=~np.isnan(human)), threshold)
    return rows, order.tolist(), model


def run_labelling(session: LabelSession, ask: Callable[[], str] | None = None) -> int:
    """Ask until the queue is done or the person quits; returns how many labels this session saved.
    The store is classified again at the end when anything was saved."""
    store, console = session.store, session.console
    rows, order, model = queue(store)
    pack = active_rule_pack(store)
    total_labels = len(labelled_rows(rows, store.load_labels()))
    console.print(
        f"[bold]toilaudit label[/bold]: {len(rows):,} items, {total_labels:,} labelled so far. The items the "
        "classifier is least sure of come first, one per repetition group.\n"
        "Keys: [bold]t[/bold] toil · [bold]n[/bold] not toil · [bold]s[/bold] skip · [bold]u[/bold] undo · "
        "[bold]q[/bold] quit. Each label is saved at once; Ctrl-C loses nothing.",
        highlight=False,
    )
    ask = ask or (lambda: key_prompt("Toil? [t/n/s/u/q]", ANSWERS, **session.prompt_options).unsafe_ask())
    pending = list(order)
    asked: list[int] = []
    while pending:
        position = pending.pop(0)
        item = rows.iloc[position]
        _show(console, store.classified_item(item["source"], item["key"]), model, pack,
              len(session.saved) + total_labels)
        with store.released():  # while the person reads, other commands may use the store
            answer = ask()
        if answer in ("quit", "skip"):
            console.print(f"  [dim]{answer}[/dim]", highlight=False)
        if answer == "quit":
            break
        if answer == "undo":
            pending.insert(0, position)
            if session.saved:
                source, key = session.saved.pop()
                store.delete_label(source, key)
                previous = asked.pop()
                pending.insert(0, previous)
                console.print(f"[dim]Undone: {escape(key)} is unlabelled again.[/dim]", highlight=False)
            continue
        if answer == "skip":
            continue
        row = rows.iloc[position]
        with store.transaction():
            store.save_label(row["source"], row["key"], answer, "label", session.labelled_by)
            store.set_setting(LABELS_PENDING, "1")
        session.saved.append((row["source"], row["key"]))
        asked.append(position)
        console.print(f"  [dim]saved: {answer.replace('-', ' ')}[/dim]", highlight=False)
    else:
        session.pass_done = True
        session.left = int(np.isnan(human_verdicts(rows, store.load_labels())).sum())
        console.print(pass_done_text(len(order), session.left), highlight=False)
    return finish(session)


def pass_done_text(offered: int, left: int) -> str:
    """What the person reads when the queue runs out: that it has, and what comes next."""
    if not offered:
        return "\nNothing to label: every item has a person's label. Next: toilaudit evaluate."
    if not left:
        return "\nThat was the last unlabelled item: every item now has a person's label."
    return (f"\nNo item is left in this pass: each repetition group was offered once ({offered:,} items). "
            f"{left:,} items are still unlabelled: run toilaudit label again for a second pass (the next item "
            "of each group, and any skipped), or see how far to trust the result with toilaudit evaluate.")


def finish(session: LabelSession) -> int:
    """Classify the store again with the new labels; returns how many this session saved."""
    if session.saved:
        session.console.print("Classifying the store again with the new labels ...", highlight=False)
        apply_labels(session.store)
    return len(session.saved)


def apply_labels(store: Store) -> None:
    """Re-label the store so that saved labels take effect."""
    reclassify(store, then=lambda: store.set_setting(LABELS_PENDING, None))


def _show(console: Console, row: pd.Series, model: ToilModel, pack, labelled: int) -> None:
    """One item: where it is from, its text, and what toilaudit thinks of it now."""
    explanation = explain_row(row.to_dict(), model, pack)
    verdict = "TOIL" if row["is_toil"] else "not toil"
    strongest = ", ".join(f"{c.meaning} {c.logit:+.1f}" for c in explanation.contributions[:3]) or "nothing fired"
    description = " ".join(str(row.get("description") or "").split())[:DESCRIPTION_SHOWN]
    where = " · ".join(part for part in (str(row["key"]), row.get("item_type") or "", row.get("team") or "",
                                         row["source"]) if part)
    console.print(f"\n[dim]{escape(where)} · {labelled} labelled[/dim]", highlight=False)
    console.print(f"[bold]{escape(str(row['title']))}[/bold]", highlight=False)
    if description:
        console.print(f"  {escape(description)}", highlight=False)
    console.print(
        f"  now: [bold]{verdict}[/bold] (p {probability_text(explanation.probability, explanation.threshold)}, "
        f"{escape(str(row['category']))}; "
        f"group of {int(row['group_size'])}) · {escape(strongest)}",
        highlight=False,
    )
