"""Interview, maturity scoring against Table 3, and the readiness gate."""
