from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.events.dedup import SeenDigests, digests


def test_digests_are_stable_64_bit_values() -> None:
    out = digests(["req-1", "req-2", "req-1"])
    assert out.dtype == np.uint64
    assert out[0] == out[2] != out[1]
    assert digests([]).shape == (0,)


def test_first_seen_across_and_within_batches() -> None:
    seen = SeenDigests()
    batch = np.array([5, 3, 5, 9], dtype=np.uint64)
    assert seen.first_seen(batch).tolist() == [True, True, False, True]
    assert seen.first_seen(np.array([9, 1, 1], dtype=np.uint64)).tolist() == [False, True, False]
    assert len(seen) == 4


@settings(max_examples=80, deadline=None)
@given(
    batches=st.lists(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 40), max_size=30)),
)
def test_first_seen_matches_a_plain_set(batches: list[list[int]]) -> None:
    seen = SeenDigests()
    reference: set[int] = set()
    for batch in batches:
        expected = []
        for value in batch:
            expected.append(value not in reference)
            reference.add(value)
        assert seen.first_seen(np.array(batch, dtype=np.uint64)).tolist() == expected
    assert len(seen) == len(reference)


def test_many_batches_grow_the_table_and_match_a_plain_set() -> None:
    rng = np.random.default_rng(3)
    seen = SeenDigests(capacity=4)
    reference: set[int] = set()
    for size in rng.integers(0, 400, 300):
        batch = rng.integers(0, 20_000, size, dtype=np.uint64)
        expected = []
        for value in batch.tolist():
            expected.append(value not in reference)
            reference.add(value)
        assert seen.first_seen(batch).tolist() == expected
    assert len(seen) == len(reference)
    # Grown by doubling before a batch (under 400 ids) could pass the load limit, so at most
    # twice what the ids seen plus one batch need.
    assert len(reference) <= SeenDigests.MAX_LOAD * len(seen._slots) < 2 * (len(reference) + 400)


def test_digest_zero_and_colliding_slots_are_told_apart() -> None:
    seen = SeenDigests(capacity=8)
    # All land in slot 0 of an 8-slot table; 0 is the empty-slot value, kept in a flag.
    batch = np.array([0, 8, 16, 0, 24, 8], dtype=np.uint64)
    assert seen.first_seen(batch).tolist() == [True, True, True, False, True, False]
    assert len(seen) == 4
    assert seen.first_seen(np.array([16, 32, 0], dtype=np.uint64)).tolist() == [False, True, False]


def test_capacity_must_be_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        SeenDigests(capacity=6)
