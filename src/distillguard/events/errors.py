"""The one exception type of the events stage.

Readers turn an ``EventError`` into a quarantine record, so its ``reason`` is written for a
person reading ``quarantine.jsonl`` and its ``category`` is a short stable key for counting.
"""

from __future__ import annotations


class EventError(ValueError):
    """A record that is not valid log format v1.

    ``category`` is one of: ``invalid_json``, ``not_an_object``, ``missing_field``,
    ``bad_field``, ``bad_ts``, ``bad_messages``, ``bad_usage``, ``line_too_long``,
    ``corrupt_file``, ``duplicate_account``.
    """

    def __init__(self, reason: str, category: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.category = category


def type_name(value: object) -> str:
    """JSON-flavoured name of a Python value's type, for error messages."""
    return _JSON_NAMES.get(type(value), type(value).__name__)


_JSON_NAMES: dict[type, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    type(None): "null",
}
