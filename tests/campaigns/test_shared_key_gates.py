"""When heavy harvesters heat shared content, and when a holder of a hot key is in the act."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyarrow as pa
import pytest

from distillguard.campaigns.shared_keys import CORROBORATED_REASON, SharedKeyConfig, judge_keys
from distillguard.events.schema import ACCOUNT_SCHEMA
from distillguard.signals.schema import SIGNAL_SCHEMA
from tests.conftest import T0, signal_row

HARNESS = 4242


def _agent(account: str, minute: float, i: int, **over: Any) -> dict[str, Any]:
    """Request ``i`` of ``account``, each account behind its own address."""
    return signal_row(account, minute, f"{account}-{i}", ip=f"ip-of-{account}", **over)


def _flags(
    rows: list[dict[str, Any]], config: SharedKeyConfig, accounts: pa.Table | None = None
) -> dict[str, Any]:
    rows.sort(key=lambda r: (r["ts"], r["request_id"]))
    signals = pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA)
    flags = judge_keys(signals, accounts, config).flags
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
    slow = _flags(list(rows), SharedKeyConfig(heavy=((10, 0.3),), credit=(10, 0.3)))
    assert set(fast) == set(slow) == {f"fresh-{k}" for k in range(4)}
    assert max(fast.values()) <= T0 + timedelta(hours=4)
    assert min(slow.values()) >= T0 + timedelta(hours=9)


def test_people_who_sometimes_ask_for_steps_are_never_heavy() -> None:
    # A third of their requests ask for step-by-step reasoning on one popular template: never
    # 60% of their first requests, so their earlier requests are never credited to it, and the
    # requests they send once heavy (at 30%) never make that template theirs.
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


def _signups(created: dict[str, float]) -> pa.Table:
    """Accounts created at these minutes after T0 through one channel, each with its own card."""
    return pa.Table.from_pylist(
        [
            {
                "account_id": account,
                "created_at": T0 + timedelta(minutes=minutes),
                "signup_channel": "education",
                "payment_fingerprint": f"card-{account}",
            }
            for account, minutes in created.items()
        ],
        schema=ACCOUNT_SCHEMA,
    )


def _cohort_farm() -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Four accounts from one signup burst harvest on one harness from their first request."""
    harvest = {"intent": "agentic_trace", "p_agentic": 0.9, "system_hash": HARNESS}
    rows = [_agent(f"farm-{k}", k + i * 10.0, i, **harvest) for k in range(4) for i in range(5)]
    return rows, {f"farm-{k}": -30.0 + k for k in range(4)}


def test_a_farm_newcomer_on_its_harness_is_flagged_at_its_first_request() -> None:
    # The newcomer signed up in the farm's burst and runs the farm's harness, but its requests
    # look like ordinary agent work (no harvest score): who it is and what it runs corroborate.
    rows, created = _cohort_farm()
    rows += [_agent("newcomer", 200.0 + i, i, system_hash=HARNESS) for i in range(3)]
    # Same harness, signed up a week earlier: only its own act could flag it.
    rows += [_agent("developer", 210.0 + i, i, system_hash=HARNESS) for i in range(3)]
    # Same signup burst, no harness: a stranger who signed up that afternoon.
    rows += [_agent("student", 220.0 + i, i) for i in range(3)]
    accounts = _signups(
        created | {"newcomer": -20.0, "developer": -7 * 24 * 60.0, "student": -25.0}
    )
    flagged = _flags(rows, SharedKeyConfig(), accounts)
    assert flagged["newcomer"] == T0 + timedelta(minutes=200)
    assert "developer" not in flagged
    assert "student" not in flagged
    # The verdict says the flag rests on group evidence alone; the farm's own members acted.
    table = pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA)
    flags = judge_keys(table, accounts, SharedKeyConfig()).flags
    reasons = dict(zip(flags["account_id"].to_list(), flags["reasons"].to_list(), strict=True))
    assert CORROBORATED_REASON in reasons["newcomer"]
    assert {"signup_cohort_harvest", "shared_harness_harvest"} <= set(reasons["newcomer"])
    assert CORROBORATED_REASON not in reasons["farm-3"]
    # Without corroboration the newcomer would wait for an act of its own, which never comes.
    off = _flags(rows, SharedKeyConfig(corroborating=((), ())), accounts)
    assert "newcomer" not in off
    assert {f"farm-{k}" for k in range(4)} <= set(off)


def test_corroborating_groups_are_validated() -> None:
    with pytest.raises(ValueError, match="corroborating"):
        SharedKeyConfig(corroborating=(("ip", "system"), ("system",)))
    with pytest.raises(ValueError, match="corroborating"):
        SharedKeyConfig(corroborating=(("ip",), ("harness",)))


def test_a_template_heats_when_its_senders_turn_heavy_even_if_they_never_send_it_again() -> None:
    # A campaign spread over many templates: each account sends the shared template once, as
    # its first request, then only templates of its own. Counting only requests sent while
    # heavy, the shared template would never heat; its senders' earlier requests count once
    # they turn heavy (at their third request).
    cot = {"intent": "cot_elicitation", "p_cot": 0.9}
    rows = [
        _agent(
            f"spread-{k}",
            k + i * 60.0,
            i,
            template_hash=777 if i == 0 else 10_000 + 10 * k + i,
            **cot,
        )
        for k in range(4)
        for i in range(6)
    ]
    flagged = _flags(rows, SharedKeyConfig())
    assert set(flagged) == {f"spread-{k}" for k in range(4)}
    # Hot once the third sender meets the credit rule without its request on the template
    # (three requests besides it: its fourth, about three hours in).
    assert max(flagged.values()) <= T0 + timedelta(hours=3, minutes=5)


def test_a_popular_prompt_the_model_misreads_does_not_heat_itself() -> None:
    # Forty people each send one popular prompt that the intent model misreads as grading,
    # early on; one other request of theirs is misread too. Counting the prompt itself, two of
    # their first three requests are "harvesting": each would turn heavy, be credited with the
    # prompt, and heat it, and then be flagged for it. Judged without the prompt, none is heavy.
    misread = {"intent": "rubric_grading", "p_rubric": 0.8}
    rows = [
        _agent(
            f"person-{k}",
            k * 7.0 + i * 45.0,
            i,
            template_hash=888 if i == 0 else 20_000 + 100 * k + i,
            **(misread if i < 2 else {}),
        )
        for k in range(40)
        for i in range(12)
    ]
    assert _flags(list(rows), SharedKeyConfig()) == {}
    judged_with_it = _flags(list(rows), SharedKeyConfig(judged_without_key=()))
    assert len(judged_with_it) == 40


def test_only_content_kinds_can_be_judged_without_the_key() -> None:
    with pytest.raises(ValueError, match="judged_without_key"):
        SharedKeyConfig(judged_without_key=("ip",))


def _two_attackers_then_people(
    prompt: dict[str, Any], misread_at: tuple[int, ...]
) -> list[dict[str, Any]]:
    """Two accounts that harvest from their first request send a popular prompt (``prompt``:
    its intent fields) early; then ten people send it first thing, and have their requests
    ``misread_at`` misread as grading (never 60% of their requests besides the prompt)."""
    cot = {"intent": "cot_elicitation", "p_cot": 0.9}
    rows = [
        _agent(
            f"attacker-{k}",
            k + i * 30.0,
            i,
            template_hash=888 if i == 3 else 30_000 + 100 * k + i,
            **(prompt if i == 3 else cot),
        )
        for k in range(2)
        for i in range(8)
    ]
    misread = {"intent": "rubric_grading", "p_rubric": 0.8}
    rows += [
        _agent(
            f"person-{k}",
            300.0 + k * 20.0 + i * 45.0,
            i,
            template_hash=888 if i == 0 else 40_000 + 100 * k + i,
            **(prompt if i == 0 else misread if i in misread_at else {}),
        )
        for k in range(10)
        for i in range(6)
    ]
    return rows


def test_attackers_cover_traffic_on_a_popular_prompt_does_not_heat_it() -> None:
    # The attackers are heavy, but their request on the prompt is ordinary chat (cover, or a
    # public prompt set that people also copy from): it is not a harvesting request. Each
    # person has the two classified requests a template's gate asks for.
    rows = _two_attackers_then_people({}, misread_at=(1, 4))
    flagged = _flags(list(rows), SharedKeyConfig())
    assert not {f"person-{k}" for k in range(10)} & set(flagged)
    # Were heavy senders enough, the prompt would be hot at two of two: the first two people
    # to send it would be flagged (then people's own requests dilute it).
    heavy_senders_suffice = _flags(list(rows), SharedKeyConfig(classified_hits=()))
    assert {"person-0", "person-1"} <= set(heavy_senders_suffice)


def test_a_misread_prompt_two_attackers_heated_cools_as_people_send_it() -> None:
    # Here the attackers' request on the prompt is classified (the model misreads it, as it
    # does for the people who send it later): hot at two of two. Each person's request on it
    # is no hit (not heavy without it), so after two people its harvest share is below half
    # and the later senders hold a cold prompt. The prompt and one more request give each
    # person the two classified requests a template's gate asks for.
    rows = _two_attackers_then_people({"intent": "rubric_grading", "p_rubric": 0.8}, (1,))
    people = {f"person-{k}" for k in range(10)}
    flagged = _flags(list(rows), SharedKeyConfig())
    assert len(people & set(flagged)) <= 2
    assert {"attacker-0", "attacker-1"} <= set(flagged)
    judged_once_hot = _flags(list(rows), SharedKeyConfig(rejudged_when_held=()))
    assert people <= set(judged_once_hot)
