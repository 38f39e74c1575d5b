"""Compiled kernels of campaign detection give what the vectorised definitions give.

Dense-block peeling breaks ties on exact degrees, so the kernels that feed it must reproduce
numpy's and scipy's sums bit for bit; the others must agree with their sparse definitions.
"""

from __future__ import annotations

import heapq

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from distillguard.campaigns.accumulate import BandPairs
from distillguard.campaigns.groupsum import band_sums
from distillguard.campaigns.peel import (
    bipartite_adjacency,
    block_components,
    induced_sum,
    peel_order,
    prune_edges,
    row_sums_on,
    segment_sum,
)
from distillguard.campaigns.pooled import indicator, random_groups
from distillguard.campaigns.weights import BAND_VALUES, BandEntries, Bands


def _weighted(seed: int, n_rows: int = 400, n_cols: int = 300) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    m = sp.random(n_rows, n_cols, density=0.05, random_state=seed, format="csr")
    m.data = 1.0 / np.log(5.0 + rng.integers(1, 200, m.nnz))
    return m


def _prune_reference(
    rows: np.ndarray, cols: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The vectorised rule: drop edges with an end below the current density, until stable."""
    for _ in range(200):
        rdeg = np.bincount(rows, weights=w)
        cdeg = np.bincount(cols, weights=w)
        rho = float(w.sum()) / (np.count_nonzero(rdeg) + np.count_nonzero(cdeg))
        keep = (rdeg[rows] >= rho) & (cdeg[cols] >= rho)
        if keep.all():
            break
        rows, cols, w = rows[keep], cols[keep], w[keep]
        if len(w) == 0:
            break
    return rows, cols, w


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prune_equals_the_vectorised_rule_bit_for_bit(seed: int) -> None:
    m = _weighted(seed)
    alive = np.random.default_rng(seed).random(m.shape[0]) < 0.8
    coo = m.tocoo()
    live = alive[coo.row]
    expected = _prune_reference(
        coo.row[live].astype(np.int64), coo.col[live].astype(np.int64), coo.data[live]
    )
    got = prune_edges(
        m.indptr.astype(np.int64), m.indices.astype(np.int32), m.data, alive, m.shape[1], 200
    )
    for a, b in zip(expected, got, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 127, 128, 129, 1000, 70_001])
def test_segment_sum_is_numpys_reduceat(n: int) -> None:
    w = np.random.default_rng(n).random(n + 3) / 7.0
    expected = np.add.reduceat(w[: 2 + n], [2])[0] if n else 0.0
    assert segment_sum(w, 2, 2 + n) == expected


def test_row_sums_on_columns_equal_scipys_sliced_sums() -> None:
    m = _weighted(4, n_cols=2000)
    cols = np.sort(np.random.default_rng(4).choice(2000, 900, replace=False))
    on = np.zeros(2000, dtype=bool)
    on[cols] = True
    rows = np.arange(m.shape[0])
    got = row_sums_on(m.indptr.astype(np.int64), m.indices, m.data, on, rows)
    expected = np.asarray(m[:, cols].sum(axis=1)).ravel()
    assert np.array_equal(got, expected)
    some = rows[::3]
    assert np.array_equal(row_sums_on(m.indptr, m.indices, m.data, on, some), expected[some])


def test_bipartite_adjacency_equals_the_scipy_construction() -> None:
    coo = _weighted(5).tocoo()
    r, c, w = coo.row.astype(np.int32), coo.col.astype(np.int32), coo.data
    rows, ri = np.unique(r, return_inverse=True)
    cols, ci = np.unique(c, return_inverse=True)
    n = len(rows) + len(cols)
    u, v = np.concatenate([ri, ci + len(rows)]), np.concatenate([ci + len(rows), ri])
    adj = sp.csr_matrix((np.concatenate([w, w]), (u, v)), shape=(n, n))
    got = bipartite_adjacency(r, c, w, 400, 300)
    assert np.array_equal(got[0], rows) and np.array_equal(got[1], cols)
    for a, b in zip((adj.indptr, adj.indices, adj.data), got[2:5], strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(got[5], np.asarray(adj.sum(axis=1)).ravel())
    assert got[6] == w.sum()


def test_band_pairs_fold_sums_partials_and_keeps_band_order() -> None:
    rng = np.random.default_rng(6)
    parts = []
    for _ in range(5):
        n = 500
        fam = rng.integers(0, 50, n).astype(np.uint64)
        acct = rng.integers(0, 40, n).astype(np.uint32)
        parts.append(
            pl.DataFrame(
                {
                    "k": fam * np.uint64(1000) + acct,
                    "acct": acct,
                    "fam": fam,
                    "n": np.ones(n, np.uint32),
                    "harvest": rng.random(n),
                    "single": rng.integers(0, 2, n).astype(np.uint32),
                    "outmax": rng.integers(0, 2, n).astype(np.uint32),
                }
            )
            .group_by("k")
            .agg(pl.col("acct", "fam").first(), pl.col("n", "harvest", "single", "outmax").sum())
        )
    pairs = BandPairs()
    for part in parts[:3]:
        pairs.add(part)
    pairs.fold([])
    pairs.add(parts[3])
    got = pairs.fold([parts[4]])

    def expected(frames: list[pl.DataFrame]) -> pl.DataFrame:
        return (
            pl.concat(frames)
            .group_by("fam", "acct")
            .agg(pl.col("n", "harvest").sum())
            .sort("fam", "acct")
        )

    for have, want in ((got, expected(parts)), (pairs.fold([]), expected(parts[:4]))):
        assert have.select("fam", "acct", "n").equals(want.select("fam", "acct", "n"))
        assert np.allclose(have["harvest"].to_numpy(), want["harvest"].to_numpy())


def test_bands_keep_shared_bands_with_rows_sorted_and_values_aligned() -> None:
    # band 1: actors 0, 2 (shared); band 5: actor 1 only; band 9: actors 1, 2, 3 (shared)
    fam = np.array([1, 1, 5, 9, 9], dtype=np.uint64)
    actor = np.array([0, 2, 1, 1, 2], dtype=np.int64)
    values = tuple(np.arange(5, dtype=np.float64) + 10 * q for q in range(len(BAND_VALUES)))
    extra = BandEntries(np.array([9], np.uint64), np.array([3], np.int64), (np.full(1, 99.0),) * 4)
    bands = Bands.from_runs(BandEntries(fam, actor, values), extra, n_actors=4)
    assert bands.keys.tolist() == [1, 9]
    assert bands.degree.tolist() == [2, 3]
    assert bands.ptr.tolist() == [0, 1, 2, 4, 5]
    assert bands.col.tolist() == [0, 1, 0, 1, 1]
    assert bands.values[:, 0].tolist() == [0.0, 3.0, 1.0, 4.0, 99.0]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_induced_sum_equals_scipys_sliced_sum(seed: int) -> None:
    m = _weighted(seed)
    rng = np.random.default_rng(seed)
    for rows_n, cols_n in [(0, 10), (1, 1), (40, 300), (400, 7), (250, 150)]:
        rows = np.sort(rng.choice(400, rows_n, replace=False)).astype(np.int64)
        cols = np.sort(rng.choice(300, cols_n, replace=False))
        on = np.zeros(300, dtype=bool)
        on[cols] = True
        got = induced_sum(m.indptr.astype(np.int64), m.indices, m.data, rows, on)
        expected = float(m[rows][:, cols].sum())
        assert got == expected and np.signbit(got) == np.signbit(expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_block_components_label_as_scipy(seed: int) -> None:
    m = sp.random(300, 400, density=0.004, random_state=seed, format="csr")
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(300, 200, replace=False)).astype(np.int64)
    cols = np.sort(rng.choice(400, 250, replace=False))
    sub = m[rows][:, cols].tocsr()
    count, expected = connected_components(
        sp.bmat([[None, sub], [sub.T, None]], format="csr"), directed=False
    )
    col_of = np.full(400, -1, dtype=np.int64)
    col_of[cols] = np.arange(len(cols))
    got = block_components(m.indptr.astype(np.int64), m.indices, rows, col_of, len(cols))
    assert count > 1 and np.array_equal(got, expected)


def _peel_reference(
    indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, degree: np.ndarray, total: float
) -> tuple[list[int], float]:
    """Greedy peeling with a lazy-deletion heap of (degree, node), stale entries skipped."""
    heap = [(float(d), i) for i, d in enumerate(degree)]
    heapq.heapify(heap)
    removed = np.zeros(len(degree), dtype=bool)
    order: list[int] = []
    f, left = total, len(degree)
    best, best_step = f / left, 0
    while heap:
        d, x = heapq.heappop(heap)
        if removed[x] or d > degree[x]:
            continue
        removed[x] = True
        order.append(x)
        f -= degree[x]
        left -= 1
        for e in range(indptr[x], indptr[x + 1]):
            y = indices[e]
            if not removed[y]:
                degree[y] -= weights[e]
                heapq.heappush(heap, (float(degree[y]), int(y)))
        if left > 0 and f / left > best:
            best, best_step = f / left, len(order)
    return order[:best_step], best


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_peel_order_equals_the_lazy_heap_reference(seed: int) -> None:
    coo = _weighted(seed, n_rows=120, n_cols=90).tocoo()
    if seed % 2:  # few distinct weights: many ties on degree
        coo.data = np.random.default_rng(seed).choice([0.25, 0.5, 1.0], coo.nnz)
    adj = bipartite_adjacency(coo.row.astype(np.int32), coo.col.astype(np.int32), coo.data, 120, 90)
    indptr, indices, weights, degree, total = adj[2], adj[3], adj[4], adj[5], adj[6]
    expected, density = _peel_reference(indptr, indices, weights, degree.copy(), total)
    got, got_density = peel_order(indptr, indices, weights, degree.copy(), total)
    assert got.tolist() == expected and got_density == density


def test_band_sums_equal_the_per_group_definition() -> None:
    rng = np.random.default_rng(8)
    fam = _weighted(8, n_rows=200, n_cols=150)
    values = rng.random((fam.nnz, 4)) * rng.integers(1, 50, (fam.nnz, 1))
    weight = rng.random(150)
    weight[rng.random(150) < 0.3] = 0.0  # bands explained by chance: never shared
    groups = [np.sort(rng.choice(200, int(rng.integers(2, 60)), replace=False)) for _ in range(30)]
    g = indicator(groups, 200)
    ptr, idx = fam.indptr.astype(np.int64), fam.indices.astype(np.int64)
    out, pairs = band_sums(
        g.indptr.astype(np.int64), g.indices.astype(np.int64), ptr, idx, values, weight
    )
    for i, members in enumerate(groups):
        acc: dict[int, np.ndarray] = {}  # first-touch order, summed in member then entry order
        users: dict[int, int] = {}
        sq: dict[int, float] = {}
        for a in members:
            for e in range(ptr[a], ptr[a + 1]):
                j = int(idx[e])
                if weight[j] == 0.0:
                    continue
                users[j] = users.get(j, 0) + 1
                acc[j] = acc[j] + values[e] if j in acc else values[e].copy()
                sq[j] = sq.get(j, 0.0) + values[e, 0] * values[e, 0]
        want, chance = np.zeros(4), 0.0
        for j in acc:
            if users[j] >= 2:
                want += weight[j] * acc[j]
                chance += acc[j][0] * acc[j][0] - sq[j]
        assert np.array_equal(out[i], want) and pairs[i] == chance


def test_indicator_lays_out_the_coo_construction() -> None:
    rng = np.random.default_rng(9)
    groups = [np.sort(rng.choice(50, int(rng.integers(0, 20)), replace=False)) for _ in range(12)]
    rows = np.concatenate([np.full(len(g), i) for i, g in enumerate(groups)])
    expected = sp.csr_matrix(
        (np.ones(len(rows)), (rows, np.concatenate(groups))), shape=(len(groups), 50)
    )
    got = indicator(groups, 50)
    for a, b in [(got.indptr, expected.indptr), (got.indices, expected.indices)]:
        assert np.array_equal(a, b)
    assert np.array_equal(got.data, expected.data) and got.shape == expected.shape
    with pytest.raises(AssertionError):
        indicator([np.array([3, 1])], 50)


@pytest.mark.parametrize(
    ("n", "size", "count"),
    [(7000, 5, 400), (7000, 400, 30), (6, 6, 10), (1, 1, 3), (9000, 0, 3), (50, 5, 0),
     (10_000, 300, 20), (10_001, 200, 20), (10_001, 201, 20), (30_000, 700, 5)],
)  # fmt: skip
def test_random_groups_are_numpys_choice_and_leave_the_same_state(
    n: int, size: int, count: int
) -> None:
    pool = np.sort(np.random.default_rng(n).choice(100_000, n, replace=False))
    expected_rng, rng = np.random.default_rng(size), np.random.default_rng(size)
    take = min(size, n)
    expected = [np.sort(expected_rng.choice(pool, take, replace=False)) for _ in range(count)]
    got = random_groups(pool, size, count, rng)
    assert len(got) == len(expected)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))
    assert rng.integers(1 << 62) == expected_rng.integers(1 << 62)
