"""Shared keys' running totals: run-based sums against the windowed definition."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.campaigns.shared_keys import _running


def _windowed(shared: pl.DataFrame) -> pl.DataFrame:
    """Per key in (key, seq) order: cumulative requests, hits and first-hit accounts."""
    hit = pl.col("hits") > 0
    first_h = hit & pl.when(hit).then(pl.struct("key", "acct")).is_first_distinct()
    return shared.sort("key", "seq", "requests").with_columns(
        pl.col("requests").cum_sum().over("key").cast(pl.Int64).alias("n"),
        pl.col("hits").cum_sum().over("key").alias("hits"),
        first_h.cast(pl.Int64).cum_sum().over("key").alias("harvesters"),
    )


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(0, 400),
    n_keys=st.integers(1, 12),
    n_accounts=st.integers(1, 9),
    wide=st.booleans(),
)
def test_running_totals_equal_windows_over_the_key(
    seed: int, rows: int, n_keys: int, n_accounts: int, wide: bool
) -> None:
    rng = np.random.default_rng(seed)
    # Content keys are 64-bit hashes; others are small codes.
    pool = rng.integers(0, 2**63, n_keys, dtype=np.uint64) if wide else np.arange(n_keys)
    shared = pl.DataFrame(
        {
            "key": pool[rng.integers(0, n_keys, rows)],
            "seq": rng.permutation(rows).astype(np.uint32),
            "acct": rng.integers(0, n_accounts, rows).astype(np.uint32),
            "hits": rng.integers(0, 3, rows) * (rng.random(rows) < 0.5),
            # credit rows carry no request of their own
            "requests": (rng.random(rows) < 0.8).astype(np.int32),
        }
    )
    got = _running(shared)
    want = _windowed(shared)
    assert got.select("key", "seq", "acct").equals(want.select("key", "seq", "acct"))
    for column in ("n", "hits", "harvesters"):
        assert got[column].to_list() == want[column].to_list(), column
