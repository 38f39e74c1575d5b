"""Harvesting prompts: several template families per intent, each written in spintax and
passed through the paraphrase operators, wrapped around real-looking tasks.

Families follow publicly described distillation traffic: chain-of-thought elicitation
("imagine and articulate the internal reasoning behind a completed response"), rubric
grading (the model as reward model), censorship-safe rewrites, reasoning-trace
reconstruction, capability sweeps and non-English reasoning-trace coercion.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from distillguard.simulate import responses
from distillguard.simulate.corpora import PromptBank
from distillguard.simulate.kinds import Kind
from distillguard.simulate.lexicon import lexicon, templates
from distillguard.simulate.paraphrase import Style, compose, reword_task, rewrite
from distillguard.simulate.spintax import Spintax
from distillguard.simulate.tasks import Task, payload


@dataclass(frozen=True, slots=True)
class Family:
    """One way of asking for the same thing: instructions per language and a layout."""

    name: str
    layout: str  # task | task_answer | rubric | pair | sensitive | final | sweep | synth
    instructions: dict[str, tuple[Spintax, ...]]


_LEX = lexicon("harvest")
FAMILIES_BY_KIND: dict[Kind, tuple[Family, ...]] = {
    Kind[kind.upper()]: tuple(
        Family(
            f["name"],
            f["layout"],
            {lang: templates(v) for lang, v in f["instructions"].items()},
        )
        for f in fams
    )
    for kind, fams in _LEX["families"].items()
}
SENSITIVE: dict[str, list[str]] = _LEX["sensitive"]
_LABELS: dict[str, dict[str, list[str]]] = _LEX["labels"]
_CRITERIA: list[str] = _LEX["criteria"]
_SWEEP_SKILLS: list[str] = _LEX["sweep_skills"]
_DIFFICULTY: list[str] = _LEX["difficulty"]


@dataclass(frozen=True, slots=True)
class Harvest:
    """A rendered harvesting prompt plus what the answer should talk about."""

    prompt: str
    topic: str
    task: Task
    layout: str


def _label(r: random.Random, lang: str, key: str) -> str:
    return r.choice(_LABELS.get(lang, _LABELS["en"])[key])


def _instruction(r: random.Random, family: Family, lang: str, style: Style) -> tuple[str, str]:
    """Pick the instruction text and its language (maybe switched to another language)."""
    langs = list(family.instructions)
    use = lang if lang in family.instructions else langs[0]
    if len(langs) > 1 and r.random() < style.switch:
        use = r.choice([x for x in langs if x != use] or langs)
    return r.choice(family.instructions[use]).render(r), use


def render_harvest(
    r: random.Random,
    kind: Kind,
    family_index: int,
    lang: str,
    style: Style,
    bank: PromptBank | None,
    paraphrase: bool = False,
) -> Harvest:
    """One harvesting prompt of ``kind`` in family ``family_index`` (wrapped around);
    ``paraphrase`` (the adversary) rewrites the instruction and rewords the task shown."""
    families = FAMILIES_BY_KIND[kind]
    order = [families[(family_index + i) % len(families)] for i in range(len(families))]
    # Prefer the campaign's family, else the next one that is written in ``lang``.
    family = next((f for f in order if lang in f.instructions), order[0])
    instr, instr_lang = _instruction(r, family, lang, style)
    if paraphrase:
        instr = rewrite(r, instr, instr_lang)
    payload_lang = (
        lang
        if kind == Kind.REASONING_COERCION
        else (instr_lang if instr_lang != "en" and r.random() < 0.5 else "en")
    )
    t = payload(r, payload_lang, bank)
    topic = responses.topic_of(t.text, payload_lang)
    # What the prompt shows of the task: reworded too when every prompt is paraphrased.
    shown = reword_task(r, t.text, payload_lang) if paraphrase else t.text
    blocks: list[tuple[str, str]]
    lay = family.layout
    if lay == "task":
        blocks = [(_label(r, instr_lang, "task"), shown)]
    elif lay == "task_answer":
        answer = responses.worked_solution(r, payload_lang, t.text, t.answer, 500)
        blocks = [
            (_label(r, instr_lang, "task"), shown),
            (_label(r, instr_lang, "answer"), answer),
        ]
    elif lay == "rubric":
        crit = "\n".join(f"{i}. {c}" for i, c in enumerate(r.sample(_CRITERIA, r.randint(3, 5)), 1))
        cand = responses.short_answer(r, payload_lang, topic, t.answer)
        blocks = [
            (_label(r, instr_lang, "rubric"), crit),
            (_label(r, instr_lang, "task"), shown),
            (_label(r, instr_lang, "answer"), cand),
        ]
    elif lay == "pair":
        blocks = [
            (_label(r, instr_lang, "task"), shown),
            (_label(r, instr_lang, "a"), responses.short_answer(r, payload_lang, topic, t.answer)),
            (_label(r, instr_lang, "b"), responses.short_answer(r, payload_lang, topic, "")),
        ]
    elif lay == "sensitive":
        query = r.choice(SENSITIVE["zh" if instr_lang == "zh" else "en"])
        topic = responses.topic_of(query, instr_lang)
        shown = reword_task(r, query, instr_lang) if paraphrase else query
        blocks = [(_label(r, instr_lang, "query"), shown)]
        t = Task("politics", query, "")
    elif lay == "final":
        final = t.answer or responses.short_answer(r, payload_lang, topic, "")
        if family.name == "missing_reasoning_field":
            record = json.dumps({"question": shown, "reasoning": None, "final_answer": final})
            blocks = [(_label(r, instr_lang, "record"), record)]
        else:
            blocks = [
                (_label(r, instr_lang, "task"), shown),
                (_label(r, instr_lang, "final"), final),
            ]
    elif lay == "sweep":
        tag = (
            f"[{t.domain}/{r.choice(_SWEEP_SKILLS)}/{r.choice(_DIFFICULTY)}] #{r.randint(1, 99999)}"
        )
        instr = instr.replace("$domain", t.domain)
        blocks = [(tag, shown)]
    else:  # synth
        instr = instr.replace("$topic", topic)
        blocks = []
    return Harvest(compose(r, instr, blocks, instr_lang, style), topic, t, lay)
