from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa
import pytest

from distillguard.accounts.features import online_account_features
from distillguard.events.schema import ACCOUNT_SCHEMA
from distillguard.verdicts.account_risk import MODEL_COLUMNS, AccountRiskModel
from distillguard.verdicts.assemble import CAMPAIGN_FLAG_SCHEMA, assemble_verdicts
from distillguard.verdicts.policy import Policy
from tests.conftest import T0, signal_row


def test_policy_actions_rise_with_risk() -> None:
    policy = Policy()
    risks = (
        0.0,
        0.3,
        (policy.throttle + policy.verify) / 2,
        (policy.verify + policy.block) / 2,
        0.95,
    )
    actions = [policy.action(r, allowlisted=False) for r in risks]
    assert actions == ["allow", "monitor", "throttle", "verify", "block"]
    assert policy.action(0.99, allowlisted=True) == "monitor"


def test_policy_rejects_unordered_cutoffs() -> None:
    with pytest.raises(ValueError, match="must rise"):
        Policy(monitor=0.9, throttle=0.5)


def test_policy_round_trips_and_rejects_unknown_keys(tmp_path) -> None:
    path = tmp_path / "policy.json"
    Policy(flag=0.6).dump(path)
    assert Policy.load(path).flag == 0.6
    path.write_text('{"flag": 0.5, "nonsense": 1}')
    with pytest.raises(ValueError, match="unknown keys"):
        Policy.load(path)


def _harvester(account: str, n: int, start: float = 0) -> list[dict]:
    return [
        signal_row(
            account, start + i * 3, f"{account}-{i}", p_cot=0.9, template_hash=5, output_max=True
        )
        for i in range(n)
    ]


def _person(account: str, n: int) -> list[dict]:
    return [
        signal_row(account, i * 97, f"{account}-{i}", n_turns=4 + i % 3, topic=i % 3)
        for i in range(n)
    ]


def test_harvester_flagged_at_first_crossing_and_person_not(make_signals) -> None:
    signals = make_signals(_harvester("h", 30) + _person("p", 30))
    features = online_account_features(signals)
    model = AccountRiskModel(flag_min_events=10)
    risk = model.score(features)
    verdicts = assemble_verdicts(features, risk, None, Policy(), model)
    rows = {r["account_id"]: r for r in verdicts.to_dicts()}
    assert rows["h"]["flagged"] and not rows["p"]["flagged"]
    assert rows["p"]["action"] in ("allow", "monitor")
    assert "intent_cot_elicitation" in rows["h"]["reasons"]
    # The flag time is the first event whose cumulative risk crossed the threshold.
    feats = features.to_pylist()
    crossing = min(
        f["ts"]
        for f, r in zip(feats, risk, strict=True)
        if f["account_id"] == "h" and r >= Policy().flag and f["n"] >= 10
    )
    assert rows["h"]["first_flagged_at"] == crossing
    assert any(f["n"] < 10 and r >= Policy().flag for f, r in zip(feats, risk, strict=True))


def test_the_account_model_alone_waits_for_enough_requests(make_signals) -> None:
    features = online_account_features(make_signals(_harvester("h", 30)))
    model = AccountRiskModel()  # flag_min_events 200: 30 requests are judged via shared keys
    verdicts = assemble_verdicts(features, model.score(features), None, Policy(), model)
    row = verdicts.to_dicts()[0]
    assert row["risk"] >= Policy().flag and not row["flagged"]


def test_allowlisted_account_is_never_flagged_or_blocked(make_signals) -> None:
    signals = make_signals(_harvester("partner", 40))
    accounts = pa.Table.from_pylist(
        [{"account_id": "partner", "allowlist": "contract-7"}], schema=ACCOUNT_SCHEMA
    )
    features = online_account_features(signals, accounts)
    model = AccountRiskModel()
    verdicts = assemble_verdicts(features, model.score(features), accounts, Policy(), model)
    row = verdicts.to_dicts()[0]
    assert row["flagged"] is False
    assert row["action"] in ("allow", "monitor")
    assert row["reasons"].startswith("allowlisted")
    assert row["first_flagged_at"] is None


def _campaign_flag(
    account: str, hours: float, acted: bool = False, campaign: str = "c-1"
) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "account_id": account,
                "campaign_id": campaign,
                "campaign_risk": 0.9,
                "campaign_flagged_at": T0 + timedelta(hours=hours),
                "campaign_reasons": "campaign_lockstep",
                "member_acted": acted,
            }
        ],
        schema=CAMPAIGN_FLAG_SCHEMA,
    )


def test_a_flag_that_already_waited_for_the_member_is_not_gated_again(make_signals) -> None:
    # The account's own requests are ordinary by the account model's gate (a score-only gate
    # request counted for the shared key); the key flag at 5 h stands, the graph flag at 2 h
    # (which would wait for a classified harvesting request that never comes) does not.
    features = online_account_features(make_signals(_person("light", 5)))
    model = AccountRiskModel()
    flags = pa.concat_tables(
        [_campaign_flag("light", 2), _campaign_flag("light", 5, acted=True, campaign="key-1")]
    )
    verdicts = assemble_verdicts(features, model.score(features), None, Policy(), model, flags)
    row = verdicts.to_dicts()[0]
    assert row["flagged"] and row["campaign_id"] == "key-1"
    assert row["first_flagged_at"] == T0 + timedelta(hours=5)


def test_campaign_flags_a_member_once_it_has_harvested(make_signals) -> None:
    # Five ordinary requests, then one harvesting request at minute 500 (after the flag at 2 h).
    rows = [*_person("light", 5), signal_row("light", 500, "light-h", intent="cot_elicitation")]
    features = online_account_features(make_signals(rows))
    model = AccountRiskModel()
    flags = _campaign_flag("light", 2)
    verdicts = assemble_verdicts(features, model.score(features), None, Policy(), model, flags)
    row = verdicts.to_dicts()[0]
    assert row["flagged"] and row["campaign_id"] == "c-1"
    assert row["risk"] == pytest.approx(0.9)
    assert row["action"] == Policy().action(0.9, allowlisted=False)
    assert row["first_flagged_at"] == T0 + timedelta(minutes=500)
    assert "campaign_lockstep" in row["reasons"]


def test_campaign_does_not_flag_a_member_without_harvesting(make_signals) -> None:
    features = online_account_features(make_signals(_person("bystander", 5)))
    model = AccountRiskModel()
    flags = _campaign_flag("bystander", 2)
    verdicts = assemble_verdicts(features, model.score(features), None, Policy(), model, flags)
    row = verdicts.to_dicts()[0]
    assert not row["flagged"] and row["campaign_id"] is None
    assert row["action"] in ("allow", "monitor")


def test_risk_is_zero_below_minimum_events(make_signals) -> None:
    features = online_account_features(make_signals(_harvester("h", 2)))
    assert np.all(AccountRiskModel().score(features) == 0.0)


def test_campaign_codes_name_each_significant_evidence_family() -> None:
    from distillguard.campaigns import Campaign
    from distillguard.verdicts.campaign_flags import campaign_codes

    campaign = Campaign(
        campaign_id="cmp-1",
        members=["a", "b"],
        allowlisted=[],
        first_seen=T0,
        last_seen=T0,
        timeline={},
        evidence={
            "p_values": {"harvest": 0.002, "lockstep": 0.4},
            "feature_p_values": {"payment_linked": 0.01, "signup_linked": 1.0},
        },
        estimated_exchanges_harvested=10,
        risk=0.99,
        flagged=True,
    )
    assert campaign_codes(campaign) == [
        "campaign_member",
        "campaign_harvest",
        "campaign_shared_payment",
    ]


def _items(account: str, runs: int, items: int, rerun: bool, model: str = "m-1") -> list[dict]:
    """``runs`` nightly runs of ``items`` step-by-step prompts; the same items when ``rerun``."""
    return [
        signal_row(
            account,
            run * 24 * 60 + i,
            f"{account}-{run}-{i}",
            intent="cot_elicitation",
            p_cot=0.9,
            prompt_hash=i + 1 if rerun else run * items + i + 1,
            model=model,
        )
        for run in range(runs)
        for i in range(items)
    ]


def test_an_evaluation_harness_rerunning_its_items_is_discounted(make_signals) -> None:
    signals = make_signals(_items("harness", 5, 20, True) + _items("harvester", 5, 20, False))
    features = online_account_features(signals)
    risk = AccountRiskModel().score(features)
    accounts = features["account_id"].to_pylist()
    last = {a: r for a, r in zip(accounts, risk, strict=True)}
    rerun = dict(zip(accounts, features["rerun_share"].to_pylist(), strict=True))
    assert rerun["harness"] == pytest.approx(0.8)  # runs 2..5 repeat run 1
    assert rerun["harvester"] == 0.0
    assert last["harness"] < 0.25 * last["harvester"]


def test_a_heavy_account_pinned_to_one_model_is_discounted(make_signals) -> None:
    mixed = [
        {**row, "model": "m-2" if k % 3 == 0 else "m-1"}
        for k, row in enumerate(_items("mixed", 6, 100, False))
    ]
    signals = make_signals(_items("pinned", 6, 100, False) + mixed)
    features = online_account_features(signals)
    risk = AccountRiskModel().score(features)
    final = dict(zip(features["account_id"].to_pylist(), risk, strict=True))
    assert final["pinned"] == pytest.approx(0.5 * final["mixed"], rel=0.05)


def test_reasons_describe_the_given_rows_in_their_order() -> None:
    """An account's reasons come from its own feature row, whatever rows surround it."""
    columns: dict[str, list[float]] = {name: [0.0, 0.0, 0.0] for name in MODEL_COLUMNS}
    columns["n"] = [10.0, 10.0, 10.0]
    columns["age_at_first_use_h"] = [100.0, 100.0, float("nan")]
    columns["cot_share"][0] = 0.9
    columns["single_turn_share"][1] = 0.95
    columns["template_top_share"][2] = 0.8
    columns["output_max_share"][2] = 0.5
    features = pa.table({name: pa.array(values, pa.float64()) for name, values in columns.items()})
    got = AccountRiskModel().reasons(features, [2, 0])
    assert got == [["template_concentration", "output_maximising"], ["intent_cot_elicitation"]]
    assert AccountRiskModel().reasons(features, [1]) == [["single_turn"]]
    assert AccountRiskModel().reasons(features, []) == []
