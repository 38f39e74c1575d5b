"""Real public prompts from /work/shared/corpora: benign examples and realistic payloads.

Every record goes to the train or the test split by a stable hash of its id, so a prompt
used as training data (or as a payload inside a training example) never shows up in the
held-out measurements.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

# Corpora whose user turns are benign traffic. glaive_toolcall's user turns are ordinary
# end users of a tool-enabled chat app (the tool calls were stripped), so they are benign:
# agentic_trace means agent scaffolds and trajectories, not people asking a chatbot.
BENIGN_CORPORA = (
    "oasst_prompts_en",
    "oasst_conversations_en",
    "arena_hard_v0_1",
    "nq_open_dev",
    "banking77_train",
    "hh_harmless_base_test",
    "mt_bench",
    "gsm8k_train",
    "humaneval",
    "self_instruct_seeds",
    "glaive_toolcall_demo",
    "belle_eval_zh",
)
SPLITS = (("test", 40), ("train", 100))  # split, upper bound of hash % 100


@dataclass(frozen=True)
class Record:
    """One user turn of a real conversation, with the assistant turns of that conversation."""

    corpus: str
    id: str
    user: str
    responses: tuple[str, ...]
    split: str


def default_root() -> Path:
    """The corpora folder next to the repository (``../shared/corpora``)."""
    return Path(__file__).resolve().parents[3] / "shared" / "corpora"


def split_of(record_id: str) -> str:
    bucket = zlib.crc32(record_id.encode()) % 100
    return next(name for name, upper in SPLITS if bucket < upper)


def load(root: Path, corpus: str) -> list[Record]:
    """Every user turn of a corpus (multi-turn conversations give one record per turn)."""
    path = root / f"{corpus}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"corpus {path} is missing; see /work/shared/corpora/README.md")
    records = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            obj = json.loads(line)
            messages = obj.get("messages")
            if not isinstance(messages, list) or "id" not in obj:
                raise ValueError(f"{path}:{line_no}: expected an object with id and messages")
            responses = tuple(
                m["content"] for m in messages if m["role"] == "assistant" and m["content"]
            )
            users = [m["content"] for m in messages if m["role"] == "user" and m["content"]]
            split = split_of(obj["id"])
            for turn, text in enumerate(users):
                records.append(Record(corpus, f"{obj['id']}#{turn}", text, responses, split))
    return records


def load_all(root: Path) -> dict[str, list[Record]]:
    return {name: load(root, name) for name in BENIGN_CORPORA}
