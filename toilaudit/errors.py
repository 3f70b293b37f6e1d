"""The one error base and the exit codes every command shares.

Layers raise subclasses of ToilauditError with a one-line message of the form
``<where>: <what> - <how to fix>``; cli.py catches it once, prints it to stderr and exits
with EXIT_BAD_INPUT. Anything else is a bug and is allowed to trace back.
"""

EXIT_OK = 0
EXIT_DENIED = 1  # a negative verdict, e.g. the readiness gate denies agentic AI
EXIT_BAD_INPUT = 2  # bad usage or bad input


class ToilauditError(Exception):
    """A problem with the user's input or environment that they can fix."""


class InputFileError(ToilauditError):
    """An export, labels, rules, answers or columns file cannot be used."""


class StoreError(ToilauditError):
    """The database cannot be opened or is from an incompatible version."""


class SourceError(ToilauditError):
    """A live API (Jira, PagerDuty) refused or failed a request."""


class BankError(ToilauditError):
    """A question bank or answers file is malformed."""
