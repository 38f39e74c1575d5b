"""Keyed template fingerprints: an exact skeleton hash and MinHash LSH band hashes.

Fingerprints are shared with peer providers, so each one is a keyed pseudo-random function
(SipHash-2-4) of the skeleton: without the key nobody can hash a guessed prompt and look it
up. SipHash is the standard keyed hash for short inputs and costs tens of nanoseconds, where
a keyed BLAKE2b call from Python costs about half a microsecond, and every request needs 17.

The LSH sketch is one-permutation MinHash with optimal densification (Shrivastava 2017):
each shingle is hashed once into one of ``BINS_PER_WINDOW`` bins, the bin keeps its minimum
and empty bins borrow from a fixed probe sequence. Two prompts agree on a bin with
probability equal to the Jaccard similarity of their shingle sets and on a band of
``ROWS_PER_BAND`` bins with roughly its power, so paraphrases of one wrapper share a band and
unrelated prompts almost never do (measured in ``docs/signals.md``).

Shingles are token bigrams of the skeleton (character bigrams for CJK, where every character
is a token). Bands 0-7 sketch its first ``WINDOW_TOKENS`` tokens and bands 8-15 its last:
a template's instructions sit at the start, the end or both, and a payload at the other end
then cannot dilute them.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from distillguard.signals.jit import jit
from distillguard.signals.normalize import fmix64
from distillguard.signals.schema import LSH_BANDS

ENV_VAR = "DISTILLGUARD_FINGERPRINT_KEY"
# Not secret: fingerprints made with it are only comparable on this installation's data.
DEFAULT_PASSPHRASE = "distillguard local fingerprint key (not for sharing)"
MIN_PASSPHRASE_CHARS = 16
ROWS_PER_BAND = 3
BANDS_PER_WINDOW = LSH_BANDS // 2
BINS_PER_WINDOW = BANDS_PER_WINDOW * ROWS_PER_BAND
WINDOW_TOKENS = 16
# Domain separation of the keyed hashes, so equal inputs of different kinds differ.
DOMAIN_TEMPLATE, DOMAIN_SYSTEM, DOMAIN_BAND = 1, 2, 3

_C0 = np.uint64(0x736F6D6570736575)
_C1 = np.uint64(0x646F72616E646F6D)
_C2 = np.uint64(0x6C7967656E657261)
_C3 = np.uint64(0x7465646279746573)
_FF = np.uint64(0xFF)
_SHINGLE_MUL = np.uint64(0x9E3779B97F4A7C15)
_BIN_SEED = np.uint64(0x2545F4914F6CDD1D)
_LOW31 = np.uint64(0x7FFFFFFF)
_U31 = np.uint64(31)
_U32 = np.uint64(32)
_U0 = np.uint64(0)
_U56 = np.uint64(56)
_U1 = np.uint64(1)


@dataclass(frozen=True)
class FingerprintKey:
    """The 128-bit SipHash key of all fingerprints, derived from a passphrase.

    Peers that exchange fingerprints agree on one passphrase and set it in
    ``DISTILLGUARD_FINGERPRINT_KEY``; without it the built-in default is used, which is
    public and marked ``is_default`` so that sharing code can refuse it.
    """

    secret: bytes = field(repr=False)
    source: str

    def __post_init__(self) -> None:
        if len(self.secret) != 16:
            raise ValueError(f"fingerprint key must be 16 bytes, got {len(self.secret)}")

    @classmethod
    def from_passphrase(cls, passphrase: str, source: str = "passphrase") -> FingerprintKey:
        """Derive the key with BLAKE2b; short passphrases are refused (guessable)."""
        if len(passphrase) < MIN_PASSPHRASE_CHARS:
            raise ValueError(
                f"fingerprint passphrase must have at least {MIN_PASSPHRASE_CHARS} characters"
            )
        secret = hashlib.blake2b(
            passphrase.encode("utf-8"), digest_size=16, person=b"distillguard-fp"
        ).digest()
        return cls(secret=secret, source=source)

    @classmethod
    def default(cls) -> FingerprintKey:
        return cls.from_passphrase(DEFAULT_PASSPHRASE, source="default")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FingerprintKey:
        """The key named by ``DISTILLGUARD_FINGERPRINT_KEY``, else the default key."""
        value = (os.environ if environ is None else environ).get(ENV_VAR, "")
        if not value:
            return cls.default()
        return cls.from_passphrase(value, source="env")

    @property
    def is_default(self) -> bool:
        return self.source == "default"

    @functools.cached_property
    def words(self) -> tuple[np.uint64, np.uint64]:
        """The key as SipHash's two little-endian 64-bit words."""
        return (
            np.uint64(int.from_bytes(self.secret[:8], "little")),
            np.uint64(int.from_bytes(self.secret[8:], "little")),
        )

    def hash_bytes(self, data: bytes) -> int:
        """Keyed 64-bit hash of arbitrary bytes (BLAKE2b), never 0 (0 means "none")."""
        digest = hashlib.blake2b(data, key=self.secret, digest_size=8).digest()
        return int.from_bytes(digest, "little") or 1


@jit
def _rotl(x: np.uint64, b: int) -> np.uint64:
    return (x << np.uint64(b)) | (x >> np.uint64(64 - b))


@jit
def _sipround(
    v0: np.uint64, v1: np.uint64, v2: np.uint64, v3: np.uint64
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    """One SipRound: two per message word and four at finalisation make SipHash-2-4."""
    v0 += v1
    v1 = _rotl(v1, 13)
    v1 ^= v0
    v0 = _rotl(v0, 32)
    v2 += v3
    v3 = _rotl(v3, 16)
    v3 ^= v2
    v0 += v3
    v3 = _rotl(v3, 21)
    v3 ^= v0
    v2 += v1
    v1 = _rotl(v1, 17)
    v1 ^= v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


@jit
def siphash24(k0: np.uint64, k1: np.uint64, words: np.ndarray, n: int) -> np.uint64:
    """SipHash-2-4 of the ``8 * n`` bytes that ``words[:n]`` hold in little-endian order."""
    v0 = k0 ^ _C0
    v1 = k1 ^ _C1
    v2 = k0 ^ _C2
    v3 = k1 ^ _C3
    for i in range(n + 1):
        m = words[i] if i < n else (np.uint64(8 * n) & _FF) << _U56
        v3 ^= m
        for _ in range(2):
            v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
        v0 ^= m
    v2 ^= _FF
    for _ in range(4):
        v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


@jit
def keyed_sequence_hash(
    k0: np.uint64, k1: np.uint64, domain: int, seq: np.ndarray, m: int, buf: np.ndarray
) -> np.uint64:
    """Keyed hash of a token-hash sequence; 0 for an empty sequence, never 0 otherwise."""
    if m == 0:
        return np.uint64(0)
    buf[0] = np.uint64(domain)
    for i in range(m):
        buf[i + 1] = seq[i]
    h = siphash24(k0, k1, buf, m + 1)
    return h if h != 0 else _U1


@jit
def lsh_bands(
    k0: np.uint64,
    k1: np.uint64,
    seq: np.ndarray,
    m: int,
    probe: np.ndarray,
    bins: np.ndarray,
    buf: np.ndarray,
    out: np.ndarray,
) -> None:
    """Write the ``LSH_BANDS`` keyed band hashes of skeleton ``seq[:m]`` into ``out``.

    The first half of the bands sketches the head window, the second half the tail window.
    An empty skeleton gets all-zero bands ("no fingerprint"). ``probe`` is the
    (BINS_PER_WINDOW, BINS_PER_WINDOW - 1) densification table; ``bins``, ``buf`` scratch.
    """
    if m == 0:
        for b in range(len(out)):
            out[b] = 0
        return
    w = min(m, WINDOW_TOKENS)
    for g in range(2):
        lo = 0 if g == 0 else m - w
        _sketch(seq, lo, lo + w, np.uint64(g + 1), probe, bins)
        for b in range(BANDS_PER_WINDOW):
            band = g * BANDS_PER_WINDOW + b
            # 32-bit rows packed two to a word after a (domain, band) header word half
            header = (np.uint64(DOMAIN_BAND) << np.uint64(8)) | np.uint64(band)
            buf[0] = (header << _U32) | bins[b * ROWS_PER_BAND]
            n_words = 1
            for r in range(1, ROWS_PER_BAND, 2):
                lo_row = bins[b * ROWS_PER_BAND + r + 1] if r + 1 < ROWS_PER_BAND else _U0
                buf[n_words] = (bins[b * ROWS_PER_BAND + r] << _U32) | lo_row
                n_words += 1
            h = siphash24(k0, k1, buf, n_words)
            out[band] = h if h != 0 else _U1


@jit
def _sketch(
    seq: np.ndarray, lo: int, hi: int, seed: np.uint64, probe: np.ndarray, bins: np.ndarray
) -> None:
    """One-permutation MinHash of the token bigrams of ``seq[lo:hi]`` (a lone token if one),
    densified so that every bin holds a value."""
    empty = np.uint64(0xFFFFFFFFFFFFFFFF)
    for j in range(BINS_PER_WINDOW):
        bins[j] = empty
    salt = seed * _BIN_SEED
    if hi - lo == 1:
        _add_shingle(bins, seq[lo] ^ salt)
    for i in range(lo, hi - 1):
        _add_shingle(bins, (seq[i] * _SHINGLE_MUL + _rotl(seq[i + 1], 29)) ^ salt)
    for j in range(BINS_PER_WINDOW):
        if bins[j] == empty:
            for t in range(BINS_PER_WINDOW - 1):
                p = probe[j, t]
                if bins[p] <= _LOW31:  # an original minimum; borrowed ones carry bit 31
                    bins[j] = bins[p] | (_U1 << _U31)
                    break


@jit
def _add_shingle(bins: np.ndarray, shingle: np.uint64) -> None:
    v = fmix64(shingle)
    j = np.int64(((v >> _U32) * np.uint64(BINS_PER_WINDOW)) >> _U32)
    val = v & _LOW31
    if val < bins[j]:
        bins[j] = val


def probe_table() -> np.ndarray:
    """Fixed densification probe order: for bin j, the other bins in a pseudo-random order."""
    rng = np.random.default_rng(0x5EED_D15C)
    table = np.empty((BINS_PER_WINDOW, BINS_PER_WINDOW - 1), dtype=np.int64)
    for j in range(BINS_PER_WINDOW):
        others = np.array([b for b in range(BINS_PER_WINDOW) if b != j], dtype=np.int64)
        table[j] = rng.permutation(others)
    table.setflags(write=False)
    return table
