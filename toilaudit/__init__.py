"""toilaudit: measure toil, score platform and SRE maturity, gate AI agents in production."""

__version__ = "0.1.0"
