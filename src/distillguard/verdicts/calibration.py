"""Set the flag threshold from benign traffic only, to a stated false-positive rate.

Attack traffic in production is unlabelled and shifts; benign traffic (a known-good account
list, or a benign-only scenario) is what a provider can vouch for. The threshold is the
smallest risk that flags at most ``target_fpr`` of those accounts, never below a floor, so a
reference set with uniformly tiny risks cannot make the detector trigger-happy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from distillguard.verdicts.policy import Policy

DEFAULT_FLOOR = 0.25


@dataclass(frozen=True)
class Calibration:
    """What calibration chose and what it achieves on its own reference set."""

    target_fpr: float
    benign_accounts: int
    threshold: float
    achieved_fpr: float

    def apply(self, policy: Policy) -> Policy:
        """``policy`` with its flag and throttle cut-offs moved to the threshold.

        Stronger actions keep their margin above the flag, so only the operating point moves.
        """
        margin_verify = policy.verify - policy.flag
        margin_block = policy.block - policy.flag
        flag = self.threshold
        return replace(
            policy,
            monitor=min(policy.monitor, flag),
            flag=flag,
            throttle=flag,
            verify=min(1.0, flag + max(margin_verify, 0.0)),
            block=min(1.0, flag + max(margin_block, 0.0)),
        )


def calibrate(
    benign_risk: np.ndarray, target_fpr: float, floor: float = DEFAULT_FLOOR
) -> Calibration:
    """Threshold flagging at most ``target_fpr`` of ``benign_risk`` (and at least ``floor``)."""
    if not 0.0 <= target_fpr < 1.0:
        raise ValueError(f"target_fpr must be in [0, 1), got {target_fpr}")
    risk = np.asarray(benign_risk, dtype=np.float64)
    if risk.size == 0:
        raise ValueError("calibration needs at least one benign account")
    if np.isnan(risk).any():
        raise ValueError("benign risks contain NaN")
    ranked = np.sort(risk)[::-1]
    allowed = int(np.floor(target_fpr * risk.size))
    # Just above the (allowed+1)-th highest risk: at most `allowed` accounts reach it.
    cut = float(np.nextafter(ranked[allowed], np.inf)) if allowed < risk.size else 0.0
    if cut > 1.0:
        raise ValueError(
            f"{allowed + 1} benign reference accounts have risk 1.0; no threshold can keep "
            f"the false-positive rate at {target_fpr}"
        )
    threshold = max(floor, cut)
    achieved = float(np.mean(risk >= threshold))
    return Calibration(target_fpr, int(risk.size), threshold, achieved)


def calibrate_populations(
    benign_risk: dict[str, np.ndarray],
    target_fpr: float,
    population_fpr: float,
    floor: float = DEFAULT_FLOOR,
) -> Calibration:
    """Threshold meeting ``target_fpr`` overall and ``population_fpr`` in every population.

    Hard negatives (evaluation harnesses, enterprise apps) are few accounts with risks near the
    attackers', so an overall rate alone would sacrifice them; each population's own cut is
    computed the same way and the strictest one wins.
    """
    if not benign_risk:
        raise ValueError("calibration needs at least one benign population")
    every = np.concatenate([np.asarray(r, dtype=np.float64) for r in benign_risk.values()])
    overall = calibrate(every, target_fpr, floor)
    cut = max(
        [overall.threshold]
        + [calibrate(r, population_fpr, floor).threshold for r in benign_risk.values() if len(r)]
    )
    achieved = float(np.mean(every >= cut))
    return Calibration(target_fpr, int(every.size), cut, achieved)
