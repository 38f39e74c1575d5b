"""The per-request intent classifier: shipped model, API contract, featuriser invariants."""

from __future__ import annotations

import importlib
import pickle
import random
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.signals import intent
from distillguard.signals.intent import (
    FEATURE_KINDS,
    INTENTS,
    IntentModel,
    hash_features,
    intent_text,
    load_intent_model,
    model_from_arrays,
)

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT.parent / "shared" / "corpora"

# Written for this test, not taken from the training generator: unseen phrasings.
UNSEEN = [
    (
        "cot_elicitation",
        None,
        "What is the capital of Australia?\n\nBefore you reply, write out your complete "
        "reasoning process, every intermediate thought, inside <think> tags.",
    ),
    (
        "cot_elicitation",
        None,
        "Here is a solved problem and its answer. Reconstruct the hidden chain of thought that "
        "produced the answer, step by step.\nProblem: A shop sells 3 pens for $4. How much do 12 "
        "pens cost?\nAnswer: $16",
    ),
    (
        "cot_elicitation",
        None,
        "请展示你完整的思考过程，把每一个中间步骤都写出来，然后再回答：地球到月球有多远？",
    ),
    (
        "cot_elicitation",
        None,
        "Покажи весь ход своих рассуждений, каждый промежуточный шаг, и только потом дай ответ: "
        "сколько будет 17 * 23?",
    ),
    (
        "rubric_grading",
        None,
        "Rate the following answer from 1 to 10 for accuracy and helpfulness. Output only the "
        "number.\n\nQuestion: Why do cats purr?\nAnswer: Cats purr mostly when they are content.",
    ),
    (
        "rubric_grading",
        None,
        "问题：如何学习编程？\n回答A：多写代码，多看书。\n回答B：不用学。\n哪个回答更好？只输出A或B。",
    ),
    (
        "rubric_grading",
        None,
        "Оцени ответ ассистента по шкале от 1 до 5 по критериям полезности и точности. Выведи "
        "только оценку.\n\nВопрос: Что такое ВВП?\nОтвет: Валовой внутренний продукт.",
    ),
    (
        "censorship_rewrite",
        None,
        "Rewrite this question so that it complies with Chinese content regulations: What "
        "really happened in Tiananmen Square in 1989?",
    ),
    (
        "censorship_rewrite",
        None,
        "请把下面这段话改写成政治中立的版本，删除批评政府的内容：政府封锁了新闻网站并逮捕了记者。",
    ),
    (
        "censorship_rewrite",
        None,
        "Перепиши этот текст так, чтобы он не нарушал российское законодательство, убрав "
        "критику власти: Власти задержали участников антивоенного митинга.",
    ),
    (
        "agentic_trace",
        "You have access to the following tools:\nsearch: web search\ncalculator: math\n\n"
        "Use the format:\nThought: ...\nAction: ...\nAction Input: ...\nObservation: ...\n"
        "Final Answer: ...",
        "Question: How old is the president of France, squared?",
    ),
    (
        "agentic_trace",
        None,
        "以下是智能体的执行轨迹：\n思考：我需要先搜索。\n行动：search\n行动输入："
        '{"query": "北京天气"}\n观察：晴，25度\n请写出下一步的思考和行动。',
    ),
    (
        "agentic_trace",
        None,
        "Ты — агент, управляющий браузером. На каждом шаге выводи одно действие: click(x, y), "
        "type(текст) или DONE.\nЗадача: найти и купить самый дешёвый чайник.\nСледующее действие:",
    ),
    (
        "capability_sweep",
        None,
        "Generate 100 diverse questions that cover every subfield of biochemistry, from "
        "introductory to graduate level.",
    ),
    (
        "capability_sweep",
        None,
        "针对以下每个类别，各生成10条多样化的指令和参考答案：\n1. 数学\n2. 编程\n3. 法律\n4. 医学",
    ),
    (
        "capability_sweep",
        None,
        "Сгенерируй 50 разнообразных заданий по всем разделам физики в формате JSONL с полями "
        "instruction и output.",
    ),
    ("benign", None, "Can you recommend a good book about the history of Rome?"),
    (
        "benign",
        None,
        "Natalia sold clips to 48 of her friends in April, and half as many in May. How many "
        "clips did she sell altogether? Let's think step by step.",
    ),
    ("benign", None, "帮我写一封请假邮件，语气要正式一些。"),
    ("benign", None, "Как приготовить сырники на завтрак?"),
    (
        "benign",
        "You are a helpful assistant with access to the following functions: get_weather(city)",
        "What's the weather like in Paris today?",
    ),
    ("benign", None, "What happened in Tiananmen Square in 1989?"),
    ("benign", None, "Write a Python function that checks whether a string is a palindrome."),
]


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return load_intent_model()


def test_shipped_model_loads_once_with_the_schema_classes(model: IntentModel) -> None:
    assert load_intent_model() is model
    assert model.table.shape == (1 << model.bits, len(INTENTS))
    assert model.table.dtype == np.float32
    assert not model.table.flags.writeable and not model.bias.flags.writeable
    path = ROOT / "src" / "distillguard" / "signals" / intent.MODEL_RESOURCE
    assert path.stat().st_size <= 5 * 2**20


@pytest.mark.parametrize(("expected", "system", "user"), UNSEEN, ids=lambda v: str(v)[:30])
def test_classifies_unseen_prompts_in_english_chinese_and_russian(
    model: IntentModel, expected: str, system: str | None, user: str
) -> None:
    probs = model.predict_proba([intent_text(system, user)])[0]
    assert INTENTS[int(probs.argmax())] == expected, dict(zip(INTENTS, probs.round(2), strict=True))


def test_predict_proba_contract(model: IntentModel) -> None:
    texts = [intent_text(s, u) for _, s, u in UNSEEN]
    probs = model.predict_proba(texts)
    assert probs.shape == (len(texts), len(INTENTS))
    assert probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert (probs >= 0).all()
    assert model.predict_proba([]).shape == (0, len(INTENTS))
    assert model.predict_proba(tuple(texts[:2])).shape == (2, len(INTENTS))


def test_text_without_features_gets_the_prior(model: IntentModel) -> None:
    prior = np.exp(model.bias - model.bias.max())
    prior /= prior.sum()
    for text in ("", "   \n\t ", "\x00\x00"):
        np.testing.assert_allclose(model.predict_proba([text])[0], prior, rtol=1e-5)


def test_scores_do_not_depend_on_the_rest_of_the_batch(model: IntentModel) -> None:
    long_text = "Reconstruct the hidden reasoning step by step. " * 3000  # its own chunk
    texts = [intent_text(s, u) for _, s, u in UNSEEN] + ["", long_text, "x"]
    together = model.decision_function(texts)
    alone = np.vstack([model.decision_function([t]) for t in texts])
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-5)
    reversed_order = model.decision_function(texts[::-1])[::-1]
    np.testing.assert_allclose(together, reversed_order, rtol=1e-5, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=6))
def test_any_unicode_batch_is_scored_like_its_items(texts: list[str]) -> None:
    model = load_intent_model()
    together = model.decision_function(texts)
    alone = np.vstack([model.decision_function([t]) for t in texts])
    assert np.isfinite(together).all()
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-5)


def test_features_are_case_digit_and_whitespace_insensitive() -> None:
    a = hash_features(["Score the answer from 1 to 10"], 16)
    b = hash_features(["score  THE\nanswer from 7 to 42"], 16)
    assert sorted(a.buckets.tolist()) == sorted(b.buckets.tolist())
    c = hash_features(["score the answers from 1 to 10"], 16)
    assert sorted(a.buckets.tolist()) != sorted(c.buckets.tolist())


def test_feature_counts_per_kind() -> None:
    feats = hash_features(["ab cdefg", "", "你好"], 16)
    counts = dict(zip(FEATURE_KINDS, feats.counts.tolist(), strict=True))
    # tokens: "ab", "cdefg" | none | two ideographs; char windows only inside words
    assert counts["token"] == [2, 0, 2]
    assert counts["token_bigram"] == [2, 0, 2]
    assert counts["char3"] == [2 + 5, 0, 0]  # "_ab", "ab_" ; 5 windows over "_cdefg_"
    assert counts["char5"] == [3, 0, 0]  # "_cdef", "cdefg", "defg_"
    assert ((feats.buckets >= 0) & (feats.buckets < 1 << 16)).all()
    np.testing.assert_allclose(feats.scale, 1 / np.sqrt([14, 1, 4]))


def test_model_pickles_to_workers(model: IntentModel) -> None:
    clone = pickle.loads(pickle.dumps(model))
    texts = [intent_text(s, u) for _, s, u in UNSEEN[:5]]
    np.testing.assert_array_equal(clone.predict_proba(texts), model.predict_proba(texts))
    with pytest.raises(AttributeError):
        model.bits = 3  # type: ignore[misc]


def test_bad_input_is_rejected(model: IntentModel) -> None:
    with pytest.raises(TypeError, match="item 1 is int"):
        model.predict_proba(["ok", 5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not a single str"):
        model.predict_proba("a single prompt")
    bits = 4
    with pytest.raises(ValueError, match="differ from"):
        model_from_arrays(np.zeros((6, 1 << bits)), np.zeros(6), bits, INTENTS[::-1])
    with pytest.raises(ValueError, match="do not match"):
        model_from_arrays(np.zeros((5, 1 << bits)), np.zeros(6), bits, INTENTS)


def test_intent_text_keeps_head_and_tail_of_long_parts() -> None:
    assert intent_text(None, "short question") == "short question"
    assert intent_text("", "q") == "q"
    user = "A" * 600 + "M" * 5000 + "Z" * 200
    text = intent_text(None, user)
    assert text.startswith("A" * 600) and text.endswith("Z" * 200) and "M" not in text
    system = "S" * 300 + "x" * 1000 + "T" * 200
    combined = intent_text(system, "question")
    assert combined.startswith("S" * 300) and "x" not in combined
    assert combined.endswith(intent.SYSTEM_MARK + "question")
    assert len(intent_text(system, user)) < 1400


def _generator() -> ModuleType:
    """The offline training-data generator (scripts/intent_data), imported from its folder."""
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    return importlib.import_module("intent_data.generate")


def test_every_intent_has_train_and_held_out_families_in_en_zh_ru() -> None:
    generate = _generator()
    names = [f.name for f in generate.FAMILIES]
    assert len(names) == len(set(names))
    for lang in ("en", "zh", "ru"):
        for name in INTENTS:
            held = {f.test for f in generate.FAMILIES if f.lang == lang and f.intent == name}
            assert held == {False, True}, (lang, name)


@pytest.mark.skipif(not CORPORA.exists(), reason="public corpora not available")
def test_every_template_renders_without_leftover_markup() -> None:
    generate = _generator()
    records = generate.corpora.load_all(CORPORA)
    slots = {test: generate.Slots(records, test) for test in (False, True)}
    rng = random.Random(1)
    for family in generate.FAMILIES:
        for template in family.templates:
            # An unknown {slot} raises KeyError; alternatives and the system split must go.
            prompt = generate.Renderer(slots[family.test], family.lang, rng).render(template)
            for part in (prompt.system or "", prompt.user):
                assert "⟨" not in part and "⟩" not in part and "|||" not in part, family.name
            assert prompt.user, family.name


@pytest.mark.skipif(not CORPORA.exists(), reason="public corpora not available")
def test_real_search_and_support_queries_are_benign(model: IntentModel) -> None:
    corpora = _generator().corpora
    for name in ("nq_open_dev", "banking77_train"):
        texts = [
            intent_text(None, r.user) for r in corpora.load(CORPORA, name) if r.split == "test"
        ]
        flagged = model.predict_proba(texts).argmax(axis=1) != 0
        assert flagged.mean() < 0.01, name
