"""Campaign detection cost on synthetic signal streams of ~300k and ~3M rows (14 days).

Replays the stream in time order through ``CampaignTracker`` with a checkpoint every
``--every-hours`` simulated hours, as a scan does, and prints the ingest time, the time per
``detect`` (median and last, the last being on the full 14-day state) and whether the planted
campaigns were found.

    .venv/bin/python bench/bench_campaigns.py --rows 300000,3000000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from distillguard.campaigns import CampaignTracker  # noqa: E402
from tests.campaigns.synthetic import T0, make_world  # noqa: E402

BENIGN_RATE = 14.0


def run(rows: int, every_hours: float, batch_rows: int, seed: int) -> dict[str, object]:
    n_benign = max(2000, int(rows / (BENIGN_RATE + 1)))
    t = time.perf_counter()
    world = make_world(
        seed=seed,
        n_benign=n_benign,
        benign_rate=BENIGN_RATE,
        hydra=max(500, n_benign // 20),
        camouflage=0.5,
        nat=300,
        corp=40,
        partner=20,
        flood=200,
        days=14,
    )
    build_s = time.perf_counter() - t
    signals = world.signals
    tracker = CampaignTracker(world.accounts)
    ingest = 0.0
    detects: list[float] = []
    checkpoint = T0 + timedelta(hours=every_hours)
    campaigns = []
    ts = signals["ts"]
    start = 0
    while start < signals.num_rows:
        batch = signals.slice(start, batch_rows)
        start += batch_rows
        last = batch["ts"][-1].as_py()
        while checkpoint <= last:
            head = batch.filter(pc.less_equal(batch["ts"], pa.scalar(checkpoint, ts.type)))
            t = time.perf_counter()
            tracker.update(head)
            ingest += time.perf_counter() - t
            batch = batch.slice(head.num_rows)
            t = time.perf_counter()
            campaigns = tracker.detect(checkpoint)
            detects.append(time.perf_counter() - t)
            checkpoint += timedelta(hours=every_hours)
        t = time.perf_counter()
        tracker.update(batch)
        ingest += time.perf_counter() - t
    t = time.perf_counter()
    campaigns = tracker.detect(signals["ts"][-1].as_py())
    detects.append(time.perf_counter() - t)
    flagged = [c for c in campaigns if c.flagged]
    found = set().union(*(set(c.members) for c in flagged)) if flagged else set()
    recall = {
        g: round(len(found & world.groups[g]) / len(world.groups[g]), 3) for g in ("hydra", "flood")
    }
    wrongly = {g: len(found & world.groups[g]) for g in ("nat", "corp", "benign", "partner")}
    return {
        "rows": signals.num_rows,
        "accounts": world.accounts.num_rows,
        "world_build_s": round(build_s, 1),
        "ingest_s_total": round(ingest, 2),
        "ingest_us_per_row": round(ingest / signals.num_rows * 1e6, 2),
        "detects": len(detects),
        "detect_s_median": round(statistics.median(detects), 3),
        "detect_s_last": round(detects[-1], 3),
        "detect_s_total": round(sum(detects), 2),
        "state_mib": round(tracker.state_bytes / 2**20, 1),
        "flagged_campaigns": len(flagged),
        "recall": recall,
        "flagged_benign_members": wrongly,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="300000,3000000")
    parser.add_argument("--every-hours", type=float, default=6.0)
    parser.add_argument("--batch-rows", type=int, default=65_536)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    for rows in (int(r) for r in args.rows.split(",")):
        result = run(rows, args.every_hours, args.batch_rows, args.seed)
        print(json.dumps(result, indent=2), flush=True)


if __name__ == "__main__":
    main()
