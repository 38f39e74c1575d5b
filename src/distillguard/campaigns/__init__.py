"""Cross-account campaign detection: link accounts by shared evidence, find dense groups
that resist camouflage, and judge each group on its pooled traffic (docs/campaigns.md)."""

from distillguard.campaigns.model import Campaign, CampaignConfig, PairEvidence, campaigns_to_json
from distillguard.campaigns.tracker import CampaignTracker, find_campaigns

__all__ = [
    "Campaign",
    "CampaignConfig",
    "CampaignTracker",
    "PairEvidence",
    "campaigns_to_json",
    "find_campaigns",
]
