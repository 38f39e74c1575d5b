"""Validate and normalise one v1 event record.

This is the single definition of what a valid event is: the file readers call it per line and
the live gateway calls it per request, so both accept and reject exactly the same inputs.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from socket import AF_INET, inet_pton
from typing import Any

from distillguard.events.errors import EventError, type_name
from distillguard.events.extra import unknown_fields_json
from distillguard.events.schema import EVENT_SCHEMA
from distillguard.events.timestamps import parse_ts

EVENT_COLUMNS: tuple[str, ...] = tuple(EVENT_SCHEMA.names)
# ``event_row`` order: EVENT_COLUMNS with "messages" split into parallel roles and contents.
_AT = EVENT_COLUMNS.index("messages")
ROW_FIELDS: tuple[str, ...] = (*EVENT_COLUMNS[:_AT], "roles", "contents", *EVENT_COLUMNS[_AT + 1 :])
# Prior OpenAI names are folded onto the four roles the rest of the system knows.
ROLES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "function": "tool",
}
_TEXT_PART_TYPES = frozenset({"text", "input_text", "output_text"})
_OPTIONAL_STRINGS = (
    "response",
    "reasoning",
    "user_agent",
    "tls_fingerprint",
    "api_key_id",
    "session_id",
)
_TOKEN_FIELDS = ("prompt_tokens", "completion_tokens", "reasoning_tokens")
KNOWN_FIELDS = frozenset(
    {
        "ts",
        "request_id",
        "account_id",
        "model",
        "messages",
        "response",
        "reasoning",
        "usage",
        "ip",
        "asn",
        "user_agent",
        "tls_fingerprint",
        "api_key_id",
        "session_id",
        "tools",
        "status",
        "extra",
        *_TOKEN_FIELDS,
    }
)
INT64_MAX = 2**63 - 1


def parse_event(obj: object) -> dict[str, Any]:
    """Validate one v1 record and return it normalised, keyed by ``EVENT_SCHEMA`` column.

    ``ts`` becomes an aware UTC ``datetime``, ``usage`` is flattened into the three token
    columns, and unknown fields are folded into ``extra`` (a JSON object string). Raises
    ``EventError`` with a specific reason when the record is not valid v1.
    """
    if type(obj) is not dict:
        raise EventError(f"event must be a JSON object, got {type_name(obj)}", "not_an_object")
    values = dict(zip(ROW_FIELDS, event_row(obj), strict=True))
    values["messages"] = [
        {"role": role, "content": content}
        for role, content in zip(values.pop("roles"), values.pop("contents"), strict=True)
    ]
    if values["tools"] is not None:
        values["tools"] = list(values["tools"])
    return {name: values[name] for name in EVENT_COLUMNS}


def event_row(obj: dict[str, Any]) -> tuple[Any, ...]:
    """``parse_event`` as a flat tuple in ``ROW_FIELDS`` order: the readers' hot path.

    Messages come as two tuples (roles, contents) and tools as a tuple, so a row holds no
    mutable containers: the garbage collector stops tracking rows waiting for their batch.
    """
    get = obj.get
    ts = get("ts")
    if ts is None:
        raise _missing(obj, "ts")
    ts_utc: datetime = parse_ts(ts)
    request_id = _required_str(obj, "request_id")
    account_id = _required_str(obj, "account_id")
    model = _required_str(obj, "model")
    roles, contents = parse_messages(get("messages"), "messages" in obj)
    prompt_tokens, completion_tokens, reasoning_tokens = _usage(obj)
    response = get("response")
    reasoning = get("reasoning")
    user_agent = get("user_agent")
    tls_fingerprint = get("tls_fingerprint")
    api_key_id = get("api_key_id")
    session_id = get("session_id")
    if not (
        (response is None or type(response) is str)
        and (reasoning is None or type(reasoning) is str)
        and (user_agent is None or type(user_agent) is str)
        and (tls_fingerprint is None or type(tls_fingerprint) is str)
        and (api_key_id is None or type(api_key_id) is str)
        and (session_id is None or type(session_id) is str)
    ):
        _raise_first_non_string(obj, _OPTIONAL_STRINGS)
    ip = get("ip")
    asn = get("asn")
    tools = get("tools")
    status = get("status")
    return (
        ts_utc,
        request_id,
        account_id,
        model,
        roles,
        contents,
        response,
        reasoning,
        prompt_tokens,
        completion_tokens,
        reasoning_tokens,
        None if ip is None else normalise_ip(ip),
        None if asn is None else normalise_asn(asn),
        user_agent,
        tls_fingerprint,
        api_key_id,
        session_id,
        None if tools is None else tuple(tool_names(tools)),
        None if status is None else status_text(status),
        None if get("extra") is None and obj.keys() <= KNOWN_FIELDS else extra_json(obj),
    )


def parse_messages(value: object, present: bool = True) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Chat messages as parallel (roles, contents), roles folded to the four v1 roles and
    content reduced to plain text."""
    if type(value) is list and value:
        try:
            roles = tuple([ROLES[message["role"]] for message in value])
            contents = tuple([message["content"] for message in value])
            for content in contents:
                if type(content) is not str:
                    break
            else:
                return roles, contents
        except (KeyError, TypeError):
            pass
    # Anything but the plain shape: multimodal parts, null content, or an error to explain.
    return _parse_messages_fully(value, present)


def _parse_messages_fully(value: object, present: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if type(value) is not list or not value:
        if value is None:
            reason = "messages is null" if present else "missing required field 'messages'"
            raise EventError(reason, "missing_field")
        got = "an empty list" if value == [] else type_name(value)
        raise EventError(f"messages must be a non-empty list, got {got}", "bad_messages")
    roles: list[str] = []
    contents: list[str] = []
    for i, message in enumerate(value):
        if type(message) is not dict:
            raise EventError(
                f"messages[{i}] must be an object, got {type_name(message)}", "bad_messages"
            )
        raw_role = message.get("role")
        role = ROLES.get(raw_role) if type(raw_role) is str else None
        if role is None:
            if raw_role is None:
                raise EventError(f"messages[{i}] has no role", "bad_messages")
            raise EventError(f"messages[{i}] has unknown role {raw_role!r}", "bad_messages")
        content = message.get("content")
        roles.append(role)
        contents.append(content if type(content) is str else _content_text(content, role, i))
    return tuple(roles), tuple(contents)


def _content_text(content: object, role: str, i: int) -> str:
    """Plain text of non-string content: multimodal parts, or an assistant tool-call turn."""
    if content is None:
        if role == "assistant":
            return ""
        raise EventError(f"messages[{i}] ({role}) has no content", "bad_messages")
    if type(content) is not list:
        raise EventError(
            f"messages[{i}].content must be a string or a list of parts, got {type_name(content)}",
            "bad_messages",
        )
    texts: list[str] = []
    for j, part in enumerate(content):
        where = f"messages[{i}].content[{j}]"
        if type(part) is not dict:
            raise EventError(f"{where} must be an object, got {type_name(part)}", "bad_messages")
        kind = part.get("type")
        if type(kind) is not str:
            raise EventError(f"{where} has no type", "bad_messages")
        if kind in _TEXT_PART_TYPES:
            text = part.get("text")
            if type(text) is not str:
                raise EventError(f"{where} is a text part without text", "bad_messages")
            texts.append(text)
    return "\n".join(texts)


def tool_names(value: object) -> list[str]:
    """Tool names from v1 ``[{"name"}]``, OpenAI ``[{"type", "function": {"name"}}]``,
    built-in tools (named by their ``type``) or plain strings (``EVENT_SCHEMA`` form)."""
    if type(value) is not list:
        raise EventError(f"tools must be a list, got {type_name(value)}", "bad_field")
    names: list[str] = []
    for i, tool in enumerate(value):
        name: object = tool
        if type(tool) is dict:
            name = tool.get("name")
            kind = tool.get("type")
            if name is None and type(kind) is str:
                spec = tool.get(kind)
                name = spec.get("name") if type(spec) is dict else kind
        if type(name) is not str or not name:
            raise EventError(f"tools[{i}] has no name", "bad_field")
        names.append(name)
    return names


def normalise_ip(value: object) -> str:
    """Canonical text of an IPv4/IPv6 address."""
    text = _IP_CACHE.get(value) if type(value) is str else None
    if text is not None:
        return text
    if type(value) is not str:
        raise EventError(f"ip must be a string, got {type_name(value)}", "bad_field")
    try:
        # The C parser accepts only canonical dotted quads, the common case.
        inet_pton(AF_INET, value)
        text = value
    except OSError:
        try:
            text = str(ipaddress.ip_address(value))
        except ValueError:
            raise EventError(f"ip is not an IP address: {value!r}", "bad_field") from None
    return _remember(_IP_CACHE, value, text)


def normalise_asn(value: object) -> str:
    """``13335``, ``"13335"``, ``"as13335"`` and ``"AS13335"`` all become ``"AS13335"``."""
    text = _ASN_CACHE.get(value) if type(value) is int or type(value) is str else None
    if text is not None:
        return text
    if type(value) is int and 0 <= value < 2**32:
        return _remember(_ASN_CACHE, value, f"AS{value}")
    if type(value) is str:
        digits = value.strip().upper().removeprefix("AS")
        if digits.isascii() and digits.isdigit() and int(digits) < 2**32:
            return _remember(_ASN_CACHE, value, f"AS{int(digits)}")
    raise EventError(f"asn is not an AS number: {value!r}", "bad_field")


# Valid inputs seen before, mapped to their normal form: a log has few distinct addresses and
# ASNs, and a dict hit is much cheaper than parsing. Bounded by starting over when full.
_IP_CACHE: dict[object, str] = {}
_ASN_CACHE: dict[object, str] = {}
_CACHE_LIMIT = 1 << 16


def _remember(cache: dict[object, str], value: object, text: str) -> str:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[value] = text
    return text


def status_text(value: object) -> str:
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    raise EventError(f"status must be an integer or a string, got {type_name(value)}", "bad_field")


def _raise_first_non_string(obj: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        value = obj.get(name)
        if value is not None and type(value) is not str:
            raise EventError(
                f"{name} must be a string or null, got {type_name(value)}", "bad_field"
            )


def filled(value: str) -> bool:
    """What a required string must be: not empty and not only whitespace."""
    return bool(value) and not value.isspace()


def _required_str(obj: dict[str, Any], name: str) -> str:
    value = obj.get(name)
    if type(value) is str and filled(value):
        return value
    if value is None:
        raise _missing(obj, name)
    got = repr(value) if type(value) is str else type_name(value)
    raise EventError(f"{name} must be a non-empty string, got {got}", "bad_field")


def _missing(obj: dict[str, Any], name: str) -> EventError:
    if name in obj:
        return EventError(f"required field {name!r} is null", "missing_field")
    return EventError(f"missing required field {name!r}", "missing_field")


def _usage(obj: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    """Token counts from ``usage`` (v1 or OpenAI shape) or from top-level columns (Parquet)."""
    usage = obj.get("usage")
    if type(usage) is dict:
        # Fast path for the common shape; anything else takes the full checks below.
        prompt = usage.get("prompt_tokens")
        completion = usage.get("completion_tokens")
        reasoning = usage.get("reasoning_tokens")
        if (
            type(prompt) is int
            and type(completion) is int
            and type(reasoning) is int
            and min(prompt, completion, reasoning) >= 0
            and max(prompt, completion, reasoning) <= INT64_MAX
            and "prompt_tokens" not in obj
            and "completion_tokens" not in obj
            and "reasoning_tokens" not in obj
        ):
            return prompt, completion, reasoning
    return _usage_fully(obj, usage)


def _usage_fully(obj: dict[str, Any], usage: object) -> tuple[int | None, int | None, int | None]:
    get = obj.get
    if usage is None:
        return (
            _count(get("prompt_tokens"), "prompt_tokens"),
            _count(get("completion_tokens"), "completion_tokens"),
            _count(get("reasoning_tokens"), "reasoning_tokens"),
        )
    if type(usage) is not dict:
        raise EventError(f"usage must be an object, got {type_name(usage)}", "bad_usage")
    if (
        get("prompt_tokens") is not None
        or get("completion_tokens") is not None
        or get("reasoning_tokens") is not None
    ):
        raise EventError("token counts given both in usage and as top-level fields", "bad_usage")
    reasoning = usage.get("reasoning_tokens")
    if reasoning is None:
        details = usage.get("completion_tokens_details")
        if type(details) is dict:
            reasoning = details.get("reasoning_tokens")
        elif details is not None:
            raise EventError(
                f"usage.completion_tokens_details must be an object, got {type_name(details)}",
                "bad_usage",
            )
    return (
        _count(usage.get("prompt_tokens"), "usage.prompt_tokens"),
        _count(usage.get("completion_tokens"), "usage.completion_tokens"),
        _count(reasoning, "usage.reasoning_tokens"),
    )


def _count(value: object, name: str) -> int | None:
    if value is None or (type(value) is int and 0 <= value <= INT64_MAX):
        return value
    raise EventError(f"{name} must be a non-negative integer, got {value!r}", "bad_usage")


def extra_json(obj: dict[str, Any]) -> str | None:
    """The ``extra`` column of an event: unknown fields over any given ``extra`` object."""
    return unknown_fields_json(obj, KNOWN_FIELDS)
