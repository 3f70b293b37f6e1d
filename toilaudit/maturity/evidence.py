"""What the store proves about toil measurement, for the assessment."""

from __future__ import annotations

import pandas as pd

from toilaudit.maturity.interface import TOIL_MEASURED_MIN_DAYS, Evidence
from toilaudit.store import Store
from toilaudit.summary import summarise


def gather_evidence(store: Store) -> Evidence:
    """Toil counts as measured when the store holds classified items spanning 30 days or more."""
    if store.item_count() == 0:
        return Evidence(toil_measured=False, days_of_data=0, items=0)
    summary = summarise(store, "source", top=0, with_range=False)
    first, last = summary.first_created, summary.last_created
    days = int((last - first) / pd.Timedelta(days=1)) if first is not None and last is not None else 0
    return Evidence(
        toil_measured=days >= TOIL_MEASURED_MIN_DAYS and summary.total.items > 0,
        days_of_data=days,
        items=summary.total.items,
        toil_percent=summary.total.toil_percent,
    )
