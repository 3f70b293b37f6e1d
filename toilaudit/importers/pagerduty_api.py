"""PagerDuty's REST API v2 incidents -> WorkItems, with the official client (RestApiV2Client).

/incidents accepts at most a 6-month since/until range, and classic pagination stops at offset
10,000. So the range is cut into windows of at most 180 days, each window is asked its `total`
first, and a window holding more than the offset cap allows is split in half again, until every
window can be paged completely: a busy year imports every incident, no more, no fewer. Every
window's total is asked before the first page is handed on, so progress shows the whole count.
Auto-resolution is read from each incident's `last_status_change_by` (a service or integration
resolved it, not a person), so no per-incident log-entry calls are needed.
Each page is checked as a CSV download is (api_checks.py): a date that is none is refused naming
the incident; one created outside the range asked for is skipped, which also keeps it from
moving the watermark; odd dates and blanks are summarised in warnings at the end.
The token comes from PAGERDUTY_API_TOKEN only.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from toilaudit.errors import SourceError
from toilaudit.importers.api_checks import PageChecks
from toilaudit.importers.dates import parse_api_dates
from toilaudit.importers.interface import DATE_FIELDS, normalise_frame
from toilaudit.importers.retry import (
    Retryable,
    RetryPolicy,
    parse_retry_after,
    policy_from_environment,
    with_retries,
)
from toilaudit.importers.tls import ca_bundle
from toilaudit.urls import check_source_url

MAX_WINDOW = timedelta(days=180)  # the API refuses a since/until range over 6 months
OFFSET_CAP = 10_000  # classic pagination: offset + limit may not pass this
PAGE_SIZE = 100
HUMAN_AGENTS = {"user", "user_reference"}
FIELD_NAMES = {"created_at": "created_at", "resolved_at": "resolved_at", "title": "title"}  # as the API has them
UNREADABLE = "check --url points at PagerDuty's REST API, or leave the incident out with --since/--until or --service"


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page starts: the window being read and how many of its incidents come before."""

    since: datetime
    until: datetime
    offset: int


@dataclass(frozen=True, slots=True)
class IncidentPage:
    items: pd.DataFrame
    """The page's incidents as WorkItems."""
    window_total: int
    """Incidents in the page's window."""
    total: int = 0
    """Incidents in all the windows this run reads (from its start or the position it went on from)."""
    next: Position | None = None
    """Where the next page starts; None after the last. Kept with each stored page, so that a run
    cut off goes on from there."""


class PagerDutySource:
    def __init__(self, url: str | None, environ: Mapping[str, str] = os.environ,
                 policy: RetryPolicy | None = None, on_wait=None) -> None:
        import pagerduty

        token = environ.get("PAGERDUTY_API_TOKEN")
        if not token:
            raise SourceError("pagerduty: no token - set PAGERDUTY_API_TOKEN in the environment (a read-only REST API key)")
        if url:
            check_source_url(url, "pagerduty", ("https",))  # the API (and its client) only speak https
        options: dict[str, Any] = {}
        if ca_bundle(environ):  # a corporate CA (tls.py): given explicitly, so httpx reads no variable itself
            options["verify"] = ssl.create_default_context(cafile=ca_bundle(environ))
        self.client = pagerduty.RestApiV2Client(token, base_url=url or None, **options)
        # The client retries 429 forever unless bounded: allow it one quick retry, then this
        # module's policy (which honours Retry-After) takes over.
        self.client.retry[429] = 1
        self.client.sleep_timer = 0.25
        self.client.max_network_attempts = 1
        if self.client.log is not None:
            self.client.log.setLevel(logging.CRITICAL)  # our own messages report each retry
        self.url = self.client.url
        self.policy = policy or policy_from_environment(environ)
        self.on_wait = on_wait
        self.checks = PageChecks("pagerduty", FIELD_NAMES)

    def warnings(self) -> list[str]:
        """What the pages fetched so far deserve a warning for, each kind in one line."""
        return self.checks.warnings()

    def _get(self, path: str, params: dict) -> dict:
        import httpx2
        import pagerduty

        def attempt() -> dict:
            try:
                response = self.client.get(path, params=params)
            except pagerduty.HttpError as error:
                status = getattr(getattr(error, "response", None), "status_code", None)
                if status == 401:
                    raise SourceError(f"pagerduty: {self.url} rejected the token (HTTP 401) - check "
                                      "PAGERDUTY_API_TOKEN and the service region (--url for the EU)") from None
                raise SourceError(f"pagerduty: {path} failed (HTTP {status}) - check --url") from None
            except (httpx2.TransportError, pagerduty.Error) as error:
                if _is_certificate_failure(error):
                    raise SourceError(f"pagerduty: TLS verification failed for {self.url} - set SSL_CERT_FILE or "
                                      "REQUESTS_CA_BUNDLE to your CA bundle") from None
                raise Retryable(f"connection to {self.url} failed: {type(error).__name__}") from None
            status = response.status_code
            if status == 429 or status >= 500:
                raise Retryable(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
            if status == 403:
                raise SourceError(f"pagerduty: the token may not read {path} (HTTP 403) - use a key with read "
                                  "access to incidents")
            if status >= 400:
                raise SourceError(f"pagerduty: {path} was rejected (HTTP {status}: {_message(response)}) - check "
                                  "--since, --until and --service")
            return response.json()

        return with_retries(attempt, f"pagerduty {path}", self.policy, on_wait=self.on_wait)

    def windows(self, since: datetime, until: datetime) -> list[Window]:
        """Cut [since, until) into windows the endpoint accepts (at most 180 days each)."""
        out, start = [], since
        while start < until:
            end = min(start + MAX_WINDOW, until)
            out.append(Window(start, end))
            start = end
        return out

    def pages(self, since: datetime, until: datetime, services: tuple[str, ...],
              start: Position | None = None) -> Iterator[IncidentPage]:
        """Every incident created in [since, until), page by page; from `start`, a page's `next`, if given."""
        windows = self.windows(since, until)
        if start is not None and since <= start.since < start.until <= until:
            windows = [Window(start.since, start.until), *self.windows(start.until, until)]
        planned = self._plan(windows, services)
        skipped = start.offset if start is not None and planned and planned[0][0] == Window(start.since, start.until) \
            else 0
        total = sum(count for _, count, _ in planned) - skipped
        for index, (window, count, first) in enumerate(planned):
            params = self._params(window, services)
            offset = skipped if index == 0 else 0
            data = first if offset == 0 else self._get("/incidents", {**params, "offset": offset})
            while True:
                incidents = data.get("incidents") or []
                offset += len(incidents)
                more = bool(data.get("more")) and bool(incidents)
                if more:
                    following = Position(window.since, window.until, offset)
                elif index + 1 < len(planned):
                    following = Position(planned[index + 1][0].since, planned[index + 1][0].until, 0)
                else:
                    following = None
                yield IncidentPage(self._within(_to_items(incidents), since, until), count, total, following)
                if not more:
                    break
                data = self._get("/incidents", {**params, "offset": offset})

    def _plan(self, windows: list[Window], services: tuple[str, ...]) -> list[tuple[Window, int, dict]]:
        """Each window with its total and first page, those over the offset cap split until none is."""
        pending, planned = list(windows), []
        while pending:
            window = pending.pop(0)
            first = self._get("/incidents", {**self._params(window, services), "offset": 0, "total": "true"})
            total = int(first.get("total") or 0)
            if total > OFFSET_CAP:
                if window.until - window.since <= timedelta(seconds=2):
                    raise SourceError(f"pagerduty: {total:,} incidents within two seconds around {window.since} - "
                                      "narrow the query with --service")
                middle = window.since + (window.until - window.since) / 2
                pending[:0] = [Window(window.since, middle), Window(middle, window.until)]
                continue
            planned.append((window, total, first))
        return planned

    def _within(self, items: pd.DataFrame, since: datetime, until: datetime) -> pd.DataFrame:
        """The page's incidents created in [since, until), checked; the others skipped, with a
        warning: not what was asked for, and one dated ahead would move the watermark past
        incidents still to come."""
        names = incident_names(items)
        outside = ((items["created_at"] < since) | (items["created_at"] >= until)).to_numpy(dtype=bool)
        self.checks.skip(names[outside], f"incident(s) created outside the range asked for ({since:%Y-%m-%d %H:%M} "
                         f"to {until:%Y-%m-%d %H:%M} UTC)", "import a range that holds them with --since/--until")
        items = items.loc[~outside].reset_index(drop=True)
        self.checks.add(items, names[~outside].reset_index(drop=True))
        return items

    @staticmethod
    def _params(window: Window, services: tuple[str, ...]) -> dict:
        params = {
            "since": window.since.isoformat(),
            "until": window.until.isoformat(),
            "limit": PAGE_SIZE,
            "time_zone": "UTC",
            "statuses[]": ["triggered", "acknowledged", "resolved"],
        }
        if services:
            params["service_ids[]"] = list(services)
        return params


def _to_items(incidents: list[dict]) -> pd.DataFrame:
    rows = []
    for incident in incidents:
        status = incident.get("status", "")
        changer = (incident.get("last_status_change_by") or {}).get("type", "")
        people = [a.get("acknowledger", {}).get("summary", "") for a in incident.get("acknowledgements") or []]
        people += [a.get("assignee", {}).get("summary", "") for a in incident.get("assignments") or []]
        resolved = incident.get("resolved_at") or (incident.get("last_status_change_at") if status == "resolved"
                                                     else None)
        teams = incident.get("teams") or []
        rows.append({
            "source": "pagerduty",
            "key": incident["id"],
            "incident_number": str(incident.get("incident_number") or ""),
            "title": incident.get("title") or incident.get("summary") or incident.get("description") or "",
            "item_type": "incident",
            "status": status,
            "team": teams[0].get("summary", "") if teams else "",
            "service": (incident.get("service") or {}).get("summary", ""),
            "labels": "",
            "created_at": incident.get("created_at"),
            "resolved_at": resolved,
            "urgency": incident.get("urgency", ""),
            "auto_resolved": (status == "resolved" and changer not in HUMAN_AGENTS) if changer else None,
            "people": "|".join(dict.fromkeys(p for p in people if p)),
            # when it last changed; an account whose incidents lack updated_at: its last status change
            "updated_at": incident.get("updated_at") or incident.get("last_status_change_at"),
        })
    frame = pd.DataFrame(rows, columns=["source", "key", "incident_number", "title", "item_type", "status", "team",
                                        "service", "labels", "created_at", "resolved_at", "urgency", "auto_resolved",
                                        "people", "updated_at"])
    for column in DATE_FIELDS:
        frame[column] = parse_api_dates(frame[column], incident_names(frame), "pagerduty", column, UNREADABLE)
    seconds = (frame["resolved_at"] - frame["created_at"]).dt.total_seconds()
    frame["time_spent_seconds"] = seconds.where(seconds >= 0)  # resolved before created: unknown, as from a CSV
    return normalise_frame(frame)


def incident_names(items: pd.DataFrame) -> pd.Series:
    """Incidents as people quote them: #1234, or the id where there is no number."""
    numbers = items["incident_number"].fillna("").astype(str)
    return ("#" + numbers).where(numbers != "", items["key"].astype(str))


def _is_certificate_failure(error: BaseException | None) -> bool:
    """True when a TLS certificate check failed somewhere down the exception chain."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(error):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _message(response) -> str:
    try:
        error = response.json().get("error", {})
        return str(error.get("message", "")) + (f" ({'; '.join(error.get('errors', []))})" if error.get("errors") else "")
    except ValueError:
        return "no details"
