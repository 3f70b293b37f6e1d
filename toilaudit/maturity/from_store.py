"""An organisation's assessment from what the store holds: its answers, its scope, its evidence."""

from __future__ import annotations

import shlex
from datetime import datetime

from toilaudit.errors import ToilauditError
from toilaudit.maturity.answers import normalise
from toilaudit.maturity.bank import load_bank
from toilaudit.maturity.evidence import gather_evidence
from toilaudit.maturity.history import Snapshot, keep, snapshot_content
from toilaudit.maturity.interface import UNKNOWN, Answer, Assessment, Question
from toilaudit.maturity.paused import refuse_paused
from toilaudit.maturity.scope import Scope, org_scope, same_org
from toilaudit.maturity.scoring import assess
from toilaudit.period import Period
from toilaudit.store import Store
from toilaudit.summary import CapacityShare, Summary, capacity_share, choose_period, summarise


def resolve_org(store: Store, org: str | None) -> str:
    """The org named (in any case: same_org), or the only one interviewed; several need --org."""
    orgs = sorted(set(store.load_answers()["org"]))
    if org:
        org = same_org(store, org)
        if orgs and org not in orgs:
            raise ToilauditError(f"no interview answers for {org!r} (interviewed: {', '.join(map(repr, orgs))}) - "
                                 f"pass one of them as --org, or run toilaudit interview --org {shlex.quote(org)} "
                                 "to assess another organisation")
        return org
    if not orgs:
        raise ToilauditError("no interview answers in the store - run toilaudit interview (or --answers FILE) first")
    if len(orgs) > 1:
        raise ToilauditError(f"several organisations interviewed ({', '.join(orgs)}) - pass --org NAME")
    return orgs[0]


def stored_answers(store: Store, org: str) -> list[Answer]:
    """The org's answers to the questions in the bank (answers to retired questions are left out). A
    number outside its question's range (saved before the bank had one: 99999 days of shadow mode)
    counts as unknown, an open question, not as a gate condition met."""
    known = load_bank().by_id()
    return [Answer(r["question_id"], _in_range(known[r["question_id"]], r["answer"] or UNKNOWN), r["note"] or "",
                   r["interviewee"], r["service"] or "", _date(r["answered_at"]))
            for r in store.load_answers(org).to_dict("records") if r["question_id"] in known]


def _in_range(question: Question, value: str) -> str:
    if question.kind != "number" or value == UNKNOWN:
        return value
    return value if normalise(question, value) is not None else UNKNOWN


def _date(value) -> str:
    try:
        return value.date().isoformat()
    except AttributeError:
        return str(value or "")[:10]


def assess_org(store: Store, org: str | None) -> tuple[Assessment, Scope]:
    """Score the org's stored answers against its own evidence, for each of its services."""
    org = resolve_org(store, org)
    answers = stored_answers(store, org)
    if not answers:
        raise ToilauditError(f"no interview answers for {org!r} - run toilaudit interview --org '{org}' first")
    scope = org_scope(store, org)
    return assess(load_bank(), answers, gather_evidence(store, scope), org, scope.services), scope


def org_capacity_share(store: Store, assessment: Assessment, scope: Scope, period: Period | None = None,
                       summary: Summary | None = None) -> CapacityShare | None:
    """Toil in the period against the capacity the organisation gave, on its own items; None until both
    are known. `summary`, when given, holds the period's figures already."""
    if assessment.capacity is None or not scope.attributable:
        return None
    if summary is None:
        summary = summarise(store, "source", top=0, with_range=False, services=scope.item_services, period=period)
    if not summary.total.items:
        return None
    return capacity_share(store, summary, assessment.capacity.engineers, assessment.capacity.hours_per_week,
                          scope.item_services)


def keep_assessment(store: Store, assessment: Assessment, scope: Scope, when: datetime,
                    period: Period | None = None) -> Snapshot | None:
    """Keep this assessment in the organisation's history, with the toil shares of `period` (default:
    the last 12 full months of the data); return the previous one to compare with. A paused interview
    is refused: half an interview must never become the previous assessment."""
    refuse_paused(store, assessment.org)
    if period is None and scope.attributable:
        period = choose_period(store, None, scope.item_services, "assess")
    summary = summarise(store, "source", top=0, with_range=False, services=scope.item_services, period=period)
    share = org_capacity_share(store, assessment, scope, period, summary)
    content = snapshot_content(assessment, summary.total.toil_percent if summary.total.items else None,
                               share.toil_percent if share else None, period.label if period else None)
    return keep(store, assessment.org, content, when)
