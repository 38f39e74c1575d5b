from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from distillguard.events import Quarantine, ReadStats


def _records(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_records_are_appended_with_truncated_raw(tmp_path: Path) -> None:
    path = tmp_path / "out" / "nested" / "quarantine.jsonl"
    with Quarantine(path, raw_limit=10) as quarantine:
        quarantine.add("a.jsonl", 3, "invalid JSON: x", b"0123456789abcdef")
        quarantine.add("a.jsonl", 4, "bad", "é" * 6)  # 12 bytes: the cut falls inside a char
        assert quarantine.count == 2
    with Quarantine(path) as quarantine:
        quarantine.add("b.parquet", 1, "bad", b"\xff\xfe not utf-8")
        assert quarantine.count == 1
    assert _records(path) == [
        {"source": "a.jsonl", "line": 3, "reason": "invalid JSON: x", "raw": "0123456789"},
        {"source": "a.jsonl", "line": 4, "reason": "bad", "raw": "ééééé"},
        {"source": "b.parquet", "line": 1, "reason": "bad", "raw": "\ufffd\ufffd not utf-8"},
    ]


def test_add_outside_the_with_block_fails(tmp_path: Path) -> None:
    quarantine = Quarantine(tmp_path / "q.jsonl")
    with pytest.raises(RuntimeError, match="outside its `with` block"):
        quarantine.add("a", 1, "r", b"")


def test_stats_merge() -> None:
    a = ReadStats(lines=5, blank=1, valid=2, quarantined=1, duplicates=1)
    a.reasons["bad_ts"] += 1
    b = ReadStats(lines=3, valid=1, quarantined=2)
    b.reasons.update({"bad_ts": 1, "invalid_json": 1})
    a.merge(b)
    assert (a.lines, a.blank, a.valid, a.quarantined, a.duplicates) == (8, 1, 3, 3, 1)
    assert a.reasons == {"bad_ts": 2, "invalid_json": 1}
