"""What people ask: everyday chat, step-by-step help, code questions, homework and office
work, in six languages, with follow-up turns.

Benign users also ask for reasoning ("explain step by step", "think step by step") and
use tools, so wording alone cannot separate them from harvesting traffic.
"""

from __future__ import annotations

import random

from distillguard.simulate.corpora import PromptBank
from distillguard.simulate.lexicon import lexicon, templates
from distillguard.simulate.tasks import Task, code_task, task

_LEX = lexicon("chat")
_EN_OPENERS = templates(_LEX["en_openers"])
_EN_SLOTS: dict[str, list[str]] = _LEX["en_slots"]
_EN_PAIRS: list[list[str]] = _LEX["en_pairs"]
_EN_FOLLOW = templates(_LEX["en_follow"])
_FOLLOW_X: list[str] = _LEX["follow_x"]
_XX_OPENERS: dict[str, list[str]] = _LEX["xx_openers"]
_XX_FOLLOW: dict[str, list[str]] = _LEX["xx_follow"]
_STEPWISE = {lang: templates(v) for lang, v in _LEX["stepwise"].items()}
_ERRORS: list[str] = _LEX["errors"]
_SNIPPETS: list[str] = _LEX["snippets"]
_CODE_HELP = templates(_LEX["code_help"])
_HOMEWORK = {lang: templates(v) for lang, v in _LEX["homework"].items()}
_WORK = {lang: templates(v) for lang, v in _LEX["work"].items()}
_ASSIGNMENT_DOMAINS = ("math", "math", "code", "logic", "science")


def _fill(text: str, slots: dict[str, str]) -> str:
    for key in sorted(slots, key=len, reverse=True):
        text = text.replace("$" + key, slots[key])
    return text


def opening(r: random.Random, lang: str, bank: PromptBank | None) -> str:
    """First message of an everyday chat; real corpus prompts when a bank is loaded."""
    if bank is not None and r.random() < 0.55:
        sources = ("oasst_prompts", "arena_hard", "nq_open") if lang == "en" else ("belle",)
        convs = bank.get(r.choice(sources)) if lang in ("en", "zh") else ()
        if convs:
            return r.choice(convs)[0][1]
    if lang != "en":
        return r.choice(_XX_OPENERS[lang])
    slots = {k: r.choice(v) for k, v in _EN_SLOTS.items()}
    slots["a"], slots["b"] = r.choice(_EN_PAIRS)
    return _fill(r.choice(_EN_OPENERS).render(r), slots)


def follow_up(r: random.Random, lang: str) -> str:
    if lang != "en":
        return r.choice(_XX_FOLLOW[lang])
    return r.choice(_EN_FOLLOW).render(r).replace("$x", r.choice(_FOLLOW_X))


def stepwise(r: random.Random, lang: str) -> tuple[str, Task]:
    """A genuine request for a step-by-step explanation (math, logic, science...)."""
    t = task(r, lang, r.choice(("math", "math", "logic", "science")) if lang == "en" else "math")
    return r.choice(_STEPWISE[lang]).render(r).replace("$task", t.text), t


def code_help(r: random.Random, lang: str) -> tuple[str, str]:
    """A debugging / review / how-to-code question; returns (text, function name)."""
    template = r.choice(_CODE_HELP)
    t = code_task(r, lang)
    slots = {"error": r.choice(_ERRORS), "code": r.choice(_SNIPPETS), "codetask": t.text}
    fname = t.text.split("`")[1] if t.text.count("`") >= 2 else "solve"
    return _fill(template.render(r), slots), fname


def homework(r: random.Random, lang: str, variant: int) -> tuple[str, Task]:
    """An assignment problem: the same problem for every student of a class in a week
    (seeded by ``variant``), phrased by each student in their own way."""
    problem = task(random.Random(variant), lang, _ASSIGNMENT_DOMAINS[variant % 5])
    frames = _HOMEWORK.get(lang, _HOMEWORK["en"])
    return r.choice(frames).render(r).replace("$task", problem.text), problem


def work(r: random.Random, lang: str) -> str:
    return r.choice(_WORK.get(lang, _WORK["en"])).render(r)
