"""Jira Cloud writes its default resolutions and statuses in each user's language: an issue closed as
"Wird nicht erledigt" (Won't Do) in a German export is work not done, given no estimated hours, as
"Won't Do" is (classify/not_done.py lists the names and where each was found)."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from toilaudit.classify import classifier
from toilaudit.classify.classifier import not_done
from toilaudit.classify.not_done import NOT_DONE, TRANSLATED, normalised, resolved_undone

from helpers import run, run_json

# The names as Jira shows them, by language (the sources are in classify/not_done.py).
SHOWN = {
    "de": ("Wird nicht erledigt", "Duplikat", "Nicht reproduzierbar"),
    "es": ("No se hará", "Duplicado", "No Reproducible"),
    "ja": ("対応しない", "重複", "再現不可", "キャンセルされました"),
    "ko": ("복제", "재현 불가"),
}
SHOWN_NAMES = [pytest.param(name, id=f"{language}-{name}") for language, names in SHOWN.items() for name in names]

# Words for work that was done, in the same languages: Jira's Done resolution or status as the sources
# show it (Erledigt, Fertig, Terminé(e), Listo, Gereed, 完了, 완료), Fixed (Behoben), Closed (Geschlossen),
# and the brief's Terminé and Resuelto. None of them may count as not done.
DONE = ["Done", "Fixed", "Resolved", "Closed", "Erledigt", "Fertig", "Behoben", "Geschlossen",
        "Terminé", "Terminé(e)", "Resuelto", "Listo", "Gereed", "完了", "완료"]


def test_every_translated_name_is_tested_and_in_not_done():
    assert {language: {normalised(name) for name in names} for language, names in SHOWN.items()} == TRANSLATED
    assert set().union(*TRANSLATED.values()) <= NOT_DONE
    assert classifier.NOT_DONE is NOT_DONE and classifier.resolved_undone is resolved_undone  # importable from both


@pytest.mark.parametrize("name", SHOWN_NAMES)
def test_a_translated_name_of_work_not_done_is_recognised(name):
    assert resolved_undone(name)
    assert resolved_undone(f"  {name.upper()} ")
    assert resolved_undone(unicodedata.normalize("NFD", name))  # an accent typed as its own character


@pytest.mark.parametrize("word", DONE)
def test_a_word_for_work_done_is_not(word):
    assert not resolved_undone(word)
    assert not resolved_undone(word.upper())


def test_not_done_reads_translated_resolutions_and_statuses():
    items = pd.DataFrame({"resolution": ["Erledigt", "Wird nicht erledigt", "Duplikat", "Listo", "No se hará", None],
                          "status": ["Fertig", "Fertig", "Geschlossen", "Wird nicht erledigt", "Cerrado", "対応しない"]})
    assert not_done(items).tolist() == [False, True, True, True, True, True]


HEADER = "Issue key,Summary,Issue Type,Status,Resolution,Created,Resolved,Time Spent\n"
ROWS = {
    "OPS-1": "Zugriff auf das Integrations-Dashboard,Service Request,Fertig,Erledigt",
    "OPS-2": "Zugriff auf das Billing-Dashboard,Service Request,Geschlossen,Wird nicht erledigt",
    "OPS-3": "Zugriff auf das Ledger-Dashboard,Service Request,Wird nicht erledigt,Erledigt",  # a team-managed project
    "OPS-4": "Zugriff auf das Metrics-Dashboard,Service Request,Geschlossen,Duplikat",
    "OPS-5": "Acceso al panel de búsqueda,Service Request,Cerrado,No se hará",
}


def test_a_german_export_closed_as_wird_nicht_erledigt_is_given_no_estimated_hours(db, tmp_path):
    path = tmp_path / "vorgaenge.csv"
    path.write_text(HEADER + "".join(f"{key},{row},2026-10-0{n}T09:00:00Z,2026-10-0{n}T11:00:00Z,\n"
                                     for n, (key, row) in enumerate(ROWS.items(), 1)), encoding="utf-8")
    assert run("import", "jira", "--csv", str(path), db=db).exit_code == 0
    hours = {row["key"]: row["hours"] for row in run_json("items", "--format", "json", db=db)}
    assert hours["OPS-1"] > 0  # Erledigt: done, estimated as before
    assert {key: hours[key] for key in ("OPS-2", "OPS-3", "OPS-4", "OPS-5")} == \
        {"OPS-2": 0, "OPS-3": 0, "OPS-4": 0, "OPS-5": 0}
    explained = run("explain", "OPS-2", db=db)
    assert explained.exit_code == 0, explained.output
    assert "  time:     0.00h: closed as Wird nicht erledigt, work not done, so none is estimated (none was logged)" in \
        explained.stdout.splitlines()
    by_status = run("explain", "OPS-3", db=db).stdout.splitlines()
    assert "  time:     0.00h: closed as Wird nicht erledigt, work not done, so none is estimated (none was logged)" in \
        by_status
