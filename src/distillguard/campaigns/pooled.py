"""Pooled scoring: judge a group of light accounts as the one heavy actor it is.

Every group (candidate or null) is described by the same features of its pooled traffic:

* harvest evidence — on the traffic the members share (requests on template bands used by two
  or more members, weighted by the band's Fraudar weight, so mixed-in camouflage on popular
  templates counts little): mean harvest probability, output-maximising share, single-turn
  share; a group sharing nothing falls back to all its traffic;
* lockstep — log of observed over chance-expected co-active pairs (see ``lockstep``);
* linkage — share of members sharing a payment fingerprint or a signup burst with another
  member, share of young unverified accounts.

The null distribution is estimated on the scanned data itself, per candidate: groups formed
from benign-looking structure (actors behind one network prefix, ASN, TLS fingerprint, user
agent or email domain) within a factor two of the candidate's size, and random groups of about
its size (group means of small groups vary more, so sizes must match), all drawn from actors
outside every candidate block. Each feature becomes an empirical upper-tail p-value against
that null; features of one family are combined by weighted Fisher and the combination is
calibrated on the null again.

A campaign needs harvest evidence *and* coordination evidence (lockstep or linkage), so the
group p-value is the intersection-union test ``max(p_harvest, p_coordination)``, with
``p_coordination = min(1, 2 min(p_lockstep, p_linkage))`` (Bonferroni over the two routes).
Risk is ``1 - p``; a group is flagged when ``p <= target_fpr``. Weights only set how the
features of one family trade off; the threshold itself comes from the null.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse as sp
from numba import njit

from distillguard.campaigns.graph import EvidenceGraph
from distillguard.campaigns.groupsum import (
    band_sums,
    csr_arrays,
    key_pairs,
    linked_members,
)
from distillguard.campaigns.lockstep import effective_buckets
from distillguard.campaigns.model import CampaignConfig
from distillguard.campaigns.weights import BAND_VALUES

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

# Weighted Fisher weights inside each evidence family (priors, documented in docs/campaigns.md).
HARVEST_WEIGHTS = {"harvest": 2.0, "output_max": 1.0, "single_turn": 0.5}
LINKAGE_WEIGHTS = {"payment_linked": 1.0, "signup_linked": 1.0, "young_unverified": 1.0}
STRUCTURE_KINDS = ("net", "asn", "tls", "ua")


@dataclass(frozen=True)
class GroupScore:
    """Pooled features, p-values and risk of one candidate group."""

    features: dict[str, float]
    # Per-feature p-values against the null.
    feature_p: dict[str, float]
    # Family p-values: harvest, lockstep, linkage, coordination and the group's own.
    p_values: dict[str, float]
    risk: float
    null_groups: int


def indicator(groups: list[Ints], n_actors: int) -> sp.csr_matrix:
    """Groups x actors 0/1 matrix of groups of sorted, unique actors (as all groups are).

    Laid out as CSR directly: thousands of null groups per checkpoint made the COO
    conversion (one sort of every entry) a visible cost.
    """
    if not groups:
        return sp.csr_matrix((0, n_actors))
    ptr = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum([len(g) for g in groups], out=ptr[1:])
    cols = np.concatenate(groups).astype(np.int64)
    steps = np.diff(cols)
    starts = ptr[1:-1]
    steps[starts[(starts > 0) & (starts < len(cols))] - 1] = 1  # groups restart low
    assert (steps > 0).all(), "group actors must be sorted and unique"
    return sp.csr_matrix((np.ones(len(cols)), cols, ptr), shape=(len(groups), n_actors))


@dataclass(frozen=True)
class PooledInputs:
    """The graph's incidences as pooled scoring reads them, built once per checkpoint.

    Bands and lockstep keys explained by chance (weight 0) cannot make traffic "shared" or
    co-activity "coordinated": lockstep keys without weight are dropped, and ``band_sums``
    skips bands without weight (``fam_weight`` 0), so no copy of the band entries is made.
    ``fam_values`` holds, per (actor, band) entry of ``fam``, the request count and the
    harvest, output-max and single-turn totals (``weights.BAND_VALUES``).
    """

    sums: dict[str, Floats]
    fam_weight: Floats
    fam: sp.csr_matrix
    fam_values: Floats
    sync: sp.csr_matrix
    payment: sp.csr_matrix
    signup: sp.csr_matrix
    eff_buckets: float

    @classmethod
    def of(cls, graph: EvidenceGraph, bucket_counts: Floats) -> PooledInputs:
        sync_cols = graph.columns("sync")
        keep_sync = np.flatnonzero(graph.weight[sync_cols] > 0)
        return cls(
            sums=graph.actor_sums,
            fam_weight=graph.weight[graph.columns("fam")],
            fam=graph.fam_requests,
            fam_values=graph.fam_values,
            sync=graph.sync[:, keep_sync].tocsr(),
            payment=graph.link_matrix("payment"),
            signup=graph.link_matrix("signup"),
            eff_buckets=effective_buckets(bucket_counts),
        )

    @cached_property
    def fam_arrays(self) -> tuple[Ints, Ints]:
        """``fam``'s CSR arrays as the kernels read them: converted once per checkpoint, not
        once per group set (5M entries at the bench's last checkpoint)."""
        return csr_arrays(self.fam)

    @cached_property
    def sync_arrays(self) -> tuple[Ints, Ints]:
        """``sync``'s CSR arrays as the kernels read them, converted once."""
        return csr_arrays(self.sync)


def group_features(inputs: PooledInputs, groups: sp.csr_matrix) -> dict[str, Floats]:
    """The pooled features of each row of ``groups`` (groups x actors).

    Lockstep: observed co-active pairs are member pairs sharing a (band, bucket) key;
    expected ones are, for each band shared by 2+ members, the pairs of their requests that
    would land in one bucket by chance, ``sum_{a<b} n_a n_b / eff_buckets`` (``lockstep``).
    """
    sums = inputs.sums
    size = np.asarray(groups.sum(axis=1)).ravel()
    n = groups @ sums["n"]
    whole = {
        "harvest": groups @ sums["harvest"],
        "output_max": groups @ sums["outmax"],
        "single_turn": groups @ sums["single"],
    }
    g_ptr, g_idx = csr_arrays(groups)
    shared, chance_pairs = band_sums(
        g_ptr, g_idx, *inputs.fam_arrays, inputs.fam_values, inputs.fam_weight
    )
    den = shared[:, 0]
    out: dict[str, Floats] = {"actors": size, "requests": n}
    for i, name in enumerate(BAND_VALUES[1:], start=1):
        num = shared[:, i]
        out[name] = np.where(den > 0, num / np.maximum(den, 1e-12), whole[name] / np.maximum(n, 1))
    observed = key_pairs(g_ptr, g_idx, *inputs.sync_arrays, inputs.sync.shape[1])
    expected = chance_pairs / 2.0 / inputs.eff_buckets
    out["coactive_pairs"] = observed
    out["expected_pairs"] = expected
    out["lockstep"] = np.log((observed + 1.0) / (expected + 1.0))
    out["payment_linked"] = _linked_share(g_ptr, g_idx, inputs.payment, size)
    out["signup_linked"] = _linked_share(g_ptr, g_idx, inputs.signup, size)
    accounts = groups @ sums["accounts"]
    out["young_unverified"] = (groups @ sums["young_unverified"]) / np.maximum(accounts, 1)
    return out


def _linked_share(g_ptr: Ints, g_idx: Ints, keys: sp.csr_matrix, size: Floats) -> Floats:
    """Share of each group's actors that hold a key also held by another actor of the group."""
    if keys.shape[1] == 0 or len(g_ptr) <= 1:
        return np.zeros(len(g_ptr) - 1)
    linked = linked_members(g_ptr, g_idx, *csr_arrays(keys), keys.shape[1])
    return linked / np.maximum(size, 1)


def structure_groups(
    graph: EvidenceGraph, excluded: npt.NDArray[np.bool_], config: CampaignConfig
) -> list[Ints]:
    """Actors behind one network prefix, ASN, TLS fingerprint, user agent or email domain."""
    rng = np.random.default_rng(config.seed)
    groups = []
    for kind in STRUCTURE_KINDS:
        keys = graph.link_matrix(kind).tocsc()
        # Most keys keep too few actors once candidates are excluded; they are skipped here
        # without a per-key slice (the loop below would drop them without drawing).
        kept = np.concatenate([[0], np.cumsum(~excluded[keys.indices])])
        left = kept[keys.indptr[1:]] - kept[keys.indptr[:-1]]
        wanted = (left >= config.min_actors) | (left > config.null_max_actors)
        for j in np.flatnonzero(wanted):
            groups.append(keys.indices[keys.indptr[j] : keys.indptr[j + 1]].astype(np.int64))
    domains = (
        graph.accounts.filter(pl.col("email_domain").is_not_null())
        .group_by("email_domain")
        .agg(pl.col("actor").unique().sort())  # sorted: the draws below depend on order
        .sort("email_domain")
    )
    groups.extend(np.asarray(a, dtype=np.int64) for a in domains["actor"].to_list())
    out = []
    for members in groups:
        members = members[~excluded[members]]
        if len(members) > config.null_max_actors:
            members = rng.choice(members, config.null_max_actors, replace=False)
        if len(members) >= config.min_actors:
            out.append(np.sort(members))
    if len(out) > config.null_structure_groups:
        pick = rng.choice(len(out), config.null_structure_groups, replace=False)
        out = [out[i] for i in np.sort(pick)]
    return out


def random_groups(pool: Ints, size: int, count: int, rng: np.random.Generator) -> list[Ints]:
    """``count`` random groups of ``size`` actors from the sorted ``pool``, each sorted.

    The groups, and the generator's state after, are those of ``count`` calls of
    ``np.sort(rng.choice(pool, size, replace=False))``; hundreds of thousands of such small
    calls per scan were a visible cost. Where numpy draws by Floyd's algorithm (then shuffles
    the sample, which sorting undoes), all bounded draws are made in one call, in the same
    order, and the samples built compiled; otherwise (a pool over 10,000 of which ``size`` is
    more than a fiftieth) ``choice`` itself is called.
    """
    size = min(size, len(pool))
    n = len(pool)
    if n > _FLOYD_MAX_POOL and size > n // _FLOYD_MIN_SHARE:
        return [np.sort(rng.choice(pool, size, replace=False)) for _ in range(count)]
    floyd = np.arange(n - size, n)  # Floyd draws a value in [0, j] for each of these j
    shuffle = np.arange(size - 1, 0, -1)  # then the shuffle one in [0, i] for each i
    highs = np.concatenate([floyd, shuffle])
    draws = rng.integers(0, np.tile(highs, count), endpoint=True)
    draws = draws.reshape(count, len(highs))[:, :size]
    return list(pool[_floyd_samples(draws, n, size)])


# numpy's ``Generator.choice`` (replace=False) samples by Floyd's algorithm unless the pool
# is larger than this and the sample more than 1/_FLOYD_MIN_SHARE of it.
_FLOYD_MAX_POOL = 10_000
_FLOYD_MIN_SHARE = 50


@njit(cache=True, nogil=True)
def _floyd_samples(draws: Ints, n: int, size: int) -> Ints:  # pragma: no cover - compiled
    """Per row of ``draws`` (value t drawn in [0, n - size + t]), Floyd's sample of ``size``
    positions in [0, n), sorted."""
    count = draws.shape[0]
    out = np.empty((count, size), np.int64)
    taken = np.zeros(n, np.bool_)
    for g in range(count):
        for t in range(size):
            v = draws[g, t]
            if taken[v]:
                v = n - size + t
            taken[v] = True
            out[g, t] = v
        for t in range(size):
            taken[out[g, t]] = False
        out[g].sort()
    return out


def _tail_p(null: Floats, values: Floats, self_in_null: bool) -> Floats:
    """Empirical upper-tail p-values (1 + #null >= x) / (N + 1); a null member counts itself."""
    ordered = np.sort(null)
    ge = len(ordered) - np.searchsorted(ordered, values, side="left")
    return (ge + (0 if self_in_null else 1)) / (len(ordered) + 1)


def _fisher(p: dict[str, Floats], weights: dict[str, float]) -> Floats:
    total = np.zeros(len(next(iter(p.values()))))
    for name, wt in weights.items():
        total += wt * -np.log(p[name])
    return total


def score_groups(
    graph: EvidenceGraph,
    candidates: list[Ints],
    bucket_counts: Floats,
    config: CampaignConfig,
) -> list[GroupScore]:
    """Null-calibrated risk of each candidate group (actor index arrays).

    Each candidate is compared with its own null: random groups of about its size (candidates
    in one half-octave of size share them, drawn at the smallest size of the class: smaller
    groups vary more, which keeps the test conservative) and structure groups within a factor
    two of its size, all drawn from actors outside every candidate.
    """
    if not candidates:
        return []
    inputs = PooledInputs.of(graph, bucket_counts)
    sizes = np.array([min(len(c), config.null_max_actors) for c in candidates])
    cand = group_features(inputs, indicator(candidates, graph.n_actors))
    excluded = np.zeros(graph.n_actors, dtype=bool)
    for c in candidates:
        excluded[c] = True
    pool = np.flatnonzero(~excluded)
    if len(pool) < config.min_actors:
        return [GroupScore(_row(cand, i), {}, {}, 0.0, 0) for i in range(len(candidates))]
    rng = np.random.default_rng(config.seed)
    structure = structure_groups(graph, excluded, config)
    size_class = np.floor(2 * np.log2(sizes)).astype(np.int64)
    classes = np.unique(size_class)
    randoms: list[Ints] = []
    for cls in classes:
        smallest = int(sizes[size_class == cls].min())
        randoms += random_groups(pool, smallest, config.null_random_groups, rng)
    nulls = structure + randoms
    null = group_features(inputs, indicator(nulls, graph.n_actors))
    null_size = np.array([len(g) for g in structure])
    scores = []
    for i, n in enumerate(sizes):
        near = np.flatnonzero((null_size * 2 >= n) & (null_size <= 2 * n))
        start = (
            len(structure)
            + int(np.searchsorted(classes, size_class[i])) * config.null_random_groups
        )
        own = np.concatenate([near, np.arange(start, start + config.null_random_groups)])
        scores.append(_score_one({k: v[own] for k, v in null.items()}, _row(cand, i)))
    return scores


def _score_one(null: dict[str, Floats], cand: dict[str, float]) -> GroupScore:
    names = [*HARVEST_WEIGHTS, "lockstep", *LINKAGE_WEIGHTS]
    p_null = {k: _tail_p(null[k], null[k], True) for k in names}
    p_cand = {k: _tail_p(null[k], np.array([cand[k]]), False) for k in names}
    p_harvest = float(
        _tail_p(_fisher(p_null, HARVEST_WEIGHTS), _fisher(p_cand, HARVEST_WEIGHTS), False)[0]
    )
    p_linkage = float(
        _tail_p(_fisher(p_null, LINKAGE_WEIGHTS), _fisher(p_cand, LINKAGE_WEIGHTS), False)[0]
    )
    p_lockstep = float(p_cand["lockstep"][0])
    p_coord = min(1.0, 2.0 * min(p_lockstep, p_linkage))
    p_group = max(p_harvest, p_coord)
    return GroupScore(
        features=cand,
        feature_p={k: float(v[0]) for k, v in p_cand.items()},
        p_values={
            "harvest": p_harvest,
            "lockstep": p_lockstep,
            "linkage": p_linkage,
            "coordination": p_coord,
            "group": p_group,
        },
        risk=1.0 - p_group,
        null_groups=len(null["actors"]),
    )


def _row(features: dict[str, Floats], i: int) -> dict[str, float]:
    return {k: float(v[i]) for k, v in features.items()}
