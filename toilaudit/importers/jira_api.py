"""Jira's REST API -> WorkItems, with the real `jira` client (pycontribs).

Cloud removed the old `/search` in 2025: it pages with the enhanced search (`search/jql`,
`nextPageToken`, `isLast`); Server and Data Center page `/search` with `startAt` / `total`.
`serverInfo`'s deploymentType tells them apart. Only the fields a WorkItem needs are asked for.
Each page is checked as a CSV export is (api_checks.py): a date or time spent that cannot be
stored is refused naming the issue; odd dates and blanks are summarised in warnings at the end.
Credentials come from the environment only: JIRA_USER + JIRA_API_TOKEN (Cloud, basic auth) or
JIRA_PAT (Data Center, bearer token). No message ever includes them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pandas as pd
import requests

from toilaudit.errors import SourceError, shown
from toilaudit.importers.api_checks import PageChecks
from toilaudit.importers.dates import parse_api_dates
from toilaudit.importers.export import MAX_SECONDS, split_human_labels
from toilaudit.importers.interface import DATE_FIELDS, normalise_frame
from toilaudit.importers.jira_csv import HEADER_NAMES
from toilaudit.importers.retry import (
    Retryable,
    RetryPolicy,
    parse_retry_after,
    policy_from_environment,
    with_retries,
)
from toilaudit.importers.tls import ca_bundle
from toilaudit.urls import check_source_url

FIELDS = ["summary", "description", "issuetype", "status", "resolution", "created", "updated", "resolutiondate", "timespent",
          "labels", "components", "priority", "assignee", "project"]
PAGE_SIZE = 100
ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)
# An issue the import cannot store: Jira sends every date as ISO 8601 and time spent in seconds,
# so anything else is that issue's, and the run goes on from its page once it is put right.
LEAVE_OUT = "correct it in Jira and run the same command again, or leave the issue out with --jql"


@dataclass(frozen=True, slots=True)
class JiraPage:
    items: pd.DataFrame
    """The page's issues as WorkItems."""
    total: int | None
    """Issues matching the query (Data Center says; Cloud's enhanced search does not)."""
    max_updated: pd.Timestamp | None
    """Latest `updated` on the page, for the watermark."""
    next: str | int | None = None
    """Where the next page starts (Cloud's nextPageToken, Data Center's startAt); None after the last.
    Kept with each stored page, so that a run cut off goes on from there."""


def narrow_jql(jql: str, updated_since: pd.Timestamp | None) -> str:
    """Add `updated >= ...` to a JQL query, before any ORDER BY."""
    if updated_since is None:
        return jql
    condition = f'updated >= "{updated_since:%Y-%m-%d %H:%M}"'
    match = ORDER_BY.search(jql)
    body, order = (jql[: match.start()], " " + jql[match.start():]) if match else (jql, "")
    body = body.strip()
    return (f"({body}) AND {condition}" if body else condition) + order


class JiraSource:
    def __init__(self, url: str, environ: Mapping[str, str] = os.environ, policy: RetryPolicy | None = None,
                 on_wait=None) -> None:
        from jira import JIRA

        self.url = check_source_url(url, "jira").rstrip("/")
        self.policy = policy or policy_from_environment(environ)
        self.on_wait = on_wait
        pat, user, token = environ.get("JIRA_PAT"), environ.get("JIRA_USER"), environ.get("JIRA_API_TOKEN")
        auth: dict = {}
        if pat:
            auth = {"token_auth": pat}
            self.credential_hint = "JIRA_PAT"
        elif user and token:
            auth = {"basic_auth": (user, token)}
            self.credential_hint = "JIRA_USER and JIRA_API_TOKEN"
        else:
            raise SourceError(
                "jira: no credentials - set JIRA_USER and JIRA_API_TOKEN (Cloud) or JIRA_PAT (Data Center) "
                "in the environment"
            )
        options: dict = {"server": self.url}
        if ca_bundle(environ):
            options["verify"] = ca_bundle(environ)  # a corporate CA (tls.py)
        # max_retries=0: this module owns the retry policy (see retry.py). The client reads
        # serverInfo when built; it needs deploymentType to allow Cloud's enhanced search.
        self.client = self._call(
            lambda: JIRA(options=options, max_retries=0, timeout=60, get_server_info=True, **auth), "serverInfo")
        self.deployment = str(self.client.deploymentType or "Server")
        self.is_cloud = self.deployment == "Cloud"
        self.checks = PageChecks("jira", {**HEADER_NAMES, "title": "Summary"})

    def warnings(self) -> list[str]:
        """What the pages fetched so far deserve a warning for, each kind in one line."""
        return self.checks.warnings()

    def _call(self, request, what: str):
        def attempt():
            from jira.exceptions import JIRAError

            try:
                return request()
            except JIRAError as error:
                raise self._translate(error, what) from None
            except requests.exceptions.SSLError:
                raise SourceError(
                    f"jira: TLS verification failed for {self.url} - set REQUESTS_CA_BUNDLE or SSL_CERT_FILE to your "
                    "CA bundle"
                ) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as error:
                raise Retryable(f"connection to {self.url} failed: {type(error).__name__}") from None
            except (KeyError, TypeError, AttributeError, ValueError) as error:
                # the client reads fields of Jira's answer (serverInfo's versionNumbers ...): another
                # server answering 200 with other JSON fails here
                raise SourceError(
                    f"jira: {self.url} does not answer {what} as Jira does ({type(error).__name__} "
                    f"{shown(str(error), 40)}) - check --url points at Jira's base URL"
                ) from None

        return with_retries(attempt, f"jira {what}", self.policy, on_wait=self.on_wait)

    def _translate(self, error, what: str) -> Exception:
        status = error.status_code
        headers = getattr(getattr(error, "response", None), "headers", {}) or {}
        if status in (429, 500, 502, 503, 504):
            return Retryable(f"HTTP {status}", parse_retry_after(headers.get("Retry-After")))
        if status in (401, 403):
            word = "rejected the credentials" if status == 401 else "denied access"
            return SourceError(f"jira: {self.url} {word} (HTTP {status}) - check {self.credential_hint}")
        if status == 400:
            return SourceError(f"jira: the query was rejected: {_jira_messages(error)} - fix --jql")
        if status == 404:
            return SourceError(f"jira: {self.url} has no Jira REST API at {what} (HTTP 404) - check --url")
        return SourceError(f"jira: {what} failed with HTTP {status} ({_jira_messages(error)}) - check --url")

    def pages(self, jql: str, start: str | int | None = None) -> Iterator[JiraPage]:
        """The query's issues page by page, from the beginning or from `start`, a page's `next`."""
        if self.is_cloud:
            yield from self._cloud_pages(jql, start if isinstance(start, str) else None)
            return
        begin = start if isinstance(start, int) else 0
        while True:
            data = self._call(lambda s=begin: self.client.search_issues(
                jql, startAt=s, maxResults=PAGE_SIZE, fields=list(FIELDS), json_result=True, validate_query=True),
                "search")
            data = self._answer(data, "search")
            issues = data.get("issues") or []
            total = int(data.get("total") or 0) if str(data.get("total") or 0).isdigit() else 0
            begin += len(issues)
            done = not issues or begin >= total
            yield self._page(issues, total, None if done else begin)
            if done:
                return

    def _cloud_pages(self, jql: str, token: str | None) -> Iterator[JiraPage]:
        resumed = token
        while True:
            try:
                data = self._call(lambda t=token: self.client.enhanced_search_issues(
                    jql, nextPageToken=t, maxResults=PAGE_SIZE, fields=list(FIELDS), json_result=True), "search/jql")
            except SourceError:
                if token is None or token != resumed:
                    raise
                token = resumed = None  # a token kept from an earlier run may have expired: start over
                continue
            data = self._answer(data, "search/jql")
            token = data.get("nextPageToken")
            last = bool(data.get("isLast", not token)) or not token
            yield self._page(data.get("issues") or [], None, None if last else token)
            if last:
                return

    def _answer(self, data, what: str) -> dict:
        """A search answer, checked for the shape the pages are read from: a server that is not
        Jira can answer 200 with any JSON."""
        issues = data.get("issues") or [] if isinstance(data, dict) else None
        if not isinstance(issues, list) or not all(isinstance(i, dict) and isinstance(i.get("key"), str)
                                                   and isinstance(i.get("fields") or {}, dict) for i in issues):
            raise SourceError(f"jira: {self.url} does not answer {what} as Jira does (no list of issues with keys) - "
                              "check --url points at Jira's base URL")
        return data

    def _page(self, issues: list[dict], total: int | None, next_start: str | int | None) -> JiraPage:
        rows = []
        for issue in issues:
            fields = issue.get("fields") or {}
            labels = "|".join(str(label) for label in fields.get("labels") or [])
            components = [c.get("name", "") for c in fields.get("components") or []]
            # the assignee, not the reporter (a requester or a bot): see columns.JIRA_ALIASES
            assignee = str((fields.get("assignee") or {}).get("displayName") or "")
            rows.append({
                "source": "jira",
                "key": issue["key"],
                "title": fields.get("summary") or "",
                "description": description_text(fields.get("description")),
                "item_type": (fields.get("issuetype") or {}).get("name", ""),
                "status": (fields.get("status") or {}).get("name", ""),
                "resolution": (fields.get("resolution") or {}).get("name", ""),  # null while unresolved
                "team": (fields.get("project") or {}).get("name", ""),
                "service": components[0] if components else "",
                "labels": labels,
                "created_at": fields.get("created"),
                "resolved_at": fields.get("resolutiondate"),
                "updated_at": fields.get("updated"),
                "time_spent_seconds": time_spent(fields.get("timespent"), issue["key"]),
                "urgency": (fields.get("priority") or {}).get("name", ""),
                "people": assignee,
            })
        frame = pd.DataFrame(rows)
        if frame.empty:
            return JiraPage(normalise_frame(frame.assign(source=[], key=[])), total, None, next_start)
        for column in DATE_FIELDS:
            frame[column] = parse_api_dates(frame[column], frame["key"], "jira", HEADER_NAMES[column], LEAVE_OUT)
        self.checks.add(frame, frame["key"])
        frame["labels"], frame["human_label"] = split_human_labels(frame["labels"])
        stamps = frame["updated_at"]
        return JiraPage(normalise_frame(frame), total, stamps.max() if stamps.notna().any() else None, next_start)


def time_spent(value, key: str) -> float | None:
    """An issue's timespent (seconds, or null), refused as the CSV importer refuses a row's
    (export.parse_durations): a figure no work takes would swell every sum of hours."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SourceError(f"jira: {key} {HEADER_NAMES['time_spent_seconds']} {shown(value)} is not a number of "
                          f"seconds - {LEAVE_OUT}")
    if not 0 <= value <= MAX_SECONDS:  # NaN too
        raise SourceError(f"jira: {key} {HEADER_NAMES['time_spent_seconds']} {shown(value)} is out of range (0 to "
                          f"{MAX_SECONDS:,} seconds, ten years) - {LEAVE_OUT}")
    return float(value)


def description_text(value) -> str:
    """A description as plain text: REST v2 sends a string, v3 an Atlassian Document (nodes
    with "text" leaves), which is read leaf by leaf, paragraphs joined by newlines."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    parts: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for child in node.get("content") or []:
                walk(child)
            if node.get("type") in ("paragraph", "heading", "listItem", "codeBlock"):
                parts.append("\n")
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(value)
    return "".join(parts).strip()


def _jira_messages(error) -> str:
    """Jira's own error text (errorMessages / errors), never request headers."""
    response = getattr(error, "response", None)
    try:
        body = response.json() if response is not None else {}
    except ValueError:
        body = {}
    messages = list(body.get("errorMessages") or []) + [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
    text = "; ".join(messages) or (error.text or "").strip() or "no details"
    return text.splitlines()[0][:300]
