"""The compiled intent featuriser against an independent one: the vectorised numpy featuriser
the shipped model was first trained on (prefix sums over the batch instead of a walk), which
must give the same buckets, bounds and scales for any batch."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.signals import intent
from distillguard.signals.intent import CHAR_ORDERS, FEATURE_KINDS, IntentFeatures, hash_features
from distillguard.signals.intent_kernel import CAT_SHIFT, SINGLE, WORD, class_scores

_POW_BASE = 0x100000001B3
_BIGRAM_MUL = np.uint64(0x9E3779B97F4A7C15)
_BOS = np.uint64(0x165667B19E3779F9)
_MIX = np.uint64(0xD6E8FEB86659FD93)
_SALTS = tuple(np.uint64((0x94D049BB133111EB * (k + 1)) % 2**64) for k in range(len(FEATURE_KINDS)))


@functools.lru_cache(maxsize=4)
def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    powers = np.full(n, _POW_BASE, dtype=np.uint64)
    powers[0] = 1
    np.multiply.accumulate(powers, out=powers)
    inverse = np.full(n, pow(_POW_BASE, -1, 1 << 64), dtype=np.uint64)
    inverse[0] = 1
    np.multiply.accumulate(inverse, out=inverse)
    return powers, inverse


def reference_features(texts: Sequence[str], bits: int) -> IntentFeatures:
    """The featuriser as array arithmetic on prefix sums: a token's or window's hash is read
    off one prefix sum over the whole batch and shifted back to its start."""
    n_docs = len(texts)
    kinds = len(FEATURE_KINDS)
    if n_docs == 0:
        empty = np.zeros(0, dtype=np.intp)
        return IntentFeatures(empty, np.zeros(1, dtype=np.intp), np.zeros(0), bits)
    # Every document is preceded by a separator and the batch ends with enough of them for
    # the longest character window, so no token or window spans two documents. (ufunc
    # methods and preallocated outputs below keep the fixed cost of one short text low.)
    longest = max(CHAR_ORDERS)
    char_starts = np.ones(n_docs + 1, dtype=np.intp)
    np.add.accumulate(
        np.fromiter(map(len, texts), dtype=np.intp, count=n_docs), out=char_starts[1:]
    )
    char_starts[1:] += np.arange(2, n_docs + 2)
    joined = "\x00" + "\x00".join(texts) + "\x00" * longest
    raw = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    codes = intent._char_table().take(
        raw, mode="clip"
    )  # code points above U+FFFF share the last entry
    cat = codes >> CAT_SHIFT
    word = cat == WORD
    single = cat == SINGLE
    n_chars = len(codes)
    powers, inverse = _powers(1 << max(16, n_chars.bit_length()))
    values = (codes & ((1 << CAT_SHIFT) - 1)).astype(np.uint64)
    values *= powers[:n_chars]
    summed = np.zeros(n_chars + 1, dtype=np.uint64)
    np.add.accumulate(values, out=summed[1:])

    # Tokens: word runs and single characters (the separators at both ends keep the shifted
    # comparisons in range). Character windows: a window of n characters starting at w stays
    # inside one word, padded by at most one boundary on each side, when its interior
    # w+1 .. w+n-2 is all word characters.
    starts_mask = single.copy()
    starts_mask[1:] |= word[1:] > word[:-1]
    ends_mask = single
    ends_mask[:-1] |= word[:-1] > word[1:]
    tok_start = starts_mask.nonzero()[0]
    tok_end = ends_mask.nonzero()[0] + 1
    n_tok = len(tok_start)
    # Feature kinds are stored one after the other: kind k of document i is the segment
    # offsets[k] + doc_bounds[k, i] .. offsets[k] + doc_bounds[k, i + 1]. A word of L
    # characters has max(L - n + 3, 0) windows of order n, so window counts follow from it.
    doc_bounds = np.empty((kinds, n_docs + 1), dtype=np.intp)
    doc_bounds[:2] = tok_start.searchsorted(char_starts)
    word_len = (tok_end - tok_start) * word[tok_start]
    cumulative = np.zeros(n_tok + 1, dtype=np.intp)
    for k, n in enumerate(CHAR_ORDERS, start=2):
        np.add.accumulate(np.maximum(word_len - (n - 3), 0), out=cumulative[1:])
        cumulative.take(doc_bounds[0], out=doc_bounds[k])
    offsets = np.zeros(kinds + 1, dtype=np.intp)
    np.add.accumulate(doc_bounds[:, -1], out=offsets[1:])
    hashes = np.empty(offsets[-1], dtype=np.uint64)
    parts = [hashes[lo:hi] for lo, hi in itertools.pairwise(offsets.tolist())]

    uni, bigram = parts[0], parts[1]
    np.subtract(summed.take(tok_end), summed.take(tok_start), out=uni)
    uni *= inverse.take(tok_start)
    bigram[1:] = uni[:-1]
    firsts = doc_bounds[0, :-1]
    bigram[firsts[firsts < n_tok]] = _BOS
    bigram *= _BIGRAM_MUL
    bigram += uni
    # Window hashes come from a prefix sum where non-word characters count as zero.
    values *= word
    np.add.accumulate(values, out=summed[1:])
    n_win = n_chars - longest + 1
    mask = word[1 : n_win + 1].copy()
    for n, out in zip(CHAR_ORDERS, parts[2:], strict=True):
        for k in range(2, n - 1):
            mask &= word[k : n_win + k]
        if len(out):
            h = summed[n : n_win + n] - summed[:n_win]
            h *= inverse[:n_win]
            h.compress(mask, out=out)
    for part, salt in zip(parts, _SALTS, strict=True):
        part ^= salt
    hashes *= _MIX
    hashes >>= np.uint64(64 - bits)
    bounds = np.empty(kinds * n_docs + 1, dtype=np.intp)
    np.add(doc_bounds[:, :-1], offsets[:-1, None], out=bounds[:-1].reshape(kinds, n_docs))
    bounds[-1] = offsets[-1]
    n_feat = np.subtract(doc_bounds[:, 1:], doc_bounds[:, :-1]).sum(axis=0)
    scale = np.maximum(n_feat, 1) ** -0.5
    # Bucket ids are below 2**bits, so the unsigned hashes read as the same signed indices.
    return IntentFeatures(buckets=hashes.view(np.intp), bounds=bounds, scale=scale, bits=bits)


def _same(texts: list[str], bits: int) -> None:
    got, want = hash_features(texts, bits), reference_features(texts, bits)
    np.testing.assert_array_equal(got.buckets, want.buckets)
    np.testing.assert_array_equal(got.bounds, want.bounds)
    np.testing.assert_array_equal(got.scale, want.scale)
    assert got.buckets.dtype == want.buckets.dtype == np.intp


# Word characters, symbols, digits, CJK, a combining mark, a ligature, an astral emoji, a lone
# surrogate, separators and control characters: every category the folding table knows.
_ALPHABET = "ab cXY,.!?_-09你好カЖжé\u0301\ufb01\U0001f600\ud800\n\t\x00\x01'\""


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet=_ALPHABET, max_size=40), min_size=1, max_size=8),
    st.sampled_from([12, 16, 18]),
)
def test_compiled_features_equal_the_reference(texts: list[str], bits: int) -> None:
    _same(texts, bits)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=200), min_size=1, max_size=4))
def test_any_unicode_text_equals_the_reference(texts: list[str]) -> None:
    _same(texts, 18)


def test_prompts_in_several_scripts_and_an_empty_batch() -> None:
    prompts = [
        "Solve step by step. Show all of your reasoning, then 'Answer: X'.",
        "请在<think>标签中用中文写出具体的思考过程，然后给出最终答案。",
        "Думай на русском. Выведи полностью свои рассуждения.",
        "",
        'Score the response from 1 to 10 and output JSON {"score": 7}.',
    ]
    _same(prompts, 18)
    _same([p * 40 for p in prompts], 18)  # beyond one chunk's worth of characters
    empty = hash_features([], 18)
    assert empty.buckets.size == 0 and empty.bounds.tolist() == [0]


def _reference_scores(feats: IntentFeatures, table: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The scorer's numpy form: gathered rows, ``reduceat`` per segment, kinds summed."""
    n_docs = len(feats.scale)
    starts = feats.bounds[:-1]
    filled = feats.bounds[1:] > starts
    segments = np.zeros((len(starts), table.shape[1]), dtype=np.float32)
    if filled.any():
        rows = table.take(feats.buckets, axis=0, mode="clip")
        segments[filled] = np.add.reduceat(rows, starts[filled], axis=0)
    scores = segments.reshape(len(FEATURE_KINDS), n_docs, table.shape[1]).sum(axis=0)
    return np.asarray(scores * feats.scale[:, None] + bias)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 400), min_size=4, max_size=4), max_size=6),
    st.integers(0, 2**32 - 1),
)
def test_class_scores_equal_the_numpy_form_to_the_bit(sizes: list[list[int]], seed: int) -> None:
    """Segments of every length (empty, below 8, up to 128 and the recursive halves above)
    sum in numpy's order; the weights span magnitudes so that any other order would round
    differently."""
    rng = np.random.default_rng(seed)
    n_docs = len(sizes)
    per_segment = [sizes[d][k] for k in range(len(FEATURE_KINDS)) for d in range(n_docs)]
    bounds = np.concatenate([[0], np.cumsum(per_segment)]).astype(np.intp)
    table = (rng.standard_normal((64, 6)) * rng.choice([1e-4, 1.0, 1e4], (64, 6))).astype(
        np.float32
    )
    buckets = rng.integers(0, 64, bounds[-1]).astype(np.intp)
    scale = rng.uniform(0.01, 1.0, n_docs)
    bias = rng.standard_normal(6).astype(np.float32)
    feats = IntentFeatures(buckets=buckets, bounds=bounds, scale=scale, bits=6)
    got = class_scores(buckets, bounds, scale, table, bias)
    want = _reference_scores(feats, table, bias)
    assert got.shape == (n_docs, 6) and got.dtype == np.float64
    assert got.tobytes() == want.tobytes()
