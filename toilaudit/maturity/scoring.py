"""Scoring: a pure function of the bank, the answers, the services in scope and the store's evidence.

Each track climbs a gated ladder: a level holds when all its questions are met and every
level below holds ("Skip a step and the agents inherit your tech debt at machine speed").
Overall maturity and AI readiness follow the weaker track (Table 3). Evidence beats claims:
`toil_measured` comes from the store, and answers the tickets contradict count as not met.
Then each service in scope gets one gate verdict per rung of the trust ladder: the article's
conditions (organisation-wide ones and its own) and the rung Table 3 allows.
"""

from __future__ import annotations

from toilaudit.maturity.answers import answers_for, combine_one, is_met, rank
from toilaudit.maturity.capacity import ENGINEERS, HOURS_PER_WEEK, capacity_from
from toilaudit.maturity.checks import contradiction
from toilaudit.maturity.gate import evaluate_with_rego
from toilaudit.maturity.interface import (
    GATE_CONDITIONS,
    GATED_RUNGS,
    LEVELS,
    NO_RUNG,
    RUNG_MIN_LEVEL,
    RUNGS,
    TRACKS,
    UNKNOWN,
    Answer,
    Assessment,
    Bank,
    Capacity,
    Evidence,
    GateResult,
    LevelResult,
    Question,
    QuestionResult,
    ServiceResult,
    TrackResult,
)

# ai.agents-today: choice position -> the rung agents are on
RUNG_BY_CHOICE = {1: NO_RUNG, 2: "read-only", 3: "shadow", 4: "supervised-write", 5: "agentic"}


def assess(bank: Bank, answers: list[Answer], evidence: Evidence, org: str,
           services: tuple[str, ...] = ("all services",)) -> Assessment:
    results: dict[str, QuestionResult] = {}
    contradictions = []
    capacity = capacity_from(answers)
    for question in bank.questions:
        if question.per_service:
            continue
        result = _org_result(question, answers, evidence, capacity)
        if result.contradiction:
            contradictions.append(result.contradiction)
        results[question.id] = result

    tracks = {track: _track(track, bank, results) for track in TRACKS}
    overall = min(tracks["platform"].level, tracks["sre"].level)
    service_results = tuple(_service(bank, answers, results, evidence, overall, name) for name in services)
    open_questions = [r for r in results.values() if r.answer == UNKNOWN]
    open_questions += [r for s in service_results for r in s.answers if r.answer == UNKNOWN]
    return Assessment(
        org=org,
        interviewees=tuple(sorted({a.interviewee for a in answers if a.interviewee})),
        platform=tracks["platform"],
        sre=tracks["sre"],
        services=service_results,
        evidence=evidence,
        capacity=capacity,
        ai_answers=tuple(results[q.id] for q in bank.questions if q.track == "ai" and not q.per_service),
        open_questions=tuple(open_questions),
        contradictions=tuple(contradictions),
        answers=tuple(answers),
    )


def _org_result(question: Question, answers: list[Answer], evidence: Evidence,
                capacity: Capacity | None) -> QuestionResult:
    value, notes = combine_one(question, answers_for(question, answers))
    if question.id == HOURS_PER_WEEK and capacity is not None:
        value = f"{capacity.hours_per_week:g}"  # weighted by engineers, not summed
    elif question.id == ENGINEERS and capacity is not None:
        value = f"{capacity.engineers:g}"
    met = is_met(question, value)
    found = ""
    if question.evidence == "toil_measured":
        why = "; ".join(evidence.shortfalls)
        if met and not evidence.toil_measured:
            found = f"{question.id}: answered '{value}', but {why} - counted as not met"
        elif not met and evidence.toil_measured:
            found = (f"{question.id}: answered '{value}', but {evidence.items:,} of its tickets and pages fall in "
                     f"{evidence.consecutive_weeks} consecutive weeks over {evidence.run_days} days, with the "
                     "classifier measured - counted as met on that evidence")
        met = evidence.toil_measured
    else:
        found = contradiction(question, value, evidence)
        met = met and not found
    return QuestionResult(question, value, met, notes, found)


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


def _service(bank: Bank, answers: list[Answer], results: dict[str, QuestionResult], evidence: Evidence,
             overall: int, name: str) -> ServiceResult:
    own = []
    for question in bank.questions:
        if question.per_service:
            value, notes = combine_one(question, answers_for(question, answers, name))
            own.append(QuestionResult(question, value, is_met(question, value), notes, service=name))
    claimed = 0
    document: dict = {"toil_measured": evidence.toil_measured}
    for result in (*results.values(), *own):
        condition = result.question.gate
        if condition is None or condition == "toil_measured":
            continue
        if condition == "shadow_period_days":
            if result.question.kind == "number":
                claimed = max(int(rank(result.question, result.answer)), 0)
            continue
        document[condition] = result.met
    # A shadow trial counts only when it met an accuracy threshold written down before it started:
    # "what matters is that it is explicit, measured" (the article, on the trust ladder).
    threshold_met = all(r.met for r in own if r.question.gate == "shadow_period_days" and r.question.kind != "number")
    document["shadow_period_days"] = claimed if threshold_met else 0
    document = {key: document[key] for key in ("slo_defined", "error_budget_policy", "shadow_period_days",
                                                "decision_provenance", "rollback_automated", "toil_measured")}
    assert set(document) == set(GATE_CONDITIONS)
    gates = tuple(evaluate_with_rego({**document, "service": name, "rung": rung, "maturity_level": overall})
                  for rung in GATED_RUNGS)
    rung_answer = next((r for r in own if r.question.rung), None)
    current = NO_RUNG
    if rung_answer is not None and rung_answer.answer in rung_answer.question.choices:
        current = RUNG_BY_CHOICE[rung_answer.question.choices.index(rung_answer.answer) + 1]
    return ServiceResult(name, current, allowed_rung(gates, overall), gates, tuple(own), claimed)


def allowed_rung(gates: tuple[GateResult, ...], overall: int) -> str:
    """The highest rung the gate allows; read-only needs only Table 3 (SLOs come with Standardized)."""
    for gate in reversed(gates):
        if gate.allow:
            return gate.rung
    return "read-only" if overall >= RUNG_MIN_LEVEL["read-only"] else NO_RUNG


def rung_index(rung: str) -> int:
    """-1 for none, 0 read-only ... 3 agentic."""
    return RUNGS.index(rung) if rung in RUNGS else -1
