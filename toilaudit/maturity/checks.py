"""Answers checked against the tickets and pages: where they disagree, the data wins.

A question claiming that some kind of request no longer needs a person is contradicted when
the organisation's own toil holds that kind of request repeated (a repetition group of 3 or
more: the same request with another host, user or name) and at least once a month on average.
The answer then counts as not met, and the report lists the contradiction.
"""

from __future__ import annotations

from dataclasses import dataclass

from toilaudit.maturity.answers import is_met
from toilaudit.maturity.interface import Evidence, Question

MIN_REPEATS = 3
ROUTINE_REQUESTS = ("access request", "provisioning", "quota / limit increase", "certificate")


@dataclass(frozen=True, slots=True)
class DataCheck:
    question_id: str
    """The question whose mature answer the data can contradict."""
    categories: tuple[str, ...]
    """Toil categories (of the rule pack) that should not recur if the answer were true."""


CHECKS = (
    DataCheck("platform.provisioning", ("provisioning",)),
    DataCheck("platform.idp", ROUTINE_REQUESTS),
    DataCheck("platform.full-self-service", ROUTINE_REQUESTS),
    DataCheck("platform.auto-restart", ("restart",)),
    DataCheck("platform.cert-renewal", ("certificate",)),
)
CHECK_BY_QUESTION = {check.question_id: check for check in CHECKS}


def contradiction(question: Question, value: str, evidence: Evidence) -> str:
    """What the data says against a met answer, or "" when it does not contradict it."""
    check = CHECK_BY_QUESTION.get(question.id)
    if check is None or not is_met(question, value) or not evidence.items:
        return ""
    found = [c for c in evidence.toil_by_category if c.category in check.categories]
    items = sum(c.items for c in found)
    repeated = max((c.largest_group for c in found), default=0)
    months = max(evidence.days_of_data / 30.44, 1.0)
    if repeated < MIN_REPEATS or items < months:
        return ""
    kinds = ", ".join(c.category for c in sorted(found, key=lambda c: -c.hours))
    hours = sum(c.hours for c in found)
    return (f"{question.id}: answered '{value}', but {items:,} tickets and pages of routine toil ({kinds}) took "
            f"{hours:,.0f} hours, the same request up to {repeated} times - counted as not met")
