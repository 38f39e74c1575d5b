"""Parse a chunk of raw lines into records: the one place input lines are parsed.

``parse_chunk`` is a pure function of picklable values, so it runs in worker processes and
the reading process only cuts and collects. Duplicates are left in: only the reading process
sees the chunks in input order, so only it can tell which record came first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa

from distillguard.events.arrow_ipc import from_ipc, to_ipc
from distillguard.events.chunks import LineChunk, Reject
from distillguard.events.dedup import digests
from distillguard.events.errors import EventError, type_name
from distillguard.events.event_batch import events_batch
from distillguard.events.event_record import ROW_FIELDS, event_row
from distillguard.events.openai_pairs import is_pair, pair_to_event
from distillguard.events.spool import SpooledChunk, unspooled
from distillguard.events.typed_decode import typed_row

R = TypeVar("R")
_REQUEST_ID = ROW_FIELDS.index("request_id")


@dataclass(frozen=True, slots=True)
class ChunkTally:
    """What became of a chunk's lines besides its valid records: how many lines it held, how
    many were blank and which were rejected (in line order)."""

    lines: int
    blank: int
    rejects: list[Reject]


@dataclass(frozen=True, slots=True)
class ParsedChunk:
    """A parsed chunk: its valid events in input order, duplicates included.

    ``digests`` holds the 64-bit digest of each row's ``request_id``, so the reading process
    can drop duplicates without the ids. ``batch`` is what ``parse_chunk``'s builder made of
    the rows (``EVENT_SCHEMA`` by default); a worker may swap it (``dataclasses.replace``) for
    a row-aligned batch computed from it, such as its signals, so that the text never travels
    back.
    """

    batch: pa.RecordBatch
    digests: npt.NDArray[np.uint64]
    tally: ChunkTally

    def __reduce__(self) -> tuple[Any, ...]:
        # The batch travels as IPC bytes: a third of pickle's cost, and free to load.
        return _parsed_chunk, (to_ipc(self.batch), self.digests, self.tally)


def _parsed_chunk(data: bytes, digests: npt.NDArray[np.uint64], tally: ChunkTally) -> ParsedChunk:
    return ParsedChunk(from_ipc(data), digests, tally)


def parse_chunk(
    item: LineChunk | Reject | SpooledChunk,
    build: Callable[[Sequence[tuple[Any, ...]]], pa.RecordBatch] = events_batch,
) -> ParsedChunk:
    """The valid events of ``item`` (an ``iter_chunks`` item, or one a ``ChunkSpool`` holds)
    and what became of the rest.

    ``build`` turns the events' ``event_row`` tuples into the batch: ``EVENT_SCHEMA`` by
    default, or a narrower view such as ``prompt_view_batch`` for a stage that reads less.
    """
    rows, tally = parse_records(unspooled(item), _event_row, typed_row)
    batch = build(rows)
    return ParsedChunk(batch, digests([row[_REQUEST_ID] for row in rows]), tally)


def _event_row(line: int, obj: dict[str, Any]) -> tuple[Any, ...]:
    return event_row(pair_to_event(obj) if is_pair(obj) else obj)


def parse_records(
    item: LineChunk | Reject,
    parse: Callable[[int, dict[str, Any]], R],
    fast: Callable[[bytes], R | None] | None = None,
) -> tuple[list[R], ChunkTally]:
    """``parse(line, object)`` of each JSON object (or Parquet row) of ``item``, in order.

    Blank lines are counted; a line that is not a JSON object, or whose object ``parse``
    rejects with an ``EventError``, becomes a ``Reject``. A ``Reject`` item is one rejected line.
    ``fast(text)``, when given, is tried first on each JSON line: it returns what ``parse``
    would for the lines it can decode without a dict, and ``None`` for the rest.
    """
    if isinstance(item, Reject):
        return [], ChunkTally(1, 0, [item])
    rows: list[R] = []
    rejects: list[Reject] = []
    source = item.source
    if item.kind == "parquet":
        batch = from_ipc(item.data)
        for line, obj in enumerate(batch.to_pylist(), item.first_line):
            try:
                rows.append(parse(line, obj))
            except EventError as exc:
                raw = orjson.dumps(obj, default=str)
                rejects.append(Reject(source, line, exc.reason, exc.category, raw))
        return rows, ChunkTally(batch.num_rows, 0, rejects)
    lines = item.data.split(b"\n")
    if item.data.endswith(b"\n"):
        lines.pop()
    blank = 0
    for line, text in enumerate(lines, item.first_line):
        if fast is not None:
            row = fast(text)
            if row is not None:
                rows.append(row)
                continue
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            if not text or text.isspace():
                blank += 1
            else:
                rejects.append(Reject(source, line, f"invalid JSON: {exc}", "invalid_json", text))
            continue
        if type(obj) is not dict:
            reason = f"not a JSON object: got {type_name(obj)}"
            rejects.append(Reject(source, line, reason, "not_an_object", text))
            continue
        try:
            rows.append(parse(line, obj))
        except EventError as exc:
            rejects.append(Reject(source, line, exc.reason, exc.category, text))
    return rows, ChunkTally(len(lines), blank, rejects)
