"""A Jira REST API on 127.0.0.1 that answers as Jira does, for the real `jira` client.

Cloud: GET /rest/api/{2,3}/search/jql pages with nextPageToken / isLast (no total).
Server / Data Center: GET /rest/api/2/search pages with startAt / maxResults / total.
It checks credentials (basic for Cloud, bearer for Data Center), rejects bad JQL as Jira does
(400 with errorMessages), filters `updated >= "..."`, caps maxResults at 100, and can inject
faults (429 with Retry-After, 503) before given requests.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta

from werkzeug import Request, Response

from toilaudit.synth.exports import JIRA_TEMPLATES, _fill

MAX_RESULTS = 100
UPDATED_SINCE = re.compile(r'updated\s*>=\s*"(\d{4}-\d{2}-\d{2} \d{2}:\d{2})"')


def make_issues(count: int, seed: int = 5) -> list[dict]:
    import random

    rng = random.Random(seed)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    issues = []
    for number in range(1, count + 1):
        template = rng.choice(JIRA_TEMPLATES)
        created = start + timedelta(minutes=rng.randint(0, 300 * 24 * 60))
        resolved = created + timedelta(hours=rng.uniform(1, 48))
        issues.append({
            "id": str(10000 + number),
            "key": f"OPS-{number}",
            "fields": {
                "summary": _fill(template.title, rng, created),
                "issuetype": {"name": template.issue_type},
                "status": {"name": "Done"},
                "created": created.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "updated": resolved.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "resolutiondate": resolved.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "timespent": rng.choice([None, 1800, 3600]),
                "labels": [template.label] if number % 7 == 0 else [],
                "components": [{"name": "payments-api"}],
                "priority": {"name": "Medium"},
                "assignee": {"displayName": f"Engineer {number % 9}"},
                "reporter": {"displayName": "Requester"},
                "project": {"name": "Operations"},
                "description": f"Raised from the service desk portal.\nDetails: {number}",
            },
        })
    return issues


class FakeJira:
    def __init__(self, httpserver, issues: list[dict], deployment: str = "Cloud", user: str = "auditor@acme.example",
                 token: str = "jira-token", pat: str = "jira-pat") -> None:
        self.server = httpserver
        self.issues = sorted(issues, key=lambda i: i["key"])
        self.deployment = deployment
        self.user, self.token, self.pat = user, token, pat
        self.faults: dict[int, list[tuple[int, dict]]] = {}  # search request number -> responses to send first
        self.fail_from: int | None = None  # every search request from this number answers 503 (an outage)
        self.search_requests = 0
        self.delay_seconds = 0.0  # each search answer takes this long (a slow server, to interrupt)
        self.hold_after: int | None = None  # search requests after this many wait for `released`
        self.released = threading.Event()
        self.requested_fields: set[str] = set()
        self.lock = threading.Lock()
        httpserver.expect_request(re.compile(r"/rest/api/\d/serverInfo")).respond_with_handler(self.server_info)
        httpserver.expect_request(re.compile(r"/rest/api/\d/field")).respond_with_handler(self.fields)
        httpserver.expect_request(re.compile(r"/rest/api/\d/search(/jql)?$")).respond_with_handler(self.search)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if self.deployment == "Cloud":
            expected = base64.b64encode(f"{self.user}:{self.token}".encode()).decode()
            return header == f"Basic {expected}"
        return header == f"Bearer {self.pat}"

    def _json(self, body, status=200, headers=None) -> Response:
        return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")

    def _unauthorised(self) -> Response:
        return Response("<html>Unauthorized (401)</html>", status=401, content_type="text/html")

    def server_info(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        version = [1001, 0, 0] if self.deployment == "Cloud" else [9, 12, 4]
        return self._json({"baseUrl": self.url, "version": ".".join(map(str, version)) + ("-SNAPSHOT" if version[0] > 100
                           else ""), "versionNumbers": version, "deploymentType": self.deployment,
                           "buildNumber": 100287, "buildDate": "2026-11-20T00:00:00.000+0000",
                           "serverTime": "2026-11-25T10:00:00.000+0000", "scmInfo": "abc123", "serverTitle": "Jira"})

    def fields(self, request: Request) -> Response:
        return self._json([{"id": "summary", "name": "Summary"}, {"id": "updated", "name": "Updated"}])

    def search(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        time.sleep(self.delay_seconds)
        if self.hold_after is not None and self.search_requests >= self.hold_after:
            self.released.wait(timeout=60)  # a server that stops answering until the test says so
        cloud_path = request.path.endswith("/search/jql")
        if cloud_path != (self.deployment == "Cloud"):
            return self._json({"errorMessages": ["The requested API has been removed. Please migrate to the "
                                                 "/rest/api/3/search/jql API."]}, 410)
        with self.lock:
            self.search_requests += 1
            number = self.search_requests
            queued = self.faults.get(number, [])
            if queued:
                status, headers = queued.pop(0)
                self.search_requests -= 1  # the same page is asked again
                return self._json({"errorMessages": ["Rate limit exceeded." if status == 429 else "Unavailable"]},
                                  status, headers)
            if self.fail_from is not None and number >= self.fail_from:
                return self._json({"errorMessages": ["Service Unavailable"]}, 503)
        args = request.args
        for value in args.getlist("fields"):
            self.requested_fields.update(v for v in value.split(",") if v)
        jql = args.get("jql", "")
        if "BADFIELD" in jql:
            return self._json({"errorMessages": ["Field 'BADFIELD' does not exist or you do not have permission to "
                                                 "view it."], "errors": {}}, 400)
        if "ECHO" in jql:  # a proxy that quotes the request's headers in its error (seen in the wild)
            return self._json({"errorMessages": [f"JQL rejected; you sent {request.headers.get('Authorization')}"],
                               "errors": {}}, 400)
        matching = self.issues
        since = UPDATED_SINCE.search(jql)
        if since:
            cutoff = datetime.strptime(since.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
            matching = [i for i in matching if datetime.strptime(i["fields"]["updated"], "%Y-%m-%dT%H:%M:%S.000%z")
                        >= cutoff]
        size = min(int(args.get("maxResults", 50)), MAX_RESULTS)
        if cloud_path:
            start = int(base64.b64decode(args["nextPageToken"]).decode()) if args.get("nextPageToken") else 0
        else:
            start = int(args.get("startAt", 0))
        page = [self._project(i) for i in matching[start:start + size]]
        end = start + len(page)
        if cloud_path:
            body = {"issues": page, "isLast": end >= len(matching)}
            if end < len(matching):
                body["nextPageToken"] = base64.b64encode(str(end).encode()).decode()
            return self._json(body)
        return self._json({"startAt": start, "maxResults": size, "total": len(matching), "issues": page})

    def _project(self, issue: dict) -> dict:
        wanted = self.requested_fields or set(issue["fields"])
        return {**issue, "fields": {k: v for k, v in issue["fields"].items() if k in wanted}}
