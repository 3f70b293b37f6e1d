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

# ---------------------------------------------------------------------------------------------
# Added by toilaudit. The rule above is the article's, unchanged. What follows makes one verdict
# of it and of the article's Table 3, for one service (input.service) and one rung of the trust
# ladder (input.rung: shadow, supervised-write or agentic), at the maturity assessed
# (input.maturity_level, 1 Foundation to 5 Autonomous).

# Which conditions fail, so a report can say what to do next.
failing contains "toil_measured" if not input.toil_measured

failing contains "slo_defined" if not input.slo_defined

failing contains "error_budget_policy" if not input.error_budget_policy

failing contains "decision_provenance" if not input.decision_provenance

failing contains "rollback_automated" if not input.rollback_automated

failing contains "shadow_period_days" if not input.shadow_period_days >= 30

# Table 3: Measured allows shadow mode agents, Optimized supervised write agents, Autonomous
# agentic AI with guardrails.
rung_min_level := {"shadow": 3, "supervised-write": 4, "agentic": 5}

maturity_allows_rung if input.maturity_level >= rung_min_level[input.rung]

# Shadow mode is where the 30 days are earned, so entering it cannot wait for them; every other
# condition gates each promotion, as the article's rule gates write access.
not_required := {"shadow": {"shadow_period_days"}, "supervised-write": set(), "agentic": set()}

reasons contains condition if {
	some condition in failing
	not condition in not_required[input.rung]
}

reasons contains "maturity" if not maturity_allows_rung

default allow := false

allow if {
	rung_min_level[input.rung]
	count(reasons) == 0
}
