"""Assemble per-request signals: ``EVENT_SCHEMA`` batch in, ``SIGNAL_SCHEMA`` batch out.

The batch path stays in Arrow and numpy: message lists are flattened once to find each
request's last user turn and first system prompt (a ``PROMPT_VIEW_SCHEMA`` batch has them
picked out already), and every distinct prompt, system prompt, (system, prompt) pair for the
intent model, IP address and tool list is processed once (retries, fixed system prompts and
exact-repeat harvesting make repeats common), and across batches per-text results are
memoised (``signals/memo.py``); prompt bytes go to the compiled text kernel without copies.
The live path (``signals_for_request``) feeds the same kernels with one row, so both give
identical values.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.events.schema import EVENT_SCHEMA, PROMPT_VIEW_SCHEMA
from distillguard.signals import intent as it
from distillguard.signals.fingerprint import ENV_VAR, FingerprintKey
from distillguard.signals.infra import net_prefix, net_prefixes
from distillguard.signals.kernel import PromptSignals, encode_texts, prompt_signals, system_hashes
from distillguard.signals.memo import Columns, RowMemo
from distillguard.signals.schema import INTENT_SCORE_COLUMNS, INTENTS, LSH_BANDS, SIGNAL_SCHEMA
from distillguard.signals.structure import FORMATS, LANGS, tools_hash

CARRIED = (
    "ts",
    "request_id",
    "account_id",
    "model",
    "ip",
    "asn",
    "user_agent",
    "tls_fingerprint",
    "session_id",
    "status",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
)
SYSTEM_ROLES = ("system", "developer")
_INT16_MAX = np.iinfo(np.int16).max
_INT32_MAX = np.iinfo(np.int32).max


@dataclass(frozen=True)
class RequestSignals:
    """One request's signals: the fields and order of ``SIGNAL_SCHEMA``."""

    ts: datetime
    request_id: str
    account_id: str
    model: str
    ip: str | None
    asn: str | None
    user_agent: str | None
    tls_fingerprint: str | None
    session_id: str | None
    status: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    reasoning_tokens: int | None
    net_prefix: str | None
    intent: str
    p_cot: float
    p_rubric: float
    p_censor: float
    p_agentic: float
    p_sweep: float
    template_hash: int
    lsh_bands: tuple[int, ...]
    prompt_hash: int
    system_hash: int
    tools_hash: int
    n_tools: int
    n_turns: int
    prompt_chars: int
    lang: str
    output_max: bool
    format_req: str
    topic: int


def default_key() -> FingerprintKey:
    """The key from ``DISTILLGUARD_FINGERPRINT_KEY`` (or the default), derived once per value."""
    return _key_for(os.environ.get(ENV_VAR, ""))


@functools.lru_cache(maxsize=4)
def _key_for(value: str) -> FingerprintKey:
    return FingerprintKey.from_env({ENV_VAR: value})


def compute_signals(batch: pa.RecordBatch, key: FingerprintKey | None = None) -> pa.RecordBatch:
    """Signals of every event in ``batch``, same rows in the same order."""
    _check_schema(batch, EVENT_SCHEMA, "compute_signals", "an EVENT_SCHEMA")
    prompts, systems, n_turns = _message_parts(batch.column("messages"))
    return _signals(batch, prompts, systems, n_turns, key or default_key())


def compute_view_signals(
    batch: pa.RecordBatch, key: FingerprintKey | None = None
) -> pa.RecordBatch:
    """``compute_signals`` of a ``PROMPT_VIEW_SCHEMA`` batch (the scored turns already picked
    out): the same signals, without building every message of every request in Arrow."""
    _check_schema(batch, PROMPT_VIEW_SCHEMA, "compute_view_signals", "a PROMPT_VIEW_SCHEMA")
    n_turns = np.asarray(batch.column("n_turns").to_numpy(), dtype=np.int64)
    prompts = cast(pa.StringArray, batch.column("prompt"))
    systems = cast(pa.StringArray, batch.column("system"))
    return _signals(batch, prompts, systems, n_turns, key or default_key())


def _signals(
    batch: pa.RecordBatch,
    prompts: pa.StringArray,
    systems: pa.StringArray,
    n_turns: np.ndarray,
    key: FingerprintKey,
) -> pa.RecordBatch:
    p_codes, p_unique = _distinct(prompts)
    s_codes, s_unique = _distinct(systems)
    # Both are null-free (``_distinct`` of filled columns).
    p_texts, s_texts = cast(list[str], p_unique.to_pylist()), cast(list[str], s_unique.to_pylist())
    rows = _prompt_rows(p_unique, p_texts, key)
    exact = rows.pop("prompt_hash")
    text = PromptSignals(**rows)
    system_hash = system_hashes(*_utf8_buffers(s_unique), key)[s_codes]
    pairs, pair_codes = np.unique(p_codes * len(s_unique) + s_codes, return_inverse=True)
    intent_texts = _intent_texts(
        [p_texts[i] for i in (pairs // len(s_unique)).tolist()],
        [s_texts[j] for j in (pairs % len(s_unique)).tolist()],
    )
    model = it.load_intent_model()
    probs = _INTENT_MEMO.rows(
        intent_texts, lambda miss: {"p": model.predict_proba([intent_texts[i] for i in miss])}
    )["p"][pair_codes.reshape(-1)]
    tools = batch.column("tools")
    columns: dict[str, pa.Array] = {name: batch.column(name) for name in CARRIED}
    columns["net_prefix"] = net_prefixes(batch.column("ip"))
    columns.update(_intent_columns(probs))
    columns["template_hash"] = pa.array(text.template_hash[p_codes], type=pa.uint64())
    columns["lsh_bands"] = pa.FixedSizeListArray.from_arrays(
        pa.array(text.lsh_bands[p_codes].reshape(-1), type=pa.uint64()), LSH_BANDS
    )
    columns["prompt_hash"] = pa.array(exact[p_codes], pa.uint64())
    columns["system_hash"] = pa.array(system_hash, type=pa.uint64())
    columns["tools_hash"] = _tools_hashes(tools, key)
    n_tools = pc.fill_null(pc.list_value_length(tools), 0).to_numpy(zero_copy_only=False)
    columns["n_tools"] = pa.array(np.minimum(n_tools, _INT16_MAX), type=pa.int16())
    columns["n_turns"] = pa.array(np.minimum(n_turns, _INT16_MAX), type=pa.int16())
    columns["prompt_chars"] = pc.cast(pc.utf8_length(prompts), pa.int32())
    columns.update(_structure_columns(text, p_codes))
    return pa.RecordBatch.from_arrays(
        [columns[name] for name in SIGNAL_SCHEMA.names], schema=SIGNAL_SCHEMA
    )


# Distinct texts each memo holds: about 22 MB of prompts and 36 MB of intent texts per worker
# at the bench's text lengths. Over the scale-10 bench file (3.05M events) both workers
# together compute 1.05M prompts with 25,000, 0.96M with 100,000 and 1.54M with no memo.
MEMO_TEXTS = 25_000
_INTENT_MEMO = RowMemo(MEMO_TEXTS)


@functools.lru_cache(maxsize=4)
def _prompt_memo(key: FingerprintKey) -> RowMemo:
    return RowMemo(MEMO_TEXTS)


def clear_memos() -> None:
    """Empty this process's text memos, so the next batches compute every text afresh."""
    _INTENT_MEMO.clear()
    _prompt_memo.cache_clear()


def _prompt_rows(unique: pa.StringArray, texts: list[str], key: FingerprintKey) -> Columns:
    """``PromptSignals`` columns plus ``prompt_hash`` of each distinct prompt, each text
    computed once per process while the memo holds it."""

    def compute(miss: np.ndarray) -> Columns:
        part = unique if len(miss) == len(texts) else unique.take(pa.array(miss))
        text = prompt_signals(*_utf8_buffers(cast(pa.StringArray, part)), key)
        columns = {f.name: getattr(text, f.name) for f in fields(text)}
        exact = [key.hash_bytes(texts[i].encode("utf-8")) if texts[i] else 0 for i in miss]
        columns["prompt_hash"] = np.asarray(exact, dtype=np.uint64)
        return columns

    return _prompt_memo(key).rows(texts, compute)


def signals_for_request(
    event: Mapping[str, Any], key: FingerprintKey | None = None
) -> RequestSignals:
    """Signals of one event given as a dict of ``EVENT_SCHEMA`` columns (the live path)."""
    missing = [name for name in ("ts", "request_id", "account_id", "model") if name not in event]
    if missing:
        raise ValueError(f"event lacks required fields {missing}")
    key = key or default_key()
    messages = event.get("messages")
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        raise ValueError(f"event messages must be a list, got {type(messages).__name__}")
    prompt, system = _single_parts(messages)
    text = prompt_signals(*encode_texts([prompt]), key)
    probs = _intent_probs([prompt], [system])[0].tolist()
    tools = event.get("tools") or []
    values: dict[str, Any] = {name: event.get(name) for name in CARRIED}
    values["net_prefix"] = net_prefix(event.get("ip"))
    values["intent"] = INTENTS[probs.index(max(probs))]
    values.update(zip(INTENT_SCORE_COLUMNS, probs[1:], strict=True))
    values["template_hash"] = text.template_hash.item(0)
    values["lsh_bands"] = tuple(text.lsh_bands[0].tolist())
    values["prompt_hash"] = key.hash_bytes(prompt.encode("utf-8")) if prompt else 0
    values["system_hash"] = _system_hash(system, key)
    values["tools_hash"] = tools_hash(tools, key)
    values["n_tools"] = min(len(tools), _INT16_MAX)
    values["n_turns"] = min(len(messages), _INT16_MAX)
    values["prompt_chars"] = min(len(prompt), _INT32_MAX)
    values["lang"] = LANGS[text.lang.item(0)]
    values["output_max"] = text.output_max.item(0)
    values["format_req"] = FORMATS[text.format_req.item(0)]
    values["topic"] = text.topic.item(0)
    return RequestSignals(**values)


@functools.lru_cache(maxsize=4096)
def _system_hash(system: str, key: FingerprintKey) -> int:
    """System prompts repeat across a deployment's requests: hash each one once."""
    return int(system_hashes(*encode_texts([system]), key)[0])


def signals_to_row(signals: RequestSignals) -> dict[str, Any]:
    """A ``RequestSignals`` as a dict in schema order (for building tables from live rows)."""
    row = {f.name: getattr(signals, f.name) for f in fields(signals)}
    row["lsh_bands"] = list(signals.lsh_bands)
    return row


def _check_schema(batch: object, schema: pa.Schema, caller: str, name: str) -> None:
    if not isinstance(batch, pa.RecordBatch):
        raise TypeError(f"{caller} needs a pyarrow.RecordBatch, got {type(batch).__name__}")
    problems = []
    for expected in schema:
        idx = batch.schema.get_field_index(expected.name)
        if idx < 0:
            problems.append(f"missing column {expected.name!r}")
        elif not batch.schema.field(idx).type.equals(expected.type):
            problems.append(
                f"column {expected.name!r} is {batch.schema.field(idx).type}, "
                f"expected {expected.type}"
            )
    if problems:
        raise ValueError(f"{caller} needs {name} batch: " + "; ".join(problems))


def _message_parts(messages: pa.Array) -> tuple[pa.StringArray, pa.StringArray, np.ndarray]:
    """Per row: the last user turn, the first system prompt ("" when absent), message count."""
    n = len(messages)
    n_turns = _int_values(pc.list_value_length(messages))
    flat = cast(pa.StructArray, pc.list_flatten(messages))
    role, content = flat.flatten()
    parents = _int_values(pc.list_parent_indices(messages))
    user_idx = np.flatnonzero(_flags(pc.equal(role, pa.scalar("user"))))
    system_idx = np.flatnonzero(_flags(pc.is_in(role, value_set=pa.array(SYSTEM_ROLES))))
    # Flattened messages keep row order, so a row's last user turn is the last user index
    # before the parent changes, and its first system prompt the first after a change.
    last = np.ones(len(user_idx), dtype=bool)
    last[:-1] = parents[user_idx[:-1]] != parents[user_idx[1:]]
    first = np.ones(len(system_idx), dtype=bool)
    first[1:] = parents[system_idx[1:]] != parents[system_idx[:-1]]
    text = cast(pa.StringArray, content.fill_null(""))
    prompts = _pick(text, n, parents[user_idx[last]], user_idx[last])
    systems = _pick(text, n, parents[system_idx[first]], system_idx[first])
    return prompts, systems, n_turns


def _int_values(arr: Any) -> np.ndarray:
    """An integer Arrow array as int64 numpy, nulls as 0."""
    return np.asarray(pc.fill_null(arr, 0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _flags(arr: Any) -> np.ndarray:
    """A boolean Arrow array as numpy, nulls as False."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _pick(values: pa.StringArray, n: int, rows: np.ndarray, idx: np.ndarray) -> pa.StringArray:
    """``values[idx[k]]`` at row ``rows[k]``, "" elsewhere."""
    take = np.zeros(n, dtype=np.int64)
    take[rows] = idx
    missing = np.ones(n, dtype=bool)
    missing[rows] = False
    if len(values) == 0:
        return cast(pa.StringArray, pa.array([""] * n, type=pa.string()))
    indices = pa.array(take, type=pa.int64(), mask=missing)
    return cast(pa.StringArray, values.take(indices).fill_null(""))


def _distinct(arr: pa.StringArray) -> tuple[np.ndarray, pa.StringArray]:
    """Row codes (int64) into the distinct values of a null-free string array."""
    encoded = cast(pa.DictionaryArray, pc.dictionary_encode(arr))
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return codes, cast(pa.StringArray, encoded.dictionary)


def _utf8_buffers(arr: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """Zero-copy UTF-8 bytes and int64 offsets of a string array."""
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(
        memoryview(cast(Any, offsets_buf)), dtype=np.int32, count=len(arr) + 1,
        offset=arr.offset * 4,
    )  # fmt: skip
    if data_buf is None:
        return np.zeros(0, dtype=np.uint8), offsets.astype(np.int64)
    return np.frombuffer(memoryview(cast(Any, data_buf)), dtype=np.uint8), offsets.astype(np.int64)


def _single_parts(messages: Sequence[Any]) -> tuple[str, str]:
    prompt = ""
    system = None
    for i, msg in enumerate(messages):
        if not isinstance(msg, Mapping):
            raise ValueError(f"messages[{i}] must be a mapping, got {type(msg).__name__}")
        role = msg.get("role")
        content = msg.get("content") or ""
        if not isinstance(content, str):
            raise ValueError(f"messages[{i}].content must be a string")
        if role == "user":
            prompt = content
        elif role in SYSTEM_ROLES and system is None:
            system = content
    return prompt, system or ""


def _intent_probs(prompts: Sequence[str | None], systems: Sequence[str | None]) -> np.ndarray:
    return it.load_intent_model().predict_proba(_intent_texts(prompts, systems))


def _intent_texts(prompts: Sequence[str | None], systems: Sequence[str | None]) -> list[str]:
    return [it.intent_text(s or None, p or "") for p, s in zip(prompts, systems, strict=True)]


def _intent_columns(probs: np.ndarray) -> dict[str, pa.Array]:
    labels = pa.array(INTENTS, type=pa.string())
    codes = (
        pa.array(np.argmax(probs, axis=1).astype(np.int32))
        if len(probs)
        else pa.array([], pa.int32())
    )
    out: dict[str, pa.Array] = {"intent": pc.take(labels, codes)}
    for k, name in enumerate(INTENT_SCORE_COLUMNS, start=1):
        out[name] = pa.array(probs[:, k], type=pa.float32())
    return out


def _structure_columns(text: PromptSignals, codes: np.ndarray) -> dict[str, pa.Array]:
    langs = pa.array(LANGS, type=pa.string())
    formats = pa.array(FORMATS, type=pa.string())
    return {
        "lang": langs.take(pa.array(text.lang[codes])),
        "output_max": pa.array(text.output_max[codes], type=pa.bool_()),
        "format_req": formats.take(pa.array(text.format_req[codes])),
        "topic": pa.array(text.topic[codes], type=pa.int32()),
    }


def _tools_hashes(tools: pa.Array, key: FingerprintKey) -> pa.Array:
    """Keyed hash per row, computed once per distinct tool list."""
    joined = pc.binary_join(tools, "\x1f")
    encoded = cast(pa.DictionaryArray, pc.dictionary_encode(joined))
    names = [v.split("\x1f") if v is not None else None for v in encoded.dictionary.to_pylist()]
    table = pa.array([tools_hash(v, key) for v in names], type=pa.uint64())
    return table.take(encoded.indices).fill_null(0)
