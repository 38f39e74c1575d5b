"""Evasive attackers: paraphrasing every prompt and randomising timing defeat template and
lockstep links, but the pools they still share (egress, signup cohorts) catch them."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from distillguard.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def evasive(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, dict]]:
    root = tmp_path_factory.mktemp("evasive")
    data, out = root / "data", root / "out"
    simulate = ["simulate", "--scale", "0.1", "--seed", "4", "--out", str(data), "--no-progress"]
    simulate += ["--adversary", "paraphrase", "--adversary", "random_timing"]
    result = runner.invoke(app, simulate)
    assert result.exit_code == 0, result.output
    scan = ["scan", str(data / "events.jsonl.gz"), "--accounts", str(data / "accounts.jsonl")]
    scan += ["--releases", str(data / "releases.json"), "--out", str(out)]
    scan += ["--workers", "1", "--no-progress", "--no-report"]
    result = runner.invoke(app, scan)
    assert result.exit_code == 0, result.output
    return _rows(data / "labels.csv", "population"), _verdicts(out / "verdicts.csv")


def _rows(path: Path, column: str) -> dict[str, str]:
    with path.open() as fh:
        return {r["account_id"]: r[column] for r in csv.DictReader(fh)}


def _verdicts(path: Path) -> dict[str, dict]:
    with path.open() as fh:
        return {r["account_id"]: r for r in csv.DictReader(fh)}


def _recall(population: str, labels: dict[str, str], verdicts: dict[str, dict]) -> float:
    members = [a for a, p in labels.items() if p == population]
    return sum(verdicts[a]["flagged"] == "true" for a in members) / len(members)


def test_pooled_campaigns_are_still_caught(evasive: tuple[dict, dict]) -> None:
    labels, verdicts = evasive
    for population in ("hydra_reseller", "obfuscated_router", "fraud_flood"):
        assert _recall(population, labels, verdicts) >= 0.9, population


def test_what_still_catches_them_is_what_they_share(evasive: tuple[dict, dict]) -> None:
    labels, verdicts = evasive

    def codes(population: str) -> Counter[str]:
        return Counter(
            code
            for a, p in labels.items()
            if p == population and verdicts[a]["flagged"] == "true"
            for code in verdicts[a]["reasons"].split(";")
        )

    hydra, flood = codes("hydra_reseller"), codes("fraud_flood")
    assert hydra["shared_egress_harvest"] >= 0.9 * sum(
        p == "hydra_reseller" for p in labels.values()
    )
    assert flood["signup_cohort_harvest"] > 0


def test_no_benign_account_is_flagged(evasive: tuple[dict, dict]) -> None:
    labels, verdicts = evasive
    attack = {"hydra_reseller", "obfuscated_router", "fraud_flood"}
    attack |= {"high_volume_structured", "non_english_coercion"}
    benign = [a for a, p in labels.items() if p not in attack]
    assert len(benign) > 400
    assert sum(verdicts[a]["flagged"] == "true" for a in benign) == 0
