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

from distillguard.campaigns.peel import (
    bipartite_adjacency,
    block_components,
    induced_sum,
    peel_order,
    prune_edges,
    row_sums_on,
)

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
    csr = matrix.tocsr()
    csr.sort_indices()
    edges = (
        csr.indptr.astype(np.int64),
        csr.indices.astype(np.int32, copy=False),
        csr.data,
        csr.shape[1],
    )
    alive = np.ones(matrix.shape[0], dtype=bool)
    total = np.asarray(matrix.sum(axis=1)).ravel()
    by_key = matrix.tocsc()
    found: list[Block] = []
    for _ in range(2 * max_blocks):
        block = _densest(*edges, alive)
        if block is None or block.density < min_density:
            break
        alive[block.actors] = False
        for part in _components(block, matrix):
            if len(part.actors) >= min_actors and part.density >= min_density:
                found.append(_expand(part, matrix, by_key, alive, total))
        if len(found) >= max_blocks:
            break
    return _merge(found, matrix)


def _weight(matrix: sp.csr_matrix, actors: Ints, columns: Ints) -> float:
    """``matrix[actors][:, columns].sum()`` (sorted columns) without slicing: blocks are
    summed many times per checkpoint and slicing copies a full column map each time."""
    on = np.zeros(matrix.shape[1], dtype=bool)
    on[columns] = True
    return float(
        induced_sum(matrix.indptr, matrix.indices, matrix.data, actors.astype(np.int64), on)
    )


def _density(matrix: sp.csr_matrix, actors: Ints, columns: Ints) -> float:
    """Block density: induced weight over actors plus keys."""
    return _weight(matrix, actors, columns) / max(len(actors) + len(columns), 1)


def _components(block: Block, matrix: sp.csr_matrix) -> list[Block]:
    """The block's connected components, each with its own density."""
    n_a, n_c = len(block.actors), len(block.columns)
    col_of = np.full(matrix.shape[1], -1, dtype=np.int64)
    col_of[block.columns] = np.arange(n_c)
    label = block_components(
        matrix.indptr, matrix.indices, block.actors.astype(np.int64), col_of, n_c
    )
    count = int(label.max()) + 1 if len(label) else 0
    if count == 1:
        return [block]
    parts = []
    for lab in range(count):
        a = np.flatnonzero(label[:n_a] == lab)
        c = np.flatnonzero(label[n_a:] == lab)
        if len(a) and len(c):
            actors, columns = block.actors[a], block.columns[c]
            parts.append(Block(actors, columns, _density(matrix, actors, columns)))
    return parts


def _expand(
    block: Block,
    matrix: sp.csr_matrix,
    by_key: sp.csc_matrix,
    alive: npt.NDArray[np.bool_],
    total: npt.NDArray[np.float64],
) -> Block:
    """Add live actors with at least ``MERGE_SHARE`` of their weight on the block's keys.

    Only live actors holding one of the keys (found through ``by_key``, the matrix by column)
    can qualify, so only their rows are summed.
    """
    on_block = np.zeros(matrix.shape[1], dtype=bool)
    on_block[block.columns] = True
    starts = by_key.indptr[block.columns].astype(np.int64)
    counts = by_key.indptr[block.columns + 1] - starts
    ends = np.cumsum(counts)
    at = np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - (ends - counts), counts)
    holds = np.zeros(matrix.shape[0], dtype=bool)
    holds[by_key.indices[at]] = True
    holders = np.flatnonzero(holds & alive)
    onto = row_sums_on(matrix.indptr, matrix.indices, matrix.data, on_block, holders)
    join = holders[(onto > 0) & (onto >= MERGE_SHARE * total[holders])]
    if not len(join):
        return block
    alive[join] = False
    actors = np.union1d(block.actors, join)
    return Block(actors, block.columns, _density(matrix, actors, block.columns))


def _merge(blocks: list[Block], matrix: sp.csr_matrix) -> list[Block]:
    """Fold a block into an earlier one when most of its weight lies on the earlier keys."""
    merged: list[Block] = []
    for block in blocks:
        own = _weight(matrix, block.actors, block.columns)
        for i, earlier in enumerate(merged):
            onto = _weight(matrix, block.actors, earlier.columns)
            if own > 0 and onto >= MERGE_SHARE * own:
                actors = np.union1d(earlier.actors, block.actors)
                columns = np.union1d(earlier.columns, block.columns)
                merged[i] = Block(actors, columns, _density(matrix, actors, columns))
                break
        else:
            merged.append(block)
    return merged


def densest_block(rows: Ints, cols: Ints, w: npt.NDArray[np.float64]) -> Block | None:
    """Greedy-peeling block of the bipartite graph given as weighted edges (rows, cols, w)."""
    if len(w) == 0:
        return None
    csr = sp.csr_matrix((w, (rows, cols)))
    n_rows, n_cols = csr.shape
    return _densest(
        csr.indptr.astype(np.int64),
        csr.indices.astype(np.int32),
        csr.data,
        n_cols,
        np.ones(n_rows, dtype=bool),
    )


def _densest(
    ptr: Ints,
    idx: npt.NDArray[np.int32],
    data: npt.NDArray[np.float64],
    n_cols: int,
    alive: npt.NDArray[np.bool_],
) -> Block | None:
    """``densest_block`` of the CSR edges of ``alive`` rows, pruned first (see the module
    doc), then peeled exactly."""
    r, c, w = prune_edges(ptr, idx, data, alive, n_cols, MAX_PRUNE_ROUNDS)
    if len(w) == 0:
        return None
    row_ids, col_ids, indptr, indices, weights, degree, total = bipartite_adjacency(
        r, c, w, len(alive), n_cols
    )
    gone, density = peel_order(indptr, indices, weights, degree, total)
    keep = np.ones(len(row_ids) + len(col_ids), dtype=bool)
    keep[gone] = False
    n_rows = len(row_ids)
    actors = row_ids[np.flatnonzero(keep[:n_rows])]
    columns = col_ids[np.flatnonzero(keep[n_rows:])]
    return Block(actors=actors, columns=columns, density=float(density))
