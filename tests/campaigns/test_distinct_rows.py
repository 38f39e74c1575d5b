"""DistinctRows: the first row per key, kept across adds; a fold's extra rows are not kept."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.campaigns.accumulate import DistinctRows

SCHEMA = pl.Schema({"k": pl.UInt64(), "v": pl.Utf8()})


def _part(keys: list[int], tag: str) -> pl.DataFrame:
    """Rows of ``keys``; each value names its part and position, so the kept one shows."""
    return pl.DataFrame({"k": keys, "v": [f"{tag}{i}" for i in range(len(keys))]}, schema=SCHEMA)


def test_first_row_per_key_wins_and_extra_rows_are_not_kept() -> None:
    rows = DistinctRows(SCHEMA, "k")
    assert rows.fold([]).height == 0
    rows.add(_part([5, 1, 5], "a"))
    rows.add(_part([1, 2**63 + 7], "b"))
    folded = rows.fold([_part([2, 5], "x")])
    assert dict(folded.iter_rows()) == {5: "a0", 1: "a1", 2**63 + 7: "b1", 2: "x0"}
    assert folded.height == 4
    # the fold's extra part was only looked at
    assert sorted(rows.fold([])["k"].to_list()) == [1, 5, 2**63 + 7]


@settings(max_examples=60, deadline=None)
@given(
    chunks=st.lists(st.lists(st.integers(0, 40), max_size=30), max_size=8),
    extra=st.lists(st.integers(0, 40), max_size=30),
)
def test_fold_holds_each_key_once_with_its_first_value(
    chunks: list[list[int]], extra: list[int]
) -> None:
    rows = DistinctRows(SCHEMA, "k")
    first: dict[int, str] = {}
    for i, keys in enumerate(chunks):
        rows.add(_part(keys, f"c{i}-"))
        for at, k in enumerate(keys):
            first.setdefault(k, f"c{i}-{at}")
    expected = dict(first)
    for at, k in enumerate(extra):
        expected.setdefault(k, f"x{at}")
    folded = rows.fold([_part(extra, "x")])
    assert folded.schema == SCHEMA
    assert folded.height == len(expected)
    assert dict(folded.iter_rows()) == expected
    assert np.all(np.diff(np.sort(folded["k"].to_numpy())) > 0)
