"""Shared keys are judged on integer codes: the result must not depend on the input's row order,
and the summary must still name every key by its text."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pyarrow as pa
import pytest

from distillguard.campaigns.shared_keys import SharedKeyConfig, SharedKeys, judge_keys
from distillguard.events.schema import ACCOUNT_SCHEMA
from distillguard.signals.schema import SIGNAL_SCHEMA
from tests.conftest import T0, signal_row

FARM_IP = "203.0.113.7"
FARM_TEMPLATE = 2**63 + 5  # above Int64: a key must keep all 64 bits
CHANNEL = "education"


def _world() -> tuple[list[dict[str, Any]], pa.Table]:
    """A farm (one egress, card, signup burst and harness template; harvesting on every
    request) among ordinary accounts that share addresses and cards."""
    rows: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    for k in range(5):
        rows += [
            signal_row(
                f"farm-{k}",
                60.0 + k + i * 40.0,
                f"farm-{k}-{i:02d}",
                ip=FARM_IP,
                intent="cot_elicitation",
                p_cot=0.9,
                template_hash=FARM_TEMPLATE,
            )
            for i in range(30)
        ]
        accounts.append(_account(f"farm-{k}", minutes=k, channel=CHANNEL, card="card-farm"))
    for k in range(20):
        rows += [
            signal_row(f"user-{k:02d}", k + i * 53.0, f"user-{k}-{i:02d}", ip=f"198.51.100.{k % 3}")
            for i in range(15)
        ]
        accounts.append(
            _account(f"user-{k:02d}", minutes=k * 1440, channel="self_serve", card=f"c{k % 4}")
        )
    return rows, pa.Table.from_pylist(accounts, schema=ACCOUNT_SCHEMA)


def _account(account_id: str, minutes: float, channel: str, card: str) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "created_at": T0 + timedelta(minutes=minutes),
        "signup_channel": channel,
        "payment_fingerprint": card,
    }


def _judge(rows: list[dict[str, Any]], accounts: pa.Table) -> SharedKeys:
    return judge_keys(pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA), accounts, SharedKeyConfig())


@pytest.mark.parametrize("seed", [1, 2])
def test_the_input_row_order_does_not_matter(seed: int) -> None:
    rows, accounts = _world()
    ordered = _judge(sorted(rows, key=lambda r: (r["ts"], r["request_id"])), accounts)
    random.Random(seed).shuffle(rows)
    shuffled = _judge(rows, accounts)
    assert ordered.flags.height == 5
    assert shuffled.flags.equals(ordered.flags)
    assert shuffled.summary.equals(ordered.summary)


def test_every_kind_of_key_is_named_by_its_text() -> None:
    rows, accounts = _world()
    summary = _judge(rows, accounts).summary
    hot = {(r["kind"], r["key"]) for r in summary.to_dicts() if r["hot_at"] is not None}
    burst = int((T0.timestamp() * 1e6) // (6 * 3_600_000_000))  # the farm signed up in minutes
    assert {
        ("ip", FARM_IP),
        ("payment", "card-farm"),
        ("template", str(FARM_TEMPLATE)),
        ("cohort", f"{CHANNEL}@{burst}"),
    } <= hot
    keys = set(summary["key"].to_list())
    assert {"198.51.100.0", "c0"} <= keys  # ordinary shared keys are summarised too
