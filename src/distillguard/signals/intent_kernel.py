"""Compiled featuriser and scorer of the intent model: token, bigram and in-word character
n-gram hashes, and the linear class scores over them.

The gateway classifies one request at a time, and a vectorised numpy featuriser pays about
sixty array operations of fixed cost per call whatever the text's length: two thirds of a
single request's signals. One compiled walk over the characters computes the same hashes
(``intent.hash_features`` documents them) at a cost that grows with the text instead, and one
compiled pass sums each document's weight rows (``class_scores``).
"""

from __future__ import annotations

import numpy as np

from distillguard.signals.jit import jit

# Character categories, stored above the folded code in ``intent._char_table``.
WORD, SINGLE = 1, 2
CAT_SHIFT = 24
# Character n-gram orders taken inside words.
CHAR_ORDERS = (3, 5)
# Kinds, in ``intent.FEATURE_KINDS`` order: token, token bigram, then one per character order.
KINDS = 2 + len(CHAR_ORDERS)
_POW_BASE = np.uint64(0x100000001B3)
_BIGRAM_MUL = np.uint64(0x9E3779B97F4A7C15)
_BOS = np.uint64(0x165667B19E3779F9)
_MIX = np.uint64(0xD6E8FEB86659FD93)
_SALT = np.array([(0x94D049BB133111EB * (k + 1)) % 2**64 for k in range(KINDS)], dtype=np.uint64)


@jit
def feature_hashes(
    raw: np.ndarray, table: np.ndarray, char_starts: np.ndarray, shift: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bucket ids, segment bounds and feature counts of a joined batch.

    ``raw`` holds the batch's code points (documents joined by separators), ``table`` maps a
    code point of the Basic Multilingual Plane to ``category << 24 | folded code`` (higher ones
    share its last entry), ``char_starts`` where each document starts (one more entry: the
    end), ``shift`` is ``64 - bits``. Buckets are stored kind by kind, document by document:
    segment ``k * n_docs + i`` is ``bounds[s]:bounds[s + 1]``; ``counts[i]`` is document i's
    number of features.
    """
    n_docs = len(char_starts) - 1
    n = len(raw)
    last = len(table) - 1
    values = np.empty(n, dtype=np.uint64)
    cat = np.empty(n, dtype=np.uint8)
    for p in range(n):
        code = table[min(raw[p], last)]
        cat[p] = code >> CAT_SHIFT
        values[p] = code & ((1 << CAT_SHIFT) - 1)
    # Upper bounds: one token and one bigram per character, one window of each order.
    out = np.empty((KINDS, n), dtype=np.uint64)
    filled = np.zeros(KINDS, dtype=np.intp)
    doc_bounds = np.empty((KINDS, n_docs + 1), dtype=np.intp)
    for d in range(n_docs):
        for k in range(KINDS):
            doc_bounds[k, d] = filled[k]
        previous = _BOS
        p = char_starts[d]
        end = char_starts[d + 1]
        while p < end:
            c = cat[p]
            if c != WORD and c != SINGLE:
                p += 1
                continue
            stop = p + 1
            if c == WORD:
                while stop < n and cat[stop] == WORD:
                    stop += 1
            h = np.uint64(0)
            power = np.uint64(1)
            for q in range(p, stop):
                h += values[q] * power
                power *= _POW_BASE
            out[0, filled[0]] = h
            filled[0] += 1
            out[1, filled[1]] = previous * _BIGRAM_MUL + h
            filled[1] += 1
            previous = h
            if c == WORD:
                # Windows of order m whose interior lies inside the word: starts p-1 ..
                # stop-m+1, the boundary characters on either side counting as zero.
                for k in range(len(CHAR_ORDERS)):
                    m = CHAR_ORDERS[k]
                    for w in range(p - 1, stop - m + 2):
                        h = np.uint64(0)
                        power = np.uint64(1)
                        for q in range(w, w + m):
                            if cat[q] == WORD:
                                h += values[q] * power
                            power *= _POW_BASE
                        out[2 + k, filled[2 + k]] = h
                        filled[2 + k] += 1
            p = stop
    for k in range(KINDS):
        doc_bounds[k, n_docs] = filled[k]
    buckets = np.empty(filled.sum(), dtype=np.intp)
    bounds = np.empty(KINDS * n_docs + 1, dtype=np.intp)
    counts = np.zeros(n_docs, dtype=np.intp)
    at = 0
    for k in range(KINDS):
        salt = _SALT[k]
        for i in range(filled[k]):
            buckets[at + i] = ((out[k, i] ^ salt) * _MIX) >> np.uint64(shift)
        for d in range(n_docs):
            bounds[k * n_docs + d] = at + doc_bounds[k, d]
            counts[d] += doc_bounds[k, d + 1] - doc_bounds[k, d]
        at += filled[k]
    bounds[KINDS * n_docs] = at
    return buckets, bounds, counts


@jit
def class_scores(
    buckets: np.ndarray, bounds: np.ndarray, scale: np.ndarray, table: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """Linear class scores (n_docs, n_classes) float64 of ``feature_hashes``' output.

    Per document: each kind's rows of ``table`` (float32) summed, the kinds' sums added in kind
    order, then scaled by the document's ``scale`` and shifted by ``bias`` in float64. The
    sums keep numpy's order (a segment's first row plus the pairwise sum of the rest, as
    ``np.add.reduceat`` adds), so the model scores exactly as its numpy form did, without a
    gathered copy of the rows or a dozen array calls per request.
    """
    n_docs = scale.shape[0]
    n_classes = table.shape[1]
    out = np.empty((n_docs, n_classes), dtype=np.float64)
    total = np.empty(n_classes, dtype=np.float32)
    segment = np.empty(n_classes, dtype=np.float32)
    lanes = np.empty((8, n_classes), dtype=np.float32)
    for d in range(n_docs):
        total[:] = 0.0
        for k in range(KINDS):
            lo, hi = bounds[k * n_docs + d], bounds[k * n_docs + d + 1]
            if hi == lo:
                continue
            _pairwise_sum(buckets, lo + 1, hi - lo - 1, table, segment, lanes)
            row = table[_row(buckets[lo], table)]
            for j in range(n_classes):
                total[j] = row[j] + segment[j] if k == 0 else total[j] + (row[j] + segment[j])
        for j in range(n_classes):
            out[d, j] = np.float64(total[j]) * scale[d] + np.float64(bias[j])
    return out


@jit
def _row(bucket: int, table: np.ndarray) -> int:
    """The table row of a bucket, clipped into range as ``take(mode="clip")`` does."""
    return min(max(bucket, 0), table.shape[0] - 1)


@jit
def _pairwise_sum(
    buckets: np.ndarray,
    lo: int,
    n: int,
    table: np.ndarray,
    out: np.ndarray,
    lanes: np.ndarray,
) -> None:
    """numpy's pairwise float32 sum of ``table[buckets[lo:lo + n]]`` into ``out`` per class:
    plain below 8 terms, eight running sums (``lanes``) up to 128, halves (cut at a multiple
    of 8) above."""
    n_classes = table.shape[1]
    if n < 8:
        out[:] = 0.0
        for i in range(lo, lo + n):
            row = table[_row(buckets[i], table)]
            for j in range(n_classes):
                out[j] += row[j]
    elif n <= 128:
        for u in range(8):
            lanes[u] = table[_row(buckets[lo + u], table)]
        i = 8
        while i < n - n % 8:
            for u in range(8):
                row = table[_row(buckets[lo + i + u], table)]
                for j in range(n_classes):
                    lanes[u, j] += row[j]
            i += 8
        for j in range(n_classes):
            out[j] = ((lanes[0, j] + lanes[1, j]) + (lanes[2, j] + lanes[3, j])) + (
                (lanes[4, j] + lanes[5, j]) + (lanes[6, j] + lanes[7, j])
            )
        while i < n:
            row = table[_row(buckets[lo + i], table)]
            for j in range(n_classes):
                out[j] += row[j]
            i += 1
    else:
        half = n // 2
        half -= half % 8
        first = np.empty(n_classes, dtype=np.float32)
        _pairwise_sum(buckets, lo, half, table, first, lanes)
        _pairwise_sum(buckets, lo + half, n - half, table, out, lanes)
        for j in range(n_classes):
            out[j] = first[j] + out[j]
