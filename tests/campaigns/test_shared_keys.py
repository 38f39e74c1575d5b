"""Shared keys: harvesting pooled behind one address, card or signup burst; NATs stay clean."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from distillguard.campaigns.shared_keys import (
    SharedKeyConfig,
    _codes,
    judge_keys,
)
from distillguard.events.schema import ACCOUNT_SCHEMA
from distillguard.signals.schema import SIGNAL_SCHEMA
from tests.conftest import T0, signal_row

RESELLER_IP = "203.0.113.7"
NAT_IP = "198.51.100.1"


def _traffic(
    account: str, ip: str, start: float, benign: int, harvest: int
) -> list[dict[str, Any]]:
    """``benign`` ordinary requests with ``harvest`` chain-of-thought requests spread among them."""
    rows = []
    every = max(1, benign // max(harvest, 1))
    h = 0
    for i in range(benign + harvest):
        is_h = h < harvest and i % (every + 1) == every
        h += is_h
        over: dict[str, Any] = {"ip": ip}
        if is_h:
            over |= {"intent": "cot_elicitation", "p_cot": 0.9}
        rows.append(signal_row(account, start + i * 37.0, f"{account}-{i}", **over))
    return rows


def _world() -> pa.Table:
    rows = []
    for k in range(6):  # a reseller: light accounts, a little harvesting each, one egress
        rows += _traffic(f"res-{k}", RESELLER_IP, k * 5.0, benign=10, harvest=3)
    for k in range(30):  # a NAT: students; one of them once asks something harvest-like
        rows += _traffic(f"nat-{k}", NAT_IP, k * 3.0, benign=12, harvest=1 if k == 0 else 0)
    rows.sort(key=lambda r: (r["ts"], r["request_id"]))
    return pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA)


def _first_harvest(signals: pa.Table) -> dict[str, Any]:
    df = pl.from_arrow(signals)
    assert isinstance(df, pl.DataFrame)
    first = df.filter(pl.col("intent") != "benign").group_by("account_id").agg(pl.col("ts").min())
    return dict(zip(first["account_id"].to_list(), first["ts"].to_list(), strict=True))


def test_reseller_egress_is_caught_and_the_nat_is_not() -> None:
    signals = _world()
    flags = judge_keys(signals, None, SharedKeyConfig()).flags
    flagged = dict(zip(flags["account_id"].to_list(), flags["flagged_at"].to_list(), strict=True))
    assert set(flagged) == {f"res-{k}" for k in range(6)}
    first = _first_harvest(signals)
    # Flagged at one of its own harvesting requests (never before it) ...
    assert all(flagged[a] >= first[a] for a in flagged)
    assert all(r == ["shared_egress_harvest"] for r in flags["reasons"].to_list())
    assert flags["group_id"].n_unique() == 1
    assert flags["p"].max() <= SharedKeyConfig().alpha


def test_flags_use_only_the_past() -> None:
    signals = _world()
    full = judge_keys(signals, None, SharedKeyConfig()).flags
    cut = T0 + timedelta(minutes=300)
    prefix = signals.filter(pc.less_equal(signals["ts"], cut))
    part = judge_keys(prefix, None, SharedKeyConfig()).flags
    early = full.filter(pl.col("flagged_at") <= cut).select("account_id", "flagged_at")
    assert early.height > 0
    assert part.select("account_id", "flagged_at").equals(early)


def test_an_allowlisted_partner_neither_heats_a_key_nor_gets_flagged() -> None:
    rows = []
    for k in range(4):
        rows += _traffic(f"partner-{k}", RESELLER_IP, k * 5.0, benign=2, harvest=10)
    signals = pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA)
    accounts = pa.Table.from_pylist(
        [{"account_id": f"partner-{k}", "allowlist": "contract-1"} for k in range(4)],
        schema=ACCOUNT_SCHEMA,
    )
    assert judge_keys(signals, None, SharedKeyConfig()).flags.height == 4
    assert judge_keys(signals, accounts, SharedKeyConfig()).flags.height == 0


def test_a_signup_burst_on_separate_addresses_is_one_cohort() -> None:
    rows = []
    accounts = []
    for k in range(5):  # created minutes apart through one channel, each on its own address
        rows += _traffic(f"farm-{k}", f"192.0.2.{k}", 60.0 + k, benign=4, harvest=4)
        accounts.append(_account(f"farm-{k}", minutes=k * 7, channel="education"))
    rows += _traffic("bystander", "192.0.2.99", 60.0, benign=12, harvest=0)
    accounts.append(_account("bystander", minutes=20, channel="education"))
    signals = pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA)
    table = pa.Table.from_pylist(accounts, schema=ACCOUNT_SCHEMA)
    flags = judge_keys(signals, table, SharedKeyConfig()).flags
    assert set(flags["account_id"].to_list()) == {f"farm-{k}" for k in range(5)}
    assert all("signup_cohort_harvest" in r for r in flags["reasons"].to_list())


def _account(account_id: str, minutes: float, channel: str) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "created_at": T0 + timedelta(minutes=minutes),
        "signup_channel": channel,
    }


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="benign_rate"):
        SharedKeyConfig(benign_rate=0.0)
    kinds = ("ip", "payment", "cohort", "template", "system", "tools")
    with pytest.raises(ValueError, match="min_accounts"):
        SharedKeyConfig(min_accounts=tuple((kind, 1 if kind == "ip" else 3) for kind in kinds))
    with pytest.raises(ValueError, match="min_accounts"):
        SharedKeyConfig(min_accounts=(("ip", 3),))
    with pytest.raises(ValueError, match="link_accounts"):
        SharedKeyConfig(link_accounts=1)
    with pytest.raises(ValueError, match="classified_hits"):
        SharedKeyConfig(classified_hits=("ip",))
    with pytest.raises(ValueError, match="rejudged_when_held"):
        SharedKeyConfig(rejudged_when_held=("harness",))


def test_key_summary_shows_the_evidence_and_calibrates_the_benign_rate() -> None:
    from distillguard.campaigns.shared_keys import benign_key_rate

    summary = judge_keys(_world(), None, SharedKeyConfig()).summary
    rows = {r["key"]: r for r in summary.filter(pl.col("kind") == "ip").to_dicts()}
    assert rows[RESELLER_IP]["hot_at"] is not None
    assert rows[RESELLER_IP]["accounts"] == 6 and rows[RESELLER_IP]["harvest"] == 18
    assert rows[NAT_IP]["hot_at"] is None
    assert rows[NAT_IP]["harvest_rate"] == pytest.approx(1 / 361)
    benign = summary.filter(pl.col("key") == NAT_IP)
    assert benign_key_rate(benign) == pytest.approx(1 / 361)
    with pytest.raises(ValueError, match="no shared key"):
        benign_key_rate(benign, min_requests=10_000)


def test_a_template_shared_by_heavy_harvesters_is_hot_and_a_popular_one_is_not() -> None:
    rows = []
    for k in range(4):  # heavy harvesters on one exclusive agentic template, own addresses
        rows += [
            signal_row(
                f"heavy-{k}",
                k + i * 10.0,
                f"heavy-{k}-{i}",
                ip=f"192.0.2.{k}",
                intent="agentic_trace",
                p_agentic=0.9,
                template_hash=777,
            )
            for i in range(60)
        ]
    for k in range(40):  # people on a popular step-by-step template, a few harvest-like asks
        rows += [
            signal_row(
                f"person-{k}",
                k + i * 31.0,
                f"person-{k}-{i}",
                ip=f"198.51.100.{k}",
                template_hash=555 if i % 3 == 0 else 1000 + k * 100 + i,
                intent="cot_elicitation" if i % 3 == 0 else "benign",
                p_cot=0.8 if i % 3 == 0 else 0.0,
            )
            for i in range(12)
        ]
    signals = pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA)
    flags = judge_keys(signals, None, SharedKeyConfig()).flags
    assert set(flags["account_id"].to_list()) == {f"heavy-{k}" for k in range(4)}
    assert all(r == ["shared_template_harvest"] for r in flags["reasons"].to_list())


def test_every_key_kind_needs_a_rate_and_a_gate() -> None:
    with pytest.raises(ValueError, match="min_rates"):
        SharedKeyConfig(min_rates=(("ip", 0.05),))
    with pytest.raises(ValueError, match="gate_requests"):
        SharedKeyConfig(gate_requests=(("ip", 1, False),))


def test_codes_rank_distinct_texts_and_keep_nulls() -> None:
    codes, texts = _codes(pl.Series(["b", None, "a", "b", "c", None]))
    assert codes.to_list() == [2, None, 1, 2, 3, None]
    assert texts.to_list() == ["a", "b", "c"]  # code c stands for texts[c - 1]
