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

DOWN, UP, ENTER = "\x1b[B", "\x1b[A", "\r"


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
        pipe.send_text(ENTER * 40)  # 40 answers, no note asked for
        assert run_interview(session(store, pipe)) == 40
    answers = store.load_answers("Org").set_index("question_id")["answer"]
    assert answers["sre.slo-defined"] == "No"
    assert answers["ai.shadow-period-days"] == "unknown"  # an empty number is "not sure"


def test_arrow_keys_shortcuts_and_notes_are_saved(store):
    with create_pipe_input() as pipe:
        # q1: n for a note, typed; then arrow down twice (3rd choice). q2: shortcut 4 = Not sure. Then Enter.
        pipe.send_text("n" + "portal via Backstage" + ENTER + DOWN + DOWN + ENTER + "4" + ENTER + ENTER * 38)
        run_interview(session(store, pipe))
    frame = store.load_answers("Org").set_index("question_id")
    assert frame.loc["platform.provisioning", "answer"] == "Self-service through a portal, API or IaC module (minutes)"
    assert frame.loc["platform.provisioning", "note"] == "portal via Backstage"
    assert frame.loc["platform.idp", "answer"] == "unknown"


def test_interrupt_keeps_answers_and_resume_asks_only_the_rest(store):
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER * 3 + "n" + "\x03")  # three answers, then Ctrl-C at a note: nothing is lost
        with pytest.raises(KeyboardInterrupt):
            run_interview(session(store, pipe))
    assert len(store.load_answers("Org")) == 3
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER + ENTER * 37)  # "go on", then 37 answers
        assert run_interview(session(store, pipe)) == 40


def test_per_service_questions_are_asked_for_each_service_with_no_level_in_the_heading(store):
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER * 45)  # 35 organisation questions and 5 per service for 2 services
        state = InterviewSession(store, load_bank(), "Org", "sre", Console(file=out, width=200),
                                 {"input": pipe, "output": DummyOutput()}, ("ledger", "payments-api"))
        assert run_interview(state) == 45
    frame = store.load_answers("Org")
    assert sorted(frame.loc[frame["question_id"] == "ai.rollback", "service"]) == ["ledger", "payments-api"]
    printed = out.getvalue()
    assert "Question 33 of 45 · AI agents · service ledger" in printed
    questions = printed[printed.index("Question 1 of"):]  # the introduction names the five levels once
    assert "Level" not in questions and "Standardized" not in questions


def test_b_goes_back_and_the_saved_answer_is_offered_again(store):
    with create_pipe_input() as pipe:
        # q1: 3rd choice; q2: b back to q1, which offers the 3rd choice: up once (2nd) and Enter;
        # q2 again: Enter (1st); then Enter to the end
        pipe.send_text("3" + ENTER + "b" + UP + ENTER + ENTER + ENTER * 38)
        assert run_interview(session(store, pipe)) == 40
    frame = store.load_answers("Org").set_index("question_id")
    assert frame.loc["platform.provisioning", "answer"] == "Scripts the platform team runs on request (hours)"
    assert frame.loc["platform.idp", "answer"] == "No"


def test_change_one_answer_after_the_end_keeps_the_others(store):
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER * 40)
        run_interview(session(store, pipe))
    before = store.load_answers("Org").set_index("question_id")["answered_at"]
    with create_pipe_input() as pipe:
        # menu: "Change one answer" (1st), the 2nd question in the list, its 2nd choice; then the menu
        # again: down to "Keep every answer and finish"
        pipe.send_text(ENTER + DOWN + ENTER + "2" + ENTER + DOWN + ENTER)
        assert run_interview(session(store, pipe)) == 40
    after = store.load_answers("Org").set_index("question_id")
    assert after.loc["platform.idp", "answer"] == "It exists, but most requests still arrive as tickets"
    assert after["answered_at"].drop("platform.idp").sort_index().equals(before.drop("platform.idp").sort_index())


def test_letters_typed_into_a_number_are_refused_not_taken_for_b_or_n(store):
    """n and b are commands as a prompt's first key only: "abc" in a number field is refused as a number
    (it once went back a question at its b), and the field can then be corrected."""
    first_number = [q.id for q in load_bank().questions].index("ai.shadow-period-days")
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER * first_number + "abc" + ENTER + "\x7f" * 3 + "12" + ENTER + ENTER * 10)
        assert run_interview(InterviewSession(store, load_bank(), "Org", "sre", Console(file=out, width=200),
                                              {"input": pipe, "output": DummyOutput()})) == 40
    assert out.getvalue().count(f"Question {first_number} of 40") == 1  # never went back
    frame = store.load_answers("Org").set_index("question_id")
    assert frame.loc["ai.shadow-period-days", "answer"] == "12"
    assert frame.loc["ai.shadow-period-days", "note"] in ("", None)


def test_b_goes_back_from_a_number_that_offers_its_saved_answer(store):
    """A number question revisited offers its saved answer as text: b and n still work until something
    is typed over it."""
    first_number = [q.id for q in load_bank().questions].index("ai.shadow-period-days")
    out = io.StringIO()
    with create_pipe_input() as pipe:
        # answer 12; at the next question b (back to the number, which offers 12), b again (back to the
        # question before it), then Enter keeps each answer to the end
        pipe.send_text(ENTER * first_number + "12" + ENTER + "b" + "b" + ENTER * 12)
        assert run_interview(InterviewSession(store, load_bank(), "Org", "sre", Console(file=out, width=200),
                                              {"input": pipe, "output": DummyOutput()})) == 40
    printed = out.getvalue()
    assert printed.count(f"Question {first_number} of 40") == 2 and printed.count(f"Question {first_number + 1} of 40") == 2
    assert store.load_answers("Org").set_index("question_id").loc["ai.shadow-period-days", "answer"] == "12"


def test_no_shadow_trial_answers_its_accuracy_and_asked_once_the_questions_say_your_services(store):
    first_number = [q.id for q in load_bank().questions].index("ai.shadow-period-days")
    out = io.StringIO()
    with create_pipe_input() as pipe:
        # 0 days of shadow mode: the trial's accuracy is not asked; at the question after it, b goes back
        # to the number (past the answer given for the user), which offers 0: Enter keeps it, then to the end
        pipe.send_text(ENTER * first_number + "0" + ENTER + "b" + ENTER + ENTER * 10)
        assert run_interview(InterviewSession(store, load_bank(), "Org", "sre", Console(file=out, width=300),
                                              {"input": pipe, "output": DummyOutput()})) == 40
    frame = store.load_answers("Org").set_index("question_id")
    assert frame.loc["ai.shadow-accuracy", "answer"] == "No trial, or no written threshold"
    printed = out.getvalue()
    assert "Did that shadow trial meet" in printed and "Answered for you: No trial" in printed
    assert printed.count(f"Question {first_number + 1} of 40") == 2  # the number, asked again after b
    assert f"Question {first_number + 2} of 40" not in printed  # the accuracy was never asked
    assert "What do AI agents do on your services in production today?" in printed
    assert "this service" not in printed


def test_change_one_answer_names_the_service_of_each_per_service_question(store, monkeypatch):
    """The per-service questions read alike: each choice of the list names its service before the
    question, which is cut at the width (it once cut the question before the service)."""
    import questionary

    from toilaudit.maturity import interview

    services = ("ledger", "payments-api")
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER * 45)
        run_interview(InterviewSession(store, load_bank(), "Org", "sre", Console(file=io.StringIO()),
                                       {"input": pipe, "output": DummyOutput()}, services))
    listed: list[str] = []
    real_select = questionary.select

    def select(message, choices, **options):
        if message == "Which answer?":
            listed.extend(choice.title for choice in choices)
        return real_select(message, choices=choices, **options)

    monkeypatch.setattr(interview.questionary, "select", select)
    with create_pipe_input() as pipe:
        # menu: "Change one answer"; the first question of the list, Enter keeps it; then "finish"
        pipe.send_text(ENTER + ENTER + ENTER + DOWN + ENTER)
        run_interview(InterviewSession(store, load_bank(), "Org", "sre", Console(file=io.StringIO(), width=120),
                                       {"input": pipe, "output": DummyOutput()}, services))
    agents_today = [title for title in listed if "What do AI agents do" in title]
    assert [title.split(": ")[0] for title in agents_today] == ["29. ledger", "34. payments-api"]
    assert all(len(title) <= 120 for title in listed)
    assert "1. How does a team usually get" in listed[0]  # an organisation-wide question names no service


def test_a_number_beyond_what_an_organisation_could_answer_is_refused(store):
    """99999 days of shadow mode was once taken (and printed in the board's interview record): each
    number question has its bank's range, and a number beyond it is refused until corrected."""
    first_number = [q.id for q in load_bank().questions].index("ai.shadow-period-days")
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text(ENTER * first_number + "99999" + ENTER + "\x7f" * 5 + "45" + ENTER + ENTER * 7
                       + "60000" + ENTER + "\x7f" * 5 + "12" + ENTER + "168" + ENTER + "\x7f" * 3 + "40" + ENTER)
        assert run_interview(InterviewSession(store, load_bank(), "Org", "sre", Console(file=out, width=200),
                                              {"input": pipe, "output": DummyOutput()})) == 40
    answers = store.load_answers("Org").set_index("question_id")["answer"]
    assert answers["ai.shadow-period-days"] == "45"
    assert answers["capacity.ops-engineers"] == "12"
    assert answers["capacity.hours-per-week"] == "40"


def test_number_refusals_say_the_range():
    from toilaudit.maturity.answers import number_problem

    bank = load_bank().by_id()
    shadow = bank["ai.shadow-period-days"]
    assert number_problem(shadow, "3650") is None and number_problem(shadow, "0") is None
    assert number_problem(shadow, "99999") == "99,999 days is beyond any real answer: at most 3,650 days"
    assert number_problem(shadow, "-1") == "Enter a number from 0 to 3,650 days, or nothing if not sure"
    assert number_problem(bank["capacity.hours-per-week"], "169") == ("169 hours a week is beyond any real answer: "
                                                                      "at most 100 hours a week")
    assert max(len(number_problem(q, "999999") or "") for q in bank.values() if q.kind == "number") < 80  # a line


def test_going_back_shows_the_note_saved_with_the_answer(store):
    """b back to a question with a note shows the note (n still changes it, starting from it)."""
    out = io.StringIO()
    with create_pipe_input() as pipe:
        # q1: a note, then the 3rd choice; q2: b back to q1, which shows its note: Enter keeps the answer;
        # then Enter to the end
        pipe.send_text("n" + "portal via Backstage" + ENTER + "3" + ENTER + "b" + ENTER + ENTER * 39)
        assert run_interview(InterviewSession(store, load_bank(), "Org", "sre", Console(file=out, width=200),
                                              {"input": pipe, "output": DummyOutput()})) == 40
    printed = out.getvalue()
    again = printed[printed.index("Question 1 of 40", printed.index("Question 2 of 40")):]
    assert "Saved answer: Self-service through a portal" in again
    assert "Note: portal via Backstage (n changes it)" in again
    assert store.load_answers("Org").set_index("question_id").loc["platform.provisioning", "note"] == \
        "portal via Backstage"
