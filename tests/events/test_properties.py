"""Property tests: whatever the input, every line is accounted for and nothing escapes."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from distillguard.events import EventError, parse_event
from distillguard.events.event_record import KNOWN_FIELDS, ROLES
from distillguard.events.openai_pairs import is_pair, pair_to_event
from distillguard.events.sources import GZIP_MAGIC, PARQUET_MAGIC, ZSTD_MAGIC
from tests.events.events_testkit import read_all, write_jsonl

UTF8_BOM = b"\xef\xbb\xbf"

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
names = st.text(min_size=1, max_size=12).filter(lambda s: not s.isspace())
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
times = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=offsets
)


def _rfc3339(moment: datetime) -> str:
    text = moment.isoformat()
    return text.replace("+00:00", "Z") if moment.utcoffset() == timedelta(0) else text


@st.composite
def valid_records(draw: st.DrawFn, i: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A valid v1 record and the values the reader must produce for it."""
    moment = draw(times)
    messages = draw(
        st.lists(
            st.fixed_dictionaries({"role": st.sampled_from(sorted(ROLES)), "content": st.text()}),
            min_size=1,
            max_size=4,
        )
    )
    record: dict[str, Any] = {
        "ts": _rfc3339(moment),
        "request_id": f"{draw(names)}#{i}",
        "account_id": draw(names),
        "model": draw(names),
        "messages": messages,
    }
    optional = {
        "response": st.text(),
        "reasoning": st.text(),
        "usage": st.fixed_dictionaries(
            {},
            optional={
                "prompt_tokens": st.integers(0, 2**63 - 1),
                "completion_tokens": st.integers(0, 10**6),
            },
        ),
        "session_id": names,
        "status": st.integers(100, 599),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            record[key] = draw(strategy)
    expected = {
        "ts": moment.astimezone(UTC).replace(microsecond=moment.microsecond),
        "request_id": record["request_id"],
        "account_id": record["account_id"],
        "messages": [{"role": ROLES[m["role"]], "content": m["content"]} for m in messages],
        "response": record.get("response"),
        "prompt_tokens": record.get("usage", {}).get("prompt_tokens"),
        "status": None if "status" not in record else str(record["status"]),
    }
    return record, expected


@st.composite
def valid_files(draw: st.DrawFn) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    size = draw(st.integers(0, 30))
    return [draw(valid_records(i)) for i in range(size)]


@SETTINGS
@given(
    records=valid_files(),
    compression=st.sampled_from([None, "gzip", "zstd"]),
    batch_size=st.integers(1, 40),
)
def test_every_valid_record_comes_back_exactly(
    records: list[tuple[dict[str, Any], dict[str, Any]]], compression: str | None, batch_size: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(Path(tmp) / "events.jsonl", [r for r, _ in records], compression)
        result = read_all([path], Path(tmp), batch_size=batch_size)
    rows = result.table.to_pylist()
    assert result.stats.quarantined == 0
    assert len(rows) == len(records)
    for row, (record, expected) in zip(rows, records, strict=True):
        assert {key: row[key] for key in expected} == expected
        assert row == parse_event(record)


def _mutations(record: dict[str, Any]) -> st.SearchStrategy[bytes]:
    text = orjson.dumps(record)
    keys = sorted(record)
    return st.one_of(
        st.just(text),
        st.sampled_from(keys).map(
            lambda k: orjson.dumps({x: v for x, v in record.items() if x != k})
        ),
        st.tuples(st.sampled_from([*keys, *sorted(KNOWN_FIELDS)]), json_values).map(
            lambda kv: orjson.dumps({**record, kv[0]: kv[1]})
        ),
        st.integers(0, len(text)).map(lambda n: text[:n]),
        st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
        json_values.map(orjson.dumps),
        st.sampled_from([b"", b"  ", b"\r"]),
    )


@st.composite
def messy_files(draw: st.DrawFn) -> list[bytes]:
    lines: list[bytes] = []
    for i in range(draw(st.integers(0, 25))):
        record, _ = draw(valid_records(i))
        lines.append(draw(_mutations(record)))
        if lines and draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(lines)))  # a repeat, often a duplicate request
    return lines


@SETTINGS
@given(lines=messy_files(), compression=st.sampled_from([None, "gzip"]))
def test_garbage_is_accounted_for_and_never_escapes(
    lines: list[bytes], compression: str | None
) -> None:
    # A plain file that starts with a compression or Parquet magic is (rightly) read as that
    # format, and one that starts with a byte order mark (rightly) loses it.
    magics = (GZIP_MAGIC, ZSTD_MAGIC, PARQUET_MAGIC, UTF8_BOM)
    assume(not (lines and lines[0].startswith(magics)))
    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(Path(tmp) / "events.jsonl", lines, compression)
        result = read_all([path], Path(tmp), batch_size=7)  # asserts the stats balance
    stats = result.stats
    assert stats.lines == len(lines)
    assert stats.blank == sum(1 for line in lines if not line.strip())
    assert sum(stats.reasons.values()) == stats.quarantined
    assert [q["line"] for q in result.quarantined] == sorted(
        {q["line"] for q in result.quarantined}
    )
    assert len(set(result.table.column("request_id").to_pylist())) == result.table.num_rows


@st.composite
def near_valid(draw: st.DrawFn) -> dict[str, Any]:
    """A valid record with a few fields (top-level or nested) replaced by arbitrary JSON."""
    record, _ = draw(valid_records(0))
    for _ in range(draw(st.integers(1, 3))):
        record[draw(st.sampled_from(sorted(KNOWN_FIELDS | {"other"})))] = draw(json_values)
    if draw(st.booleans()):
        role_or_json = st.sampled_from(sorted(ROLES)) | json_values
        message = st.dictionaries(st.sampled_from(["role", "content", "type"]), role_or_json)
        record["messages"] = draw(st.lists(message, max_size=3))
    if draw(st.booleans()):
        keys = st.sampled_from(["prompt_tokens", "reasoning_tokens", "completion_tokens_details"])
        record["usage"] = draw(st.dictionaries(keys, json_values | st.integers(-5, 5)))
    if draw(st.booleans()):
        record = {"request": record, "response": draw(json_values), "metadata": draw(json_values)}
    return record


@settings(max_examples=200, deadline=None)
@given(obj=near_valid() | st.dictionaries(st.sampled_from(sorted(KNOWN_FIELDS)), json_values))
def test_parse_event_raises_only_event_errors(obj: dict[str, Any]) -> None:
    try:
        out = parse_event(pair_to_event(obj) if is_pair(obj) else obj)
    except EventError as exc:
        assert exc.reason and exc.category
    else:
        assert parse_event(out) == out
