"""A per-process memo of per-text signal rows, so repeated texts are scored once.

Traffic repeats texts exactly: harvesters sample one prompt many times, clients retry, and
apps send fixed prompts. Every per-text signal is a pure function of the text (and the
fingerprint key), computed for each text on its own, so a stored row is bit-for-bit what a
fresh computation would give. The memo holds the last ``capacity`` distinct texts and is
emptied whole when full: bounded memory, no per-hit bookkeeping. Calls are serialised by a
lock, computation included, so threads sharing a process cannot see a half-written store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

Columns = dict[str, np.ndarray]


class RowMemo:
    """Stored result rows (one per text, in named numpy columns) of up to ``capacity`` texts."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"memo capacity must be positive, got {capacity}")
        self.capacity = capacity
        self._slot: dict[str, int] = {}
        self._used = 0  # store rows written since the last clear (a repeated text uses two)
        self._store: Columns = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._slot)

    def clear(self) -> None:
        """Forget every stored text (a benchmark's cold start)."""
        with self._lock:
            self._slot.clear()
            self._store = {}
            self._used = 0

    def rows(
        self, texts: Sequence[str], compute: Callable[[npt.NDArray[np.int64]], Columns]
    ) -> Columns:
        """The result columns for ``texts``; ``compute(indices)`` gives those of the texts at
        ``indices`` that were not stored, in that order."""
        with self._lock:
            get = self._slot.get
            slots = np.fromiter((get(t, -1) for t in texts), np.int64, len(texts))
            miss = np.flatnonzero(slots < 0)
            if len(miss) == 0 and self._store:
                return {name: column[slots] for name, column in self._store.items()}
            fresh = compute(miss)
            if len(miss) == len(texts):
                out = fresh
            else:
                hit = slots >= 0
                out = {}
                for name, column in fresh.items():
                    out[name] = np.empty((len(texts), *column.shape[1:]), column.dtype)
                    out[name][miss] = column
                    out[name][hit] = self._store[name][slots[hit]]
            self._add([texts[i] for i in miss.tolist()], fresh)
            return out

    def _add(self, texts: list[str], columns: Columns) -> None:
        if len(texts) > self.capacity:
            texts = texts[: self.capacity]
            columns = {name: column[: self.capacity] for name, column in columns.items()}
        start = self._used
        if start + len(texts) > self.capacity or not self._store:
            self._slot.clear()
            self._store = {
                name: np.empty((self.capacity, *column.shape[1:]), column.dtype)
                for name, column in columns.items()
            }
            start = 0
        for name, column in columns.items():
            self._store[name][start : start + len(texts)] = column
        self._slot.update(zip(texts, range(start, start + len(texts)), strict=True))
        self._used = start + len(texts)
