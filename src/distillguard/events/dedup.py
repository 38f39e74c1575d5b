"""Remember which request ids a run has seen, in 8 bytes per id.

A 3M-event scan keeps every id it has seen. Python strings (or a set of Python ints) would
take 70-250 bytes per id; 64-bit xxh3 digests in one sorted numpy array take 8. The chance
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
    """A growing set of 64-bit digests kept as one sorted array.

    Each batch is looked up with a binary search and merged in with one linear-time insert,
    so a 20k batch costs a copy of the array: fine up to tens of millions of ids per run.
    """

    def __init__(self) -> None:
        self._sorted: npt.NDArray[np.uint64] = np.empty(0, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self._sorted)

    def first_seen(self, batch: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
        """Mask of the entries of ``batch`` not seen before, in earlier calls or earlier in
        ``batch`` itself; those digests are remembered from now on."""
        unique, first = np.unique(batch, return_index=True)
        at = np.searchsorted(self._sorted, unique)
        inside = at < len(self._sorted)
        fresh = np.ones(len(unique), dtype=np.bool_)
        fresh[inside] = self._sorted[at[inside]] != unique[inside]
        self._sorted = np.insert(self._sorted, at[fresh], unique[fresh])
        mask = np.zeros(len(batch), dtype=np.bool_)
        mask[first[fresh]] = True
        return mask
