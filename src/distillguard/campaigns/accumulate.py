"""Keyed running totals kept as appended chunks and merged with one group-by when read.

Incremental state for the tracker: each micro-batch adds its partial aggregates, and a read
folds them into one frame. The merge is associative, so the same partials could be combined
per key partition on a cluster. Every table is keyed by one integer column (composite keys
are packed or hashed into 64 bits by the producer): a single-key group-by is several times
faster than a multi-column one.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

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

    def for_accounts(
        self, accts: npt.NDArray[np.uint32], parts: list[pl.DataFrame]
    ) -> pl.DataFrame:
        """Summed (k, n) rows of the given accounts, including not-yet-added ``parts``."""
        wanted = np.unique(accts.astype(np.uint64))
        hits = []
        for chunk in [*self._chunks, *parts]:
            owner = chunk["k"].to_numpy() >> np.uint64(32)
            mask = np.isin(owner, wanted, assume_unique=False)
            if mask.any():
                hits.append(chunk.filter(pl.Series(mask)))
        if not hits:
            return pl.DataFrame(schema={"k": pl.UInt64(), "n": pl.UInt32()})
        return _sum_by_key(hits)


def _sum_by_key(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(frames).group_by("k").agg(pl.col("n").sum())
