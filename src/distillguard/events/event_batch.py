"""Build ``EVENT_SCHEMA`` (or ``PROMPT_VIEW_SCHEMA``) batches from validated event rows."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import pyarrow as pa

from distillguard.events.event_record import ROW_FIELDS
from distillguard.events.schema import EVENT_SCHEMA, PROMPT_VIEW_SCHEMA

_MESSAGES_TYPE = EVENT_SCHEMA.field("messages").type
_MESSAGE_FIELDS = tuple(_MESSAGES_TYPE.value_type)


def events_batch(rows: Sequence[tuple[Any, ...]]) -> pa.RecordBatch:
    """One ``EVENT_SCHEMA`` batch from ``event_row`` tuples."""
    columns = _row_columns(rows)
    arrays = [
        _messages_array(columns["roles"], columns["contents"])
        if field.name == "messages"
        else pa.array(columns[field.name], type=field.type)
        for field in EVENT_SCHEMA
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=EVENT_SCHEMA)


def prompt_view_batch(rows: Sequence[tuple[Any, ...]]) -> pa.RecordBatch:
    """One ``PROMPT_VIEW_SCHEMA`` batch from ``event_row`` tuples: only the scored turns of
    each request become Arrow strings, not every message, the response and the reasoning."""
    columns = _row_columns(rows)
    roles = columns["roles"]
    turns = [_scored_turns(r, c) for r, c in zip(roles, columns["contents"], strict=True)]
    columns["prompt"] = [prompt for prompt, _ in turns]
    columns["system"] = [system for _, system in turns]
    columns["n_turns"] = [len(r) for r in roles]
    arrays = [pa.array(columns[field.name], type=field.type) for field in PROMPT_VIEW_SCHEMA]
    return pa.RecordBatch.from_arrays(arrays, schema=PROMPT_VIEW_SCHEMA)


def _row_columns(rows: Sequence[tuple[Any, ...]]) -> dict[str, Sequence[Any]]:
    """The rows' values per ``ROW_FIELDS`` name."""
    return dict(
        zip(ROW_FIELDS, zip(*rows, strict=True) if rows else [()] * len(ROW_FIELDS), strict=True)
    )


def _scored_turns(roles: tuple[str, ...], contents: tuple[str, ...]) -> tuple[str, str]:
    """The last user turn and the first system turn ("" for one that is absent)."""
    try:
        prompt = contents[len(roles) - 1 - roles[::-1].index("user")]
    except ValueError:
        prompt = ""
    try:
        system = contents[roles.index("system")]
    except ValueError:
        system = ""
    return prompt, system


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
