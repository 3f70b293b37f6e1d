"""Titles to templates: the repetition signal.

"Restart payment-service on host-17" and "Restart payment-service on host-23" are the same
request. Two steps, both whole-column:

1. match text: lower-case; URLs, e-mails, IPs, UUIDs and digit runs become placeholders
   (pyarrow's RE2 kernels, so a million titles take a second, not a minute). Rules are
   matched on this text, once per distinct value.
2. group template: tokens that occur in fewer than `RARE_TOKEN_ITEMS` items (user names,
   job names, customer names) become `*`, computed on the distinct match texts weighted by
   how many items carry each, so it costs O(distinct), not O(items).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Applied in order to lower-cased text; RE2 syntax (no look-around).
PLACEHOLDERS = (
    (r"https?://\S+", " <url> "),
    (r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", " <email> "),
    (r"\b\d{1,3}(\.\d{1,3}){3}(/\d+|:\d+)?\b", " <ip> "),
    (r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", " <id> "),
    (r"\b[0-9a-f]{8,}\b", " <id> "),  # commit hashes, request ids
    (r"\d+", "0"),
    (r"\s+", " "),
)
RARE_TOKEN_ITEMS = 3
STOPWORDS = frozenset(
    "a an the to for on in of at by with from and or is are be please pls can we need needs new our my "
    "request req re fw fwd urgent asap - for: via into onto as it this that".split()
)


def match_texts(titles: pd.Series) -> pa.ChunkedArray | pa.Array:
    """Lower-cased titles with variable parts replaced by placeholders (see module doc)."""
    text = pc.utf8_lower(pa.array(titles.fillna("").astype(str), type=pa.string()))
    text = pc.replace_substring(text, "|", " ")  # labels are joined with |
    for pattern, replacement in PLACEHOLDERS:
        text = pc.replace_substring_regex(text, pattern, replacement)
    return pc.utf8_trim_whitespace(text)


def group_templates(distinct: pd.Series, item_counts: np.ndarray) -> pd.Series:
    """For each distinct match text, its group template: the parts that vary become `*`.

    Three steps, from cheapest to widest:
    1. identifier tokens (letters and digits: hosts, CVEs, job ids) become `*`;
    2. rare tokens (in fewer than RARE_TOKEN_ITEMS items: user and customer names) become `*`;
    3. slot masking, as log-template miners do (Drain, He et al. 2017): a position, or two
       adjacent positions (a first and last name), where at least SLOT_MIN_TEXTS distinct texts
       differ only there is a variable slot. A template keeps at least half its concrete
       words, so short titles never collapse into one group.
    """
    original_index = distinct.index
    distinct = distinct.reset_index(drop=True)
    step1 = distinct.str.replace(r"(?<![\w<])(?=[\w.-]*[a-z])(?=[\w.-]*\d)[\w.-]+", "*", regex=True)
    step2 = _wildcard_rare_tokens(step1, item_counts)
    step3 = _mask_variable_slots(step2)
    return step3.str.replace(r"\*(?:[ \-_./:]*\*)+", "*", regex=True).set_axis(original_index)


def _is_concrete(token: str) -> bool:
    return token != "*" and token not in STOPWORDS and not token.startswith("<") and any(c.isalpha() for c in token)


def _wildcard_rare_tokens(texts: pd.Series, item_counts: np.ndarray) -> pd.Series:
    tokens = texts.str.split(" ")
    exploded = tokens.explode()
    frame = pd.DataFrame({"token": exploded.to_numpy(), "row": exploded.index.to_numpy()})
    frame["weight"] = item_counts[frame["row"].to_numpy()]
    token_items = frame.drop_duplicates(["row", "token"]).groupby("token", sort=False)["weight"].sum()
    counts = frame["token"].map(token_items).to_numpy()
    is_word = frame["token"].str.contains(r"[a-z]", regex=True).to_numpy()
    rare = (counts < RARE_TOKEN_ITEMS) & is_word & ~frame["token"].isin(STOPWORDS).to_numpy()
    frame["out"] = np.where(rare, "*", frame["token"])
    frame["concrete"] = [_is_concrete(t) for t in frame["out"]]
    grouped = frame.groupby("row", sort=False)
    out = grouped["out"].agg(" ".join).reindex(texts.index)
    # keep the original text where wildcarding left fewer than two concrete words
    enough = grouped["concrete"].sum().reindex(texts.index).fillna(0) >= 2
    return out.where(enough, texts)


SLOT_MIN_FILLERS = 3


def _mask_variable_slots(texts: pd.Series) -> pd.Series:
    """Mask a slot (one token, or two adjacent) when SLOT_MIN_FILLERS different values fill it
    in texts that are otherwise identical."""
    unique = texts.drop_duplicates().tolist()
    split = [text.split(" ") for text in unique]
    rows, variants, fillers, masks = [], [], [], []
    for row, tokens in enumerate(split):
        for width in (1, 2):
            for start in range(len(tokens) - width + 1):
                if not any(_is_concrete(t) for t in tokens[start:start + width]):
                    continue
                rows.append(row)
                masks.append((start, width))
                fillers.append(" ".join(tokens[start:start + width]))
                variants.append(" ".join(tokens[:start] + ["*"] + tokens[start + width:]))
    if not rows:
        return texts
    frame = pd.DataFrame({"row": rows, "variant": variants, "filler": fillers, "mask": masks})
    frame["fillers"] = frame.groupby("variant")["filler"].transform("nunique")
    frame = frame.loc[frame["fillers"] >= SLOT_MIN_FILLERS]
    templates = dict(zip(unique, unique))
    for row, group in frame.sort_values(["row", "fillers"], ascending=[True, False]).groupby("row", sort=False):
        tokens = list(split[row])
        floor = max(1, (sum(_is_concrete(t) for t in tokens) + 1) // 2)
        for start, width in group["mask"]:
            trial = tokens[:start] + ["*"] * width + tokens[start + width:]
            if sum(_is_concrete(t) for t in trial) >= floor:
                tokens = trial
        templates[unique[row]] = " ".join(tokens)
    return texts.map(templates)
