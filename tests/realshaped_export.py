"""A Jira export shaped like a real tracker's history, for the board report's layout tests.

What the bundled demo is not: thirteen years (2013-2026) of tickets, hundreds of projects and no
Time Spent anywhere, as the export behind issue #16 (551 real tickets, 123 projects). Titles are
distinct, as a real tracker's are (543 of 551): most are one-off engineering and investigation
work composed word by word; about a third are routine requests whose titles differ only in a
host, a person or an id, so they share a template and form repetition groups, as real ones do.
The tracker grows: each year holds more tickets than the last. Deterministic for a seed.

    python tests/realshaped_export.py OUT.csv [ITEMS]
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

HEADER = ["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name", "Priority",
          "Resolution", "Assignee", "Reporter", "Created", "Updated", "Resolved", "Component/s", "Labels",
          "Description", "Time Spent", "Original Estimate"]
FIRST, LAST = datetime(2013, 2, 4, 9, 0), datetime(2026, 11, 20, 17, 0)

SYLLABLES = ["ka", "lo", "mer", "tin", "qua", "ser", "vo", "rex", "pli", "dun", "ga", "zor", "bel", "tri", "nox",
             "ar", "en", "is", "om", "sta", "fen", "gri", "hal", "jor", "kel", "mun", "pra", "syl", "wen", "dro"]
AREAS = ["Payments", "Ledger", "Cards", "Identity", "Data", "Mobile", "Web", "Billing", "Search", "Risk", "Treasury",
         "Lending", "Onboarding", "Messaging", "Reporting", "Pricing", "Fraud", "Claims", "Policy", "Logistics"]
KINDS = ["Platform", "Operations", "Infrastructure", "Services", "Engineering", "Support", "Tools", "Integration",
         "Migration", "Analytics", "Security", "Networks", "Storage", "Release", "QA"]
VERBS = ["Investigate", "Design", "Evaluate", "Prototype", "Document", "Refactor", "Review", "Replace", "Benchmark",
         "Decommission", "Harden", "Simplify", "Plan", "Analyse", "Consolidate", "Introduce", "Rework", "Assess",
         "Model", "Retire", "Split", "Measure", "Standardise", "Untangle", "Spike:", "Draft", "Improve", "Fix"]
THINGS = ["intermittent latency", "connection pool sizing", "the retry budget", "schema drift", "tracing coverage",
          "capacity headroom", "the on-call handbook", "queue backpressure", "feature-flag cleanup", "cost tags",
          "TLS termination", "blue/green cut-over", "cache invalidation", "idempotency keys", "batch windows",
          "alert routing", "audit trail gaps", "secrets layout", "dependency pinning", "data retention",
          "sharding strategy", "rate limits", "backup restore drills", "log sampling", "the vendor SDK",
          "memory growth", "slow queries", "flaky integration tests", "build times", "the release checklist",
          "timeouts", "error handling", "the deployment pipeline", "API pagination", "report exports",
          "session handling", "the nightly reconciliation", "metrics cardinality", "disk layout", "thread dumps"]
PLACES = ["in settlement", "for the mobile app", "across regions", "in the ledger", "for partner APIs",
          "in the card switch", "for onboarding", "in the data lake", "behind the gateway", "for statements",
          "in pricing", "for the fraud models", "in core banking", "for internal tooling", "in the payments hub",
          "for open banking", "in the warehouse", "for the CRM sync", "in the batch cluster", "for the portal"]
WHY = ["before the Q{q} audit", "after the {month} incident", "ahead of peak season", "with the vendor",
       "per architecture review", "for the regulator", "as agreed in the retro", "to cut cloud spend", "proposal",
       "options paper", "phase {n}", "follow-up", "RFC draft", "for {year}", "", "", ""]
MONTHS = ["January", "March", "May", "July", "September", "November"]
ROUTINE = [  # (title, issue type): titles differ in their slots only, as real routine requests do
    ("Grant read access to {host} for {user}", "Service Request"),
    ("Restart {svc} on {host}", "Task"),
    ("Disk space low on {host}", "Incident"),
    ("Renew TLS certificate for {domain}", "Task"),
    ("Rerun failed {job} job", "Task"),
    ("Reset password for {user}", "Service Request"),
    ("Add {user} to the {group} group", "Service Request"),
    ("Create DNS record {name}.{domain}", "Service Request"),
    ("Clean up old logs on {host}", "Task"),
    ("Increase quota for {svc} in {env}", "Service Request"),
    ("Unlock account for {user}", "Service Request"),
    ("Provision VM for {group} in {env}", "Service Request"),
]
ENGINEERING_TYPES = ["Story", "Task", "Bug", "Epic", "Improvement", "Sub-task", "Spike"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def _projects(rng: random.Random, count: int) -> list[tuple[str, str]]:
    names: dict[str, str] = {}
    while len(names) < count:
        name = f"{rng.choice(AREAS)} {rng.choice(KINDS)}" + (f" {_word(rng).capitalize()}" if rng.random() < 0.7 else "")
        key = "".join(part[0] for part in name.split()).upper() + str(len(names))
        names.setdefault(name, key)
    return [(key, name) for name, key in names.items()]


def _one_off(rng: random.Random, year: int) -> str:
    why = rng.choice(WHY).format(q=rng.randint(1, 4), month=rng.choice(MONTHS), n=rng.randint(2, 5), year=year)
    words = [rng.choice(VERBS), rng.choice(THINGS), rng.choice(PLACES), why]
    if rng.random() < 0.5:
        words.insert(2, f"and {rng.choice(THINGS)}")
    if rng.random() < 0.3:
        words.append(f"({_word(rng)})")
    return " ".join(w for w in words if w)


def _routine(rng: random.Random) -> tuple[str, str]:
    title, issue_type = rng.choice(ROUTINE)
    return title.format(
        host=f"{rng.choice(['web', 'db', 'app', 'batch', 'mq', 'api'])}-{rng.randint(1, 999):03d}",
        user=f"{_word(rng)}.{_word(rng)}", svc=f"svc-{_word(rng)}", domain=f"{_word(rng)}.example.com",
        job=f"{_word(rng)}-{rng.choice(['etl', 'sync', 'export', 'close'])}", group=_word(rng),
        name=_word(rng), env=rng.choice(["dev", "uat", "prod"])), issue_type


def _when(rng: random.Random) -> datetime:
    """A tracker that grows: later years hold more tickets (the density rises linearly)."""
    span = (LAST - FIRST).total_seconds()
    return FIRST + timedelta(seconds=span * rng.random() ** 0.5)


def rows(items: int, seed: int = 16, projects: int = 300, components: int = 40):
    rng = random.Random(seed)
    project_list = _projects(rng, projects)
    component_list = [f"{rng.choice(AREAS).lower()}-{_word(rng)}" for _ in range(components)]
    people = [f"{_word(rng)}.{_word(rng)}" for _ in range(150)]
    seen: set[str] = set()
    dates = sorted(_when(rng) for _ in range(items))
    for number, created in enumerate(dates, 1):
        while True:  # distinct titles, as a real tracker's are
            if rng.random() < 0.35:
                title, issue_type = _routine(rng)
            else:
                title, issue_type = _one_off(rng, created.year), rng.choice(ENGINEERING_TYPES)
            if title not in seen:
                seen.add(title)
                break
        key, project = rng.choice(project_list)
        if rng.random() < 0.01:  # an item whose project did not come through: it belongs to "no team"
            project = ""
        resolved = created + timedelta(hours=rng.uniform(1, 24 * 40))
        done = resolved < LAST and rng.random() < 0.93
        component = rng.choice(component_list) if rng.random() < 0.35 else ""
        description = f"{title}. {rng.choice(THINGS).capitalize()} {rng.choice(PLACES)}; see the linked thread."
        yield [title, f"{key}-{number}", str(10000 + number), issue_type, "Done" if done else "Open", key, project,
               rng.choice(["Low", "Medium", "High"]), "Done" if done else "", rng.choice(people), rng.choice(people),
               created.strftime("%Y-%m-%d %H:%M"), (resolved if done else created).strftime("%Y-%m-%d %H:%M"),
               resolved.strftime("%Y-%m-%d %H:%M") if done else "", component,
               rng.choice(["", "", "", "ops", "bau", "infra"]), description, "", ""]


def write_export(path: Path, items: int = 3000, seed: int = 16) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows(items, seed))
    return path


if __name__ == "__main__":
    import sys

    out = write_export(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3000)
    print(f"wrote {out}")
