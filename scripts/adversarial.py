"""Simulate every adversary variant, scan and evaluate it, and print how recall degrades and
which reason codes still catch each campaign.

Usage:
    .venv/bin/python scripts/adversarial.py --seed 1 --scale 1 \
        [--variants none,paraphrase,random_timing,ip_per_account,benign_mix,all] \
        [--root /tmp/dg-adv] [--policy policy.json] [--reuse-scan]

Simulated data is cached per scale, seed and variant under --root
(``ROOT/scale1-seed1/paraphrase/data``), so re-running after a detector change only scans
and evaluates again. ``--reuse-scan`` also keeps existing scans (to re-print the tables).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillguard.simulate.scenario import ADVERSARIES

BIN = Path(sys.executable).parent / "distillguard"
VARIANTS: dict[str, tuple[str, ...]] = {
    "none": (),
    **{name: (name,) for name in ADVERSARIES},
    "all": ADVERSARIES,
}
TOP_REASONS = 3


@dataclass(frozen=True)
class Run:
    """One variant's data and scan folders."""

    variant: str
    data: Path
    out: Path


def _call(cmd: list[str], what: str) -> None:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    print(f"  {what}: {time.perf_counter() - started:.0f} s", file=sys.stderr)


def simulate(run: Run, scale: float, seed: int) -> None:
    if (run.data / "scenario.json").exists():  # written last
        return
    cmd = [str(BIN), "simulate", "--scale", f"{scale:g}", "--seed", str(seed)]
    for name in VARIANTS[run.variant]:
        cmd += ["--adversary", name]
    _call([*cmd, "--out", str(run.data), "--no-progress"], "simulate")


def scan(run: Run, policy: Path | None) -> None:
    d = run.data
    cmd = [str(BIN), "scan", str(d / "events.jsonl.gz"), "--accounts", str(d / "accounts.jsonl")]
    cmd += ["--releases", str(d / "releases.json"), "--out", str(run.out)]
    cmd += ["--no-progress", "--no-report", *(["--policy", str(policy)] if policy else [])]
    _call(cmd, "scan")


def evaluate(run: Run) -> None:
    d = run.data
    cmd = [str(BIN), "evaluate", "--labels", str(d / "labels.csv")]
    cmd += ["--verdicts", str(run.out / "verdicts.csv"), "--events", str(d / "events.jsonl.gz")]
    cmd += ["--event-labels", str(d / "event_labels.csv.gz")]
    _call([*cmd, "--out", str(run.out / "evaluation.json")], "evaluate")


def caught_by(run: Run) -> dict[str, str]:
    """Per campaign: its flagged accounts' most common reason codes, with their shares."""
    with open(run.data / "labels.csv", newline="") as f:
        campaign_of = {row["account_id"]: row["campaign"] for row in csv.DictReader(f)}
    reasons: dict[str, Counter[str]] = {}
    flagged: Counter[str] = Counter()
    with open(run.out / "verdicts.csv", newline="") as f:
        for row in csv.DictReader(f):
            campaign = campaign_of.get(row["account_id"], "")
            if not campaign or row["flagged"].lower() != "true":
                continue
            flagged[campaign] += 1
            codes = [c for c in row["reasons"].split(";") if c]
            reasons.setdefault(campaign, Counter()).update(codes)
    return {
        c: ", ".join(f"{code} {n / flagged[c]:.0%}" for code, n in counts.most_common(TOP_REASONS))
        for c, counts in reasons.items()
    }


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def print_variant(run: Run, ev: dict[str, Any]) -> None:
    o = ev["overall"]
    print(f"\n### {run.variant}\n")
    print(
        f"overall: recall {_f(o['recall'])}, precision {_f(o['precision'])}, "
        f"benign FPR {_f(o['benign_false_positive_rate'])}, ROC-AUC {_f(o['roc_auc'])}\n"
    )
    print(
        "| campaign | account recall | exchange-weighted recall | harvest before detection "
        "| caught by |"
    )
    print("|---|---|---|---|---|")
    reasons = caught_by(run)
    for c in ev["campaigns"]:
        print(
            f"| {c['campaign']} | {_f(c['account_recall'])} | "
            f"{_f(c['exchange_weighted_recall'])} | {_f(c['harvest_before_detection'])} | "
            f"{reasons.get(c['campaign'], '–')} |"
        )


def print_summary(evaluations: dict[str, dict[str, Any]]) -> None:
    """Account recall of every campaign under every variant, side by side."""
    names = list(evaluations)
    campaigns = [c["campaign"] for c in next(iter(evaluations.values()))["campaigns"]]
    print("\n### account recall by variant\n")
    print("| campaign | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for campaign in campaigns:
        cells = []
        for name in names:
            found = [c for c in evaluations[name]["campaigns"] if c["campaign"] == campaign]
            cells.append(_f(found[0]["account_recall"]) if found else "–")
        print(f"| {campaign} | " + " | ".join(cells) + " |")
    fpr = [_f(evaluations[n]["overall"]["benign_false_positive_rate"]) for n in names]
    print("| benign FPR | " + " | ".join(fpr) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--root", type=Path, default=Path("/tmp/dg-adv"))
    parser.add_argument("--policy", type=Path, default=None, help="policy JSON passed to scan")
    parser.add_argument("--reuse-scan", action="store_true", help="keep existing evaluations")
    args = parser.parse_args()
    chosen = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant {unknown[0]!r}; choose from {', '.join(VARIANTS)}")
    base = args.root / f"scale{args.scale:g}-seed{args.seed}"
    evaluations: dict[str, dict[str, Any]] = {}
    for variant in chosen:
        run = Run(variant, base / variant / "data", base / variant / "out")
        print(f"{variant}:", file=sys.stderr)
        simulate(run, args.scale, args.seed)
        if not (args.reuse_scan and (run.out / "evaluation.json").exists()):
            scan(run, args.policy)
            evaluate(run)
        evaluations[variant] = json.loads((run.out / "evaluation.json").read_text())
        print_variant(run, evaluations[variant])
        sys.stdout.flush()
    if len(evaluations) > 1:
        print_summary(evaluations)


if __name__ == "__main__":
    main()
