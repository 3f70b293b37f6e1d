"""Synthetic but realistic exports, for the examples, the tests and the benchmarks."""
