"""What a live import checks of its pages, and says once at the end.

The CSV importers check a whole file at once and warn once per kind of defect, naming the
first rows (dates.date_warnings). A live import reads pages of 100, so it checks each page as it
comes, keeps only the items worth a warning, and at the end hands the same functions those
items, named by key or incident number: each kind of defect is one line however many pages it
was spread over (a thousand issues without a summary are one line, not ten or a thousand).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toilaudit.importers.dates import (
    NO_CREATED,
    NO_TITLE,
    blank_texts,
    date_warnings,
    implausible,
    items_named,
    missing_values,
    resolved_early,
)

DATE_FIELDS = ("created_at", "resolved_at")


class PageChecks:
    """The warnings a live import's pages deserve, gathered page by page."""

    def __init__(self, where: str, headers: dict[str, str]) -> None:
        """`where` starts each message ("jira"); `headers` names created_at, resolved_at and title
        as the source does (Created, Resolved, Summary)."""
        self.where, self.headers = where, headers
        self._kept: list[pd.DataFrame] = []
        self._skipped: dict[tuple[str, str], list[pd.Series]] = {}

    def add(self, items: pd.DataFrame, names: pd.Series) -> None:
        """Check a page's items (WorkItem columns, dates parsed); `names` as messages name them."""
        created, resolved = items["created_at"], items["resolved_at"]
        worth = (implausible(created, opened=True) | implausible(resolved) | resolved_early(created, resolved)
                 | created.isna().to_numpy() | blank_texts(items["title"]))
        if worth.any():
            kept = items.loc[worth, [*DATE_FIELDS, "title"]].assign(name=names.to_numpy()[worth])
            self._kept.append(kept.reset_index(drop=True))

    def skip(self, names: pd.Series, what: str, fix: str) -> None:
        """Items left out of the import, to be named in one line per (what, fix)."""
        if len(names):
            self._skipped.setdefault((what, fix), []).append(names)

    def warnings(self) -> list[str]:
        """One line per kind of defect, naming the first items; an item fetched twice (overlapping
        windows, a re-read page) is counted once, as its last copy."""
        out: list[str | None] = []
        if self._kept:
            kept = pd.concat(self._kept, ignore_index=True).drop_duplicates("name", keep="last")
            names = kept["name"].reset_index(drop=True)
            parsed = {field: kept[field].reset_index(drop=True) for field in DATE_FIELDS}
            out += [missing_values(parsed["created_at"].isna(), self.where, self.headers["created_at"], NO_CREATED,
                                   names)]
            out += date_warnings(parsed, self.headers, self.where, names=names)
            out += [missing_values(blank_texts(kept["title"]), self.where, self.headers["title"], NO_TITLE, names)]
        for (what, fix), parts in self._skipped.items():
            names = pd.concat(parts, ignore_index=True).drop_duplicates().reset_index(drop=True)
            count, named = items_named(np.ones(len(names), dtype=bool), names)
            out.append(f"{self.where}: {count} {what} were skipped ({named}) - {fix}")
        return [line for line in out if line]
