"""Unit behaviour of the campaign stages: Bloom filter, shared bands, lockstep, weights,
dense blocks, pooled scoring inputs and input validation."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import scipy.sparse as sp

from distillguard.campaigns import CampaignConfig, CampaignTracker
from distillguard.campaigns.bloom import BloomFilter
from distillguard.campaigns.dense import dense_blocks, densest_block
from distillguard.campaigns.directory import AccountDirectory
from distillguard.campaigns.family import FamilyIndex
from distillguard.campaigns.lockstep import effective_buckets, sync_pairs
from distillguard.campaigns.pooled import PooledInputs, group_features
from distillguard.campaigns.weights import BAND_VALUES, BandEntries, Bands, coherence, surprise
from tests.campaigns.synthetic import T0, make_world


def test_bloom_filter_has_no_false_negatives_and_few_false_positives() -> None:
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 2**63, 50_000, dtype=np.uint64)
    bloom = BloomFilter(capacity=10_000, fp_rate=0.01)
    bloom.add(keys)  # five times the first layer's capacity: it must grow
    assert bloom.contains(keys).all()
    others = rng.integers(0, 2**63, 50_000, dtype=np.uint64)
    assert bloom.contains(others).mean() < 0.03


def test_bloom_filter_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        BloomFilter(capacity=0, fp_rate=0.01)
    with pytest.raises(ValueError):
        BloomFilter(capacity=10, fp_rate=1.0)


def _chunk(accts: list[int], keys: list[int], minute: int) -> tuple[pl.DataFrame, np.ndarray]:
    n = len(accts)
    rows = pl.DataFrame(
        {
            "acct": pl.Series(accts, dtype=pl.UInt32),
            "ts": [minute * 60_000_000 + i for i in range(n)],
            "bucket": [minute // 10] * n,
            "harvest": [0.9] * n,
            "single_turn": [True] * n,
            "output_max": [False] * n,
        }
    )
    return rows, np.asarray(keys, dtype=np.uint64).reshape(n, 1)


def test_family_index_links_the_first_user_when_a_second_account_arrives() -> None:
    index = FamilyIndex(1000, 0.001, horizon_us=3_600_000_000)
    first = index.absorb(*_chunk([1, 2], [11, 12], minute=0), commit=True)
    assert first.pairs.height == 0  # both bands used once so far
    second = index.absorb(*_chunk([3], [11], minute=10), commit=True)
    assert sorted(second.pairs["acct"].to_list()) == [1, 3]
    third = index.absorb(*_chunk([4], [11], minute=20), commit=True)
    assert third.pairs["acct"].to_list() == [4]  # the first user is not counted twice


def test_family_index_look_without_commit_leaves_state_unchanged() -> None:
    index = FamilyIndex(1000, 0.001, horizon_us=3_600_000_000)
    index.absorb(*_chunk([1], [11], minute=0), commit=True)
    peek = index.absorb(*_chunk([2], [11], minute=10), commit=False)
    assert sorted(peek.pairs["acct"].to_list()) == [1, 2]
    again = index.absorb(*_chunk([2], [11], minute=10), commit=True)
    assert sorted(again.pairs["acct"].to_list()) == [1, 2]


def test_family_index_forgets_first_users_after_the_horizon() -> None:
    index = FamilyIndex(1000, 0.001, horizon_us=60_000_000)
    index.absorb(*_chunk([1], [11], minute=0), commit=True)
    late = index.absorb(*_chunk([2], [11], minute=30), commit=True)
    assert late.pairs["acct"].to_list() == [2]


def test_sync_pairs_keep_only_keys_shared_in_a_bucket() -> None:
    exploded = pl.DataFrame(
        {
            "acct": pl.Series([1, 2, 2, 3, 4], dtype=pl.UInt32),
            "fam": pl.Series([7, 7, 7, 8, 7], dtype=pl.UInt64),
            "bucket": [5, 5, 5, 5, 6],
        }
    )
    out = sync_pairs(exploded)
    assert out.select("acct", "fam", "bucket").rows() == [(1, 7, 5), (2, 7, 5)]


def test_lockstep_features_compare_observed_pairs_with_chance() -> None:
    # Three actors each send one request of band 0 in the same bucket (all in lockstep).
    ones = sp.csr_matrix(np.ones((3, 1)))
    inputs = PooledInputs(
        sums={k: np.ones(3) for k in ("n", "harvest", "outmax", "single", "accounts")}
        | {"young_unverified": np.zeros(3)},
        fam_weight=np.ones(1),
        fam=ones,
        fam_values=np.ones((3, 4)),
        sync=ones,
        payment=sp.csr_matrix((3, 0)),
        signup=sp.csr_matrix((3, 0)),
        eff_buckets=100.0,
    )
    out = group_features(inputs, sp.csr_matrix(np.ones((1, 3))))
    assert out["coactive_pairs"][0] == 3.0
    assert out["expected_pairs"][0] == pytest.approx(3.0 / 100.0)
    assert effective_buckets(np.array([10.0, 10.0, 0.0, 10.0])) == pytest.approx(3.0)


def test_group_features_walk_equals_the_sparse_products() -> None:
    """The compiled walk gives what the defining sparse products give, on random groups."""
    rng = np.random.default_rng(3)
    n_actors, n_bands, n_sync = 300, 40, 60
    fam = sp.random(n_actors, n_bands, density=0.1, random_state=4, format="csr")
    fam.data = rng.integers(1, 5, fam.nnz).astype(float)
    harvest = fam.copy()
    harvest.data = rng.random(fam.nnz) * fam.data
    sync = (sp.random(n_actors, n_sync, density=0.05, random_state=5, format="csr") > 0) * 1.0
    payment = (sp.random(n_actors, 20, density=0.02, random_state=6, format="csr") > 0) * 1.0
    weight = rng.random(n_bands)
    inputs = PooledInputs(
        sums={k: rng.random(n_actors) for k in ("n", "harvest", "outmax", "single", "accounts")}
        | {"young_unverified": np.zeros(n_actors)},
        fam_weight=weight,
        fam=fam,
        fam_values=np.column_stack([fam.data, harvest.data, fam.data, fam.data]),
        sync=sync.tocsr(),
        payment=payment.tocsr(),
        signup=sp.csr_matrix((n_actors, 0)),
        eff_buckets=7.0,
    )
    groups = sp.csr_matrix(
        (np.ones(400), (np.repeat(np.arange(20), 20), rng.choice(n_actors, 400))),
        shape=(20, n_actors),
    )
    groups.data[:] = 1.0
    groups = (groups > 0) * 1.0
    out = group_features(inputs, groups.tocsr())
    members = groups @ (fam > 0)
    shared = (members >= 2).multiply(weight[None, :])
    den = np.asarray(shared.multiply(groups @ fam).sum(axis=1)).ravel()
    num = np.asarray(shared.multiply(groups @ harvest).sum(axis=1)).ravel()
    assert np.allclose(out["harvest"][den > 0], (num / den)[den > 0])
    counts = (groups @ sync).toarray()
    assert np.allclose(out["coactive_pairs"], (counts * (counts - 1)).sum(axis=1) / 2)
    s1, s2 = (groups @ fam).toarray(), (groups @ fam.multiply(fam)).toarray()
    chance = ((members.toarray() >= 2) * (s1 * s1 - s2)).sum(axis=1) / 2 / 7.0
    assert np.allclose(out["expected_pairs"], chance)
    held = (groups @ payment).toarray() >= 2
    linked = ((payment @ held.T).T > 0) & (groups.toarray() > 0)
    size = np.asarray(groups.sum(axis=1)).ravel()
    assert np.allclose(out["payment_linked"], linked.sum(axis=1) / np.maximum(size, 1))


def test_surprise_separates_a_burst_from_chance_co_use() -> None:
    burst = surprise(np.array([25]), np.array([75.0]), np.array([1 / 400]), 400)
    chance = surprise(np.array([3]), np.array([800.0]), np.array([1 / 400]), 400)
    assert burst[0] > 0.99
    assert chance[0] < 0.01


def test_coherence_is_high_for_actors_sharing_rare_templates_and_low_for_diverse_ones() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for actor in range(200):  # diverse population: each actor its own pair of bands
        rows += [(actor, 10_000 + 2 * actor), (actor, 10_001 + 2 * actor)]
    for actor in range(200, 230):  # a coordinated group on three rare bands
        rows += [(actor, int(b)) for b in rng.choice([1, 2, 3], 2, replace=False)]
    fam = pl.DataFrame(rows, schema={"actor": pl.UInt32, "fam": pl.UInt64}, orient="row")
    fam = fam.sort("fam", "actor")
    values = tuple(np.ones(fam.height) for _ in BAND_VALUES)
    entries = BandEntries(fam["fam"].to_numpy(), fam["actor"].to_numpy().astype(np.int64), values)
    bands = Bands.from_runs(entries, None, n_actors=230)  # keeps shared bands, as the graph does
    link_actor = np.array(list(range(200, 230)) + list(range(0, 60)))
    link_col = np.array([0] * 30 + [1] * 60)
    out = coherence(bands, link_actor, link_col, n_link=2, n_actors=230, races=3)
    assert out[0] > 0.8
    assert out[1] == 0.0


def _planted(camouflage: bool) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(1)
    n_rows, n_cols = 2000, 1500
    dense = rng.random((n_rows, n_cols)) < 0.002
    block = np.arange(100, 160)
    dense[np.ix_(block, np.arange(1000, 1030))] = rng.random((60, 30)) < 0.8
    if camouflage:  # the block's rows also hit popular columns, as benign users do
        popular = np.arange(0, 20)
        dense[:, popular] |= rng.random((n_rows, 20)) < 0.3
    matrix = sp.csr_matrix(dense.astype(float))
    degree = np.asarray(matrix.sum(axis=0)).ravel()
    weights = 1.0 / np.log(5.0 + degree)
    return sp.csr_matrix(matrix @ sp.diags(weights)), block


@pytest.mark.parametrize("camouflage", [False, True])
def test_densest_block_finds_a_planted_block(camouflage: bool) -> None:
    matrix, block = _planted(camouflage)
    coo = matrix.tocoo()
    found = densest_block(coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data)
    assert found is not None
    hit = np.intersect1d(found.actors, block)
    assert len(hit) >= 0.95 * len(block)
    assert len(found.actors) <= 1.1 * len(block)


def test_dense_blocks_splits_unconnected_parts_and_skips_small_ones() -> None:
    left = np.ones((10, 8))
    right = np.ones((12, 9))
    pair = np.ones((2, 30))
    matrix = sp.csr_matrix(sp.block_diag([left, right, pair]) * 0.4)
    blocks = dense_blocks(matrix, max_blocks=10, min_density=0.5, min_actors=5)
    sizes = sorted(len(b.actors) for b in blocks)
    assert sizes == [10, 12]


def test_tracker_rejects_time_going_back_and_naive_checkpoints() -> None:
    world = make_world(seed=5, n_benign=50, hydra=0, nat=0, corp=0, days=1)
    tracker = CampaignTracker(world.accounts)
    half = world.signals.num_rows // 2
    tracker.update(world.signals.slice(half))
    with pytest.raises(ValueError, match="back in time"):
        tracker.update(world.signals.slice(0, half))
    with pytest.raises(ValueError, match="timezone"):
        tracker.detect(datetime(2026, 3, 3))
    tracker.detect(T0 + timedelta(hours=20))
    with pytest.raises(ValueError, match="precedes"):
        tracker.detect(T0 + timedelta(hours=10))


def test_tracker_keeps_accounts_missing_from_the_accounts_table() -> None:
    world = make_world(seed=5, n_benign=50, hydra=0, nat=0, corp=0, days=1)
    known = world.accounts.filter(pc.not_equal(world.accounts["account_id"], "user000003"))
    tracker = CampaignTracker(known)
    tracker.update(world.signals)
    tracker.detect(world.signals["ts"][-1].as_py())
    assert tracker.unknown_accounts == 1


def test_bad_inputs_get_clear_errors() -> None:
    world = make_world(seed=5, n_benign=20, hydra=0, nat=0, corp=0, days=1)
    with pytest.raises(ValueError, match="lacks columns"):
        CampaignTracker(world.accounts.drop(["payment_fingerprint"]))
    dup = pa.concat_tables([world.accounts, world.accounts.slice(0, 1)])
    with pytest.raises(ValueError, match="repeats account_id"):
        AccountDirectory(dup, 3600)
    tracker = CampaignTracker(world.accounts)
    with pytest.raises(ValueError, match="lacks columns"):
        tracker.update(world.signals.drop(["lsh_bands"]))
    with pytest.raises(ValueError, match="target_fpr"):
        CampaignConfig(target_fpr=0.0)
    with pytest.raises(ValueError, match="family_bands"):
        CampaignConfig(family_bands=17)


def test_empty_input_yields_no_campaigns() -> None:
    world = make_world(seed=5, n_benign=20, hydra=0, nat=0, corp=0, days=1)
    tracker = CampaignTracker(world.accounts)
    assert tracker.detect(T0) == []
    assert tracker.detect(T0 + timedelta(hours=1)) == []
