"""Nothing may see the future: a scan of the log cut at T flags exactly what the full scan
flagged by T, at the same times."""

from __future__ import annotations

import csv
import gzip
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest

from distillguard.scan import ScanConfig, scan
from distillguard.simulate import scenario_config, simulate

INTERVAL = timedelta(hours=6)


def _flags(out: Path) -> dict[str, datetime]:
    with (out / "verdicts.csv").open() as fh:
        return {
            r["account_id"]: datetime.fromisoformat(r["first_flagged_at"])
            for r in csv.DictReader(fh)
            if r["flagged"] == "true"
        }


def _scan(events: Path, data: Path, out: Path) -> dict[str, datetime]:
    scan(
        ScanConfig(
            events=[events],
            out=out,
            accounts=data / "accounts.jsonl",
            workers=1,
            progress=False,
            campaign_interval=INTERVAL,
        )
    )
    return _flags(out)


@pytest.mark.parametrize("checkpoints", [20])
def test_truncated_log_gives_the_same_flags_up_to_the_cut(tmp_path: Path, checkpoints: int) -> None:
    data = tmp_path / "data"
    simulate(scenario_config(scale=0.03, seed=9), data, progress=False, workers=1)
    records = []
    with gzip.open(data / "events.jsonl.gz", "rb") as fh:
        for line in fh:
            try:
                obj = orjson.loads(line)
                ts = datetime.fromisoformat(obj["ts"].replace("Z", "+00:00"))
            except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError):
                continue  # malformed lines are the quarantine's business, not this test's
            records.append((ts, line))
    first = min(ts for ts, _ in records)
    # Cut on the campaign checkpoint grid, as an online deployment's clock would.
    cut = first + checkpoints * INTERVAL
    truncated = tmp_path / "truncated.jsonl"
    truncated.write_bytes(b"".join(line for ts, line in records if ts < cut))

    full = _scan(data / "events.jsonl.gz", data, tmp_path / "full")
    part = _scan(truncated, data, tmp_path / "part")

    expected = {a: t for a, t in full.items() if t < cut}
    assert expected, "the scenario should flag someone before the cut"
    assert part == expected
