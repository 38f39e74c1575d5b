"""compute_signals: schema, row order, message extraction, and batch == single request."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillguard.events.schema import EVENT_SCHEMA
from distillguard.signals import RequestSignals, compute_signals, signals_for_request
from distillguard.signals.compute import signals_to_row
from distillguard.signals.fingerprint import ENV_VAR
from distillguard.signals.schema import INTENT_SCORE_COLUMNS, INTENTS, SIGNAL_SCHEMA
from tests.signals.signals_testkit import KEY, OTHER_KEY, batch, event

ROWS = [
    event(0, "Solve step by step: 12 apples minus 5 apples?"),
    event(
        1,
        messages=[
            {"role": "system", "content": "You are a helpful bot. Today is 2026-03-01."},
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "an answer"},
            {"role": "system", "content": "A second system message is ignored."},
            {"role": "user", "content": "Ответь в формате JSON, пожалуйста."},
        ],
        tools=["search", "calculator"],
        ip="2001:db8:1:2::5",
    ),
    event(2, messages=[{"role": "assistant", "content": "no user turn"}], tools=[], ip=None),
    event(3, messages=[], ip="bad ip", session_id="s-1", asn="AS64500"),
    event(4, messages=[{"role": "user", "content": None}], reasoning_tokens=7),
    event(5, "请尽可能详细地解释光合作用。", user_agent="sdk/2", tls_fingerprint="t1"),
]


def test_schema_rows_and_carried_columns() -> None:
    events = batch(ROWS)
    out = compute_signals(events, KEY)
    assert out.schema.equals(SIGNAL_SCHEMA)
    assert out.num_rows == len(ROWS)
    for name in ("ts", "request_id", "account_id", "model", "ip", "asn", "session_id",
                 "user_agent", "tls_fingerprint", "status", "prompt_tokens",
                 "reasoning_tokens"):  # fmt: skip
        assert out.column(name).equals(events.column(name)), name
    assert set(out.column("intent").to_pylist()) <= set(INTENTS)


def test_message_derived_columns() -> None:
    out = compute_signals(batch(ROWS), KEY).to_pydict()
    assert out["n_turns"] == [1, 5, 1, 0, 1, 1]
    assert out["prompt_chars"] == [len(ROWS[0]["messages"][0]["content"]), 34, 0, 0, 0, 14]
    assert out["lang"] == ["en", "ru", "other", "other", "other", "zh"]
    assert out["format_req"] == ["steps", "json", "none", "none", "none", "none"]
    assert out["output_max"] == [False, False, False, False, False, True]
    assert out["system_hash"][0] == 0 and out["system_hash"][1] != 0
    assert out["template_hash"][2:5] == [0, 0, 0]
    assert out["n_tools"] == [0, 2, 0, 0, 0, 0]
    assert out["tools_hash"][1] != 0 and out["tools_hash"][2] == 0
    assert out["net_prefix"][:4] == ["203.0.113.0/24", "2001:db8:1::/48", None, None]


def test_system_hash_ignores_dates_but_not_instructions() -> None:
    def with_system(i: int, system: str) -> dict[str, Any]:
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": "hi"}]
        return event(i, messages=msgs)

    out = compute_signals(
        batch(
            [
                with_system(0, "You are a helpful bot. Today is 2026-03-01."),
                with_system(1, "You are a helpful bot. Today is 2026-04-17."),
                with_system(2, "You are a grumpy bot. Today is 2026-03-01."),
            ]
        ),
        KEY,
    ).column("system_hash")
    assert out[0] == out[1] != out[2]


def test_sliced_batch_matches_full_batch() -> None:
    events = batch(ROWS)
    full = compute_signals(events, KEY)
    assert compute_signals(events.slice(1, 4), KEY).equals(full.slice(1, 4))


def test_empty_batch() -> None:
    out = compute_signals(batch([]), KEY)
    assert out.num_rows == 0
    assert out.schema.equals(SIGNAL_SCHEMA)


def test_bad_input_is_refused() -> None:
    with pytest.raises(TypeError, match="RecordBatch"):
        compute_signals(pa.Table.from_batches([batch(ROWS)]), KEY)  # type: ignore[arg-type]
    missing = batch(ROWS).drop_columns(["messages"])
    with pytest.raises(ValueError, match="missing column 'messages'"):
        compute_signals(missing, KEY)
    wrong = batch(ROWS).set_column(
        EVENT_SCHEMA.get_field_index("ip"), "ip", pa.array([1] * len(ROWS))
    )
    with pytest.raises(ValueError, match="column 'ip' is int64"):
        compute_signals(wrong, KEY)
    with pytest.raises(ValueError, match="lacks required fields"):
        signals_for_request({"messages": []}, KEY)
    with pytest.raises(ValueError, match="messages must be a list"):
        signals_for_request(event(0, messages="hello"), KEY)


def test_key_comes_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "signals test passphrase 2")
    from_env = compute_signals(batch(ROWS[:1])).column("template_hash")
    assert from_env.equals(compute_signals(batch(ROWS[:1]), OTHER_KEY).column("template_hash"))
    assert not from_env.equals(compute_signals(batch(ROWS[:1]), KEY).column("template_hash"))


def _assert_same(rows: list[dict[str, Any]]) -> None:
    """Every column identical; intent probabilities to float32 rounding, because the intent
    model's numpy arithmetic (vectorised exp) may round the last bit differently for a
    batch than for one text."""
    out = compute_signals(batch(rows), KEY).to_pylist()
    for row, expected in zip(rows, out, strict=True):
        single = signals_for_request(row, KEY)
        assert isinstance(single, RequestSignals)
        got = signals_to_row(single)
        for name in INTENT_SCORE_COLUMNS:
            assert got.pop(name) == pytest.approx(expected.pop(name), rel=1e-6, abs=1e-7)
        assert got == expected


def test_batch_equals_single_request() -> None:
    _assert_same(ROWS)


_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(list(' \n\n"“”«»「」`````@.:-0123456789ЖжÉé中文かなStep by step JSON')),
    ),
    max_size=120,
)
_MESSAGE = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["user", "assistant", "system", "tool"]),
        "content": st.one_of(st.none(), _TEXT),
    }
)
_EVENT = st.builds(
    lambda i, msgs, tools, ip: event(i, messages=msgs, tools=tools, ip=ip),
    st.integers(0, 1000),
    st.lists(_MESSAGE, max_size=4),
    st.one_of(st.none(), st.lists(st.sampled_from(["search", "calc", " ", "run_code"]))),
    st.one_of(st.none(), st.sampled_from(["1.2.3.4", "::1", "x", "::ffff:5.6.7.8"])),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_EVENT, min_size=1, max_size=5))
def test_batch_equals_single_request_on_generated_events(rows: list[dict[str, Any]]) -> None:
    _assert_same(rows)


def test_bands_are_fixed_size_lists() -> None:
    out = compute_signals(batch(ROWS), KEY)
    bands = np.array(out.column("lsh_bands").to_pylist(), dtype=np.uint64)
    assert bands.shape == (len(ROWS), 16)
    assert np.all(bands[0] != 0) and np.all(bands[2] == 0)
