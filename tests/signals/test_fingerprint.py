"""Keyed fingerprints: SipHash correctness, keying, exact template hash and LSH bands."""

from __future__ import annotations

import numpy as np
import pytest

from distillguard.signals.fingerprint import (
    DEFAULT_PASSPHRASE,
    ENV_VAR,
    FingerprintKey,
    siphash24,
)
from distillguard.signals.schema import LSH_BANDS
from tests.signals.signals_testkit import KEY, OTHER_KEY, share_band, texts

_M = (1 << 64) - 1


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _M


def reference_siphash24(key: bytes, msg: bytes) -> int:
    """Byte-level SipHash-2-4 straight from the paper (Aumasson & Bernstein, 2012)."""
    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261,
         k1 ^ 0x7465646279746573]  # fmt: skip

    def rounds(n: int) -> None:
        for _ in range(n):
            v[0] = (v[0] + v[1]) & _M
            v[1] = _rotl(v[1], 13) ^ v[0]
            v[0] = _rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & _M
            v[3] = _rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & _M
            v[3] = _rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & _M
            v[1] = _rotl(v[1], 17) ^ v[2]
            v[2] = _rotl(v[2], 32)

    full = len(msg) // 8 * 8
    blocks = [int.from_bytes(msg[i : i + 8], "little") for i in range(0, full, 8)]
    blocks.append(((len(msg) & 0xFF) << 56) | int.from_bytes(msg[full:], "little"))
    for m in blocks:
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def test_reference_matches_published_vectors() -> None:
    key = bytes(range(16))
    assert reference_siphash24(key, b"") == 0x726FDB47DD0E0E31
    assert reference_siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5


@pytest.mark.parametrize("n_words", [0, 1, 2, 5])
def test_kernel_siphash_matches_reference(n_words: int) -> None:
    key = bytes(range(16))
    msg = bytes((7 * i + 3) % 256 for i in range(8 * n_words))
    words = np.frombuffer(msg, dtype="<u8").copy() if n_words else np.zeros(1, np.uint64)
    k0 = np.uint64(int.from_bytes(key[:8], "little"))
    k1 = np.uint64(int.from_bytes(key[8:], "little"))
    assert int(siphash24(k0, k1, words, n_words)) == reference_siphash24(key, msg)


def test_key_from_env_and_defaults() -> None:
    assert FingerprintKey.from_env({}).is_default
    assert (
        FingerprintKey.from_env({}).secret
        == FingerprintKey.from_passphrase(DEFAULT_PASSPHRASE).secret
    )
    shared = FingerprintKey.from_env({ENV_VAR: "consortium passphrase 2026"})
    assert not shared.is_default
    assert shared.secret == FingerprintKey.from_passphrase("consortium passphrase 2026").secret
    with pytest.raises(ValueError, match="at least 16"):
        FingerprintKey.from_env({ENV_VAR: "short"})
    with pytest.raises(ValueError, match="16 bytes"):
        FingerprintKey(secret=b"x", source="test")
    assert "secret" not in repr(shared)


def test_different_key_gives_different_hashes() -> None:
    prompts = ["Solve step by step: what is 2 + 2?", "Write a poem about the sea."]
    a, b = texts(prompts, KEY), texts(prompts, OTHER_KEY)
    assert np.all(a.template_hash != b.template_hash)
    assert not np.any(a.lsh_bands == b.lsh_bands)
    again = texts(prompts, KEY)
    assert np.array_equal(a.template_hash, again.template_hash)
    assert np.array_equal(a.lsh_bands, again.lsh_bands)


def test_template_hash_ignores_slot_values() -> None:
    sig = texts(
        [
            'Translate "good morning" into French, keep 3 variants.',
            'Translate "where is the station" into French, keep 12 variants.',
            'Explain "good morning" in French, keep 3 variants.',
        ]
    )
    assert sig.template_hash[0] == sig.template_hash[1]
    assert sig.template_hash[0] != sig.template_hash[2]  # another instruction
    assert np.array_equal(sig.lsh_bands[0], sig.lsh_bands[1])


def test_empty_prompt_has_no_fingerprint() -> None:
    sig = texts(["", "   \n "])
    assert np.all(sig.template_hash == 0)
    assert np.all(sig.lsh_bands == 0)
    assert sig.lsh_bands.shape == (2, LSH_BANDS)


FAMILIES = [
    [
        "Solve the following problem step by step and show all of your reasoning. {p}",
        "Please solve the following problem step by step and show all your reasoning. {p}",
        "Solve the following problem step-by-step, showing all of your reasoning: {p}",
        "Hi! Solve the following problem step by step and show all of your reasoning. {p}",
    ],
    [
        "{p}\n\nBefore answering, list the assumptions you are making, then rate your answer.",
        "{p}\n\nBefore you answer, list the assumptions you are making, then rate your answer.",
        "{p}\n\nBefore answering, list all the assumptions you are making, then rate the answer.",
        "{p}\nBefore answering, list the assumptions you are making and then rate your answer!",
    ],
]
PAYLOADS = [
    "a farmer has some sheep and buys more at the market, how many does he own now",
    "how long does it take light from the sun to reach the earth on average",
    "what is the capital of the country with the largest population in africa",
    "write a short limerick about a cat who learns to play the piano at night",
]
UNRELATED = [
    "What are good exercises for lower back pain?",
    "How do I reset my router password?",
    "Recommend three science fiction novels for a teenager.",
    "Why is the sky blue during the day but red at sunset?",
    "Can you help me plan a budget for a trip to Japan?",
    "What is the difference between a virus and a bacterium?",
    "Write a cover letter for a junior accountant position.",
    "How many calories should an adult eat per day?",
]


def _pair_rates(prompts: list[str], family: list[int]) -> tuple[float, int]:
    bands = texts(prompts).lsh_bands
    pairs = [(i, j) for i in range(len(prompts)) for j in range(i + 1, len(prompts))]
    same = [share_band(bands, i, j) for i, j in pairs if family[i] == family[j]]
    different = [share_band(bands, i, j) for i, j in pairs if family[i] != family[j]]
    return sum(same) / len(same), sum(different)


def test_same_wrapper_with_other_payloads_shares_a_band() -> None:
    members = [(f, fam[0].replace("{p}", p)) for f, fam in enumerate(FAMILIES) for p in PAYLOADS]
    prompts = [t for _, t in members] + UNRELATED
    family = [f for f, _ in members] + [-1 - i for i in range(len(UNRELATED))]
    recall, false_pairs = _pair_rates(prompts, family)
    assert recall == 1.0
    assert false_pairs == 0


def test_paraphrased_wrappers_mostly_share_a_band() -> None:
    members = [(f, t.replace("{p}", p)) for f, fam in enumerate(FAMILIES)
               for t, p in zip(fam, PAYLOADS, strict=True)]  # fmt: skip
    prompts = [t for _, t in members] + UNRELATED
    family = [f for f, _ in members] + [-1 - i for i in range(len(UNRELATED))]
    recall, false_pairs = _pair_rates(prompts, family)
    # a short wrapper next to a different payload: about half of the shingles differ
    assert recall >= 0.5
    assert false_pairs == 0
