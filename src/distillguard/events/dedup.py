"""Remember which request ids a run has seen, in 8 bytes per id.

A 3M-event scan keeps every id it has seen. Python strings (or a set of Python ints) would
take 70-250 bytes per id; 64-bit xxh3 digests in sorted numpy arrays take 8. The chance
that two distinct ids of a 3M-event run share a digest is about 2e-7.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import xxhash


def digests(ids: Sequence[str]) -> npt.NDArray[np.uint64]:
    """64-bit xxh3 digests of ``ids``."""
    digest = xxhash.xxh3_64_intdigest
    return np.fromiter((digest(i.encode()) for i in ids), dtype=np.uint64, count=len(ids))


class SeenDigests:
    """A growing set of 64-bit digests kept as a few sorted, disjoint arrays ("runs").

    Each batch is looked up with a binary search per run and added as a new run; a run is
    merged into the one before it once that one is no more than twice its size. Runs so
    shrink geometrically (at most log2 of the total), and each digest is copied about log2
    times over a read instead of once per batch as with one array: at 3M ids in 1,500-id
    batches that is the difference between 0.2 and 3.4 us per id.
    """

    def __init__(self) -> None:
        self._runs: list[npt.NDArray[np.uint64]] = []

    def __len__(self) -> int:
        return sum(len(run) for run in self._runs)

    def first_seen(self, batch: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
        """Mask of the entries of ``batch`` not seen before, in earlier calls or earlier in
        ``batch`` itself; those digests are remembered from now on."""
        unique, first = np.unique(batch, return_index=True)
        fresh = np.ones(len(unique), dtype=np.bool_)
        for run in self._runs:
            at = np.searchsorted(run, unique)
            inside = at < len(run)
            fresh[inside] &= run[at[inside]] != unique[inside]
        if fresh.any():
            self._runs.append(unique[fresh])
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            last = self._runs.pop()
            # A stable sort of two sorted runs is one linear merge (timsort finds the runs).
            self._runs[-1] = np.sort(np.concatenate([self._runs[-1], last]), kind="stable")
        mask = np.zeros(len(batch), dtype=np.bool_)
        mask[first[fresh]] = True
        return mask
