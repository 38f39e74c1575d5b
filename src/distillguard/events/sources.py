"""Open input files and stream their lines, whatever the compression.

Format comes from the extension, compression from the magic bytes (so a mislabelled or
extension-less compressed file still reads). Files are decompressed chunk by chunk and a
line longer than ``max_line_bytes`` is skipped rather than held, so memory stays bounded
whatever the file holds.
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, cast

import pyarrow as pa
import zstandard

JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
COMPRESSED_SUFFIXES = (".gz", ".zst", ".zstd")
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
PARQUET_MAGIC = b"PAR1"
CHUNK_BYTES = 1 << 22
MAX_LINE_BYTES = 64 << 20
_PREFIX_BYTES = 4096
_UTF8_BOM = b"\xef\xbb\xbf"
# The standard decoders lose the output of a call that fails, so they get small inputs.
_RECOVERY_READ_BYTES = 8192

Kind = Literal["jsonl", "parquet"]
Compression = Literal["gzip", "zstd"] | None


@dataclass(frozen=True, slots=True)
class Source:
    """One input file and how to read it."""

    path: Path
    kind: Kind
    compression: Compression


@dataclass(frozen=True, slots=True)
class LongLine:
    """A line over the size limit: only its start and length are kept."""

    prefix: bytes
    length: int


class CorruptSourceError(Exception):
    """A compressed stream that broke off; ``tail`` holds the partial line before the break."""

    def __init__(self, reason: str, tail: bytes = b"") -> None:
        super().__init__(reason)
        self.reason = reason
        self.tail = tail


def detect(path: Path) -> Source:
    """How to read ``path``; a clear ``ValueError`` when it is no format v1 accepts.

    Raises ``FileNotFoundError`` for a missing file, so callers can check every path before
    reading any.
    """
    with path.open("rb") as fh:
        magic = fh.read(4)
    compression: Compression = None
    if magic.startswith(GZIP_MAGIC):
        compression = "gzip"
    elif magic == ZSTD_MAGIC:
        compression = "zstd"
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes.pop()
    suffix = suffixes[-1] if suffixes else ""
    if suffix == ".parquet" or magic == PARQUET_MAGIC:
        return Source(path, "parquet", None)
    if suffix in JSON_SUFFIXES or compression is not None:
        return Source(path, "jsonl", compression)
    raise ValueError(
        f"{path}: unsupported input file; expected {', '.join(JSON_SUFFIXES)} (optionally "
        f"{' or '.join(COMPRESSED_SUFFIXES[:2])}) or .parquet"
    )


def iter_lines(source: Source, max_line_bytes: int | None = None) -> Iterator[bytes | LongLine]:
    """Yield each line of a JSON Lines source without its newline, streaming.

    A line longer than ``max_line_bytes`` (default ``MAX_LINE_BYTES``) is yielded as a
    ``LongLine``. A broken compressed stream, or a read error, raises ``CorruptSourceError``
    after every complete line before the fault.
    """
    if max_line_bytes is None:
        max_line_bytes = MAX_LINE_BYTES
    pending: list[bytes] = []
    pending_len = 0
    long_prefix: bytes | None = None
    first_chunk = True
    try:
        for chunk in _chunks(source):
            if first_chunk:
                chunk = chunk.removeprefix(_UTF8_BOM)  # as some Windows tools write
                first_chunk = False
            parts = chunk.split(b"\n")
            last = parts.pop()
            if parts:
                first = parts[0]
                if long_prefix is not None:
                    yield LongLine(long_prefix, pending_len + len(first))
                    long_prefix = None
                elif pending:
                    pending.append(first)
                    yield _line(b"".join(pending), max_line_bytes)
                else:
                    yield _line(first, max_line_bytes)
                pending = []
                pending_len = 0
                for line in parts[1:]:
                    yield line if len(line) <= max_line_bytes else _line(line, max_line_bytes)
            if last:
                pending_len += len(last)
                if long_prefix is None:
                    pending.append(last)
                    if pending_len > max_line_bytes:
                        long_prefix = b"".join(pending)[:_PREFIX_BYTES]
                        pending = []
    except (CorruptSourceError, OSError) as exc:
        reason = exc.reason if isinstance(exc, CorruptSourceError) else f"cannot read file: {exc}"
        tail = long_prefix if long_prefix is not None else b"".join(pending)
        raise CorruptSourceError(reason, tail) from None
    if long_prefix is not None:
        yield LongLine(long_prefix, pending_len)
    elif pending:
        yield _line(b"".join(pending), max_line_bytes)


def _line(line: bytes, max_line_bytes: int) -> bytes | LongLine:
    return line if len(line) <= max_line_bytes else LongLine(line[:_PREFIX_BYTES], len(line))


def _chunks(source: Source) -> Iterator[bytes]:
    """Decompressed bytes of ``source`` in pieces of roughly ``CHUNK_BYTES``.

    Compressed sources are decompressed on a helper thread (the decoders release the GIL), so
    decompression overlaps with JSON parsing on the second core.
    """
    if source.compression is None:
        with source.path.open("rb") as fh:
            while raw := fh.read(CHUNK_BYTES):
                yield raw
    else:
        yield from _prefetched(_decompressed_file(source))


def _decompressed_file(source: Source) -> Generator[bytes, None, None]:
    """Arrow's decoder first: it holds the GIL once per chunk where zlib's takes it back for
    every output block, which starves the parsing thread. Arrow drops the chunk in which a
    stream breaks and says little about why, so a broken file is decoded again with the
    standard decoders, which keep every byte before the break and name the fault."""
    assert source.compression is not None
    delivered = 0
    try:
        with pa.CompressedInputStream(
            pa.OSFile(str(source.path), "r"), source.compression
        ) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                delivered += len(chunk)
                yield chunk
        return
    except OSError:
        pass
    for chunk in _stdlib_decompressed(source):
        if delivered >= len(chunk):
            delivered -= len(chunk)
            continue
        yield chunk[delivered:]
        delivered = 0


def _stdlib_decompressed(source: Source) -> Iterator[bytes]:
    with source.path.open("rb") as fh:
        if source.compression == "gzip":
            yield from _decompressed(
                fh.read, lambda: zlib.decompressobj(zlib.MAX_WBITS | 16), zlib.error, "gzip"
            )
        else:
            dctx = zstandard.ZstdDecompressor()
            yield from _decompressed(fh.read, dctx.decompressobj, zstandard.ZstdError, "zstd")


_END = object()


def _prefetched(chunks: Generator[bytes, None, None], depth: int = 4) -> Iterator[bytes]:
    """Run ``chunks`` on a helper thread, ``depth`` items ahead; its errors re-raise here."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(_END)
        except Exception as exc:  # handed to the consumer, which raises it
            put(exc)
        finally:
            chunks.close()

    worker = threading.Thread(target=produce, name="distillguard-decompress", daemon=True)
    worker.start()
    try:
        while (item := handoff.get()) is not _END:
            if isinstance(item, Exception):
                raise item
            yield cast(bytes, item)
    finally:
        stop.set()
        worker.join()


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...
    def decompress(self, data: bytes, /) -> bytes: ...


def _decompressed(
    read: Callable[[int], bytes],
    new: Callable[[], _Decompressor],
    error: type[Exception],
    name: str,
) -> Iterator[bytes]:
    """Concatenated members/frames read as one stream (as ``cat a.gz b.gz`` makes), NUL
    padding between them ignored; a stream that stops inside one is reported as truncated."""
    decompressor: _Decompressor | None = None
    while raw := read(_RECOVERY_READ_BYTES):
        while raw:
            if decompressor is None:
                raw = raw.lstrip(b"\0")
                if not raw:
                    break
                decompressor = new()
            try:
                out = decompressor.decompress(raw)
            except error as exc:
                raise CorruptSourceError(f"corrupt {name} stream: {exc}") from None
            if out:
                yield out
            if decompressor.eof:
                raw = decompressor.unused_data
                decompressor = None
            else:
                raw = b""
    if decompressor is not None:
        raise CorruptSourceError(f"truncated {name} stream: the file ends mid-stream")
