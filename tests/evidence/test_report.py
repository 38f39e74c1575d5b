"""The HTML evidence report: self-contained, escaped, complete with zero campaigns, bounded size."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from distillguard.evaluate.inputs import VERDICT_SCHEMA
from distillguard.evaluate.metrics import evaluate
from distillguard.evidence.report import HOURLY_SCHEMA, ReportCampaign, ReportData, write_report
from tests.evaluate.test_metrics import EVENTS, LABELS, VERDICTS

T0 = datetime(2026, 3, 2, tzinfo=UTC)
EVIL = "<script>alert(1)</script>"
GLOSSARY = {
    "cot_template": "Asked for step-by-step reasoning with a template shared by other accounts.",
    "shared_asn": "Sent requests from the same network as other flagged accounts.",
}


def build(n_accounts: int, n_campaigns: int, days: int = 2, seed: int = 7) -> ReportData:
    """A scan-shaped report: the first account of campaign 0 has a hostile id."""
    rng = np.random.default_rng(seed)
    risk = rng.beta(1, 6, n_accounts)
    ids = [f"acct-{i:05d}" for i in range(n_accounts)]
    members: dict[str, list[str]] = {f"camp-{c:03d}": [] for c in range(n_campaigns)}
    campaign_of: list[str | None] = [None] * n_accounts
    for i in range(min(n_accounts, n_campaigns * 5)):
        cid = f"camp-{i % n_campaigns:03d}"
        campaign_of[i] = cid
        risk[i] = 0.7 + 0.3 * rng.random()
        members[cid].append(ids[i])
    if n_campaigns:
        ids[0] = EVIL
        members["camp-000"][0] = EVIL
        risk[0] = 1.0
    flagged = risk >= 0.6
    verdicts = pa.Table.from_pylist(
        [
            {
                "account_id": ids[i],
                "risk": float(risk[i]),
                "flagged": bool(flagged[i]),
                "campaign_id": campaign_of[i],
                "first_flagged_at": T0 + timedelta(hours=int(i % 40)) if flagged[i] else None,
                "action": "block" if risk[i] > 0.9 else "verify" if flagged[i] else "allow",
                "reasons": ["cot_template", "shared_asn", "mystery_code"] if flagged[i] else [],
            }
            for i in range(n_accounts)
        ],
        schema=VERDICT_SCHEMA,
    )
    hours = [T0 + timedelta(hours=h) for h in range(24 * days)]
    hourly_rows = [
        {"hour": hour, "campaign_id": cid, "events": int(rng.integers(0, 50))}
        for cid in [*members, ""]
        for hour in hours
    ]
    campaigns = [
        ReportCampaign(
            campaign_id=cid,
            members=m,
            first_seen=T0,
            last_seen=T0 + timedelta(days=days),
            est_exchanges=1000.0 * (n_campaigns - c),
            risk=0.9,
            evidence={
                "shared_templates": 12,
                "asns": [f"AS{k}" for k in range(20)],
                "intents": {"cot_elicitation": 0.8, "rubric_grading": 0.1},
                "note": '<img src="https://evil.example/x.png">',
            },
        )
        for c, (cid, m) in enumerate(members.items())
    ]
    return ReportData(
        generated_at=T0 + timedelta(days=days),
        source_files=["logs/day1.jsonl.zst", "accounts.csv"],
        stats={"events_read": 12345, "events_quarantined": 17, "duplicates_dropped": 3},
        verdicts=verdicts,
        campaigns=campaigns,
        hourly=pa.Table.from_pylist(hourly_rows, schema=HOURLY_SCHEMA),
        releases=[("model-v2", T0 + timedelta(hours=20)), ("model-v1", T0 - timedelta(days=30))],
        threshold=0.6,
        reason_glossary=GLOSSARY,
    )


def render(tmp_path: Path, data: ReportData) -> str:
    path = tmp_path / "report.html"
    write_report(path, data)
    return path.read_text(encoding="utf-8")


def test_self_contained_without_scripts_or_fetches(tmp_path: Path) -> None:
    html = render(tmp_path, build(200, 4))
    assert "<script" not in html.lower()
    assert not re.search(r"""<(link|iframe|object|embed)\b""", html, re.I)
    assert not re.search(r"""\b(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "url(" not in html and "@import" not in html
    assert "default-src 'none'" in html


def test_hostile_text_is_escaped(tmp_path: Path) -> None:
    html = render(tmp_path, build(200, 4))
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=&quot;https://evil.example/x.png&quot;&gt;" in html


def test_campaigns_accounts_and_glossary_are_shown(tmp_path: Path) -> None:
    html = render(tmp_path, build(200, 4))
    for cid in ("camp-000", "camp-001", "camp-002", "camp-003"):
        assert html.count(cid) >= 3  # table, chart legend or title, top accounts
    assert "12,345" in html and "events quarantined" in html and "duplicates dropped" in html
    assert GLOSSARY["cot_template"] in html
    assert "<code>mystery_code</code></dt><dd>No description supplied.</dd>" in html
    assert "model release: model-v2" in html  # in range: drawn
    assert "model release: model-v1" not in html  # before the data: listed only
    assert "model-v1" in html
    assert "AS0, AS1" in html and "(+12 more)" in html  # long evidence lists are cut
    assert 'id="evaluation"' not in html


def test_svg_charts_are_well_formed_xml(tmp_path: Path) -> None:
    html = render(tmp_path, build(300, 12))
    charts = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(charts) == 3  # timeline, risk histogram, actions
    for chart in charts:
        ET.fromstring(chart)
    # 12 campaigns: 8 drawn in colour plus one "other campaigns" layer.
    assert html.count('fill-opacity="0.85"') == 9
    assert "other campaigns" in html


def test_zero_campaigns_and_no_flags(tmp_path: Path) -> None:
    data = build(50, 0)
    data = replace(
        data,
        verdicts=data.verdicts.set_column(
            2, "flagged", pa.array([False] * 50, pa.bool_())
        ).set_column(4, "first_flagged_at", pa.nulls(50, pa.timestamp("us", tz="UTC"))),
    )
    html = render(tmp_path, data)
    assert "No campaigns were detected." in html
    assert "No requests were attributed to a campaign." in html
    assert "No accounts were flagged." in html


def test_empty_scan(tmp_path: Path) -> None:
    data = replace(
        build(0, 0),
        hourly=HOURLY_SCHEMA.empty_table(),
        stats={},
        releases=[],
    )
    html = render(tmp_path, data)
    assert "No accounts were scored." in html
    assert "No input counts were supplied." in html


def test_thousands_of_accounts_stay_small(tmp_path: Path) -> None:
    data = build(20_000, 400, days=30)
    html = render(tmp_path, data)
    assert len(html.encode()) < 1_000_000
    accounts = html.split('id="accounts"')[1].split("</section>")[0]
    assert accounts.count("<tr>") == 1 + data.top_accounts
    assert "more flagged accounts (lower risk) not shown." in accounts
    campaigns = html.split('id="campaigns"')[1].split("</section>")[0]
    assert campaigns.count("<tr>") == 1 + data.top_campaigns
    assert "200 more campaigns not shown." in campaigns
    assert "mean over 2-hour buckets" in html  # 720 hours fold into at most 500 buckets


def test_evaluation_section(tmp_path: Path) -> None:
    data = replace(build(100, 2), evaluation=evaluate(LABELS, VERDICTS, EVENTS))
    html = render(tmp_path, data)
    section = html.split('id="evaluation"')[1]
    assert "Attack campaigns" in section and "Benign populations" in section
    assert "65.0%" in section  # campaign A harvest before detection
    assert "labelled accounts have no verdict" in section


def test_bad_report_data_is_rejected(tmp_path: Path) -> None:
    data = build(20, 1)
    with pytest.raises(ValueError, match="time-zone aware"):
        render(tmp_path, replace(data, generated_at=datetime(2026, 3, 2)))
    with pytest.raises(ValueError, match="threshold"):
        render(tmp_path, replace(data, threshold=1.5))
    with pytest.raises(ValueError, match="hourly table is missing columns: events"):
        render(tmp_path, replace(data, hourly=data.hourly.drop_columns(["events"])))
    with pytest.raises(ValueError, match="missing columns: reasons"):
        render(tmp_path, replace(data, verdicts=data.verdicts.drop_columns(["reasons"])))


def test_hot_shared_keys_are_listed_and_escaped(tmp_path: Path) -> None:
    import polars as pl

    keys = pl.DataFrame(
        {
            "kind": ["ip", "payment", "ip"],
            "key": ["203.0.113.7", EVIL, "198.51.100.1"],
            "accounts": [25, 60, 300],
            "requests": [437, 900, 8000],
            "harvest": [55, 120, 0],
            "harvest_rate": [55 / 437, 120 / 900, 0.0],
            "hot_at": [T0 + timedelta(hours=9), T0 + timedelta(hours=3), None],
            "p": [1e-9, 1e-12, None],
        },
        schema_overrides={"hot_at": pl.Datetime("us", "UTC")},
    )
    html = render(tmp_path, replace(build(50, 1), shared_keys=keys))
    section = html[html.index('id="shared-keys"') :]
    section = section[: section.index("</section>")]
    assert "egress IP address" in section and "<code>203.0.113.7</code>" in section
    assert "payment fingerprint" in section and EVIL not in section
    assert "198.51.100.1" not in section  # the NAT never became hot
    assert section.index("payment fingerprint") < section.index("egress IP address")  # by time
    assert "12.6%" in section
    empty = render(tmp_path, build(50, 1))
    assert "No shared key became hot." in empty
