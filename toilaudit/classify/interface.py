"""Records of the classify layer: the rule pack and what it says of each item."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from toilaudit.errors import InputFileError

# Columns of the classification table, one row per WorkItem; types are declared in store.py.
CLASSIFICATION_FIELDS = (
    "source", "key", "is_toil", "category", "score", "rule_ids", "group_id", "group_size",
    "template", "hours", "hours_measured", "off_hours", "reasons", "rule_pack_version",
)


class RulePackError(InputFileError):
    """A rule pack (default or --rules FILE) is malformed."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    """Stable id (T001 toil, N001 not toil); never reused, cited in reasons and reports."""
    name: str
    """Dotted name, e.g. toil.access-request."""
    category: str
    """The category an item takes when this rule is its strongest toil rule."""
    kind: str
    """"toil" (raises the score) or "not-toil" (lowers it)."""
    weight: float
    """How much the score moves when the rule matches."""
    pattern: re.Pattern[str]
    """Case-insensitive regex searched in the title (and labels)."""
    why: str
    """The toil trait the rule detects (Google SRE book ch. 5), shown in the docs."""
    estimate_hours: float | None = None
    """Time per item when the source measured none."""
    sources: tuple[str, ...] = ()
    """Sources the rule applies to; empty means all."""
    aliases: tuple[str, ...] = ()
    """Old ids of a renamed rule."""
    examples_match: tuple[str, ...] = ()
    """Titles the rule must match (tested)."""
    examples_no_match: tuple[str, ...] = ()
    """Titles the rule must not match (tested)."""


@dataclass(frozen=True, slots=True)
class Settings:
    business_hours: tuple[int, int] = (9, 18)
    """Start and end hour of the working day, local time; outside it a page is off-hours."""
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    """Monday=0 ... Sunday=6."""
    timezone: str = "UTC"
    """The team's time zone for business hours."""
    interruption_minutes: float = 15.0
    """Cost of a page's context switch, added to its duration (and all an auto-resolved page costs)."""
    page_hours_cap: float = 4.0
    """A page left open longer is not counted as hands-on time past this."""
    repetition_min_group: int = 3
    """Items sharing a title template at least this often are repetitive."""
    toil_threshold: float | None = None
    """Probability at or above which an item is toil; None: the model's own, tuned on the corpus."""
    default_toil_hours: float = 1.0
    """Estimate for a toil item with no measured time and no category estimate."""
    default_other_hours: float = 4.0
    """Estimate for a non-toil item with no measured time."""
    tactical_types: tuple[str, ...] = ()
    """Issue types that are interrupt-driven requests (lower-case)."""
    engineering_types: tuple[str, ...] = ()
    """Issue types that are planned engineering work (lower-case)."""


@dataclass(frozen=True, slots=True)
class RulePack:
    version: str
    """Shown in the report's provenance appendix."""
    settings: Settings
    """Thresholds and time figures."""
    rules: tuple[Rule, ...] = field(default=())
    """In file order; ids unique."""

    @property
    def toil_rules(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.kind == "toil"]

    @property
    def other_rules(self) -> list[Rule]:
        """The not-toil rules (engineering, overhead)."""
        return [rule for rule in self.rules if rule.kind == "not-toil"]
