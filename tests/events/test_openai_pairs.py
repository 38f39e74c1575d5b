from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from distillguard.events import EventError, parse_event
from distillguard.events.openai_pairs import is_pair, pair_to_event
from tests.events.events_testkit import event, read_all, write_jsonl


def pair(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "request": {
            "model": "frontier-large",
            "messages": [{"role": "user", "content": "Prove it step by step."}],
            "tools": [{"type": "function", "function": {"name": "lookup"}}],
            "temperature": 0.2,
        },
        "response": {
            "id": "chatcmpl-abc",
            "object": "chat.completion",
            "created": 1740823200,
            "model": "frontier-large-2025-02",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": "Step 1 ...",
                        "reasoning_content": "thinking...",
                    },
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": 20,
                "completion_tokens": 50,
                "total_tokens": 70,
                "completion_tokens_details": {"reasoning_tokens": 30},
            },
        },
        "metadata": {
            "account_id": "acct-9",
            "ip": "198.51.100.4",
            "asn": "AS64500",
            "user_agent": "openai-python/1.40",
            "api_key_id": "key-1",
            "status": 200,
            "region": "us-east",
        },
    }
    for key, value in overrides.items():
        record[key] = value
    return record


def test_pair_converts_to_v1() -> None:
    out = parse_event(pair_to_event(pair()))
    assert out["ts"] == datetime(2025, 3, 1, 10, tzinfo=UTC)
    assert out["request_id"] == "chatcmpl-abc"
    assert out["account_id"] == "acct-9"
    assert out["model"] == "frontier-large"
    assert out["messages"] == [{"role": "user", "content": "Prove it step by step."}]
    assert out["response"] == "Step 1 ..."
    assert out["reasoning"] == "thinking..."
    assert (out["prompt_tokens"], out["completion_tokens"], out["reasoning_tokens"]) == (20, 50, 30)
    assert (out["ip"], out["asn"], out["status"]) == ("198.51.100.4", "AS64500", "200")
    assert out["user_agent"] == "openai-python/1.40"
    assert out["api_key_id"] == "key-1"
    assert out["tools"] == ["lookup"]
    assert orjson.loads(out["extra"]) == {
        "request": {"temperature": 0.2},
        "metadata": {"region": "us-east"},
    }


def test_metadata_ids_and_time_win_over_response() -> None:
    metadata = {"account": "acct-2", "request_id": "gw-77", "timestamp": "2025-03-02T00:00:00Z"}
    out = parse_event(pair_to_event(pair(metadata=metadata, gateway="edge-1")))
    assert out["request_id"] == "gw-77"
    assert out["account_id"] == "acct-2"
    assert out["ts"] == datetime(2025, 3, 2, tzinfo=UTC)
    assert orjson.loads(out["extra"]) == {
        "gateway": "edge-1",
        "request": {"temperature": 0.2},
        "response_id": "chatcmpl-abc",
    }


def test_failed_call_without_response_body() -> None:
    metadata = {"account_id": "a", "request_id": "r", "ts": "2025-03-01T00:00:00Z", "status": 429}
    record = pair(response=None, metadata=metadata)
    out = parse_event(pair_to_event(record))
    assert (out["response"], out["reasoning"], out["status"]) == (None, None, "429")
    assert out["prompt_tokens"] is None


def test_reasoning_field_name_and_response_model_fallback() -> None:
    record = pair()
    del record["request"]["model"]
    record["response"]["choices"][0]["message"] = {"content": None, "reasoning": "r"}
    out = parse_event(pair_to_event(record))
    assert (out["model"], out["response"], out["reasoning"]) == (
        "frontier-large-2025-02",
        None,
        "r",
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda p: p["response"].pop("id"),
            "missing required field 'request_id' (metadata.request_id or response.id)",
        ),
        (
            lambda p: p["metadata"].pop("account_id"),
            "missing required field 'account_id' (metadata.account_id or metadata.account)",
        ),
        (
            lambda p: p["response"].pop("created"),
            "missing required field 'ts' (metadata.ts, metadata.timestamp or response.created)",
        ),
        (lambda p: p["request"].pop("messages"), "missing required field 'request.messages'"),
        (
            lambda p: p["response"].update(created="yesterday"),
            "response.created must be unix seconds, got string",
        ),
        (
            lambda p: p["response"].update(created=1e300),
            "response.created is out of range: 1e+300",
        ),
        (lambda p: p.update(metadata=[1]), "metadata must be an object, got array"),
        (
            lambda p: p["response"].update(choices={"0": {}}),
            "response.choices must be a list, got object",
        ),
        (
            lambda p: p["response"].update(choices=["x"]),
            "response.choices[0] must be an object",
        ),
    ],
)
def test_bad_pairs(change: Any, reason: str) -> None:
    record = pair()
    change(record)
    with pytest.raises(EventError) as info:
        parse_event(pair_to_event(record))
    assert info.value.reason == reason


def test_shape_detection() -> None:
    assert is_pair(pair())
    assert not is_pair(event())
    assert not is_pair({**event(), "request": {"model": "m"}})  # has messages: a v1 record
    assert not is_pair({"request": "text"})


def test_mixed_file_reads_both_shapes(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "mixed.jsonl", [event(1), pair(), event(2)])
    result = read_all([path], tmp_path)
    assert result.table.column("request_id").to_pylist() == ["req-1", "chatcmpl-abc", "req-2"]
    assert result.table.column("reasoning").to_pylist() == [None, "thinking...", None]
    assert result.stats.quarantined == 0
