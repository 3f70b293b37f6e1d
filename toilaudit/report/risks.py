"""The biggest risks, by a fixed order of severity, from the evidence and the answers."""

from __future__ import annotations

from dataclasses import dataclass

from toilaudit.maturity.evidence import board_shortfalls, board_words
from toilaudit.maturity.interface import RUNG_PHRASE, Assessment
from toilaudit.maturity.output import condition_names
from toilaudit.report.words import asked
from toilaudit.summary import GOOGLE_CAP_PERCENT, INDUSTRY_PERCENT_2026, CapacityShare, Summary

MOST = 3


@dataclass(frozen=True, slots=True)
class Risk:
    title: str
    detail: str


def _sentence(text: str) -> str:
    """Its first letter a capital, the rest as written (str.capitalize would lower an org's name), and a full stop."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _above(current: str, allowed: str) -> bool:
    order = ("none", "read-only", "shadow", "supervised-write", "agentic")
    return order.index(current) > order.index(allowed)


def find_risks(summary: Summary, assessment: Assessment, share: CapacityShare | None, measured_percent: float,
               top_candidate: tuple[str, int, float, str] | None) -> tuple[Risk, ...]:
    found: list[tuple[int, Risk]] = []
    above = [s for s in assessment.services if _above(s.current_rung, s.allowed_rung)]
    if above:
        first = above[0]
        found.append((97, Risk(
            f"Agents run beyond what the gate allows on {len(above)} service{'s' if len(above) > 1 else ''}",
            f"{first.service} runs {RUNG_PHRASE[first.current_rung]}, where the gate allows "
            f"{RUNG_PHRASE[first.allowed_rung]}; each rung skipped is a gap in the audit trail.")))
    if share is not None and share.toil_percent >= GOOGLE_CAP_PERCENT:
        found.append((100, Risk(f"Toil is {share.toil_percent}% of engineers' time, above Google's 50% cap",
                                "At this level engineering work stalls and toil grows with every new service.")))
    elif share is not None and share.toil_percent >= INDUSTRY_PERCENT_2026:
        found.append((70, Risk(f"Toil is {share.toil_percent}% of engineers' time, above the industry's 34% (2026)",
                               "A third of the capacity goes to work a machine could do.")))
    if share is not None and share.people_over_cap:
        count = len(share.people_over_cap)
        found.append((80, Risk(f"{count} engineer{'s' if count > 1 else ''} spend over half their time on toil",
                               "Google caps toil at 50% of each engineer's time; above it people burn out and leave.")))
    failing = set(assessment.gate.failing)
    if "decision_provenance" in failing or "shadow_period_days" in failing:
        missing = [c for c in ("decision_provenance", "shadow_period_days") if c in failing]
        found.append((90, Risk("Agents could act without an audit trail",
                               f"{' and '.join(condition_names(missing)).capitalize()} fail: the gate conditions an "
                               "agent's audit trail rests on, and the first a regulator (DORA, OSFI B-13) will ask about.")))
    if assessment.overall_level <= 2:
        platform, sre = assessment.platform.level, assessment.sre.level
        track = "Platform and SRE maturity cap" if platform == sre else (
            "Platform maturity caps" if platform < sre else "SRE maturity caps")
        found.append((85, Risk(f"{track} AI readiness at '{assessment.ai_readiness}'",
                               "Agents added now would inherit the weaker track's tech debt at machine speed.")))
    if not assessment.evidence.toil_measured:
        found.append((95, Risk("Toil is not tracked continuously yet",
                               _sentence("; ".join(board_shortfalls(assessment.evidence))))))
    if assessment.contradictions:
        contradiction = asked(board_words(assessment.contradictions[0], assessment.evidence))
        found.append((75, Risk("Interview answers contradict the data", contradiction)))
    pages = summary.by_source.get("pagerduty")
    if pages and pages.items and pages.toil_items / pages.items >= 0.5:
        rate = round(100 * pages.toil_items / pages.items)
        found.append((60, Risk(f"{rate}% of pages are noise or repeat alerts",
                               "Interrupts of this kind burn out on-call engineers and hide real incidents.")))
    if share is not None and share.recorded_percent < 50:
        found.append((58, Risk(f"Tickets and pages record only {share.recorded_percent}% of engineers' time",
                               "Toil nobody records is not in these figures: the share of capacity is a floor.")))
    if summary.total.items and not summary.total.measured_items:
        found.append((50, Risk("No time is logged: every hour here is an estimate",
                               "Each item counts its category's estimate (appendix); logging time on tickets "
                               "firms up the figures.")))
    elif summary.total.items and measured_percent < 50:
        found.append((50, Risk(f"Only {measured_percent}% of the recorded hours are measured",
                               "The rest is estimated per category; logging time on tickets firms up the figure.")))
    if top_candidate:
        category, items, hours, example = top_candidate
        during = f" in {summary.period.label}" if summary.period else ""
        found.append((40, Risk(f"One request type costs {hours:,.0f} hours{during}",
                               f"'{category}' repeated {items} times, e.g. \"{example}\".")))
    found.sort(key=lambda pair: -pair[0])
    return tuple(risk for _, risk in found[:MOST])
