"""A phrasing family: one way of asking for an intent, with its variants.

Templates use three bits of syntax: ``{slot}`` is filled from ``fills``/corpora,
``⟨a|b|c⟩`` picks one alternative (an empty alternative is allowed), and ``|||`` splits a
template into system prompt (left) and user turn (right). Whole families are held out for
the test split (``test=True``), so the measured numbers are for phrasings never trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

from distillguard.signals.schema import INTENTS


@dataclass(frozen=True)
class Family:
    name: str
    intent: str
    lang: str
    templates: tuple[str, ...]
    test: bool = False

    def __post_init__(self) -> None:
        if self.intent not in INTENTS:
            raise ValueError(f"family {self.name}: unknown intent {self.intent!r}")
        if not self.templates:
            raise ValueError(f"family {self.name}: no templates")


def families(intent: str, lang: str, spec: dict[str, tuple[list[str], bool]]) -> list[Family]:
    """Families of one intent and language from ``{name: (templates, held_out)}``."""
    return [
        Family(f"{lang}.{intent}.{name}", intent, lang, tuple(templates), test)
        for name, (templates, test) in spec.items()
    ]
