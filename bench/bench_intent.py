"""Intent classifier speed: batch texts/s on one core and single-call median latency.

Texts are what the product feeds the model: ``intent_text`` of real public prompts (arena,
oasst, hh, belle, mt_bench, self-instruct, humaneval) of 300-800 characters, padded from
neighbouring prompts when a prompt is shorter. Without /work/shared/corpora it falls back to
synthetic English/Chinese/Russian text of the same lengths.

    .venv/bin/python bench/bench_intent.py [--texts 30000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

import numpy as np

from distillguard.signals.intent import intent_text, load_intent_model

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SOURCES = (
    "arena_hard_v0_1",
    "oasst_prompts_en",
    "oasst_conversations_en",
    "hh_harmless_base_test",
    "belle_eval_zh",
    "mt_bench",
    "self_instruct_seeds",
    "humaneval",
)
LOW, HIGH = 300, 800


def realistic_texts(n: int, rng: random.Random) -> tuple[list[str], str]:
    """``n`` model inputs of 300-800 characters and a description of where they came from."""
    prompts: list[str] = []
    if CORPORA.exists():
        for name in SOURCES:
            with (CORPORA / f"{name}.jsonl").open(encoding="utf-8") as fh:
                for line in fh:
                    prompts += [m["content"] for m in json.loads(line)["messages"]]
        source = "public corpora"
    else:
        words = [
            "the",
            "model",
            "answer",
            "question",
            "模型",
            "回答",
            "问题",
            "модель",
            "ответ",
            "вопрос",
            "reasoning",
            "42",
        ]
        prompts = [" ".join(rng.choices(words, k=rng.randint(5, 150))) for _ in range(5000)]
        source = "synthetic words (corpora absent)"
    texts: list[str] = []
    while len(texts) < n:
        text = rng.choice(prompts)
        while len(text) < LOW:
            text += "\n" + rng.choice(prompts)
        texts.append(intent_text(None, text)[:HIGH])
    return texts, source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=30_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--singles", type=int, default=3_000)
    args = parser.parse_args()
    rng = random.Random(0)
    model = load_intent_model()
    texts, source = realistic_texts(args.texts, rng)
    model.predict_proba(texts[:100])  # build the character table outside the timings
    rates, cpu_rates = [], []
    for _ in range(args.repeats):
        start, start_cpu = time.perf_counter(), time.thread_time()
        model.predict_proba(texts)
        cpu_rates.append(len(texts) / (time.thread_time() - start_cpu))
        rates.append(len(texts) / (time.perf_counter() - start))
    # Wall time, and CPU time of this thread: on a shared machine the latter is what the
    # classifier itself costs.
    singles, singles_cpu = [], []
    for text in texts[: args.singles]:
        start, start_cpu = time.perf_counter(), time.thread_time()
        model.predict_proba([text])
        singles_cpu.append(time.thread_time() - start_cpu)
        singles.append(time.perf_counter() - start)
    lengths = np.array([len(t) for t in texts])
    print(
        json.dumps(
            {
                "source": source,
                "texts": len(texts),
                "chars_mean": round(float(lengths.mean())),
                "chars_p10_p90": [int(np.percentile(lengths, 10)), int(np.percentile(lengths, 90))],
                "batch_texts_per_s_median": round(statistics.median(rates)),
                "batch_texts_per_s_best": round(max(rates)),
                "batch_texts_per_cpu_s_median": round(statistics.median(cpu_rates)),
                "single_call_us_median": round(statistics.median(singles) * 1e6, 1),
                "single_call_us_p90": round(float(np.percentile(singles, 90)) * 1e6, 1),
                "single_call_cpu_us_median": round(statistics.median(singles_cpu) * 1e6, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
