"""Stream v1 event, account and release files into Arrow.

Every input record ends up in exactly one place: a yielded batch, the quarantine file, the
duplicate count or the blank count, so a run can always account for its whole input.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.events.account_record import parse_account
from distillguard.events.dedup import SeenDigests, digests
from distillguard.events.errors import EventError, type_name
from distillguard.events.event_record import ROW_FIELDS, event_row
from distillguard.events.openai_pairs import is_pair, pair_to_event
from distillguard.events.quarantine import Quarantine
from distillguard.events.schema import ACCOUNT_SCHEMA, EVENT_SCHEMA, RELEASE_SCHEMA
from distillguard.events.sources import CorruptSourceError, LongLine, Source, detect, iter_lines
from distillguard.events.stats import ReadStats
from distillguard.events.timestamps import parse_ts

DEFAULT_BATCH_SIZE = 20_000
_MESSAGES_TYPE = EVENT_SCHEMA.field("messages").type
_MESSAGE_FIELDS = tuple(_MESSAGES_TYPE.value_type)


def read_events(
    paths: Sequence[Path],
    quarantine: Quarantine,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    stats: ReadStats | None = None,
) -> Iterator[pa.RecordBatch]:
    """Yield ``EVENT_SCHEMA`` batches of at most ``batch_size`` valid events from ``paths``.

    Files are read in order, v1 records and OpenAI request/response pairs alike. Invalid
    records go to ``quarantine``; a repeated ``request_id`` (across all ``paths``) keeps its
    first record and is counted in ``stats.duplicates`` (so a batch may hold fewer rows).
    Every path is checked before any is read, so a missing or unsupported file raises at
    once; ``stats`` is complete once the iterator is exhausted.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    sources = [detect(Path(path)) for path in paths]
    stats = ReadStats() if stats is None else stats
    seen = SeenDigests()
    rows: list[tuple[Any, ...]] = []
    for source in sources:
        for line, raw, obj in _objects(source, quarantine, stats, batch_size):
            try:
                rows.append(event_row(pair_to_event(obj) if is_pair(obj) else obj))
            except EventError as exc:
                _reject(quarantine, stats, source, line, exc, raw, obj)
                continue
            if len(rows) >= batch_size:
                yield _unique_batch(rows, seen, stats)
                rows = []
    if rows:
        yield _unique_batch(rows, seen, stats)


def _unique_batch(
    rows: list[tuple[Any, ...]], seen: SeenDigests, stats: ReadStats
) -> pa.RecordBatch:
    """The batch of ``rows`` whose ``request_id`` the run has not seen before."""
    first = seen.first_seen(digests([row[1] for row in rows]))
    if not first.all():
        rows = [row for row, keep in zip(rows, first.tolist(), strict=True) if keep]
    stats.duplicates += len(first) - len(rows)
    stats.valid += len(rows)
    return _events_batch(rows)


def _events_batch(rows: Sequence[tuple[Any, ...]]) -> pa.RecordBatch:
    """One ``EVENT_SCHEMA`` batch from ``event_row`` tuples."""
    columns = dict(
        zip(ROW_FIELDS, zip(*rows, strict=True) if rows else [()] * len(ROW_FIELDS), strict=True)
    )
    arrays = [
        _messages_array(columns["roles"], columns["contents"])
        if field.name == "messages"
        else pa.array(columns[field.name], type=field.type)
        for field in EVENT_SCHEMA
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=EVENT_SCHEMA)


def _messages_array(
    roles: Sequence[tuple[str, ...]], contents: Sequence[tuple[str, ...]]
) -> pa.Array:
    # Built from flat role/content columns: several times faster than converting dicts.
    offsets = [0]
    total = 0
    for row_roles in roles:
        total += len(row_roles)
        offsets.append(total)
    values = pa.StructArray.from_arrays(
        [
            pa.array(list(chain.from_iterable(roles)), pa.string()),
            pa.array(list(chain.from_iterable(contents)), pa.string()),
        ],
        fields=list(_MESSAGE_FIELDS),
    )
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=_MESSAGES_TYPE)


def read_accounts(path: Path, quarantine: Quarantine, stats: ReadStats | None = None) -> pa.Table:
    """The accounts file as an ``ACCOUNT_SCHEMA`` table.

    Invalid records go to ``quarantine``; so does a repeated ``account_id`` (its first record
    is kept), since two differing descriptions of one account cannot both be right.
    """
    source = detect(Path(path))
    stats = ReadStats() if stats is None else stats
    first_line: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for line, raw, obj in _objects(source, quarantine, stats, DEFAULT_BATCH_SIZE):
        try:
            row = parse_account(obj)
            account_id = row["account_id"]
            if account_id in first_line:
                raise EventError(
                    f"duplicate account_id {account_id!r} (first on line {first_line[account_id]})",
                    "duplicate_account",
                )
        except EventError as exc:
            _reject(quarantine, stats, source, line, exc, raw, obj)
            continue
        first_line[account_id] = line
        rows.append(row)
    stats.valid += len(rows)
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


def _objects(
    source: Source, quarantine: Quarantine, stats: ReadStats, batch_size: int
) -> Iterator[tuple[int, bytes | None, dict[str, Any]]]:
    """``(line, raw, object)`` for each JSON object of ``source``; ``raw`` is ``None`` for
    Parquet rows. Blank lines are counted; everything else that is not an object is
    quarantined, including a file that cannot be read to its end."""
    line = 0
    try:
        if source.kind == "parquet":
            for line, obj in enumerate(_parquet_rows(source, batch_size), 1):
                yield line, None, obj
            stats.lines += line
            return
        for line, text in enumerate(iter_lines(source), 1):
            if isinstance(text, LongLine):
                error = EventError(f"line is {text.length} bytes, over the limit", "line_too_long")
                _reject(quarantine, stats, source, line, error, text.prefix, None)
                continue
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                if text.isspace() or not text:
                    stats.blank += 1
                else:
                    error = EventError(f"invalid JSON: {exc}", "invalid_json")
                    _reject(quarantine, stats, source, line, error, text, None)
                continue
            if type(obj) is not dict:
                error = EventError(f"not a JSON object: got {type_name(obj)}", "not_an_object")
                _reject(quarantine, stats, source, line, error, text, None)
                continue
            yield line, text, obj
    except CorruptSourceError as exc:
        line += 1
        reason = f"{exc.reason} (records before line {line} were read)"
        _reject(quarantine, stats, source, line, EventError(reason, "corrupt_file"), exc.tail, None)
    stats.lines += line


def _parquet_rows(source: Source, batch_size: int) -> Iterator[dict[str, Any]]:
    """Rows of a Parquet file as dicts; a file that cannot be read raises
    ``CorruptSourceError`` after the rows read before the fault."""
    try:
        for batch in pq.ParquetFile(source.path).iter_batches(batch_size=batch_size):
            yield from batch.to_pylist()
    except (OSError, pa.ArrowException) as exc:
        raise CorruptSourceError(f"cannot read Parquet file: {exc}") from None


def _reject(
    quarantine: Quarantine,
    stats: ReadStats,
    source: Source,
    line: int,
    error: EventError,
    raw: bytes | None,
    obj: dict[str, Any] | None,
) -> None:
    if raw is None:
        raw = orjson.dumps(obj, default=str)
    quarantine.add(str(source.path), line, error.reason, raw)
    stats.quarantined += 1
    stats.reasons[error.category] += 1
