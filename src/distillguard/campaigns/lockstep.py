"""Lockstep co-activity, as SynchroTrap measures it: shared (template band, time bucket) pairs.

Two accounts are in lockstep when they send the same template family in the same time bucket
again and again. Keys used by a single account in a bucket can never link anyone, so only
(band, bucket) keys with two or more accounts are kept; a bucket is complete once time has
passed it, which makes the filter exact.

Whether a group's co-activity exceeds chance is judged against the expectation if each member
placed its requests of the shared families independently over time, following the population's
own traffic profile (so diurnal peaks do not count as coordination).
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


def coactivity(
    groups: sp.csr_matrix,
    sync: sp.csr_matrix,
    fam_requests: sp.csr_matrix,
    eff_buckets: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Observed and chance-expected co-active actor pairs per group.

    ``groups`` is groups x actors (0/1), ``sync`` actors x (band, bucket) keys (0/1),
    ``fam_requests`` actors x band keys (request counts). Observed: pairs of members sharing
    each (band, bucket) key. Expected: for each band shared by 2+ members, pairs of their
    requests that would land in one bucket by chance, ``sum_{a<b} n_a n_b / eff_buckets``.
    """
    counts = (groups @ sync).tocsr()
    observed = np.asarray((counts.multiply(counts) - counts).sum(axis=1)).ravel() / 2.0
    members = (groups @ (fam_requests > 0).astype(np.float64)).tocsr()
    s1 = (groups @ fam_requests).tocsr()
    s2 = (groups @ fam_requests.multiply(fam_requests)).tocsr()
    shared = (members >= 2).astype(np.float64)
    pairs = shared.multiply(s1.multiply(s1) - s2)
    expected = np.asarray(pairs.sum(axis=1)).ravel() / 2.0 / eff_buckets
    return observed, expected


def pair_jaccard(sync: sp.csr_matrix, sizes: npt.NDArray[np.float64], a: int, b: int) -> float:
    """Jaccard of two actors' (band, bucket) sets; ``sizes`` are the full set sizes.

    ``sync`` holds only shared keys, so the intersection is exact while the union uses sizes
    counted before the single-account keys were dropped.
    """
    inter = float(sync[a].multiply(sync[b]).sum())
    union = sizes[a] + sizes[b] - inter
    return inter / union if union > 0 else 0.0
