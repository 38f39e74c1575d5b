"""The README's flow on a tiny scenario: simulate → scan → evaluate, through the real CLI."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from distillguard.cli import app
from distillguard.scan import SPILL_PREFIX

runner = CliRunner()
VERDICT_HEADER = [
    "account_id",
    "risk",
    "flagged",
    "campaign_id",
    "first_flagged_at",
    "action",
    "reasons",
]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("flow")
    data, out = root / "data", root / "out"
    result = runner.invoke(
        app, ["simulate", "--scale", "0.03", "--seed", "5", "--out", str(data), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        [
            "scan",
            str(data / "events.jsonl.gz"),
            "--accounts",
            str(data / "accounts.jsonl"),
            "--releases",
            str(data / "releases.json"),
            "--labels",
            str(data / "labels.csv"),
            "--out",
            str(out),
            "--workers",
            "1",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    return data, out


def test_scan_writes_the_output_contract(scanned: tuple[Path, Path]) -> None:
    data, out = scanned
    with (out / "verdicts.csv").open() as fh:
        rows = list(csv.DictReader(fh))
        assert rows and list(rows[0]) == VERDICT_HEADER
    with (data / "labels.csv").open() as fh:
        labelled = {r["account_id"] for r in csv.DictReader(fh)}
    assert labelled <= {r["account_id"] for r in rows}
    for row in rows:
        assert 0.0 <= float(row["risk"]) <= 1.0
        assert row["flagged"] in ("true", "false")
        assert row["action"] in ("allow", "monitor", "throttle", "verify", "block")
        assert (row["first_flagged_at"] != "") == (row["flagged"] == "true")
        if row["first_flagged_at"]:
            assert datetime.fromisoformat(row["first_flagged_at"]).tzinfo is not None
    assert any(r["flagged"] == "true" for r in rows)
    campaigns = json.loads((out / "campaigns.json").read_text())
    assert isinstance(campaigns, list)
    assert not list(out.glob(SPILL_PREFIX + "*"))  # the columns set aside during the replay
    report = (out / "report.html").read_text()
    assert "<html" in report and "https://" not in report.split("</head>")[0]


def test_malformed_lines_are_quarantined_not_lost(scanned: tuple[Path, Path]) -> None:
    data, out = scanned
    scenario = json.loads((data / "scenario.json").read_text())
    quarantined = [json.loads(line) for line in (out / "quarantine.jsonl").read_text().splitlines()]
    assert quarantined, "the simulator injects malformed lines"
    assert all({"source", "line", "reason", "raw"} <= set(q) for q in quarantined)
    assert len(quarantined) == _injected_malformed(scenario)


def test_evaluate_reports_every_campaign_and_population(scanned: tuple[Path, Path]) -> None:
    data, out = scanned
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--labels",
            str(data / "labels.csv"),
            "--verdicts",
            str(out / "verdicts.csv"),
            "--events",
            str(data / "events.jsonl.gz"),
            "--out",
            str(out / "evaluation.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    evaluation = json.loads((out / "evaluation.json").read_text())
    with (data / "labels.csv").open() as fh:
        labels = list(csv.DictReader(fh))
    campaigns = {r["campaign"] for r in labels if r["is_attack"] == "true"}
    populations = {r["population"] for r in labels if r["is_attack"] == "false"}
    assert {c["campaign"] for c in evaluation["campaigns"]} == campaigns
    assert {p["population"] for p in evaluation["populations"]} == populations
    assert evaluation["overall"]["harvest_before_detection"] is not None


def test_scan_rejects_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "no such file" in result.output


def _injected_malformed(scenario: dict) -> int:
    return int(scenario["injected"]["malformed_total"])


def test_calibrate_writes_a_policy_the_scan_accepts(
    scanned: tuple[Path, Path], tmp_path: Path
) -> None:
    data, out = scanned
    policy = tmp_path / "policy.json"
    result = runner.invoke(
        app,
        [
            "calibrate",
            "--verdicts",
            str(out / "verdicts.csv"),
            "--labels",
            str(data / "labels.csv"),
            "--target-fpr",
            "0.01",
            "--out",
            str(policy),
        ],
    )
    assert result.exit_code == 0, result.output
    cut = json.loads(policy.read_text())
    with (out / "verdicts.csv").open() as fh:
        verdicts = {r["account_id"]: r for r in csv.DictReader(fh)}
    with (data / "labels.csv").open() as fh:
        benign = [
            float(verdicts[r["account_id"]]["risk"])
            for r in csv.DictReader(fh)
            if r["is_attack"] == "false"
            and "allowlisted" not in verdicts[r["account_id"]]["reasons"]
        ]
    assert 0.25 <= cut["flag"] <= 1.0
    assert sum(r >= cut["flag"] for r in benign) <= 0.01 * len(benign)
    rescan = runner.invoke(
        app,
        [
            "scan",
            str(data / "events.jsonl.gz"),
            "--accounts",
            str(data / "accounts.jsonl"),
            "--policy",
            str(policy),
            "--out",
            str(tmp_path / "rescan"),
            "--workers",
            "1",
            "--no-progress",
            "--no-report",
        ],
    )
    assert rescan.exit_code == 0, rescan.output
