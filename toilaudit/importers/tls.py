"""One rule for a corporate CA, the same for both live sources.

REQUESTS_CA_BUNDLE if set, else SSL_CERT_FILE, else the system's trust store. The clients read
different variables by themselves (requests, under the jira client, reads REQUESTS_CA_BUNDLE
and never SSL_CERT_FILE; httpx, under the pagerduty client, reads SSL_CERT_FILE and never
REQUESTS_CA_BUNDLE), so each is handed the file this rule picks.
"""

from __future__ import annotations

from collections.abc import Mapping

CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


def ca_bundle(environ: Mapping[str, str]) -> str | None:
    """The CA bundle file to trust, or None for the system's."""
    return next((environ[name] for name in CA_VARIABLES if environ.get(name)), None)
