"""The assessment and the gate as JSON and text (the table is drawn in cli.py with rich).

The words here reach the board report too, so they name no command and no file.
"""

from __future__ import annotations

from collections.abc import Iterable

from toilaudit.maturity.interface import (
    ACTION_OF_REASON,
    AI_READINESS,
    LEVELS,
    READINESS_PHRASE,
    REASONS,
    RUNG_MIN_LEVEL,
    RUNG_PHRASE,
    SHADOW_PERIOD_MIN_DAYS,
    Assessment,
    GateResult,
    ServiceResult,
)

# What each reason means and what closes it; the action is ACTION_OF_REASON (DOMAIN.md).
CONDITION_TEXT = {
    "toil_measured": "track toil continuously: 30+ days of tickets and pages, with the classifier measured",
    "slo_defined": "define SLOs for the services agents would touch",
    "error_budget_policy": "agree an error-budget policy, with a stricter budget for AI-authored changes",
    "decision_provenance": "record decision provenance: each agent action linked to inputs, reasoning, approver",
    "rollback_automated": "automate rollback on failed health checks or SLO burn",
    "shadow_period_days": "run the agent in shadow mode for at least 30 days, against a written accuracy threshold",
    "maturity": "raise platform and SRE maturity to the level Table 3 asks for this rung",
}

# Each condition in a few words, for a board's sentence (the ids are the policy's: the Rego file and `gate`)
CONDITION_NAMES = {
    "toil_measured": "toil tracked continuously",
    "slo_defined": "SLOs defined",
    "error_budget_policy": "an error-budget policy",
    "decision_provenance": "decision provenance",
    "rollback_automated": "automated rollback",
    "shadow_period_days": "a 30-day shadow period",
    "maturity": "the maturity Table 3 asks for",
}


# The same, short enough for a table's column.
CONDITION_SHORT_NAMES = {
    "toil_measured": "toil tracked",
    "slo_defined": "SLOs",
    "error_budget_policy": "error-budget policy",
    "decision_provenance": "provenance",
    "rollback_automated": "rollback",
    "shadow_period_days": "shadow period",
    "maturity": "maturity",
}


def condition_names(conditions: Iterable[str], short: bool = False) -> tuple[str, ...]:
    names = CONDITION_SHORT_NAMES if short else CONDITION_NAMES
    return tuple(names.get(condition, condition) for condition in conditions)


def reason_detail(reason: str, gate: GateResult, service: ServiceResult | None, assessment: Assessment) -> str:
    """The reason as it stands for this service and rung, in words."""
    if reason == "toil_measured" and assessment.evidence.shortfalls:
        return "; ".join(assessment.evidence.shortfalls)
    if reason == "shadow_period_days" and service is not None:
        counted = int(gate.input.get("shadow_period_days", 0))
        text = f"{counted} day(s) of shadow mode count ({SHADOW_PERIOD_MIN_DAYS} needed)"
        if service.shadow_days_claimed > counted:
            text += (f"; {service.shadow_days_claimed} were run, but the trial met no accuracy threshold written "
                     "down before it started")
        return text
    if reason == "maturity":
        level = int(gate.input.get("maturity_level", assessment.overall_level))
        needed = RUNG_MIN_LEVEL[gate.rung]
        return (f"overall maturity is {LEVELS[level]}, where Table 3 allows {READINESS_PHRASE[level]}; "
                f"{RUNG_PHRASE[gate.rung]} needs {LEVELS[needed]}")
    return CONDITION_TEXT[reason]


def _service_json(s: ServiceResult) -> dict:
    return {
        "service": s.service,
        "current_rung": s.current_rung,
        "allowed_rung": s.allowed_rung,
        "shadow_period_days_run": s.shadow_days_claimed,
        "gates": {g.rung: {"allow": g.allow, "failing": list(g.failing)} for g in s.gates},
        "answers": [{"id": r.question.id, "answer": r.answer, "met": r.met} for r in s.answers],
    }


def assessment_json(a: Assessment) -> dict:
    evidence = a.evidence
    agreement = evidence.agreement
    return {
        "org": a.org,
        "interviewees": list(a.interviewees),
        "platform_level": LEVELS[a.platform.level],
        "sre_level": LEVELS[a.sre.level],
        "overall_level": LEVELS[a.overall_level],
        "platform_level_number": a.platform.level,
        "sre_level_number": a.sre.level,
        "overall_level_number": a.overall_level,
        "ai_readiness": a.ai_readiness,
        "gate": gate_json(a.gate),
        "services": [_service_json(s) for s in a.services],
        "tracks": {
            track.track: [
                {
                    "level": lv.level,
                    "name": lv.name,
                    "holds": lv.holds,
                    "questions_met": lv.questions_met,
                    "questions": [
                        {"id": r.question.id, "text": r.question.text, "answer": r.answer, "met": r.met,
                         "notes": list(r.notes), "contradiction": r.contradiction or None}
                        for r in lv.questions
                    ],
                }
                for lv in track.levels
            ]
            for track in (a.platform, a.sre)
        },
        "ai": [{"id": r.question.id, "answer": r.answer, "met": r.met} for r in a.ai_answers],
        "capacity": None if a.capacity is None else {
            "engineers": a.capacity.engineers, "hours_per_week": a.capacity.hours_per_week,
            "weekly_hours": a.capacity.weekly_hours,
        },
        "evidence": {
            "toil_measured": evidence.toil_measured,
            "scope": evidence.scope,
            "days_of_data": evidence.days_of_data,
            "items": evidence.items,
            "toil_percent": evidence.toil_percent,
            "consecutive_weeks": evidence.consecutive_weeks,
            "consecutive_weeks_days": evidence.run_days,
            "classifier": None if agreement is None else {
                "precision": agreement.precision, "recall": agreement.recall, "f1": agreement.f1,
                "labelled_items": agreement.support, "labels_from": list(agreement.origins),
                "repetition_groups": agreement.groups, "too_few_groups": agreement.too_few_groups,
            },
            "shortfalls": list(evidence.shortfalls),
        },
        "open_questions": [f"{r.question.id}@{r.service}" if r.service else r.question.id for r in a.open_questions],
        "contradictions": list(a.contradictions),
    }


def gate_json(gate: GateResult) -> dict:
    return {"allow": gate.allow, "failing": list(gate.failing), "input": gate.input, "engine": gate.engine}


def gate_text(assessment: Assessment, rung: str = "agentic", service: str | None = None) -> str:
    """The verdict for one service, or for every service in scope, with every reason in order."""
    name = RUNG_PHRASE[rung]
    chosen = [assessment.service(service)] if service is not None else list(assessment.services)
    gates = [(s, s.gate_for(rung)) for s in chosen]
    allowed = [s.service for s, g in gates if g.allow]
    if len(allowed) == len(gates):
        who = chosen[0].service if len(chosen) == 1 else f"all {len(chosen)} services"
        return (f"ALLOWED: {who} may move to {name}: every condition holds and Table 3 allows it at "
                f"{LEVELS[assessment.overall_level]}.")
    if len(chosen) == 1:
        lines = [f"DENIED: {chosen[0].service} may not move to {name} yet. Failing, in the order of the four actions:"]
    else:
        lines = [f"DENIED: {len(gates) - len(allowed)} of {len(gates)} services may not move to {name} yet"
                 + (f" ({', '.join(allowed)} may)" if allowed else "") + ". Failing, in the order of the four actions:"]
    for reason in REASONS:
        failing = [(s, g) for s, g in gates if reason in g.failing]
        if not failing:
            continue
        s, g = failing[0]
        where = ""
        if len(chosen) > 1 and len(failing) < len(gates):
            names = [s.service for s, _ in failing]
            where = f" (on {', '.join(names[:4])}{f' and {len(names) - 4} more' if len(names) > 4 else ''})"
        # organisation-wide reasons read the same for every service; per-service ones differ
        shared = len(chosen) == 1 or reason in ("toil_measured", "maturity")
        detail = reason_detail(reason, g, s, assessment) if shared else CONDITION_TEXT[reason]
        lines.append(f"  Action {ACTION_OF_REASON[reason]}  {reason} fails - {detail}{where}")
    return "\n".join(lines)


__all__ = ["AI_READINESS", "CONDITION_TEXT", "assessment_json", "gate_json", "gate_text", "reason_detail"]
