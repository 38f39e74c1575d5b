"""The reading process's side of chunked reading: quarantine, counts and de-duplication.

Parsed chunks may come from worker processes, but they reach the collector in input order,
so the quarantine lists rejects in file order and a repeated ``request_id`` keeps its first
record, exactly as a read in one process would.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from pyarrow.lib import concat_batches  # missing from the stubs of the top-level module

from distillguard.events.chunk_parser import ChunkTally, ParsedChunk
from distillguard.events.dedup import SeenDigests
from distillguard.events.quarantine import Quarantine
from distillguard.events.stats import ReadStats


class ChunkCollector:
    """Feed it every parsed chunk of a read, in input order; ``stats`` then covers every line."""

    def __init__(self, quarantine: Quarantine, stats: ReadStats) -> None:
        self.quarantine = quarantine
        self.stats = stats
        self._seen = SeenDigests()

    def collect(self, parsed: ParsedChunk) -> pa.RecordBatch:
        """The rows of ``parsed.batch`` whose ``request_id`` the read has not seen before."""
        runs = self.collect_runs(parsed)
        if len(runs) == 1:
            return runs[0]
        return concat_batches(runs) if runs else parsed.batch.slice(0, 0)

    def collect_runs(self, parsed: ParsedChunk) -> list[pa.RecordBatch]:
        """``collect`` as zero-copy slices of ``parsed.batch``, one per run of kept rows, for a
        caller that copies the rows anyway (a copy of a wide text batch is not cheap)."""
        if parsed.batch.num_rows != len(parsed.digests):
            raise ValueError(
                f"parsed chunk has {parsed.batch.num_rows} rows but {len(parsed.digests)} "
                "request id digests"
            )
        self.tally(parsed.tally)
        first = self._seen.first_seen(parsed.digests)
        kept = int(first.sum())
        self.stats.duplicates += len(first) - kept
        self.stats.valid += kept
        if kept == len(first):
            return [parsed.batch] if kept else []
        edges = np.flatnonzero(np.diff(first, prepend=False, append=False)).tolist()
        return [
            parsed.batch.slice(start, stop - start)
            for start, stop in zip(edges[::2], edges[1::2], strict=True)
        ]

    def tally(self, tally: ChunkTally) -> None:
        """Quarantine the rejects of one chunk and count its lines (but not its valid rows)."""
        for reject in tally.rejects:
            self.quarantine.add(reject.source, reject.line, reject.reason, reject.raw)
            self.stats.reasons[reject.category] += 1
        self.stats.quarantined += len(tally.rejects)
        self.stats.lines += tally.lines
        self.stats.blank += tally.blank
