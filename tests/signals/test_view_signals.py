"""The prompt view gives exactly the signals of the full event batch."""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillguard.engine.stages import SCAN_COLUMNS, parse_and_signal, scan_signals
from distillguard.events.chunks import LineChunk
from distillguard.events.event_batch import events_batch, prompt_view_batch
from distillguard.events.event_record import event_row
from distillguard.events.schema import PROMPT_VIEW_SCHEMA
from distillguard.signals import compute_signals, compute_view_signals
from tests.events.events_testkit import event
from tests.signals.signals_testkit import KEY


def _rows(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [event_row(r) for r in records]


def _same_signals(records: list[dict[str, Any]]) -> None:
    rows = _rows(records)
    full = compute_signals(events_batch(rows), KEY)
    assert compute_view_signals(prompt_view_batch(rows), KEY).equals(full)


def test_view_picks_the_scored_turns() -> None:
    messages = [
        {"role": "developer", "content": "first system"},
        {"role": "user", "content": "early question"},
        {"role": "assistant", "content": "an answer"},
        {"role": "system", "content": "second system"},
        {"role": "user", "content": "last question"},
        {"role": "tool", "content": "tool output"},
    ]
    records = [
        event(0, messages=messages),
        event(1, messages=[{"role": "assistant", "content": "no user, no system"}]),
        event(2, messages=[{"role": "user", "content": ""}, {"role": "user", "content": "x"}]),
    ]
    view = prompt_view_batch(_rows(records))
    assert view.schema.equals(PROMPT_VIEW_SCHEMA)
    assert view.column("prompt").to_pylist() == ["last question", "", "x"]
    assert view.column("system").to_pylist() == ["first system", "", ""]
    assert view.column("n_turns").to_pylist() == [6, 1, 2]
    assert "response" not in view.schema.names and "messages" not in view.schema.names
    _same_signals(records)


def test_empty_view() -> None:
    assert compute_view_signals(prompt_view_batch([]), KEY).equals(
        compute_signals(events_batch([]), KEY)
    )


def test_view_schema_is_checked() -> None:
    view = prompt_view_batch(_rows([event(0)]))
    with pytest.raises(ValueError, match="PROMPT_VIEW_SCHEMA batch: missing column 'prompt'"):
        compute_view_signals(view.drop_columns(["prompt"]), KEY)
    with pytest.raises(ValueError, match="EVENT_SCHEMA batch"):
        compute_signals(view, KEY)
    with pytest.raises(TypeError, match=r"compute_view_signals needs a pyarrow\.RecordBatch"):
        compute_view_signals(pa.Table.from_batches([view]), KEY)  # type: ignore[arg-type]


_TEXT = st.text(
    alphabet=st.sampled_from(list(' \n"`{}0123456789ЖжÉé中文かStep by step JSON reason')),
    max_size=60,
)
_MESSAGE = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["user", "assistant", "system", "developer", "tool", "function"]),
        "content": _TEXT,
    }
)
_RECORD = st.builds(
    lambda i, messages, tools, ip: event(i, messages=messages, tools=tools, ip=ip),
    st.integers(0, 500),
    st.lists(_MESSAGE, min_size=1, max_size=5),
    st.one_of(st.none(), st.lists(st.sampled_from(["search", "calc", "run_code"]), max_size=3)),
    st.one_of(st.none(), st.sampled_from(["1.2.3.4", "::1", "2001:db8::7"])),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_RECORD, min_size=1, max_size=6))
def test_view_signals_equal_full_signals(records: list[dict[str, Any]]) -> None:
    _same_signals(records)


def test_scan_stage_equals_full_stage_on_a_mixed_chunk() -> None:
    lines = [
        orjson.dumps(event(0)),
        b"{not json",
        orjson.dumps(
            event(1, messages=[{"role": "user", "content": [{"type": "text", "text": "a"}]}])
        ),
        b"",
        orjson.dumps(event(2, model=None)),
        orjson.dumps(
            event(3, extra={"k": 1}, tools=[{"type": "function", "function": {"name": "f"}}])
        ),
    ]
    chunk = LineChunk("mem.jsonl", "jsonl", 1, b"\n".join(lines) + b"\n")
    full, scanned = parse_and_signal(chunk), scan_signals(chunk)
    assert scanned.batch.num_rows == 3
    assert scanned.batch.equals(full.batch.select(SCAN_COLUMNS))
    assert scanned.tally == full.tally and (scanned.digests == full.digests).all()
