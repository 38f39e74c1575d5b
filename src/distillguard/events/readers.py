"""Stream v1 event, account and release files into Arrow.

Every input record ends up in exactly one place: a yielded batch, the quarantine file, the
duplicate count or the blank count, so a run can always account for its whole input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa
from pyarrow.lib import concat_batches  # missing from the stubs of the top-level module

from distillguard.events.account_record import parse_account
from distillguard.events.chunk_parser import parse_chunk, parse_records
from distillguard.events.chunks import iter_chunks
from distillguard.events.collector import ChunkCollector
from distillguard.events.errors import EventError, type_name
from distillguard.events.quarantine import Quarantine
from distillguard.events.schema import ACCOUNT_SCHEMA, RELEASE_SCHEMA
from distillguard.events.spool import map_spooled
from distillguard.events.stats import ReadStats
from distillguard.events.timestamps import parse_ts

if TYPE_CHECKING:
    from distillguard.engine.local import LocalEngine

DEFAULT_BATCH_SIZE = 20_000


def read_events(
    paths: Sequence[Path],
    quarantine: Quarantine,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    stats: ReadStats | None = None,
    engine: LocalEngine | None = None,
) -> Iterator[pa.RecordBatch]:
    """Yield ``EVENT_SCHEMA`` batches of at most ``batch_size`` valid events from ``paths``.

    Files are read in order, v1 records and OpenAI request/response pairs alike. Invalid
    records go to ``quarantine``; a repeated ``request_id`` (across all ``paths``) keeps its
    first record and is counted in ``stats.duplicates``. Every path is checked before any is
    read, so a missing or unsupported file raises at once; ``stats`` is complete once the
    iterator is exhausted. With an ``engine``, lines are parsed in its worker processes and
    this one only decompresses, cuts and collects.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    collector = ChunkCollector(quarantine, ReadStats() if stats is None else stats)
    chunks = iter_chunks(paths)
    parsed = (
        map(parse_chunk, chunks) if engine is None else map_spooled(engine, chunks, parse_chunk)
    )
    runs = (run for chunk in parsed for run in collector.collect_runs(chunk))
    yield from _rebatched(runs, batch_size)


def _rebatched(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    """``batches`` regrouped into batches of exactly ``size`` rows (the last one smaller).

    Each output is a fresh copy: a slice of a larger batch would drag all of it along when
    sent to another process.
    """
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        if not batch.num_rows:
            continue
        pending.append(batch)
        rows += batch.num_rows
        while rows >= size:
            last = pending.pop()
            keep = last.num_rows - (rows - size)  # rows of ``last`` that go out now
            yield concat_batches([*pending, last.slice(0, keep)])
            pending = [last.slice(keep)] if keep < last.num_rows else []
            rows -= size
    if rows:
        yield concat_batches(pending)


def read_accounts(path: Path, quarantine: Quarantine, stats: ReadStats | None = None) -> pa.Table:
    """The accounts file as an ``ACCOUNT_SCHEMA`` table.

    Invalid records go to ``quarantine``; so does a repeated ``account_id`` (its first record
    is kept), since two differing descriptions of one account cannot both be right.
    """
    collector = ChunkCollector(quarantine, ReadStats() if stats is None else stats)
    first_line: dict[str, int] = {}

    def first_account(line: int, obj: dict[str, Any]) -> dict[str, Any]:
        row = parse_account(obj)
        account_id = row["account_id"]
        if account_id in first_line:
            raise EventError(
                f"duplicate account_id {account_id!r} (first on line {first_line[account_id]})",
                "duplicate_account",
            )
        first_line[account_id] = line
        return row

    rows: list[dict[str, Any]] = []
    for item in iter_chunks([path]):
        records, tally = parse_records(item, first_account)
        collector.tally(tally)
        rows.extend(records)
    collector.stats.valid += len(rows)
    return pa.Table.from_pylist(rows, schema=ACCOUNT_SCHEMA)


def read_releases(path: Path) -> pa.Table:
    """The releases file (a JSON list of ``{"name", "ts"}``) as a ``RELEASE_SCHEMA`` table.

    It is small configuration, so any bad entry raises ``ValueError`` naming it.
    """
    path = Path(path)
    try:
        releases = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path}: invalid JSON: {exc}") from None
    if type(releases) is not list:
        raise ValueError(f"{path}: expected a JSON list of releases, got {type_name(releases)}")
    rows: list[dict[str, Any]] = []
    names: set[str] = set()
    for i, release in enumerate(releases):
        where = f"{path}: release [{i}]"
        if type(release) is not dict:
            raise ValueError(f"{where} must be an object, got {type_name(release)}")
        if release.keys() != {"name", "ts"}:
            raise ValueError(f"{where} must have exactly 'name' and 'ts', got {sorted(release)}")
        name = release["name"]
        if type(name) is not str or not name:
            raise ValueError(f"{where}: name must be a non-empty string, got {name!r}")
        if name in names:
            raise ValueError(f"{where}: model {name!r} is listed twice")
        names.add(name)
        try:
            ts = parse_ts(release["ts"])
        except EventError as exc:
            raise ValueError(f"{where}: {exc.reason}") from None
        rows.append({"name": name, "ts": ts})
    return pa.Table.from_pylist(rows, schema=RELEASE_SCHEMA)
