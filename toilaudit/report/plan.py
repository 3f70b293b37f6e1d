"""The plan file: who owns the report and each action, and by when (`report --plan plan.yaml`).

    owner: Head of SRE
    status: Draft for the board meeting of 10 December 2026
    classification: Confidential - board members only
    actions:
      1: {owner: SRE lead, target: 2027-03-31}

Without it, owners and dates print as blanks for the board to fill in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from toilaudit.errors import InputFileError

DEFAULT_STATUS = "Draft for decision"
DEFAULT_CLASSIFICATION = "Confidential"


@dataclass(frozen=True, slots=True)
class ActionPlan:
    owner: str = ""
    """Who answers for the action ("" prints a blank)."""
    target: str = ""
    """Target date, ISO ("" prints a blank)."""


@dataclass(frozen=True, slots=True)
class Plan:
    owner: str = ""
    """Who owns the report."""
    status: str = DEFAULT_STATUS
    """Its status, on the cover."""
    classification: str = DEFAULT_CLASSIFICATION
    """Its confidentiality marking, on the cover and every page."""
    actions: dict[int, ActionPlan] = field(default_factory=dict)
    """Per action number."""

    def for_action(self, number: int) -> ActionPlan:
        return self.actions.get(number, ActionPlan())


def load_plan(path: Path | None) -> Plan:
    if path is None:
        return Plan()
    where = Path(path).name
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig")) or {}
    except FileNotFoundError:
        raise InputFileError(f"{where}: no such file - check the --plan path") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{where}: not valid YAML ({str(exc).splitlines()[0]}) - see toilaudit report --help") from None
    if not isinstance(data, dict):
        raise InputFileError(f"{where}: expected owner:, status:, classification: and actions: - see report --help")
    actions = {}
    for key, raw in (data.get("actions") or {}).items():
        if str(key) not in ("1", "2", "3", "4") or not isinstance(raw, dict):
            raise InputFileError(f"{where}: actions: {key!r} - use the action numbers 1 to 4, each with owner: "
                                 "and target:")
        target = raw.get("target") or ""
        if target:
            try:
                target = date.fromisoformat(str(target)).isoformat()
            except ValueError:
                raise InputFileError(f"{where}: action {key}: target {target!r} is not a date - write YYYY-MM-DD") from None
        actions[int(key)] = ActionPlan(str(raw.get("owner") or ""), target)
    return Plan(str(data.get("owner") or ""), str(data.get("status") or DEFAULT_STATUS),
                str(data.get("classification") or DEFAULT_CLASSIFICATION), actions)
