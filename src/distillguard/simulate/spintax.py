"""Spintax templates: ``{a|b|{c|d}}`` alternations compiled once, rendered many times.

Attack and benign templates are written in spintax so that every rendering picks its own
wording; compiling up front keeps rendering to a few list lookups per alternation.
Literal braces and bars are written ``\\{``, ``\\}`` and ``\\|``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

Node = str | tuple["Node", ...] | list["Node"]
"""A compiled template: ``str`` literal, ``tuple`` sequence, ``list`` of alternatives."""


class SpintaxError(ValueError):
    """A template has unbalanced braces."""


@dataclass(frozen=True, slots=True)
class Spintax:
    """A compiled spintax template."""

    source: str
    root: Node

    def render(self, rng: random.Random) -> str:
        out: list[str] = []
        _emit(self.root, rng, out)
        return "".join(out)


def compile_spintax(source: str) -> Spintax:
    """Parse ``source`` into a reusable template; raises SpintaxError on bad nesting."""
    node, pos = _parse_sequence(source, 0, top=True)
    if pos != len(source):
        raise SpintaxError(f"unexpected '}}' at {pos} in {source[:60]!r}")
    return Spintax(source, node)


def _parse_sequence(src: str, pos: int, *, top: bool) -> tuple[Node, int]:
    parts: list[Node] = []
    buf: list[str] = []
    n = len(src)
    while pos < n:
        ch = src[pos]
        if ch == "\\" and pos + 1 < n and src[pos + 1] in "{}|\\":
            buf.append(src[pos + 1])
            pos += 2
            continue
        if ch == "{":
            if buf:
                parts.append("".join(buf))
                buf = []
            alt, pos = _parse_alternatives(src, pos + 1)
            parts.append(alt)
            continue
        if ch in "}|":
            if top:
                raise SpintaxError(f"unexpected {ch!r} at {pos} in {src[:60]!r}")
            break
        buf.append(ch)
        pos += 1
    if buf:
        parts.append("".join(buf))
    if len(parts) == 1 and isinstance(parts[0], str):
        return parts[0], pos
    return tuple(parts), pos


def _parse_alternatives(src: str, pos: int) -> tuple[Node, int]:
    options: list[Node] = []
    while True:
        node, pos = _parse_sequence(src, pos, top=False)
        options.append(node)
        if pos >= len(src):
            raise SpintaxError(f"unclosed '{{' in {src[:60]!r}")
        if src[pos] == "}":
            return options, pos + 1
        pos += 1  # skip '|'


def _emit(node: Node, rng: random.Random, out: list[str]) -> None:
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, tuple):
        for part in node:
            _emit(part, rng, out)
    else:
        _emit(node[int(rng.random() * len(node))], rng, out)
