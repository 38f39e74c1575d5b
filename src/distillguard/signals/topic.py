"""Coarse topic bucket of a prompt's payload, to measure how widely an account roams.

A distillation curriculum sweeps a space of subjects while a person circles a few needs, so
the number of distinct buckets an account touches is a behavioural signal. A bucket is the
best-scoring of ``K`` topic directions for a hashed, IDF-weighted, unit-length bag of content
words: k-means centroids of a latent (LSA) space fitted offline on public prompt corpora by
``scripts/fit_topic_centroids.py``, mapped back to the hashed feature space and shipped as
``topic_centroids.npz``, so scoring is one sparse dot product.

Content words are tokens with at least three letters that are not stopwords; Chinese and
Japanese contribute character bigrams. Only the payload counts when the skeleton masked one
(blocks and quoted spans), so a long constant wrapper does not pull every request of a
template into one bucket. Prompts whose best similarity is below ``tau`` (languages and
subjects the corpora did not cover) fall back to ``K + min-hash of their content words mod
K``: prompts sharing most content words still share that bucket. No content words: ``-1``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np

from distillguard.signals import normalize as nz
from distillguard.signals.jit import jit
from distillguard.signals.structure import annotate, structure_tables

RESOURCE = "topic_centroids.npz"
FEATURE_BITS = 13
N_FEATURES = 1 << FEATURE_BITS
MIN_LETTERS = 3
MIN_PAYLOAD_FEATURES = 3
NO_TOPIC = -1

_BIGRAM_MUL = np.uint64(0xC2B2AE3D27D4EB4F)
_SHIFT = np.uint64(64 - FEATURE_BITS)


@dataclass(frozen=True, eq=False)
class TopicModel:
    """``idf`` (N_FEATURES,) float32, ``centroids_t`` (N_FEATURES, K) float32 topic
    directions, and the score ``tau`` below which the fallback bucket is used."""

    idf: np.ndarray
    centroids_t: np.ndarray
    tau: float

    def __post_init__(self) -> None:
        if self.idf.shape != (N_FEATURES,) or self.centroids_t.shape[0] != N_FEATURES:
            raise ValueError(
                f"topic model shapes {self.idf.shape}, {self.centroids_t.shape} do not match "
                f"{N_FEATURES} hashed features"
            )

    @property
    def k(self) -> int:
        return int(self.centroids_t.shape[1])


@functools.cache
def load_topic_model() -> TopicModel:
    """The shipped centroids, loaded once per process."""
    resource = resources.files("distillguard.signals").joinpath(RESOURCE)
    with resource.open("rb") as fh, np.load(fh) as npz:
        if int(npz["feature_bits"]) != FEATURE_BITS:
            raise ValueError(f"{RESOURCE} was fitted with other feature bits")
        idf = np.ascontiguousarray(npz["idf"], dtype=np.float32)
        cent = np.ascontiguousarray(npz["centroids"].astype(np.float32).T)
        tau = float(npz["tau"])
    idf.setflags(write=False)
    cent.setflags(write=False)
    return TopicModel(idf=idf, centroids_t=cent, tau=tau)


@jit
def content_features(
    n: int,
    t_start: np.ndarray,
    t_end: np.ndarray,
    t_hash: np.ndarray,
    t_kind: np.ndarray,
    t_flags: np.ndarray,
    t_letters: np.ndarray,
    block: np.ndarray,
    t_stop: np.ndarray,
    out: np.ndarray,
) -> int:
    """Sorted distinct content-feature hashes of the payload into ``out``; returns the count.

    The payload is the tokens in blocks and quoted spans if they hold at least
    ``MIN_PAYLOAD_FEATURES`` features, else the whole prompt.
    """
    has_payload = False
    for t in range(n):
        if block[t] != 0 or t_flags[t] & nz.F_QUOTED != 0:
            has_payload = True
            break
    c = _collect(n, t_start, t_end, t_hash, t_kind, t_flags, t_letters, block, t_stop, out,
                 has_payload)  # fmt: skip
    if has_payload and c < MIN_PAYLOAD_FEATURES:
        c = _collect(n, t_start, t_end, t_hash, t_kind, t_flags, t_letters, block, t_stop, out,
                     False)  # fmt: skip
    if c == 0:
        return 0
    out[:c].sort()
    m = 1
    for i in range(1, c):
        if out[i] != out[m - 1]:
            out[m] = out[i]
            m += 1
    return m


@jit
def _collect(
    n: int,
    t_start: np.ndarray,
    t_end: np.ndarray,
    t_hash: np.ndarray,
    t_kind: np.ndarray,
    t_flags: np.ndarray,
    t_letters: np.ndarray,
    block: np.ndarray,
    t_stop: np.ndarray,
    out: np.ndarray,
    payload_only: bool,
) -> int:
    c = 0
    for t in range(n):
        if payload_only and block[t] == 0 and t_flags[t] & nz.F_QUOTED == 0:
            continue
        k = t_kind[t]
        if k == nz.WORD:
            if t_letters[t] >= MIN_LETTERS and t_stop[t] == 0:
                out[c] = t_hash[t]
                c += 1
        elif k == nz.CJK and t + 1 < n and t_kind[t + 1] == nz.CJK and t_end[t] == t_start[t + 1]:
            out[c] = (t_hash[t] * _BIGRAM_MUL) ^ nz.fmix64(t_hash[t + 1])
            c += 1
    return c


@jit
def topic_of(
    feats: np.ndarray, c: int, idf: np.ndarray, cent_t: np.ndarray, tau: float, sims: np.ndarray
) -> int:
    """Nearest centroid of the sorted features ``feats[:c]``, or the min-hash fallback."""
    if c == 0:
        return NO_TOPIC
    k = cent_t.shape[1]
    for j in range(k):
        sims[j] = 0.0
    norm2 = 0.0
    for i in range(c):
        d = np.int64(feats[i] >> _SHIFT)
        w = idf[d]
        norm2 += w * w
        for j in range(k):
            sims[j] += w * cent_t[d, j]
    best = 0
    for j in range(1, k):
        if sims[j] > sims[best]:
            best = j
    if norm2 > 0 and sims[best] >= tau * np.sqrt(norm2):
        return best
    return k + np.int64(nz.fmix64(feats[0]) % np.uint64(k))


def content_feature_hashes(text: str) -> np.ndarray:
    """The content features of one prompt, as the kernel computes them (for fitting)."""
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    s = nz.Scratch(len(data))
    n = s.tokenize(data)
    nz.mark_blocks(n, s.kind, s.flags, s.line, s.para, s.block)
    tb = structure_tables()
    annotate(
        n, s.hash, s.kind, tb.lex, tb.lex_bits, s.stop,
        s.plo, s.phi,
    )  # fmt: skip
    out = np.zeros(n + 1, dtype=np.uint64)
    c = content_features(
        n, s.start, s.end, s.hash, s.kind, s.flags, s.letters, s.block, s.stop, out
    )
    return out[:c].copy()


def feature_index(feats: np.ndarray) -> np.ndarray:
    """Bucket of each hashed feature in the ``N_FEATURES``-wide vector."""
    return (feats >> _SHIFT).astype(np.int64)
