"""How a labels file (label --from, evaluate --labels) names its items: the key column under the
headers exports give it, and keys in any case, as `explain` takes them."""

from __future__ import annotations

import pandas as pd

KEY_HEADERS = ("key", "issue key", "id", "incident id", "incident key", "incident_number", "incident number",
               "number")
"""Headers (lower case) that hold the key: ours, Jira's own ("Issue key"), PagerDuty's (an incident's id, or
its number, which stands for its incident); the first one present is taken."""


def with_key_column(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (headers in lower case) with its key column headed `key`; unchanged when it has none."""
    found = next((header for header in KEY_HEADERS if header in frame.columns), None)
    return frame if found in (None, "key") else frame.rename(columns={found: "key"})


def keys_as_stored(given: pd.Series, stored: pd.Series) -> pd.Series:
    """Each given key as the store spells it, where it is no stored key as written but one stored
    key in another case (ops-5 for OPS-5); other keys unchanged."""
    stored = pd.Series(stored.astype(str).unique())
    folded = stored.str.casefold()
    spelling = dict(zip(folded[~folded.duplicated(keep=False)], stored[~folded.duplicated(keep=False)]))
    other_case = ~given.isin(set(stored)) & given.str.casefold().isin(spelling)
    return given.where(~other_case, given.str.casefold().map(spelling))
