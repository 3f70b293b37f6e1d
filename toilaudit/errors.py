"""The one error base and the exit codes every command shares.

Layers raise subclasses of ToilauditError with a one-line message of the form
``<where>: <what> - <how to fix>``; cli.py catches it once, prints it to stderr and exits
with EXIT_BAD_INPUT. Anything else is a bug: cli.py prints one line asking for a bug report and
exits with EXIT_BUG, with the traceback only under -v.
"""

EXIT_OK = 0
EXIT_DENIED = 1  # a negative verdict, e.g. the readiness gate denies agentic AI
EXIT_BAD_INPUT = 2  # bad usage or bad input
EXIT_BUG = 70  # EX_SOFTWARE (sysexits.h): an internal error
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C (128 + SIGINT)
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: standard output's reader went away (`| head`), as `git log | head` ends

SHOWN_CHARS = 60  # of a value quoted in a message: enough to find it, never a screenful


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A value quoted for a one-line message: repr'd, on one line, cut to `limit` characters.

    A hostile or broken file must not turn a one-line error into megabytes (a YAML alias bomb
    once produced a 2 GB "line"), so messages quote values through this and nothing else.
    """
    if not isinstance(value, (str, int, float, bool, type(None))):
        return f"<{type(value).__name__}>"  # never repr a whole mapping or list
    text = repr(value)
    if len(text) <= limit:
        return text
    quote = text[0] if text[0] in "'\"" else ""  # close the quote repr opened with
    return text[: limit - 4] + "..." + quote


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


class KeyClashError(ToilauditError):
    """An import's items have the keys of stored items but are other items (another Created):
    a second tracker with the same keys. The import is refused whole."""
