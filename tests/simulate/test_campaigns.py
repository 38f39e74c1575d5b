"""Each campaign and hard negative shows the behaviour it is documented to have."""

from __future__ import annotations

import collections
from datetime import timedelta

from .conftest import Dataset, parse_ts


def _release(ds: Dataset) -> tuple[str, float]:
    new = ds.scenario["new_model"]
    return new["name"], parse_ts(new["ts"]).timestamp()


def test_high_volume_campaign_pivots_half_its_traffic_within_a_day(small: Dataset) -> None:
    model, release = _release(small)
    events = small.events_of("high_volume_structured")
    before = [e for e in events if parse_ts(e["ts"]).timestamp() < release]
    assert before and all(e["model"] != model for e in before)
    window = [
        e for e in events if release + 12 * 3600 <= parse_ts(e["ts"]).timestamp() < release + 86400
    ]
    share = sum(e["model"] == model for e in window) / len(window)
    assert 0.3 < share < 0.7
    assert all(e["tools"] and e["messages"][0]["role"] == "system" for e in events)


def test_eval_harness_reruns_on_the_new_model_on_release_day(small: Dataset) -> None:
    model, release = _release(small)
    events = small.events_of("eval_harness")
    on_new = [parse_ts(e["ts"]).timestamp() for e in events if e["model"] == model]
    assert on_new and min(on_new) - release < 86400
    prompts = collections.Counter(e["messages"][0]["content"] for e in events)
    assert prompts.most_common(1)[0][1] >= 2  # the same benchmark items, run after run


def test_flood_accounts_are_created_in_bursts(small: Dataset) -> None:
    def clustered_share(population: str) -> float:
        created = sorted(parse_ts(a["created_at"]) for a in small.accounts_of(population))
        near = 0
        for t in created:
            close = sum(abs(u - t) <= timedelta(hours=2) for u in created) - 1
            near += close >= 3
        return near / len(created)

    flood = small.accounts_of("fraud_flood")
    assert clustered_share("fraud_flood") > 0.9
    assert clustered_share("individual") < 0.5
    channels = collections.Counter(a["signup_channel"] for a in flood)
    assert channels["education"] + channels["startup"] > 0.7 * len(flood)


def test_flood_rotates_datacenter_proxies_and_later_reconstructs_traces(small: Dataset) -> None:
    events = small.events_of("fraud_flood")
    per_account = collections.defaultdict(set)
    for e in events:
        per_account[e["account_id"]].add(e["ip"])
    assert sum(len(v) for v in per_account.values()) / len(per_account) > 3
    traces = [
        parse_ts(e["ts"]).timestamp()
        for e in events
        if small.event_labels[e["request_id"]]["intent"] == "trace_reconstruct"
    ]
    start = parse_ts(small.scenario["start"]).timestamp()
    assert traces and min(traces) >= start + 14 * 86400 * 2 / 3 - 3600


def test_obfuscated_router_shares_payments_and_waves(small: Dataset) -> None:
    accounts = small.accounts_of("obfuscated_router")
    payments = collections.Counter(a["payment_fingerprint"] for a in accounts)
    assert len(payments) <= len(accounts) / 2
    assert payments.most_common(1)[0][1] >= 3
    events = [
        e
        for e in small.events_of("obfuscated_router")
        if small.event_labels[e["request_id"]]["harvest"] == "true"
    ]
    by_minute = collections.defaultdict(set)
    for e in events:
        by_minute[e["ts"][:15]].add(e["account_id"])  # 10-minute buckets
    assert max(len(v) for v in by_minute.values()) >= 4  # synchronized across accounts


def test_corporate_team_shares_one_card_org_and_ip(small: Dataset) -> None:
    teams = collections.defaultdict(list)
    for a in small.accounts_of("corporate_team"):
        teams[a["org_id"]].append(a)
    assert teams and None not in teams
    for members in teams.values():
        assert len({a["payment_fingerprint"] for a in members}) == 1
    ips = {e["ip"] for e in small.events_of("corporate_team")}
    assert len(ips) <= len(teams)


def test_university_nat_puts_many_accounts_behind_few_ips(small: Dataset) -> None:
    events = small.events_of("university_nat")
    ips = collections.Counter(e["ip"] for e in events)
    top3 = sum(n for _, n in ips.most_common(3))
    assert top3 > 0.7 * len(events)
    accounts_on_top = {e["account_id"] for e in events if e["ip"] == ips.most_common(1)[0][0]}
    assert len(accounts_on_top) >= 5
    assert all(
        a["signup_channel"] in ("education", "self_serve")
        for a in small.accounts_of("university_nat")
    )


def test_hydra_mixes_little_harvest_into_genuine_traffic_behind_shared_egress(
    small: Dataset,
) -> None:
    events = small.events_of("hydra_reseller")
    harvest = [e for e in events if small.event_labels[e["request_id"]]["harvest"] == "true"]
    assert 0.08 < len(harvest) / len(events) < 0.35
    accounts_per_ip = collections.defaultdict(set)
    for e in events:
        accounts_per_ip[e["ip"]].add(e["account_id"])
    assert max(len(v) for v in accounts_per_ip.values()) >= 5
    channels = collections.Counter(a["signup_channel"] for a in small.accounts_of("hydra_reseller"))
    assert channels.most_common(1)[0][0] == "reseller" and len(channels) > 1


def test_coercion_is_non_english_and_asks_for_the_full_thinking(small: Dataset) -> None:
    events = [
        e
        for e in small.events_of("non_english_coercion")
        if small.event_labels[e["request_id"]]["harvest"] == "true"
    ]
    texts = [e["messages"][-1]["content"] for e in events]
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts) > 0.3 * len(texts)
    assert any("русск" in t for t in texts)
    assert sum(("思考" in t or "推理" in t or "思路" in t) for t in texts) > 0.2 * len(texts)


def test_licensed_partner_looks_like_distillation_but_is_allowlisted(small: Dataset) -> None:
    partner = small.accounts_of("licensed_partner")
    assert partner and all(a["allowlist"] for a in partner)
    ids = {a["account_id"] for a in partner}
    assert all(small.labels[i]["is_attack"] == "false" for i in ids)
    assert all(a["allowlist"] is None for i, a in small.accounts.items() if i not in ids)
    assert len(small.events_of("licensed_partner")) > len(small.events) * 0.02


def test_step_by_step_requests_come_from_both_classes(small: Dataset) -> None:
    def asks_for_steps(population: str) -> int:
        return sum(
            "step" in e["messages"][-1]["content"].lower() or "一步" in e["messages"][-1]["content"]
            for e in small.events_of(population)
        )

    assert asks_for_steps("individual") > 20
    assert asks_for_steps("non_english_user") > 5
    assert asks_for_steps("university_nat") > 5
    assert asks_for_steps("obfuscated_router") > 5
