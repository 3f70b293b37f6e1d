"""Scoring against Table 3: the gated ladder, the weaker track, evidence over claims, the gate."""

from __future__ import annotations

import itertools
import random

import pytest

from toilaudit.maturity.answers import combine
from toilaudit.maturity.bank import load_bank
from toilaudit.maturity.gate import evaluate_in_python, evaluate_with_rego
from toilaudit.maturity.interface import Answer, Evidence
from toilaudit.maturity.scoring import assess

BANK = load_bank()
DATA = Evidence(toil_measured=True, days_of_data=365, items=740, toil_percent=37.8)
NO_DATA = Evidence(toil_measured=False, days_of_data=0, items=0)


def answers(best_levels: dict[str, int] | None = None, default: str = "best", **overrides) -> list[Answer]:
    """Most-mature answers for questions up to best_levels[track], least mature above; overrides by id."""
    best_levels = best_levels or {}
    out = []
    for q in BANK.questions:
        top = best_levels.get(q.track, 5 if default == "best" else 1)
        good = q.level is None and default == "best" or (q.level is not None and q.level <= top)
        if q.kind == "number":
            value = "90" if good else "0"
        else:
            value = q.choices[-1] if good else q.choices[0]
        out.append(Answer(q.id, overrides.get(q.id, value), "", "team"))
    return out


def test_all_most_mature_with_data_is_autonomous_and_allowed():
    result = assess(BANK, answers(), DATA, "Org")
    assert (result.platform.level, result.sre.level, result.overall_level) == (5, 5, 5)
    assert result.ai_readiness == "Agentic AI with guardrails"
    assert result.gate.allow and result.gate.failing == ()


def test_all_least_mature_is_foundation_and_denied():
    result = assess(BANK, answers(default="worst"), NO_DATA, "Org")
    assert (result.platform.level, result.sre.level) == (1, 1)
    assert result.ai_readiness == "Not ready"
    assert not result.gate.allow
    assert result.gate.failing == ("toil_measured", "slo_defined", "error_budget_policy", "decision_provenance",
                                   "rollback_automated", "shadow_period_days")


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


def test_unknown_is_not_met_and_listed_as_open():
    result = assess(BANK, answers(**{"sre.slo-defined": "unknown"}), DATA, "Org")
    assert result.sre.level == 1
    assert [r.question.id for r in result.open_questions] == ["sre.slo-defined"]
    assert "slo_defined" in result.gate.failing


def test_evidence_beats_claims_both_ways():
    claimed = assess(BANK, answers(), NO_DATA, "Org")
    assert claimed.sre.level == 2  # toil tracked is a Level 3 question; no data, not met
    assert "sre.toil-tracked: answered 'Measured continuously', but the store holds 0 days" in claimed.contradictions[0]
    assert "toil_measured" in claimed.gate.failing
    modest = assess(BANK, answers(**{"sre.toil-tracked": "No"}), DATA, "Org")
    assert modest.sre.level == 5
    assert "counted as met on that evidence" in modest.contradictions[0]


def test_interviewees_are_combined_weakest_answer_counting():
    best = answers()
    weak = [Answer(a.question_id, "No" if a.question_id == "sre.slo-defined" else a.value, "", "payments")
            for a in best]
    combined = combine(BANK, best + weak)
    assert combined["sre.slo-defined"][0] == "No"
    result = assess(BANK, best + weak, DATA, "Org")
    assert result.sre.level == 1 and result.interviewees == ("payments", "team")


def test_shadow_period_threshold():
    for days, allowed in (("29", False), ("30", True), ("365", True)):
        result = assess(BANK, answers(**{"ai.shadow-period-days": days}), DATA, "Org")
        assert result.gate.allow is allowed
        assert result.gate.input["shadow_period_days"] == int(days)


def test_rego_engine_and_python_agree_on_every_combination():
    names = ("slo_defined", "error_budget_policy", "decision_provenance", "rollback_automated", "toil_measured")
    rng = random.Random(1)
    for flags in itertools.product([False, True], repeat=len(names)):
        document = dict(zip(names, flags)) | {"shadow_period_days": rng.choice([0, 29, 30, 31, 400])}
        rego, python = evaluate_with_rego(document), evaluate_in_python(document)
        assert (rego.allow, rego.failing) == (python.allow, python.failing), document
