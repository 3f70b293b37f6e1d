"""The guardrails the roadmap recommends, written beside the report, ready to use.

- Prometheus recording rules and the burn-rate alert for AI-authored vs human deploys
  (separate SLIs; AI target 0.995 against a human baseline of 0.990; page when
  (1 - ratio_1h) / (1 - 0.995) > 14.4 for 5 minutes, 2% of a 30-day budget in one hour).
- Kubernetes RBAC roles for the trust ladder, each service bound to the rung the readiness gate
  allows it, as `toilaudit gate` says (promotion is a rebinding).
- The Rego readiness policy and each service's input document for it (its agentic verdict).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from toilaudit.maturity.gate import POLICY_FILE, policy_text
from toilaudit.maturity.interface import RUNG_NAMES
from toilaudit.maturity.scope import ALL_SERVICES
from toilaudit.report.view_model import TRUST_LADDER, ReportModel

AI_TARGET = 0.995
HUMAN_TARGET = 0.990
FAST_BURN = 14.4

READ = ["get", "list", "watch"]
WRITE = ["get", "list", "watch", "create", "update", "patch", "delete"]
ROLES = {
    "ai-agent-readonly": [
        {"apiGroups": [""], "resources": ["pods", "services", "configmaps"], "verbs": READ},
        {"apiGroups": ["apps"], "resources": ["deployments", "replicasets"], "verbs": READ},
    ],
    "ai-agent-scoped-write": [
        {"apiGroups": [""], "resources": ["pods", "services", "configmaps"], "verbs": READ},
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": [*READ, "update", "patch"],
         "resourceNames": ["canary-deployment"]},
    ],
    "ai-agent-production-write": [
        {"apiGroups": [""], "resources": ["pods", "services", "configmaps"], "verbs": WRITE},
        {"apiGroups": ["apps"], "resources": ["deployments", "replicasets"], "verbs": WRITE},
    ],
}


def prometheus_rules() -> dict:
    def ratio(author: str, target: float) -> dict:
        return {
            "record": "sli:deploy_success:ratio1h",
            "expr": f'sum(rate(deploy_success_total{{author_type="{author}"}}[1h]))\n'
                    f'/ sum(rate(deploys_total{{author_type="{author}"}}[1h]))\n',
            "labels": {"author_type": author, "slo_target": f"{target}"},
        }

    return {"groups": [{"name": "sli.deploys", "rules": [
        ratio("ai", AI_TARGET),  # stricter than the human baseline
        ratio("human", HUMAN_TARGET),
        {
            "alert": "AIChangeErrorBudgetBurnRate",
            "expr": f'(1 - sli:deploy_success:ratio1h{{author_type="ai"}})\n/ (1 - {AI_TARGET}) > {FAST_BURN}\n',
            "for": "5m",
            "labels": {"severity": "critical"},
            "annotations": {
                "summary": "AI-authored deploys are burning their error budget 14.4x too fast",
                "runbook": "Revoke the agent's write access (rebind its ServiceAccount to ai-agent-readonly); "
                           "people keep deploying.",
            },
        },
    ]}]}


def k8s_name(service: str) -> str:
    """A service's name as a Kubernetes namespace (lower-case letters, digits and dashes, 63 at most)."""
    name = re.sub(r"[^a-z0-9-]+", "-", service.lower()).strip("-")
    return name[:63].strip("-") or "service"


def k8s_names(services: list[str]) -> dict[str, str]:
    """Each service's k8s_name, made unique: "Payments API" and "payments-api" would share one
    namespace and one readiness file, so the second becomes "payments-api-2"."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for service in dict.fromkeys(services):
        base = name = k8s_name(service)
        count = 1
        while name in taken:
            count += 1
            suffix = f"-{count}"
            name = base[:63 - len(suffix)].strip("-") + suffix
        taken.add(name)
        names[service] = name
    return names


def rbac_documents(model: ReportModel) -> list[dict]:
    """Each service bound to the role of the highest rung the gate allows it, and nothing more.

    Read-only and shadow mode share the read-only role; supervised write is a Role in the
    service's namespace that may patch its canary only; agentic AI the production-write role,
    bound in the service's namespace. A service the gate allows nothing gets no binding.
    """
    roles = {key: role for key, _, role in TRUST_LADDER}
    by_name = {name: key for key, name in RUNG_NAMES.items()}
    documents: list[dict] = [{"apiVersion": "v1", "kind": "ServiceAccount",
                              "metadata": {"name": "ai-agent", "namespace": "ai-agents"}}]
    used = sorted({roles[by_name[s.allowed_rung]] for s in model.services if s.allowed_rung in by_name} - {
        "ai-agent-scoped-write"})
    for role in used:
        documents.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                          "metadata": {"name": role, "labels": {"toilaudit/trust-ladder": "true"}},
                          "rules": ROLES[role]})
    subject = [{"kind": "ServiceAccount", "name": "ai-agent", "namespace": "ai-agents"}]
    namespaces = k8s_names([service.name for service in model.services])
    for service in model.services:
        rung = by_name.get(service.allowed_rung)
        if rung is None:
            continue
        role = roles[rung]
        labels = {"toilaudit/service": namespaces[service.name], "toilaudit/rung": rung}
        if service.name == ALL_SERVICES:  # no service is named: the verdict holds for the whole cluster
            documents.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                              "metadata": {"name": f"ai-agent-{rung}", "labels": labels},
                              "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                          "name": role}, "subjects": subject})
            continue
        namespace = namespaces[service.name]
        kind = "ClusterRole"
        if role == "ai-agent-scoped-write":
            kind = "Role"
            rules = [dict(rule) for rule in ROLES[role]]
            rules[1]["resourceNames"] = [f"{namespace}-canary"]
            documents.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                              "metadata": {"name": role, "namespace": namespace, "labels": labels}, "rules": rules})
        documents.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                          "metadata": {"name": "ai-agent", "namespace": namespace, "labels": labels},
                          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
                          "subjects": subject})
    return documents


def rbac_header(model: ReportModel) -> str:
    lines = ["# Trust ladder roles, as the readiness gate allows them today (toilaudit gate gives the same verdicts).",
             "# Promotion is a rebinding of the ai-agent ServiceAccount, once the gate allows the next rung.",
             "# Replace each <namespace>-canary with the service's canary deployment."]
    for service in model.services:
        binding = ("no binding: the gate allows no agent" if service.allowed_rung == "none"
                   else f"bound to {service.allowed_rung}")
        lines.append(f"#   {service.name}: agents today {service.current_rung.lower()}; {binding}")
    return "\n".join(lines) + "\n"


PROMETHEUS_FILE = "prometheus-ai-error-budget.yaml"
RBAC_FILE = "rbac-trust-ladder.yaml"
INPUTS_FOLDER = "readiness-input"

GUARDRAIL_NAMES = (PROMETHEUS_FILE, RBAC_FILE, POLICY_FILE, INPUTS_FOLDER)
"""What write_guardrails writes beside the report: three files and a folder."""


def write_guardrails(model: ReportModel, folder: Path) -> list[Path]:
    """Write the guardrail files into `folder` (publish.py gives it an empty one, and moves them into
    place with the report); returns them, each readiness input one path."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    prometheus = folder / PROMETHEUS_FILE
    prometheus.write_text(
        "# Separate SLIs for AI-authored and human deploys, and the fast-burn alert (14.4x).\n"
        + yaml.safe_dump(prometheus_rules(), sort_keys=False, width=100), encoding="utf-8")
    written.append(prometheus)
    rbac = folder / RBAC_FILE
    rbac.write_text(rbac_header(model) + yaml.safe_dump_all(rbac_documents(model), sort_keys=False, width=100),
                    encoding="utf-8")
    written.append(rbac)
    policy = folder / POLICY_FILE
    policy.write_text(policy_text(), encoding="utf-8")
    written.append(policy)
    inputs = folder / INPUTS_FOLDER
    inputs.mkdir(exist_ok=True)
    files = k8s_names([name for name, _ in model.gate_inputs])
    for name, document in model.gate_inputs:
        path = inputs / f"{files[name]}.json"
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
