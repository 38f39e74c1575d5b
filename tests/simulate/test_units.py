"""Building blocks: spintax, paraphrasing, harvest families, config and corpus errors."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from distillguard.simulate import scenario_config
from distillguard.simulate.corpora import CorpusError, load_prompt_bank
from distillguard.simulate.harvest import FAMILIES_BY_KIND, render_harvest
from distillguard.simulate.identity import IdKeys, scramble
from distillguard.simulate.kinds import HARVEST_KINDS, Kind
from distillguard.simulate.paraphrase import Style, compose
from distillguard.simulate.scenario import ATTACK_POPULATIONS, PopulationSpec
from distillguard.simulate.spintax import SpintaxError, compile_spintax


def test_spintax_renders_every_alternative_and_escapes() -> None:
    t = compile_spintax(r"{a|b{c|d}} \{x\|y\}")
    seen = {t.render(random.Random(i)) for i in range(200)}
    assert seen == {"a {x|y}", "bc {x|y}", "bd {x|y}"}


@pytest.mark.parametrize("bad", ["{a|b", "a}b", "x|y"])
def test_spintax_rejects_unbalanced_templates(bad: str) -> None:
    with pytest.raises(SpintaxError):
        compile_spintax(bad)


def test_compose_keeps_the_payload_and_varies_the_wording() -> None:
    style = Style.from_seed(3)
    task = "Solve for x: 3x + 4 = 19."
    outs = {
        compose(
            random.Random(i), "Explain your reasoning step by step.", [("Task", task)], "en", style
        )
        for i in range(60)
    }
    assert all(task in o for o in outs)
    assert len(outs) > 20


def test_every_harvest_kind_has_several_families_that_render() -> None:
    for kind in HARVEST_KINDS - {Kind.AGENT_CODING, Kind.AGENT_TASK, Kind.DATA_ANALYSIS}:
        families = FAMILIES_BY_KIND[kind]
        assert len(families) >= 3, kind
        for i in range(len(families)):
            lang = "zh" if kind == Kind.REASONING_COERCION else "en"
            h = render_harvest(random.Random(i), kind, i, lang, Style.from_seed(i), None)
            assert len(h.prompt) > 40 and h.topic


def test_ids_are_bijective_and_seeded() -> None:
    values = {scramble(i, 12345, 48) for i in range(50_000)}
    assert len(values) == 50_000 and max(values) < 2**48
    a, b = IdKeys.from_seed(1), IdKeys.from_seed(2)
    assert a.account_id(0) != b.account_id(0)
    assert a.account_id(5) == IdKeys.from_seed(1).account_id(5)


def test_scenario_config_validates_its_inputs() -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        scenario_config("nope")
    with pytest.raises(ValueError, match="scale"):
        scenario_config(scale=0)
    with pytest.raises(ValueError, match="campaign"):
        PopulationSpec("individual", 3, 10, campaign="x-1")
    with pytest.raises(ValueError, match="unknown population"):
        PopulationSpec("martians", 3, 10)


def test_scale_grows_accounts_and_instances() -> None:
    one, ten = scenario_config(scale=1), scenario_config(scale=10)
    assert sum(p.events for p in one.populations) == pytest.approx(300_000, rel=0.05)
    assert sum(p.events for p in ten.populations) == pytest.approx(3_000_000, rel=0.05)
    hydra = [p for p in ten.populations if p.population == "hydra_reseller"]
    assert len(hydra) == 3 and sum(p.accounts for p in hydra) >= 19_000


def test_benign_scenario_has_no_campaigns() -> None:
    config = scenario_config("benign", scale=0.1)
    assert not any(p.population in ATTACK_POPULATIONS for p in config.populations)


def test_prompt_bank_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        load_prompt_bank(tmp_path / "missing")
    with pytest.raises(CorpusError, match="no recognised"):
        load_prompt_bank(tmp_path)
    (tmp_path / "gsm8k_train.jsonl").write_text('{"id": 1, "messages": []}\n{"oops"\n')
    with pytest.raises(CorpusError, match=r"gsm8k_train.jsonl:1"):
        load_prompt_bank(tmp_path)
    (tmp_path / "gsm8k_train.jsonl").write_text('{"id": 1}\n')
    with pytest.raises(CorpusError, match=r"gsm8k_train.jsonl:1: not a prompt record"):
        load_prompt_bank(tmp_path)
