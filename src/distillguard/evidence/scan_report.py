"""Build the scan's report.html from a finished scan (and labels, for simulated data)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from distillguard.campaigns import Campaign
from distillguard.evaluate.inputs import conform_verdicts, read_labels
from distillguard.evaluate.metrics import Evaluation, evaluate
from distillguard.evidence.report import ReportCampaign, ReportData, write_report
from distillguard.verdicts.reasons import REASON_GLOSSARY

if TYPE_CHECKING:
    from distillguard.scan import ScanConfig, ScanResult


def write_scan_report(result: ScanResult, config: ScanConfig, labels: Path | None = None) -> Path:
    """Write ``report.html`` into the scan's output folder and return its path."""
    verdicts = conform_verdicts(result.verdicts.to_arrow(), "scan verdicts")
    evaluation: Evaluation | None = None
    if labels is not None:
        evaluation = evaluate(read_labels(labels), verdicts, result.event_times)
    stats = {
        "events scanned": result.events,
        "records quarantined": result.stats.quarantined,
        "duplicate request ids dropped": result.stats.duplicates,
    }
    data = ReportData(
        generated_at=datetime.now(UTC),
        source_files=[str(p) for p in config.events],
        stats=stats,
        verdicts=verdicts,
        campaigns=[_campaign(c) for c in result.campaigns],
        hourly=result.hourly,
        releases=result.releases,
        threshold=config.policy.flag,
        reason_glossary=REASON_GLOSSARY,
        evaluation=evaluation,
        shared_keys=result.keys,
    )
    path = config.out / "report.html"
    write_report(path, data)
    return path


def _campaign(c: Campaign) -> ReportCampaign:
    return ReportCampaign(
        campaign_id=c.campaign_id,
        members=c.members,
        first_seen=c.first_seen,
        last_seen=c.last_seen,
        est_exchanges=float(c.estimated_exchanges_harvested),
        risk=c.risk,
        evidence=c.evidence,
    )
