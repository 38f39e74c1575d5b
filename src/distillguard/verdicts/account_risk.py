"""The per-account risk model: interpretable evidence terms combined into one score in 0..1.

Harvesting shows as (a) requests whose intent is to extract training signal and (b) traffic
shaped like a pipeline rather than a person. Neither alone is enough: homework help asks for
steps, and enterprise apps are automated. The score multiplies them, and needs a minimum
amount of harvest evidence, so that one odd request never flags an account.

Two shapes of legitimate heavy use look harvest-like by content and are discounted: an
evaluation harness re-runs the same items days apart (a distiller wants new prompts, and
resamples within minutes if at all), and a product serves its end users through one pinned
model for a hundred requests or more (a distiller samples what it is distilling, and moves to a new
release). A harvester that imitates either gives up data or its pivot; the cross-account paths
(shared keys, campaigns) do not use these discounts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from distillguard.accounts.features import MAX_DIURNAL_ENTROPY


@dataclass(frozen=True)
class AccountRiskModel:
    """Weights of the account score; ``evidence_scale`` is in harvest-weighted exchanges."""

    evidence_scale: float = 4.0
    min_events: int = 3
    # The account model flags an account on its own only after this many requests: a light
    # account is judged through what it shares (campaigns, shared keys), and a heavy product or
    # evaluation harness has shown its pinned model or its re-runs by then.
    flag_min_events: int = 200
    automation_floor: float = 0.35
    harvest_reason: float = 0.45
    automation_reason: float = 0.6
    # A single model carrying at least this share of at least ``pinned_min_events`` requests.
    pinned_share: float = 0.99
    pinned_min_events: int = 100
    pinned_discount: float = 0.5

    def score(self, features: pa.Table) -> np.ndarray:
        """Risk per row of an ``online_account_features`` table."""
        f = _columns(features)
        harvest = f["harvest_share"]
        evidence = 1.0 - np.exp(-f["harvest_mass"] / self.evidence_scale)
        automation = _automation(f)
        risk = (
            harvest * evidence * (self.automation_floor + (1 - self.automation_floor) * automation)
        )
        risk *= 1.0 - np.clip(f["rerun_share"], 0.0, 1.0)
        pinned = (f["model_top_share"] >= self.pinned_share) & (f["n"] >= self.pinned_min_events)
        risk[pinned] *= 1.0 - self.pinned_discount
        risk[f["n"] < self.min_events] = 0.0
        return np.clip(risk, 0.0, 1.0)

    def reasons(self, features: pa.Table, rows: Sequence[int]) -> list[list[str]]:
        """Reason codes for each of ``rows``, strongest first."""
        # One row per account out of one per event: convert only those rows' columns.
        picked = features.take(pa.array(rows, pa.int64()))
        columns = {k: v.tolist() for k, v in _columns(picked).items()}
        return [
            self._row_reasons(dict(zip(columns, values, strict=True)))
            for values in zip(*columns.values(), strict=True)
        ]

    def _row_reasons(self, f: dict[str, float]) -> list[str]:
        codes: list[str] = []
        shares = {
            "intent_cot_elicitation": f["cot_share"],
            "intent_rubric_grading": f["rubric_share"],
            "intent_censorship_rewrite": f["censor_share"],
            "intent_agentic_trace": f["agentic_share"],
            "intent_capability_sweep": f["sweep_share"],
        }
        for code, share in sorted(shares.items(), key=lambda kv: -kv[1]):
            if share >= 0.15:
                codes.append(code)
        if f["harvest_share"] >= self.harvest_reason:
            codes.append("harvest_heavy")
        if f["n"] >= 5 and f["template_top_share"] >= 0.5:
            codes.append("template_concentration")
        if f["single_turn_share"] >= 0.9:
            codes.append("single_turn")
        if f["diurnal_entropy"] / MAX_DIURNAL_ENTROPY >= 0.85 and f["n"] >= 24:
            codes.append("round_the_clock")
        if f["output_max_share"] >= 0.3:
            codes.append("output_maximising")
        age = f["age_at_first_use_h"]
        if not math.isnan(age) and age < 1.0:
            codes.append("fresh_account")
        return codes


def _automation(f: dict[str, np.ndarray]) -> np.ndarray:
    """How pipeline-like the traffic is: single-turn, templated, round-the-clock, maximal."""
    templated = np.where(f["n"] >= 5, f["template_top_share"], 0.0)
    round_clock = np.clip(f["diurnal_entropy"] / MAX_DIURNAL_ENTROPY, 0.0, 1.0)
    parts = np.vstack([f["single_turn_share"], templated, round_clock, f["output_max_share"]])
    return np.asarray(parts.mean(axis=0))


# The ``online_account_features`` columns the model reads.
MODEL_COLUMNS = (
    "n",
    "harvest_share",
    "harvest_mass",
    "cot_share",
    "rubric_share",
    "censor_share",
    "agentic_share",
    "sweep_share",
    "single_turn_share",
    "template_top_share",
    "diurnal_entropy",
    "output_max_share",
    "age_at_first_use_h",
    "rerun_share",
    "model_top_share",
)


def _columns(features: pa.Table) -> dict[str, np.ndarray]:
    return {
        name: features.column(name).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        for name in MODEL_COLUMNS
    }
