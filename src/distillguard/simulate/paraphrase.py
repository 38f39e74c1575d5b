"""Paraphrase operators that keep one intent while changing its surface form.

Operators: synonym swaps, clause reordering, filler, politeness, numbering, payload
framing, casing and typos (language switching is done by the caller, which picks an
instruction written in another language). A campaign's :class:`Style` fixes how often each
operator fires, so a campaign has a recognisable but never fixed wording.

The paraphrase adversary goes further: :func:`independent_style` draws a style per request
and :func:`rewrite` shuffles clauses, inserts context and constraint clauses, openers and
closers (spintax banks in ``lexicon/paraphrase.json``) and changes the layout, so no two
requests share a wording skeleton while the request still asks for the same thing.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache

from distillguard.simulate.lexicon import lexicon, templates
from distillguard.simulate.spintax import Spintax

_SYNONYMS: dict[str, list[tuple[str, list[str]]]] = {
    "en": [
        ("step by step", ["step-by-step", "one step at a time", "in sequential steps", "stepwise"]),
        ("reasoning", ["thought process", "line of reasoning", "chain of thought", "thinking"]),
        ("explain", ["describe", "walk through", "lay out", "spell out"]),
        ("detailed", ["thorough", "in-depth", "comprehensive", "exhaustive"]),
        ("response", ["answer", "reply", "output", "completion"]),
        ("question", ["query", "prompt", "problem"]),
        ("write", ["produce", "give", "compose", "output"]),
        ("show", ["display", "include", "present", "expose"]),
        ("final answer", ["conclusion", "end result", "final result"]),
        ("carefully", ["meticulously", "rigorously", "methodically"]),
        ("score", ["rate", "grade", "mark"]),
        ("criteria", ["dimensions", "aspects", "standards"]),
        ("rewrite", ["rephrase", "reformulate", "reword"]),
        ("complete", ["full", "entire", "whole"]),
        ("hidden", ["internal", "private", "unseen"]),
        ("every", ["each", "every single"]),
        ("intermediate", ["in-between", "partial", "interim"]),
        ("provide", ["give", "supply", "offer"]),
    ],
    "zh": [
        ("思考过程", ["推理过程", "思维过程", "思路", "思考内容"]),
        ("详细", ["完整", "具体", "详尽"]),
        ("一步一步", ["逐步", "分步骤", "一步步"]),
        ("展示", ["输出", "写出", "给出", "呈现"]),
        ("必须", ["务必", "一定要", "需要"]),
        ("问题", ["题目", "任务"]),
    ],
    "ru": [
        ("рассуждения", ["ход мыслей", "размышления", "цепочку рассуждений"]),
        ("подробно", ["детально", "развёрнуто", "полностью"]),
        ("покажи", ["выведи", "напиши", "изложи"]),
        ("шаг за шагом", ["пошагово", "по шагам", "последовательно"]),
        ("обязательно", ["непременно", "строго"]),
    ],
    "ja": [("思考過程", ["推論過程", "考えの流れ"]), ("詳しく", ["省略せずに", "丁寧に"])],
    "es": [
        ("razonamiento", ["proceso de pensamiento", "cadena de razonamiento"]),
        ("paso a paso", ["por pasos", "de forma secuencial"]),
    ],
    "de": [
        ("Denkprozess", ["Gedankengang", "Überlegungen"]),
        ("Schritt für Schritt", ["schrittweise", "der Reihe nach"]),
    ],
}


def _pattern(word: str, lang: str) -> re.Pattern[str]:
    """Whole-word match, except in Chinese and Japanese, which have no spaces."""
    edge = "" if lang in ("zh", "ja") else r"\b"
    return re.compile(edge + re.escape(word) + edge, re.IGNORECASE)


_COMPILED = {lang: [(_pattern(k, lang), v) for k, v in pairs] for lang, pairs in _SYNONYMS.items()}
_FILLER = {
    "en": [
        "Quick task:",
        "Next one.",
        "Here's another item.",
        "Task:",
        "OK, new problem.",
        "For a project I'm working on:",
        "Continuing from before:",
        "Hi!",
        "Item below.",
    ],
    "zh": ["下一题：", "你好！", "新任务：", "请帮我看看这个：", "继续："],
    "ru": ["Следующее задание:", "Привет!", "Новая задача:", "Продолжаем:"],
    "ja": ["次の問題です。", "こんにちは。", "新しいタスク："],
    "es": ["Siguiente tarea:", "¡Hola!", "Nuevo problema:"],
    "de": ["Nächste Aufgabe:", "Hallo!", "Neues Problem:"],
}
_POLITE = {
    "en": [
        " Thanks!",
        " Thank you in advance.",
        " Much appreciated.",
        " Please be thorough.",
        " I appreciate your help.",
    ],
    "zh": ["谢谢！", "辛苦了。", "麻烦了，谢谢。"],
    "ru": [" Спасибо!", " Заранее спасибо.", " Буду благодарен."],
    "ja": ["よろしくお願いします。", "ありがとうございます。"],
    "es": [" ¡Gracias!", " Te lo agradezco."],
    "de": [" Danke!", " Vielen Dank im Voraus."],
}
_HEADERS = {
    "en": ["Instructions:", "Requirements:", "Rules:", "Please follow these steps:"],
    "zh": ["要求：", "说明："],
    "ru": ["Требования:", "Инструкции:"],
    "ja": ["要件："],
    "es": ["Instrucciones:"],
    "de": ["Anforderungen:"],
}
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s*")
_LEX = lexicon("paraphrase")
_CLAUSES: dict[str, dict[str, tuple[Spintax, ...]]] = {
    lang: {part: templates(sources) for part, sources in bank.items()}
    for lang, bank in _LEX["clauses"].items()
}
_LAYOUT_HEADERS: dict[str, list[str]] = _LEX["headers"]


@dataclass(frozen=True, slots=True)
class Style:
    """How often each operator fires; drawn once per campaign (or per benign writer)."""

    synonyms: float
    reorder: float
    number: float
    polite: float
    filler: float
    switch: float
    after: float
    lower: float
    typo: float
    frames: tuple[float, ...]

    @classmethod
    @cache
    def from_seed(cls, seed: int) -> Style:
        r = random.Random(seed)
        weights = [r.random() ** 2 + 0.05 for _ in range(6)]
        total = sum(weights)
        return cls(
            synonyms=r.uniform(0.3, 0.8),
            reorder=r.uniform(0.1, 0.4),
            number=r.uniform(0.05, 0.3),
            polite=r.uniform(0.1, 0.5),
            filler=r.uniform(0.1, 0.5),
            switch=r.uniform(0.05, 0.2),
            after=r.uniform(0.1, 0.35),
            lower=r.uniform(0.0, 0.15),
            typo=r.uniform(0.0, 0.1),
            frames=tuple(w / total for w in weights),
        )


def independent_style(r: random.Random) -> Style:
    """A style for one request only (the paraphrase adversary); clause order and layout are
    left to :func:`rewrite`."""
    weights = [r.random() + 0.05 for _ in range(6)]
    total = sum(weights)
    return Style(
        synonyms=r.uniform(0.5, 0.95),
        reorder=0.0,
        number=0.0,
        polite=r.uniform(0.0, 0.4),
        filler=r.uniform(0.0, 0.3),
        switch=r.uniform(0.05, 0.2),
        after=r.uniform(0.1, 0.5),
        lower=r.uniform(0.0, 0.15),
        typo=r.uniform(0.0, 0.15),
        frames=tuple(w / total for w in weights),
    )


def rewrite(r: random.Random, text: str, lang: str) -> str:
    """Reword one instruction independently of every other: synonyms, shuffled clauses,
    one to three inserted context or constraint clauses, an opener or closer, a layout."""
    bank = _CLAUSES.get(lang, _CLAUSES["en"])
    parts = sentences(swap_synonyms(r, text, lang, r.uniform(0.5, 0.95)))
    if len(parts) > 1 and r.random() < 0.6:
        r.shuffle(parts)
    for _ in range(r.randint(1, 3)):
        pool = bank["context"] if r.random() < 0.5 else bank["constraints"]
        parts.insert(r.randint(0, len(parts)), r.choice(pool).render(r))
    if r.random() < 0.6:
        parts.insert(0, r.choice(bank["openers"]).render(r))
    if r.random() < 0.5:
        parts.append(r.choice(bank["closers"]).render(r))
    return _layout(r, parts, lang)


def reword_task(r: random.Random, text: str, lang: str) -> str:
    """The task itself as a paraphrasing attacker would send it: synonyms, and a context
    clause before it or a constraint after it (or both), in the same paragraph."""
    bank = _CLAUSES.get(lang, _CLAUSES["en"])
    parts = [swap_synonyms(r, text, lang, 0.8)]
    if r.random() < 0.6:
        parts.insert(0, r.choice(bank["context"]).render(r))
    if len(parts) == 1 or r.random() < 0.6:
        parts.append(r.choice(bank["constraints"]).render(r))
    return ("" if lang in ("zh", "ja") else " ").join(parts)


def _layout(r: random.Random, parts: list[str], lang: str) -> str:
    """Run-on text, one clause a line, a numbered or dashed list, or a headed list."""
    k = r.randrange(5)
    if k == 0:
        return ("" if lang in ("zh", "ja") else " ").join(parts)
    if k == 1:
        return "\n".join(parts)
    if k == 2:
        return "\n".join(f"{i}. {p}" for i, p in enumerate(parts, 1))
    if k == 3:
        return "\n".join(f"- {p}" for p in parts)
    header = r.choice(_LAYOUT_HEADERS.get(lang, _LAYOUT_HEADERS["en"]))
    return header + "\n" + "\n".join(f"{i}) {p}" for i, p in enumerate(parts, 1))


def swap_synonyms(r: random.Random, text: str, lang: str, p: float) -> str:
    for pattern, options in _COMPILED.get(lang, ()):
        if r.random() < p:
            text = _Swap(r.choice(options)).apply(pattern, text)
    return text


@dataclass(frozen=True, slots=True)
class _Swap:
    """Replace matches by ``word``, keeping a capitalised match capitalised."""

    word: str

    def apply(self, pattern: re.Pattern[str], text: str) -> str:
        return pattern.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        if match.group(0)[:1].isupper():
            return self.word[:1].upper() + self.word[1:]
        return self.word


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text.strip()) if s]


def reorder(r: random.Random, text: str) -> str:
    """Swap two adjacent non-initial sentences (keeps the opening clause first)."""
    parts = sentences(text)
    if len(parts) < 3:
        return text
    i = r.randrange(1, len(parts) - 1)
    parts[i], parts[i + 1] = parts[i + 1], parts[i]
    return " ".join(parts)


def numbered(r: random.Random, text: str, lang: str) -> str:
    parts = sentences(text)
    if len(parts) < 2:
        return text
    bullet = r.choice(("num", "dash"))
    lines = [f"{i}. {s}" if bullet == "num" else f"- {s}" for i, s in enumerate(parts, 1)]
    header = r.choice(_HEADERS.get(lang, _HEADERS["en"]))
    return header + "\n" + "\n".join(lines)


def typo(r: random.Random, text: str) -> str:
    words = text.split(" ")
    cands = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not cands:
        return text
    i = r.choice(cands)
    w = words[i]
    j = r.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def frame(r: random.Random, label: str, content: str, weights: tuple[float, ...]) -> str:
    """Wrap one payload block: plain, labelled, markdown, XML tag, quoted or ruled."""
    k = r.choices(range(6), weights)[0]
    tag = re.sub(r"\W+", "_", label.lower()).strip("_") or "input"
    if k == 0:
        return content
    if k == 1:
        return f"{label}: {content}"
    if k == 2:
        return f"### {label}\n{content}"
    if k == 3:
        return f"<{tag}>\n{content}\n</{tag}>"
    if k == 4:
        return f'{label}:\n"""\n{content}\n"""'
    return f"{label}\n---\n{content}\n---"


def compose(
    r: random.Random,
    instruction: str,
    blocks: list[tuple[str, str]],
    lang: str,
    style: Style,
) -> str:
    """Apply the operators to ``instruction`` and lay it out with its payload blocks."""
    text = swap_synonyms(r, instruction, lang, style.synonyms)
    if r.random() < style.reorder:
        text = reorder(r, text)
    if r.random() < style.number:
        text = numbered(r, text, lang)
    if r.random() < style.polite:
        text += r.choice(_POLITE.get(lang, _POLITE["en"]))
    if r.random() < style.lower and lang == "en":
        text = text.lower()
    if r.random() < style.typo and lang == "en":
        text = typo(r, text)
    body = "\n\n".join(frame(r, label, content, style.frames) for label, content in blocks)
    if not body:
        out = text
    elif r.random() < style.after:
        out = f"{body}\n\n{text}"
    else:
        out = f"{text}\n\n{body}"
    if r.random() < style.filler:
        out = r.choice(_FILLER.get(lang, _FILLER["en"])) + "\n" + out
    return out
