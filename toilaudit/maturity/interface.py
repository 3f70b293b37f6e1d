"""Records of the maturity layer: questions, answers, evidence, the assessment and the gate."""

from __future__ import annotations

from dataclasses import dataclass, field

from toilaudit.errors import BankError, ToilauditError

LEVELS = {1: "Foundation", 2: "Standardized", 3: "Measured", 4: "Optimized", 5: "Autonomous"}
# Table 3 of the article: what each level of each track looks like, and what AI it unlocks.
PLATFORM_STATE = {1: "Manual provisioning", 2: "Self-service IDP", 3: "Golden paths adopted",
                  4: "Platform-as-product", 5: "Full self-service"}
SRE_STATE = {1: "Reactive ops, no SLOs", 2: "SLOs defined, error budgets", 3: "Toil tracked, burn-rate alerts",
             4: "Blameless culture, SLO-driven", 5: "Proactive reliability"}
AI_READINESS = {1: "Not ready", 2: "Read-only agents", 3: "Shadow mode agents", 4: "Supervised write agents",
                5: "Agentic AI with guardrails"}
TRACKS = ("platform", "sre")
BANK_TRACKS = ("platform", "sre", "ai", "capacity")
UNKNOWN = "unknown"
MAX_NUMBER = 1_000_000  # the most any number question's `max:` may be; beyond it a number is a typo
# The gate's conditions in the order of the four actions (DOMAIN.md): audit toil; SLOs and error
# budgets; decision provenance and rollback; the trust ladder's shadow period.
GATE_CONDITIONS = ("toil_measured", "slo_defined", "error_budget_policy", "decision_provenance",
                   "rollback_automated", "shadow_period_days")
# Every reason a gate can deny, in the same order: Table 3's cap on the rung closes the list, as
# climbing the ladder is Action 4.
REASONS = (*GATE_CONDITIONS, "maturity")
ACTION_OF_REASON = {"toil_measured": 1, "slo_defined": 2, "error_budget_policy": 2, "decision_provenance": 3,
                    "rollback_automated": 3, "shadow_period_days": 4, "maturity": 4}
SHADOW_PERIOD_MIN_DAYS = 30

# The trust ladder, lowest rung first, and the Table 3 level from which each rung is allowed.
RUNGS = ("read-only", "shadow", "supervised-write", "agentic")
GATED_RUNGS = ("shadow", "supervised-write", "agentic")  # what `gate --rung` asks about
RUNG_MIN_LEVEL = {"read-only": 2, "shadow": 3, "supervised-write": 4, "agentic": 5}
RUNG_NAMES = {"read-only": "Read-only", "shadow": "Shadow mode", "supervised-write": "Supervised write",
              "agentic": "Agentic AI with guardrails"}
NO_RUNG = "none"  # no agents (or none allowed)
# The same, inside a sentence: what Table 3 allows at each level, and each rung.
READINESS_PHRASE = {1: "no agents (Not ready)", 2: "read-only agents", 3: "shadow mode agents",
                    4: "supervised write agents", 5: "agentic AI with guardrails"}
RUNG_PHRASE = {"read-only": "read-only agents", "shadow": "shadow mode", "supervised-write": "supervised write",
               "agentic": "agentic AI with guardrails", NO_RUNG: "no agents"}

# Evidence that toil is tracked continuously (DOMAIN.md: Level 3 "Toil tracked").
TOIL_MEASURED_MIN_DAYS = 30
TOIL_MEASURED_MIN_WEEKS = 4
LABELLED_ITEMS_MIN = 30  # a precision figure on fewer labelled items is too uncertain to quote

COMBINE_RULES = ("weakest", "most-advanced", "total")
SOURCE_KINDS = ("table3", "gate", "section")


def same_service(first: str, second: str) -> bool:
    """Service names match in any case (lower case, as the store compares them in SQL): a Jira
    component "Backup" is the PagerDuty service "backup"."""
    return first.lower() == second.lower()


@dataclass(frozen=True, slots=True)
class Source:
    kind: str
    """table3 (a Table 3 cell), gate (a readiness-gate condition) or section (an article section)."""
    text: str
    """The cell's words, the condition's name or the section's title."""

    def describe(self) -> str:
        if self.kind == "table3":
            return f"Table 3: {self.text}"
        if self.kind == "gate":
            return f"gate condition {self.text}"
        return f"article section \"{self.text}\""


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    """Stable id, e.g. sre.slo-defined; never reused."""
    track: str
    """platform, sre, ai or capacity."""
    text: str
    """What the interviewer asks."""
    why: str
    """One line on why it matters, shown under the question (it never names the level tested)."""
    level: int | None = None
    """The Table 3 level it evidences (2-5); None outside the platform and sre tracks."""
    choices: tuple[str, ...] = ()
    """Least to most mature; empty for a number question."""
    kind: str = "choice"
    """"choice" or "number"."""
    maximum: float | None = None
    """For a number question, the largest answer a real organisation could give (`max:` in the bank)."""
    unit: str = ""
    """For a number question, what it counts (days, engineers, hours), for messages."""
    met_at: float = 0
    """1-based choice (or the number) from which the answer meets its level."""
    gate: str | None = None
    """The gate condition this answer feeds, if any."""
    evidence: str | None = None
    """A store fact that overrides the answer (toil_measured)."""
    rung: bool = False
    """True for the question that tells the trust-ladder rung a service is on today."""
    per_service: bool = False
    """Asked once for each service in scope."""
    combine: str = "weakest"
    """How several interviewees' answers combine: weakest (a condition that must hold for every team),
    most-advanced (what already runs somewhere), total (each answers for their own teams)."""
    sources: tuple[Source, ...] = ()
    """Where the question comes from: a Table 3 cell, a gate condition, an article section."""


@dataclass(frozen=True, slots=True)
class Bank:
    questions: tuple[Question, ...]
    """All questions: platform, sre, ai, then capacity."""

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}


@dataclass(frozen=True, slots=True)
class Answer:
    question_id: str
    """Which question."""
    value: str
    """The chosen choice text, a number as text, or "unknown"."""
    note: str = ""
    """The interviewee's optional note."""
    interviewee: str = ""
    """Who answered (several per org are kept apart)."""
    service: str = ""
    """For a per-service question, the service; "" answers for every service in scope."""
    answered_at: str = ""
    """When (ISO date), for the record in the report."""


@dataclass(frozen=True, slots=True)
class Agreement:
    precision: float | None
    """Of the items the classifier calls toil, the share the labels call toil (None: it calls none toil)."""
    recall: float | None
    """Of the items the labels call toil, the share the classifier found (None: none is labelled toil)."""
    f1: float | None
    """Harmonic mean of the two (None: no item is labelled or classified toil)."""
    support: int
    """Labelled items of the organisation compared."""
    origins: tuple[str, ...]
    """Where the labels came from (a labels file and who made it, or labels set in Jira)."""
    groups: int = 0
    """Repetition groups the labels cover (cross-validation holds out whole groups)."""
    too_few_groups: str | None = None
    """Why the labels cover too few groups to speak for the organisation (CrossValidation.thin); None when they do."""


@dataclass(frozen=True, slots=True)
class CategoryToil:
    category: str
    """A toil category of the rule pack."""
    items: int
    """The organisation's toil items in it."""
    hours: float
    """Their hours."""
    largest_group: int
    """Items in its largest repetition group (the same request again)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    toil_measured: bool
    """Toil tracked continuously: 4+ consecutive weeks with items, spanning 30+ days, accuracy measured."""
    days_of_data: int
    """Days between the organisation's first and last item."""
    items: int
    """The organisation's items."""
    toil_percent: float | None = None
    """Toil's share of recorded time, when items exist."""
    consecutive_weeks: int = 0
    """The longest run of consecutive weeks holding items."""
    run_days: int = 0
    """Days spanned by that run."""
    agreement: Agreement | None = None
    """The classifier measured against labels on the organisation's items, if any."""
    shortfalls: tuple[str, ...] = ()
    """Why toil does not count as measured (empty when it does)."""
    toil_by_category: tuple[CategoryToil, ...] = ()
    """The organisation's toil per category, to check answers against."""
    scope: str = ""
    """Which items are the organisation's: all items in the store, or those of its services."""


@dataclass(frozen=True, slots=True)
class Capacity:
    engineers: float
    """Engineers who carry operations work (summed over interviewees)."""
    hours_per_week: float
    """Their working hours a week each (weighted by engineers)."""

    @property
    def weekly_hours(self) -> float:
        return self.engineers * self.hours_per_week


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: Question
    """The question."""
    answer: str
    """The combined answer (by the question's rule) or "unknown"."""
    met: bool
    """Whether it meets its level (evidence considered)."""
    notes: tuple[str, ...] = ()
    """Interviewees' notes."""
    contradiction: str = ""
    """Where the answer and the store disagree, what they say."""
    service: str = ""
    """The service, for a per-service question."""


@dataclass(frozen=True, slots=True)
class LevelResult:
    level: int
    """2-5."""
    name: str
    """Level name."""
    questions_met: bool
    """Its own questions are all met."""
    holds: bool
    """Met and every level below holds."""
    questions: tuple[QuestionResult, ...]
    """The questions evidencing it."""


@dataclass(frozen=True, slots=True)
class TrackResult:
    track: str
    """platform or sre."""
    level: int
    """Highest level that holds (1 if none above Foundation)."""
    levels: tuple[LevelResult, ...]
    """Levels 2-5."""


@dataclass(frozen=True, slots=True)
class GateResult:
    allow: bool
    """Whether the service may move to the rung: the article's conditions AND Table 3."""
    failing: tuple[str, ...]
    """Every reason it may not, in the order of the four actions (maturity last)."""
    input: dict
    """The OPA input document."""
    engine: str = "regopy"
    """What evaluated the policy."""

    @property
    def rung(self) -> str:
        return self.input.get("rung", "agentic")

    @property
    def service(self) -> str:
        return self.input.get("service", "")


@dataclass(frozen=True, slots=True)
class ServiceResult:
    service: str
    """The service's name (a PagerDuty service, a Jira component, or one named with --service)."""
    current_rung: str
    """What agents do on it today (most advanced answer): a rung of RUNGS or "none"."""
    allowed_rung: str
    """The highest rung the gate allows it (read-only when Table 3 allows it; "none" below)."""
    gates: tuple[GateResult, ...]
    """The gate for each gated rung: shadow, supervised-write, agentic."""
    answers: tuple[QuestionResult, ...]
    """Its per-service answers."""
    shadow_days_claimed: int = 0
    """Days of shadow mode answered, before the accuracy threshold is considered."""

    def gate_for(self, rung: str) -> GateResult:
        return next(g for g in self.gates if g.rung == rung)

    @property
    def gate(self) -> GateResult:
        """Its verdict for agentic AI, the rung `gate` asks about by default."""
        return self.gate_for("agentic")


@dataclass(frozen=True, slots=True)
class Assessment:
    org: str
    """The organisation assessed."""
    interviewees: tuple[str, ...]
    """Whose answers were combined."""
    platform: TrackResult
    """Platform track."""
    sre: TrackResult
    """SRE track."""
    services: tuple[ServiceResult, ...]
    """Each service in scope with its rungs and gates."""
    evidence: Evidence
    """What the store shows for this organisation."""
    capacity: Capacity | None = None
    """Engineers carrying operations work and their hours, when answered."""
    ai_answers: tuple[QuestionResult, ...] = field(default=())
    """The organisation-wide ai answers (AI error budget, LLMOps telemetry)."""
    open_questions: tuple[QuestionResult, ...] = field(default=())
    """Questions answered unknown or not at all."""
    contradictions: tuple[str, ...] = field(default=())
    """Where answers and data disagree (the data wins)."""
    answers: tuple[Answer, ...] = field(default=())
    """Every answer given, by whom and when, for the record."""

    @property
    def overall_level(self) -> int:
        """The weaker track: AI readiness follows it (Table 3)."""
        return min(self.platform.level, self.sre.level)

    @property
    def ai_readiness(self) -> str:
        return AI_READINESS[self.overall_level]

    @property
    def gate(self) -> GateResult:
        """The organisation's verdict for agentic AI: allowed only if every service is allowed."""
        return self.gate_for("agentic")

    def gate_for(self, rung: str, service: str | None = None) -> GateResult:
        """One service's gate, or the organisation's: every reason any service fails, in order."""
        if service is not None:
            return self.service(service).gate_for(rung)
        gates = [s.gate_for(rung) for s in self.services]
        failing = {reason for g in gates for reason in g.failing}
        ordered = tuple(reason for reason in REASONS if reason in failing)
        document = dict(gates[0].input) if len(gates) == 1 else {}
        return GateResult(allow=bool(gates) and all(g.allow for g in gates), failing=ordered, input=document,
                          engine=gates[0].engine if gates else "regopy")

    def service(self, name: str) -> ServiceResult:
        for result in self.services:
            if same_service(result.service, name):
                return result
        known = ", ".join(s.service for s in self.services) or "none"
        raise ToilauditError(f"gate: no service {name!r} in scope (services: {known}) - pass one of them to --service")


class AnswersError(BankError):
    """An answers file is malformed."""
