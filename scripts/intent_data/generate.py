"""Build the labelled train and held-out test sets for the intent classifier.

Train: every family not marked ``test`` rendered with train slot values, plus the train split
of each real benign corpus. Test: the held-out families rendered with held-out slot values,
plus the test split of each corpus (reported separately as per-corpus false-positive rates).

Contrastive payloads: for many training examples of a non-benign family, the payload that
was pasted into it (the question, the answer, the sensitive question, the agent task) is also
emitted on its own as benign, so the model learns that intent lives in the instruction and
not in the payload. Without it, plain maths problems look like chain-of-thought requests.
Everything is driven by seeded ``random.Random`` instances, so the output is deterministic.
"""

from __future__ import annotations

import functools
import json
import random
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from distillguard.signals.intent import intent_text

from . import corpora, fills
from .families_en import ALL as EN
from .families_intl import ALL as INTL
from .families_ru import ALL as RU
from .families_zh import ALL as ZH
from .family import Family
from .paraphrase import Prompt, paraphrase

FAMILIES: list[Family] = [*EN, *ZH, *RU, *INTL]
PER_FAMILY = {False: 150, True: 100}  # examples per family in train / test
# Real benign records per corpus in train; the big corpora would otherwise drown the rest.
CORPUS_CAP = 2500
PAYLOAD_SLOTS = ("q", "math", "a", "code", "sens", "stmt", "task", "text", "table", "error")
CONTRAST_P = 0.5
PAYLOAD_MAX = 700
SLOT_RE = re.compile(r"\{([a-z_0-9]+)\}")
ALT_RE = re.compile(r"⟨([^⟨⟩]*)⟩")
TRAJ_LABELS = {
    "en": ("Question", "Thought", "Action", "Action Input", "Observation"),
    "zh": ("问题", "思考", "行动", "行动输入", "观察"),
    "ru": ("Вопрос", "Мысль", "Действие", "Ввод действия", "Наблюдение"),
}
TRAJ_THOUGHTS = {
    "en": [
        "I need to find more information first.",
        "Let me check the result of that.",
        "The previous step failed, I should try another tool.",
        "I should search for this.",
    ],
    "zh": ["我需要先查找更多信息。", "让我检查一下结果。", "上一步失败了，换一个工具试试。"],
    "ru": [
        "Сначала нужно найти больше информации.",
        "Проверю результат.",
        "Предыдущий шаг не сработал, попробую другой инструмент.",
    ],
}
TRAJ_OBSERVATIONS = [
    "Found 3 results.",
    "Error: timeout",
    "200 OK",
    '{"status": "done"}',
    "No such file",
    "Page loaded.",
    "[1] link 'Next' [2] button 'Buy'",
    "exit code 1",
    "42",
]
RUBRIC_LINE = {
    "en": ["{i}. {c} ({p} points)", "- {c}: 1 = poor, 5 = excellent", "* {c} (weight {w}%)"],
    "zh": ["{i}. {c}（{p}分）", "- {c}：1分=差，5分=优"],
    "ru": ["{i}. {c} — {p} балла", "- {c}: 1 — плохо, 5 — отлично"],
    "es": ["{i}. {c} ({p} puntos)"],
    "de": ["{i}. {c} ({p} Punkte)"],
    "ja": ["{i}. {c}（{p}点）"],
}
LIST_SEP = {"zh": "、", "ja": "、"}
# Hand-written slot pools by language; English payload pools come from the corpora instead.
POOLS: dict[str, dict[str, list[str]]] = {
    "q": fills.QUESTION,
    "a": fills.ANSWER,
    "math": fills.MATH,
    "toolq": fills.TOOL_QUESTION,
    "topic": fills.TOPIC,
    "tasktype": fills.TASKTYPE,
    "sens": fills.SENSITIVE,
    "stmt": fills.STATEMENT,
    "task": fills.TASK,
    "criterion": fills.CRITERION,
    "scale": fills.SCALE,
    "country": fills.COUNTRY,
    "lang_name": fills.LANG_NAME,
    "product": fills.PRODUCT,
    "text": fills.TEXT,
    "persona": fills.PERSONA,
    "role": fills.ROLE,
    "job": fills.JOB,
    "rule": fills.RULE,
}


@dataclass(frozen=True)
class Example:
    text: str  # what the classifier sees: intent_text(system, user)
    intent: str
    lang: str
    source: str  # family name or corpus name


@dataclass(frozen=True)
class Dataset:
    train: list[Example]
    test: list[Example]  # held-out families
    corpus_test: dict[str, list[Example]]  # test split of each real benign corpus


class Slots:
    """Slot values for one split: hand-written pools plus real corpus payloads."""

    def __init__(self, records: dict[str, list[corpora.Record]], test: bool) -> None:
        self.test = test
        split = "test" if test else "train"

        def users(*names: str) -> list[str]:
            return [r.user for n in names for r in records[n] if r.split == split]

        def responses(*names: str) -> list[str]:
            return [
                resp for n in names for r in records[n] if r.split == split for resp in r.responses
            ]

        self.en = {
            "q": users(
                "oasst_prompts_en",
                "arena_hard_v0_1",
                "nq_open_dev",
                "mt_bench",
                "self_instruct_seeds",
                "hh_harmless_base_test",
                "oasst_conversations_en",
            ),
            "a": responses(
                "oasst_conversations_en", "hh_harmless_base_test", "glaive_toolcall_demo"
            ),
            "math": users("gsm8k_train"),
            "code": users("humaneval"),
            "bank": users("banking77_train"),
            "toolq": users("glaive_toolcall_demo"),
            "seed": users("self_instruct_seeds"),
        }
        self.belle = users("belle_eval_zh")

    def pool(self, name: str, lang: str) -> list[str]:
        if lang == "en" and name in self.en:
            return self.en[name]
        if name == "q" and lang == "zh":
            return fills.split(fills.QUESTION["zh"], self.test) + self.belle
        if name == "bank":  # support questions: banking77 in English, plain questions elsewhere
            return self.pool("q", lang)
        if name in ("code", "seed"):  # code and seed tasks exist in English only
            return self.en[name]
        values = POOLS[name].get(lang) or POOLS[name]["en"]
        return fills.split(values, self.test)


class Renderer:
    """Fills one template: alternatives, then slots (one value per slot name per example)."""

    def __init__(self, slots: Slots, lang: str, rng: random.Random) -> None:
        self.slots, self.lang, self.rng = slots, lang, rng
        self.values: dict[str, str] = {}
        self.tools: list[tuple[str, str, list[str]]] = []

    def render(self, template: str) -> Prompt:
        """Pick alternatives (innermost first), split off the system part, then fill slots."""
        text = template
        while ALT_RE.search(text):
            text = ALT_RE.sub(lambda m: self.rng.choice(m.group(1).split("|")), text)
        system, _, user = text.partition("|||") if "|||" in text else (None, "", text)
        fill = functools.partial(SLOT_RE.sub, lambda m: self.value(m.group(1)))
        return Prompt(fill(system).strip() if system is not None else None, fill(user).strip())

    def value(self, name: str) -> str:
        if name not in self.values:
            self.values[name] = self._make(name)
        return self.values[name]

    def _payload_lang(self) -> str:
        """Payloads are sometimes in another language than the instruction, as in real use."""
        if self.rng.random() < 0.15:
            return self.rng.choice(fills.LANGS)
        return self.lang

    def _pick(self, name: str, lang: str | None = None) -> str:
        return self.rng.choice(self.slots.pool(name, lang or self.lang))

    def _make(self, name: str) -> str:
        rng = self.rng
        makers: dict[str, Callable[[], str]] = {
            "q": lambda: _clip(self._pick("q", self._payload_lang())),
            "q2": lambda: _clip(self._pick("q", self._payload_lang())),
            "a": lambda: _clip(self._pick("a", self._payload_lang())),
            "b": lambda: _clip(self._pick("a", self._payload_lang())),
            "c": lambda: _clip(self._pick("a", self._payload_lang())),
            "math": lambda: _clip(self._pick("math", self._payload_lang())),
            "code": lambda: _clip(self._pick("code")),
            "bank": lambda: self._pick("bank"),
            "toolq": lambda: self._pick("toolq"),
            "text": lambda: self._pick("text"),
            "topic": lambda: self._pick("topic"),
            "topic2": lambda: self._pick("topic"),
            "tasktype": lambda: self._pick("tasktype"),
            "tasktype2": lambda: self._pick("tasktype"),
            "sens": lambda: self._pick("sens"),
            "stmt": lambda: self._pick("stmt"),
            "task": lambda: self._pick("task"),
            "scale": lambda: self._pick("scale"),
            "country": lambda: self._pick("country"),
            "lang_name": lambda: self._pick("lang_name"),
            "product": lambda: self._pick("product"),
            "role": lambda: self._pick("role"),
            "job": lambda: self._pick("job"),
            "rule": lambda: self._pick("rule"),
            "rule2": lambda: self._pick("rule"),
            "rule3": lambda: self._pick("rule"),
            "criterion": lambda: self._pick("criterion"),
            "criteria": lambda: self._join(self._sample("criterion", rng.randint(2, 4))),
            "rubric": self._rubric,
            "cats": lambda: self._listing(
                self._sample(rng.choice(["topic", "tasktype"]), rng.randint(3, 8))
            ),
            "personas": lambda: self._listing(self._sample("persona", rng.randint(3, 6))),
            "seeds": self._seeds,
            "n": lambda: str(rng.choice([10, 20, 25, 30, 40, 50, 100, 200, 500, 1000])),
            "k": lambda: str(rng.randint(2, 12)),
            "tools": self._tools_text,
            "toolnames": lambda: ", ".join(t[0] for t in self._chosen_tools()),
            "tool_json": self._tool_json,
            "traj": self._trajectory,
            "error": lambda: rng.choice(fills.split(fills.ERROR["en"], self.slots.test)),
            "snippet": lambda: rng.choice(fills.split(fills.SNIPPET["en"], self.slots.test)),
            "table": self._table,
        }
        if name not in makers:
            raise KeyError(f"unknown slot {{{name}}}")
        return makers[name]()

    def _sample(self, pool: str, k: int) -> list[str]:
        values = self.slots.pool(pool, self.lang)
        return self.rng.sample(values, min(k, len(values)))

    def _join(self, items: list[str]) -> str:
        return LIST_SEP.get(self.lang, ", ").join(items)

    def _listing(self, items: list[str]) -> str:
        style = self.rng.randrange(4)
        if style == 0:
            return "\n".join(f"{i}. {v}" for i, v in enumerate(items, 1))
        if style == 1:
            return "\n".join(f"- {v}" for v in items)
        if style == 2:
            return "\n".join(f"• {v}" for v in items)
        return self._join(items)

    def _rubric(self) -> str:
        lines = []
        fmt = self.rng.choice(RUBRIC_LINE[self.lang])
        for i, c in enumerate(self._sample("criterion", self.rng.randint(2, 5)), 1):
            p, w = self.rng.randint(1, 5), self.rng.choice([10, 20, 25, 30, 40])
            lines.append(fmt.format(i=i, c=c, p=p, w=w))
        return "\n".join(lines)

    def _seeds(self) -> str:
        pool = "seed" if self.lang == "en" else "q"
        values = self.slots.pool(pool, self.lang)
        items = [
            _clip(v, 200)
            for v in self.rng.sample(values, min(len(values), 3 + self.rng.randrange(4)))
        ]
        return self._listing(items)

    def _chosen_tools(self) -> list[tuple[str, str, list[str]]]:
        if not self.tools:
            pool = fills.split(fills.TOOLS["en"], self.slots.test)
            specs = self.rng.sample(pool, min(len(pool), self.rng.randint(2, 6)))
            self.tools = [_parse_tool(s) for s in specs]
        return self.tools

    def _tools_text(self) -> str:
        style = self.rng.randrange(3)
        tools = self._chosen_tools()
        if style == 0:
            return "\n".join(f"{n}: {d}" for n, d, _ in tools)
        if style == 1:
            return "\n".join(f"- {n}({', '.join(a)}): {d}" for n, d, a in tools)
        return "\n".join(f"> {n}: {d}" for n, d, _ in tools)

    def _tool_json(self) -> str:
        funcs = [
            {
                "name": n,
                "description": d,
                "parameters": {
                    "type": "object",
                    "properties": {a: {"type": "string"} for a in args},
                },
            }
            for n, d, args in self._chosen_tools()
        ]
        return json.dumps(funcs, ensure_ascii=False, indent=self.rng.choice([None, 2]))

    def _table(self) -> str:
        header, names = self.rng.choice(
            fills.TABLE_SCHEMAS.get(self.lang, fills.TABLE_SCHEMAS["en"])
        )
        rows = [header]
        for name in self.rng.sample(names, self.rng.randint(3, len(names))):
            numbers = [str(self.rng.randint(1, 500)) for _ in range(header.count(","))]
            rows.append(",".join([name, *numbers]))
        return "\n".join(rows)

    def _trajectory(self) -> str:
        labels = TRAJ_LABELS.get(self.lang, TRAJ_LABELS["en"])
        if self.lang in TRAJ_LABELS and self.rng.random() < 0.4:
            labels = TRAJ_LABELS["en"]
        thoughts = TRAJ_THOUGHTS.get(self.lang, TRAJ_THOUGHTS["en"])
        tools = self._chosen_tools()
        lines = [f"{labels[0]}: {self.value('task')}"]
        for _ in range(self.rng.randint(1, 3)):
            name, _, args = self.rng.choice(tools)
            arg = json.dumps({a: "..." for a in args})
            lines += [
                f"{labels[1]}: {self.rng.choice(thoughts)}",
                f"{labels[2]}: {name}",
                f"{labels[3]}: {arg}",
                f"{labels[4]}: {self.rng.choice(TRAJ_OBSERVATIONS)}",
            ]
        return "\n".join(lines)


def _parse_tool(spec: str) -> tuple[str, str, list[str]]:
    """'name(a: str, b: int) -> what' -> (name, what, [a, b])."""
    head, _, desc = spec.partition(" -> ")
    name, _, args = head.partition("(")
    arg_names = [a.split(":")[0].strip() for a in args.rstrip(")").split(",") if a.strip()]
    return name, desc or name.replace("_", " "), arg_names


def _clip(text: str, limit: int = PAYLOAD_MAX) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


def _seed(*parts: object) -> int:
    return zlib.crc32("/".join(str(p) for p in parts).encode())


def render_family(family: Family, slots: Slots, count: int, seed: int) -> list[Example]:
    rng = random.Random(_seed(seed, family.name))
    out = []
    for _ in range(count):
        renderer = Renderer(slots, family.lang, rng)
        prompt = paraphrase(renderer.render(rng.choice(family.templates)), family.lang, rng)
        text = intent_text(prompt.system, prompt.user)
        out.append(Example(text, family.intent, family.lang, family.name))
        payloads = [renderer.values[k] for k in PAYLOAD_SLOTS if k in renderer.values]
        if family.intent != "benign" and not slots.test and payloads and rng.random() < CONTRAST_P:
            bare = paraphrase(Prompt(None, rng.choice(payloads)), family.lang, rng, strength=0.5)
            out.append(
                Example(
                    intent_text(bare.system, bare.user),
                    "benign",
                    family.lang,
                    f"{family.name}/payload",
                )
            )
    return out


def corpus_examples(records: list[corpora.Record], split: str, seed: int) -> list[Example]:
    """Real benign prompts; a third of the train ones get surface paraphrases too."""
    rng = random.Random(_seed(seed, "corpus", split, records[0].corpus if records else ""))
    chosen = [r for r in records if r.split == split]
    if split == "train" and len(chosen) > CORPUS_CAP:
        chosen = rng.sample(chosen, CORPUS_CAP)
    lang = "zh" if chosen and chosen[0].corpus == "belle_eval_zh" else "en"
    out = []
    for r in chosen:
        prompt = Prompt(None, r.user)
        if split == "train" and rng.random() < 0.33:
            prompt = paraphrase(prompt, lang, rng)
        out.append(Example(intent_text(prompt.system, prompt.user), "benign", lang, r.corpus))
    return out


def build(root: Path, seed: int = 7) -> Dataset:
    records = corpora.load_all(root)
    slots = {split: Slots(records, split) for split in (False, True)}
    train: list[Example] = []
    test: list[Example] = []
    for family in FAMILIES:
        rows = render_family(family, slots[family.test], PER_FAMILY[family.test], seed)
        (test if family.test else train).extend(rows)
    for recs in records.values():
        train.extend(corpus_examples(recs, "train", seed))
    corpus_test = {name: corpus_examples(recs, "test", seed) for name, recs in records.items()}
    return Dataset(_dedupe(train), _dedupe(test), corpus_test)


def _dedupe(rows: list[Example]) -> list[Example]:
    seen: set[tuple[str, str]] = set()
    out = []
    for row in rows:
        key = (row.text, row.intent)
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out
