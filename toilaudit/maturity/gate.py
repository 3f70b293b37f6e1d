"""The readiness gate: the article's Rego policy, evaluated by a real Rego engine (regopy)."""

from __future__ import annotations

import json
from importlib import resources

import regopy

from toilaudit.maturity.interface import GATE_CONDITIONS, SHADOW_PERIOD_MIN_DAYS, GateResult

POLICY_FILE = "sre_ai_readiness.rego"
PACKAGE = "data.sre.ai.readiness"


def policy_text() -> str:
    return resources.files("toilaudit.policy").joinpath(POLICY_FILE).read_text(encoding="utf-8")


def evaluate_with_rego(document: dict) -> GateResult:
    """Ask the Rego engine; the failing list comes back in the order of the four actions."""
    interpreter = regopy.Interpreter()
    interpreter.add_module(POLICY_FILE, policy_text())
    interpreter.set_input_term(json.dumps(document))
    # Query the package document, not the rule: regopy 1.5 answers `undefined` to a direct query
    # of a `default` rule whose body fails, where OPA answers the default (false). The package
    # document carries the default correctly, and both rules in one evaluation.
    package = _value(interpreter.query(PACKAGE)) or {}
    failing = set(package.get("failing") or [])
    ordered = tuple(condition for condition in GATE_CONDITIONS if condition in failing)
    return GateResult(allow=package.get("allow_agentic_ai") is True, failing=ordered, input=document)


def evaluate_in_python(document: dict) -> GateResult:
    """The same rule written out, to cross-check the engine (they must always agree)."""
    checks = {
        "toil_measured": bool(document["toil_measured"]),
        "slo_defined": bool(document["slo_defined"]),
        "error_budget_policy": bool(document["error_budget_policy"]),
        "decision_provenance": bool(document["decision_provenance"]),
        "rollback_automated": bool(document["rollback_automated"]),
        "shadow_period_days": document["shadow_period_days"] >= SHADOW_PERIOD_MIN_DAYS,
    }
    failing = tuple(condition for condition in GATE_CONDITIONS if not checks[condition])
    return GateResult(allow=not failing, failing=failing, input=document, engine="python")


def _value(output) -> object:
    """regopy prints {"expressions":[value]}; an undefined rule has no result."""
    data = json.loads(str(output))
    if isinstance(data, dict) and data.get("expressions"):
        return data["expressions"][0]
    if isinstance(data, list) and data and data[0].get("expressions"):
        return data[0]["expressions"][0]
    return None
