"""A paused interview is not assessed as if finished: assess and report refuse it (one line naming the
command that resumes it and the one that discards it), and it never becomes the previous assessment.

A user once pressed Ctrl-C at question 20 of 70 and ran assess: the 50 questions not asked yet became
"open questions (answered unknown)", and after the interview was finished the board report compared
it with that half-done assessment ("agents today: none -> Read-only") as if it were change."""

from __future__ import annotations

import io

import pytest
import yaml
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from toilaudit.maturity.bank import load_bank
from toilaudit.maturity.interview import InterviewSession, run_interview
from toilaudit.store import open_store

from helpers import EXAMPLES, run, run_json

ENTER = "\r"
PAUSED = ("error: the interview of 'sre' for 'Acme' is paused at 3 of 40 answers, so it is not assessed - finish it: "
          "toilaudit interview --org Acme --interviewee sre (or add --discard to delete its answers)")


def interview(db, keys: str, interviewee: str = "sre") -> None:
    """The terminal interview of Acme, driven by `keys`; Ctrl-C in them pauses it."""
    store = open_store(str(db))
    try:
        with create_pipe_input() as pipe:
            pipe.send_text(keys)
            session = InterviewSession(store, load_bank(), "Acme", interviewee, Console(file=io.StringIO()),
                                       {"input": pipe, "output": DummyOutput()})
            if "\x03" in keys:
                with pytest.raises(KeyboardInterrupt):
                    run_interview(session)
            else:
                run_interview(session)
    finally:
        store.close()


def kept(db) -> int:
    store = open_store(str(db))
    try:
        return len(store.assessments("Acme"))
    finally:
        store.close()


def test_assess_and_report_refuse_a_paused_interview_and_keep_nothing_of_it(audited, tmp_path):
    interview(audited, ENTER * 3 + "\x03")  # three answers, then Ctrl-C
    for command in (("assess", "--org", "Acme"), ("gate", "--org", "Acme"),
                    ("report", "--org", "Acme", "--format", "json", "--out", str(tmp_path / "board.json"))):
        result = run(*command, db=audited)
        assert result.exit_code == 2, result.output
        assert result.stderr.strip() == PAUSED
    assert not (tmp_path / "board.json").exists()
    assert kept(audited) == 0  # never the previous assessment

    interview(audited, ENTER + ENTER * 37)  # resumed ("go on") and finished
    data = run_json("assess", "--org", "Acme", "--format", "json", db=audited)
    assert data["interviewees"] == ["sre"]
    assert kept(audited) == 1
    board = run("report", "--org", "Acme", "--format", "json", "--out", str(tmp_path / "board.json"), db=audited)
    assert board.exit_code == 0, board.output
    assert kept(audited) == 1  # the same assessment again: nothing to compare with


def test_a_finished_interview_changed_later_is_not_paused(audited):
    interview(audited, ENTER * 40)
    interview(audited, ENTER + ENTER + "2" + ENTER + "\x03")  # change one answer, then Ctrl-C at the menu
    assert run("assess", "--org", "Acme", db=audited).exit_code == 0


def test_one_paused_interviewee_holds_back_the_organisation(audited, tmp_path):
    answers = yaml.safe_load((EXAMPLES / "interview_answers.yaml").read_text())
    answers["org"], answers["interviewee"] = "Acme", "platform"
    (tmp_path / "platform.yaml").write_text(yaml.safe_dump(answers))
    assert run("interview", "--answers", str(tmp_path / "platform.yaml"), db=audited).exit_code == 0
    interview(audited, ENTER * 3 + "\x03")
    result = run("assess", "--org", "Acme", db=audited)
    assert result.exit_code == 2 and "the interview of 'sre' for 'Acme' is paused" in result.stderr


def test_discard_deletes_a_paused_interview(audited):
    interview(audited, ENTER * 3 + "\x03")
    result = run("interview", "--org", "Acme", "--interviewee", "sre", "--discard", db=audited)
    assert result.exit_code == 0 and result.stdout.strip() == "Deleted 3 answers of sre for Acme."
    result = run("assess", "--org", "Acme", db=audited)
    assert result.exit_code == 2 and "no interview answers" in result.stderr
    again = run("interview", "--org", "Acme", "--interviewee", "sre", "--discard", db=audited)
    assert again.exit_code == 2 and "no answers of 'sre' for 'Acme'" in again.stderr
    unnamed = run("interview", "--org", "Acme", "--discard", db=audited)
    assert unnamed.exit_code == 2 and "pass --org NAME and --interviewee NAME" in unnamed.stderr


def test_an_answers_file_replaces_a_paused_interview(audited, tmp_path):
    interview(audited, ENTER * 3 + "\x03")
    answers = yaml.safe_load(run("interview", "--template").stdout)
    answers["org"], answers["interviewee"] = "Acme", "sre"
    (tmp_path / "sre.yaml").write_text(yaml.safe_dump(answers))
    assert run("interview", "--answers", str(tmp_path / "sre.yaml"), db=audited).exit_code == 0
    assert run("assess", "--org", "Acme", db=audited).exit_code == 0
