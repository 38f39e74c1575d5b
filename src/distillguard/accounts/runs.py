"""Running statistics of each (account, key) pair, in time order.

Per-account features and the shared keys both ask, at every event, how often the account has
sent this template (model, hour, exact prompt) so far. As a Polars window over the pairs that
is evaluated group by group, which costs seconds at millions of events where most pairs hold
one or two rows; along the sorted runs of the pairs it is one sort and a few scans.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl


def pair_runs(
    rows: pl.DataFrame,
    account: str,
    key: str,
    sums: Sequence[str] = (),
    previous: Sequence[str] = (),
) -> pl.DataFrame:
    """Per row of ``rows`` (each account's rows in time order): ``count``, the rows of its
    (``account``, ``key``) pair so far, this one included; the pair's running sum of each
    column in ``sums`` (same name, Int64); and ``previous_<column>``, the value of each column in
    ``previous`` on the pair's previous row (null on its first). Nulls in ``key`` are one key.
    """
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    first = (
        (index == 0)
        | pl.col(account).ne_missing(pl.col(account).shift())
        | pl.col(key).ne_missing(pl.col(key).shift())
    )
    running = [
        (
            pl.col(c).cast(pl.Int64).cum_sum()
            - pl.when(first)
            .then(pl.col(c).cast(pl.Int64).cum_sum() - pl.col(c).cast(pl.Int64))
            .forward_fill()
        ).alias(c)
        for c in sums
    ]
    before = [pl.when(~first).then(pl.col(c).shift()).alias(f"previous_{c}") for c in previous]
    return (
        rows.select(account, key, *sums, *previous)
        .with_row_index("_row")
        .sort(account, key, "_row")
        .select(
            "_row",
            (index - pl.when(first).then(index).forward_fill() + 1).alias("count"),
            *running,
            *before,
        )
        .sort("_row")
        .drop("_row")
    )
