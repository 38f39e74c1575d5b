from __future__ import annotations

import math
from datetime import timedelta

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.accounts.features import (
    ACCOUNT_FEATURES,
    RERUN_MIN_GAP_H,
    online_account_features,
)
from tests.conftest import signal_row


def _by_request(table: pa.Table) -> dict[str, dict[str, float]]:
    return {r["request_id"]: r for r in table.to_pylist()}


def test_features_are_cumulative_per_account(make_signals) -> None:
    rows = [
        signal_row("a", 0, "a1", p_cot=0.9, template_hash=7),
        signal_row("b", 1, "b1", template_hash=7),
        signal_row("a", 2, "a2", p_cot=0.1, template_hash=7, n_turns=5),
        signal_row("a", 3, "a3", p_rubric=0.5, template_hash=8, topic=2),
    ]
    out = _by_request(online_account_features(make_signals(rows)))
    assert set(ACCOUNT_FEATURES) <= set(out["a1"])
    assert out["a1"]["n"] == 1 and out["a2"]["n"] == 2 and out["a3"]["n"] == 3
    assert out["b1"]["n"] == 1
    assert math.isclose(out["a2"]["cot_share"], 0.5, rel_tol=1e-6)
    assert math.isclose(out["a3"]["harvest_mass"], 1.5, rel_tol=1e-6)
    assert math.isclose(out["a2"]["template_top_share"], 1.0)
    assert math.isclose(out["a3"]["template_top_share"], 2 / 3)
    assert out["a3"]["distinct_templates"] == 2
    assert out["a3"]["distinct_topics"] == 2
    assert math.isclose(out["a2"]["single_turn_share"], 0.5)


def test_no_feature_sees_later_events(make_signals) -> None:
    early = [signal_row("a", i * 7, f"a{i}", p_cot=(i % 3) / 3) for i in range(20)]
    late = [signal_row("a", 1000 + i, f"z{i}", p_cot=1.0, template_hash=1) for i in range(20)]
    alone = _by_request(online_account_features(make_signals(early)))
    both = _by_request(online_account_features(make_signals(early + late)))
    for rid, row in alone.items():
        for name in ACCOUNT_FEATURES:
            a, b = row[name], both[rid][name]
            assert (a is None and b is None) or math.isclose(a, b, rel_tol=1e-9), (rid, name)


def test_diurnal_entropy_matches_direct_formula(make_signals) -> None:
    hours = [0, 0, 5, 9, 9, 9, 23]
    rows = [signal_row("a", h * 60 + i, f"r{i}") for i, h in enumerate(hours)]
    out = online_account_features(make_signals(rows)).to_pylist()
    counts = [2, 1, 3, 1]
    n = sum(counts)
    expected = -sum(c / n * math.log(c / n) for c in counts)
    assert math.isclose(out[-1]["diurnal_entropy"], expected, rel_tol=1e-9)


def test_account_age_joined_from_accounts(make_signals) -> None:
    from distillguard.events.schema import ACCOUNT_SCHEMA
    from tests.conftest import T0

    accounts = pa.Table.from_pylist(
        [{"account_id": "a", "created_at": T0.replace(hour=0), "allowlist": None}],
        schema=ACCOUNT_SCHEMA,
    )
    rows = [signal_row("a", 120, "a1"), signal_row("b", 5, "b1")]
    out = _by_request(online_account_features(make_signals(rows), accounts))
    assert math.isclose(out["a1"]["age_at_first_use_h"], 2.0)
    assert out["b1"]["age_at_first_use_h"] is None


_REQUEST = st.tuples(
    st.sampled_from("abc"),  # account
    st.integers(0, 3 * 24 * 60),  # minute
    st.integers(0, 2),  # template
    st.sampled_from(["m-1", "m-2"]),  # model
    st.integers(0, 2),  # exact prompt
    st.integers(0, 3),  # topic
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_REQUEST, min_size=1, max_size=40))
def test_per_key_features_count_each_accounts_own_pairs_so_far(
    requests: list[tuple[str, int, int, str, int, int]],
) -> None:
    # Accounts interleave and share keys; every count is of the row's own account only.
    rows = [
        signal_row(a, minute, f"r{i:02d}", template_hash=t, model=m, prompt_hash=q, topic=topic)
        for i, (a, minute, t, m, q, topic) in enumerate(requests)
    ]
    out = {
        r["request_id"]: r for r in online_account_features(pa.Table.from_pylist(rows)).to_pylist()
    }
    seen: dict[str, list[dict[str, object]]] = {}
    for row in sorted(rows, key=lambda r: (r["account_id"], r["ts"], r["request_id"])):
        before = seen.setdefault(row["account_id"], [])
        before.append(row)
        n = len(before)

        def top(column: str, rows: list[dict[str, object]] = before) -> int:
            values = [r[column] for r in rows]
            return max(values.count(v) for v in values)

        reruns, last_send = 0, {}  # a re-run: the same exact prompt, its last send 6 h ago
        for r in before:
            last = last_send.get(r["prompt_hash"])
            reruns += last is not None and r["ts"] - last >= timedelta(hours=RERUN_MIN_GAP_H)
            last_send[r["prompt_hash"]] = r["ts"]
        got = out[row["request_id"]]
        assert got["n"] == n
        assert math.isclose(got["template_top_share"], top("template_hash") / n)
        assert got["distinct_templates"] == len({r["template_hash"] for r in before})
        assert got["distinct_topics"] == len({r["topic"] for r in before})
        assert math.isclose(got["model_top_share"], top("model") / n)
        hours = [r["ts"].replace(minute=0, second=0, microsecond=0) for r in before]
        assert got["peak_hour_events"] == max(hours.count(h) for h in hours)
        assert math.isclose(got["rerun_share"], reruns / n)
