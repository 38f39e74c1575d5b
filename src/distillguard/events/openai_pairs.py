"""Convert an OpenAI request/response body pair into a v1 event record.

Many gateways log the raw ``chat.completions`` request and response bodies plus their own
metadata; accepting that shape directly spares every such provider a conversion job.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from distillguard.events.errors import EventError, type_name

_PAIR_KEYS = frozenset({"request", "response", "metadata"})
_REQUEST_USED = frozenset({"model", "messages", "tools"})
# Metadata keys copied unchanged onto the v1 field of the same name.
_METADATA_FIELDS = (
    "ip",
    "asn",
    "user_agent",
    "tls_fingerprint",
    "api_key_id",
    "session_id",
    "status",
)
_METADATA_USED = frozenset({*_METADATA_FIELDS, "account", "account_id", "ts", "timestamp"})
_METADATA_USED_WITH_ID = _METADATA_USED | {"request_id"}


def is_pair(obj: dict[str, Any]) -> bool:
    """True for a request/response pair: a ``request`` object and no ``messages`` field."""
    return "messages" not in obj and type(obj.get("request")) is dict


def pair_to_event(obj: dict[str, Any]) -> dict[str, Any]:
    """The v1 record for one pair; ``parse_event`` then validates it like any other record.

    Request parameters other than model/messages/tools and unused metadata keys are kept in
    ``extra`` under ``"request"`` and ``"metadata"``; unknown top-level keys stay top-level.
    """
    request: dict[str, Any] = obj["request"]
    response = _object_or_empty(obj.get("response"), "response")
    metadata = _object_or_empty(obj.get("metadata"), "metadata")
    message = _first_message(response)

    event: dict[str, Any] = {key: metadata.get(key) for key in _METADATA_FIELDS}
    event["ts"] = _ts(metadata, response)
    request_id = metadata.get("request_id")
    event["request_id"] = response.get("id") if request_id is None else request_id
    if event["request_id"] is None:
        raise EventError(
            "missing required field 'request_id' (metadata.request_id or response.id)",
            "missing_field",
        )
    account = metadata.get("account_id")
    event["account_id"] = metadata.get("account") if account is None else account
    if event["account_id"] is None:
        raise EventError(
            "missing required field 'account_id' (metadata.account_id or metadata.account)",
            "missing_field",
        )
    model = request.get("model")
    event["model"] = response.get("model") if model is None else model
    if "messages" not in request:
        raise EventError("missing required field 'request.messages'", "missing_field")
    event["messages"] = request["messages"]
    event["tools"] = request.get("tools")
    event["response"] = message.get("content")
    reasoning = message.get("reasoning_content")
    event["reasoning"] = message.get("reasoning") if reasoning is None else reasoning
    event["usage"] = response.get("usage")

    extra = {key: value for key, value in obj.items() if key not in _PAIR_KEYS}
    request_rest = {k: v for k, v in request.items() if k not in _REQUEST_USED}
    used = _METADATA_USED_WITH_ID if request_id is not None else _METADATA_USED
    metadata_rest = {k: v for k, v in metadata.items() if k not in used}
    if request_rest:
        extra["request"] = request_rest
    if metadata_rest:
        extra["metadata"] = metadata_rest
    if request_id is not None and "id" in response:
        extra["response_id"] = response["id"]
    if extra:
        event["extra"] = extra
    return event


def _object_or_empty(value: object, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if type(value) is not dict:
        raise EventError(f"{name} must be an object, got {type_name(value)}", "bad_field")
    return value


def _first_message(response: dict[str, Any]) -> dict[str, Any]:
    """``choices[0].message`` of a chat.completion, or ``{}`` when the call produced none."""
    choices = response.get("choices")
    if choices is None or choices == []:
        return {}
    if type(choices) is not list:
        raise EventError(f"response.choices must be a list, got {type_name(choices)}", "bad_field")
    first = choices[0]
    if type(first) is not dict:
        raise EventError("response.choices[0] must be an object", "bad_field")
    return _object_or_empty(first.get("message"), "response.choices[0].message")


def _ts(metadata: dict[str, Any], response: dict[str, Any]) -> object:
    """``metadata.ts``/``metadata.timestamp`` as given, else ``response.created`` (unix s)."""
    ts = metadata.get("ts")
    if ts is None:
        ts = metadata.get("timestamp")
    if ts is not None:
        return ts
    created = response.get("created")
    if created is None:
        raise EventError(
            "missing required field 'ts' (metadata.ts, metadata.timestamp or response.created)",
            "missing_field",
        )
    if type(created) not in (int, float):
        raise EventError(
            f"response.created must be unix seconds, got {type_name(created)}", "bad_ts"
        )
    try:
        return datetime.fromtimestamp(created, UTC)
    except (OverflowError, OSError, ValueError):
        raise EventError(f"response.created is out of range: {created!r}", "bad_ts") from None
