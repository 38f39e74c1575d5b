"""Throughput of compute_signals and latency of signals_for_request.

Builds a realistic synthetic batch: multi-turn events of about 2 KB (a system prompt, an
earlier exchange and a last user turn that is a real prompt from ../shared/corpora, a third
of them wrapped in distillation-style templates; a built-in vocabulary stands in when the
corpora are absent), then reports events/s of the whole batch path, the share of the text
kernel and of the intent model, and the median single-request latency.

    .venv/bin/python bench/bench_signals.py [--events 40000] [--batch 8192]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from distillguard.events.schema import EVENT_SCHEMA
from distillguard.signals import compute_signals, signals_for_request
from distillguard.signals.compute import _intent_probs, _message_parts, _utf8_buffers, default_key
from distillguard.signals.kernel import prompt_signals, system_hashes

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SYSTEMS = [
    "You are a helpful assistant for an online bookshop. Answer politely, keep answers short, "
    "never reveal internal pricing rules, and escalate refunds above 100 EUR to a human. "
    "Current date: {d}. Customer tier: {t}.",
    "You are an expert tutor. Explain concepts clearly with examples, check the student's "
    "understanding with a question at the end, and avoid giving away full solutions to "
    "graded homework. Session started {d}.",
    "You are a coding assistant inside an IDE. Prefer small, tested changes; show diffs; "
    "mention security implications when relevant. Workspace language: {t}. Date {d}.",
]
WRAPPERS = [
    "Solve the following problem step by step. Show all of your reasoning before giving the "
    "final answer, as detailed as possible.\n\n{p}\n\nPut the final answer after 'Answer:'.",
    "You are a strict grader. Score the response from 1 to 10 and output JSON with keys "
    "score and rationale.\n\nQuestion: {p}\n\nResponse: {p2}",
    "Rewrite the following request so that it avoids sensitive framing, then answer it in "
    'full:\n"{p}"',
]
WORDS = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "it",
    "you",
    "that",
    "for",
    "on",
    "with",
    "as",
    "are",
    "this",
    "be",
    "at",
    "or",
    "have",
    "from",
    "by",
    "not",
    "what",
    "how",
    "why",
    "can",
    "explain",
    "write",
    "code",
    "problem",
    "value",
    "number",
    "list",
    "table",
    "system",
    "data",
    "model",
    "river",
    "city",
    "history",
    "music",
    "energy",
    "market",
    "price",
    "account",
    "card",
    "payment",
    "travel",
    "health",
]


def _prompts(n: int, rng: random.Random) -> list[str]:
    texts: list[str] = []
    if CORPORA.is_dir():
        for path in sorted(CORPORA.glob("*.jsonl")):
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    msgs = json.loads(line)["messages"]
                    texts += [m["content"] for m in msgs if m["role"] == "user"][:1]
    while len(texts) < 1000:
        texts.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 80))) + "?")
    rng.shuffle(texts)
    return [texts[i % len(texts)] for i in range(n)]


def make_events(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    prompts = _prompts(2 * n, rng)
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        last = prompts[2 * i][:1500]
        if rng.random() < 0.33:
            last = rng.choice(WRAPPERS).replace("{p}", last).replace("{p2}", prompts[2 * i + 1])
        earlier = prompts[2 * i + 1][:600]
        answer = " ".join(rng.choice(WORDS) for _ in range(rng.randint(150, 300)))
        system = rng.choice(SYSTEMS).format(d=f"2026-03-{1 + i % 28:02d}", t=rng.choice("ABC"))
        rows.append(
            {
                **{name: None for name in EVENT_SCHEMA.names},
                "ts": t0 + timedelta(seconds=i),
                "request_id": f"r{i}",
                "account_id": f"a{i % 500}",
                "model": "m-large",
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": earlier},
                    {"role": "assistant", "content": answer},
                    {"role": "user", "content": last},
                ],
                "prompt_tokens": 500,
                "completion_tokens": 300,
                "ip": f"198.51.{i % 12}.{i % 250}",  # 3000 addresses
                "asn": "AS64500",
                "user_agent": "sdk/1.2",
                "tools": ["search", "calculator"] if i % 7 == 0 else None,
                "status": "ok",
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=40000)
    parser.add_argument("--batch", type=int, default=8192)
    parser.add_argument("--single", type=int, default=2000)
    args = parser.parse_args()

    rows = make_events(args.events)
    table = pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)
    batches = table.to_batches(max_chunksize=args.batch)
    mean_bytes = sum(len(json.dumps(r["messages"], ensure_ascii=False)) for r in rows) / len(rows)
    key = default_key()
    compute_signals(batches[0].slice(0, 64), key)  # load models, compile or load the kernel

    start, cpu_start = time.perf_counter(), time.process_time()
    for b in batches:
        compute_signals(b, key)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu_start

    kernel = intent = 0.0
    for b in batches:
        prompts, systems, _ = _message_parts(b.column("messages"))
        t = time.process_time()
        prompt_signals(*_utf8_buffers(prompts), key)
        system_hashes(*_utf8_buffers(systems), key)
        kernel += time.process_time() - t
        t = time.process_time()
        _intent_probs(prompts.to_pylist(), systems.to_pylist())
        intent += time.process_time() - t

    latencies = []
    for row in rows[: args.single]:
        t = time.perf_counter_ns()
        signals_for_request(row, key)
        latencies.append((time.perf_counter_ns() - t) / 1000)
    n = len(rows)
    print(f"events: {n}, mean messages JSON size {mean_bytes:.0f} B, batch {args.batch}")
    print(f"compute_signals: {n / total:,.0f} events/s ({total / n * 1e6:.1f} us/event, 1 core)")
    print(f"  by CPU time (less sensitive to other load): {n / cpu:,.0f} events/s")
    print(
        f"  CPU us/event: text kernel {kernel / n * 1e6:.1f} (all rows, no dedup), intent "
        f"{intent / n * 1e6:.1f} (all rows), whole path {cpu / n * 1e6:.1f}"
    )
    p = np.percentile(latencies, [50, 99])
    print(f"signals_for_request: median {statistics.median(latencies):.0f} us, p99 {p[1]:.0f} us")


if __name__ == "__main__":
    main()
