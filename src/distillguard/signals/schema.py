"""Arrow schema of per-request signals: the slim, text-free table every later stage uses.

``signals`` turns each ``EVENT_SCHEMA`` batch into one ``SIGNAL_SCHEMA`` batch of the same
length and order. Text is dropped here, so a 3M-event scan keeps only a few hundred MB.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

INTENTS = (
    "benign",
    "cot_elicitation",
    "rubric_grading",
    "censorship_rewrite",
    "agentic_trace",
    "capability_sweep",
)
# Probability columns, one per non-benign intent, in INTENTS order.
INTENT_SCORE_COLUMNS = ("p_cot", "p_rubric", "p_censor", "p_agentic", "p_sweep")
LSH_BANDS = 16

_SIGNAL_FIELDS: list[pa.Field[Any]] = [
    # carried from the event
    pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("request_id", pa.string(), nullable=False),
    pa.field("account_id", pa.string(), nullable=False),
    pa.field("model", pa.string(), nullable=False),
    pa.field("ip", pa.string()),
    pa.field("asn", pa.string()),
    pa.field("user_agent", pa.string()),
    pa.field("tls_fingerprint", pa.string()),
    pa.field("session_id", pa.string()),
    pa.field("status", pa.string()),
    pa.field("prompt_tokens", pa.int64()),
    pa.field("completion_tokens", pa.int64()),
    pa.field("reasoning_tokens", pa.int64()),
    # infrastructure identity: "/24" of IPv4 or "/48" of IPv6 as text, null if no ip
    pa.field("net_prefix", pa.string()),
    # intent
    pa.field("intent", pa.string(), nullable=False),
    pa.field("p_cot", pa.float32(), nullable=False),
    pa.field("p_rubric", pa.float32(), nullable=False),
    pa.field("p_censor", pa.float32(), nullable=False),
    pa.field("p_agentic", pa.float32(), nullable=False),
    pa.field("p_sweep", pa.float32(), nullable=False),
    # template fingerprints (keyed): exact skeleton hash and LSH band hashes
    pa.field("template_hash", pa.uint64(), nullable=False),
    pa.field("lsh_bands", pa.list_(pa.uint64(), LSH_BANDS), nullable=False),
    # keyed hash of the exact last user turn: the same item sent again (evaluation re-runs)
    pa.field("prompt_hash", pa.uint64(), nullable=False),
    # structure
    pa.field("system_hash", pa.uint64(), nullable=False),  # 0 when no system prompt
    pa.field("tools_hash", pa.uint64(), nullable=False),  # 0 when no tools
    pa.field("n_tools", pa.int16(), nullable=False),
    pa.field("n_turns", pa.int16(), nullable=False),  # number of messages in the request
    pa.field("prompt_chars", pa.int32(), nullable=False),  # chars of the last user turn
    pa.field("lang", pa.string(), nullable=False),  # en|zh|ru|es|de|fr|ja|ko|ar|other
    pa.field("output_max", pa.bool_(), nullable=False),  # asks for maximal/long output
    pa.field("format_req", pa.string(), nullable=False),  # json|code|steps|markdown|none
    pa.field("topic", pa.int32(), nullable=False),  # coarse topical bucket
]
SIGNAL_SCHEMA = pa.schema(_SIGNAL_FIELDS)
