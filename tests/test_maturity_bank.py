"""The question banks: shipped banks are sound; broken ones fail naming the file and question."""

from __future__ import annotations

import pytest

from toilaudit.errors import BankError
from toilaudit.maturity.bank import load_bank, parse_banks


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


GOOD = "    text: t\n    why: w\n    choices: [a, b]\n"


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
    ("track: sre\nquestions:\n  - id: q1\n    level: 2\n" + GOOD, "sre bank: level 2 has only 1 question"),
])
def test_broken_banks(text, message):
    with pytest.raises(BankError) as caught:
        parse_banks({"bank.yaml": text})
    assert message in str(caught.value)
