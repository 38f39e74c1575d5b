"""The typed fast path accepts only what the general path accepts, with the same row."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillguard.events.chunk_parser import _event_row, parse_chunk, parse_records
from distillguard.events.chunks import LineChunk
from distillguard.events.errors import EventError
from distillguard.events.event_record import KNOWN_FIELDS, event_row
from distillguard.events.typed_decode import typed_row
from tests.events.events_testkit import event

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Values at the edges of what either path accepts are drawn as often as arbitrary ones.
EDGES = [
    *["", " ", "\t", "user", "system", "AS13335", "10.0.0.1", "::1", "2025-03-01T10:00:00Z"],
    *[0, -1, 2**32, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63) - 1, None, True, 1.0, [], {}],
]
PATHS = sorted(KNOWN_FIELDS | {"usage.prompt_tokens", "messages.0.role", "messages.0.content", "x"})
json_values = st.recursive(
    st.sampled_from(EDGES)
    | st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
fields = st.sampled_from(PATHS)


def _line(record: dict[str, Any]) -> bytes:
    """JSON text of a record; stdlib ``json`` also writes integers beyond 64 bits."""
    return json.dumps(record, ensure_ascii=False).encode()


def _general(line: bytes) -> tuple[Any, ...] | str:
    """The general path's row, or the reason it rejects the line."""
    try:
        obj = orjson.loads(line)
        if type(obj) is not dict:
            return "rejected: not an object"
        return event_row(obj)
    except (EventError, orjson.JSONDecodeError) as exc:
        return f"rejected: {exc}"


def _agrees(line: bytes) -> bool:
    """Whether the fast path took ``line``; when it did, its row is the general path's."""
    fast = typed_row(line)
    if fast is not None:
        assert fast == _general(line), line
    return fast is not None


def _set(record: dict[str, Any], path: str, value: Any) -> None:
    """Set (or, for ``...``, remove) a possibly nested field such as ``messages.0.role``;
    a path through a value an earlier change made scalar is left alone."""
    parts = path.split(".")
    target: Any = record
    for depth, part in enumerate(parts):
        if isinstance(target, list) and part.isdigit() and int(part) < len(target):
            key: Any = int(part)
        elif isinstance(target, dict):
            key = part
        else:
            return
        if depth == len(parts) - 1:
            break
        target = target.setdefault(key, {}) if isinstance(target, dict) else target[key]
    if value is ...:
        target.pop(key) if isinstance(target, list) else target.pop(key, None)
    else:
        target[key] = value


@SETTINGS
@given(
    st.lists(st.tuples(fields, json_values | st.just(...)), max_size=3),
    st.integers(0, 10_000),
)
def test_fast_row_is_the_general_row_whenever_given(changes: list[tuple[str, Any]], i: int) -> None:
    record = event(i)
    for path, value in changes:
        _set(record, path, value)
    _agrees(_line(record))


def test_every_edge_value_in_every_field_gives_the_general_row_or_none() -> None:
    taken = 0
    for path in PATHS:
        for value in [*EDGES, ...]:
            record = event(1)
            _set(record, path, value)
            taken += _agrees(_line(record))
    assert taken > len(PATHS)  # the fast path is exercised, not merely declined


@pytest.mark.parametrize(
    "record",
    [
        event(3),
        event(4, usage=..., ip=..., asn=..., status=...),
        event(5, asn="as64500", status="ok", tools=[{"name": "search"}, "calc"]),
        event(6, ip="2001:DB8::1", messages=[{"role": "developer", "content": "x", "name": "n"}]),
    ],
)
def test_common_shapes_take_the_fast_path(record: dict[str, Any]) -> None:
    assert _agrees(_line(record))


@pytest.mark.parametrize(
    "line",
    [
        _line(event(1, region="eu")),  # unknown field: kept in extra
        _line(event(1, extra={"a": 1})),
        _line(event(1, usage={"prompt_tokens": 1, "completion_tokens": 2})),
        _line(event(1, status=2**64)),  # a float to orjson: rejected there
        _line(event(1, request_id=" ")),
        _line(event(1, messages=[{"role": "user", "content": [{"type": "text", "text": "a"}]}])),
        _line(event(1, messages=[{"role": "robot", "content": "a"}])),
        _line(event(1, ip="not an ip")),
        _line(event(1, ts="2025-03-01")),
        _line(event(1, prompt_tokens=3, usage=...)),
        b'{"ts": "2025-03-01T10:00:00Z", "request_id": "\xff"}',
        b"",
        b"[1]",
    ],
)
def test_other_lines_go_the_general_way(line: bytes) -> None:
    assert typed_row(line) is None


def test_parse_chunk_equals_the_general_path_alone() -> None:
    lines = [
        _line(event(1)),
        _line(event(2, region="eu")),
        b"{broken",
        b"",
        _line(event(3, status=True)),
        _line(event(4, messages=[{"role": "user", "content": None}])),
        _line(event(5)),
    ]
    chunk = LineChunk("mem.jsonl", "jsonl", 1, b"\n".join(lines) + b"\n")
    general_rows, general_tally = parse_records(chunk, _event_row)
    parsed = parse_chunk(chunk)
    assert parsed.tally == general_tally
    assert [r.line for r in general_tally.rejects] == [3, 5, 6]
    assert parsed.batch.num_rows == len(general_rows) == 3
    assert parsed.batch.column("request_id").to_pylist() == ["req-1", "req-2", "req-5"]
    assert parsed.batch.column("extra").to_pylist() == [None, '{"region":"eu"}', None]
