"""The retry policy for live APIs, owned here rather than left to the client libraries.

The `jira` client's own retries can wait less than a long Retry-After asks, and the
`pagerduty` client retries 429 without end unless bounded. Both are told not to retry (or to
retry once), and this policy decides: 429 and 5xx and dropped connections are retried a bounded
number of times, waiting what Retry-After asks (capped) or an exponential backoff.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from toilaudit.errors import SourceError

T = TypeVar("T")
RETRYABLE_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6
    """Tries in all, the first included."""
    base_delay_seconds: float = 1.0
    """First backoff when the server gives no Retry-After; doubles each time."""
    max_delay_seconds: float = 120.0
    """No single wait is longer, whatever Retry-After says."""


def policy_from_environment(environ=None) -> RetryPolicy:
    """TOILAUDIT_MAX_RETRIES (default 5) sets how often a failing request is retried."""
    import os

    value = (environ if environ is not None else os.environ).get("TOILAUDIT_MAX_RETRIES")
    if value is None or value == "":
        return RetryPolicy()
    try:
        retries = int(value)
    except ValueError:
        raise SourceError(f"TOILAUDIT_MAX_RETRIES={value!r} is not a number - set it to 0 or more") from None
    return RetryPolicy(attempts=max(0, retries) + 1)


class Retryable(Exception):
    """A failure worth another try: 429, 5xx, a dropped connection."""

    def __init__(self, message: str, retry_after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds; HTTP dates are treated as unknown)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


UNREACHED = {errno.ECONNREFUSED: "connection refused", errno.EHOSTUNREACH: "no route to the host",
             errno.ENETUNREACH: "the network is unreachable"}


def never_connected(failure: BaseException) -> str | None:
    """Why no connection was made, when none was (refused, no route, a host name that does not
    resolve), else None. Whatever the client library, the socket's own error is somewhere down the
    chain of exceptions: the importers raise Retryable `from None`, which hides the library's
    exception from tracebacks but keeps it as `__context__`."""
    error: BaseException | None = failure
    for _ in range(20):  # a chain is short; never loop on a cycle
        if error is None:
            return None
        if isinstance(error, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(error, OSError) and error.errno in UNREACHED:
            return UNREACHED[error.errno]
        error = error.__cause__ or error.__context__
    return None


def with_retries(call: Callable[[], T], where: str, policy: RetryPolicy = RetryPolicy(),
                 sleep: Callable[[float], None] = time.sleep, on_wait: Callable[[str, float], None] | None = None) -> T:
    """Run `call`; on Retryable, wait and try again up to policy.attempts; then a SourceError."""
    delay = policy.base_delay_seconds
    for attempt in range(1, policy.attempts + 1):
        try:
            return call()
        except Retryable as failure:
            if attempt == policy.attempts:
                tries = "1 try" if policy.attempts == 1 else f"{policy.attempts} tries"
                unreached = never_connected(failure)
                if unreached:  # nothing answered: not an overloaded service, a wrong URL or a network in the way
                    raise SourceError(
                        f"{where}: the server could not be reached, {unreached} ({failure}; {tries}) - check --url "
                        "and the network (VPN, proxy, firewall), then run the same command again"
                    ) from None
                raise SourceError(
                    f"{where}: still failing after {tries} ({failure}) - the service is overloaded "
                    "or down; run the same command later, it resumes where it stopped"
                ) from None
            wait = failure.retry_after_seconds if failure.retry_after_seconds is not None else delay
            wait = min(wait, policy.max_delay_seconds)
            if on_wait:
                on_wait(str(failure), wait)
            sleep(wait)
            delay = min(delay * 2, policy.max_delay_seconds)
    raise AssertionError("unreachable")
