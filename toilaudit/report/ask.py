"""The ask: what each action costs, what it saves, and when it pays back.

Effort comes from one editable settings file (assumptions.yaml, printed in the report's
appendix): person-weeks to automate one request type of each toil category, and to close each
condition the roadmap checks. Savings come from the automation candidates: a candidate's toil
hours a month times the share automation removes. Candidates are ranked by return (hours saved
a month per person-week); the best ones that pay back within the horizon are budgeted.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from toilaudit.errors import InputFileError

ASSUMPTIONS_FILE = "assumptions.yaml"
WORK_NAMES = ("toil_measured", "slo_defined", "error_budget_policy", "ai_error_budget", "decision_provenance",
              "rollback_automated", "llmops_telemetry", "shadow_period_days")


@dataclass(frozen=True, slots=True)
class Automation:
    category: str
    """A toil category ("default" for any other)."""
    effort_person_weeks: float
    """Effort to automate one request type of it."""
    saving_share: float
    """Share of its toil hours the automation removes, 0-1."""
    action: int
    """The action whose budget does it."""


@dataclass(frozen=True, slots=True)
class Work:
    name: str
    """The condition it closes (a gate condition, or ai_error_budget / llmops_telemetry)."""
    action: int
    """The action it belongs to."""
    person_weeks: float
    """Fixed effort for the organisation."""
    per_service: float
    """Effort for each service where the condition fails."""
    what: str
    """What the work is, in board words."""


@dataclass(frozen=True, slots=True)
class Assumptions:
    version: str
    """Which settings (shown in the appendix)."""
    hours_per_person_week: float
    """Hours in one person-week."""
    automate_top: int
    """At most this many candidates are budgeted."""
    payback_horizon_months: float
    """Only candidates paying back within this are budgeted."""
    default_automation: Automation
    """For categories not listed."""
    automation: tuple[Automation, ...]
    """Per category."""
    work: tuple[Work, ...]
    """Per condition."""

    def automation_for(self, category: str) -> Automation:
        return next((a for a in self.automation if a.category == category), self.default_automation)

    def work_for(self, name: str) -> Work:
        return next(w for w in self.work if w.name == name)


def default_assumptions_text() -> str:
    return resources.files("toilaudit.report").joinpath(ASSUMPTIONS_FILE).read_text(encoding="utf-8")


def load_assumptions(path: Path | None = None) -> Assumptions:
    where = Path(path).name if path else ASSUMPTIONS_FILE
    try:
        text = default_assumptions_text() if path is None else Path(path).read_text(encoding="utf-8-sig")
        data = yaml.safe_load(text)
    except FileNotFoundError:
        raise InputFileError(f"{where}: no such file - check the --assumptions path") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{where}: not valid YAML ({str(exc).splitlines()[0]}) - start from "
                             "toilaudit report --print-assumptions") from None
    try:
        return _parse(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputFileError(f"{where}: {exc} - start from toilaudit report --print-assumptions") from None


def _number(raw: Any, what: str, low: float = 0, high: float | None = None) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw < low or (high is not None and raw > high):
        bound = f"{low:g} to {high:g}" if high is not None else f"{low:g} or more"
        raise ValueError(f"{what} is {raw!r}, not a number from {bound}")
    return float(raw)


def _automation(category: str, raw: dict) -> Automation:
    action = int(raw.get("action", 1))
    if action not in (1, 2, 3, 4):
        raise ValueError(f"automation {category!r}: action {action} - use 1 to 4")
    return Automation(category, _number(raw["effort_person_weeks"], f"automation {category!r} effort", 0.1),
                      _number(raw["saving_share"], f"automation {category!r} saving_share", 0, 1), action)


def _parse(data: Any) -> Assumptions:
    if not isinstance(data, dict):
        raise ValueError("expected a mapping with automation: and work:")
    automation = data["automation"]
    work = []
    for name in WORK_NAMES:
        raw = data["work"].get(name)
        if not isinstance(raw, dict):
            raise ValueError(f"work: {name} is missing")
        work.append(Work(name, int(raw["action"]), _number(raw["person_weeks"], f"work {name} person_weeks"),
                         _number(raw["per_service"], f"work {name} per_service"), str(raw["what"])))
    return Assumptions(
        version=str(data.get("version", "custom")),
        hours_per_person_week=_number(data["hours_per_person_week"], "hours_per_person_week", 1),
        automate_top=int(_number(data["automate_top"], "automate_top")),
        payback_horizon_months=_number(data["payback_horizon_months"], "payback_horizon_months", 1),
        default_automation=_automation("default", automation["default"]),
        automation=tuple(_automation(str(c), raw) for c, raw in (automation.get("categories") or {}).items()),
        work=tuple(work),
    )


# ------------------------------------------------------------------------------------ costing
@dataclass(frozen=True, slots=True)
class CostedCandidate:
    group_id: str
    """The repetition group."""
    category: str
    """Its toil category."""
    hours_per_month: float
    """Its toil hours a month over the period."""
    hours_saved_per_month: float
    """What automating it should save a month."""
    effort_person_weeks: float
    """What automating it takes."""
    payback_months: float
    """Effort hours over hours saved a month."""
    action: int
    """Whose budget."""

    @property
    def return_per_person_week(self) -> float:
        return self.hours_saved_per_month / self.effort_person_weeks


def cost_candidate(assumptions: Assumptions, group_id: str, category: str, hours: float,
                   months: float) -> CostedCandidate:
    rule = assumptions.automation_for(category)
    per_month = hours / months if months else 0.0
    saved = per_month * rule.saving_share
    effort_hours = rule.effort_person_weeks * assumptions.hours_per_person_week
    payback = effort_hours / saved if saved else float("inf")
    return CostedCandidate(group_id, category, round(per_month, 2), round(saved, 2), rule.effort_person_weeks,
                           round(payback, 1), rule.action)


def rank_by_return(candidates: list[CostedCandidate]) -> list[CostedCandidate]:
    return sorted(candidates, key=lambda c: (-c.return_per_person_week, c.payback_months, c.group_id))


def budgeted(assumptions: Assumptions, ranked: list[CostedCandidate]) -> list[CostedCandidate]:
    """The best candidates that pay back within the horizon, at most automate_top of them."""
    within = [c for c in ranked if c.payback_months <= assumptions.payback_horizon_months]
    return within[:assumptions.automate_top]


@dataclass(frozen=True, slots=True)
class CostLine:
    what: str
    """The work, in board words."""
    person_weeks: float
    """Its effort."""
    hours_saved_per_month: float
    """Toil it removes a month (0 for a control)."""


@dataclass(frozen=True, slots=True)
class ActionCost:
    effort_person_weeks: float
    """All its lines."""
    cost: float
    """At the hourly rate."""
    hours_saved_per_month: float
    """Toil it removes a month."""
    payback_months: float | None
    """Cost over the monthly saving; None when it saves no toil (a control the gate requires)."""
    lines: tuple[CostLine, ...]
    """What makes it up."""


def action_cost(assumptions: Assumptions, lines: list[CostLine], hourly_rate: float) -> ActionCost:
    effort = round(sum(line.person_weeks for line in lines), 1)
    saved = round(sum(line.hours_saved_per_month for line in lines), 1)
    hours = effort * assumptions.hours_per_person_week
    payback = round(hours / saved, 1) if saved else None
    return ActionCost(effort, round(hours * hourly_rate), saved, payback, tuple(lines))


def work_line(assumptions: Assumptions, name: str, failing_services: int, failing: bool) -> CostLine | None:
    """The effort still needed to close a condition, or None when it holds."""
    if not failing:
        return None
    work = assumptions.work_for(name)
    effort = work.person_weeks + work.per_service * failing_services
    what = work.what + (f" ({failing_services} service{'s' if failing_services != 1 else ''})"
                        if work.per_service and failing_services else "")
    return CostLine(what, round(effort, 1), 0.0)


def assumption_rows(assumptions: Assumptions) -> tuple[tuple[str, str], ...]:
    """Every assumption as (what, value), for the appendix."""
    rows = [("Settings", assumptions.version),
            ("Hours in a person-week", f"{assumptions.hours_per_person_week:g}"),
            ("Automation candidates budgeted", f"the best {assumptions.automate_top} by return that pay back "
                                               f"within {assumptions.payback_horizon_months:g} months")]
    for rule in (*assumptions.automation, assumptions.default_automation):
        label = "any other category" if rule.category == "default" else rule.category
        rows.append((f"Automate one request type: {label} (Action {rule.action})",
                     f"{rule.effort_person_weeks:g} p-w; removes {rule.saving_share:.0%} of its toil"))
    for work in assumptions.work:
        per_service = f" + {work.per_service:g} per service where it fails" if work.per_service else ""
        rows.append((f"Action {work.action}: {work.what}", f"{work.person_weeks:g} p-w{per_service}"))
    return tuple(rows)
