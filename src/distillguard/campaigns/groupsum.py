"""Pooled sums over groups of actors, compiled: one walk over each member's sparse rows.

Pooled scoring sums the traffic of thousands of groups (candidates and their null groups) per
template band and lockstep key. As sparse products (groups x actors times actors x keys) that
materialises and sorts a groups x keys matrix per quantity, which was most of a checkpoint's
scoring time; these kernels instead walk each group's members' rows once into a dense scratch
accumulator, and give the same sums. Groups and incidences come as CSR arrays (``indptr``,
``indices``); each actor's row holds a key at most once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numba import njit

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def csr_arrays(m: sp.csr_matrix) -> tuple[Ints, Ints]:
    """``indptr`` and ``indices`` of a CSR matrix as the kernels' int64 arrays."""
    return m.indptr.astype(np.int64), m.indices.astype(np.int64)


def grouped(labels: Ints, n: int) -> tuple[Ints, Ints]:
    """Positions grouped by ``labels`` (each in ``0 .. n - 1``) as a CSR layout: ``ptr``
    (``n + 1`` offsets) and the positions in label order, input order kept within a label."""
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(labels, minlength=n), out=ptr[1:])
    return ptr, np.argsort(labels, kind="stable")


@njit(cache=True, nogil=True)
def band_sums(
    g_ptr: Ints,
    g_idx: Ints,
    ptr: Ints,
    idx: Ints,
    values: Floats,
    weight: Floats,
) -> tuple[Floats, Floats]:  # pragma: no cover - compiled
    """Per group, sums over the bands two or more members use.

    ``values`` is (entries, q) with the request count in column 0; returns (groups, q) sums of
    ``weight[band] * values`` over the shared bands, and per group the chance-pair numerator
    ``sum over shared bands of (s1^2 - s2)`` with s1, s2 the members' summed counts and
    squared counts. A band of no weight (explained by chance) is never shared: it is skipped,
    as if its column were not there. A first pass counts each band's members, so the float
    sums (in the same member and entry order) run only over shared bands: most of a random
    group's are not.
    """
    n_groups = g_ptr.shape[0] - 1
    n_cols = weight.shape[0]
    q = values.shape[1]
    owner = np.full(n_cols, -1, np.int64)  # group that last touched the band
    summed = np.full(n_cols, -1, np.int64)  # group whose sums the band holds
    members = np.zeros(n_cols, np.int64)
    acc = np.zeros((n_cols, q), np.float64)
    sq = np.zeros(n_cols, np.float64)
    touched = np.empty(n_cols, np.int64)
    out = np.zeros((n_groups, q), np.float64)
    pairs = np.zeros(n_groups, np.float64)
    for g in range(n_groups):
        n_touched = 0
        for m in range(g_ptr[g], g_ptr[g + 1]):
            a = g_idx[m]
            for e in range(ptr[a], ptr[a + 1]):
                j = idx[e]
                if weight[j] <= 0.0:
                    continue
                if owner[j] != g:
                    owner[j] = g
                    members[j] = 0
                    touched[n_touched] = j
                    n_touched += 1
                members[j] += 1
        for m in range(g_ptr[g], g_ptr[g + 1]):
            a = g_idx[m]
            for e in range(ptr[a], ptr[a + 1]):
                j = idx[e]
                if weight[j] <= 0.0 or members[j] < 2:
                    continue
                if summed[j] != g:
                    summed[j] = g
                    sq[j] = 0.0
                    for k in range(q):
                        acc[j, k] = 0.0
                n = values[e, 0]
                sq[j] += n * n
                for k in range(q):
                    acc[j, k] += values[e, k]
        for t in range(n_touched):
            j = touched[t]
            if members[j] >= 2:
                w = weight[j]
                for k in range(q):
                    out[g, k] += w * acc[j, k]
                pairs[g] += acc[j, 0] * acc[j, 0] - sq[j]
    return out, pairs


@njit(cache=True, nogil=True)
def key_pairs(
    g_ptr: Ints, g_idx: Ints, ptr: Ints, idx: Ints, n_cols: int
) -> Floats:  # pragma: no cover - compiled
    """Per group, member pairs sharing a key, summed over keys: sum of c (c - 1) / 2."""
    n_groups = g_ptr.shape[0] - 1
    owner = np.full(n_cols, -1, np.int64)
    count = np.zeros(n_cols, np.int64)
    out = np.zeros(n_groups, np.float64)
    for g in range(n_groups):
        total = 0
        for m in range(g_ptr[g], g_ptr[g + 1]):
            a = g_idx[m]
            for e in range(ptr[a], ptr[a + 1]):
                j = idx[e]
                if owner[j] != g:
                    owner[j] = g
                    count[j] = 0
                total += count[j]  # the new member pairs with every earlier holder
                count[j] += 1
        out[g] = total
    return out


@njit(cache=True, nogil=True)
def linked_members(
    g_ptr: Ints, g_idx: Ints, ptr: Ints, idx: Ints, n_cols: int
) -> Floats:  # pragma: no cover - compiled
    """Per group, members holding a key that another member also holds."""
    n_groups = g_ptr.shape[0] - 1
    owner = np.full(n_cols, -1, np.int64)
    count = np.zeros(n_cols, np.int64)
    out = np.zeros(n_groups, np.float64)
    for g in range(n_groups):
        for m in range(g_ptr[g], g_ptr[g + 1]):
            a = g_idx[m]
            for e in range(ptr[a], ptr[a + 1]):
                j = idx[e]
                if owner[j] != g:
                    owner[j] = g
                    count[j] = 0
                count[j] += 1
        linked = 0
        for m in range(g_ptr[g], g_ptr[g + 1]):
            a = g_idx[m]
            for e in range(ptr[a], ptr[a + 1]):
                if count[idx[e]] >= 2:
                    linked += 1
                    break
        out[g] = linked
    return out
