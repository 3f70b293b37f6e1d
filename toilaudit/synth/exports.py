"""Write Jira and PagerDuty exports shaped like the real downloads.

Jira: "Export Excel CSV (all fields)": one header per field, repeated for multi-valued fields
(Labels, Component/s, Watchers), dates as `24/Nov/26 3:45 PM`, Time Spent in seconds,
descriptions with commas, quotes and newlines. PagerDuty: the Incidents report CSV
(`id, incident_number, description, ..., created_on, resolved_on, seconds_to_resolve,
auto_resolved, ...`). Each row's true label comes from the template it was drawn from.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

HOSTS = ["app", "web", "db", "batch", "etl", "kafka", "es-data", "api", "jump", "log-server", "redis", "mq"]
SERVICES = ["payments-api", "ledger", "card-auth", "statements", "kyc-service", "fx-rates", "loan-origination",
            "mobile-gateway", "notifications", "fraud-scoring"]
USERS = ["jsmith", "a.khan", "m.lee", "p.rossi", "t.nguyen", "s.patel", "r.garcia", "l.chen", "o.adeyemi", "k.muller",
         "e.dubois", "h.sato", "b.kowalski", "c.oconnor", "d.silva", "f.ahmed", "g.novak", "i.johansson"]
JOBS = ["nightly-gl-close", "statement-render", "aml-screening", "fx-eod", "customer-sync", "card-settlement",
        "reg-report-corep", "dwh-load", "swift-recon", "interest-accrual"]
DOMAINS = ["api.northbank.example", "online.northbank.example", "sftp.northbank.example", "mq.internal.example",
           "auth.northbank.example", "partners.northbank.example"]
TEAMS = ["Payments Platform", "Core Banking SRE", "Data Platform", "Identity & Access"]


@dataclass(frozen=True)
class Template:
    title: str
    label: str  # "toil" or "not-toil"
    issue_type: str
    hours: tuple[float, float]  # time spent range
    weight: float = 1.0


JIRA_TEMPLATES = [
    Template("Grant read access to {host} for {user}", "toil", "Service Request", (0.2, 0.8), 3),
    Template("Access request: {user} needs prod read-only on {service}", "toil", "Service Request", (0.2, 0.6), 2),
    Template("Password reset for service account svc_{job}", "toil", "Service Request", (0.1, 0.4), 1.5),
    Template("Unlock AD account for {user}", "toil", "Service Request", (0.1, 0.3), 1.5),
    Template("Renew TLS certificate for {domain}", "toil", "Task", (1, 3), 1.5),
    Template("Restart {service} on {host}", "toil", "Task", (0.3, 1.2), 3),
    Template("{service} pods stuck in CrashLoopBackOff - bounced deployment", "toil", "Incident", (0.5, 1.5), 1.5),
    Template("Disk space low on {host}", "toil", "Incident", (0.5, 1.5), 2.5),
    Template("Clean up old logs on {host}", "toil", "Task", (0.3, 1.0), 1.5),
    Template("Rerun failed {job} batch", "toil", "Task", (0.5, 2.0), 3),
    Template("{job} job failed overnight, please re-trigger", "toil", "Incident", (0.5, 1.5), 2),
    Template("Increase storage quota for {service}", "toil", "Service Request", (0.3, 1.0), 1.2),
    Template("Provision VM for {team} UAT", "toil", "Service Request", (1, 3), 1),
    Template("Create Kafka topic {service}.events.v{n} for {team}", "toil", "Service Request", (0.5, 1.0), 1),
    Template("Add {user} to {team} on-call rotation", "toil", "Service Request", (0.1, 0.3), 1.2),
    Template("Open firewall port {port} from {host} to {host2}", "toil", "Service Request", (0.5, 1.5), 1.2),
    Template("Rotate API keys for {service} vendor integration", "toil", "Task", (0.5, 1.5), 1),
    Template("Apply monthly security patches to {host}", "toil", "Task", (1, 3), 1.2),
    Template("Onboard new joiner {user} - accounts and laptop access", "toil", "Service Request", (0.5, 1.5), 1),
    Template("Pull monthly access report for internal audit", "toil", "Task", (1, 2), 0.6),
    Template("Clear stuck messages from {service} DLQ", "toil", "Incident", (0.3, 1.0), 1.2),
    Template("Restore deleted file from backup for {team}", "toil", "Service Request", (0.5, 2.0), 0.8),
    Template("Design multi-region failover for {service}", "not-toil", "Epic", (8, 40), 0.5),
    Template("Implement canary analysis in the {service} deploy pipeline", "not-toil", "Story", (6, 20), 0.7),
    Template("Migrate {service} from Jenkins to GitHub Actions", "not-toil", "Story", (6, 24), 0.8),
    Template("Define SLOs and error budget for {service}", "not-toil", "Story", (4, 12), 0.8),
    Template("Postmortem: {service} outage on {date}", "not-toil", "Task", (3, 8), 0.8),
    Template("Automate certificate renewal with cert-manager for {service}", "not-toil", "Story", (6, 16), 0.5),
    Template("Build Grafana dashboard for {service} latency", "not-toil", "Story", (3, 8), 0.7),
    Template("Upgrade PostgreSQL from 13 to 16 for {service}", "not-toil", "Story", (8, 30), 0.5),
    Template("Self-service namespace provisioning in Backstage", "not-toil", "Epic", (20, 60), 0.2),
    Template("Write runbook for {service} failover", "not-toil", "Task", (2, 6), 0.6),
    Template("Sprint planning - {team}", "not-toil", "Task", (1, 2), 0.8),
    Template("Interview loop for senior SRE candidate", "not-toil", "Task", (2, 4), 0.4),
    Template("Root cause analysis of intermittent 502s on {service}", "not-toil", "Bug", (4, 16), 0.5),
    Template("Add OpenTelemetry tracing to {service}", "not-toil", "Story", (6, 16), 0.5),
    Template("Terraform module for standard Kafka topics", "not-toil", "Story", (8, 20), 0.3),
    Template("Evaluate Vault dynamic secrets for database credentials", "not-toil", "Spike", (6, 16), 0.3),
    Template("Refactor {service} retry logic to use exponential backoff", "not-toil", "Story", (4, 12), 0.5),
    Template("Capacity planning for Q{q} peak on {service}", "not-toil", "Task", (4, 10), 0.4),
]

PAGE_TEMPLATES = [
    Template("[FIRING:1] HighCPUUsage {host}", "toil", "incident", (0.1, 1.0), 3),
    Template("Disk usage above 90% on {host}", "toil", "incident", (0.2, 1.0), 3),
    Template("Heartbeat missing for {job} scheduler", "toil", "incident", (0.1, 0.5), 2),
    Template("{service}: p99 latency above threshold", "toil", "incident", (0.1, 0.8), 3),
    Template("{service} health check failed", "toil", "incident", (0.1, 0.6), 2.5),
    Template("Replication lag high on {host}", "toil", "incident", (0.2, 1.2), 2),
    Template("{job} batch did not complete by SLA", "toil", "incident", (0.5, 2), 2),
    Template("Certificate for {domain} expires in 7 days", "toil", "incident", (0.2, 1), 1),
    Template("{symptom} for {scope} {cause}", "not-toil", "incident", (1.5, 6), 1.2),
]


SYMPTOMS = ["Card authorisations failing", "Login errors on mobile banking", "Payments stuck in pending",
            "Blank PDFs from statement generation", "Duplicate ledger postings", "Stale FX rates served",
            "Transfers rejected by core banking", "KYC checks timing out", "Push notifications not delivered",
            "Loan quotes returning wrong APR"]
SCOPES = ["all EU customers", "mobile app users", "corporate clients", "UK debit cards", "partner banks",
          "new customers", "SEPA instant payments", "premium accounts"]
CAUSES = ["after release {n}.{n2}", "since the DNS provider change", "after database failover",
          "after schema migration", "following a network partition in DC2", "due to a third-party outage",
          "after a config change to rate limits", ""]


def _fill(template: str, rng: random.Random, when: datetime) -> str:
    host = f"{rng.choice(HOSTS)}-{rng.randint(1, 40):02d}"
    cause = rng.choice(CAUSES).format(n=rng.randint(2, 9), n2=rng.randint(0, 20))
    return template.format(
        symptom=rng.choice(SYMPTOMS), scope=rng.choice(SCOPES), cause=cause, n2=rng.randint(0, 20),
        host=host, host2=f"{rng.choice(HOSTS)}-{rng.randint(1, 40):02d}", user=rng.choice(USERS),
        service=rng.choice(SERVICES), job=rng.choice(JOBS), domain=rng.choice(DOMAINS), team=rng.choice(TEAMS),
        n=rng.randint(2, 9), port=rng.choice([443, 5432, 1521, 9092, 22, 8443]), q=rng.randint(1, 4),
        date=when.strftime("%Y-%m-%d"),
    )


# One-off work described in free text: each such title is (almost always) unique, as the
# engineering and investigation tickets of a real tracker are.
ONE_OFF_VERBS = ["Investigate", "Design", "Evaluate", "Prototype", "Document", "Migrate", "Refactor", "Spike:",
                 "Review", "Replace", "Benchmark", "Decommission", "Harden", "Simplify", "Plan", "Analyse",
                 "Untangle", "Consolidate", "Introduce", "Rework", "Assess", "Model", "Retire", "Split"]
ONE_OFF_THINGS = ["intermittent latency", "connection pool sizing", "the retry budget", "schema drift",
                  "tracing coverage", "capacity headroom", "the on-call handbook", "queue backpressure",
                  "feature-flag cleanup", "cost allocation tags", "TLS termination", "blue/green cut-over",
                  "cache invalidation", "idempotency keys", "batch windows", "alert routing", "audit trail gaps",
                  "secrets layout", "dependency pinning", "data retention", "sharding strategy", "rate limits",
                  "backup restore drills", "error budget policy", "log sampling", "vendor SDK upgrade"]
ONE_OFF_PLACES = ["in settlement", "for the mobile app", "across regions", "in the ledger", "for partner APIs",
                  "in the card switch", "for KYC onboarding", "in the data lake", "behind the gateway",
                  "for statement rendering", "in FX pricing", "for the fraud models", "in core banking",
                  "for internal tooling", "in the payments hub", "for open banking"]
ONE_OFF_WHY = ["before Q{q} audit", "after the {month} incident", "ahead of peak season", "with the vendor",
               "per architecture review", "for the regulator", "as agreed in the retro", "to cut cloud spend",
               "proposal", "options paper", "phase {n}", "follow-up", "with SRE", "RFC draft", ""]
MONTHS = ["January", "March", "May", "July", "September", "November"]


def _one_off_title(rng: random.Random) -> str:
    why = rng.choice(ONE_OFF_WHY).format(q=rng.randint(1, 4), month=rng.choice(MONTHS), n=rng.randint(2, 5))
    words = [rng.choice(ONE_OFF_VERBS), rng.choice(ONE_OFF_THINGS), rng.choice(ONE_OFF_PLACES), why]
    if rng.random() < 0.5:
        words.insert(2, f"and {rng.choice(ONE_OFF_THINGS)}")
    return " ".join(w for w in words if w)


def _jira_date(when: datetime) -> str:
    # Jira's default CSV format: 24/Nov/26 3:45 PM (no leading zero on the hour)
    return when.strftime("%d/%b/%y ") + str(int(when.strftime("%I"))) + when.strftime(":%M %p")


JIRA_HEADER = (
    ["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name", "Priority",
     "Resolution", "Assignee", "Reporter", "Created", "Updated", "Resolved", "Component/s", "Component/s",
     "Labels", "Labels", "Labels", "Description", "Watchers", "Watchers", "Original Estimate", "Time Spent",
     "Σ Time Spent", "Custom field (Team)", "Custom field (Story Points)", "Sprint"]
)


def jira_rows(count: int, seed: int = 7, start: datetime | None = None, days: int = 365,
              templates: list[Template] = JIRA_TEMPLATES, project: str = "OPS", human_label_share: float = 0.1,
              multiline: bool = True, one_off_share: float = 0.0):
    """Yield (row, true_label) pairs for a Jira export of `count` issues; `one_off_share` of the
    not-toil issues get a free-text one-off title instead of their template's."""
    rng = random.Random(seed)
    start = start or datetime(2025, 11, 24, tzinfo=UTC)
    weights = [t.weight for t in templates]
    for number in range(1, count + 1):
        template = rng.choices(templates, weights)[0]
        when = start + timedelta(seconds=rng.randint(0, days * 86400))
        title = _fill(template.title, rng, when)
        if one_off_share and template.label == "not-toil" and rng.random() < one_off_share:
            title = _one_off_title(rng)
        hours = rng.uniform(*template.hours)
        resolved = when + timedelta(hours=rng.uniform(0.5, 30 if template.label == "toil" else 24 * 20))
        open_item = rng.random() < 0.06
        measured = rng.random() < 0.65
        spent = "" if open_item or not measured else str(int(hours * 3600) // 60 * 60)
        labels = [rng.choice(["ops", "bau", "platform", "prod", "q3", "regulatory"])] if rng.random() < 0.5 else []
        if rng.random() < human_label_share:
            labels.append(template.label)
        labels = (labels + ["", "", ""])[:3]
        team = rng.choice(TEAMS)
        newline = "\n" if multiline else " "
        description = (
            f"Requested by {rng.choice(USERS)}.{newline}Context: \"{title}\", see runbook, step {rng.randint(1, 9)};"
            " thanks!" if rng.random() < 0.7 else ""
        )
        row = [
            title, f"{project}-{number}", str(10000 + number), template.issue_type,
            "Open" if open_item else rng.choice(["Done", "Resolved", "Closed"]), project,
            "Operations" if project == "OPS" else project.title(), rng.choice(["Low", "Medium", "High", "Medium"]),
            "" if open_item else "Done", rng.choice(USERS), rng.choice(USERS), _jira_date(when),
            _jira_date(resolved if not open_item else when), "" if open_item else _jira_date(resolved),
            rng.choice(SERVICES), rng.choice(["", "", "infra"]), *labels, description, rng.choice(USERS), "",
            "", spent, spent, team, "" if template.label == "toil" else str(rng.choice([3, 5, 8])),
            f"Sprint {rng.randint(60, 85)}" if rng.random() < 0.4 else "",
        ]
        yield row, template.label


PAGERDUTY_HEADER = [
    "id", "incident_number", "description", "service_id", "service_name", "escalation_policy_name", "created_on",
    "resolved_on", "seconds_to_first_ack", "seconds_to_resolve", "auto_resolved", "escalation_count", "urgency",
    "acknowledged_by_user_names", "assigned_to_user_names", "resolved_by_user_name", "team_names", "status",
]


def pagerduty_rows(count: int, seed: int = 11, start: datetime | None = None, days: int = 365,
                   templates: list[Template] = PAGE_TEMPLATES):
    rng = random.Random(seed)
    start = start or datetime(2025, 11, 24, tzinfo=UTC)
    weights = [t.weight for t in templates]
    for number in range(1, count + 1):
        template = rng.choices(templates, weights)[0]
        when = start + timedelta(seconds=rng.randint(0, days * 86400))
        title = _fill(template.title, rng, when)
        service = rng.choice(SERVICES[:5]) if template.label == "toil" else rng.choice(SERVICES)
        auto = template.label == "toil" and rng.random() < 0.35
        seconds = int(rng.uniform(*template.hours) * 3600) if not auto else rng.randint(120, 1800)
        resolved = when + timedelta(seconds=seconds)
        person = rng.choice(USERS)
        offset = timezone(timedelta(hours=-5))
        row = [
            f"Q{rng.getrandbits(40):010X}", str(number), title, f"P{rng.getrandbits(24):06X}", service,
            f"{service} escalation", when.astimezone(offset).isoformat(), resolved.astimezone(offset).isoformat(),
            "" if auto else str(rng.randint(30, 900)), str(seconds), "true" if auto else "false",
            str(rng.choice([0, 0, 1, 2])), "high" if template.label == "not-toil" or rng.random() < 0.6 else "low",
            "" if auto else person, person, "" if auto else person, rng.choice(TEAMS), "resolved",
        ]
        yield row, template.label


def write_csv(path: Path, header: list[str], rows, encoding: str = "utf-8") -> dict[str, str]:
    """Write rows; return {key: true_label}. The key is column `Issue key` or `id`."""
    labels = {}
    key_index = header.index("Issue key") if "Issue key" in header else header.index("id")
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row, label in rows:
            writer.writerow(row)
            labels[row[key_index]] = label
    return labels
