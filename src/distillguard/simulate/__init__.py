"""Seeded, labelled traffic simulator: benign populations, hard negatives and documented
distillation campaigns, written as log format v1 (see docs/simulator.md)."""

from distillguard.simulate.scenario import (
    SCENARIOS,
    PopulationSpec,
    ScenarioConfig,
    scenario_config,
)
from distillguard.simulate.simulator import SimulationResult, simulate

__all__ = [
    "SCENARIOS",
    "PopulationSpec",
    "ScenarioConfig",
    "SimulationResult",
    "scenario_config",
    "simulate",
]
