"""Real-looking tasks (math, code, science, law, history, economics, logic, medicine) in
several languages: the payloads that harvesting templates wrap and that students, eval
harnesses and curious users ask about.

Math problems are generated with numbers and a computed answer, so every rendering is new.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from distillguard.simulate.corpora import PromptBank
from distillguard.simulate.lexicon import lexicon, templates
from distillguard.simulate.spintax import Spintax


@dataclass(frozen=True, slots=True)
class Task:
    """A self-contained task; ``answer`` is a short final answer when one is known."""

    domain: str
    text: str
    answer: str


_LEX = lexicon("tasks")
_NAMES: dict[str, list[str]] = _LEX["names"]
_ITEMS: list[str] = _LEX["items"]
_JOBS: list[str] = _LEX["jobs"]


def _minus(v: int) -> str:
    """``- v`` written so a negative constant reads naturally (``+ 3`` not ``- -3``)."""
    return f"- {v}" if v >= 0 else f"+ {-v}"


def _num(x: Fraction | float | int) -> str:
    if isinstance(x, Fraction):
        return str(x.numerator) if x.denominator == 1 else f"{float(x):.2f}"
    if isinstance(x, float):
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return str(x)


def _en_math(r: random.Random, name: str) -> tuple[str, str]:
    k = r.randrange(12)
    a, b, c = r.randint(12, 96), r.randint(2, 30), r.randint(2, 9)
    if k == 0:
        item = r.choice(_ITEMS)
        return (
            f"{name} sold {a} {item} in April, and then sold {b} more in May than in April. "
            f"How many {item} did {name} sell altogether in April and May?",
            _num(a + a + b),
        )
    if k == 1:
        rate, mins = r.randint(9, 40), r.choice([35, 40, 45, 50, 75, 90, 110])
        return (
            f"{name} earns ${rate} an hour for {r.choice(_JOBS)}. Yesterday, {name} worked "
            f"{mins} minutes. How much did {name} earn?",
            _num(Fraction(rate * mins, 60)),
        )
    if k == 2:
        return (
            f"A train travels {a * c} km in {c} hours. At the same speed, how far will it "
            f"travel in {b} hours?",
            _num(a * b),
        )
    if k == 3:
        total = b * c + a
        return (
            f"{name} has {total} marbles and gives {b} to each of {c} friends. How many "
            f"marbles does {name} have left?",
            _num(a),
        )
    if k == 4:
        length, width = r.randint(5, 40), r.randint(3, 30)
        return (
            f"A rectangle has a perimeter of {2 * (length + width)} cm and a length of "
            f"{length} cm. What is its area in square centimetres?",
            _num(length * width),
        )
    if k == 5:
        price, pct, tax = r.randint(20, 400), r.choice([10, 15, 20, 25, 30]), r.choice([5, 8])
        final = Fraction(price) * (100 - pct) / 100 * (100 + tax) / 100
        return (
            f"A jacket costs ${price}. It is discounted by {pct}% and then a {tax}% sales tax "
            f"is added. What is the final price?",
            _num(final),
        )
    if k == 6:
        days = Fraction(c * a, b)
        return (
            f"If {c} workers can build a wall in {a} days, how many days would {b} workers "
            f"need, working at the same rate?",
            _num(days),
        )
    if k == 7:
        lo, hi = r.randint(1, 50), r.randint(60, 500)
        return (
            f"What is the sum of all integers from {lo} to {hi} inclusive?",
            _num((lo + hi) * (hi - lo + 1) // 2),
        )
    if k == 8:
        red, green, blue = r.randint(2, 9), r.randint(1, 9), r.randint(1, 9)
        n = red + green + blue
        p = Fraction(red, n) * Fraction(red - 1, n - 1)
        return (
            f"A bag contains {red} red, {green} green and {blue} blue balls. Two balls are "
            f"drawn without replacement. What is the probability that both are red?",
            f"{p.numerator}/{p.denominator}",
        )
    if k == 9:
        x = r.randint(-9, 12)
        a1, c1 = r.randint(2, 9), r.randint(10, 19)
        b1 = r.randint(1, 40)
        d1 = (c1 - a1) * x - b1
        return (f"Solve for x: {a1}x + {b1} = {c1}x {_minus(d1)}.", _num(x))
    if k == 10:
        p3, p2, p1, e = r.randint(1, 6), r.randint(1, 9), r.randint(1, 12), r.randint(1, 4)
        return (
            f"Find the derivative of f(x) = {p3}x^3 - {p2}x^2 + {p1}x - {a} and evaluate it "
            f"at x = {e}.",
            _num(3 * p3 * e * e - 2 * p2 * e + p1),
        )
    people = r.randint(4, 9)
    fact = 1
    for i in range(2, people):
        fact *= i
    return (f"In how many distinct ways can {people} people sit around a round table?", str(fact))


def _zh_math(r: random.Random, name: str) -> tuple[str, str]:
    a, b, c, d = r.randint(20, 90), r.randint(5, 40), r.randint(2, 6), r.randint(2, 5)
    k = r.randrange(4)
    if k == 0:
        return (
            f"{name}有{a}个苹果，又买了{b}个，然后分给{c}个朋友每人{d}个。{name}还剩多少个苹果？",
            _num(a + b - c * d),
        )
    if k == 1:
        return (
            f"一列火车{c}小时行驶{a * c}千米，按同样的速度，{d}小时能行驶多少千米？",
            _num(a * d),
        )
    if k == 2:
        length, width = r.randint(5, 30), r.randint(3, 20)
        return (
            f"一个长方形的周长是{2 * (length + width)}厘米，长是{length}厘米，"
            "它的面积是多少平方厘米？",
            _num(length * width),
        )
    x = r.randint(-5, 12)
    return (f"解方程：{c}x + {b} = {c + d}x {_minus(d * x - b)}", _num(x))


def _ru_math(r: random.Random, name: str) -> tuple[str, str]:
    a, b, c, d = r.randint(20, 90), r.randint(5, 40), r.randint(2, 6), r.randint(2, 5)
    k = r.randrange(4)
    if k == 0:
        return (
            f"У {name} было {a} яблок. {name} купил(а) ещё {b}, а потом раздал(а) по {d} "
            f"яблока {c} друзьям. Сколько яблок осталось?",
            _num(a + b - c * d),
        )
    if k == 1:
        return (
            f"Поезд проходит {a * c} км за {c} ч. Какое расстояние он пройдёт за {d} ч с той "
            f"же скоростью?",
            _num(a * d),
        )
    if k == 2:
        length, width = r.randint(5, 30), r.randint(3, 20)
        return (
            f"Периметр прямоугольника равен {2 * (length + width)} см, длина — {length} см. "
            f"Найдите его площадь.",
            _num(length * width),
        )
    x = r.randint(-5, 12)
    return (f"Решите уравнение: {c}x + {b} = {c + d}x {_minus(d * x - b)}.", _num(x))


def _es_math(r: random.Random, name: str) -> tuple[str, str]:
    a, b, c = r.randint(20, 90), r.randint(5, 40), r.randint(2, 6)
    k = r.randrange(3)
    if k == 0:
        return (
            f"{name} tenía {a + b * c} euros y compró {c} libros de {b} euros cada uno. "
            f"¿Cuánto dinero le queda?",
            _num(a),
        )
    if k == 1:
        return (
            f"Un coche recorre {a * c} km en {c} horas. ¿Cuántos km recorre en {b} horas a la "
            f"misma velocidad?",
            _num(a * b),
        )
    x = r.randint(-5, 12)
    return (f"Resuelve la ecuación: {c}x + {b} = {c + 3}x {_minus(3 * x - b)}.", _num(x))


def _de_math(r: random.Random, name: str) -> tuple[str, str]:
    a, b, c = r.randint(20, 90), r.randint(5, 40), r.randint(2, 6)
    k = r.randrange(3)
    if k == 0:
        return (
            f"{name} hat {a + b * c} Euro und kauft {c} Bücher zu je {b} Euro. Wie viel Geld "
            f"bleibt übrig?",
            _num(a),
        )
    if k == 1:
        return (
            f"Ein Zug fährt {a * c} km in {c} Stunden. Wie weit kommt er in {b} Stunden bei "
            f"gleicher Geschwindigkeit?",
            _num(a * b),
        )
    x = r.randint(-5, 12)
    return (f"Löse die Gleichung: {c}x + {b} = {c + 2}x {_minus(2 * x - b)}.", _num(x))


def _ja_math(r: random.Random, name: str) -> tuple[str, str]:
    a, b, c = r.randint(20, 90), r.randint(5, 40), r.randint(2, 6)
    k = r.randrange(3)
    if k == 0:
        return (
            f"{name}さんは{a + b * c}円持っています。"
            f"{b}円のノートを{c}冊買うと、いくら残りますか？",
            _num(a),
        )
    if k == 1:
        return (
            f"電車が{c}時間で{a * c}km進みます。同じ速さで{b}時間では何km進みますか？",
            _num(a * b),
        )
    x = r.randint(-5, 12)
    return (f"方程式を解きなさい：{c}x + {b} = {c + 2}x {_minus(2 * x - b)}", _num(x))


_MATH: dict[str, Callable[[random.Random, str], tuple[str, str]]] = {
    "en": _en_math,
    "zh": _zh_math,
    "ru": _ru_math,
    "es": _es_math,
    "de": _de_math,
    "ja": _ja_math,
}

_CODE_SPECS: list[list[str]] = _LEX["code_specs"]
_CODE_LANGS: list[str] = _LEX["code_langs"]
_EN_CODE = templates(_LEX["en_code"])
_XX_CODE: dict[str, list[list[str]]] = _LEX["xx_code"]
_XX_CODE_FRAME: dict[str, str] = _LEX["xx_code_frame"]
_SCIENCE_EN: dict[str, list] = _LEX["science"]
_SCIENCE_FRAMES = templates(_LEX["science_frames"])
_LOGIC_EN = templates(_LEX["logic"])
_XX_QUESTIONS: dict[str, list[str]] = _LEX["xx_questions"]
_BANKED: dict[str, list[str]] = {d: _LEX[d] for d in ("law", "history", "economics", "medicine")}

DOMAINS = ("math", "code", "science", "law", "history", "economics", "logic", "medicine")
_DOMAIN_WEIGHTS = (0.24, 0.22, 0.14, 0.08, 0.1, 0.08, 0.08, 0.06)


def _fill(template: Spintax, r: random.Random, slots: dict[str, str]) -> str:
    text = template.render(r)
    for key in sorted(slots, key=len, reverse=True):
        text = text.replace("$" + key, slots[key])
    return text


def math_task(r: random.Random, lang: str) -> Task:
    gen = _MATH.get(lang, _en_math)
    text, answer = gen(r, r.choice(_NAMES.get(lang, _NAMES["en"])))
    return Task("math", text, answer)


def code_task(r: random.Random, lang: str) -> Task:
    if lang in _XX_CODE:
        spec, fname = r.choice(_XX_CODE[lang])
        text = _XX_CODE_FRAME[lang].format(lang=r.choice(_CODE_LANGS), fname=fname, spec=spec)
        return Task("code", text, "")
    fname, spec = r.choice(_CODE_SPECS)
    slots = {"lang": r.choice(_CODE_LANGS), "fname": fname, "spec": spec}
    return Task("code", _fill(r.choice(_EN_CODE), r, slots), "")


def _logic_task(r: random.Random) -> Task:
    names = r.sample(_NAMES["en"], 3)
    m, big = r.randint(3, 9), r.choice([50, 100, 120, 300])
    cost = r.choice(["$1.10", "$1.20", "$1.30", "$1.50"])
    coins = r.choice([8, 9, 12, 27])
    slots = {
        "n1": names[0],
        "n2": names[1],
        "n3": names[2],
        "m": str(m),
        "big": str(big),
        "cost": cost,
        "coins": str(coins),
    }
    return Task("logic", _fill(r.choice(_LOGIC_EN), r, slots), "")


def _science_task(r: random.Random) -> Task:
    k = r.randrange(3)
    if k == 0:
        return Task(
            "science", _fill(_SCIENCE_FRAMES[0], r, {"why": r.choice(_SCIENCE_EN["why"])}), ""
        )
    if k == 1:
        return Task(
            "science", _fill(_SCIENCE_FRAMES[1], r, {"how": r.choice(_SCIENCE_EN["how"])}), ""
        )
    a, b = r.choice(_SCIENCE_EN["diff"])
    return Task("science", _fill(_SCIENCE_FRAMES[2], r, {"a": a, "b": b}), "")


def task(r: random.Random, lang: str, domain: str | None = None) -> Task:
    """A generated task in ``lang`` (any of LANGS), optionally from one domain."""
    if domain is None:
        domain = r.choices(DOMAINS, _DOMAIN_WEIGHTS)[0]
    if domain == "math":
        return math_task(r, lang)
    if domain == "code":
        return code_task(r, lang)
    if lang != "en":
        return Task(domain, r.choice(_XX_QUESTIONS[lang]), "")
    if domain == "science":
        return _science_task(r)
    if domain == "logic":
        return _logic_task(r)
    return Task(domain, r.choice(_BANKED[domain]), "")


def payload(r: random.Random, lang: str, bank: PromptBank | None) -> Task:
    """A task for a harvesting template; half the English ones come from a real task bank
    (GSM8K, HumanEval, self-instruct seeds) when one is loaded."""
    if bank is not None and lang == "en" and r.random() < 0.5:
        source = r.choice(("gsm8k", "gsm8k", "humaneval", "self_instruct"))
        convs = bank.get(source)
        if convs:
            text = r.choice(convs)[0][1]
            domain = {"gsm8k": "math", "humaneval": "code"}.get(source, "general")
            return Task(domain, text, "")
    return task(r, lang)
