# The readiness gate for agentic AI, as published in "SRE for AI Agents: Error Budgets, Trust,
# and 90 Trials" (sre-readiness-check.rego): default deny; write access only when all hold.
package sre.ai.readiness

import rego.v1

default allow_agentic_ai := false

allow_agentic_ai if {
	input.slo_defined
	input.error_budget_policy
	input.shadow_period_days >= 30
	input.decision_provenance
	input.rollback_automated
	input.toil_measured
}

# Added by toilaudit: which conditions fail, so a report can say what to do next.
failing contains "toil_measured" if not input.toil_measured

failing contains "slo_defined" if not input.slo_defined

failing contains "error_budget_policy" if not input.error_budget_policy

failing contains "decision_provenance" if not input.decision_provenance

failing contains "rollback_automated" if not input.rollback_automated

failing contains "shadow_period_days" if not input.shadow_period_days >= 30
