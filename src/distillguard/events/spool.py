"""Hand chunk text to worker processes through a file in memory instead of their pipes.

Sending a chunk through a process pool pickles it, writes it through a pipe in small pieces,
and reads and unpickles it in the worker: several copies of every byte, about 14 CPU-s of a
scale-10 scan's read stage (docs/architecture.md). A ``ChunkSpool`` instead writes each
chunk into a slot of one preallocated file on tmpfs with a single ``pwrite``, and sends only
where it lies; the worker takes it back with a single ``pread`` (``unspooled``). Slots are
reused as results come back, in order.

Nothing depends on the spool for correctness: a chunk that finds no free slot or does not fit
one goes through the pipe as before, and so does every chunk where the file cannot be made or
would take more than a quarter of the free space. If the process is killed outright
(SIGKILL), the file stays in ``/dev/shm`` until it is removed or the machine restarts.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from distillguard.events.chunks import CHUNK_BYTES, LineChunk, Reject
from distillguard.events.sources import Kind

if TYPE_CHECKING:
    from distillguard.engine.local import LocalEngine

R = TypeVar("R")

# A chunk is cut once it reaches CHUNK_BYTES, so it is at most two decompressed blocks plus
# the line that straddled them; a larger one goes through the pipe.
SLOT_BYTES = 2 * CHUNK_BYTES + (1 << 20)
_SHM = Path("/dev/shm")
_HEADROOM = 4  # the spool takes a quarter of the free space at most


@dataclass(frozen=True, slots=True)
class SpooledChunk:
    """A ``LineChunk`` whose ``data`` waits at ``offset`` in the spool file at ``path``."""

    source: str
    kind: Kind
    first_line: int
    path: str
    offset: int
    length: int


class ChunkSpool:
    """The reading process's side: ``share`` swaps chunks for ``SpooledChunk``s, and
    ``release`` frees the slot of the oldest item shared, once its result is back.

    ``slots`` should exceed the number of items a pool keeps in flight, or chunks beyond it go
    through the pipe. Use as a context manager: leaving it removes the file.
    """

    def __init__(
        self, slots: int, *, slot_bytes: int = SLOT_BYTES, directory: Path | None = None
    ) -> None:
        if slots < 1 or slot_bytes < 1:
            raise ValueError(f"slots and slot size must be positive, got {slots}, {slot_bytes}")
        self.slot_bytes = slot_bytes
        self._free = deque(range(slots))
        self._taken: deque[int | None] = deque()  # each shared item's slot, in order
        self._fd = -1
        self.path = ""
        size = slots * slot_bytes
        folder = directory or (_SHM if _SHM.is_dir() else Path(tempfile.gettempdir()))
        try:
            # A small /dev/shm (64 MiB in a default container) is left to others that need it,
            # such as PostgreSQL's parallel queries.
            if shutil.disk_usage(folder).free >= _HEADROOM * size:
                self._fd, self.path = tempfile.mkstemp(prefix="distillguard-spool-", dir=folder)
                # Reserve the pages now, so that a full tmpfs fails here rather than in a write.
                if hasattr(os, "posix_fallocate"):
                    os.posix_fallocate(self._fd, 0, size)
        except OSError:
            self.close()
        self._writable = self._fd >= 0

    @property
    def active(self) -> bool:
        """Whether chunks go through the file (``False`` when it could not be made or filled)."""
        return self._writable

    def share(
        self, items: Iterable[LineChunk | Reject]
    ) -> Iterator[LineChunk | Reject | SpooledChunk]:
        """``items`` in order, each chunk that fits a free slot written there and replaced by
        its ``SpooledChunk``. Every item yielded needs one ``release`` later."""
        for item in items:
            spooled = self._spool(item) if isinstance(item, LineChunk) else None
            self._taken.append(None if spooled is None else spooled.offset // self.slot_bytes)
            yield item if spooled is None else spooled

    def _spool(self, chunk: LineChunk) -> SpooledChunk | None:
        """``chunk`` written to a free slot; ``None`` if no slot is free, it does not fit one,
        or the write fails."""
        if not (self._writable and self._free and len(chunk.data) <= self.slot_bytes):
            return None
        offset = self._free[0] * self.slot_bytes
        try:
            os.pwrite(self._fd, chunk.data, offset)
        except OSError:  # no room after all, where posix_fallocate could not reserve it
            self._writable = False
            return None
        self._free.popleft()
        return SpooledChunk(
            chunk.source, chunk.kind, chunk.first_line, self.path, offset, len(chunk.data)
        )

    def release(self) -> None:
        """The oldest item not yet released is done with: its slot may be written again."""
        slot = self._taken.popleft()
        if slot is not None:
            self._free.append(slot)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self.path:
            Path(self.path).unlink(missing_ok=True)
            self.path = ""

    def __enter__(self) -> ChunkSpool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def map_spooled(
    engine: LocalEngine,
    items: Iterable[LineChunk | Reject],
    fn: Callable[[LineChunk | Reject | SpooledChunk], R],
) -> Iterator[R]:
    """``engine.map_batches(items, fn)``, the chunks' text passed to the workers through a
    ``ChunkSpool``; ``fn`` must take ``SpooledChunk``s (``parse_chunk`` does). Inline
    (one worker) there is nothing to pass, and no spool."""
    if engine.workers <= 1:
        yield from engine.map_batches(items, fn)
        return
    with ChunkSpool(engine.workers * engine.max_in_flight + 1) as spool:
        for result in engine.map_batches(spool.share(items), fn):
            spool.release()  # results come back in input order
            yield result


class _SpoolReader:
    """A worker's open spool file. Only the latest is kept open: a worker may outlive one
    spool (one engine serves every read of a scan or a benchmark), and an open descriptor
    would keep the removed file's memory."""

    def __init__(self) -> None:
        self.path = ""
        self.fd = -1

    def read(self, chunk: SpooledChunk) -> bytes:
        if chunk.path != self.path:
            fd = os.open(chunk.path, os.O_RDONLY)
            if self.fd >= 0:
                os.close(self.fd)
            self.path, self.fd = chunk.path, fd
        data = os.pread(self.fd, chunk.length, chunk.offset)
        if len(data) != chunk.length:
            raise OSError(f"spool {chunk.path} ended at {chunk.offset + len(data)}")
        return data


_READER = _SpoolReader()


def unspooled(item: LineChunk | Reject | SpooledChunk) -> LineChunk | Reject:
    """The worker's side: ``item`` with a spooled chunk's text read back."""
    if not isinstance(item, SpooledChunk):
        return item
    return LineChunk(item.source, item.kind, item.first_line, _READER.read(item))
