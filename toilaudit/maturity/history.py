"""Assessments over time: what is kept of each, and what changed since the previous one.

Every assessment is kept, except one identical to the latest kept (running the report twice
changes nothing). The previous assessment is the latest kept one that differs from the current.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from toilaudit.maturity.interface import GATE_CONDITIONS, LEVELS, REASONS, RUNG_NAMES, Assessment
from toilaudit.maturity.output import CONDITION_NAMES
from toilaudit.store import Store


@dataclass(frozen=True, slots=True)
class Snapshot:
    assessed_at: str
    """Date of the assessment (ISO)."""
    content: dict
    """toil shares, levels, gate conditions and rungs per service."""


@dataclass(frozen=True, slots=True)
class Change:
    what: str
    """What is compared."""
    before: str
    """At the previous assessment."""
    now: str
    """Now."""

    @property
    def changed(self) -> bool:
        return self.before != self.now


def snapshot_content(assessment: Assessment, toil_percent: float | None, toil_percent_of_capacity: float | None,
                     period: str | None) -> dict:
    """What is kept: the toil shares of the period the report (or assess) counted, and the verdicts."""
    gate = {reason: sorted(s.service for s in assessment.services if reason in s.gate.failing) for reason in REASONS}
    return {
        "toil_percent": toil_percent,
        "toil_percent_of_capacity": toil_percent_of_capacity,
        "period": period,
        "platform_level": assessment.platform.level,
        "sre_level": assessment.sre.level,
        "overall_level": assessment.overall_level,
        "gate_failing": {reason: names for reason, names in gate.items() if names},
        "services": {s.service: {"current_rung": s.current_rung, "allowed_rung": s.allowed_rung}
                     for s in assessment.services},
    }


def keep(store: Store, org: str, content: dict, when: datetime) -> Snapshot | None:
    """Keep this assessment (unless the latest kept is identical); return the previous one, if any."""
    kept = [Snapshot(_date(row["assessed_at"]), json.loads(row["content"]))
            for row in store.assessments(org).to_dict("records")]
    if kept and kept[-1].content == content:
        return kept[-2] if len(kept) > 1 else None
    store.save_assessment(org, when, json.dumps(content, sort_keys=True))
    return kept[-1] if kept else None


def _date(value) -> str:
    try:
        return value.date().isoformat()
    except AttributeError:
        return str(value)[:10]


def _percent(value, period: str | None = None) -> str:
    """A share; with the period it counts when two assessments counted different periods."""
    text = "not known" if value is None else f"{value}%"
    return f"{text} in {period}" if period and value is not None else text


def _rung(value: str) -> str:
    return RUNG_NAMES.get(value, "none")


def compare(previous: dict, current: dict) -> tuple[Change, ...]:
    """Toil shares, levels, gate conditions and rungs: the headline rows always, the rest where they changed."""
    # shares of different periods are told apart (kept before periods existed: every item)
    before_period, now_period = previous.get("period", "every item"), current.get("period")
    apart = before_period != now_period
    rows = [
        Change("Toil, share of recorded time", _percent(previous.get("toil_percent"), apart and before_period),
               _percent(current.get("toil_percent"), apart and now_period)),
        Change("Toil, share of capacity", _percent(previous.get("toil_percent_of_capacity"), apart and before_period),
               _percent(current.get("toil_percent_of_capacity"), apart and now_period)),
        Change("Platform level", LEVELS[previous["platform_level"]], LEVELS[current["platform_level"]]),
        Change("SRE level", LEVELS[previous["sre_level"]], LEVELS[current["sre_level"]]),
        Change("Overall level", LEVELS[previous["overall_level"]], LEVELS[current["overall_level"]]),
    ]
    services = sorted(set(previous["services"]) | set(current["services"]))
    for reason in REASONS:
        before = previous["gate_failing"].get(reason, [])
        now = current["gate_failing"].get(reason, [])
        label = f"Gate: {CONDITION_NAMES[reason]}" if reason in GATE_CONDITIONS else "Gate: maturity (Table 3)"
        # each side counts its own services: one merged or dropped since is no failure
        rows.append(Change(label, _failing(before, list(previous["services"])), _failing(now, list(current["services"]))))
    for name in services:
        was, is_ = previous["services"].get(name), current["services"].get(name)
        rows.append(Change(f"{name}: agents today", _rung(was["current_rung"]) if was else "not in scope",
                           _rung(is_["current_rung"]) if is_ else "not in scope"))
        rows.append(Change(f"{name}: highest rung allowed", _rung(was["allowed_rung"]) if was else "not in scope",
                           _rung(is_["allowed_rung"]) if is_ else "not in scope"))
    return tuple(row for index, row in enumerate(rows) if index < 5 or row.changed)


def _failing(names: list[str], services: list[str]) -> str:
    if not names:
        return "holds"
    return f"fails on {len(names)} of {len(services)} services" if len(services) > 1 else "fails"
