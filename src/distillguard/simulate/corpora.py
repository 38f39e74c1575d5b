"""Optional real prompt corpora (``--prompts DIR``) mixed into generated traffic.

The files use the format of /work/shared/corpora: one ``{"id", "messages": [...]}`` object
per line. The simulator never needs them; when given they make benign traffic (and the
tasks attack templates wrap) more realistic. Files are recognised by name prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson
import xxhash

Turn = tuple[str, str]  # (role, content)
Conversation = tuple[Turn, ...]

SOURCES = (
    "oasst_prompts",
    "oasst_conversations",
    "arena_hard",
    "nq_open",
    "banking77",
    "hh_harmless",
    "mt_bench",
    "gsm8k",
    "humaneval",
    "self_instruct",
    "glaive_toolcall",
    "belle",
)
_ROLES = frozenset({"system", "user", "assistant", "tool"})


class CorpusError(ValueError):
    """A prompt corpus is missing or malformed."""


@dataclass(frozen=True, slots=True)
class PromptBank:
    """Conversations per source; a source absent from the directory is an empty tuple."""

    conversations: dict[str, tuple[Conversation, ...]] = field(default_factory=dict)
    digest: str = ""

    def get(self, source: str) -> tuple[Conversation, ...]:
        return self.conversations.get(source, ())

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in sorted(self.conversations.items())}


def load_prompt_bank(directory: Path) -> PromptBank:
    """Read every recognised ``*.jsonl`` file in ``directory``.

    Raises CorpusError if the directory is missing, holds no recognised file, or a line is
    not a valid record (the message names file and line).
    """
    if not directory.is_dir():
        raise CorpusError(f"prompts directory not found: {directory}")
    found: dict[str, list[Conversation]] = {}
    hasher = xxhash.xxh64()
    for path in sorted(directory.glob("*.jsonl")):
        source = next((s for s in SOURCES if path.name.startswith(s)), None)
        if source is None:
            continue
        data = path.read_bytes()
        hasher.update(path.name.encode())
        hasher.update(data)
        found.setdefault(source, []).extend(_parse(path, data))
    if not found:
        known = ", ".join(SOURCES)
        raise CorpusError(f"no recognised corpus file (*.jsonl named {known}) in {directory}")
    return PromptBank({k: tuple(v) for k, v in found.items()}, hasher.hexdigest())


def _parse(path: Path, data: bytes) -> list[Conversation]:
    out: list[Conversation] = []
    for lineno, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
            messages = record["messages"]
            conv = tuple((str(m["role"]), str(m["content"])) for m in messages)
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise CorpusError(f"{path}:{lineno}: not a prompt record ({exc})") from exc
        if not conv or any(role not in _ROLES for role, _ in conv):
            raise CorpusError(f"{path}:{lineno}: empty messages or unknown role")
        if any(content.strip() for _, content in conv):
            out.append(conv)
    return out
