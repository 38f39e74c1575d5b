from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from distillguard.events import Quarantine, ReadStats, parse_event, read_events
from distillguard.events import chunks as chunks_module
from distillguard.events import sources as sources_module
from distillguard.events.schema import EVENT_SCHEMA
from tests.events.events_testkit import event, read_all, write_jsonl

RECORDS = [event(i) for i in range(25)]
EXPECTED = [parse_event(record) for record in RECORDS]


@pytest.fixture
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the readers decompress 7-byte blocks, so lines straddle block borders, and cut
    chunks of a few lines, so records, rejects and duplicates straddle chunk borders."""
    monkeypatch.setattr(sources_module, "CHUNK_BYTES", 7)
    monkeypatch.setattr(chunks_module, "CHUNK_BYTES", 700)


@pytest.mark.parametrize(
    ("name", "compression"),
    [
        ("events.jsonl", None),
        ("events.ndjson", None),
        ("events.json", None),
        ("events.jsonl.gz", "gzip"),
        ("events.jsonl.zst", "zstd"),
        ("events.JSONL.ZSTD", "zstd"),
    ],
)
@pytest.mark.parametrize("chunks", ["default", "tiny"])
def test_jsonl_round_trip(
    tmp_path: Path, name: str, compression: str | None, chunks: str, request: pytest.FixtureRequest
) -> None:
    if chunks == "tiny":
        request.getfixturevalue("tiny_chunks")
    path = write_jsonl(tmp_path / name, RECORDS, compression)
    result = read_all([path], tmp_path)
    assert result.table.to_pylist() == EXPECTED
    assert (result.stats.lines, result.stats.valid, result.stats.quarantined) == (25, 25, 0)


def test_compression_is_detected_by_magic_bytes(tmp_path: Path) -> None:
    gz_named_plain = write_jsonl(tmp_path / "a.jsonl", RECORDS[:3], "gzip")
    zst_no_suffix = write_jsonl(tmp_path / "b", RECORDS[3:6], "zstd")
    plain_named_gz = write_jsonl(tmp_path / "c.jsonl.gz", RECORDS[6:9])
    result = read_all([gz_named_plain, zst_no_suffix, plain_named_gz], tmp_path)
    assert result.table.to_pylist() == EXPECTED[:9]


def test_concatenated_gzip_members_and_zstd_frames(tmp_path: Path) -> None:
    lines = [orjson.dumps(record) + b"\n" for record in RECORDS[:4]]
    gz = tmp_path / "multi.jsonl.gz"
    gz.write_bytes(gzip.compress(b"".join(lines[:2])) + gzip.compress(b"".join(lines[2:])))
    zst = tmp_path / "multi.jsonl.zst"
    compress = zstandard.ZstdCompressor().compress
    zst.write_bytes(compress(b"".join(lines[:1])) + compress(b"".join(lines[1:])))
    result = read_all([gz, zst], tmp_path)
    assert result.table.column("request_id").to_pylist() == [f"req-{i}" for i in range(4)]
    assert result.stats.duplicates == 4


def test_parquet_with_v1_columns(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(pa.Table.from_pylist(RECORDS), path)
    assert read_all([path], tmp_path).table.to_pylist() == EXPECTED


def test_parquet_with_event_schema_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    source = pa.Table.from_pylist(
        [parse_event(event(i, region="eu", tools=["t"])) for i in range(30)], schema=EVENT_SCHEMA
    )
    pq.write_table(source, path, row_group_size=8)
    result = read_all([path], tmp_path, batch_size=10)
    assert result.table.equals(source)
    assert result.batches == 3


def test_parquet_bad_rows_are_quarantined_with_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    rows = [event(0), event(1, ts="2025-03-01T10:00:00"), event(2), event(3, model="")]
    pq.write_table(pa.Table.from_pylist(rows), path)
    result = read_all([path], tmp_path)
    assert result.table.column("request_id").to_pylist() == ["req-0", "req-2"]
    assert [(q["line"], q["source"]) for q in result.quarantined] == [
        (2, str(path)),
        (4, str(path)),
    ]
    assert result.quarantined[0]["reason"] == "ts is not RFC 3339 UTC: '2025-03-01T10:00:00'"
    assert orjson.loads(result.quarantined[1]["raw"])["request_id"] == "req-3"


def test_malformed_lines_are_quarantined_with_line_and_reason(tmp_path: Path) -> None:
    lines: list[dict[str, object] | str] = [
        event(0),
        '{"ts": "2025-03-01T10:00:00Z", "request_id": ',
        "[1, 2, 3]",
        "",
        "   ",
        event(1, ts=...),
        event(2, messages=[]),
        event(3, messages=[{"role": "bot", "content": "x"}]),
        event(4, usage={"prompt_tokens": -5}),
        event(5, account_id=17),
        event(6, ts="last tuesday"),
        event(7),
    ]
    path = write_jsonl(tmp_path / "events.jsonl", lines)
    result = read_all([path], tmp_path)
    assert result.table.column("request_id").to_pylist() == ["req-0", "req-7"]
    got = [(q["source"], q["line"], q["reason"]) for q in result.quarantined]
    src = str(path)
    assert got[0][:2] == (src, 2) and got[0][2].startswith("invalid JSON: ")
    assert got[1:] == [
        (src, 3, "not a JSON object: got array"),
        (src, 6, "missing required field 'ts'"),
        (src, 7, "messages must be a non-empty list, got an empty list"),
        (src, 8, "messages[0] has unknown role 'bot'"),
        (src, 9, "usage.prompt_tokens must be a non-negative integer, got -5"),
        (src, 10, "account_id must be a non-empty string, got integer"),
        (src, 11, "ts is not RFC 3339 UTC: 'last tuesday'"),
    ]
    assert result.quarantined[1]["raw"] == "[1, 2, 3]"
    assert orjson.loads(result.quarantined[2]["raw"]) == event(1, ts=...)
    assert result.stats.blank == 2
    assert dict(result.stats.reasons) == {
        "invalid_json": 1,
        "not_an_object": 1,
        "missing_field": 1,
        "bad_messages": 2,
        "bad_usage": 1,
        "bad_field": 1,
        "bad_ts": 1,
    }


def test_duplicates_across_files_keep_the_first(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [event(1), event(2, response="first"), event(2)])
    second = write_jsonl(tmp_path / "b.jsonl.gz", [event(2, response="later"), event(3)], "gzip")
    result = read_all([first, second], tmp_path)
    assert result.table.column("request_id").to_pylist() == ["req-1", "req-2", "req-3"]
    assert result.table.column("response").to_pylist()[1] == "first"
    assert result.stats.duplicates == 2
    assert result.stats.quarantined == 0


def test_large_input_streams_in_batches(tmp_path: Path, tiny_chunks: None) -> None:
    path = write_jsonl(tmp_path / "events.jsonl", [event(i) for i in range(1050)])
    stats = ReadStats()
    with Quarantine(tmp_path / "q.jsonl") as quarantine:
        batches = read_events([path], quarantine, batch_size=100, stats=stats)
        sizes = [next(batches).num_rows]
        assert 100 <= stats.valid == stats.lines < 1050  # the file is still being read
        sizes += [batch.num_rows for batch in batches]
    assert sizes == [100] * 10 + [50]
    assert (stats.valid, stats.lines) == (1050, 1050)


def test_truncated_gzip_keeps_earlier_records_and_goes_on(tmp_path: Path) -> None:
    data = gzip.compress(b"".join(orjson.dumps(event(i)) + b"\n" for i in range(200)))
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(data[: len(data) * 2 // 3])
    after = write_jsonl(tmp_path / "after.jsonl", [event(1000)])
    result = read_all([broken, after], tmp_path)
    ids = result.table.column("request_id").to_pylist()
    assert ids[-1] == "req-1000"
    kept = len(ids) - 1
    assert 0 < kept < 200
    assert ids[:kept] == [f"req-{i}" for i in range(kept)]
    [record] = result.quarantined
    assert record["source"] == str(broken)
    assert record["line"] == kept + 1
    assert record["reason"] == (
        f"truncated gzip stream: the file ends mid-stream (records before line {kept + 1} "
        "were read)"
    )
    assert orjson.dumps(event(kept)).decode().startswith(record["raw"])
    assert result.stats.reasons == {"corrupt_file": 1}


@pytest.mark.parametrize("cut", [0.3, 0.9])
def test_truncated_zstd_keeps_earlier_records(tmp_path: Path, cut: float) -> None:
    data = zstandard.ZstdCompressor().compress(
        b"".join(orjson.dumps(event(i)) + b"\n" for i in range(300))
    )
    broken = tmp_path / "broken.jsonl.zst"
    broken.write_bytes(data[: int(len(data) * cut)])
    result = read_all([broken], tmp_path)
    kept = result.table.num_rows
    assert result.table.column("request_id").to_pylist() == [f"req-{i}" for i in range(kept)]
    assert [q["line"] for q in result.quarantined] == [kept + 1]
    assert result.quarantined[0]["reason"].startswith("truncated zstd stream")


def test_corrupt_gzip_data_is_quarantined(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(b"".join(orjson.dumps(event(i)) + b"\n" for i in range(50))))
    data[-8:-4] = bytes(4)  # wrong CRC32 in the trailer
    broken = tmp_path / "crc.jsonl.gz"
    broken.write_bytes(bytes(data))
    result = read_all([broken], tmp_path)
    [record] = result.quarantined
    assert record["reason"].startswith("corrupt gzip stream: ")
    assert result.stats.reasons == {"corrupt_file": 1}


def test_corrupt_parquet_is_quarantined_and_the_run_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not really parquet")
    good = write_jsonl(tmp_path / "good.jsonl", [event(1)])
    result = read_all([bad, good], tmp_path)
    assert result.table.num_rows == 1
    [record] = result.quarantined
    assert (record["source"], record["line"]) == (str(bad), 1)
    assert record["reason"].startswith("cannot read Parquet file: ")


def test_paths_are_checked_before_reading(tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", [event(1)])
    csv = tmp_path / "events.csv"
    csv.write_text("a,b\n")
    with Quarantine(tmp_path / "q.jsonl") as quarantine:
        with pytest.raises(ValueError, match=r"events\.csv: unsupported input file"):
            next(read_events([good, csv], quarantine))
        with pytest.raises(FileNotFoundError):
            next(read_events([good, tmp_path / "missing.jsonl"], quarantine))
        with pytest.raises(ValueError, match="batch_size must be positive"):
            next(read_events([good], quarantine, batch_size=0))


def test_line_endings_bom_and_missing_final_newline(tmp_path: Path) -> None:
    body = b"\r\n".join(orjson.dumps(event(i)) for i in range(3))
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + body)
    result = read_all([path], tmp_path)
    assert result.table.to_pylist() == EXPECTED[:3]


def test_overlong_line_is_quarantined_without_being_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_chunks: None
) -> None:
    monkeypatch.setattr(chunks_module, "MAX_LINE_BYTES", 1000)
    long_record = event(1, response="x" * 5000)
    path = write_jsonl(tmp_path / "events.jsonl", [event(0), long_record, event(2)])
    result = read_all([path], tmp_path)
    assert result.table.column("request_id").to_pylist() == ["req-0", "req-2"]
    [record] = result.quarantined
    size = len(orjson.dumps(long_record))
    assert (record["line"], record["reason"]) == (2, f"line is {size} bytes, over the limit")
    assert orjson.dumps(long_record).decode().startswith(record["raw"])
    assert result.stats.reasons == {"line_too_long": 1}


def test_unknown_fields_are_kept_in_extra(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e.jsonl", [event(0, region="eu", cost=0.5), event(1)])
    extra = read_all([path], tmp_path).table.column("extra").to_pylist()
    assert extra == ['{"cost":0.5,"region":"eu"}', None]


def test_empty_input_yields_nothing(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "empty.jsonl", [])
    result = read_all([path], tmp_path)
    assert (result.batches, result.stats.lines) == (0, 0)
