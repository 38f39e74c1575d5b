"""Replay campaign detection at checkpoints and turn flagged campaigns into account flags.

At each checkpoint the tracker has seen only events at or before it, so an account flagged as
a campaign member at checkpoint T is a flag an online deployment would have raised at T.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
from rich.progress import Progress

from distillguard.campaigns import Campaign, CampaignConfig, CampaignTracker
from distillguard.campaigns.assemble import CampaignHead
from distillguard.campaigns.tracker import PRUNE_LAG, Detection
from distillguard.events.schema import ACCOUNT_SCHEMA
from distillguard.verdicts.assemble import CAMPAIGN_FLAG_SCHEMA
from distillguard.verdicts.policy import Policy


@dataclass
class _MemberFlag:
    """One account's campaign flag; field names are CAMPAIGN_FLAG_SCHEMA's columns."""

    campaign_id: str
    campaign_risk: float
    campaign_flagged_at: datetime
    campaign_reasons: str
    member_acted: bool = False  # graph campaigns flag as a group; assemble gates each member


class CampaignReplay:
    """Feeds time-sorted signals to a tracker and detects every ``interval`` of event time.

    ``feed`` may be called with successive slices of one time-ordered stream (a growing log);
    a checkpoint runs once an event at or past its edge arrives, so feeding a stream in pieces
    flags exactly what feeding it whole does. ``finish`` closes the last, partial interval.

    A checkpoint's search runs on a worker thread while the next interval is fed; its flags
    are taken in checkpoint order, with member activity as it stood at the checkpoint.
    """

    def __init__(
        self,
        accounts: pa.Table | None,
        policy: Policy,
        interval: timedelta = timedelta(hours=2),
        config: CampaignConfig | None = None,
    ) -> None:
        self.policy = policy
        self.config = config or CampaignConfig()
        table = accounts if accounts is not None else ACCOUNT_SCHEMA.empty_table()
        self._tracker = CampaignTracker(table, self.config)
        self._step = int(interval.total_seconds() * 1e6)
        self._edge: int | None = None  # the open interval ends before this event time (µs)
        self._last: int | None = None  # event time of the last row fed, µs
        self._dirty = False  # rows fed since the last detect
        self._flags: dict[str, _MemberFlag] = {}
        self._detection: Detection | None = None
        self.checkpoints = 0
        self._activity = _Activity()
        self._searches: ThreadPoolExecutor | None = None
        self._pending: deque[tuple[Future[Detection], datetime, _Activity]] = deque()

    def run(
        self, signals: pa.Table, progress: Progress | None = None
    ) -> tuple[pa.Table, list[Campaign]]:
        """Account flags (CAMPAIGN_FLAG_SCHEMA) and the campaigns of the final checkpoint."""
        step = max(1, self.config.chunk_rows)
        parts = (signals.slice(start, step) for start in range(0, signals.num_rows, step))
        return self.run_parts(parts, signals.num_rows, progress)

    def run_parts(
        self, parts: Iterator[pa.Table], rows: int, progress: Progress | None = None
    ) -> tuple[pa.Table, list[Campaign]]:
        """``run`` on consecutive time-ordered pieces of the signals (``rows`` in all); no
        reference to a piece is kept once it is fed, so a caller can free each in turn."""
        task = progress.add_task("campaigns", total=rows) if progress else None
        done = 0
        for part in parts:
            done += part.num_rows
            self.feed(part)
            del part
            if progress is not None and task is not None:
                progress.update(task, completed=done)
        self.finish()
        return self.flags(), self.campaigns

    def feed(self, signals: pa.Table) -> None:
        """Add SIGNAL_SCHEMA rows sorted by ``ts``, detecting at every checkpoint they close."""
        if signals.num_rows == 0:
            return
        ts = signals.column("ts").to_numpy().astype("datetime64[us]").astype(np.int64)
        if self._edge is None:
            self._edge = int(ts[0]) + self._step
        lo = 0
        while lo < len(ts):
            hi = int(np.searchsorted(ts, self._edge, side="left"))
            if hi > lo:
                part = signals.slice(lo, hi - lo)
                self._tracker.update(part)
                self._activity.add(part)
                self._last, self._dirty = int(ts[hi - 1]), True
                lo = hi
            if lo < len(ts):  # an event at or past the edge closes the interval
                self._checkpoint()
                self._edge += self._step
                while ts[lo] >= self._edge:
                    self._edge += self._step

    @property
    def campaigns(self) -> list[Campaign]:
        """The campaigns of the last checkpoint (their evidence is built on first read)."""
        self._settle(0)
        return self._detection.campaigns() if self._detection is not None else []

    def finish(self) -> None:
        """Detect on everything fed so far (the last, partial interval of a scan)."""
        self._checkpoint()
        self._settle(0)
        if self._searches is not None:
            self._searches.shutdown()
            self._searches = None

    def flags(self) -> pa.Table:
        """One row per account flagged so far (CAMPAIGN_FLAG_SCHEMA)."""
        self._settle(0)
        rows = [{"account_id": a, **asdict(f)} for a, f in self._flags.items()]
        return pa.Table.from_pylist(rows, schema=CAMPAIGN_FLAG_SCHEMA)

    def _checkpoint(self) -> None:
        if not self._dirty or self._last is None:
            return
        as_of = _utc(self._last)
        if self._searches is None:
            self._searches = ThreadPoolExecutor(PRUNE_LAG + 1, "campaign-search")
        self._detection = None  # superseded: its graph need not outlive the new search
        detection = self._tracker.submit(as_of, self._searches)
        self._pending.append((detection, as_of, self._activity.snapshot()))
        self._dirty = False
        self.checkpoints += 1
        self._settle(PRUNE_LAG)

    def _settle(self, running: int) -> None:
        """Flag the members of finished searches, in checkpoint order, waiting until at most
        ``running`` are still pending (each holds a graph: this bounds the memory)."""
        while self._pending and (len(self._pending) > running or self._pending[0][0].done()):
            detection, as_of, activity = self._pending.popleft()
            self._detection = detection.result()
            self._flag_members(self._detection.heads, as_of, activity)

    def _flag_members(
        self, campaigns: list[CampaignHead], as_of: datetime, activity: _Activity
    ) -> None:
        flags = self._flags
        for campaign in campaigns:
            if not campaign.flagged:
                continue
            risk = max(campaign.risk, self.policy.flag)
            reasons = ";".join(evidence_codes(campaign.evidence))
            for member in activity.eligible(campaign.members):
                seen = flags.get(member)
                if seen is None:
                    flags[member] = _MemberFlag(campaign.campaign_id, risk, as_of, reasons)
                else:  # keep the first flag time; follow the campaign as it grows
                    seen.campaign_id = campaign.campaign_id
                    seen.campaign_risk = max(risk, seen.campaign_risk)
                    seen.campaign_reasons = reasons


# A graph campaign's block can sweep in bystanders: an individual on a proxy's home address who
# once asked for step-by-step reasoning, or a heavy enterprise app whose tool traffic shares
# template bands with the campaign. A member must itself have sent this many harvesting
# requests, and must not outweigh the block's typical member by more than this factor (a heavy
# account is its own actor and is judged by the account model, not pooled with light ones).
MEMBER_MIN_HARVEST_REQUESTS = 2
MEMBER_MAX_VOLUME_RATIO = 20.0


class _Activity:
    """Running request and harvesting-request counts per account, for member eligibility."""

    def __init__(self) -> None:
        self._requests: dict[str, int] = {}
        self._harvest: dict[str, int] = {}

    def add(self, signals: pa.Table) -> None:
        df = pl.from_arrow(signals.select(["account_id", "intent"]))
        assert isinstance(df, pl.DataFrame)
        counts = df.group_by("account_id").agg(
            pl.len().alias("n"), (pl.col("intent") != "benign").sum().alias("h")
        )
        for account, n, h in counts.iter_rows():
            self._requests[account] = self._requests.get(account, 0) + n
            self._harvest[account] = self._harvest.get(account, 0) + h

    def snapshot(self) -> _Activity:
        """A copy that later ``add`` calls leave as it is."""
        copy = _Activity()
        copy._requests = dict(self._requests)
        copy._harvest = dict(self._harvest)
        return copy

    def eligible(self, members: list[str]) -> list[str]:
        volumes = [self._requests.get(m, 0) for m in members]
        cap = MEMBER_MAX_VOLUME_RATIO * max(1.0, float(np.median(volumes))) if volumes else 0.0
        return [
            m
            for m, v in zip(members, volumes, strict=True)
            if self._harvest.get(m, 0) >= MEMBER_MIN_HARVEST_REQUESTS and v <= cap
        ]


# Evidence whose p-value against the campaign's null groups is at most this becomes a code.
EVIDENCE_P = 0.05
_EVIDENCE_CODES = (
    ("p_values", "harvest", "campaign_harvest"),
    ("p_values", "lockstep", "campaign_lockstep"),
    ("feature_p_values", "payment_linked", "campaign_shared_payment"),
    ("feature_p_values", "signup_linked", "campaign_signup_burst"),
    ("feature_p_values", "young_unverified", "campaign_young_unverified"),
)


def campaign_codes(campaign: Campaign) -> list[str]:
    """Reason codes for a campaign member: membership plus each significant evidence family."""
    return evidence_codes(campaign.evidence)


def evidence_codes(evidence: Mapping[str, Any]) -> list[str]:
    """``campaign_codes`` from a campaign's (or ``CampaignHead``'s) evidence."""
    codes = ["campaign_member"]
    for table, name, code in _EVIDENCE_CODES:
        p = evidence.get(table, {}).get(name)
        if p is not None and p <= EVIDENCE_P:
            codes.append(code)
    return codes


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def shared_key_campaign_flags(flags: pl.DataFrame, policy: Policy) -> pa.Table:
    """``SharedKeys.flags`` as CAMPAIGN_FLAG_SCHEMA rows (risk at least ``flag``)."""
    out = flags.select(
        "account_id",
        pl.col("group_id").alias("campaign_id"),
        (1.0 - pl.col("p")).clip(policy.flag, 1.0).alias("campaign_risk"),
        pl.col("flagged_at").alias("campaign_flagged_at"),
        pl.col("reasons").list.join(";").alias("campaign_reasons"),
        pl.lit(True).alias("member_acted"),
    )
    return out.to_arrow().cast(CAMPAIGN_FLAG_SCHEMA)
