"""Shared fixtures: small SIGNAL_SCHEMA tables built by hand, so stage tests need no text."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from distillguard.signals.schema import LSH_BANDS, SIGNAL_SCHEMA

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def signal_row(account: str, minutes: float, request_id: str, **over: Any) -> dict[str, Any]:
    """One signals row with neutral defaults; ``over`` sets any column."""
    row: dict[str, Any] = {
        "ts": T0 + timedelta(minutes=minutes),
        "request_id": request_id,
        "account_id": account,
        "model": "m-1",
        "ip": "10.0.0.1",
        "asn": "AS1",
        "user_agent": "sdk/1",
        "tls_fingerprint": "tls",
        "session_id": None,
        "status": "200",
        "prompt_tokens": 100,
        "completion_tokens": 300,
        "reasoning_tokens": 0,
        "net_prefix": "10.0.0.0/24",
        "intent": "benign",
        "p_cot": 0.0,
        "p_rubric": 0.0,
        "p_censor": 0.0,
        "p_agentic": 0.0,
        "p_sweep": 0.0,
        "template_hash": zlib.crc32(request_id.encode()),
        "lsh_bands": [zlib.crc32(f"{request_id}/{i}".encode()) for i in range(LSH_BANDS)],
        "prompt_hash": zlib.crc32(f"exact/{request_id}".encode()),
        "system_hash": 0,
        "tools_hash": 0,
        "n_tools": 0,
        "n_turns": 2,
        "prompt_chars": 200,
        "lang": "en",
        "output_max": False,
        "format_req": "none",
        "topic": 1,
    }
    row.update(over)
    return row


@pytest.fixture
def make_signals() -> Callable[[list[dict[str, Any]]], pa.Table]:
    def build(rows: list[dict[str, Any]]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA)

    return build
