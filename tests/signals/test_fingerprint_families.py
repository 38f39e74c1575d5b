"""Template fingerprints on generated paraphrase families with real payloads (needs corpora).

The full measurement (50 families x 20 members, 2000 unrelated prompts) is in
docs/signals.md; this is a smaller draw with bars below the measured rates.
"""

from __future__ import annotations

import pytest

from tests.signals.families import CORPORA, measure

pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason="public corpora not available")


def test_exact_wrappers_collide_and_unrelated_prompts_do_not() -> None:
    r = measure(n_families=25, members=8, edits=0, n_unrelated=600, seed=1)
    assert r["band_recall"] >= 0.97
    assert r["band_precision"] >= 0.85
    assert r["unrelated_pair_collision_rate"] <= 1e-3


def test_paraphrased_wrappers_still_collide() -> None:
    r = measure(n_families=25, members=8, edits=2, n_unrelated=600, seed=2)
    assert r["band_recall"] >= 0.85
    assert r["band_precision"] >= 0.8
