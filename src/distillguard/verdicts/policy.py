"""Graduated actions: map a calibrated risk to monitor, throttle, verify or block."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

ACTIONS = ("allow", "monitor", "throttle", "verify", "block")


@dataclass(frozen=True)
class Policy:
    """Risk cut-offs; ``flag`` is the default operating point written to verdicts.csv.

    ``flag`` comes from calibration on benign traffic (see ``verdicts.calibration``); the
    stronger actions sit above it so that a borderline account is only slowed down. The
    defaults are ``distillguard calibrate --target-fpr 0.001 --population-fpr 0.005 --keys``
    on benign-only simulations (seeds 101-103, scale 1, 15,396 accounts; docs/detection.md);
    a provider re-calibrates on its own known-good traffic.
    """

    monitor: float = 0.25
    flag: float = 0.604
    throttle: float = 0.604
    verify: float = 0.754
    block: float = 0.904
    # Share of requests on benign shared keys (NATs, offices) that the intent model calls
    # harvesting; shared keys are judged against it (``distillguard calibrate --keys``).
    key_benign_rate: float = 0.0083

    def __post_init__(self) -> None:
        if not 0.0 < self.key_benign_rate < 1.0:
            raise ValueError(f"key_benign_rate must be within (0, 1), got {self.key_benign_rate}")
        cuts = (self.monitor, self.throttle, self.verify, self.block)
        if list(cuts) != sorted(cuts) or not all(0.0 <= c <= 1.0 for c in cuts):
            raise ValueError(f"policy cut-offs must rise within 0..1, got {cuts}")
        if not 0.0 <= self.flag <= 1.0:
            raise ValueError(f"flag threshold must be within 0..1, got {self.flag}")

    def action(self, risk: float, *, allowlisted: bool) -> str:
        """The action for one account; an allowlisted contract is at most monitored."""
        if allowlisted:
            return "monitor" if risk >= self.monitor else "allow"
        for name, cut in (
            ("block", self.block),
            ("verify", self.verify),
            ("throttle", self.throttle),
            ("monitor", self.monitor),
        ):
            if risk >= cut:
                return name
        return "allow"

    @classmethod
    def load(cls, path: Path) -> Policy:
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"cannot read policy {path}: {exc}") from exc
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"policy {path} has unknown keys: {sorted(unknown)}")
        return cls(**data)

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
