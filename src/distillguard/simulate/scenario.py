"""Scenario configuration: which populations and campaigns exist, how big, and when.

A scenario is plain data so that ``scenario.json`` can describe exactly what was generated
and two runs with the same config are byte-identical.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENIGN_POPULATIONS = (
    "individual",
    "non_english_user",
    "enterprise_app",
    "eval_harness",
    "licensed_partner",
    "university_nat",
    "corporate_team",
)
ATTACK_POPULATIONS = (
    "obfuscated_router",
    "fraud_flood",
    "high_volume_structured",
    "hydra_reseller",
    "non_english_coercion",
)
POPULATIONS = BENIGN_POPULATIONS + ATTACK_POPULATIONS
ADVERSARIES = ("paraphrase", "random_timing", "ip_per_account", "benign_mix")
"""Evasive variants applied to every attack campaign (see docs/simulator.md)."""


@dataclass(frozen=True, slots=True)
class Model:
    """A model the provider serves; reasoning models spend (and sometimes return) reasoning."""

    name: str
    reasoning: bool


MODELS = (
    Model("atlas-3-mini", reasoning=False),
    Model("atlas-3", reasoning=False),
    Model("atlas-3-think", reasoning=True),
    Model("atlas-4-think", reasoning=True),
)
MODEL_INDEX = {m.name: i for i, m in enumerate(MODELS)}
NEW_MODEL = MODEL_INDEX["atlas-4-think"]
EARLIER_RELEASES = (
    ("atlas-3-mini", datetime(2024, 6, 18, 17, 0, tzinfo=UTC)),
    ("atlas-3", datetime(2024, 9, 10, 17, 0, tzinfo=UTC)),
    ("atlas-3-think", datetime(2025, 1, 21, 17, 0, tzinfo=UTC)),
)

CAMPAIGN_DESCRIPTIONS = {
    "obfuscated_router": (
        "Chain-of-thought elicitation, rubric grading and censorship-safe rewrites sent "
        "through third-party routers and residential proxies; synchronized round-robin "
        "waves over many low-volume accounts sharing a few payment methods."
    ),
    "fraud_flood": (
        "Hundreds of accounts created in bursts through education, startup and research "
        "programmes; agentic tool use, coding and data analysis over rotating datacenter "
        "proxies, then reasoning-trace reconstruction in the last third."
    ),
    "high_volume_structured": (
        "Tens of very heavy accounts running agentic coding and tool orchestration with "
        "structured system prompts and tool definitions; moves about half its traffic to "
        "the new model within 24 hours of its release."
    ),
    "hydra_reseller": (
        "A commercial reseller spreading a little harvesting traffic over thousands of "
        "accounts whose other traffic is genuine customer use, all behind shared egress."
    ),
    "non_english_coercion": (
        "Chinese, Russian and other non-English prompts that coerce the model into showing "
        "its full thinking process in the user's language."
    ),
}


@dataclass(frozen=True, slots=True)
class PopulationSpec:
    """One population (or one campaign instance) and its size.

    ``start_day``/``end_day`` bound a campaign's activity in days from the scenario start;
    benign populations use the whole window.
    """

    population: str
    accounts: int
    events: int
    campaign: str | None = None
    start_day: float = 0.0
    end_day: float | None = None

    def __post_init__(self) -> None:
        if self.population not in POPULATIONS:
            raise ValueError(f"unknown population {self.population!r}")
        if self.accounts < 1 or self.events < self.accounts:
            raise ValueError(f"{self.population}: need accounts >= 1 and events >= accounts")
        is_attack = self.population in ATTACK_POPULATIONS
        if is_attack != (self.campaign is not None):
            raise ValueError(f"{self.population}: campaign must be set exactly for attacks")


@dataclass(frozen=True, slots=True)
class ScenarioConfig:
    """Everything that determines a simulation's output."""

    name: str
    seed: int
    scale: float
    start: datetime
    days: int
    release_day: float
    populations: tuple[PopulationSpec, ...]
    prompts_dir: Path | None = None
    malformed_rate: float = 0.001
    duplicate_rate: float = 0.0005
    adversary: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if self.days < 3:
            raise ValueError("days must be at least 3")
        if not 1.0 <= self.release_day <= self.days - 1.0:
            raise ValueError("release_day must leave at least a day on each side")
        if not self.populations:
            raise ValueError("a scenario needs at least one population")
        if not (0.0 <= self.malformed_rate < 0.1 and 0.0 <= self.duplicate_rate < 0.1):
            raise ValueError("malformed_rate and duplicate_rate must be in [0, 0.1)")
        names = [p.campaign for p in self.populations if p.campaign]
        if len(names) != len(set(names)):
            raise ValueError("campaign ids must be unique")
        unknown = [a for a in self.adversary if a not in ADVERSARIES]
        if unknown:
            raise ValueError(
                f"unknown adversary {unknown[0]!r}; choose from {', '.join(ADVERSARIES)}"
            )
        if len(set(self.adversary)) != len(self.adversary):
            raise ValueError("each adversary variant may be given only once")


# population: (accounts, events at scale 1, min accounts, min events per account)
_BENIGN_BASE = {
    "individual": (4000, 100_000, 20, 3),
    "non_english_user": (800, 20_000, 10, 3),
    "enterprise_app": (3, 60_000, 1, 300),
    "eval_harness": (4, 6_000, 1, 100),
    "licensed_partner": (1, 15_000, 1, 200),
    "university_nat": (300, 8_000, 12, 3),
    "corporate_team": (25, 6_000, 4, 10),
}
# population: (accounts, events at scale 1, min accounts, min events/account, start, end day)
_ATTACK_BASE = {
    "obfuscated_router": (150, 9_000, 8, 12, 1.0, 14.0),
    "fraud_flood": (400, 16_000, 10, 10, 0.0, 14.0),
    "high_volume_structured": (20, 20_000, 2, 150, 0.0, 14.0),
    "hydra_reseller": (2000, 35_000, 12, 8, 0.0, 14.0),
    "non_english_coercion": (120, 6_000, 4, 15, 3.0, 11.0),
}
SCENARIOS = ("default", "benign")
DEFAULT_START = datetime(2025, 6, 2, tzinfo=UTC)


def scenario_config(
    name: str = "default",
    *,
    scale: float = 1.0,
    seed: int = 7,
    prompts_dir: Path | None = None,
    adversary: tuple[str, ...] = (),
) -> ScenarioConfig:
    """Build a named scenario; ``scale`` multiplies accounts and events (1 ≈ 300k events).

    ``default`` has every benign population and every campaign; ``benign`` drops the
    campaigns (for measuring false positives). Campaign types get ``floor(sqrt(scale))``
    independent instances so larger scenarios also test telling campaigns apart.
    ``adversary`` names evasive variants (``ADVERSARIES``) every campaign applies.
    """
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError("scale must be a positive number")
    specs: list[PopulationSpec] = []
    for pop, (accounts, events, min_acc, min_per) in _BENIGN_BASE.items():
        n_acc = max(min_acc, round(accounts * scale))
        specs.append(PopulationSpec(pop, n_acc, max(round(events * scale), n_acc * min_per)))
    if name == "default":
        instances = max(1, math.isqrt(max(1, int(scale))))
        for pop, (accounts, events, min_acc, min_per, start, end) in _ATTACK_BASE.items():
            n_acc = max(min_acc, round(accounts * scale / instances))
            n_ev = max(round(events * scale / instances), n_acc * min_per)
            for k in range(instances):
                shift = 0.0 if k == 0 else min(2.0 * k, 0.3 * (end - start))
                specs.append(
                    PopulationSpec(
                        pop,
                        n_acc,
                        n_ev,
                        campaign=f"{pop}-{k + 1}",
                        start_day=start + shift,
                        end_day=end,
                    )
                )
    return ScenarioConfig(
        name=name,
        seed=seed,
        scale=scale,
        start=DEFAULT_START,
        days=14,
        release_day=9.0 + 16.0 / 24.0,
        populations=tuple(specs),
        prompts_dir=prompts_dir,
        adversary=adversary,
    )
