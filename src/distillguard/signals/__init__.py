"""Per-request signals: intent, template fingerprints, structure and infrastructure identity.

``compute_signals`` turns an ``EVENT_SCHEMA`` batch into a ``SIGNAL_SCHEMA`` batch
(``compute_view_signals`` a ``PROMPT_VIEW_SCHEMA`` one); ``signals_for_request`` does the same
for one live request. See docs/signals.md.

The re-exports load lazily: later stages import ``distillguard.signals.schema`` without
paying for the compiled text kernel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distillguard.signals.compute import (
        RequestSignals,
        compute_signals,
        compute_view_signals,
        signals_for_request,
    )

__all__ = ["RequestSignals", "compute_signals", "compute_view_signals", "signals_for_request"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from distillguard.signals import compute

        return getattr(compute, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
