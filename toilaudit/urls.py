"""URLs the user gives: checked before use, and never printed or stored with a credential in them.

A password can sit in a PostgreSQL URL in several places (`user:pw@`, `:pw@`, a `password=`
query parameter) and may hold an unencoded `@` or `/`; a token can sit in the userinfo of a Jira
or PagerDuty `--url`. `redact_url` removes all of them for display; `scrub` removes them from a
message a library wrote about the URL (libpq echoes a connection string it cannot parse).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from toilaudit.errors import SourceError, shown

HIDDEN = "***"
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)(.*)$", re.DOTALL)
SECRET_PARAMETER = re.compile(
    r"((?:^|[?&])(?:(?:ssl|os_)?password|passwd|pwd|token|access_token|auth_token|api_?key|apikey|secret)=)([^&]*)",
    re.IGNORECASE)


def _split_userinfo(rest: str) -> tuple[str | None, str]:
    """(userinfo, the rest) of what follows `scheme://`. The userinfo ends at the last `@` before
    the query, so that a password with an unencoded `@` or `/` is never mistaken for the host."""
    query_at = rest.find("?")
    head = rest if query_at < 0 else rest[:query_at]
    at = head.rfind("@")
    if at < 0:
        return None, rest
    return rest[:at], rest[at + 1:]


def redact_url(url: str) -> str:
    """The URL with any password or token replaced by ***; the user name is kept."""
    found = SCHEME.match(url)
    if not found:
        return SECRET_PARAMETER.sub(rf"\1{HIDDEN}", url)
    scheme, rest = found.groups()
    userinfo, rest = _split_userinfo(rest)
    if userinfo is not None:
        user, has_password, _ = userinfo.partition(":")
        rest = f"{user}:{HIDDEN}@{rest}" if has_password else f"{user}@{rest}"
    return scheme + SECRET_PARAMETER.sub(rf"\1{HIDDEN}", rest)


def secrets_in(url: str) -> set[str]:
    """Every password-like part of the URL, as written and percent-decoded."""
    found: set[str] = set()
    match = SCHEME.match(url)
    if match:
        userinfo, _ = _split_userinfo(match.group(2))
        if userinfo is not None and ":" in userinfo:
            found.add(userinfo.partition(":")[2])
    found.update(value for _, value in SECRET_PARAMETER.findall(url))
    found |= {unquote(value) for value in found}
    # libpq cuts a password with an unencoded @ or / at that character and reads the rest as the
    # host, which its messages then echo: each piece is a secret too
    found |= {piece for value in found for piece in re.split(r"[@/]", value) if len(piece) >= 3}
    return {value for value in found if value}


def scrub(text: str, url: str) -> str:
    """A library's message about `url`, with the URL shown redacted and its secrets removed."""
    text = text.replace(url, redact_url(url))
    for secret in sorted(secrets_in(url), key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text


URL_EXAMPLES = {"jira": "https://acme.atlassian.net", "pagerduty": "https://api.eu.pagerduty.com"}


def unencrypted(url: str) -> bool:
    """An http:// URL to another machine (loopback never leaves this one)."""
    parts = urlsplit(url)
    return parts.scheme.lower() == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1")


def check_source_url(url: str, source: str, schemes: tuple[str, ...] = ("https", "http")) -> str:
    """A live source's base URL, refused in one line when it cannot be used or holds a credential."""
    example = URL_EXAMPLES.get(source, URL_EXAMPLES["jira"])
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError as exc:
        raise SourceError(f"{source}: --url {shown(redact_url(url))} is not a URL ({exc}) - give the base URL, "
                             f"e.g. {example}") from None
    if parts.scheme.lower() not in schemes or not parts.hostname:
        raise SourceError(f"{source}: --url {shown(redact_url(url))} is not an {' or '.join(schemes)} URL - give "
                             f"the base URL with its scheme, e.g. {example}")
    if parts.username is not None or parts.password is not None or SECRET_PARAMETER.search(parts.query):
        raise SourceError(f"{source}: --url {shown(redact_url(url))} holds credentials - remove them from the "
                             "URL; they come from the environment only (see --help)")
    return url
