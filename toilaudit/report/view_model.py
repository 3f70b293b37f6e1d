"""The report's one view model, built from the store and the assessment.

HTML, PDF and JSON all render this object and nothing else, so their figures cannot disagree.
Every figure here is computed from stored items and their classifications (see the appendix's
method section), and the ordering of every list is stable: the same inputs give the same report.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from toilaudit import __version__
from toilaudit.classify.evaluate import evaluate
from toilaudit.maturity.interface import (
    AI_READINESS,
    GATE_CONDITIONS,
    LEVELS,
    PLATFORM_STATE,
    SRE_STATE,
    Assessment,
)
from toilaudit.maturity.output import CONDITION_TEXT
from toilaudit.report.charts import BarChart, Gauge, TrendChart, bar_chart, gauge, trend_chart
from toilaudit.store import Store
from toilaudit.summary import Summary, breakdown, summarise

# What the report prints of any imported or user-given string. WeasyPrint breaks lines in
# quadratic time on a long unbroken word (a 10,000-character title took 471 s), and a long team
# name pushed the table's figures off the page; nobody reads past these lengths on paper.
TITLE_CHARS = 160
NAME_CHARS = 60
LINE_CHARS = 200

GOOGLE_CAP_PERCENT = 50  # Google SRE book, ch. 5: keep toil below 50% of each SRE's time
INDUSTRY_PERCENT_2026 = 34  # Catchpoint SRE report 2026 (25% in 2024)
DAYS_PER_MONTH = 30.44

TRUST_LADDER = (
    ("Read-only", "Agents observe: dashboards, summaries, search. ClusterRole with get/list/watch only.",
     "ai-agent-readonly"),
    ("Shadow mode", "Agents propose, people act; proposals are compared with what people did, for 30+ days.",
     "ai-agent-readonly"),
    ("Supervised write", "Agents act after approval, on a named canary deployment only.", "ai-agent-scoped-write"),
    ("Autonomous", "Agents act within guardrails; the readiness gate and the AI error budget can revoke access.",
     "ai-agent-production-write"),
)
RUNG_BY_ANSWER = {  # ai.agents-today choice position -> trust-ladder rung index (-1: none yet)
    1: -1, 2: 0, 3: 1, 4: 2, 5: 3,
}
RUNG_ALLOWED_BY_LEVEL = {1: -1, 2: 0, 3: 1, 4: 2, 5: 3}  # Table 3: AI readiness by overall level

GLOSSARY = (
    ("Toil", "Operational work that is manual, repetitive, automatable, tactical, of no enduring value, and grows "
             "with the service (Google SRE book, ch. 5)."),
    ("SLO / SLI", "Service level objective: a target on a service level indicator that users care about."),
    ("Error budget", "The unreliability an SLO allows (1 - target); spending it changes priorities."),
    ("Burn rate", "How fast the error budget is spent; 14.4x for an hour spends 2% of a 30-day budget."),
    ("Shadow mode", "An agent proposes actions that people carry out, so its errors are seen before it acts."),
    ("Decision provenance", "Each agent action linked to its inputs, reasoning and authorization."),
    ("Readiness gate", "The Rego policy that allows agentic AI write access only when all six conditions hold."),
    ("Repetition group", "Items whose titles share a template once hosts, ids, names and numbers are masked."),
)


@dataclass(frozen=True, slots=True)
class Headline:
    toil_percent: float
    toil_hours: float
    total_hours: float
    measured_percent: float
    toil_hours_per_month: float
    cost_per_month: float
    currency: str
    hourly_rate: float
    items: int
    toil_items: int
    google_cap_percent: int = GOOGLE_CAP_PERCENT
    industry_percent: int = INDUSTRY_PERCENT_2026


@dataclass(frozen=True, slots=True)
class Risk:
    title: str
    detail: str


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
class CandidateView:
    rank: int
    category: str
    template: str
    example_title: str
    items: int
    hours: float
    source: str


@dataclass(frozen=True, slots=True)
class GateCondition:
    name: str
    holds: bool
    meaning: str


@dataclass(frozen=True, slots=True)
class ActionView:
    number: int
    title: str
    status: str
    evidence: str
    gates: tuple[GateCondition, ...]
    next_steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rung:
    name: str
    description: str
    role: str
    current: bool
    allowed: bool


@dataclass(frozen=True, slots=True)
class SourceView:
    name: str
    items: int
    first: str
    last: str
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvaluationView:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class ReportModel:
    org: str
    report_date: str
    assessed_by: str
    tool_version: str
    sources: tuple[SourceView, ...]
    period: str
    headline: Headline
    overall_level: str
    platform_level: str
    sre_level: str
    ai_readiness: str
    gate_allow: bool
    gate_failing: tuple[str, ...]
    gate_input: dict
    risks: tuple[Risk, ...]
    table3: tuple[Table3Row, ...]
    next_levels: tuple[NextLevel, ...]
    by_team: tuple[Row, ...]
    by_category: tuple[Row, ...]
    by_person: tuple[Row, ...]
    candidates: tuple[CandidateView, ...]
    actions: tuple[ActionView, ...]
    rungs: tuple[Rung, ...]
    current_rung: str
    rule_pack: str
    evaluation: EvaluationView | None
    open_questions: tuple[OpenQuestion, ...]
    contradictions: tuple[str, ...]
    glossary: tuple[tuple[str, str], ...]
    trend: TrendChart
    category_chart: BarChart
    toil_gauge: Gauge
    names_shown: bool = False
    notes: tuple[str, ...] = field(default=())

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, marked with an ellipsis where cut."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows(breakdown: dict) -> tuple[Row, ...]:
    rows = [Row(name, f.items, f.toil_items, round(f.toil_hours, 1), round(f.total_hours, 1), f.toil_percent)
            for name, f in breakdown.items()]
    return tuple(sorted(rows, key=lambda r: (-r.toil_hours, r.name)))


def _clipped(rows: tuple[Row, ...]) -> tuple[Row, ...]:
    return tuple(dataclasses.replace(r, name=clip(r.name, NAME_CHARS)) for r in rows)


def _pseudonyms(people_rows: tuple[Row, ...]) -> dict[str, str]:
    """Engineer A, B, ... in order of toil hours (then name), so the mapping is stable."""
    names = {}
    for index, row in enumerate(r for r in people_rows if not r.name.startswith("(")):
        letters = ""
        n = index
        while True:
            letters = chr(ord("A") + n % 26) + letters
            n = n // 26 - 1
            if n < 0:
                break
        names[row.name] = f"Engineer {letters}"
    return names


def _scrub(text: str, pseudonyms: dict[str, str]) -> str:
    """Replace known people's names in free text (a title naming its requester) with their pseudonym."""
    for name in sorted(pseudonyms, key=len, reverse=True):
        if len(name) >= 3:
            text = re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w])", pseudonyms[name], text, flags=re.IGNORECASE)
    return text


def build_report(
    store: Store,
    assessment: Assessment,
    report_date: date,
    hourly_rate: float = 100.0,
    currency: str = "USD",
    show_names: bool = False,
    assessor: str | None = None,
    labels: pd.DataFrame | None = None,
) -> ReportModel:
    summary = summarise(store, "category", top=10)
    monthly = breakdown(store, "month")
    by_team = _clipped(_rows(breakdown(store, "team")))
    by_category = _clipped(_rows(summary.breakdown))
    by_person_raw = _rows(breakdown(store, "person"))
    pseudonyms = {} if show_names else _pseudonyms(by_person_raw)
    by_person = _clipped(tuple(dataclasses.replace(r, name=pseudonyms.get(r.name, r.name)) for r in by_person_raw[:8]))

    total = summary.total
    days = 0.0
    if summary.first_created is not None:
        days = max((summary.last_created - summary.first_created) / pd.Timedelta(days=1), 1.0)
    months = max(days / DAYS_PER_MONTH, 1.0) if days else 1.0
    toil_per_month = total.toil_hours / months if total.items else 0.0
    headline = Headline(
        toil_percent=total.toil_percent, toil_hours=round(total.toil_hours, 1), total_hours=round(total.total_hours, 1),
        measured_percent=total.measured_percent, toil_hours_per_month=round(toil_per_month, 1),
        cost_per_month=round(toil_per_month * hourly_rate), currency=clip(currency, 12), hourly_rate=hourly_rate,
        items=total.items, toil_items=total.toil_items,
    )
    candidates = tuple(
        CandidateView(i, clip(c.category, NAME_CHARS), clip(_scrub(c.template, pseudonyms), TITLE_CHARS),
                      clip(_scrub(c.example_title, pseudonyms), TITLE_CHARS), c.items, round(c.hours, 1), c.source)
        for i, c in enumerate(summary.candidates, 1)
    )
    evaluation = _evaluation(store, labels)
    ai = {r.question.id: r for r in assessment.ai_answers}
    rung_answer = ai.get("ai.agents-today")
    current_rung = -1
    if rung_answer is not None and rung_answer.answer in rung_answer.question.choices:
        current_rung = RUNG_BY_ANSWER.get(rung_answer.question.choices.index(rung_answer.answer) + 1, -1)
    allowed_rung = RUNG_ALLOWED_BY_LEVEL[assessment.overall_level]
    if assessment.gate.allow:
        allowed_rung = max(allowed_rung, 3) if assessment.overall_level == 5 else allowed_rung
    rungs = tuple(Rung(name, text, role, index == current_rung, index <= allowed_rung)
                  for index, (name, text, role) in enumerate(TRUST_LADDER))

    return ReportModel(
        org=clip(assessment.org, NAME_CHARS * 2),
        report_date=report_date.isoformat(),
        assessed_by=clip(assessor or (", ".join(assessment.interviewees) or "not recorded"), LINE_CHARS),
        tool_version=__version__,
        sources=_sources(store, summary),
        period=_period(summary),
        headline=headline,
        overall_level=LEVELS[assessment.overall_level],
        platform_level=LEVELS[assessment.platform.level],
        sre_level=LEVELS[assessment.sre.level],
        ai_readiness=assessment.ai_readiness,
        gate_allow=assessment.gate.allow,
        gate_failing=assessment.gate.failing,
        gate_input=dict(assessment.gate.input),
        risks=_risks(summary, assessment, headline, candidates),
        table3=tuple(
            Table3Row(level, LEVELS[level], PLATFORM_STATE[level], SRE_STATE[level], AI_READINESS[level],
                      assessment.platform.level == level, assessment.sre.level == level)
            for level in range(1, 6)
        ),
        next_levels=_next_levels(assessment),
        by_team=by_team,
        by_category=by_category,
        by_person=by_person,
        candidates=candidates,
        actions=_actions(assessment, summary, candidates, ai, current_rung),
        rungs=rungs,
        current_rung=TRUST_LADDER[current_rung][0] if current_rung >= 0 else "None yet",
        rule_pack=", ".join(summary.rule_pack_versions) or "none",
        evaluation=evaluation,
        open_questions=tuple(OpenQuestion(r.question.id, r.question.text) for r in assessment.open_questions),
        contradictions=tuple(clip(c, LINE_CHARS * 2) for c in assessment.contradictions),
        glossary=GLOSSARY,
        trend=trend_chart([(name, f.toil_hours, f.total_hours - f.toil_hours) for name, f in monthly.items()]),
        category_chart=bar_chart([(r.name, r.toil_hours) for r in by_category if r.toil_hours > 0][:10]),
        toil_gauge=gauge(total.toil_percent, INDUSTRY_PERCENT_2026, GOOGLE_CAP_PERCENT),
        names_shown=show_names,
    )


def _period(summary: Summary) -> str:
    if summary.first_created is None:
        return "no items imported"
    return f"{summary.first_created:%Y-%m-%d} to {summary.last_created:%Y-%m-%d}"


def _sources(store: Store, summary: Summary) -> tuple[SourceView, ...]:
    import json

    runs = store.import_runs()
    ranges = store.source_ranges().set_index("source")
    views = []
    for name, figures in summary.by_source.items():
        mine = runs.loc[runs["source"] == name]
        files = []
        for text in mine["files"]:
            for f in json.loads(text or "[]"):
                entry = f"{clip(f['name'], NAME_CHARS)} (sha256 {f['sha256'][:16]}..., {f['rows']:,} rows)"
                if entry not in files:
                    files.append(entry)
        for query in mine["query"]:
            if query and clip(query, LINE_CHARS) not in files:
                files.append(clip(query, LINE_CHARS))
        first, last = ranges.loc[name, "first_created"], ranges.loc[name, "last_created"]
        views.append(SourceView(name, figures.items, f"{pd.Timestamp(first):%Y-%m-%d}",
                                f"{pd.Timestamp(last):%Y-%m-%d}", tuple(files)))
    return tuple(views)


def _evaluation(store: Store, labels: pd.DataFrame | None) -> EvaluationView | None:
    combined = store.human_labels()[["source", "key", "label"]]
    if labels is not None:
        combined = pd.concat([combined, labels]).drop_duplicates("key", keep="last")
    if combined.empty:
        return None
    combined["source"] = combined["source"].fillna("")
    result = evaluate(store.predictions(), combined)
    if result.support == 0:
        return None
    return EvaluationView(round(result.precision, 3), round(result.recall, 3), round(result.f1, 3), result.support)


def _next_levels(assessment: Assessment) -> tuple[NextLevel, ...]:
    out = []
    for track, title in ((assessment.platform, "Platform"), (assessment.sre, "SRE")):
        blocking = next((lv for lv in track.levels if not lv.holds), None)
        if blocking is None:
            continue
        # the first level that does not hold may be blocked by its own questions or by one below
        needs = tuple(r.question.text for r in blocking.questions if not r.met)
        out.append(NextLevel(title, f"Level {blocking.level} {blocking.name}", needs))
    return tuple(out)


def _risks(summary: Summary, assessment: Assessment, headline: Headline, candidates) -> tuple[Risk, ...]:
    """The three biggest risks, by a fixed order of severity."""
    found: list[tuple[int, Risk]] = []
    if headline.items and headline.toil_percent >= GOOGLE_CAP_PERCENT:
        found.append((100, Risk(f"Toil is {headline.toil_percent}% of engineering time, above Google's 50% cap",
                                "At this level engineering work stalls and toil grows with every new service.")))
    elif headline.items and headline.toil_percent >= INDUSTRY_PERCENT_2026:
        found.append((70, Risk(f"Toil is {headline.toil_percent}% of time, above the industry's 34% (2026)",
                               f"About {headline.toil_hours_per_month:,.0f} hours a month go to work a machine could do.")))
    failing = set(assessment.gate.failing)
    if "decision_provenance" in failing or "shadow_period_days" in failing:
        missing = [c for c in ("decision_provenance", "shadow_period_days") if c in failing]
        found.append((90, Risk("Agents could act without an audit trail",
                               f"{' and '.join(missing)} fail: the two gate conditions most often skipped, and the "
                               "first a regulator (DORA, OSFI B-13) will ask about.")))
    weaker = min((assessment.platform, assessment.sre), key=lambda t: t.level)
    if assessment.overall_level <= 2:
        found.append((85, Risk(f"{'Platform' if weaker.track == 'platform' else 'SRE'} maturity caps AI readiness at "
                               f"'{assessment.ai_readiness}'",
                               "Agents added now would inherit the tech debt of the weaker track at machine speed.")))
    if "toil_measured" in failing:
        found.append((95, Risk("Toil is not measured yet",
                               "Without 30 days of classified tickets and pages there is no baseline to improve on.")))
    pages = summary.by_source.get("pagerduty")
    if pages and pages.items and pages.toil_items / pages.items >= 0.5:
        share = round(100 * pages.toil_items / pages.items)
        found.append((60, Risk(f"{share}% of pages are noise or repeat alerts",
                               "Interrupts of this kind burn out on-call engineers and hide real incidents.")))
    if headline.items and headline.measured_percent < 50:
        found.append((50, Risk(f"Only {headline.measured_percent}% of the hours are measured",
                               "The rest is estimated per category; log time on tickets to firm up the figure.")))
    if assessment.contradictions:
        found.append((55, Risk("Interview answers contradict the data", assessment.contradictions[0])))
    if candidates:
        top = candidates[0]
        found.append((40, Risk(f"One request type costs {top.hours:,.0f} hours",
                               f"'{top.category}' repeated {top.items} times, e.g. \"{top.example_title}\".")))
    found.sort(key=lambda pair: -pair[0])
    return tuple(risk for _, risk in found[:3])


def _status(holding: list[bool]) -> str:
    if holding and all(holding):
        return "done"
    return "partly" if any(holding) else "not started"


def _gates(assessment: Assessment, names: tuple[str, ...]) -> tuple[GateCondition, ...]:
    failing = set(assessment.gate.failing)
    return tuple(GateCondition(n, n not in failing, CONDITION_TEXT[n][1]) for n in names)


def _actions(assessment: Assessment, summary: Summary, candidates, ai, current_rung: int) -> tuple[ActionView, ...]:
    evidence = assessment.evidence
    failing = set(assessment.gate.failing)

    # Action 1: audit toil
    gates1 = _gates(assessment, ("toil_measured",))
    status1 = "done" if evidence.toil_measured else ("partly" if evidence.items else "not started")
    steps1 = [f"Automate '{c.category}' first: {c.items} items, {c.hours:,.0f} hours (e.g. \"{c.example_title}\")."
              for c in candidates[:3]]
    steps1.append("Re-import every quarter and compare the toil share; keep it under 50% per engineer.")
    if not evidence.toil_measured:
        steps1.insert(0, "Import at least 30 days of Jira tickets and PagerDuty pages (toilaudit import).")
    text1 = (f"{evidence.items:,} tickets and pages over {evidence.days_of_data} days are classified; toil is "
             f"{evidence.toil_percent}% of time." if evidence.items else "No tickets or pages imported yet.")

    # Action 2: SLOs and error budgets (with a stricter budget for AI-authored changes)
    gates2 = _gates(assessment, ("slo_defined", "error_budget_policy"))
    separate = ai.get("ai.separate-error-budget")
    holding2 = [g.holds for g in gates2] + [bool(separate and separate.met)]
    steps2 = []
    if "slo_defined" in failing:
        steps2.append("Write SLOs for every service an agent would touch: an SLI users feel and a target.")
    if "error_budget_policy" in failing:
        steps2.append("Agree the error-budget policy with product owners: what stops when the budget is spent.")
    if not (separate and separate.met):
        steps2.append("Add separate SLIs for AI-authored deploys (target 0.995 vs 0.990 for people) and the 14.4x "
                      "burn-rate alert: see prometheus-ai-error-budget.yaml beside this report.")
    if not steps2:
        steps2.append("Review SLO targets each quarter; revoke an agent's write access when it burns its budget.")

    # Action 3: decision provenance and automated rollback
    gates3 = _gates(assessment, ("decision_provenance", "rollback_automated"))
    steps3 = []
    if "decision_provenance" in failing:
        steps3.append("Log every agent action with its inputs, its reasoning and its approver, linked to the change "
                      "record, before any agent gets write access.")
    if "rollback_automated" in failing:
        steps3.append("Automate rollback on failed health checks or SLO burn, one command at most.")
    if not steps3:
        steps3.append("Test rollback and provenance in a game day every quarter.")

    # Action 4: climb the trust ladder
    gates4 = _gates(assessment, ("shadow_period_days",))
    days = int(assessment.gate.input.get("shadow_period_days", 0))
    status4 = "done" if "shadow_period_days" not in failing else ("partly" if days > 0 or current_rung >= 0
                                                                   else "not started")
    next_rung = TRUST_LADDER[min(current_rung + 1, 3)][0]
    steps4 = [f"Shadow mode so far: {days} days (30 required)." if days < 30 else
              f"Shadow mode: {days} days, the 30-day minimum is met."]
    steps4.append(f"Next rung: {next_rung}; promote only when the readiness gate allows, by rebinding the agent's "
                  "ServiceAccount (rbac-trust-ladder.yaml beside this report).")
    steps4.append("Run `toilaudit gate` in the pipeline that grants agent access; it exits 1 while denied.")

    return (
        ActionView(1, "Audit toil", status1, text1, gates1, tuple(steps1)),
        ActionView(2, "Define SLOs and error budgets, stricter for AI-authored changes", _status(holding2),
                   _gate_evidence(gates2), gates2, tuple(steps2)),
        ActionView(3, "Instrument decision provenance and automate rollback", _status([g.holds for g in gates3]),
                   _gate_evidence(gates3), gates3, tuple(steps3)),
        ActionView(4, "Climb the trust ladder", status4, f"Current rung: "
                   f"{TRUST_LADDER[current_rung][0] if current_rung >= 0 else 'no agents yet'}.", gates4, tuple(steps4)),
    )


def _gate_evidence(gates: tuple[GateCondition, ...]) -> str:
    return "; ".join(f"{g.name}: {'holds' if g.holds else 'fails'}" for g in gates) + "."


__all__ = ["GATE_CONDITIONS", "ReportModel", "build_report"]
