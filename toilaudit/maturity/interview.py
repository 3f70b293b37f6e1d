"""The guided interview: one question at a time in the terminal, each answer saved at once.

Questions are data (questionnaires/*.yaml); `prompt_for` turns one into a questionary prompt
(after copier's Question.get_questionary_structure). `unsafe_ask()` is used throughout:
questionary's `ask()` swallows Ctrl-C and returns None, which would save a non-answer. Here
Ctrl-C raises KeyboardInterrupt; the answers given so far are already in the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import questionary
from rich.console import Console

from toilaudit.maturity.answers import normalise
from toilaudit.maturity.interface import UNKNOWN, Bank, Question
from toilaudit.store import Store

TRACK_TITLES = {"platform": "Platform", "sre": "SRE", "ai": "AI agents", "capacity": "Who carries operations work"}
NOT_SURE = "Not sure (counted as not met, listed as an open question)"


@dataclass(frozen=True, slots=True)
class InterviewSession:
    store: Store
    """Where each answer is saved the moment it is given."""
    bank: Bank
    """The questions."""
    org: str
    """The organisation."""
    interviewee: str
    """Who answers (a person or a team); kept apart from other interviewees."""
    console: Console
    """Where the introduction and headings are printed."""
    prompt_options: dict[str, Any]
    """Extra options for every questionary prompt (tests pass a pipe input here)."""
    services: tuple[str, ...] = ()
    """Services the per-service questions are asked about; none: asked once for every service."""


def prompts(session: InterviewSession) -> list[tuple[Question, str]]:
    """Every (question, service) to ask, in the bank's order; the per-service questions service by service."""
    per_service = [q for q in session.bank.questions if q.per_service]
    out = []
    for question in session.bank.questions:
        if not question.per_service:
            out.append((question, ""))
        elif question is per_service[0]:
            out += [(q, service) for service in (session.services or ("",)) for q in per_service]
    return out


def ask(session: InterviewSession, prompt: Any) -> Any:
    """A person's answer to one prompt. The store is released while they think: summary and report
    run meanwhile, and each answer is saved in its own short transaction."""
    with session.store.released():
        return prompt.unsafe_ask()


def saved_answers(session: InterviewSession) -> dict[tuple[str, str], str]:
    frame = session.store.load_answers(session.org)
    mine = frame.loc[frame["interviewee"] == session.interviewee]
    return dict(zip(zip(mine["question_id"], mine["service"]), mine["answer"]))


def run_interview(session: InterviewSession) -> int:
    """Ask every question not yet answered; returns how many answers are saved in the end."""
    questions = prompts(session)
    done = saved_answers(session)
    console = session.console
    scope = (f" Questions on AI agents are asked for each of {len(session.services)} services: "
             f"{', '.join(session.services)}." if session.services else "")
    console.print(
        f"[bold]toilaudit interview[/bold] for [bold]{session.org}[/bold], answered by {session.interviewee}.\n"
        f"{len(questions)} questions in four parts: Platform, SRE, AI agents in production, and who carries "
        f"operations work.{scope} Each answer is saved as soon as it is given; Ctrl-C pauses, and running the "
        "same command resumes.\nChoose the answer that is true today for most of your services. "
        "'Not sure' is always fine.",
        highlight=False,
    )
    if done:
        answered = sum(1 for q, service in questions if (q.id, service) in done)
        if answered < len(questions):
            resume = ask(session, questionary.confirm(
                f"{answered} of {len(questions)} questions are already answered. Resume where you left off?",
                default=True, **session.prompt_options,
            ))
        else:
            resume = not ask(session, questionary.confirm(
                f"All {len(questions)} questions are answered. Start over?", default=False, **session.prompt_options
            ))
        if not resume:
            session.store.delete_answers(session.org, session.interviewee)
            done = {}
    for number, (question, service) in enumerate(questions, 1):
        if (question.id, service) in done:
            continue
        # the heading names the part and the service, never the level being tested
        heading = f"Question {number} of {len(questions)} · {TRACK_TITLES[question.track]}"
        if service:
            heading += f" · service {service}"
        console.print(f"\n[bold]{heading}[/bold]\n[dim]Why it matters: {question.why}[/dim]", highlight=False)
        answer = ask(session, prompt_for(question, session.prompt_options))
        note = ask(session, questionary.text("Note (optional, Enter to skip):", **session.prompt_options))
        session.store.save_answer(session.org, session.interviewee, question.id, answer, (note or "").strip(), service)
    total = len(saved_answers(session))
    console.print(
        f"\nInterview complete: {total} answers saved for {session.org} ({session.interviewee}). "
        f"Next: toilaudit assess --org '{session.org}'",
        highlight=False,
    )
    return total


def prompt_for(question: Question, options: dict[str, Any]) -> questionary.Question:
    """One question as a questionary prompt; its answer is already in stored form."""
    if question.kind == "number":
        def validate(text: str) -> bool | str:
            return normalise(question, text) is not None or "Enter a number of 0 or more, or leave empty if not sure"

        prompt = questionary.text(
            f"{question.text} (a number; Enter if not sure)", validate=validate, **options
        )
        return _mapped(prompt, lambda text: normalise(question, text))
    choices = [questionary.Choice(title=choice, value=choice) for choice in question.choices]
    choices.append(questionary.Choice(title=NOT_SURE, value=UNKNOWN))
    return questionary.select(question.text, choices=choices, use_shortcuts=True, **options)


class _mapped:
    """A prompt whose answer goes through a function (text -> stored form)."""

    def __init__(self, prompt: questionary.Question, convert) -> None:
        self.prompt = prompt
        self.convert = convert

    def unsafe_ask(self) -> Any:
        return self.convert(self.prompt.unsafe_ask())
