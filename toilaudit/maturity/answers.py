"""Answers: normalising what people type, the YAML template, and answers files.

An answer is stored as the chosen choice's text, a number written as text, or "unknown".
Several interviewees of one organisation are kept apart; combined, the weakest answer to each
question counts, so a level holds only where it holds for every team asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from toilaudit.errors import shown
from toilaudit.inputs import load_yaml, read_text_file
from toilaudit.maturity.interface import UNKNOWN, Answer, AnswersError, Bank, Question

UNKNOWN_SPELLINGS = {"unknown", "not sure", "dont know", "don't know", "n/a", "?", ""}
MAX_NUMBER = 1_000_000  # a count of days or services; beyond it a number is a typo
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
        return f"{number:g}" if 0 <= number <= MAX_NUMBER else None  # NaN and inf fail too
    for choice in question.choices:
        if text.lower() == choice.lower():
            return choice
    if text.isdigit() and 1 <= int(text) <= len(question.choices):
        return question.choices[int(text) - 1]
    return None


def allowed(question: Question) -> str:
    if question.kind == "number":
        return f"a number from 0 to {MAX_NUMBER:,}, or unknown"
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


def combine(bank: Bank, answers: list[Answer]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Per question: the weakest answer across interviewees, and everyone's notes."""
    questions = bank.by_id()
    combined: dict[str, tuple[str, tuple[str, ...]]] = {}
    for answer in answers:
        question = questions.get(answer.question_id)
        if question is None:
            continue  # a question retired from the bank since the interview
        value, notes = combined.get(answer.question_id, (None, ()))
        note = f"{answer.interviewee}: {answer.note}" if answer.note and answer.interviewee else answer.note
        notes = notes + ((note,) if note else ())
        if value is None or rank(question, answer.value) < rank(question, value):
            value = answer.value
        combined[answer.question_id] = (value, notes)
    return combined


def template_yaml(bank: Bank, org: str | None = None) -> str:
    """A YAML answers file listing every question with its allowed answers, answers left null."""
    questions = []
    for q in bank.questions:
        entry: dict[str, Any] = {"id": q.id, "track": q.track}
        if q.level:
            entry["level"] = q.level
        entry["text"] = q.text
        if q.kind == "number":
            entry["type"] = "number"
        else:
            entry["choices"] = list(q.choices)
        entry["answer"] = None
        entry["note"] = None
        questions.append(entry)
    header = (
        "# toilaudit interview answers. For each question set `answer:` to one of its choices (the text\n"
        "# or its number, 1 = least mature), a number for `type: number`, or `unknown`. Then run:\n"
        "#   toilaudit interview --answers THIS_FILE\n"
    )
    body = yaml.safe_dump({"org": org, "interviewee": None, "questions": questions}, sort_keys=False,
                          allow_unicode=True, width=100)
    return header + body


def read_answers_file(path: Path, bank: Bank) -> tuple[str | None, str | None, list[Answer], list[str]]:
    """(org, interviewee, answers, ids left unanswered) from a filled-in template."""
    where = Path(path).name
    text = read_text_file(path, AnswersError, "--answers")
    data = load_yaml(text, where, AnswersError, "start from toilaudit interview --template")
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise AnswersError(f"{where}: expected `org:` and a `questions:` list - start from toilaudit interview --template")
    questions = bank.by_id()
    answers, seen = [], set()
    interviewee = _name(data, "interviewee", where)
    for entry in data["questions"]:
        if not isinstance(entry, dict) or "id" not in entry:
            raise AnswersError(f"{where}: each question needs an `id` - start from --template")
        question = questions.get(entry["id"]) if isinstance(entry["id"], str) else None
        if question is None:
            raise AnswersError(f"{where}: question {shown(entry['id'])} is not in the bank - regenerate with --template")
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
            answers.append(Answer(question.id, value, note, interviewee or ""))
            seen.add(question.id)
    unanswered = [q.id for q in bank.questions if q.id not in seen]
    return _name(data, "org", where), interviewee, answers, unanswered


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
