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
featuriser is one compiled walk over a batch's characters (``intent_kernel``): a scan
classifies millions of prompts, and the gateway one request at a time, where a vectorised
featuriser's fixed cost per call dominated.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from distillguard.signals.intent_kernel import (
    CAT_SHIFT,
    CHAR_ORDERS,
    SINGLE,
    WORD,
    class_scores,
    feature_hashes,
)
from distillguard.signals.schema import INTENTS

MODEL_RESOURCE = "intent_model.npz"
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
            cat, code = WORD, ord("0")
        elif _is_cjk_like(cp):
            cat = SINGLE
        elif folded.isalnum() or unicodedata.category(ch)[0] == "M" or ch == "_":
            cat = WORD
        elif len(folded) == 1 and folded.isspace():
            continue
        else:
            cat = SINGLE
        table[cp] = (cat << CAT_SHIFT) | code
    table[0xFFFF] = (SINGLE << CAT_SHIFT) | 0xFFFF
    table.setflags(write=False)
    return table


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
    """Tokenise, fold and hash a batch of texts into ``2**bits`` buckets.

    A token or window hashes to the polynomial sum of its folded characters (``c_j * P**j``
    modulo 2**64); a bigram to the previous token's hash (a begin marker for a document's
    first token) times a constant plus its own; a character window counts non-word
    characters as zero. Each kind is salted, mixed and cut to ``bits``; a feature therefore
    does not depend on where it occurs or on the other texts in the batch.
    """
    n_docs = len(texts)
    # Every document is preceded by a separator and the batch ends with enough of them for
    # the longest character window, so no token or window spans two documents.
    char_starts = np.ones(n_docs + 1, dtype=np.intp)
    np.add.accumulate(
        np.fromiter(map(len, texts), dtype=np.intp, count=n_docs), out=char_starts[1:]
    )
    char_starts[1:] += np.arange(2, n_docs + 2)
    joined = "\x00" + "\x00".join(texts) + "\x00" * max(CHAR_ORDERS)
    raw = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    buckets, bounds, counts = feature_hashes(raw, _char_table(), char_starts, 64 - bits)
    scale = np.maximum(counts, 1) ** -0.5
    return IntentFeatures(buckets=buckets, bounds=bounds, scale=scale, bits=bits)


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
            feats = hash_features(texts[lo:hi], self.bits)
            out[lo:hi] = class_scores(
                feats.buckets, feats.bounds, feats.scale, self.table, self.bias
            )
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (n, len(INTENTS)) float32 in ``INTENTS`` order; rows sum to 1."""
        z = self.decision_function(texts)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z.astype(np.float32)


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
