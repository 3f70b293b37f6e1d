"""Renderers of the one view model: HTML (jinja2), PDF (weasyprint) and JSON.

Ticket text is untrusted: autoescape is always on (select_autoescape would not match our
`.html.j2` names) and no template marks imported text `|safe`. The PDF renderer fetches
nothing: styles and charts are inline, and its URL fetcher refuses every URL, so a ticket
title such as <img src="http://..."> or <link rel="attachment" href="file:///etc/..."> neither
fetches nor embeds anything (it is escaped text anyway).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import jinja2

from toilaudit.errors import ToilauditError
from toilaudit.report.view_model import SUMMARY_FORMS, ReportModel
from toilaudit.report.words import clip_words

REPORT_TEMPLATE = "report.html.j2"


def _load_template(name: str) -> str | None:
    ref = resources.files("toilaudit.templates").joinpath(name)
    return ref.read_text(encoding="utf-8") if ref.is_file() else None


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load_template),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["hours"] = hours
    env.filters["person_weeks"] = person_weeks
    env.filters["clip_words"] = clip_words
    return env


def person_weeks(value: float) -> str:
    """"1 person-week", "2.5 person-weeks"."""
    return f"{value:g} person-week{'' if value == 1 else 's'}"


def hours(value: float) -> str:
    """Hours for the board: a tenth where whole hours would hide them ("0 h" beside a cost of EUR 13)
    or disagree with their cost ("14 h" beside USD 1,440 at USD 100/h), whole hours from 100 on."""
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def render_html(model: ReportModel, summary_only: bool = False) -> str:
    """The report; `summary_only`: its executive summary alone (to see whether it fits its page)."""
    return environment().get_template(REPORT_TEMPLATE).render(m=model, summary_only=summary_only)


def render_json(model: ReportModel) -> str:
    return json.dumps(model.as_json(), indent=2, default=str)


def _refusing_fetcher(refused: list[str]):
    from weasyprint.urls import URLFetcher

    class RefusingFetcher(URLFetcher):
        """Fetch nothing: every resource the report needs is inline."""

        def fetch(self, url, headers=None):
            refused.append(url)
            raise ValueError(f"toilaudit reports fetch no URLs (refused {url[:80]})")

    return RefusingFetcher()


def render_pdf(model: ReportModel, out: Path, refused: list[str] | None = None) -> int:
    """Write the PDF; returns its page count. URLs the document asked for are appended to `refused`."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango missing: WeasyPrint fails at import
        raise ToilauditError(
            f"report: WeasyPrint cannot load Pango ({str(exc).splitlines()[0]}) - install it, e.g. "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        ) from None
    refused = refused if refused is not None else []

    def laid_out(shown: ReportModel, summary_only: bool = False):
        return HTML(string=render_html(shown, summary_only), base_url=None,
                    url_fetcher=_refusing_fetcher(refused)).render()

    document = laid_out(model)
    if summary_pages(document) > 1:  # the executive summary is one page: its first shorter form that fits,
        model = one_page_summary(model, lambda shown: summary_pages(laid_out(shown, summary_only=True)))
        document = laid_out(model)  # rather than a page holding its last lines
    document.write_pdf(out)
    return len(document.pages)


def one_page_summary(model: ReportModel, pages_of: Callable[[ReportModel], int]) -> ReportModel:
    """The model with the first of the executive summary's shorter forms that `pages_of` lays out on
    one page (the shortest where none does)."""
    for form in range(1, SUMMARY_FORMS):
        shown = dataclasses.replace(model, summary_form=form)
        if form == SUMMARY_FORMS - 1 or pages_of(shown) == 1:
            return shown
    return model


def summary_pages(document) -> int:
    """How many pages the executive summary of a laid-out report takes: from its heading to its end mark."""
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:  # a box split over pages anchors each part: the first is where it begins
            pages.setdefault(name, number)
    return pages["summary-end"] - pages["summary"] + 1 if {"summary", "summary-end"} <= set(pages) else 1


FORMATS = ("pdf", "html", "json")
