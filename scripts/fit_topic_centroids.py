"""Fit the topic centroids shipped in ``src/distillguard/signals/topic_centroids.npz``.

Reads the public prompt corpora (``../shared/corpora`` by default), takes every user turn,
caps each corpus so that no single source owns most clusters, turns each prompt into the
same hashed content features the runtime uses, weights them by IDF, projects them on
``--dims`` latent dimensions (LSA: sparse short prompts share few words, and k-means on the
raw bag makes one giant leftover cluster) and fits spherical k-means there. The shipped
"centroids" are the k-means centroids mapped back to the hashed feature space, so the runtime
scores a prompt with one sparse dot product; ``tau`` is the given quantile of the training
prompts' best score, below which a prompt is outside every centroid's reach.

    .venv/bin/python scripts/fit_topic_centroids.py [--corpora DIR] [--k 64]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD

from distillguard.signals.topic import (
    FEATURE_BITS,
    N_FEATURES,
    RESOURCE,
    content_feature_hashes,
    feature_index,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "distillguard" / "signals" / RESOURCE


def user_turns(corpora: Path, cap: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts: list[str] = []
    for path in sorted(corpora.glob("*.jsonl")):
        docs = []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                for msg in json.loads(line)["messages"]:
                    if msg["role"] == "user" and msg["content"].strip():
                        docs.append(msg["content"])
        rng.shuffle(docs)
        texts.extend(docs[:cap])
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--dims", type=int, default=100)
    parser.add_argument("--cap", type=int, default=2000, help="max prompts per corpus")
    parser.add_argument("--tau-quantile", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    texts = user_turns(args.corpora, args.cap, args.seed)
    rows, cols = [], []
    for i, text in enumerate(texts):
        idx = np.unique(feature_index(content_feature_hashes(text)))
        rows.append(np.full(len(idx), i))
        cols.append(idx)
    r, c = np.concatenate(rows), np.concatenate(cols)
    x = sparse.csr_matrix(
        (np.ones(len(r), dtype=np.float32), (r, c)), shape=(len(texts), N_FEATURES)
    )
    df = np.asarray((x > 0).sum(axis=0)).ravel()
    idf = (np.log((1 + len(texts)) / (1 + df)) + 1.0).astype(np.float32)
    x = x.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    keep = norms > 0
    x = sparse.diags(1.0 / norms[keep]) @ x[keep]
    svd = TruncatedSVD(args.dims, random_state=args.seed).fit(x)
    z = svd.transform(x)
    z /= np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
    km = KMeans(n_clusters=args.k, n_init=4, random_state=args.seed).fit(z)
    cent = km.cluster_centers_
    cent /= np.maximum(np.linalg.norm(cent, axis=1, keepdims=True), 1e-12)
    cent = cent @ svd.components_  # (k, N_FEATURES): scores x @ cent.T == (x V) @ centroids
    scores = np.asarray(x @ cent.T)
    best = scores.max(axis=1)
    tau = float(np.quantile(best, args.tau_quantile))
    sizes = np.bincount(scores.argmax(axis=1), minlength=args.k)
    np.savez_compressed(
        OUT,
        idf=idf,
        centroids=cent.astype(np.float16),
        tau=np.float32(tau),
        feature_bits=np.int64(FEATURE_BITS),
    )
    print(f"{len(texts)} prompts, {int(keep.sum())} with content words, k={args.k}")
    median = int(np.median(sizes))
    print(f"tau={tau:.3f}; cluster sizes min {sizes.min()} median {median} max {sizes.max()}")
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
