"""Vectorised scalable Bloom filter over uint64 keys: "was this template band seen before?".

Remembering every band of every request exactly would cost memory linear in traffic; a Bloom
filter answers the membership question in fixed bits per key, with one-sided error (a false
"seen" only makes a key look shared by one account, which carries no cross-account weight).
It is register-blocked (all bits of a key in one 64-bit word, Putze et al. 2009): one memory
access per key, which is what keeps a per-request look-up cheap in numpy, at a slightly higher
false-positive rate than a classic filter of the same size (compensated by 1.5x the bits).
When a layer fills, a larger one with a tighter rate is added (Almeida et al. 2007), so the
overall false-positive rate stays near the first layer's.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
BITS_PER_HASH = 6
HASHES = 8
BLOCKING_PENALTY = 1.5
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix64(x: U64) -> U64:
    """SplitMix64 finaliser: spreads any uint64 keys (even small ones) over all 64 bits."""
    z = np.asarray(x, dtype=np.uint64) + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


class _Layer:
    def __init__(self, capacity: int, fp_rate: float) -> None:
        bits = BLOCKING_PENALTY * capacity * -math.log(fp_rate) / math.log(2) ** 2
        self.log2_words = max(4, math.ceil(math.log2(bits / 64)))
        self.capacity = capacity
        self.count = 0
        self.words = np.zeros(1 << self.log2_words, dtype=np.uint64)

    def _locate(self, keys: U64) -> tuple[npt.NDArray[np.int64], U64]:
        h = mix64(keys)
        word = (h >> np.uint64(64 - self.log2_words)).astype(np.int64)
        g = mix64(h)
        pattern = np.zeros(len(keys), dtype=np.uint64)
        for i in range(HASHES):
            shift = (g >> np.uint64(BITS_PER_HASH * i)) & np.uint64(63)
            pattern |= np.left_shift(np.uint64(1), shift)
        return word, pattern

    def contains(self, keys: U64) -> npt.NDArray[np.bool_]:
        word, pattern = self._locate(keys)
        return np.asarray((self.words[word] & pattern) == pattern)

    def add(self, keys: U64) -> None:
        word, pattern = self._locate(keys)
        # Plain fancy assignment is fast but drops all but one write per repeated word; the
        # few keys that lost their bits are re-added with the unbuffered ufunc.
        self.words[word] |= pattern
        lost = (self.words[word] & pattern) != pattern
        if lost.any():
            np.bitwise_or.at(self.words, word[lost], pattern[lost])
        self.count += len(keys)


class BloomFilter:
    """Scalable Bloom filter; keys may repeat within a call (they are simply set again)."""

    def __init__(self, capacity: int, fp_rate: float) -> None:
        if capacity <= 0 or not 0.0 < fp_rate < 1.0:
            raise ValueError("Bloom filter needs a positive capacity and a rate in (0, 1)")
        self._fp_rate = fp_rate
        self._layers = [_Layer(capacity, fp_rate / 2)]

    def contains(self, keys: U64) -> npt.NDArray[np.bool_]:
        keys = np.asarray(keys, dtype=np.uint64)
        found = np.zeros(len(keys), dtype=bool)
        for layer in self._layers:
            rest = np.flatnonzero(~found)
            if not len(rest):
                break
            found[rest] = layer.contains(keys[rest])
        return found

    def add(self, keys: U64) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        while len(keys):
            layer = self._layers[-1]
            room = layer.capacity - layer.count
            if room <= 0:
                rate = self._fp_rate / 2 ** (len(self._layers) + 1)
                self._layers.append(_Layer(layer.capacity * 2, rate))
                continue
            layer.add(keys[:room])
            keys = keys[room:]

    @property
    def nbytes(self) -> int:
        return sum(layer.words.nbytes for layer in self._layers)
