"""The credentials toilaudit reads from the environment, kept out of everything it prints.

A server or proxy may echo the request's Authorization header in an error body, which the
importers quote; so every error and warning line passes through `redact` before it is shown.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping

from toilaudit.urls import HIDDEN

SECRET_VARIABLES = ("JIRA_PAT", "JIRA_API_TOKEN", "PAGERDUTY_API_TOKEN")
MIN_SECRET_CHARS = 4  # shorter values would blank out ordinary words


def secret_values(environ: Mapping[str, str] = os.environ) -> list[str]:
    """Each credential as set, and as HTTP sends it (basic auth's base64 of user:token), longest first."""
    values = {environ[name] for name in SECRET_VARIABLES if environ.get(name)}
    user, token = environ.get("JIRA_USER"), environ.get("JIRA_API_TOKEN")
    if user and token:
        values.add(base64.b64encode(f"{user}:{token}".encode()).decode())
    return sorted((v for v in values if len(v) >= MIN_SECRET_CHARS), key=len, reverse=True)


def redact(text: str, environ: Mapping[str, str] = os.environ) -> str:
    for value in secret_values(environ):
        text = text.replace(value, HIDDEN)
    return text
