"""Exact greedy peeling (Charikar; Fraudar's inner loop) compiled with numba.

Peeling is inherently sequential (remove the node of least weighted degree, update its
neighbours, repeat), so it is the one loop of campaign detection that vectorising cannot
express; compiled, a 100k-edge core peels in milliseconds instead of seconds. The priority
queue is a binary heap with lazy deletion, ordered by (degree, node id) so ties break the same
way on every run.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@njit(cache=True)
def _less(ka: float, va: int, kb: float, vb: int) -> bool:  # pragma: no cover - compiled
    return ka < kb or (ka == kb and va < vb)


@njit(cache=True)
def _push(keys: Floats, vals: Ints, size: int, k: float, v: int) -> int:  # pragma: no cover
    i = size
    keys[i] = k
    vals[i] = v
    while i > 0:
        parent = (i - 1) // 2
        if _less(keys[i], vals[i], keys[parent], vals[parent]):
            keys[i], keys[parent] = keys[parent], keys[i]
            vals[i], vals[parent] = vals[parent], vals[i]
            i = parent
        else:
            break
    return size + 1


@njit(cache=True)
def _pop(keys: Floats, vals: Ints, size: int) -> int:  # pragma: no cover - compiled
    """Move the root to the end (index size - 1) and restore the heap on the rest."""
    last = size - 1
    keys[0], keys[last] = keys[last], keys[0]
    vals[0], vals[last] = vals[last], vals[0]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= last:
            break
        child = left
        right = left + 1
        if right < last and _less(keys[right], vals[right], keys[left], vals[left]):
            child = right
        if _less(keys[child], vals[child], keys[i], vals[i]):
            keys[i], keys[child] = keys[child], keys[i]
            vals[i], vals[child] = vals[child], vals[i]
            i = child
        else:
            break
    return last


@njit(cache=True)
def peel_order(
    indptr: Ints, indices: Ints, weights: Floats, degree: Floats, total: float
) -> tuple[Ints, float]:  # pragma: no cover - compiled
    """Nodes removed before the densest prefix, and that prefix's density f / |S|.

    The graph is a symmetric CSR adjacency (``indptr``, ``indices``, ``weights``); ``degree``
    (weighted, consumed) and ``total`` (sum of edge weights, each edge once) describe it.
    """
    n = degree.shape[0]
    cap = n + indices.shape[0] + 1
    keys = np.empty(cap, np.float64)
    vals = np.empty(cap, np.int64)
    size = 0
    for i in range(n):
        size = _push(keys, vals, size, degree[i], i)
    removed = np.zeros(n, np.bool_)
    order = np.empty(n, np.int64)
    done = 0
    f = total
    left = n
    best = f / n
    best_step = 0
    while size > 0:
        size = _pop(keys, vals, size)
        d = keys[size]
        x = vals[size]
        if removed[x] or d > degree[x]:
            continue
        removed[x] = True
        order[done] = x
        done += 1
        f -= degree[x]
        left -= 1
        for e in range(indptr[x], indptr[x + 1]):
            y = indices[e]
            if not removed[y]:
                degree[y] -= weights[e]
                size = _push(keys, vals, size, degree[y], y)
        if left > 0 and f / left > best:
            best = f / left
            best_step = done
    return order[:best_step].copy(), best
