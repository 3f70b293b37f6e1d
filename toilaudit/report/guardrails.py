"""The guardrails the roadmap recommends, written beside the report, ready to use.

- Prometheus recording rules and the burn-rate alert for AI-authored vs human deploys
  (separate SLIs; AI target 0.995 against a human baseline of 0.990; page when
  (1 - ratio_1h) / (1 - 0.995) > 14.4 for 5 minutes, 2% of a 30-day budget in one hour).
- Kubernetes RBAC ClusterRoles for the current and the next rung of the trust ladder, and
  the binding of the agent's ServiceAccount to the current one (promotion is a rebinding).
- The Rego readiness policy and this organisation's input document for it.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from toilaudit.maturity.gate import POLICY_FILE, policy_text
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


def rbac_documents(model: ReportModel) -> list[dict]:
    names = [rung[0] for rung in TRUST_LADDER]
    current = names.index(model.current_rung) if model.current_rung in names else 0
    following = min(current + 1, len(TRUST_LADDER) - 1)
    wanted = []
    for index in (current, following):
        role = TRUST_LADDER[index][2]
        if role not in wanted:
            wanted.append(role)
    documents: list[dict] = [{"apiVersion": "v1", "kind": "ServiceAccount",
                              "metadata": {"name": "ai-agent", "namespace": "ai-agents"}}]
    for role in wanted:
        documents.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                          "metadata": {"name": role, "labels": {"toilaudit/trust-ladder": "true"}},
                          "rules": ROLES[role]})
    documents.append({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "ai-agent-current-rung"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": wanted[0]},
        "subjects": [{"kind": "ServiceAccount", "name": "ai-agent", "namespace": "ai-agents"}],
    })
    return documents


def write_guardrails(model: ReportModel, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    prometheus = folder / "prometheus-ai-error-budget.yaml"
    prometheus.write_text(
        "# Separate SLIs for AI-authored and human deploys, and the fast-burn alert (14.4x).\n"
        + yaml.safe_dump(prometheus_rules(), sort_keys=False, width=100), encoding="utf-8")
    written.append(prometheus)
    rbac = folder / "rbac-trust-ladder.yaml"
    rbac.write_text(
        f"# Trust ladder roles: the current rung ({model.current_rung}) and the next. Promotion is a rebinding of\n"
        "# the ai-agent ServiceAccount, once `toilaudit gate` allows. Replace canary-deployment with your canary.\n"
        + yaml.safe_dump_all(rbac_documents(model), sort_keys=False, width=100), encoding="utf-8")
    written.append(rbac)
    policy = folder / POLICY_FILE
    policy.write_text(policy_text(), encoding="utf-8")
    written.append(policy)
    document = folder / "readiness-input.json"
    document.write_text(json.dumps(model.gate_input, indent=2) + "\n", encoding="utf-8")
    written.append(document)
    return written
