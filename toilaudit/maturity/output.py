"""The assessment and the gate as JSON and text (the table is drawn in cli.py with rich)."""

from __future__ import annotations

from toilaudit.maturity.interface import AI_READINESS, LEVELS, Assessment, GateResult

# What each gate condition means and which of the four actions closes it (DOMAIN.md).
CONDITION_TEXT = {
    "toil_measured": ("Action 1", "audit toil: import 30+ days of tickets and pages (toilaudit import)"),
    "slo_defined": ("Action 2", "define SLOs for the services agents would touch"),
    "error_budget_policy": ("Action 2", "agree an error-budget policy, with a stricter budget for AI-authored changes"),
    "decision_provenance": ("Action 3", "record decision provenance: each agent action linked to inputs, reasoning, approver"),
    "rollback_automated": ("Action 3", "automate rollback on failed health checks or SLO burn"),
    "shadow_period_days": ("Action 4", "run the agent in shadow mode for at least 30 days before any write access"),
}


def assessment_json(a: Assessment) -> dict:
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
        "tracks": {
            track.track: [
                {
                    "level": lv.level,
                    "name": lv.name,
                    "holds": lv.holds,
                    "questions_met": lv.questions_met,
                    "questions": [
                        {"id": r.question.id, "text": r.question.text, "answer": r.answer, "met": r.met,
                         "notes": list(r.notes)}
                        for r in lv.questions
                    ],
                }
                for lv in track.levels
            ]
            for track in (a.platform, a.sre)
        },
        "ai": [{"id": r.question.id, "answer": r.answer, "met": r.met} for r in a.ai_answers],
        "evidence": {
            "toil_measured": a.evidence.toil_measured,
            "days_of_data": a.evidence.days_of_data,
            "items": a.evidence.items,
            "toil_percent": a.evidence.toil_percent,
        },
        "open_questions": [r.question.id for r in a.open_questions],
        "contradictions": list(a.contradictions),
    }


def gate_json(gate: GateResult) -> dict:
    return {"allow": gate.allow, "failing": list(gate.failing), "input": gate.input, "engine": gate.engine}


def gate_text(gate: GateResult) -> str:
    if gate.allow:
        return "ALLOWED: every readiness condition holds; agentic AI may get write access, with guardrails."
    lines = ["DENIED: agentic AI may not get write access yet. Failing, in the order of the four actions:"]
    for condition in gate.failing:
        action, meaning = CONDITION_TEXT[condition]
        lines.append(f"  {action}  {condition} fails - {meaning}")
    return "\n".join(lines)


__all__ = ["AI_READINESS", "assessment_json", "gate_json", "gate_text"]
