"""The scan's campaign-replay input: the time-sorted rows, whose replay-only columns (half
the signal table) are freed chunk by chunk as the replay feeds them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from distillguard import scan
from distillguard.engine.stages import SCAN_COLUMNS
from distillguard.verdicts.campaign_flags import CampaignReplay
from distillguard.verdicts.policy import Policy
from tests.campaigns.synthetic import World, make_world

PART_ROWS = 1000


@pytest.fixture(scope="module")
def world() -> World:
    return make_world(seed=4, n_benign=500, hydra=100)


@pytest.fixture(scope="module")
def table(world: World) -> pa.Table:
    signals = world.signals.select(SCAN_COLUMNS)
    shuffled = np.random.default_rng(0).permutation(signals.num_rows)
    return signals.take(pa.array(shuffled))


def _sorted(table: pa.Table, monkeypatch: pytest.MonkeyPatch) -> pa.Table:
    monkeypatch.setattr(scan, "REPLAY_PART_ROWS", PART_ROWS)
    batches = table.to_batches(max_chunksize=777)
    out = scan.sort_by_time(batches)
    assert batches == []
    return out


def test_sorting_keeps_every_row_and_cuts_replay_only_columns_into_parts(
    table: pa.Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _sorted(table, monkeypatch)
    assert out.equals(table.sort_by([("ts", "ascending"), ("request_id", "ascending")]))
    parts = math.ceil(table.num_rows / PART_ROWS)
    for name in SCAN_COLUMNS:
        expected = parts if name in scan.REPLAY_ONLY_COLUMNS else 1
        assert out.column(name).num_chunks == expected, name


def test_replay_parts_give_the_rows_in_order(
    table: pa.Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _sorted(table, monkeypatch)
    rest = out.drop_columns(scan.REPLAY_ONLY_COLUMNS)
    parts = list(scan._replay_parts(rest, out.select(scan.REPLAY_ONLY_COLUMNS)))
    assert [p.num_rows for p in parts[:-1]] == [PART_ROWS] * (len(parts) - 1)
    joined = pa.concat_tables([p.select(SCAN_COLUMNS) for p in parts])
    assert joined.equals(out)


def _parts(
    table: pa.Table, monkeypatch: pytest.MonkeyPatch
) -> tuple[Iterator[pa.Table], int, int, int]:
    """The replay parts of ``table`` with nothing else holding their chunks, their rows, the
    replay-only bytes, and Arrow's allocated bytes before any part is made."""
    out = _sorted(table, monkeypatch)
    replay_only = out.select(scan.REPLAY_ONLY_COLUMNS)
    size = replay_only.nbytes
    rest = out.drop_columns(scan.REPLAY_ONLY_COLUMNS)
    del out
    start = pa.total_allocated_bytes()
    return scan._replay_parts(rest, replay_only), rest.num_rows, size, start


def test_each_part_is_freed_once_the_replay_has_fed_it(
    table: pa.Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts, _, size, start = _parts(table, monkeypatch)
    live = []
    for part in parts:
        live.append(pa.total_allocated_bytes())
        del part
    assert len(live) > 3
    assert all(b <= a for a, b in pairwise(live))
    assert pa.total_allocated_bytes() <= start - 0.9 * size


def test_the_replay_keeps_no_part_it_has_fed(
    world: World, table: pa.Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts, rows, size, start = _parts(table, monkeypatch)
    live: list[int] = []

    def recorded() -> Iterator[pa.Table]:
        for part in parts:
            live.append(pa.total_allocated_bytes())
            yield part

    replay = CampaignReplay(world.accounts, Policy(), timedelta(hours=6))
    flags, _ = replay.run_parts(recorded(), rows)
    assert replay.checkpoints > 3 and flags.num_rows > 0
    # Only recent parts are alive (the tracker folds buffered rows at each checkpoint): by the
    # last one, most of the others are freed.
    assert live[-1] <= start - 0.5 * size


def test_the_replay_reads_none_of_the_columns_set_aside_while_it_runs(world: World) -> None:
    signals = world.signals.select(SCAN_COLUMNS).sort_by(
        [("ts", "ascending"), ("request_id", "ascending")]
    )
    whole, _ = CampaignReplay(world.accounts, Policy(), timedelta(hours=6)).run(signals)
    slim = signals.drop_columns(scan.LATER_ONLY_COLUMNS)
    without, _ = CampaignReplay(world.accounts, Policy(), timedelta(hours=6)).run(slim)
    assert whole.num_rows > 0
    assert without.equals(whole)


def test_a_spill_maps_back_what_it_set_aside_and_leaves_no_file(
    table: pa.Table, tmp_path: Path
) -> None:
    later = table.select(scan.LATER_ONLY_COLUMNS)
    with scan._Spill(later, tmp_path) as spill, scan._Spill(later, tmp_path) as other:
        assert spill.path != other.path  # two scans into one folder do not meet
        assert spill.path.exists()
        assert spill.load().equals(later)
        assert not spill.path.exists()
    assert not list(tmp_path.iterdir())


def test_a_spill_is_removed_when_the_replay_fails(table: pa.Table, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="replay failed"), scan._Spill(table, tmp_path):
        raise RuntimeError("replay failed")
    assert not list(tmp_path.iterdir())
