"""Read the lines appended to a growing JSON Lines file, cut as ``iter_chunks`` cuts a whole one.

Only complete lines are handed on: a trailing partial line waits for its newline, so a record
is never parsed while its writer is still writing it. A file that shrinks (truncated in place)
or whose path now names another file (rotated) is read again from its start, as ``tail -F``
does; what was read of the old file is kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from distillguard.events.chunks import (
    _UTF8_BOM,
    CHUNK_BYTES,
    MAX_LINE_BYTES,
    LineChunk,
    Reject,
    _LineCutter,
)
from distillguard.events.sources import (
    COMPRESSED_SUFFIXES,
    GZIP_MAGIC,
    JSON_SUFFIXES,
    PARQUET_MAGIC,
    ZSTD_MAGIC,
)

_MAGIC = (
    (GZIP_MAGIC, "gzip-compressed"),
    (ZSTD_MAGIC, "zstd-compressed"),
    (PARQUET_MAGIC, "Parquet"),
)
_READ_BYTES = 1 << 22


class NotFollowableError(ValueError):
    """The file is not one plain (uncompressed) JSON Lines file, the only kind a tail can read."""


def check_followable(path: Path) -> None:
    """Raise ``NotFollowableError`` unless ``path`` is (or, once written, can be) plain JSONL.

    A missing file passes: a follower waits for it. Compressed streams and Parquet cannot
    grow line by line, so they are refused by name and, when the file exists, by its first
    bytes.
    """
    suffix = path.suffix.lower()
    if suffix not in JSON_SUFFIXES:
        kind = "a compressed file" if suffix in COMPRESSED_SUFFIXES else "not a JSON Lines file"
        raise NotFollowableError(
            f"{path}: {kind}; --follow reads one plain JSON Lines file "
            f"({', '.join(JSON_SUFFIXES)}) as it grows"
        )
    if path.exists():
        if not path.is_file():
            raise NotFollowableError(f"{path}: not a regular file")
        with path.open("rb") as fh:
            _check_head(path, fh.read(4))


def _check_head(path: Path, head: bytes) -> None:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise NotFollowableError(
                f"{path}: the file is {kind}; --follow reads only plain (uncompressed) JSON Lines"
            )


class TailReader:
    """Chunks of the complete lines appended to ``path`` since the previous ``read``.

    Line numbers run on across reads, so a quarantined record is reported where it sits in
    the file; after a truncation or rotation they restart at 1 with the new file.
    ``notices`` collects what the caller should tell the operator (and may clear).
    """

    def __init__(
        self,
        path: Path,
        *,
        chunk_bytes: int = CHUNK_BYTES,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        self.path = path
        self.chunk_bytes = chunk_bytes
        self.max_line_bytes = max_line_bytes
        self.bytes_read = 0  # over the reader's life, every file included
        self.notices: list[str] = []
        self.found = False  # the file has existed (a follower may start before its writer)
        self._fh: BinaryIO | None = None
        self._ident = (0, 0)  # (st_dev, st_ino) of the open file
        self._offset = 0
        self._cutter = self._new_cutter()

    @property
    def pending_bytes(self) -> int:
        """Bytes of an unfinished last line, read but waiting for its newline."""
        return self._cutter.carry_len

    def read(self, max_bytes: int) -> Iterator[LineChunk | Reject]:
        """Chunks of the lines completed by at most about ``max_bytes`` of newly read input.

        Stops early at the end of the file; ``bytes_read`` grows by what was read.
        """
        if self._fh is None and not self._open():
            return
        yield from self._restart_if_truncated()
        budget = max_bytes
        while budget > 0:
            assert self._fh is not None
            block = self._fh.read(min(_READ_BYTES, budget))
            if not block:
                if not self._replaced():
                    break
                self.notices.append(
                    f"{self.path} was replaced: reading the new file from its start"
                )
                yield from self._cutter.cut(())  # the old file's last line, had it no newline
                self._close()
                if not self._open():
                    break
                continue
            at_start = self._offset == 0
            if at_start:
                _check_head(self.path, block)
            self._offset += len(block)
            self.bytes_read += len(block)
            budget -= len(block)
            # A BOM, as some Windows tools write, is dropped from the start of the file.
            yield from self._cutter._block(block.removeprefix(_UTF8_BOM) if at_start else block)
        yield from self._cutter._flush()

    def close(self) -> None:
        """Close the file; an unfinished last line stays unread (see ``pending_bytes``)."""
        self._close()

    def _open(self) -> bool:
        try:
            fh = self.path.open("rb")
        except FileNotFoundError:
            return False
        st = os.fstat(fh.fileno())
        self._fh, self._ident, self._offset = fh, (st.st_dev, st.st_ino), 0
        self.found = True
        self._cutter = self._new_cutter()
        return True

    def _close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def _restart_if_truncated(self) -> Iterator[LineChunk | Reject]:
        assert self._fh is not None
        size = os.fstat(self._fh.fileno()).st_size
        if size >= self._offset:
            return
        self.notices.append(
            f"{self.path} shrank from {self._offset:,} to {size:,} bytes (truncated): "
            "reading it again from its start"
        )
        yield from self._cutter.cut(())  # the partial line before the cut, as a last line
        self._fh.seek(0)
        self._offset = 0
        self._cutter = self._new_cutter()

    def _replaced(self) -> bool:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:  # moved away and not yet re-created: keep the old file
            return False
        return (st.st_dev, st.st_ino) != self._ident

    def _new_cutter(self) -> _LineCutter:
        return _LineCutter(str(self.path), self.chunk_bytes, self.max_line_bytes)
