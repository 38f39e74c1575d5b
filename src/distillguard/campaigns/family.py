"""Template-family sharing: which (account, band key) pairs are on bands used by 2+ accounts.

Only shared bands can link accounts, and most bands (one-off prompts) never are, so the index
keeps no per-band record for them: a Bloom filter remembers that a band was seen, and the first
user of each band is remembered for ``first_owner_horizon_s`` so it is linked too when a
second account arrives. A first user whose band is reused only after the horizon loses that
one link (its other links remain); this bounds memory by the horizon, not by the traffic.

Per chunk the work is one sort of the chunk's band keys (to find keys repeated inside it) and
one Bloom look-up; everything else runs on the few rows whose band is repeated or seen before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from distillguard.campaigns.bloom import BloomFilter, mix64

U64 = npt.NDArray[np.uint64]
# ``k`` hashes (acct, fam) into the one key the running totals merge on.
PAIR_SCHEMA = pl.Schema(
    {
        "k": pl.UInt64(),
        "acct": pl.UInt32(),
        "fam": pl.UInt64(),
        "n": pl.UInt32(),
        "harvest": pl.Float64(),
        "single": pl.UInt32(),
        "outmax": pl.UInt32(),
    }
)
# Per-request columns a chunk must carry.
ROW_COLUMNS = ["acct", "ts", "bucket", "harvest", "single_turn", "output_max"]


def pair_key(acct: npt.NDArray[np.uint32], fam: U64) -> U64:
    """One 64-bit key per (account, band key)."""
    return fam ^ mix64(acct.astype(np.uint64))


def pair_totals(exploded: pl.DataFrame) -> pl.DataFrame:
    """Per (account, band key) request count and harvest/single-turn/output-max totals."""
    key = pair_key(exploded["acct"].to_numpy(), exploded["fam"].to_numpy())
    return (
        exploded.with_columns(pl.Series("k", key, dtype=pl.UInt64))
        .group_by("k")
        .agg(
            pl.col("acct").first(),
            pl.col("fam").first(),
            pl.len().alias("n"),
            pl.col("harvest").sum(),
            pl.col("single_turn").sum().alias("single"),
            pl.col("output_max").sum().alias("outmax"),
        )
        .cast(PAIR_SCHEMA)
    )


@dataclass(frozen=True)
class Absorbed:
    """A chunk's shared pairs (``PAIR_SCHEMA``) and its exploded rows on candidate bands."""

    pairs: pl.DataFrame
    candidates: pl.DataFrame


@dataclass
class _Run:
    """First users of bands first seen in one chunk, sorted by band key (unique keys)."""

    last_ts: int
    fam: U64
    pairs: pl.DataFrame
    taken: npt.NDArray[np.bool_]


class FamilyIndex:
    """Streaming detector of shared template bands, fed chunks in time order."""

    def __init__(self, bloom_capacity: int, bloom_fp_rate: float, horizon_us: int) -> None:
        self._seen = BloomFilter(bloom_capacity, bloom_fp_rate)
        self._runs: list[_Run] = []
        self._horizon_us = horizon_us

    def absorb(self, rows: pl.DataFrame, keys: U64, commit: bool) -> Absorbed:
        """Shared pairs of a chunk, including recovered first users.

        ``rows`` carry ``ROW_COLUMNS``; ``keys`` is its (rows, bands) band-key array. With
        ``commit`` the chunk is remembered; without it the index is left as it was (a look at
        still-open data).
        """
        n, k = keys.shape
        if n == 0:
            empty = pl.DataFrame(schema=PAIR_SCHEMA)
            return Absorbed(empty, rows.select(ROW_COLUMNS).with_columns(fam=pl.lit(0, pl.UInt64)))
        if commit:
            cutoff = int(rows["ts"][0]) - self._horizon_us
            self._runs = [r for r in self._runs if r.last_ts >= cutoff]
        fam = keys.ravel()
        seen = self._seen.contains(fam)
        cand = _repeated(fam) | seen
        idx = np.flatnonzero(cand)
        sub = rows.select(ROW_COLUMNS)[idx // k].with_columns(
            pl.Series("fam", fam[idx], dtype=pl.UInt64)
        )
        pairs = pair_totals(sub)
        seen_fams = np.unique(fam[seen])
        degree = pairs.group_by("fam").len("deg")
        before = pl.Series("fam", seen_fams, dtype=pl.UInt64).to_frame()
        shared_fams = pl.concat([degree.filter(pl.col("deg") >= 2).select("fam"), before])
        shared = pairs.join(shared_fams.unique(), on="fam", how="semi")
        recovered = self._recover(seen_fams, commit)
        if commit:
            self._seen.add(fam[~seen])
            self._remember(rows, fam, k, cand, pairs, degree, before, int(rows["ts"][-1]))
        out = pl.concat([shared, *recovered]) if recovered else shared
        return Absorbed(out, sub)

    def _remember(
        self,
        rows: pl.DataFrame,
        fam: U64,
        k: int,
        cand: npt.NDArray[np.bool_],
        pairs: pl.DataFrame,
        degree: pl.DataFrame,
        before: pl.DataFrame,
        last_ts: int,
    ) -> None:
        """Keep this chunk's first users of new bands for later owner recovery."""
        lone = np.flatnonzero(~cand)
        at = lone // k
        acct = rows["acct"].to_numpy()[at]
        singles = pl.DataFrame(
            {
                "k": pair_key(acct, fam[lone]),
                "acct": acct,
                "fam": fam[lone],
                "n": np.ones(len(lone), dtype=np.uint32),
                "harvest": rows["harvest"].to_numpy()[at].astype(np.float64),
                "single": rows["single_turn"].to_numpy()[at].astype(np.uint32),
                "outmax": rows["output_max"].to_numpy()[at].astype(np.uint32),
            }
        ).cast(PAIR_SCHEMA)
        repeats = pairs.join(degree.filter(pl.col("deg") == 1), on="fam", how="semi").join(
            before, on="fam", how="anti"
        )
        firsts = pl.concat([singles, repeats]).sort("fam")
        if firsts.height:
            self._runs.append(
                _Run(last_ts, firsts["fam"].to_numpy(), firsts, np.zeros(firsts.height, bool))
            )

    def _recover(self, seen_sorted: U64, commit: bool) -> list[pl.DataFrame]:
        found: list[pl.DataFrame] = []
        if not len(seen_sorted):
            return found
        for run in self._runs:
            hit = _isin_both_sorted(run.fam, seen_sorted) & ~run.taken
            if hit.any():
                found.append(run.pairs.filter(pl.Series(hit)))
                if commit:
                    run.taken |= hit
        return found

    @property
    def nbytes(self) -> int:
        """Memory held: Bloom bits plus the remembered first users."""
        runs = sum(int(r.pairs.estimated_size()) + r.fam.nbytes for r in self._runs)
        return self._seen.nbytes + runs


def _repeated(values: U64) -> npt.NDArray[np.bool_]:
    """Mask of values occurring more than once."""
    ordered = np.sort(values)
    dupes = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    return _isin_sorted(values, dupes)


def _isin_both_sorted(values: U64, sorted_set: U64) -> npt.NDArray[np.bool_]:
    """``_isin_sorted`` for sorted ``values``: binary search from the smaller side."""
    if len(sorted_set) >= len(values):
        return _isin_sorted(values, sorted_set)
    hit = np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(values, sorted_set)
    ok = pos < len(values)
    pos = pos[ok]
    hit[pos[values[pos] == sorted_set[ok]]] = True
    return hit


def _isin_sorted(values: U64, sorted_set: U64) -> npt.NDArray[np.bool_]:
    """Mask of ``values`` present in the sorted array ``sorted_set``."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(sorted_set, values)
    pos[pos == len(sorted_set)] = 0
    return np.asarray(sorted_set[pos] == values)
