"""Write a report in one format, with the guardrail files beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toilaudit.errors import ToilauditError
from toilaudit.report.guardrails import write_guardrails
from toilaudit.report.render import render_html, render_json, render_pdf
from toilaudit.report.view_model import ReportModel


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


def publish(model: ReportModel, out: Path, output_format: str, guardrails: bool = True) -> Published:
    """Write the report to `out`, and, beside a PDF or HTML report, the guardrail files (unless told not to)."""
    if out.is_dir():
        raise ToilauditError(f"report: {out} is a folder - give --out a file name, e.g. {out / 'roadmap.pdf'}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        pages = None
        refused: list[str] = []
        if output_format == "pdf":
            pages = render_pdf(model, out, refused)
        elif output_format == "html":
            out.write_text(render_html(model), encoding="utf-8")
        else:
            out.write_text(render_json(model) + "\n", encoding="utf-8")
        companions = tuple(write_guardrails(model, out.parent)) if guardrails and output_format != "json" else ()
    except OSError as exc:  # read-only, full, a special file, no permission
        raise ToilauditError(f"report: cannot write {out} ({exc.strerror or type(exc).__name__}) - choose another "
                             "--out, somewhere you can write") from None
    return Published(out, pages, companions, tuple(refused))
