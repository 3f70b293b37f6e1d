"""Write a report in one format, with the guardrail files beside it: all of them, or nothing.

Every file is written to a hidden folder beside the report first and moved into place only once
all of them are whole (a rename within one folder: nothing is left half-written by a full disk,
a renderer's failure or Ctrl-C). Files an earlier report left there are replaced, and said so:
`toilaudit report` is run again each quarter into the same folder, and people hand the guardrail
files on, so a replaced file is named rather than refused (no toilaudit command asks for --force).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from toilaudit.errors import ToilauditError
from toilaudit.report.guardrails import GUARDRAIL_NAMES, INPUTS_FOLDER, write_guardrails
from toilaudit.report.render import render_html, render_json, render_pdf
from toilaudit.report.view_model import ReportModel

STAGING_PREFIX = ".toilaudit-report-"  # hidden, and named, should a killed run leave one behind


@dataclass(frozen=True, slots=True)
class Published:
    report: Path
    """The report file."""
    pages: int | None
    """Page count of a PDF."""
    companions: tuple[Path, ...]
    """Guardrail files written beside it."""
    refused_urls: tuple[str, ...]
    """URLs the document asked the PDF renderer for (all refused)."""
    replaced: tuple[Path, ...] = ()
    """Files an earlier run had written where these were put (the report and its guardrails)."""
    removed: tuple[Path, ...] = ()
    """Readiness inputs of services no longer in scope, left by an earlier run and removed."""


def publish(model: ReportModel, out: Path, output_format: str, guardrails: bool = True) -> Published:
    """Write the report to `out`, and, beside a PDF or HTML report, the guardrail files (unless told
    not to): all of them or none, replacing what an earlier run wrote there (see the module doc)."""
    with_guardrails = check_out(out, output_format, guardrails)
    folder = out.parent
    made: list[Path] = []
    try:
        made = _make_folders(folder)
        # beside the report, for renames; a report alone to a device (--out /dev/stdout) is copied
        # there, and the device's folder is no place for a temporary folder
        beside = with_guardrails or not _written_through(out)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder if beside else None))
        try:
            refused: list[str] = []
            staged_report = staging / out.name
            pages = None
            if output_format == "pdf":
                pages = render_pdf(model, staged_report, refused)
            elif output_format == "html":
                staged_report.write_text(render_html(model), encoding="utf-8")
            else:
                staged_report.write_text(render_json(model) + "\n", encoding="utf-8")
            staged = [path.relative_to(staging) for path in write_guardrails(model, staging)] if with_guardrails else []
            replaced, removed = _move_into_place(staging, out, staged, with_guardrails)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException as exc:
        _remove_empty(made)
        # read-only, full, a special file, no permission; but a broken pipe (--out /dev/stdout | head:
        # its reader went away) is left to cli.py, which ends every command the same way then
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise ToilauditError(f"report: cannot write {out} ({exc.strerror or type(exc).__name__}) - choose "
                                 "another --out, somewhere you can write") from None
        raise
    return Published(out, pages, tuple(folder / path for path in staged), tuple(refused), replaced, removed)


def check_out(out: Path, output_format: str, guardrails: bool = True) -> bool:
    """Refuse an --out the report cannot be written to, before the seconds a report takes (cli.py asks
    before it reads the store); returns whether the guardrail files go beside it."""
    if out.is_dir():
        raise ToilauditError(f"report: {out} is a folder - give --out a file name, e.g. {out / 'roadmap.pdf'}")
    with_guardrails = guardrails and output_format != "json"
    if with_guardrails:
        if out.name in GUARDRAIL_NAMES:
            raise ToilauditError(f"report: --out {out.name} is the name of a guardrail file written beside the "
                                 "report - give the report another name, e.g. roadmap.pdf")
        _check_in_the_way([out.parent / name for name in GUARDRAIL_NAMES if name != INPUTS_FOLDER],
                          out.parent / INPUTS_FOLDER)
    return with_guardrails


def _make_folders(folder: Path) -> list[Path]:
    """Create `folder` and the folders above it that are missing; returns those created, deepest last."""
    missing = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing[::-1]


def _remove_empty(made: list[Path]) -> None:
    """Take back the folders a failed run created (if they are still empty)."""
    for created in reversed(made):
        try:
            created.rmdir()
        except OSError:
            return


def _move_into_place(staging: Path, out: Path, staged: list[Path],
                     with_guardrails: bool) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """Move the staged report and guardrail files to their places beside `out`; returns (the files
    they replaced, the stale readiness inputs removed). Everything that could stop a move is checked
    before the first one, so that none is made unless all can be."""
    folder = out.parent
    targets = [(staging / out.name, out), *((staging / path, folder / path) for path in staged)]
    inputs = folder / INPUTS_FOLDER
    _check_in_the_way([target for _, target in targets], inputs if with_guardrails else None)
    replaced = tuple(target for _, target in targets if target.exists() or target.is_symlink())
    fresh = {target for _, target in targets}
    stale = tuple(sorted(path for path in inputs.glob("*.json") if path not in fresh)) if with_guardrails else ()
    if with_guardrails:
        inputs.mkdir(exist_ok=True)
    for source, target in targets:
        _put(source, target)
    for path in stale:  # a service no longer in scope: its verdict would be out of date
        path.unlink(missing_ok=True)
    return replaced, stale


def _check_in_the_way(files: list[Path], inputs: Path | None) -> None:
    """Refuse, before anything is written, a folder where a file goes, or a file where the readiness
    inputs' folder goes: a move would fail half way."""
    if inputs is not None and inputs.exists() and not inputs.is_dir():
        raise ToilauditError(f"report: {inputs} is a file, where the readiness inputs go - move it away, or write "
                             "the report to another folder with --out")
    for target in files:
        if target.is_dir():
            raise ToilauditError(f"report: {target} is a folder, where a file of the report goes - move it away, "
                                 "or write the report to another folder with --out")


def _written_through(target: Path) -> bool:
    """A link, a named pipe or a device (--out /dev/stdout): written through, as before, not replaced."""
    return target.is_symlink() or (target.exists() and not target.is_file())


def _put(source: Path, target: Path) -> None:
    """`source` to `target`: a rename, whole or not at all, but where the target is written through."""
    if _written_through(target):
        with open(source, "rb") as staged, open(target, "wb") as sink:  # copyfile refuses pipes and devices
            shutil.copyfileobj(staged, sink)
    else:
        os.replace(source, target)
