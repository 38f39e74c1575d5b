"""Reader throughput on a synthetic gzip log of realistic ~2 KB lines.

Prints events/s and MB/s (uncompressed) for ``read_events`` next to the bare
``gzip`` + ``orjson.loads`` loop over the same file, the floor any Python reader pays.

    .venv/bin/python bench/bench_readers.py --events 200000

Wall-clock numbers move with machine load; events per CPU-second (all threads) move less.
"""

from __future__ import annotations

import argparse
import gzip
import random
import string
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from distillguard.events import Quarantine, ReadStats, read_events


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    letters = string.ascii_lowercase
    return ["".join(rng.choices(letters, k=rng.randint(2, 9))) for _ in range(size)]


def _text(rng: random.Random, words: list[str], weights: list[float], n_chars: int) -> str:
    """Zipf-distributed words, so the text compresses about as well as prose (~4x with gzip)."""
    out: list[str] = []
    size = 0
    while size < n_chars:
        chunk = rng.choices(words, weights, k=16)
        out.extend(chunk)
        size += sum(len(word) + 1 for word in chunk)
    return " ".join(out)[:n_chars]


def synthetic_events(n: int, seed: int = 7) -> list[bytes]:
    """``n`` v1 lines shaped like production traffic: mostly ~2 KB, some multi-turn."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    weights = [1.0 / rank for rank in range(1, len(words) + 1)]
    pool = [_text(rng, words, weights, rng.randint(100, 1100)) for _ in range(2000)]
    start = datetime(2025, 3, 1, tzinfo=UTC)
    lines = []
    for i in range(n):
        messages = [{"role": "system", "content": rng.choice(pool)[:300]}]
        for _ in range(rng.choice((0, 0, 0, 0, 1))):
            messages.append({"role": "user", "content": rng.choice(pool)})
            messages.append({"role": "assistant", "content": rng.choice(pool)[:400]})
        messages.append({"role": "user", "content": rng.choice(pool)})
        event: dict[str, object] = {
            "ts": (start + timedelta(milliseconds=37 * i)).isoformat().replace("+00:00", "Z"),
            "request_id": f"req_{i:010d}",
            "account_id": f"acct_{rng.randrange(50_000):06d}",
            "model": rng.choice(("frontier-large", "frontier-mini")),
            "messages": messages,
            "response": rng.choice(pool),
            "reasoning": rng.choice(pool)[:500] if rng.random() < 0.3 else None,
            "usage": {"prompt_tokens": 300, "completion_tokens": 250, "reasoning_tokens": 0},
            "ip": f"203.0.{rng.randrange(256)}.{rng.randrange(256)}",
            "asn": rng.choice((13335, "AS16509", 15169)),
            "user_agent": "python-httpx/0.27.0",
            "tls_fingerprint": "t13d1516h2_8daaf6152771_02713d6af862",
            "api_key_id": f"key_{rng.randrange(80_000)}",
            "session_id": f"sess_{rng.randrange(10**9)}",
            "status": 200,
        }
        if rng.random() < 0.1:
            event["tools"] = [{"type": "function", "function": {"name": "search"}}]
        lines.append(orjson.dumps(event))
    return lines


@dataclass
class Timing:
    """Best wall-clock and CPU seconds (all threads) over the repeats."""

    wall: float = float("inf")
    cpu: float = float("inf")

    def add(self, wall: float, cpu: float) -> None:
        self.wall = min(self.wall, wall)
        self.cpu = min(self.cpu, cpu)

    def line(self, label: str, events: int, raw_mb: float) -> str:
        return (
            f"{label:<24}{events / self.wall:>9,.0f} events/s {raw_mb / self.wall:>5.0f} MB/s wall"
            f" | {events / self.cpu:>9,.0f} events/CPU-s"
        )


def _bare_loop(path: Path) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    with gzip.open(path, "rb") as fh:
        for line in fh:
            orjson.loads(line)
    return time.perf_counter() - wall, time.process_time() - cpu


def _reader(path: Path, out: Path, events: int) -> tuple[float, float]:
    stats = ReadStats()
    wall, cpu = time.perf_counter(), time.process_time()
    rows = 0
    with Quarantine(out / "quarantine.jsonl") as quarantine:
        for batch in read_events([path], quarantine, stats=stats):
            rows += batch.num_rows
    timing = time.perf_counter() - wall, time.process_time() - cpu
    if not rows == stats.valid == events:
        raise RuntimeError(f"read {rows} of {events} events: {stats}")
    return timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl.gz"
        lines = synthetic_events(args.events)
        raw_mb = sum(len(line) + 1 for line in lines) / 1e6
        with gzip.open(path, "wb", compresslevel=6) as fh:
            fh.write(b"\n".join(lines) + b"\n")
        del lines
        print(
            f"file: {args.events:,} events, {raw_mb:.0f} MB raw "
            f"({raw_mb * 1e6 / args.events:.0f} B/line), {path.stat().st_size / 1e6:.0f} MB gzip"
        )
        bare, reader = Timing(), Timing()
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            bare.add(*_bare_loop(path))
            reader.add(*_reader(path, Path(tmp), args.events))
        print(bare.line("gzip + orjson.loads", args.events, raw_mb))
        print(reader.line("read_events", args.events, raw_mb))
        print(f"read_events takes {reader.wall / bare.wall:.2f}x the bare loop's wall time")


if __name__ == "__main__":
    main()
