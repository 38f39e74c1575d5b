"""The batch scan: events → signals → accounts → campaigns → verdicts, in one process.

Signals are stateless, so they are computed in streaming batches on all cores. Only the slim
signal table is kept; it is then replayed in time order so every flag is one an online
deployment could have raised at that moment.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from distillguard.ablation import ablate_accounts, ablate_signals
from distillguard.accounts.features import online_account_features
from distillguard.campaigns import Campaign, campaigns_to_json
from distillguard.campaigns.shared_keys import SharedKeyConfig, judge_keys
from distillguard.engine.local import LocalEngine
from distillguard.engine.stages import SCAN_COLUMNS, scan_signals
from distillguard.engine.stages import parse_and_signal as parse_and_signal  # follow's stage
from distillguard.events import (
    ChunkCollector,
    Quarantine,
    ReadStats,
    iter_chunks,
    read_accounts,
)
from distillguard.events.readers import read_releases as read_release_file
from distillguard.events.spool import map_spooled
from distillguard.signals.schema import SIGNAL_SCHEMA
from distillguard.verdicts.account_risk import AccountRiskModel
from distillguard.verdicts.assemble import (
    CAMPAIGN_FLAG_SCHEMA,
    assemble_verdicts,
    write_verdicts,
)
from distillguard.verdicts.campaign_flags import CampaignReplay, shared_key_campaign_flags
from distillguard.verdicts.policy import Policy


@dataclass(frozen=True)
class ScanConfig:
    events: Sequence[Path]
    out: Path
    accounts: Path | None = None
    releases: Path | None = None
    policy: Policy = field(default_factory=Policy)
    model: AccountRiskModel = field(default_factory=AccountRiskModel)
    workers: int = 0
    # How often (in event time) campaign detection re-runs: the online deployment's cadence.
    campaign_interval: timedelta = timedelta(hours=6)
    shared_keys: SharedKeyConfig = field(default_factory=SharedKeyConfig)
    # Signal families switched off (``distillguard.ablation.FAMILIES``), for ablation runs.
    ablate: frozenset[str] = frozenset()
    progress: bool = True


@dataclass
class ScanResult:
    verdicts: pl.DataFrame
    campaigns: list[Campaign]
    stats: ReadStats
    hourly: pa.Table
    event_times: pa.Table  # (account_id, ts) of every valid event, for evaluation
    releases: list[tuple[str, datetime]]
    events: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    keys: pl.DataFrame | None = None  # SharedKeys.summary: shared keys and when they became hot

    @property
    def flagged(self) -> int:
        return int(self.verdicts["flagged"].sum())


def scan(config: ScanConfig) -> ScanResult:
    """Run the whole flow and write verdicts.csv, campaigns.json and quarantine.jsonl."""
    started = time.perf_counter()
    config.out.mkdir(parents=True, exist_ok=True)
    return _scan(config, started)


def _scan(config: ScanConfig, started: float) -> ScanResult:
    timings: dict[str, float] = {}
    stats = ReadStats()
    quarantine_path = config.out / "quarantine.jsonl"
    quarantine_path.unlink(missing_ok=True)  # one quarantine file per scan, not appended to
    with Quarantine(quarantine_path) as quarantine:
        accounts = (
            read_accounts(config.accounts, quarantine, stats=stats) if config.accounts else None
        )
        releases = _releases(config.releases)
        t = time.perf_counter()
        # Only reading uses the worker processes: the pool (a Python, Polars and numba
        # runtime per worker) is gone before the in-process stages need the memory.
        with LocalEngine(workers=config.workers) if config.workers else LocalEngine() as engine:
            signals = _signals(config, engine, quarantine, stats)
        release_freed_memory()
        timings["read+signals"] = time.perf_counter() - t
    off = config.ablate
    if off:
        signals = ablate_signals(signals, off)
        accounts = ablate_accounts(accounts, off)
    t = time.perf_counter()
    campaign_flags = CAMPAIGN_FLAG_SCHEMA.empty_table()
    campaigns: list[Campaign] = []
    replay_only = signals.select(REPLAY_ONLY_COLUMNS)
    signals = signals.drop_columns(REPLAY_ONLY_COLUMNS)
    if "graph_campaigns" not in off:
        # The columns only later stages read wait on disk while the replay's state grows.
        names = signals.column_names
        with _Spill(signals.select(LATER_ONLY_COLUMNS), config.out) as spill:
            signals = signals.drop_columns(LATER_ONLY_COLUMNS)
            parts = _replay_parts(signals, replay_only)
            del replay_only  # each part's columns are freed once the replay has fed it
            release_freed_memory()
            campaign_flags, campaigns = _graph_campaigns(parts, signals.num_rows, accounts, config)
            signals = _joined_columns(signals, spill.load(), names)
    else:
        del replay_only
    release_freed_memory()
    timings["campaigns"] = time.perf_counter() - t
    t = time.perf_counter()
    scored = score_accounts(signals, accounts, config, campaign_flags)
    timings["accounts+keys+verdicts"] = time.perf_counter() - t
    t = time.perf_counter()
    verdicts = scored.verdicts
    scored.keys.write_csv(config.out / "shared_keys.csv")
    write_verdicts(verdicts, str(config.out / "verdicts.csv"))
    (config.out / "campaigns.json").write_bytes(campaigns_to_json(campaigns))
    hourly = _hourly(signals, verdicts)
    timings["verdicts"] = time.perf_counter() - t
    return ScanResult(
        verdicts=verdicts,
        campaigns=campaigns,
        stats=stats,
        hourly=hourly,
        event_times=signals.select(["account_id", "ts"]),
        releases=releases,
        events=signals.num_rows,
        seconds=time.perf_counter() - started,
        timings=timings,
        keys=scored.keys,
    )


def _graph_campaigns(
    parts: Iterator[pa.Table], rows: int, accounts: pa.Table | None, config: ScanConfig
) -> tuple[pa.Table, list[Campaign]]:
    """Replay the time-sorted signals (``rows`` of them in ``parts``) through campaign
    detection; its state (accumulated graph inputs, the last evidence graph) is freed on
    return."""
    with _progress(config.progress) as progress:
        replay = CampaignReplay(accounts, config.policy, interval=config.campaign_interval)
        return replay.run_parts(parts, rows, progress)


class _Spill:
    """A table set aside in a file of ``folder`` (a fresh name, so concurrent scans do not
    meet) while memory is tight. ``load`` memory-maps it back: its pages load as they are
    read. The file is removed once mapped (the mapping keeps it readable where the OS allows
    that) or when the block exits, whichever comes first."""

    def __init__(self, table: pa.Table, folder: Path) -> None:
        handle, name = tempfile.mkstemp(prefix=SPILL_PREFIX, suffix=".arrow", dir=folder)
        os.close(handle)
        self.path = Path(name)
        try:
            with pa.OSFile(name, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        except BaseException:
            self.path.unlink(missing_ok=True)
            raise

    def load(self) -> pa.Table:
        table = pa.ipc.open_file(pa.memory_map(str(self.path))).read_all()
        self._remove()
        return table

    def __enter__(self) -> _Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self._remove()

    def _remove(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)


def _joined_columns(left: pa.Table, right: pa.Table, names: list[str]) -> pa.Table:
    """The columns of two row-aligned tables, in the order ``names``."""
    for spec, column in zip(right.schema, right.columns, strict=True):
        left = left.append_column(spec, column)
    return left.select(names)


def _replay_parts(signals: pa.Table, replay_only: pa.Table) -> Iterator[pa.Table]:
    """The replay's input, one chunk of ``replay_only`` at a time with the rows of
    ``signals`` beside it. Those columns (LSH bands, infrastructure: half the table) are read
    by nothing else, and each chunk holds its own buffers (``sort_by_time``), so a chunk is freed
    as soon as the replay has fed it, while the replay's state grows to its peak."""
    # Batches split at every column's chunk edges (an ablated column is one chunk).
    chunks: list[list[pa.Array | pa.ChunkedArray]] = [
        list(batch.columns) for batch in replay_only.to_batches()
    ]
    chunks.reverse()  # popped from the end, in time order
    schema = pa.schema([*signals.schema, *replay_only.schema])
    return _part_tables(signals, chunks, schema)


def _part_tables(
    signals: pa.Table, chunks: list[list[pa.Array | pa.ChunkedArray]], schema: pa.Schema
) -> Iterator[pa.Table]:
    """Each chunk (popped, so the list does not keep it) beside its rows of ``signals``."""
    start = 0
    while chunks:
        arrays = chunks.pop()
        rows = len(arrays[0])
        part = signals.slice(start, rows)
        columns = [*(part.column(i) for i in range(part.num_columns)), *arrays]
        del arrays
        start += rows
        yield pa.Table.from_arrays(columns, schema=schema)
        del columns, part


@dataclass(frozen=True)
class Scored:
    """What ``score_accounts`` found: per-event account features, verdicts, shared keys."""

    features: pa.Table
    verdicts: pl.DataFrame
    keys: pl.DataFrame  # SharedKeys.summary: the evidence behind shared-key flags


def score_accounts(
    signals: pa.Table, accounts: pa.Table | None, config: ScanConfig, campaign_flags: pa.Table
) -> Scored:
    """From time-sorted signals and graph-campaign member flags to verdicts: the account model,
    shared keys and assembly. The batch scan and ``--follow`` share it, so they judge alike."""
    # Shared keys first: their working memory then does not sit on top of the features.
    keys = judge_keys(
        signals, accounts, replace(config.shared_keys, benign_rate=config.policy.key_benign_rate)
    )
    if "shared_keys" not in config.ablate:
        key_flags = shared_key_campaign_flags(keys.flags, config.policy)
        campaign_flags = pa.concat_tables([campaign_flags, key_flags])
    summary = keys.summary
    release_freed_memory()
    # Polars runs the window functions on all cores in this process: cheaper than shipping
    # account partitions (a copy of the signal table) to the workers.
    features = online_account_features(signals, accounts)
    risk = config.model.score(features)
    if "account_model" in config.ablate:
        risk = np.zeros_like(risk)
    verdicts = assemble_verdicts(
        features, risk, accounts, config.policy, config.model, campaign_flags
    )
    return Scored(features, verdicts, summary)


def _signals(
    config: ScanConfig, engine: LocalEngine, quarantine: Quarantine, stats: ReadStats
) -> pa.Table:
    """Parse and compute signals in the workers; only chunk cutting, quarantine and
    de-duplication stay in this process, so the text never comes back. Returns the
    ``SCAN_COLUMNS`` of every valid event, sorted by (ts, request_id).

    A batch from a worker arrives as one unpickled block holding all its columns; blocks are
    copied into per-column buffers every ``_COMPACT_BYTES``, so that the sort can then free
    each unsorted column as soon as its sorted copy exists (one column of headroom, not a
    second table).
    """
    collector = ChunkCollector(quarantine, stats)
    owned: list[pa.RecordBatch] = []
    arrived: list[pa.RecordBatch] = []
    pending = 0  # bytes of the batches not yet compacted
    with _progress(config.progress) as progress:
        task = progress.add_task("signals", total=None)
        for parsed in map_spooled(engine, iter_chunks(list(config.events)), scan_signals):
            arrived.extend(collector.collect_runs(parsed))
            pending += parsed.batch.nbytes
            if pending >= _COMPACT_BYTES:
                owned.append(_compacted(arrived))
                arrived, pending = [], 0
            progress.update(task, completed=stats.valid)
    if arrived:
        owned.append(_compacted(arrived))
        arrived = []
    return sort_by_time(owned)


def sort_by_time(batches: list[pa.RecordBatch]) -> pa.Table:
    """The rows of ``batches`` (``SCAN_COLUMNS``) sorted by (ts, request_id); empties the list.

    Each unsorted column is freed as soon as its sorted copy exists. The replay-only columns
    come in chunks of ``REPLAY_PART_ROWS`` rows with their own buffers (``_replay_parts``).
    """
    table = pa.Table.from_batches(batches, schema=_SCAN_SCHEMA)
    batches.clear()
    order = pc.sort_indices(
        table.select(["ts", "request_id"]),
        sort_keys=[("ts", "ascending"), ("request_id", "ascending")],
    )
    columns: list[pa.Array | pa.ChunkedArray] = []
    for name in _SCAN_SCHEMA.names:
        column = table.column(name)
        table = table.drop_columns([name])  # the sorted copy replaces it
        if name in REPLAY_ONLY_COLUMNS:
            # One contiguous copy first: a take from many chunks concatenates them anew for
            # every part.
            whole = column.combine_chunks()
            del column
            step = REPLAY_PART_ROWS
            parts = [whole.take(order.slice(at, step)) for at in range(0, len(order), step)]
            del whole
            columns.append(pa.chunked_array(parts, _SCAN_SCHEMA.field(name).type))
        else:
            columns.append(column.take(order))
    return pa.Table.from_arrays(columns, schema=_SCAN_SCHEMA)


_SCAN_SCHEMA = pa.schema([SIGNAL_SCHEMA.field(name) for name in SCAN_COLUMNS])
# Columns only the campaign replay reads: freed as it feeds them (``_replay_parts``).
REPLAY_ONLY_COLUMNS = ["lsh_bands", "net_prefix", "asn", "user_agent", "tls_fingerprint"]
REPLAY_PART_ROWS = 250_000
# Columns the campaign replay never reads (it reads ``campaigns.rows.to_frame``'s and the
# account ids and intents): spilled to a SPILL_PREFIX file in the output folder while it runs.
LATER_ONLY_COLUMNS = [
    "request_id",
    "model",
    "ip",
    "prompt_tokens",
    "completion_tokens",
    "prompt_hash",
    "system_hash",
    "tools_hash",
]
SPILL_PREFIX = ".signals-spill-"
_COMPACT_BYTES = 256 << 20


def _compacted(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    """One batch of the rows of ``batches``, each column in freshly allocated buffers."""
    return pa.RecordBatch.from_arrays(
        [pa.concat_arrays([b.column(i) for b in batches]) for i in range(len(SCAN_COLUMNS))],
        schema=_SCAN_SCHEMA,
    )


def release_freed_memory() -> None:
    """Hand memory freed by a finished stage back to the OS.

    The unpickled worker batches and the stages' temporaries are freed, but glibc and Arrow's
    allocator keep the pages for reuse, so the process would carry every stage's high-water
    mark into the next one (about a third of the peak at 3M events).
    """
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _releases(path: Path | None) -> list[tuple[str, datetime]]:
    if path is None:
        return []
    table = read_release_file(path)
    return [(r["name"], r["ts"]) for r in table.to_pylist()]


def _hourly(signals: pa.Table, verdicts: pl.DataFrame) -> pa.Table:
    """Events per hour per campaign (empty campaign id = accounts in no campaign)."""
    df = pl.from_arrow(signals.select(["ts", "account_id"]))
    assert isinstance(df, pl.DataFrame)
    members = verdicts.select("account_id", "campaign_id")
    df = df.join(members, on="account_id", how="left").with_columns(
        pl.col("campaign_id").fill_null("")
    )
    hourly = (
        df.group_by(pl.col("ts").dt.truncate("1h").alias("hour"), "campaign_id")
        .agg(pl.len().cast(pl.Int64).alias("events"))
        .sort("hour", "campaign_id")
    )
    return hourly.to_arrow()


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
        transient=False,
    )
