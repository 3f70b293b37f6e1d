"""The four actions, in order, each with its status, the conditions it closes, its next steps and its cost.

The actions are derived from the article's sections and its policy (its own list of four
actions is not in the text): audit toil; SLOs and error budgets, stricter for AI-authored
changes; decision provenance and automated rollback; climb the trust ladder. Status follows
the conditions listed under each action and nothing else, so a ticked list is a DONE action.
"""

from __future__ import annotations

from dataclasses import dataclass

from toilaudit.maturity.evidence import board_shortfalls
from toilaudit.maturity.interface import LEVELS, READINESS_PHRASE, RUNG_PHRASE, Assessment
from toilaudit.maturity.output import CONDITION_NAMES, CONDITION_TEXT
from toilaudit.report.ask import ActionCost, Assumptions, CostedCandidate, CostLine, action_cost, work_line
from toilaudit.report.plan import Plan

TITLES = {
    1: "Audit toil",
    2: "Define SLOs and error budgets, stricter for AI-authored changes",
    3: "Instrument decision provenance and automate rollback",
    4: "Climb the trust ladder",
}


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    """A gate condition, or what else the action closes."""
    state: str
    """holds, partly (on some services) or fails."""
    meaning: str
    """What it asks for, or where it stands."""
    gate_condition: bool
    """One of the readiness gate's conditions (or its Table 3 check)."""

    @property
    def holds(self) -> bool:
        return self.state == "holds"

    @property
    def title(self) -> str:
        """The check in words: a gate condition's name for the board, not its id."""
        return CONDITION_NAMES.get(self.name, self.name)

    def in_words(self) -> str:
        return f"{self.title}: {STATE_WORDS[self.state]}"


STATE_WORDS = {"holds": "in place", "partly": "in part", "fails": "not yet"}


@dataclass(frozen=True, slots=True)
class ActionView:
    number: int
    title: str
    status: str
    """done, partly or not started: from its conditions alone."""
    evidence: str
    conditions: tuple[Check, ...]
    next_steps: tuple[str, ...]
    effort_person_weeks: float
    cost: float
    hours_saved_per_month: float
    payback_months: float | None
    """None when it saves no toil: a control the gate requires."""
    cost_lines: tuple[CostLine, ...]
    request_types_automated: int
    """Automation candidates in its budget."""
    owner: str
    target: str


def _state(holding: int, of: int) -> str:
    return "holds" if holding == of else ("partly" if holding else "fails")


def _per_service(assessment: Assessment, condition: str) -> tuple[Check, int]:
    """A per-service condition's check, and on how many services it fails (agentic rung)."""
    total = len(assessment.services)
    failing = sum(1 for s in assessment.services if condition in s.gate.failing)
    where = f" (holds on {total - failing} of {total} services)" if total > 1 else ""
    return Check(condition, _state(total - failing, total), CONDITION_TEXT[condition] + where, True), failing


def _org(assessment: Assessment, condition: str) -> Check:
    holds = not any(condition in s.gate.failing for s in assessment.services)
    meaning = CONDITION_TEXT[condition]
    if condition == "toil_measured" and assessment.evidence.shortfalls:
        meaning += ": " + "; ".join(board_shortfalls(assessment.evidence))
    return Check(condition, "holds" if holds else "fails", meaning, True)


def _answer_check(assessment: Assessment, question_id: str, label: str) -> Check:
    result = next((r for r in assessment.ai_answers if r.question.id == question_id), None)
    met = bool(result and result.met)
    return Check(label, "holds" if met else "fails",
                 f"answered '{result.answer if result else 'unknown'}'", False)


def _status(checks: list[Check]) -> str:
    if all(c.state == "holds" for c in checks):
        return "done"
    return "partly" if any(c.state != "fails" for c in checks) else "not started"


def build_actions(assessment: Assessment, assumptions: Assumptions, budget: list[CostedCandidate],
                  examples: dict[str, str], hourly_rate: float, plan: Plan, period_text: str) -> tuple[ActionView, ...]:
    """`period_text`: the period's toil figures in a sentence, set beside the evidence of every date."""
    evidence = assessment.evidence
    services = len(assessment.services)
    views = []

    def add(number: int, checks: list[Check], evidence_text: str, steps: list[str], lines: list[CostLine | None]):
        automation = [c for c in budget if c.action == number]
        kept = [line for line in lines if line is not None]
        if automation:
            kept.append(CostLine(f"Automate {len(automation)} request type(s): "
                                 + ", ".join(examples.get(c.group_id, c.category) for c in automation[:3])
                                 + (" and more" if len(automation) > 3 else ""),
                                 round(sum(c.effort_person_weeks for c in automation), 1),
                                 round(sum(c.hours_saved_per_month for c in automation), 1)))
        cost: ActionCost = action_cost(assumptions, kept, hourly_rate)
        mine = plan.for_action(number)
        views.append(ActionView(number, TITLES[number], _status(checks), evidence_text, tuple(checks), tuple(steps),
                                cost.effort_person_weeks, cost.cost, cost.hours_saved_per_month, cost.payback_months,
                                cost.lines, len(automation), mine.owner, mine.target))

    # Action 1: audit toil (measure first, then automate)
    check1 = _org(assessment, "toil_measured")
    if evidence.items and not check1.holds:  # the audit has begun: this report is its first result
        check1 = Check(check1.name, "partly", check1.meaning, True)
    # the evidence counts every date (is toil tracked?); the figures, the period's
    text1 = (f"{evidence.items:,} tickets and pages over {evidence.days_of_data:,} days are the audit's evidence "
             f"so far. {period_text}" if evidence.items
             else "No tickets or pages of this organisation are imported yet.")
    steps1 = [f"Close the gap: {gap}." for gap in board_shortfalls(evidence)]
    automated = [c for c in budget if c.action == 1]
    if automated:
        steps1.append(f"Automate the {len(automated)} request type{'s' if len(automated) > 1 else ''} with the best "
                      "return, starting with " + "; ".join(f"'{examples.get(c.group_id, c.category)}'"
                                                          for c in automated[:3]) + ".")
    steps1.append("Measure again every quarter and keep toil under 50% of each engineer's time.")
    add(1, [check1], text1, steps1,
        [work_line(assumptions, "toil_measured", 0, not check1.holds)])

    # Action 2: SLOs and error budgets, with a separate, stricter budget for AI-authored changes
    slo, budget_policy = _org(assessment, "slo_defined"), _org(assessment, "error_budget_policy")
    ai_budget = _answer_check(assessment, "ai.error-budget", "stricter error budget for AI-authored changes")
    ai_alert = _answer_check(assessment, "ai.burn-rate-alert", "burn-rate alert for AI-authored changes")
    checks2 = [slo, budget_policy, ai_budget, ai_alert]
    steps2 = []
    if not slo.holds:
        steps2.append("Write SLOs for every service an agent would touch: an indicator users feel and a target.")
    if not budget_policy.holds:
        steps2.append("Agree the error-budget policy with product owners: what stops when the budget is spent.")
    if not (ai_budget.holds and ai_alert.holds):
        steps2.append("Give AI-authored deploys their own indicator and a stricter target (0.995 against 0.990 for "
                      "people), with the 14.4x burn-rate alert: the rules are delivered with this report.")
    if any(c.action == 2 for c in budget):
        steps2.append("Replace the noisiest threshold alerts with burn-rate alerts on the SLOs.")
    if not steps2:
        steps2.append("Review SLO targets each quarter; revoke an agent's write access when it burns its budget.")
    add(2, checks2, "; ".join(c.in_words() for c in checks2) + ".", steps2, [
        work_line(assumptions, "slo_defined", services, not slo.holds),
        work_line(assumptions, "error_budget_policy", 0, not budget_policy.holds),
        work_line(assumptions, "ai_error_budget", 0, not (ai_budget.holds and ai_alert.holds)),
    ])

    # Action 3: decision provenance and automated rollback, with the LLMOps telemetry before them
    provenance, failing_provenance = _per_service(assessment, "decision_provenance")
    rollback, failing_rollback = _per_service(assessment, "rollback_automated")
    telemetry = [_answer_check(assessment, "ai.decision-traces", "decision traces collected"),
                 _answer_check(assessment, "ai.token-budget", "token budget per agent"),
                 _answer_check(assessment, "ai.latency-budget", "latency budget per agent")]
    checks3 = [provenance, rollback, *telemetry]
    steps3 = []
    if not provenance.holds:
        steps3.append("Log every agent action with its inputs, its reasoning and its approver, linked to the change "
                      "record, before any agent gets write access.")
    if not rollback.holds:
        steps3.append("Automate rollback on failed health checks or SLO burn, one command at most.")
    if not all(c.holds for c in telemetry):
        steps3.append("Collect agents' decision traces with the rest of the telemetry, and give each agent a token "
                      "and a latency budget.")
    if not steps3:
        steps3.append("Test rollback and provenance in a game day every quarter.")
    add(3, checks3, "; ".join(c.in_words() for c in checks3[:2]) + ".", steps3, [
        work_line(assumptions, "decision_provenance", failing_provenance, not provenance.holds),
        work_line(assumptions, "rollback_automated", failing_rollback, not rollback.holds),
        work_line(assumptions, "llmops_telemetry", 0, not all(c.holds for c in telemetry)),
    ])

    # Action 4: climb the trust ladder, each promotion gated
    shadow, failing_shadow = _per_service(assessment, "shadow_period_days")
    maturity_holds = assessment.overall_level >= 5
    maturity = Check("maturity", "holds" if maturity_holds else "fails",
                     f"Table 3 allows {READINESS_PHRASE[assessment.overall_level]} at "
                     f"{LEVELS[assessment.overall_level]}; agentic AI needs Autonomous", True)
    checks4 = [shadow, maturity]
    today = _rungs_today(assessment)
    above = [s.service for s in assessment.services if _above(s.current_rung, s.allowed_rung)]
    steps4 = []
    if above:
        steps4.append(f"Limit the agents on {_names(above)} to the rung the gate allows, until it allows more.")
    if not shadow.holds:
        steps4.append("Run a shadow trial of at least 30 days on each service before any write access, against an "
                      "accuracy threshold written down before it starts.")
    if not maturity_holds:
        steps4.append("Close the maturity gaps listed under 'What the next level needs' (not costed here): Table 3 "
                      "caps every rung at the weaker track's level.")
    steps4.append("Promote a service only when the readiness gate allows it, by rebinding the agent's service "
                  "account to the next role (the trust-ladder roles are delivered with this report).")
    add(4, checks4, f"Agents today: {today}.", steps4,
        [work_line(assumptions, "shadow_period_days", failing_shadow, not shadow.holds)])
    return tuple(views)


def _above(current: str, allowed: str) -> bool:
    order = ("none", "read-only", "shadow", "supervised-write", "agentic")
    return order.index(current) > order.index(allowed)


def _names(names: list[str]) -> str:
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _rungs_today(assessment: Assessment) -> str:
    by_rung: dict[str, list[str]] = {}
    for s in assessment.services:
        by_rung.setdefault(s.current_rung, []).append(s.service)
    if set(by_rung) == {"none"}:
        return "none on any service"
    parts = []
    for rung in ("agentic", "supervised-write", "shadow", "read-only", "none"):
        names = by_rung.get(rung)
        if names:
            label = RUNG_PHRASE[rung]
            parts.append(f"{label} on {len(names) if len(names) > 3 else _names(names)}"
                         + (" services" if len(names) > 3 else ""))
    return "; ".join(parts)
