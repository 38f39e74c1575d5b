"""Switch a signal family off, to measure what it contributes (docs/detection.md, "Ablation").

A family is removed by making its signal uninformative where it enters the flow, not by
editing the detectors: hashes become unique per request, infrastructure and account
attributes become unknown, intent scores become benign, and the three flagging routes
(account model, graph campaigns, shared keys) can be skipped whole.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.signals.schema import INTENT_SCORE_COLUMNS, LSH_BANDS

# Signal families and the flagging routes that can be switched off.
FAMILIES = {
    "intent": "per-request intent scores (every request reads as benign)",
    "templates": "template fingerprints, LSH bands and exact prompt hashes (all unique)",
    "harness": "system-prompt and tool-set hashes (none)",
    "infrastructure": "IP, prefix, ASN, TLS fingerprint and user agent (unknown)",
    "account_attributes": "payment fingerprint, signup channel and time, e-mail domain (unknown)",
    "account_model": "the per-account behaviour route",
    "graph_campaigns": "the graph campaign route (dense groups, pooled scoring)",
    "shared_keys": "the shared-key route (egress, payment, cohort, harness keys)",
}


def check_families(families: Collection[str]) -> frozenset[str]:
    """The families as a set; an unknown name is an error that lists the known ones."""
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise ValueError(f"unknown signal families {unknown}; choose from {sorted(FAMILIES)}")
    return frozenset(families)


def ablate_signals(signals: pa.Table, families: Collection[str]) -> pa.Table:
    """``signals`` with the signal families in ``families`` made uninformative."""
    n = signals.num_rows
    out = signals
    if "intent" in families:
        out = _set(out, "intent", pa.array(["benign"] * n, pa.string()))
        for column in INTENT_SCORE_COLUMNS:
            out = _set(out, column, pa.array(np.zeros(n, dtype=np.float32)))
    if "templates" in families:
        unique = np.arange(1, n + 1, dtype=np.uint64)
        out = _set(out, "template_hash", pa.array(unique))
        out = _set(out, "prompt_hash", pa.array(unique))
        bands = unique[:, None] * np.uint64(LSH_BANDS) + np.arange(LSH_BANDS, dtype=np.uint64)
        flat = pa.array(bands.ravel().astype(np.uint64))
        out = _set(out, "lsh_bands", pa.FixedSizeListArray.from_arrays(flat, LSH_BANDS))
    if "harness" in families:
        for column in ("system_hash", "tools_hash"):
            out = _set(out, column, pa.array(np.zeros(n, dtype=np.uint64)))
    if "infrastructure" in families:
        for column in ("ip", "net_prefix", "asn", "user_agent", "tls_fingerprint"):
            out = _set(out, column, pa.nulls(n, pa.string()))
    return out


def ablate_accounts(accounts: pa.Table | None, families: Collection[str]) -> pa.Table | None:
    """``accounts`` without the attributes that link accounts (the allowlist stays)."""
    if accounts is None or "account_attributes" not in families:
        return accounts
    out = accounts
    for column in ("payment_fingerprint", "signup_channel", "email_domain"):
        out = _set(out, column, pa.nulls(out.num_rows, pa.string()))
    created = out.schema.field("created_at").type
    return _set(out, "created_at", pa.nulls(out.num_rows, created))


def _set(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    i = table.schema.get_field_index(column)
    field = table.schema.field(i)
    return table.set_column(i, field, pc.cast(values, field.type))
