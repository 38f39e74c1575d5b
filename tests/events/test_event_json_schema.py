"""The published JSON Schema says what parse_event enforces, field for field."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pytest

from distillguard.events import EventError, parse_event
from distillguard.events.event_record import KNOWN_FIELDS, ROLES
from distillguard.events.timestamps import RFC3339
from tests.events.events_testkit import event

SCHEMA: dict[str, Any] = json.loads(
    files("distillguard.events").joinpath("event.schema.json").read_text()
)


def test_schema_lists_exactly_the_known_fields() -> None:
    assert set(SCHEMA["properties"]) == KNOWN_FIELDS


@pytest.mark.parametrize("field", sorted(KNOWN_FIELDS))
def test_required_fields_are_the_ones_parse_event_requires(field: str) -> None:
    full = event(
        1,
        reasoning="r",
        user_agent="ua",
        tls_fingerprint="t",
        api_key_id="k",
        session_id="s",
        tools=[{"name": "x"}],
        extra={"a": 1},
    )
    if field in SCHEMA["required"]:
        with pytest.raises(EventError, match=f"missing required field '{field}'"):
            parse_event(event(1, **{field: ...}))
    else:
        parse_event({key: value for key, value in full.items() if key != field})


def test_ts_pattern_and_roles_match_the_code() -> None:
    assert SCHEMA["properties"]["ts"]["pattern"] == f"^{RFC3339.pattern}$"
    role_enum = SCHEMA["$defs"]["message"]["properties"]["role"]["enum"]
    assert sorted(role_enum) == sorted(ROLES)
