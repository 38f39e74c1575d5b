"""The chunked reading path: cutting, parsing in workers and collecting in input order."""

from __future__ import annotations

import dataclasses
import gzip
import pickle
import tempfile
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillguard.engine.local import LocalEngine
from distillguard.events import Quarantine, ReadStats, parse_event, read_events
from distillguard.events import chunks as chunks_module
from distillguard.events import sources as sources_module
from distillguard.events.chunk_parser import ParsedChunk, parse_chunk
from distillguard.events.chunks import LineChunk, Reject, iter_chunks
from distillguard.events.collector import ChunkCollector
from tests.events.events_testkit import event, read_all, write_jsonl


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decompress in 13-byte blocks, so every line straddles block borders."""
    monkeypatch.setattr(sources_module, "CHUNK_BYTES", 13)


def _lines(n: int) -> list[bytes]:
    return [orjson.dumps(event(i)) for i in range(n)]


def _chunks(path: Path, **kwargs: int) -> list[LineChunk | Reject]:
    return list(iter_chunks([path], **kwargs))


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
def test_chunks_hold_whole_lines_numbered_across_chunks(
    tmp_path: Path, compression: str | None, small_blocks: None
) -> None:
    lines = _lines(40)
    path = write_jsonl(tmp_path / "e.jsonl", lines, compression)
    chunks = _chunks(path, chunk_bytes=1000)
    assert all(isinstance(chunk, LineChunk) for chunk in chunks)
    assert len(chunks) > 5
    line = 1
    for chunk in chunks:
        assert isinstance(chunk, LineChunk)
        assert (chunk.source, chunk.kind, chunk.first_line) == (str(path), "jsonl", line)
        assert chunk.data.endswith(b"\n")
        assert len(chunk.data) < 1000 + len(max(lines, key=len)) + 13
        line += chunk.data.count(b"\n")
    assert b"".join(c.data for c in chunks if isinstance(c, LineChunk)).splitlines() == lines


def test_a_chunk_is_at_least_one_block_cut_at_its_last_newline(tmp_path: Path) -> None:
    lines = _lines(30)
    path = write_jsonl(tmp_path / "e.jsonl", lines)
    [chunk] = _chunks(path, chunk_bytes=1)  # the whole file is one 4 MiB block
    assert isinstance(chunk, LineChunk)
    assert chunk.data.splitlines() == lines


def test_last_line_without_newline_and_bom(tmp_path: Path, small_blocks: None) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(_lines(5)))
    chunks = _chunks(path, chunk_bytes=200)
    data = b"".join(c.data for c in chunks if isinstance(c, LineChunk))
    assert data == b"\n".join(_lines(5))
    result = read_all([path], tmp_path)
    assert result.table.column("request_id").to_pylist() == [f"req-{i}" for i in range(5)]


def test_rejects_carry_their_file_line_across_chunks(tmp_path: Path, small_blocks: None) -> None:
    records: list[dict[str, object] | str] = [event(i) for i in range(30)]
    for line in (3, 11, 12, 29):
        records[line - 1] = "{not json"
    records[19] = ""
    path = write_jsonl(tmp_path / "e.jsonl", records)
    chunks = _chunks(path, chunk_bytes=500)
    assert len(chunks) > 5
    parsed = [parse_chunk(chunk) for chunk in chunks]
    rejects = [reject for p in parsed for reject in p.tally.rejects]
    assert [r.line for r in rejects] == [3, 11, 12, 29]
    assert {(r.source, r.category, r.raw) for r in rejects} == {
        (str(path), "invalid_json", b"{not json")
    }
    assert sum(p.tally.lines for p in parsed) == 30
    assert sum(p.tally.blank for p in parsed) == 1


def test_truncated_gzip_mid_file_keeps_the_chunks_before_the_break(
    tmp_path: Path, small_blocks: None
) -> None:
    lines = _lines(100)
    data = gzip.compress(b"".join(line + b"\n" for line in lines))
    path = tmp_path / "broken.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    *chunks, fault = _chunks(path, chunk_bytes=700)
    assert len(chunks) > 3
    kept = b"".join(c.data for c in chunks if isinstance(c, LineChunk)).splitlines()
    assert kept == lines[: len(kept)]
    assert isinstance(fault, Reject)
    assert (fault.line, fault.category) == (len(kept) + 1, "corrupt_file")
    assert fault.reason == (
        "truncated gzip stream: the file ends mid-stream "
        f"(records before line {len(kept) + 1} were read)"
    )
    assert lines[len(kept)].startswith(fault.raw)


@pytest.mark.parametrize("blocks", ["small", "large"])
def test_overlong_lines_become_rejects_holding_their_start(
    tmp_path: Path, blocks: str, request: pytest.FixtureRequest
) -> None:
    if blocks == "small":
        request.getfixturevalue("small_blocks")  # the long line is carried across blocks
    long_line = orjson.dumps(event(1, response="x" * 9000))
    lines = [*_lines(1), long_line, *_lines(3)[2:], long_line]  # the last has no newline
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"\n".join(lines))
    items = _chunks(path, chunk_bytes=10_000, max_line_bytes=1000)
    faults = [item for item in items if isinstance(item, Reject)]
    assert [(f.line, f.category) for f in faults] == [(2, "line_too_long"), (4, "line_too_long")]
    assert faults[0].reason == f"line is {len(long_line)} bytes, over the limit"
    assert faults[0].raw == long_line[:4096]
    chunks = [item for item in items if isinstance(item, LineChunk)]
    assert [(c.first_line, c.data.splitlines()) for c in chunks] == [
        (1, lines[:1]),
        (3, lines[2:3]),
    ]


def test_parquet_chunks_are_row_batches_numbered_by_row(tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    rows = [event(i) if i % 10 else event(i, model="") for i in range(200)]
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=50)
    chunks = _chunks(path, chunk_bytes=4000)
    assert len(chunks) > 3
    parsed = [parse_chunk(chunk) for chunk in chunks]
    firsts = [c.first_line for c in chunks if isinstance(c, LineChunk)]
    assert firsts[0] == 1
    assert [b - a for a, b in pairwise(firsts)] == [p.tally.lines for p in parsed[:-1]]
    assert [r.line for p in parsed for r in p.tally.rejects] == list(range(1, 201, 10))
    ids = [i for p in parsed for i in p.batch.column("request_id").to_pylist()]
    assert ids == [f"req-{i}" for i in range(200) if i % 10]


def test_corrupt_parquet_is_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 not parquet")
    [fault] = _chunks(path)
    assert isinstance(fault, Reject)
    assert (fault.line, fault.category, fault.raw) == (1, "corrupt_file", b"")
    assert parse_chunk(fault).tally.lines == 1


def test_iter_chunks_checks_every_path_and_size_first(tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", _lines(1))
    with pytest.raises(FileNotFoundError):
        next(iter_chunks([good, tmp_path / "missing.jsonl"]))
    with pytest.raises(ValueError, match="must be positive"):
        next(iter_chunks([good], chunk_bytes=0))


def test_chunks_and_parsed_chunks_survive_pickling(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e.jsonl", [*_lines(3), "[1]"])
    [chunk] = _chunks(path)
    assert pickle.loads(pickle.dumps(chunk)) == chunk
    parsed = pickle.loads(pickle.dumps(parse_chunk(chunk)))
    assert parsed.batch.equals(parse_chunk(chunk).batch)
    assert parsed.digests.tolist() == parse_chunk(chunk).digests.tolist()
    assert parsed.tally == parse_chunk(chunk).tally


def _collect(tmp_path: Path, parsed: list[ParsedChunk]) -> tuple[list[pa.RecordBatch], ReadStats]:
    stats = ReadStats()
    with Quarantine(tmp_path / "q.jsonl") as quarantine:
        collector = ChunkCollector(quarantine, stats)
        return [collector.collect(p) for p in parsed], stats


def test_collector_keeps_the_first_of_duplicates_across_chunks(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [event(1), event(2, response="first")])
    second = write_jsonl(tmp_path / "b.jsonl", [event(2, response="later"), event(3), event(1)])
    batches, stats = _collect(tmp_path, [parse_chunk(c) for c in iter_chunks([first, second])])
    assert [b.column("request_id").to_pylist() for b in batches] == [["req-1", "req-2"], ["req-3"]]
    assert batches[0].column("response").to_pylist() == ["Answer 1.", "first"]
    assert (stats.lines, stats.valid, stats.duplicates) == (5, 3, 2)


def test_collector_keeps_runs_between_duplicates_without_copying(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [event(1), event(4)])
    ids = [2, 1, 3, 5, 4, 4, 6]
    second = write_jsonl(tmp_path / "b.jsonl", [event(i) for i in ids])
    parsed = [parse_chunk(c) for c in iter_chunks([first, second])]
    stats = ReadStats()
    with Quarantine(tmp_path / "q.jsonl") as quarantine:
        collector = ChunkCollector(quarantine, stats)
        collector.collect_runs(parsed[0])
        runs = collector.collect_runs(parsed[1])
    assert [r.column("request_id").to_pylist() for r in runs] == [
        ["req-2"],
        ["req-3", "req-5"],
        ["req-6"],
    ]
    assert {r.get_total_buffer_size() for r in runs} == {parsed[1].batch.get_total_buffer_size()}
    [_, kept], _ = _collect(tmp_path, parsed)
    assert kept.column("request_id").to_pylist() == ["req-2", "req-3", "req-5", "req-6"]
    [_, _, none], _ = _collect(tmp_path, [*parsed, parsed[0]])
    assert none.num_rows == 0
    assert none.schema == parsed[0].batch.schema
    assert stats.duplicates == 3


def test_collector_filters_a_row_aligned_batch_swapped_in_by_a_worker(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [event(1), event(2), event(1)])
    [chunk] = _chunks(path)
    parsed = parse_chunk(chunk)
    slim = dataclasses.replace(parsed, batch=parsed.batch.select(["request_id", "ts"]))
    [kept], _ = _collect(tmp_path, [slim])
    assert kept.schema.names == ["request_id", "ts"]
    assert kept.column("request_id").to_pylist() == ["req-1", "req-2"]
    misaligned = dataclasses.replace(parsed, batch=parsed.batch.slice(1))
    with pytest.raises(ValueError, match="2 rows but 3 request id digests"):
        _collect(tmp_path, [misaligned])


def test_read_events_in_worker_processes_matches_the_in_process_read(tmp_path: Path) -> None:
    records: list[dict[str, object] | str] = [event(i) for i in range(300)]
    records[7] = "oops"
    records[250] = records[3]
    path = write_jsonl(tmp_path / "e.jsonl.gz", records, "gzip")
    here = read_all([path], tmp_path, batch_size=64)
    stats = ReadStats()
    with (
        Quarantine(tmp_path / "workers.jsonl") as quarantine,
        pytest.MonkeyPatch.context() as patch,
        LocalEngine(workers=2) as engine,
    ):
        patch.setattr(sources_module, "CHUNK_BYTES", 4096)
        patch.setattr(chunks_module, "CHUNK_BYTES", 5000)  # about 20 chunks, cut here
        batches = list(read_events([path], quarantine, batch_size=64, stats=stats, engine=engine))
    assert [b.num_rows for b in batches] == [64] * 4 + [42]
    assert pa.Table.from_batches(batches).equals(here.table)
    assert stats == here.stats
    assert (tmp_path / "workers.jsonl").read_bytes() == (
        tmp_path / "out" / "quarantine.jsonl"
    ).read_bytes()


def test_read_events_batches_own_their_memory(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e.jsonl", [event(i, response="y" * 2000) for i in range(100)])
    result = read_all([path], tmp_path, batch_size=10)
    whole = result.table.combine_chunks().to_batches()[0].get_total_buffer_size()
    sizes = [batch.get_total_buffer_size() for batch in result.table.to_batches()]
    assert len(sizes) == 10
    assert max(sizes) < whole / 5


def _events_of(parsed: Iterator[ParsedChunk]) -> list[dict[str, object]]:
    return [row for p in parsed for row in p.batch.to_pylist()]


def test_pairs_and_v1_records_parse_alike(tmp_path: Path) -> None:
    pair = {
        "request": {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        "response": {"id": "r-1", "created": 1_700_000_000},
        "metadata": {"account": "a-1"},
    }
    path = write_jsonl(tmp_path / "e.jsonl", [pair, event(5)])
    rows = _events_of(parse_chunk(c) for c in iter_chunks([path]))
    assert rows[1] == parse_event(event(5))
    assert (rows[0]["request_id"], rows[0]["account_id"], rows[0]["model"]) == ("r-1", "a-1", "m")


_LINES = st.one_of(
    st.integers(0, 30).map(lambda i: orjson.dumps(event(i))),  # repeats are duplicates
    st.integers(0, 30).map(lambda i: orjson.dumps(event(i, response="z" * 700))),  # too long
    st.sampled_from([b"", b" ", b"\r", b"{bad", b"[1]", orjson.dumps(event(3, ts="no"))]),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(_LINES, max_size=40),
    ending=st.sampled_from([b"\n", b"\r\n"]),
    final_newline=st.booleans(),
    bom=st.booleans(),
    compression=st.sampled_from([None, "gzip"]),
    block=st.integers(4, 700),
    chunk=st.integers(1, 3000),
    batch_size=st.integers(1, 50),
)
def test_any_chunking_reads_exactly_like_one_chunk(
    lines: list[bytes],
    ending: bytes,
    final_newline: bool,
    bom: bool,
    compression: str | None,
    block: int,
    chunk: int,
    batch_size: int,
) -> None:
    body = ending.join(lines) + (ending if final_newline and lines else b"")
    data = (b"\xef\xbb\xbf" if bom else b"") + body
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        folder = Path(tmp)
        path = folder / "e.jsonl"
        path.write_bytes(gzip.compress(data) if compression else data)
        patch.setattr(chunks_module, "MAX_LINE_BYTES", 1000)
        whole = read_all([path], folder / "whole", batch_size=batch_size)
        patch.setattr(sources_module, "CHUNK_BYTES", block)
        patch.setattr(chunks_module, "CHUNK_BYTES", chunk)
        cut = read_all([path], folder / "cut", batch_size=batch_size)
    assert cut.table.equals(whole.table)
    assert cut.stats == whole.stats
    assert cut.quarantined == whole.quarantined
    assert whole.stats.lines == len(lines) - (not final_newline and lines[-1:] == [b""])
