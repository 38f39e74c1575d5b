"""Train the intent classifier and export ``src/distillguard/signals/intent_model.npz``.

    .venv/bin/python scripts/train_intent.py            # train, evaluate, write the model
    .venv/bin/python scripts/train_intent.py --dry-run  # train and evaluate only

Features are exactly the runtime ones (``distillguard.signals.intent.hash_features``); the
model is a multinomial logistic regression. Evaluation runs through the exported
``IntentModel``, i.e. the code path the product uses, on the held-out families (phrasings
never trained on) and on the held-out half of every real benign corpus. Deterministic: the
data generator is seeded and lbfgs is deterministic for a given input.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support

from distillguard.signals.intent import (
    FEATURE_KINDS,
    INTENTS,
    MODEL_RESOURCE,
    IntentModel,
    hash_features,
    model_from_arrays,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intent_data import corpora, generate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "src" / "distillguard" / "signals" / MODEL_RESOURCE
MAX_MODEL_BYTES = 5 * 2**20


def design_matrix(texts: list[str], bits: int) -> sp.csr_matrix:
    """The runtime features as a sparse matrix: rows are texts, columns hash buckets."""
    feats = hash_features(texts, bits)
    docs = np.tile(np.arange(len(texts)), len(FEATURE_KINDS))
    rows = np.repeat(docs, feats.counts.ravel())
    matrix = sp.csr_matrix(
        (feats.scale[rows], (rows, feats.buckets)), shape=(len(texts), 1 << bits)
    )
    matrix.sum_duplicates()
    return matrix


def train(texts: list[str], labels: np.ndarray, bits: int, c: float) -> IntentModel:
    x = design_matrix(texts, bits)
    clf = LogisticRegression(C=c, max_iter=400, tol=1e-5)
    clf.fit(x, labels)
    order = [list(clf.classes_).index(i) for i in range(len(INTENTS))]
    # The shipped weights are float16 (half the file size); evaluate exactly what ships.
    weights = clf.coef_[order].astype(np.float16)
    return model_from_arrays(weights, clf.intercept_[order], bits, INTENTS)


def report(model: IntentModel, data: generate.Dataset) -> None:
    """Print the held-out metrics as markdown (pasted into docs/intent.md)."""
    texts = [e.text for e in data.test]
    truth = np.array([INTENTS.index(e.intent) for e in data.test])
    pred = model.predict_proba(texts).argmax(axis=1)
    p, r, f, n = precision_recall_fscore_support(
        truth, pred, labels=range(len(INTENTS)), zero_division=0
    )
    print(f"\nHeld-out families: {len(texts)} prompts, accuracy {np.mean(pred == truth):.3f}\n")
    print("| intent | precision | recall | F1 | n |\n| --- | --- | --- | --- | --- |")
    for i, name in enumerate(INTENTS):
        print(f"| {name} | {p[i]:.3f} | {r[i]:.3f} | {f[i]:.3f} | {n[i]} |")
    print("\n| language | accuracy | n |\n| --- | --- | --- |")
    for lang in sorted({e.lang for e in data.test}):
        idx = [i for i, e in enumerate(data.test) if e.lang == lang]
        print(f"| {lang} | {np.mean(pred[idx] == truth[idx]):.3f} | {len(idx)} |")
    print("\nConfusion (rows truth, columns predicted, INTENTS order):")
    conf = np.zeros((len(INTENTS), len(INTENTS)), dtype=int)
    np.add.at(conf, (truth, pred), 1)
    print(conf)
    wrong = collections.Counter(
        data.test[i].source for i in np.flatnonzero(pred != truth)
    ).most_common(8)
    print("Most-missed held-out families:", wrong)
    print("\n| corpus (held-out part) | prompts | non-benign | top wrong class |")
    print("| --- | --- | --- | --- |")
    for name, rows in data.corpus_test.items():
        probs = model.predict_proba([e.text for e in rows])
        flagged = probs.argmax(axis=1) != 0
        top = collections.Counter(probs[flagged].argmax(axis=1)).most_common(1)
        top_name = INTENTS[top[0][0]] if top else "-"
        print(f"| {name} | {len(rows)} | {flagged.mean():.2%} | {top_name} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--corpora", type=Path, default=corpora.default_root())
    parser.add_argument("--bits", type=int, default=16)
    parser.add_argument("--C", type=float, default=5.0, dest="c")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--dry-run", action="store_true", help="do not write the model")
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = generate.build(args.corpora, args.seed)
    print(
        f"data: {len(data.train)} train, {len(data.test)} held-out family prompts "
        f"({time.perf_counter() - t0:.1f}s)"
    )
    labels = np.array([INTENTS.index(e.intent) for e in data.train])
    print("train per intent:", dict(collections.Counter(e.intent for e in data.train)))
    t1 = time.perf_counter()
    model = train([e.text for e in data.train], labels, args.bits, args.c)
    print(f"trained in {time.perf_counter() - t1:.1f}s")
    report(model, data)
    if not args.dry_run:
        np.savez_compressed(
            args.out,
            weights=model.table.T.astype(np.float16),
            bias=model.bias,
            bits=np.int64(args.bits),
            intents=np.array(INTENTS),
        )
        size = args.out.stat().st_size
        if size > MAX_MODEL_BYTES:
            raise SystemExit(f"{args.out} is {size} bytes, above the {MAX_MODEL_BYTES} limit")
        print(f"\nwrote {args.out} ({size / 2**20:.2f} MiB)")
    print(f"total {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
