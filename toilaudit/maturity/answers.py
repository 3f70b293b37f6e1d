"""Answers: normalising what people type, combining interviewees, the YAML template and answers files.

An answer is stored as the chosen choice's text, a number written as text, or "unknown".
A per-service question's answer names its service, or none to hold for every service in scope
(a service's own answer wins over it). Several interviewees of one organisation are kept
apart; `combine` makes one answer of theirs per question, by the question's rule: the weakest
answer for a condition the gate relies on (it holds only where it holds for every team), the
most advanced for what already runs somewhere, the total where each answers for their own teams.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from toilaudit.errors import shown
from toilaudit.inputs import load_yaml, read_text_file
from toilaudit.maturity.interface import MAX_NUMBER, UNKNOWN, Answer, AnswersError, Bank, Question, same_service

UNKNOWN_SPELLINGS = {"unknown", "not sure", "dont know", "don't know", "n/a", "?", ""}
MAX_NAME_CHARS = 200  # an organisation or interviewee is a name, printed on the report's cover


def normalise(question: Question, raw: Any) -> str | None:
    """The stored form of an answer, or None if it is not allowed for this question."""
    if raw is None:
        return UNKNOWN
    text = str(raw).strip()
    if text.lower() in UNKNOWN_SPELLINGS:
        return UNKNOWN
    if question.kind == "number":
        try:
            number = float(text)
        except ValueError:
            return None
        return f"{number:g}" if 0 <= number <= largest(question) else None  # NaN and inf fail too
    for choice in question.choices:
        if text.lower() == choice.lower():
            return choice
    if text.isdigit() and 1 <= int(text) <= len(question.choices):
        return question.choices[int(text) - 1]
    return None


def largest(question: Question) -> float:
    """The largest answer a number question takes: its bank's `max:`."""
    return MAX_NUMBER if question.maximum is None else question.maximum


def number_range(question: Question) -> str:
    """`0 to 3,650 days`: the answers a number question takes, for messages."""
    return f"0 to {largest(question):,g}" + (f" {question.unit}" if question.unit else "")


def number_problem(question: Question, text: str) -> str | None:
    """Why a typed number is refused (what to type instead), or None when it is taken."""
    if normalise(question, text) is not None:
        return None
    try:
        number = float(text.strip())
    except ValueError:
        number = None
    if number is not None and number > largest(question):
        unit = f" {question.unit}" if question.unit else ""
        return f"{number:,g}{unit} is beyond any real answer: at most {largest(question):,g}{unit}"  # one short line
    return f"Enter a number from {number_range(question)}, or nothing if not sure"


def allowed(question: Question) -> str:
    if question.kind == "number":
        return f"a number from {number_range(question)}, or unknown"
    listed = "; ".join(f"{i} '{c}'" for i, c in enumerate(question.choices, 1)) + "; or unknown"
    if len(listed) <= 120:
        return listed
    return f"a choice's number (1 to {len(question.choices)}) or its text, as --template lists them, or unknown"


def rank(question: Question, value: str) -> float:
    """How mature an answer is: choice position (1-based) or the number; -1 for unknown."""
    if value == UNKNOWN:
        return -1
    if question.kind == "number":
        return float(value)
    return question.choices.index(value) + 1 if value in question.choices else -1


def is_met(question: Question, value: str) -> bool:
    return rank(question, value) >= question.met_at


def _note(answer: Answer) -> str:
    return f"{answer.interviewee}: {answer.note}" if answer.note and answer.interviewee else answer.note


def answers_for(question: Question, answers: list[Answer], service: str = "") -> list[Answer]:
    """Each interviewee's answer to a question, for one service: theirs for it, else theirs for all."""
    mine = [a for a in answers if a.question_id == question.id]
    if not question.per_service:
        return [a for a in mine if not a.service]
    chosen: dict[str, Answer] = {}
    for answer in mine:
        if same_service(answer.service, service) or (not answer.service and answer.interviewee not in chosen):
            chosen[answer.interviewee] = answer
    return list(chosen.values())


def combine_one(question: Question, answers: list[Answer]) -> tuple[str, tuple[str, ...]]:
    """One answer from several interviewees' answers to one question, by its rule, and all their notes."""
    notes = tuple(note for note in (_note(a) for a in answers) if note)
    known = [a.value for a in answers if a.value != UNKNOWN]
    if question.combine == "total":
        return (f"{sum(float(v) for v in known):g}" if known else UNKNOWN), notes
    if not answers:
        return UNKNOWN, notes
    values = [a.value for a in answers]
    if question.combine == "most-advanced":
        return max(values, key=lambda v: rank(question, v)), notes
    return min(values, key=lambda v: rank(question, v)), notes


@dataclass(frozen=True, slots=True)
class AnswersFile:
    org: str | None
    """`org:` in the file."""
    interviewee: str | None
    """`interviewee:` in the file."""
    services: tuple[str, ...]
    """`services:` in the file: the organisation's own services (empty: take them from the imports)."""
    answers: tuple[Answer, ...]
    """Every answer given (unknown included)."""
    unanswered: tuple[str, ...]
    """Ids of questions with no entry at all."""


def template_yaml(bank: Bank, org: str | None = None, services: tuple[str, ...] = ()) -> str:
    """A YAML answers file listing every question with its allowed answers, answers left null.

    A per-service question appears once per service named, or once with `service: null` (the
    answer then holds for every service in scope; copy the entry with `service: NAME` where a
    service differs). Levels are left out: the person answering should not see what is tested.
    """
    questions = []
    for q in bank.questions:
        for service in (services or (None,)) if q.per_service else ("",):
            entry: dict[str, Any] = {"id": q.id, "track": q.track}
            if q.per_service:
                entry["service"] = service
            entry["text"] = q.text
            entry["why"] = q.why
            if q.kind == "number":
                entry["type"] = "number"
                entry["range"] = number_range(q)
            else:
                entry["choices"] = list(q.choices)
            entry["answer"] = None
            entry["note"] = None
            questions.append(entry)
    header = (
        "# toilaudit interview answers. For each question set `answer:` to one of its choices (the text\n"
        "# or its number, 1 = least mature), a number in its `range:` for `type: number`, or `unknown`.\n"
        "# `services:` lists the organisation's own services (PagerDuty services, Jira components); leave it\n"
        "# empty to take them from the imports. A question with `service:` is asked per service: `service: null`\n"
        "# answers for every service; copy the entry with `service: NAME` where one differs. Then run:\n"
        "#   toilaudit interview --answers THIS_FILE\n"
    )
    body = yaml.safe_dump({"org": org, "interviewee": None, "services": list(services), "questions": questions},
                          sort_keys=False, allow_unicode=True, width=100)
    return header + body


def read_answers_file(path: Path, bank: Bank) -> AnswersFile:
    """A filled-in template, checked against the bank."""
    where = Path(path).name
    text = read_text_file(path, AnswersError, "--answers")
    data = load_yaml(text, where, AnswersError, "start from toilaudit interview --template")
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise AnswersError(f"{where}: expected `org:` and a `questions:` list - start from toilaudit interview --template")
    services = data.get("services") or []
    if not isinstance(services, list) or not all(isinstance(s, str) and s.strip() for s in services):
        raise AnswersError(f"{where}: `services:` must be a list of service names - e.g. [payments-api, ledger]")
    questions = bank.by_id()
    answers, seen = [], set()
    interviewee = _name(data, "interviewee", where)
    for entry in data["questions"]:
        if not isinstance(entry, dict) or "id" not in entry:
            raise AnswersError(f"{where}: each question needs an `id` - start from --template")
        question = questions.get(entry["id"]) if isinstance(entry["id"], str) else None
        if question is None:
            raise AnswersError(f"{where}: question {shown(entry['id'])} is not in the bank - regenerate with --template")
        if not _is_scalar(entry.get("service")):
            raise AnswersError(f"{where}: question {question.id}: the service is {shown(entry.get('service'))}, not a "
                               "name - write it as text")
        service = str(entry.get("service") or "").strip()
        if service and not question.per_service:
            raise AnswersError(f"{where}: question {question.id} is asked once for the organisation - remove its "
                               "`service:`")
        if "answer" not in entry:
            continue
        value = normalise(question, entry.get("answer")) if _is_scalar(entry.get("answer")) else None
        if value is None:
            raise AnswersError(
                f"{where}: question {question.id}: {shown(entry.get('answer'), 40)} is not allowed - use "
                f"{allowed(question)}"
            )
        if not _is_scalar(entry.get("note")):
            raise AnswersError(f"{where}: question {question.id}: the note is {shown(entry.get('note'))}, not text "
                               "- write it on one line, in quotes")
        note = str(entry.get("note") or "").strip()
        if entry.get("answer") is not None:
            answers.append(Answer(question.id, value, note, interviewee or "", service))
            seen.add(question.id)
    unanswered = tuple(q.id for q in bank.questions if q.id not in seen)
    return AnswersFile(_name(data, "org", where), interviewee, tuple(s.strip() for s in services), tuple(answers),
                       unanswered)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None)))


def _name(data: dict[str, Any], key: str, where: str) -> str | None:
    """`org:` or `interviewee:`: a name in words, or None when left empty."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value).strip():
        raise AnswersError(f"{where}: `{key}:` is {shown(value)}, not a name - write it as text, e.g. {key}: Northbank")
    if len(str(value)) > MAX_NAME_CHARS:
        raise AnswersError(f"{where}: `{key}:` is longer than {MAX_NAME_CHARS} characters - shorten it")
    return str(value).strip()
