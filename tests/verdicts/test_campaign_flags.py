"""Campaign replay: flags come from checkpoints that saw only earlier events, and stick."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

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
    full, _ = CampaignReplay(world.accounts, Policy(), INTERVAL).run(signals)
    part, _ = CampaignReplay(world.accounts, Policy(), INTERVAL).run(prefix)
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


def test_feeding_a_growing_log_in_pieces_flags_what_feeding_it_whole_does(world: World) -> None:
    signals = _sorted(world)
    whole, _ = CampaignReplay(world.accounts, Policy(), INTERVAL).run(signals)
    replay = CampaignReplay(world.accounts, Policy(), INTERVAL)
    cuts = [0, 17, 500, 501, signals.num_rows // 2, signals.num_rows - 3, signals.num_rows]
    for lo, hi in pairwise(cuts):
        replay.feed(signals.slice(lo, hi - lo))
    replay.finish()
    assert replay.flags().sort_by("account_id").equals(whole.sort_by("account_id"))
    assert replay.checkpoints > 3


def test_graph_campaign_members_must_harvest_twice_and_not_outweigh_the_block() -> None:
    from distillguard.signals.schema import SIGNAL_SCHEMA
    from distillguard.verdicts.campaign_flags import _Activity
    from tests.conftest import signal_row

    rows = []
    for k in range(5):  # light members: 10 requests, 3 harvesting
        rows += [
            signal_row(f"m{k}", i, f"m{k}-{i}", intent="cot_elicitation" if i < 3 else "benign")
            for i in range(10)
        ]
    rows += [
        signal_row("once", i, f"once-{i}", intent="cot_elicitation" if i == 0 else "benign")
        for i in range(10)
    ]
    rows += [signal_row("heavy", i, f"heavy-{i}", intent="capability_sweep") for i in range(400)]
    activity = _Activity()
    activity.add(pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA))
    members = [*(f"m{k}" for k in range(5)), "once", "heavy"]
    assert activity.eligible(members) == [f"m{k}" for k in range(5)]
