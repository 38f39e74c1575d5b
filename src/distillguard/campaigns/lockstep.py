"""Lockstep co-activity, as SynchroTrap measures it: shared (template band, time bucket) pairs.

Two accounts are in lockstep when they send the same template family in the same time bucket
again and again. Keys used by a single account in a bucket can never link anyone, so only
(band, bucket) keys with two or more accounts are kept; a bucket is complete once time has
passed it, which makes the filter exact.

Whether a group's co-activity exceeds chance is judged against the expectation if each member
placed its requests of the shared families independently over time, following the population's
own traffic profile (so diurnal peaks do not count as coordination); ``pooled.group_features``
counts both per group.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse as sp

SYNC_SCHEMA = pl.Schema(
    {
        "acct": pl.UInt32(),
        "fam": pl.UInt64(),
        "bucket": pl.Int64(),
    }
)


def sync_pairs(exploded: pl.DataFrame) -> pl.DataFrame:
    """(acct, fam, bucket) on (band, bucket) keys that two or more accounts used.

    ``exploded`` must hold whole buckets (the caller cuts chunks at bucket edges).
    """
    keys = exploded.select("acct", "fam", "bucket").unique()
    return (
        keys.filter(pl.len().over("fam", "bucket") >= 2)
        .cast(SYNC_SCHEMA)
        .sort("fam", "bucket", "acct")
    )


def effective_buckets(bucket_counts: npt.NDArray[np.float64]) -> float:
    """Inverse Simpson number of time buckets of the population's traffic (>= 1)."""
    total = float(bucket_counts.sum())
    if total <= 0:
        return 1.0
    return max(1.0, total * total / float(np.square(bucket_counts).sum()))


def pair_jaccard(sync: sp.csr_matrix, sizes: npt.NDArray[np.float64], a: int, b: int) -> float:
    """Jaccard of two actors' (band, bucket) sets; ``sizes`` are the full set sizes.

    ``sync`` holds only shared keys, so the intersection is exact while the union uses sizes
    counted before the single-account keys were dropped.
    """
    inter = float(sync[a].multiply(sync[b]).sum())
    union = sizes[a] + sizes[b] - inter
    return inter / union if union > 0 else 0.0
