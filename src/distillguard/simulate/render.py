"""Render one chunk of the plan into gzip members of log lines and event labels.

A chunk's bytes depend only on the plan and the seed, never on which process renders it
or in what order, so chunks can be rendered in parallel and concatenated.
"""

from __future__ import annotations

import gzip
import random
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import orjson

from distillguard.simulate.clients import TLS_FINGERPRINTS, USER_AGENTS
from distillguard.simulate.conversations import SessionInfo, build_dialogue
from distillguard.simulate.corpora import PromptBank
from distillguard.simulate.dialogue import Dialogue, count_tokens
from distillguard.simulate.identity import IdKeys
from distillguard.simulate.kinds import HARVEST_KINDS, KIND_NAMES
from distillguard.simulate.network import ASNS, ip_to_str
from distillguard.simulate.plan import INJECTION_KINDS
from distillguard.simulate.scenario import MODELS

COMPRESSLEVEL = 1
_CACHE_SESSIONS = 4096
_ASN_LABELS = tuple(a.label for a in ASNS)
_MODEL_NAMES = tuple(m.name for m in MODELS)
_REASONING = tuple(m.reasoning for m in MODELS)
_HARVEST = frozenset(int(k) for k in HARVEST_KINDS)
_BAD_TS = (
    "2025-02-30T25:61:00Z",
    "not-a-timestamp",
    "",
    "06/05/2025 14:00",
    "2025-06-05T14:00:00+99:00",
    "2025-13-01T00:00:00Z",
)
_NOISE = (
    b"upstream timed out (110: Connection timed out) while reading response header",
    b"<html><head><title>502 Bad Gateway</title></head></html>",
)


@dataclass(frozen=True, slots=True)
class RenderContext:
    """Read-only inputs shared by every chunk."""

    keys: IdKeys
    bank: PromptBank | None
    account_ids: tuple[str, ...]
    account_labels: tuple[tuple[str, str], ...]  # (population, campaign or "")
    n_events: int


@dataclass(frozen=True, slots=True)
class ChunkTask:
    """The slice of the plan a chunk renders (per-event arrays, session fields joined)."""

    index: int
    first: int
    arrays: dict[str, np.ndarray]
    inj_after: np.ndarray
    inj_kind: np.ndarray
    inj_src: np.ndarray
    inj_first: int  # global number of this chunk's first injected line


@dataclass(frozen=True, slots=True)
class ChunkResult:
    index: int
    events_gz: bytes
    labels_gz: bytes
    lines: int
    raw_bytes: int


def format_ts(us: int) -> str:
    """RFC 3339 UTC with microseconds and ``Z``."""
    sec, frac = divmod(int(us), 1_000_000)
    return f"{_minute(sec // 60)}{sec % 60:02d}.{frac:06d}Z"


@lru_cache(maxsize=4096)
def _minute(minute: int) -> str:
    """``YYYY-MM-DDTHH:MM:`` of a minute since the epoch (events arrive in time order)."""
    return time.strftime("%Y-%m-%dT%H:%M:", time.gmtime(minute * 60))


def render_chunk(ctx: RenderContext, task: ChunkTask) -> ChunkResult:
    a = {k: v.tolist() for k, v in task.arrays.items()}
    after = task.inj_after.tolist()
    keys = ctx.keys
    cache: OrderedDict[int, tuple[Dialogue, list[int]]] = OrderedDict()
    lines: list[bytes] = []
    labels: list[str] = []
    rendered: list[bytes] = []
    inj = 0
    n_inj = len(task.inj_after)
    for i in range(len(a["ts"])):
        pos = task.first + i
        session = int(a["session"][i])
        turn = int(a["turn"][i])
        cached = cache.get(session)
        if cached is None:
            info = SessionInfo(
                kind=int(a["kind"][i]),
                lang=int(a["lang"][i]),
                reasoning_model=_REASONING[int(a["model"][i])],
                turns=int(a["turns"][i]),
                variant=int(a["variant"][i]),
                seed=int(a["seed"][i]),
                paraphrase=bool(a["paraphrase"][i]),
            )
            dialogue = build_dialogue(info, ctx.bank)
            cached = (dialogue, dialogue.prompt_tokens())
            cache[session] = cached
            if len(cache) > _CACHE_SESSIONS:
                cache.popitem(last=False)
        dialogue, prompt_tokens = cached
        turn = min(turn, len(dialogue.steps) - 1)
        step = dialogue.steps[turn]
        messages = dialogue.messages_for(turn)
        account = int(a["account"][i])
        status = int(a["status"][i])
        request_id = keys.request_id(pos)
        event: dict[str, Any] = {
            "ts": format_ts(int(a["ts"][i])),
            "request_id": request_id,
            "account_id": ctx.account_ids[account],
            "model": _MODEL_NAMES[int(a["model"][i])],
            "messages": messages,
        }
        completion = reasoning_tokens = 0
        if status == 200:
            event["response"] = step.response
            completion = count_tokens(step.response)
            if step.reasoning is not None:
                event["reasoning"] = step.reasoning
                reasoning_tokens = count_tokens(step.reasoning)
            else:
                reasoning_tokens = step.hidden_reasoning_tokens
        event["usage"] = {
            "prompt_tokens": prompt_tokens[turn],
            "completion_tokens": completion + reasoning_tokens,
            "reasoning_tokens": reasoning_tokens,
        }
        client = int(a["client"][i])
        event["ip"] = ip_to_str(int(a["ip"][i]))
        event["asn"] = _ASN_LABELS[int(a["asn"][i])]
        event["user_agent"] = USER_AGENTS[client]
        event["tls_fingerprint"] = TLS_FINGERPRINTS[client]
        event["api_key_id"] = keys.api_key_id(account, int(a["key_slot"][i]))
        event["session_id"] = keys.session_id(session)
        if dialogue.tools:
            event["tools"] = [{"name": t} for t in dialogue.tools]
        event["status"] = status
        line = orjson.dumps(event) + b"\n"
        lines.append(line)
        rendered.append(line)
        kind = int(a["kind"][i])
        population, campaign = ctx.account_labels[account]
        harvest = "true" if kind in _HARVEST else "false"
        labels.append(
            f"{request_id},{ctx.account_ids[account]},{population},{campaign},"
            f"{KIND_NAMES[kind]},{harvest},{status}\n"
        )
        while inj < n_inj and after[inj] == pos:
            kind_name = INJECTION_KINDS[int(task.inj_kind[inj])]
            if kind_name == "duplicate":
                lines.append(rendered[int(task.inj_src[inj]) - task.first])
            else:
                number = ctx.n_events + task.inj_first + inj
                r = random.Random(keys.request ^ number)
                lines.append(_malformed(r, kind_name, event, line, keys.request_id(number)))
            inj += 1
    body = b"".join(lines)
    label_bytes = "".join(labels).encode()
    return ChunkResult(
        index=task.index,
        events_gz=gzip.compress(body, compresslevel=COMPRESSLEVEL, mtime=0),
        labels_gz=gzip.compress(label_bytes, compresslevel=COMPRESSLEVEL, mtime=0),
        lines=len(lines),
        raw_bytes=len(body),
    )


def _malformed(
    r: random.Random, kind: str, event: dict[str, Any], line: bytes, new_id: str
) -> bytes:
    """An extra broken line derived from ``event``; never a valid v1 event."""
    if kind == "invalid_json":
        choice = r.randrange(3)
        if choice == 0:
            return line.replace(b'":', b'"=', 1)
        if choice == 1:
            return r.choice(_NOISE) + b"\n"
        return repr({"ts": event["ts"], "request_id": new_id, "status": 200}).encode() + b"\n"
    if kind == "truncated":
        return line[: r.randint(20, max(21, len(line) - 3))] + b"\n"
    bad = dict(event)
    bad["request_id"] = new_id
    if kind == "missing_field":
        del bad[r.choice(("ts", "account_id", "model", "messages", "request_id"))]
    elif kind == "wrong_type":
        field = r.choice(("messages", "messages", "ts", "account_id", "model"))
        bad[field] = {
            "messages": r.choice((event["messages"][-1]["content"][:200], {"role": "user"})),
            "ts": [event["ts"]],
            "account_id": {"id": event["account_id"]},
            "model": [event["model"]],
        }[field]
    else:
        bad["ts"] = r.choice(_BAD_TS)
    return orjson.dumps(bad) + b"\n"
