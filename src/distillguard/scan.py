"""The batch scan: events → signals → accounts → campaigns → verdicts, in one process.

Signals are stateless, so they are computed in streaming batches on all cores. Only the slim
signal table is kept; it is then replayed in time order so every flag is one an online
deployment could have raised at that moment.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from distillguard.ablation import ablate_accounts, ablate_signals
from distillguard.accounts.features import online_account_features
from distillguard.campaigns import Campaign, campaigns_to_json
from distillguard.campaigns.shared_keys import SharedKeyConfig, key_summary
from distillguard.engine.local import LocalEngine
from distillguard.events import (
    ChunkCollector,
    LineChunk,
    ParsedChunk,
    Quarantine,
    ReadStats,
    Reject,
    iter_chunks,
    parse_chunk,
    read_accounts,
)
from distillguard.events.readers import read_releases as read_release_file
from distillguard.signals import compute_signals
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
    keys: pl.DataFrame | None = None  # key_summary: shared keys and when they became hot

    @property
    def flagged(self) -> int:
        return int(self.verdicts["flagged"].sum())


def scan(config: ScanConfig) -> ScanResult:
    """Run the whole flow and write verdicts.csv, campaigns.json and quarantine.jsonl."""
    started = time.perf_counter()
    config.out.mkdir(parents=True, exist_ok=True)
    with LocalEngine(workers=config.workers) if config.workers else LocalEngine() as engine:
        return _scan(config, engine, started)


def _scan(config: ScanConfig, engine: LocalEngine, started: float) -> ScanResult:
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
        signals = _signals(config, engine, quarantine, stats)
        timings["read+signals"] = time.perf_counter() - t
    signals = signals.sort_by([("ts", "ascending"), ("request_id", "ascending")])
    off = config.ablate
    if off:
        signals = ablate_signals(signals, off)
        accounts = ablate_accounts(accounts, off)
    t = time.perf_counter()
    campaign_flags = CAMPAIGN_FLAG_SCHEMA.empty_table()
    campaigns: list[Campaign] = []
    if "graph_campaigns" not in off:
        with _progress(config.progress) as progress:
            replay = CampaignReplay(accounts, config.policy, interval=config.campaign_interval)
            campaign_flags, campaigns = replay.run(signals, progress)
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


@dataclass(frozen=True)
class Scored:
    """What ``score_accounts`` found: per-event account features, verdicts, shared keys."""

    features: pa.Table
    verdicts: pl.DataFrame
    keys: pl.DataFrame  # key_summary: the evidence behind shared-key flags


def score_accounts(
    signals: pa.Table, accounts: pa.Table | None, config: ScanConfig, campaign_flags: pa.Table
) -> Scored:
    """From time-sorted signals and graph-campaign member flags to verdicts: the account model,
    shared keys and assembly. The batch scan and ``--follow`` share it, so they judge alike."""
    # Polars runs the window functions on all cores in this process: cheaper than shipping
    # account partitions (a copy of the signal table) to the workers.
    features = online_account_features(signals, accounts)
    risk = config.model.score(features)
    if "account_model" in config.ablate:
        risk = np.zeros_like(risk)
    keys = replace(config.shared_keys, benign_rate=config.policy.key_benign_rate)
    if "shared_keys" not in config.ablate:
        key_flags = shared_key_campaign_flags(signals, accounts, keys, config.policy)
        campaign_flags = pa.concat_tables([campaign_flags, key_flags])
    verdicts = assemble_verdicts(
        features, risk, accounts, config.policy, config.model, campaign_flags
    )
    return Scored(features, verdicts, key_summary(signals, accounts, keys))


def _signals(
    config: ScanConfig, engine: LocalEngine, quarantine: Quarantine, stats: ReadStats
) -> pa.Table:
    """Parse and compute signals in the workers; only chunk cutting, quarantine and
    de-duplication stay in this process, so the text never comes back."""
    collector = ChunkCollector(quarantine, stats)
    parts: list[pa.RecordBatch] = []
    with _progress(config.progress) as progress:
        task = progress.add_task("signals", total=None)
        for parsed in engine.map_batches(iter_chunks(list(config.events)), parse_and_signal):
            parts.extend(collector.collect_runs(parsed))
            progress.update(task, completed=stats.valid)
    if not parts:
        return SIGNAL_SCHEMA.empty_table()
    return pa.Table.from_batches(parts, schema=SIGNAL_SCHEMA)


def parse_and_signal(item: LineChunk | Reject) -> ParsedChunk:
    """Worker stage: raw lines → validated events → per-request signals (row-aligned)."""
    parsed = parse_chunk(item)
    return replace(parsed, batch=compute_signals(parsed.batch))


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
