"""The capacity toil is measured against: engineers who carry operations work, and their hours.

Google's cap (toil below 50% of an SRE's time) and the industry's 34% are shares of engineers'
working time, not of the hours tickets record. Each interviewee answers for their own teams, so
their answers add up: engineers are summed, hours a week weighted by engineers.
"""

from __future__ import annotations

from toilaudit.maturity.interface import UNKNOWN, Answer, Capacity

ENGINEERS = "capacity.ops-engineers"
HOURS_PER_WEEK = "capacity.hours-per-week"


def capacity_from(answers: list[Answer]) -> Capacity | None:
    """None until at least one interviewee has given both figures (and some engineers)."""
    given: dict[str, dict[str, float]] = {}
    for answer in answers:
        if answer.question_id in (ENGINEERS, HOURS_PER_WEEK) and answer.value != UNKNOWN and not answer.service:
            given.setdefault(answer.interviewee, {})[answer.question_id] = float(answer.value)
    pairs = [(f[ENGINEERS], f[HOURS_PER_WEEK]) for f in given.values() if ENGINEERS in f and HOURS_PER_WEEK in f]
    engineers = sum(e for e, _ in pairs)
    if not engineers:
        return None
    return Capacity(engineers, round(sum(e * h for e, h in pairs) / engineers, 1))
