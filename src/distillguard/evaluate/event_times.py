"""Per-exchange timestamps of accounts: the only event data the evaluation needs.

Harvest-before-detection and detection delays depend on *when* each exchange happened, not on
its text, so the CLI streams the event reader through ``collect_event_times`` and keeps two
columns of the attack accounts only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from distillguard.evaluate.inputs import InputFileError

_FIELDS: list[pa.Field[Any]] = [
    pa.field("account_id", pa.string(), nullable=False),
    pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
]
EVENT_TIMES_SCHEMA = pa.schema(_FIELDS)


def collect_event_times(
    batches: Iterable[pa.RecordBatch],
    account_ids: Collection[str] | None = None,
    harvest_ids: Collection[str] | None = None,
) -> pa.Table:
    """Keep ``(account_id, ts)`` of every event, or only of ``account_ids`` when given.

    With ``harvest_ids`` (the request ids that are harvesting exchanges, from the simulator's
    exact per-event labels) a ``harvest`` column marks them, so timing metrics need no estimate.
    """
    wanted = None if account_ids is None else pa.array(sorted(account_ids), pa.string())
    harvest = None if harvest_ids is None else pa.array(sorted(harvest_ids), pa.string())
    parts: list[pa.Table] = []
    for batch in batches:
        table = pa.Table.from_batches([batch])
        part = conform_event_times(table, "event batch")
        if harvest is not None:
            mark = pc.is_in(table.column("request_id"), value_set=harvest)
            part = part.append_column("harvest", mark)
        if wanted is not None:
            part = part.filter(pc.is_in(part.column("account_id"), value_set=wanted))
        parts.append(part)
    if not parts:
        empty = EVENT_TIMES_SCHEMA.empty_table()
        return (
            empty if harvest is None else empty.append_column("harvest", pa.array([], pa.bool_()))
        )
    return pa.concat_tables(parts)


def conform_event_times(table: pa.Table, source: str = "event times") -> pa.Table:
    """Return ``table`` as ``EVENT_TIMES_SCHEMA`` (plus ``harvest`` when present);
    time-zone-less or null timestamps are errors."""
    if "harvest" in table.column_names:
        marks = table.column("harvest")
        if not pa.types.is_boolean(marks.type) or marks.null_count:
            raise InputFileError(source, "must be non-null booleans", column="harvest")
        rest = conform_event_times(table.drop_columns(["harvest"]), source)
        return rest.append_column("harvest", marks)
    missing = [name for name in EVENT_TIMES_SCHEMA.names if name not in table.column_names]
    if missing:
        raise InputFileError(source, f"missing columns: {', '.join(missing)}")
    selected = table.select(EVENT_TIMES_SCHEMA.names)
    ts_type = selected.schema.field("ts").type
    if not pa.types.is_timestamp(ts_type) or ts_type.tz is None:
        raise InputFileError(
            source, f"must be a time-zone-aware timestamp, got {ts_type}", column="ts"
        )
    for name in EVENT_TIMES_SCHEMA.names:
        if selected.column(name).null_count:
            raise InputFileError(source, "must not contain nulls", column=name)
    try:
        return selected.cast(EVENT_TIMES_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputFileError(source, f"columns do not match the expected types: {exc}") from None
