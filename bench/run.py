"""`make bench`: end-to-end scan throughput and peak memory, plus the stage micro-benchmarks.

Each scan runs in a child process so its peak RSS is measured on its own. The machines are
shared and noisy, so each figure is the median of several runs, and throughput is also given
as a ratio to the bare JSON-parse rate of the same file.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson
import psutil

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent


def ensure_data(scale: float, seed: int) -> Path:
    """Simulate once per (scale, seed) and reuse it across bench runs."""
    folder = OUT / f"scale{scale:g}-seed{seed}"
    if not (folder / "events.jsonl.gz").exists():
        subprocess.run(
            [
                str(BIN / "distillguard"),
                "simulate",
                "--scale",
                str(scale),
                "--seed",
                str(seed),
                "--out",
                str(folder),
                "--no-progress",
            ],
            check=True,
        )
    return folder


def scan_once(folder: Path, out: Path) -> tuple[float, float, dict[str, float]]:
    """Seconds, peak memory (MiB, summed over the scan's whole process tree) and stage
    timings of one scan, run in a child process (``--scan-child``)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--scan-child", str(folder), str(out)]
    t = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc))
        time.sleep(0.1)
    seconds = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"scan failed with exit code {proc.returncode}")
    timings = json.loads((out / "timings.json").read_text())
    return seconds, peak / 2**20, timings


def scan_child(folder: Path, out: Path) -> None:
    """The scan as ``distillguard scan --no-report`` runs it, plus its stage timings."""
    import distillguard.cli  # noqa: F401  (the command's allocator settings, before polars)
    from distillguard.scan import ScanConfig, scan

    result = scan(
        ScanConfig(
            events=[folder / "events.jsonl.gz"],
            accounts=folder / "accounts.jsonl",
            releases=folder / "releases.json",
            out=out,
            progress=False,
        )
    )
    (out / "timings.json").write_text(json.dumps(result.timings))


def _tree_rss(proc: psutil.Process) -> int:
    try:
        procs = [proc, *proc.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs)
    except psutil.Error:
        return 0


def parse_rate(path: Path) -> tuple[int, float, int]:
    """Lines, seconds and decompressed bytes of a bare gzip + orjson.loads pass over the
    file. The bytes are counted on the way, so the mean line size is the whole file's: a
    log's first lines need not be typical (the first 20,000 of the bench's scale-10 file
    average 2,111 bytes, the whole file 2,818)."""
    n = size = 0
    t = time.perf_counter()
    with gzip.open(path, "rb") as fh:
        for line in fh:
            with contextlib.suppress(orjson.JSONDecodeError):
                orjson.loads(line)
            n += 1
            size += len(line)
    return n, time.perf_counter() - t, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--scan-only",
        action="store_true",
        help="Only the end-to-end scans: no bare-parse rate, no micro-benchmarks.",
    )
    parser.add_argument("--scan-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scan_child:
        scan_child(*args.scan_child)
        return
    results = {}
    for scale in (float(s) for s in args.scales.split(",")):
        folder = ensure_data(scale, args.seed)
        events_file = folder / "events.jsonl.gz"
        if not args.scan_only:
            n_lines, parse_s, n_bytes = parse_rate(events_file)
        runs = args.runs if scale <= 1 else 1
        secs, peaks, stages = [], [], []
        for i in range(runs):
            s, p, st = scan_once(folder, OUT / f"scan-{scale:g}-{i}")
            secs.append(s)
            peaks.append(p)
            stages.append(st)
        med = statistics.median(secs)
        scan_figures = {
            "scan_seconds_median": round(med, 2),
            "peak_rss_mib_max": round(max(peaks)),
            "runs": runs,
            "stage_seconds_median": {
                k: round(statistics.median(st[k] for st in stages), 1) for k in stages[0]
            },
        }
        if not args.scan_only:
            scan_figures = {
                "events": n_lines,
                "mean_line_bytes": n_bytes // max(n_lines, 1),
                **scan_figures,
                "scan_events_per_s": round(n_lines / med),
                "bare_parse_events_per_s": round(n_lines / parse_s),
                "scan_to_parse_ratio": round((n_lines / med) / (n_lines / parse_s), 3),
            }
        results[f"scale {scale:g}"] = scan_figures
        print(json.dumps({f"scale {scale:g}": results[f"scale {scale:g}"]}, indent=2), flush=True)
    if args.scan_only:
        return
    for micro in ("bench_signals.py", "bench_intent.py", "bench_readers.py", "bench_campaigns.py"):
        script = ROOT / "bench" / micro
        if script.exists():
            print(f"\n== {micro}", flush=True)
            subprocess.run([sys.executable, str(script)], check=False, env=os.environ.copy())
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
