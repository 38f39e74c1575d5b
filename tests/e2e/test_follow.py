"""`scan --follow`: a log followed while it is written ends where the batch scan of it ends,
and every verdict written on the way is one the batch scan also reached by then."""

from __future__ import annotations

import csv
import gzip
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from distillguard.cli import app
from distillguard.engine.local import LocalEngine
from distillguard.events import LineChunk, Reject
from distillguard.events.tail import TailReader
from distillguard.follow import FollowConfig, Follower
from distillguard.scan import ScanConfig, scan
from distillguard.simulate import scenario_config, simulate

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)
runner = CliRunner()


@dataclass(frozen=True)
class Scenario:
    data: Path
    complete: Path  # the events as plain JSON Lines, as written (slightly out of time order)
    live: Path  # where the batch scan read them and a follow test may write them again
    batch: Path  # output of the batch scan


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    root = tmp_path_factory.mktemp("follow")
    data = root / "data"
    simulate(scenario_config(scale=0.03, seed=5), data, progress=False, workers=1)
    live, complete = root / "events.jsonl", root / "complete.jsonl"
    live.write_bytes(gzip.decompress((data / "events.jsonl.gz").read_bytes()))
    scan(_scan_config(live, data, root / "batch"))
    live.rename(complete)  # quarantine records name ``live``: a follow must read it there
    return Scenario(data, complete, live, root / "batch")


def _scan_config(events: Path, data: Path | None, out: Path) -> ScanConfig:
    return ScanConfig(
        events=[events],
        out=out,
        accounts=data / "accounts.jsonl" if data else None,
        workers=1,
        progress=False,
    )


@pytest.fixture
def engine() -> Iterator[LocalEngine]:
    with LocalEngine(workers=1) as local:
        yield local


def _flags(verdicts: Path) -> dict[str, str]:
    with verdicts.open() as fh:
        return {
            r["account_id"]: r["first_flagged_at"]
            for r in csv.DictReader(fh)
            if r["flagged"] == "true"
        }


def test_a_log_followed_in_pieces_ends_as_the_batch_scan_of_it(
    scenario: Scenario, engine: LocalEngine, tmp_path: Path
) -> None:
    # The simulator writes events in completion order, up to a few minutes out of event-time
    # order; an hour of lateness holds every straggler back until it can be fed in order.
    complete = scenario.complete.read_bytes()
    live, out = scenario.live, tmp_path / "out"
    config = FollowConfig(
        _scan_config(live, scenario.data, out),
        lateness=timedelta(hours=1),
        max_poll_bytes=len(complete) // 9,
    )
    follower = Follower(config, engine)
    assert follower.poll().waiting
    n = len(complete)
    cuts = [0, 999, n // 8 + 17, n // 3, n // 2 + 5, 3 * n // 4, n - 40, n]  # mostly mid-line
    final_flags = _flags(scenario.batch / "verdicts.csv")
    snapshots = 0
    with live.open("ab") as writer:
        for lo, hi in pairwise(cuts):
            writer.write(complete[lo:hi])
            writer.flush()
            status = follower.poll()
            while status.more:
                status = follower.poll()
            if (out / "verdicts.csv").exists():
                snapshots += 1
                # Mid-stream flags are online: each is final, with its final time.
                flags = _flags(out / "verdicts.csv")
                assert {a: final_flags.get(a) for a in flags} == flags
    assert snapshots >= 4
    assert status.events > 0 and status.late == 0 and not status.waiting
    result = follower.finish()

    for name in ("verdicts.csv", "campaigns.json", "quarantine.jsonl"):
        assert (out / name).read_bytes() == (scenario.batch / name).read_bytes(), name
    assert result.flagged == len(final_flags) > 0
    assert any(c["risk"] > 0 for c in orjson.loads((out / "campaigns.json").read_bytes()))
    assert result.stats.quarantined > 0, "the simulator injects malformed lines"
    assert result.stats.duplicates > 0, "the simulator injects duplicate lines"


def _event(request_id: str, minutes: float, account: str = "acct-1") -> bytes:
    record = {
        "ts": (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z"),
        "request_id": request_id,
        "account_id": account,
        "model": "m-1",
        "messages": [{"role": "user", "content": f"question {request_id}"}],
    }
    return orjson.dumps(record) + b"\n"


def _follower(live: Path, out: Path, engine: LocalEngine, lateness: float = 60) -> Follower:
    scan_config = _scan_config(live, None, out)
    return Follower(FollowConfig(scan_config, lateness=timedelta(seconds=lateness)), engine)


def test_a_partial_last_line_waits_for_its_newline(tmp_path: Path, engine: LocalEngine) -> None:
    live = tmp_path / "events.jsonl"
    second = _event("r2", 1)
    live.write_bytes(_event("r1", 0) + second[:25])
    follower = _follower(live, tmp_path / "out", engine)
    status = follower.poll()
    assert (status.events, status.quarantined) == (1, 0)
    with live.open("ab") as fh:
        fh.write(second[25:] + _event("r3", 2)[:10])
    status = follower.poll()
    assert (status.events, status.quarantined) == (2, 0)
    result = follower.finish()
    assert (result.events, result.stats.quarantined) == (2, 0)
    assert any("unfinished last line" in notice for notice in follower.status().notices)


def test_malformed_and_late_events_are_quarantined_with_their_reasons(
    tmp_path: Path, engine: LocalEngine
) -> None:
    live, out = tmp_path / "events.jsonl", tmp_path / "out"
    live.write_bytes(_event("r1", 0) + _event("r2", 10))
    follower = _follower(live, out, engine, lateness=60)
    status = follower.poll()  # r1 is fed: older than the newest event (r2) minus 60 s
    assert (status.events, status.held) == (2, 1)
    late = _event("r0", -5)
    with live.open("ab") as fh:
        fh.write(b'{"ts": "not json\n' + late + _event("r3", 5))  # r3 is out of order, in time
    status = follower.poll()
    assert (status.events, status.quarantined, status.late) == (3, 2, 1)
    result = follower.finish()

    assert result.events == 3
    assert result.stats.reasons["late_event"] == 1
    records = [orjson.loads(line) for line in (out / "quarantine.jsonl").read_bytes().splitlines()]
    by_line = {r["line"]: r for r in records}
    assert set(by_line) == {3, 4}
    assert by_line[3]["reason"].startswith("invalid JSON")
    assert by_line[4]["reason"].startswith("late event: ")
    assert by_line[4]["raw"] == late.decode().rstrip("\n")
    assert all(r["source"] == str(live) for r in records)
    with (out / "verdicts.csv").open() as fh:
        assert [r["account_id"] for r in csv.DictReader(fh)] == ["acct-1"]


def _chunk_lines(items: list[LineChunk | Reject]) -> list[tuple[int, bytes]]:
    lines: list[tuple[int, bytes]] = []
    for item in items:
        assert isinstance(item, LineChunk)
        lines.extend(enumerate(item.data.splitlines(), item.first_line))
    return lines


def test_the_tail_rereads_a_truncated_or_replaced_file_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    tail = TailReader(path, chunk_bytes=8)
    assert list(tail.read(1 << 20)) == [] and not tail.found
    path.write_bytes(b"\xef\xbb\xbfa\nb\nc")
    assert _chunk_lines(list(tail.read(1 << 20))) == [(1, b"a"), (2, b"b")]
    assert tail.pending_bytes == 1
    path.write_bytes(b"x\n")  # truncated in place and rewritten
    assert _chunk_lines(list(tail.read(1 << 20))) == [(3, b"c"), (1, b"x")]
    assert any("truncated" in notice for notice in tail.notices)
    with path.open("ab") as fh:
        fh.write(b"y\n")
    os.rename(path, tmp_path / "events.1.jsonl")  # rotated: the old file's tail is still read
    path.write_bytes(b"z\n")
    assert _chunk_lines(list(tail.read(1 << 20))) == [(2, b"y"), (1, b"z")]
    assert any("replaced" in notice for notice in tail.notices)
    tail.close()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("events.jsonl.gz", b"", "compressed"),
        ("events.parquet", b"", "not a JSON Lines file"),
        ("events.jsonl", gzip.compress(b"{}\n", mtime=0), "gzip-compressed"),
    ],
    ids=["compressed-name", "parquet-name", "gzip-inside"],
)
def test_follow_refuses_a_file_that_is_not_plain_json_lines(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(app, ["scan", str(path), "--follow", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert message in result.output


def test_follow_reads_one_file_and_its_options_need_it(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    result = runner.invoke(app, ["scan", str(a), str(b), "--follow", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "exactly one file" in result.output
    a.write_bytes(_event("r1", 0))
    result = runner.invoke(app, ["scan", str(a), "--lateness", "5", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "need --follow" in result.output


def test_sigint_stops_the_follow_and_writes_final_verdicts(tmp_path: Path) -> None:
    live, out = tmp_path / "events.jsonl", tmp_path / "out"
    command = [
        *(sys.executable, "-m", "distillguard", "scan", str(live), "--follow"),
        *("--out", str(out), "--poll", "0.05", "--lateness", "0", "--idle-exit", "120"),
        *("--no-progress", "--no-report"),
    ]
    # A session of its own, so Ctrl-C can be mimicked: SIGINT to the whole process group,
    # worker processes included.
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert process.stderr is not None
        first = process.stderr.readline()  # --idle-exit ends the process if this test hangs
        assert "waiting for" in first, "the file does not exist yet: the follower waits for it"
        live.write_bytes(_event("r1", 0, "acct-a") + _event("r2", 1, "acct-b"))
        deadline = time.monotonic() + 120
        while not (out / "verdicts.csv").exists():  # acct-a is fed; acct-b, the newest, waits
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, "no worker process was interrupted mid-chunk"
    with (out / "verdicts.csv").open() as fh:
        assert [r["account_id"] for r in csv.DictReader(fh)] == ["acct-a", "acct-b"]
