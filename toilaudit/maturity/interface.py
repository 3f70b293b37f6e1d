"""Records of the maturity layer: questions, answers, the assessment and the gate."""

from __future__ import annotations

from dataclasses import dataclass, field

from toilaudit.errors import BankError

LEVELS = {1: "Foundation", 2: "Standardized", 3: "Measured", 4: "Optimized", 5: "Autonomous"}
# Table 3 of the article: what each level of each track looks like, and what AI it unlocks.
PLATFORM_STATE = {1: "Manual provisioning", 2: "Self-service IDP", 3: "Golden paths adopted",
                  4: "Platform-as-product", 5: "Full self-service"}
SRE_STATE = {1: "Reactive ops, no SLOs", 2: "SLOs defined, error budgets", 3: "Toil tracked, burn-rate alerts",
             4: "Blameless culture, SLO-driven", 5: "Proactive reliability"}
AI_READINESS = {1: "Not ready", 2: "Read-only agents", 3: "Shadow mode agents", 4: "Supervised write agents",
                5: "Agentic AI with guardrails"}
TRACKS = ("platform", "sre")
UNKNOWN = "unknown"
# The gate's conditions in the order of the four actions (DOMAIN.md): audit toil; SLOs and error
# budgets; decision provenance and rollback; the trust ladder's shadow period.
GATE_CONDITIONS = ("toil_measured", "slo_defined", "error_budget_policy", "decision_provenance",
                   "rollback_automated", "shadow_period_days")
SHADOW_PERIOD_MIN_DAYS = 30
TOIL_MEASURED_MIN_DAYS = 30


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    """Stable id, e.g. sre.slo-defined; never reused."""
    track: str
    """platform, sre or ai."""
    text: str
    """What the interviewer asks."""
    why: str
    """One line on why it matters, shown under the question."""
    level: int | None = None
    """The Table 3 level it evidences (2-5); None for ai questions."""
    choices: tuple[str, ...] = ()
    """Least to most mature; empty for a number question."""
    kind: str = "choice"
    """"choice" or "number"."""
    met_at: float = 0
    """1-based choice (or the number) from which the answer meets its level."""
    gate: str | None = None
    """The gate condition this answer feeds, if any."""
    evidence: str | None = None
    """A store fact that overrides the answer (toil_measured)."""
    rung: bool = False
    """True for the question that tells the current trust-ladder rung."""


@dataclass(frozen=True, slots=True)
class Bank:
    questions: tuple[Question, ...]
    """All questions, platform track first, then sre, then ai."""

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


@dataclass(frozen=True, slots=True)
class Evidence:
    toil_measured: bool
    """At least 30 days of classified items in the store."""
    days_of_data: int
    """Days between the first and last imported item."""
    items: int
    """Items in the store."""
    toil_percent: float | None = None
    """Toil's share of time, when items exist."""


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: Question
    """The question."""
    answer: str
    """The combined answer (weakest across interviewees) or "unknown"."""
    met: bool
    """Whether it meets its level (evidence considered)."""
    notes: tuple[str, ...] = ()
    """Interviewees' notes."""
    contradiction: str = ""
    """Where the answer and the store disagree, what they say."""


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
    """Whether agentic AI may get write access."""
    failing: tuple[str, ...]
    """Failing conditions, in the order of the four actions."""
    input: dict
    """The OPA input document."""
    engine: str = "regopy"
    """What evaluated the policy."""


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
    gate: GateResult
    """The readiness gate."""
    evidence: Evidence
    """What the store shows."""
    ai_answers: tuple[QuestionResult, ...] = field(default=())
    """The ai track's answers (rung, shadow period, provenance, separate budget)."""
    open_questions: tuple[QuestionResult, ...] = field(default=())
    """Questions answered unknown or not at all."""
    contradictions: tuple[str, ...] = field(default=())
    """Where answers and evidence disagree."""

    @property
    def overall_level(self) -> int:
        """The weaker track: AI readiness follows it (Table 3)."""
        return min(self.platform.level, self.sre.level)

    @property
    def ai_readiness(self) -> str:
        return AI_READINESS[self.overall_level]


class AnswersError(BankError):
    """An answers file is malformed."""
