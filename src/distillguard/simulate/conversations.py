"""Turn a planned session (kind, language, model, turns, variant, seed) into its dialogue.

Everything is derived from the session's own seed, so any request of a session can be
rendered alone — which is what lets chunks render in parallel with identical output.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from distillguard.simulate import agents, apps, chat, harvest, responses
from distillguard.simulate.corpora import PromptBank
from distillguard.simulate.dialogue import Dialogue, Step, step_with_reasoning, user
from distillguard.simulate.identity import LANGS
from distillguard.simulate.kinds import Kind
from distillguard.simulate.paraphrase import Style, independent_style


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """The planned fields a session's text depends on."""

    kind: int
    lang: int
    reasoning_model: bool
    turns: int
    variant: int
    seed: int
    paraphrase: bool = False  # the paraphrase adversary: every prompt reworded on its own


def _length(r: random.Random, median: float, cap: int = 6000) -> int:
    """Answer lengths vary lognormally around a median."""
    return min(cap, int(r.lognormvariate(0.0, 0.45) * median))


def build_dialogue(info: SessionInfo, bank: PromptBank | None) -> Dialogue:
    """The whole session's content; request ``k`` of the session is ``steps[k]``."""
    r = random.Random(info.seed)
    kind = Kind(info.kind)
    lang = LANGS[info.lang]
    n = max(1, info.turns)
    rm = info.reasoning_model
    para = info.paraphrase
    if kind in _CHATTY:
        return _chatty(r, kind, lang, n, info.variant, rm, bank)
    if kind == Kind.CHAT_TOOLS:
        return agents.tool_app(r, lang, n, bank, rm)
    if kind == Kind.AGENT_CODING:
        return agents.coding_agent(r, n, info.variant, rm, paraphrase=para)
    if kind == Kind.AGENT_TASK:
        return agents.task_agent(r, n, rm, paraphrase=para)
    if kind == Kind.DATA_ANALYSIS:
        return agents.data_analysis(r, n, rm, paraphrase=para)
    if kind in (Kind.SUPPORT_BOT, Kind.DOC_SUMMARY, Kind.PRODUCT_COPY):
        return _enterprise(r, kind, n, info.variant // 3, rm, bank)
    if kind == Kind.EVAL_ITEM:
        return _eval(info, rm, bank)
    return _harvest(r, kind, lang, n, info.variant, rm, bank, para)


_CHATTY = frozenset({Kind.CHAT, Kind.CHAT_STEPWISE, Kind.CODE_HELP, Kind.HOMEWORK, Kind.WORK_TASK})


def _chatty(
    r: random.Random,
    kind: Kind,
    lang: str,
    n: int,
    variant: int,
    rm: bool,
    bank: PromptBank | None,
) -> Dialogue:
    """Person-to-assistant conversations with follow-ups (real dialogues when available)."""
    if kind == Kind.CHAT and bank is not None and lang == "en" and r.random() < 0.35:
        real = _real_dialogue(r, bank, n, rm)
        if real is not None:
            return real
    if kind == Kind.CHAT:
        first = chat.opening(r, lang, bank)
        answer = responses.prose(r, lang, responses.topic_of(first, lang), _length(r, 500))
    elif kind == Kind.CHAT_STEPWISE:
        first, t = chat.stepwise(r, lang)
        answer = responses.worked_solution(r, lang, t.text, t.answer, _length(r, 500))
    elif kind == Kind.HOMEWORK:
        first, t = chat.homework(r, lang, max(variant, 0))
        answer = responses.worked_solution(r, lang, t.text, t.answer, _length(r, 500))
    elif kind == Kind.CODE_HELP:
        first, fname = chat.code_help(r, lang)
        answer = responses.code_answer(r, lang, fname, responses.topic_of(first, lang))
    else:
        first = chat.work(r, lang)
        answer = responses.prose(r, lang, responses.topic_of(first, lang), _length(r, 600))
    topic = responses.topic_of(first, lang)
    steps = [step_with_reasoning(r, (user(first),), answer, rm, first, lang)]
    for _ in range(n - 1):
        follow = chat.follow_up(r, lang)
        reply = responses.prose(r, lang, topic, _length(r, 300))
        steps.append(step_with_reasoning(r, (user(follow),), reply, rm, follow, lang))
    return Dialogue(None, (), tuple(steps))


def _real_dialogue(r: random.Random, bank: PromptBank, n: int, rm: bool) -> Dialogue | None:
    convs = bank.get(r.choice(("hh_harmless", "oasst_conversations")))
    if not convs:
        return None
    conv = [t for t in r.choice(convs) if t[0] in ("user", "assistant")]
    pairs = [
        (conv[i][1], conv[i + 1][1])
        for i in range(0, len(conv) - 1, 2)
        if conv[i][0] == "user" and conv[i + 1][0] == "assistant"
    ]
    if not pairs:
        return None
    steps = [step_with_reasoning(r, (user(u),), a, rm, u) for u, a in pairs[:n]]
    while len(steps) < n:
        follow = chat.follow_up(r, "en")
        steps.append(Step((user(follow),), responses.prose(r, "en", "that", _length(r, 700))))
    return Dialogue(None, (), tuple(steps))


def _enterprise(
    r: random.Random, kind: Kind, n: int, instance: int, rm: bool, bank: PromptBank | None
) -> Dialogue:
    """An app's conversation under its fixed system prompt (``instance`` picks the brand)."""
    steps: list[Step] = []
    if kind == Kind.SUPPORT_BOT:
        system = apps.support_system(r, instance)
        for _ in range(n):
            q, reply = apps.support_exchange(r, bank)
            steps.append(step_with_reasoning(r, (user(q),), reply, rm, q))
        return Dialogue(system, (), tuple(steps))
    if kind == Kind.DOC_SUMMARY:
        for _ in range(n):
            q = apps.legal_request(r)
            steps.append(step_with_reasoning(r, (user(q),), apps.legal_reply(r), rm, q))
        legal = apps.LEGAL_SYSTEM.format(brand=apps.brand("legal", instance))
        return Dialogue(legal, (), tuple(steps))
    for _ in range(n):
        q = apps.product_request(r)
        steps.append(step_with_reasoning(r, (user(q),), apps.product_reply(r, q), rm, q))
    product = apps.PRODUCT_SYSTEM.format(brand=apps.brand("product", instance))
    return Dialogue(product, (), tuple(steps))


def _eval(info: SessionInfo, rm: bool, bank: PromptBank | None) -> Dialogue:
    """Same prompts in every run (seeded by item); answers differ per run (variant)."""
    suite = info.variant % 4
    turns, topic, answer = apps.eval_item(random.Random(info.seed), suite, bank)
    r = random.Random(info.seed ^ (info.variant * 0x9E3779B1))
    steps = []
    for k, prompt in enumerate(turns[: max(1, info.turns)]):
        if suite == 0:
            reply = responses.worked_solution(r, "en", prompt, answer, _length(r, 1100))
            reply += f"\n\nThe answer is {answer or r.randint(1, 500)}."
        elif suite == 1:
            reply = responses.choice_answer(r, answer, topic)
        elif suite == 2:
            reply = responses.code_answer(r, "en", "solution", topic)
        else:
            reply = responses.prose(r, "en", topic, _length(r, 1500 if k == 0 else 500))
        steps.append(step_with_reasoning(r, (user(prompt),), reply, rm, prompt))
    return Dialogue(None, (), tuple(steps))


_PARTNER_KINDS = (Kind.COT_ELICIT, Kind.COT_ELICIT, Kind.RUBRIC_GRADE, Kind.CAPABILITY_SWEEP)


def _harvest(
    r: random.Random,
    kind: Kind,
    lang: str,
    n: int,
    variant: int,
    rm: bool,
    bank: PromptBank | None,
    paraphrase: bool,
) -> Dialogue:
    """Harvesting requests (and the licensed partner's look-alike pipeline).

    A campaign's fixed style gives its wording a recognisable habit; the paraphrase
    adversary instead draws a fresh style and rewrites every prompt on its own.
    """
    campaign = max(variant, 0) // 1000
    if kind == Kind.PARTNER_DISTILL:
        kind = r.choice(_PARTNER_KINDS)
        style = Style.from_seed(7_000_003)
        family = r.randrange(8)
    else:
        style = Style.from_seed(campaign * 131 + int(kind))
        family = variant % 1000 if variant >= 0 else r.randrange(8)
    steps = []
    for _ in range(n):
        if paraphrase:
            style = independent_style(r)
        h = harvest.render_harvest(r, kind, family, lang, style, bank, paraphrase)
        reply = _harvest_reply(r, h, lang)
        steps.append(step_with_reasoning(r, (user(h.prompt),), reply, rm, h.topic, lang))
    return Dialogue(None, (), tuple(steps))


def _harvest_reply(r: random.Random, h: harvest.Harvest, lang: str) -> str:
    """The model's answer to a harvesting prompt; elicited reasoning comes back visibly."""
    t = h.task
    if h.layout == "rubric":
        lines = [
            f"- Criterion {i}: {s}"
            for i, s in enumerate(responses.prose(r, "en", h.topic, 600).split("\n\n")[1:4], 1)
        ]
        return "\n".join(lines) + f"\n\nTotal score: {r.randint(2, 10)}/10"
    if h.layout == "pair":
        verdict = r.choice(("[[A]]", "[[B]]", "[[tie]]", "A", "B"))
        return responses.prose(r, "en", h.topic, _length(r, 900)) + f"\n\nVerdict: {verdict}"
    if h.layout == "sensitive":
        rewritten = f"Rewritten question: {responses.topic_of(t.text, lang)} — in neutral terms."
        return rewritten + "\n\n" + responses.prose(r, "en", h.topic, _length(r, 1200))
    if h.layout == "synth":
        parts = [
            f"**Question {i}.** {responses.topic_of(h.topic, 'en')} — variant {i}\n\n"
            + responses.worked_solution(r, "en", t.text, "", 400)
            for i in range(1, r.randint(4, 6))
        ]
        return "\n\n".join(parts)
    reply_lang = lang if lang in ("zh", "ru", "ja", "es") else "en"
    if h.layout == "final":
        return responses.reasoning(r, "en", h.topic, _length(r, 1600), t.answer)
    thinking = responses.reasoning(r, reply_lang, h.topic, _length(r, 1100), t.answer)
    answer = responses.worked_solution(r, reply_lang, t.text, t.answer, _length(r, 500))
    return f"{thinking}\n\n---\n\n{answer}"
