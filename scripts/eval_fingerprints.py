"""Measure template-fingerprint collisions on generated paraphrase families.

Pair-level recall: share of same-family pairs with at least one common LSH band.
Precision: share of band-sharing pairs that are same-family (unrelated real prompts are
each their own family). Also the exact ``template_hash`` collision rates.

    .venv/bin/python scripts/eval_fingerprints.py [--families 50] [--members 20] [--edits 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.signals.families import measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=50)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--unrelated", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        "| paraphrase edits per member | band recall | band precision | unrelated pairs "
        "sharing a band | exact-hash recall | exact-hash false pairs |"
    )
    print("|---|---|---|---|---|---|")
    for edits in (0, 2, 4):
        r = measure(args.families, args.members, edits, args.unrelated, args.seed)
        print(
            f"| 0..{edits} | {r['band_recall']:.3f} | {r['band_precision']:.3f} | "
            f"{r['unrelated_pair_collision_rate']:.2e} | {r['exact_recall']:.3f} | "
            f"{r['exact_false_pairs']} |"
        )


if __name__ == "__main__":
    main()
