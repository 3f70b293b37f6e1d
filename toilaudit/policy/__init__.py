"""The shipped Rego policy for the readiness gate."""
