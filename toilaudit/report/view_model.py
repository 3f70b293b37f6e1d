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
from toilaudit.maturity.bank import load_bank
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
    Assessment,
)
from toilaudit.maturity.scope import Scope
from toilaudit.report.actions import ActionView, build_actions
from toilaudit.report.ask import (
    Assumptions,
    assumption_rows,
    budgeted,
    cost_candidate,
    rank_by_return,
)
from toilaudit.report.charts import BarChart, Gauge, MonthFigures, TrendChart, bar_chart, gauge, trend_chart
from toilaudit.report.plan import Plan
from toilaudit.report.risks import Risk, find_risks
from toilaudit.store import Store
from toilaudit.classify.accuracy import corpus_accuracy
from toilaudit.classify.model import shipped_model
from toilaudit.summary import (
    GOOGLE_CAP_PERCENT,
    INDUSTRY_PERCENT_2026,
    CapacityShare,
    Summary,
    breakdown,
    capacity_share,
    people_by_toil,
    pseudonyms,
    summarise,
)

ARTICLE = "SRE for AI Agents: Error Budgets, Trust, and 90 Trials"
# What the report prints of any imported or user-given string. WeasyPrint breaks lines in
# quadratic time on a long unbroken word (a 10,000-character title took 471 s), and a long team
# name pushed the table's figures off the page; nobody reads past these lengths on paper.
TITLE_CHARS = 160
NAME_CHARS = 60
LINE_CHARS = 200
DAYS_PER_MONTH = 30.44
CATEGORY_BARS = 9  # and one "other" bar that keeps the total true
CANDIDATES_SHOWN = 10

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
    """Where toil's share of capacity stands against the two figures."""
    people_over_cap: int


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


@dataclass(frozen=True, slots=True)
class CandidateView:
    rank: int
    """By return: toil hours saved a month per person-week."""
    category: str
    template: str
    example_title: str
    items: int
    hours: float
    source: str
    hours_saved_per_month: float
    effort_person_weeks: float
    hours_saved_per_person_week: float
    """Its return: what the ranking is by."""
    payback_months: float
    budgeted: bool
    """In the roadmap's budget."""
    action: int


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
class SourceView:
    name: str
    items: int
    first: str
    last: str
    inputs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvaluationView:
    precision: float
    recall: float
    f1: float
    support: int
    labels_from: tuple[str, ...]


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
    services_allowed: int
    risks: tuple[Risk, ...]
    previous_date: str | None
    changes: tuple[ChangeView, ...]
    table3: tuple[Table3Row, ...]
    next_levels: tuple[NextLevel, ...]
    contradictions: tuple[str, ...]
    by_team: tuple[Row, ...]
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
    gate_inputs: tuple[tuple[str, dict], ...]
    """Each service's input document for the Rego policy (agentic rung), as `gate --format opa-input`."""
    rule_pack: str
    evaluation: EvaluationView | None
    classifier: ClassifierView
    """The shipped model and how it was measured on the labelled corpus."""
    evidence_scope: str
    assumptions: tuple[tuple[str, str], ...]
    interview: tuple[AnswerRecord, ...]
    open_questions: tuple[OpenQuestion, ...]
    guardrails: tuple[str, ...]
    glossary: tuple[tuple[str, str], ...]
    trend: TrendChart
    trend_note: str
    category_chart: BarChart
    toil_gauge: Gauge | None
    names_shown: bool = False

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, marked with an ellipsis where cut."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows(figures: dict) -> tuple[Row, ...]:
    rows = [Row(clip(name, NAME_CHARS), f.items, f.toil_items, round(f.toil_hours, 1), round(f.total_hours, 1),
                f.toil_percent) for name, f in figures.items()]
    return tuple(sorted(rows, key=lambda r: (-r.toil_hours, r.name)))


def _scrub(text: str, names: dict[str, str]) -> str:
    """Replace known people's names in free text (a title naming its requester) with their pseudonym."""
    for name in sorted(names, key=len, reverse=True):
        if len(name) >= 3:
            text = re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w])", names[name], text, flags=re.IGNORECASE)
    return text


def _capacity_view(share: CapacityShare | None) -> CapacityView | None:
    if share is None:
        return None
    if share.toil_percent > GOOGLE_CAP_PERCENT:
        verdict = "above Google's 50% cap"
    elif share.toil_percent > INDUSTRY_PERCENT_2026:
        verdict = "under Google's 50% cap but above the industry's 34%"
    else:
        verdict = "under both the industry's 34% and Google's 50% cap"
    return CapacityView(share.engineers, share.hours_per_week, round(share.weeks, 1), round(share.capacity_hours),
                        share.toil_percent, share.recorded_percent, verdict, len(share.people_over_cap))


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
) -> ReportModel:
    services = scope.item_services
    summary = summarise(store, "category", top=50, services=services)
    total = summary.total
    share = None
    if assessment.capacity is not None and total.items:
        share = capacity_share(store, summary, assessment.capacity.engineers, assessment.capacity.hours_per_week,
                               services)
    names = {} if show_names else pseudonyms(people_by_toil(store, services))
    days = 0.0
    if summary.first_created is not None:
        days = max((summary.last_created - summary.first_created) / pd.Timedelta(days=1), 1.0)
    months = max(days / DAYS_PER_MONTH, 1.0) if days else 1.0
    toil_per_month = total.toil_hours / months if total.items else 0.0
    capacity = _capacity_view(share)
    headline = Headline(
        toil_percent=total.toil_percent, toil_hours=round(total.toil_hours, 2), total_hours=round(total.total_hours, 2),
        measured_percent=total.measured_percent, toil_hours_per_month=round(toil_per_month, 1),
        cost_per_month=round(toil_per_month * hourly_rate), currency=clip(currency, 12), hourly_rate=hourly_rate,
        items=total.items, toil_items=total.toil_items, capacity=capacity,
        toil_range=RangeView(summary.toil_range.estimate, summary.toil_range.low, summary.toil_range.high,
                             summary.toil_range.measured_on) if summary.toil_range else None,
    )

    # automation candidates: repetition groups, costed and ranked by return
    groups = [c for c in summary.candidates if c.items >= 3]
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
                      c.group_id in budget_ids, c.action)
        for rank, c in enumerate(costed[:CANDIDATES_SHOWN], 1)
    )
    capacity_text = (f" and {capacity.toil_percent}% of the capacity of the engineers who carry operations work"
                     if capacity else "")
    actions = build_actions(assessment, assumptions, budget, examples, hourly_rate, plan, capacity_text)
    service_views = _services(assessment)
    decisions, hold = _decisions(actions, service_views, assessment)
    effort = round(sum(a.effort_person_weeks for a in actions), 1)
    cost = round(sum(a.cost for a in actions))
    automation = _automation_total(budget, assumptions, hourly_rate)

    by_category = _rows(summary.breakdown)
    top = candidates[0] if candidates else None
    current = snapshot_content(assessment, share.toil_percent if share else None)
    changes = compare(previous.content, current) if previous else ()
    return ReportModel(
        org=clip(assessment.org, NAME_CHARS * 2),
        report_date=report_date.isoformat(),
        assessed_by=clip(assessor or _interviewees(assessment), LINE_CHARS),
        tool_version=__version__,
        article=ARTICLE,
        cover=Cover(plan.status, plan.owner, plan.classification),
        sources=_sources(store, summary, services),
        period=_period(summary),
        headline=headline,
        overall_level=LEVELS[assessment.overall_level],
        platform_level=LEVELS[assessment.platform.level],
        sre_level=LEVELS[assessment.sre.level],
        ai_readiness=assessment.ai_readiness,
        table3_allows=READINESS_PHRASE[assessment.overall_level],
        gate_allow=assessment.gate.allow,
        gate_failing=assessment.gate.failing,
        services_allowed=sum(1 for s in service_views if s.gate_allow),
        risks=find_risks(summary, assessment, share, total.measured_percent,
                         (top.category, top.items, top.hours, top.example_title) if top else None),
        previous_date=previous.assessed_at if previous else None,
        changes=tuple(ChangeView(c.what, c.before, c.now, c.changed) for c in changes),
        table3=tuple(
            Table3Row(level, LEVELS[level], PLATFORM_STATE[level], SRE_STATE[level], AI_READINESS[level],
                      assessment.platform.level == level, assessment.sre.level == level)
            for level in range(1, 6)
        ),
        next_levels=_next_levels(assessment),
        contradictions=tuple(clip(c, LINE_CHARS * 2) for c in assessment.contradictions),
        by_team=_rows(breakdown(store, "team", services)),
        by_category=by_category,
        by_person=_people(store, services, names, share),
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
        gate_inputs=tuple((s.service, dict(s.gate.input)) for s in assessment.services),
        rule_pack=", ".join(summary.rule_pack_versions) or "none",
        evaluation=_evaluation(assessment),
        classifier=_classifier(),
        evidence_scope=assessment.evidence.scope,
        assumptions=assumption_rows(assumptions),
        interview=_interview(assessment),
        open_questions=tuple(OpenQuestion(r.question.id, r.service, r.question.text)
                             for r in assessment.open_questions),
        guardrails=GUARDRAILS,
        glossary=GLOSSARY,
        trend=trend_chart(_months(store, summary, services, share),
                          (("industry 34%", INDUSTRY_PERCENT_2026), ("Google's cap 50%", GOOGLE_CAP_PERCENT))),
        trend_note=_trend_note(summary),
        category_chart=_category_chart(by_category),
        toil_gauge=gauge(share.toil_percent, INDUSTRY_PERCENT_2026, GOOGLE_CAP_PERCENT) if share else None,
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


def _period(summary: Summary) -> str:
    if summary.first_created is None:
        return "no items imported"
    return f"{summary.first_created:%Y-%m-%d} to {summary.last_created:%Y-%m-%d}"


def _months(store: Store, summary: Summary, services, share: CapacityShare | None) -> list[MonthFigures]:
    """Each month's toil and other work; the first and last months are partial unless the period fills them."""
    if summary.first_created is None:
        return []
    first, last = summary.first_created.tz_convert("UTC"), summary.last_created.tz_convert("UTC")
    weekly = share.engineers * share.hours_per_week if share else None
    out = []
    for name, f in breakdown(store, "month", services).items():
        start = pd.Timestamp(f"{name}-01", tz="UTC")
        end = start + pd.offsets.MonthBegin(1)
        covered_from, covered_to = max(start, first.normalize()), min(end, last.normalize() + pd.Timedelta(days=1))
        days = (covered_to - covered_from) / pd.Timedelta(days=1)
        partial = days < (end - start) / pd.Timedelta(days=1)
        out.append(MonthFigures(name, f.toil_hours, f.total_hours - f.toil_hours, partial,
                                weekly * days / 7 if weekly else None))
    return out


def _trend_note(summary: Summary) -> str:
    if summary.first_created is None:
        return ""
    return (f"* Partial month: the period runs from {summary.first_created:%d %b %Y} to "
            f"{summary.last_created:%d %b %Y}.")


def _category_chart(rows: tuple[Row, ...]) -> BarChart:
    """The biggest categories and one "other" bar, so the bars add up to all the toil."""
    toil = [r for r in rows if r.toil_hours > 0]
    shown = [(r.name, r.toil_hours) for r in toil[:CATEGORY_BARS]]
    rest = toil[CATEGORY_BARS:]
    label = None
    if rest:
        label = f"other ({len(rest)} categories)"
        shown.append((label, round(sum(r.toil_hours for r in rest), 1)))
    return bar_chart(shown, other_label=label)


def _people(store: Store, services, names: dict[str, str], share: CapacityShare | None) -> tuple[PersonRow, ...]:
    one_person = share.hours_per_week * share.weeks if share else 0
    rows = []
    for row in _rows(breakdown(store, "person", services))[:8]:
        percent = round(100 * row.toil_hours / one_person, 1) if one_person else None
        rows.append(PersonRow(clip(names.get(row.name, row.name), NAME_CHARS), row.items, row.toil_hours, row.toil_percent, percent,
                              percent is not None and percent > GOOGLE_CAP_PERCENT))
    return tuple(rows)


def _sources(store: Store, summary: Summary, services) -> tuple[SourceView, ...]:
    """Each source with its inputs described by kind, rows and hash: no file names reach the board."""
    runs = store.import_runs()
    ranges = store.source_ranges(services).set_index("source")
    kinds = {"jira": "Jira", "pagerduty": "PagerDuty"}
    views = []
    for name, figures in summary.by_source.items():
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
        first, last = ranges.loc[name, "first_created"], ranges.loc[name, "last_created"]
        views.append(SourceView(kinds.get(name, name), figures.items, f"{pd.Timestamp(first):%Y-%m-%d}",
                                f"{pd.Timestamp(last):%Y-%m-%d}", tuple(inputs)))
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
    if agreement is None:
        return None
    return EvaluationView(agreement.precision, agreement.recall, agreement.f1, agreement.support, agreement.origins)


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


def _rungs(assessment: Assessment) -> tuple[RungView, ...]:
    return tuple(
        RungView(key, RUNG_NAMES[key], text, role, assessment.overall_level >= RUNG_MIN_LEVEL[key],
                 tuple(s.service for s in assessment.services if s.current_rung == key),
                 tuple(s.service for s in assessment.services if s.allowed_rung == key))
        for key, text, role in TRUST_LADDER
    )


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
        hold = (f"Allow no AI agent on any of the {len(services)} services in scope: at "
                f"{LEVELS[assessment.overall_level]}, Table 3 allows none")
    elif allowed == {"agentic"}:
        hold = ("Allow agentic AI on every service, within the guardrails delivered with this report, and keep the "
                "readiness gate where agent access is granted")
    elif len(allowed) == 1:
        hold = (f"Hold AI agents at {RUNG_PHRASE[next(iter(allowed))]} on every service until the readiness gate "
                "allows more")
    else:
        hold = "Hold each service's AI agents at the rung the readiness gate allows it (see the services table)"
    if above:
        hold += f", and bring back the agents that run beyond it on {', '.join(above[:4])}" + (
            f" and {len(above) - 4} more" if len(above) > 4 else "")
    return rows, hold + "."


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
