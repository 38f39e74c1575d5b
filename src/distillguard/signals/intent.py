"""Per-request intent classifier: hashed token and character n-grams, linear multinomial model.

Distillation traffic is recognised by its *instructions* ("reconstruct the hidden reasoning",
"output A or B", "for each of the following categories"), not by its topic, and attackers
write them in many languages and paraphrases. Two feature groups cover that:

* token unigrams and bigrams, where a token is a word (letters/digits) or one symbol, and
  every CJK ideograph or kana is a token of its own, so CJK bigrams play the part of words;
* character 3- and 5-grams inside words (padded by the word boundary, like scikit-learn's
  ``char_wb``), so inflected Russian/German/Spanish forms and paraphrases that share stems
  ("censor", "censorship", "censors") share features.

Everything is hashed into ``2**bits`` buckets and scored by a linear model exported from
``scripts/train_intent.py``, which trains on exactly the features this module computes. The
featuriser is vectorised over a whole batch with numpy (one table lookup per character, then
array arithmetic on prefix sums), because a scan classifies millions of prompts and a
per-character Python loop would be the bottleneck of the whole product.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from distillguard.signals.schema import INTENTS

MODEL_RESOURCE = "intent_model.npz"
# Character n-gram orders taken inside words.
CHAR_ORDERS = (3, 5)
FEATURE_KINDS = ("token", "token_bigram", *(f"char{n}" for n in CHAR_ORDERS))
# What ``intent_text`` keeps: the head and tail of each part, because instructions sit at
# the start or the end of a prompt and the middle is usually pasted payload.
USER_HEAD, USER_TAIL = 600, 200
SYSTEM_HEAD, SYSTEM_TAIL = 300, 200
SYSTEM_MARK = "\n\u241e\n"  # separates the system part from the user part
ELLIPSIS = " \u2026 "
# Batches are featurised in chunks of about this many characters so the per-character
# arrays stay in the 2 MB L2 cache (measured fastest at 16k-32k; 256k is ~2x slower).
CHUNK_CHARS = 1 << 15

_WORD, _SINGLE = 1, 2
_CAT_SHIFT = 24
_CODE_MASK = (1 << _CAT_SHIFT) - 1
_POW_BASE = 0x100000001B3
_BIGRAM_MUL = np.uint64(0x9E3779B97F4A7C15)
_BOS = np.uint64(0x165667B19E3779F9)
_MIX = np.uint64(0xD6E8FEB86659FD93)
# One salt per feature kind, so equal hashes of different kinds land in different buckets.
_SALTS = tuple(np.uint64((0x94D049BB133111EB * (k + 1)) % 2**64) for k in range(len(FEATURE_KINDS)))


def _is_cjk_like(cp: int) -> bool:
    """Scripts written without spaces, where one character is the natural token."""
    return (
        0x3040 <= cp <= 0x30FF  # hiragana, katakana
        or 0x3400 <= cp <= 0x4DBF  # CJK extension A
        or 0x4E00 <= cp <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= cp <= 0xFAFF  # CJK compatibility ideographs
        or 0x31F0 <= cp <= 0x31FF  # katakana phonetic extensions
    )


@functools.cache
def _char_table() -> np.ndarray:
    """Code point -> (category << 24 | folded code) for the Basic Multilingual Plane.

    Folding (NFKC, lower case, every decimal digit to "0") happens here once, so the
    featuriser needs a single gather per character. Code points above U+FFFF share the last
    entry: they are mostly emoji, one symbol token is all the model needs from them.
    """
    table = np.zeros(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF or ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"):
            continue  # separator, code 0
        folded = unicodedata.normalize("NFKC", ch).lower()
        code = ord(folded) if len(folded) == 1 else cp
        if unicodedata.category(chr(code)) == "Nd":
            cat, code = _WORD, ord("0")
        elif _is_cjk_like(cp):
            cat = _SINGLE
        elif folded.isalnum() or unicodedata.category(ch)[0] == "M" or ch == "_":
            cat = _WORD
        elif len(folded) == 1 and folded.isspace():
            continue
        else:
            cat = _SINGLE
        table[cp] = (cat << _CAT_SHIFT) | code
    table[0xFFFF] = (_SINGLE << _CAT_SHIFT) | 0xFFFF
    table.setflags(write=False)
    return table


@functools.lru_cache(maxsize=4)
def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**i and P**-i modulo 2**64 for i < n (n a power of two, so few sizes are cached)."""
    powers = np.full(n, _POW_BASE, dtype=np.uint64)
    powers[0] = 1
    np.multiply.accumulate(powers, out=powers)
    inverse = np.full(n, pow(_POW_BASE, -1, 1 << 64), dtype=np.uint64)
    inverse[0] = 1
    np.multiply.accumulate(inverse, out=inverse)
    return powers, inverse


@dataclass(frozen=True, eq=False)
class IntentFeatures:
    """Hashed features of a batch, grouped by kind (see ``FEATURE_KINDS``).

    ``buckets`` holds every feature's bucket id, kind by kind and, within a kind, document by
    document; segment ``j * n_docs + i`` (``bounds[s]:bounds[s+1]``) is kind j of document i.
    ``scale`` is each document's feature weight, 1/sqrt(number of features), so long and
    short prompts land on a comparable scale.
    """

    buckets: np.ndarray  # (n_features,) intp
    bounds: np.ndarray  # (len(FEATURE_KINDS) * n_docs + 1,) intp
    scale: np.ndarray  # (n_docs,) float64
    bits: int

    @property
    def counts(self) -> np.ndarray:
        """Features per (kind, document), shape (len(FEATURE_KINDS), n_docs)."""
        return np.diff(self.bounds).reshape(len(FEATURE_KINDS), -1)


def hash_features(texts: Sequence[str], bits: int) -> IntentFeatures:
    """Tokenise, fold and hash a batch of texts into ``2**bits`` buckets (vectorised).

    Token and window hashes are polynomial sums of their characters, read off one prefix sum
    over the whole batch and shifted back to their start, so a feature does not depend on
    where it occurs or on the other texts in the batch.
    """
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
    codes = _char_table().take(raw, mode="clip")  # code points above U+FFFF share the last entry
    cat = codes >> _CAT_SHIFT
    word = cat == _WORD
    single = cat == _SINGLE
    n_chars = len(codes)
    powers, inverse = _powers(1 << max(16, n_chars.bit_length()))
    values = (codes & _CODE_MASK).astype(np.uint64)
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


@dataclass(frozen=True, eq=False)
class IntentModel:
    """Immutable linear intent model; cheap to pickle to worker processes (1.5 MB).

    ``table`` holds one row of class weights per hash bucket, (2**bits, len(INTENTS))
    float32, so scoring gathers all classes of a feature at once; ``bias`` is
    (len(INTENTS),) float32. Columns are in ``INTENTS`` order.
    """

    table: np.ndarray
    bias: np.ndarray
    bits: int

    def __post_init__(self) -> None:
        expected = (1 << self.bits, len(INTENTS))
        if self.table.shape != expected or self.bias.shape != (len(INTENTS),):
            raise ValueError(
                f"intent model shapes {self.table.shape}, {self.bias.shape} do not match "
                f"{expected} and ({len(INTENTS)},)"
            )
        if self.table.dtype != np.float32 or not self.table.flags.c_contiguous:
            raise ValueError("intent model table must be a C-contiguous float32 array")

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Unnormalised class scores (n, len(INTENTS)) float64."""
        if isinstance(texts, str):
            raise TypeError("intent texts must be a sequence of str, not a single str")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"intent texts must be str, item {i} is {type(text).__name__}")
        out = np.empty((len(texts), len(INTENTS)), dtype=np.float64)
        for lo, hi in _chunks(texts):
            out[lo:hi] = self._scores(hash_features(texts[lo:hi], self.bits))
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (n, len(INTENTS)) float32 in ``INTENTS`` order; rows sum to 1."""
        z = self.decision_function(texts)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z.astype(np.float32)

    def _scores(self, feats: IntentFeatures) -> np.ndarray:
        n_docs = len(feats.scale)
        starts = feats.bounds[:-1]
        filled = feats.bounds[1:] > starts
        segments = np.zeros((len(starts), len(INTENTS)), dtype=np.float32)
        if filled.any():
            # One gathered row per feature; reduceat over the non-empty segments only, so
            # every segment runs exactly to the next start.
            rows = self.table.take(feats.buckets, axis=0, mode="clip")
            segments[filled] = np.add.reduceat(rows, starts[filled], axis=0)
        scores = segments.reshape(len(FEATURE_KINDS), n_docs, len(INTENTS)).sum(axis=0)
        return scores * feats.scale[:, None] + self.bias


def _chunks(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Consecutive index ranges of about ``CHUNK_CHARS`` characters each (a long text alone)."""
    ranges, lo, size = [], 0, 0
    for i, text in enumerate(texts):
        size += len(text)
        if size >= CHUNK_CHARS:
            ranges.append((lo, i + 1))
            lo, size = i + 1, 0
    if lo < len(texts):
        ranges.append((lo, len(texts)))
    return ranges


def load_intent_model() -> IntentModel:
    """The shipped model, loaded once per process."""
    return _load_shipped()


@functools.cache
def _load_shipped() -> IntentModel:
    resource = resources.files("distillguard.signals").joinpath(MODEL_RESOURCE)
    with resource.open("rb") as fh, np.load(fh) as npz:
        return model_from_arrays(
            npz["weights"], npz["bias"], int(npz["bits"]), list(npz["intents"])
        )


def model_from_arrays(
    weights: np.ndarray, bias: np.ndarray, bits: int, intents: Sequence[str]
) -> IntentModel:
    """A read-only model from exported (len(INTENTS), 2**bits) weights and the bias.

    Checks the arrays were trained for ``INTENTS`` in this order.
    """
    if tuple(str(i) for i in intents) != INTENTS:
        raise ValueError(f"intent model classes {list(intents)} differ from {list(INTENTS)}")
    table = np.ascontiguousarray(np.asarray(weights, dtype=np.float32).T)
    table.setflags(write=False)
    b = np.asarray(bias, dtype=np.float32).copy()
    b.setflags(write=False)
    return IntentModel(table=table, bias=b, bits=bits)


def intent_text(system: str | None, user: str) -> str:
    """The text the classifier sees: head and tail of the system prompt and last user turn.

    The system prompt is kept because judge, agent and rewrite scaffolds often live there;
    long parts are cut to their head and tail so cost per request is bounded.
    """
    text = _head_tail(user, USER_HEAD, USER_TAIL)
    if system:
        return _head_tail(system, SYSTEM_HEAD, SYSTEM_TAIL) + SYSTEM_MARK + text
    return text


def _head_tail(text: str, head: int, tail: int) -> str:
    if len(text) <= head + tail + len(ELLIPSIS):
        return text
    return text[:head] + ELLIPSIS + text[-tail:]
