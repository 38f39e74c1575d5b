from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from distillguard.accounts.runs import pair_runs


@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.one_of(st.none(), st.integers(0, 3)), st.booleans()),
        max_size=60,
    )
)
def test_pair_runs_count_sum_and_recall_each_accounts_own_pair_so_far(
    requests: list[tuple[int, int | None, bool]],
) -> None:
    # (account, key, classified) in time order; rows come sorted by (account, time), as both
    # callers pass them, and accounts share keys.
    rows = sorted(
        ({"seq": i, "acct": a, "key": k, "h": h} for i, (a, k, h) in enumerate(requests)),
        key=lambda r: (r["acct"], r["seq"]),
    )
    frame = pl.DataFrame(
        rows, schema={"seq": pl.UInt32, "acct": pl.UInt32, "key": pl.Int64, "h": pl.Boolean}
    )
    got = pair_runs(frame, "acct", "key", sums=["h"], previous=["seq"])
    n: dict[tuple[object, object], int] = {}
    hits: dict[tuple[object, object], int] = {}
    last: dict[tuple[object, object], int] = {}
    expected: list[tuple[int, int, int | None]] = []
    for r in rows:
        pair = (r["acct"], r["key"])  # a null key is one key
        n[pair] = n.get(pair, 0) + 1
        hits[pair] = hits.get(pair, 0) + int(r["h"])
        expected.append((n[pair], hits[pair], last.get(pair)))
        last[pair] = r["seq"]
    assert list(zip(got["count"], got["h"], got["previous_seq"], strict=True)) == expected
