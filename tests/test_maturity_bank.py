"""The question banks: shipped banks are sound; broken ones fail naming the file and question."""

from __future__ import annotations

import re

import pytest

from toilaudit.errors import BankError
from toilaudit.maturity.bank import load_bank, parse_banks
from toilaudit.maturity.interface import LEVELS


def test_shipped_banks_cover_every_level_twice_or_more():
    bank = load_bank()
    for track in ("platform", "sre"):
        for level in (2, 3, 4, 5):
            assert sum(1 for q in bank.questions if q.track == track and q.level == level) >= 2
    gates = {q.gate for q in bank.questions if q.gate}
    assert gates == {"slo_defined", "error_budget_policy", "shadow_period_days", "decision_provenance",
                     "rollback_automated"}
    assert all(isinstance(c, str) for q in bank.questions for c in q.choices)
    assert len({q.id for q in bank.questions}) == len(bank.questions)


def test_every_question_says_where_it_comes_from():
    for question in load_bank().questions:
        assert question.sources, question.id
        if question.level:
            assert any(s.kind == "table3" for s in question.sources), question.id
        if question.gate:
            assert any(s.kind == "gate" and s.text == question.gate for s in question.sources), question.id


def test_questions_do_not_give_away_what_is_tested():
    """Finding 8: no level name in a question or its why, and the shadow question does not quote the gate's 30 days."""
    bank = load_bank()
    names = "|".join(name for name in LEVELS.values() if name != "Measured")  # "measured" is an ordinary word
    for question in bank.questions:
        shown = f"{question.text} {question.why}"
        assert not re.search(rf"\b({names})\b|Level \d", shown), question.id
    shadow = bank.by_id()["ai.shadow-period-days"]
    assert "30" not in shadow.text + shadow.why


def test_the_gate_is_asked_per_service_and_llmops_telemetry_is_asked():
    bank = load_bank().by_id()
    per_service = {q.id for q in bank.values() if q.per_service}
    assert per_service == {"ai.agents-today", "ai.shadow-period-days", "ai.shadow-accuracy", "ai.decision-provenance",
                           "ai.rollback"}
    assert bank["ai.agents-today"].combine == "most-advanced"
    assert bank["ai.shadow-period-days"].combine == "weakest"
    assert "accuracy threshold" in bank["ai.shadow-accuracy"].text
    for question_id in ("ai.decision-traces", "ai.token-budget", "ai.latency-budget"):
        assert question_id in bank
    assert bank["platform.golden-paths"].choices[int(bank["platform.golden-paths"].met_at) - 1] == "Used by most new services"


CELL = "    source: {table3: 'SLOs defined, error budgets'}\n"
SECTION = "    source: {section: The Learning Time Deficit}\n"
GOOD = "    text: t\n    why: w\n    choices: [a, b]\n" + CELL


@pytest.mark.parametrize("text, message", [
    ("track: sre\nquestions:\n  - id: q1\n    level: 2\n" + GOOD + "  - id: q1\n    level: 2\n" + GOOD,
     "bank.yaml: question q1 is also in bank.yaml - ids must be unique"),
    ("track: sre\nquestions:\n  - id: q1\n    level: 7\n" + GOOD, "bank.yaml: question q1: level 7 is not a level"),
    ("track: sre\nquestions:\n  - id: q1\n    level: 2\n    text: t\n    why: w\n    choices: []\n",
     "bank.yaml: question q1: needs at least two choices"),
    ("track: sre\nquestions:\n  - id: q1\n    level: 2\n    text: t\n    why: w\n    choices: [No, Yes]\n",
     "bank.yaml: question q1: choice 1 is False, not text"),
    ("track: ops\nquestions: []\n", "bank.yaml: track 'ops'"),
    ("track: sre\nquestions:\n  - id: q1\n    level: 2\n    gate: vibes\n" + GOOD, "gate 'vibes'"),
    ("track: sre\nquestions:\n  - id: q1\n    level: 2\n    text: t\n    why: w\n    choices: [a, b]\n",
     "bank.yaml: question q1: missing `source`"),
    ("track: sre\nquestions:\n  - id: q1\n    level: 3\n    text: t\n    why: w\n    choices: [a, b]\n" + CELL,
     "source table3 'SLOs defined, error budgets' is not its Table 3 cell ('Toil tracked, burn-rate alerts')"),
    ("track: sre\nquestions:\n  - id: q1\n    level: 2\n    text: t\n    why: w\n    choices: [a, b]\n"
     "    source: {section: Why AI Is Great}\n", "source section 'Why AI Is Great' is not a section of the article"),
    ("track: sre\nquestions:\n  - id: q1\n    level: 2\n    text: t\n    why: w\n    choices: [a, b]\n" + SECTION,
     "a level question needs a table3 source"),
    ("track: ai\nquestions:\n  - id: q1\n    combine: loudest\n    text: t\n    why: w\n    choices: [a, b]\n" + SECTION,
     "combine 'loudest'"),
    ("track: sre\nquestions:\n  - id: q1\n    level: 2\n    text: t\n    why: w\n    choices: [a, b]\n" + CELL
     + "  - id: q2\n    level: 2\n    gate: slo_defined\n    text: t\n    why: w\n    choices: [a, b]\n" + CELL,
     "it feeds gate slo_defined; add `gate: slo_defined` to its source"),
    ("track: sre\nquestions:\n  - id: q1\n    level: 2\n    text: t\n    why: w\n    choices: [a, b]\n" + CELL,
     "sre bank: level 2 has only 1 question"),
    ("track: ai\nquestions:\n  - id: q1\n    type: number\n    met_at: 30\n    text: t\n    why: w\n" + SECTION,
     "bank.yaml: question q1: a number question needs `max:`, the largest answer a real organisation could give"),
    ("track: ai\nquestions:\n  - id: q1\n    type: number\n    max: 20\n    met_at: 30\n    text: t\n    why: w\n"
     + SECTION, "bank.yaml: question q1: met_at 30 is above max 20 - no answer could meet it"),
    ("track: ai\nquestions:\n  - id: q1\n    type: number\n    max: .inf\n    met_at: 30\n    text: t\n    why: w\n"
     + SECTION, "bank.yaml: question q1: max inf - give a number above 0 and up to 1,000,000"),
    ("track: ai\nquestions:\n  - id: q1\n    max: 3\n    text: t\n    why: w\n    choices: [a, b]\n" + SECTION,
     "max and unit are for a number question"),
])
def test_broken_banks(text, message):
    with pytest.raises(BankError) as caught:
        parse_banks({"bank.yaml": text})
    assert message in str(caught.value)


def test_every_number_question_has_a_range_a_real_organisation_could_answer():
    """99999 days of shadow mode was once taken: each number question says its largest answer."""
    numbers = {q.id: (q.maximum, q.unit) for q in load_bank().questions if q.kind == "number"}
    assert numbers == {"ai.shadow-period-days": (3650, "days"), "capacity.ops-engineers": (50_000, "engineers"),
                       "capacity.hours-per-week": (100, "hours a week")}
