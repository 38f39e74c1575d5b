from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from distillguard.events import EventError, parse_event
from distillguard.events.schema import EVENT_SCHEMA
from tests.events.events_testkit import event


def test_valid_record_is_normalised_to_event_schema_columns() -> None:
    out = parse_event(event(7, tools=[{"name": "search"}], asn="as64500"))
    assert list(out) == EVENT_SCHEMA.names
    assert out["ts"] == datetime(2025, 3, 1, 10, 0, 7, tzinfo=UTC)
    assert out["messages"] == [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Question number 7?"},
    ]
    assert (out["prompt_tokens"], out["completion_tokens"], out["reasoning_tokens"]) == (12, 3, 0)
    assert out["asn"] == "AS64500"
    assert out["status"] == "200"
    assert out["tools"] == ["search"]
    assert out["extra"] is None


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        ("2025-03-01T10:00:00Z", datetime(2025, 3, 1, 10, tzinfo=UTC)),
        ("2025-03-01T10:00:00+00:00", datetime(2025, 3, 1, 10, tzinfo=UTC)),
        ("2025-03-01t10:00:00z", datetime(2025, 3, 1, 10, tzinfo=UTC)),
        ("2025-03-01 10:00:00Z", datetime(2025, 3, 1, 10, tzinfo=UTC)),
        ("2025-03-01T12:30:00+02:30", datetime(2025, 3, 1, 10, tzinfo=UTC)),
        ("2025-03-01T05:00:00-05:00", datetime(2025, 3, 1, 10, tzinfo=UTC)),
        ("2025-03-01T10:00:00.123456789Z", datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2025-03-01T10:00:00.5Z", datetime(2025, 3, 1, 10, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_ts_offsets_become_utc(ts: str, expected: datetime) -> None:
    out = parse_event(event(ts=ts))
    assert out["ts"] == expected
    assert out["ts"].utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "ts",
    [
        "2025-03-01T10:00:00",  # naive
        "2025-03-01",
        "2025-03-01T10:00Z",
        "20250301T100000Z",
        "2025-03-01T10:00:00+0200",
        "2025-13-01T10:00:00Z",
        "2025-02-30T10:00:00Z",
        "yesterday",
        "",
        "2025-03-01T10:00:00Z ",
    ],
)
def test_bad_ts_strings_are_rejected(ts: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(event(ts=ts))
    assert info.value.category == "bad_ts"
    assert info.value.reason.startswith(f"ts is not RFC 3339 UTC: {ts!r}")


@pytest.mark.parametrize("ts", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_ts_outside_the_utc_range_is_rejected_not_raised(ts: str) -> None:
    with pytest.raises(EventError, match="out of range once in UTC") as info:
        parse_event(event(ts=ts))
    assert info.value.category == "bad_ts"


@pytest.mark.parametrize(("ts", "got"), [(1740823200, "integer"), ([], "array"), (1.5, "number")])
def test_non_string_ts_is_rejected(ts: object, got: str) -> None:
    with pytest.raises(EventError, match=f"ts must be an RFC 3339 string, got {got}"):
        parse_event(event(ts=ts))


def test_naive_datetime_is_rejected_and_aware_one_converted() -> None:
    with pytest.raises(EventError, match="ts has no time zone"):
        parse_event(event(ts=datetime(2025, 3, 1, 10)))
    aware = datetime.fromisoformat("2025-03-01T11:00:00+01:00")
    assert parse_event(event(ts=aware))["ts"] == datetime(2025, 3, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize("field", ["ts", "request_id", "account_id", "model", "messages"])
def test_missing_and_null_required_fields(field: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(event(**{field: ...}))
    assert (info.value.reason, info.value.category) == (
        f"missing required field {field!r}",
        "missing_field",
    )
    with pytest.raises(EventError) as info:
        parse_event(event(**{field: None}))
    assert info.value.category == "missing_field"
    assert field in info.value.reason and "null" in info.value.reason


@pytest.mark.parametrize("field", ["request_id", "account_id", "model"])
@pytest.mark.parametrize(("value", "got"), [("", "''"), ("  ", "'  '"), (42, "integer")])
def test_required_strings_must_be_non_empty_strings(field: str, value: object, got: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(event(**{field: value}))
    assert info.value.reason == f"{field} must be a non-empty string, got {got}"
    assert info.value.category == "bad_field"


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        ([], "messages must be a non-empty list, got an empty list"),
        ("hello", "messages must be a non-empty list, got string"),
        ({"role": "user"}, "messages must be a non-empty list, got object"),
        (["hello"], "messages[0] must be an object, got string"),
        ([{"content": "hi"}], "messages[0] has no role"),
        (
            [{"role": "user", "content": "a"}, {"role": "bot", "content": "b"}],
            "messages[1] has unknown role 'bot'",
        ),
        ([{"role": ["user"], "content": "a"}], "messages[0] has unknown role ['user']"),
        ([{"role": "user", "content": None}], "messages[0] (user) has no content"),
        ([{"role": "user"}], "messages[0] (user) has no content"),
        (
            [{"role": "user", "content": 5}],
            "messages[0].content must be a string or a list of parts, got integer",
        ),
        (
            [{"role": "user", "content": ["hi"]}],
            "messages[0].content[0] must be an object, got string",
        ),
        ([{"role": "user", "content": [{"text": "hi"}]}], "messages[0].content[0] has no type"),
        (
            [{"role": "user", "content": [{"type": "text", "text": 3}]}],
            "messages[0].content[0] is a text part without text",
        ),
    ],
)
def test_bad_messages(messages: object, reason: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(event(messages=messages))
    assert info.value.reason == reason
    assert info.value.category == "bad_messages"


def test_role_aliases_null_assistant_content_and_multimodal_parts() -> None:
    out = parse_event(
        event(
            messages=[
                {"role": "developer", "content": "Be terse."},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is in"},
                        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                        {"type": "text", "text": "this picture?"},
                    ],
                },
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]},
                {"role": "assistant", "tool_calls": [{"id": "c2"}]},
                {"role": "function", "content": "42"},
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u"}}]},
            ]
        )
    )
    assert out["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "What is in\nthis picture?"},
        {"role": "assistant", "content": ""},
        {"role": "assistant", "content": ""},
        {"role": "tool", "content": "42"},
        {"role": "user", "content": ""},
    ]


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ({"prompt_tokens": 5}, (5, None, None)),
        (
            {
                "prompt_tokens": 5,
                "completion_tokens": 9,
                "total_tokens": 14,
                "completion_tokens_details": {"reasoning_tokens": 4},
            },
            (5, 9, 4),
        ),
        ({}, (None, None, None)),
        (None, (None, None, None)),
    ],
)
def test_usage_is_flattened(usage: object, expected: tuple[int | None, ...]) -> None:
    out = parse_event(event(usage=usage))
    assert (out["prompt_tokens"], out["completion_tokens"], out["reasoning_tokens"]) == expected


def test_flat_token_fields_are_accepted_without_usage() -> None:
    out = parse_event(event(usage=..., prompt_tokens=1, completion_tokens=2, reasoning_tokens=3))
    assert (out["prompt_tokens"], out["completion_tokens"], out["reasoning_tokens"]) == (1, 2, 3)
    with pytest.raises(EventError, match="both in usage and as top-level"):
        parse_event(event(prompt_tokens=1))


@pytest.mark.parametrize(
    ("usage", "reason"),
    [
        ("lots", "usage must be an object, got string"),
        ([1, 2], "usage must be an object, got array"),
        ({"prompt_tokens": -1}, "usage.prompt_tokens must be a non-negative integer, got -1"),
        (
            {"completion_tokens": "7"},
            "usage.completion_tokens must be a non-negative integer, got '7'",
        ),
        ({"prompt_tokens": 1.0}, "usage.prompt_tokens must be a non-negative integer, got 1.0"),
        ({"prompt_tokens": True}, "usage.prompt_tokens must be a non-negative integer, got True"),
        (
            {"prompt_tokens": 2**63},
            f"usage.prompt_tokens must be a non-negative integer, got {2**63}",
        ),
        ({"reasoning_tokens": -3}, "usage.reasoning_tokens must be a non-negative integer, got -3"),
        (
            {"completion_tokens_details": 3},
            "usage.completion_tokens_details must be an object, got integer",
        ),
    ],
)
def test_bad_usage(usage: object, reason: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(event(usage=usage))
    assert (info.value.reason, info.value.category) == (reason, "bad_usage")


@pytest.mark.parametrize(
    ("asn", "expected"),
    [
        (13335, "AS13335"),
        ("AS13335", "AS13335"),
        ("as13335", "AS13335"),
        ("13335", "AS13335"),
        (" AS0013335 ", "AS13335"),
        (0, "AS0"),
    ],
)
def test_asn_forms(asn: object, expected: str) -> None:
    assert parse_event(event(asn=asn))["asn"] == expected


@pytest.mark.parametrize("asn", [-1, 2**32, "ASX", "AS", "", True, 13335.0, "AS１２"])
def test_bad_asn(asn: object) -> None:
    with pytest.raises(EventError, match="asn is not an AS number") as info:
        parse_event(event(asn=asn))
    assert info.value.category == "bad_field"


@pytest.mark.parametrize(
    ("ip", "expected"),
    [("203.0.113.7", "203.0.113.7"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("::1", "::1")],
)
def test_ip_is_canonicalised(ip: str, expected: str) -> None:
    assert parse_event(event(ip=ip))["ip"] == expected


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("203.0.113", "ip is not an IP address: '203.0.113'"),
        ("999.1.1.1", "ip is not an IP address: '999.1.1.1'"),
        ("localhost", "ip is not an IP address: 'localhost'"),
        (3405803783, "ip must be a string, got integer"),
        (["1.2.3.4"], "ip must be a string, got array"),
    ],
)
def test_bad_ip(ip: object, reason: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(event(ip=ip))
    assert (info.value.reason, info.value.category) == (reason, "bad_field")


def test_tool_shapes() -> None:
    tools = [
        {"name": "search"},
        {"type": "function", "function": {"name": "get_weather", "parameters": {}}},
        {"type": "custom", "custom": {"name": "grep"}},
        {"type": "web_search_preview"},
        "calculator",
    ]
    names = ["search", "get_weather", "grep", "web_search_preview", "calculator"]
    assert parse_event(event(tools=tools))["tools"] == names
    assert parse_event(event(tools=[]))["tools"] == []


@pytest.mark.parametrize(
    ("tools", "reason"),
    [
        ({"name": "x"}, "tools must be a list, got object"),
        ([{"name": "ok"}, {"description": "nameless"}], "tools[1] has no name"),
        ([{"type": "function", "function": {}}], "tools[0] has no name"),
        ([{"name": ""}], "tools[0] has no name"),
        ([7], "tools[0] has no name"),
    ],
)
def test_bad_tools(tools: object, reason: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(event(tools=tools))
    assert (info.value.reason, info.value.category) == (reason, "bad_field")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("response", {"text": "x"}, "response must be a string or null, got object"),
        ("reasoning", 3, "reasoning must be a string or null, got integer"),
        ("user_agent", ["curl"], "user_agent must be a string or null, got array"),
        ("tls_fingerprint", 1, "tls_fingerprint must be a string or null, got integer"),
        ("api_key_id", True, "api_key_id must be a string or null, got boolean"),
        ("session_id", 1.5, "session_id must be a string or null, got number"),
        ("status", 2.0, "status must be an integer or a string, got number"),
        ("status", {"code": 200}, "status must be an integer or a string, got object"),
    ],
)
def test_wrong_types_of_optional_fields(field: str, value: object, reason: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(event(**{field: value}))
    assert (info.value.reason, info.value.category) == (reason, "bad_field")


def test_unknown_fields_go_to_extra_merged_with_given_extra() -> None:
    out = parse_event(event(region="eu-west", price={"usd": 0.002}, extra={"tier": "pro"}))
    assert orjson.loads(out["extra"]) == {
        "region": "eu-west",
        "price": {"usd": 0.002},
        "tier": "pro",
    }
    assert out["extra"] == '{"price":{"usd":0.002},"region":"eu-west","tier":"pro"}'
    assert parse_event(event(extra='{"tier": "pro"}'))["extra"] == '{"tier":"pro"}'
    assert parse_event(event(extra={}))["extra"] is None


@pytest.mark.parametrize("extra", ["[1]", "not json", 5, ["a"]])
def test_extra_must_be_an_object(extra: object) -> None:
    with pytest.raises(EventError, match="extra must be a JSON object") as info:
        parse_event(event(extra=extra))
    assert info.value.category == "bad_field"


def test_non_object_is_rejected() -> None:
    with pytest.raises(EventError) as info:
        parse_event([1, 2])
    assert (info.value.reason, info.value.category) == (
        "event must be a JSON object, got array",
        "not_an_object",
    )


def test_parse_event_is_idempotent() -> None:
    record: dict[str, Any] = event(
        3,
        ts="2025-03-01T12:00:00+02:00",
        messages=[
            {"role": "developer", "content": [{"type": "text", "text": "hi"}]},
            {"role": "user", "content": "x"},
        ],
        tools=[{"type": "function", "function": {"name": "f"}}],
        asn="as1",
        region="eu",
    )
    once = parse_event(record)
    assert parse_event(once) == once
