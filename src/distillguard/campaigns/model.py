"""Configuration and result types of campaign detection (the boundary other stages consume)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import orjson

from distillguard.signals.schema import LSH_BANDS


@dataclass(frozen=True)
class CampaignConfig:
    """Knobs of campaign detection; docs/campaigns.md explains each choice.

    Nothing here is fitted to a dataset: windows are operational choices, the risk threshold is
    a target false-positive rate against a null estimated on the scanned data itself.
    """

    # Lockstep: two requests co-occur when they share a template band in the same time bucket.
    sync_bucket_s: int = 600
    # LSH band positions (of 16) used as template-family keys.
    family_bands: int = 4
    # Signup bursts: accounts created through one channel within the same window (two grids
    # offset by half a window, so a burst straddling a boundary is still one key).
    signup_window_s: int = 3600
    # Fraudar column weight 1 / log(c + degree).
    fraudar_c: float = 5.0
    # A template band first used by one account is remembered this long, so the first user
    # is linked once a second account uses the band.
    first_owner_horizon_s: int = 86_400
    # Capacity and false-positive rate of the first Bloom filter of "band already seen".
    bloom_capacity: int = 1 << 22
    bloom_fp_rate: float = 1e-3
    # Keys whose learned factor (coordination, surprise, coherence) is below this are taken as
    # explained by chance or common infrastructure and get no weight.
    min_key_factor: float = 0.05
    # Weighted MinHash races per actor that decide whether actors behind one infrastructure
    # key share templates (the key's coherence).
    coherence_races: int = 3
    # Dense-block search.
    max_blocks: int = 40
    min_block_density: float = 0.5
    # A campaign needs at least this many distinct actors (accounts or verified organisations).
    min_actors: int = 5
    # Null groups: random groups of each candidate's size (per candidate), and at most this
    # many groups of benign-looking structure (shared by all candidates). Empirical p-values
    # cannot go below 1 / (null groups + 1), so this bounds the smallest reachable p.
    null_random_groups: int = 400
    null_structure_groups: int = 200
    null_max_actors: int = 400
    # Flag a group when its combined p-value against the null is at most this.
    target_fpr: float = 0.01
    # "Young": created less than this many days before the account's first request.
    young_days: float = 7.0
    # Member pairs sampled for the reported pairwise lockstep Jaccard.
    jaccard_pairs: int = 400
    # Rows folded into state per step when a detect catches up on buffered input.
    chunk_rows: int = 500_000
    seed: int = 0

    def __post_init__(self) -> None:
        positive = (
            "sync_bucket_s",
            "family_bands",
            "signup_window_s",
            "first_owner_horizon_s",
            "bloom_capacity",
            "coherence_races",
            "max_blocks",
            "min_actors",
            "null_max_actors",
            "jaccard_pairs",
            "chunk_rows",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"CampaignConfig.{name} must be positive")
        if not 0.0 < self.target_fpr < 1.0:
            raise ValueError("CampaignConfig.target_fpr must be in (0, 1)")
        if not 0.0 <= self.min_key_factor < 1.0:
            raise ValueError("CampaignConfig.min_key_factor must be in [0, 1)")
        if not 0.0 < self.bloom_fp_rate < 1.0:
            raise ValueError("CampaignConfig.bloom_fp_rate must be in (0, 1)")
        if self.fraudar_c <= 1.0:
            raise ValueError("CampaignConfig.fraudar_c must exceed 1 so every weight is finite")
        if self.family_bands > LSH_BANDS:
            raise ValueError(f"CampaignConfig.family_bands must be at most {LSH_BANDS}")
        if self.min_actors < 2:
            raise ValueError("CampaignConfig.min_actors must be at least 2")


@dataclass(frozen=True)
class PairEvidence:
    """Why two accounts are linked: the keys they share and how synchronised they are."""

    account_a: str
    account_b: str
    # Key kind -> shared values (template and lockstep keys as hex band hashes).
    shared: dict[str, list[str]]
    shared_sync_buckets: int
    lockstep_jaccard: float
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Campaign:
    """One coordinated group, judged on its pooled traffic as the single actor it is."""

    campaign_id: str
    # Accounts subject to action, sorted.
    members: list[str]
    # Members exempt from action because they are allowlisted (kept visible, never blocked).
    allowlisted: list[str]
    first_seen: datetime
    last_seen: datetime
    # Events per hour of all members, keyed by the hour's ISO start.
    timeline: dict[str, int]
    evidence: dict[str, Any]
    estimated_exchanges_harvested: int
    risk: float
    flagged: bool
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["first_seen"] = self.first_seen.isoformat()
        out["last_seen"] = self.last_seen.isoformat()
        return out


def campaigns_to_json(campaigns: list[Campaign]) -> bytes:
    """The bytes of ``out/campaigns.json``."""
    return orjson.dumps(
        [c.to_dict() for c in campaigns], option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY
    )
