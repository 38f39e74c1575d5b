"""Online campaign detection: fold time-ordered signals into state, detect at checkpoints.

``update`` only buffers slim rows. ``detect(T)`` folds every time bucket that ended by T into
incremental state (per-account totals, shared template bands, lockstep keys), looks at the
still-open bucket without committing it, and re-runs the dense-group search and pooled scoring
on the accumulated graph. Nothing at or after a checkpoint sees a later event: rows with
``ts > T`` stay in the buffer for the next checkpoint.

``submit(T, executor)`` runs that search on another thread: it reads only frames and arrays
fixed at T, so the next checkpoint's events can be folded, and its search run, meanwhile (the
compiled kernels and Polars release the GIL, so a replay uses both cores).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from distillguard.campaigns.accumulate import BandPairs, PackedDetail
from distillguard.campaigns.activity import DETAILS, new_totals, summarise
from distillguard.campaigns.assemble import CampaignHead, build_campaign, campaign_head
from distillguard.campaigns.bands import band_keys
from distillguard.campaigns.dense import Block, dense_blocks
from distillguard.campaigns.directory import US_PER_S, AccountDirectory
from distillguard.campaigns.family import FamilyIndex
from distillguard.campaigns.graph import EvidenceGraph, GraphInputs, build_graph, sync_key
from distillguard.campaigns.lockstep import SYNC_SCHEMA, sync_pairs
from distillguard.campaigns.model import Campaign, CampaignConfig, PairEvidence
from distillguard.campaigns.pooled import GroupScore, score_groups
from distillguard.campaigns.rows import to_frame

# Checkpoints whose search may still run while a later one folds its state: a checkpoint's
# lockstep pruning is applied this many checkpoints late, in every mode, so a replay that
# overlaps searches flags exactly what a sequential one does.
PRUNE_LAG = 1


@dataclass(frozen=True)
class _Digest:
    summaries: dict[str, pl.DataFrame]
    pairs: pl.DataFrame
    sync: pl.DataFrame


class Detection:
    """One checkpoint's scored blocks: heads for member flags now, campaigns when asked.

    Building a campaign's evidence (timeline, topics, lockstep pairs, shared links) costs
    about as much as scoring it, and a replay reads it only for the last checkpoint, so it
    is deferred; the detail state is snapshotted so a later build sees this checkpoint.
    """

    def __init__(
        self,
        graph: EvidenceGraph | None,
        blocks: list[Block],
        scored: list[npt.NDArray[np.int64]],
        scores: list[GroupScore],
        details: dict[str, tuple[PackedDetail, list[pl.DataFrame]]],
        config: CampaignConfig,
    ) -> None:
        self._graph = graph
        self._blocks = blocks
        self._scored = scored
        self._scores = scores
        self._details = details
        self._config = config
        self._campaigns: list[Campaign] | None = None
        heads = (
            [campaign_head(graph, b, s, config) for b, s in zip(blocks, scores, strict=True)]
            if graph is not None
            else []
        )
        # Riskiest first, as campaigns are sorted (a head has its campaign's sort key).
        self._order = sorted(
            range(len(heads)),
            key=lambda i: (not heads[i].flagged, -heads[i].risk, heads[i].campaign_id),
        )
        self.heads: list[CampaignHead] = [heads[i] for i in self._order]

    @property
    def graph(self) -> EvidenceGraph | None:
        """The checkpoint's evidence graph (None before any activity)."""
        return self._graph

    @classmethod
    def empty(cls, config: CampaignConfig) -> Detection:
        return cls(None, [], [], [], {}, config)

    def campaigns(self) -> list[Campaign]:
        """The full campaigns, in ``heads`` order (built once)."""
        if self._campaigns is None:
            self._campaigns = self._build() if self._graph is not None else []
        return self._campaigns

    def _build(self) -> list[Campaign]:
        graph, blocks = self._graph, self._blocks
        assert graph is not None
        members = graph.accounts.filter(
            pl.col("actor").is_in(np.concatenate([b.actors for b in blocks]).tolist())
            if blocks
            else pl.lit(False)
        )["acct"].to_numpy()
        details = {
            name: detail.for_accounts(members, parts)
            for name, (detail, parts) in self._details.items()
        }
        return [
            build_campaign(
                graph, blocks[i], self._scored[i], self._scores[i], details, self._config
            )
            for i in self._order
        ]


class CampaignTracker:
    """Incremental cross-account campaign detection over a time-ordered signal stream."""

    def __init__(self, accounts: pa.Table, config: CampaignConfig | None = None) -> None:
        self.config = config or CampaignConfig()
        self._directory = AccountDirectory(accounts, self.config.signup_window_s)
        self._bucket_us = self.config.sync_bucket_s * US_PER_S
        self._family = FamilyIndex(
            self.config.bloom_capacity,
            self.config.bloom_fp_rate,
            self.config.first_owner_horizon_s * US_PER_S,
        )
        self._totals = new_totals()
        self._details = {name: PackedDetail() for name in DETAILS}
        self._pairs = BandPairs()
        self._sync: list[pl.DataFrame] = []
        self._buffer: list[pl.DataFrame] = []
        self._last_ts: int | None = None
        # Buckets below this index are folded into state and can no longer change.
        self._committed_bucket = -(2**62)
        self._last_as_of: int | None = None
        # Submitted detections whose lockstep verdicts are not yet applied to ``_sync``, with
        # the bucket their checkpoint had committed up to.
        self._jobs: deque[tuple[Future[_Result], int]] = deque()

    @property
    def unknown_accounts(self) -> int:
        """Accounts seen in signals but missing from the accounts table (kept, attributes null)."""
        return self._directory.unknown_accounts

    @property
    def state_bytes(self) -> int:
        """Memory held by the incremental state (buffered rows included)."""
        totals = sum(t.nbytes for t in self._totals.values()) + self._pairs.nbytes
        details = sum(d.nbytes for d in self._details.values())
        frames = sum(int(f.estimated_size()) for f in [*self._sync, *self._buffer])
        return totals + details + frames + self._family.nbytes

    def update(self, batch: pa.Table | pa.RecordBatch) -> None:
        """Add SIGNAL_SCHEMA rows; timestamps must not go back across calls."""
        rows = to_frame(batch)
        if rows.height == 0:
            return
        if not rows["ts"].is_sorted():
            rows = rows.sort("ts", maintain_order=True)
        first, last = int(rows["ts"][0]), int(rows["ts"][-1])
        if self._last_ts is not None and first < self._last_ts:
            raise ValueError("signals went back in time: batches must have non-decreasing ts")
        if first // self._bucket_us < self._committed_bucket:
            raise ValueError("signals precede a checkpoint already detected")
        acct = self._directory.index_of(rows["account_id"])
        rows = rows.drop("account_id").with_columns(
            acct.alias("acct"), (pl.col("ts") // self._bucket_us).alias("bucket")
        )
        self._buffer.append(rows)
        self._last_ts = last

    def detect(self, as_of: datetime) -> list[Campaign]:
        """Campaigns from every event at or before ``as_of`` given so far, riskiest first."""
        return self.detect_lazy(as_of).campaigns()

    def detect_lazy(self, as_of: datetime) -> Detection:
        """``detect``, with the campaigns' evidence built only when asked for."""
        return self.submit(as_of).result()

    def submit(self, as_of: datetime, executor: Executor | None = None) -> Future[Detection]:
        """``detect_lazy`` as a future: the search runs on ``executor`` (inline without one).

        A checkpoint folds state first, on the calling thread; only the graph search and
        scoring run on the executor. Their results do not depend on where or when they run:
        a checkpoint's pruning of chance lockstep keys (see ``_prune_sync``) is applied at the
        checkpoint after next, which waits for it, so two searches can overlap.
        """
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        as_of_us = int(as_of.timestamp() * US_PER_S)
        now_bucket = as_of_us // self._bucket_us
        if self._last_as_of is not None and as_of_us < self._last_as_of:
            raise ValueError("as_of precedes a checkpoint already detected")
        self._last_as_of = as_of_us
        pending = pl.concat(self._buffer) if self._buffer else None
        self._buffer = []
        open_rows = None
        if pending is not None:
            later = pending.filter(pl.col("ts") > as_of_us)
            seen = pending.filter(pl.col("ts") <= as_of_us)
            for chunk in self._chunks(seen.filter(pl.col("bucket") < now_bucket)):
                self._commit(self._digest(chunk, commit=True))
            open_rows = seen.filter(pl.col("bucket") >= now_bucket)
            self._buffer = [f for f in (open_rows, later) if f.height]
        self._committed_bucket = now_bucket
        while len(self._jobs) > PRUNE_LAG:
            done, committed = self._jobs.popleft()
            self._prune_sync(done.result().live_sync, committed)
        temp = self._digest(open_rows, commit=False) if open_rows is not None else None
        job = self._prepare(as_of_us, temp)
        result: Future[_Result]
        if executor is None:
            result = Future()
            result.set_result(job())
        else:
            result = executor.submit(job)
        self._jobs.append((result, now_bucket))
        detection: Future[Detection] = Future()
        result.add_done_callback(lambda r: _settle(r, detection))
        return detection

    def explain_pair(self, account_a: str, account_b: str) -> PairEvidence:
        """Evidence linking two accounts in the graph of the last ``detect``."""
        graph = self._jobs[-1][0].result().detection.graph if self._jobs else None
        if graph is None:
            raise RuntimeError("explain_pair needs a detect() first")
        return graph.explain_pair(account_a, account_b)

    def _chunks(self, rows: pl.DataFrame) -> list[pl.DataFrame]:
        """Cut rows into chunks of whole buckets, about ``chunk_rows`` rows each."""
        if rows.height <= self.config.chunk_rows:
            return [rows] if rows.height else []
        sizes = rows.group_by("bucket", maintain_order=True).len()
        before = sizes["len"].cum_sum() - sizes["len"]
        part = sizes.select("bucket", (before // self.config.chunk_rows).alias("part"))
        tagged = rows.join(part, on="bucket", how="left", maintain_order="left")
        return [p.drop("part") for p in tagged.partition_by("part", maintain_order=True)]

    def _digest(self, rows: pl.DataFrame, commit: bool) -> _Digest:
        keys = band_keys(rows, self.config.family_bands)
        absorbed = self._family.absorb(rows, keys, commit=commit)
        return _Digest(
            summaries=summarise(rows),
            pairs=absorbed.pairs,
            sync=sync_pairs(absorbed.candidates),
        )

    def _commit(self, digest: _Digest) -> None:
        for name, part in digest.summaries.items():
            if name in self._details:
                self._details[name].add(part)
            else:
                self._totals[name].add(part)
        self._pairs.add(digest.pairs)
        if digest.sync.height:
            self._sync.append(digest.sync)

    def _prepare(self, as_of_us: int, temp: _Digest | None) -> Callable[[], _Result]:
        """Fold the state as of the checkpoint; the returned search reads only that fold."""
        extra = temp.summaries if temp else {}
        folded = {
            name: totals.fold([extra[name]] if name in extra else [])
            for name, totals in self._totals.items()
        }
        cfg = self.config
        if folded["stats"].height == 0:
            return lambda: _Result(Detection.empty(cfg), None)
        sync_parts = [*self._sync, *([temp.sync] if temp and temp.sync.height else [])]
        inputs = GraphInputs(
            directory=self._directory.frame,
            stats=folded["stats"],
            pairs=self._pairs.fold([temp.pairs] if temp else []),
            sync=pl.concat(sync_parts) if sync_parts else pl.DataFrame(schema=SYNC_SCHEMA),
            infra=folded["infra"],
            buckets=folded["buckets"],
            as_of_us=as_of_us,
        )
        details = {
            name: (detail.snapshot(), [extra[name]] if name in extra else [])
            for name, detail in self._details.items()
        }
        return lambda: _search(inputs, details, cfg)

    def _prune_sync(self, live: pl.DataFrame | None, committed: int) -> None:
        """Forget stored lockstep keys of buckets before ``committed`` that a checkpoint's graph
        found explained by chance (``live`` holds the keys it kept).

        A closed bucket's key keeps its actor count while its band's expected rate is only
        re-estimated from more traffic, so an unsurprising key almost always stays so; it is
        dropped for good (a band whose share of traffic later falls could have made it
        surprising again: that rare case is traded for state that does not grow with noise).
        """
        if not self._sync or live is None:
            return
        stored = pl.concat(self._sync)
        skey = sync_key(stored["fam"].to_numpy(), stored["bucket"].to_numpy())
        judged = stored.with_columns(pl.Series("s", skey, dtype=pl.UInt64))
        later = pl.col("bucket") >= committed  # not yet in that graph: kept for the next
        kept = pl.concat(
            [
                judged.filter(~later).join(live, on="s", how="semi"),
                judged.filter(later),
            ]
        ).drop("s")
        self._sync = [kept] if kept.height else []


@dataclass(frozen=True)
class _Result:
    """A checkpoint's search: its detection and the lockstep keys its graph kept."""

    detection: Detection
    live_sync: pl.DataFrame | None


def _search(
    inputs: GraphInputs,
    details: dict[str, tuple[PackedDetail, list[pl.DataFrame]]],
    cfg: CampaignConfig,
) -> _Result:
    """Graph, dense blocks and pooled scores of one checkpoint's folded state."""
    graph = build_graph(inputs, cfg)
    blocks = dense_blocks(graph.matrix, cfg.max_blocks, cfg.min_block_density, cfg.min_actors)
    allow = graph.actors["allow"].to_numpy()
    scored = []
    for block in blocks:
        acting = block.actors[~allow[block.actors]]
        scored.append(acting if len(acting) else block.actors)
    bucket_counts = inputs.buckets["n"].cast(pl.Float64).to_numpy()
    scores = score_groups(graph, scored, bucket_counts, cfg)
    cols = graph.columns("sync") - len(graph.fam_keys)
    live = cols[graph.weight[graph.columns("sync")] > 0]
    kept = pl.DataFrame({"s": graph.sync_s[live]}, schema={"s": pl.UInt64})
    return _Result(Detection(graph, blocks, scored, scores, details, cfg), kept)


def _settle(result: Future[_Result], detection: Future[Detection]) -> None:
    """Pass a search's detection (or its error) on to the future ``submit`` returned."""
    error = result.exception()
    if error is not None:
        detection.set_exception(error)
    else:
        detection.set_result(result.result().detection)


def find_campaigns(
    signals: pa.Table, accounts: pa.Table, config: CampaignConfig | None = None
) -> list[Campaign]:
    """Batch convenience: every signal in time order, one detect at the last timestamp."""
    if signals.num_rows == 0:
        return []
    tracker = CampaignTracker(accounts, config)
    order = np.argsort(signals["ts"].to_numpy(), kind="stable")
    ordered = signals.take(order)
    step = tracker.config.chunk_rows
    for start in range(0, ordered.num_rows, step):
        tracker.update(ordered.slice(start, step))
    last = ordered["ts"][-1].as_py()
    return tracker.detect(last)
