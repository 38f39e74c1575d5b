"""When heavy harvesters heat shared content, and when a holder of a hot key is in the act."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyarrow as pa
import pytest

from distillguard.campaigns.shared_keys import SharedKeyConfig, judge_keys
from distillguard.signals.schema import SIGNAL_SCHEMA
from tests.conftest import T0, signal_row

HARNESS = 4242


def _agent(account: str, minute: float, i: int, **over: Any) -> dict[str, Any]:
    """Request ``i`` of ``account``, each account behind its own address."""
    return signal_row(account, minute, f"{account}-{i}", ip=f"ip-of-{account}", **over)


def _flags(rows: list[dict[str, Any]], config: SharedKeyConfig) -> dict[str, Any]:
    rows.sort(key=lambda r: (r["ts"], r["request_id"]))
    flags = judge_keys(pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA), None, config).flags
    return dict(zip(flags["account_id"].to_list(), flags["flagged_at"].to_list(), strict=True))


def _harness_farm() -> list[dict[str, Any]]:
    """Four accounts run one agent harness, every request classified as trace harvesting."""
    harvest = {"intent": "agentic_trace", "p_agentic": 0.9, "system_hash": HARNESS}
    return [_agent(f"farm-{k}", k + i * 10.0, i, **harvest) for k in range(4) for i in range(5)]


def test_a_newcomer_on_a_hot_harness_is_flagged_at_its_first_harvest_like_request() -> None:
    # The newcomer's agent requests score as harvest-like (0.3) but are not classified: the
    # harness already carries the group's evidence, so one such request is enough.
    rows = _harness_farm()
    rows += [_agent("newcomer", 200.0 + i, i, p_agentic=0.3, system_hash=HARNESS) for i in range(3)]
    # A developer on the same harness whose requests look like nothing harvest-like.
    rows += [_agent("bystander", 210.0 + i, i, system_hash=HARNESS) for i in range(3)]
    flagged = _flags(rows, SharedKeyConfig())
    assert flagged["newcomer"] == T0 + timedelta(minutes=200)
    assert "bystander" not in flagged
    assert {f"farm-{k}" for k in range(4)} <= set(flagged)


def test_accounts_harvesting_from_their_first_requests_heat_a_template_within_three() -> None:
    # Every request of these accounts is harvesting; with only the slow rule (10 requests) the
    # template would wait for the tenth request of each (hourly requests).
    rows = [
        _agent(f"fresh-{k}", k + i * 60.0, i, intent="cot_elicitation", p_cot=0.9, template_hash=9)
        for k in range(4)
        for i in range(30)
    ]
    fast = _flags(list(rows), SharedKeyConfig())
    slow = _flags(list(rows), SharedKeyConfig(heavy=((10, 0.3),)))
    assert set(fast) == set(slow) == {f"fresh-{k}" for k in range(4)}
    assert max(fast.values()) <= T0 + timedelta(hours=4)
    assert min(slow.values()) >= T0 + timedelta(hours=9)


def test_people_who_sometimes_ask_for_steps_are_never_heavy() -> None:
    # A third of their requests ask for step-by-step reasoning on one popular template: never
    # 60% of their first requests, and never heavy enough to make that template theirs.
    rows = [
        _agent(
            f"person-{k}",
            k + i * 31.0,
            i,
            template_hash=555 if i % 3 == 0 else 1000 + 100 * k + i,
            intent="cot_elicitation" if i % 3 == 0 else "benign",
            p_cot=0.8 if i % 3 == 0 else 0.0,
        )
        for k in range(40)
        for i in range(12)
    ]
    assert _flags(rows, SharedKeyConfig()) == {}


def test_heavy_rules_are_validated() -> None:
    for bad in ((), ((0, 0.5),), ((3, 0.0),), ((3, 1.5),)):
        with pytest.raises(ValueError, match="heavy"):
            SharedKeyConfig(heavy=bad)
