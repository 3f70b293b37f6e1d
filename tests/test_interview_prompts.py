"""The interview's questionary prompts, driven through a pipe (no terminal needed)."""

from __future__ import annotations

import io

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from toilaudit.maturity.bank import load_bank
from toilaudit.maturity.interview import InterviewSession, run_interview
from toilaudit.store import open_store

DOWN, ENTER = "\x1b[B", "\r"


@pytest.fixture
def store(tmp_path):
    store = open_store(str(tmp_path / "i.db"))
    yield store
    store.close()


def session(store, pipe):
    return InterviewSession(store, load_bank(), "Org", "sre", Console(file=io.StringIO()),
                            {"input": pipe, "output": DummyOutput()})


def test_enter_at_every_prompt_finishes_with_least_mature_answers(store):
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER * 80)  # 40 answers and 40 notes
        assert run_interview(session(store, pipe)) == 40
    answers = store.load_answers("Org").set_index("question_id")["answer"]
    assert answers["sre.slo-defined"] == "No"
    assert answers["ai.shadow-period-days"] == "unknown"  # an empty number is "not sure"


def test_arrow_keys_shortcuts_and_notes_are_saved(store):
    with create_pipe_input() as pipe:
        # q1: arrow down twice (3rd choice); note typed. q2: shortcut 4 = Not sure. Then Enter throughout.
        pipe.send_text(DOWN + DOWN + ENTER + "portal via Backstage" + ENTER + "4" + ENTER + ENTER + ENTER * 76)
        run_interview(session(store, pipe))
    frame = store.load_answers("Org").set_index("question_id")
    assert frame.loc["platform.provisioning", "answer"] == "Self-service through a portal, API or IaC module (minutes)"
    assert frame.loc["platform.provisioning", "note"] == "portal via Backstage"
    assert frame.loc["platform.idp", "answer"] == "unknown"


def test_interrupt_keeps_answers_and_resume_asks_only_the_rest(store):
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER * 6 + "\x03")  # three answers with their notes, then Ctrl-C
        with pytest.raises(KeyboardInterrupt):
            run_interview(session(store, pipe))
    assert len(store.load_answers("Org")) == 3
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER + ENTER * 74)  # "resume? Y", then 37 answers and notes
        assert run_interview(session(store, pipe)) == 40


def test_per_service_questions_are_asked_for_each_service_with_no_level_in_the_heading(store):
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER * 100)  # 35 organisation questions and 5 per service for 2 services, with notes
        state = InterviewSession(store, load_bank(), "Org", "sre", Console(file=out, width=200),
                                 {"input": pipe, "output": DummyOutput()}, ("ledger", "payments-api"))
        assert run_interview(state) == 45
    frame = store.load_answers("Org")
    assert sorted(frame.loc[frame["question_id"] == "ai.rollback", "service"]) == ["ledger", "payments-api"]
    printed = out.getvalue()
    assert "Question 33 of 45 · AI agents · service ledger" in printed
    assert "Level" not in printed and "Standardized" not in printed
