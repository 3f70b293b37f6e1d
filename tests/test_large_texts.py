"""More than 2 GB of one column's text (a million descriptions of 2,000 characters): Arrow's
string arrays address their bytes with 32-bit offsets, so the reader, the importers' checks and
the classifier keep such a column with 64-bit ones (large_string, as pandas does). Before, the
import of 1.2M such rows stopped with "offset overflow while concatenating arrays"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from toilaudit.classify.classifier import DESCRIPTION_CHARS, _description_field, _description_match_texts
from toilaudit.importers.csv_reading import _field_values
from toilaudit.importers.interface import DESCRIPTION_CHARS as KEPT_CHARS
from toilaudit.importers.interface import _longer_than

ROWS_PER_BLOCK = 100_000


def test_a_column_of_more_than_2_gb_is_read_checked_and_scored() -> None:
    text = "restart the web-01 service " * 74 + "x" * (KEPT_CHARS - 27 * 74)  # 2,000 ASCII characters
    block = pa.array([text] * ROWS_PER_BLOCK)  # 200 MB; the blocks below share its bytes
    blocks = 11
    assert blocks * block.nbytes > 2**31

    values = _field_values([[block] * blocks], has_nul=False, longest=None)
    assert len(values) == blocks * ROWS_PER_BLOCK
    assert values.iloc[-1] == text
    assert not _longer_than(values, KEPT_CHARS) and _longer_than(values, KEPT_CHARS - 1)

    field = _description_field(pd.DataFrame({"description": values}))
    assert len(field.texts) == len(values)
    words = _description_match_texts(field.texts.slice(len(values) - 3, 3))
    assert words.to_pylist() == _description_match_texts(pa.array([text] * 3)).to_pylist()
    assert len(words[0].as_py()) <= DESCRIPTION_CHARS
    assert np.array_equal(field.codes[-3:], np.arange(len(values) - 3, len(values)))
