"""``simulate()``: plan a scenario, render it in parallel, and write the output folder."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from distillguard.simulate import adversary, attacks, benign
from distillguard.simulate.corpora import PromptBank, load_prompt_bank
from distillguard.simulate.identity import IdKeys
from distillguard.simulate.plan import INJECTION_KINDS, Plan, PlanBuilder, Window
from distillguard.simulate.planning import PlanContext
from distillguard.simulate.render import RenderContext
from distillguard.simulate.scenario import ATTACK_POPULATIONS, ScenarioConfig
from distillguard.simulate.timing import DAY_US
from distillguard.simulate.writer import (
    epoch_us,
    releases,
    scenario_description,
    write_accounts,
    write_events,
    write_json,
    write_labels,
)

PLANNERS: dict[str, Callable[[PlanContext], None]] = {
    "individual": benign.plan_individual,
    "non_english_user": benign.plan_non_english_user,
    "enterprise_app": benign.plan_enterprise_app,
    "eval_harness": benign.plan_eval_harness,
    "licensed_partner": benign.plan_licensed_partner,
    "university_nat": benign.plan_university_nat,
    "corporate_team": benign.plan_corporate_team,
    "obfuscated_router": attacks.plan_obfuscated_router,
    "fraud_flood": attacks.plan_fraud_flood,
    "high_volume_structured": attacks.plan_high_volume_structured,
    "hydra_reseller": attacks.plan_hydra_reseller,
    "non_english_coercion": attacks.plan_non_english_coercion,
}
OUTPUT_FILES = (
    "events.jsonl.gz",
    "event_labels.csv.gz",
    "accounts.jsonl",
    "labels.csv",
    "scenario.json",
    "releases.json",
)


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """What was written and how long it took."""

    out_dir: Path
    files: dict[str, Path]
    accounts: int
    attack_accounts: int
    events: int
    lines: int
    malformed: int
    duplicates: int
    uncompressed_bytes: int
    seconds: float


def window_of(config: ScenarioConfig) -> Window:
    start = epoch_us(config.start)
    return Window(
        start=start,
        end=start + config.days * DAY_US,
        release=start + int(config.release_day * DAY_US),
    )


def build_plan(config: ScenarioConfig) -> Plan:
    """Run every population planner with its own random stream, then order the events;
    attack campaigns get the scenario's adversary variants."""
    window = window_of(config)
    builder = PlanBuilder(window)
    evasive = frozenset(config.adversary)
    for i, spec in enumerate(config.populations):
        rng = np.random.default_rng([config.seed, i, 0x5EED])
        planner = PLANNERS[spec.population]
        if evasive and spec.population in ATTACK_POPULATIONS:
            adversary.plan_attack(planner, PlanContext(builder, rng, window, spec, evasive))
        else:
            planner(PlanContext(builder, rng, window, spec))
    rng = np.random.default_rng([config.seed, len(config.populations), 0xB01D])
    plan = builder.build(
        rng, malformed_rate=config.malformed_rate, duplicate_rate=config.duplicate_rate
    )
    if not evasive:
        return plan
    rng = np.random.default_rng([config.seed, len(config.populations), 0xAD7E])
    return adversary.apply_to_plan(plan, config.adversary, rng)


def render_context(config: ScenarioConfig, plan: Plan, bank: PromptBank | None) -> RenderContext:
    keys = IdKeys.from_seed(config.seed)
    return RenderContext(
        keys=keys,
        bank=bank,
        account_ids=tuple(keys.account_id(i) for i in range(len(plan.accounts))),
        account_labels=tuple((a.population, a.campaign or "") for a in plan.accounts),
        n_events=plan.n_events,
    )


def simulate(
    config: ScenarioConfig,
    out_dir: Path,
    *,
    progress: bool = True,
    workers: int | None = None,
) -> SimulationResult:
    """Generate the scenario into ``out_dir`` (created if needed; files overwritten).

    Output is byte-identical for the same config (seed, scale, prompts), whatever the
    number of ``workers`` (default: all CPUs).
    """
    started = time.perf_counter()
    bank = load_prompt_bank(config.prompts_dir) if config.prompts_dir is not None else None
    out_dir.mkdir(parents=True, exist_ok=True)
    n_workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not progress,
        transient=False,
    ) as bar:
        planning = bar.add_task("planning", total=1)
        plan = build_plan(config)
        bar.update(planning, completed=1)
        ctx = render_context(config, plan, bank)
        rendering = bar.add_task("rendering events", total=plan.n_events)
        written = write_events(ctx, plan, out_dir, n_workers, lambda n: bar.advance(rendering, n))
    write_accounts(ctx, plan, out_dir / "accounts.jsonl")
    write_labels(ctx, plan, out_dir / "labels.csv")
    write_json(out_dir / "releases.json", releases(plan))
    prompts = None if bank is None else {"digest": bank.digest, "records": bank.counts()}
    description = scenario_description(config, plan, written, prompts)
    write_json(out_dir / "scenario.json", description)
    kinds = plan.inj_kind
    return SimulationResult(
        out_dir=out_dir,
        files={name: out_dir / name for name in OUTPUT_FILES},
        accounts=len(plan.accounts),
        attack_accounts=description["totals"]["attack_accounts"],
        events=plan.n_events,
        lines=written.lines,
        malformed=int((kinds != INJECTION_KINDS.index("duplicate")).sum()),
        duplicates=int((kinds == INJECTION_KINDS.index("duplicate")).sum()),
        uncompressed_bytes=written.raw_bytes,
        seconds=time.perf_counter() - started,
    )
