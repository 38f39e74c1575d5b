"""Camouflage-resistant dense blocks of the actors x keys graph (Fraudar, Hooi et al. 2016).

Density is g(S) = f(S) / |S| with f the summed column weights of edges inside S and |S| the
actors plus keys in S. Greedy peeling (repeatedly drop the node of least weighted degree, keep
the densest prefix) is a 2-approximation, and because an attacker's camouflage edges go to
other columns they cannot lower the block's own density.

Exact peeling needs a priority queue (compiled, see ``peel``); to keep it near-linear, the
graph is first shrunk with a safe vectorised pruning: every node of the densest block has degree at
least that block's density inside it, hence at least the density of any current subgraph, so
nodes whose degree is below the current density can be removed without losing the block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from distillguard.campaigns.peel import peel_order

Ints = npt.NDArray[np.int64]
MAX_PRUNE_ROUNDS = 200
# An actor or a later block whose weight lies at least this much on a block's keys belongs to it.
MERGE_SHARE = 0.5


@dataclass(frozen=True)
class Block:
    """One dense block: actor rows, key columns and its density g."""

    actors: Ints
    columns: Ints
    density: float


def dense_blocks(
    matrix: sp.csr_matrix, max_blocks: int, min_density: float, min_actors: int
) -> list[Block]:
    """Repeatedly extract the densest block and remove its actors, Fraudar's multi-block rule.

    A peeled block can hold two unconnected dense parts (their union is about as dense), so
    each extraction is split into connected components. Greedy peeling can drop members whose
    links are real but below the block's density; an actor most of whose weight lies on a
    block's keys is added to it. Blocks with fewer than ``min_actors``
    actors are removed without being returned, so tight pairs do not hide larger groups;
    extraction stops below ``min_density``. Finally blocks that are pieces of one group (most
    of a later block's weight lies on an earlier block's keys) are merged.
    """
    coo = matrix.tocoo()
    rows, cols, w = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    keep = w > 0
    rows, cols, w = rows[keep], cols[keep], w[keep]
    alive = np.ones(matrix.shape[0], dtype=bool)
    total = np.asarray(matrix.sum(axis=1)).ravel()
    found: list[Block] = []
    for _ in range(2 * max_blocks):
        live = alive[rows]
        block = densest_block(rows[live], cols[live], w[live])
        if block is None or block.density < min_density:
            break
        alive[block.actors] = False
        for part in _components(block, matrix):
            if len(part.actors) >= min_actors and part.density >= min_density:
                found.append(_expand(part, matrix, alive, total))
        if len(found) >= max_blocks:
            break
    return _merge(found, matrix)


def _induced(matrix: sp.csr_matrix, actors: Ints, columns: Ints) -> sp.csr_matrix:
    return matrix[actors][:, columns].tocsr()


def _density(sub: sp.csr_matrix) -> float:
    return float(sub.sum()) / max(sub.shape[0] + sub.shape[1], 1)


def _components(block: Block, matrix: sp.csr_matrix) -> list[Block]:
    """The block's connected components, each with its own density."""
    sub = _induced(matrix, block.actors, block.columns)
    n_a = sub.shape[0]
    graph = sp.bmat([[None, sub], [sub.T, None]], format="csr")
    count, label = connected_components(graph, directed=False)
    if count == 1:
        return [block]
    parts = []
    for lab in range(count):
        a = np.flatnonzero(label[:n_a] == lab)
        c = np.flatnonzero(label[n_a:] == lab)
        if len(a) and len(c):
            dens = _density(sub[a][:, c])
            parts.append(Block(block.actors[a], block.columns[c], dens))
    return parts


def _expand(
    block: Block,
    matrix: sp.csr_matrix,
    alive: npt.NDArray[np.bool_],
    total: npt.NDArray[np.float64],
) -> Block:
    """Add live actors with at least ``MERGE_SHARE`` of their weight on the block's keys."""
    onto = np.asarray(matrix[:, block.columns].sum(axis=1)).ravel()
    join = np.flatnonzero(alive & (onto > 0) & (onto >= MERGE_SHARE * total))
    if not len(join):
        return block
    alive[join] = False
    actors = np.union1d(block.actors, join)
    return Block(actors, block.columns, _density(_induced(matrix, actors, block.columns)))


def _merge(blocks: list[Block], matrix: sp.csr_matrix) -> list[Block]:
    """Fold a block into an earlier one when most of its weight lies on the earlier keys."""
    merged: list[Block] = []
    for block in blocks:
        own = float(_induced(matrix, block.actors, block.columns).sum())
        for i, earlier in enumerate(merged):
            onto = float(_induced(matrix, block.actors, earlier.columns).sum())
            if own > 0 and onto >= MERGE_SHARE * own:
                actors = np.union1d(earlier.actors, block.actors)
                columns = np.union1d(earlier.columns, block.columns)
                merged[i] = Block(actors, columns, _density(_induced(matrix, actors, columns)))
                break
        else:
            merged.append(block)
    return merged


def densest_block(rows: Ints, cols: Ints, w: npt.NDArray[np.float64]) -> Block | None:
    """Greedy-peeling block of the bipartite graph given as weighted edges (rows, cols, w)."""
    if len(w) == 0:
        return None
    rows, cols, w = _prune(rows, cols, w)
    if len(w) == 0:
        return None
    row_ids, r = np.unique(rows, return_inverse=True)
    col_ids, c = np.unique(cols, return_inverse=True)
    keep, density = _peel(r, c, w, len(row_ids), len(col_ids))
    n_rows = len(row_ids)
    actors = row_ids[keep[keep < n_rows]]
    columns = col_ids[keep[keep >= n_rows] - n_rows]
    return Block(actors=np.sort(actors), columns=np.sort(columns), density=density)


def _prune(
    rows: Ints, cols: Ints, w: npt.NDArray[np.float64]
) -> tuple[Ints, Ints, npt.NDArray[np.float64]]:
    """Drop nodes of degree below the current density until none is (keeps the densest block)."""
    for _ in range(MAX_PRUNE_ROUNDS):
        n_r = int(rows.max()) + 1
        n_c = int(cols.max()) + 1
        rdeg = np.bincount(rows, weights=w, minlength=n_r)
        cdeg = np.bincount(cols, weights=w, minlength=n_c)
        nodes = np.count_nonzero(rdeg) + np.count_nonzero(cdeg)
        rho = float(w.sum()) / nodes
        keep = (rdeg[rows] >= rho) & (cdeg[cols] >= rho)
        if keep.all():
            break
        rows, cols, w = rows[keep], cols[keep], w[keep]
        if len(w) == 0:
            break
    return rows, cols, w


def _peel(
    r: Ints, c: Ints, w: npt.NDArray[np.float64], n_rows: int, n_cols: int
) -> tuple[Ints, float]:
    """Exact greedy peeling; returns the surviving node ids (cols offset by n_rows), density."""
    n = n_rows + n_cols
    u = np.concatenate([r, c + n_rows])
    v = np.concatenate([c + n_rows, r])
    adj = sp.csr_matrix((np.concatenate([w, w]), (u, v)), shape=(n, n))
    degree = np.asarray(adj.sum(axis=1), dtype=np.float64).ravel()
    gone, best = peel_order(
        adj.indptr.astype(np.int64),
        adj.indices.astype(np.int64),
        adj.data.astype(np.float64),
        degree,
        float(w.sum()),
    )
    keep = np.ones(n, dtype=bool)
    keep[gone] = False
    return np.flatnonzero(keep), float(best)
