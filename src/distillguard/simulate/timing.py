"""When requests happen: diurnal/weekly activity curves, sessions, bursts and ramps.

All times are int64 microseconds since the Unix epoch (UTC); every sampler is vectorised
over numpy arrays so planning a 3M-event scenario takes seconds.
"""

from __future__ import annotations

import numpy as np

SECOND_US = 1_000_000
MINUTE_US = 60 * SECOND_US
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)

# Relative activity by local hour (0..23); each curve peaks at 1.
_CURVES = {
    "personal": [
        0.25,
        0.15,
        0.08,
        0.05,
        0.04,
        0.05,
        0.1,
        0.2,
        0.35,
        0.45,
        0.5,
        0.55,
        0.6,
        0.55,
        0.5,
        0.5,
        0.55,
        0.6,
        0.7,
        0.85,
        1.0,
        1.0,
        0.8,
        0.5,
    ],
    "work": [
        0.03,
        0.02,
        0.02,
        0.02,
        0.02,
        0.03,
        0.08,
        0.25,
        0.6,
        0.9,
        1.0,
        0.95,
        0.7,
        0.85,
        0.95,
        0.9,
        0.8,
        0.55,
        0.3,
        0.2,
        0.15,
        0.1,
        0.06,
        0.04,
    ],
    "student": [
        0.45,
        0.3,
        0.15,
        0.06,
        0.03,
        0.03,
        0.05,
        0.1,
        0.3,
        0.5,
        0.65,
        0.7,
        0.6,
        0.7,
        0.75,
        0.75,
        0.7,
        0.65,
        0.6,
        0.7,
        0.85,
        1.0,
        0.95,
        0.7,
    ],
    "support": [
        0.1,
        0.06,
        0.04,
        0.03,
        0.03,
        0.05,
        0.15,
        0.4,
        0.75,
        0.95,
        1.0,
        1.0,
        0.95,
        0.95,
        0.9,
        0.9,
        0.85,
        0.8,
        0.75,
        0.7,
        0.6,
        0.45,
        0.3,
        0.18,
    ],
    "operator": [
        0.35,
        0.3,
        0.3,
        0.3,
        0.3,
        0.35,
        0.4,
        0.5,
        0.7,
        0.9,
        1.0,
        1.0,
        0.9,
        0.95,
        1.0,
        1.0,
        0.95,
        0.9,
        0.85,
        0.85,
        0.8,
        0.7,
        0.55,
        0.45,
    ],
    "flat": [
        0.9,
        0.88,
        0.87,
        0.86,
        0.86,
        0.87,
        0.9,
        0.93,
        0.96,
        0.98,
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
        0.99,
        0.98,
        0.97,
        0.96,
        0.95,
        0.94,
        0.93,
        0.92,
        0.91,
    ],
}
_WEEKEND = {
    "personal": 1.1,
    "work": 0.15,
    "student": 0.7,
    "support": 0.7,
    "operator": 0.8,
    "flat": 1.0,
}


def _weights(profile: str) -> tuple[np.ndarray, np.ndarray]:
    hourly = np.asarray(_CURVES[profile], dtype=np.float64)
    weekly = np.ones(7)
    weekly[5:] = _WEEKEND[profile]
    return hourly, weekly / weekly.max()


def sample_times(
    rng: np.random.Generator,
    lo: np.ndarray,
    hi: np.ndarray,
    tz_hours: np.ndarray,
    profile: str,
) -> np.ndarray:
    """One instant in ``[lo, hi)`` per element, following ``profile`` in local time.

    Rejection sampling against the hour-of-day and weekday curve; every weight is > 0, so
    the loop ends quickly (≈2 rounds on average).
    """
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    if np.any(hi <= lo):
        raise ValueError("sample_times needs hi > lo for every element")
    tz = np.broadcast_to(np.asarray(tz_hours, dtype=np.float64), lo.shape)
    hourly, weekly = _weights(profile)
    out = np.empty(lo.shape, dtype=np.int64)
    todo = np.arange(lo.size)
    for _ in range(200):
        if todo.size == 0:
            break
        span = (hi[todo] - lo[todo]).astype(np.float64)
        t = lo[todo] + (rng.random(todo.size) * span).astype(np.int64)
        local = t + (tz[todo] * HOUR_US).astype(np.int64)
        hour = (local // HOUR_US) % 24
        weekday = (local // DAY_US + _EPOCH_WEEKDAY) % 7
        keep = rng.random(todo.size) < hourly[hour] * weekly[weekday]
        out[todo[keep]] = t[keep]
        todo = todo[~keep]
    if todo.size:
        out[todo] = lo[todo]
    return out


def expand_sessions(
    rng: np.random.Generator,
    starts: np.ndarray,
    n_turns: np.ndarray,
    median_gap_s: float,
    sigma: float = 0.8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn session starts into per-turn events: (session position, turn index, ts).

    Gaps between turns are lognormal around ``median_gap_s`` (think time plus generation).
    """
    n_turns = np.asarray(n_turns, dtype=np.int64)
    pos = np.repeat(np.arange(len(n_turns)), n_turns)
    first = np.cumsum(n_turns) - n_turns
    turn = np.arange(len(pos)) - np.repeat(first, n_turns)
    gaps = (rng.lognormal(np.log(median_gap_s), sigma, len(pos)) * SECOND_US).astype(np.int64)
    gaps[turn == 0] = 0
    csum = np.cumsum(gaps)
    offset = csum - np.repeat(csum[first], n_turns)
    return pos, turn, np.asarray(starts, dtype=np.int64)[pos] + offset


def ramp(t: np.ndarray, at: int, delay_h: float, ramp_h: float, top: float) -> np.ndarray:
    """Share adopting something: 0 before ``at + delay``, rising linearly to ``top``."""
    x = (np.asarray(t, dtype=np.float64) - at - delay_h * HOUR_US) / (ramp_h * HOUR_US)
    return top * np.clip(x, 0.0, 1.0)
