"""Terminal output: rich tables on stdout, progress and warnings on stderr."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)
# For prose in a terminal (interactive sessions): wraps between words at the terminal's width.
# soft_wrap=True above keeps long table cells and JSON-like lines whole for pipes, but breaks
# words mid-way in a narrow terminal.
prose = Console(highlight=False)


def warn(message: str) -> None:
    stderr.print(f"warning: {message}", markup=False, highlight=False)


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
