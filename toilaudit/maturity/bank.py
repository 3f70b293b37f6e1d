"""Loading the question banks shipped in questionnaires/ (data, not code).

Every question says where it comes from (`source:`): a Table 3 cell (checked against the
question's track and level), a readiness-gate condition (checked against `gate:`), or a
section of the article "SRE for AI Agents: Error Budgets, Trust, and 90 Trials" (checked
against its section titles).
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

from toilaudit.errors import BankError, shown
from toilaudit.inputs import load_yaml
from toilaudit.maturity.interface import (
    BANK_TRACKS,
    COMBINE_RULES,
    GATE_CONDITIONS,
    MAX_NUMBER,
    PLATFORM_STATE,
    SOURCE_KINDS,
    SRE_STATE,
    Bank,
    Question,
    Source,
)

BANK_FILES = ("platform.yaml", "sre.yaml", "ai.yaml", "capacity.yaml")
EVIDENCE = ("toil_measured",)
# The article's section titles, as it prints them.
ARTICLE_SECTIONS = (
    "Why Is AI Widening the Dev/Ops Gap?",
    "The Perception Gap: Dashboards vs. Practitioner Reality",
    "How Did We Measure AI’s Scope Creep?",
    "Why Medium-Tier PRs Underperformed",
    "What Does SRE Mean in a Regulated Enterprise?",
    "Error Budgets as Compliance Evidence",
    "How Does SRE Act as AI’s Production Conscience?",
    "Decision Provenance and Error Budget Separation",
    "Blast Radius Containment and the Trust Ladder",
    "Why Does Platform Maturity Gate AI Readiness?",
    "The Learning Time Deficit",
    "Where Should You Start?",
    "The Four Actions in Order",
)


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
        if track not in BANK_TRACKS:
            raise BankError(f"{name}: track {shown(track)} - use {', '.join(BANK_TRACKS)}")
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
        raise BankError(f"{where}: {track} questions do not evidence a level - remove `level`")
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
    maximum, unit = _number_range(raw, kind, where)
    met_at: Any = raw.get("met_at", len(choices) if kind == "choice" else None)
    number = isinstance(met_at, (int, float)) and not isinstance(met_at, bool) and math.isfinite(met_at)
    if not number or (kind == "choice" and not 1 <= met_at <= len(choices)):
        raise BankError(f"{where}: met_at {shown(met_at)} - give the 1-based choice (or number) that meets the level")
    gate = raw.get("gate")
    if gate is not None and gate not in GATE_CONDITIONS:
        raise BankError(f"{where}: gate {shown(gate)} - use one of {', '.join(GATE_CONDITIONS)}")
    evidence = raw.get("evidence")
    if evidence is not None and evidence not in EVIDENCE:
        raise BankError(f"{where}: evidence {shown(evidence)} - use one of {', '.join(EVIDENCE)}")
    combine = raw.get("combine", "weakest")
    if combine not in COMBINE_RULES:
        raise BankError(f"{where}: combine {shown(combine)} - use one of {', '.join(COMBINE_RULES)}")
    if combine == "total" and kind != "number":
        raise BankError(f"{where}: combine total adds numbers up - use it on a number question only")
    question = Question(
        id=str(raw["id"]), track=track, text=str(raw["text"]).strip(), why=str(raw["why"]).strip(), level=level,
        choices=choices, kind=kind, maximum=maximum, unit=unit, met_at=float(met_at), gate=gate, evidence=evidence,
        rung=bool(raw.get("rung")), per_service=bool(raw.get("per_service")), combine=combine,
        sources=_sources(raw.get("source"), where),
    )
    _check_sources(question, where)
    if maximum is not None and not question.met_at <= maximum:
        raise BankError(f"{where}: met_at {met_at:g} is above max {maximum:g} - no answer could meet it")
    return question


def _number_range(raw: dict, kind: str, where: str) -> tuple[float | None, str]:
    """A number question's `max:` (the largest answer a real organisation could give) and `unit:`."""
    maximum, unit = raw.get("max"), raw.get("unit", "")
    if kind != "number":
        if maximum is not None or unit:
            raise BankError(f"{where}: max and unit are for a number question - remove them or add `type: number`")
        return None, ""
    if maximum is None:
        raise BankError(f"{where}: a number question needs `max:`, the largest answer a real organisation could "
                        "give (a typo beyond it is refused)")
    if not isinstance(maximum, (int, float)) or isinstance(maximum, bool) or not math.isfinite(maximum) \
            or maximum <= 0 or maximum > MAX_NUMBER:
        raise BankError(f"{where}: max {shown(maximum)} - give a number above 0 and up to {MAX_NUMBER:,}")
    if not isinstance(unit, str):
        raise BankError(f"{where}: unit {shown(unit)} - name what it counts, e.g. days")
    return float(maximum), unit.strip()


def _sources(raw: Any, where: str) -> tuple[Source, ...]:
    entries = raw if isinstance(raw, list) else [raw] if raw else []
    if not entries:
        raise BankError(f"{where}: missing `source` - say where it comes from: table3, gate or section")
    sources = []
    for entry in entries:
        if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in SOURCE_KINDS:
            raise BankError(f"{where}: source {shown(entry)} - use one of {', '.join(f'{k}: ...' for k in SOURCE_KINDS)}")
        kind, text = next(iter(entry.items()))
        sources.append(Source(kind, str(text)))
    return tuple(sources)


def _check_sources(question: Question, where: str) -> None:
    for source in question.sources:
        if source.kind == "table3":
            states = {"platform": PLATFORM_STATE, "sre": SRE_STATE}.get(question.track, {})
            cell = states.get(question.level or 0)
            if source.text != cell:
                raise BankError(f"{where}: source table3 {source.text!r} is not its Table 3 cell ({cell!r}) - "
                                "quote the cell of its track and level")
        elif source.kind == "gate" and source.text != question.gate and question.gate is not None:
            raise BankError(f"{where}: source gate {source.text!r} but it feeds {question.gate!r} - make them agree")
        elif source.kind == "gate" and source.text not in GATE_CONDITIONS:
            raise BankError(f"{where}: source gate {source.text!r} - use one of {', '.join(GATE_CONDITIONS)}")
        elif source.kind == "section" and source.text not in ARTICLE_SECTIONS:
            raise BankError(f"{where}: source section {source.text!r} is not a section of the article - use its "
                            "title as printed")
    if question.level is not None and not any(s.kind == "table3" for s in question.sources):
        raise BankError(f"{where}: a level question needs a table3 source (the cell it evidences)")
    if question.gate is not None and not any(s.kind == "gate" for s in question.sources):
        raise BankError(f"{where}: it feeds gate {question.gate}; add `gate: {question.gate}` to its source")


def _check_levels_covered(questions: list[Question]) -> None:
    for track in ("platform", "sre"):
        for level in (2, 3, 4, 5):
            count = sum(1 for q in questions if q.track == track and q.level == level)
            if count and count < 2:
                raise BankError(f"{track} bank: level {level} has only {count} question - give each level two or more")
