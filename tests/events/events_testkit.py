"""Shared builders for the events tests: valid records, input files, and a full read."""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import zstandard

from distillguard.events import Quarantine, ReadStats, read_events
from distillguard.events.schema import EVENT_SCHEMA


def event(i: int = 0, /, **overrides: Any) -> dict[str, Any]:
    """A valid v1 record; ``overrides`` replace fields (a value of ``...`` removes one)."""
    record: dict[str, Any] = {
        "ts": f"2025-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "request_id": f"req-{i}",
        "account_id": f"acct-{i % 7}",
        "model": "frontier-large",
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": f"Question number {i}?"},
        ],
        "response": f"Answer {i}.",
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "reasoning_tokens": 0},
        "ip": "203.0.113.7",
        "asn": 13335,
        "status": 200,
    }
    for key, value in overrides.items():
        if value is ...:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def write_jsonl(
    path: Path, records: Iterable[dict[str, Any] | str | bytes], compression: str | None = None
) -> Path:
    """Write one line per record (dicts as JSON, str/bytes verbatim)."""
    lines = []
    for record in records:
        if isinstance(record, dict):
            lines.append(orjson.dumps(record))
        elif isinstance(record, str):
            lines.append(record.encode())
        else:
            lines.append(record)
    data = b"".join(line + b"\n" for line in lines)
    if compression == "gzip":
        data = gzip.compress(data)
    elif compression == "zstd":
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


@dataclass
class ReadResult:
    table: pa.Table
    stats: ReadStats
    quarantined: list[dict[str, Any]]
    batches: int


def read_all(paths: Sequence[Path], tmp_path: Path, **kwargs: Any) -> ReadResult:
    """Run ``read_events`` to the end; return its rows, stats and quarantine records."""
    stats = ReadStats()
    qpath = tmp_path / "out" / "quarantine.jsonl"
    qpath.unlink(missing_ok=True)
    with Quarantine(qpath) as quarantine:
        batches = list(read_events(paths, quarantine, stats=stats, **kwargs))
    for batch in batches:
        assert batch.schema.equals(EVENT_SCHEMA)
    table = pa.Table.from_batches(batches, schema=EVENT_SCHEMA)
    quarantined = [orjson.loads(line) for line in qpath.read_bytes().splitlines()]
    assert len(quarantined) == stats.quarantined == quarantine.count
    assert stats.lines == stats.blank + stats.valid + stats.quarantined + stats.duplicates
    assert stats.valid == table.num_rows
    return ReadResult(table, stats, quarantined, len(batches))
