"""Plain-text formatting of metric values, shared by the terminal tables and the HTML report."""

from __future__ import annotations

MISSING = "—"


def share(value: float | None) -> str:
    """A rate as a percentage, or a dash when the metric is undefined."""
    return MISSING if value is None else f"{value:.1%}"


def number(value: float | None) -> str:
    """A score such as AUC with three decimals, or a dash when undefined."""
    return MISSING if value is None else f"{value:.3f}"


def count(value: float | None) -> str:
    """A (possibly estimated) count with thousands separators, or a dash when unknown."""
    return MISSING if value is None else f"{value:,.0f}"


def duration(seconds: float | None) -> str:
    """Seconds in the most readable unit (s, min, h, d)."""
    if seconds is None:
        return MISSING
    size = abs(seconds)
    if size < 120:
        return f"{seconds:.0f} s"
    if size < 7200:
        return f"{seconds / 60:.1f} min"
    if size < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
