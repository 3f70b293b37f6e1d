"""Interviews in progress: a paused interview is not assessed as if it were finished.

The terminal interview marks its interviewee in progress (a store setting) before it asks the first
unanswered question, and clears the mark once every question is answered. Ctrl-C, a closed terminal
or a killed process leave the mark. An answers file replaces an interviewee's answers whole, and
`interview --discard` deletes them: both clear it.

assess and report refuse while an interviewee of the organisation is marked: the questions not asked
yet would count as open questions (answered unknown), and the half-done assessment would be kept as
the next report's "previous assessment", its gaps read by a board as change. History kept before
this mark existed cannot be told apart: a kept assessment records its verdicts, not how many
questions had been answered.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from toilaudit.errors import ToilauditError
from toilaudit.store import Store

SETTING = "interview_in_progress|"


@dataclass(frozen=True, slots=True)
class Paused:
    interviewee: str
    """Whose interview."""
    answered: int
    """Answers saved so far."""
    questions: int
    """Questions the interview asks (when it was last run)."""


def _setting(org: str, interviewee: str) -> str:
    return SETTING + json.dumps([org, interviewee], ensure_ascii=False)


def mark_in_progress(store: Store, org: str, interviewee: str, questions: int) -> None:
    store.set_setting(_setting(org, interviewee), json.dumps({"questions": questions}))


def mark_finished(store: Store, org: str, interviewee: str) -> None:
    store.set_setting(_setting(org, interviewee), None)


def paused_interviews(store: Store, org: str) -> list[Paused]:
    """The organisation's interviewees whose interview was started in the terminal and not finished
    (one with no answer saved yet adds nothing to an assessment, so is not listed)."""
    answers = store.load_answers(org)
    out = []
    for interviewee in sorted(set(answers["interviewee"])):
        value = store.get_setting(_setting(org, interviewee))
        if value is None:
            continue
        try:
            questions = int(json.loads(value)["questions"])
        except (ValueError, KeyError, TypeError):
            questions = 0
        out.append(Paused(interviewee, int((answers["interviewee"] == interviewee).sum()), questions))
    return out


def interview_command(org: str, interviewee: str) -> str:
    return f"toilaudit interview --org {shlex.quote(org)} --interviewee {shlex.quote(interviewee)}"


def refuse_paused(store: Store, org: str) -> None:
    """Raise (one line: whose interview, how far, the command that finishes it and how to discard it)
    when an interview of the organisation is paused."""
    paused = paused_interviews(store, org)
    if not paused:
        return
    first = paused[0]
    more = f" (and {len(paused) - 1} more interviewee(s))" if len(paused) > 1 else ""
    far = f"{first.answered} of {first.questions}" if first.questions else f"{first.answered}"
    raise ToilauditError(
        f"the interview of {first.interviewee!r} for {org!r} is paused at {far} answers{more}, so it is not "
        f"assessed - finish it: {interview_command(org, first.interviewee)} (or add --discard to delete its answers)"
    )
