"""Shared simulated datasets (generated once per test session) and a small v1 parser.

The parser here is deliberately independent of ``distillguard.events`` so the simulator's
output is checked against the log format itself, not against another module's reading.
"""

from __future__ import annotations

import csv
import fcntl
import gzip
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from distillguard.simulate import scenario_config, simulate

REQUIRED = {"ts": str, "request_id": str, "account_id": str, "model": str, "messages": list}


@dataclass
class Dataset:
    out: Path
    events: list[dict[str, Any]] = field(default_factory=list)  # valid, first occurrences
    raw_lines: list[bytes] = field(default_factory=list)
    malformed: int = 0
    duplicates: int = 0
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    event_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    scenario: dict[str, Any] = field(default_factory=dict)
    releases: list[dict[str, str]] = field(default_factory=list)

    def population(self, account_id: str) -> str:
        return self.labels[account_id]["population"]

    def events_of(self, population: str) -> list[dict[str, Any]]:
        return [e for e in self.events if self.population(e["account_id"]) == population]

    def accounts_of(self, population: str) -> list[dict[str, Any]]:
        return [a for i, a in self.accounts.items() if self.population(i) == population]


def parse_ts(value: str) -> datetime:
    if not value.endswith("Z"):
        raise ValueError("timestamp must end with Z")
    return datetime.fromisoformat(value[:-1] + "+00:00")


def valid_event(line: bytes) -> dict[str, Any] | None:
    """The event if ``line`` is a valid v1 event, else None."""
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(event, dict):
        return None
    for name, kind in REQUIRED.items():
        if not isinstance(event.get(name), kind):
            return None
    try:
        parse_ts(event["ts"])
    except ValueError:
        return None
    messages = event["messages"]
    if not all(isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages):
        return None
    return event


def load(out: Path) -> Dataset:
    ds = Dataset(out)
    seen: set[str] = set()
    with gzip.open(out / "events.jsonl.gz", "rb") as f:
        for line in f:
            ds.raw_lines.append(line)
            event = valid_event(line)
            if event is None:
                ds.malformed += 1
            elif event["request_id"] in seen:
                ds.duplicates += 1
            else:
                seen.add(event["request_id"])
                ds.events.append(event)
    for line in (out / "accounts.jsonl").read_bytes().splitlines():
        account = orjson.loads(line)
        ds.accounts[account["account_id"]] = account
    with open(out / "labels.csv", newline="") as f:
        ds.labels = {row["account_id"]: row for row in csv.DictReader(f)}
    with gzip.open(out / "event_labels.csv.gz", "rt", newline="") as f:
        ds.event_labels = {row["request_id"]: row for row in csv.DictReader(f)}
    ds.scenario = orjson.loads((out / "scenario.json").read_bytes())
    ds.releases = orjson.loads((out / "releases.json").read_bytes())
    return ds


def shared_run(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], object]) -> Path:
    """Generate once per test run, even when xdist workers all ask for it."""
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run only
    out = root / f"sim-{name}"
    with open(root / f"sim-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "scenario.json").exists():  # written last
            make(out)
    return out


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """Scale 0.05 (~15k events), seed 7, rendered on two workers."""
    config = scenario_config(scale=0.05, seed=7)
    out = shared_run(
        tmp_path_factory, "small", lambda o: simulate(config, o, progress=False, workers=2)
    )
    return load(out)


@dataclass(frozen=True)
class _Run:
    seed: int
    workers: int

    def __call__(self, out: Path) -> object:
        config = scenario_config(scale=0.02, seed=self.seed)
        return simulate(config, out, progress=False, workers=self.workers)


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Scale 0.02: seed 7 on one worker, seed 7 on two workers, seed 8."""
    runs = {}
    for name, seed, workers in (("a", 7, 1), ("b", 7, 2), ("other", 8, 2)):
        runs[name] = shared_run(tmp_path_factory, f"tiny-{name}", _Run(seed, workers))
    return runs
