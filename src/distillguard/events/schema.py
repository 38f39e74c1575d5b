"""Arrow schemas shared by every stage: the in-memory form of log format v1.

Readers turn any accepted input shape into batches of ``EVENT_SCHEMA``; every later stage
consumes those batches, so this module is the one contract between ``events`` and the rest.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

MESSAGE_TYPE = pa.struct([("role", pa.string()), ("content", pa.string())])

# Annotated lists: pyarrow-stubs cannot infer a common type for fields of mixed types.
_EVENT_FIELDS: list[pa.Field[Any]] = [
    pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("request_id", pa.string(), nullable=False),
    pa.field("account_id", pa.string(), nullable=False),
    pa.field("model", pa.string(), nullable=False),
    # Content is always plain text here: multimodal parts are reduced to their text.
    pa.field("messages", pa.list_(MESSAGE_TYPE), nullable=False),
    pa.field("response", pa.string()),
    pa.field("reasoning", pa.string()),
    pa.field("prompt_tokens", pa.int64()),
    pa.field("completion_tokens", pa.int64()),
    pa.field("reasoning_tokens", pa.int64()),
    pa.field("ip", pa.string()),
    pa.field("asn", pa.string()),
    pa.field("user_agent", pa.string()),
    pa.field("tls_fingerprint", pa.string()),
    pa.field("api_key_id", pa.string()),
    pa.field("session_id", pa.string()),
    pa.field("tools", pa.list_(pa.string())),
    pa.field("status", pa.string()),
    # Unknown top-level fields, kept verbatim as a JSON object (null when there are none).
    pa.field("extra", pa.string()),
]
EVENT_SCHEMA = pa.schema(_EVENT_FIELDS)

# What per-request signals read of an event: its columns without the message list, response,
# reasoning, key id and extras, plus the two turns that are scored and the message count. A
# batch scan builds this instead of ``EVENT_SCHEMA``: most of a logged line's bytes are prior
# turns and the response, which no signal reads.
_DROPPED_FOR_VIEW = {"messages", "response", "reasoning", "api_key_id", "extra"}
PROMPT_VIEW_SCHEMA = pa.schema(
    [f for f in _EVENT_FIELDS if f.name not in _DROPPED_FOR_VIEW]
    + [
        pa.field("prompt", pa.string(), nullable=False),  # the last user turn, "" if none
        pa.field("system", pa.string(), nullable=False),  # the first system turn, "" if none
        pa.field("n_turns", pa.int32(), nullable=False),  # messages in the request
    ]
)

SIGNUP_CHANNELS = ("self_serve", "education", "startup", "research", "enterprise", "reseller")

_ACCOUNT_FIELDS: list[pa.Field[Any]] = [
    pa.field("account_id", pa.string(), nullable=False),
    pa.field("created_at", pa.timestamp("us", tz="UTC")),
    pa.field("email_domain", pa.string()),
    pa.field("payment_fingerprint", pa.string()),
    pa.field("signup_channel", pa.string()),
    pa.field("country", pa.string()),
    pa.field("org_id", pa.string()),
    pa.field("verified", pa.bool_()),
    pa.field("allowlist", pa.string()),
    pa.field("extra", pa.string()),
]
ACCOUNT_SCHEMA = pa.schema(_ACCOUNT_FIELDS)

_RELEASE_FIELDS: list[pa.Field[Any]] = [
    pa.field("name", pa.string(), nullable=False),
    pa.field("ts", pa.timestamp("us", tz="UTC")),
]
RELEASE_SCHEMA = pa.schema(_RELEASE_FIELDS)
