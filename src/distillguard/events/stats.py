"""Counts of what a read did with its input, for the run report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ReadStats:
    """What happened to every input line (or Parquet row) of a read.

    ``lines == blank + valid + quarantined + duplicates`` always holds. ``reasons`` counts
    quarantined records by ``EventError.category``. A compressed file that breaks off counts
    as one more quarantined line (its partial tail), under ``corrupt_file``.
    """

    lines: int = 0
    blank: int = 0
    valid: int = 0
    quarantined: int = 0
    duplicates: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def merge(self, other: ReadStats) -> None:
        """Add ``other``'s counts into this one (e.g. from reads run in parallel)."""
        self.lines += other.lines
        self.blank += other.blank
        self.valid += other.valid
        self.quarantined += other.quarantined
        self.duplicates += other.duplicates
        self.reasons.update(other.reasons)
