"""The report's one view model, built from the store and the assessment.

HTML, PDF and JSON all render this object and nothing else, so their figures cannot disagree.
Every figure here is computed from the organisation's stored items and their classifications
(see the appendix's method section), every verdict from the assessment `gate` also prints, and
the ordering of every list is stable: the same inputs give the same report.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from toilaudit import __version__
from toilaudit.classify.accuracy import corpus_accuracy
from toilaudit.classify.evaluate import shown_figure, undefined_figures
from toilaudit.classify.model import shipped_model
from toilaudit.maturity.bank import load_bank
from toilaudit.maturity.evidence import board_words
from toilaudit.maturity.history import Snapshot, compare, snapshot_content
from toilaudit.maturity.interface import (
    AI_READINESS,
    LEVELS,
    NO_RUNG,
    PLATFORM_STATE,
    READINESS_PHRASE,
    RUNG_MIN_LEVEL,
    RUNG_NAMES,
    RUNG_PHRASE,
    RUNGS,
    SRE_STATE,
    Agreement,
    Assessment,
)
from toilaudit.maturity.output import condition_names
from toilaudit.maturity.scope import Scope
from toilaudit.period import DAY, Period, day
from toilaudit.report.actions import ActionView, build_actions
from toilaudit.report.ask import (
    Assumptions,
    assumption_rows,
    budgeted,
    cost_candidate,
    rank_by_return,
)
from toilaudit.report.charts import (
    BarChart,
    BucketFigures,
    Gauge,
    TrendChart,
    bar_chart,
    buckets,
    chart_unit,
    gauge,
    trend_chart,
)
from toilaudit.report.plan import Plan
from toilaudit.report.risks import Risk, find_risks
from toilaudit.report.words import asked, clip_words
from toilaudit.store import Store
from toilaudit.summary import (
    GOOGLE_CAP_PERCENT,
    INDUSTRY_PERCENT_2026,
    CapacityShare,
    Figures,
    Summary,
    breakdown,
    capacity_share,
    choose_period,
    hour_estimates,
    people_by_toil,
    pseudonyms,
    summarise,
    time_settings,
)

ARTICLE = "SRE for AI Agents: Error Budgets, Trust, and 90 Trials"
# What the report prints of any imported or user-given string. WeasyPrint breaks lines in
# quadratic time on a long unbroken word (a 10,000-character title took 471 s), and a long team
# name pushed the table's figures off the page; nobody reads past these lengths on paper.
TITLE_CHARS = 160
NAME_CHARS = 60
LINE_CHARS = 200
CATEGORY_BARS = 9  # and one "other" bar that keeps the total true
CANDIDATES_SHOWN = 10
TABLE_ROWS = 10  # a board table shows its top entries and one "other (N)" row that keeps the totals true
PEOPLE_ROWS = 8  # the toil pages hold the people table beside the candidates
ESTIMATE_ROWS = 10
SERVICE_ROWS = 12  # beyond this, services with the same verdicts share a row
NAMES_LISTED = 6  # services named in a sentence before "and N more"
# The executive summary is one page: its variable lines are bounded (characters), so that neither a
# long service name nor many changes since the previous assessment push its end onto a page of its own.
# render.render_pdf checks the page all the same, and shortens it further where it would not fit.
RISK_TITLE_CHARS = 110  # one line
RISK_CHARS = 260  # three lines
CHANGES_CHARS = 250  # two lines of small print
CHANGES_CHARS_SHORT = 115  # one
SUMMARY_FORMS = 4  # the executive summary's forms, each shorter than the one before (ReportModel.summary_form)
HOLD_NAMES_CHARS = 90  # the services named in the ask's "limit the agents that run beyond it on ..."
MOSTLY_ESTIMATED_PERCENT = 50  # below this share of measured hours the headline says the hours are estimates

TRUST_LADDER = (  # rung, what it allows, its Kubernetes role
    ("read-only", "Agents observe: dashboards, summaries, search. A role with get, list and watch only.",
     "ai-agent-readonly"),
    ("shadow", "Agents propose, people act; proposals are compared with what people did for 30+ days, against an "
               "accuracy threshold written down first.", "ai-agent-readonly"),
    ("supervised-write", "Agents act after approval, on a named canary deployment only.", "ai-agent-scoped-write"),
    ("agentic", "Agents act within guardrails; the readiness gate and the AI error budget can revoke access.",
     "ai-agent-production-write"),
)
GUARDRAILS = (  # what is delivered beside the report, in board words
    "Prometheus rules: separate indicators for AI-authored and human deploys (targets 0.995 and 0.990) and the "
    "14.4x burn-rate alert.",
    "Kubernetes roles for each rung of the trust ladder, and each service's binding to the rung the gate allows it.",
    "The readiness policy in Rego, and each service's input document for it.",
)
GLOSSARY = (
    ("Toil", "Operational work that is manual, repetitive, automatable, tactical, of no enduring value, and grows "
             "with the service (Google SRE book, ch. 5)."),
    ("Capacity", "The working hours of the engineers who carry operations work; Google's cap and the industry "
                 "figure are shares of it."),
    ("SLO / SLI", "Service level objective: a target on a service level indicator that users care about."),
    ("Error budget", "The unreliability an SLO allows (1 - target); spending it changes priorities."),
    ("Burn rate", "How fast the error budget is spent; 14.4x for an hour spends 2% of a 30-day budget."),
    ("Shadow mode", "An agent proposes actions that people carry out, so its errors are seen before it acts."),
    ("Decision provenance", "Each agent action linked to its inputs, reasoning and authorization."),
    ("Readiness gate", "The article's Rego policy (six conditions, default deny) joined with the rung Table 3 allows "
                       "at the assessed maturity, evaluated for each service."),
    ("Repetition group", "Items whose titles share a template once hosts, ids, names and numbers are masked."),
    ("Payback", "Months until the toil hours an action saves have paid for its effort."),
)


@dataclass(frozen=True, slots=True)
class CapacityView:
    engineers: float
    hours_per_week: float
    weeks: float
    capacity_hours: float
    toil_percent: float
    """Toil's share of capacity: the one figure set against the cap and the industry's 34%."""
    recorded_percent: float
    """How much of the capacity tickets and pages record."""
    verdict: str
    """Where toil's share of capacity stands against the two figures; "" where the records cannot say."""
    people_over_cap: int
    comparable: bool
    """The records say where toil stands against the two figures (CapacityShare.verdict): false where
    they record too little of the engineers' time for its floor to mean anything."""
    most_percent: float
    """The most toil can be of capacity, were every unrecorded hour toil."""
    span: str = ""
    """The time capacity is counted over, to the day ("51 weeks and 5 days"): `weeks` rounded would not multiply out."""


@dataclass(frozen=True, slots=True)
class RangeView:
    estimate: float
    """Toil's share of recorded time, 0-100, corrected for the classifier's errors."""
    low: float
    high: float
    accuracy_from: str
    """Where the precision and recall used come from, for people."""


@dataclass(frozen=True, slots=True)
class ClassifierView:
    model: str
    """The model's version."""
    corpus_items: int
    corpus_organisations: int
    corpus_f1: float
    """F1 on the corpus's organisations, each left out of training."""
    corpus_f1_balanced: float
    """The same at 50% toil."""
    labels_by: str


@dataclass(frozen=True, slots=True)
class Headline:
    period: str
    """The period every figure here counts."""
    toil_percent: float
    """Toil's share of the time recorded in tickets and pages (not compared with the cap)."""
    toil_hours: float
    total_hours: float
    measured_percent: float
    toil_hours_per_month: float
    cost_per_month: float
    currency: str
    hourly_rate: float
    items: int
    toil_items: int
    capacity: CapacityView | None
    toil_range: RangeView | None = None
    """The recorded-time share corrected for the classifier's measured errors, with its 90% interval."""
    estimated_items: int = 0
    """Items whose hours are the category's estimate: no time was logged for them."""
    mostly_estimated: bool = False
    """Under half the hours were measured: the headline says so where the figures stand."""
    hours_note: str = ""
    """Where the hours come from, in words set beside the figures."""
    google_cap_percent: int = GOOGLE_CAP_PERCENT
    industry_percent: int = INDUSTRY_PERCENT_2026


@dataclass(frozen=True, slots=True)
class Cover:
    status: str
    owner: str
    classification: str


@dataclass(frozen=True, slots=True)
class Table3Row:
    level: int
    name: str
    platform_state: str
    sre_state: str
    ai_readiness: str
    platform_here: bool
    sre_here: bool


@dataclass(frozen=True, slots=True)
class NextLevel:
    track: str
    level: str
    needs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    items: int
    toil_items: int
    toil_hours: float
    total_hours: float
    toil_percent: float
    other: bool = False
    """The row that folds the smaller entries together, so the table's totals stay true."""


@dataclass(frozen=True, slots=True)
class PersonRow:
    name: str
    items: int
    toil_hours: float
    toil_percent_of_recorded: float
    """Toil's share of the time recorded on their tickets and pages (not compared with the cap)."""
    percent_of_capacity: float | None
    """Their toil as a share of their working time, when capacity is known."""
    over_cap: bool
    """Over Google's 50% of their time."""
    other: bool = False
    """The row that folds everyone else together."""
    unassigned: bool = False
    """The row of the items assigned to no one ("(unassigned)"): no person, so not set against the cap."""


@dataclass(frozen=True, slots=True)
class CandidateView:
    rank: int
    """By return: toil hours saved a month per person-week."""
    category: str
    template: str
    example_title: str
    items: int
    """Items of the group in the period."""
    hours: float
    """Their hours."""
    source: str
    hours_saved_per_month: float
    effort_person_weeks: float
    hours_saved_per_person_week: float
    """Its return: what the ranking is by."""
    payback_months: float
    budgeted: bool
    """In the roadmap's budget."""
    action: int
    items_all: int = 0
    """Items of the group in the whole store, whatever their date: the repetition behind it."""


@dataclass(frozen=True, slots=True)
class Decision:
    number: int
    """The action number."""
    text: str
    effort_person_weeks: float
    cost: float
    hours_saved_per_month: float
    payback_months: float | None
    owner: str
    target: str


@dataclass(frozen=True, slots=True)
class AutomationTotal:
    request_types: int
    """Automation candidates budgeted."""
    effort_person_weeks: float
    cost: float
    hours_saved_per_month: float
    payback_months: float | None


@dataclass(frozen=True, slots=True)
class RungView:
    key: str
    name: str
    description: str
    role: str
    table3_allows: bool
    """Table 3 allows this rung at the assessed maturity."""
    services_today: tuple[str, ...]
    """Services whose agents are on this rung today."""
    services_allowed: tuple[str, ...]
    """Services for which this is the highest rung the gate allows."""
    today_text: str = ""
    """services_today for a sentence: a few names, then "and N more"."""
    allowed_text: str = ""
    """services_allowed for a sentence."""


@dataclass(frozen=True, slots=True)
class RungVerdict:
    rung: str
    allow: bool


@dataclass(frozen=True, slots=True)
class ServiceView:
    name: str
    current_rung: str
    """What agents do on it today (a rung name or "none")."""
    allowed_rung: str
    """The highest rung the gate allows it."""
    gate_allow: bool
    """The gate's verdict for agentic AI (the default rung)."""
    gate_failing: tuple[str, ...]
    """Every reason it denies agentic AI, in the order of the four actions."""
    verdicts: tuple[RungVerdict, ...]
    """The gate's verdict for each rung."""
    shadow_days: int
    """Days of shadow mode the gate counts."""
    above_allowed: bool
    """Agents run beyond what the gate allows."""


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """One row of the board's services table: one service, or several with the same rungs and verdicts."""

    name: str
    """The service, or a few names and "and N more"."""
    services: int
    current_rung: str
    allowed_rung: str
    verdicts: tuple[RungVerdict, ...]
    gate_failing: tuple[str, ...]
    above_allowed: bool

    @property
    def gate_failing_words(self) -> tuple[str, ...]:
        return condition_names(self.gate_failing, short=True)


@dataclass(frozen=True, slots=True)
class SourceView:
    name: str
    items: int
    """Items in scope (the organisation's services), whatever their date."""
    first: str
    last: str
    inputs: tuple[str, ...]
    period_items: int = 0
    """Of them, created in the report's period."""
    imported: int = 0
    """Every item of the source imported, whatever its service: more than `items` when the
    organisation named its services."""


@dataclass(frozen=True, slots=True)
class EstimateRow:
    category: str
    kind: str
    """toil or other work."""
    items: int
    hours_each: str
    """The estimate of one item, or its range (pages add the interruption)."""
    hours: float
    other: bool = False


@dataclass(frozen=True, slots=True)
class EvaluationView:
    figures: str
    """"precision 0.91, recall 0.88, F1 0.89", with "n/a" and why for a figure the labels cannot measure."""
    support: int
    labels_from: tuple[str, ...]
    groups: int = 0
    """Repetition groups the labels cover."""
    too_few_groups: str | None = None
    """Why the figures speak for a few requests only; None when the labels reach far enough."""


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    question_id: str
    service: str
    """The service a per-service answer is about ("all" for every service); "" for other questions."""
    answer: str
    note: str
    interviewee: str
    answered_on: str


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    id: str
    service: str
    text: str


@dataclass(frozen=True, slots=True)
class ChangeView:
    what: str
    before: str
    now: str
    changed: bool


@dataclass(frozen=True, slots=True)
class ReportModel:
    org: str
    report_date: str
    assessed_by: str
    tool_version: str
    article: str
    cover: Cover
    sources: tuple[SourceView, ...]
    period: str
    """The period the figures count, with why it was chosen and how much of it the data covers."""
    period_label: str
    """Its name alone, for headings."""
    evidence_note: str
    """What the items outside the period still count for."""
    headline: Headline
    overall_level: str
    platform_level: str
    sre_level: str
    ai_readiness: str
    table3_allows: str
    """What Table 3 allows at the assessed maturity, inside a sentence."""
    gate_allow: bool
    """Agentic AI allowed on every service in scope."""
    gate_failing: tuple[str, ...]
    gate_failing_words: tuple[str, ...]
    """The same conditions in a few words each, for the board's text."""
    services_allowed: int
    risks: tuple[Risk, ...]
    previous_date: str | None
    changes: tuple[ChangeView, ...]
    changes_line: str
    """What changed since the previous assessment, in one sentence of at most CHANGES_CHARS for the
    executive summary; "" where there is no previous assessment."""
    changes_line_short: str
    """The same in at most CHANGES_CHARS_SHORT, for its shorter forms."""
    table3: tuple[Table3Row, ...]
    next_levels: tuple[NextLevel, ...]
    contradictions: tuple[str, ...]
    by_team: tuple[Row, ...]
    """The teams with the most toil and one "other (N teams)" row."""
    teams_total: Row
    by_category: tuple[Row, ...]
    by_person: tuple[PersonRow, ...]
    people_over_cap: tuple[str, ...]
    candidates: tuple[CandidateView, ...]
    decisions: tuple[Decision, ...]
    total_effort_person_weeks: float
    total_cost: float
    automation: AutomationTotal
    """The part of the ask that removes toil; the rest are controls the gate requires."""
    hold_decision: str
    actions: tuple[ActionView, ...]
    rungs: tuple[RungView, ...]
    services: tuple[ServiceView, ...]
    service_rows: tuple[ServiceRow, ...]
    """The services table: one row a service, or a row for services with the same verdicts when many."""
    gate_inputs: tuple[tuple[str, dict], ...]
    """Each service's input document for the Rego policy (agentic rung), as `gate --format opa-input`."""
    rule_pack: str
    evaluation: EvaluationView | None
    classifier: ClassifierView
    """The shipped model and how it was measured on the labelled corpus."""
    evidence_scope: str
    estimates: tuple[EstimateRow, ...]
    """The per-category estimates behind the hours no source measured, most hours first."""
    estimate_basis: str
    assumptions: tuple[tuple[str, str], ...]
    interview: tuple[AnswerRecord, ...]
    open_questions: tuple[OpenQuestion, ...]
    guardrails: tuple[str, ...]
    glossary: tuple[tuple[str, str], ...]
    trend: TrendChart
    trend_title: str
    trend_note: str
    category_chart: BarChart
    toil_gauge: Gauge | None
    names_shown: bool = False
    summary_form: int = 0
    """The executive summary's form: 0 in full; 1 the changes in a line; 2 also without the note on
    what the figures count (the appendix repeats it); 3 also each risk in a line. render_pdf takes
    the first that fits its one page."""

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, marked with an ellipsis where cut."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _row(name: str, f: Figures, other: bool = False) -> Row:
    return Row(clip(name, NAME_CHARS), f.items, f.toil_items, round(f.toil_hours, 1), round(f.total_hours, 1),
               f.toil_percent, other)


def _added(figures: list[Figures]) -> Figures:
    return Figures(sum(f.items for f in figures), sum(f.toil_items for f in figures),
                   sum(f.toil_hours for f in figures), sum(f.total_hours for f in figures),
                   sum(f.measured_hours for f in figures), sum(f.measured_items for f in figures))


def _by_toil(figures: dict[str, Figures]) -> list[tuple[str, Figures]]:
    return sorted(figures.items(), key=lambda pair: (-round(pair[1].toil_hours, 1), pair[0]))


def _rows(figures: dict[str, Figures]) -> tuple[Row, ...]:
    return tuple(_row(name, f) for name, f in _by_toil(figures))


def _top_rows(figures: dict[str, Figures], noun: str) -> tuple[Row, ...]:
    """The TABLE_ROWS entries with the most toil, then one "other (N nouns)" row holding the rest."""
    ranked = _by_toil(figures)
    if len(ranked) <= TABLE_ROWS + 1:  # folding a single row into "other (1)" would hide a name for nothing
        return tuple(_row(name, f) for name, f in ranked)
    shown, rest = ranked[:TABLE_ROWS], ranked[TABLE_ROWS:]
    return (*(_row(name, f) for name, f in shown),
            _row(f"other ({len(rest):,} {noun})", _added([f for _, f in rest]), other=True))


def _scrub(text: str, names: dict[str, str]) -> str:
    """Replace known people's names in free text (a title naming its requester) with their pseudonym."""
    for name in sorted(names, key=len, reverse=True):
        if len(name) >= 3:
            text = re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w])", names[name], text, flags=re.IGNORECASE)
    return text


def _capacity_view(share: CapacityShare | None) -> CapacityView | None:
    if share is None:
        return None
    verdict = share.verdict()
    return CapacityView(share.engineers, share.hours_per_week, round(share.weeks, 1), round(share.capacity_hours),
                        share.toil_percent, share.recorded_percent, verdict or "", len(share.people_over_cap),
                        verdict is not None, share.most_percent, share.span)


def _hours_note(total: Figures) -> str:
    """Where the hours come from, to be said beside the figures that rest on them."""
    if not total.items:
        return ""
    if not total.measured_items:
        return f"estimated from {total.items:,} items; no time was logged"
    if total.measured_percent < MOSTLY_ESTIMATED_PERCENT:
        return (f"mostly estimated: time was logged on {total.measured_items:,} of {total.items:,} items "
                f"({total.measured_percent}% of the hours)")
    if total.measured_items == total.items:
        return "every hour measured by Jira or PagerDuty"
    return f"{total.measured_percent}% of the hours measured by Jira or PagerDuty, the rest estimated"


def _headline(summary: Summary, period: Period | None, capacity: CapacityView | None, hourly_rate: float,
              currency: str) -> Headline:
    total = summary.total
    months = period.months if period else 1.0
    toil_per_month = total.toil_hours / months if total.items else 0.0
    r = summary.toil_range
    return Headline(
        period=period.label if period else "no items imported",
        toil_percent=total.toil_percent, toil_hours=round(total.toil_hours, 2), total_hours=round(total.total_hours, 2),
        measured_percent=total.measured_percent, toil_hours_per_month=round(toil_per_month, 1),
        cost_per_month=round(toil_per_month * hourly_rate), currency=clip(currency, 12), hourly_rate=hourly_rate,
        items=total.items, toil_items=total.toil_items, capacity=capacity,
        toil_range=RangeView(r.estimate, r.low, r.high, r.measured_on) if r else None,
        estimated_items=total.estimated_items,
        mostly_estimated=bool(total.items) and total.measured_percent < MOSTLY_ESTIMATED_PERCENT,
        hours_note=_hours_note(total),
    )


def build_report(
    store: Store,
    assessment: Assessment,
    scope: Scope,
    report_date: date,
    assumptions: Assumptions,
    plan: Plan,
    hourly_rate: float = 100.0,
    currency: str = "USD",
    show_names: bool = False,
    assessor: str | None = None,
    previous: Snapshot | None = None,
    period: Period | None = None,
) -> ReportModel:
    """The view model. `period` (default: the last 12 full months of the data) narrows every figure;
    the evidence (repetition groups, toil tracking, the classifier's accuracy) counts every date."""
    services = scope.item_services
    if period is None and scope.attributable:
        period = choose_period(store, None, services, "report")
    summary = summarise(store, "category", top=50, services=services, period=period)
    total = summary.total
    share = None
    if assessment.capacity is not None and total.items:
        share = capacity_share(store, summary, assessment.capacity.engineers, assessment.capacity.hours_per_week,
                               services)
    names = {} if show_names else pseudonyms(_people_order(store, services, period))
    months = period.months if period else 1.0
    capacity = _capacity_view(share)
    headline = _headline(summary, period, capacity, hourly_rate, currency)

    # automation candidates: repetition groups (over the whole store), costed on the period's hours
    groups = [c for c in summary.candidates if c.items_all >= 3]
    costed = rank_by_return([cost_candidate(assumptions, c.group_id, c.category, c.hours, months) for c in groups])
    budget = budgeted(assumptions, costed)
    budget_ids = {c.group_id for c in budget}
    by_group = {c.group_id: c for c in groups}
    templates = {c.group_id: clip(_scrub(c.template, names), TITLE_CHARS) for c in groups}
    examples = {c.group_id: clip(_scrub(c.example_title, names), TITLE_CHARS) for c in groups}
    candidates = tuple(
        CandidateView(rank, clip(c.category, NAME_CHARS), templates[c.group_id], examples[c.group_id],
                      by_group[c.group_id].items, round(by_group[c.group_id].hours, 1), by_group[c.group_id].source,
                      round(c.hours_saved_per_month, 1), c.effort_person_weeks,
                      round(c.return_per_person_week, 3), c.payback_months,
                      c.group_id in budget_ids, c.action, by_group[c.group_id].items_all)
        for rank, c in enumerate(costed[:CANDIDATES_SHOWN], 1)
    )
    actions = build_actions(assessment, assumptions, budget, examples, hourly_rate, plan,
                            _period_sentence(headline, capacity))
    service_views = _services(assessment)
    decisions, hold = _decisions(actions, service_views, assessment)
    effort = round(sum(a.effort_person_weeks for a in actions), 1)
    cost = round(sum(a.cost for a in actions))
    automation = _automation_total(budget, assumptions, hourly_rate)

    by_category = _rows(summary.breakdown)
    top = candidates[0] if candidates else None
    current = snapshot_content(assessment, total.toil_percent if total.items else None,
                               share.toil_percent if share else None, period.label if period else None)
    changes = compare(previous.content, current) if previous else ()
    # shares of capacity only where the records can set toil against the cap (CapacityShare.verdict)
    comparable = share if capacity is not None and capacity.comparable else None
    trend, trend_title, trend_note = _trend(store, services, period, comparable)
    return ReportModel(
        org=clip(assessment.org, NAME_CHARS * 2),
        report_date=report_date.isoformat(),
        assessed_by=clip(assessor or _interviewees(assessment), LINE_CHARS),
        tool_version=__version__,
        article=ARTICLE,
        cover=Cover(plan.status, plan.owner, plan.classification),
        sources=_sources(store, summary, services),
        period=period.described if period else "no items imported",
        period_label=headline.period,
        evidence_note=_evidence_note(assessment, period, total.items),
        headline=headline,
        overall_level=LEVELS[assessment.overall_level],
        platform_level=LEVELS[assessment.platform.level],
        sre_level=LEVELS[assessment.sre.level],
        ai_readiness=assessment.ai_readiness,
        table3_allows=READINESS_PHRASE[assessment.overall_level],
        gate_allow=assessment.gate.allow,
        gate_failing=assessment.gate.failing,
        gate_failing_words=condition_names(assessment.gate.failing),
        services_allowed=sum(1 for s in service_views if s.gate_allow),
        risks=tuple(Risk(clip_words(r.title, RISK_TITLE_CHARS), clip_words(r.detail, RISK_CHARS))
                    for r in find_risks(summary, assessment, share, total.measured_percent,
                                        (top.category, top.items, top.hours, top.example_title) if top else None)),
        previous_date=previous.assessed_at if previous else None,
        changes=tuple(ChangeView(c.what, c.before, c.now, c.changed) for c in changes),
        changes_line=_changes_line(previous.assessed_at, changes, CHANGES_CHARS) if previous else "",
        changes_line_short=_changes_line(previous.assessed_at, changes, CHANGES_CHARS_SHORT) if previous else "",
        table3=tuple(
            Table3Row(level, LEVELS[level], PLATFORM_STATE[level], SRE_STATE[level], AI_READINESS[level],
                      assessment.platform.level == level, assessment.sre.level == level)
            for level in range(1, 6)
        ),
        next_levels=_next_levels(assessment),
        contradictions=tuple(clip(asked(board_words(c, assessment.evidence)), LINE_CHARS * 2)
                             for c in assessment.contradictions),
        by_team=_top_rows(breakdown(store, "team", services, period), "teams"),
        teams_total=_row("All teams", total),
        by_category=by_category,
        by_person=_people(store, services, names, share, period),
        people_over_cap=tuple(names.get(p.name, p.name) for p in share.people_over_cap) if share else (),
        candidates=candidates,
        decisions=decisions,
        total_effort_person_weeks=effort,
        total_cost=cost,
        automation=automation,
        hold_decision=hold,
        actions=actions,
        rungs=_rungs(assessment),
        services=service_views,
        service_rows=_service_rows(service_views),
        gate_inputs=tuple((s.service, dict(s.gate.input)) for s in assessment.services),
        rule_pack=", ".join(summary.rule_pack_versions) or "none",
        evaluation=_evaluation(assessment),
        classifier=_classifier(),
        evidence_scope=assessment.evidence.scope,
        estimates=_estimates(store, services, period),
        estimate_basis=_estimate_basis(store),
        assumptions=assumption_rows(assumptions),
        interview=_interview(assessment),
        open_questions=tuple(OpenQuestion(r.question.id, r.service, r.question.text)
                             for r in assessment.open_questions),
        guardrails=GUARDRAILS,
        glossary=GLOSSARY,
        trend=trend,
        trend_title=trend_title,
        trend_note=trend_note,
        category_chart=_category_chart(by_category),
        toil_gauge=gauge(comparable.toil_percent, INDUSTRY_PERCENT_2026, GOOGLE_CAP_PERCENT) if comparable else None,
        names_shown=show_names,
    )


def _automation_total(budget, assumptions: Assumptions, hourly_rate: float) -> AutomationTotal:
    effort = round(sum(c.effort_person_weeks for c in budget), 1)
    saved = round(sum(c.hours_saved_per_month for c in budget), 1)
    hours = effort * assumptions.hours_per_person_week
    return AutomationTotal(len(budget), effort, round(hours * hourly_rate), saved,
                           round(hours / saved, 1) if saved else None)


def _interviewees(assessment: Assessment) -> str:
    dates = sorted({a.answered_at for a in assessment.answers if a.answered_at})
    who = ", ".join(assessment.interviewees) or "not recorded"
    if not dates:
        return who
    return f"{who} ({dates[0]}{f' to {dates[-1]}' if dates[-1] != dates[0] else ''})"


def _people_order(store: Store, services, period: Period | None) -> list[str]:
    """Everyone, most toil hours in the period first: pseudonyms follow the period's table, and people
    seen only outside it are still pseudonymised wherever a title names them."""
    in_period = people_by_toil(store, services, period)
    return in_period + [name for name in people_by_toil(store, services) if name not in set(in_period)]


def _period_sentence(headline: Headline, capacity: CapacityView | None) -> str:
    if not headline.items:
        return ""
    of_capacity = ""
    if capacity and capacity.comparable:
        of_capacity = f" and {capacity.toil_percent}% of the capacity of the engineers who carry operations work"
    elif capacity:
        of_capacity = (f" (recorded toil alone is {capacity.toil_percent}% of the engineers' capacity, a floor: "
                       f"tickets and pages record {capacity.recorded_percent}% of their time)")
    return (f"In {headline.period}, toil is {headline.toil_percent}% of the time recorded in "
            f"{headline.items:,} tickets and pages{of_capacity}.")


def _evidence_note(assessment: Assessment, period: Period | None, counted: int) -> str:
    """Items outside the period count as evidence only; say so, apart from the figures."""
    evidence = assessment.evidence
    if period is None or evidence.items <= counted:
        return ""
    return (f"All {evidence.items:,} of the organisation's tickets and pages, from {day(period.data_start)} to "
            f"{day(period.data_end - DAY)}, count as evidence: they form the repetition groups and show whether "
            "toil is tracked.")


BY_UNIT = {"week": "Toil week by week", "month": "Toil month by month", "quarter": "Toil quarter by quarter",
           "year": "Toil year by year"}


def _trend(store: Store, services, period: Period | None,
           share: CapacityShare | None) -> tuple[TrendChart, str, str]:
    """The period's toil and other work, one bar a week, month, quarter or year: whichever keeps the
    chart to MAX_BARS bars. A bar is partial (hatched, *) where the data covers only part of it."""
    references = (("industry 34%", INDUSTRY_PERCENT_2026), ("Google's cap 50%", GOOGLE_CAP_PERCENT))
    if period is None:
        return trend_chart([], references), BY_UNIT["month"], ""
    first, end = period.covered_start, period.covered_end
    unit = chart_unit(first, end)
    weekly = share.engineers * share.hours_per_week if share else None
    figures = breakdown(store, unit, services, period)
    bars = []
    for start, following in buckets(unit, first, end):
        f = figures.get(start.strftime("%Y-%m-%d" if unit != "month" else "%Y-%m"))
        days = (min(following, end) - max(start, first)) / DAY
        partial = days < (following - start) / DAY
        bars.append(BucketFigures(start.strftime("%Y-%m-%d"), f.toil_hours if f else 0.0,
                                  f.total_hours - f.toil_hours if f else 0.0, partial,
                                  weekly * days / 7 if weekly else None))
    chart = trend_chart(bars, references, bar_unit=unit)
    note = ""
    if any(b.partial for b in bars):  # say why: the data begins or ends inside a bar, or the period does
        reasons = [period.coverage] if period.coverage else []
        if bars[0].start != period.start.strftime("%Y-%m-%d") or (bars[-1].partial and not period.coverage):
            reasons.append(f"the period runs from {day(period.start)} to {day(period.end - DAY)}")
        note = f"* Partial {unit}: {'; '.join(reasons)}."
    return chart, BY_UNIT[unit], note  # the chart prints the period itself


def _category_chart(rows: tuple[Row, ...]) -> BarChart:
    """The biggest categories and one "other" bar, so the bars add up to all the toil."""
    toil = [r for r in rows if r.toil_hours > 0]
    count = CATEGORY_BARS if len(toil) > CATEGORY_BARS + 1 else CATEGORY_BARS + 1  # never "other (1)"
    shown = [(r.name, r.toil_hours) for r in toil[:count]]
    rest = toil[count:]
    label = None
    if rest:
        label = f"other ({len(rest)} categories)"
        shown.append((label, round(sum(r.toil_hours for r in rest), 1)))
    return bar_chart(shown, other_label=label)


def _people(store: Store, services, names: dict[str, str], share: CapacityShare | None,
            period: Period | None) -> tuple[PersonRow, ...]:
    """The people with the most toil in the period, one row for everyone else, and last the items
    assigned to no one: credited to nobody, not to their reporter (a requester or a bot)."""
    one_person = share.hours_per_week * share.weeks if share else 0
    ranked = _by_toil(breakdown(store, "person", services, period))
    nobody = [(name, f) for name, f in ranked if name.startswith("(")]  # "(unassigned)", as store.schema names it
    ranked = [(name, f) for name, f in ranked if not name.startswith("(")]
    room = PEOPLE_ROWS - len(nobody)  # the table keeps its length
    shown, rest = (ranked, []) if len(ranked) <= room + 1 else (ranked[:room], ranked[room:])
    rows = []
    for name, f in shown:
        percent = round(100 * f.toil_hours / one_person, 1) if one_person else None
        rows.append(PersonRow(clip(names.get(name, name), NAME_CHARS), f.items, round(f.toil_hours, 1), f.toil_percent,
                              percent,
                              percent is not None and percent > GOOGLE_CAP_PERCENT))
    if rest:
        f = _added([f for _, f in rest])
        rows.append(PersonRow(f"other ({len(rest):,} people)", f.items, round(f.toil_hours, 1), f.toil_percent,
                              None, False, other=True))
    rows += [PersonRow(clip(name, NAME_CHARS), f.items, round(f.toil_hours, 1), f.toil_percent, None, False,
                       unassigned=True) for name, f in nobody]
    return tuple(rows)


def _estimates(store: Store, services, period: Period | None) -> tuple[EstimateRow, ...]:
    """The per-category estimates the period's unmeasured hours rest on, with one "other" row."""
    found = hour_estimates(store, services, period)

    def each(least: float, most: float) -> str:
        """One item's estimate, or the range where pages add their interruption: 0.25-0.75."""
        low, high = (f"{value:,.2f}".rstrip("0").rstrip(".") for value in (least, most))
        return low if low == high else f"{low}-{high}"

    rows = [EstimateRow(e.category, "toil" if e.toil else "other work", e.items, each(e.least, e.most),
                        round(e.hours, 1)) for e in found[:ESTIMATE_ROWS]]
    rest = found[ESTIMATE_ROWS:]
    if rest:
        rows.append(EstimateRow(f"other ({len(rest)} categories)", "", sum(e.items for e in rest),
                                each(min(e.least for e in rest), max(e.most for e in rest)),
                                round(sum(e.hours for e in rest), 1), other=True))
    return tuple(rows)


def _estimate_basis(store: Store) -> str:
    settings = time_settings(store)
    return (f"A toil item takes the estimate of the rule that named its category ({settings.default_toil_hours:g} h "
            f"where the rule sets none); other work {settings.default_other_hours:g} h an item. A page counts its "
            f"estimate up to {settings.page_hours_cap:g} h plus {settings.interruption_minutes:g} minutes of "
            "interruption; a page resolved by itself, the interruption alone.")


def _sources(store: Store, summary: Summary, services) -> tuple[SourceView, ...]:
    """Each source with its inputs described by kind, rows and hash: no file names reach the board.
    Items are counted whatever their date (the provenance of the evidence), beside those of the period."""
    runs = store.import_runs()
    ranges = store.source_ranges(services).set_index("source")
    kinds = {"jira": "Jira", "pagerduty": "PagerDuty"}
    imported = breakdown(store, "source", services)
    everything = breakdown(store, "source") if services is not None else imported
    views = []
    for name in everything:  # a source none of whose items is in scope is named too, with 0
        figures = imported.get(name)
        mine = runs.loc[runs["source"] == name]
        inputs = []
        for text in mine["files"]:
            for f in json.loads(text or "[]"):
                entry = f"{kinds.get(name, name)} export, {f['rows']:,} rows, SHA-256 {f['sha256'][:16]}"
                if entry not in inputs:
                    inputs.append(entry)
        for query in mine["query"]:
            if query and f"live import: {clip(query, LINE_CHARS)}" not in inputs:
                inputs.append(f"live import: {clip(query, LINE_CHARS)}")
        in_period = summary.by_source.get(name)
        if figures is None or name not in ranges.index:
            views.append(SourceView(kinds.get(name, name), 0, "", "", tuple(inputs), 0, everything[name].items))
            continue
        first, last = ranges.loc[name, "first_created"], ranges.loc[name, "last_created"]
        views.append(SourceView(kinds.get(name, name), figures.items, f"{pd.Timestamp(first):%Y-%m-%d}",
                                f"{pd.Timestamp(last):%Y-%m-%d}", tuple(inputs),
                                in_period.items if in_period else 0, everything[name].items))
    return tuple(views)


def _classifier() -> ClassifierView:
    """The shipped model's provenance and its leave-one-organisation-out accuracy on the corpus."""
    model = shipped_model()
    confusion = corpus_accuracy()["confusion"]["all"]
    tp, fp, fn, tn = (confusion[k] for k in ("true_positive", "false_positive", "false_negative", "true_negative"))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    balanced_precision = tp / (tp + fp * (tp + fn) / (fp + tn))  # each class weighs the same
    return ClassifierView(
        model=model.version, corpus_items=int(model.trained_on.get("items", 0)),
        corpus_organisations=int(model.trained_on.get("organisations", 0)),
        corpus_f1=round(2 * precision * recall / (precision + recall), 3),
        corpus_f1_balanced=round(2 * balanced_precision * recall / (balanced_precision + recall), 3),
        labels_by="read and labelled item by item against a written rubric by the project's AI assistants "
                  "(an independent second pass agreed with Cohen's kappa 0.92)",
    )


def _evaluation(assessment: Assessment) -> EvaluationView | None:
    agreement = assessment.evidence.agreement
    return None if agreement is None else _evaluation_view(agreement)


def _evaluation_view(agreement: Agreement) -> EvaluationView:
    figures = ", ".join(f"{name} {shown_figure(value)}" for name, value in (
        ("precision", agreement.precision), ("recall", agreement.recall), ("F1", agreement.f1)))
    why = undefined_figures(agreement.precision, agreement.recall)
    return EvaluationView(figures + (f" ({why})" if why else ""), agreement.support, agreement.origins,
                          agreement.groups, agreement.too_few_groups)


def _next_levels(assessment: Assessment) -> tuple[NextLevel, ...]:
    out = []
    for track, title in ((assessment.platform, "Platform"), (assessment.sre, "SRE")):
        blocking = next((lv for lv in track.levels if not lv.holds), None)
        if blocking is None:
            continue
        # the first level that does not hold may be blocked by its own questions or by one below
        needs = tuple(r.question.text + (" (the data contradicts the answer)" if r.contradiction else "")
                      for r in blocking.questions if not r.met)
        out.append(NextLevel(title, f"Level {blocking.level} {blocking.name}", needs))
    return tuple(out)


def _above(current: str, allowed: str) -> bool:
    order = (NO_RUNG, *RUNGS)
    return order.index(current) > order.index(allowed)


def _services(assessment: Assessment) -> tuple[ServiceView, ...]:
    return tuple(
        ServiceView(clip(s.service, NAME_CHARS), RUNG_NAMES.get(s.current_rung, "none"), RUNG_NAMES.get(s.allowed_rung, "none"),
                    s.gate.allow, s.gate.failing, tuple(RungVerdict(RUNG_NAMES[g.rung], g.allow) for g in s.gates),
                    int(s.gate.input["shadow_period_days"]), _above(s.current_rung, s.allowed_rung))
        for s in assessment.services
    )


def _listed(names: tuple[str, ...] | list[str], none: str = "") -> str:
    """Names for a sentence: the first NAMES_LISTED, then how many more."""
    if not names:
        return none
    shown = ", ".join(names[:NAMES_LISTED])
    return shown + (f" and {len(names) - NAMES_LISTED:,} more" if len(names) > NAMES_LISTED else "")


def _service_rows(services: tuple[ServiceView, ...]) -> tuple[ServiceRow, ...]:
    """One row a service; when there are more than SERVICE_ROWS, services with the same rungs and
    verdicts share a row (agents beyond what the gate allows first), so the table fits its page and
    still gives every service's verdict."""
    def row(name: str, group: list[ServiceView]) -> ServiceRow:
        s = group[0]
        return ServiceRow(name, len(group), s.current_rung, s.allowed_rung, s.verdicts, s.gate_failing, s.above_allowed)

    if len(services) <= SERVICE_ROWS:
        return tuple(row(s.name, [s]) for s in services)
    alike: dict[tuple, list[ServiceView]] = {}
    for s in sorted(services, key=lambda s: (not s.above_allowed, s.name)):
        alike.setdefault((s.current_rung, s.allowed_rung, s.verdicts, s.gate_failing, s.above_allowed), []).append(s)
    def named(group: list[ServiceView]) -> str:
        if len(group) == 1:
            return group[0].name
        every = "all " if len(group) == len(services) else ""
        return f"{every}{len(group):,} services: {_listed([s.name for s in group])}"

    groups = list(alike.values())
    rows = [row(named(group), group) for group in groups[:SERVICE_ROWS]]
    rest = [s for group in groups[SERVICE_ROWS:] for s in group]
    if rest:  # verdicts too varied to share rows: the last row counts them (each in the readiness inputs)
        rows[-1:] = [ServiceRow(f"other ({len(rest) + rows[-1].services:,} services, each with its own verdicts)",
                                len(rest) + rows[-1].services, "", "", (), (), False)]
    return tuple(rows)


def _rungs(assessment: Assessment) -> tuple[RungView, ...]:
    views = []
    for key, text, role in TRUST_LADDER:
        today = tuple(s.service for s in assessment.services if s.current_rung == key)
        allowed = tuple(s.service for s in assessment.services if s.allowed_rung == key)
        views.append(RungView(key, RUNG_NAMES[key], text, role, assessment.overall_level >= RUNG_MIN_LEVEL[key],
                              today, allowed, _listed(today, "none"), _listed(allowed, "no service")))
    return tuple(views)


def _automating(action: ActionView) -> str:
    count = action.request_types_automated
    return f", and automate {count} request type{'s' if count != 1 else ''}" if count else ""


def _decisions(actions: tuple[ActionView, ...], services: tuple[ServiceView, ...],
               assessment: Assessment) -> tuple[tuple[Decision, ...], str]:
    rows = tuple(Decision(a.number, f"Fund Action {a.number}: {a.title}" + _automating(a), a.effort_person_weeks,
                          a.cost, a.hours_saved_per_month, a.payback_months, a.owner, a.target)
                 for a in actions if a.effort_person_weeks)
    above = [s.name for s in services if s.above_allowed]
    allowed = {s.allowed_rung for s in assessment.services}
    if allowed == {NO_RUNG}:
        where = "the one service in scope" if len(services) == 1 else f"any of the {len(services)} services in scope"
        hold = (f"Allow no AI agent on {where}: at {LEVELS[assessment.overall_level]}, Table 3 allows none")
    elif allowed == {"agentic"}:
        hold = ("Allow agentic AI on every service, within the guardrails delivered with this report, and keep the "
                "readiness gate where agent access is granted")
    elif len(allowed) == 1:
        hold = (f"Hold AI agents at {RUNG_PHRASE[next(iter(allowed))]} on every service until the readiness gate "
                "allows more")
    else:
        hold = "Hold each service's AI agents at the rung the readiness gate allows it (see the services table)"
    if above:
        hold += f", and limit the agents that run beyond it on {_named_within(above, HOLD_NAMES_CHARS)}"
    return rows, hold + "."


def _named_within(names: list[str], chars: int) -> str:
    """Names for a sentence of the executive summary: as many as fit in `chars` (at least one, cut
    to fit), then how many more."""
    shown = [clip_words(names[0], chars)]
    for name in names[1:]:
        if len(", ".join([*shown, name])) > chars:
            break
        shown.append(name)
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f" and {rest:,} more" if rest else "")


def _changes_line(previous_date: str, changes, chars: int) -> str:
    """Since the previous assessment, in about `chars` characters: the changes in the order
    compared (toil shares and levels first), as many as fit, then how many more; all of them are in
    the table under "Where you stand"."""
    changed = [c for c in changes if c.changed]
    opening, details = f"Since the assessment of {previous_date}", ' Details under "Where you stand".'
    if not changed:
        return f"{opening}: nothing the board sees here changed."
    items = [f"{c.what[:1].lower()}{c.what[1:]} {c.before} \u2192 {c.now}" for c in changed]

    def line(count: int) -> str:
        rest = len(items) - count
        if not count:
            return f"{opening}, {len(items):,} of the figures and verdicts compared changed.{details}"
        more = f", and {rest:,} more" if rest else ""
        return f"{opening}: {'; '.join(items[:count])}{more}.{details}"

    count = 0
    while count < len(items) and len(line(count + 1)) <= chars:
        count += 1
    return line(count)


def _interview(assessment: Assessment) -> tuple[AnswerRecord, ...]:
    """Every answer given, who gave it and when: interviewee by interviewee, in the bank's order."""
    questions = load_bank().questions
    order = {q.id: index for index, q in enumerate(questions)}
    per_service = {q.id for q in questions if q.per_service}
    answers = sorted(assessment.answers, key=lambda a: (a.interviewee, order.get(a.question_id, len(order)),
                                                        a.service))
    return tuple(AnswerRecord(a.question_id, a.service or ("all" if a.question_id in per_service else ""), a.value,
                              a.note, a.interviewee, a.answered_at)
                 for a in answers)
