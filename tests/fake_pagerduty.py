"""PagerDuty's REST API v2 on 127.0.0.1 over HTTPS (a throwaway CA), for the real client.

GET /incidents answers as documented: since/until at most 6 months apart (400 otherwise),
classic pagination with offset/limit/more/total, offset + limit capped at 10,000 (400 beyond),
filtered by service_ids[]; `Authorization: Token token=...` checked (401 otherwise). Faults
(429 with Retry-After, 503) can be injected before given requests, and an incident can be
answered with other fields than it is filed under (`answered`): a broken date, or one outside
the since/until asked for.
"""

from __future__ import annotations

import bisect
import json
import random
import threading
from datetime import UTC, datetime, timedelta

from werkzeug import Request, Response

OFFSET_CAP = 10_000
MAX_RANGE = timedelta(days=184)  # "6 months"
TITLES = ["High CPU on {host}", "Disk usage above 90% on {host}", "Heartbeat missing for batch-{n}",
          "checkout p99 latency above threshold", "Card authorisations failing after release {n}.{m}"]


def make_incidents(count: int, since: datetime, until: datetime, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    span = (until - since).total_seconds()
    incidents = []
    for number in range(1, count + 1):
        created = since + timedelta(seconds=rng.uniform(0, span))
        created = created.replace(microsecond=0)
        status = "resolved" if rng.random() < 0.97 else "acknowledged"
        by_service = rng.random() < 0.35
        resolved = created + timedelta(minutes=rng.randint(2, 240))
        incidents.append({
            "id": f"Q{number:07d}",
            "type": "incident",
            "incident_number": number,
            "title": rng.choice(TITLES).format(host=f"web-{rng.randint(1, 30)}", n=rng.randint(1, 9),
                                               m=rng.randint(0, 9)),
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": status,
            "urgency": rng.choice(["high", "low"]),
            "service": {"id": f"PSVC{number % 4}", "type": "service_reference", "summary": f"service-{number % 4}"},
            "teams": [{"id": "PTEAM1", "type": "team_reference", "summary": "Core SRE"}],
            "assignments": [{"assignee": {"id": "PUSER1", "type": "user_reference", "summary": "Dana Responder"}}],
            "acknowledgements": [],
            "last_status_change_at": resolved.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "last_status_change_by": {"type": "service_reference" if by_service else "user_reference",
                                      "summary": "service" if by_service else "Dana Responder"},
            "resolved_at": resolved.strftime("%Y-%m-%dT%H:%M:%SZ") if status == "resolved" else None,
        })
    incidents.sort(key=lambda i: (i["created_at"], i["id"]))
    return incidents


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class FakePagerDuty:
    def __init__(self, server, incidents: list[dict], token: str = "pd-token") -> None:
        self.server = server
        self.incidents = incidents
        self.created = [parse_time(i["created_at"]) for i in incidents]
        self.token = token
        self.requests = 0
        self.max_offset_seen = 0
        self.faults: dict[int, list[tuple[int, dict]]] = {}
        self.fail_from: int | None = None  # every request from this number answers 503 (an outage)
        self.answered: dict[str, dict] = {}  # incident id -> fields sent instead of its own (filed as it was made)
        self.lock = threading.Lock()
        server.expect_request("/incidents").respond_with_handler(self.list_incidents)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def _json(self, body, status=200, headers=None) -> Response:
        return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")

    def _error(self, status: int, message: str, errors=()) -> Response:
        return self._json({"error": {"message": message, "code": 2001, "errors": list(errors)}}, status)

    def list_incidents(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Token token={self.token}":
            return self._json({"error": {"message": "Unauthorized", "code": 2006}}, 401)
        with self.lock:
            self.requests += 1
            queued = self.faults.get(self.requests, [])
            if queued:
                status, headers = queued.pop(0)
                self.requests -= 1
                return self._json({"error": {"message": "Too many requests" if status == 429 else "Unavailable"}},
                                  status, headers)
            if self.fail_from is not None and self.requests >= self.fail_from:
                return self._json({"error": {"message": "Unavailable"}}, 503)
        args = request.args
        try:
            since, until = parse_time(args["since"]), parse_time(args["until"])
        except (KeyError, ValueError):
            return self._error(400, "Invalid Input Provided", ["since and until are required"])
        if until - since > MAX_RANGE:
            return self._error(400, "Invalid Input Provided", ["The date range must not exceed 6 months."])
        offset, limit = int(args.get("offset", 0)), min(int(args.get("limit", 25)), 100)
        if offset + limit > OFFSET_CAP:
            return self._error(400, "Invalid Input Provided", ["Offset must be less than 10000."])
        with self.lock:
            self.max_offset_seen = max(self.max_offset_seen, offset)
        services = set(args.getlist("service_ids[]"))
        low, high = bisect.bisect_left(self.created, since), bisect.bisect_left(self.created, until)
        matching = self.incidents[low:high]
        if services:
            matching = [i for i in matching if i["service"]["id"] in services]
        page = [{**i, **self.answered.get(i["id"], {})} for i in matching[offset:offset + limit]]
        body = {"incidents": page, "limit": limit, "offset": offset, "more": offset + len(page) < len(matching),
                "total": len(matching) if args.get("total") == "true" else None}
        return self._json(body)
