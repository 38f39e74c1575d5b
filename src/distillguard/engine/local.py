"""In-process engine: runs stage functions over Arrow data on all local cores.

Stages are plain picklable functions, so the same functions run unchanged on a Spark engine
(``mapInArrow`` for batch stages such as ``scan.parse_and_signal``, ``applyInArrow`` for keyed
stages such as ``accounts.features.online_account_features``, which accepts any set of whole
accounts). Keyed stages run in this process: Polars already spreads them over every core.
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

T = TypeVar("T")
R = TypeVar("R")


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@dataclass
class LocalEngine:
    """Runs batch stages in one process pool; ``workers=1`` runs inline.

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

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._pool
