"""The guided interview: one question at a time in the terminal, each answer saved at once.

Questions are data (questionnaires/*.yaml); `prompt_for` turns one into a questionary prompt
(after copier's Question.get_questionary_structure). `unsafe_ask()` is used throughout:
questionary's `ask()` swallows Ctrl-C and returns None, which would save a non-answer. Here
Ctrl-C raises KeyboardInterrupt; the answers given so far are already in the store.

A note is asked for only when the person presses n at a question, and b goes back one question:
a prompt after every question doubled the key presses, and an answer was saved only after it.
The store is released while a person thinks (`ask`), so that summary and report run meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import questionary
from prompt_toolkit.application.current import get_app
from prompt_toolkit.filters import Condition
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from rich.console import Console
from rich.markup import escape

from toilaudit.maturity.answers import normalise, number_problem, number_range
from toilaudit.maturity.interface import UNKNOWN, Bank, Question
from toilaudit.maturity.paused import mark_finished, mark_in_progress
from toilaudit.store import Store

TRACK_TITLES = {"platform": "Platform", "sre": "SRE", "ai": "AI agents", "capacity": "Who carries operations work"}
NOT_SURE = "Not sure (counted as not met, listed as an open question)"
ARTICLE = '"SRE for AI Agents: Error Budgets, Trust, and 90 Trials"'
# What a key press asks for instead of an answer (no answer text starts with a NUL)
NOTE, BACK = "\0note", "\0back"
COMMAND_KEYS = {"n": NOTE, "b": BACK}
# A question that only follows from another's answer: (question, the one before, the answer to it
# that makes it moot, the answer it then gets, why). Without a shadow trial there is no trial's accuracy.
MOOT_AFTER = {"ai.shadow-accuracy": ("ai.shadow-period-days", "0", "No trial, or no written threshold",
                                     "no shadow trial was run")}
RESUME, CHANGE, START_OVER, FINISH = "resume", "change", "start over", "finish"


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
    """Where the introduction and headings are printed (wrapped between words)."""
    prompt_options: dict[str, Any]
    """Extra options for every questionary prompt (tests pass a pipe input here)."""
    services: tuple[str, ...] = ()
    """Services the per-service questions are asked about; none: asked once for every service."""
    notes: dict[tuple[str, str], str] = field(default_factory=dict)
    """Notes typed (key n) for questions not answered yet in this session."""


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


NEW_NAME = "\0new"


def choose_name(store: Store, question: str, saved: list[str], new: str, default: str,
                options: dict[str, Any] | None = None) -> str:
    """A name saved in the store, picked from a list (so that running the command again resumes
    without retyping it exactly), or a new one typed."""
    options = options or {}
    with store.released():
        if saved:
            picked = questionary.select(question, choices=[*saved, questionary.Choice(new, NEW_NAME)],
                                        **options).unsafe_ask()
            if picked != NEW_NAME:
                return picked
        return questionary.text(question if not saved else f"{new}:", default="" if saved else default,
                                validate=lambda text: bool(text.strip()) or "Give a name", **options
                                ).unsafe_ask().strip()


def saved_answers(session: InterviewSession) -> dict[tuple[str, str], tuple[str, str]]:
    """(question id, service) -> (answer, note) of this interviewee."""
    frame = session.store.load_answers(session.org)
    mine = frame.loc[frame["interviewee"] == session.interviewee]
    return {(q, s): (a, n or "") for q, s, a, n in zip(mine["question_id"], mine["service"], mine["answer"],
                                                      mine["note"])}


def introduce(session: InterviewSession, count: int) -> None:
    """Say once, at the start, where the questions come from and which keys do what."""
    services = session.services
    scope = ("" if not services else f" Questions on AI agents are asked for the service {services[0]}."
             if len(services) == 1 else
             f" Questions on AI agents are asked for each of {len(services)} services: {', '.join(services)}.")
    session.console.print(
        f"[bold]toilaudit interview[/bold] for [bold]{escape(session.org)}[/bold], answered by "
        f"{escape(session.interviewee)}.\n\n"
        f"The questions come from the article {ARTICLE}. Its Table 3 places platform engineering and SRE "
        "practice on five maturity levels (Foundation, Standardized, Measured, Optimized, Autonomous) and says how "
        "far AI agents may go at each; its readiness gate lists the conditions a service must meet first, which "
        "four actions close in order: audit toil; define SLOs and error budgets; record decision provenance and "
        "automate rollback; climb the trust ladder.\n\n"
        f"{count} questions in four parts: Platform, SRE, AI agents in production, and who carries operations "
        f"work.{escape(scope)} Choose the answer that is true today for most of your services; 'Not sure' is "
        "always fine.\n"
        "Keys: a number or the arrows, then Enter, answers; [bold]n[/bold] adds a note; [bold]b[/bold] goes back "
        "one question; Ctrl-C pauses. Each answer is saved as soon as it is given, and running the same command "
        "resumes.",
        highlight=False,
    )


def run_interview(session: InterviewSession) -> int:
    """Ask every question not yet answered; returns how many answers are saved in the end."""
    questions = prompts(session)
    introduce(session, len(questions))
    done = saved_answers(session)
    if done:
        done = _resume(session, questions, done)
    position = _next_unanswered(questions, done, 0)
    if position is not None:  # until every question is answered, assess and report refuse (paused.py)
        mark_in_progress(session.store, session.org, session.interviewee, len(questions))
    while position is not None:
        question, service = questions[position]
        moot = _moot_answer(question, service, done)
        if moot is not None:
            why = MOOT_AFTER[question.id][3]
            session.console.print(f"\n[dim]{escape(asked_text(question, service))} Answered for you: {escape(moot)} "
                                  f"({why}).[/dim]", highlight=False)
            _save(session, question, service, moot, done)
            position = _next_unanswered(questions, done, position + 1)
            continue
        reply = _ask_question(session, questions, position, done.get(_slot(questions[position])))
        if reply == BACK:
            position = max(position - 1, 0)
            while position and _moot_answer(*questions[position], done) is not None:
                position -= 1  # back past a question answered for the user, to the one that decided it
            continue
        _save(session, question, service, reply, done)
        for follower, (before, *_) in MOOT_AFTER.items():
            if question.id == before and (follower, service) in done:
                del done[(follower, service)]  # asked again (or answered again) from the new answer
        position = _next_unanswered(questions, done, position + 1)
    mark_finished(session.store, session.org, session.interviewee)
    total = len(saved_answers(session))
    session.console.print(
        f"\nInterview complete: {total} answers saved for {escape(session.org)} ({escape(session.interviewee)}). "
        f"Next: toilaudit assess --org '{escape(session.org)}'",
        highlight=False,
    )
    return total


def asked_text(question: Question, service: str) -> str:
    """The question as put: a per-service question asked once for every service says so."""
    if question.per_service and not service:
        return question.text.replace("this service", "your services")
    return question.text


def _moot_answer(question: Question, service: str, done: dict) -> str | None:
    """The answer a question gets without being asked, when an earlier answer makes it moot."""
    if question.id not in MOOT_AFTER:
        return None
    before, moot_when, answer, _ = MOOT_AFTER[question.id]
    given = done.get((before, service))
    return answer if given is not None and given[0] == moot_when else None


def _slot(entry: tuple[Question, str]) -> tuple[str, str]:
    return entry[0].id, entry[1]


def _next_unanswered(questions: list[tuple[Question, str]], done: dict, start: int) -> int | None:
    """The first unanswered question from `start`, else from the beginning; None when all are answered."""
    order = list(range(start, len(questions))) + list(range(0, start))
    return next((i for i in order if _slot(questions[i]) not in done), None)


def _save(session: InterviewSession, question: Question, service: str, answer: str, done: dict) -> None:
    slot = (question.id, service)
    note = session.notes.pop(slot, None)
    if note is None:
        note = done.get(slot, ("", ""))[1]
    session.store.save_answer(session.org, session.interviewee, question.id, answer, note, service)
    done[slot] = (answer, note)


def _ask_question(session: InterviewSession, questions: list[tuple[Question, str]], position: int,
                  previous: tuple[str, str] | None) -> str:
    """Show one question and return its answer, or BACK. Key n takes a note, then asks again."""
    question, service = questions[position]
    heading = f"Question {position + 1} of {len(questions)} · {TRACK_TITLES[question.track]}"
    if service:
        heading += f" · service {service}"  # the heading names the part and the service, never the level
    session.console.print(f"\n[bold]{escape(heading)}[/bold]\n{escape(asked_text(question, service))}\n"
                          f"[dim]Why it matters: {escape(question.why)}[/dim]", highlight=False)
    slot = (question.id, service)
    if previous:
        session.console.print(f"[dim]Saved answer: {escape(previous[0])}[/dim]", highlight=False)
    # the note it will be saved with (typed earlier in this session, else saved with the answer)
    kept_note = session.notes.get(slot, previous[1] if previous else "")
    if kept_note:
        session.console.print(f"[dim]Note: {escape(kept_note)} (n changes it)[/dim]", highlight=False)
    while True:
        before = session.notes.get(slot, kept_note)
        reply = ask(session, prompt_for(question, session.prompt_options, previous[0] if previous else None))
        if reply != NOTE:
            return reply
        note = ask(session, questionary.text("Note:", default=before, **session.prompt_options))
        session.notes[slot] = (note or "").strip()
        session.console.print("[dim]Noted; it is saved with the answer.[/dim]", highlight=False)


def _resume(session: InterviewSession, questions: list[tuple[Question, str]],
            done: dict[tuple[str, str], tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """What to do with the answers already saved: go on, change some, or start over."""
    while True:
        answered = sum(1 for entry in questions if _slot(entry) in done)
        complete = answered == len(questions)
        choices = [questionary.Choice(f"Go on from where you left off ({answered} of {len(questions)} answered)",
                                      RESUME)] if not complete else []
        choices += [questionary.Choice("Change one answer", CHANGE)]
        if complete:
            choices.append(questionary.Choice("Keep every answer and finish", FINISH))
        choices.append(questionary.Choice("Start over (deletes these answers)", START_OVER))
        choice = ask(session, questionary.select(
            f"{session.interviewee} has answered {answered} of {len(questions)} questions.", choices=choices,
            **session.prompt_options))
        if choice in (RESUME, FINISH):
            return done
        if choice == START_OVER:
            session.store.delete_answers(session.org, session.interviewee)
            return {}
        _change_one(session, questions, done)


def _change_one(session: InterviewSession, questions: list[tuple[Question, str]], done: dict) -> None:
    """Pick one answered question from a list and answer it again."""
    width = max(40, min(session.console.width, 100) - 12)
    choices = []
    for position, (question, service) in enumerate(questions):
        if (question.id, service) not in done:
            continue
        # the service first: the per-service questions read alike and are cut at the width
        label = f"{position + 1}. " + (f"{_clip(service, 30)}: " if service else "") + question.text
        answer = done[(question.id, service)][0]
        label = _clip(label, width - 24) + " - " + _clip(answer, 20)
        choices.append(questionary.Choice(label, position))
    position = ask(session, questionary.select("Which answer?", choices=choices, **session.prompt_options))
    reply = _ask_question(session, questions, position, done.get(_slot(questions[position])))
    if reply != BACK:
        question, service = questions[position]
        _save(session, question, service, reply, done)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def prompt_for(question: Question, options: dict[str, Any], default: str | None = None) -> Any:
    """One question as a questionary prompt; its answer comes back in stored form, or as NOTE / BACK."""
    if question.kind == "number":
        def validate(text: str) -> bool | str:
            return number_problem(question, text) or True

        offered = "" if default in (None, UNKNOWN) else default
        prompt = questionary.text(f"Answer (a number, {number_range(question)}; Enter if not sure; n note, b back):",
                                  validate=validate, default=offered, **options)
        return _Mapped(with_command_keys(prompt, offered), lambda text: normalise(question, text))
    # Digits only as shortcuts (the bank has at most nine choices), so that n and b stay free
    choices = [questionary.Choice(title=choice, value=choice, shortcut_key=str(number))
               for number, choice in enumerate(question.choices, 1)]
    choices.append(questionary.Choice(title=NOT_SURE, value=UNKNOWN, shortcut_key=str(len(choices) + 1)))
    if default not in (*question.choices, UNKNOWN):
        default = None  # an answer saved from an older bank's wording
    prompt = questionary.select("Answer", choices=choices, use_shortcuts=True, default=default,
                                instruction=f"(1-{len(choices)} or arrows, Enter; n note, b back)", **options)
    return with_command_keys(prompt)


def with_command_keys(prompt: questionary.Question, offered: str = "") -> questionary.Question:
    """Let n and b end a prompt with a command (NOTE, BACK) instead of an answer, until something is
    typed over the `offered` text: a letter typed into a number ("abc") is refused as a number, not
    taken for b."""
    keys = KeyBindings()
    nothing_typed = Condition(lambda: get_app().current_buffer.text == offered)
    for key, command in COMMAND_KEYS.items():
        keys.add(key, eager=True, filter=nothing_typed)(lambda event, command=command: event.app.exit(result=command))
    application = prompt.application
    # later bindings win in prompt_toolkit, and a specific key beats the prompts' catch-all one
    application.key_bindings = merge_key_bindings([application.key_bindings or KeyBindings(), keys])
    return prompt


class _Mapped:
    """A prompt whose answer goes through a function (text -> stored form); commands pass as they are."""

    def __init__(self, prompt: questionary.Question, convert) -> None:
        self.prompt = prompt
        self.convert = convert

    def unsafe_ask(self) -> Any:
        reply = self.prompt.unsafe_ask()
        return reply if reply in (NOTE, BACK) else self.convert(reply)
