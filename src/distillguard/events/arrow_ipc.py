"""Arrow data as IPC stream bytes: the cheap way to send it to another process.

Pickling a batch copies every buffer twice and costs about as much again to load; an IPC
stream is written with one copy and read back without any (the batch points into the bytes).
"""

from __future__ import annotations

import pyarrow as pa


def to_ipc(batch: pa.RecordBatch) -> bytes:
    """``batch`` as one Arrow IPC stream."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.RecordBatch:
    """The one batch of a ``to_ipc`` stream."""
    return pa.ipc.open_stream(data).read_next_batch()
