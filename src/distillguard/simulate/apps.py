"""Application traffic: enterprise apps with fixed system prompts (banking support, legal
summaries, templated product copy) and evaluation-harness benchmark items.

These are the high-volume, highly templated benign sources a template detector must not
confuse with harvesting.
"""

from __future__ import annotations

import random

from distillguard.simulate import responses
from distillguard.simulate.corpora import PromptBank
from distillguard.simulate.lexicon import lexicon, templates
from distillguard.simulate.tasks import code_task, math_task, task

_LEX = lexicon("apps")
SUPPORT_SYSTEM: str = _LEX["support_system"]
LEGAL_SYSTEM: str = _LEX["legal_system"]
PRODUCT_SYSTEM: str = _LEX["product_system"]
_BRANDS: dict[str, list[str]] = _LEX["brands"]
_PLANS: list[str] = _LEX["plans"]
_SUPPORT_INTENTS = templates(_LEX["support_intents"])
_SUPPORT_REPLIES: list[str] = _LEX["support_replies"]
_CLAUSES: list[str] = _LEX["clauses"]
_LAWS: list[str] = _LEX["laws"]
_PRODUCTS: list[str] = _LEX["products"]
_FEATURES: list[str] = _LEX["features"]
_TONES: list[str] = _LEX["tones"]
_MCQ_SUBJECTS: list[str] = _LEX["mcq_subjects"]
_CATEGORIES = ("Home", "Outdoor", "Kitchen", "Electronics", "Kids")
_EVAL_SUITES = ("gsm8k_cot", "mmlu_mcq", "humaneval", "mt_bench")


def brand(app: str, instance: int) -> str:
    """The product name of the ``instance``-th app of a type (its system prompt's identity)."""
    names = _BRANDS[app]
    return names[instance % len(names)]


def support_system(r: random.Random, instance: int) -> str:
    """The bank's fixed system prompt, with the per-conversation customer context."""
    return SUPPORT_SYSTEM.format(
        brand=brand("support", instance),
        plan=r.choice(_PLANS),
        country=r.choice(("GB", "GB", "GB", "IE", "FR", "ES")),
        app=f"{r.randint(7, 9)}.{r.randint(0, 30)}.{r.randint(0, 9)}",
    )


def support_exchange(r: random.Random, bank: PromptBank | None) -> tuple[str, str]:
    """A customer message and the bot's reply (real banking77 queries when loaded)."""
    intent = r.randrange(len(_SUPPORT_INTENTS))
    convs = bank.get("banking77") if bank is not None else ()
    if convs and r.random() < 0.7:
        query = r.choice(convs)[0][1]
    else:
        query = _SUPPORT_INTENTS[intent].render(r)
    extra = " Is there anything else I can help you with today?" if r.random() < 0.6 else ""
    return query, _SUPPORT_REPLIES[intent] + extra


def contract_excerpt(r: random.Random) -> str:
    start = r.randint(2, 14)
    chosen = r.sample(_CLAUSES, r.randint(3, 6))
    parts = [
        c.format(
            n=start + i,
            m=r.choice((6, 12, 24, 36)),
            d=r.choice((10, 30, 45, 60, 72)),
            p=r.choice(("1", "1.5", "2")),
            law=r.choice(_LAWS),
        )
        for i, c in enumerate(chosen)
    ]
    return "\n\n".join(parts)


def legal_request(r: random.Random) -> str:
    ask = r.choice(
        (
            "Summarise the key obligations and risks in the following clauses:",
            "Review these clauses from a vendor MSA and flag anything unusual:",
            "Please analyse the excerpt below (customer-side review):",
        )
    )
    return f"{ask}\n\n{contract_excerpt(r)}"


def legal_reply(r: random.Random) -> str:
    bullets = "\n".join(
        f"- {s}" for s in responses.body_sentences(r, "en", "this contract excerpt", 4)
    )
    risks = "\n".join(
        f"- {lvl}: clause {r.randint(2, 19)} — {s}"
        for lvl, s in zip(
            ("High", "Medium", "Low"),
            (
                "liability cap may be too low for data incidents",
                "termination for convenience favours the supplier",
                "assignment carve-out is standard",
            ),
            strict=True,
        )
    )
    return (
        f"## Summary\n{bullets}\n\n## Obligations\n- Customer -> pay invoices within the stated "
        f"period\n- Supplier -> protect confidential information and personal data\n\n## Risks\n"
        f"{risks}\n\n## Questions for counsel\n- Is the notice period acceptable for our "
        f"procurement cycle?\n- Should the breach-notification window be shortened?"
    )


def product_request(r: random.Random) -> str:
    feats = ", ".join(r.sample(_FEATURES, 3))
    return (
        f"Product: {r.choice(_PRODUCTS)}\nCategory: {r.choice(_CATEGORIES)}\n"
        f"Key features: {feats}\nPrice: €{r.randint(9, 189)}.{r.choice(('00', '50', '99'))}\n"
        f"Tone: {r.choice(_TONES)}\nLength: {r.choice((80, 100, 120, 150))} words\nLanguage: "
        f"{r.choice(('English', 'English', 'German'))}"
    )


def product_reply(r: random.Random, request: str) -> str:
    name = request.split("\n", 1)[0].removeprefix("Product: ")
    body = responses.prose(r, "en", name, 400).split("\n\n")[1]
    feats = request.split("\n")[2].removeprefix("Key features: ").split(", ")
    return f"{name} — made for everyday use\n\n{body}\n\n" + "\n".join(f"• {f}" for f in feats)


def eval_item(r: random.Random, suite: int, bank: PromptBank | None) -> tuple[list[str], str, str]:
    """Benchmark item of ``suite``: (user turns, topic, reference answer)."""
    name = _EVAL_SUITES[suite % len(_EVAL_SUITES)]
    if name == "gsm8k_cot":
        convs = bank.get("gsm8k") if bank is not None else ()
        if convs and r.random() < 0.8:
            question, answer = r.choice(convs)[0][1], ""
        else:
            t = math_task(r, "en")
            question, answer = t.text, t.answer
        shots = ""
        if r.random() < 0.5:
            demo = [math_task(r, "en") for _ in range(3)]
            shots = "".join(
                f"Question: {d.text}\nAnswer: Let's think step by step. ... The answer is "
                f"{d.answer}.\n\n"
                for d in demo
            )
        prompt = f"{shots}Question: {question}\nAnswer: Let's think step by step."
        return [prompt], responses.topic_of(question, "en"), answer
    if name == "mmlu_mcq":
        t = task(r, "en", r.choice(("science", "history", "law", "economics", "medicine")))
        opts = [responses.topic_of(s, "en") for s in responses.body_sentences(r, "en", "it", 4)]
        letters = "ABCD"
        body = "\n".join(f"{letters[i]}. {o}" for i, o in enumerate(opts))
        prompt = (
            f"The following is a multiple choice question about {r.choice(_MCQ_SUBJECTS)}. "
            f'Think step by step and then finish your answer with "Answer: X".\n\n{t.text}\n'
            f"{body}"
        )
        return [prompt], responses.topic_of(t.text, "en"), r.choice(letters)
    if name == "humaneval":
        convs = bank.get("humaneval") if bank is not None else ()
        if convs and r.random() < 0.8:
            stub = r.choice(convs)[0][1]
        else:
            t = code_task(r, "en")
            fname = t.text.split("`")[1] if t.text.count("`") >= 2 else "solution"
            stub = f'def {fname}(*args):\n    """{t.text}"""\n'
        prompt = f"Complete the following Python function.\n\n```python\n{stub}```"
        return [prompt], "the function", ""
    convs = bank.get("mt_bench") if bank is not None else ()
    if convs and r.random() < 0.8:
        turns = [c for _, c in r.choice(convs)][:2]
    else:
        t = task(r, "en", r.choice(("science", "history", "economics")))
        turns = [t.text, "Now rewrite your previous answer for a 10-year-old, in under 100 words."]
    while len(turns) < 2:
        turns.append("Summarise your previous answer in three bullet points.")
    return turns, responses.topic_of(turns[0], "en"), ""
