"""Reader throughput on a simulated gzip log (realistic ~2.8 KB lines, some malformed).

Measures the split of chunked reading: what the reading process pays per event to decompress
and cut (``iter_chunks``), what a worker pays to parse (``parse_chunk``), what a scan's worker
pays to parse and compute signals (``scan_signals``, its text memos emptied first), and
``read_events`` end to end, in one process and with ``LocalEngine(workers=2)``, and the scan's
whole read stage in two fresh workers, next to the bare ``gzip`` + ``orjson.loads`` loop over
the same file. That stage's CPU per event is set against what the 50,000 events/s scan target
leaves on two cores.

    .venv/bin/python bench/bench_readers.py                 # simulates scale 0.3, seed 3 once
    .venv/bin/python bench/bench_readers.py --file /tmp/ev2/events.jsonl.gz

The machines are shared and noisy: each figure is the best of ``--repeat`` runs, and CPU
seconds (all threads of a process, or of the worker processes) move less than wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
import psutil

from distillguard.engine.local import LocalEngine
from distillguard.engine.stages import scan_signals
from distillguard.events import Quarantine, ReadStats, iter_chunks, parse_chunk, read_events
from distillguard.events.chunks import LineChunk, Reject
from distillguard.signals.compute import clear_memos

OUT = Path(__file__).resolve().parent / "out"
TARGET_EVENTS_PER_S = 50_000  # issue 3's end-to-end scan target


@dataclass
class Timing:
    """Best wall, process-CPU and worker-CPU seconds over the repeats."""

    wall: float = float("inf")
    cpu: float = float("inf")
    workers: float = float("inf")

    def add(self, wall: float, cpu: float, workers: float = 0.0) -> None:
        self.wall = min(self.wall, wall)
        self.cpu = min(self.cpu, cpu)
        self.workers = min(self.workers, workers)

    def line(self, label: str, events: int) -> str:
        text = (
            f"{label:<34}{events / self.wall:>9,.0f} events/s wall"
            f" | this process {self.cpu / events * 1e6:>5.1f} us/event"
        )
        if self.workers:
            text += f" | workers {self.workers / events * 1e6:>5.1f} us/event"
        return text


def _measure(run: Callable[[], object]) -> tuple[float, float, float]:
    """Wall, this process's CPU and its child processes' CPU seconds of ``run()``."""
    children = _children_cpu()
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, _children_cpu() - children


def _children_cpu() -> float:
    """CPU seconds of the live child processes plus those already waited for (the workers
    of an engine that ended inside the measurement)."""
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = ended.ru_utime + ended.ru_stime
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times = child.cpu_times()
            total += times.user + times.system
    return total


def _bare_loop(path: Path) -> None:
    with gzip.open(path, "rb") as fh:
        for line in fh:
            with contextlib.suppress(orjson.JSONDecodeError):
                orjson.loads(line)


def _cut(path: Path) -> None:
    for _ in iter_chunks([path]):  # each chunk dropped at once, as when sent to a worker
        pass


def _read(path: Path, out: Path, expected: int, engine: LocalEngine | None) -> None:
    stats = ReadStats()
    rows = 0
    with Quarantine(out / "quarantine.jsonl") as quarantine:
        for batch in read_events([path], quarantine, stats=stats, engine=engine):
            rows += batch.num_rows
    if not rows == stats.valid or stats.lines != expected:
        raise RuntimeError(f"read {rows} rows of {expected} lines: {stats}")


def _scan_stage(chunks: list[LineChunk | Reject]) -> None:
    """What a scan's read stage runs: ``scan_signals`` in two fresh workers (so their text
    memos start empty and their start-up is paid, as in a scan)."""
    with LocalEngine(workers=2) as engine:
        for _ in engine.map_batches(chunks, scan_signals):
            pass


def _simulated(scale: float, seed: int) -> Path:
    folder = OUT / f"readers-scale{scale:g}-seed{seed}"
    path = folder / "events.jsonl.gz"
    if not path.exists():
        cli = Path(sys.executable).parent / "distillguard"
        options = ["--scale", str(scale), "--seed", str(seed), "--out", str(folder)]
        subprocess.run(
            [str(cli), "simulate", *options, "--no-progress"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, help="gzip JSON Lines events (default: simulate)")
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = args.file or _simulated(args.scale, args.seed)
    chunks = list(iter_chunks([path]))
    lines = sum(parse_chunk(chunk).tally.lines for chunk in chunks)
    raw_mb = sum(len(c.data) for c in chunks if isinstance(c, LineChunk)) / 1e6
    print(
        f"file: {path} - {lines:,} lines, {raw_mb:.0f} MB raw ({raw_mb * 1e6 / lines:.0f} B/line),"
        f" {path.stat().st_size / 1e6:.0f} MB gzip, {len(chunks)} chunks"
    )
    bare, cut, parse, here, pooled = Timing(), Timing(), Timing(), Timing(), Timing()
    scan, stage, start = Timing(), Timing(), Timing()
    with tempfile.TemporaryDirectory() as tmp, LocalEngine(workers=2) as engine:
        out = Path(tmp)
        list(engine.map_batches(chunks[:4], parse_chunk))  # spawn the workers before timing
        for _ in range(args.repeat):  # interleaved, so all see the same machine load
            bare.add(*_measure(lambda: _bare_loop(path)))
            cut.add(*_measure(lambda: _cut(path)))
            parse.add(*_measure(lambda: [parse_chunk(chunk) for chunk in chunks]))
            clear_memos()
            scan.add(*_measure(lambda: [scan_signals(chunk) for chunk in chunks]))
            here.add(*_measure(lambda: _read(path, out, lines, None)))
            pooled.add(*_measure(lambda: _read(path, out, lines, engine)))
            stage.add(*_measure(lambda: _scan_stage(chunks)))
            start.add(*_measure(lambda: _scan_stage(chunks[:2])))
    print(bare.line("gzip + orjson.loads", lines))
    print(cut.line("iter_chunks (reading process)", lines))
    print(parse.line("parse_chunk (a worker)", lines))
    print(scan.line("scan_signals (a scan worker)", lines))
    print(here.line("read_events, one process", lines))
    print(pooled.line("read_events, LocalEngine(2)", lines))
    print(stage.line("scan read stage, LocalEngine(2)", lines))
    budget = 2 / TARGET_EVENTS_PER_S * 1e6
    started = start.cpu + start.workers
    used = (stage.cpu + stage.workers - started) / lines * 1e6
    print(
        f"the scan's read stage alone uses {used:.1f} CPU-us/event (not counting its workers'"
        f" {started:.1f} CPU-s of start-up, nor decompression) of the {budget:.0f} that"
        f" {TARGET_EVENTS_PER_S:,} events/s leaves on 2 cores for the whole scan"
    )
    print(
        f"read_events with 2 workers takes {pooled.wall / bare.wall:.2f}x the bare loop's wall "
        f"time; one process takes {here.wall / bare.wall:.2f}x"
    )


if __name__ == "__main__":
    main()
