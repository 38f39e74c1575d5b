"""Replay campaign detection at checkpoints and turn flagged campaigns into account flags.

At each checkpoint the tracker has seen only events at or before it, so an account flagged as
a campaign member at checkpoint T is a flag an online deployment would have raised at T.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
from rich.progress import Progress

from distillguard.campaigns import Campaign, CampaignConfig, CampaignTracker
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


@dataclass
class CampaignReplay:
    """Feeds time-sorted signals to a tracker and detects every ``interval``."""

    accounts: pa.Table | None
    policy: Policy
    interval: timedelta = timedelta(hours=2)
    config: CampaignConfig = field(default_factory=CampaignConfig)

    def run(
        self, signals: pa.Table, progress: Progress | None = None
    ) -> tuple[pa.Table, list[Campaign]]:
        """Account flags (CAMPAIGN_FLAG_SCHEMA) and the campaigns of the final checkpoint."""
        accounts = self.accounts if self.accounts is not None else ACCOUNT_SCHEMA.empty_table()
        tracker = CampaignTracker(accounts, self.config)
        if signals.num_rows == 0:
            return CAMPAIGN_FLAG_SCHEMA.empty_table(), []
        ts = signals.column("ts").to_numpy().astype("datetime64[us]").astype(np.int64)
        step = int(self.interval.total_seconds() * 1e6)
        # Checkpoint k closes the slice of events with ts < start + (k+1)·step.
        edges = np.arange(ts[0] + step, ts[-1] + step + 1, step)
        bounds = np.searchsorted(ts, edges, side="left")
        task = progress.add_task("campaigns", total=len(bounds)) if progress else None
        flags: dict[str, _MemberFlag] = {}
        campaigns: list[Campaign] = []
        lo = 0
        for hi in bounds:
            if hi > lo:
                tracker.update(signals.slice(lo, hi - lo))
                as_of = _utc(int(ts[hi - 1]))
                campaigns = tracker.detect(as_of)
                self._flag_members(campaigns, as_of, flags)
                lo = hi
            if progress is not None and task is not None:
                progress.advance(task)
        rows = [{"account_id": a, **asdict(f)} for a, f in flags.items()]
        return pa.Table.from_pylist(rows, schema=CAMPAIGN_FLAG_SCHEMA), campaigns

    def _flag_members(
        self, campaigns: list[Campaign], as_of: datetime, flags: dict[str, _MemberFlag]
    ) -> None:
        for campaign in campaigns:
            if not campaign.flagged:
                continue
            risk = max(campaign.risk, self.policy.flag)
            reasons = ";".join(campaign_codes(campaign))
            for member in campaign.members:
                seen = flags.get(member)
                if seen is None:
                    flags[member] = _MemberFlag(campaign.campaign_id, risk, as_of, reasons)
                else:  # keep the first flag time; follow the campaign as it grows
                    seen.campaign_id = campaign.campaign_id
                    seen.campaign_risk = max(risk, seen.campaign_risk)
                    seen.campaign_reasons = reasons


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
    codes = ["campaign_member"]
    for table, name, code in _EVIDENCE_CODES:
        p = campaign.evidence.get(table, {}).get(name)
        if p is not None and p <= EVIDENCE_P:
            codes.append(code)
    return codes


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)
