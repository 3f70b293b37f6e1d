"""Terminal output: rich tables on stdout, progress and warnings on stderr."""

from __future__ import annotations

import contextlib
import errno
import sys
import time
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from toilaudit.secrets import redact


class PipeConsole(Console):
    """A rich Console that leaves a closed pipe (`toilaudit summary | head`) to cli.py, which ends
    every command the same way then; rich by itself would exit 1, our code for a denied gate."""

    def on_broken_pipe(self) -> None:
        self.quiet = True  # nothing more to this console
        raise BrokenPipeError(errno.EPIPE, "the reader of the output has gone")


stdout = PipeConsole(soft_wrap=True)
stderr = PipeConsole(stderr=True, soft_wrap=True)
# For prose in a terminal (interactive sessions): wraps between words at the terminal's width.
# soft_wrap=True above keeps long table cells and JSON-like lines whole for pipes, but breaks
# words mid-way in a narrow terminal.
prose = PipeConsole(highlight=False)


def warn(message: str) -> None:
    stderr.print(f"warning: {redact(message)}", markup=False, highlight=False)


@contextlib.contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Progress]:
    """A progress bar on stderr when it is a terminal; silent in pipes, CI and tests."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    with bar:
        bar.add_task(description, total=total)
        yield bar


LINE_EVERY_SECONDS = 5.0  # without a terminal (CI, 2>log), a progress line this often


class LiveProgress:
    """How a live import is going, on stderr: in a terminal a bar with the total and the time left
    where the API gives a total; elsewhere (CI, `2>log`) a line every few seconds; nothing with -q.

    Retries are counted and summarised at the end (one line per retry drowned the output: 60 in
    83 s); -v prints each as it happens.
    """

    def __init__(self, description: str, quiet: bool = False, verbose: bool = False) -> None:
        self.description = description
        self.quiet, self.verbose = quiet, verbose
        self.done = 0
        self.total: int | None = None
        self.retries: dict[str, int] = {}
        self.waited = 0.0
        self.started = self.last_line = time.monotonic()
        self.bar: Progress | None = None

    def __enter__(self) -> LiveProgress:
        if not self.quiet and sys.stderr.isatty():
            self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), console=stderr,
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=None)
        return self

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self.bar.stop()
        if self.retries and not self.quiet:
            kinds = ", ".join(f"{reason} x{count}" for reason, count in self.retries.items())
            count = sum(self.retries.values())
            stderr.print(f"{count} request{'s' if count != 1 else ''} retried ({kinds}), waiting {self.waited:.0f}s "
                         "in all", markup=False, highlight=False)

    def page(self, done: int, total: int | None) -> None:
        """After each page: how many items are fetched, of how many (None: the API does not say)."""
        self.done, self.total = done, total
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total, description=self._described())
        elif not self.quiet and time.monotonic() - self.last_line >= LINE_EVERY_SECONDS:
            self.last_line = time.monotonic()
            stderr.print(self.line(), markup=False, highlight=False)

    def retry(self, reason: str, seconds: float) -> None:
        """A request failed and is tried again in `seconds`."""
        kind = reason if reason.startswith("HTTP") else "connection failed"
        self.retries[kind] = self.retries.get(kind, 0) + 1
        self.waited += seconds
        if self.verbose and not self.quiet:
            (self.bar.console if self.bar is not None else stderr).print(
                f"retry: {reason}; retrying in {seconds:g}s", markup=False, highlight=False)
        elif self.bar is not None:
            self.bar.update(self.task, description=self._described())

    def _described(self) -> str:
        count = sum(self.retries.values())
        return self.description + (f", {count} retried" if count else "")

    def line(self) -> str:
        """One line for a log: done, of how many, time so far and, with a total, about how long is left."""
        elapsed = time.monotonic() - self.started
        text = f"{self._described()}: {self.done:,}"
        if self.total:
            text += f" of {self.total:,} ({100 * self.done / self.total:.0f}%)"
        text += f", {_clock(elapsed)} elapsed"
        if self.total and self.done:
            text += f", about {_clock(elapsed / self.done * max(self.total - self.done, 0))} left"
        return text


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
