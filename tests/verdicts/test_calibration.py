from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from distillguard.verdicts.calibration import calibrate
from distillguard.verdicts.policy import Policy


@given(
    st.lists(st.floats(0.0, 0.999), min_size=1, max_size=400),
    st.floats(0.0, 0.2),
)
def test_calibrated_threshold_never_exceeds_the_target_rate(risks, target) -> None:
    cal = calibrate(np.array(risks), target, floor=0.0)
    assert cal.achieved_fpr <= target + 1e-12
    assert cal.achieved_fpr == pytest.approx(np.mean(np.array(risks) >= cal.threshold))


def test_threshold_sits_just_above_the_allowed_accounts() -> None:
    risks = np.linspace(0.0, 0.99, 1000)
    cal = calibrate(risks, 0.01, floor=0.0)
    assert int(np.sum(risks >= cal.threshold)) == 10
    assert cal.threshold > risks[-11]


def test_floor_guards_against_uniformly_tiny_reference_risks() -> None:
    cal = calibrate(np.full(500, 0.01), 0.001)
    assert cal.threshold == pytest.approx(0.25)
    assert cal.achieved_fpr == 0.0


def test_apply_moves_the_operating_point_and_keeps_action_order() -> None:
    cal = calibrate(np.linspace(0, 0.7, 100), 0.0, floor=0.0)
    policy = cal.apply(Policy())
    assert policy.flag == pytest.approx(cal.threshold)
    assert policy.monitor <= policy.throttle <= policy.verify <= policy.block <= 1.0


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="at least one"):
        calibrate(np.array([]), 0.01)
    with pytest.raises(ValueError, match="target_fpr"):
        calibrate(np.array([0.1]), 1.5)
    with pytest.raises(ValueError, match=r"risk 1\.0"):
        calibrate(np.array([1.0, 0.2]), 0.0)


def test_population_cut_protects_a_small_hard_negative_population() -> None:
    from distillguard.verdicts.calibration import calibrate_populations

    crowd = np.linspace(0.0, 0.3, 5000)
    harness = np.array([0.55, 0.58, 0.2])
    overall = calibrate(np.concatenate([crowd, harness]), 0.001)
    assert overall.threshold <= 0.55  # two harness accounts fit in the overall budget
    result = calibrate_populations({"crowd": crowd, "harness": harness}, 0.001, 0.005)
    assert 0.58 < result.threshold < 0.581
    assert result.achieved_fpr == 0.0
    with pytest.raises(ValueError):
        calibrate_populations({}, 0.001, 0.005)
