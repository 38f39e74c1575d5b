"""With ``prompts`` set, real corpus prompts appear in benign traffic and attack payloads."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from distillguard.simulate import scenario_config, simulate

from .conftest import Dataset, load, shared_run

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason="public corpora not available")


def _first_user_turns(name: str) -> set[str]:
    out = set()
    for line in (CORPORA / name).read_bytes().splitlines():
        out.add(orjson.loads(line)["messages"][0]["content"])
    return out


@pytest.fixture(scope="module")
def with_prompts(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    config = scenario_config(scale=0.02, seed=11, prompts_dir=CORPORA)
    out = shared_run(
        tmp_path_factory, "prompts", lambda o: simulate(config, o, progress=False, workers=2)
    )
    return load(out)


def test_real_prompts_appear_where_they_belong(with_prompts: Dataset) -> None:
    ds = with_prompts
    banking = _first_user_turns("banking77_train.jsonl")
    support = [e["messages"][-1]["content"] for e in ds.events_of("enterprise_app")]
    assert sum(t in banking for t in support) > 0.3 * len(support)

    chat_sources = set().union(
        *(
            _first_user_turns(f)
            for f in (
                "oasst_prompts_en.jsonl",
                "arena_hard_v0_1.jsonl",
                "nq_open_dev.jsonl",
                "hh_harmless_base_test.jsonl",
            )
        )
    )
    firsts = [e["messages"][0]["content"] for e in ds.events_of("individual") if e["messages"]]
    assert sum(t in chat_sources for t in firsts) > 0.1 * len(firsts)

    gsm8k = _first_user_turns("gsm8k_train.jsonl")
    harvest = [
        e["messages"][-1]["content"]
        for e in ds.events
        if ds.event_labels[e["request_id"]]["intent"] in ("cot_elicit", "capability_sweep")
    ]
    wrapped = sum(any(q in p for q in gsm8k) for p in harvest)
    assert wrapped > 0.05 * len(harvest)
    assert ds.scenario["prompts"]["records"]["banking77"] == 10003
    assert len(ds.scenario["prompts"]["digest"]) == 16
