"""Write a rendered plan to disk: events (in parallel, as ordered gzip members), event
labels, accounts, account labels, releases and the scenario description."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from distillguard.engine.local import LocalEngine
from distillguard.simulate.plan import CHUNK_EVENTS, INJECTION_KINDS, Plan
from distillguard.simulate.render import (
    COMPRESSLEVEL,
    ChunkResult,
    ChunkTask,
    RenderContext,
    format_ts,
    render_chunk,
)
from distillguard.simulate.scenario import (
    ATTACK_POPULATIONS,
    CAMPAIGN_DESCRIPTIONS,
    EARLIER_RELEASES,
    MODELS,
    NEW_MODEL,
    ScenarioConfig,
)

EVENT_LABEL_HEADER = "request_id,account_id,population,campaign,intent,harvest,status\n"
_SESSION_FIELDS = (
    "account",
    "kind",
    "lang",
    "model",
    "client",
    "turns",
    "variant",
    "key_slot",
    "seed",
    "paraphrase",
)


@dataclass(frozen=True, slots=True)
class EventsWritten:
    lines: int
    raw_bytes: int


def chunk_tasks(plan: Plan) -> Iterator[ChunkTask]:
    """Slices of the plan, each with its session fields joined per event."""
    n = plan.n_events
    for index, first in enumerate(range(0, n, CHUNK_EVENTS)):
        last = min(n, first + CHUNK_EVENTS)
        arrays = {k: v[first:last] for k, v in plan.events.items()}
        session = arrays["session"]
        for name in _SESSION_FIELDS:
            arrays[name] = plan.sessions[name][session]
        lo = int(np.searchsorted(plan.inj_after, first, side="left"))
        hi = int(np.searchsorted(plan.inj_after, last, side="left"))
        yield ChunkTask(
            index=index,
            first=first,
            arrays=arrays,
            inj_after=plan.inj_after[lo:hi],
            inj_kind=plan.inj_kind[lo:hi],
            inj_src=plan.inj_src[lo:hi],
            inj_first=lo,
        )


_WORKER_CONTEXT: list[RenderContext] = []


def _set_context(ctx: RenderContext) -> None:
    _WORKER_CONTEXT[:] = [ctx]


def _render_in_worker(task: ChunkTask) -> ChunkResult:
    return render_chunk(_WORKER_CONTEXT[0], task)


def _rendered(ctx: RenderContext, plan: Plan, workers: int) -> Iterator[ChunkResult]:
    """Chunk results in order, a bounded number in flight.

    The engine's workers get the render context once each, ignore Ctrl-C (the parent ends
    them) and exit with the parent.
    """
    tasks = chunk_tasks(plan)
    if workers <= 1:
        for task in tasks:
            yield render_chunk(ctx, task)
        return
    engine = LocalEngine(workers=workers, max_in_flight=2, setup=_set_context, setup_args=(ctx,))
    with engine:
        yield from engine.map_batches(tasks, _render_in_worker)


def write_events(
    ctx: RenderContext,
    plan: Plan,
    out_dir: Path,
    workers: int,
    on_chunk: Callable[[int], None],
) -> EventsWritten:
    """Write ``events.jsonl.gz`` and ``event_labels.csv.gz``; ``on_chunk(events)`` reports."""
    lines = raw = 0
    header = gzip.compress(EVENT_LABEL_HEADER.encode(), compresslevel=COMPRESSLEVEL, mtime=0)
    with (
        open(out_dir / "events.jsonl.gz", "wb") as events,
        open(out_dir / "event_labels.csv.gz", "wb") as labels,
    ):
        labels.write(header)
        for result in _rendered(ctx, plan, workers):
            events.write(result.events_gz)
            labels.write(result.labels_gz)
            lines += result.lines
            raw += result.raw_bytes
            on_chunk(min(CHUNK_EVENTS, plan.n_events - result.index * CHUNK_EVENTS))
    return EventsWritten(lines, raw)


def _rfc3339(us: int) -> str:
    return format_ts(us).replace(".000000Z", "Z")


def write_accounts(ctx: RenderContext, plan: Plan, path: Path) -> None:
    keys = ctx.keys
    with open(path, "wb") as f:
        for i, acc in enumerate(plan.accounts):
            row = {
                "account_id": ctx.account_ids[i],
                "created_at": _rfc3339(acc.created_at),
                "email_domain": acc.email_domain,
                "payment_fingerprint": None
                if acc.payment is None
                else keys.payment_token(acc.payment),
                "signup_channel": acc.signup_channel,
                "country": acc.country,
                "org_id": None if acc.org is None else keys.org_id(acc.org),
                "verified": acc.verified,
                "allowlist": acc.allowlist,
            }
            f.write(orjson.dumps(row) + b"\n")


def write_labels(ctx: RenderContext, plan: Plan, path: Path) -> None:
    exchanges = plan.attack_exchanges()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["account_id", "population", "campaign", "is_attack", "attack_exchanges"])
    for i, acc in enumerate(plan.accounts):
        is_attack = acc.population in ATTACK_POPULATIONS
        w.writerow(
            [
                ctx.account_ids[i],
                acc.population,
                acc.campaign or "",
                "true" if is_attack else "false",
                int(exchanges[i]),
            ]
        )
    path.write_text(buf.getvalue(), encoding="utf-8")


def releases(plan: Plan) -> list[dict[str, str]]:
    out = [{"name": name, "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ")} for name, ts in EARLIER_RELEASES]
    out.append({"name": MODELS[NEW_MODEL].name, "ts": _rfc3339(plan.window.release)})
    return out


def scenario_description(
    config: ScenarioConfig, plan: Plan, written: EventsWritten, prompts: dict[str, Any] | None
) -> dict[str, Any]:
    """Everything ``scenario.json`` records about what was generated."""
    acct = plan.event_account()
    ts = plan.events["ts"]
    per_account = plan.events_per_account()
    exchanges = plan.attack_exchanges()
    pops: dict[str, dict[str, Any]] = {}
    members: dict[str, list[int]] = {}
    for i, a in enumerate(plan.accounts):
        p = pops.setdefault(
            a.population,
            {"accounts": 0, "events": 0, "is_attack": a.population in ATTACK_POPULATIONS},
        )
        p["accounts"] += 1
        p["events"] += int(per_account[i])
        if a.campaign:
            members.setdefault(a.campaign, []).append(i)
    in_campaign = np.full(len(plan.accounts), -1)
    names = sorted(members)
    for k, name in enumerate(names):
        in_campaign[members[name]] = k
    event_campaign = in_campaign[acct]
    campaigns = []
    for k, name in enumerate(names):
        mine = ts[event_campaign == k]
        population = plan.accounts[members[name][0]].population
        campaigns.append(
            {
                "id": name,
                "population": population,
                "description": CAMPAIGN_DESCRIPTIONS[population],
                "members": len(members[name]),
                "start": _rfc3339(int(mine.min())) if mine.size else None,
                "end": _rfc3339(int(mine.max())) if mine.size else None,
                "events": int(mine.size),
                "exchanges": int(exchanges[members[name]].sum()),
            }
        )
    kinds = plan.inj_kind
    malformed = {
        name: int((kinds == k).sum())
        for k, name in enumerate(INJECTION_KINDS)
        if name != "duplicate"
    }
    return {
        "scenario": config.name,
        "seed": config.seed,
        "scale": config.scale,
        "adversary": list(config.adversary),
        "start": _rfc3339(plan.window.start),
        "end": _rfc3339(plan.window.end),
        "releases": releases(plan),
        "new_model": {"name": MODELS[NEW_MODEL].name, "ts": _rfc3339(plan.window.release)},
        "populations": pops,
        "campaigns": campaigns,
        "injected": {
            "malformed": malformed,
            "malformed_total": sum(malformed.values()),
            "duplicates": int((kinds == 0).sum()),
        },
        "totals": {
            "accounts": len(plan.accounts),
            "attack_accounts": int(sum(1 for a in plan.accounts if a.campaign)),
            "valid_events": plan.n_events,
            "lines": written.lines,
            "uncompressed_bytes": written.raw_bytes,
        },
        "prompts": prompts,
        "generated_by": "distillguard.simulate",
    }


def write_json(path: Path, value: Any) -> None:
    path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n")


def epoch_us(dt: datetime) -> int:
    delta = dt.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
