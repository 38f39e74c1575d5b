"""Simulate, scan and evaluate several seeds; print one table of the per-campaign figures.

Usage:
    .venv/bin/python scripts/evaluate_seeds.py --seeds 1,2,3 --scale 1 [--prompts DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "distillguard"


def run(seed: int, scale: float, prompts: str | None, root: Path, policy: str | None) -> dict:
    data, out = root / f"data-{seed}", root / f"out-{seed}"
    if not (data / "labels.csv").exists():
        cmd = [str(BIN), "simulate", "--scale", str(scale), "--seed", str(seed), "--out", str(data)]
        if prompts:
            cmd += ["--prompts", prompts]
        subprocess.run([*cmd, "--no-progress"], check=True, stderr=subprocess.DEVNULL)
    return scan_and_evaluate(data, out, ["--policy", policy] if policy else [])


def scan_and_evaluate(data: Path, out: Path, scan_args: list[str]) -> dict:
    """Scan a simulated dataset (extra ``scan_args``) and evaluate it with exact labels."""
    scan = [str(BIN), "scan", str(data / "events.jsonl.gz"), "--accounts"]
    scan += [str(data / "accounts.jsonl"), "--releases", str(data / "releases.json")]
    scan += ["--out", str(out), "--no-progress", "--no-report", *scan_args]
    subprocess.run(scan, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    evaluate = [str(BIN), "evaluate", "--labels", str(data / "labels.csv")]
    evaluate += ["--verdicts", str(out / "verdicts.csv"), "--events", str(data / "events.jsonl.gz")]
    evaluate += ["--event-labels", str(data / "event_labels.csv.gz")]
    evaluate += ["--out", str(out / "evaluation.json")]
    subprocess.run(evaluate, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads((out / "evaluation.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--prompts", default=None)
    parser.add_argument("--root", type=Path, default=Path("/tmp/dg-eval"))
    parser.add_argument("--policy", default=None, help="policy JSON passed to scan")
    args = parser.parse_args()
    tag = f"scale{args.scale:g}" + ("-prompts" if args.prompts else "")
    for seed in (int(s) for s in args.seeds.split(",")):
        ev = run(seed, args.scale, args.prompts, args.root / tag, args.policy)
        print(f"\n## seed {seed}")
        print("| campaign | accounts | recall | exch-recall | HBD | purity |")
        print("|---|---|---|---|---|---|")
        for c in ev["campaigns"]:
            print(
                f"| {c['campaign']} | {c['accounts']} | {_f(c['account_recall'])} | "
                f"{_f(c['exchange_weighted_recall'])} | "
                f"{_f(c['harvest_before_detection'])} | {_f(c.get('grouping_purity'))} |"
            )
        print("| population | accounts | flagged | FPR |")
        print("|---|---|---|---|")
        for p in ev["populations"]:
            fpr = _f(p["false_positive_rate"], 4)
            print(f"| {p['population']} | {p['accounts']} | {p['flagged']} | {fpr} |")
        o = ev["overall"]
        print(
            f"overall: precision {_f(o['precision'])} recall {_f(o['recall'])} "
            f"ROC-AUC {_f(o['roc_auc'])} benign FPR {_f(o['benign_false_positive_rate'], 4)}"
        )


def _f(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


if __name__ == "__main__":
    main()
