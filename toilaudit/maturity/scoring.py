"""Scoring: a pure function of the bank, the answers and the store's evidence.

Each track climbs a gated ladder: a level holds when all its questions are met and every
level below holds ("skip a step and the agents inherit your tech debt at machine speed").
Overall maturity and AI readiness follow the weaker track (Table 3). Evidence beats claims:
`toil_measured` comes from the store, whatever the interviewee said.
"""

from __future__ import annotations

from toilaudit.maturity.answers import combine, is_met, rank
from toilaudit.maturity.gate import evaluate_with_rego
from toilaudit.maturity.interface import (
    LEVELS,
    TOIL_MEASURED_MIN_DAYS,
    TRACKS,
    UNKNOWN,
    Answer,
    Assessment,
    Bank,
    Evidence,
    LevelResult,
    QuestionResult,
    TrackResult,
)


def assess(bank: Bank, answers: list[Answer], evidence: Evidence, org: str) -> Assessment:
    combined = combine(bank, answers)
    results: dict[str, QuestionResult] = {}
    contradictions = []
    for question in bank.questions:
        value, notes = combined.get(question.id, (UNKNOWN, ()))
        met = is_met(question, value)
        contradiction = ""
        if question.evidence == "toil_measured":
            if met and not evidence.toil_measured:
                contradiction = (
                    f"{question.id}: answered '{value}', but the store holds {evidence.days_of_data} days of "
                    f"classified items ({TOIL_MEASURED_MIN_DAYS} needed) - counted as not met until tickets and "
                    "pages are imported"
                )
            elif not met and evidence.toil_measured:
                contradiction = (
                    f"{question.id}: answered '{value}', but the store holds {evidence.days_of_data} days of "
                    f"classified items ({evidence.items:,} items) - counted as met on that evidence"
                )
            met = evidence.toil_measured
        if contradiction:
            contradictions.append(contradiction)
        results[question.id] = QuestionResult(question, value, met, notes, contradiction)

    tracks = {track: _track(track, bank, results) for track in TRACKS}
    document = gate_input(bank, results, evidence)
    return Assessment(
        org=org,
        interviewees=tuple(sorted({a.interviewee for a in answers if a.interviewee})),
        platform=tracks["platform"],
        sre=tracks["sre"],
        gate=evaluate_with_rego(document),
        evidence=evidence,
        ai_answers=tuple(results[q.id] for q in bank.questions if q.track == "ai"),
        open_questions=tuple(r for r in results.values() if r.answer == UNKNOWN),
        contradictions=tuple(contradictions),
    )


def _track(track: str, bank: Bank, results: dict[str, QuestionResult]) -> TrackResult:
    levels = []
    below_holds = True
    for level in (2, 3, 4, 5):
        questions = tuple(results[q.id] for q in bank.questions if q.track == track and q.level == level)
        met = all(r.met for r in questions)
        holds = below_holds and met
        levels.append(LevelResult(level, LEVELS[level], met, holds, questions))
        below_holds = holds
    reached = max([1] + [lv.level for lv in levels if lv.holds])
    return TrackResult(track, reached, tuple(levels))


def gate_input(bank: Bank, results: dict[str, QuestionResult], evidence: Evidence) -> dict:
    """The OPA input document: answers for five conditions, the store for toil_measured."""
    document: dict = {"toil_measured": evidence.toil_measured}
    for question in bank.questions:
        if question.gate is None or question.gate == "toil_measured":
            continue
        result = results[question.id]
        if question.gate == "shadow_period_days":
            days = rank(question, result.answer)
            document["shadow_period_days"] = int(days) if days >= 0 else 0
        else:
            document[question.gate] = result.met
    ordered = ("slo_defined", "error_budget_policy", "shadow_period_days", "decision_provenance",
               "rollback_automated", "toil_measured")
    return {key: document[key] for key in ordered}
