"""Loading the question banks shipped in questionnaires/ (data, not code)."""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

from toilaudit.errors import BankError, shown
from toilaudit.inputs import load_yaml
from toilaudit.maturity.interface import GATE_CONDITIONS, Bank, Question

BANK_FILES = ("platform.yaml", "sre.yaml", "ai.yaml")
EVIDENCE = ("toil_measured",)


def load_bank() -> Bank:
    """The shipped banks, validated; a broken bank fails here naming the file and the question."""
    folder = resources.files("toilaudit.questionnaires")
    texts = {name: folder.joinpath(name).read_text(encoding="utf-8") for name in BANK_FILES}
    return parse_banks(texts)


def parse_banks(texts: dict[str, str]) -> Bank:
    questions: list[Question] = []
    seen: dict[str, str] = {}
    for name, text in texts.items():
        data = load_yaml(text, name, BankError, "fix the bank's syntax")
        if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
            raise BankError(f"{name}: expected `track:` and a `questions:` list - see questionnaires/sre.yaml")
        track = data.get("track")
        if track not in ("platform", "sre", "ai"):
            raise BankError(f"{name}: track {shown(track)} - use platform, sre or ai")
        for raw in data["questions"]:
            question = _question(raw, track, name)
            if question.id in seen:
                raise BankError(f"{name}: question {question.id} is also in {seen[question.id]} - ids must be unique")
            seen[question.id] = name
            questions.append(question)
    _check_levels_covered(questions)
    return Bank(tuple(questions))


def _question(raw: Any, track: str, name: str) -> Question:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise BankError(f"{name}: a question without an id ({shown(raw)}) - give every question an id")
    where = f"{name}: question {shown(raw['id'], 40)[1:-1]}"
    for key in ("text", "why"):
        if not raw.get(key) or not isinstance(raw[key], str):
            raise BankError(f"{where}: missing `{key}` - every question needs text and why")
    kind = raw.get("type", "choice")
    if kind not in ("choice", "number"):
        raise BankError(f"{where}: type {shown(kind)} - use choice (default) or number")
    level = raw.get("level")
    if track in ("platform", "sre"):
        if level not in (2, 3, 4, 5):
            raise BankError(f"{where}: level {shown(level)} is not a level - use 2 to 5 (Level 1 Foundation is the "
                            "floor)")
    elif level is not None:
        raise BankError(f"{where}: ai questions do not evidence a level - remove `level`")
    raw_choices = raw.get("choices") or ()
    if not isinstance(raw_choices, (list, tuple)):
        raise BankError(f"{where}: choices {shown(raw_choices)} - list them, least to most mature")
    for position, choice in enumerate(raw_choices, 1):
        if not isinstance(choice, str):
            raise BankError(
                f"{where}: choice {position} is {shown(choice)}, not text (YAML reads a bare No or Yes as a boolean) "
                "- quote it"
            )
    choices = tuple(raw_choices)
    if kind == "choice" and len(choices) < 2:
        raise BankError(f"{where}: needs at least two choices - list them least to most mature")
    if kind == "number" and choices:
        raise BankError(f"{where}: a number question takes no choices - remove them or drop `type: number`")
    met_at = raw.get("met_at", len(choices) if kind == "choice" else None)
    number = isinstance(met_at, (int, float)) and not isinstance(met_at, bool) and math.isfinite(met_at)
    if not number or (kind == "choice" and not 1 <= met_at <= len(choices)):
        raise BankError(f"{where}: met_at {shown(met_at)} - give the 1-based choice (or number) that meets the level")
    gate = raw.get("gate")
    if gate is not None and gate not in GATE_CONDITIONS:
        raise BankError(f"{where}: gate {shown(gate)} - use one of {', '.join(GATE_CONDITIONS)}")
    evidence = raw.get("evidence")
    if evidence is not None and evidence not in EVIDENCE:
        raise BankError(f"{where}: evidence {shown(evidence)} - use one of {', '.join(EVIDENCE)}")
    return Question(
        id=str(raw["id"]), track=track, text=str(raw["text"]).strip(), why=str(raw["why"]).strip(), level=level,
        choices=choices, kind=kind, met_at=float(met_at), gate=gate, evidence=evidence, rung=bool(raw.get("rung")),
    )


def _check_levels_covered(questions: list[Question]) -> None:
    for track in ("platform", "sre"):
        for level in (2, 3, 4, 5):
            count = sum(1 for q in questions if q.track == track and q.level == level)
            if count and count < 2:
                raise BankError(f"{track} bank: level {level} has only {count} question - give each level two or more")
