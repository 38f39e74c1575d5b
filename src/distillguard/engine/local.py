"""In-process engine: runs stage functions over Arrow data on all local cores.

Stages are plain picklable functions, so the same functions run unchanged on a Spark engine
(``mapInArrow`` for batch stages, ``applyInArrow`` for keyed stages).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self, TypeVar

import numpy as np
import polars as pl
import pyarrow as pa

T = TypeVar("T")
R = TypeVar("R")


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@dataclass
class LocalEngine:
    """Runs batch and keyed stages in one process pool; ``workers=1`` runs inline.

    Workers are *spawned*, not forked: Polars, numba and Arrow keep thread pools that a
    forked child inherits in a locked state. Use as a context manager so the pool (and its
    start-up cost) is shared by every stage of a scan.
    """

    workers: int = field(default_factory=_default_workers)
    max_in_flight: int = 3
    _pool: ProcessPoolExecutor | None = field(default=None, init=False, repr=False)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def map_batches(self, items: Iterable[T], fn: Callable[[T], R]) -> Iterator[R]:
        """Apply ``fn`` to each item, in order, keeping a bounded number of items in flight.

        Bounded so that a stream of large batches never piles up in memory.
        """
        if self.workers <= 1:
            for item in items:
                yield fn(item)
            return
        pool = self._executor()
        pending: deque[Future[R]] = deque()
        limit = self.workers * self.max_in_flight
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def map_partitions(
        self, table: pa.Table, key: str, fn: Callable[[pa.Table], pa.Table], partitions: int = 0
    ) -> pa.Table:
        """Split ``table`` by a hash of ``key`` so each key lands whole in one partition.

        ``fn`` sees complete groups (for example all events of one account) and nothing else.
        """
        n = partitions or self.workers
        if table.num_rows == 0 or n <= 1:
            return fn(table)
        bucket = _buckets(table[key], n)
        parts = [table.filter(pa.array(bucket == i)) for i in range(n)]
        results = list(self.map_batches(parts, fn))
        return pa.concat_tables([r for r in results if r.num_rows] or results[:1])

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._pool


def _buckets(column: pa.ChunkedArray, n: int) -> np.ndarray:
    """Partition number of each row: a 64-bit hash of the key, the same within one run."""
    hashed = pl.Series(column.combine_chunks()).cast(pl.Utf8).hash(seed=0)
    return (hashed % n).to_numpy()
