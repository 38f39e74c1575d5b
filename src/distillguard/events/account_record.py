"""Validate and normalise one account record (the accounts file of log format v1)."""

from __future__ import annotations

from typing import Any

from distillguard.events.errors import EventError, type_name
from distillguard.events.extra import unknown_fields_json
from distillguard.events.schema import ACCOUNT_SCHEMA, SIGNUP_CHANNELS
from distillguard.events.timestamps import parse_ts

ACCOUNT_COLUMNS: tuple[str, ...] = tuple(ACCOUNT_SCHEMA.names)
_STRING_FIELDS = ("payment_fingerprint", "country", "org_id", "allowlist")
_KNOWN_FIELDS = frozenset(ACCOUNT_COLUMNS)


def parse_account(obj: object) -> dict[str, Any]:
    """Validate one account record and return it keyed by ``ACCOUNT_SCHEMA`` column.

    ``email_domain`` is lower-cased (domains are case-insensitive, and linking compares them);
    unknown fields go to ``extra`` as a JSON object string. Raises ``EventError``.
    """
    if type(obj) is not dict:
        raise EventError(f"account must be a JSON object, got {type_name(obj)}", "not_an_object")
    account_id = obj.get("account_id")
    if account_id is None:
        reason = (
            "required field 'account_id' is null"
            if "account_id" in obj
            else "missing required field 'account_id'"
        )
        raise EventError(reason, "missing_field")
    if type(account_id) is not str or not account_id or account_id.isspace():
        raise EventError(f"account_id must be a non-empty string, got {account_id!r}", "bad_field")
    out: dict[str, Any] = {"account_id": account_id}
    created_at = obj.get("created_at")
    out["created_at"] = None if created_at is None else parse_ts(created_at, "created_at")
    email_domain = _optional_str(obj, "email_domain")
    out["email_domain"] = None if email_domain is None else email_domain.lower()
    channel = obj.get("signup_channel")
    if channel is not None and channel not in SIGNUP_CHANNELS:
        raise EventError(
            f"signup_channel must be one of {', '.join(SIGNUP_CHANNELS)}; got {channel!r}",
            "bad_field",
        )
    out["signup_channel"] = channel
    for name in _STRING_FIELDS:
        out[name] = _optional_str(obj, name)
    verified = obj.get("verified")
    if verified is not None and type(verified) is not bool:
        raise EventError(f"verified must be true or false, got {verified!r}", "bad_field")
    out["verified"] = verified
    out["extra"] = unknown_fields_json(obj, _KNOWN_FIELDS)
    return {name: out[name] for name in ACCOUNT_COLUMNS}


def _optional_str(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is None or type(value) is str:
        return value
    raise EventError(f"{name} must be a string or null, got {type_name(value)}", "bad_field")
