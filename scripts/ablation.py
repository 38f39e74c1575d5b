"""Scan one simulated dataset with each signal family switched off in turn; print one table.

Usage:
    .venv/bin/python scripts/ablation.py --data /tmp/dg-eval/scale1/data-1 [--root DIR]

``--data`` is a ``distillguard simulate`` output folder. Each row is one scan with
``--ablate FAMILY`` (``none`` is the full detector); cells are account recall /
harvest-before-detection per campaign, then benign false positives.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evaluate_seeds import scan_and_evaluate  # scripts/ is on sys.path when run as a script

from distillguard.ablation import FAMILIES

HARD_NEGATIVES = ("enterprise_app", "eval_harness", "licensed_partner", "university_nat")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=Path("/tmp/dg-ablation"))
    parser.add_argument("--families", default=",".join(["none", *FAMILIES]))
    args = parser.parse_args()
    rows = []
    for family in args.families.split(","):
        ablate = [] if family == "none" else ["--ablate", family]
        ev = scan_and_evaluate(args.data, args.root / family, ablate)
        rows.append((family, ev))
        print(f"done: {family}", file=sys.stderr)
    campaigns = [c["campaign"] for c in rows[0][1]["campaigns"]]
    print("| switched off | " + " | ".join(campaigns) + " | benign FPR | hard negatives |")
    print("|---" * (len(campaigns) + 3) + "|")
    for family, ev in rows:
        by_name = {c["campaign"]: c for c in ev["campaigns"]}
        cells = [
            f"{by_name[c]['account_recall']:.3f} / {by_name[c]['harvest_before_detection']:.3f}"
            for c in campaigns
        ]
        pops = {p["population"]: p for p in ev["populations"]}
        hard = sum(pops[p]["flagged"] for p in HARD_NEGATIVES if p in pops)
        fpr = ev["overall"]["benign_false_positive_rate"]
        print(f"| {family} | " + " | ".join(cells) + f" | {fpr:.4f} | {hard} |")


if __name__ == "__main__":
    main()
