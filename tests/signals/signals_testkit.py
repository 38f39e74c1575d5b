"""Helpers for signal tests: events as EVENT_SCHEMA dicts and batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from distillguard.events.schema import EVENT_SCHEMA
from distillguard.signals.fingerprint import FingerprintKey
from distillguard.signals.kernel import PromptSignals, encode_texts, prompt_signals

T0 = datetime(2026, 3, 2, tzinfo=UTC)
KEY = FingerprintKey.from_passphrase("signals test passphrase 1")
OTHER_KEY = FingerprintKey.from_passphrase("signals test passphrase 2")


def event(i: int = 0, prompt: str = "hello there", **over: Any) -> dict[str, Any]:
    """One event with a single user turn; ``over`` replaces any column."""
    row: dict[str, Any] = {name: None for name in EVENT_SCHEMA.names}
    row.update(
        ts=T0 + timedelta(seconds=i),
        request_id=f"req-{i}",
        account_id=f"acct-{i % 3}",
        model="model-1",
        messages=[{"role": "user", "content": prompt}],
        prompt_tokens=10,
        completion_tokens=20,
        ip="203.0.113.7",
        status="ok",
    )
    row.update(over)
    return row


def batch(rows: Sequence[dict[str, Any]]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist(list(rows), schema=EVENT_SCHEMA)


def texts(prompts: Sequence[str], key: FingerprintKey = KEY) -> PromptSignals:
    """Prompt signals of a few prompts."""
    return prompt_signals(*encode_texts(prompts), key)


def share_band(bands: np.ndarray, i: int, j: int) -> bool:
    return bool(np.any(bands[i] == bands[j]))
