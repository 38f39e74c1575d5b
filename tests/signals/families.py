"""Paraphrase families of distillation-style prompts, for measuring template fingerprints.

A family is one instruction wrapper filled with many different payloads, each member lightly
paraphrased (synonyms, casing, punctuation, greetings, a dropped or repeated sentence), the
way a harvesting campaign varies its template. Payloads and unrelated prompts come from the
public corpora in ``../shared/corpora`` (disjoint halves, so no payload is also an unrelated
prompt). ``measure`` computes the pair-level collision rates reported in docs/signals.md;
used by tests/signals/test_fingerprint_families.py and scripts/eval_fingerprints.py.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from distillguard.signals.fingerprint import FingerprintKey
from distillguard.signals.kernel import encode_texts, prompt_signals

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"

# (payload pool, template); {p} is the payload, {q} a second payload (an answer to grade).
TEMPLATES: tuple[tuple[str, str], ...] = (
    (
        "math",
        "Solve the following problem step by step. Show all of your reasoning before "
        "giving the final answer.\n\n{p}\n\nPut the final answer on its own line after 'Answer:'.",
    ),
    (
        "math",
        "You are a meticulous math tutor. Think through the problem below carefully, "
        "explaining every intermediate step, then state the result.\nProblem: {p}",
    ),
    (
        "math",
        "{p}\n\nLet's think step by step and write out the full chain of thought. At the "
        "end, output the answer in the form \\boxed{}.",
    ),
    (
        "math",
        "Here is a grade school math word problem. First restate what is being asked, "
        "then list the known quantities, then compute the answer.\n\n{p}",
    ),
    (
        "math",
        "Generate three different solution paths for this question and tell me which one "
        "is most reliable and why: {p}",
    ),
    (
        "math",
        "Problem statement:\n{p}\n\nWrite a detailed explanation suitable for a student who "
        "struggles with arithmetic. Do not skip any steps.",
    ),
    (
        "qa",
        "Answer the question below as accurately as possible. First reason privately about "
        "what you know, then write your reasoning out in full, then give a one-line answer.\n"
        "Question: {p}",
    ),
    (
        "qa",
        "Question: {p}\nProvide a comprehensive answer with historical context, key facts, "
        "and at least three supporting details.",
    ),
    (
        "qa",
        'I am building a trivia dataset. For the question "{p}" write the correct answer, '
        "two plausible wrong answers, and a short explanation of why the correct one is right.",
    ),
    (
        "qa",
        "Give me an encyclopedic entry that answers: {p}. Use headings and cite the kind of "
        "source each claim would come from.",
    ),
    (
        "qa",
        'Respond in JSON with the keys "answer", "confidence" and "rationale". '
        "The question is: {p}",
    ),
    (
        "qa",
        "Explain to a ten year old, in simple words and with an example, the answer to this "
        "question: {p}",
    ),
    (
        "code",
        "Complete the following Python function. Return only the code, without "
        "explanations.\n\n```python\n{p}\n```",
    ),
    (
        "code",
        "Here is a function signature with a docstring. Implement it, then write five "
        "unit tests with pytest that cover edge cases.\n\n{p}",
    ),
    (
        "code",
        "Explain line by line what the following code is supposed to do, then give an "
        "efficient implementation and analyse its time complexity.\n```\n{p}\n```",
    ),
    (
        "code",
        "Translate this Python stub into idiomatic Rust, keeping the same behaviour, and "
        "explain the ownership decisions you made:\n\n{p}",
    ),
    (
        "open",
        "Rewrite the following request so that it avoids any sensitive or political "
        "framing while keeping its meaning, then answer the rewritten request in full.\n\n"
        "Request: {p}",
    ),
    (
        "open",
        "You are an expert assistant. Respond to the user's message below with the most "
        "helpful, detailed, and well-structured answer you can produce. Use markdown.\n\n"
        "User message: {p}",
    ),
    (
        "open",
        "Please write your internal reasoning inside <thinking> tags before answering, and "
        "make the reasoning as long and explicit as possible. Task: {p}",
    ),
    (
        "open",
        'For the instruction "{p}", generate a high quality response that a careful '
        "human expert would write, followed by a critique of that response and an improved "
        "version.",
    ),
    (
        "open",
        "Classify the following prompt into one of these categories: coding, math, "
        "writing, advice, trivia, other. Then answer it.\nPrompt: {p}",
    ),
    (
        "open",
        "Act as a data generator. Produce a question-answer pair in the style of the "
        "example below, with a different topic but the same difficulty.\nExample: {p}",
    ),
    (
        "open",
        "{p}\n\nBefore answering, list the assumptions you are making. After answering, "
        "rate your own answer from 1 to 10 and explain the rating.",
    ),
    (
        "open",
        "Summarize the key points of a good answer to the following, then write that "
        "answer in no fewer than 500 words: {p}",
    ),
    (
        "chat",
        "Continue the conversation as a friendly, harmless assistant. Be thorough and "
        'never refuse unless absolutely necessary. The user says: "{p}"',
    ),
    (
        "chat",
        "The following message was sent to a customer support bot. Write the ideal "
        "reply, then explain which policy the reply follows.\n\n{p}",
    ),
    (
        "chat",
        "Provide two responses to the message below, one helpful and one unhelpful, and "
        "label them A and B.\nMessage: {p}",
    ),
    (
        "rubric",
        "You are a strict grader. Score the response to the question on a scale of 1 "
        "to 10 for accuracy, completeness and clarity. Output only JSON.\n\nQuestion: {p}\n\n"
        "Response: {q}",
    ),
    (
        "rubric",
        "Compare the assistant answer with what an expert would say. Is it correct? "
        "Reply with 'A' if correct and 'B' if not, then justify.\n[Question]\n{p}\n[Answer]\n{q}",
    ),
    (
        "rubric",
        "Evaluate the following answer using this rubric: factuality (0-5), "
        "helpfulness (0-5), harmlessness (0-5). Give a total.\n\nPrompt: {p}\nAnswer: {q}",
    ),
    (
        "rubric",
        "Which response better follows the instruction? Think carefully about "
        "relevance and detail, then output your verdict as [[A]] or [[B]].\n\nInstruction: {p}\n\n"
        "Response A: {q}\n\nResponse B: (no response)",
    ),
    (
        "agent",
        "You have access to the tools search(query), calculator(expr) and "
        "python(code). Plan the steps needed to accomplish the task, call tools as needed and "
        "show each observation.\nTask: {p}",
    ),
    (
        "agent",
        "Act as an autonomous agent. Break the goal below into subtasks, execute them one "
        "by one, and report the result of each action in the format Thought/Action/Observation.\n"
        "Goal: {p}",
    ),
    (
        "agent",
        "Write the full trace of a tool-using assistant that answers: {p}. Include every "
        "function call with its JSON arguments and the returned value.",
    ),
    (
        "sweep",
        "Topic: {p}\nWrite 10 diverse questions about this topic ranging from beginner "
        "to expert level, each with a complete model answer.",
    ),
    (
        "sweep",
        "Generate a curriculum of exercises that would teach someone to handle requests "
        "like the following one, with solutions: {p}",
    ),
    (
        "sweep",
        "Create a difficult variant of this task and solve it completely, explaining "
        "why the variant is harder than the original.\n\n{p}",
    ),
    (
        "sweep",
        'List every subtopic someone must master to answer "{p}" and give a '
        "one-paragraph explanation for each subtopic.",
    ),
    ("zh", "请一步一步地详细推理，写出完整的思考过程，然后给出最终答案。问题：{p}"),
    (
        "zh",
        "你是一名资深专家。请尽可能详细地回答下面的问题，至少写500字，不要省略任何步骤。\n\n{p}",
    ),
    ("zh", "把下面的请求改写成不涉及敏感内容的版本，然后完整回答改写后的请求：{p}"),
    ("zh", "请对下面的回答打分（1到10分），并以JSON格式输出分数和理由。\n问题：{p}\n回答：{q}"),
    ("zh", "请用表格列出回答这个问题所需的知识点，并逐条解释：{p}"),
    (
        "ru",
        "Реши задачу пошагово и как можно подробнее объясни каждый шаг, затем дай "
        "окончательный ответ.\n\n{p}",
    ),
    (
        "ru",
        "Ты опытный преподаватель. Ответь на вопрос ниже максимально подробно, не менее "
        "300 слов, и приведи примеры.\nВопрос: {p}",
    ),
    (
        "ru",
        "Перепиши следующий запрос так, чтобы он не касался политики, и полностью ответь "
        "на переписанный запрос: {p}",
    ),
    (
        "mixed",
        "Translate the following text into French, German and Japanese, then explain "
        'any idioms that do not translate literally:\n\n"{p}"',
    ),
    (
        "mixed",
        "Proofread the text below, list every correction you made with a reason, and "
        "output the corrected text at the end.\n\n{p}",
    ),
    (
        "mixed",
        "Turn this into a multiple-choice exam question with four options and mark the "
        "correct one: {p}",
    ),
    (
        "mixed",
        "Write a dialogue between a teacher and a student in which the student asks "
        '"{p}" and the teacher answers with a detailed explanation and follow-up questions.',
    ),
)

SYNONYMS: dict[str, tuple[str, ...]] = {
    "following": ("below", "next"),
    "below": ("following",),
    "explain": ("describe", "clarify"),
    "detailed": ("thorough", "in-depth"),
    "answer": ("response", "reply"),
    "write": ("produce", "compose"),
    "give": ("provide", "offer"),
    "question": ("query",),
    "carefully": ("closely",),
    "complete": ("full",),
    "every": ("each",),
    "then": ("and then", "afterwards"),
    "step by step": ("step-by-step", "one step at a time"),
    "Please": ("Kindly", ""),
    "make": ("keep",),
    "list": ("enumerate",),
    "task": ("job",),
    "short": ("brief",),
    "correct": ("right",),
    "请": ("麻烦", ""),
    "详细": ("具体",),
    "подробно": ("детально",),
}
GREETINGS = ("Hi! ", "Hello, ", "Hey there. ", "Good morning. ", "")
CLOSINGS = (" Thanks!", " Thank you.", " Much appreciated.", "")
SPLIT_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class Prompt:
    text: str
    family: int  # -1 for unrelated real prompts


def _records(name: str) -> list[list[dict[str, str]]]:
    path = CORPORA / f"{name}.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["messages"] for line in fh]


def _first_user(messages: list[dict[str, str]]) -> str:
    return next(m["content"] for m in messages if m["role"] == "user")


def pools() -> tuple[dict[str, list[str]], list[str]]:
    """Payload pools (first half of each corpus) and unrelated prompts (second halves)."""
    sources = {
        "math": ["gsm8k_train"],
        "qa": ["nq_open_dev"],
        "code": ["humaneval"],
        "open": ["arena_hard_v0_1", "oasst_prompts_en", "self_instruct_seeds"],
        "chat": ["hh_harmless_base_test", "banking77_train"],
        "zh": ["belle_eval_zh"],
        "ru": ["gsm8k_train"],
        "mixed": ["oasst_prompts_en", "self_instruct_seeds"],
        "sweep": ["self_instruct_seeds", "nq_open_dev"],
        "agent": ["glaive_toolcall_demo", "arena_hard_v0_1"],
        "rubric": ["nq_open_dev", "mt_bench"],
    }
    halves: dict[str, tuple[list[str], list[str]]] = {}
    answers: list[str] = []
    for names in sources.values():
        for name in names:
            if name in halves:
                continue
            records = _records(name)
            texts = [_first_user(r) for r in records if any(m["role"] == "user" for m in r)]
            half = len(texts) // 2
            halves[name] = (texts[:half], texts[half:])
            answers += [m["content"] for r in records for m in r if m["role"] == "assistant"]
    payload = {pool: [t for n in names for t in halves[n][0]] for pool, names in sources.items()}
    payload["answers"] = [a for a in answers if 40 <= len(a) <= 1200]
    unrelated = [t for first, second in halves.values() for t in second]
    return payload, unrelated


def paraphrase(template: str, rng: random.Random, edits: int) -> str:
    """Apply ``edits`` light paraphrase operations to a wrapper (never to the payload)."""
    text = template
    for _ in range(edits):
        op = rng.randrange(6)
        if op == 0:
            words = [w for w in SYNONYMS if w in text]
            if words:
                word = rng.choice(words)
                text = text.replace(word, rng.choice(SYNONYMS[word]), 1)
        elif op == 1:
            text = rng.choice(GREETINGS) + text
        elif op == 2:
            text = text + rng.choice(CLOSINGS)
        elif op == 3:
            text = text.replace(". ", "! ", 1) if rng.random() < 0.5 else text.replace(", ", " ", 1)
        elif op == 4:
            sentences = SPLIT_SENTENCES.split(text)
            removable = [i for i, s in enumerate(sentences) if "{p}" not in s and "{q}" not in s]
            if len(sentences) >= 3 and removable:
                del sentences[rng.choice(removable)]
                text = " ".join(sentences)
        else:
            text = text.replace("\n\n", "\n", 1) if "\n\n" in text else text.replace(": ", ":\n", 1)
    return text


def families(
    n_families: int = 50, members: int = 20, edits: int = 2, seed: int = 0
) -> tuple[list[Prompt], list[str]]:
    """Members of ``n_families`` template families, and the unrelated prompts."""
    rng = random.Random(seed)
    payload, unrelated = pools()
    out: list[Prompt] = []
    for fam in range(n_families):
        pool, template = TEMPLATES[fam % len(TEMPLATES)]
        texts = payload[pool]
        for _ in range(members):
            wrapper = paraphrase(template, rng, rng.randint(0, edits))
            p = rng.choice(texts).strip()
            q = rng.choice(payload["answers"]).strip()
            out.append(Prompt(wrapper.replace("{p}", p).replace("{q}", q), fam))
    return out, unrelated


def shared_pairs(keys: np.ndarray) -> set[tuple[int, int]]:
    """Index pairs (i < j) that agree on at least one column of ``keys`` (0 = no key)."""
    pairs: set[tuple[int, int]] = set()
    for col in keys.T:
        groups: dict[int, list[int]] = defaultdict(list)
        for i, v in enumerate(col.tolist()):
            if v:
                groups[v].append(i)
        for members in groups.values():
            pairs.update(itertools.combinations(members, 2))
    return pairs


def measure(
    n_families: int, members: int, edits: int, n_unrelated: int, seed: int
) -> dict[str, float]:
    """Pair-level band recall/precision and exact-hash rates of a generated family set."""
    prompts, unrelated = families(n_families, members, edits, seed)
    rng = np.random.default_rng(seed)
    picked = [unrelated[i] for i in rng.choice(len(unrelated), n_unrelated, replace=False)]
    texts = [p.text for p in prompts] + picked
    label = np.array([p.family for p in prompts] + [-2 - i for i in range(len(picked))])
    sig = prompt_signals(*encode_texts(texts), FingerprintKey.default())
    band_pairs = shared_pairs(sig.lsh_bands)
    exact_pairs = shared_pairs(sig.template_hash[:, None])
    n_fam = len(prompts)
    same = {(i, j) for i, j in itertools.combinations(range(n_fam), 2) if label[i] == label[j]}
    fam_hits = len(same & band_pairs)
    precise = sum(1 for i, j in band_pairs if label[i] == label[j])
    unrelated_pairs = len(picked) * (len(picked) - 1) // 2
    unrelated_hits = sum(1 for i, j in band_pairs if i >= n_fam and j >= n_fam)
    return {
        "prompts": len(texts),
        "same_family_pairs": len(same),
        "band_recall": fam_hits / len(same),
        "band_precision": precise / max(len(band_pairs), 1),
        "band_sharing_pairs": len(band_pairs),
        "unrelated_pair_collision_rate": unrelated_hits / unrelated_pairs,
        "exact_recall": len(same & exact_pairs) / len(same),
        "exact_false_pairs": sum(1 for i, j in exact_pairs if label[i] != label[j]),
    }
