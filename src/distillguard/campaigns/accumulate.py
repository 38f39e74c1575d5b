"""Keyed running totals kept as appended chunks and merged when read.

Incremental state for the tracker: each micro-batch adds its partial aggregates, and a read
folds them into one frame. The merge is associative, so the same partials could be combined
per key partition on a cluster. ``KeyedTotals`` tables are keyed by one integer column
(composite keys are packed or hashed into 64 bits by the producer: a single-key group-by is
several times faster than a multi-column one); the largest table, ``BandPairs``, is kept
sorted instead, so a read merges the new partials in one linear pass.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from numba import njit

Agg = Literal["sum", "min", "max", "first"]
_OPS = {"sum": pl.Expr.sum, "min": pl.Expr.min, "max": pl.Expr.max, "first": pl.Expr.first}


class KeyedTotals:
    """Partial aggregates keyed by ``key``; every other column merges by its ``Agg``."""

    def __init__(self, schema: pl.Schema, key: str, merge: dict[str, Agg]):
        self.schema = schema
        self.key = key
        self.merge = merge
        self._chunks: list[pl.DataFrame] = []
        self._merged: pl.DataFrame | None = None

    def add(self, part: pl.DataFrame) -> None:
        if part.height:
            self._chunks.append(part.select(self.key, *self.merge).cast(self.schema))

    def fold(self, parts: list[pl.DataFrame]) -> pl.DataFrame:
        """Merged totals plus ``parts``; what was added is compacted for the next read."""
        if self._chunks:
            base = [self._merged] if self._merged is not None else []
            self._merged = self._combine([*base, *self._chunks])
            self._chunks = []
        extra = [p.select(self.key, *self.merge).cast(self.schema) for p in parts if p.height]
        base = [self._merged] if self._merged is not None else []
        if not base and not extra:
            return pl.DataFrame(schema=self.schema)
        return self._combine([*base, *extra])

    @property
    def nbytes(self) -> int:
        frames = [*self._chunks, *([self._merged] if self._merged is not None else [])]
        return sum(int(f.estimated_size()) for f in frames)

    def _combine(self, frames: list[pl.DataFrame]) -> pl.DataFrame:
        if len(frames) == 1:
            return frames[0]
        exprs = [_OPS[how](pl.col(col)) for col, how in self.merge.items()]
        return pl.concat(frames).group_by(self.key).agg(exprs)


class DistinctRows:
    """Rows kept once per 64-bit ``key`` (the first seen), appended as they come.

    For state read in full whose rows never change once seen, such as which account used
    which address: a fold only tests new keys against the sorted keys held, where a group-by
    would re-aggregate every row at each checkpoint (8 s of a scale-10 replay's main thread).
    """

    def __init__(self, schema: pl.Schema, key: str) -> None:
        self.schema = schema
        self.key = key
        self._frames: list[pl.DataFrame] = []
        self._keys = np.zeros(0, np.uint64)  # sorted, unique

    def add(self, part: pl.DataFrame) -> None:
        fresh = self._fresh([part])
        if fresh.height:
            self._frames.append(fresh)
            # Two sorted runs: the stable sort merges them in one linear pass.
            keys = np.concatenate([self._keys, np.sort(fresh[self.key].to_numpy())])
            self._keys = np.sort(keys, kind="stable")

    def fold(self, parts: list[pl.DataFrame]) -> pl.DataFrame:
        """Every row held plus the rows of ``parts`` with keys not held (kept as they are)."""
        frames = [*self._frames, self._fresh(parts)]
        return pl.concat([f for f in frames if f.height] or [pl.DataFrame(schema=self.schema)])

    @property
    def nbytes(self) -> int:
        return sum(int(f.estimated_size()) for f in self._frames) + self._keys.nbytes

    def _fresh(self, parts: list[pl.DataFrame]) -> pl.DataFrame:
        """The rows of ``parts`` whose key is not held, once per key, in the schema."""
        rows = [p.select(*self.schema).cast(self.schema) for p in parts if p.height]
        if not rows:
            return pl.DataFrame(schema=self.schema)
        frame = pl.concat(rows).unique(self.key, keep="first", maintain_order=True)
        if not len(self._keys):
            return frame
        keys = frame[self.key].to_numpy()
        at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        return frame.filter(pl.Series(self._keys[at] != keys))


class PackedDetail:
    """Per-account detail keyed by ``acct << 32 | low`` (hours, topics), read for few accounts.

    Only campaign members' timelines and topics are ever read, so chunks are kept as they
    come (compacted now and then) and filtered by account at read time instead of being merged
    in full at every checkpoint.
    """

    def __init__(self, max_chunks: int = 64) -> None:
        self._chunks: list[pl.DataFrame] = []
        self._max_chunks = max_chunks

    def add(self, part: pl.DataFrame) -> None:
        if part.height:
            self._chunks.append(part)
        if len(self._chunks) > self._max_chunks:
            self._chunks = [_sum_by_key(self._chunks)]

    @property
    def nbytes(self) -> int:
        return sum(int(f.estimated_size()) for f in self._chunks)

    def snapshot(self) -> PackedDetail:
        """A copy that later ``add`` calls leave as it is (chunks are shared, not copied)."""
        copy = PackedDetail(self._max_chunks)
        copy._chunks = [*self._chunks]
        return copy

    def for_accounts(
        self, accts: npt.NDArray[np.uint32], parts: list[pl.DataFrame]
    ) -> pl.DataFrame:
        """Summed (k, n) rows of the given accounts, including not-yet-added ``parts``."""
        wanted = np.zeros(int(accts.max()) + 1 if len(accts) else 0, dtype=bool)
        wanted[accts] = True
        hits = []
        for chunk in [*self._chunks, *parts]:
            owner = (chunk["k"].to_numpy() >> np.uint64(32)).astype(np.int64)
            mask = np.zeros(len(owner), dtype=bool)
            inside = owner < len(wanted)
            mask[inside] = wanted[owner[inside]]
            if mask.any():
                hits.append(chunk.filter(pl.Series(mask)))
        if not hits:
            return pl.DataFrame(schema={"k": pl.UInt64(), "n": pl.UInt32()})
        return _sum_by_key(hits)


def _sum_by_key(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(frames).group_by("k").agg(pl.col("n").sum())


# Summed columns of ``BandPairs`` (and of ``family.PAIR_SCHEMA``), after the (fam, acct) key.
PAIR_SUMS = ("n", "harvest", "single", "outmax")
SORTED_PAIR_SCHEMA = pl.Schema(
    {
        "fam": pl.UInt64(),
        "acct": pl.UInt32(),
        "n": pl.UInt32(),
        "harvest": pl.Float64(),
        "single": pl.UInt32(),
        "outmax": pl.UInt32(),
    }
)


class BandPairs:
    """Per (band key, account) totals, kept unique and sorted by (fam, acct).

    The largest piece of campaign state (millions of rows at 3M events). Sorted by band, the
    graph reads each band's users as one run with no group-by, and a checkpoint folds the new
    partials in with one linear merge instead of re-aggregating the whole state.
    """

    def __init__(self) -> None:
        self._chunks: list[pl.DataFrame] = []
        self._merged = pl.DataFrame(schema=SORTED_PAIR_SCHEMA)

    def add(self, part: pl.DataFrame) -> None:
        """Add ``family.PAIR_SCHEMA`` partials (any order, keyed by ``k``)."""
        if part.height:
            self._chunks.append(part)

    def fold(self, parts: list[pl.DataFrame]) -> pl.DataFrame:
        """Merged totals plus ``parts`` (SORTED_PAIR_SCHEMA); what was added is kept merged."""
        if self._chunks:
            self._merged = _merge_pairs(self._merged, _sorted_pairs(self._chunks))
            self._chunks = []
        extra = [p for p in parts if p.height]
        return _merge_pairs(self._merged, _sorted_pairs(extra)) if extra else self._merged

    @property
    def nbytes(self) -> int:
        return sum(int(f.estimated_size()) for f in [self._merged, *self._chunks])


def _sorted_pairs(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Partials summed per key and sorted by (fam, acct)."""
    return (
        pl.concat(parts)
        .group_by("k")
        .agg(pl.col("fam", "acct").first(), pl.col(*PAIR_SUMS).sum())
        .select(*SORTED_PAIR_SCHEMA)
        .cast(SORTED_PAIR_SCHEMA)
        .sort("fam", "acct")
    )


def _merge_pairs(base: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    if base.height == 0:
        return new
    cols = [
        *(base[c].to_numpy() for c in SORTED_PAIR_SCHEMA),
        *(new[c].to_numpy() for c in SORTED_PAIR_SCHEMA),
    ]
    merged = _merge_sorted(*cols)
    return pl.DataFrame(dict(zip(SORTED_PAIR_SCHEMA, merged, strict=True)))


U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]


@njit(cache=True, nogil=True)
def _merge_sorted(
    af: U64, aa: U32, an: U32, ah: F64, as_: U32, ao: U32,
    bf: U64, ba: U32, bn: U32, bh: F64, bs: U32, bo: U32,
) -> tuple[U64, U32, U32, F64, U32, U32]:  # fmt: skip  # pragma: no cover - compiled
    """Merge two (fam, acct)-sorted unique tables, summing the rows of equal keys."""
    na, nb = af.shape[0], bf.shape[0]
    size = na + nb
    of = np.empty(size, np.uint64)
    oa = np.empty(size, np.uint32)
    on = np.empty(size, np.uint32)
    oh = np.empty(size, np.float64)
    os_ = np.empty(size, np.uint32)
    oo = np.empty(size, np.uint32)
    i = j = m = 0
    while i < na or j < nb:
        if j == nb:
            take = -1
        elif i == na:
            take = 1
        elif af[i] != bf[j]:
            take = -1 if af[i] < bf[j] else 1
        elif aa[i] != ba[j]:
            take = -1 if aa[i] < ba[j] else 1
        else:
            take = 0
        if take <= 0:
            of[m], oa[m], on[m], oh[m], os_[m], oo[m] = af[i], aa[i], an[i], ah[i], as_[i], ao[i]
            if take == 0:
                on[m] += bn[j]
                oh[m] += bh[j]
                os_[m] += bs[j]
                oo[m] += bo[j]
                j += 1
            i += 1
        else:
            of[m], oa[m], on[m], oh[m], os_[m], oo[m] = bf[j], ba[j], bn[j], bh[j], bs[j], bo[j]
            j += 1
        m += 1
    return of[:m], oa[:m], on[:m], oh[:m], os_[:m], oo[:m]
