"""End-to-end campaign detection on synthetic worlds (tests/campaigns/synthetic.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import numpy as np
import orjson
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from distillguard.campaigns import (
    Campaign,
    CampaignConfig,
    CampaignTracker,
    campaigns_to_json,
    find_campaigns,
)
from distillguard.campaigns import tracker as tracker_module
from distillguard.campaigns.graph import GraphInputs, build_graph
from tests.campaigns.synthetic import T0, World, make_world


def flagged_members(campaigns: list[Campaign]) -> set[str]:
    return {m for c in campaigns if c.flagged for m in c.members}


@pytest.fixture(scope="module")
def world() -> World:
    return make_world(seed=1, partner=20, flood=150)


@pytest.fixture(scope="module")
def campaigns(world: World) -> list[Campaign]:
    return find_campaigns(world.signals, world.accounts)


def test_hydra_of_light_accounts_is_found(world: World, campaigns: list[Campaign]) -> None:
    found = flagged_members(campaigns)
    hydra = world.groups["hydra"]
    assert len(found & hydra) >= 0.95 * len(hydra)
    best = max(campaigns, key=lambda c: len(set(c.members) & hydra))
    assert best.flagged and best.risk >= 1 - CampaignConfig().target_fpr
    assert best.evidence["lockstep_ratio"] > 10


def test_nat_corporate_team_and_benign_users_are_not_flagged(
    world: World, campaigns: list[Campaign]
) -> None:
    found = flagged_members(campaigns)
    assert not found & world.groups["nat"]
    assert not found & world.groups["corp"]
    assert len(found & world.groups["benign"]) <= 2


def test_signup_burst_flood_without_lockstep_is_found(
    world: World, campaigns: list[Campaign]
) -> None:
    flood = world.groups["flood"]
    assert len(flagged_members(campaigns) & flood) >= 0.95 * len(flood)
    best = max(campaigns, key=lambda c: len(set(c.members) & flood))
    assert best.evidence["signup_burst_share"] > 0.9
    assert best.evidence["shared_asn"]["top"] == {"AS-DC": len(flood)}


def test_allowlisted_partner_is_visible_but_never_a_member(
    world: World, campaigns: list[Campaign]
) -> None:
    partner = world.groups["partner"]
    assert not {m for c in campaigns for m in c.members} & partner
    shown = [c for c in campaigns if set(c.allowlisted) & partner]
    assert shown and set(shown[0].allowlisted) == partner
    assert not shown[0].flagged
    assert any("allowlisted" in r for r in shown[0].reasons)


def test_partner_inside_a_hydra_is_exempt_while_the_hydra_is_flagged() -> None:
    world = make_world(
        seed=2, n_benign=1200, hydra=300, nat=100, corp=20, partner=10, partner_in_hydra=True
    )
    campaigns = find_campaigns(world.signals, world.accounts)
    hydra = [c for c in campaigns if set(c.members) & world.groups["hydra"]]
    assert hydra[0].flagged
    assert set(hydra[0].allowlisted) == world.groups["partner"]
    assert not set(hydra[0].members) & world.groups["partner"]
    assert hydra[0].evidence["allowlisted_accounts"] == 10


def test_camouflage_does_not_hide_the_hydra() -> None:
    world = make_world(seed=4, camouflage=0.8)
    found = flagged_members(find_campaigns(world.signals, world.accounts))
    assert len(found & world.groups["hydra"]) >= 0.95 * len(world.groups["hydra"])
    assert not found & (world.groups["nat"] | world.groups["corp"])


def test_detect_ignores_events_after_the_checkpoint(world: World) -> None:
    cut = T0 + timedelta(days=1, hours=13, minutes=7)
    ts = world.signals["ts"]
    before = world.signals.filter(pc.less_equal(ts, pa.scalar(cut, ts.type)))
    assert 0 < before.num_rows < world.signals.num_rows
    full = CampaignTracker(world.accounts)
    full.update(world.signals)
    truncated = CampaignTracker(world.accounts)
    truncated.update(before)
    a, b = full.detect(cut), truncated.detect(cut)
    assert [c.to_dict() for c in a] == [c.to_dict() for c in b]
    assert all(c.last_seen <= cut for c in a)
    assert a and any(c.flagged for c in a)


def test_campaign_ids_are_stable_across_runs_and_checkpoints(
    world: World, campaigns: list[Campaign]
) -> None:
    again = find_campaigns(world.signals, world.accounts)
    assert [c.campaign_id for c in again] == [c.campaign_id for c in campaigns]
    tracker = CampaignTracker(world.accounts)
    tracker.update(world.signals)
    early = {c.campaign_id for c in tracker.detect(T0 + timedelta(days=2)) if c.flagged}
    late = {c.campaign_id for c in tracker.detect(T0 + timedelta(days=3)) if c.flagged}
    assert early and early <= late


def test_evidence_is_explainable_and_json_serialisable(
    world: World, campaigns: list[Campaign]
) -> None:
    hydra = world.groups["hydra"]
    best = max(campaigns, key=lambda c: len(set(c.members) & hydra))
    ev = best.evidence
    for key in (
        "intent_mix",
        "top_template_bands",
        "shared_payment",
        "shared_net",
        "lockstep_jaccard_mean",
        "p_values",
        "example_pair",
    ):
        assert key in ev
    assert ev["top_template_bands"][0]["actors"] >= 10
    assert ev["example_pair"]["shared"]["sync"]
    assert best.estimated_exchanges_harvested >= 3 * len(set(best.members) & hydra)
    assert sum(best.timeline.values()) == ev["pooled_requests"]
    assert best.first_seen <= best.last_seen
    decoded = orjson.loads(campaigns_to_json(campaigns))
    assert decoded[0]["campaign_id"] == campaigns[0].campaign_id
    assert decoded[0]["first_seen"] == campaigns[0].first_seen.isoformat()


def test_explain_pair_shows_lockstep_between_two_hydra_accounts(world: World) -> None:
    tracker = CampaignTracker(world.accounts)
    tracker.update(world.signals)
    campaigns = tracker.detect(world.signals["ts"][-1].as_py())
    hydra = max(campaigns, key=lambda c: len(set(c.members) & world.groups["hydra"]))
    a, b = hydra.evidence["example_pair"]["account_a"], hydra.evidence["example_pair"]["account_b"]
    pair = tracker.explain_pair(a, b)
    assert pair.shared_sync_buckets >= 1
    assert 0 < pair.lockstep_jaccard <= 1
    assert pair.weight > 0
    with pytest.raises(KeyError):
        tracker.explain_pair(a, "nobody")


def test_lazy_detection_builds_its_own_checkpoints_campaigns(world: World) -> None:
    """Evidence built after later rows were folded in is still that of the checkpoint, and
    the heads that member flags use carry their campaigns' fields."""
    early, late = T0 + timedelta(days=2), T0 + timedelta(days=3)
    lazy = CampaignTracker(world.accounts)
    lazy.update(world.signals)
    first = lazy.detect_lazy(early)
    lazy.detect(late)
    eager = CampaignTracker(world.accounts)
    eager.update(world.signals)
    expected = eager.detect(early)
    assert [c.to_dict() for c in first.campaigns()] == [c.to_dict() for c in expected]
    assert any(c.flagged for c in expected)
    for head, campaign in zip(first.heads, expected, strict=True):
        assert (head.campaign_id, head.members, head.risk, head.flagged) == (
            campaign.campaign_id,
            campaign.members,
            campaign.risk,
            campaign.flagged,
        )
        for table in ("p_values", "feature_p_values"):
            assert head.evidence[table] == campaign.evidence[table]


def test_overlapping_searches_find_what_one_at_a_time_detection_finds(world: World) -> None:
    """A replay runs two checkpoints' searches at once on worker threads; every checkpoint
    still gets the campaigns that detecting one checkpoint after another gives."""
    checkpoints = [T0 + timedelta(hours=12 * i) for i in range(1, 7)]
    one_at_a_time = CampaignTracker(world.accounts)
    one_at_a_time.update(world.signals)
    expected = [[c.to_dict() for c in one_at_a_time.detect(t)] for t in checkpoints]
    overlapped = CampaignTracker(world.accounts)
    overlapped.update(world.signals)
    with ThreadPoolExecutor(2) as pool:
        futures = [overlapped.submit(t, pool) for t in checkpoints]
        got = [[c.to_dict() for c in f.result().campaigns()] for f in futures]
    assert got == expected
    assert any(c["flagged"] for c in expected[-1])


def test_the_graph_does_not_depend_on_the_row_order_of_its_inputs(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Joins and group-bys return rows in an order that varies with thread timing; the
    weights and the matrix must not (peeling breaks ties on exact weighted degrees)."""
    captured: list[GraphInputs] = []
    search = tracker_module._search

    def capture(inputs: GraphInputs, *rest: object) -> object:
        captured.append(inputs)
        return search(inputs, *rest)

    monkeypatch.setattr(tracker_module, "_search", capture)
    tracker = CampaignTracker(world.accounts)
    tracker.update(world.signals)
    tracker.detect(T0 + timedelta(days=3))
    inputs = captured[-1]
    rng = np.random.default_rng(0)

    def shuffled(frame: pl.DataFrame) -> pl.DataFrame:
        return frame[rng.permutation(frame.height).tolist()]

    reordered = replace(
        inputs,
        directory=shuffled(inputs.directory),
        stats=shuffled(inputs.stats),
        sync=shuffled(inputs.sync),
        infra=shuffled(inputs.infra),
        buckets=shuffled(inputs.buckets),
    )
    config = CampaignConfig()
    a, b = build_graph(inputs, config), build_graph(reordered, config)
    assert a.matrix.nnz > 0 and (a.factor > 0).any()
    np.testing.assert_array_equal(a.weight, b.weight)
    np.testing.assert_array_equal(a.matrix.indptr, b.matrix.indptr)
    np.testing.assert_array_equal(a.matrix.indices, b.matrix.indices)
    np.testing.assert_array_equal(a.matrix.data, b.matrix.data)
    for name, sums in a.actor_sums.items():
        np.testing.assert_array_equal(sums, b.actor_sums[name])
