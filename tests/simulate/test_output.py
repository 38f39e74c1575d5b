"""Whole-output properties: determinism, format, labels, injected lines, volume."""

from __future__ import annotations

import collections
import itertools
from pathlib import Path

from distillguard.simulate.scenario import ATTACK_POPULATIONS, POPULATIONS
from distillguard.simulate.simulator import OUTPUT_FILES

from .conftest import Dataset, parse_ts, valid_event


def test_same_seed_is_byte_identical_whatever_the_worker_count(
    tiny_runs: dict[str, Path],
) -> None:
    for name in OUTPUT_FILES:
        assert (tiny_runs["a"] / name).read_bytes() == (tiny_runs["b"] / name).read_bytes(), name


def test_another_seed_gives_other_data(tiny_runs: dict[str, Path]) -> None:
    for name in ("events.jsonl.gz", "accounts.jsonl", "labels.csv"):
        assert (tiny_runs["a"] / name).read_bytes() != (tiny_runs["other"] / name).read_bytes()


def test_events_follow_log_format_v1(small: Dataset) -> None:
    models = {r["name"] for r in small.releases}
    for e in small.events:
        assert e["model"] in models
        assert all(m["role"] in {"system", "user", "assistant", "tool"} for m in e["messages"])
        assert e["messages"][-1]["role"] in {"user", "tool"}
        assert isinstance(e["status"], int)
        assert e["asn"].startswith("AS") and e["asn"][2:].isdigit()
        assert len(e["tls_fingerprint"]) == 32 and int(e["tls_fingerprint"], 16) >= 0
        assert len(e["ip"].split(".")) == 4
        usage = e["usage"]
        assert set(usage) == {"prompt_tokens", "completion_tokens", "reasoning_tokens"}
        assert usage["completion_tokens"] >= usage["reasoning_tokens"] >= 0
        if e["status"] == 200:
            assert isinstance(e["response"], str) and e["response"]
        else:
            assert "response" not in e and e["status"] in (429, 500)
        if "tools" in e:
            assert e["tools"] and all(set(t) == {"name"} for t in e["tools"])
    statuses = collections.Counter(e["status"] for e in small.events)
    assert statuses[200] > 0.95 * len(small.events) and statuses[429] > 0


def test_multi_turn_requests_carry_prior_turns(small: Dataset) -> None:
    by_session = collections.defaultdict(list)
    for e in small.events:
        by_session[e["session_id"]].append(e)
    checked = 0
    for events in by_session.values():
        events.sort(key=lambda e: len(e["messages"]))
        for first, later in itertools.pairwise(events):
            if first["status"] != 200:
                continue
            prefix = first["messages"] + [{"role": "assistant", "content": first["response"]}]
            assert later["messages"][: len(prefix)] == prefix
            checked += 1
    assert checked > 100


def test_accounts_and_releases(small: Dataset) -> None:
    channels = {"self_serve", "education", "startup", "research", "enterprise", "reseller"}
    for a in small.accounts.values():
        parse_ts(a["created_at"])
        assert a["signup_channel"] in channels
        assert isinstance(a["verified"], bool)
        assert a["allowlist"] is None or a["allowlist"].startswith("DPA-")
    start, end = parse_ts(small.scenario["start"]), parse_ts(small.scenario["end"])
    mid = [r for r in small.releases if start < parse_ts(r["ts"]) < end]
    assert len(mid) == 1 and mid[0]["name"] == small.scenario["new_model"]["name"]


def test_every_population_and_campaign_is_present(small: Dataset) -> None:
    pops = collections.Counter(row["population"] for row in small.labels.values())
    assert set(pops) == set(POPULATIONS)
    for row in small.labels.values():
        attack = row["population"] in ATTACK_POPULATIONS
        assert row["is_attack"] == ("true" if attack else "false")
        assert bool(row["campaign"]) == attack
    campaigns = small.scenario["campaigns"]
    assert {c["population"] for c in campaigns} == set(ATTACK_POPULATIONS)
    for c in campaigns:
        assert c["members"] > 0 and c["exchanges"] > 0 and c["description"]
        assert parse_ts(c["start"]) <= parse_ts(c["end"])


def test_labels_match_a_recount_of_the_events(small: Dataset) -> None:
    recount: collections.Counter[str] = collections.Counter()
    for e in small.events:
        assert e["account_id"] in small.accounts and e["account_id"] in small.labels
        label = small.event_labels[e["request_id"]]
        assert label["account_id"] == e["account_id"]
        if label["harvest"] == "true" and e["status"] == 200:
            recount[e["account_id"]] += 1
    assert set(small.labels) == set(small.accounts)
    for account_id, row in small.labels.items():
        assert int(row["attack_exchanges"]) == recount[account_id], account_id
        if row["is_attack"] == "false":
            assert recount[account_id] == 0
    per_campaign: collections.Counter[str] = collections.Counter()
    for account_id, n in recount.items():
        per_campaign[small.labels[account_id]["campaign"]] += n
    assert {c["id"]: c["exchanges"] for c in small.scenario["campaigns"]} == per_campaign


def test_malformed_and_duplicate_lines_are_injected_and_recorded(small: Dataset) -> None:
    injected = small.scenario["injected"]
    total = len(small.raw_lines)
    assert small.malformed == injected["malformed_total"]
    assert 0.0005 < small.malformed / total < 0.003
    assert all(n > 0 for n in injected["malformed"].values())
    assert set(injected["malformed"]) == {
        "invalid_json",
        "truncated",
        "missing_field",
        "wrong_type",
        "bad_timestamp",
    }
    assert small.duplicates == injected["duplicates"] > 0
    assert total == len(small.events) + small.malformed + small.duplicates
    assert small.scenario["totals"]["lines"] == total
    first_seen: dict[str, int] = {}
    for i, line in enumerate(small.raw_lines):
        event = valid_event(line)
        if event is None:
            continue
        rid = event["request_id"]
        if rid in first_seen:
            assert small.raw_lines[first_seen[rid]] == line  # an exact re-sent copy
        else:
            first_seen[rid] = i


def test_lines_are_large_and_roughly_time_ordered(small: Dataset) -> None:
    sizes = [len(line) for line in small.raw_lines]
    assert sum(sizes) / len(sizes) >= 2048
    ts = [parse_ts(e["ts"]).timestamp() for e in small.events]
    late = sum(1 for a, b in itertools.pairwise(ts) if b < a - 300)
    assert late < 0.01 * len(ts)
    assert ts[-1] - ts[0] > 13 * 86400


def test_reasoning_and_languages_appear(small: Dataset) -> None:
    reasoning = [e for e in small.events if "reasoning" in e]
    assert reasoning and all("think" in e["model"] for e in reasoning)
    text = " ".join(e["messages"][-1]["content"] for e in small.events[:5000])
    for probe in ("的", "и", "ñ", "ü", "の"):
        assert probe in text
