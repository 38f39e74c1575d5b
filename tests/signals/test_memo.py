"""The per-text memo returns what a fresh computation gives, computing only unseen texts."""

from __future__ import annotations

import numpy as np
import pytest

from distillguard.signals import compute, compute_signals
from distillguard.signals.memo import Columns, RowMemo
from tests.signals.signals_testkit import KEY, batch, event


class _Lengths:
    """A per-text computation (length, and the text's characters as a 2-wide row) that
    records which texts it was asked for."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.asked: list[str] = []

    def __call__(self, miss: np.ndarray) -> Columns:
        asked = [self.texts[i] for i in miss]
        self.asked.extend(asked)
        return {
            "n": np.array([len(t) for t in asked], dtype=np.int64),
            "pair": np.array(
                [[ord(t[0]) if t else 0, len(t) * 2] for t in asked], dtype=np.int64
            ).reshape(-1, 2),
        }


def _expected(texts: list[str]) -> Columns:
    return _Lengths(texts)(np.arange(len(texts)))


def _rows(memo: RowMemo, texts: list[str]) -> tuple[Columns, list[str]]:
    fn = _Lengths(texts)
    return memo.rows(texts, fn), fn.asked


def _equal(a: Columns, b: Columns) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].dtype == b[name].dtype
        np.testing.assert_array_equal(a[name], b[name])


def test_only_unseen_texts_are_computed() -> None:
    memo = RowMemo(10)
    first, asked = _rows(memo, ["ab", "c", "def"])
    assert asked == ["ab", "c", "def"]
    _equal(first, _expected(["ab", "c", "def"]))
    mixed = ["def", "new", "ab", "", "new2"]
    got, asked = _rows(memo, mixed)
    assert asked == ["new", "", "new2"]
    _equal(got, _expected(mixed))
    got, asked = _rows(memo, ["c", "ab"])
    assert asked == []
    _equal(got, _expected(["c", "ab"]))


def test_a_full_memo_starts_over_and_stays_correct() -> None:
    memo = RowMemo(4)
    _rows(memo, ["a", "bb", "ccc"])
    got, asked = _rows(memo, ["a", "dddd", "eeeee"])  # 3 + 2 rows exceed 4: cleared first
    assert asked == ["dddd", "eeeee"]
    _equal(got, _expected(["a", "dddd", "eeeee"]))
    assert len(memo) == 2
    got, asked = _rows(memo, ["a", "eeeee", "dddd"])
    assert asked == ["a"]
    _equal(got, _expected(["a", "eeeee", "dddd"]))
    many = [f"t{i}" for i in range(9)]  # more than the capacity at once
    got, asked = _rows(memo, many)
    _equal(got, _expected(many))
    assert len(memo) == 4


def test_a_text_repeated_in_one_call_does_not_corrupt_later_rows() -> None:
    memo = RowMemo(8)
    _rows(memo, ["x", "x", "yy"])
    _rows(memo, ["zzz", "wwww"])
    got, asked = _rows(memo, ["yy", "x", "zzz", "wwww"])
    assert asked == []
    _equal(got, _expected(["yy", "x", "zzz", "wwww"]))


def test_clear_forgets_every_text() -> None:
    memo = RowMemo(8)
    _rows(memo, ["a", "bb"])
    memo.clear()
    assert len(memo) == 0
    got, asked = _rows(memo, ["bb", "a", "ccc"])
    assert asked == ["bb", "a", "ccc"]
    _equal(got, _expected(["bb", "a", "ccc"]))


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        RowMemo(0)


def test_signals_do_not_depend_on_what_the_memo_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = ["Explain step by step: 17 * 23?", "Grade this answer 1-10: 42", "hi", ""]
    first = batch([event(i, p) for i, p in enumerate(prompts)])
    second = batch([event(10 + i, p) for i, p in enumerate(["new prompt", *prompts[::-1]])])

    compute.clear_memos()
    alone = compute_signals(second, KEY)
    compute.clear_memos()
    compute_signals(first, KEY)
    after = compute_signals(second, KEY)  # all but one text now come from the memo
    assert after.equals(alone)
    compute.clear_memos()
    monkeypatch.setattr(compute, "_INTENT_MEMO", RowMemo(2))  # cleared within the batch
    assert compute_signals(second, KEY).equals(alone)
