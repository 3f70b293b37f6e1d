"""Scoring against Table 3: the gated ladder, the weaker track, evidence over claims, one gate per service and rung."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from toilaudit.maturity.answers import answers_for, combine_one
from toilaudit.maturity.bank import load_bank
from toilaudit.maturity.gate import evaluate_in_python, evaluate_with_rego
from toilaudit.maturity.interface import Agreement, Answer, CategoryToil, Evidence
from toilaudit.maturity.scoring import assess

BANK = load_bank()
QUESTIONS = BANK.by_id()
AGREEMENT = Agreement(0.99, 1.0, 0.995, 250, ("a labels file",))
DATA = Evidence(toil_measured=True, days_of_data=365, items=740, toil_percent=37.8, consecutive_weeks=53,
                run_days=364, agreement=AGREEMENT)
NO_DATA = Evidence(toil_measured=False, days_of_data=0, items=0, shortfalls=("no tickets or pages of Org are imported",))
ALL_ORDER = ("toil_measured", "slo_defined", "error_budget_policy", "decision_provenance", "rollback_automated",
             "shadow_period_days", "maturity")


def answers(best_levels: dict[str, int] | None = None, default: str = "best", who: str = "team",
            **overrides) -> list[Answer]:
    """Most-mature answers for questions up to best_levels[track], least mature above; overrides by id.
    Per-service questions are answered once, for every service."""
    best_levels = best_levels or {}
    out = []
    for q in BANK.questions:
        top = best_levels.get(q.track, 5 if default == "best" else 1)
        good = (q.level is None and default == "best") or (q.level is not None and q.level <= top)
        if q.kind == "number":
            value = "90" if good else "0"
        else:
            value = q.choices[-1] if good else q.choices[0]
        out.append(Answer(q.id, overrides.get(q.id, value), "", who))
    return out


def test_all_most_mature_with_data_is_autonomous_and_allowed():
    result = assess(BANK, answers(), DATA, "Org")
    assert (result.platform.level, result.sre.level, result.overall_level) == (5, 5, 5)
    assert result.ai_readiness == "Agentic AI with guardrails"
    assert result.gate.allow and result.gate.failing == ()
    assert [s.allowed_rung for s in result.services] == ["agentic"]


def test_all_least_mature_is_foundation_and_denied_with_every_reason_in_order():
    result = assess(BANK, answers(default="worst"), NO_DATA, "Org")
    assert (result.platform.level, result.sre.level) == (1, 1)
    assert result.ai_readiness == "Not ready"
    assert not result.gate.allow
    assert result.gate.failing == ALL_ORDER
    assert result.services[0].allowed_rung == "none"


@pytest.mark.parametrize("platform, sre, overall, readiness", [
    (5, 2, 2, "Read-only agents"),
    (3, 4, 3, "Shadow mode agents"),
    (4, 4, 4, "Supervised write agents"),
    (1, 5, 1, "Not ready"),
    (2, 3, 2, "Read-only agents"),
])
def test_overall_follows_the_weaker_track(platform, sre, overall, readiness):
    result = assess(BANK, answers({"platform": platform, "sre": sre}), DATA, "Org")
    assert (result.platform.level, result.sre.level, result.overall_level) == (platform, sre, overall)
    assert result.ai_readiness == readiness


def test_a_level_counts_only_when_every_level_below_holds():
    # every platform question at its best except one level-2 question: the ladder stops at Foundation
    result = assess(BANK, answers(**{"platform.idp": "No"}), DATA, "Org")
    assert result.platform.level == 1
    level3 = result.platform.levels[1]
    assert level3.questions_met and not level3.holds


def test_the_gate_never_allows_what_table3_forbids():
    """Finding 1: provisioning and IDP at the lowest level, everything else at the top. The article's six
    conditions all hold, but overall maturity is Foundation: every rung is denied, for maturity alone."""
    worst = {"platform.provisioning": QUESTIONS["platform.provisioning"].choices[0],
             "platform.idp": QUESTIONS["platform.idp"].choices[0]}
    result = assess(BANK, answers(**worst), DATA, "Org")
    assert result.overall_level == 1 and result.ai_readiness == "Not ready"
    service = result.services[0]
    assert service.gate.input["slo_defined"] and service.gate.input["shadow_period_days"] >= 30
    for rung in ("shadow", "supervised-write", "agentic"):
        assert service.gate_for(rung).allow is False
        assert service.gate_for(rung).failing == ("maturity",)
    assert service.current_rung == "agentic" and service.allowed_rung == "none"


@pytest.mark.parametrize("level, allowed", [(2, "read-only"), (3, "shadow"), (4, "supervised-write"), (5, "agentic")])
def test_the_highest_rung_allowed_follows_table3(level, allowed):
    result = assess(BANK, answers({"platform": level, "sre": 5}), DATA, "Org")
    assert result.services[0].allowed_rung == allowed


def test_shadow_mode_does_not_wait_for_the_days_it_earns():
    result = assess(BANK, answers({"platform": 3, "sre": 3}, **{"ai.shadow-period-days": "0"}), DATA, "Org")
    service = result.services[0]
    assert service.gate_for("shadow").allow
    assert service.gate_for("supervised-write").failing == ("shadow_period_days", "maturity")


def test_unknown_is_not_met_and_listed_as_open():
    result = assess(BANK, answers(**{"sre.slo-defined": "unknown"}), DATA, "Org")
    assert result.sre.level == 1
    assert [r.question.id for r in result.open_questions] == ["sre.slo-defined"]
    assert "slo_defined" in result.gate.failing


def test_evidence_beats_claims_both_ways():
    claimed = assess(BANK, answers(), NO_DATA, "Org")
    assert claimed.sre.level == 2  # toil tracked is a Level 3 question; no data, not met
    assert claimed.contradictions[0] == ("sre.toil-tracked: answered 'Measured continuously', but no tickets or pages "
                                         "of Org are imported - counted as not met")
    assert "toil_measured" in claimed.gate.failing
    modest = assess(BANK, answers(**{"sre.toil-tracked": "No"}), DATA, "Org")
    assert modest.sre.level == 5
    assert "53 consecutive weeks over 364 days, with the classifier measured - counted as met" in modest.contradictions[0]


def test_answers_are_checked_against_the_tickets():
    """Claimed minutes-long self-service beside repeated provisioning tickets: the data wins."""
    tickets = dataclasses.replace(DATA, toil_by_category=(CategoryToil("provisioning", 28, 46.0, 7),))
    result = assess(BANK, answers(), tickets, "Org")
    assert result.platform.level == 1
    provisioning = result.platform.levels[0].questions[0]
    assert provisioning.question.id == "platform.provisioning" and not provisioning.met
    assert provisioning.contradiction == (
        "platform.provisioning: answered 'Self-service through a portal, API or IaC module (minutes)', but 28 tickets "
        "and pages of routine toil (provisioning) took 46 hours, the same request up to 7 times - counted as not met")
    rare = dataclasses.replace(DATA, toil_by_category=(CategoryToil("provisioning", 4, 6.0, 2),))
    assert assess(BANK, answers(), rare, "Org").platform.level == 5  # a few one-off requests contradict nothing


def test_interviewees_combine_by_the_rule_of_each_question():
    """Finding 6: the weakest answer for a gate condition, the most advanced for what already runs."""
    platform = answers(who="platform")
    payments = [Answer(a.question_id, {"sre.slo-defined": "No", "ai.agents-today": "Nothing"}.get(a.question_id, a.value),
                       "", "payments") for a in platform]
    platform = [Answer(a.question_id, "Autonomous, with guardrails" if a.question_id == "ai.agents-today" else a.value,
                       "", "platform") for a in platform]
    both = platform + payments
    assert combine_one(QUESTIONS["sre.slo-defined"], answers_for(QUESTIONS["sre.slo-defined"], both))[0] == "No"
    rung = QUESTIONS["ai.agents-today"]
    assert combine_one(rung, answers_for(rung, both, "payments-api"))[0] == "Autonomous, with guardrails"
    result = assess(BANK, both, DATA, "Org", ("payments-api",))
    assert result.sre.level == 1 and result.interviewees == ("payments", "platform")
    assert result.services[0].current_rung == "agentic"  # not hidden behind "no agents yet"


def test_capacity_adds_up_each_interviewees_teams():
    first = answers(who="platform", **{"capacity.ops-engineers": "6", "capacity.hours-per-week": "40"})
    second = answers(who="payments", **{"capacity.ops-engineers": "4", "capacity.hours-per-week": "35"})
    capacity = assess(BANK, first + second, DATA, "Org").capacity
    assert (capacity.engineers, capacity.hours_per_week) == (10, 38.0)
    assert capacity.weekly_hours == 380


def test_each_service_is_gated_on_its_own_shadow_trial():
    """Finding 3: one 30-day trial on one service does not open the gate for the others."""
    base = answers(**{"ai.shadow-period-days": "0"})
    trial = [Answer("ai.shadow-period-days", "45", "", "team", "payments-api")]
    result = assess(BANK, base + trial, DATA, "Org", ("ledger", "payments-api"))
    ledger, payments = result.services
    assert payments.gate.allow and payments.gate.input["shadow_period_days"] == 45
    assert not ledger.gate.allow and ledger.gate.failing == ("shadow_period_days",)
    assert not result.gate.allow and result.gate.failing == ("shadow_period_days",)
    assert result.gate_for("agentic", "payments-api").allow


def test_a_shadow_trial_counts_only_against_a_written_accuracy_threshold():
    for accuracy, counted in ((3, 45), (2, 0), (1, 0), ("unknown", 0)):
        choice = QUESTIONS["ai.shadow-accuracy"].choices[accuracy - 1] if accuracy != "unknown" else "unknown"
        result = assess(BANK, answers(**{"ai.shadow-period-days": "45", "ai.shadow-accuracy": choice}), DATA, "Org")
        service = result.services[0]
        assert service.gate.input["shadow_period_days"] == counted and service.shadow_days_claimed == 45
        assert result.gate.allow is (counted == 45)


def test_shadow_period_threshold():
    for days, allowed in (("29", False), ("30", True), ("365", True)):
        result = assess(BANK, answers(**{"ai.shadow-period-days": days}), DATA, "Org")
        assert result.gate.allow is allowed
        assert result.gate.input["shadow_period_days"] == int(days)


def test_rego_engine_and_python_agree_on_every_combination():
    names = ("slo_defined", "error_budget_policy", "decision_provenance", "rollback_automated", "toil_measured")
    cases = itertools.product(itertools.product([False, True], repeat=len(names)), [0, 29, 30, 400],
                              ["shadow", "supervised-write", "agentic"], [1, 2, 3, 4, 5])
    for flags, days, rung, level in cases:
        document = dict(zip(names, flags)) | {"shadow_period_days": days, "service": "s", "rung": rung,
                                              "maturity_level": level}
        rego, python = evaluate_with_rego(document), evaluate_in_python(document)
        assert (rego.allow, rego.failing) == (python.allow, python.failing), document


def test_the_articles_rule_is_kept_as_published():
    from toilaudit.maturity.gate import policy_text

    text = policy_text()
    assert """allow_agentic_ai if {
	input.slo_defined
	input.error_budget_policy
	input.shadow_period_days >= 30
	input.decision_provenance
	input.rollback_automated
	input.toil_measured
}""" in text
    assert "default allow_agentic_ai := false" in text
