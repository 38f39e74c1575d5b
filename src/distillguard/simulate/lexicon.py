"""Natural-language banks (prompt templates, task lists, answer sentences) kept as JSON
data in ``lexicon/`` so that wording can be edited without touching generator code."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import orjson

from distillguard.simulate.spintax import Spintax, compile_spintax


@cache
def lexicon(name: str) -> dict[str, Any]:
    """The parsed ``lexicon/<name>.json`` (read once per process)."""
    data = files("distillguard.simulate").joinpath("lexicon", f"{name}.json").read_bytes()
    value = orjson.loads(data)
    if not isinstance(value, dict):
        raise ValueError(f"lexicon/{name}.json must hold a JSON object")
    return value


def templates(sources: list[str]) -> tuple[Spintax, ...]:
    """Compile a list of spintax sources."""
    return tuple(compile_spintax(s) for s in sources)
