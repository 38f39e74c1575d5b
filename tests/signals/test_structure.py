"""Structural flags: language, output-maximising asks, requested format, tool hashes."""

from __future__ import annotations

import pytest

from distillguard.signals.structure import FORMATS, LANGS, tools_hash
from tests.signals.signals_testkit import KEY, OTHER_KEY, texts


def _lang(text: str) -> str:
    return LANGS[int(texts([text]).lang[0])]


def _flags(text: str) -> tuple[bool, str]:
    sig = texts([text])
    return bool(sig.output_max[0]), FORMATS[int(sig.format_req[0])]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("How do I make my sourdough bread rise better in a cold kitchen?", "en"),
        ("请问如何提高学习效率？有哪些具体的方法可以推荐给我", "zh"),
        ("Как улучшить качество сна и быстрее засыпать вечером?", "ru"),
        ("¿Cuál es la mejor manera de aprender a programar desde cero?", "es"),
        ("東京でおすすめのラーメン屋さんを教えてください。", "ja"),
        ("Wie kann ich meine Kreditkarte für Zahlungen im Ausland freischalten?", "de"),
        ("Comment est-ce que je peux améliorer mon français rapidement ?", "fr"),
        ("서울에서 가볼 만한 곳을 추천해 주세요", "ko"),
        ("ما هي أفضل طريقة لتعلم اللغة العربية؟", "ar"),
        ("Qual è il modo migliore per imparare questa lingua?", "other"),
        ("def f(x): return x * 2", "en"),
        ("1234 + 5678 = ?", "other"),
        ("", "other"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert _lang(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "Explain quantum tunnelling as detailed as possible.",
        "Write an essay of at least 2000 words on the French revolution.",
        "Summarise the plot, but do not summarize the ending.",
        "Solve it and include every step of the derivation.",
        "请尽可能详细地解释光合作用的过程。",
        "写一篇关于人工智能的文章，至少3000字。",
        "Объясни теорию относительности как можно подробнее.",
        "Напиши рассказ не менее 1000 слов о море.",
    ],
)
def test_output_max_detected(text: str) -> None:
    assert _flags(text)[0]


@pytest.mark.parametrize(
    "text",
    [
        "Explain quantum tunnelling briefly.",
        "I read at least two books last year, any suggestions?",
        'My teacher wrote "as detailed as possible" on my essay, what does she mean?',
        "请简单介绍一下光合作用。",
        "Кратко объясни теорию относительности.",
    ],
)
def test_output_max_not_detected(text: str) -> None:
    assert not _flags(text)[0]


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("List three fruits and reply in JSON.", "json"),
        ("Write a Python function that reverses a list.", "code"),
        ("Explain step by step how to change a tire.", "steps"),
        ("Compare cats and dogs in a table.", "markdown"),
        ("What is the capital of France?", "none"),
        ("Write a function that returns the steps as JSON.", "json"),  # json beats code/steps
        ("用JSON格式输出三种水果。", "json"),
        ("请写一个函数计算斐波那契数列。", "code"),
        ("请一步一步地解释如何换轮胎。", "steps"),
        ("请用表格比较猫和狗。", "markdown"),
        ("Напиши функцию сортировки массива.", "code"),
        ("Объясни пошагово, как заменить колесо.", "steps"),
        ("Сравни кошек и собак, ответ дай таблицей.", "markdown"),
    ],
)
def test_requested_format(text: str, fmt: str) -> None:
    assert _flags(text)[1] == fmt


def test_tools_hash_is_keyed_and_order_insensitive() -> None:
    assert tools_hash(None, KEY) == 0
    assert tools_hash([], KEY) == 0
    assert tools_hash(["", " "], KEY) == 0
    a = tools_hash(["search", "calculator"], KEY)
    assert a == tools_hash(["calculator", "search", "search"], KEY)
    assert a != tools_hash(["calculator"], KEY)
    assert a != tools_hash(["search", "calculator"], OTHER_KEY)
    assert a != 0
