"""Real prompts (Chinese, multi-turn, tool-calling) survive the reader byte for byte."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.events.events_testkit import event, read_all, write_jsonl

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"corpora not found at {CORPORA}")
def test_corpus_conversations_round_trip(tmp_path: Path) -> None:
    records: list[dict[str, Any]] = []
    for corpus in sorted(CORPORA.glob("*.jsonl")):
        with corpus.open("rb") as fh:
            for line in islice(fh, 40):
                item = orjson.loads(line)
                records.append(
                    event(
                        len(records),
                        request_id=f"{corpus.stem}:{item['id']}",
                        messages=item["messages"],
                    )
                )
    assert len(records) > 200
    path = write_jsonl(tmp_path / "corpora.jsonl.zst", records, "zstd")
    result = read_all([path], tmp_path)
    assert result.stats.quarantined == 0
    assert result.table.column("messages").to_pylist() == [r["messages"] for r in records]
