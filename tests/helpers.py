"""Helpers the tests share: run the CLI in-process; where the examples and fixtures are."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from toilaudit.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run(*args: str, db: Path | str | None = None, input: str | None = None, env: dict | None = None) -> Result:
    """Invoke toilaudit in-process; a crash (any exception but SystemExit) fails the test loudly,
    so a traceback can never pass for an expected exit code (after sqlfluff's invoke_assert_code)."""
    runner = CliRunner()
    full = (["--db", str(db)] if db is not None else []) + list(args)
    result = runner.invoke(cli, full, input=input, env=env, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def run_json(*args: str, db: Path | str | None = None) -> dict:
    result = run(*args, db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def mostly_blank_pages(pdf: Path, folder: Path) -> list[str]:
    """Pages (but the last, where the appendix simply ends) whose body is filled less than half way down."""
    import subprocess

    from PIL import Image

    from conftest import need

    pdftoppm = need("pdftoppm", "pdftoppm", "poppler-utils (Debian: apt-get install poppler-utils)")
    subprocess.run([pdftoppm, "-png", "-r", "30", str(pdf), str(folder / "p")], check=True)
    blank = []
    for page in sorted(folder.glob("p-*.png"))[:-1]:
        image = Image.open(page).convert("L")
        width, height = image.size
        body = image.crop((0, int(height * 0.06), width, int(height * 0.92)))  # without header and footer
        box = body.point(lambda v: 255 if v < 200 else 0).getbbox()
        if box is None or box[3] <= body.size[1] * 0.5:
            blank.append(page.name)
    return blank


def tables_over_pages(html: str, allowed: tuple[str, ...] = ()) -> dict[str, list[int]]:
    """Tables WeasyPrint lays out over more than one page (by class), but those whose class holds one of
    `allowed` (an appendix record may run on)."""
    from weasyprint import HTML

    def boxes(box):
        yield box
        for child in getattr(box, "children", None) or []:
            yield from boxes(child)

    pages_of: dict = {}
    for number, page in enumerate(HTML(string=html).render().pages, 1):
        for box in boxes(page._page_box):  # the laid-out boxes: no public API says where a table landed
            if box.element_tag == "table" and box.element is not None:
                pages_of.setdefault(box.element, set()).add(number)
    return {element.get("class") or "": sorted(pages) for element, pages in pages_of.items()
            if len(pages) > 1 and not any(name in (element.get("class") or "") for name in allowed)}


def staged_keys(db: Path | str) -> int:
    """How many keys live imports fetched and keep aside until their last page (none are in the figures)."""
    from toilaudit.store import open_store

    store = open_store(str(db))
    try:
        return store.staged_count()
    finally:
        store.close()


def stored(db: Path | str, *columns: str):
    """The store's items (these columns), indexed by key."""
    from toilaudit.store import open_store

    store = open_store(str(db))
    try:
        return store.load_items(("key", *columns)).set_index("key")
    finally:
        store.close()


def warnings_of(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
