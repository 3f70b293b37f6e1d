"""How much of the time is toil: the figures `summary` prints and the report shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from toilaudit.audit import active_rule_pack
from toilaudit.classify.accuracy import (
    LABELS_FOR_OWN_RATES,
    Rates,
    ShareRange,
    corpus_rates,
    corrected_share,
    own_rates,
)
from toilaudit.classify.adapt import human_verdicts
from toilaudit.classify.evaluate import cross_validate
from toilaudit.classify.interface import Settings
from toilaudit.classify.model import shipped_model
from toilaudit.errors import ToilauditError
from toilaudit.period import DAY, DAYS_PER_WEEK, DEFAULT_PERIOD, Period, PeriodSpec, day, parse_period, place, span
from toilaudit.store import Store

TOP_CANDIDATES = 10
# Both are shares of engineers' working time, never of the hours tickets record:
GOOGLE_CAP_PERCENT = 50  # Google SRE book, ch. 5: keep toil below 50% of each SRE's time
INDUSTRY_PERCENT_2026 = 34  # Catchpoint SRE report 2026 (25% in 2024)


def hour_places(*hours: float) -> int:
    """Decimal places that show each of these hours with two significant figures or more: none from
    10 h, one from 1 h, two below (a quarter-hour page is 0.25 h, not "0 h" beside a percentage)."""
    smallest = min((abs(h) for h in hours if h), default=10.0)
    return 0 if smallest >= 10 else 1 if smallest >= 1 else 2


def hours_text(hours: float, places: int | None = None) -> str:
    """Hours for people, to `places` decimals (default: enough for them, hour_places); under 0.01 h
    is "under 0.01", never "0.00" for time that was spent."""
    places = hour_places(hours) if places is None else places
    text = f"{hours:,.{places}f}"
    if hours and not float(text.replace(",", "")):
        return f"under {10 ** -places:.{places}f}" if places else "under 1"
    return text


def hours_cell(hours: float) -> str:
    """Hours in a table's column: one decimal, two under an hour (0.25, not 0.2)."""
    return hours_text(hours, 1 if hours >= 1 or not hours else 2)


@dataclass(frozen=True, slots=True)
class Figures:
    items: int
    """Work items counted."""
    toil_items: int
    """Of which toil."""
    toil_hours: float
    """Hours spent on toil (measured or estimated)."""
    total_hours: float
    """Hours spent on all items."""
    measured_hours: float
    """Hours that the sources measured (the rest is estimated by category)."""
    measured_items: int = 0
    """Items whose hours the sources measured."""

    @property
    def estimated_items(self) -> int:
        """Items whose hours are the category's estimate: no time was logged for them."""
        return self.items - self.measured_items

    @property
    def toil_percent(self) -> float:
        """Toil's share of time, 0-100 (Google's cap: 50)."""
        return round(100 * self.toil_hours / self.total_hours, 1) if self.total_hours else 0.0

    @property
    def measured_percent(self) -> float:
        return round(100 * self.measured_hours / self.total_hours, 1) if self.total_hours else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "toil_items": self.toil_items,
            "toil_percent": self.toil_percent,
            "hours": {
                "toil": round(self.toil_hours, 2),
                "total": round(self.total_hours, 2),
                "measured": round(self.measured_hours, 2),
                "measured_percent": self.measured_percent,
                "estimated_items": self.estimated_items,
            },
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    group_id: str
    """Repetition group id (stable for the same template)."""
    template: str
    """The title template the group shares."""
    category: str
    """Toil category."""
    source: str
    """jira or pagerduty."""
    items: int
    """Items of the group in the period."""
    hours: float
    """Hours the group cost in the period."""
    example_title: str
    """One real title of the group (untrusted text)."""
    items_all: int = 0
    """Items of the group in the whole store: the repetition that makes it a candidate."""


@dataclass(frozen=True, slots=True)
class Summary:
    total: Figures
    """All items."""
    by_source: dict[str, Figures]
    """jira / pagerduty."""
    by: str
    """The breakdown asked for."""
    breakdown: dict[str, Figures]
    """Figures per team, category, month or source."""
    candidates: tuple[Candidate, ...]
    """Top automation candidates: toil repetition groups by hours."""
    first_created: pd.Timestamp | None
    """Earliest item counted."""
    last_created: pd.Timestamp | None
    """Latest item counted."""
    rule_pack_versions: tuple[str, ...]
    """Rule pack(s) that labelled the items."""
    toil_range: ShareRange | None = None
    """The toil share corrected for the classifier's measured errors, with its 90% interval."""
    period: Period | None = None
    """The period the figures count; None: every item, whatever its date."""
    items_any_date: int = 0
    """Items in scope whatever their date: all of them count as evidence (repetition, toil tracking)."""
    services: tuple[str, ...] | None = None
    """The services whose items are counted (an interviewed organisation's); None: every item."""
    items_imported: int = 0
    """Every item in the store, whatever its service and date."""

    def as_json(self) -> dict[str, Any]:
        return {
            **self.total.as_json(),
            "by_source": {name: figures.as_json() for name, figures in self.by_source.items()},
            "by": self.by,
            "breakdown": {str(name): figures.as_json() for name, figures in self.breakdown.items()},
            "top_candidates": [
                {
                    "group_id": c.group_id, "template": c.template, "category": c.category, "source": c.source,
                    "items": c.items, "hours": round(c.hours, 1), "example_title": c.example_title,
                    "items_all": c.items_all,
                }
                for c in self.candidates
            ],
            "period": self._period_json(),
            "rule_pack": list(self.rule_pack_versions),
            "toil_percent_range": self.toil_range.as_json() if self.toil_range else None,
            "services": None if self.services is None else list(self.services),
            "items_imported": self.items_imported,
        }

    def _period_json(self) -> dict[str, Any]:
        counted = {
            "first_item": self.first_created.date().isoformat() if self.first_created is not None else None,
            "last_item": self.last_created.date().isoformat() if self.last_created is not None else None,
        }
        if self.period is None:
            return {"from": counted["first_item"], "to": counted["last_item"], "label": "every item",
                    "basis": "all the data", **counted, "evidence_items": self.total.items}
        return {**self.period.as_json(), **counted, "evidence_items": self.items_any_date}


def figures_from(row: dict[str, Any]) -> Figures:
    """Figures from a row of the store's sums (FIGURES)."""
    return Figures(
        items=int(row["items"]),
        toil_items=int(row["toil_items"]),
        toil_hours=float(row["toil_hours"]),
        total_hours=float(row["total_hours"]),
        measured_hours=float(row["measured_hours"]),
        measured_items=int(row["measured_items"]),
    )


def _bounds(period: Period | None):
    return period.bounds if period is not None else None


def counted_items(rows: pd.DataFrame, services: tuple[str, ...] | None = None,
                  period: Period | None = None) -> pd.Series:
    """Which of these items' rows (service, created_at) the figures count: those of `services` (any
    case) created in `period`, as the store narrows its queries (Store._where)."""
    keep = pd.Series(True, index=rows.index)
    if services is not None:
        keep &= rows["service"].fillna("").astype(str).str.lower().isin([service.lower() for service in services])
    if period is not None:
        created = pd.to_datetime(rows["created_at"], utc=True)
        keep &= (created >= period.start) & (created < period.end)  # a missing date is in no period
    return keep


def breakdown(store: Store, by: str, services: tuple[str, ...] | None = None,
              period: Period | None = None) -> dict[str, Figures]:
    """Figures per team, category, month, source, service or person (months as YYYY-MM; weeks,
    quarters and years by their first day); `services` narrows them to one organisation's items,
    `period` to the items created in it."""
    frame = store.breakdown(by, services, _bounds(period))
    out = {}
    for row in frame.to_dict("records"):
        name = row[by]
        if by in ("month", "week", "quarter", "year") and name is not None and not pd.isna(name):
            name = pd.Timestamp(name).strftime("%Y-%m" if by == "month" else "%Y-%m-%d")
        out[str(name)] = figures_from(row)
    return out


def data_taken_at(store: Store) -> pd.Timestamp | None:
    """When the store's data was taken, as far as it knows: the start of the latest import that
    brought in or changed items. Read from the store, never from the clock, so that a summary or a
    report made later gives the same figures. An import that changed nothing (the same export
    imported again, a week later) is left out: importing an export twice changes nothing. The
    start, not the end: a live import that began before midnight may have read the month's last
    hour before it came. None for a store that recorded no import (its items written directly)."""
    runs = store.import_runs()
    if runs.empty:
        return None
    changed = runs.loc[runs["inserted"].fillna(0).astype("int64") + runs["updated"].fillna(0).astype("int64") > 0]
    when = pd.to_datetime(changed["started_at"].fillna(changed["finished_at"]), utc=True).max()
    return None if pd.isna(when) else pd.Timestamp(when)


def choose_period(store: Store, spec: PeriodSpec | str | None = None,
                  services: tuple[str, ...] | None = None, where: str = "summary") -> Period | None:
    """Place --period on the data in scope (None: the default, the last 12 full months of the data,
    the month of the latest item among them when it had ended by the latest import).
    None when there is no item at all. A period holding no item is one line saying where the data is."""
    spec = parse_period(spec or DEFAULT_PERIOD) if not isinstance(spec, PeriodSpec) else spec
    totals = store.totals(services)
    first, last = totals.get("first_created"), totals.get("last_created")
    if first is None or pd.isna(first):
        return None
    taken = data_taken_at(store) if spec.last_months is not None else None
    period = place(spec, first, last, taken_at=taken)
    if spec.last_months is not None and not int(store.totals(services, period.bounds)["items"]):
        # nothing in the last full months (the data holds one month, or a gap): keep the running month in
        period = place(spec, first, last, with_last_month=True, taken_at=taken)
    if not int(store.totals(services, period.bounds)["items"]):
        whose = "the organisation's" if services else "the"  # narrowed to its services, the range is theirs
        raise ToilauditError(
            f"{where}: no tickets or pages in {period.label} ({whose} data runs from {day(period.data_start)} to "
            f"{day(period.data_end - DAY)}) - choose a --period inside it, or --period all")
    return period


def classifier_rates(store: Store) -> dict[str, Rates]:
    """The classifier's measured errors per source: the organisation's own labels, cross-validated,
    when it has LABELS_FOR_OWN_RATES or more and they reach far enough (CrossValidation.thin: enough
    repetition groups, none holding most of them); else the corpus's leave-one-organisation-out
    figures, saying why the organisation's own labels were not used."""
    rows = store.labelled_items()
    if len(rows) >= LABELS_FOR_OWN_RATES:
        labelled = rows.assign(human=human_verdicts(rows, store.load_labels()))
        labelled = labelled.loc[labelled["human"].notna()]
        check = cross_validate(labelled, active_rule_pack(store), shipped_model())
        if check.thin is None:
            own = own_rates(check.adapted.true_positive, check.adapted.false_negative,
                            check.adapted.false_positive, len(labelled), check.groups)
            return {"jira": own, "pagerduty": own}
        # no command named: the report quotes this too
        why = f"; the organisation's own {len(labelled):,} labels were not used, as {check.thin}"
        return {"jira": corpus_rates("ticket", why), "pagerduty": corpus_rates("page", why)}
    return {"jira": corpus_rates("ticket"), "pagerduty": corpus_rates("page")}


def toil_range(store: Store, by_source: dict[str, Figures]) -> ShareRange | None:
    """The corrected share of the hours in `by_source` (the period's): the classifier's precision and
    recall are measured on every labelled item, whatever its date."""
    rates = classifier_rates(store)
    return corrected_share([(f.toil_hours, f.total_hours, rates[source]) for source, f in by_source.items()
                            if source in rates])


def summarise(store: Store, by: str = "source", top: int = TOP_CANDIDATES, with_range: bool = True,
              services: tuple[str, ...] | None = None, period: Period | None = None) -> Summary:
    """The figures; `services` narrows them to one organisation's items, `period` to the items
    created in it (None: every item, as the evidence counts them), `with_range` adds the toil
    share corrected for the classifier's measured errors (it cross-validates: leave it out where
    only the figures are needed)."""
    between = _bounds(period)
    totals = store.totals(services, between)
    candidates = tuple(
        Candidate(
            group_id=row["group_id"], template=row["template"], category=row["category"], source=row["source"],
            items=int(row["items"]), hours=float(row["hours"]), example_title=row["example_title"],
            items_all=int(row["items_all"]),
        )
        # a candidate repeats: a one-off item, however long, is not a request to automate
        for row in store.top_groups(top, active_rule_pack(store).settings.repetition_min_group, services,
                                    between).to_dict("records")
    )
    first, last = totals.get("first_created"), totals.get("last_created")
    by_source = breakdown(store, "source", services, period)
    return Summary(
        total=figures_from(totals),
        by_source=by_source,
        by=by,
        breakdown=breakdown(store, by, services, period),
        candidates=candidates,
        first_created=None if first is None or pd.isna(first) else pd.Timestamp(first),
        last_created=None if last is None or pd.isna(last) else pd.Timestamp(last),
        rule_pack_versions=tuple(store.rule_pack_versions()),
        toil_range=toil_range(store, by_source) if with_range else None,
        period=period,
        items_any_date=int(store.totals(services)["items"]) if period is not None else int(totals["items"]),
        services=services,
        items_imported=store.item_count(),
    )


# ------------------------------------------------------------------------ where the hours come from
@dataclass(frozen=True, slots=True)
class CategoryEstimate:
    category: str
    """The category the items took."""
    toil: bool
    """Toil (the rule's estimate) or other work (the default for other work)."""
    items: int
    """Items of the category whose time no source measured."""
    hours: float
    """The hours estimated for them."""
    least: float
    """The smallest estimate of one item (pages add the interruption, auto-resolved pages count it alone)."""
    most: float
    """The largest estimate of one item."""


def hour_estimates(store: Store, services: tuple[str, ...] | None = None,
                   period: Period | None = None) -> tuple[CategoryEstimate, ...]:
    """The per-category estimates the period's hours rest on, most hours first."""
    return tuple(
        CategoryEstimate(str(row["category"]), bool(row["toil"]), int(row["items"]), float(row["hours"]),
                         float(row["least"]), float(row["most"]))
        for row in store.estimated_hours(services, _bounds(period)).to_dict("records")
    )


def time_settings(store: Store) -> Settings:
    """The rule pack's time figures in force: what an item costs when no source measured it."""
    return active_rule_pack(store).settings


# ------------------------------------------------------------------------ toil against capacity
@dataclass(frozen=True, slots=True)
class PersonShare:
    name: str
    """As recorded (the report pseudonymises)."""
    toil_hours: float
    """Toil hours recorded against them in the period."""
    percent_of_capacity: float
    """Those hours as a share of one engineer's working hours in the period, 0-100."""


@dataclass(frozen=True, slots=True)
class CapacityShare:
    engineers: float
    """Engineers who carry operations work."""
    hours_per_week: float
    """Their working hours a week each."""
    weeks: float
    """Weeks in the period the items cover, to the day (Period.weeks): a day is a seventh of a week."""
    toil_hours: float
    """Toil hours recorded in the period."""
    recorded_hours: float
    """All hours recorded in tickets and pages in the period."""
    people_over_cap: tuple[PersonShare, ...]
    """Each person whose recorded toil alone is over Google's 50% of their time."""

    @property
    def days(self) -> int:
        """The days capacity is counted over (weeks x 7)."""
        return round(self.weeks * DAYS_PER_WEEK)

    @property
    def span(self) -> str:
        """The time capacity is counted over, exactly as counted: "1 day", "51 weeks and 5 days"."""
        return span(self.days)

    @property
    def capacity_hours(self) -> float:
        """engineers x hours a week x weeks: prorated to the day (one day: a seventh of a week's hours)."""
        return self.engineers * self.hours_per_week * self.weeks

    @property
    def toil_percent(self) -> float:
        """Toil's share of capacity, 0-100: the figure to set against the 50% cap and the 34%."""
        return round(100 * self.toil_hours / self.capacity_hours, 1) if self.capacity_hours else 0.0

    @property
    def recorded_percent(self) -> float:
        """How much of the capacity tickets and pages record at all, 0-100."""
        return round(100 * self.recorded_hours / self.capacity_hours, 1) if self.capacity_hours else 0.0

    @property
    def most_percent(self) -> float:
        """The most toil can be of capacity: the toil recorded, and every hour nobody recorded."""
        return round(min(100.0, self.toil_percent + max(0.0, 100 - self.recorded_percent)), 1)

    def verdict(self) -> str | None:
        """Where toil's share of capacity stands against Google's cap and the industry's figure, as far
        as the records can show it; None where they cannot. Recorded toil is a floor (the hours nobody
        recorded may be toil too): it can show toil above a line, and under one only when even every
        unrecorded hour would not lift it over."""
        google, industry = f"Google's {GOOGLE_CAP_PERCENT}% cap", f"the industry's {INDUSTRY_PERCENT_2026}% (2026)"
        if self.toil_percent > GOOGLE_CAP_PERCENT:
            return f"above {google}"
        if self.toil_percent > INDUSTRY_PERCENT_2026:
            return f"above {industry}" + (f" and under {google}" if self.most_percent <= GOOGLE_CAP_PERCENT else "")
        if self.most_percent <= INDUSTRY_PERCENT_2026:
            return f"under {industry} and {google}"
        if self.most_percent <= GOOGLE_CAP_PERCENT:
            return f"under {google}"
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "engineers": self.engineers, "hours_per_week": self.hours_per_week, "weeks": round(self.weeks, 2),
            "days": self.days, "capacity_hours": round(self.capacity_hours, 1), "toil_percent_of_capacity": self.toil_percent,
            "recorded_percent_of_capacity": self.recorded_percent,
            "most_percent_of_capacity": self.most_percent, "against_the_cap": self.verdict(),
            "people_over_cap": [{"name": p.name, "toil_hours": round(p.toil_hours, 1),
                                 "percent_of_capacity": p.percent_of_capacity} for p in self.people_over_cap],
        }


def period_weeks(summary: Summary) -> float:
    """Weeks of the period the data covers, to the day; without a period, the days from the first
    item's to the last item's, both counted whole (as Period counts the data's)."""
    if summary.period is not None:
        return summary.period.weeks
    if summary.first_created is None or summary.last_created is None:
        return 0.0
    days = (summary.last_created.normalize() + DAY - summary.first_created.normalize()) / DAY
    return days / DAYS_PER_WEEK


def capacity_share(store: Store, summary: Summary, engineers: float, hours_per_week: float,
                   services: tuple[str, ...] | None = None) -> CapacityShare:
    """Toil against the capacity of the engineers who carry operations work over the summary's
    period, and who is over the cap."""
    weeks = period_weeks(summary)
    one_person = hours_per_week * weeks
    people = []
    for name, figures in breakdown(store, "person", services, summary.period).items():
        if name.startswith("(") or not one_person:
            continue
        percent = round(100 * figures.toil_hours / one_person, 1)
        if percent > GOOGLE_CAP_PERCENT:
            people.append(PersonShare(name, figures.toil_hours, percent))
    people.sort(key=lambda p: (-p.toil_hours, p.name))
    return CapacityShare(engineers, hours_per_week, weeks, summary.total.toil_hours, summary.total.total_hours,
                         tuple(people))


def pseudonyms(names_by_toil: list[str]) -> dict[str, str]:
    """Engineer A, B, ... in the order given (most toil hours first), so the mapping is stable."""
    out = {}
    for index, name in enumerate(n for n in names_by_toil if not n.startswith("(")):
        letters, n = "", index
        while True:
            letters = chr(ord("A") + n % 26) + letters
            n = n // 26 - 1
            if n < 0:
                break
        out[name] = f"Engineer {letters}"
    return out


def people_by_toil(store: Store, services: tuple[str, ...] | None = None,
                   period: Period | None = None) -> list[str]:
    rows = breakdown(store, "person", services, period)
    return sorted(rows, key=lambda name: (-rows[name].toil_hours, name))
