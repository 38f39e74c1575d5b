"""`scan --follow`: keep scoring a growing JSON Lines log in time-ordered micro-batches.

Each poll reads the newly completed lines and runs them through the batch scan's own stages
(parse, validate, quarantine, de-duplicate, signals). Live logs are slightly out of order, so
rows wait ``lateness`` of event time and are then fed to one long-lived ``CampaignReplay`` in
(ts, request_id) order, the order the batch scan replays. The replay and the per-account
features therefore see what the batch scan sees: a flag at time T used only events at or
before T, and the final verdicts of a followed file equal a batch scan of it. A row older than
one already fed would rewrite the past; it goes to the quarantine instead.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.campaigns import campaigns_to_json
from distillguard.engine.local import LocalEngine, stop_signals
from distillguard.events import (
    ChunkCollector,
    LineChunk,
    ParsedChunk,
    Quarantine,
    ReadStats,
    Reject,
    read_accounts,
)
from distillguard.events.tail import TailReader
from distillguard.scan import (
    ScanConfig,
    ScanResult,
    _hourly,
    _releases,
    parse_and_signal,
    score_accounts,
)
from distillguard.signals.schema import SIGNAL_SCHEMA
from distillguard.verdicts.assemble import write_verdicts
from distillguard.verdicts.campaign_flags import CampaignReplay

# A backlog (a follower started on a long file) is read in polls of about this many bytes, so
# verdicts and status lines keep coming while it catches up.
MAX_POLL_BYTES = 64 << 20
LATE_CATEGORY = "late_event"
_NAP_SECONDS = 0.05
_TS = SIGNAL_SCHEMA.field("ts").type
_TIME_ORDER: list[tuple[str, Literal["ascending", "descending"]]] = [
    ("ts", "ascending"),
    ("request_id", "ascending"),
]


@dataclass(frozen=True)
class FollowConfig:
    """A scan of one growing file (``scan.events``) and how to follow it."""

    scan: ScanConfig
    poll: float = 1.0  # seconds between reads once the end of the file is reached
    idle_exit: float | None = None  # stop after this many seconds without new bytes
    lateness: timedelta = timedelta(seconds=60)  # event time a row waits for older stragglers
    max_poll_bytes: int = MAX_POLL_BYTES

    def __post_init__(self) -> None:
        if len(self.scan.events) != 1:
            raise ValueError(f"--follow reads exactly one file, got {len(self.scan.events)}")
        if self.poll <= 0 or self.lateness < timedelta(0) or self.max_poll_bytes < 1:
            raise ValueError("poll and max_poll_bytes must be positive, lateness not negative")

    @property
    def path(self) -> Path:
        return self.scan.events[0]


@dataclass(frozen=True)
class PollStatus:
    """Where a follow stands after a poll, for its status line."""

    path: Path
    bytes_read: int  # by this poll
    events: int  # valid events read so far, fed or held back
    held: int  # valid events waiting for the lateness window to pass
    quarantined: int
    late: int  # of the quarantined: events older than one already fed
    flagged_accounts: int
    flagged_campaigns: int
    waiting: bool  # the file does not exist yet
    more: bool  # the poll stopped at its byte budget: poll again at once
    notices: tuple[str, ...] = ()

    def line(self) -> str:
        """The status line an operator reads."""
        if self.waiting:
            return f"waiting for {self.path} to be created"
        return (
            f"{self.events:,} events ({self.held:,} held back), {self.quarantined:,} "
            f"quarantined ({self.late:,} late), {self.flagged_accounts:,} accounts flagged, "
            f"{self.flagged_campaigns:,} campaigns flagged"
        )


class Follower:
    """The incremental state of one follow: the tail, the request ids seen, the rows held back,
    the signals fed so far and the campaign replay. ``poll`` advances it, ``finish`` ends it.

    Every poll that feeds rows rewrites ``verdicts.csv`` and ``campaigns.json`` (atomically);
    ``quarantine.jsonl`` grows as records are rejected.
    """

    def __init__(self, config: FollowConfig, engine: LocalEngine) -> None:
        self.config = config
        self._engine = engine
        self._started = time.perf_counter()
        scan = config.scan
        scan.out.mkdir(parents=True, exist_ok=True)
        self._quarantine_path = scan.out / "quarantine.jsonl"
        self._quarantine_path.unlink(missing_ok=True)  # one quarantine file per scan
        self.stats = ReadStats()
        with Quarantine(self._quarantine_path) as quarantine:
            self._accounts = (
                read_accounts(scan.accounts, quarantine, stats=self.stats)
                if scan.accounts
                else None
            )
            self._collector = ChunkCollector(quarantine, self.stats)
        self._releases = _releases(scan.releases)
        self._tail = TailReader(config.path)
        self._replay = CampaignReplay(self._accounts, scan.policy, interval=scan.campaign_interval)
        self._held = SIGNAL_SCHEMA.empty_table()
        self._fed = SIGNAL_SCHEMA.empty_table()
        self._last: tuple[pa.Scalar, str] | None = None  # (ts, request_id) of the last row fed
        self._newest: datetime | None = None  # the newest event time read
        self._late = 0
        self._verdicts: pl.DataFrame | None = None
        self._keys: pl.DataFrame | None = None
        self._notices: list[str] = []

    def poll(self) -> PollStatus:
        """Read what was appended, feed what the lateness window released, write verdicts."""
        before = self._tail.bytes_read
        with Quarantine(self._quarantine_path) as quarantine:
            self._collector.quarantine = quarantine  # reopened per poll, so it is flushed
            self._read(quarantine)
        read = self._tail.bytes_read - before
        if self._newest is not None and self._feed(self._newest - self.config.lateness):
            self._refresh()
        return self.status(read, more=read >= self.config.max_poll_bytes)

    def finish(self) -> ScanResult:
        """Feed the rows still held back, detect on the last interval, write final verdicts."""
        self._feed(None)
        self._replay.finish()
        self._refresh()
        if self._tail.pending_bytes:
            self._notices.append(
                f"{self._tail.pending_bytes:,} bytes of an unfinished last line of "
                f"{self.config.path} were not read (no newline yet)"
            )
        self.close()
        verdicts = self._verdicts
        assert verdicts is not None
        signals = self._fed
        return ScanResult(
            keys=self._keys,
            verdicts=verdicts,
            campaigns=self._replay.campaigns,
            stats=self.stats,
            hourly=_hourly(signals, verdicts),
            event_times=signals.select(["account_id", "ts"]),
            releases=self._releases,
            events=signals.num_rows,
            seconds=time.perf_counter() - self._started,
        )

    def close(self) -> None:
        """Close the followed file (``finish`` does); safe to call again."""
        self._tail.close()

    def status(self, bytes_read: int = 0, *, more: bool = False) -> PollStatus:
        """The status now; takes the notices gathered since the last status."""
        notices = (*self._tail.notices, *self._notices)
        self._tail.notices.clear()
        self._notices.clear()
        verdicts = self._verdicts
        return PollStatus(
            path=self.config.path,
            bytes_read=bytes_read,
            events=self._fed.num_rows + self._held.num_rows,
            held=self._held.num_rows,
            quarantined=self.stats.quarantined,
            late=self._late,
            flagged_accounts=int(verdicts["flagged"].sum()) if verdicts is not None else 0,
            flagged_campaigns=sum(c.flagged for c in self._replay.campaigns),
            waiting=not self._tail.found,
            more=more,
            notices=notices,
        )

    def _read(self, quarantine: Quarantine) -> None:
        in_flight: deque[LineChunk | Reject] = deque()

        def tracked(items: Iterable[LineChunk | Reject]) -> Iterator[LineChunk | Reject]:
            for item in items:
                in_flight.append(item)
                yield item

        chunks = tracked(self._tail.read(self.config.max_poll_bytes))
        parts = [self._held]
        for parsed in self._engine.map_batches(chunks, parse_and_signal):
            item = in_flight.popleft()  # results come back in input order
            runs = self._collector.collect_runs(parsed)
            if not runs:
                continue
            rows = self._drop_late(pa.Table.from_batches(runs), parsed, item, quarantine)
            newest = pc.max(rows["ts"]).as_py()
            if newest is not None and (self._newest is None or newest > self._newest):
                self._newest = newest
            parts.append(rows)
        self._held = pa.concat_tables(parts)

    def _drop_late(
        self, rows: pa.Table, parsed: ParsedChunk, item: LineChunk | Reject, q: Quarantine
    ) -> pa.Table:
        """``rows`` without those ordered before the last row fed, which are quarantined."""
        if self._last is None:
            return rows
        last_ts, last_id = self._last
        ts, ids = rows["ts"], rows["request_id"]
        before_last = pc.and_(pc.equal(ts, last_ts), pc.less(ids, pa.scalar(last_id)))
        late = pc.or_(pc.less(ts, last_ts), before_last)
        stale = rows.filter(late)
        if not stale.num_rows:
            return rows
        lines = _valid_lines(item, parsed)
        first: dict[str, int] = {}
        for i, request_id in enumerate(parsed.batch.column("request_id").to_pylist()):
            first.setdefault(str(request_id), i)
        after = f"{last_ts} (request {last_id})"
        lateness = self.config.lateness.total_seconds()
        for request_id, event_ts in zip(
            stale["request_id"].to_pylist(), stale["ts"].to_pylist(), strict=True
        ):
            line, raw = lines[first[str(request_id)]]
            reason = (
                f"late event: ts {event_ts} is older than {after}, which was already "
                f"scored; raise --lateness (now {lateness:g} s) to wait longer"
            )
            q.add(item.source, line, reason, raw)
        n = stale.num_rows
        self._late += n
        self.stats.valid -= n
        self.stats.quarantined += n
        self.stats.reasons[LATE_CATEGORY] += n
        return rows.filter(pc.invert(late))

    def _feed(self, before: datetime | None) -> int:
        """Feed the held rows older than ``before`` (all when None) in (ts, request_id) order."""
        held = self._held
        if before is None:
            ready, rest = held, SIGNAL_SCHEMA.empty_table()
        else:
            mask = pc.less(held["ts"], pa.scalar(before, _TS))
            ready, rest = held.filter(mask), held.filter(pc.invert(mask))
        if ready.num_rows == 0:
            return 0
        ready = ready.sort_by(_TIME_ORDER)
        step = max(1, self._replay.config.chunk_rows)
        for start in range(0, ready.num_rows, step):
            self._replay.feed(ready.slice(start, step))
        self._fed = pa.concat_tables([self._fed, ready])
        self._held = rest
        self._last = (ready["ts"][-1], ready["request_id"][-1].as_py())
        return ready.num_rows

    def _refresh(self) -> None:
        """Verdicts over every row fed so far, written where the batch scan writes them."""
        scan = self.config.scan
        # Shared-key statistics are cumulative in event time, so they hold for a prefix too.
        scored = score_accounts(self._fed, self._accounts, scan, self._replay.flags())
        verdicts = scored.verdicts
        self._verdicts = verdicts
        self._keys = scored.keys
        _replace(scan.out / "verdicts.csv", lambda tmp: write_verdicts(verdicts, str(tmp)))
        _replace(scan.out / "shared_keys.csv", lambda tmp: scored.keys.write_csv(tmp))
        campaigns = campaigns_to_json(self._replay.campaigns)
        _replace(scan.out / "campaigns.json", lambda tmp: tmp.write_bytes(campaigns))


def _valid_lines(item: LineChunk | Reject, parsed: ParsedChunk) -> list[tuple[int, bytes]]:
    """(line number, raw line) of each row of ``parsed.batch``: the lines of ``item`` that
    were neither blank nor rejected, as ``parse_records`` sorts them."""
    if isinstance(item, Reject):
        return []
    rejected = {reject.line for reject in parsed.tally.rejects}
    lines = item.data.split(b"\n")
    if item.data.endswith(b"\n"):
        lines.pop()
    valid = [
        (line, text)
        for line, text in enumerate(lines, item.first_line)
        if line not in rejected and text.strip()
    ]
    if len(valid) != parsed.batch.num_rows:
        raise RuntimeError(f"{len(valid)} valid lines for {parsed.batch.num_rows} parsed rows")
    return valid


def _replace(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` through a temporary file beside it, so a reader never sees half of it."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


class SignalStop:
    """Asks a follow to stop on SIGINT or SIGTERM once its current poll is done: ``stop`` is
    the ``stop_signals`` handler, ``wait`` the nap between polls.

    The handler only sets a flag, so no poll is cut short and the final verdicts are written.
    """

    def __init__(self) -> None:
        self.stopped = False

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True once a stop signal has come."""
        deadline = time.monotonic() + seconds
        while not self.stopped and (left := deadline - time.monotonic()) > 0:
            # Short naps: a signal taken by another thread does not wake this one.
            time.sleep(min(left, _NAP_SECONDS))
        return self.stopped

    def stop(self, signum: int) -> None:
        self.stopped = True


def follow(
    config: FollowConfig,
    on_status: Callable[[PollStatus], None] | None = None,
    wait: Callable[[float], bool] | None = None,
) -> ScanResult:
    """Follow ``config.path`` until stopped, then write the final verdicts and return them.

    ``wait(seconds)`` sleeps between polls and returns True to stop; by default SIGINT and
    SIGTERM stop (main thread only). ``idle_exit`` stops after that long without new bytes.
    ``on_status`` hears every poll that read something or has news, and the final status.
    """
    report = on_status or (lambda status: None)
    with contextlib.ExitStack() as stack:
        if wait is None:
            stop = SignalStop()
            stack.enter_context(stop_signals(stop.stop))
            wait = stop.wait
        # Lines are parsed in this process: a poll is small next to the campaign replay.
        engine = stack.enter_context(LocalEngine(workers=1))
        follower = Follower(config, engine)
        stack.callback(follower.close)
        idle_since = time.monotonic()
        first = True
        while True:
            status = follower.poll()
            if first or status.bytes_read or status.notices:
                report(status)
            first = False
            now = time.monotonic()
            if status.bytes_read:
                idle_since = now
            elif config.idle_exit is not None and now - idle_since >= config.idle_exit:
                break
            if wait(0.0 if status.more else config.poll):
                break
        result = follower.finish()
        report(follower.status())
        return result
