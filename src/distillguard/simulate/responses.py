"""Model outputs: answers, worked solutions, code and reasoning text in six languages.

Outputs only need to look like an LLM's (length, structure, language, topic words) so that
log volume, token counts and response-side features are realistic; they are assembled
from sentence banks and the numbers in the prompt.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from distillguard.simulate.lexicon import lexicon
from distillguard.simulate.spintax import compile_spintax

_LEX = lexicon("responses")
_BANKS: dict[str, dict[str, list[str]]] = _LEX["banks"]
_CODE_SNIPPETS: dict[str, list[str]] = _LEX["code_snippets"]
_FENCE = {"python": "python", "typescript": "ts", "go": "go"}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_TOPIC_CUT = re.compile(r"[?？。！!.\n:：]")


_LEADS = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|please|pls|quick question|so)\b[,!.:]?\s*)*"
    r"(?:(?:can|could|would|will) (?:you|u) (?:please )?"
    r"(?:tell me|explain|help me(?: understand)?|write|give me|show me)?\s*"
    r"|how (?:do|can|would|should|does|did) (?:i|you|we|one|it)\s+"
    r"|what(?:'s| is| are| was| were)\s+(?:the\s+)?|why (?:does|do|is|are|did)\s+"
    r"|is it true that\s+|(?:explain|describe|tell me about|write|give me|solve|find)\s+"
    r"|i'?m\s+|i am\s+)?",
    re.IGNORECASE,
)
_FUNCTION_WORDS = frozenset(
    ("the", "a", "an", "this", "my", "our", "your", "in", "on", "if", "when", "for", "can", "is")
)


def topic_of(text: str, lang: str) -> str:
    """A short phrase naming what a prompt is about, for weaving into the answer."""
    head = _TOPIC_CUT.split(text.strip(), maxsplit=1)[0].strip()
    if lang in ("zh", "ja"):
        return head[:24] or ("这个问题" if lang == "zh" else "この問題")
    stripped = _LEADS.sub("", head, count=1).strip()
    head = stripped if len(stripped) >= 8 else head
    if len(head) > 60:
        head = head[:60].rsplit(" ", 1)[0]
    head = head.rstrip(" ,;")
    first = head.split(" ", 1)[0]
    if first.lower() in _FUNCTION_WORDS:
        head = head[0].lower() + head[1:]
    return head or "this"


def _bank(lang: str) -> dict[str, list[str]]:
    return _BANKS.get(lang, _BANKS["en"])


def _sep(lang: str) -> str:
    return "" if lang in ("zh", "ja") else " "


def _cjk(lang: str, length: int) -> int:
    """Chinese and Japanese say as much in about half the characters."""
    return length // 2 if lang in ("zh", "ja") else length


def _pick(r: random.Random, seq: Sequence[str]) -> str:
    """``r.choice`` without its overhead (this runs millions of times at scale 10)."""
    return seq[int(r.random() * len(seq))]


@dataclass(frozen=True, slots=True)
class _Pools:
    """Pre-joined paragraphs, lists and thoughts per language, with ``{t}`` slots."""

    paragraphs: tuple[str, ...]
    lists: tuple[str, ...]
    thoughts: tuple[str, ...]


@cache
def _pools(lang: str) -> _Pools:
    b = _bank(lang)
    sep = _sep(lang)
    g = random.Random(1000 + len(lang) * 31 + ord(lang[0]) * 7 + ord(lang[-1]))
    paragraphs = tuple(sep.join(g.sample(b["body"], g.randint(2, 4))) for _ in range(512))
    lists = tuple(
        g.choice(b["list_head"]) + "\n" + "\n".join(f"- {x}" for x in g.sample(b["item"], 3))
        for _ in range(64)
    )
    thoughts = tuple(
        g.choice(b["think"][1:]) + (sep + g.choice(b["body"]) if g.random() < 0.25 else "")
        for _ in range(512)
    )
    return _Pools(paragraphs, lists, thoughts)


def body_sentences(r: random.Random, lang: str, topic: str, k: int) -> list[str]:
    """``k`` distinct explanatory sentences about ``topic``."""
    return [s.replace("{t}", topic) for s in r.sample(_bank(lang)["body"], k)]


def prose(r: random.Random, lang: str, topic: str, length: int) -> str:
    """Paragraphs of explanation of roughly ``length`` characters (English-equivalent)."""
    length = _cjk(lang, length)
    b = _bank(lang)
    pools = _pools(lang)
    parts = [_pick(r, b["open"])]
    size = len(parts[0])
    while size < length:
        para = _pick(r, pools.paragraphs)
        parts.append(para)
        size += len(para) + 2
        if r.random() < 0.3:
            block = _pick(r, pools.lists)
            parts.append(block)
            size += len(block) + 2
    parts.append(_pick(r, b["close"]))
    return "\n\n".join(parts).replace("{t}", topic)


def worked_solution(r: random.Random, lang: str, problem: str, answer: str, length: int) -> str:
    """Numbered steps that use the numbers in ``problem`` and end with ``answer``."""
    length = _cjk(lang, length)
    b = _bank(lang)
    nums = _NUMBER.findall(problem)[:6] or ["1", "2"]
    lines = [_pick(r, b["open"]), ""]
    steps = b["step"]
    for i, step in enumerate(steps[:-1], start=1):
        line = f"**{i}.** {step}"
        if i >= 2:
            line += f"\n   {_pick(r, nums)} {_pick(r, '+-×÷')} {_pick(r, nums)} → …"
        lines.append(line)
    size = sum(len(x) for x in lines)
    paragraphs = _pools(lang).paragraphs
    while size < length:
        para = _pick(r, paragraphs)
        lines.append(para)
        size += len(para)
    final = answer or _pick(r, nums)
    lines.append(f"**{len(steps)}.** {steps[-1]} {_pick(r, b['final'])} **{final}**")
    return "\n".join(lines).replace("{t}", topic_of(problem, lang))


def code_answer(r: random.Random, lang: str, fname: str, topic: str) -> str:
    """An explanation wrapped around a code block."""
    language = _pick(r, ("python", "python", "python", "typescript", "go"))
    code = _pick(r, _CODE_SNIPPETS[language]).format(f=fname)
    intro = prose(r, lang, topic, 120)
    outro = prose(r, lang, topic, 200)
    return f"{intro}\n\n```{_FENCE[language]}\n{code}```\n\n{outro}"


def reasoning(r: random.Random, lang: str, topic: str, length: int, answer: str = "") -> str:
    """Stream-of-thought text like a reasoning model's visible thinking."""
    length = _cjk(lang, length)
    b = _bank(lang)
    thoughts = _pools(lang).thoughts
    out = [b["think"][0]]
    size = len(out[0])
    while size < length:
        s = _pick(r, thoughts)
        out.append(s)
        size += len(s) + 1
    if answer:
        out.append(f"{_pick(r, b['final'])} {answer}.")
    return ("\n\n" if r.random() < 0.5 else "\n").join(out).replace("{t}", topic)


def short_answer(r: random.Random, lang: str, topic: str, answer: str) -> str:
    """A brief candidate answer (what a grader or reconstructor is shown)."""
    b = _bank(lang)
    sep = _sep(lang)
    body = _pick(r, _pools(lang).paragraphs).replace("{t}", topic)
    tail = f"{sep}{_pick(r, b['final'])} {answer}." if answer else ""
    return body + tail


_CHOICES = compile_spintax("{The correct option is|I would choose|Answer:} $x")


def choice_answer(r: random.Random, letter: str, topic: str) -> str:
    """A multiple-choice answer with a short justification."""
    head = _CHOICES.render(r).replace("$x", letter)
    return f"{prose(r, 'en', topic, 500)}\n\n{head}"
