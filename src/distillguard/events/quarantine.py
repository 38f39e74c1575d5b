"""The quarantine file: every rejected record, with where it came from and why.

A scan never stops on bad input; it sets the record aside here so the operator can see
exactly what was not analysed and fix the producer.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import IO, Self

import orjson

RAW_LIMIT_BYTES = 4096


class Quarantine:
    """Appends one JSON object per rejected record to a JSON Lines file.

    Use as a context manager: ``with Quarantine(Path("out/quarantine.jsonl")) as q: ...``.
    Each line is ``{"source", "line", "reason", "raw"}``; ``raw`` is the record's text cut to
    its first ``raw_limit`` bytes. ``count`` is the number of records added by this object.
    """

    def __init__(self, path: Path, *, raw_limit: int = RAW_LIMIT_BYTES) -> None:
        self.path = path
        self.raw_limit = raw_limit
        self.count = 0
        self._fh: IO[bytes] | None = None

    def __enter__(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("ab")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def add(self, source: str, line: int, reason: str, raw: bytes | str) -> None:
        """Record one rejected record; ``line`` is 1-based (a row number for Parquet)."""
        if self._fh is None:
            raise RuntimeError("Quarantine.add called outside its `with` block")
        data = raw.encode("utf-8", "replace") if isinstance(raw, str) else raw
        text = data[: self.raw_limit].decode("utf-8", "replace")
        if len(data) > self.raw_limit:
            # A multi-byte character cut at the limit would decode to U+FFFD; drop it instead.
            text = text.removesuffix("\ufffd")
        record = {"source": source, "line": line, "reason": reason, "raw": text}
        self._fh.write(orjson.dumps(record) + b"\n")
        self.count += 1
