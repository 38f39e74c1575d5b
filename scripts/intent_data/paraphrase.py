"""Surface paraphrase operators applied to every rendered prompt, whatever its intent.

They vary what real traffic varies but what does not carry intent (politeness, output-format
requests, generic system prompts, prompt-format wrappers, casing, whitespace, typos). Because
benign prompts get them too, the model cannot use them as shortcuts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

POLITE_PREFIX = {
    "en": ["Please ", "Hi! ", "Hello, ", "Could you help? ", "Quick task: ", "Hey, ", ""],
    "zh": ["请", "你好，", "麻烦你，", "帮个忙：", "您好！", ""],
    "ru": ["Пожалуйста, ", "Привет! ", "Здравствуйте. ", "Помоги, пожалуйста: ", ""],
    "es": ["Por favor, ", "Hola, ", ""],
    "de": ["Bitte ", "Hallo, ", ""],
    "ja": ["お願いします。", "こんにちは。", ""],
}
POLITE_SUFFIX = {
    "en": [" Thanks!", " Thank you.", " Thanks in advance.", " :)", ""],
    "zh": ["谢谢！", "谢谢。", "多谢！", ""],
    "ru": [" Спасибо!", " Заранее спасибо.", ""],
    "es": [" ¡Gracias!", ""],
    "de": [" Danke!", ""],
    "ja": ["ありがとうございます。", ""],
}
FORMAT_SUFFIX = {
    "en": [
        "Answer in English.",
        "Use markdown.",
        "Be concise.",
        "Respond in JSON.",
        "Use bullet points where helpful.",
        "Keep it under 200 words.",
        "No preamble.",
    ],
    "zh": ["请用中文回答。", "用Markdown格式。", "请简洁回答。", "以JSON格式输出。", "不要废话。"],
    "ru": ["Отвечай по-русски.", "Используй markdown.", "Будь краток.", "Выведи в формате JSON."],
    "es": ["Responde en español.", "Sé breve.", "Usa markdown."],
    "de": ["Antworte auf Deutsch.", "Fasse dich kurz.", "Nutze Markdown."],
    "ja": ["日本語で答えてください。", "簡潔にお願いします。", "Markdownで書いてください。"],
}
GENERIC_SYSTEM = {
    "en": [
        "You are a helpful assistant.",
        "You are ChatGPT, a large language model.",
        "You are a helpful, harmless and honest AI assistant.",
        "You are an expert assistant. Answer accurately.",
        "Always answer in English.",
    ],
    "zh": [
        "你是一个有用的助手。",
        "你是一个人工智能助手，请认真回答用户的问题。",
        "请用中文回答。",
    ],
    "ru": ["Ты — полезный ассистент.", "Ты умный помощник, отвечай точно.", "Отвечай по-русски."],
    "es": ["Eres un asistente útil."],
    "de": ["Du bist ein hilfreicher Assistent."],
    "ja": ["あなたは親切なアシスタントです。"],
}
WRAPPERS = [
    "### Instruction:\n{}\n\n### Response:",
    "<|user|>\n{}\n<|assistant|>",
    "[INST] {} [/INST]",
    "Task:\n{}",
    '"""\n{}\n"""',
    "<instruction>\n{}\n</instruction>",
    "Human: {}\n\nAssistant:",
    "USER: {}\nASSISTANT:",
]
SPACED_LANGS = ("en", "ru", "es", "de")


@dataclass(frozen=True)
class Prompt:
    system: str | None
    user: str


def paraphrase(prompt: Prompt, lang: str, rng: random.Random, strength: float = 1.0) -> Prompt:
    """Apply each operator with a probability scaled by ``strength`` (0 leaves it unchanged)."""
    system, user = prompt.system, prompt.user

    def roll(p: float) -> bool:
        return rng.random() < p * strength

    if system is not None and roll(0.25):
        user, system = system + rng.choice(["\n\n", "\n", " "]) + user, None
    if roll(0.25):
        user = rng.choice(POLITE_PREFIX[lang]) + _lower_first(user, lang)
    if roll(0.2):
        user = user + rng.choice(POLITE_SUFFIX[lang])
    if roll(0.2):
        user = user + rng.choice(["\n", " ", "\n\n"]) + rng.choice(FORMAT_SUFFIX[lang])
    if system is None and roll(0.15):
        system = rng.choice(GENERIC_SYSTEM[lang])
    elif system is not None and roll(0.15):
        system = rng.choice(GENERIC_SYSTEM[lang]) + " " + system
    if roll(0.12):
        user = rng.choice(WRAPPERS).format(user)
    if roll(0.2):
        user = user.replace("\n\n", rng.choice(["\n", " ", "\n \n"]))
    if roll(0.15):
        user = rng.choice(["", " ", "\n"]) + user.strip() + rng.choice(["", " ", "\n", "\n\n"])
    if lang in SPACED_LANGS and roll(0.08):
        user = user.lower()
    if lang in SPACED_LANGS and roll(0.12):
        user = _typos(user, rng)
    return Prompt(system, user)


def _lower_first(text: str, lang: str) -> str:
    if lang in SPACED_LANGS and text[:1].isupper() and text[1:2].islower():
        return text[0].lower() + text[1:]
    return text


def _typos(text: str, rng: random.Random) -> str:
    """Swap, drop or double a letter in about 3% of the words longer than three letters."""
    words = text.split(" ")
    for i, w in enumerate(words):
        if len(w) > 3 and w.isalpha() and rng.random() < 0.03:
            j = rng.randrange(1, len(w) - 1)
            op = rng.randrange(3)
            if op == 0:
                w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            elif op == 1:
                w = w[:j] + w[j + 1 :]
            else:
                w = w[:j] + w[j] + w[j:]
            words[i] = w
    return " ".join(words)
