"""The readiness gate: the article's Rego policy and Table 3, evaluated by a real Rego engine (regopy).

One verdict per service and rung of the trust ladder: the article's conditions (its rule
`allow_agentic_ai`, unchanged) and the rung Table 3 allows at the assessed maturity, both in the
shipped policy, whose rule `allow` joins them. `evaluate_in_python` writes the same rules out,
and a test makes sure the two always agree.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import regopy

from toilaudit.maturity.interface import REASONS, RUNG_MIN_LEVEL, SHADOW_PERIOD_MIN_DAYS, GateResult

POLICY_FILE = "sre_ai_readiness.rego"
PACKAGE = "data.sre.ai.readiness"
# Shadow mode is where the shadow period is earned: entering it cannot require it.
NOT_REQUIRED = {"shadow": {"shadow_period_days"}, "supervised-write": set(), "agentic": set()}


def policy_text() -> str:
    return resources.files("toilaudit.policy").joinpath(POLICY_FILE).read_text(encoding="utf-8")


def evaluate_with_rego(document: dict) -> GateResult:
    """Ask the Rego engine; the reasons come back in the order of the four actions, maturity last."""
    interpreter = regopy.Interpreter()
    interpreter.add_module(POLICY_FILE, policy_text())
    interpreter.set_input_term(json.dumps(document))
    # Query the package document, not the rule: regopy 1.5 answers `undefined` to a direct query
    # of a `default` rule whose body fails, where OPA answers the default (false). The package
    # document carries the defaults correctly, and every rule in one evaluation.
    package = _value(interpreter.query(PACKAGE)) or {}
    reasons = set(package.get("reasons") or [])
    ordered = tuple(reason for reason in REASONS if reason in reasons)
    return GateResult(allow=package.get("allow") is True, failing=ordered, input=document)


def evaluate_in_python(document: dict) -> GateResult:
    """The same rules written out, to cross-check the engine (they must always agree)."""
    checks = {
        "toil_measured": bool(document["toil_measured"]),
        "slo_defined": bool(document["slo_defined"]),
        "error_budget_policy": bool(document["error_budget_policy"]),
        "decision_provenance": bool(document["decision_provenance"]),
        "rollback_automated": bool(document["rollback_automated"]),
        "shadow_period_days": document["shadow_period_days"] >= SHADOW_PERIOD_MIN_DAYS,
        "maturity": document["maturity_level"] >= RUNG_MIN_LEVEL[document["rung"]],
    }
    skipped = NOT_REQUIRED[document["rung"]]
    failing = tuple(reason for reason in REASONS if not checks[reason] and reason not in skipped)
    return GateResult(allow=not failing, failing=failing, input=document, engine="python")


def _value(output) -> Any:
    """regopy prints {"expressions":[value]}; an undefined rule has no result."""
    data = json.loads(str(output))
    if isinstance(data, dict) and data.get("expressions"):
        return data["expressions"][0]
    if isinstance(data, list) and data and data[0].get("expressions"):
        return data[0]["expressions"][0]
    return None
