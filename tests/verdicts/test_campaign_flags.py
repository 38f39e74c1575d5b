"""Campaign replay: flags come from checkpoints that saw only earlier events, and stick."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from distillguard.verdicts.campaign_flags import CampaignReplay
from distillguard.verdicts.policy import Policy
from tests.campaigns.synthetic import World, make_world

INTERVAL = timedelta(hours=12)


@pytest.fixture(scope="module")
def world() -> World:
    return make_world(seed=3)


def _sorted(world: World) -> pa.Table:
    return world.signals.sort_by([("ts", "ascending"), ("request_id", "ascending")])


def test_replay_flags_the_hydra_at_checkpoint_event_times(world: World) -> None:
    signals = _sorted(world)
    flags, campaigns = CampaignReplay(world.accounts, Policy(), INTERVAL).run(signals)
    flagged = dict(
        zip(flags["account_id"].to_pylist(), flags["campaign_flagged_at"].to_pylist(), strict=True)
    )
    hydra = world.groups["hydra"]
    assert len(hydra & set(flagged)) >= 0.95 * len(hydra)
    assert not (world.groups["nat"] | world.groups["corp"]) & set(flagged)
    event_times = set(signals["ts"].to_pylist())
    assert set(flagged.values()) <= event_times  # a flag happens at an event, not in between
    assert min(flags["campaign_risk"].to_pylist()) >= Policy().flag
    assert any(c.flagged for c in campaigns)


def test_replay_of_a_prefix_gives_the_same_early_flags(world: World) -> None:
    signals = _sorted(world)
    first = signals["ts"][0].as_py()
    cut = first + 3 * INTERVAL
    prefix = signals.filter(pc.less(signals["ts"], cut))
    replay = CampaignReplay(world.accounts, Policy(), INTERVAL)
    full, _ = replay.run(signals)
    part, _ = replay.run(prefix)
    early = {
        a: t
        for a, t in zip(
            full["account_id"].to_pylist(), full["campaign_flagged_at"].to_pylist(), strict=True
        )
        if t < cut
    }
    got = dict(
        zip(part["account_id"].to_pylist(), part["campaign_flagged_at"].to_pylist(), strict=True)
    )
    assert early, "the hydra should be flagged before the cut"
    assert got == early
